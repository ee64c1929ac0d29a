//! ConsumeQueue: the per-(topic, queue id) index of the CommitLog (spec §5).
//!
//! Entry `n` (the queue offset) is 20 bytes at byte `n × 20` of the queue's files: physical
//! offset (i64), size (i32), tags code (i64). Files hold `mappedFileSizeConsumeQueue` bytes and
//! are named by the byte offset of their first entry. The dispatcher is the only writer; it
//! publishes `write_pos` after each entry, and readers look only below it.
//!
//! A blank entry (physical offset 0, size `i32::MAX`) fills positions that have no message: the
//! part of a first file before the queue's first offset, or a gap.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::fs::FileSystem;
use crate::segment::SegmentQueue;
use crate::util::lock;

/// Bytes per entry (`CQ_STORE_UNIT_SIZE`).
pub const CQ_ENTRY_SIZE: u64 = 20;
const BLANK_SIZE: i32 = i32::MAX;

/// One ConsumeQueue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CqEntry {
    /// CommitLog offset of the record.
    pub physical_offset: i64,
    /// Record size in bytes.
    pub size: i32,
    /// Tags code (Java hash of TAGS, or a delivery time for the schedule topic).
    pub tags_code: i64,
}

impl CqEntry {
    /// The 20-byte stored form.
    pub fn encode(&self) -> [u8; 20] {
        let mut b = [0u8; 20];
        b[..8].copy_from_slice(&self.physical_offset.to_be_bytes());
        b[8..12].copy_from_slice(&self.size.to_be_bytes());
        b[12..].copy_from_slice(&self.tags_code.to_be_bytes());
        b
    }

    /// Parse the 20-byte stored form.
    pub fn decode(b: &[u8; 20]) -> Self {
        let mut p = [0u8; 8];
        p.copy_from_slice(&b[..8]);
        let mut s = [0u8; 4];
        s.copy_from_slice(&b[8..12]);
        let mut t = [0u8; 8];
        t.copy_from_slice(&b[12..]);
        CqEntry {
            physical_offset: i64::from_be_bytes(p),
            size: i32::from_be_bytes(s),
            tags_code: i64::from_be_bytes(t),
        }
    }

    /// A blank filler entry.
    pub(crate) fn blank() -> Self {
        CqEntry {
            physical_offset: 0,
            size: BLANK_SIZE,
            tags_code: 0,
        }
    }

    /// Whether this is a filler entry rather than a message.
    pub fn is_blank(&self) -> bool {
        self.size == BLANK_SIZE
    }

    /// Valid as spec §7.5 defines it: a non-negative offset and a positive size.
    fn is_valid(&self) -> bool {
        self.physical_offset >= 0 && self.size > 0
    }
}

pub(crate) struct ConsumeQueue {
    pub(crate) topic: String,
    pub(crate) queue_id: i32,
    segments: SegmentQueue,
    /// Published end in bytes.
    write_pos: AtomicU64,
    /// Byte position of the first entry that is still a message.
    min_pos: AtomicU64,
    flushed_pos: AtomicU64,
    writer: Mutex<()>,
}

impl ConsumeQueue {
    /// Open the queue's files and find the end of its valid entries (spec §7.5).
    pub(crate) fn open(
        fs: Arc<dyn FileSystem>,
        dir: PathBuf,
        topic: String,
        queue_id: i32,
        file_size: u64,
    ) -> Result<Self> {
        let segments = SegmentQueue::load(fs, dir, file_size)?;
        let cq = ConsumeQueue {
            topic,
            queue_id,
            segments,
            write_pos: AtomicU64::new(0),
            min_pos: AtomicU64::new(0),
            flushed_pos: AtomicU64::new(0),
            writer: Mutex::new(()),
        };
        cq.recover_end()?;
        Ok(cq)
    }

    fn recover_end(&self) -> Result<()> {
        let segs = self.segments.snapshot();
        let Some(first) = segs.first() else {
            return Ok(());
        };
        let start_idx = segs.len().saturating_sub(3);
        let mut end = segs[start_idx].base();
        // Zeros after the last entry are the normal end; anything else is garbage to clear.
        let mut garbage = false;
        'files: for (i, seg) in segs.iter().enumerate().skip(start_idx) {
            if seg.base() != end {
                break; // a missing file: everything after it is unreachable
            }
            let mut pos = 0;
            while pos + CQ_ENTRY_SIZE <= seg.size() {
                // SAFETY: recovery runs before readers and writers.
                let raw = unsafe { seg.slice(pos as usize, 20) };
                let e = match raw.and_then(|r| <&[u8; 20]>::try_from(r).ok()) {
                    Some(r) => CqEntry::decode(r),
                    None => break 'files,
                };
                if !e.is_valid() {
                    end = seg.base() + pos;
                    garbage = raw.is_some_and(|r| r.iter().any(|&b| b != 0));
                    break 'files;
                }
                pos += CQ_ENTRY_SIZE;
            }
            end = seg.end();
            if i + 1 == segs.len() {
                break;
            }
        }
        self.segments.truncate(end, garbage)?;
        self.write_pos.store(end, Ordering::Release);
        self.flushed_pos.store(end, Ordering::Release);
        self.min_pos.store(first.base(), Ordering::Release);
        Ok(())
    }

    /// Next queue offset to be written.
    pub(crate) fn max_offset(&self) -> i64 {
        (self.write_pos.load(Ordering::Acquire) / CQ_ENTRY_SIZE) as i64
    }

    /// First queue offset still holding a message.
    pub(crate) fn min_offset(&self) -> i64 {
        (self.min_pos.load(Ordering::Acquire) / CQ_ENTRY_SIZE) as i64
    }

    /// Entry at queue offset `index`, if written.
    pub(crate) fn entry(&self, index: i64) -> Option<CqEntry> {
        let pos = u64::try_from(index).ok()?.checked_mul(CQ_ENTRY_SIZE)?;
        if pos + CQ_ENTRY_SIZE > self.write_pos.load(Ordering::Acquire) {
            return None;
        }
        let seg = self.segments.find(pos)?;
        // SAFETY: below the published end.
        let raw = unsafe { seg.slice((pos - seg.base()) as usize, 20)? };
        Some(CqEntry::decode(raw.try_into().ok()?))
    }

    /// The last written entry and its index.
    pub(crate) fn last_entry(&self) -> Option<(i64, CqEntry)> {
        let i = self.max_offset() - 1;
        Some((i, self.entry(i)?))
    }

    fn write_at(&self, pos: u64, e: &CqEntry) -> Result<()> {
        let seg = match self.segments.find(pos) {
            Some(s) => s,
            None => self
                .segments
                .create(pos - pos % self.segments.file_size())?,
        };
        // SAFETY: the dispatcher is the only writer (it holds `writer`) and `pos` is at the
        // unpublished end.
        unsafe { seg.write((pos - seg.base()) as usize, &e.encode()) };
        self.write_pos.store(pos + CQ_ENTRY_SIZE, Ordering::Release);
        Ok(())
    }

    /// Write the entry for queue offset `index`. An entry already present is skipped
    /// (re-dispatch after recovery); a gap is filled with blank entries. Returns whether the
    /// entry was written.
    pub(crate) fn put(&self, index: i64, e: CqEntry) -> Result<bool> {
        let _w = lock(&self.writer);
        let Ok(index) = u64::try_from(index) else {
            return Err(Error::InvalidArgument(format!(
                "negative queue offset {index}"
            )));
        };
        let target = index * CQ_ENTRY_SIZE;
        let mut pos = self.write_pos.load(Ordering::Acquire);
        if target < pos {
            return Ok(false);
        }
        if self.segments.len() == 0 && target > 0 {
            // A queue whose first entries are gone (rebuilt after retention): start its first
            // file at the file holding `index`, blank before it.
            pos = target - target % self.segments.file_size();
            self.min_pos.store(target, Ordering::Release);
            self.write_pos.store(pos, Ordering::Release);
        } else if target > pos {
            tracing::warn!(topic = %self.topic, queue = self.queue_id, expected = pos / CQ_ENTRY_SIZE,
                got = index, "gap in ConsumeQueue, filling with blank entries");
        }
        while pos < target {
            self.write_at(pos, &CqEntry::blank())?;
            pos += CQ_ENTRY_SIZE;
        }
        self.write_at(target, &e)?;
        Ok(true)
    }

    /// Drop entries from queue offset `index` on (recovery only).
    pub(crate) fn truncate(&self, index: i64) -> Result<()> {
        let pos = (index.max(0) as u64) * CQ_ENTRY_SIZE;
        if pos >= self.write_pos.load(Ordering::Acquire) {
            return Ok(());
        }
        self.segments.truncate(pos, true)?;
        self.write_pos.store(pos, Ordering::Release);
        self.flushed_pos.store(pos, Ordering::Release);
        if self.min_pos.load(Ordering::Acquire) > pos {
            self.min_pos.store(pos, Ordering::Release);
        }
        Ok(())
    }

    /// Make written entries durable.
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        let to = self.write_pos.load(Ordering::Acquire);
        let from = self.flushed_pos.load(Ordering::Acquire).min(to);
        if to > from {
            self.segments.sync_range(from, to)?;
            self.flushed_pos.store(to, Ordering::Release);
        }
        Ok(())
    }

    /// Move the min offset to the first message entry whose record is at or above
    /// `commitlog_min`.
    pub(crate) fn correct_min_offset(&self, commitlog_min: u64) {
        let end = self.write_pos.load(Ordering::Acquire);
        let mut pos = self
            .segments
            .first()
            .map_or(0, |s| s.base())
            .max(self.min_pos.load(Ordering::Acquire));
        while pos < end {
            match self.entry((pos / CQ_ENTRY_SIZE) as i64) {
                Some(e) if !e.is_blank() && e.physical_offset as u64 >= commitlog_min => break,
                Some(_) => pos += CQ_ENTRY_SIZE,
                None => break,
            }
        }
        self.min_pos.store(pos, Ordering::Release);
    }

    /// Delete files whose every entry points below `commitlog_min` (never the last file).
    /// Returns how many were deleted.
    pub(crate) fn delete_expired(&self, commitlog_min: u64) -> Result<usize> {
        let mut deleted = 0;
        while self.segments.len() > 1 {
            let Some(first) = self.segments.first() else {
                break;
            };
            let last_entry_pos = first.end() - CQ_ENTRY_SIZE;
            let e = self.entry((last_entry_pos / CQ_ENTRY_SIZE) as i64);
            match e {
                Some(e) if e.is_blank() || (e.physical_offset as u64) < commitlog_min => {
                    self.segments.delete_first()?;
                    deleted += 1;
                }
                _ => break,
            }
        }
        self.correct_min_offset(commitlog_min);
        Ok(deleted)
    }

    /// Remove the queue's files.
    pub(crate) fn destroy(&self) -> Result<()> {
        self.segments.destroy()
    }
}
