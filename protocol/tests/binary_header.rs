//! The ROCKETMQ binary header (spec §1.4) and responding in the request's serialize type.

use bytes::{BufMut, BytesMut};
use ferromq_protocol::code::response_code;
use ferromq_protocol::{
    LanguageCode, ProtocolError, RemotingCodec, RemotingCommand, SerializeType,
};
use tokio_util::codec::{Decoder, Encoder};

fn binary_request() -> RemotingCommand {
    let mut cmd = RemotingCommand::request(105)
        .with_opaque(7)
        .with_remark("hi")
        .with_ext_field("topic", "T");
    cmd.version = 413;
    cmd.language = LanguageCode::Go;
    cmd.serialize_type = SerializeType::RocketMq;
    cmd
}

#[test]
fn binary_header_layout_is_exact() {
    let mut buf = BytesMut::new();
    RemotingCodec::new()
        .encode(binary_request(), &mut buf)
        .unwrap();
    let mut expected = BytesMut::new();
    expected.put_i16(105); // code
    expected.put_u8(9); // GO
    expected.put_i16(413); // version
    expected.put_i32(7); // opaque
    expected.put_i32(0); // flag
    expected.put_i32(2);
    expected.put_slice(b"hi");
    expected.put_i32(2 + 5 + 4 + 1); // extFields length
    expected.put_i16(5);
    expected.put_slice(b"topic");
    expected.put_i32(1);
    expected.put_slice(b"T");
    // 21 + remark + extFields.
    assert_eq!(expected.len(), 21 + 2 + 12);
    let header_len = expected.len() as u32;
    assert_eq!(&buf[..4], &(4 + header_len as i32).to_be_bytes());
    assert_eq!(&buf[4..8], &(0x0100_0000 | header_len).to_be_bytes());
    assert_eq!(&buf[8..], &expected[..]);

    let back = RemotingCodec::new().decode(&mut buf).unwrap().unwrap();
    assert_eq!(back, binary_request());
}

#[test]
fn response_mirrors_the_requests_serialize_type() {
    let req = binary_request();
    let resp = RemotingCommand::response_to(&req, response_code::SUCCESS);
    assert_eq!(resp.serialize_type, SerializeType::RocketMq);
    assert_eq!(resp.opaque, 7);
    assert!(resp.is_response());
    let mut buf = BytesMut::new();
    RemotingCodec::new().encode(resp, &mut buf).unwrap();
    assert_eq!(buf[4], 1, "type byte of the response is ROCKETMQ");
}

#[test]
fn zero_length_strings_read_as_absent() {
    let mut header = BytesMut::new();
    header.put_i16(0);
    header.put_u8(0);
    header.put_i16(0);
    header.put_i32(0);
    header.put_i32(1);
    header.put_i32(0); // no remark
    header.put_i32(2 + 1 + 4);
    header.put_i16(1);
    header.put_slice(b"k");
    header.put_i32(0); // null value
    let mut buf = BytesMut::new();
    buf.put_i32(4 + header.len() as i32);
    buf.put_u32(0x0100_0000 | header.len() as u32);
    buf.put_slice(&header);
    let cmd = RemotingCodec::new().decode(&mut buf).unwrap().unwrap();
    assert_eq!(cmd.remark, None);
    assert!(cmd.ext_fields.is_empty());
    assert!(cmd.is_response());
}

#[test]
fn truncated_or_lying_binary_headers_are_errors() {
    let mut full = BytesMut::new();
    RemotingCodec::new()
        .encode(binary_request(), &mut full)
        .unwrap();
    let header = full[8..].to_vec();
    for cut in 0..header.len() {
        let mut buf = BytesMut::new();
        buf.put_i32(4 + cut as i32);
        buf.put_u32(0x0100_0000 | cut as u32);
        buf.put_slice(&header[..cut]);
        assert!(
            matches!(
                RemotingCodec::new().decode(&mut buf),
                Err(ProtocolError::BinaryHeader(_))
            ),
            "cut at {cut}"
        );
    }
    // A remark length larger than the header.
    let mut lying = header.clone();
    lying[13..17].copy_from_slice(&i32::MAX.to_be_bytes());
    let mut buf = BytesMut::new();
    buf.put_i32(4 + lying.len() as i32);
    buf.put_u32(0x0100_0000 | lying.len() as u32);
    buf.put_slice(&lying);
    assert!(RemotingCodec::new().decode(&mut buf).is_err());
}

#[test]
fn codes_above_16_bits_cannot_use_the_binary_header() {
    let mut cmd = binary_request();
    cmd.code = 200_050; // POP_MESSAGE
    let mut buf = BytesMut::new();
    assert!(matches!(
        RemotingCodec::new().encode(cmd, &mut buf),
        Err(ProtocolError::Unencodable { field: "code", .. })
    ));
}
