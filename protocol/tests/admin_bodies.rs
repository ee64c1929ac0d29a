//! Admin and metadata bodies (spec §3.16, §3.21, §12.1, §12.2): subscription groups, consumer
//! offsets, and the object-keyed stats bodies in fastjson's exact form.

use std::collections::BTreeMap;

use ferromq_protocol::body::{
    ConsumeStats, ConsumerOffsetWrapper, DataVersion, MessageQueue, OffsetWrapper,
    SubscriptionGroupConfig, SubscriptionGroupWrapper, TopicConfigSerializeWrapper, TopicOffset,
    TopicStatsTable,
};
use ferromq_protocol::json;

/// Spec §3.21, verbatim.
const CONSUME_STATS: &str = r#"{"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"brokerOffset":10,"consumerOffset":8,"lastTimestamp":1700000000000,"pullOffset":8}}}"#;

/// Spec §3.21, verbatim.
const TOPIC_STATS: &str = r#"{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":1700000000000,"maxOffset":10,"minOffset":0}},"topicPutTps":0.0}"#;

fn mq(queue_id: i32) -> MessageQueue {
    MessageQueue::new("T", "broker-a", queue_id)
}

#[test]
fn consume_stats_encodes_exactly_as_fastjson() {
    let stats = ConsumeStats {
        consume_tps: 0.0,
        offset_table: BTreeMap::from([(
            mq(0),
            OffsetWrapper {
                broker_offset: 10,
                consumer_offset: 8,
                last_timestamp: 1_700_000_000_000,
                pull_offset: 8,
            },
        )]),
    };
    assert_eq!(std::str::from_utf8(&stats.encode()).unwrap(), CONSUME_STATS);
    assert_eq!(
        ConsumeStats::decode(CONSUME_STATS.as_bytes()).unwrap(),
        stats
    );
}

#[test]
fn topic_stats_table_encodes_exactly_as_fastjson() {
    let table = TopicStatsTable {
        offset_table: BTreeMap::from([(
            mq(0),
            TopicOffset {
                last_update_timestamp: 1_700_000_000_000,
                max_offset: 10,
                min_offset: 0,
            },
        )]),
        topic_put_tps: 0.0,
    };
    assert_eq!(std::str::from_utf8(&table.encode()).unwrap(), TOPIC_STATS);
    assert_eq!(
        TopicStatsTable::decode(TOPIC_STATS.as_bytes()).unwrap(),
        table
    );
}

#[test]
fn stats_bodies_round_trip_several_queues_in_rebalance_order() {
    let mut stats = ConsumeStats {
        consume_tps: 12.5,
        ..ConsumeStats::default()
    };
    for (i, topic) in [(1, "B"), (0, "A"), (3, "A")] {
        stats.offset_table.insert(
            MessageQueue::new(topic, "broker-a", i),
            OffsetWrapper {
                broker_offset: i64::from(i) + 100,
                ..OffsetWrapper::default()
            },
        );
    }
    let bytes = stats.encode();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.starts_with(r#"{"consumeTps":12.5,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"A"}:{"brokerOffset":100,"#), "{text}");
    assert_eq!(ConsumeStats::decode(&bytes).unwrap(), stats);

    // An empty table is still an object.
    assert_eq!(
        &ConsumeStats::default().encode()[..],
        br#"{"consumeTps":0.0,"offsetTable":{}}"#
    );
    assert_eq!(
        &TopicStatsTable::default().encode()[..],
        br#"{"offsetTable":{},"topicPutTps":0.0}"#
    );
}

#[test]
fn stats_bodies_read_4x_and_normalised_forms() {
    // A 4.x broker sends no topicPutTps; fastjson may put spaces around keys.
    let old = r#"{"offsetTable":{ {"brokerName":"b","queueId":2,"topic":"T"} : {"maxOffset":5} }}"#;
    let table = TopicStatsTable::decode(old.as_bytes()).unwrap();
    let (queue, offsets) = table.offset_table.iter().next().unwrap();
    assert_eq!(queue, &MessageQueue::new("T", "b", 2));
    assert_eq!(offsets.max_offset, 5);
    assert_eq!(table.topic_put_tps, 0.0);

    // Standard JSON with the queue's JSON text as a string key (rocketmq-rust's normal form).
    let normalised = r#"{"consumeTps":1.0,"offsetTable":{"{\"brokerName\":\"b\",\"queueId\":1,\"topic\":\"T\"}":{"consumerOffset":3}}}"#;
    let stats = ConsumeStats::decode(normalised.as_bytes()).unwrap();
    assert_eq!(
        stats.offset_table[&MessageQueue::new("T", "b", 1)].consumer_offset,
        3
    );
}

#[test]
fn stats_bodies_reject_bad_keys_without_panicking() {
    for bad in [
        r#"{"offsetTable":{"not a queue":{}}}"#,
        r#"{"offsetTable":{{"queueId":"x"}:{}}}"#,
        r#"{"offsetTable":{{"#,
        r#"{"offsetTable":[1,2]}"#,
    ] {
        assert!(ConsumeStats::decode(bad.as_bytes()).is_err(), "{bad}");
        assert!(TopicStatsTable::decode(bad.as_bytes()).is_err(), "{bad}");
    }
}

#[test]
fn subscription_group_defaults_are_javas() {
    let config = SubscriptionGroupConfig::new("g");
    assert_eq!(
        std::str::from_utf8(&json::encode(&config)).unwrap(),
        r#"{"attributes":{},"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"consumeMessageOrderly":false,"consumeTimeoutMinute":15,"groupName":"g","groupSysFlag":0,"notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}"#
    );
    // A 4.x file names only the old fields; the rest take the defaults.
    let old: SubscriptionGroupConfig = json::decode(
        br#"{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":false,"consumeFromMinEnable":true,"groupName":"g","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":3,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}"#,
    )
    .unwrap();
    assert_eq!(
        old,
        SubscriptionGroupConfig {
            consume_enable: false,
            retry_max_times: 3,
            ..SubscriptionGroupConfig::new("g")
        }
    );
}

#[test]
fn subscription_group_5x_fields_pass_through() {
    let text = r#"{"attributes":{"+k":"v"},"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"consumeMessageOrderly":true,"consumeTimeoutMinute":15,"groupName":"g","groupRetryPolicy":{"type":"CUSTOMIZED"},"groupSysFlag":0,"notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"subscriptionDataSet":[{"topic":"T"}],"whichBrokerWhenConsumeSlowly":1}"#;
    let config: SubscriptionGroupConfig = json::decode(text.as_bytes()).unwrap();
    assert!(config.consume_message_orderly);
    assert_eq!(config.attributes["+k"], "v");
    assert_eq!(std::str::from_utf8(&json::encode(&config)).unwrap(), text);
}

#[test]
fn subscription_group_wrapper_shape() {
    // Spec §12.2 / §3.16 shape, as a 5.x broker writes it (pretty-printed with tabs).
    let text = "{\n\t\"subscriptionGroupTable\":{\n\t\t\"g\":{\"groupName\":\"g\",\"retryMaxTimes\":5}\n\t},\n\t\"forbiddenTable\":{\"g\":{\"T\":2}},\n\t\"dataVersion\":{\"counter\":3,\"stateVersion\":0,\"timestamp\":1700000000000}\n}";
    let wrapper: SubscriptionGroupWrapper = json::decode(text.as_bytes()).unwrap();
    assert_eq!(wrapper.subscription_group_table["g"].retry_max_times, 5);
    assert_eq!(wrapper.subscription_group_table["g"].retry_queue_nums, 1);
    assert_eq!(wrapper.forbidden_table["g"]["T"], 2);
    assert_eq!(wrapper.data_version.counter, 3);
    let out = String::from_utf8(json::encode(&wrapper).to_vec()).unwrap();
    assert!(
        out.starts_with(r#"{"dataVersion":{"counter":3,"stateVersion":0,"timestamp":1700000000000},"forbiddenTable":{"g":{"T":2}},"subscriptionGroupTable":{"g":{"#),
        "{out}"
    );
    let back: SubscriptionGroupWrapper = json::decode(out.as_bytes()).unwrap();
    assert_eq!(back, wrapper);
}

#[test]
fn consumer_offsets_read_the_spec_file_with_unquoted_keys() {
    // Spec §12.1, verbatim.
    let file = "{\n\t\"dataVersion\":{\"counter\":42,\"stateVersion\":0,\"timestamp\":1700000000000},\n\t\"offsetTable\":{\n\t\t\"TopicTest@my_consumer_group\":{0:250,1:249,2:251,3:250},\n\t\t\"%RETRY%my_consumer_group@my_consumer_group\":{0:3}\n\t}\n}";
    let offsets: ConsumerOffsetWrapper = json::decode(file.as_bytes()).unwrap();
    assert_eq!(offsets.data_version.counter, 42);
    let key = ConsumerOffsetWrapper::key("TopicTest", "my_consumer_group");
    assert_eq!(key, "TopicTest@my_consumer_group");
    assert_eq!(
        offsets.offset_table[&key],
        BTreeMap::from([(0, 250), (1, 249), (2, 251), (3, 250)])
    );
    assert_eq!(
        ConsumerOffsetWrapper::split_key("%RETRY%my_consumer_group@my_consumer_group"),
        Some(("%RETRY%my_consumer_group", "my_consumer_group"))
    );
    assert_eq!(ConsumerOffsetWrapper::split_key("no-separator"), None);
    assert_eq!(
        offsets.offset_table["%RETRY%my_consumer_group@my_consumer_group"][&0],
        3
    );

    // Our output quotes the queue ids and reads back; 5.x's derived groupTopicMap is ignored.
    let out = json::encode(&offsets);
    assert!(std::str::from_utf8(&out)
        .unwrap()
        .contains(r#""TopicTest@my_consumer_group":{"0":250,"1":249,"2":251,"3":250}"#));
    assert_eq!(
        json::decode::<ConsumerOffsetWrapper>(&out).unwrap(),
        offsets
    );
    let with_derived: ConsumerOffsetWrapper =
        json::decode(br#"{"groupTopicMap":{"g":["T"]},"offsetTable":{"T@g":{0:1}}}"#).unwrap();
    assert_eq!(with_derived.offset_table["T@g"][&0], 1);
    assert_eq!(with_derived.data_version, DataVersion::default());
}

#[test]
fn consumer_offsets_reject_non_integer_queue_ids() {
    assert!(json::decode::<ConsumerOffsetWrapper>(br#"{"offsetTable":{"T@g":{x:1}}}"#).is_err());
    assert!(json::decode::<ConsumerOffsetWrapper>(br#"{"offsetTable":{"T@g":{0:"a"}}}"#).is_err());
}

#[test]
fn topics_json_and_get_all_topic_config_reuse_the_register_wrapper() {
    // Spec §12.2 topics.json (4.x shape) and §3.16 GET_ALL_TOPIC_CONFIG (5.x shape).
    let topics = r#"{"dataVersion":{"counter":1,"timestamp":1700000000000},"topicConfigTable":{"TBW102":{"perm":7,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"TBW102","topicSysFlag":0,"writeQueueNums":8}}}"#;
    let wrapper: TopicConfigSerializeWrapper = json::decode(topics.as_bytes()).unwrap();
    assert_eq!(wrapper.topic_config_table["TBW102"].perm, 7);
    let v5 = r#"{"dataVersion":{"counter":2,"stateVersion":0,"timestamp":1},"topicConfigTable":{},"mappingDataVersion":{"counter":0,"stateVersion":0,"timestamp":1},"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}}"#;
    let wrapper: TopicConfigSerializeWrapper = json::decode(v5.as_bytes()).unwrap();
    assert_eq!(wrapper.data_version.counter, 2);
    assert!(wrapper.mapping_data_version.is_some());
}
