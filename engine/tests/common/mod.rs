//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use ferromq_engine::record::RecordView;
use ferromq_engine::{GetStatus, MessageStore, StoreConfig};

/// Small files so tests cross many CommitLog and ConsumeQueue files, and quick services.
pub fn small_config(dir: &Path) -> StoreConfig {
    let mut c = StoreConfig::new(dir);
    c.mapped_file_size_commit_log = 64 * 1024;
    c.mapped_file_size_consume_queue = 20 * 100;
    c.flush_interval_commit_log = Duration::from_millis(10);
    c.flush_interval_consume_queue = Duration::from_millis(50);
    c.clean_resource_interval = Duration::from_millis(50);
    // Tests must not depend on how full the host's disk is.
    c.clean_file_forcibly_enable = false;
    // Small index files (the default is 420 MB each).
    c.max_hash_slot_num = 1024;
    c.max_index_num = 4096;
    c
}

/// Wait (bounded) until the queue has `n` entries.
pub fn wait_for_queue(store: &dyn MessageStore, topic: &str, queue_id: i32, n: i64) {
    let t = Instant::now();
    while store.max_offset_in_queue(topic, queue_id) < n {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "queue {topic}-{queue_id} stuck at {} of {n}",
            store.max_offset_in_queue(topic, queue_id)
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Every message of a queue from its min offset: (queue offset, body), each record
/// CRC-checked.
pub fn read_queue(store: &dyn MessageStore, topic: &str, queue_id: i32) -> Vec<(i64, Vec<u8>)> {
    let mut out = Vec::new();
    let mut offset = store.min_offset_in_queue(topic, queue_id);
    loop {
        let r = store.get_message(topic, queue_id, offset, 32, 0, None);
        if r.status != GetStatus::Found {
            return out;
        }
        for (q, m) in r.queue_offsets.iter().zip(&r.messages) {
            let rec = RecordView::decode(m, true).expect("stored record fails its checks");
            assert_eq!(rec.fields.topic, topic);
            assert_eq!(rec.fields.queue_id, queue_id);
            assert_eq!(rec.fields.queue_offset, *q);
            out.push((*q, rec.fields.body.to_vec()));
        }
        offset = r.next_begin_offset;
    }
}

/// A body that says which message it is, padded to `len`.
pub fn body(i: u64, len: usize) -> Vec<u8> {
    let mut b = format!("message-{i:08}-").into_bytes();
    b.resize(len.max(b.len()), b'x');
    b
}
