//! Writing JSON headers (spec §1.3 rule 2): every field strict clients require, string-valued
//! extFields, control characters escaped.

use ferromq_protocol::code::response_code;
use ferromq_protocol::header::OffsetResponseHeader;
use ferromq_protocol::RemotingCommand;

fn header_json(cmd: &RemotingCommand) -> serde_json::Value {
    let frame = cmd.to_frame().unwrap();
    let len = u32::from_be_bytes(frame[4..8].try_into().unwrap()) as usize;
    serde_json::from_slice(&frame[8..8 + len]).unwrap()
}

#[test]
fn responses_always_carry_the_fields_rocketmq_client_rust_requires() {
    let req = RemotingCommand::request(30).with_opaque(42);
    let resp = RemotingCommand::response_to(&req, response_code::SUCCESS);
    let json = header_json(&resp);
    for key in [
        "code",
        "flag",
        "language",
        "opaque",
        "serializeTypeCurrentRPC",
        "version",
    ] {
        assert!(json.get(key).is_some(), "missing {key}: {json}");
    }
    assert_eq!(json["opaque"], 42);
    assert_eq!(json["flag"], 1);
    assert_eq!(json["language"], "JAVA");
    assert_eq!(json["serializeTypeCurrentRPC"], "JSON");
    assert!(json.get("remark").is_none(), "empty remark is omitted");
}

#[test]
fn ext_field_values_are_always_strings() {
    let req = RemotingCommand::request(30);
    let resp = RemotingCommand::response_to(&req, response_code::SUCCESS)
        .with_header(&OffsetResponseHeader { offset: 1234 });
    let json = header_json(&resp);
    assert_eq!(json["extFields"]["offset"], "1234");
}

#[test]
fn control_characters_are_escaped() {
    let cmd = RemotingCommand::request(310).with_ext_field("i", "A\u{1}B\u{2}");
    let frame = cmd.to_frame().unwrap();
    let text = String::from_utf8(frame[8..].to_vec()).unwrap();
    assert!(text.contains(r#""i":"A\u0001B\u0002""#), "{text}");
}

#[test]
fn remark_is_written_when_present() {
    let req = RemotingCommand::request(999);
    let resp = RemotingCommand::response_to(&req, response_code::REQUEST_CODE_NOT_SUPPORTED)
        .with_remark(" request type 999 not supported");
    let json = header_json(&resp);
    assert_eq!(json["remark"], " request type 999 not supported");
    assert_eq!(json["code"], 3);
}
