//! A message sent back three times is redelivered through delay levels 3, 4 and 5 with
//! increasing delays, and lands in `%DLQ%group` after `maxReconsumeTimes`.

mod common;

use std::time::{Duration, Instant};

use common::{ext, Client, TestBroker};
use ferromq_engine::record::{self, RecordView};
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::ConsumerSendMsgBackRequestHeader;
use ferromq_protocol::RemotingCommand;

/// Poll (bounded) until the queue has a message at `offset`; returns it and the wait.
async fn wait_message(
    c: &mut Client,
    topic: &str,
    offset: i64,
    within: Duration,
) -> (Vec<u8>, Duration) {
    let t = Instant::now();
    loop {
        let r = c.pull("observer", topic, 0, offset, "*", 0).await;
        if r.code == code::SUCCESS {
            let (recs, _) = record::decode_all(r.body_bytes(), true);
            let rec = recs.into_iter().next().unwrap();
            return (
                rec.fields.physical_offset.to_be_bytes().to_vec(),
                t.elapsed(),
            );
        }
        assert!(
            t.elapsed() < within,
            "nothing at {topic}@{offset} after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn send_back(c: &mut Client, phys: i64) {
    let h = ConsumerSendMsgBackRequestHeader {
        offset: phys,
        group: "slow_group".into(),
        delay_level: 0,
        origin_msg_id: None,
        origin_topic: None,
        unit_mode: None,
        max_reconsume_times: Some(3),
    };
    let r = c
        .call(RemotingCommand::request(request_code::CONSUMER_SEND_MSG_BACK).with_header(&h))
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_back_off_and_end_in_the_dlq() {
    let dir = tempfile::tempdir().unwrap();
    // Levels 3, 4 and 5 (the first three retries) take 1, 2 and 3 s.
    let mut b = TestBroker::start(dir.path(), |c| {
        c.store.message_delay_level =
            "1s 1s 1s 2s 3s 5s 5s 5s 5s 5s 5s 5s 5s 5s 5s 5s 5s 5s".into();
    })
    .await;
    let mut c = Client::connect(b.addr).await;
    let r = c.send("Orders", 0, b"charge card", "").await;
    let (_, mut phys) = record::decode_offset_msg_id(&ext(&r, "msgId")).unwrap();
    let retry = "%RETRY%slow_group";
    let mut waits = Vec::new();
    for attempt in 0..3i64 {
        send_back(&mut c, phys).await;
        let (p, waited) = wait_message(&mut c, retry, attempt, Duration::from_secs(10)).await;
        phys = i64::from_be_bytes(p.try_into().unwrap());
        waits.push(waited);
        let view = c
            .call(
                RemotingCommand::request(request_code::VIEW_MESSAGE_BY_ID)
                    .with_ext_field("offset", phys.to_string()),
            )
            .await;
        let rec = RecordView::decode(view.body_bytes(), true).unwrap();
        assert_eq!(rec.fields.body, b"charge card");
        assert_eq!(rec.fields.reconsume_times, attempt as i32 + 1);
        assert_eq!(rec.property("RETRY_TOPIC"), Some("Orders"));
    }
    // 1 s, 2 s, 3 s (less the time the pull loop itself takes).
    assert!(waits[0] >= Duration::from_millis(800), "{waits:?}");
    assert!(
        waits[1] >= Duration::from_millis(1800) && waits[1] > waits[0],
        "{waits:?}"
    );
    assert!(
        waits[2] >= Duration::from_millis(2800) && waits[2] > waits[1],
        "{waits:?}"
    );
    // The third retry failed too: reconsumeTimes 3 reached the maximum of 3.
    send_back(&mut c, phys).await;
    let (_, waited) = wait_message(&mut c, "%DLQ%slow_group", 0, Duration::from_secs(5)).await;
    assert!(waited < Duration::from_secs(2), "the DLQ is not delayed");
    b.stop_all().await;
}
