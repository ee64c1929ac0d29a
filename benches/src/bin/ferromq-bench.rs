//! `ferromq-bench`: a load generator for any RocketMQ-remoting broker (FerroMQ or Apache
//! RocketMQ), so implementations can be compared in one run.
//!
//! It resolves the topic's route from the name server (falling back to TBW102 like a
//! producer), opens `-w` connections to the master brokers, and keeps `--inflight` send
//! requests outstanding on each (1 = a synchronous producer). Latency is measured per request
//! into HDR histograms merged across workers; with `--rate` the load is open-loop and latency
//! is counted from each request's scheduled time, so a stalled broker is not hidden
//! (coordinated omission). Every loop is bounded by `--duration` or `-q`.
//!
//! Produce mode only for now; consume mode comes with the client library.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use ferromq_protocol::body::route::TopicRouteData;
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::header::{GetRouteInfoRequestHeader, SendMessageRequestHeaderV2};
use ferromq_protocol::{json, RemotingCodec, RemotingCommand};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

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
    /// Concurrency: connections (workers).
    #[arg(short = 'w', long = "workers", default_value_t = 1)]
    workers: usize,
    /// Body size in bytes.
    #[arg(short = 's', long = "size", default_value_t = 128)]
    size: usize,
    /// Set a KEYS property on every message.
    #[arg(short = 'k', long = "keys")]
    keys: bool,
    /// Stop after this many messages in total (0: run for --duration).
    #[arg(short = 'q', long = "count", default_value_t = 0)]
    count: u64,
    /// Requests outstanding per connection (1 = synchronous producer).
    #[arg(long, default_value_t = 1)]
    inflight: usize,
    /// Messages per second in total, open loop (0 = as fast as possible).
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
    /// produce (consume and both come with the client library).
    #[arg(long, default_value = "produce")]
    mode: String,
}

type Conn = Framed<TcpStream, RemotingCodec>;

async fn call(conn: &mut Conn, req: RemotingCommand) -> Result<RemotingCommand, String> {
    let opaque = req.opaque;
    conn.send(req).await.map_err(|e| e.to_string())?;
    while let Some(f) = conn.next().await {
        let f = f.map_err(|e| e.to_string())?;
        if f.is_response() && f.opaque == opaque {
            return Ok(f);
        }
    }
    Err("connection closed".into())
}

/// (broker address, queue id) pairs of the topic's writable master queues.
async fn resolve(args: &Args) -> Result<Vec<(String, i32)>, String> {
    let s = TcpStream::connect(&args.namesrv)
        .await
        .map_err(|e| format!("name server {}: {e}", args.namesrv))?;
    let mut conn = Framed::new(s, RemotingCodec::new());
    for topic in [args.topic.as_str(), "TBW102"] {
        let req = RemotingCommand::request(request_code::GET_ROUTEINFO_BY_TOPIC)
            .with_opaque(1)
            .with_header(&GetRouteInfoRequestHeader {
                topic: topic.into(),
                ..Default::default()
            });
        let resp = call(&mut conn, req).await?;
        if resp.code != response_code::SUCCESS {
            continue;
        }
        let route: TopicRouteData = json::decode(resp.body_bytes()).map_err(|e| e.to_string())?;
        let mut queues = Vec::new();
        for qd in &route.queue_datas {
            if qd.perm & 2 == 0 {
                continue;
            }
            let Some(addr) = route
                .broker_datas
                .iter()
                .find(|b| b.broker_name == qd.broker_name)
                .and_then(|b| b.master_addr().map(str::to_owned))
            else {
                continue;
            };
            let n = if topic == "TBW102" {
                qd.write_queue_nums.min(4)
            } else {
                qd.write_queue_nums
            };
            queues.extend((0..n).map(|q| (addr.clone(), q)));
        }
        if !queues.is_empty() {
            return Ok(queues);
        }
    }
    Err(format!("no route for {} (nor TBW102)", args.topic))
}

async fn flush_mode(addr: &str) -> Option<String> {
    let s = TcpStream::connect(addr).await.ok()?;
    let mut conn = Framed::new(s, RemotingCodec::new());
    let resp = call(
        &mut conn,
        RemotingCommand::request(request_code::GET_BROKER_CONFIG).with_opaque(1),
    )
    .await
    .ok()?;
    let text = String::from_utf8_lossy(resp.body_bytes()).into_owned();
    text.lines().find_map(|l| {
        l.strip_prefix("flushDiskType=")
            .map(|v| v.trim().to_owned())
    })
}

struct Shared {
    stop: AtomicBool,
    measuring: AtomicBool,
    sent: AtomicU64,
    ok: AtomicU64,
    failed: AtomicU64,
    measured_ok: AtomicU64,
    hist: Mutex<Histogram<u64>>,
}

async fn worker(
    args: Arc<Args>,
    queues: Vec<(String, i32)>,
    shared: Arc<Shared>,
    body: Bytes,
    per_worker_rate: f64,
) -> Result<(), String> {
    let addr = &queues[0].0;
    let s = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("{addr}: {e}"))?;
    let _ = s.set_nodelay(true);
    let (mut sink, mut stream) = Framed::new(s, RemotingCodec::new()).split();
    let started: Arc<Mutex<HashMap<i32, Instant>>> = Arc::default();
    let permits = Arc::new(tokio::sync::Semaphore::new(args.inflight.max(1)));
    let reader = {
        let started = started.clone();
        let shared = shared.clone();
        let permits = permits.clone();
        tokio::spawn(async move {
            let mut hist =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            while let Some(Ok(resp)) = stream.next().await {
                if !resp.is_response() {
                    continue;
                }
                let Some(t0) = started
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&resp.opaque)
                else {
                    continue;
                };
                permits.add_permits(1);
                if resp.code == response_code::SUCCESS {
                    shared.ok.fetch_add(1, Ordering::Relaxed);
                    if shared.measuring.load(Ordering::Relaxed) {
                        shared.measured_ok.fetch_add(1, Ordering::Relaxed);
                        let _ = hist.record(t0.elapsed().as_micros().max(1) as u64);
                    }
                } else {
                    shared.failed.fetch_add(1, Ordering::Relaxed);
                }
                if shared.stop.load(Ordering::Relaxed)
                    && started.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
                {
                    break;
                }
            }
            let _ = shared
                .hist
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .add(&hist);
        })
    };
    let mut opaque: i32 = 0;
    let begin = Instant::now();
    let mut next_queue = 0usize;
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            break;
        }
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        permit.forget();
        if args.count > 0 && shared.sent.fetch_add(1, Ordering::Relaxed) >= args.count {
            shared.stop.store(true, Ordering::Relaxed);
            break;
        } else if args.count == 0 {
            shared.sent.fetch_add(1, Ordering::Relaxed);
        }
        opaque = opaque.wrapping_add(1);
        let scheduled = if per_worker_rate > 0.0 {
            let at = begin + Duration::from_secs_f64(f64::from(opaque) / per_worker_rate);
            tokio::time::sleep_until(at.into()).await;
            at
        } else {
            Instant::now()
        };
        let (_, queue_id) = &queues[next_queue % queues.len()];
        next_queue += 1;
        let props = if args.keys {
            Some(format!("KEYS\u{1}k{opaque}\u{2}"))
        } else {
            None
        };
        let h = SendMessageRequestHeaderV2 {
            a: "ferromq_bench_producer".into(),
            b: args.topic.clone(),
            c: "TBW102".into(),
            d: 4,
            e: *queue_id,
            f: 0,
            g: 0,
            h: 0,
            i: props,
            j: None,
            k: None,
            l: None,
            m: None,
            n: None,
        };
        let req = RemotingCommand::request(request_code::SEND_MESSAGE_V2)
            .with_opaque(opaque)
            .with_header(&h)
            .with_body(body.clone());
        started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(opaque, scheduled);
        if sink.send(req).await.is_err() {
            break;
        }
    }
    // Let outstanding responses arrive (bounded).
    let _ = tokio::time::timeout(Duration::from_secs(10), reader).await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Arc::new(Args::parse());
    if args.mode != "produce" {
        return Err("only --mode produce is implemented so far".into());
    }
    let queues = resolve(&args).await?;
    let brokers: Vec<String> = {
        let mut b: Vec<String> = queues.iter().map(|(a, _)| a.clone()).collect();
        b.dedup();
        b
    };
    let flush = flush_mode(&brokers[0]).await;
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        measuring: AtomicBool::new(args.warmup == 0),
        sent: AtomicU64::new(0),
        ok: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        measured_ok: AtomicU64::new(0),
        hist: Mutex::new(Histogram::new_with_bounds(1, 60_000_000, 3)?),
    });
    let body = Bytes::from(vec![b'x'; args.size]);
    let per_worker_rate = args.rate as f64 / args.workers.max(1) as f64;
    let mut tasks = Vec::new();
    for w in 0..args.workers.max(1) {
        // Spread workers over brokers and queues.
        let mut qs: Vec<(String, i32)> = queues
            .iter()
            .filter(|(a, _)| *a == brokers[w % brokers.len()])
            .cloned()
            .collect();
        let n = qs.len().max(1);
        qs.rotate_left(w % n);
        tasks.push(tokio::spawn(worker(
            args.clone(),
            qs,
            shared.clone(),
            body.clone(),
            per_worker_rate,
        )));
    }
    let start = Instant::now();
    let warmup = Duration::from_secs(args.warmup);
    let total = warmup + Duration::from_secs(args.duration);
    let mut measure_start = if args.warmup == 0 { Some(start) } else { None };
    let mut last = 0;
    while start.elapsed() < total && !shared.stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if measure_start.is_none() && start.elapsed() >= warmup {
            shared.measuring.store(true, Ordering::Relaxed);
            measure_start = Some(Instant::now());
        }
        let ok = shared.ok.load(Ordering::Relaxed);
        eprintln!(
            "[{:>4}s] {:>9} msg/s  ok {}  failed {}",
            start.elapsed().as_secs(),
            ok - last,
            ok,
            shared.failed.load(Ordering::Relaxed)
        );
        last = ok;
    }
    shared.stop.store(true, Ordering::Relaxed);
    let measured = measure_start.map(|m| m.elapsed()).unwrap_or_default();
    for t in tasks {
        t.await??;
    }
    let h = shared
        .hist
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let n = shared.measured_ok.load(Ordering::Relaxed);
    let secs = measured.as_secs_f64().max(1e-9);
    let rate = n as f64 / secs;
    let mbps = rate * args.size as f64 / 1e6;
    let q = |p: f64| h.value_at_quantile(p);
    println!(
        "ferromq-bench produce: {} workers x {} in flight, {} B, flush {}: {:.0} msg/s, {:.1} MB/s, latency us p50 {} p90 {} p99 {} p99.9 {} max {} ({} measured, {} failed)",
        args.workers, args.inflight, args.size, flush.as_deref().unwrap_or("unknown"), rate, mbps,
        q(0.5), q(0.9), q(0.99), q(0.999), h.max(), n, shared.failed.load(Ordering::Relaxed)
    );
    if let Some(path) = &args.report {
        let report = serde_json::json!({
            "mode": args.mode, "topic": args.topic, "workers": args.workers, "inflight": args.inflight,
            "body_bytes": args.size, "rate_limit": args.rate, "duration_s": secs, "warmup_s": args.warmup,
            "brokers": brokers, "flush_disk_type": flush,
            "machine": { "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0), "os": std::env::consts::OS },
            "messages": n, "failed": shared.failed.load(Ordering::Relaxed), "msgs_per_s": rate, "mb_per_s": mbps,
            "latency_us": { "p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "p999": q(0.999), "max": h.max() },
        });
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)?;
    }
    Ok(())
}
