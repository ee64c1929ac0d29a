//! HeartbeatData (spec §3.6).

use ferromq_protocol::body::{ConsumeType, HeartbeatData, MessageModel};
use ferromq_protocol::json;

#[test]
fn spec_example_heartbeat_decodes() {
    let text = r#"{
  "clientID": "192.168.1.10@12345#8712873456123",
  "consumerDataSet": [
    {
      "consumeFromWhere": "CONSUME_FROM_LAST_OFFSET",
      "consumeType": "CONSUME_PASSIVELY",
      "groupName": "my_consumer_group",
      "messageModel": "CLUSTERING",
      "subscriptionDataSet": [
        {"classFilterMode": false, "codeSet": [2598919, 2598920], "expressionType": "TAG",
         "subString": "TagA || TagB", "subVersion": 1700000000000, "tagsSet": ["TagA", "TagB"],
         "topic": "TopicTest"},
        {"classFilterMode": false, "codeSet": [], "expressionType": "TAG", "subString": "*",
         "subVersion": 1700000000001, "tagsSet": [], "topic": "%RETRY%my_consumer_group"}
      ],
      "unitMode": false
    }
  ],
  "heartbeatFingerprint": 0,
  "producerDataSet": [ {"groupName": "CLIENT_INNER_PRODUCER"}, {"groupName": "my_producer_group"} ],
  "withoutSub": false
}"#;
    let hb: HeartbeatData = json::decode(text.as_bytes()).unwrap();
    assert_eq!(hb.client_id, "192.168.1.10@12345#8712873456123");
    let c = &hb.consumer_data_set[0];
    assert_eq!(c.consume_type, ConsumeType::ConsumePassively);
    assert_eq!(c.message_model, MessageModel::Clustering);
    assert!(c.subscription_data_set[0].code_set.contains(&2598919));
    assert_eq!(hb.producer_data_set.len(), 2);
}

#[test]
fn missing_expression_type_means_tag() {
    let text = r#"{"clientID":"c","consumerDataSet":[{"groupName":"g","consumeType":"CONSUME_ACTIVELY","messageModel":"BROADCASTING","consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","subscriptionDataSet":[{"topic":"T","subString":"*","subVersion":1}]}],"producerDataSet":[]}"#;
    let hb: HeartbeatData = json::decode(text.as_bytes()).unwrap();
    assert_eq!(
        hb.consumer_data_set[0].subscription_data_set[0].expression_type,
        "TAG"
    );
    assert_eq!(
        hb.heartbeat_fingerprint, None,
        "4.x clients send no heartbeat v2 fields"
    );
}

#[test]
fn client_id_is_written_with_capital_id() {
    let hb = HeartbeatData {
        client_id: "x".into(),
        ..Default::default()
    };
    let text = String::from_utf8(json::encode(&hb).to_vec()).unwrap();
    assert!(text.contains(r#""clientID":"x""#), "{text}");
}

#[test]
fn cpp_client_heartbeat_with_ordinal_enums_and_string_sub_version() {
    // Captured from librocketmq.so (rocketmq-client-python 0.5.0rc2), byte for byte.
    let text = "{\"clientID\":\"7954-127.0.0.1@DEFAULT\",\"consumerDataSet\":[{\"consumeFromWhere\":0,\"consumeType\":1,\"groupName\":\"hgroup\",\"messageModel\":1,\"subscriptionDataSet\":[{\"subString\":\"*\",\"subVersion\":\"1795281528762\",\"topic\":\"%RETRY%hgroup\"},{\"subString\":\"*\",\"subVersion\":\"1795281528762\",\"topic\":\"HTopic\"}]}]}\n";
    let hb: HeartbeatData = json::decode(text.as_bytes()).unwrap();
    let c = &hb.consumer_data_set[0];
    assert_eq!(c.consume_type, ConsumeType::ConsumePassively);
    assert_eq!(c.message_model, MessageModel::Clustering);
    assert_eq!(c.subscription_data_set[1].sub_version, 1795281528762);
    assert_eq!(c.subscription_data_set[1].topic, "HTopic");
}
