//! Opening a store: lock, load, recover, start (spec §7, with FerroMQ's offset checkpoint).
//!
//! Recovery is the same after a clean shutdown and after a crash; the `abort` marker only
//! tells which one it was (for the log). It is bounded by the checkpoint:
//!
//! 1. **CommitLog scan.** Start at the segment holding the checkpoint's durable offset (the
//!    first segment without a checkpoint). Validate every record from there: body CRC
//!    (`checkCRCOnRecover`), lengths that add up, and a physical-offset field equal to the
//!    record's position (so stale bytes beyond an earlier truncation can never pass). The log
//!    ends at the first failure; everything after it is removed and the tail zeroed. As the
//!    scan passes each valid segment it syncs it and checkpoints that point, so a kill during
//!    recovery resumes there instead of starting over.
//! 2. **ConsumeQueues** are trusted only as far as they agree with the CommitLog: trailing
//!    entries that point past its end, or at a record of another queue or offset, are dropped.
//!    A queue the checkpoint lists but that is missing or shorter on disk is rebuilt.
//! 3. **Replay.** Records from the checkpoint's dispatched offset (or from the earliest damaged
//!    queue's last good record, or from the start without a checkpoint) are dispatched again;
//!    entries already present are skipped. Progress is checkpointed per segment.
//!
//! When `open` returns, the ConsumeQueues cover the whole CommitLog and the next queue offsets
//! equal their ends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::checkpoint::Checkpoint;
use crate::commitlog::CommitLog;
use crate::config::StoreConfig;
use crate::consume_queue::ConsumeQueue;
use crate::error::{Error, Result};
use crate::flush::{GroupCommit, Signal};
use crate::fs::FileSystem;
use crate::record::RecordView;
use crate::segment::SegmentQueue;
use crate::services;
use crate::store::{validate_topic, DefaultMessageStore, Inner, QueueMap};

fn physical_memory() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let (pages, page) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    if pages > 0 && page > 0 {
        pages as u64 * page as u64
    } else {
        8 << 30
    }
}

fn load_queues(fs: &Arc<dyn FileSystem>, config: &StoreConfig) -> Result<QueueMap> {
    let root = config.consume_queue_dir();
    let mut map = QueueMap::new();
    let list = |p: &std::path::Path| {
        fs.list_dir(p)
            .map_err(|e| Error::io(format!("listing {}", p.display()), e))
    };
    for topic in list(&root)? {
        let tdir = root.join(&topic);
        if !fs.is_dir(&tdir) {
            continue;
        }
        if validate_topic(&topic).is_err() {
            tracing::warn!(dir = %tdir.display(), "ignoring ConsumeQueue directory with an invalid topic name");
            continue;
        }
        for qid in list(&tdir)? {
            let Ok(id) = qid.parse::<i32>() else {
                tracing::warn!(dir = %tdir.display(), entry = %qid, "ignoring unexpected entry");
                continue;
            };
            if id < 0 || id.to_string() != qid {
                continue;
            }
            let q = ConsumeQueue::open(
                fs.clone(),
                tdir.join(&qid),
                topic.clone(),
                id,
                config.mapped_file_size_consume_queue,
            )?;
            map.entry(topic.clone())
                .or_default()
                .insert(id, Arc::new(q));
        }
    }
    Ok(map)
}

pub(crate) fn open(config: StoreConfig, fs: Arc<dyn FileSystem>) -> Result<DefaultMessageStore> {
    config.validate()?;
    let root = config.store_path_root_dir.clone();
    fs.create_dir_all(&root)
        .map_err(|e| Error::io(format!("creating {}", root.display()), e))?;
    let dir_lock = fs.lock(&root.join("lock")).map_err(|e| {
        if e.kind() == std::io::ErrorKind::WouldBlock {
            Error::Locked(root.clone())
        } else {
            Error::io("locking the store directory", e)
        }
    })?;
    let clean_exit = !fs.exists(&root.join("abort"));
    let ckpt = Checkpoint::load(fs.as_ref(), &root.join("checkpoint"));
    let segments = SegmentQueue::load(
        fs.clone(),
        config.commit_log_dir(),
        config.mapped_file_size_commit_log,
    )?;
    let queues = load_queues(&fs, &config)?;
    let inner = Arc::new(Inner {
        commitlog: CommitLog::new(segments),
        queues: RwLock::new(queues),
        listeners: RwLock::new(Vec::new()),
        dispatched: AtomicU64::new(0),
        logics_timestamp: AtomicI64::new(ckpt.as_ref().map_or(0, |c| c.logics_msg_timestamp)),
        group_commit: GroupCommit::default(),
        dispatch_signal: Signal::default(),
        service_signal: Signal::default(),
        shutting_down: AtomicBool::new(false),
        poisoned: Mutex::new(None),
        is_poisoned: AtomicBool::new(false),
        disk_full: AtomicBool::new(false),
        disk_used_percent: Mutex::new(0.0),
        last_checkpoint: Mutex::new(None),
        dir_lock: Mutex::new(Some(dir_lock)),
        memory_bytes: physical_memory(),
        index: if config.message_index_enable {
            Some(crate::index::IndexService::load(
                fs.clone(),
                config.store_path_root_dir.join("index"),
                config.max_hash_slot_num,
                config.max_index_num,
            )?)
        } else {
            None
        },
        ha_master: (config.broker_role != crate::config::BrokerRole::Slave)
            .then(crate::ha::HaMaster::default),
        ha_master_addr: Mutex::new(config.ha_master_address.clone()),
        ha_signal: Signal::default(),
        delay_levels: crate::schedule::DelayLevels::parse(&config.message_delay_level)?,
        level_progress: crate::schedule::LevelProgress::default(),
        timer: crate::schedule::TimerWheel::default(),
        config,
        fs,
    });
    recover(&inner, ckpt, clean_exit)?;
    crate::services::load_schedule_state(&inner)?;
    inner
        .fs
        .write_file_atomic(&inner.abort_path(), b"")
        .map_err(|e| Error::io("creating abort file", e))?;
    inner.checkpoint()?;
    inner.check_disk();
    let threads = services::start(&inner)?;
    Ok(DefaultMessageStore {
        inner,
        threads: Mutex::new(threads),
    })
}

fn recover(inner: &Inner, ckpt: Option<Checkpoint>, clean_exit: bool) -> Result<()> {
    let cl = &inner.commitlog;
    let fs = inner.fs.as_ref();
    let file_size = inner.config.mapped_file_size_commit_log;
    let cl_min = cl.segments.first().map_or(0, |s| s.base());
    let start = match &ckpt {
        Some(c) => (c.flushed_offset / file_size * file_size).max(cl_min),
        None => cl_min,
    };
    tracing::info!(
        root = %inner.config.store_path_root_dir.display(),
        clean_exit,
        checkpoint = ckpt.is_some(),
        from = start,
        "recovering store"
    );

    // 1. CommitLog scan, checkpointing progress per verified segment.
    let mut progress = ckpt.clone().unwrap_or(Checkpoint {
        dispatched_offset: cl_min,
        ..Checkpoint::default()
    });
    let ckpt_path = inner.checkpoint_path();
    let scan = cl.scan(start, inner.config.check_crc_on_recover, |boundary| {
        cl.segments
            .sync_range(boundary.saturating_sub(file_size), boundary)
            .map_err(|e| Error::io("syncing recovered CommitLog file", e))?;
        progress.flushed_offset = boundary;
        progress
            .store(fs, &ckpt_path)
            .map_err(|e| Error::io("checkpointing recovery progress", e))
    })?;
    let end = scan.process_offset;
    if let Some((at, reason)) = &scan.stopped {
        tracing::warn!(offset = at, %reason, "CommitLog ends in a torn or corrupt record; truncating");
    }
    cl.truncate(end)?;
    // What the scan verified may still be only in the page cache (after a process crash):
    // make it durable before any checkpoint claims it.
    cl.segments
        .sync_range(start, end)
        .map_err(|e| Error::io("syncing recovered CommitLog", e))?;
    cl.set_recovered_end(end, HashMap::new());
    let cl_min = cl.min_offset();

    // 2. ConsumeQueues agree with the CommitLog, or lose their tails.
    for q in inner.all_queues() {
        verify_tail(cl, &q, cl_min, end)?;
    }

    // 3. Replay from the earliest point any queue needs.
    let mut reput = match &ckpt {
        Some(c) => c.dispatched_offset.min(end),
        None => cl_min,
    };
    if let Some(c) = &ckpt {
        for (topic, qid, recorded) in &c.queues {
            match inner.queue(topic, *qid) {
                None => {
                    tracing::warn!(topic = %topic, queue = qid, "ConsumeQueue missing; rebuilding it from the CommitLog");
                    reput = cl_min;
                }
                Some(q) if q.max_offset() < *recorded => {
                    let from = q
                        .last_entry()
                        .filter(|(_, e)| !e.is_blank())
                        .map_or(cl_min, |(_, e)| e.physical_offset as u64 + e.size as u64);
                    tracing::warn!(topic = %topic, queue = qid, on_disk = q.max_offset(), recorded,
                        "ConsumeQueue shorter than checkpointed; rebuilding its tail");
                    reput = reput.min(from);
                }
                Some(_) => {}
            }
        }
    }
    let mut off = reput.max(cl_min);
    // The index is derived data too: when it is missing or behind the ConsumeQueues, rebuild
    // it from the CommitLog up to where the normal replay starts.
    if let Some(index) = &inner.index {
        let indexed = index.end_phy();
        let mut from = if indexed < 0 {
            cl_min
        } else {
            (indexed as u64).max(cl_min)
        };
        if from < off {
            tracing::info!(
                from,
                to = off,
                "rebuilding the message index from the CommitLog"
            );
            while from < off {
                let seg_end = cl.segments.find(from).map_or(off, |s| s.end()).min(off);
                let to = inner.dispatch_range_with(from, seg_end, true);
                if to == from {
                    return Err(Error::io(
                        "rebuilding the message index",
                        std::io::Error::other("an index file could not be written; see the log"),
                    ));
                }
                from = to;
            }
        }
    }
    while off < end {
        let seg_end = cl.segments.find(off).map_or(end, |s| s.end()).min(end);
        let to = inner.dispatch_range(off, seg_end);
        if to == off {
            return Err(Error::io(
                "rebuilding ConsumeQueues",
                std::io::Error::other("a ConsumeQueue could not be written; see the log"),
            ));
        }
        off = to;
        inner.dispatched.store(off, Ordering::Release);
        inner.checkpoint()?;
    }
    inner.dispatched.store(end, Ordering::Release);

    // Next queue offsets continue where the queues end.
    let mut table: HashMap<String, HashMap<i32, i64>> = HashMap::new();
    for q in inner.all_queues() {
        q.correct_min_offset(cl_min);
        table
            .entry(q.topic.clone())
            .or_default()
            .insert(q.queue_id, q.max_offset());
    }
    cl.set_recovered_end(end, table);
    tracing::info!(end, queues = inner.all_queues().len(), "store recovered");
    Ok(())
}

/// Drop trailing ConsumeQueue entries that do not agree with the CommitLog.
fn verify_tail(cl: &CommitLog, q: &ConsumeQueue, cl_min: u64, end: u64) -> Result<()> {
    let mut keep = q.max_offset();
    let min = q.min_offset();
    while keep > min {
        let idx = keep - 1;
        let Some(e) = q.entry(idx) else { break };
        if e.is_blank() {
            break;
        }
        let phys = e.physical_offset as u64;
        let size = e.size as usize;
        let agrees = if phys.saturating_add(size as u64) > end {
            false
        } else if phys < cl_min {
            true // the record is gone to retention; nothing to compare with
        } else {
            cl.with_slice(phys, size, |b| {
                RecordView::decode(b, false).is_ok_and(|r| {
                    r.total_size == size
                        && r.fields.topic == q.topic
                        && r.fields.queue_id == q.queue_id
                        && r.fields.queue_offset == idx
                })
            })
            .unwrap_or(false)
        };
        if agrees {
            break;
        }
        keep = idx;
    }
    if keep < q.max_offset() {
        tracing::warn!(topic = %q.topic, queue = q.queue_id, from = keep, to = q.max_offset(),
            "ConsumeQueue entries disagree with the CommitLog; truncating");
        q.truncate(keep)?;
    }
    Ok(())
}
