//! Recovery scan rate: open a 512 MiB store of 1 KiB messages with no checkpoint, so every
//! record is CRC-checked and re-dispatched (the ConsumeQueue entries already exist and are
//! skipped). Page cache warm.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferromq_benches::{bench_config, payload};
use ferromq_engine::{DefaultMessageStore, FlushDiskType, Message, MessageStore};

fn recovery(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let config = bench_config(dir.path(), FlushDiskType::AsyncFlush);
    let total = {
        let store = DefaultMessageStore::open(config.clone()).unwrap();
        let body = payload(1024);
        while store.stats().commit_log_max_offset < 512 << 20 {
            for q in 0..8 {
                store
                    .put_message(Message::new("BenchRecover", q, body.clone()))
                    .unwrap();
            }
        }
        store.shutdown().unwrap();
        store.stats().commit_log_max_offset
    };
    let mut group = c.benchmark_group("recovery");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Bytes(total));
    group.bench_function("full_scan_512MiB", |b| {
        b.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..iters {
                std::fs::remove_file(dir.path().join("checkpoint")).unwrap();
                let start = Instant::now();
                let store = DefaultMessageStore::open(config.clone()).unwrap();
                elapsed += start.elapsed();
                store.shutdown().unwrap();
            }
            elapsed
        });
    });
    group.finish();
}

criterion_group!(benches, recovery);
criterion_main!(benches);
