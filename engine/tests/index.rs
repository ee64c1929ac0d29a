//! The message key index: queries by key and unique key within a time range, across many
//! index files, and after the index files were deleted (rebuilt from the CommitLog).

mod common;

use std::time::Duration;

use common::{small_config, wait_for_queue};
use ferromq_engine::record::RecordView;
use ferromq_engine::{DefaultMessageStore, Message, MessageStore, StoreConfig};

fn config(dir: &std::path::Path) -> StoreConfig {
    let mut c = small_config(dir);
    // Tiny files: 64 slots (many collisions), 100 entries per file (many files).
    c.max_hash_slot_num = 64;
    c.max_index_num = 100;
    c
}

fn bodies(
    store: &DefaultMessageStore,
    topic: &str,
    key: &str,
    begin: i64,
    end: i64,
) -> Vec<String> {
    let r = store.query_message(topic, key, 64, begin, end);
    let mut out: Vec<String> = r
        .messages
        .iter()
        .map(|m| {
            String::from_utf8(RecordView::decode(m, true).unwrap().fields.body.to_vec()).unwrap()
        })
        .collect();
    out.sort();
    out
}

#[test]
fn keys_are_found_exactly_across_files_and_after_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let mut uniq = String::new();
    let (t0, t1);
    {
        let store = DefaultMessageStore::open(config(dir.path())).unwrap();
        t0 = store
            .put_message(Message::new("Idx", 0, "first").with_keys("order-1 customer-9"))
            .unwrap()
            .store_timestamp;
        for i in 0..300 {
            let mut m = Message::new("Idx", i % 2, format!("m{i}"))
                .with_keys(&format!("k{} shared", i % 30));
            if i == 150 {
                uniq = "AC1100000001000000000000000000FF".into();
                m.properties.insert("UNIQ_KEY", uniq.clone());
            }
            store.put_message(m).unwrap();
        }
        std::thread::sleep(Duration::from_millis(1100));
        t1 = store
            .put_message(Message::new("Idx", 0, "late").with_keys("order-1"))
            .unwrap()
            .store_timestamp;
        store
            .put_message(Message::new("Other", 0, "other topic").with_keys("order-1"))
            .unwrap();
        wait_for_queue(&store, "Other", 0, 1);
        assert_eq!(
            bodies(&store, "Idx", "order-1", 0, i64::MAX),
            vec!["first", "late"]
        );
        assert_eq!(
            bodies(&store, "Idx", "customer-9", 0, i64::MAX),
            vec!["first"]
        );
        let k7 = bodies(&store, "Idx", "k7", 0, i64::MAX);
        assert_eq!(k7.len(), 10, "{k7:?}");
        assert!(k7.iter().all(|b| b[1..].parse::<i32>().unwrap() % 30 == 7));
        assert_eq!(bodies(&store, "Idx", &uniq, 0, i64::MAX), vec!["m150"]);
        // The time range bounds the answer (index times have 1 s resolution).
        assert_eq!(bodies(&store, "Idx", "order-1", t1, i64::MAX), vec!["late"]);
        assert_eq!(bodies(&store, "Idx", "order-1", 0, t0 + 500), vec!["first"]);
        assert!(bodies(&store, "Idx", "no-such-key", 0, i64::MAX).is_empty());
        // At most maxNum, and "shared" is on all 300 but capped at 64.
        assert_eq!(
            store
                .query_message("Idx", "shared", 1000, 0, i64::MAX)
                .messages
                .len(),
            64
        );
        let files = std::fs::read_dir(dir.path().join("index")).unwrap().count();
        assert!(files > 5, "only {files} index files");
        store.shutdown().unwrap();
    }
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let store = DefaultMessageStore::open(config(dir.path())).unwrap();
    assert_eq!(
        bodies(&store, "Idx", "order-1", 0, i64::MAX),
        vec!["first", "late"]
    );
    assert_eq!(bodies(&store, "Idx", &uniq, 0, i64::MAX), vec!["m150"]);
    assert_eq!(
        bodies(&store, "Other", "order-1", 0, i64::MAX),
        vec!["other topic"]
    );
}
