//! The I/O seam: every byte the store reads or writes goes through a [`FileSystem`].
//!
//! Segment files (CommitLog, ConsumeQueue) are fixed-size and memory-mapped: a
//! [`MappedFile`] hands the store a raw mapping (the *live* image, what readers see) and makes
//! ranges of it durable with [`MappedFile::sync`]. Small files (checkpoint, markers) are read
//! whole and replaced atomically.
//!
//! [`StdFs`] is the real implementation: file-backed `mmap`, `msync`, `fallocate`, directory
//! fsyncs. [`SimFs`] keeps, for every file, a live image and a durable image: only a completed
//! sync copies bytes from live to durable, so [`SimFs::power_loss`] yields exactly what a power
//! cut would have left on disk. It can also fail syncs and report any disk usage, which is how
//! the tests exercise poisoning and disk-full handling without root or loop devices.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use fs2::FileExt;
use memmap2::{MmapOptions, MmapRaw};

use crate::util::lock;

/// Space on the file system holding a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskSpace {
    /// Total bytes.
    pub total: u64,
    /// Bytes available to this process (excludes blocks reserved for root).
    pub available: u64,
    /// Unallocated bytes, reserved blocks included (Java's `File.getFreeSpace`).
    pub free: u64,
}

impl DiskSpace {
    /// Used share in percent (0..=100), computed as RocketMQ does: (total − free) / total.
    /// Reserved blocks count as free here, so a file system with a large root reserve is not
    /// mistaken for a full one; the free-bytes floor uses `available`.
    pub fn used_percent(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        (self.total.saturating_sub(self.free)) as f64 * 100.0 / self.total as f64
    }
}

/// A fixed-size file mapped into memory.
///
/// Contract: [`MappedFile::map`] returns the same mapping for the life of the handle, of exactly
/// the size the file was opened with. The store writes through it (one writer per file) and
/// reads only ranges it has published; [`MappedFile::sync`] must not return `Ok` until the
/// range would survive a power loss.
pub trait MappedFile: Send + Sync {
    /// The live mapping.
    fn map(&self) -> &MmapRaw;
    /// Make `len` bytes at `offset` durable.
    ///
    /// # Errors
    /// Any I/O error; the store poisons itself on it.
    fn sync(&self, offset: usize, len: usize) -> io::Result<()>;

    /// Zero `len` bytes at `offset` and make that durable. The default writes zeros through
    /// the mapping; file systems that can zero a range without touching it do so.
    ///
    /// Called only while no reader or writer uses the range (recovery).
    ///
    /// # Errors
    /// Any I/O error.
    fn zero(&self, offset: usize, len: usize) -> io::Result<()> {
        let end = offset
            .checked_add(len)
            .filter(|&e| e <= self.map().len())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "zero out of range"))?;
        // SAFETY: in bounds; the caller guarantees nobody else touches the range.
        unsafe { std::ptr::write_bytes(self.map().as_mut_ptr().add(offset), 0, end - offset) };
        self.sync(offset, len)
    }
}

/// The file operations the store needs. Implementations must be cheap to share.
pub trait FileSystem: Send + Sync + fmt::Debug + 'static {
    /// Open a fixed-size file and map it. With `create`, a missing file is created,
    /// preallocated and zero-filled, and the directory entry made durable. A file shorter than
    /// `size` is extended with zeros; a longer one is an `InvalidData` error.
    ///
    /// # Errors
    /// I/O errors; `NotFound` when the file is missing and `create` is false.
    fn open_mapped(&self, path: &Path, size: u64, create: bool) -> io::Result<Box<dyn MappedFile>>;
    /// Create a directory and its parents.
    ///
    /// # Errors
    /// I/O errors.
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;
    /// Names of the entries (files and directories) of a directory; empty if it is missing.
    ///
    /// # Errors
    /// I/O errors other than `NotFound`.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>>;
    /// Whether `path` is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// Whether `path` exists.
    fn exists(&self, path: &Path) -> bool;
    /// Remove a file (a missing file is not an error).
    ///
    /// # Errors
    /// I/O errors.
    fn remove_file(&self, path: &Path) -> io::Result<()>;
    /// Remove a directory tree (a missing one is not an error).
    ///
    /// # Errors
    /// I/O errors.
    fn remove_dir_all(&self, path: &Path) -> io::Result<()>;
    /// Read a whole small file.
    ///
    /// # Errors
    /// I/O errors; `NotFound` when missing.
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Replace a small file atomically and durably (temp file, fsync, rename, fsync dir).
    ///
    /// # Errors
    /// I/O errors; the old content is intact on error.
    fn write_file_atomic(&self, path: &Path, data: &[u8]) -> io::Result<()>;
    /// Last-modified time of a file.
    ///
    /// # Errors
    /// I/O errors.
    fn modified(&self, path: &Path) -> io::Result<SystemTime>;
    /// Space on the file system holding `path`.
    ///
    /// # Errors
    /// I/O errors.
    fn disk_space(&self, path: &Path) -> io::Result<DiskSpace>;
    /// Take the exclusive lock of a store directory; held until the guard drops.
    ///
    /// # Errors
    /// `WouldBlock` when another holder has it; other I/O errors.
    fn lock(&self, path: &Path) -> io::Result<Box<dyn Send + Sync>>;
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct StdFs;

struct StdMapped {
    map: MmapRaw,
    // Kept open so the mapping's file stays the same inode for syncs and advice.
    _file: File,
}

impl MappedFile for StdMapped {
    fn map(&self) -> &MmapRaw {
        &self.map
    }
    fn sync(&self, offset: usize, len: usize) -> io::Result<()> {
        if len == 0 {
            return Ok(());
        }
        self.map.flush_range(offset, len)
    }

    /// `FALLOC_FL_ZERO_RANGE` turns the range into zeroed, still-allocated blocks without
    /// reading or writing it (the kernel also zaps the mapped pages); falls back to writing
    /// zeros where the file system cannot.
    fn zero(&self, offset: usize, len: usize) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        if len == 0 {
            return Ok(());
        }
        let (Ok(off), Ok(n)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len)) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "range too large",
            ));
        };
        // SAFETY: a plain syscall on our own open file descriptor.
        let r = unsafe {
            libc::fallocate(
                self._file.as_raw_fd(),
                libc::FALLOC_FL_ZERO_RANGE | libc::FALLOC_FL_KEEP_SIZE,
                off,
                n,
            )
        };
        if r == 0 {
            return self._file.sync_data();
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EOPNOTSUPP) | Some(libc::ENOSYS) | Some(libc::EINVAL) => {
                let end = offset + len;
                if end > self.map.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "zero out of range",
                    ));
                }
                // SAFETY: in bounds; recovery has the file to itself.
                unsafe { std::ptr::write_bytes(self.map.as_mut_ptr().add(offset), 0, len) };
                self.sync(offset, len)
            }
            _ => Err(err),
        }
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl FileSystem for StdFs {
    fn open_mapped(&self, path: &Path, size: u64, create: bool) -> io::Result<Box<dyn MappedFile>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .truncate(false)
            .open(path)?;
        let len = file.metadata()?.len();
        if len > size {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is {len} bytes, expected {size}", path.display()),
            ));
        }
        if len < size {
            // Reserve the blocks now: writing through a mapping into a sparse file on a full
            // disk would be a SIGBUS, not an error.
            file.allocate(size)?;
            file.sync_all()?;
            if let Some(dir) = path.parent() {
                sync_dir(dir)?;
            }
        }
        let map = MmapOptions::new().len(size as usize).map_raw(&file)?;
        Ok(Box::new(StdMapped { map, _file: file }))
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        std::fs::create_dir_all(path)
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let rd = match std::fs::read_dir(path) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for entry in rd {
            if let Some(name) = entry?.file_name().to_str() {
                out.push(name.to_owned());
            }
        }
        Ok(out)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        match std::fs::remove_dir_all(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn write_file_atomic(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        {
            let mut f = File::create(&tmp)?;
            f.write_all(data)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => sync_dir(dir),
            _ => Ok(()),
        }
    }

    fn modified(&self, path: &Path) -> io::Result<SystemTime> {
        std::fs::metadata(path)?.modified()
    }

    fn disk_space(&self, path: &Path) -> io::Result<DiskSpace> {
        let s = fs2::statvfs(path)?;
        Ok(DiskSpace {
            total: s.total_space(),
            available: s.available_space(),
            free: s.free_space(),
        })
    }

    fn lock(&self, path: &Path) -> io::Result<Box<dyn Send + Sync>> {
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        f.try_lock_exclusive()?;
        f.set_len(0)?;
        f.write_all(b"lock")?;
        Ok(Box::new(f))
    }
}

/// A simulated file system for tests: live and durable images, injected faults.
///
/// Cloning shares the same state. Mapped files are backed by anonymous memory (the "page
/// cache"); [`SimFs::power_loss`] returns a file system holding only what was synced.
#[derive(Clone, Default)]
pub struct SimFs {
    state: Arc<Mutex<SimState>>,
}

#[derive(Default)]
struct SimState {
    files: BTreeMap<PathBuf, SimFile>,
    dirs: BTreeSet<PathBuf>,
    locks: BTreeSet<PathBuf>,
    fail_syncs: bool,
    space: Option<DiskSpace>,
    syncs: u64,
}

struct SimFile {
    /// The page cache: shared by every open handle of the file.
    live: Option<Arc<MmapRaw>>,
    /// What a power loss leaves.
    durable: Arc<Mutex<Vec<u8>>>,
    modified: SystemTime,
}

impl fmt::Debug for SimFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.lock_state();
        f.debug_struct("SimFs")
            .field("files", &st.files.len())
            .field("fail_syncs", &st.fail_syncs)
            .field("space", &st.space)
            .finish()
    }
}

fn anon_map(content: &[u8], size: usize) -> io::Result<MmapRaw> {
    let mut m = MmapOptions::new().len(size.max(1)).map_anon()?;
    let n = content.len().min(size);
    m[..n].copy_from_slice(&content[..n]);
    Ok(MmapRaw::from(m))
}

struct SimMapped {
    live: Arc<MmapRaw>,
    durable: Arc<Mutex<Vec<u8>>>,
    state: Arc<Mutex<SimState>>,
}

impl MappedFile for SimMapped {
    fn map(&self) -> &MmapRaw {
        &self.live
    }
    fn sync(&self, offset: usize, len: usize) -> io::Result<()> {
        {
            let mut st = lock(&self.state);
            if st.fail_syncs {
                return Err(io::Error::other("injected sync failure"));
            }
            st.syncs += 1;
        }
        let end = offset
            .checked_add(len)
            .filter(|&e| e <= self.live.len())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "sync out of range"))?;
        // SAFETY: the range is inside the mapping; the store only syncs ranges it has fully
        // written and does not write them again while a sync may run.
        let src = unsafe { std::slice::from_raw_parts(self.live.as_ptr().add(offset), len) };
        let mut d = lock(&self.durable);
        if d.len() < end {
            d.resize(end, 0);
        }
        d[offset..end].copy_from_slice(src);
        Ok(())
    }
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} not found", path.display()),
    )
}

impl SimFs {
    /// An empty simulated file system.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock_state(&self) -> MutexGuard<'_, SimState> {
        lock(&self.state)
    }

    /// What a power loss at this instant would leave: every file's durable image, no page
    /// cache, no locks.
    pub fn power_loss(&self) -> SimFs {
        let st = self.lock_state();
        let files = st
            .files
            .iter()
            .map(|(p, f)| {
                let durable = lock(&f.durable).clone();
                (
                    p.clone(),
                    SimFile {
                        live: None,
                        durable: Arc::new(Mutex::new(durable)),
                        modified: f.modified,
                    },
                )
            })
            .collect();
        SimFs {
            state: Arc::new(Mutex::new(SimState {
                files,
                dirs: st.dirs.clone(),
                locks: BTreeSet::new(),
                fail_syncs: false,
                space: st.space,
                syncs: 0,
            })),
        }
    }

    /// Make every later sync fail (or succeed again).
    pub fn fail_syncs(&self, fail: bool) {
        self.lock_state().fail_syncs = fail;
    }

    /// Report this disk space from now on (`None`: plenty).
    pub fn set_disk_space(&self, space: Option<DiskSpace>) {
        self.lock_state().space = space;
    }

    /// Number of successful syncs so far.
    pub fn sync_count(&self) -> u64 {
        self.lock_state().syncs
    }

    /// Set a file's last-modified time.
    pub fn set_modified(&self, path: &Path, time: SystemTime) {
        if let Some(f) = self.lock_state().files.get_mut(path) {
            f.modified = time;
        }
    }

    /// Put a durable file with this content (as if written and synced earlier).
    pub fn put_file(&self, path: &Path, content: &[u8]) {
        let mut st = self.lock_state();
        let mut dir = path.parent();
        while let Some(d) = dir {
            st.dirs.insert(d.to_path_buf());
            dir = d.parent();
        }
        st.files.insert(
            path.to_path_buf(),
            SimFile {
                live: None,
                durable: Arc::new(Mutex::new(content.to_vec())),
                modified: SystemTime::now(),
            },
        );
    }

    /// The current (live) content of a file, if it exists.
    pub fn file_content(&self, path: &Path) -> Option<Vec<u8>> {
        let st = self.lock_state();
        let f = st.files.get(path)?;
        Some(match &f.live {
            // SAFETY: test-only inspection of the whole mapping; callers use it while the
            // store is closed or quiescent.
            Some(m) => unsafe { std::slice::from_raw_parts(m.as_ptr(), m.len()).to_vec() },
            None => lock(&f.durable).clone(),
        })
    }
}

impl FileSystem for SimFs {
    fn open_mapped(&self, path: &Path, size: u64, create: bool) -> io::Result<Box<dyn MappedFile>> {
        let size = usize::try_from(size)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file too large"))?;
        let mut st = self.lock_state();
        if !st.files.contains_key(path) {
            if !create {
                return Err(not_found(path));
            }
            if let Some(space) = st.space {
                if space.available < size as u64 {
                    return Err(io::Error::new(
                        io::ErrorKind::StorageFull,
                        "simulated disk full",
                    ));
                }
            }
            st.files.insert(
                path.to_path_buf(),
                SimFile {
                    live: None,
                    durable: Arc::new(Mutex::new(vec![0; size])),
                    modified: SystemTime::now(),
                },
            );
        }
        let state = self.state.clone();
        let f = st.files.get_mut(path).ok_or_else(|| not_found(path))?;
        let live = match &f.live {
            Some(m) if m.len() == size.max(1) => m.clone(),
            Some(m) if m.len() > size => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is {} bytes, expected {size}", path.display(), m.len()),
                ))
            }
            _ => {
                let durable = lock(&f.durable).clone();
                if durable.len() > size {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "{} is {} bytes, expected {size}",
                            path.display(),
                            durable.len()
                        ),
                    ));
                }
                let m = Arc::new(anon_map(&durable, size)?);
                f.live = Some(m.clone());
                m
            }
        };
        Ok(Box::new(SimMapped {
            live,
            durable: f.durable.clone(),
            state,
        }))
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        let mut st = self.lock_state();
        let mut dir = Some(path);
        while let Some(d) = dir {
            if d.as_os_str().is_empty() {
                break;
            }
            st.dirs.insert(d.to_path_buf());
            dir = d.parent();
        }
        Ok(())
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let st = self.lock_state();
        let names = st
            .files
            .keys()
            .chain(st.dirs.iter())
            .filter(|p| p.parent() == Some(path))
            .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
            .collect::<BTreeSet<_>>();
        Ok(names.into_iter().collect())
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.lock_state().dirs.contains(path)
    }

    fn exists(&self, path: &Path) -> bool {
        let st = self.lock_state();
        st.files.contains_key(path) || st.dirs.contains(path)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.lock_state().files.remove(path);
        Ok(())
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        let mut st = self.lock_state();
        st.files.retain(|p, _| !p.starts_with(path));
        st.dirs.retain(|p| !p.starts_with(path));
        Ok(())
    }

    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        let st = self.lock_state();
        let f = st.files.get(path).ok_or_else(|| not_found(path))?;
        Ok(match &f.live {
            // SAFETY: small files are never mapped by the store; this is a whole-file copy.
            Some(m) => unsafe { std::slice::from_raw_parts(m.as_ptr(), m.len()).to_vec() },
            None => lock(&f.durable).clone(),
        })
    }

    fn write_file_atomic(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        if self.lock_state().fail_syncs {
            return Err(io::Error::other("injected sync failure"));
        }
        self.put_file(path, data);
        Ok(())
    }

    fn modified(&self, path: &Path) -> io::Result<SystemTime> {
        let st = self.lock_state();
        st.files
            .get(path)
            .map(|f| f.modified)
            .ok_or_else(|| not_found(path))
    }

    fn disk_space(&self, _path: &Path) -> io::Result<DiskSpace> {
        Ok(self.lock_state().space.unwrap_or(DiskSpace {
            total: 1 << 40,
            available: 1 << 39,
            free: 1 << 39,
        }))
    }

    fn lock(&self, path: &Path) -> io::Result<Box<dyn Send + Sync>> {
        let mut st = self.lock_state();
        if !st.locks.insert(path.to_path_buf()) {
            return Err(io::Error::new(io::ErrorKind::WouldBlock, "locked"));
        }
        Ok(Box::new(SimLock {
            state: self.state.clone(),
            path: path.to_path_buf(),
        }))
    }
}

struct SimLock {
    state: Arc<Mutex<SimState>>,
    path: PathBuf,
}

impl Drop for SimLock {
    fn drop(&mut self) {
        lock(&self.state).locks.remove(&self.path);
    }
}
