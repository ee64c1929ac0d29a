//! ClusterInfo, TopicList, KVTable, lock bodies, ConsumerConnection (spec §3.13, §3.21).

use std::collections::{BTreeMap, BTreeSet};

use ferromq_protocol::body::{
    BrokerData, ClusterInfo, ConsumerConnection, KvTable, LockBatchRequestBody,
    LockBatchResponseBody, MessageQueue, TopicList,
};
use ferromq_protocol::json;

#[test]
fn cluster_info_reads_javas_unquoted_keys_and_writes_quoted_ones() {
    let java = r#"{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}}"#;
    let info: ClusterInfo = json::decode(java.as_bytes()).unwrap();
    assert_eq!(
        info.broker_addr_table["broker-a"].master_addr(),
        Some("10.0.0.1:10911")
    );
    let out = String::from_utf8(json::encode(&info).to_vec()).unwrap();
    assert!(
        out.contains(r#""brokerAddrs":{"0":"10.0.0.1:10911"}"#),
        "{out}"
    );
    assert!(out.contains(r#""clusterAddrTable":{"DefaultCluster":["broker-a"]}"#));
}

#[test]
fn topic_list_and_kv_table_shapes() {
    let list = TopicList {
        topic_list: BTreeSet::from(["T1".into(), "T2".into()]),
        broker_addr: None,
    };
    assert_eq!(&json::encode(&list)[..], br#"{"topicList":["T1","T2"]}"#);
    let parsed: TopicList = json::decode(br#"{"topicList":["T1"],"brokerAddr":null}"#).unwrap();
    assert_eq!(parsed.topic_list.len(), 1);
    let kv = KvTable {
        table: BTreeMap::from([("k".into(), "v".into())]),
    };
    assert_eq!(&json::encode(&kv)[..], br#"{"table":{"k":"v"}}"#);
}

#[test]
fn lock_batch_bodies() {
    let req: LockBatchRequestBody = json::decode(
        br#"{"clientId":"192.168.1.10@12345#87","consumerGroup":"g","mqSet":[{"brokerName":"broker-a","queueId":0,"topic":"T"}],"onlyThisBroker":false}"#,
    )
    .unwrap();
    assert_eq!(
        req.mq_set.iter().next(),
        Some(&MessageQueue::new("T", "broker-a", 0))
    );
    let resp = LockBatchResponseBody {
        lock_ok_mq_set: req.mq_set.clone(),
    };
    assert_eq!(
        &json::encode(&resp)[..],
        br#"{"lockOKMQSet":[{"brokerName":"broker-a","queueId":0,"topic":"T"}]}"#
    );
}

#[test]
fn message_queues_order_by_topic_then_broker_then_queue() {
    let mut v = [
        MessageQueue::new("B", "a", 0),
        MessageQueue::new("A", "b", 1),
        MessageQueue::new("A", "b", 0),
        MessageQueue::new("A", "a", 3),
    ];
    v.sort();
    assert_eq!(v[0], MessageQueue::new("A", "a", 3));
    assert_eq!(v[1], MessageQueue::new("A", "b", 0));
    assert_eq!(v[3], MessageQueue::new("B", "a", 0));
}

#[test]
fn consumer_connection_spec_shape() {
    let text = r#"{"connectionSet":[{"clientAddr":"1.2.3.4:5","clientId":"cid","language":"JAVA","version":413}],"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","subscriptionTable":{"TopicTest":{"subString":"*","topic":"TopicTest","subVersion":1}}}"#;
    let cc: ConsumerConnection = json::decode(text.as_bytes()).unwrap();
    assert_eq!(cc.connection_set.len(), 1);
    assert_eq!(cc.subscription_table["TopicTest"].expression_type, "TAG");
    let again: ConsumerConnection = json::decode(&json::encode(&cc)).unwrap();
    assert_eq!(again, cc);
    let _unused = BrokerData::default();
}
