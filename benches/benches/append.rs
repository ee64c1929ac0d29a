//! Append throughput from one thread with ASYNC_FLUSH, by body size.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferromq_benches::{bench_config, payload};
use ferromq_engine::{DefaultMessageStore, FlushDiskType, Message, MessageStore};

fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("append_async_flush");
    group.sample_size(20);
    group.measurement_time(std::time::Duration::from_secs(4));
    for size in [128usize, 1024, 4096] {
        let dir = tempfile::tempdir().unwrap();
        let store =
            DefaultMessageStore::open(bench_config(dir.path(), FlushDiskType::AsyncFlush)).unwrap();
        let msg = Message::new("BenchTopic", 0, payload(size)).with_tags("TagA");
        // Steady state: a fresh store's first file is created by the first append, before the
        // allocator thread can pre-fault it; later files are prepared ahead. Measure past it.
        while store.stats().commit_log_max_offset < (128 << 20) + (1 << 20) {
            store.put_message(msg.clone()).unwrap();
        }
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::new("body_bytes", size), &msg, |b, msg| {
            // The clone is two small allocations (topic and properties); the body is shared.
            b.iter(|| store.put_message(msg.clone()).unwrap());
        });
        store.shutdown().unwrap();
    }
    group.finish();
}

criterion_group!(benches, append);
criterion_main!(benches);
