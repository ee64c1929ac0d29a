//! The fastjson leniency pass (spec §3.22): bare and object map keys become strings; string
//! contents are never touched.

use std::collections::BTreeMap;

use ferromq_protocol::json::{self, quote_bare_keys};

#[test]
fn bare_numeric_keys_are_quoted() {
    assert_eq!(
        quote_bare_keys(r#"{0:"addr",1:"b"}"#),
        r#"{"0":"addr","1":"b"}"#
    );
    assert_eq!(
        quote_bare_keys(r#"{"offsetTable":{"t@g":{0:12, 1:7}}}"#),
        r#"{"offsetTable":{"t@g":{"0":12, "1":7}}}"#
    );
    assert_eq!(quote_bare_keys("{ -1 : 2 }"), r#"{ "-1": 2 }"#);
}

#[test]
fn standard_json_and_string_contents_are_untouched() {
    let samples = [
        r#"{"a":[1,2,{"b":3}],"c":"{0:\"x\",1:2}"}"#,
        r#"[{"k":"v"},1,2]"#,
        r#"{"esc":"quote \" then {9:1}"}"#,
    ];
    for s in samples {
        assert_eq!(quote_bare_keys(s), s);
    }
}

#[test]
fn array_values_are_not_keys() {
    assert_eq!(quote_bare_keys(r#"{5:[1,2,3]}"#), r#"{"5":[1,2,3]}"#);
}

#[test]
fn object_keys_become_their_json_text() {
    let text = r#"{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5}}"#;
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Stats {
        offset_table: BTreeMap<String, i64>,
    }
    let stats: Stats = json::decode(text.as_bytes()).unwrap();
    let (key, value) = stats.offset_table.into_iter().next().unwrap();
    assert_eq!(key, r#"{"brokerName":"b","queueId":0,"topic":"T"}"#);
    assert_eq!(value, 5);
}

#[test]
fn hostile_inputs_do_not_panic() {
    for s in [
        "{",
        "{0",
        "{\"",
        "{{{{",
        "{0:{1:{2:",
        "}}}]]",
        "{,:}",
        "{é:1}",
        "{\u{1F600}:1}",
    ] {
        let _ = quote_bare_keys(s);
        let _: Result<serde_json::Value, _> = json::decode(s.as_bytes());
    }
}
