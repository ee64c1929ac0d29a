//! Benchmarks for FerroMQ. The criterion benches live in `benches/benches/`; the `ferromq-bench` load generator comes with the client issue.
