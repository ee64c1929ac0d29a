//! ConsumeQueues are derived data: rebuilt when missing, truncated when ahead of the
//! CommitLog or when they point at the wrong records.

mod common;

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use common::{body, read_queue, small_config, wait_for_queue};
use ferromq_engine::{CqEntry, DefaultMessageStore, Message, MessageStore, StoreConfig};

/// Per queue, the (queue offset, body) of each message.
type Expected = Vec<Vec<(i64, Vec<u8>)>>;

fn prepare(dir: &Path, n: u64) -> (StoreConfig, Expected, Vec<(u64, usize)>) {
    let config = small_config(dir);
    let store = DefaultMessageStore::open(config.clone()).unwrap();
    let mut expected = vec![Vec::new(); 4];
    let mut recs = Vec::new();
    for i in 0..n {
        let q = (i % 4) as i32;
        let put = store
            .put_message(Message::new("CqTopic", q, body(i, 150)))
            .unwrap();
        expected[q as usize].push((put.queue_offset, body(i, 150)));
        recs.push((put.wrote_offset as u64, put.wrote_bytes));
    }
    for q in 0..4 {
        wait_for_queue(&store, "CqTopic", q, (n / 4) as i64);
    }
    store.shutdown().unwrap();
    (config, expected, recs)
}

fn assert_queues(store: &DefaultMessageStore, expected: &[Vec<(i64, Vec<u8>)>]) {
    for (q, want) in expected.iter().enumerate() {
        assert_eq!(&read_queue(store, "CqTopic", q as i32), want, "queue {q}");
    }
}

#[test]
fn a_deleted_consume_queue_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (config, expected, _) = prepare(dir.path(), 2000);
    std::fs::remove_dir_all(config.consume_queue_dir().join("CqTopic/2")).unwrap();
    let store = DefaultMessageStore::open(config).unwrap();
    assert_queues(&store, &expected);
    let put = store
        .put_message(Message::new("CqTopic", 2, "next"))
        .unwrap();
    assert_eq!(put.queue_offset, 500);
}

#[test]
fn all_consume_queues_and_the_checkpoint_deleted_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (config, expected, _) = prepare(dir.path(), 2000);
    std::fs::remove_dir_all(config.consume_queue_dir()).unwrap();
    std::fs::remove_file(dir.path().join("checkpoint")).unwrap();
    let store = DefaultMessageStore::open(config).unwrap();
    assert_queues(&store, &expected);
}

#[test]
fn a_consume_queue_file_deleted_in_the_middle_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (config, expected, _) = prepare(dir.path(), 2000);
    // Queue 1 has 500 entries in files of 100: drop the last two files.
    let qdir = config.consume_queue_dir().join("CqTopic/1");
    std::fs::remove_file(qdir.join(format!("{:020}", 8000))).unwrap();
    std::fs::remove_file(qdir.join(format!("{:020}", 6000))).unwrap();
    let store = DefaultMessageStore::open(config).unwrap();
    assert_queues(&store, &expected);
}

#[test]
fn consume_queue_entries_ahead_of_the_commitlog_are_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let (config, mut expected, recs) = prepare(dir.path(), 2000);
    // Cut the CommitLog at message 1990 (as a power loss would), leaving the queues ahead.
    let (phys, _) = recs[1990];
    let base = phys / (64 * 1024) * (64 * 1024);
    let path = config.commit_log_dir().join(format!("{base:020}"));
    let mut f = OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(SeekFrom::Start(phys - base)).unwrap();
    f.write_all(&vec![0u8; (base + 64 * 1024 - phys) as usize])
        .unwrap();
    drop(f);
    std::fs::write(dir.path().join("abort"), b"").unwrap();
    let store = DefaultMessageStore::open(config).unwrap();
    for (q, e) in expected.iter_mut().enumerate() {
        // Messages 1990..2000 go round the 4 queues.
        e.retain(|(qoff, _)| (*qoff as u64) * 4 + (q as u64) < 1990);
    }
    assert_queues(&store, &expected);
    // New appends reuse the freed queue offsets, consistently with the CommitLog.
    let put = store
        .put_message(Message::new("CqTopic", 0, "again"))
        .unwrap();
    assert_eq!(put.queue_offset, expected[0].len() as i64);
}

#[test]
fn consume_queue_entries_pointing_at_wrong_records_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (config, expected, recs) = prepare(dir.path(), 400);
    // Append two bogus entries to queue 3: one pointing at a record of queue 0, one at a
    // non-record position.
    let qdir = config.consume_queue_dir().join("CqTopic/3");
    let entries = [
        CqEntry {
            physical_offset: recs[0].0 as i64,
            size: recs[0].1 as i32,
            tags_code: 0,
        },
        CqEntry {
            physical_offset: 7,
            size: 100,
            tags_code: 0,
        },
    ];
    // Queue 3 has 100 entries = exactly one full file; add a second file with the bogus ones.
    let file2 = qdir.join(format!("{:020}", 2000));
    let mut data = vec![0u8; 2000];
    data[..20].copy_from_slice(&entries[0].encode());
    data[20..40].copy_from_slice(&entries[1].encode());
    std::fs::write(&file2, data).unwrap();
    let store = DefaultMessageStore::open(config).unwrap();
    assert_queues(&store, &expected);
    assert_eq!(store.max_offset_in_queue("CqTopic", 3), 100);
}
