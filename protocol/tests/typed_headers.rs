//! Typed headers to and from extFields (spec §1.8, §3).

use ferromq_protocol::code::request_code;
use ferromq_protocol::header::{
    PullMessageRequestHeader, RegisterBrokerRequestHeader, SendMessageRequestHeader,
    SendMessageRequestHeaderV2,
};
use ferromq_protocol::{CommandHeader, ExtFields, HeaderError, RemotingCommand};

fn fields(pairs: &[(&str, &str)]) -> ExtFields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn send_v2_uses_one_letter_names_and_maps_to_v1() {
    let mut cmd = RemotingCommand::request(request_code::SEND_MESSAGE_V2);
    cmd.ext_fields = fields(&[
        ("a", "pg"),
        ("b", "TopicTest"),
        ("c", "TBW102"),
        ("d", "4"),
        ("e", "-1"),
        ("f", "0"),
        ("g", "1700000000000"),
        ("h", "0"),
        ("i", "TAGS\u{1}TagA\u{2}"),
        ("k", "false"),
        ("m", "false"),
        ("ns", "ignored"),
    ]);
    let h = SendMessageRequestHeader::from_command(&cmd).unwrap();
    assert_eq!(h.producer_group, "pg");
    assert_eq!(h.topic, "TopicTest");
    assert_eq!(h.default_topic_queue_nums, 4);
    assert_eq!(h.queue_id, -1);
    assert_eq!(h.born_timestamp, 1_700_000_000_000);
    assert_eq!(h.properties.as_deref(), Some("TAGS\u{1}TagA\u{2}"));
    assert_eq!(h.unit_mode, Some(false));
    assert_eq!(h.reconsume_times, None);

    let v2 = SendMessageRequestHeaderV2::from_v1(h);
    let written = v2.to_ext_fields();
    let keys: Vec<&str> = written.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "k", "m"]
    );
}

#[test]
fn send_v1_uses_long_names() {
    let mut cmd = RemotingCommand::request(request_code::SEND_MESSAGE);
    cmd.ext_fields = fields(&[
        ("producerGroup", "pg"),
        ("topic", "T"),
        ("defaultTopic", "TBW102"),
        ("defaultTopicQueueNums", "4"),
        ("queueId", "2"),
        ("sysFlag", "0"),
        ("bornTimestamp", "5"),
        ("flag", "7"),
    ]);
    let h = SendMessageRequestHeader::from_command(&cmd).unwrap();
    assert_eq!((h.queue_id, h.flag), (2, 7));
}

#[test]
fn missing_required_field_says_which_like_java() {
    let err =
        PullMessageRequestHeader::from_ext_fields(&fields(&[("consumerGroup", "g")])).unwrap_err();
    assert_eq!(err, HeaderError::Missing { field: "topic" });
    assert_eq!(err.remark(), "the custom field <topic> is null");
}

#[test]
fn malformed_numbers_are_errors_and_booleans_parse_like_java() {
    let base = [
        ("brokerName", "broker-a"),
        ("brokerAddr", "127.0.0.1:10911"),
        ("clusterName", "DefaultCluster"),
        ("haServerAddr", "127.0.0.1:10912"),
    ];
    let mut f = fields(&base);
    f.insert("brokerId".into(), "zero".into());
    assert!(matches!(
        RegisterBrokerRequestHeader::from_ext_fields(&f),
        Err(HeaderError::Invalid {
            field: "brokerId",
            ..
        })
    ));
    f.insert("brokerId".into(), "1".into());
    f.insert("compressed".into(), "TRUE".into());
    let h = RegisterBrokerRequestHeader::from_ext_fields(&f).unwrap();
    assert_eq!(h.broker_id, 1);
    assert_eq!(h.compressed, Some(true));
    f.insert("compressed".into(), "yes".into());
    let h = RegisterBrokerRequestHeader::from_ext_fields(&f).unwrap();
    assert_eq!(
        h.compressed,
        Some(false),
        "Boolean.parseBoolean: anything but true is false"
    );
}

#[test]
fn optional_fields_that_are_absent_are_not_written() {
    let h = RegisterBrokerRequestHeader {
        broker_name: "b".into(),
        broker_addr: "a:1".into(),
        cluster_name: "c".into(),
        ha_server_addr: "a:2".into(),
        broker_id: 0,
        ..Default::default()
    };
    let f = h.to_ext_fields();
    assert_eq!(f.len(), 5);
    assert_eq!(f["brokerId"], "0");
    assert_eq!(RegisterBrokerRequestHeader::from_ext_fields(&f).unwrap(), h);
}
