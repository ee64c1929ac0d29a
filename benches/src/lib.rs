//! Benchmarks for FerroMQ.
//!
//! The criterion benches live in `benches/benches/` (one file per engine component; run them
//! with `cargo bench -p ferromq-benches`). The end-to-end `ferromq-bench` load generator comes
//! with the client. Results and their setup are recorded in `docs/benchmarks.md`.

use std::path::Path;
use std::time::Duration;

use ferromq_engine::{FlushDiskType, StoreConfig};

/// A store configuration for benchmarks in `dir`: 128 MiB CommitLog files (less preallocation
/// per run than the 1 GiB default; the append path is the same) and the given flush mode.
pub fn bench_config(dir: &Path, flush: FlushDiskType) -> StoreConfig {
    let mut c = StoreConfig::new(dir);
    c.mapped_file_size_commit_log = 128 << 20;
    c.flush_disk_type = flush;
    // Benchmarks measure the store, not the retention policy.
    c.clean_resource_interval = Duration::from_secs(3600);
    c
}

/// A body of `len` bytes.
pub fn payload(len: usize) -> bytes::Bytes {
    bytes::Bytes::from((0..len).map(|i| (i % 251) as u8).collect::<Vec<u8>>())
}
