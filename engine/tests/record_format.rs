//! The stored record and ConsumeQueue entry, byte for byte against spec §4.1 and §5.1.

use std::net::SocketAddr;

use ferromq_engine::record::{
    self, encode_record, offset_msg_id, sysflag, RecordFields, RecordView, MAGIC_V1, MAGIC_V2,
};
use ferromq_engine::{CqEntry, DecodeError};
use quickcheck::{quickcheck, TestResult};

/// The spec's 125-byte test vector.
const VECTOR: [u8; 125] = [
    0x00, 0x00, 0x00, 0x7d, 0xda, 0xa3, 0x20, 0xa7, 0x77, 0xd1, 0x89, 0x82, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,
    0x7f, 0x00, 0x00, 0x01, 0x00, 0x00, 0xd4, 0x31, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b,
    0xc0, 0xa8, 0x00, 0x0a, 0x00, 0x00, 0x2a, 0x9f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x09, 0x54, 0x6f,
    0x70, 0x69, 0x63, 0x54, 0x65, 0x73, 0x74, 0x00, 0x14, 0x54, 0x41, 0x47, 0x53, 0x01, 0x54, 0x61,
    0x67, 0x41, 0x02, 0x57, 0x41, 0x49, 0x54, 0x01, 0x74, 0x72, 0x75, 0x65, 0x02,
];

const PROPS: &str = "TAGS\u{1}TagA\u{2}WAIT\u{1}true\u{2}";

fn vector_fields() -> RecordFields<'static> {
    RecordFields {
        queue_id: 0,
        flag: 0,
        queue_offset: 0,
        physical_offset: 0,
        sysflag: 0,
        born_timestamp: 1_700_000_000_000,
        born_host: "127.0.0.1:54321".parse().unwrap(),
        store_timestamp: 1_700_000_000_123,
        store_host: "192.168.0.10:10911".parse().unwrap(),
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body: b"Hello",
        topic: "TopicTest",
        properties: PROPS,
    }
}

#[test]
fn encodes_the_spec_vector_byte_for_byte() {
    let mut out = Vec::new();
    encode_record(&vector_fields(), &mut out);
    assert_eq!(out, VECTOR);
    assert_eq!(record::crc32(b"Hello"), 2_010_220_930);
}

#[test]
fn decodes_the_spec_vector() {
    let r = RecordView::decode(&VECTOR, true).unwrap();
    assert_eq!(r.total_size, 125);
    assert_eq!(r.magic, MAGIC_V1);
    assert_eq!(r.body_crc, 2_010_220_930);
    assert_eq!(r.fields, vector_fields());
    assert_eq!(r.property("TAGS"), Some("TagA"));
    assert_eq!(r.tags_code(), 2_598_919);
    assert_eq!(r.offset_msg_id(), "C0A8000A00002A9F0000000000000000");
}

#[test]
fn consume_queue_entry_matches_the_spec() {
    let e = CqEntry {
        physical_offset: 0,
        size: 125,
        tags_code: 2_598_919,
    };
    let expected: [u8; 20] = [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0, 0, 0, 0, 0, 0x27, 0xa8, 0x07,
    ];
    assert_eq!(e.encode(), expected);
    assert_eq!(CqEntry::decode(&expected), e);
}

#[test]
fn long_topics_use_v2_magic_and_two_byte_length() {
    let topic = "T".repeat(200);
    let mut f = vector_fields();
    f.topic = &topic;
    let mut out = Vec::new();
    encode_record(&f, &mut out);
    assert_eq!(&out[4..8], &MAGIC_V2.to_be_bytes());
    assert_eq!(out.len(), 125 - 9 - 1 + 200 + 2);
    let r = RecordView::decode(&out, true).unwrap();
    assert_eq!(r.magic, MAGIC_V2);
    assert_eq!(r.fields.topic, topic);
}

#[test]
fn ipv6_hosts_set_sysflag_bits_and_widen_the_record() {
    let mut f = vector_fields();
    f.born_host = "[2001:db8::7]:54321".parse().unwrap();
    f.store_host = "[2001:db8::1]:10911".parse().unwrap();
    let mut out = Vec::new();
    encode_record(&f, &mut out);
    assert_eq!(out.len(), 125 + 24);
    let r = RecordView::decode(&out, true).unwrap();
    assert_eq!(
        r.fields.sysflag,
        sysflag::BORNHOST_V6 | sysflag::STOREHOST_V6
    );
    assert_eq!(r.fields.born_host, f.born_host);
    assert_eq!(r.fields.store_host, f.store_host);
    // Store timestamp sits at 48 + 20 for an IPv6 born host.
    assert_eq!(&out[68..76], &1_700_000_000_123i64.to_be_bytes());
    assert_eq!(r.offset_msg_id().len(), 56);
    let store: SocketAddr = "[2001:db8::1]:10911".parse().unwrap();
    assert_eq!(r.offset_msg_id(), offset_msg_id(store, 0));
}

#[test]
fn damaged_vectors_give_typed_errors() {
    let mut bad_crc = VECTOR;
    bad_crc[0x58] ^= 1; // a body byte
    assert!(matches!(
        RecordView::decode(&bad_crc, true),
        Err(DecodeError::CrcMismatch { .. })
    ));
    // Without CRC checking it still decodes.
    assert!(RecordView::decode(&bad_crc, false).is_ok());

    assert!(matches!(
        RecordView::decode(&VECTOR[..100], true),
        Err(DecodeError::Truncated { .. })
    ));
    let mut bad_len = VECTOR;
    bad_len[3] = 0x7c; // one byte short of the fields
    assert!(RecordView::decode(&bad_len, true).is_err());
    assert!(matches!(
        RecordView::decode(&[0u8; 125], true),
        Err(DecodeError::BadMagic(0))
    ));
    let blank = [0, 0, 0, 16, 0xCB, 0xD4, 0x31, 0x94, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(RecordView::decode(&blank, true), Err(DecodeError::Blank));
}

#[test]
fn decode_all_stops_at_the_first_bad_record() {
    let mut body = VECTOR.to_vec();
    body.extend_from_slice(&VECTOR);
    let (recs, complete) = record::decode_all(&body, true);
    assert_eq!(recs.len(), 2);
    assert!(complete);
    body.extend_from_slice(&[1, 2, 3]);
    let (recs, complete) = record::decode_all(&body, true);
    assert_eq!(recs.len(), 2);
    assert!(!complete);
}

quickcheck! {
    fn decoding_arbitrary_bytes_never_panics(data: Vec<u8>) -> bool {
        let _ = RecordView::decode(&data, true);
        let _ = record::decode_all(&data, true);
        true
    }

    fn decoding_mutated_vectors_never_panics(pos: usize, byte: u8, cut: usize) -> TestResult {
        let mut v = VECTOR.to_vec();
        let i = pos % v.len();
        v[i] = byte;
        v.truncate(cut % (v.len() + 1));
        if let Ok(r) = RecordView::decode(&v, true) {
            // Whatever decodes re-encodes to the same bytes.
            let mut out = Vec::new();
            encode_record(&r.fields, &mut out);
            return TestResult::from_bool(out == v[..r.total_size] || r.fields.sysflag != 0);
        }
        TestResult::passed()
    }

    fn encode_decode_round_trips(body: Vec<u8>, topic_len: u8, queue_id: i32, qoff: i64, tags: String) -> TestResult {
        let topic = "t".repeat(usize::from(topic_len).max(1));
        let props = ferromq_engine::record::Properties::from_iter([("TAGS", tags.replace(['\u{1}', '\u{2}'], ""))]).encode();
        let f = RecordFields { queue_id, queue_offset: qoff, body: &body, topic: &topic, properties: &props, ..vector_fields() };
        let mut out = Vec::new();
        encode_record(&f, &mut out);
        let r = RecordView::decode(&out, true).unwrap();
        TestResult::from_bool(r.fields == f && r.total_size == out.len())
    }
}
