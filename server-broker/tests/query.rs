//! QUERY_MESSAGE by key and time range, by unique key, and after the index files were deleted.

mod common;

use std::time::Duration;

use common::{ext, props, Client, TestBroker};
use ferromq_engine::record;
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::QueryMessageRequestHeader;
use ferromq_protocol::RemotingCommand;

async fn query(
    c: &mut Client,
    topic: &str,
    key: &str,
    begin: i64,
    end: i64,
    unique: bool,
) -> (i32, Vec<String>) {
    let h = QueryMessageRequestHeader {
        topic: topic.into(),
        key: key.into(),
        max_num: 32,
        begin_timestamp: begin,
        end_timestamp: end,
    };
    let mut req = RemotingCommand::request(request_code::QUERY_MESSAGE).with_header(&h);
    if unique {
        req = req.with_ext_field("_UNIQUE_KEY_QUERY", "true");
    }
    let r = c.call(req).await;
    let (recs, complete) = record::decode_all(r.body_bytes(), true);
    assert!(complete);
    let mut bodies: Vec<String> = recs
        .iter()
        .map(|r| String::from_utf8_lossy(r.fields.body).into_owned())
        .collect();
    bodies.sort();
    (r.code, bodies)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_are_found_by_key_and_survive_an_index_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |c| {
        c.store.max_hash_slot_num = 1000;
        c.store.max_index_num = 500;
    })
    .await;
    let mut c = Client::connect(b.addr).await;
    let start = now();
    for i in 0..40 {
        let keys = if i % 4 == 0 {
            format!("order-{} vip", i / 4)
        } else {
            format!("order-{}", i / 4)
        };
        assert_eq!(
            c.send(
                "Shop",
                i % 2,
                format!("msg-{i}").as_bytes(),
                &props(&[("KEYS", &keys)])
            )
            .await
            .code,
            code::SUCCESS
        );
    }
    let r = c.send("Shop", 0, b"unique one", "").await;
    let uniq = ext(&r, "transactionId");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let end = now();

    let (status, got) = query(&mut c, "Shop", "order-3", start, end, false).await;
    assert_eq!(status, code::SUCCESS);
    assert_eq!(got, vec!["msg-12", "msg-13", "msg-14", "msg-15"]);
    let (_, vip) = query(&mut c, "Shop", "vip", start, end, false).await;
    assert_eq!(vip.len(), 10);
    let (_, u) = query(&mut c, "Shop", &uniq, start, end, true).await;
    assert_eq!(u, vec!["unique one"]);
    // Outside the time range, or another topic: not found.
    let (status, _) = query(&mut c, "Shop", "order-3", end + 10_000, end + 20_000, false).await;
    assert_eq!(status, code::QUERY_NOT_FOUND);
    let (status, _) = query(&mut c, "Elsewhere", "order-3", start, end, false).await;
    assert_eq!(status, code::QUERY_NOT_FOUND);

    drop(c);
    b.stop().await;
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let mut b2 = TestBroker::start_with_namesrv(dir.path(), b.namesrv, |c| {
        c.store.max_hash_slot_num = 1000;
        c.store.max_index_num = 500;
    })
    .await;
    let mut c = Client::connect(b2.addr).await;
    let (_, got) = query(&mut c, "Shop", "order-3", start, end, false).await;
    assert_eq!(got, vec!["msg-12", "msg-13", "msg-14", "msg-15"]);
    let (_, u) = query(&mut c, "Shop", &uniq, start, end, true).await;
    assert_eq!(u, vec!["unique one"]);
    b2.stop().await;
    b.stop_all().await;
}
