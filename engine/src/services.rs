//! The store's background threads and its orderly shutdown.
//!
//! * **flush**: ASYNC_FLUSH syncs every `flushIntervalCommitLog` when enough pages are dirty
//!   (every `flushCommitLogThoroughInterval` regardless); SYNC_FLUSH runs the group commit.
//! * **dispatch**: builds ConsumeQueue entries from new CommitLog records and calls arrival
//!   listeners.
//! * **checkpoint**: every `flushIntervalConsumeQueue`, flushes the ConsumeQueues and writes
//!   the checkpoint.
//! * **clean**: every `cleanResourceInterval`, checks disk usage and deletes expired files.
//!
//! A failed sync poisons the store. Each thread ends when `shutting_down` is set; shutdown then
//! flushes, checkpoints and removes the `abort` marker, so the next open knows the exit was
//! clean.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::checkpoint::Checkpoint;
use crate::config::FlushDiskType;
use crate::consume_queue::{ConsumeQueue, CqEntry};
use crate::error::{Error, Result};
use crate::flush::DurabilityError;
use crate::record::{peek_header, sysflag, RecordView, BLANK_MAGIC};
use crate::schedule::{self, SCHEDULE_TOPIC, TIMER_TOPIC};
use crate::store::{Arrival, DefaultMessageStore, Inner, Message};
use crate::util::{lock, now_millis};

fn spawn(name: &str, inner: &Arc<Inner>, f: fn(&Inner)) -> Result<std::thread::JoinHandle<()>> {
    let inner = inner.clone();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || f(&inner))
        .map_err(|e| Error::io(format!("starting thread {name}"), e))
}

fn spawn_arc(
    name: &str,
    inner: &Arc<Inner>,
    f: fn(Arc<Inner>),
) -> Result<std::thread::JoinHandle<()>> {
    let inner = inner.clone();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || f(inner))
        .map_err(|e| Error::io(format!("starting thread {name}"), e))
}

/// Start every background thread.
pub(crate) fn start(inner: &Arc<Inner>) -> Result<Vec<std::thread::JoinHandle<()>>> {
    let mut threads = vec![
        spawn("ferromq-flush", inner, flush_loop)?,
        spawn("ferromq-dispatch", inner, dispatch_loop)?,
        spawn("ferromq-checkpoint", inner, checkpoint_loop)?,
        spawn("ferromq-clean", inner, clean_loop)?,
        spawn("ferromq-allocate", inner, allocate_loop)?,
        spawn("ferromq-schedule", inner, schedule_loop)?,
    ];
    if let Some(ha) = &inner.ha_master {
        if let Some(addr) = inner.config.ha_listen_addr {
            let listener = std::net::TcpListener::bind(addr)
                .map_err(|e| Error::io(format!("binding the HA port {addr}"), e))?;
            *lock(&ha.bound) = listener.local_addr().ok();
            let accept_inner = inner.clone();
            threads.push(
                std::thread::Builder::new()
                    .name("ferromq-ha-accept".into())
                    .spawn(move || crate::ha::master_accept_loop(accept_inner, listener))
                    .map_err(|e| Error::io("starting thread ferromq-ha-accept", e))?,
            );
        }
        threads.push(spawn_arc(
            "ferromq-ha-sync",
            inner,
            crate::ha::master_sync_loop,
        )?);
    } else {
        threads.push(spawn_arc("ferromq-ha-slave", inner, crate::ha::slave_loop)?);
    }
    Ok(threads)
}

fn stopping(inner: &Inner) -> bool {
    inner.shutting_down.load(Ordering::Acquire)
}

/// Sleep up to `d`, waking early on shutdown.
fn nap(inner: &Inner, d: Duration) {
    inner.service_signal.wait(d, || stopping(inner));
}

fn flush_loop(inner: &Inner) {
    match inner.config.flush_disk_type {
        FlushDiskType::AsyncFlush => async_flush_loop(inner),
        FlushDiskType::SyncFlush => group_commit_loop(inner),
    }
}

fn async_flush_loop(inner: &Inner) {
    let mut last_thorough = Instant::now();
    while !stopping(inner) {
        nap(inner, inner.config.flush_interval_commit_log);
        let thorough = last_thorough.elapsed() >= inner.config.flush_commit_log_thorough_interval;
        let least = if thorough {
            0
        } else {
            inner.config.flush_commit_log_least_pages
        };
        if thorough {
            last_thorough = Instant::now();
        }
        if let Err(e) = inner.commitlog.flush(least) {
            inner.poison(format!("CommitLog flush failed: {e}"));
        }
    }
}

fn group_commit_loop(inner: &Inner) {
    loop {
        let (mut reqs, kicked) = inner.group_commit.take(Duration::from_millis(10));
        let stop = stopping(inner);
        if reqs.is_empty() && !kicked && !stop {
            continue;
        }
        match inner.commitlog.flush(0) {
            Ok(_) => {
                let flushed = inner.commitlog.flushed_offset();
                let now = Instant::now();
                reqs.retain(|r| {
                    if flushed >= r.end {
                        r.waiter.complete(Ok(()));
                        false
                    } else if now >= r.deadline {
                        r.waiter.complete(Err(DurabilityError::FlushTimeout));
                        false
                    } else {
                        true
                    }
                });
                inner.group_commit.requeue(reqs);
            }
            Err(e) => {
                let why = format!("CommitLog flush failed: {e}");
                inner.poison(why.clone());
                for r in reqs {
                    r.waiter
                        .complete(Err(DurabilityError::FlushFailed(why.clone())));
                }
            }
        }
        if stop {
            // Nothing can be appended any more (the CommitLog is closed); the final flush
            // above covered everything, so no request stays queued.
            inner
                .group_commit
                .fail_all(&DurabilityError::FlushFailed("store shut down".into()));
            return;
        }
    }
}

impl Inner {
    /// Dispatch records in `[from, to)`; returns where it got to. Stops early (without
    /// advancing past the failing record) when a ConsumeQueue cannot be written.
    pub(crate) fn dispatch_range(&self, from: u64, to: u64) -> u64 {
        self.dispatch_range_with(from, to, false)
    }

    /// Dispatch records in `[from, to)`; with `index_only`, only to the key index (recovery
    /// rebuilding a missing or lagging index).
    pub(crate) fn dispatch_range_with(&self, from: u64, to: u64, index_only: bool) -> u64 {
        let mut off = from;
        // Consecutive records often go to the same queue: skip the map lookups for them.
        let mut last: Option<Arc<ConsumeQueue>> = None;
        while off < to {
            let Some(seg) = self.commitlog.segments.find(off) else {
                // A hole (retention raced ahead): continue at the next segment, if any.
                match self
                    .commitlog
                    .segments
                    .snapshot()
                    .into_iter()
                    .find(|s| s.base() > off)
                {
                    Some(s) => {
                        off = s.base();
                        continue;
                    }
                    None => return to,
                }
            };
            let header = self.commitlog.with_slice(off, 8, peek_header).flatten();
            let next = match header {
                Some((_, BLANK_MAGIC)) => seg.end(),
                Some((size, _)) if size > 0 => {
                    let size = size as usize;
                    let step = self.commitlog.with_slice(off, size, |b| {
                        match RecordView::decode(b, false) {
                            Ok(r) if index_only => self.index_record(&r).map(|()| off + size as u64),
                            Ok(r) => self.dispatch_record(&r, &mut last).map(|()| off + size as u64),
                            Err(e) => {
                                tracing::error!(offset = off, error = %e, "undecodable CommitLog record during dispatch; skipping to the next file");
                                Ok(seg.end())
                            }
                        }
                    });
                    match step {
                        Some(Ok(n)) => n,
                        Some(Err(e)) => {
                            tracing::error!(offset = off, error = %e, "cannot build ConsumeQueue; will retry");
                            return off;
                        }
                        None => seg.end(),
                    }
                }
                _ => {
                    tracing::error!(
                        offset = off,
                        "bad CommitLog header during dispatch; skipping to the next file"
                    );
                    seg.end()
                }
            };
            off = next;
        }
        off
    }

    fn dispatch_record(
        &self,
        r: &RecordView<'_>,
        last: &mut Option<Arc<ConsumeQueue>>,
    ) -> Result<()> {
        let f = &r.fields;
        let tx = sysflag::transaction_type(f.sysflag);
        if tx == sysflag::TRANSACTION_NOT_TYPE || tx == sysflag::TRANSACTION_COMMIT_TYPE {
            let cq = match last {
                Some(q) if q.queue_id == f.queue_id && q.topic == f.topic => q.clone(),
                _ => {
                    let q = self.queue_or_create(f.topic, f.queue_id)?;
                    *last = Some(q.clone());
                    q
                }
            };
            let tags_code = schedule::parked_tags_code(
                f.topic,
                f.properties,
                f.store_timestamp,
                &self.delay_levels,
            )
            .unwrap_or_else(|| r.tags_code());
            let entry = CqEntry {
                physical_offset: f.physical_offset,
                size: r.total_size as i32,
                tags_code,
            };
            if cq.put(f.queue_offset, entry)? {
                if f.topic == schedule::TIMER_TOPIC {
                    self.timer.add(f.queue_offset, tags_code);
                }
                let listeners = self.listeners.read().unwrap_or_else(|e| e.into_inner());
                if !listeners.is_empty() {
                    let a = Arrival {
                        topic: f.topic,
                        queue_id: f.queue_id,
                        queue_offset: f.queue_offset,
                        max_offset: cq.max_offset(),
                        tags_code,
                        store_timestamp: f.store_timestamp,
                        properties: f.properties,
                    };
                    for l in listeners.iter() {
                        l(&a);
                    }
                }
            }
            self.logics_timestamp
                .fetch_max(f.store_timestamp, Ordering::Relaxed);
        }
        self.index_record(r)
    }

    /// Add a record's keys to the index (every record but rolled-back ones, spec §6.2).
    pub(crate) fn index_record(&self, r: &RecordView<'_>) -> Result<()> {
        let Some(index) = &self.index else {
            return Ok(());
        };
        let f = &r.fields;
        if sysflag::transaction_type(f.sysflag) == sysflag::TRANSACTION_ROLLBACK_TYPE {
            return Ok(());
        }
        index.index(
            f.topic,
            f.physical_offset,
            f.store_timestamp,
            r.property(crate::record::property::UNIQ_KEY),
            r.property(crate::record::property::KEYS),
        )
    }

    /// Flush the ConsumeQueues and write the checkpoint (if anything changed).
    pub(crate) fn checkpoint(&self) -> Result<()> {
        let mut last = lock(&self.last_checkpoint);
        let dispatched = self.dispatched.load(Ordering::Acquire);
        let queues = self.all_queues();
        // Record the queue ends before flushing, so the flush covers everything recorded.
        let mut table: Vec<(String, i32, i64)> = queues
            .iter()
            .map(|q| (q.topic.clone(), q.queue_id, q.max_offset()))
            .collect();
        table.sort();
        for q in &queues {
            q.flush().map_err(|e| {
                let err = Error::io(
                    format!("flushing ConsumeQueue {}-{}", q.topic, q.queue_id),
                    e,
                );
                self.poison(err.to_string());
                err
            })?;
        }
        if let Some(index) = &self.index {
            index.flush().map_err(|e| {
                let err = Error::io("flushing the index", e);
                self.poison(err.to_string());
                err
            })?;
        }
        let ckpt = Checkpoint {
            physic_msg_timestamp: self.commitlog.flushed_store_timestamp(),
            logics_msg_timestamp: self.logics_timestamp.load(Ordering::Relaxed),
            index_msg_timestamp: 0,
            flushed_offset: self.commitlog.flushed_offset(),
            dispatched_offset: dispatched,
            queues: table,
        };
        if last.as_ref() == Some(&ckpt) {
            return Ok(());
        }
        ckpt.store(self.fs.as_ref(), &self.checkpoint_path())
            .map_err(|e| {
                let err = Error::io("writing checkpoint", e);
                self.poison(err.to_string());
                err
            })?;
        *last = Some(ckpt);
        Ok(())
    }

    /// Flush the CommitLog, wait for dispatch to catch up, checkpoint.
    pub(crate) fn flush_all(&self) -> Result<()> {
        self.commitlog.flush(0).map_err(|e| {
            let err = Error::io("flushing CommitLog", e);
            self.poison(err.to_string());
            err
        })?;
        let target = self.commitlog.max_offset();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.dispatched.load(Ordering::Acquire) < target && Instant::now() < deadline {
            self.dispatch_signal.raise_always();
            std::thread::sleep(Duration::from_millis(1));
        }
        self.checkpoint()
    }

    /// One retention round (spec §8.4). `manual` deletes expired files outside `deleteWhen`.
    pub(crate) fn clean(&self, manual: bool) -> Result<usize> {
        let space = self.check_disk();
        let used = space.unwrap_or(0.0);
        let space_to_delete = used > f64::from(self.config.disk_max_used_space_ratio);
        let forcibly = self.config.clean_file_forcibly_enable
            && used > f64::from(self.config.clean_forcibly_ratio());
        let hours = self.config.delete_hours().unwrap_or_default();
        let time_to_delete = hours.contains(&local_hour(SystemTime::now()));
        if !(manual || time_to_delete || space_to_delete || forcibly) {
            return Ok(0);
        }
        let reserved = Duration::from_secs(self.config.file_reserved_time.saturating_mul(3600));
        let now = SystemTime::now();
        let mut deleted = 0;
        while deleted < self.config.delete_file_batch_max {
            let segs = self.commitlog.segments.snapshot();
            if segs.len() <= 1 {
                break;
            }
            let first = &segs[0];
            // Never delete what is not yet flushed or dispatched.
            if first.end() > self.commitlog.flushed_offset()
                || first.end() > self.dispatched.load(Ordering::Acquire)
            {
                break;
            }
            let expired = self
                .fs
                .modified(first.path())
                .map(|m| m + reserved <= now)
                .unwrap_or(false);
            if !(expired || forcibly) {
                break;
            }
            tracing::info!(file = %first.path().display(), expired, forcibly, "deleting CommitLog file");
            self.commitlog.segments.delete_first()?;
            deleted += 1;
        }
        if deleted > 0 {
            let min = self.commitlog.min_offset();
            for q in self.all_queues() {
                q.delete_expired(min)?;
            }
            if let Some(index) = &self.index {
                index.delete_expired(min);
            }
            self.check_disk();
        }
        Ok(deleted)
    }

    /// Measure disk usage and set or clear the disk-full flag. Returns the used percentage.
    pub(crate) fn check_disk(&self) -> Option<f64> {
        let dir = self.config.commit_log_dir();
        let space = match self.fs.disk_space(&dir) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read disk usage");
                return None;
            }
        };
        let used = space.used_percent();
        *lock(&self.disk_used_percent) = used;
        let full = used > f64::from(self.config.warning_level_ratio())
            || space.available < self.config.disk_space_min_free_bytes;
        let was = self.disk_full.swap(full, Ordering::AcqRel);
        if full && !was {
            tracing::error!(
                used_percent = used,
                available = space.available,
                "disk full; refusing writes"
            );
        } else if !full && was {
            tracing::info!(
                used_percent = used,
                "disk space recovered; accepting writes"
            );
        }
        Some(used)
    }
}

/// Idle polls before the dispatcher sleeps until woken. While it polls, appenders do not
/// need to wake it (a futex wake per append would cost more than the append).
const DISPATCH_POLLS_BEFORE_SLEEP: u32 = 50;
const DISPATCH_POLL_INTERVAL: Duration = Duration::from_micros(200);

fn dispatch_loop(inner: &Inner) {
    let mut idle = 0;
    loop {
        let max = inner.commitlog.max_offset();
        let from = inner.dispatched.load(Ordering::Acquire);
        if from < max {
            let to = inner.dispatch_range(from, max);
            inner.dispatched.store(to, Ordering::Release);
            if to == from {
                // A ConsumeQueue could not be written (disk full?): back off, then retry.
                nap(inner, Duration::from_millis(100));
            }
            idle = 0;
            continue;
        }
        if stopping(inner) {
            return;
        }
        idle += 1;
        if idle < DISPATCH_POLLS_BEFORE_SLEEP {
            std::thread::sleep(DISPATCH_POLL_INTERVAL);
            continue;
        }
        inner.dispatch_signal.wait(Duration::from_millis(100), || {
            inner.commitlog.max_offset() > inner.dispatched.load(Ordering::Acquire)
                || stopping(inner)
        });
    }
}

fn allocate_loop(inner: &Inner) {
    while !stopping(inner) {
        if let Err(e) = inner.commitlog.prepare_next() {
            tracing::warn!(error = %e, "cannot prepare the next CommitLog file");
        }
        inner
            .commitlog
            .allocate_signal
            .wait(Duration::from_secs(1), || stopping(inner));
    }
}

fn checkpoint_loop(inner: &Inner) {
    while !stopping(inner) {
        nap(inner, inner.config.flush_interval_consume_queue);
        if stopping(inner) {
            return;
        }
        if let Err(e) = inner.checkpoint() {
            tracing::error!(error = %e, "checkpoint failed");
        }
    }
}

fn clean_loop(inner: &Inner) {
    inner.check_disk();
    while !stopping(inner) {
        nap(inner, inner.config.clean_resource_interval);
        if stopping(inner) {
            return;
        }
        if let Err(e) = inner.clean(false) {
            tracing::error!(error = %e, "retention round failed");
        }
    }
}

/// Local hour of day (0..=23) for `deleteWhen`.
fn local_hour(t: SystemTime) -> u32 {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as libc::time_t;
    // SAFETY: localtime_r writes only into `tm`, which we own.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return ((secs / 3600) % 24) as u32;
        }
        tm.tm_hour as u32
    }
}

/// Stop the threads, flush, checkpoint, remove the abort marker and unlock. Idempotent.
pub(crate) fn shutdown(store: &DefaultMessageStore) -> Result<()> {
    let inner = &store.inner;
    if inner.shutting_down.swap(true, Ordering::AcqRel) {
        return Ok(());
    }
    inner.commitlog.close();
    inner.dispatch_signal.raise_always();
    inner.service_signal.raise_always();
    inner.commitlog.allocate_signal.raise_always();
    inner.ha_signal.raise_always();
    let threads = std::mem::take(&mut *lock(&store.threads));
    for t in threads {
        if t.join().is_err() {
            inner.poison("a background thread panicked".into());
        }
    }
    let mut result = inner.commitlog.flush(0).map(|_| ()).map_err(|e| {
        let err = Error::io("final CommitLog flush", e);
        inner.poison(err.to_string());
        err
    });
    inner.commitlog.discard_prepared();
    if let Err(e) = persist_schedule_state(inner) {
        tracing::warn!(error = %e, "cannot persist delay progress");
    }
    // The dispatcher drained before exiting; if it could not, the next open re-dispatches.
    if result.is_ok() {
        result = inner.checkpoint();
    }
    if result.is_ok() && !inner.is_poisoned.load(Ordering::Acquire) {
        if let Err(e) = inner.fs.remove_file(&inner.abort_path()) {
            result = Err(Error::io("removing abort file", e));
        }
    }
    lock(&inner.dir_lock).take();
    result
}

const HALF_TOPIC: &str = "RMQ_SYS_TRANS_HALF_TOPIC";

fn delay_offset_path(inner: &Inner) -> std::path::PathBuf {
    inner
        .config
        .store_path_root_dir
        .join("config")
        .join("delayOffset.json")
}

fn timer_check_path(inner: &Inner) -> std::path::PathBuf {
    inner
        .config
        .store_path_root_dir
        .join("config")
        .join("timercheck")
}

/// Load delay and timer progress and refill the timer wheel from the timer queue (open).
pub(crate) fn load_schedule_state(inner: &Inner) -> Result<()> {
    if let Ok(bytes) = inner.fs.read_file(&delay_offset_path(inner)) {
        let table = schedule::LevelProgress::parse(&String::from_utf8_lossy(&bytes));
        *lock(&inner.level_progress.offsets) = table;
    }
    let Some(cq) = inner.queue(TIMER_TOPIC, 0) else {
        return Ok(());
    };
    let mut watermark = inner
        .fs
        .read_file(&timer_check_path(inner))
        .ok()
        .and_then(|b| String::from_utf8_lossy(&b).trim().parse::<i64>().ok())
        .unwrap_or(0);
    watermark = watermark.clamp(cq.min_offset(), cq.max_offset());
    inner.timer.set_watermark(watermark);
    for off in watermark..cq.max_offset() {
        if let Some(e) = cq.entry(off).filter(|e| !e.is_blank()) {
            inner.timer.add(off, e.tags_code);
        }
    }
    Ok(())
}

fn persist_schedule_state(inner: &Inner) -> std::io::Result<()> {
    let dir = inner.config.store_path_root_dir.join("config");
    inner.fs.create_dir_all(&dir)?;
    if inner.level_progress.dirty.swap(false, Ordering::AcqRel) {
        inner.fs.write_file_atomic(
            &delay_offset_path(inner),
            inner.level_progress.encode().as_bytes(),
        )?;
    }
    if inner.queue(TIMER_TOPIC, 0).is_some() {
        inner.fs.write_file_atomic(
            &timer_check_path(inner),
            inner.timer.watermark().to_string().as_bytes(),
        )?;
    }
    Ok(())
}

impl Inner {
    /// Store a parked record again in its real topic. `Ok(())` also for records that must be
    /// dropped (no real topic, or a half message).
    fn redeliver(&self, physical_offset: i64, size: i32) -> Result<()> {
        let Some(bytes) = self
            .commitlog
            .read(physical_offset as u64, size.max(0) as usize)
        else {
            return Ok(()); // gone to retention
        };
        let Ok(r) = RecordView::decode(&bytes, false) else {
            tracing::error!(
                offset = physical_offset,
                "undecodable parked record; skipped"
            );
            return Ok(());
        };
        let f = &r.fields;
        let Some((topic, queue_id, props)) =
            schedule::unpark(crate::record::Properties::parse(f.properties))
        else {
            return Ok(());
        };
        if topic == HALF_TOPIC {
            return Ok(());
        }
        let msg = Message {
            topic,
            queue_id,
            flag: f.flag,
            body: bytes.slice_ref(f.body),
            properties: props,
            sysflag: f.sysflag,
            born_timestamp: f.born_timestamp,
            born_host: f.born_host,
            reconsume_times: f.reconsume_times,
            prepared_transaction_offset: f.prepared_transaction_offset,
        };
        self.put(std::slice::from_ref(&msg)).map(|_| ())
    }

    fn deliver_delay_levels(&self) {
        let now = now_millis();
        for level in 1..=self.delay_levels.max_level() {
            let Some(cq) = self.queue(SCHEDULE_TOPIC, level - 1) else {
                continue;
            };
            let start = lock(&self.level_progress.offsets)
                .get(&level)
                .copied()
                .unwrap_or(0)
                .clamp(cq.min_offset(), cq.max_offset());
            let mut off = start;
            let max_delay = self.delay_levels.delay_ms(level) as i64;
            while off < cq.max_offset() && !stopping(self) {
                let Some(e) = cq.entry(off) else { break };
                if !e.is_blank() {
                    // A due time further away than the level's delay is bogus: deliver now.
                    let due = if e.tags_code > now + max_delay {
                        now
                    } else {
                        e.tags_code
                    };
                    if due > now {
                        break;
                    }
                    if let Err(err) = self.redeliver(e.physical_offset, e.size) {
                        tracing::warn!(level, offset = off, error = %err, "delayed delivery failed; retrying");
                        break;
                    }
                }
                off += 1;
            }
            if off != start {
                lock(&self.level_progress.offsets).insert(level, off);
                self.level_progress.dirty.store(true, Ordering::Release);
            }
        }
    }

    fn deliver_timers(&self) {
        let now = now_millis();
        let due = self.timer.take_due(now);
        if due.is_empty() {
            return;
        }
        let Some(cq) = self.queue(TIMER_TOPIC, 0) else {
            return;
        };
        let mut retry = Vec::new();
        for off in due {
            match cq.entry(off) {
                Some(e) if !e.is_blank() => match self.redeliver(e.physical_offset, e.size) {
                    Ok(()) => {
                        self.timer.delivered(off);
                    }
                    Err(err) => {
                        tracing::warn!(offset = off, error = %err, "timer delivery failed; retrying");
                        retry.push(off);
                    }
                },
                _ => {
                    self.timer.delivered(off);
                }
            }
        }
        self.timer.retry(retry, now);
    }
}

fn schedule_loop(inner: &Inner) {
    let mut last_persist = Instant::now();
    // A slave does not deliver: its master does, and the result is replicated.
    let deliver = inner.config.broker_role != crate::config::BrokerRole::Slave;
    while !stopping(inner) {
        if deliver {
            inner.deliver_delay_levels();
            inner.deliver_timers();
        }
        if last_persist.elapsed() >= inner.config.flush_delay_offset_interval {
            last_persist = Instant::now();
            if let Err(e) = persist_schedule_state(inner) {
                tracing::warn!(error = %e, "cannot persist delay progress");
            }
        }
        nap(inner, Duration::from_millis(100));
    }
}
