//! Every `ferromq` command, run as the real binary against a broker started in the test.

mod common;

use std::process::Output;

use common::TestBroker;

async fn ferromq(ns: &str, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_ferromq"));
    cmd.env("NAMESRV_ADDR", ns).args(args);
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
        .await
        .expect("ferromq did not finish in time")
        .unwrap();
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cli_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path()).await;
    let ns = b.ns();

    // -n explicitly; the other commands use NAMESRV_ADDR.
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_ferromq"));
    let o = cmd
        .args(["-n", &ns, "topic", "create", "CliTopic", "--queues", "2"])
        .env_remove("NAMESRV_ADDR")
        .output()
        .await
        .unwrap();
    assert!(o.status.success(), "{o:?}");

    let o = ferromq(&ns, &["topic", "list"]).await;
    assert!(o.status.success());
    assert!(
        stdout(&o).lines().any(|l| l.trim() == "CliTopic"),
        "{}",
        stdout(&o)
    );

    let o = ferromq(&ns, &["topic", "route", "CliTopic"]).await;
    let out = stdout(&o);
    assert!(out.starts_with("BROKER"), "{out}");
    assert!(
        out.contains("broker-a") && out.contains(&b.addr.to_string()),
        "{out}"
    );

    let o = ferromq(&ns, &["cluster", "list"]).await;
    let out = stdout(&o);
    assert!(
        out.contains("DefaultCluster") && out.contains("broker-a"),
        "{out}"
    );

    let o = ferromq(
        &ns,
        &[
            "send",
            "CliTopic",
            "--count",
            "3",
            "--tags",
            "T1",
            "--keys",
            "key-1",
            "--body",
            "hello cli",
        ],
    )
    .await;
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 3, "{out}");
    let offset_id = out
        .lines()
        .next()
        .and_then(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("offsetMsgId="))
        })
        .unwrap()
        .to_owned();

    let o = ferromq(&ns, &["send", "CliTopic", "--count", "200", "--size", "64"]).await;
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("msg/s"));

    let o = ferromq(
        &ns,
        &[
            "consume",
            "CliTopic",
            "--group",
            "cli_group",
            "--count",
            "3",
            "--from-first",
            "--tags",
            "T1",
        ],
    )
    .await;
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    assert_eq!(out.matches("body=hello cli").count(), 3, "{out}");
    assert!(out.contains("consumed 3 messages"));

    let o = ferromq(&ns, &["progress", "cli_group"]).await;
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    let header = out.lines().next().unwrap();
    assert!(
        header.contains("LAG") && header.contains("CONSUMER_OFFSET"),
        "{out}"
    );
    assert!(
        out.lines().filter(|l| l.starts_with("CliTopic")).count() == 2,
        "{out}"
    );

    let o = ferromq(&ns, &["query", "--id", &offset_id]).await;
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).contains("hello cli"));

    let o = ferromq(&ns, &["query", "--key", "key-1", "--topic", "CliTopic"]).await;
    let out = stdout(&o);
    if o.status.success() {
        assert_eq!(out.matches("hello cli").count(), 3, "{out}");
    } else {
        // QUERY_MESSAGE by key is only served once the broker's key index is in.
        eprintln!(
            "query by key not served: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    let o = ferromq(&ns, &["topic", "delete", "CliTopic"]).await;
    assert!(o.status.success(), "{o:?}");
    let o = ferromq(&ns, &["topic", "route", "CliTopic"]).await;
    assert!(!o.status.success());

    let o = ferromq(&ns, &["-n", "127.0.0.1:1", "topic", "list"]).await;
    assert!(!o.status.success());
    b.stop().await;
}
