//! Retention deletes CommitLog files older than fileReservedTime (and their ConsumeQueue
//! files), never the current one, and deletes even unexpired files under disk pressure.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use common::{body, small_config, wait_for_queue};
use ferromq_engine::fs::{DiskSpace, SimFs};
use ferromq_engine::{DefaultMessageStore, GetStatus, Message, MessageStore};

fn fill(store: &DefaultMessageStore, n: u64) {
    for i in 0..n {
        store
            .put_message(Message::new("R", 0, body(i, 500)))
            .unwrap();
    }
    wait_for_queue(store, "R", 0, n as i64);
    store.flush().unwrap();
}

fn clog_files(fs: &SimFs) -> Vec<std::path::PathBuf> {
    use ferromq_engine::fs::FileSystem;
    let dir = std::path::Path::new("/sim/store/commitlog");
    let mut v: Vec<_> = fs
        .list_dir(dir)
        .unwrap()
        .into_iter()
        .map(|n| dir.join(n))
        .collect();
    v.sort();
    v
}

#[test]
fn expired_files_are_deleted_and_reads_move_past_them() {
    let fs = SimFs::new();
    let mut config = small_config("/sim/store".as_ref());
    config.file_reserved_time = 48;
    // The background cleaner stays asleep; this test triggers deletion itself.
    config.clean_resource_interval = Duration::from_secs(3600);
    let store = DefaultMessageStore::open_with_fs(config, Arc::new(fs.clone())).unwrap();
    fill(&store, 1000);
    let files = clog_files(&fs);
    assert!(files.len() >= 6);
    // The three oldest files were last written 3 days ago.
    let old = SystemTime::now() - Duration::from_secs(72 * 3600);
    for f in &files[..3] {
        fs.set_modified(f, old);
    }
    assert_eq!(store.clean_expired_files().unwrap(), 3);
    assert_eq!(clog_files(&fs), files[3..].to_vec());
    let stats = store.stats();
    assert_eq!(stats.commit_log_min_offset, 3 * 64 * 1024);

    // The queue's min offset moved to the first message still stored.
    let min = store.min_offset_in_queue("R", 0);
    assert!(min > 0);
    let r = store.get_message("R", 0, 0, 10, 0, None);
    assert_eq!(r.status, GetStatus::OffsetTooSmall);
    assert_eq!(r.next_begin_offset, min);
    let r = store.get_message("R", 0, min, 10, 0, None);
    assert_eq!(r.status, GetStatus::Found);
    // ConsumeQueue files wholly below the CommitLog's min offset are gone too.
    use ferromq_engine::fs::FileSystem;
    let cq_files = fs.list_dir("/sim/store/consumequeue/R/0".as_ref()).unwrap();
    assert!(!cq_files.contains(&format!("{:020}", 0)), "{cq_files:?}");

    // Unexpired files stay.
    assert_eq!(store.clean_expired_files().unwrap(), 0);
    drop(store);
    // And the state survives a restart.
    let store =
        DefaultMessageStore::open_with_fs(small_config("/sim/store".as_ref()), Arc::new(fs))
            .unwrap();
    assert_eq!(store.min_offset_in_queue("R", 0), min);
    assert_eq!(store.max_offset_in_queue("R", 0), 1000);
}

#[test]
fn disk_pressure_deletes_unexpired_files_without_being_asked() {
    let fs = SimFs::new();
    let mut config = small_config("/sim/store".as_ref());
    // The simulated disk is the one under pressure here.
    config.clean_file_forcibly_enable = true;
    let store = DefaultMessageStore::open_with_fs(config, Arc::new(fs.clone())).unwrap();
    fill(&store, 1000);
    let before = clog_files(&fs).len();
    // 88 %: above diskSpaceCleanForciblyRatio (85), below the warning level (90).
    fs.set_disk_space(Some(DiskSpace {
        total: 100 << 30,
        available: 12 << 30,
        free: 12 << 30,
    }));
    let t = Instant::now();
    while store.stats().commit_log_min_offset == 0 {
        assert!(t.elapsed() < Duration::from_secs(10), "nothing was deleted");
        std::thread::sleep(Duration::from_millis(10));
    }
    fs.set_disk_space(None);
    let after = clog_files(&fs).len();
    assert!(after < before && after >= 1);
    // Writes were never refused (not disk-full) and still work.
    store
        .put_message(Message::new("R", 0, "still writable"))
        .unwrap();
}
