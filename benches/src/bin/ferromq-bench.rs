//! `ferromq-bench`: a load generator for any RocketMQ-remoting broker (FerroMQ or Apache
//! RocketMQ), built on `ferromq-client`, so implementations can be compared in one run.
//!
//! `--mode produce`: `-w` producers (each its own client instance and connection), each with
//! `--inflight` sends outstanding (1 = a synchronous producer); `--batch N` sends N messages
//! per SEND_BATCH_MESSAGE. Latency is per request, into HDR histograms merged across tasks;
//! with `--rate` the load is open loop and latency counts from each request's scheduled time
//! (no coordinated omission). `--mode consume`: a push consumer group counting messages and
//! their end-to-end latency (consume time − born time, ms resolution). `--mode both` runs the
//! two at once. Every loop is bounded by `--duration` (and `-q` for produce).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use clap::Parser;
use ferromq_client::consumer::ConsumeFrom;
use ferromq_client::{
    ConsumeConcurrentlyStatus, ConsumerConfig, Message, MessageExt, Producer, ProducerConfig,
    PushConsumer,
};
use hdrhistogram::Histogram;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "ferromq-bench",
    about = "Load generator for RocketMQ-remoting brokers"
)]
struct Args {
    /// Name server address (`host:port`).
    #[arg(
        short = 'n',
        long = "namesrv",
        env = "NAMESRV_ADDR",
        default_value = "127.0.0.1:9876"
    )]
    namesrv: String,
    /// Topic.
    #[arg(short = 't', long = "topic", default_value = "BenchmarkTest")]
    topic: String,
    /// Concurrency: producers (each with its own connection).
    #[arg(short = 'w', long = "workers", default_value_t = 1)]
    workers: usize,
    /// Body size in bytes.
    #[arg(short = 's', long = "size", default_value_t = 128)]
    size: usize,
    /// Set a KEYS property on every message.
    #[arg(short = 'k', long = "keys")]
    keys: bool,
    /// Stop producing after this many messages in total (0: run for --duration).
    #[arg(short = 'q', long = "count", default_value_t = 0)]
    count: u64,
    /// Messages per request (SEND_BATCH_MESSAGE when > 1).
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Requests outstanding per producer (1 = synchronous producer).
    #[arg(long, default_value_t = 1)]
    inflight: usize,
    /// Requests per second in total, open loop (0 = as fast as possible).
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Measured seconds.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds before measuring.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Write a JSON report here.
    #[arg(long)]
    report: Option<String>,
    /// produce, consume or both.
    #[arg(long, default_value = "produce", value_parser = ["produce", "consume", "both"])]
    mode: String,
    /// Consumer group (consume/both).
    #[arg(long, default_value = "ferromq_bench_consumer")]
    group: String,
}

struct Shared {
    stop: AtomicBool,
    measuring: AtomicBool,
    sent: AtomicU64,
    ok: AtomicU64,
    failed: AtomicU64,
    measured_ok: AtomicU64,
    consumed: AtomicU64,
    measured_consumed: AtomicU64,
    hist: Mutex<Histogram<u64>>,
    e2e: Mutex<Histogram<u64>>,
}

fn hist() -> Histogram<u64> {
    // Bounds are constants that hdrhistogram accepts.
    #[allow(clippy::expect_used)]
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("constant bounds are valid")
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

async fn producer_task(
    args: Arc<Args>,
    producer: Producer,
    shared: Arc<Shared>,
    body: Bytes,
    per_task_rate: f64,
) {
    let mut h = hist();
    let begin = Instant::now();
    let mut n: u64 = 0;
    while !shared.stop.load(Ordering::Relaxed) {
        if args.count > 0
            && shared.sent.fetch_add(args.batch as u64, Ordering::Relaxed) >= args.count
        {
            break;
        }
        let t0 = if per_task_rate > 0.0 {
            let due = begin + Duration::from_secs_f64(n as f64 / per_task_rate);
            tokio::time::sleep_until(due.into()).await;
            due
        } else {
            Instant::now()
        };
        n += 1;
        let make = || {
            let m = Message::new(args.topic.clone(), body.clone());
            if args.keys {
                m.with_keys([format!("k{}", now_ms())])
            } else {
                m
            }
        };
        let result = if args.batch > 1 {
            producer
                .send_batch((0..args.batch).map(|_| make()).collect())
                .await
        } else {
            producer.send(make()).await
        };
        match result {
            Ok(_) => {
                shared.ok.fetch_add(args.batch as u64, Ordering::Relaxed);
                if shared.measuring.load(Ordering::Relaxed) {
                    shared
                        .measured_ok
                        .fetch_add(args.batch as u64, Ordering::Relaxed);
                    let _ = h.record(t0.elapsed().as_micros().max(1) as u64);
                }
            }
            Err(_) => {
                shared
                    .failed
                    .fetch_add(args.batch as u64, Ordering::Relaxed);
            }
        }
    }
    let _ = shared
        .hist
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .add(&h);
}

fn summary(
    name: &str,
    count: u64,
    secs: f64,
    size: usize,
    h: &Histogram<u64>,
) -> serde_json::Value {
    let rate = count as f64 / secs;
    let q = |p: f64| h.value_at_quantile(p);
    println!(
        "{name}: {count} msgs in {secs:.1} s = {rate:.0} msg/s, {:.1} MB/s; latency µs p50 {} p90 {} p99 {} p99.9 {} max {}",
        rate * size as f64 / 1e6,
        q(0.5),
        q(0.9),
        q(0.99),
        q(0.999),
        h.max()
    );
    serde_json::json!({
        "messages": count, "seconds": secs, "msgs_per_sec": rate,
        "mb_per_sec": rate * size as f64 / 1e6,
        "latency_us": {"p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "p99_9": q(0.999), "max": h.max(), "samples": h.len()},
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Arc::new(Args::parse());
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        measuring: AtomicBool::new(false),
        sent: AtomicU64::new(0),
        ok: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        measured_ok: AtomicU64::new(0),
        consumed: AtomicU64::new(0),
        measured_consumed: AtomicU64::new(0),
        hist: Mutex::new(hist()),
        e2e: Mutex::new(hist()),
    });
    let produce = args.mode != "consume";
    let consume = args.mode != "produce";

    let consumer = if consume {
        let mut cfg = ConsumerConfig::new(args.group.clone(), args.namesrv.clone());
        cfg.consume_from = ConsumeFrom::LastOffset;
        cfg.consume_batch_size = 32;
        let c = PushConsumer::new(cfg)?;
        c.subscribe(&args.topic, "*")?;
        let s = shared.clone();
        c.register_concurrently(move |msgs: &[MessageExt]| {
            let now = now_ms();
            s.consumed.fetch_add(msgs.len() as u64, Ordering::Relaxed);
            if s.measuring.load(Ordering::Relaxed) {
                s.measured_consumed
                    .fetch_add(msgs.len() as u64, Ordering::Relaxed);
                let mut h = s.e2e.lock().unwrap_or_else(|e| e.into_inner());
                for m in msgs {
                    let _ = h.record(((now - m.born_timestamp).max(0) as u64 * 1000).max(1));
                }
            }
            ConsumeConcurrentlyStatus::ConsumeSuccess
        });
        c.start().await?;
        Some(c)
    } else {
        None
    };

    let body = Bytes::from(vec![b'a'; args.size]);
    let mut producers = Vec::new();
    let mut tasks = Vec::new();
    if produce {
        let per_task_rate = if args.rate > 0 {
            args.rate as f64 / (args.workers * args.inflight).max(1) as f64
        } else {
            0.0
        };
        for _ in 0..args.workers.max(1) {
            let mut cfg = ProducerConfig::new("ferromq_bench_producer", args.namesrv.clone());
            cfg.compress_over = usize::MAX;
            let p = Producer::new(cfg);
            // Resolve the route (and auto-create the topic) before the clock starts.
            p.send(Message::new(args.topic.clone(), body.clone()))
                .await?;
            for _ in 0..args.inflight.max(1) {
                tasks.push(tokio::spawn(producer_task(
                    args.clone(),
                    p.clone(),
                    shared.clone(),
                    body.clone(),
                    per_task_rate,
                )));
            }
            producers.push(p);
        }
    }

    let start = Instant::now();
    let mut measure_start = None;
    let total = Duration::from_secs(args.warmup + args.duration);
    let mut last = (Instant::now(), 0u64, 0u64);
    while start.elapsed() < total {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if measure_start.is_none() && start.elapsed() >= Duration::from_secs(args.warmup) {
            shared.measuring.store(true, Ordering::Relaxed);
            measure_start = Some(Instant::now());
        }
        let (ok, got) = (
            shared.ok.load(Ordering::Relaxed),
            shared.consumed.load(Ordering::Relaxed),
        );
        let dt = last.0.elapsed().as_secs_f64().max(1e-6);
        eprint!(
            "\r[{:>4.0} s] sent {ok} ({:.0}/s) failed {} consumed {got} ({:.0}/s)    ",
            start.elapsed().as_secs_f64(),
            (ok - last.1) as f64 / dt,
            shared.failed.load(Ordering::Relaxed),
            (got - last.2) as f64 / dt
        );
        last = (Instant::now(), ok, got);
        if produce && args.count > 0 && tasks.iter().all(|t| t.is_finished()) {
            break;
        }
    }
    shared.measuring.store(false, Ordering::Relaxed);
    let secs = measure_start
        .map_or(0.0, |t| t.elapsed().as_secs_f64())
        .max(1e-6);
    shared.stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    eprintln!();
    let mut report = serde_json::json!({
        "setup": {
            "mode": args.mode, "topic": args.topic, "size": args.size, "batch": args.batch,
            "workers": args.workers, "inflight": args.inflight, "rate": args.rate,
            "keys": args.keys, "duration_s": args.duration, "warmup_s": args.warmup,
            "machine": {
                "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
                "os": std::env::consts::OS,
            },
        },
        "failed": shared.failed.load(Ordering::Relaxed),
    });
    if produce {
        let h = shared
            .hist
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        report["produce"] = summary(
            "produce",
            shared.measured_ok.load(Ordering::Relaxed),
            secs,
            args.size,
            &h,
        );
    }
    if consume {
        let h = shared.e2e.lock().unwrap_or_else(|e| e.into_inner()).clone();
        report["consume"] = summary(
            "consume (end-to-end latency, ms resolution)",
            shared.measured_consumed.load(Ordering::Relaxed),
            secs,
            args.size,
            &h,
        );
    }
    for p in producers {
        p.shutdown().await;
    }
    if let Some(c) = consumer {
        c.shutdown().await;
    }
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)?;
    }
    Ok(())
}
