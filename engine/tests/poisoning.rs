//! A failed sync poisons the store: the put whose durability it was resolves with an error,
//! every later put is refused, and nothing is acknowledged that was not made durable.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{read_queue, small_config, wait_for_queue};
use ferromq_engine::fs::SimFs;
use ferromq_engine::{
    DefaultMessageStore, DurabilityError, Error, FlushDiskType, Message, MessageStore,
};

#[test]
fn an_injected_fsync_failure_poisons_a_sync_flush_store() {
    let fs = SimFs::new();
    let mut config = small_config("/sim/store".as_ref());
    config.flush_disk_type = FlushDiskType::SyncFlush;
    let store = DefaultMessageStore::open_with_fs(config.clone(), Arc::new(fs.clone())).unwrap();
    for i in 0..10 {
        let put = store
            .put_message(Message::new("P", 0, format!("ok-{i}")))
            .unwrap();
        put.durability.wait().unwrap();
    }

    fs.fail_syncs(true);
    let put = store.put_message(Message::new("P", 0, "unlucky")).unwrap();
    assert!(matches!(
        put.durability.wait(),
        Err(DurabilityError::FlushFailed(_))
    ));
    for _ in 0..3 {
        assert!(matches!(
            store.put_message(Message::new("P", 0, "refused")),
            Err(Error::Poisoned(_))
        ));
    }
    assert!(store.stats().poisoned.is_some());

    // The disk comes back, but the store stays poisoned until reopened.
    fs.fail_syncs(false);
    assert!(matches!(
        store.put_message(Message::new("P", 0, "still refused")),
        Err(Error::Poisoned(_))
    ));
    drop(store);

    // After a power loss, every acknowledged put is there.
    let store = DefaultMessageStore::open_with_fs(config, Arc::new(fs.power_loss())).unwrap();
    wait_for_queue(&store, "P", 0, 10);
    let got = read_queue(&store, "P", 0);
    for (i, (_, b)) in got.iter().take(10).enumerate() {
        assert_eq!(b, &format!("ok-{i}").into_bytes());
    }
    assert!(got.len() <= 11, "refused puts must not be stored");
    let put = store
        .put_message(Message::new("P", 0, "after reopen"))
        .unwrap();
    put.durability.wait().unwrap();
}

#[test]
fn an_async_flush_failure_poisons_the_store_for_later_puts() {
    let fs = SimFs::new();
    let config = small_config("/sim/store".as_ref());
    let store = DefaultMessageStore::open_with_fs(config, Arc::new(fs.clone())).unwrap();
    store
        .put_message(Message::new("P", 0, vec![1u8; 20_000]))
        .unwrap();
    fs.fail_syncs(true);
    store
        .put_message(Message::new("P", 0, vec![2u8; 20_000]))
        .unwrap();
    let t = Instant::now();
    loop {
        match store.put_message(Message::new("P", 0, "x")) {
            Err(Error::Poisoned(why)) => {
                assert!(why.contains("injected"), "{why}");
                break;
            }
            Ok(_) => {}
            Err(e) => panic!("unexpected {e}"),
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "flush failure never poisoned the store"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(store.flush().is_err());
}
