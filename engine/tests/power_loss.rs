//! Power loss (simulated: only synced bytes survive). SYNC_FLUSH keeps every acknowledged
//! message; ASYNC_FLUSH may lose a suffix but never returns a corrupt or out-of-order record.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{body, read_queue, small_config};
use ferromq_engine::fs::SimFs;
use ferromq_engine::{DefaultMessageStore, FlushDiskType, Message, MessageStore};

#[test]
fn sync_flush_keeps_every_acknowledged_message_through_power_loss() {
    let fs = SimFs::new();
    let mut config = small_config("/sim/store".as_ref());
    config.flush_disk_type = FlushDiskType::SyncFlush;
    let store = DefaultMessageStore::open_with_fs(config.clone(), Arc::new(fs.clone())).unwrap();
    for i in 0..800 {
        let put = store
            .put_message(Message::new("PL", (i % 2) as i32, body(i, 120)))
            .unwrap();
        put.durability.wait().unwrap();
    }
    let after = fs.power_loss();
    // The old store's threads keep running against the old image; it is simply abandoned.
    std::mem::forget(store);
    let store = DefaultMessageStore::open_with_fs(config, Arc::new(after)).unwrap();
    for q in 0..2 {
        let got = read_queue(&store, "PL", q);
        assert_eq!(got.len(), 400);
        for (k, (_, b)) in got.iter().enumerate() {
            assert_eq!(b, &body(k as u64 * 2 + q as u64, 120));
        }
    }
}

#[test]
fn async_flush_loses_at_most_a_suffix() {
    let fs = SimFs::new();
    let mut config = small_config("/sim/store".as_ref());
    config.flush_interval_commit_log = Duration::from_secs(3600);
    config.flush_commit_log_thorough_interval = Duration::from_secs(3600);
    let store = DefaultMessageStore::open_with_fs(config.clone(), Arc::new(fs.clone())).unwrap();
    for i in 0..300 {
        store
            .put_message(Message::new("PL", 0, body(i, 300)))
            .unwrap();
    }
    store.flush().unwrap(); // the first 300 are durable
    for i in 300..600 {
        store
            .put_message(Message::new("PL", 0, body(i, 300)))
            .unwrap();
    }
    let after = fs.power_loss();
    std::mem::forget(store);
    let store = DefaultMessageStore::open_with_fs(config, Arc::new(after)).unwrap();
    let got = read_queue(&store, "PL", 0);
    assert!(got.len() >= 300 && got.len() <= 600, "{}", got.len());
    for (k, (q, b)) in got.iter().enumerate() {
        assert_eq!(*q, k as i64);
        assert_eq!(b, &body(k as u64, 300));
    }
    let put = store.put_message(Message::new("PL", 0, "next")).unwrap();
    assert_eq!(put.queue_offset, got.len() as i64);
}
