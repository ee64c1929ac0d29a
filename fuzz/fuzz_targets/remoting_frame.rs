//! Fuzzes the remoting frame and header decoders: arbitrary bytes, fed in arbitrary chunks,
//! must never panic; any command that decodes must re-encode and decode to itself; and the
//! fastjson leniency pass and body decoders must not panic on the frame's body.
#![no_main]

use bytes::BytesMut;
use ferromq_protocol::body::{HeartbeatData, RegisterBrokerBody, TopicRouteData};
use ferromq_protocol::{json, RemotingCodec, RemotingCommand};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::{Decoder, Encoder};

fuzz_target!(|data: &[u8]| {
    // The first byte picks a chunk size, so partial-frame buffering is exercised too.
    let Some((&chunk, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let mut codec = RemotingCodec::with_max_frame_length(1 << 20);
    let mut buf = BytesMut::new();
    let mut decoded: Vec<RemotingCommand> = Vec::new();
    'feed: for piece in rest.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(cmd)) => decoded.push(cmd),
                Ok(None) => break,
                Err(_) => break 'feed,
            }
        }
    }

    for cmd in decoded {
        let body = cmd.body_bytes().to_vec();
        let _ = json::decode::<TopicRouteData>(&body);
        let _ = json::decode::<HeartbeatData>(&body);
        let _ = RegisterBrokerBody::decode(&body, true, cmd.version);
        if let Ok(text) = std::str::from_utf8(&body) {
            let _ = json::quote_bare_keys(text);
        }

        let mut out = BytesMut::new();
        if codec.encode(&cmd, &mut out).is_ok() {
            let again = codec
                .decode(&mut out)
                .expect("our own encoding decodes")
                .expect("a whole frame");
            assert_eq!(again.code, cmd.code);
            assert_eq!(again.opaque, cmd.opaque);
            assert_eq!(again.flag, cmd.flag);
            assert_eq!(again.ext_fields, cmd.ext_fields);
            assert_eq!(again.body, cmd.body);
        }
    }
});
