//! Master–slave replication over loopback TCP with the classic HA protocol.

mod common;

use std::time::{Duration, Instant};

use common::{body, read_queue, small_config};
use ferromq_engine::{
    BrokerRole, DefaultMessageStore, DurabilityError, Message, MessageStore, StoreConfig,
};

fn master_config(dir: &std::path::Path, role: BrokerRole) -> StoreConfig {
    let mut c = small_config(dir);
    c.broker_role = role;
    c.ha_listen_addr = Some("127.0.0.1:0".parse().unwrap());
    c.slave_timeout = Duration::from_secs(3);
    c
}

fn slave_config(dir: &std::path::Path, master: &DefaultMessageStore) -> StoreConfig {
    let mut c = small_config(dir);
    c.broker_role = BrokerRole::Slave;
    c.ha_master_address = Some(master.ha_listen_addr().unwrap().to_string());
    c
}

fn wait_queue_len(store: &DefaultMessageStore, topic: &str, q: i32, n: usize) {
    let t = Instant::now();
    while read_queue(store, topic, q).len() < n {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "only {} of {n} replicated",
            read_queue(store, topic, q).len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn every_acknowledged_sync_master_put_is_on_the_slave() {
    let (md, sd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let master =
        DefaultMessageStore::open(master_config(md.path(), BrokerRole::SyncMaster)).unwrap();
    // No slave yet: the put is stored, but the promise cannot be kept.
    let put = master
        .put_message(Message::new("Rep", 0, "before any slave"))
        .unwrap();
    assert_eq!(
        put.replication.unwrap().wait(),
        Err(DurabilityError::SlaveNotAvailable)
    );

    let slave = DefaultMessageStore::open(slave_config(sd.path(), &master)).unwrap();
    assert!(matches!(
        slave.put_message(Message::new("Rep", 0, "x")),
        Err(ferromq_engine::Error::Slave)
    ));
    let t = Instant::now();
    while master.slave_ack_offsets().is_empty() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "slave never connected"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    for i in 0..300 {
        let put = master
            .put_message(Message::new("Rep", 0, body(i, 200)))
            .unwrap();
        put.replication
            .expect("SYNC_MASTER waits for a slave")
            .wait()
            .unwrap();
    }
    // Everything acknowledged is on the slave: drop the master and read the slave alone.
    drop(master);
    wait_queue_len(&slave, "Rep", 0, 301);
    let got = read_queue(&slave, "Rep", 0);
    assert_eq!(got[0].1, b"before any slave");
    for i in 0..300u64 {
        assert_eq!(got[i as usize + 1].1, body(i, 200));
    }
}

#[test]
fn a_late_slave_catches_up_and_resumes_after_restart() {
    let (md, sd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let master =
        DefaultMessageStore::open(master_config(md.path(), BrokerRole::AsyncMaster)).unwrap();
    for i in 0..1000 {
        let put = master
            .put_message(Message::new("Late", (i % 2) as i32, body(i, 300)))
            .unwrap();
        assert!(put.replication.is_none(), "ASYNC_MASTER never waits");
    }
    {
        let slave = DefaultMessageStore::open(slave_config(sd.path(), &master)).unwrap();
        // An empty slave starts at the master's last file, so it has the newest messages.
        let max = master.max_offset_in_queue("Late", 0);
        let t = Instant::now();
        while slave.max_offset_in_queue("Late", 0) < max {
            assert!(t.elapsed() < Duration::from_secs(20));
            std::thread::sleep(Duration::from_millis(20));
        }
        slave.shutdown().unwrap();
    }
    for i in 1000..1200 {
        master
            .put_message(Message::new("Late", (i % 2) as i32, body(i, 300)))
            .unwrap();
    }
    // Restarted, it resumes from its own offset.
    let slave = DefaultMessageStore::open(slave_config(sd.path(), &master)).unwrap();
    let max = master.max_offset_in_queue("Late", 1);
    let t = Instant::now();
    while slave.max_offset_in_queue("Late", 1) < max {
        assert!(t.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(20));
    }
    let m = read_queue(&master, "Late", 1);
    let s = read_queue(&slave, "Late", 1);
    assert_eq!(
        &m[m.len() - s.len()..],
        &s[..],
        "the slave's queue is a suffix of the master's"
    );
    assert_eq!(s.last(), m.last());
}

#[test]
fn a_slave_reconnects_instead_of_appending_a_frame_for_another_offset() {
    use std::io::{Read, Write};
    let sd = tempfile::tempdir().unwrap();
    // Give the slave some data of its own (written while it was a master).
    {
        let s = DefaultMessageStore::open(small_config(sd.path())).unwrap();
        for i in 0..10 {
            s.put_message(Message::new("Own", 0, body(i, 100))).unwrap();
        }
    }
    // A fake master that answers every connection with a frame for the wrong offset.
    let fake = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut cfg = small_config(sd.path());
    cfg.broker_role = BrokerRole::Slave;
    cfg.ha_master_address = Some(fake.local_addr().unwrap().to_string());
    let slave = DefaultMessageStore::open(cfg).unwrap();
    let before = slave.stats().commit_log_max_offset;
    let mut reports = Vec::new();
    for _ in 0..2 {
        let (mut conn, _) = fake.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut report = [0u8; 8];
        conn.read_exact(&mut report).unwrap();
        reports.push(u64::from_be_bytes(report));
        let wrong = u64::from_be_bytes(report) + 4096;
        let mut frame = (wrong as i64).to_be_bytes().to_vec();
        frame.extend_from_slice(&64i32.to_be_bytes());
        frame.extend_from_slice(&[0xAB; 64]);
        conn.write_all(&frame).unwrap();
        // The slave hangs up rather than appending...
        let mut rest = Vec::new();
        let _ = conn.read_to_end(&mut rest);
    }
    // ...and comes back (the second accept above), reporting the same, untouched offset.
    assert_eq!(reports, vec![before, before]);
    assert_eq!(slave.stats().commit_log_max_offset, before);
    assert!(slave.stats().poisoned.is_none());
    assert_eq!(read_queue(&slave, "Own", 0).len(), 10);
}

#[test]
fn replication_resumes_after_the_master_restarts() {
    let (md, sd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // A fixed HA port, so the restarted master is where the slave looks for it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = master_config(md.path(), BrokerRole::AsyncMaster);
    cfg.ha_listen_addr = Some(([127, 0, 0, 1], port).into());
    let master = DefaultMessageStore::open(cfg.clone()).unwrap();
    for i in 0..100 {
        master
            .put_message(Message::new("Again", 0, body(i, 200)))
            .unwrap();
    }
    let slave = DefaultMessageStore::open(slave_config(sd.path(), &master)).unwrap();
    wait_queue_len(&slave, "Again", 0, 100);
    master.shutdown().unwrap();
    drop(master);
    std::thread::sleep(Duration::from_millis(300));
    let master = DefaultMessageStore::open(cfg).unwrap();
    for i in 100..250 {
        master
            .put_message(Message::new("Again", 0, body(i, 200)))
            .unwrap();
    }
    wait_queue_len(&slave, "Again", 0, 250);
    assert_eq!(
        read_queue(&slave, "Again", 0),
        read_queue(&master, "Again", 0)
    );
}
