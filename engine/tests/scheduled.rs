//! Delay levels and arbitrary delays: invisible until due, delivered once to the real topic,
//! and not lost across a restart.

mod common;

use std::time::{Duration, Instant};

use common::{read_queue, small_config};
use ferromq_engine::record::RecordView;
use ferromq_engine::schedule::{SCHEDULE_TOPIC, TIMER_TOPIC};
use ferromq_engine::{DefaultMessageStore, Error, GetStatus, Message, MessageStore, StoreConfig};

fn config(dir: &std::path::Path) -> StoreConfig {
    let mut c = small_config(dir);
    c.message_delay_level = "1s 2s 3s".into();
    c.flush_delay_offset_interval = Duration::from_millis(100);
    c
}

fn delayed(topic: &str, body: &str, prop: (&str, String)) -> Message {
    let mut m = Message::new(topic, 1, body.as_bytes().to_vec()).with_tags("TagA");
    m.properties.insert(prop.0, prop.1);
    m
}

/// Wait until the real queue has `n` messages; returns how long it took.
fn wait_visible(store: &DefaultMessageStore, topic: &str, n: usize, within: Duration) -> Duration {
    let t = Instant::now();
    while read_queue(store, topic, 1).len() < n {
        assert!(
            t.elapsed() < within,
            "{topic}: only {} of {n} delivered",
            read_queue(store, topic, 1).len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    t.elapsed()
}

#[test]
fn a_delay_level_message_is_delivered_once_when_due() {
    let dir = tempfile::tempdir().unwrap();
    let store = DefaultMessageStore::open(config(dir.path())).unwrap();
    let put = store
        .put_message(delayed("Real", "later", ("DELAY", "2".into())))
        .unwrap();
    // Parked in queue level−1 of the schedule topic.
    let rec = store.record_by_offset(put.wrote_offset).unwrap();
    let view = RecordView::decode(&rec, true).unwrap();
    assert_eq!(view.fields.topic, SCHEDULE_TOPIC);
    assert_eq!(view.fields.queue_id, 1);
    assert_eq!(view.property("REAL_TOPIC"), Some("Real"));
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        store.get_message("Real", 1, 0, 10, 0, None).status,
        GetStatus::NoMatchedLogicQueue
    );
    let waited = wait_visible(&store, "Real", 1, Duration::from_secs(10));
    let total = waited + Duration::from_millis(800);
    assert!(
        total >= Duration::from_millis(1900),
        "delivered early after {total:?}"
    );
    let got = read_queue(&store, "Real", 1);
    assert_eq!(got[0].1, b"later");
    let r = store.get_message("Real", 1, 0, 10, 0, None);
    let v = RecordView::decode(&r.messages[0], true).unwrap();
    assert_eq!(v.property("DELAY"), None);
    assert_eq!(v.property("TAGS"), Some("TagA"));
    assert_eq!(v.tags_code(), 2_598_919);
    // Exactly once, and the progress is persisted.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(read_queue(&store, "Real", 1).len(), 1);
    assert!(
        store.delay_offsets_json().contains("\"2\":1"),
        "{}",
        store.delay_offsets_json()
    );
}

#[test]
fn a_parked_message_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = DefaultMessageStore::open(config(dir.path())).unwrap();
        store
            .put_message(delayed("Real", "persisted", ("DELAY", "3".into())))
            .unwrap();
        store
            .put_message(delayed("Real", "timer", ("TIMER_DELAY_MS", "2500".into())))
            .unwrap();
        store.shutdown().unwrap();
    }
    let store = DefaultMessageStore::open(config(dir.path())).unwrap();
    wait_visible(&store, "Real", 2, Duration::from_secs(15));
    let mut bodies: Vec<Vec<u8>> = read_queue(&store, "Real", 1)
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    bodies.sort();
    assert_eq!(bodies, vec![b"persisted".to_vec(), b"timer".to_vec()]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        read_queue(&store, "Real", 1).len(),
        2,
        "delivered more than once"
    );
    assert_eq!(store.stats().timer_pending, 0);
}

#[test]
fn arbitrary_delays_are_delivered_near_their_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = DefaultMessageStore::open(config(dir.path())).unwrap();
    let deliver_at = ferromq_engine_now() + 3000;
    let put = store
        .put_message(delayed(
            "Timed",
            "at-time",
            ("TIMER_DELIVER_MS", deliver_at.to_string()),
        ))
        .unwrap();
    let view_bytes = store.record_by_offset(put.wrote_offset).unwrap();
    assert_eq!(
        RecordView::decode(&view_bytes, true).unwrap().fields.topic,
        TIMER_TOPIC
    );
    store
        .put_message(delayed(
            "Timed",
            "relative",
            ("TIMER_DELAY_SEC", "1".into()),
        ))
        .unwrap();
    wait_visible(&store, "Timed", 2, Duration::from_secs(10));
    let now = ferromq_engine_now();
    assert!(now >= deliver_at, "delivered {} ms early", deliver_at - now);
    assert!(
        now - deliver_at < 1500,
        "delivered {} ms late",
        now - deliver_at
    );
    let order: Vec<Vec<u8>> = read_queue(&store, "Timed", 1)
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    assert_eq!(order, vec![b"relative".to_vec(), b"at-time".to_vec()]);
    // Past times are stored at once; beyond timerMaxDelaySec is refused.
    store
        .put_message(delayed("Timed", "past", ("TIMER_DELIVER_MS", "1".into())))
        .unwrap();
    let too_far = (ferromq_engine_now() + 4 * 24 * 3600 * 1000).to_string();
    assert!(matches!(
        store.put_message(delayed("Timed", "too far", ("TIMER_DELIVER_MS", too_far))),
        Err(Error::InvalidArgument(_))
    ));
    // A batch cannot be delayed.
    assert!(store
        .put_messages(vec![
            delayed("Timed", "b", ("DELAY", "1".into())),
            Message::new("Timed", 1, "c")
        ])
        .is_err());
}

fn ferromq_engine_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
