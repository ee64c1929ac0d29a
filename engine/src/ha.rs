//! Master–slave replication, RocketMQ's classic HA protocol (spec §13.2), over plain TCP.
//!
//! * Slave → master: 8 bytes, the slave's CommitLog max offset (on connect, after every
//!   append, and every `haSendHeartbeatInterval` when idle).
//! * Master → slave: a 12-byte header (offset i64, length i32) and that many CommitLog bytes,
//!   at most `haTransferBatchSize` and never across a file; a header with length 0 is a
//!   heartbeat. An empty slave is started at the master's last file.
//!
//! The master keeps each slave's acknowledged offset; SYNC_MASTER puts wait (through the same
//! group-commit queue as SYNC_FLUSH, on their own thread) until a slave's acknowledgement
//! covers them. The slave appends received bytes at exactly the offset they came from: a frame
//! for any other offset means the two logs disagree, and the slave drops the connection and
//! reconnects rather than writing it. Its own dispatcher builds ConsumeQueues and the index.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::flush::{Durability, DurabilityError, GroupCommit};
use crate::store::Inner;
use crate::util::lock;

/// How often blocking socket calls wake to check for shutdown.
const TICK: Duration = Duration::from_millis(100);

/// Replication state of a master.
#[derive(Default)]
pub(crate) struct HaMaster {
    /// Acknowledged offset of each connected slave.
    acks: Mutex<HashMap<u64, u64>>,
    /// Highest acknowledged offset of any slave.
    pub(crate) push_to_slave: AtomicU64,
    pub(crate) waiting: GroupCommit,
    next_conn: AtomicU64,
    pub(crate) bound: Mutex<Option<SocketAddr>>,
    connections: AtomicUsize,
}

impl HaMaster {
    /// Whether any slave is connected.
    pub(crate) fn has_slaves(&self) -> bool {
        self.connections.load(Ordering::Acquire) > 0
    }

    /// Whether a slave is connected and within `haMaxGapNotInSync` of `master_max`.
    pub(crate) fn slave_ok(&self, master_max: u64, max_gap: u64) -> bool {
        self.connections.load(Ordering::Acquire) > 0
            && master_max.saturating_sub(self.push_to_slave.load(Ordering::Acquire)) < max_gap
    }

    /// The durability of a SYNC_MASTER put ending at `end`.
    pub(crate) fn wait_for(&self, end: u64, master_max: u64, inner: &Inner) -> Durability {
        if self.push_to_slave.load(Ordering::Acquire) >= end {
            return Durability::ready();
        }
        if !self.slave_ok(master_max, inner.config.ha_max_gap_not_in_sync) {
            return Durability::failed(DurabilityError::SlaveNotAvailable);
        }
        self.waiting.submit(end, inner.config.slave_timeout)
    }

    fn ack(&self, conn: u64, offset: u64) {
        lock(&self.acks).insert(conn, offset);
        self.push_to_slave.fetch_max(offset, Ordering::AcqRel);
        self.waiting.kick();
    }

    /// Acknowledged offsets of the connected slaves.
    pub(crate) fn slave_offsets(&self) -> Vec<u64> {
        lock(&self.acks).values().copied().collect()
    }
}

fn stopping(inner: &Inner) -> bool {
    inner.shutting_down.load(Ordering::Acquire)
}

/// Accept slaves on `listener` until shutdown.
pub(crate) fn master_accept_loop(inner: Arc<Inner>, listener: TcpListener) {
    if let Err(e) = listener.set_nonblocking(true) {
        tracing::error!(error = %e, "HA listener unusable");
        return;
    }
    while !stopping(&inner) {
        match listener.accept() {
            Ok((stream, peer)) => {
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_nodelay(true);
                let inner = inner.clone();
                let spawned = std::thread::Builder::new()
                    .name("ferromq-ha-conn".into())
                    .spawn(move || serve_slave(inner, stream, peer));
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "cannot start an HA connection thread");
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => {
                tracing::warn!(error = %e, "HA accept failed");
                std::thread::sleep(TICK);
            }
        }
    }
}

/// Complete SYNC_MASTER waits as slave acknowledgements arrive.
pub(crate) fn master_sync_loop(inner: Arc<Inner>) {
    let Some(ha) = &inner.ha_master else { return };
    loop {
        let (mut reqs, _) = ha.waiting.take(Duration::from_millis(10));
        let acked = ha.push_to_slave.load(Ordering::Acquire);
        let now = Instant::now();
        reqs.retain(|r| {
            if acked >= r.end {
                r.waiter.complete(Ok(()));
                false
            } else if now >= r.deadline {
                r.waiter.complete(Err(DurabilityError::SlaveTimeout));
                false
            } else {
                true
            }
        });
        ha.waiting.requeue(reqs);
        if stopping(&inner) {
            ha.waiting.fail_all(&DurabilityError::SlaveTimeout);
            return;
        }
    }
}

fn read_full(
    stream: &mut TcpStream,
    buf: &mut [u8],
    inner: &Inner,
    silent_for: &mut Instant,
    limit: Duration,
) -> std::io::Result<()> {
    let mut got = 0;
    while got < buf.len() {
        if stopping(inner) {
            return Err(std::io::Error::new(ErrorKind::Interrupted, "shutting down"));
        }
        match stream.read(&mut buf[got..]) {
            Ok(0) => return Err(std::io::Error::new(ErrorKind::UnexpectedEof, "peer closed")),
            Ok(n) => {
                got += n;
                *silent_for = Instant::now();
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if silent_for.elapsed() > limit {
                    return Err(std::io::Error::new(
                        ErrorKind::TimedOut,
                        "peer silent too long",
                    ));
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn serve_slave(inner: Arc<Inner>, stream: TcpStream, peer: SocketAddr) {
    let Some(ha) = &inner.ha_master else { return };
    let conn = ha.next_conn.fetch_add(1, Ordering::Relaxed);
    let _ = stream.set_read_timeout(Some(TICK));
    let Ok(mut reader) = stream.try_clone() else {
        return;
    };
    let mut writer = stream;
    // The first report says where to start.
    let mut last_read = Instant::now();
    let mut report = [0u8; 8];
    if let Err(e) = read_full(
        &mut reader,
        &mut report,
        &inner,
        &mut last_read,
        inner.config.ha_housekeeping_interval,
    ) {
        tracing::debug!(%peer, error = %e, "slave left before its first report");
        return;
    }
    let reported = u64::from_be_bytes(report);
    let file = inner.config.mapped_file_size_commit_log;
    let max = inner.commitlog.max_offset();
    if reported > max {
        // Its log cannot be a copy of ours: streaming from its end would mix two histories.
        tracing::error!(%peer, reported, master_max = max, "slave is ahead of this master; refusing it");
        return;
    }
    let mut next = if reported == 0 {
        max - max % file
    } else {
        reported
    };
    next = next.max(inner.commitlog.min_offset());
    ha.connections.fetch_add(1, Ordering::AcqRel);
    ha.ack(conn, reported);
    tracing::info!(%peer, reported, start = next, "slave connected");

    // Reports are read on their own thread.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader_thread = {
        let inner = inner.clone();
        let done = done.clone();
        std::thread::Builder::new()
            .name("ferromq-ha-report".into())
            .spawn(move || {
                let Some(ha) = &inner.ha_master else { return };
                let mut last = Instant::now();
                let mut buf = [0u8; 8];
                while !done.load(Ordering::Acquire) {
                    match read_full(
                        &mut reader,
                        &mut buf,
                        &inner,
                        &mut last,
                        inner.config.ha_housekeeping_interval,
                    ) {
                        Ok(()) => ha.ack(conn, u64::from_be_bytes(buf)),
                        Err(e) => {
                            tracing::info!(%peer, error = %e, "slave connection closed");
                            break;
                        }
                    }
                }
                done.store(true, Ordering::Release);
            })
    };
    let mut last_sent = Instant::now();
    let batch = inner.config.ha_transfer_batch_size.max(1) as u64;
    while !done.load(Ordering::Acquire) && !stopping(&inner) {
        let avail = inner.commitlog.max_offset();
        let frame = if next < avail {
            let seg_end = inner
                .commitlog
                .segments
                .find(next)
                .map_or(avail, |s| s.end());
            let len = (avail.min(seg_end) - next).min(batch) as usize;
            inner.commitlog.with_slice(next, len, |data| {
                let mut f = Vec::with_capacity(12 + len);
                f.extend_from_slice(&(next as i64).to_be_bytes());
                f.extend_from_slice(&(len as i32).to_be_bytes());
                f.extend_from_slice(data);
                f
            })
        } else if last_sent.elapsed() >= inner.config.ha_send_heartbeat_interval {
            let mut f = Vec::with_capacity(12);
            f.extend_from_slice(&(next as i64).to_be_bytes());
            f.extend_from_slice(&0i32.to_be_bytes());
            Some(f)
        } else {
            inner.ha_signal.wait(TICK, || {
                inner.commitlog.max_offset() > next || stopping(&inner)
            });
            continue;
        };
        let Some(frame) = frame else {
            // The range is gone (retention) or not mapped: start from the oldest data.
            next = inner.commitlog.min_offset().max(next);
            std::thread::sleep(TICK);
            continue;
        };
        if let Err(e) = writer.write_all(&frame) {
            tracing::info!(%peer, error = %e, "slave connection lost");
            break;
        }
        next += (frame.len() - 12) as u64;
        last_sent = Instant::now();
    }
    done.store(true, Ordering::Release);
    let _ = writer.shutdown(std::net::Shutdown::Both);
    if let Ok(t) = reader_thread {
        let _ = t.join();
    }
    lock(&ha.acks).remove(&conn);
    ha.connections.fetch_sub(1, Ordering::AcqRel);
}

/// The slave: connect to the master, report, append what it sends, until shutdown.
pub(crate) fn slave_loop(inner: Arc<Inner>) {
    while !stopping(&inner) {
        let addr = lock(&inner.ha_master_addr).clone();
        let Some(addr) = addr else {
            std::thread::sleep(TICK);
            continue;
        };
        match replicate_from(&inner, &addr) {
            Ok(()) => {}
            Err(e) => {
                tracing::info!(master = %addr, error = %e, "replication connection ended; reconnecting")
            }
        }
        // Reconnect soon, but not in a tight loop.
        for _ in 0..10 {
            if stopping(&inner) {
                return;
            }
            std::thread::sleep(TICK);
        }
    }
}

fn replicate_from(inner: &Inner, addr: &str) -> std::io::Result<()> {
    let target: SocketAddr = addr.parse().or_else(|_| {
        std::net::ToSocketAddrs::to_socket_addrs(addr)
            .and_then(|mut a| a.next().ok_or_else(|| ErrorKind::NotFound.into()))
    })?;
    let mut stream = TcpStream::connect_timeout(&target, Duration::from_secs(3))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(TICK))?;
    let report = |s: &mut TcpStream, off: u64| s.write_all(&off.to_be_bytes());
    let mut reported = inner.commitlog.max_offset();
    report(&mut stream, reported)?;
    let mut last_report = Instant::now();
    let mut last_read = Instant::now();
    let mut header = [0u8; 12];
    loop {
        if stopping(inner) {
            return Ok(());
        }
        // Wait for a header, reporting while idle.
        let mut got = 0;
        while got < 12 {
            if stopping(inner) {
                return Ok(());
            }
            match stream.read(&mut header[got..]) {
                Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    got += n;
                    last_read = Instant::now();
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if last_read.elapsed() > inner.config.ha_housekeeping_interval {
                        return Err(std::io::Error::new(
                            ErrorKind::TimedOut,
                            "master silent too long",
                        ));
                    }
                    if last_report.elapsed() >= inner.config.ha_send_heartbeat_interval {
                        report(&mut stream, inner.commitlog.max_offset())?;
                        last_report = Instant::now();
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let offset = i64::from_be_bytes(header[..8].try_into().unwrap_or([0; 8]));
        let len = i32::from_be_bytes(header[8..].try_into().unwrap_or([0; 4]));
        let (Ok(offset), Ok(len)) = (u64::try_from(offset), usize::try_from(len)) else {
            return Err(std::io::Error::new(
                ErrorKind::InvalidData,
                "negative offset or length",
            ));
        };
        if len > inner.config.mapped_file_size_commit_log as usize {
            return Err(std::io::Error::new(
                ErrorKind::InvalidData,
                "frame larger than a CommitLog file",
            ));
        }
        let mut data = vec![0u8; len];
        let mut silent = Instant::now();
        read_full(
            &mut stream,
            &mut data,
            inner,
            &mut silent,
            inner.config.ha_housekeeping_interval,
        )?;
        let own = inner.commitlog.max_offset();
        if len == 0 {
            continue;
        }
        if own != 0 && own != offset {
            return Err(std::io::Error::new(
                ErrorKind::InvalidData,
                format!("master sent offset {offset} but this log ends at {own}"),
            ));
        }
        if let Err(e) = inner.commitlog.append_raw(offset, &data) {
            inner.poison(format!("replicated append failed: {e}"));
            return Err(std::io::Error::other(e.to_string()));
        }
        inner.dispatch_signal.raise();
        reported = inner.commitlog.max_offset();
        report(&mut stream, reported)?;
        last_report = Instant::now();
    }
}
