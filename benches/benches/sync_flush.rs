//! SYNC_FLUSH (group commit): throughput with 1, 16 and 64 concurrent appenders, each waiting
//! for its put to be durable before the next.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferromq_benches::{bench_config, payload};
use ferromq_engine::{DefaultMessageStore, FlushDiskType, Message, MessageStore};

fn sync_flush(c: &mut Criterion) {
    let mut group = c.benchmark_group("sync_flush_1KiB");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(6));
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        DefaultMessageStore::open(bench_config(dir.path(), FlushDiskType::SyncFlush)).unwrap(),
    );
    let body = payload(1024);
    for appenders in [1u64, 16, 64] {
        group.throughput(Throughput::Elements(1));
        group.bench_function(BenchmarkId::new("appenders", appenders), |b| {
            b.iter_custom(|iters| {
                let per = iters.div_ceil(appenders);
                let start = Instant::now();
                let workers: Vec<_> = (0..appenders)
                    .map(|t| {
                        let store = store.clone();
                        let body = body.clone();
                        std::thread::spawn(move || {
                            for _ in 0..per {
                                let m = Message::new("BenchSync", (t % 8) as i32, body.clone());
                                store.put_message(m).unwrap().durability.wait().unwrap();
                            }
                        })
                    })
                    .collect();
                for w in workers {
                    w.join().unwrap();
                }
                // Report time per put across all appenders.
                start
                    .elapsed()
                    .mul_f64(iters as f64 / (per * appenders) as f64)
            });
        });
    }
    group.finish();
    store.shutdown().unwrap();
}

criterion_group!(benches, sync_flush);
criterion_main!(benches);
