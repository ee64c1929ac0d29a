//! Reads: every status of spec §12.3, tag filters, byte and count budgets, search by time,
//! arrival listeners, and durability handles waited on from threads and awaited.

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use common::{body, small_config, wait_for_queue};
use ferromq_engine::record::RecordView;
use ferromq_engine::{
    DefaultMessageStore, FlushDiskType, GetStatus, Message, MessageStore, TagFilter,
};

fn store() -> (tempfile::TempDir, DefaultMessageStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = DefaultMessageStore::open(small_config(dir.path())).unwrap();
    (dir, s)
}

#[test]
fn statuses_and_next_offsets_follow_the_spec() {
    let (_d, s) = store();
    let r = s.get_message("Nope", 0, 0, 10, 0, None);
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetStatus::NoMatchedLogicQueue, 0)
    );
    for i in 0..10 {
        s.put_message(Message::new("S", 0, body(i, 100))).unwrap();
    }
    wait_for_queue(&s, "S", 0, 10);
    let r = s.get_message("S", 0, 3, 4, 0, None);
    assert_eq!(r.status, GetStatus::Found);
    assert_eq!(r.messages.len(), 4);
    assert_eq!(r.queue_offsets, vec![3, 4, 5, 6]);
    assert_eq!(
        (r.next_begin_offset, r.min_offset, r.max_offset),
        (7, 0, 10)
    );
    assert_eq!(GetStatus::Found.name(), "FOUND");
    let r = s.get_message("S", 0, 10, 4, 0, None);
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetStatus::OffsetOverflowOne, 10)
    );
    let r = s.get_message("S", 0, 25, 4, 0, None);
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetStatus::OffsetOverflowBadly, 10)
    );
    let r = s.get_message("S", 1, 0, 4, 0, None);
    assert_eq!(r.status, GetStatus::NoMatchedLogicQueue);
}

#[test]
fn tag_filters_skip_by_hash_then_by_exact_tag() {
    let (_d, s) = store();
    for i in 0..30u64 {
        let tag = ["TagA", "TagB", "TagC"][(i % 3) as usize];
        s.put_message(Message::new("F", 0, body(i, 50)).with_tags(tag))
            .unwrap();
    }
    wait_for_queue(&s, "F", 0, 30);
    let f = TagFilter::parse("TagA || TagC");
    let r = s.get_message("F", 0, 0, 32, 0, Some(&f));
    assert_eq!(r.status, GetStatus::Found);
    assert_eq!(r.messages.len(), 20);
    for m in &r.messages {
        let tag = RecordView::decode(m, true)
            .unwrap()
            .property("TAGS")
            .unwrap()
            .to_owned();
        assert!(tag == "TagA" || tag == "TagC");
    }
    let none = TagFilter::parse("TagZ");
    let r = s.get_message("F", 0, 0, 32, 0, Some(&none));
    assert_eq!(r.status, GetStatus::NoMatchedMessage);
    assert_eq!(
        r.next_begin_offset, 30,
        "scanned entries are skipped for the next pull"
    );
}

#[test]
fn byte_and_count_budgets_bound_a_read_but_the_first_message_always_comes() {
    let (_d, s) = store();
    for i in 0..40 {
        s.put_message(Message::new("B", 0, body(i, 10_000)))
            .unwrap();
    }
    wait_for_queue(&s, "B", 0, 40);
    // Hot data: at most 256 KiB and 32 messages per read.
    let r = s.get_message("B", 0, 0, 100, 0, None);
    assert!(r.total_bytes() <= 256 * 1024, "{}", r.total_bytes());
    assert_eq!(r.messages.len(), 25);
    // A caller byte budget smaller than one message still gets one.
    let r = s.get_message("B", 0, 0, 100, 500, None);
    assert_eq!(r.messages.len(), 1);
    let r = s.get_message("B", 0, 0, 3, 0, None);
    assert_eq!(r.messages.len(), 3);
}

#[test]
fn search_by_timestamp_finds_the_first_message_at_or_after_it() {
    let (_d, s) = store();
    let mut times = Vec::new();
    for i in 0..20 {
        let put = s.put_message(Message::new("T", 0, body(i, 10))).unwrap();
        times.push(put.store_timestamp);
        std::thread::sleep(Duration::from_millis(3));
    }
    wait_for_queue(&s, "T", 0, 20);
    for (i, &t) in times.iter().enumerate() {
        let got = s.offset_by_time("T", 0, t);
        assert_eq!(times[got as usize], t, "offset {got} for message {i}");
        assert!(got as usize <= i);
    }
    assert_eq!(s.offset_by_time("T", 0, 0), 0);
    assert_eq!(s.offset_by_time("T", 0, i64::MAX), 20);
    assert_eq!(s.earliest_message_time("T", 0), Some(times[0]));
    assert_eq!(s.message_store_time("T", 0, 7), Some(times[7]));
}

#[test]
fn arrival_listeners_hear_every_new_entry() {
    let (_d, s) = store();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let max = Arc::new(AtomicI64::new(0));
    {
        let seen = seen.clone();
        let max = max.clone();
        s.add_arrival_listener(Arc::new(move |a| {
            seen.lock().unwrap().push((
                a.topic.to_owned(),
                a.queue_id,
                a.queue_offset,
                a.tags_code,
            ));
            max.store(a.max_offset, Ordering::SeqCst);
        }));
    }
    for i in 0..5 {
        s.put_message(Message::new("L", 1, body(i, 10)).with_tags("TagA"))
            .unwrap();
    }
    let t = Instant::now();
    while max.load(Ordering::SeqCst) < 5 {
        assert!(t.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(1));
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 5);
    for (i, (topic, q, off, tags)) in seen.iter().enumerate() {
        assert_eq!(
            (topic.as_str(), *q, *off, *tags),
            ("L", 1, i as i64, 2_598_919)
        );
    }
}

#[test]
fn deleting_a_topic_drops_its_queues() {
    let (_d, s) = store();
    s.put_message(Message::new("Gone", 0, "x")).unwrap();
    s.put_message(Message::new("Gone", 3, "x")).unwrap();
    s.put_message(Message::new("Kept", 0, "x")).unwrap();
    wait_for_queue(&s, "Gone", 3, 1);
    wait_for_queue(&s, "Kept", 0, 1);
    assert_eq!(s.queue_ids("Gone"), vec![0, 3]);
    s.delete_topics(&["Gone"]).unwrap();
    assert_eq!(s.topics(), vec!["Kept".to_owned()]);
    assert_eq!(s.max_offset_in_queue("Gone", 0), 0);
    let put = s.put_message(Message::new("Gone", 0, "again")).unwrap();
    assert_eq!(put.queue_offset, 0);
}

struct ThreadWaker(std::thread::Thread);
impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// A minimal executor: the point is that no async runtime is needed.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park_timeout(Duration::from_secs(1));
    }
}

#[test]
fn sync_flush_handles_resolve_for_threads_and_futures() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = small_config(dir.path());
    config.flush_disk_type = FlushDiskType::SyncFlush;
    let s = Arc::new(DefaultMessageStore::open(config).unwrap());
    let workers: Vec<_> = (0..16)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let put = s.put_message(Message::new("G", t, body(i, 100))).unwrap();
                    if i % 2 == 0 {
                        put.durability.wait().unwrap();
                    } else {
                        block_on(put.durability).unwrap();
                    }
                    assert!(
                        s.stats().flushed_offset
                            >= put.wrote_offset as u64 + put.wrote_bytes as u64
                    );
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    // WAIT=false puts do not wait for the flush.
    let mut m = Message::new("G", 0, "no wait");
    m.properties.insert("WAIT", "false");
    assert!(s.put_message(m).unwrap().durability.is_ready());
}
