//! REGISTER_BROKER bodies (spec §3.20) in plain and zlib-compressed form.

use std::collections::BTreeMap;
use std::io::Write;

use ferromq_protocol::body::{DataVersion, RegisterBrokerBody, TopicConfig};
use ferromq_protocol::command::version;
use ferromq_protocol::BodyError;

fn body() -> RegisterBrokerBody {
    let mut b = RegisterBrokerBody::default();
    let w = &mut b.topic_config_serialize_wrapper;
    w.data_version = DataVersion {
        counter: 5,
        state_version: 0,
        timestamp: 1_700_000_000_000,
    };
    w.topic_config_table
        .insert("TopicTest".into(), TopicConfig::new("TopicTest", 4));
    let mut tbw = TopicConfig::new("TBW102", 8);
    tbw.perm = 7;
    w.topic_config_table.insert("TBW102".into(), tbw);
    b
}

#[test]
fn spec_example_plain_body_decodes() {
    let text = r#"{
  "filterServerList": [],
  "topicConfigSerializeWrapper": {
    "dataVersion": {"counter": 5, "stateVersion": 0, "timestamp": 1700000000000},
    "topicConfigTable": {
      "TopicTest": {"attributes":{},"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}
    },
    "mappingDataVersion": {"counter":0,"stateVersion":0,"timestamp":0}, "topicQueueMappingDetailMap": {}, "topicQueueMappingInfoMap": {}
  }
}"#;
    let b = RegisterBrokerBody::decode(text.as_bytes(), false, version::V5_3_3).unwrap();
    let w = &b.topic_config_serialize_wrapper;
    assert_eq!(w.data_version.counter, 5);
    assert_eq!(w.topic_config_table["TopicTest"].write_queue_nums, 4);
}

#[test]
fn old_brokers_send_a_bare_wrapper() {
    let text = r#"{"dataVersion":{"counter":1,"timestamp":2},"topicConfigTable":{"T":{"topicName":"T","readQueueNums":2,"writeQueueNums":2,"perm":6}}}"#;
    let b = RegisterBrokerBody::decode(text.as_bytes(), false, 20).unwrap();
    assert_eq!(
        b.topic_config_serialize_wrapper.topic_config_table["T"].read_queue_nums,
        2
    );
}

#[test]
fn plain_round_trip() {
    let bytes = body().encode(false, version::V5_3_3).unwrap();
    assert_eq!(
        RegisterBrokerBody::decode(&bytes, false, version::V5_3_3).unwrap(),
        body()
    );
}

#[test]
fn compressed_round_trip_5x_and_4x() {
    for v in [version::V4_9_7, version::V5_3_3] {
        let bytes = body().encode(true, v).unwrap();
        assert_eq!(&bytes[..1], &[0x78], "zlib header");
        let back = RegisterBrokerBody::decode(&bytes, true, v).unwrap();
        assert_eq!(
            back.topic_config_serialize_wrapper.topic_config_table,
            body().topic_config_serialize_wrapper.topic_config_table
        );
        assert_eq!(back.topic_config_serialize_wrapper.data_version.counter, 5);
    }
}

fn zlib(raw: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(raw).unwrap();
    enc.finish().unwrap()
}

fn section(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    out.extend_from_slice(bytes);
}

#[test]
fn compressed_body_laid_out_like_java_decodes() {
    let mut raw = Vec::new();
    section(
        &mut raw,
        br#"{"counter":3,"stateVersion":0,"timestamp":99}"#,
    );
    raw.extend_from_slice(&2i32.to_be_bytes());
    section(&mut raw, b"TopicTest 4 4 6 SINGLE_TAG");
    section(
        &mut raw,
        br#"TopicAttr 8 8 6 MULTI_TAG {"+queue.type":"BatchCQ"}"#,
    );
    section(&mut raw, b"[]");
    raw.extend_from_slice(&0i32.to_be_bytes());
    let b = RegisterBrokerBody::decode(&zlib(&raw), true, version::V5_3_3).unwrap();
    let table = &b.topic_config_serialize_wrapper.topic_config_table;
    assert_eq!(table["TopicTest"].read_queue_nums, 4);
    assert_eq!(table["TopicAttr"].write_queue_nums, 8);
    assert_eq!(
        table["TopicAttr"].attributes,
        BTreeMap::from([("+queue.type".to_string(), "BatchCQ".to_string())])
    );
}

#[test]
fn corrupt_compressed_bodies_are_errors() {
    assert!(matches!(
        RegisterBrokerBody::decode(b"not zlib", true, version::V5_3_3),
        Err(BodyError::Compressed(_))
    ));
    // A topic count far beyond the data.
    let mut raw = Vec::new();
    section(&mut raw, br#"{"counter":1}"#);
    raw.extend_from_slice(&i32::MAX.to_be_bytes());
    assert!(RegisterBrokerBody::decode(&zlib(&raw), true, version::V5_3_3).is_err());
    // A section length beyond the data.
    let mut raw = Vec::new();
    raw.extend_from_slice(&1000i32.to_be_bytes());
    assert!(RegisterBrokerBody::decode(&zlib(&raw), true, version::V5_3_3).is_err());
    // A bad compact topic config.
    let mut raw = Vec::new();
    section(&mut raw, br#"{"counter":1}"#);
    raw.extend_from_slice(&1i32.to_be_bytes());
    section(&mut raw, b"T four 4 6 SINGLE_TAG");
    assert!(RegisterBrokerBody::decode(&zlib(&raw), true, version::V5_3_3).is_err());
}
