//! `ferromq`: the operator's command line (topics, cluster, send, consume, progress, query).
//!
//! Every command talks to the name server given by `-n` (or `NAMESRV_ADDR`). Tables are
//! aligned on stdout; long `send`/`consume` runs show a progress line with the live rate on
//! stderr. Exit status 1 on any error, with the error on stderr.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use ferromq_client::consumer::ConsumeFrom;
use ferromq_client::{
    Admin, ConsumeConcurrentlyStatus, ConsumerConfig, Message, MessageExt, Producer,
    ProducerConfig, PushConsumer,
};

#[derive(Parser)]
#[command(name = "ferromq", version, about = "FerroMQ / RocketMQ command line")]
struct Cli {
    /// Name server address(es), `;` separated.
    #[arg(
        short = 'n',
        long = "namesrv",
        env = "NAMESRV_ADDR",
        default_value = "127.0.0.1:9876"
    )]
    namesrv: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Topic administration.
    Topic {
        #[command(subcommand)]
        command: TopicCommand,
    },
    /// Cluster administration.
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
    /// Send messages.
    Send {
        /// Topic.
        topic: String,
        /// Number of messages.
        #[arg(long, default_value_t = 1)]
        count: u64,
        /// Body size in bytes (ignored with --body).
        #[arg(long, default_value_t = 128)]
        size: usize,
        /// Tag.
        #[arg(long)]
        tags: Option<String>,
        /// Keys (space separated).
        #[arg(long)]
        keys: Option<String>,
        /// Body text.
        #[arg(long)]
        body: Option<String>,
    },
    /// Consume messages and print them; exits after --count messages.
    Consume {
        /// Topic.
        topic: String,
        /// Consumer group.
        #[arg(long)]
        group: String,
        /// Stop after this many messages (0 = run until interrupted).
        #[arg(long, default_value_t = 0)]
        count: u64,
        /// Start from the beginning when the group has no offset.
        #[arg(long)]
        from_first: bool,
        /// Tag expression (`TagA || TagB`).
        #[arg(long, default_value = "*")]
        tags: String,
    },
    /// Consumer progress of a group: offsets and lag per queue.
    Progress {
        /// Consumer group.
        group: String,
    },
    /// Look a message up by offset message id, or by key.
    Query {
        /// Offset message id (or a client id with --topic).
        #[arg(long, conflicts_with = "key")]
        id: Option<String>,
        /// Business key.
        #[arg(long, requires = "topic")]
        key: Option<String>,
        /// Topic.
        #[arg(long)]
        topic: Option<String>,
    },
}

#[derive(Subcommand)]
enum TopicCommand {
    /// Create (or update) a topic on every master.
    Create {
        /// Topic.
        topic: String,
        /// Read and write queues.
        #[arg(long, default_value_t = 8)]
        queues: i32,
    },
    /// List topics.
    List,
    /// Show a topic's route.
    Route {
        /// Topic.
        topic: String,
    },
    /// Delete a topic from every broker and name server.
    Delete {
        /// Topic.
        topic: String,
    },
}

#[derive(Subcommand)]
enum ClusterCommand {
    /// List clusters and their brokers.
    List,
}

/// Prints rows as an aligned table (first row = header).
fn table(rows: &[Vec<String>]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = std::io::stdout().lock();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{s:<w$}", w = widths[i]))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
}

fn row<const N: usize>(cells: [&dyn ToString; N]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// A `\r` progress line on stderr: count/total, a bar, and the rate.
struct Progress {
    start: Instant,
    last: Instant,
    total: u64,
}

impl Progress {
    fn new(total: u64) -> Progress {
        Progress {
            start: Instant::now(),
            last: Instant::now() - Duration::from_secs(1),
            total,
        }
    }

    fn show(&mut self, done: u64, verb: &str, force: bool) {
        if !force && self.last.elapsed() < Duration::from_millis(200) {
            return;
        }
        self.last = Instant::now();
        let secs = self.start.elapsed().as_secs_f64().max(1e-6);
        let rate = done as f64 / secs;
        let bar = if self.total > 0 {
            let filled = (done * 30 / self.total.max(1)) as usize;
            format!(
                "[{}{}] {done}/{}",
                "#".repeat(filled.min(30)),
                " ".repeat(30 - filled.min(30)),
                self.total
            )
        } else {
            format!("{done}")
        };
        eprint!("\r{verb} {bar}  {rate:.0} msg/s   ");
        let _ = std::io::stderr().flush();
    }
}

fn printable(m: &MessageExt) -> String {
    let body = String::from_utf8_lossy(&m.body);
    let body: String = body.chars().take(120).collect();
    body.replace(['\n', '\r'], " ")
}

async fn run(cli: Cli) -> ferromq_client::Result<()> {
    let ns = cli.namesrv.clone();
    match cli.command {
        Command::Topic { command } => {
            let admin = Admin::new(&ns);
            match command {
                TopicCommand::Create { topic, queues } => {
                    admin.create_topic(&topic, queues).await?;
                    println!("created {topic} with {queues} queues");
                }
                TopicCommand::List => {
                    let mut rows = vec![vec!["TOPIC".to_string()]];
                    for t in admin.list_topics().await? {
                        rows.push(vec![t]);
                    }
                    table(&rows);
                }
                TopicCommand::Route { topic } => {
                    let r = admin.topic_route(&topic).await?;
                    let mut rows = vec![["BROKER", "READ", "WRITE", "PERM", "ADDRESSES"]
                        .map(String::from)
                        .to_vec()];
                    for qd in &r.queue_datas {
                        let addrs = r
                            .broker_datas
                            .iter()
                            .find(|b| b.broker_name == qd.broker_name)
                            .map(|b| {
                                b.broker_addrs
                                    .iter()
                                    .map(|(id, a)| format!("{id}={a}"))
                                    .collect::<Vec<_>>()
                                    .join(",")
                            })
                            .unwrap_or_default();
                        rows.push(row([
                            &qd.broker_name,
                            &qd.read_queue_nums,
                            &qd.write_queue_nums,
                            &qd.perm,
                            &addrs,
                        ]));
                    }
                    table(&rows);
                }
                TopicCommand::Delete { topic } => {
                    admin.delete_topic(&topic).await?;
                    println!("deleted {topic}");
                }
            }
            admin.shutdown();
        }
        Command::Cluster {
            command: ClusterCommand::List,
        } => {
            let admin = Admin::new(&ns);
            let info = admin.cluster_info().await?;
            let mut rows = vec![["CLUSTER", "BROKER", "ID", "ADDRESS"]
                .map(String::from)
                .to_vec()];
            for (cluster, brokers) in &info.cluster_addr_table {
                for b in brokers {
                    if let Some(bd) = info.broker_addr_table.get(b) {
                        for (id, addr) in &bd.broker_addrs {
                            rows.push(row([cluster, b, id, addr]));
                        }
                    }
                }
            }
            table(&rows);
            admin.shutdown();
        }
        Command::Send {
            topic,
            count,
            size,
            tags,
            keys,
            body,
        } => {
            let producer = Producer::new(ProducerConfig::new("ferromq_cli_producer", ns.clone()));
            let payload: bytes::Bytes = match body {
                Some(b) => b.into(),
                None => vec![b'x'; size].into(),
            };
            let mut progress = Progress::new(count);
            let long = count > 100;
            let mut last = None;
            for sent in 1..=count {
                let mut m = Message::new(topic.clone(), payload.clone());
                if let Some(t) = &tags {
                    m = m.with_tags(t.clone());
                }
                if let Some(k) = &keys {
                    m = m.with_keys(k.split(' '));
                }
                let r = producer.send(m).await?;
                if !long {
                    println!(
                        "{:?} msgId={} offsetMsgId={} queue={}:{} offset={}",
                        r.status,
                        r.msg_id,
                        r.offset_msg_id,
                        r.queue.broker_name,
                        r.queue.queue_id,
                        r.queue_offset
                    );
                }
                last = Some(r);
                if long {
                    progress.show(sent, "sent", false);
                }
            }
            if long {
                progress.show(count, "sent", true);
                eprintln!();
                if let Some(r) = last {
                    println!("sent {count} messages; last msgId={}", r.msg_id);
                }
            }
            producer.shutdown().await;
        }
        Command::Consume {
            topic,
            group,
            count,
            from_first,
            tags,
        } => {
            let mut cfg = ConsumerConfig::new(group, ns.clone());
            if from_first {
                cfg.consume_from = ConsumeFrom::FirstOffset;
            }
            let consumer = PushConsumer::new(cfg)?;
            consumer.subscribe(&topic, &tags)?;
            let seen = Arc::new(AtomicU64::new(0));
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<MessageExt>();
            let s = seen.clone();
            consumer.register_concurrently(move |msgs: &[MessageExt]| {
                for m in msgs {
                    // Past the limit, leave messages for the next run (not acknowledged).
                    if count > 0 && s.fetch_add(1, Ordering::SeqCst) >= count {
                        return ConsumeConcurrentlyStatus::ReconsumeLater;
                    }
                    let _ = tx.send(m.clone());
                }
                ConsumeConcurrentlyStatus::ConsumeSuccess
            });
            consumer.start().await?;
            let long = count == 0 || count > 100;
            let mut progress = Progress::new(count);
            let mut got = 0u64;
            while count == 0 || got < count {
                let Some(m) = rx.recv().await else { break };
                got += 1;
                if long {
                    progress.show(got, "consumed", false);
                } else {
                    println!(
                        "{} queue={}:{} offset={} tags={} keys={} body={}",
                        m.msg_id,
                        m.broker_name,
                        m.queue_id,
                        m.queue_offset,
                        m.tags().unwrap_or(""),
                        m.keys().join(" "),
                        printable(&m)
                    );
                }
            }
            if long {
                progress.show(got, "consumed", true);
                eprintln!();
            }
            println!("consumed {got} messages");
            consumer.shutdown().await;
        }
        Command::Progress { group } => {
            let admin = Admin::new(&ns);
            let p = admin.consumer_progress(&group).await?;
            let mut rows = vec![[
                "TOPIC",
                "BROKER",
                "QUEUE",
                "BROKER_OFFSET",
                "CONSUMER_OFFSET",
                "LAG",
            ]
            .map(String::from)
            .to_vec()];
            let mut total = 0;
            for q in &p {
                total += q.lag;
                rows.push(row([
                    &q.queue.topic,
                    &q.queue.broker_name,
                    &q.queue.queue_id,
                    &q.broker_offset,
                    &q.consumer_offset,
                    &q.lag,
                ]));
            }
            table(&rows);
            println!("total lag: {total}");
            admin.shutdown();
        }
        Command::Query { id, key, topic } => {
            let admin = Admin::new(&ns);
            let found = match (id, key) {
                (Some(id), _) => admin.query_message_by_id(topic.as_deref(), &id).await?,
                (None, Some(key)) => {
                    let topic = topic.unwrap_or_default();
                    admin.query_message_by_key(&topic, &key, 64).await?
                }
                (None, None) => {
                    return Err(ferromq_client::ClientError::InvalidArgument(
                        "give --id ID or --key KEY --topic T".into(),
                    ))
                }
            };
            let mut rows = vec![[
                "MSG_ID",
                "OFFSET_MSG_ID",
                "TOPIC",
                "QUEUE",
                "OFFSET",
                "TAGS",
                "KEYS",
                "BODY",
            ]
            .map(String::from)
            .to_vec()];
            for m in &found {
                rows.push(row([
                    &m.msg_id,
                    &m.offset_msg_id,
                    &m.topic,
                    &m.queue_id,
                    &m.queue_offset,
                    &m.tags().unwrap_or(""),
                    &m.keys().join(" "),
                    &printable(m),
                ]));
            }
            table(&rows);
            admin.shutdown();
            if found.is_empty() {
                return Err(ferromq_client::ClientError::Broker {
                    code: 22,
                    remark: "no message found".into(),
                });
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ferromq: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ferromq: {e}");
            ExitCode::FAILURE
        }
    }
}
