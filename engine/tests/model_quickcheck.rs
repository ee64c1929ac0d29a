//! Property test: random puts, batches, reads, clean restarts and power losses against a
//! simple model (a `Vec` of bodies per queue).
//!
//! Under SYNC_FLUSH the store must equal the model after a power loss. Under ASYNC_FLUSH a
//! power loss may drop a suffix of each queue, never anything else; the model then follows
//! what survived.

mod common;

use std::sync::Arc;

use common::read_queue;
use ferromq_engine::fs::SimFs;
use ferromq_engine::record::RecordView;
use ferromq_engine::{
    DefaultMessageStore, FlushDiskType, GetStatus, Message, MessageStore, StoreConfig,
};
use quickcheck::{Arbitrary, Gen, QuickCheck};

const QUEUES: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    Put {
        queue: usize,
        len: usize,
    },
    Batch {
        queue: usize,
        count: usize,
        len: usize,
    },
    Get {
        queue: usize,
        offset: usize,
        max: usize,
    },
    Restart,
    PowerLoss,
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Self {
        let queue = usize::arbitrary(g) % QUEUES;
        match u8::arbitrary(g) % 20 {
            0..=9 => Op::Put {
                queue,
                len: usize::arbitrary(g) % 3000,
            },
            10..=11 => Op::Batch {
                queue,
                count: 1 + usize::arbitrary(g) % 10,
                len: usize::arbitrary(g) % 500,
            },
            12..=16 => Op::Get {
                queue,
                offset: usize::arbitrary(g) % 64,
                max: 1 + usize::arbitrary(g) % 16,
            },
            17..=18 => Op::Restart,
            _ => Op::PowerLoss,
        }
    }
}

fn config(sync: bool) -> StoreConfig {
    let mut c = common::small_config("/sim/store".as_ref());
    c.mapped_file_size_commit_log = 16 * 1024;
    c.mapped_file_size_consume_queue = 20 * 16;
    c.flush_disk_type = if sync {
        FlushDiskType::SyncFlush
    } else {
        FlushDiskType::AsyncFlush
    };
    c
}

fn body(counter: &mut u64, len: usize) -> Vec<u8> {
    *counter += 1;
    let mut b = format!("#{counter}#").into_bytes();
    b.resize(len.max(b.len()), (*counter % 251) as u8);
    b
}

fn settle(store: &DefaultMessageStore, model: &[Vec<Vec<u8>>]) {
    for (q, m) in model.iter().enumerate() {
        common::wait_for_queue(store, "Model", q as i32, m.len() as i64);
    }
}

fn run(ops: Vec<Op>, sync: bool) -> bool {
    let mut fs = SimFs::new();
    let mut store = DefaultMessageStore::open_with_fs(config(sync), Arc::new(fs.clone())).unwrap();
    let mut model: Vec<Vec<Vec<u8>>> = vec![Vec::new(); QUEUES];
    let mut counter = 0;
    for op in ops {
        match op {
            Op::Put { queue, len } => {
                let b = body(&mut counter, len);
                let put = store
                    .put_message(Message::new("Model", queue as i32, b.clone()))
                    .unwrap();
                put.durability.wait().unwrap();
                assert_eq!(put.queue_offset, model[queue].len() as i64);
                model[queue].push(b);
            }
            Op::Batch { queue, count, len } => {
                let bodies: Vec<Vec<u8>> = (0..count).map(|_| body(&mut counter, len)).collect();
                let msgs = bodies
                    .iter()
                    .map(|b| Message::new("Model", queue as i32, b.clone()))
                    .collect();
                let put = store.put_messages(msgs).unwrap();
                put.durability.wait().unwrap();
                assert_eq!(put.queue_offset, model[queue].len() as i64);
                model[queue].extend(bodies);
            }
            Op::Get { queue, offset, max } => {
                settle(&store, &model);
                let r = store.get_message("Model", queue as i32, offset as i64, max, 0, None);
                let want = model[queue]
                    .iter()
                    .skip(offset)
                    .take(max)
                    .collect::<Vec<_>>();
                if want.is_empty() {
                    assert_ne!(r.status, GetStatus::Found);
                } else {
                    assert_eq!(r.status, GetStatus::Found);
                    let got: Vec<Vec<u8>> = r
                        .messages
                        .iter()
                        .map(|m| RecordView::decode(m, true).unwrap().fields.body.to_vec())
                        .collect();
                    // Bodies ≤ 3000 bytes × 16 stay far inside the read budgets.
                    assert_eq!(got.len(), want.len());
                    for (g, w) in got.iter().zip(&want) {
                        assert_eq!(g, *w);
                    }
                    assert_eq!(r.next_begin_offset, (offset + got.len()) as i64);
                }
            }
            Op::Restart => {
                store.shutdown().unwrap();
                drop(store);
                store =
                    DefaultMessageStore::open_with_fs(config(sync), Arc::new(fs.clone())).unwrap();
            }
            Op::PowerLoss => {
                let survivor = fs.power_loss();
                drop(store); // its final flush goes to the old image only
                fs = survivor;
                store =
                    DefaultMessageStore::open_with_fs(config(sync), Arc::new(fs.clone())).unwrap();
                for (q, m) in model.iter_mut().enumerate() {
                    let got: Vec<Vec<u8>> = read_queue(&store, "Model", q as i32)
                        .into_iter()
                        .map(|(_, b)| b)
                        .collect();
                    if sync {
                        assert_eq!(&got, m, "queue {q} after power loss");
                    } else {
                        assert!(
                            got.len() <= m.len() && got[..] == m[..got.len()],
                            "queue {q} is not a prefix"
                        );
                        m.truncate(got.len());
                    }
                }
            }
        }
    }
    settle(&store, &model);
    for (q, m) in model.iter().enumerate() {
        let got: Vec<Vec<u8>> = read_queue(&store, "Model", q as i32)
            .into_iter()
            .map(|(_, b)| b)
            .collect();
        assert_eq!(&got, m);
    }
    true
}

#[test]
fn sync_flush_store_matches_the_model() {
    QuickCheck::new()
        .tests(40)
        .quickcheck((|ops| run(ops, true)) as fn(Vec<Op>) -> bool);
}

#[test]
fn async_flush_store_matches_the_model_up_to_lost_suffixes() {
    QuickCheck::new()
        .tests(40)
        .quickcheck((|ops| run(ops, false)) as fn(Vec<Op>) -> bool);
}
