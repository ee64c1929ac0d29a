//! Read throughput: sequential `get_message` of 32 records of 1 KiB (hot data).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferromq_benches::{bench_config, payload};
use ferromq_engine::{DefaultMessageStore, FlushDiskType, GetStatus, Message, MessageStore};

fn read(c: &mut Criterion) {
    const N: i64 = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let store =
        DefaultMessageStore::open(bench_config(dir.path(), FlushDiskType::AsyncFlush)).unwrap();
    let body = payload(1024);
    for _ in 0..N {
        store
            .put_message(Message::new("BenchRead", 0, body.clone()))
            .unwrap();
    }
    store.flush().unwrap();
    let probe = store.get_message("BenchRead", 0, 0, 32, 0, None);
    let batch_bytes = probe.total_bytes() as u64;

    let mut group = c.benchmark_group("read");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(batch_bytes));
    group.bench_function("get_message_32x1KiB", |b| {
        let mut offset = 0;
        b.iter(|| {
            let r = store.get_message("BenchRead", 0, offset, 32, 0, None);
            debug_assert_eq!(r.status, GetStatus::Found);
            offset = if r.next_begin_offset + 32 >= N {
                0
            } else {
                r.next_begin_offset
            };
            r
        });
    });
    group.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
