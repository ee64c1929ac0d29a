//! Scheduled messages through the broker: a level-2 (5 s) message is invisible until due and
//! arrives once within a second of its due time; one parked across a restart is still
//! delivered; an arbitrary 3 s delay likewise.

mod common;

use std::time::{Duration, Instant};

use common::{ext, props, Client, TestBroker};
use ferromq_engine::record;
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::RemotingCommand;

/// Poll until queue 0 of `topic` holds `n` messages; the bodies and how long it took.
async fn wait_for(
    c: &mut Client,
    topic: &str,
    n: usize,
    within: Duration,
) -> (Vec<Vec<u8>>, Duration) {
    let t = Instant::now();
    loop {
        let r = c.pull("sched_observer", topic, 0, 0, "*", 0).await;
        if r.code == code::SUCCESS {
            let (recs, _) = record::decode_all(r.body_bytes(), true);
            if recs.len() >= n {
                return (
                    recs.iter().map(|r| r.fields.body.to_vec()).collect(),
                    t.elapsed(),
                );
            }
        }
        assert!(
            t.elapsed() < within,
            "{topic}: fewer than {n} messages after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_level_2_message_arrives_once_after_five_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    // Create the topic with one plain message first.
    assert_eq!(c.send("Later", 0, b"now", "").await.code, code::SUCCESS);
    let sent = Instant::now();
    let r = c
        .send("Later", 0, b"in five seconds", &props(&[("DELAY", "2")]))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    tokio::time::sleep(Duration::from_millis(4000)).await;
    let early = c.pull("sched_observer", "Later", 0, 1, "*", 0).await;
    assert_ne!(early.code, code::SUCCESS, "delivered before its time");
    let (bodies, _) = wait_for(&mut c, "Later", 2, Duration::from_secs(10)).await;
    let at = sent.elapsed();
    assert!(at >= Duration::from_millis(4900), "delivered after {at:?}");
    assert!(
        at < Duration::from_millis(6500),
        "delivered late, after {at:?}"
    );
    assert_eq!(bodies[1], b"in five seconds");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (bodies, _) = wait_for(&mut c, "Later", 2, Duration::from_secs(1)).await;
    assert_eq!(bodies.len(), 2, "delivered more than once");
    let r = c
        .call(RemotingCommand::request(request_code::GET_ALL_DELAY_OFFSET))
        .await;
    assert!(String::from_utf8_lossy(r.body_bytes()).contains("\"2\":1"));
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parked_messages_survive_a_broker_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    assert_eq!(c.send("Parked", 0, b"plain", "").await.code, code::SUCCESS);
    assert_eq!(
        c.send("Parked", 0, b"level 2", &props(&[("DELAY", "2")]))
            .await
            .code,
        code::SUCCESS
    );
    assert_eq!(
        c.send(
            "Parked",
            0,
            b"timer 3s",
            &props(&[("TIMER_DELAY_SEC", "3")])
        )
        .await
        .code,
        code::SUCCESS
    );
    drop(c);
    b.stop().await;
    let mut b2 = TestBroker::start_with_namesrv(dir.path(), b.namesrv, |_| {}).await;
    let mut c = Client::connect(b2.addr).await;
    let (mut bodies, _) = wait_for(&mut c, "Parked", 3, Duration::from_secs(15)).await;
    bodies.sort();
    assert_eq!(
        bodies,
        vec![b"level 2".to_vec(), b"plain".to_vec(), b"timer 3s".to_vec()]
    );
    b2.stop().await;
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_arbitrary_three_second_delay() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    assert_eq!(c.send("Timer", 0, b"plain", "").await.code, code::SUCCESS);
    let sent = Instant::now();
    let deliver = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 3000;
    let r = c
        .send(
            "Timer",
            0,
            b"at +3s",
            &props(&[("TIMER_DELIVER_MS", &deliver.to_string())]),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    assert!(!ext(&r, "msgId").is_empty());
    let (bodies, _) = wait_for(&mut c, "Timer", 2, Duration::from_secs(10)).await;
    let at = sent.elapsed();
    assert!(
        at >= Duration::from_millis(2900) && at < Duration::from_millis(4500),
        "delivered after {at:?}"
    );
    assert_eq!(bodies[1], b"at +3s");
    // Beyond timerMaxDelaySec (3 days): MESSAGE_ILLEGAL.
    let far = deliver + 4 * 24 * 3600 * 1000;
    let r = c
        .send(
            "Timer",
            0,
            b"too far",
            &props(&[("TIMER_DELIVER_MS", &far.to_string())]),
        )
        .await;
    assert_eq!(r.code, code::MESSAGE_ILLEGAL);
    b.stop_all().await;
}
