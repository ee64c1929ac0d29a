//! TopicRouteData JSON (spec §3.19): quoted brokerAddrs keys, the fields strict clients need,
//! and reading fastjson's unquoted keys.

use std::collections::BTreeMap;

use ferromq_protocol::body::{BrokerData, QueueData, TopicRouteData};
use ferromq_protocol::json;

fn route() -> TopicRouteData {
    TopicRouteData {
        broker_datas: vec![BrokerData {
            broker_addrs: BTreeMap::from([
                (0, "192.168.1.20:10911".to_string()),
                (1, "192.168.1.21:10911".to_string()),
            ]),
            broker_name: "broker-a".into(),
            cluster: "DefaultCluster".into(),
            enable_acting_master: false,
            zone_name: None,
        }],
        queue_datas: vec![QueueData {
            broker_name: "broker-a".into(),
            perm: 6,
            read_queue_nums: 4,
            topic_sys_flag: 0,
            write_queue_nums: 4,
        }],
        ..Default::default()
    }
}

#[test]
fn route_is_written_as_standard_json_with_quoted_keys() {
    let bytes = json::encode(&route());
    let text = std::str::from_utf8(&bytes).unwrap();
    assert_eq!(
        text,
        r#"{"brokerDatas":[{"brokerAddrs":{"0":"192.168.1.20:10911","1":"192.168.1.21:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#
    );
}

#[test]
fn spec_example_route_reads_back() {
    let text = r#"{
      "brokerDatas": [
        {"brokerAddrs": {"0": "192.168.1.20:10911", "1": "192.168.1.21:10911"},
         "brokerName": "broker-a", "cluster": "DefaultCluster", "enableActingMaster": false}
      ],
      "filterServerTable": {},
      "queueDatas": [
        {"brokerName": "broker-a", "perm": 6, "readQueueNums": 4, "topicSysFlag": 0, "writeQueueNums": 4}
      ]
    }"#;
    let parsed: TopicRouteData = json::decode(text.as_bytes()).unwrap();
    assert_eq!(parsed, route());
    assert_eq!(
        parsed.broker_datas[0].master_addr(),
        Some("192.168.1.20:10911")
    );
}

#[test]
fn fastjson_unquoted_broker_ids_are_accepted() {
    let text = r#"{"brokerDatas":[{"brokerAddrs":{0:"192.168.1.20:10911",1:"192.168.1.21:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#;
    let parsed: TopicRouteData = json::decode(text.as_bytes()).unwrap();
    assert_eq!(parsed, route());
}

#[test]
fn order_topic_conf_is_written_only_when_present() {
    let mut r = route();
    r.order_topic_conf = Some("broker-a:4".into());
    let text = String::from_utf8(json::encode(&r).to_vec()).unwrap();
    assert!(text.contains(r#""orderTopicConf":"broker-a:4""#));
}
