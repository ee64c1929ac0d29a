//! A consumer that stops sending heartbeats is dropped from its group after
//! `channelExpiredTimeout`, and the remaining members are told.

mod common;

use std::time::{Duration, Instant};

use common::{Client, TestBroker};
use ferromq_protocol::body::client::{ConsumerData, HeartbeatData, MessageModel, SubscriptionData};
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::GetConsumerListByGroupRequestHeader;
use ferromq_protocol::{json, RemotingCommand};

fn heartbeat(client_id: &str) -> RemotingCommand {
    let hb = HeartbeatData {
        client_id: client_id.into(),
        consumer_data_set: vec![ConsumerData {
            group_name: "expiry_group".into(),
            message_model: MessageModel::Clustering,
            subscription_data_set: vec![SubscriptionData {
                topic: "ExpiryTopic".into(),
                sub_string: "*".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    RemotingCommand::request(request_code::HEART_BEAT).with_body(json::encode(&hb))
}

async fn members(c: &mut Client) -> Vec<String> {
    let h = GetConsumerListByGroupRequestHeader {
        consumer_group: "expiry_group".into(),
    };
    let r = c
        .call(RemotingCommand::request(request_code::GET_CONSUMER_LIST_BY_GROUP).with_header(&h))
        .await;
    if r.code != code::SUCCESS {
        return Vec::new();
    }
    let body: serde_json::Value = serde_json::from_slice(r.body_bytes()).unwrap();
    body["consumerIdList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_consumer_expires_and_the_group_is_notified() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |c| {
        c.channel_expired_timeout = Duration::from_millis(1500)
    })
    .await;
    let mut alive = Client::connect(b.addr).await;
    let mut silent = Client::connect(b.addr).await;
    assert_eq!(alive.call(heartbeat("alive")).await.code, code::SUCCESS);
    assert_eq!(silent.call(heartbeat("silent")).await.code, code::SUCCESS);
    assert_eq!(
        members(&mut alive).await,
        vec!["alive".to_owned(), "silent".to_owned()]
    );
    // Drain the notification about "silent" joining.
    alive
        .wait_pushed(
            request_code::NOTIFY_CONSUMER_IDS_CHANGED,
            Duration::from_secs(2),
        )
        .await;

    // "alive" keeps heartbeating; "silent" stays connected but says nothing.
    let t = Instant::now();
    let mut notified = false;
    while t.elapsed() < Duration::from_secs(10) {
        assert_eq!(alive.call(heartbeat("alive")).await.code, code::SUCCESS);
        if alive
            .wait_pushed(
                request_code::NOTIFY_CONSUMER_IDS_CHANGED,
                Duration::from_millis(300),
            )
            .await
            .is_some()
        {
            notified = true;
        }
        if members(&mut alive).await == vec!["alive".to_owned()] {
            break;
        }
    }
    assert_eq!(
        members(&mut alive).await,
        vec!["alive".to_owned()],
        "silent consumer not expired"
    );
    assert!(
        notified
            || alive
                .wait_pushed(
                    request_code::NOTIFY_CONSUMER_IDS_CHANGED,
                    Duration::from_secs(2)
                )
                .await
                .is_some()
    );
    drop(silent);
    b.stop_all().await;
}
