//! Many small CommitLog and ConsumeQueue files, roll-over with the blank record, batches, and
//! a restart after a clean close.

mod common;

use std::collections::HashSet;

use common::{body, read_queue, small_config, wait_for_queue};
use ferromq_engine::record::{RecordView, BLANK_MAGIC};
use ferromq_engine::{DefaultMessageStore, Error, GetStatus, Message, MessageStore};

#[test]
fn spans_many_files_and_survives_a_clean_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(dir.path());
    let store = DefaultMessageStore::open(config.clone()).unwrap();
    let mut expected: Vec<Vec<(i64, Vec<u8>)>> = vec![Vec::new(); 3];
    for i in 0..1500u64 {
        let q = (i % 3) as i32;
        let b = body(i, 100 + (i as usize * 37) % 400);
        let put = store
            .put_message(Message::new("TopicTest", q, b.clone()))
            .unwrap();
        assert_eq!(put.queue_offset, expected[q as usize].len() as i64);
        expected[q as usize].push((put.queue_offset, b));
    }
    for q in 0..3 {
        wait_for_queue(&store, "TopicTest", q, 500);
        assert_eq!(read_queue(&store, "TopicTest", q), expected[q as usize]);
    }
    store.shutdown().unwrap();

    let clog_files = std::fs::read_dir(config.commit_log_dir()).unwrap().count();
    assert!(clog_files > 5, "only {clog_files} CommitLog files");
    let cq_files = std::fs::read_dir(config.consume_queue_dir().join("TopicTest/0"))
        .unwrap()
        .count();
    assert!(cq_files >= 5, "only {cq_files} ConsumeQueue files");
    assert!(
        !dir.path().join("abort").exists(),
        "clean close removes the abort marker"
    );

    // Every full CommitLog file ends with a blank record covering its remainder.
    let mut names: Vec<_> = std::fs::read_dir(config.commit_log_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for name in &names[..names.len() - 1] {
        let data = std::fs::read(name).unwrap();
        let mut pos = 0;
        loop {
            let magic = u32::from_be_bytes(data[pos + 4..pos + 8].try_into().unwrap());
            let size = i32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
            if magic == BLANK_MAGIC {
                assert_eq!(size, data.len() - pos);
                break;
            }
            RecordView::decode(&data[pos..], true).unwrap();
            pos += size;
        }
    }

    let store = DefaultMessageStore::open(config).unwrap();
    for q in 0..3 {
        assert_eq!(read_queue(&store, "TopicTest", q), expected[q as usize]);
    }
    // Appends continue the queue offsets.
    let put = store
        .put_message(Message::new("TopicTest", 1, "after"))
        .unwrap();
    assert_eq!(put.queue_offset, 500);
}

#[test]
fn a_batch_lands_contiguously_with_consecutive_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let store = DefaultMessageStore::open(small_config(dir.path())).unwrap();
    let mut seen_bases = HashSet::new();
    for round in 0..40u64 {
        let batch: Vec<Message> = (0..8)
            .map(|i| Message::new("Batch", 0, body(round * 8 + i, 700)))
            .collect();
        let put = store.put_messages(batch).unwrap();
        assert_eq!(put.queue_offset, round as i64 * 8);
        assert_eq!(put.physical_offsets.len(), 8);
        // One segment holds the whole batch.
        let first = put.physical_offsets[0] as u64 / (64 * 1024);
        let last = put.physical_offsets[7] as u64 / (64 * 1024);
        assert_eq!(first, last);
        let end = put.wrote_offset as u64 + put.wrote_bytes as u64 - 1;
        assert_eq!(end / (64 * 1024), first);
        seen_bases.insert(first);
        assert_eq!(put.msg_ids().split(',').count(), 8);
    }
    assert!(seen_bases.len() > 3);
    wait_for_queue(&store, "Batch", 0, 320);
    let all = read_queue(&store, "Batch", 0);
    assert_eq!(all.len(), 320);
    for (i, (q, b)) in all.iter().enumerate() {
        assert_eq!(*q, i as i64);
        assert_eq!(b, &body(i as u64, 700));
    }
}

#[test]
fn records_are_found_by_physical_offset_and_message_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = DefaultMessageStore::open(small_config(dir.path())).unwrap();
    let put = store
        .put_message(Message::new("TopicTest", 2, "find me").with_keys("k1 k2"))
        .unwrap();
    let rec = store.record_by_offset(put.wrote_offset).unwrap();
    let view = RecordView::decode(&rec, true).unwrap();
    assert_eq!(view.fields.body, b"find me");
    assert_eq!(view.property("KEYS"), Some("k1 k2"));
    assert_eq!(view.offset_msg_id(), put.msg_id());
    let (host, offset) = ferromq_engine::record::decode_offset_msg_id(&put.msg_id()).unwrap();
    assert_eq!(host, store.config().store_host);
    assert_eq!(offset, put.wrote_offset);
    assert!(store.record_by_offset(put.wrote_offset + 1).is_none());
    assert!(store.record_by_offset(1 << 40).is_none());
    assert!(store.record_by_offset(-5).is_none());
}

#[test]
fn rejects_bad_messages_with_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = small_config(dir.path());
    config.max_message_size = 1000;
    let store = DefaultMessageStore::open(config).unwrap();
    assert!(matches!(
        store.put_message(Message::new("T", 0, vec![0u8; 1001])),
        Err(Error::MessageTooLarge {
            size: 1001,
            max: 1000
        })
    ));
    for topic in ["", "../etc", "a/b", "sp ace", &"x".repeat(256)] {
        assert!(
            matches!(
                store.put_message(Message::new(topic, 0, "x")),
                Err(Error::InvalidArgument(_))
            ),
            "{topic:?} accepted"
        );
    }
    assert!(matches!(
        store.put_message(Message::new("T", -1, "x")),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        store.put_messages(vec![]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        store.put_messages(vec![Message::new("T", 0, "a"), Message::new("T", 1, "b")]),
        Err(Error::InvalidArgument(_))
    ));
    // A record bigger than a CommitLog file cannot be stored either.
    let mut big = small_config(&dir.path().join("other"));
    big.max_message_size = 1 << 20;
    let store2 = DefaultMessageStore::open(big).unwrap();
    assert!(matches!(
        store2.put_message(Message::new("T", 0, vec![0u8; 70_000])),
        Err(Error::InvalidArgument(_))
    ));
    // Nothing bad was stored.
    assert_eq!(store.max_offset_in_queue("T", 0), 0);
    let r = store.get_message("T", 0, 0, 10, 0, None);
    assert_eq!(r.status, GetStatus::NoMatchedLogicQueue);
}

#[test]
fn a_second_process_cannot_open_the_same_directory() {
    let dir = tempfile::tempdir().unwrap();
    let store = DefaultMessageStore::open(small_config(dir.path())).unwrap();
    assert!(matches!(
        DefaultMessageStore::open(small_config(dir.path())),
        Err(Error::Locked(_))
    ));
    store.shutdown().unwrap();
    assert!(matches!(
        store.put_message(Message::new("T", 0, "late")),
        Err(Error::Closed)
    ));
    DefaultMessageStore::open(small_config(dir.path())).unwrap();
}
