//! Build a store directory from fuzz input (valid records, then arbitrary bytes or a cut,
//! optionally a garbage ConsumeQueue file and checkpoint), recover it, read everything.
//! Never a panic; never a returned record that fails its CRC or belongs to another queue.

#![no_main]

use std::path::Path;
use std::sync::Arc;

use ferromq_engine::fs::SimFs;
use ferromq_engine::record::{encode_record, RecordFields, RecordView};
use ferromq_engine::{DefaultMessageStore, GetStatus, MessageStore, StoreConfig};
use libfuzzer_sys::fuzz_target;

const FILE: usize = 8192;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let (count, mode, rest) = (data[0] % 24, data[1], &data[2..]);
    let mut log = Vec::new();
    let mut next_q = [0i64; 2];
    let mut cursor = 0;
    for i in 0..count {
        let take = rest.get(cursor).map_or(0, |&b| b as usize % 200);
        let body = rest.get(cursor + 1..(cursor + 1 + take).min(rest.len())).unwrap_or(&[]);
        cursor += 1 + body.len();
        let q = (i % 2) as i32;
        let phys = log.len() as i64;
        let mut rec = Vec::new();
        encode_record(
            &RecordFields {
                queue_id: q,
                flag: 0,
                queue_offset: next_q[q as usize],
                physical_offset: phys,
                sysflag: 0,
                born_timestamp: 1,
                born_host: "127.0.0.1:1".parse().unwrap(),
                store_timestamp: 2 + i64::from(i),
                store_host: "127.0.0.1:10911".parse().unwrap(),
                reconsume_times: 0,
                prepared_transaction_offset: 0,
                body,
                topic: "Fuzz",
                properties: "TAGS\u{1}T\u{2}",
            },
            &mut rec,
        );
        if log.len() + rec.len() + 8 > FILE {
            break;
        }
        next_q[q as usize] += 1;
        log.extend_from_slice(&rec);
    }
    // The tail: arbitrary bytes after the records, or a cut into the last one.
    let tail = rest.get(cursor..).unwrap_or(&[]);
    if mode & 1 == 0 {
        log.extend_from_slice(&tail[..tail.len().min(FILE - log.len())]);
    } else if let Some(&cut) = tail.first() {
        log.truncate(log.len().saturating_sub(cut as usize));
    }
    let fs = SimFs::new();
    let root = Path::new("/fuzz/store");
    fs.put_file(&root.join("commitlog").join(format!("{:020}", 0)), &log);
    if mode & 2 != 0 {
        fs.put_file(&root.join("consumequeue/Fuzz/0").join(format!("{:020}", 0)), &tail[..tail.len().min(400)]);
    }
    if mode & 4 != 0 {
        let mut ck = vec![0u8; 4096];
        ck[64..72].copy_from_slice(b"FERROMQ1");
        ck.extend_from_slice(tail);
        fs.put_file(&root.join("checkpoint"), &ck);
    }
    let mut config = StoreConfig::new(root);
    config.mapped_file_size_commit_log = FILE as u64;
    config.mapped_file_size_consume_queue = 400;
    config.max_hash_slot_num = 64;
    config.max_index_num = 256;
    let Ok(store) = DefaultMessageStore::open_with_fs(config, Arc::new(fs)) else {
        return;
    };
    for q in 0..2 {
        let mut offset = store.min_offset_in_queue("Fuzz", q);
        for _ in 0..64 {
            let r = store.get_message("Fuzz", q, offset, 32, 0, None);
            if r.status != GetStatus::Found {
                break;
            }
            for (m, qo) in r.messages.iter().zip(&r.queue_offsets) {
                let rec = RecordView::decode(m, true).expect("recovered store returned a bad record");
                assert_eq!(rec.fields.topic, "Fuzz");
                assert_eq!(rec.fields.queue_id, q);
                assert_eq!(rec.fields.queue_offset, *qo);
            }
            offset = r.next_begin_offset;
        }
    }
    let _ = store.shutdown();
});
