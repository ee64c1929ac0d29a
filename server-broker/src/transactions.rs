//! END_TRANSACTION and the transaction check-back (spec §10.3–10.5).
//!
//! A half message is resolved once: the set of resolved half offsets (rebuilt from the op queue
//! at start, extended by every op record written) makes a repeated commit (a client retry, or
//! a commit racing a check-back) answer SUCCESS without storing a second copy.
//!
//! The check service runs every `transactionCheckInterval`. It walks the half queue from the
//! internal group `CID_RMQ_SYS_TRANS`'s offset; an unresolved half message older than
//! `transactionTimeOut` is stored again at the end of the half queue (so the queue keeps
//! moving) and a CHECK_TRANSACTION_STATE for that copy goes to a live connection of its
//! producer group; after `transactionCheckMax` checks it is moved to
//! `TRANS_CHECK_MAX_TIME_TOPIC`. The group's offsets live in consumerOffset.json, so the scan
//! survives restarts.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferromq_engine::record::{self, property, sysflag, RecordFields, RecordView};
use ferromq_engine::transaction::{self, HALF_TOPIC, OP_TOPIC};
use ferromq_engine::{GetStatus, MessageStore};
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::{CheckTransactionStateRequestHeader, EndTransactionRequestHeader};
use ferromq_protocol::RemotingCommand;
use tokio::sync::broadcast;

use crate::broker::{now_ms, Broker};
use crate::processor::{ok, reply};

/// The internal consumer group whose offsets track the half and op queues.
pub const CHECK_GROUP: &str = "CID_RMQ_SYS_TRANS";

/// Half offsets already resolved by an op record.
#[derive(Default)]
pub struct Resolved {
    set: Mutex<HashSet<i64>>,
    /// Op records below this offset have been read into `set`.
    loaded_until: Mutex<i64>,
}

impl Resolved {
    fn contains(&self, offset: i64) -> bool {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&offset)
    }

    fn insert(&self, offset: i64) -> bool {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(offset)
    }

    /// Forget resolutions below `half_offset` (the scan has passed them).
    fn prune_below(&self, half_offset: i64) {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|o| *o >= half_offset);
    }

    /// Read op records from `from` (or from where the last load stopped) into the set.
    /// Blocking: at start and from the check service.
    pub fn load(&self, store: &dyn MessageStore, from: i64) {
        let mut until = self.loaded_until.lock().unwrap_or_else(|e| e.into_inner());
        let mut offset = from.max(*until);
        loop {
            let r = store.get_message(OP_TOPIC, 0, offset, 32, 0, None);
            if r.status != GetStatus::Found {
                break;
            }
            for m in &r.messages {
                if let Ok(op) = RecordView::decode(m, false) {
                    for half in transaction::op_offsets(&op) {
                        self.insert(half);
                    }
                }
            }
            offset = r.next_begin_offset;
        }
        *until = offset;
    }
}

/// The first op record at or after `from` that still resolves a half offset ≥ `half_offset`
/// (op records before it are no longer needed after a restart).
fn first_needed_op(store: &dyn MessageStore, from: i64, half_offset: i64) -> i64 {
    let mut offset = from;
    loop {
        let r = store.get_message(OP_TOPIC, 0, offset, 32, 0, None);
        if r.status != GetStatus::Found {
            return offset;
        }
        for (m, q) in r.messages.iter().zip(&r.queue_offsets) {
            let needed = RecordView::decode(m, false)
                .map(|op| {
                    transaction::op_offsets(&op)
                        .iter()
                        .any(|h| *h >= half_offset)
                })
                .unwrap_or(false);
            if needed {
                return *q;
            }
        }
        offset = r.next_begin_offset;
    }
}

fn write_op(broker: &Broker, half_offset: i64) -> Result<(), ferromq_engine::Error> {
    broker
        .store
        .put_message(transaction::op_message(half_offset))?;
    broker.transactions.insert(half_offset);
    Ok(())
}

/// END_TRANSACTION. `None` when nothing is to be answered (state "unknown").
pub async fn end_transaction(
    broker: &Arc<Broker>,
    req: &RemotingCommand,
) -> Option<RemotingCommand> {
    let h = match req.decode_header::<EndTransactionRequestHeader>() {
        Ok(h) => h,
        Err(e) => return Some(reply(req, code::SYSTEM_ERROR, e.to_string())),
    };
    if broker.is_slave() {
        return Some(reply(
            req,
            code::SLAVE_NOT_AVAILABLE,
            "Slave is not allowed to end transactions",
        ));
    }
    let commit = match h.commit_or_rollback {
        sysflag::TRANSACTION_COMMIT_TYPE => true,
        sysflag::TRANSACTION_ROLLBACK_TYPE => false,
        _ => return None, // unknown: wait for the check-back
    };
    Some(resolve(broker, req, &h, commit).await)
}

async fn resolve(
    broker: &Arc<Broker>,
    req: &RemotingCommand,
    h: &EndTransactionRequestHeader,
    commit: bool,
) -> RemotingCommand {
    let Some(bytes) = broker.store.record_by_offset(h.commit_log_offset) else {
        return reply(
            req,
            code::SYSTEM_ERROR,
            "Find prepared transaction message failed",
        );
    };
    let Ok(half) = RecordView::decode(&bytes, false) else {
        return reply(
            req,
            code::SYSTEM_ERROR,
            "Find prepared transaction message failed",
        );
    };
    if half.fields.topic != HALF_TOPIC {
        return reply(
            req,
            code::SYSTEM_ERROR,
            "Find prepared transaction message failed",
        );
    }
    if half.property(property::PRODUCER_GROUP) != Some(h.producer_group.as_str()) {
        return reply(req, code::SYSTEM_ERROR, "The producer group wrong");
    }
    if half.fields.queue_offset != h.tran_state_table_offset {
        return reply(
            req,
            code::SYSTEM_ERROR,
            "The transaction state table offset wrong",
        );
    }
    if half.fields.physical_offset != h.commit_log_offset {
        return reply(req, code::SYSTEM_ERROR, "The commit log offset wrong");
    }
    let half_offset = half.fields.queue_offset;
    if broker.transactions.contains(half_offset) {
        return ok(req); // already resolved: never a second copy
    }
    if commit {
        let Some(msg) = transaction::commit_message(&half, &bytes) else {
            return reply(
                req,
                code::SYSTEM_ERROR,
                "the half message has no real topic",
            );
        };
        match broker.store.put_message(msg) {
            Ok(put) => {
                let _ = put.durability.await;
            }
            Err(e) => return crate::processor::send::store_error_reply(req, &e),
        }
        broker
            .put_count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    match write_op(broker, half_offset) {
        Ok(()) => ok(req),
        Err(e) => crate::processor::send::store_error_reply(req, &e),
    }
}

/// The body of CHECK_TRANSACTION_STATE: the half message re-encoded with its real topic and
/// queue (spec §3.11).
fn check_body(half: &RecordView<'_>) -> Bytes {
    let (topic, queue_id) =
        transaction::real_destination(half).unwrap_or_else(|| (half.fields.topic.to_owned(), 0));
    let f = &half.fields;
    let mut out = Vec::new();
    record::encode_record(
        &RecordFields {
            topic: &topic,
            queue_id,
            ..f.clone()
        },
        &mut out,
    );
    Bytes::from(out)
}

/// One check round. Blocking (store reads): run it off the async threads.
fn check_round(broker: &Broker) {
    let store = broker.store.as_ref();
    let started = now_ms();
    let budget = Instant::now() + Duration::from_secs(60);
    let timeout = broker.config.transaction_time_out as i64;
    let half_min = store.min_offset_in_queue(HALF_TOPIC, 0);
    let half_max = store.max_offset_in_queue(HALF_TOPIC, 0);
    let mut half_off = broker
        .offsets
        .query(CHECK_GROUP, HALF_TOPIC, 0)
        .unwrap_or(half_min)
        .max(half_min);
    let op_off = broker.offsets.query(CHECK_GROUP, OP_TOPIC, 0).unwrap_or(0);
    broker.transactions.load(store, op_off);

    let mut i = half_off;
    while i < half_max && Instant::now() < budget {
        if broker.transactions.contains(i) {
            i += 1;
            half_off = i;
            continue;
        }
        let r = store.get_message(HALF_TOPIC, 0, i, 1, 0, None);
        let Some(bytes) = r.messages.first().cloned() else {
            if r.status == GetStatus::Found {
                break;
            }
            i = r.next_begin_offset.max(i + 1);
            half_off = i;
            continue;
        };
        let Ok(half) = RecordView::decode(&bytes, false) else {
            i += 1;
            half_off = i;
            continue;
        };
        let f = &half.fields;
        let too_old =
            started - f.store_timestamp > broker.config.store.file_reserved_time as i64 * 3_600_000;
        if transaction::check_times(&half) >= broker.config.transaction_check_max || too_old {
            tracing::warn!(
                half_offset = i,
                "half message checked too often; discarded to TRANS_CHECK_MAX_TIME_TOPIC"
            );
            let _ = store.put_message(transaction::discarded_copy(&half, &bytes));
            let _ = write_op(broker, i);
            i += 1;
            half_off = i;
            continue;
        }
        if f.store_timestamp >= started {
            break; // stored during this round
        }
        let immunity = half
            .property(transaction::PROPERTY_CHECK_IMMUNITY)
            .and_then(|s| s.parse::<i64>().ok())
            .map_or(timeout, |s| (s * 1000).max(timeout));
        let age = started - f.born_timestamp;
        if age >= 0 && age <= immunity {
            break; // too young: check in a later round
        }
        // Store a fresh copy at the end of the half queue and ask the producer about it.
        let copy = match store.put_message(transaction::recheck_copy(&half, &bytes)) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "cannot re-store half message for check-back");
                break;
            }
        };
        let _ = write_op(broker, i); // the old copy is superseded by the new one
        let group = half
            .property(property::PRODUCER_GROUP)
            .unwrap_or("")
            .to_owned();
        match broker.clients.producer_channel(&group) {
            Some(ch) => {
                if let Some(copy_bytes) = store.record_by_offset(copy.wrote_offset) {
                    if let Ok(copy_view) = RecordView::decode(&copy_bytes, false) {
                        let uniq = copy_view.property(property::UNIQ_KEY).map(str::to_owned);
                        let header = CheckTransactionStateRequestHeader {
                            topic: transaction::real_destination(&copy_view).map(|(t, _)| t),
                            tran_state_table_offset: copy.queue_offset,
                            commit_log_offset: copy.wrote_offset,
                            msg_id: uniq.clone(),
                            transaction_id: copy_view
                                .property(transaction::PROPERTY_TRANSACTION_ID)
                                .map(str::to_owned)
                                .or(uniq),
                            offset_msg_id: Some(copy.msg_id()),
                            broker_name: Some(broker.config.broker_name.clone()),
                        };
                        let check = RemotingCommand::request(request_code::CHECK_TRANSACTION_STATE)
                            .with_opaque(broker.next_opaque())
                            .with_header(&header)
                            .with_body(check_body(&copy_view))
                            .oneway();
                        if !ch.try_send(check) {
                            tracing::debug!(
                                group,
                                "producer connection busy; check skipped this round"
                            );
                        }
                    }
                }
            }
            None => tracing::debug!(
                group,
                half_offset = i,
                "no producer connected for a check-back"
            ),
        }
        i += 1;
        half_off = i;
    }
    broker.offsets.commit(CHECK_GROUP, HALF_TOPIC, 0, half_off);
    broker.offsets.commit(
        CHECK_GROUP,
        OP_TOPIC,
        0,
        first_needed_op(store, op_off, half_off),
    );
    broker.transactions.prune_below(half_off);
}

/// Run check rounds until shutdown.
pub async fn check_loop(broker: Arc<Broker>, mut shutdown: broadcast::Receiver<()>) {
    let period = Duration::from_millis(broker.config.transaction_check_interval.max(100));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = shutdown.recv() => return,
        }
        if broker.is_slave() {
            continue;
        }
        let b = broker.clone();
        let _ = tokio::task::spawn_blocking(move || check_round(&b)).await;
    }
}
