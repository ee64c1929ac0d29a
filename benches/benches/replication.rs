//! Replication catch-up: a slave starting 1 GiB behind its master (one full 1 GiB CommitLog
//! file of 4 KiB records), over loopback TCP with the classic HA protocol. Both stores run in
//! this process, sharing the two cores.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferromq_benches::{bench_config, payload};
use ferromq_engine::{BrokerRole, DefaultMessageStore, FlushDiskType, Message, MessageStore};

fn catch_up(c: &mut Criterion) {
    let mdir = tempfile::tempdir().unwrap();
    let mut mc = bench_config(mdir.path(), FlushDiskType::AsyncFlush);
    mc.mapped_file_size_commit_log = 1 << 30; // an empty slave starts at the master's last file
    mc.ha_listen_addr = Some("127.0.0.1:0".parse().unwrap());
    let master = DefaultMessageStore::open(mc).unwrap();
    let body = payload(4096);
    while master.stats().commit_log_max_offset < (1 << 30) - (64 << 10) {
        master
            .put_message(Message::new("Replicated", 0, body.clone()))
            .unwrap();
    }
    master.flush().unwrap();
    let total = master.stats().commit_log_max_offset;
    let ha = master.ha_listen_addr().unwrap().to_string();

    let mut group = c.benchmark_group("replication");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Bytes(total));
    group.bench_function("slave_catch_up_1GiB", |b| {
        b.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..iters {
                let sdir = tempfile::tempdir().unwrap();
                let mut sc = bench_config(sdir.path(), FlushDiskType::AsyncFlush);
                sc.mapped_file_size_commit_log = 1 << 30;
                sc.broker_role = BrokerRole::Slave;
                sc.ha_master_address = Some(ha.clone());
                let start = Instant::now();
                let slave = DefaultMessageStore::open(sc).unwrap();
                while slave.stats().commit_log_max_offset < total {
                    assert!(start.elapsed() < Duration::from_secs(120), "slave stuck");
                    std::thread::sleep(Duration::from_millis(1));
                }
                elapsed += start.elapsed();
                drop(slave);
            }
            elapsed
        });
    });
    group.finish();
}

criterion_group!(benches, catch_up);
criterion_main!(benches);
