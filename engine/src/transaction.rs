//! Transactional messages, storage side (spec §10): the half-message and op-record forms.
//!
//! A prepared message is stored as a *half message* in `RMQ_SYS_TRANS_HALF_TOPIC` queue 0 with
//! its real topic and queue in properties and its transaction bits reset, so it takes a
//! half-queue offset and stays invisible to consumers of the real topic. Resolving it writes an
//! *op record* (tag `d`, body = the half queue offset) to `RMQ_SYS_TRANS_OP_HALF_TOPIC`; a
//! commit first stores the real message with the COMMIT type and the half message's physical
//! offset. The check-back service (in the broker, which knows the producers) scans the half
//! queue against the op queue.

use bytes::Bytes;

use crate::record::{property, sysflag, Properties, RecordView};
use crate::store::Message;

/// Half messages.
pub const HALF_TOPIC: &str = "RMQ_SYS_TRANS_HALF_TOPIC";
/// Op records.
pub const OP_TOPIC: &str = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
/// Half messages discarded after `transactionCheckMax` checks.
pub const CHECK_MAX_TIME_TOPIC: &str = "TRANS_CHECK_MAX_TIME_TOPIC";
/// Tag of op records.
pub const REMOVE_TAG: &str = "d";
/// Copy of UNIQ_KEY on half messages.
pub const PROPERTY_TRANSACTION_ID: &str = "__transactionId__";
/// Number of check-backs already done.
pub const PROPERTY_CHECK_TIMES: &str = "TRANSACTION_CHECK_TIMES";
/// Producer-set immunity before the first check (seconds).
pub const PROPERTY_CHECK_IMMUNITY: &str = "CHECK_IMMUNITY_TIME_IN_SECONDS";

/// Turn a prepared message into its half form (spec §10.2).
pub fn to_half(msg: &mut Message) {
    if let Some(uniq) = msg.properties.get(property::UNIQ_KEY).map(str::to_owned) {
        msg.properties.insert(PROPERTY_TRANSACTION_ID, uniq);
    }
    msg.properties
        .insert(property::REAL_TOPIC, msg.topic.clone());
    msg.properties
        .insert(property::REAL_QUEUE_ID, msg.queue_id.to_string());
    msg.sysflag &= !sysflag::TRANSACTION_TYPE_MASK;
    msg.topic = HALF_TOPIC.to_owned();
    msg.queue_id = 0;
}

/// The real topic and queue of a half message.
pub fn real_destination(half: &RecordView<'_>) -> Option<(String, i32)> {
    let topic = half.property(property::REAL_TOPIC)?.to_owned();
    let queue = half
        .property(property::REAL_QUEUE_ID)
        .and_then(|q| q.parse().ok())
        .unwrap_or(0);
    Some((topic, queue))
}

/// The committed message for a half message (spec §10.3 step 6). `bytes` is the half
/// message's stored record (its body is shared, not copied).
pub fn commit_message(half: &RecordView<'_>, bytes: &Bytes) -> Option<Message> {
    let (topic, queue_id) = real_destination(half)?;
    let f = &half.fields;
    let mut props = Properties::parse(f.properties);
    for p in [
        property::REAL_TOPIC,
        property::REAL_QUEUE_ID,
        property::TRANSACTION_PREPARED,
        PROPERTY_CHECK_TIMES,
    ] {
        props.remove(p);
    }
    props.insert(property::WAIT_STORE_MSG_OK, "false");
    Some(Message {
        topic,
        queue_id,
        flag: f.flag,
        body: bytes.slice_ref(f.body),
        properties: props,
        sysflag: (f.sysflag & !sysflag::TRANSACTION_TYPE_MASK) | sysflag::TRANSACTION_COMMIT_TYPE,
        born_timestamp: f.born_timestamp,
        born_host: f.born_host,
        reconsume_times: f.reconsume_times,
        prepared_transaction_offset: f.physical_offset,
    })
}

/// A copy of a half message to store again at the end of the half queue, with one more check
/// (spec §10.5).
pub fn recheck_copy(half: &RecordView<'_>, bytes: &Bytes) -> Message {
    let f = &half.fields;
    let mut props = Properties::parse(f.properties);
    let times = check_times(half);
    props.insert(PROPERTY_CHECK_TIMES, (times + 1).to_string());
    Message {
        topic: HALF_TOPIC.to_owned(),
        queue_id: f.queue_id,
        flag: f.flag,
        body: bytes.slice_ref(f.body),
        properties: props,
        sysflag: f.sysflag,
        born_timestamp: f.born_timestamp,
        born_host: f.born_host,
        reconsume_times: f.reconsume_times,
        prepared_transaction_offset: 0,
    }
}

/// A discarded half message, as stored in `TRANS_CHECK_MAX_TIME_TOPIC`.
pub fn discarded_copy(half: &RecordView<'_>, bytes: &Bytes) -> Message {
    let mut m = recheck_copy(half, bytes);
    m.topic = CHECK_MAX_TIME_TOPIC.to_owned();
    m.queue_id = 0;
    m
}

/// How many check-backs a half message has had.
pub fn check_times(half: &RecordView<'_>) -> u32 {
    half.property(PROPERTY_CHECK_TIMES)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The op record resolving half queue offset `half_offset`.
pub fn op_message(half_offset: i64) -> Message {
    let mut m = Message::new(OP_TOPIC, 0, Bytes::from(format!("{half_offset},")));
    m.properties.insert(property::TAGS, REMOVE_TAG);
    m
}

/// The half queue offsets an op record resolves (4.x `"12"` and 5.x `"12,13,"` bodies).
pub fn op_offsets(op: &RecordView<'_>) -> Vec<i64> {
    if op.property(property::TAGS) != Some(REMOVE_TAG) {
        return Vec::new();
    }
    std::str::from_utf8(op.fields.body)
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{encode_record, RecordFields};

    #[test]
    fn half_commit_and_op_forms() {
        let mut m = Message::new("Orders", 3, "pay").with_tags("TagA");
        m.properties.insert(property::UNIQ_KEY, "ABC");
        m.properties.insert(property::TRANSACTION_PREPARED, "true");
        m.sysflag = sysflag::TRANSACTION_PREPARED_TYPE;
        to_half(&mut m);
        assert_eq!(
            (m.topic.as_str(), m.queue_id, m.sysflag),
            (HALF_TOPIC, 0, 0)
        );
        let props = m.properties.encode();
        let mut buf = Vec::new();
        encode_record(
            &RecordFields {
                queue_id: 0,
                flag: 0,
                queue_offset: 7,
                physical_offset: 4096,
                sysflag: 0,
                born_timestamp: 1,
                born_host: m.born_host,
                store_timestamp: 2,
                store_host: m.born_host,
                reconsume_times: 0,
                prepared_transaction_offset: 0,
                body: b"pay",
                topic: HALF_TOPIC,
                properties: &props,
            },
            &mut buf,
        );
        let bytes = Bytes::from(buf);
        let half = RecordView::decode(&bytes, true).unwrap();
        assert_eq!(half.property(PROPERTY_TRANSACTION_ID), Some("ABC"));
        let c = commit_message(&half, &bytes).unwrap();
        assert_eq!((c.topic.as_str(), c.queue_id), ("Orders", 3));
        assert_eq!(c.sysflag, sysflag::TRANSACTION_COMMIT_TYPE);
        assert_eq!(c.prepared_transaction_offset, 4096);
        assert_eq!(c.properties.get(property::TAGS), Some("TagA"));
        assert_eq!(c.properties.get(property::REAL_TOPIC), None);
        assert_eq!(
            recheck_copy(&half, &bytes)
                .properties
                .get(PROPERTY_CHECK_TIMES),
            Some("1")
        );
        let op = op_message(7);
        assert_eq!(&op.body[..], b"7,");
    }
}
