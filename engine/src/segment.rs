//! Fixed-size mapped segment files and the ordered queue of them (RocketMQ's `MappedFile` and
//! `MappedFileQueue`), shared by the CommitLog and the ConsumeQueues.
//!
//! Invariants that make the unsafe reads and writes sound:
//! * each queue has exactly one writer at a time (the CommitLog's append lock, a
//!   ConsumeQueue's dispatcher), and it writes only at or beyond the queue's published end;
//! * readers only touch ranges below the published end, which is stored with `Release` after
//!   the bytes are written and loaded with `Acquire` before they are read;
//! * a segment's mapping lives as long as any `Arc<Segment>` (and any [`bytes::Bytes`] cut from
//!   it), so deleting a file never pulls memory from under a reader.
//!
//! Recovery (which truncates) runs before any reader exists.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::fs::{FileSystem, MappedFile};

/// One mapped file covering `[base, base + size)` of its queue's offset space.
pub(crate) struct Segment {
    base: u64,
    size: u64,
    path: PathBuf,
    file: Box<dyn MappedFile>,
}

impl Segment {
    pub(crate) fn base(&self) -> u64 {
        self.base
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    pub(crate) fn end(&self) -> u64 {
        self.base + self.size
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn check(&self, pos: usize, len: usize) -> bool {
        pos.checked_add(len).is_some_and(|e| e as u64 <= self.size)
    }

    /// Copy `data` into the mapping at `pos` (relative to the segment).
    ///
    /// # Safety
    /// The caller is the queue's single writer and no reader can observe `[pos, pos+len)`
    /// (it is beyond the published end).
    pub(crate) unsafe fn write(&self, pos: usize, data: &[u8]) {
        debug_assert!(self.check(pos, data.len()));
        if !self.check(pos, data.len()) {
            return;
        }
        std::ptr::copy_nonoverlapping(
            data.as_ptr(),
            self.file.map().as_mut_ptr().add(pos),
            data.len(),
        );
    }

    /// Borrow `len` bytes at `pos`, or `None` if out of range.
    ///
    /// # Safety
    /// The range must be published (fully written and not written again while borrowed).
    pub(crate) unsafe fn slice(&self, pos: usize, len: usize) -> Option<&[u8]> {
        if !self.check(pos, len) {
            return None;
        }
        Some(std::slice::from_raw_parts(
            self.file.map().as_ptr().add(pos),
            len,
        ))
    }

    /// A zero-copy [`Bytes`] of a published range; it keeps the mapping alive.
    ///
    /// # Safety
    /// As for [`Segment::slice`], and the range must never be written again while the store
    /// runs (true for CommitLog records below the published end).
    pub(crate) unsafe fn bytes(self: &Arc<Self>, pos: usize, len: usize) -> Option<Bytes> {
        if !self.check(pos, len) {
            return None;
        }
        Some(Bytes::from_owner(SegmentSlice {
            segment: self.clone(),
            pos,
            len,
        }))
    }

    /// Make `[from, to)` (relative) durable.
    pub(crate) fn sync(&self, from: usize, to: usize) -> std::io::Result<()> {
        if to <= from {
            return Ok(());
        }
        self.file.sync(from, to - from)
    }

    /// Zero `[from, size)` durably; recovery uses it so stale bytes past a truncation point
    /// can never be mistaken for records later.
    ///
    /// # Safety
    /// No reader or other writer may exist (recovery only).
    pub(crate) unsafe fn zero_from(&self, from: usize) -> std::io::Result<()> {
        let size = self.size as usize;
        if from >= size {
            return Ok(());
        }
        self.file.zero(from, size - from)
    }
}

struct SegmentSlice {
    segment: Arc<Segment>,
    pos: usize,
    len: usize,
}

impl AsRef<[u8]> for SegmentSlice {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: checked in `Segment::bytes`; the range is immutable and the Arc keeps the
        // mapping alive.
        unsafe {
            std::slice::from_raw_parts(self.segment.file.map().as_ptr().add(self.pos), self.len)
        }
    }
}

/// Pre-fault every page of a new file for writing, so appends do not pay for page faults
/// (on ext4 the first write to a preallocated page costs ~15 µs). Each byte is written back
/// with its own value, so content is never changed.
pub(crate) fn warm(file: &dyn MappedFile) {
    let map = file.map();
    let ptr = map.as_mut_ptr();
    let mut pos = 0;
    while pos < map.len() {
        // SAFETY: in bounds; the file is not yet visible to any reader or writer.
        unsafe {
            let p = ptr.add(pos);
            std::ptr::write_volatile(p, std::ptr::read_volatile(p));
        }
        pos += 4096;
    }
}

/// File name of a segment: its base offset as 20 zero-padded decimal digits.
pub(crate) fn segment_name(base: u64) -> String {
    format!("{base:020}")
}

/// The ordered segments of one directory.
pub(crate) struct SegmentQueue {
    dir: PathBuf,
    file_size: u64,
    fs: Arc<dyn FileSystem>,
    segments: RwLock<Vec<Arc<Segment>>>,
}

impl SegmentQueue {
    /// Open every segment file in `dir` (creating the directory). Names that are not 20-digit
    /// offsets aligned to the file size are ignored with a warning; short files are extended
    /// with zeros (recovery decides what is valid).
    pub(crate) fn load(fs: Arc<dyn FileSystem>, dir: PathBuf, file_size: u64) -> Result<Self> {
        fs.create_dir_all(&dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let mut bases = Vec::new();
        for name in fs
            .list_dir(&dir)
            .map_err(|e| Error::io(format!("listing {}", dir.display()), e))?
        {
            match name.parse::<u64>() {
                Ok(base) if name.len() == 20 && base % file_size == 0 => bases.push(base),
                _ => {
                    if !name.ends_with(".tmp") {
                        tracing::warn!(dir = %dir.display(), file = %name, "ignoring unexpected file");
                    }
                }
            }
        }
        bases.sort_unstable();
        let mut segments = Vec::with_capacity(bases.len());
        for base in bases {
            let path = dir.join(segment_name(base));
            let file = fs.open_mapped(&path, file_size, false).map_err(|e| {
                if e.kind() == std::io::ErrorKind::InvalidData {
                    Error::Corrupt {
                        file: path.clone(),
                        offset: 0,
                        reason: e.to_string(),
                    }
                } else {
                    Error::io(format!("opening {}", path.display()), e)
                }
            })?;
            segments.push(Arc::new(Segment {
                base,
                size: file_size,
                path,
                file,
            }));
        }
        Ok(SegmentQueue {
            dir,
            file_size,
            fs,
            segments: RwLock::new(segments),
        })
    }

    pub(crate) fn file_size(&self) -> u64 {
        self.file_size
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<Segment>>> {
        self.segments.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Arc<Segment>>> {
        self.segments.write().unwrap_or_else(|e| e.into_inner())
    }

    /// All segments, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<Arc<Segment>> {
        self.read().clone()
    }

    pub(crate) fn first(&self) -> Option<Arc<Segment>> {
        self.read().first().cloned()
    }

    pub(crate) fn len(&self) -> usize {
        self.read().len()
    }

    /// The segment containing `offset`.
    pub(crate) fn find(&self, offset: u64) -> Option<Arc<Segment>> {
        let segs = self.read();
        let i = segs.partition_point(|s| s.base <= offset);
        let s = segs.get(i.checked_sub(1)?)?;
        (offset < s.end()).then(|| s.clone())
    }

    /// Create the segment starting at `base` (which must follow the last one).
    pub(crate) fn create(&self, base: u64) -> Result<Arc<Segment>> {
        let file = self.open_new(base)?;
        Ok(self.install(base, file))
    }

    /// Create the file for the segment at `base` without adding it to the queue.
    pub(crate) fn open_new(&self, base: u64) -> Result<Box<dyn MappedFile>> {
        let path = self.dir.join(segment_name(base));
        self.fs
            .open_mapped(&path, self.file_size, true)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::StorageFull {
                    Error::DiskFull(format!("cannot create {}: {e}", path.display()))
                } else {
                    Error::io(format!("creating {}", path.display()), e)
                }
            })
    }

    /// Delete the file of a segment that was opened with [`SegmentQueue::open_new`] but never
    /// installed.
    pub(crate) fn discard(&self, base: u64) {
        let path = self.dir.join(segment_name(base));
        if let Err(e) = self.fs.remove_file(&path) {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove unused segment file");
        }
    }

    /// Add a file opened with [`SegmentQueue::open_new`] as the segment at `base`.
    pub(crate) fn install(&self, base: u64, file: Box<dyn MappedFile>) -> Arc<Segment> {
        let path = self.dir.join(segment_name(base));
        let seg = Arc::new(Segment {
            base,
            size: self.file_size,
            path,
            file,
        });
        let mut segs = self.write();
        segs.retain(|s| s.base != base);
        segs.push(seg.clone());
        segs.sort_by_key(|s| s.base);
        seg
    }

    /// Delete segments entirely at or beyond `offset` and (with `zero`) zero the containing
    /// segment from `offset` on. Recovery only.
    pub(crate) fn truncate(&self, offset: u64, zero: bool) -> Result<()> {
        let mut segs = self.write();
        while let Some(last) = segs.last() {
            if last.base < offset {
                break;
            }
            let last = segs.pop().expect("checked non-empty");
            self.fs
                .remove_file(&last.path)
                .map_err(|e| Error::io(format!("removing {}", last.path.display()), e))?;
        }
        if let Some(last) = segs.last() {
            if zero && offset < last.end() {
                // SAFETY: recovery runs before readers and writers exist.
                unsafe { last.zero_from((offset - last.base) as usize) }
                    .map_err(|e| Error::io(format!("zeroing {}", last.path.display()), e))?;
            }
        }
        Ok(())
    }

    /// Remove the oldest segment from the queue and delete its file. Readers that hold it
    /// keep their mapping until they drop it.
    pub(crate) fn delete_first(&self) -> Result<Option<Arc<Segment>>> {
        let seg = {
            let mut segs = self.write();
            if segs.is_empty() {
                return Ok(None);
            }
            segs.remove(0)
        };
        self.fs
            .remove_file(&seg.path)
            .map_err(|e| Error::io(format!("deleting {}", seg.path.display()), e))?;
        Ok(Some(seg))
    }

    /// Delete every segment and the directory.
    pub(crate) fn destroy(&self) -> Result<()> {
        self.write().clear();
        self.fs
            .remove_dir_all(&self.dir)
            .map_err(|e| Error::io(format!("removing {}", self.dir.display()), e))
    }

    /// Sync `[from, to)` of the queue's offset space.
    pub(crate) fn sync_range(&self, from: u64, to: u64) -> std::io::Result<()> {
        if to <= from {
            return Ok(());
        }
        for seg in self.snapshot() {
            if seg.end() <= from || seg.base >= to {
                continue;
            }
            let a = from.max(seg.base) - seg.base;
            let b = to.min(seg.end()) - seg.base;
            seg.sync(a as usize, b as usize)?;
        }
        Ok(())
    }
}
