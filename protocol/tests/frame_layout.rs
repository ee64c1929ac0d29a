//! Frame layout (spec §1.1): length prefix, header-length word, header, body; partial frames;
//! the 16 MiB limit; malformed frames give typed errors.

use bytes::{BufMut, BytesMut};
use ferromq_protocol::code::request_code;
use ferromq_protocol::header::GetRouteInfoRequestHeader;
use ferromq_protocol::{ProtocolError, RemotingCodec, RemotingCommand, SerializeType};
use tokio_util::codec::{Decoder, Encoder};

const ROUTE_QUERY_HEADER: &str = r#"{"code":105,"extFields":{"topic":"TopicTest"},"flag":0,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":413}"#;

fn route_query() -> RemotingCommand {
    let mut cmd = RemotingCommand::request(request_code::GET_ROUTEINFO_BY_TOPIC)
        .with_opaque(1)
        .with_header(&GetRouteInfoRequestHeader {
            topic: "TopicTest".into(),
            accept_standard_json_only: None,
        });
    cmd.version = 413;
    cmd
}

fn frame(header: &[u8], type_byte: u8, body: &[u8]) -> BytesMut {
    let mut buf = BytesMut::new();
    buf.put_i32((4 + header.len() + body.len()) as i32);
    buf.put_u32((u32::from(type_byte) << 24) | header.len() as u32);
    buf.put_slice(header);
    buf.put_slice(body);
    buf
}

#[test]
fn route_query_encodes_byte_for_byte_like_a_java_client() {
    let mut buf = BytesMut::new();
    RemotingCodec::new()
        .encode(route_query(), &mut buf)
        .unwrap();
    assert_eq!(&buf[..8], &[0, 0, 0, 0x87, 0, 0, 0, 0x83]);
    assert_eq!(&buf[8..], ROUTE_QUERY_HEADER.as_bytes());
}

#[test]
fn java_route_query_frame_decodes() {
    let mut buf = frame(ROUTE_QUERY_HEADER.as_bytes(), 0, b"");
    let cmd = RemotingCodec::new().decode(&mut buf).unwrap().unwrap();
    assert_eq!(cmd.code, 105);
    assert_eq!(cmd.opaque, 1);
    assert_eq!(cmd.version, 413);
    assert_eq!(
        cmd.ext_fields.get("topic").map(String::as_str),
        Some("TopicTest")
    );
    assert_eq!(cmd.serialize_type, SerializeType::Json);
    assert!(cmd.body.is_none(), "an empty body is surfaced as no body");
    assert!(buf.is_empty());
}

#[test]
fn partial_frames_are_buffered_until_complete() {
    let mut whole = BytesMut::new();
    let mut codec = RemotingCodec::new();
    let first = route_query().with_body(&b"hello body"[..]);
    let second = route_query().with_opaque(2);
    codec.encode(first.clone(), &mut whole).unwrap();
    codec.encode(second.clone(), &mut whole).unwrap();

    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for byte in whole.iter() {
        buf.put_u8(*byte);
        while let Some(cmd) = codec.decode(&mut buf).unwrap() {
            got.push(cmd);
        }
    }
    assert_eq!(got, vec![first, second]);
    assert_eq!(got[0].body.as_deref(), Some(&b"hello body"[..]));
}

#[test]
fn frame_limit_is_compared_with_length_plus_prefix_like_java() {
    let mut codec = RemotingCodec::new();
    // 16 777 212 + 4 = 16 MiB exactly: allowed, so the decoder just waits for the bytes.
    let mut at_limit = BytesMut::from(&16_777_212i32.to_be_bytes()[..]);
    assert!(codec.decode(&mut at_limit).unwrap().is_none());
    // One more byte is refused before anything is buffered.
    let mut over = BytesMut::from(&16_777_213i32.to_be_bytes()[..]);
    match codec.decode(&mut over) {
        Err(ProtocolError::FrameTooLarge { length, max }) => {
            assert_eq!(length, 16_777_217);
            assert_eq!(max, 16_777_216);
        }
        other => panic!("expected FrameTooLarge, got {other:?}"),
    }
}

#[test]
fn encoder_refuses_a_body_over_the_limit() {
    let mut codec = RemotingCodec::with_max_frame_length(1024);
    let cmd = route_query().with_body(vec![0u8; 2048]);
    let mut buf = BytesMut::new();
    assert!(matches!(
        codec.encode(cmd, &mut buf),
        Err(ProtocolError::FrameTooLarge { .. })
    ));
}

#[test]
fn negative_or_tiny_frame_length_is_an_error() {
    for len in [-1i32, 0, 3, i32::MIN] {
        let mut buf = BytesMut::from(&len.to_be_bytes()[..]);
        assert!(matches!(
            RemotingCodec::new().decode(&mut buf),
            Err(ProtocolError::FrameTooShort(_))
        ));
    }
}

#[test]
fn header_longer_than_frame_is_an_error() {
    let mut buf = BytesMut::new();
    buf.put_i32(8);
    buf.put_u32(100);
    buf.put_u32(0);
    assert!(matches!(
        RemotingCodec::new().decode(&mut buf),
        Err(ProtocolError::HeaderLengthOutOfRange {
            header: 100,
            available: 4
        })
    ));
}

#[test]
fn unknown_serialize_type_is_an_error() {
    let mut buf = frame(b"{}", 7, b"");
    assert!(matches!(
        RemotingCodec::new().decode(&mut buf),
        Err(ProtocolError::UnknownSerializeType(7))
    ));
}

#[test]
fn garbage_headers_give_errors_not_panics() {
    let samples: [&[u8]; 6] = [
        b"not json",
        b"[1,2,3]",
        b"{\"code\":\"x\"}",
        b"{\"code\":1e99}",
        b"\xff\xfe",
        b"",
    ];
    for header in samples {
        let mut buf = frame(header, 0, b"");
        assert!(RemotingCodec::new().decode(&mut buf).is_err(), "{header:?}");
    }
}

#[test]
fn headers_longer_than_64_kib_use_the_24_bit_length() {
    // The header length has 24 bits, not 16: a 66 051-byte header must decode.
    let header = format!(r#"{{"code":0,"remark":"{}"}}"#, "x".repeat(0x01_0203 - 22));
    assert_eq!(header.len(), 0x01_0203);
    let mut buf = frame(header.as_bytes(), 0, b"tail");
    let cmd = RemotingCodec::new().decode(&mut buf).unwrap().unwrap();
    assert_eq!(cmd.body.as_deref(), Some(&b"tail"[..]));
}
