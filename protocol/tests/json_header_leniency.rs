//! Reading JSON headers the way fastjson does (spec §1.3 rule 1): what real clients send.

use bytes::{BufMut, BytesMut};
use ferromq_protocol::{LanguageCode, RemotingCodec, RemotingCommand};
use tokio_util::codec::Decoder;

fn decode(header: &str) -> RemotingCommand {
    let mut buf = BytesMut::new();
    buf.put_i32(4 + header.len() as i32);
    buf.put_u32(header.len() as u32);
    buf.put_slice(header.as_bytes());
    RemotingCodec::new().decode(&mut buf).unwrap().unwrap()
}

#[test]
fn old_cpp_client_header_without_serialize_type() {
    let cmd = decode(
        r#"{"code":105,"extFields":{"topic":"TopicTest"},"flag":0,"language":"CPP","opaque":0,"remark":"","version":63}"#,
    );
    assert_eq!(cmd.code, 105);
    assert_eq!(cmd.language, LanguageCode::Cpp);
    assert_eq!(cmd.version, 63);
    assert_eq!(cmd.ext_fields["topic"], "TopicTest");
}

#[test]
fn ali_ons_numbers_and_booleans_in_ext_fields_become_strings() {
    let cmd = decode(
        r#"{"code":310,"language":"NODE_JS","opaque":3,"flag":0,"version":121,"extFields":{"a":"pg","b":"T","c":"TBW102","d":4,"e":0,"f":0,"g":1700000000000,"h":0,"k":false,"l":-1,"x":1.5,"n":null}}"#,
    );
    assert_eq!(cmd.language, LanguageCode::NodeJs);
    assert_eq!(cmd.ext_fields["d"], "4");
    assert_eq!(cmd.ext_fields["g"], "1700000000000");
    assert_eq!(cmd.ext_fields["k"], "false");
    assert_eq!(cmd.ext_fields["l"], "-1");
    assert_eq!(cmd.ext_fields["x"], "1.5");
    assert!(!cmd.ext_fields.contains_key("n"), "null means absent");
}

#[test]
fn null_or_missing_remark_and_ext_fields() {
    let cmd = decode(r#"{"code":1,"remark":null,"extFields":null}"#);
    assert_eq!(cmd.remark, None);
    assert!(cmd.ext_fields.is_empty());
    let cmd = decode(r#"{"code":2}"#);
    assert_eq!(cmd.code, 2);
    assert_eq!(cmd.opaque, 0);
}

#[test]
fn unknown_keys_and_unknown_languages_are_accepted() {
    let cmd = decode(r#"{"code":34,"language":"KOTLIN","whatever":{"deep":[1]},"opaque":"9"}"#);
    assert_eq!(cmd.language, LanguageCode::Unknown("KOTLIN".into()));
    assert_eq!(cmd.language.name(), "KOTLIN");
    assert_eq!(cmd.opaque, 9, "fastjson also reads numeric strings as ints");
}

#[test]
fn escaped_control_characters_in_properties_are_decoded() {
    let cmd = decode(r#"{"code":310,"extFields":{"i":"TAGS\u0001TagA\u0002KEYS\u0001k1\u0002"}}"#);
    assert_eq!(cmd.ext_fields["i"], "TAGS\u{1}TagA\u{2}KEYS\u{1}k1\u{2}");
}
