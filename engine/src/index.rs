//! The message key index (spec §6): hash index files under `index/`.
//!
//! Layout per file: a 40-byte header (begin/end timestamp, begin/end physical offset, used
//! slots, next entry number starting at 1), `maxHashSlotNum` 4-byte slots holding the newest
//! entry number of their chain, then `maxIndexNum` 20-byte entries (key hash, physical offset,
//! seconds since the file's begin timestamp, previous entry number). Keys are `topic#UNIQ_KEY`
//! and `topic#k` for each space-separated `k` of `KEYS`.
//!
//! The dispatcher is the only writer. It writes an entry, then publishes it by storing its
//! number in the slot and the new entry count in the header (Release); queries read slots and
//! the count with Acquire, so they only follow complete entries. Header words and slots are
//! accessed as atomics over the mapping (they are naturally aligned; values are big-endian as
//! on disk). Hits are only candidates: the store re-reads each record and checks its key, which
//! filters hash collisions and anything a crash left half written.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::error::{Error, Result};
use crate::fs::{FileSystem, MappedFile};
use crate::record::java_hash;
use crate::util::lock;

const HEADER: usize = 40;
const ENTRY: usize = 20;

struct IndexFile {
    path: PathBuf,
    file: Box<dyn MappedFile>,
    slots: u32,
    entries: u32,
}

fn file_len(slots: u32, entries: u32) -> u64 {
    HEADER as u64 + u64::from(slots) * 4 + u64::from(entries) * ENTRY as u64
}

impl IndexFile {
    fn ptr(&self) -> *mut u8 {
        self.file.map().as_mut_ptr()
    }

    fn i64_at(&self, pos: usize) -> &AtomicI64 {
        // SAFETY: `pos` is one of the 8-aligned header words of a page-aligned mapping that
        // lives as long as `self`; all access to it is atomic.
        unsafe { AtomicI64::from_ptr(self.ptr().add(pos).cast()) }
    }

    fn i32_at(&self, pos: usize) -> &AtomicI32 {
        // SAFETY: header words 32/36 and slots (40 + 4s) are 4-aligned and in bounds; all
        // access to them is atomic.
        unsafe { AtomicI32::from_ptr(self.ptr().add(pos).cast()) }
    }

    fn get64(&self, pos: usize) -> i64 {
        i64::from_be(self.i64_at(pos).load(Ordering::Acquire))
    }

    fn set64(&self, pos: usize, v: i64) {
        self.i64_at(pos).store(v.to_be(), Ordering::Release);
    }

    fn get32(&self, pos: usize) -> i32 {
        i32::from_be(self.i32_at(pos).load(Ordering::Acquire))
    }

    fn set32(&self, pos: usize, v: i32) {
        self.i32_at(pos).store(v.to_be(), Ordering::Release);
    }

    fn begin_ts(&self) -> i64 {
        self.get64(0)
    }
    fn end_ts(&self) -> i64 {
        self.get64(8)
    }
    fn end_phy(&self) -> i64 {
        self.get64(24)
    }
    fn count(&self) -> i32 {
        self.get32(36)
    }

    fn slot_pos(&self, hash: i32) -> usize {
        HEADER + (hash as u32 % self.slots) as usize * 4
    }

    fn entry_pos(&self, n: i32) -> usize {
        HEADER + self.slots as usize * 4 + n as usize * ENTRY
    }

    fn is_full(&self) -> bool {
        self.count() as u32 >= self.entries
    }

    /// Add one key (the writer only).
    fn put(&self, hash: i32, phys: i64, store_ts: i64) {
        let count = self.count().max(1);
        let slot = self.slot_pos(hash);
        let mut prev = self.get32(slot);
        if prev <= 0 || prev > count {
            prev = 0;
        }
        if count <= 1 {
            self.set64(0, store_ts);
            self.set64(16, phys);
        }
        let begin = self.begin_ts();
        let diff = if begin <= 0 {
            0
        } else {
            ((store_ts - begin) / 1000).clamp(0, i64::from(i32::MAX)) as i32
        };
        let mut e = [0u8; ENTRY];
        e[..4].copy_from_slice(&hash.to_be_bytes());
        e[4..12].copy_from_slice(&phys.to_be_bytes());
        e[12..16].copy_from_slice(&diff.to_be_bytes());
        e[16..].copy_from_slice(&prev.to_be_bytes());
        // SAFETY: entry `count` is below `entries` (checked by the caller via `is_full`) and
        // unpublished; only this writer touches it.
        unsafe {
            std::ptr::copy_nonoverlapping(e.as_ptr(), self.ptr().add(self.entry_pos(count)), ENTRY)
        };
        self.set32(slot, count);
        if prev == 0 {
            self.set32(32, self.get32(32) + 1);
        }
        self.set64(8, store_ts);
        self.set64(24, phys);
        self.set32(36, count + 1);
    }

    /// Physical offsets of entries with `hash` stored within [begin, end] (ms), newest first.
    fn find(&self, hash: i32, begin: i64, end: i64, max: usize, out: &mut Vec<i64>) {
        let count = self.count();
        let base = self.begin_ts();
        let mut n = self.get32(self.slot_pos(hash));
        let mut steps = 0;
        while n > 0 && n < count && out.len() < max && steps < count {
            steps += 1;
            let mut e = [0u8; ENTRY];
            // SAFETY: entry `n` < count was published before the slot/count we read.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.ptr().add(self.entry_pos(n)),
                    e.as_mut_ptr(),
                    ENTRY,
                )
            };
            let key_hash = i32::from_be_bytes([e[0], e[1], e[2], e[3]]);
            let phys = i64::from_be_bytes(e[4..12].try_into().unwrap_or([0; 8]));
            let diff = i32::from_be_bytes([e[12], e[13], e[14], e[15]]);
            let prev = i32::from_be_bytes([e[16], e[17], e[18], e[19]]);
            let time = base + i64::from(diff) * 1000;
            if time < begin {
                break;
            }
            if key_hash == hash && time <= end {
                out.push(phys);
            }
            if prev <= 0 || prev >= n {
                break;
            }
            n = prev;
        }
    }
}

/// The key hash of spec §6.2: |Java hash|, `i32::MIN` mapped to 0.
pub(crate) fn key_hash(key: &str) -> i32 {
    let h = java_hash(key);
    if h == i32::MIN {
        0
    } else {
        h.abs()
    }
}

/// Local time as `yyyyMMddHHmmssSSS`.
fn file_name(ms: i64) -> String {
    let secs = ms.div_euclid(1000) as libc::time_t;
    // SAFETY: localtime_r writes only into `tm`.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return format!("{ms:017}");
        }
        tm
    };
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{:03}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        ms.rem_euclid(1000)
    )
}

/// What a key query found.
#[derive(Debug, Clone, Default)]
pub(crate) struct IndexHits {
    pub(crate) offsets: Vec<i64>,
    pub(crate) last_update_timestamp: i64,
    pub(crate) last_update_phy_offset: i64,
}

pub(crate) struct IndexService {
    dir: PathBuf,
    fs: Arc<dyn FileSystem>,
    slots: u32,
    entries: u32,
    files: RwLock<Vec<Arc<IndexFile>>>,
    writer: Mutex<()>,
}

impl IndexService {
    pub(crate) fn load(
        fs: Arc<dyn FileSystem>,
        dir: PathBuf,
        slots: u32,
        entries: u32,
    ) -> Result<Self> {
        fs.create_dir_all(&dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let mut names: Vec<String> = fs
            .list_dir(&dir)
            .map_err(|e| Error::io(format!("listing {}", dir.display()), e))?
            .into_iter()
            .filter(|n| n.len() == 17 && n.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        names.sort();
        let len = file_len(slots, entries);
        let mut files = Vec::new();
        for name in names {
            let path = dir.join(&name);
            match fs.open_mapped(&path, len, false) {
                Ok(file) => files.push(Arc::new(IndexFile {
                    path,
                    file,
                    slots,
                    entries,
                })),
                Err(e) => {
                    // A file of another size (changed maxHashSlotNum/maxIndexNum) or unreadable:
                    // the index is derived data, rebuild rather than fail.
                    tracing::warn!(file = %path.display(), error = %e, "dropping unusable index file");
                    let _ = fs.remove_file(&path);
                }
            }
        }
        Ok(IndexService {
            dir,
            fs,
            slots,
            entries,
            files: RwLock::new(files),
            writer: Mutex::new(()),
        })
    }

    fn snapshot(&self) -> Vec<Arc<IndexFile>> {
        self.files.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Physical offset of the last indexed record (-1 when nothing is indexed).
    pub(crate) fn end_phy(&self) -> i64 {
        self.files
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .last()
            .filter(|f| f.count() > 1)
            .map_or(-1, |f| f.end_phy())
    }

    fn writable(&self, store_ts: i64) -> Result<Arc<IndexFile>> {
        if let Some(last) = self.snapshot().last() {
            if !last.is_full() {
                return Ok(last.clone());
            }
        }
        let prev = self.snapshot().last().cloned();
        let mut ms = store_ts.max(crate::util::now_millis());
        let mut path = self.dir.join(file_name(ms));
        while self.fs.exists(&path) {
            ms += 1;
            path = self.dir.join(file_name(ms));
        }
        let file = self
            .fs
            .open_mapped(&path, file_len(self.slots, self.entries), true)
            .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
        let f = Arc::new(IndexFile {
            path,
            file,
            slots: self.slots,
            entries: self.entries,
        });
        if let Some(p) = prev {
            // A new file starts where the full one ended (spec §6.2).
            f.set64(0, p.end_ts());
            f.set64(8, p.end_ts());
            f.set64(16, p.end_phy());
            f.set64(24, p.end_phy());
            if let Err(e) = p.file.sync(0, p.file.map().len()) {
                tracing::warn!(error = %e, "cannot flush a full index file");
            }
        }
        f.set32(36, 1);
        self.files
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(f.clone());
        Ok(f)
    }

    /// Index one record's keys (the dispatcher). Records at or below the last indexed
    /// offset are skipped (re-dispatch after recovery).
    pub(crate) fn index(
        &self,
        topic: &str,
        phys: i64,
        store_ts: i64,
        uniq_key: Option<&str>,
        keys: Option<&str>,
    ) -> Result<()> {
        let mut all: Vec<String> = Vec::new();
        if let Some(u) = uniq_key.filter(|u| !u.is_empty()) {
            all.push(format!("{topic}#{u}"));
        }
        if let Some(ks) = keys {
            all.extend(
                ks.split(' ')
                    .filter(|k| !k.is_empty())
                    .map(|k| format!("{topic}#{k}")),
            );
        }
        if all.is_empty() {
            return Ok(());
        }
        let _w = lock(&self.writer);
        if phys <= self.end_phy() {
            return Ok(());
        }
        for key in all {
            let f = self.writable(store_ts)?;
            f.put(key_hash(&key), phys, store_ts);
        }
        Ok(())
    }

    /// Candidate physical offsets for `topic#key` stored within [begin, end].
    pub(crate) fn query(
        &self,
        topic: &str,
        key: &str,
        max: usize,
        begin: i64,
        end: i64,
    ) -> IndexHits {
        let files = self.snapshot();
        let hash = key_hash(&format!("{topic}#{key}"));
        let mut hits = IndexHits::default();
        if let Some(last) = files.last() {
            hits.last_update_timestamp = last.end_ts();
            hits.last_update_phy_offset = last.end_phy();
        }
        for f in files.iter().rev() {
            if f.count() <= 1 {
                continue;
            }
            if f.begin_ts() <= end && f.end_ts() >= begin {
                f.find(hash, begin, end, max, &mut hits.offsets);
            }
            if hits.offsets.len() >= max || f.begin_ts() < begin {
                break;
            }
        }
        hits.offsets.sort_unstable();
        hits.offsets.dedup();
        hits
    }

    /// Make everything written durable.
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        if let Some(last) = self.snapshot().last() {
            last.file.sync(0, last.file.map().len())?;
        }
        Ok(())
    }

    /// Delete files whose every entry points below `commitlog_min` (never the last one).
    pub(crate) fn delete_expired(&self, commitlog_min: u64) {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        while files.len() > 1 && files[0].end_phy() < commitlog_min as i64 {
            let f = files.remove(0);
            if let Err(e) = self.fs.remove_file(&f.path) {
                tracing::warn!(file = %f.path.display(), error = %e, "cannot delete index file");
            }
        }
    }
}
