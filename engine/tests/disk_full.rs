//! Disk full (by ratio or by the free-bytes floor) refuses writes with a typed error, and
//! writes resume by themselves once space is freed.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{read_queue, small_config, wait_for_queue};
use ferromq_engine::fs::{DiskSpace, SimFs};
use ferromq_engine::{DefaultMessageStore, Error, Message, MessageStore};

const GIB: u64 = 1 << 30;

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn refused(store: &DefaultMessageStore) -> bool {
    matches!(
        store.put_message(Message::new("D", 0, "probe")),
        Err(Error::DiskFull(_))
    )
}

#[test]
fn writes_are_refused_while_the_disk_is_full_and_resume_after() {
    let fs = SimFs::new();
    let mut config = small_config("/sim/store".as_ref());
    // Keep retention out of the way: nothing is old enough to delete.
    config.clean_file_forcibly_enable = false;
    let store = DefaultMessageStore::open_with_fs(config, Arc::new(fs.clone())).unwrap();
    store.put_message(Message::new("D", 0, "before")).unwrap();

    // 95 % used: above diskSpaceWarningLevelRatio (90).
    fs.set_disk_space(Some(DiskSpace {
        total: 100 * GIB,
        available: 5 * GIB,
        free: 5 * GIB,
    }));
    wait_until("disk-full refusal", || refused(&store));
    assert!(store.stats().disk_full);
    // Reads keep working.
    wait_for_queue(&store, "D", 0, 1);
    assert_eq!(read_queue(&store, "D", 0)[0].1, b"before");

    // Space freed: writes resume without intervention.
    fs.set_disk_space(Some(DiskSpace {
        total: 100 * GIB,
        available: 60 * GIB,
        free: 60 * GIB,
    }));
    wait_until("writes to resume", || !refused(&store));
    assert!(!store.stats().disk_full);

    // The absolute floor: plenty of percent free, but fewer bytes than diskSpaceMinFreeBytes.
    fs.set_disk_space(Some(DiskSpace {
        total: 20 << 20,
        available: 10 << 20,
        free: 10 << 20,
    }));
    wait_until("free-bytes floor refusal", || refused(&store));
    fs.set_disk_space(None);
    wait_until("writes to resume", || !refused(&store));
}

#[test]
fn a_file_that_cannot_be_created_is_a_disk_full_error_not_poison() {
    let fs = SimFs::new();
    let mut config = small_config("/sim/store".as_ref());
    config.disk_space_min_free_bytes = 0;
    config.clean_file_forcibly_enable = false;
    config.disk_space_warning_level_ratio = 99; // clamped to 90
    let store = DefaultMessageStore::open_with_fs(config, Arc::new(fs.clone())).unwrap();
    // 50 % used, but less free space than one CommitLog file.
    fs.set_disk_space(Some(DiskSpace {
        total: 60_000,
        available: 30_000,
        free: 30_000,
    }));
    let mut err = None;
    for i in 0..200 {
        if let Err(e) = store.put_message(Message::new("D", 0, vec![i as u8; 1000])) {
            err = Some(e);
            break;
        }
    }
    assert!(matches!(err, Some(Error::DiskFull(_))), "{err:?}");
    assert!(store.stats().poisoned.is_none());
    fs.set_disk_space(None);
    store.put_message(Message::new("D", 0, "fits now")).unwrap();
}
