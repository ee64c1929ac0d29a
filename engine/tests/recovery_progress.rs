//! Recovery checkpoints its progress: when it is interrupted after scanning the CommitLog, the
//! checkpoint already says how far the log was verified, so the next attempt starts there.

mod common;

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use common::{body, read_queue, small_config, wait_for_queue};
use ferromq_engine::fs::{DiskSpace, FileSystem, MappedFile, SimFs};
use ferromq_engine::{DefaultMessageStore, Message, MessageStore};

/// A SimFs on which ConsumeQueue files cannot be created: recovery fails during replay, after
/// its CommitLog scan, as if killed there.
#[derive(Debug)]
struct NoNewQueues(SimFs);

impl FileSystem for NoNewQueues {
    fn open_mapped(&self, path: &Path, size: u64, create: bool) -> io::Result<Box<dyn MappedFile>> {
        if create && path.to_string_lossy().contains("consumequeue") && !self.0.exists(path) {
            return Err(io::Error::other("interrupted"));
        }
        self.0.open_mapped(path, size, create)
    }
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        self.0.create_dir_all(path)
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        self.0.list_dir(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.0.is_dir(path)
    }
    fn exists(&self, path: &Path) -> bool {
        self.0.exists(path)
    }
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.0.remove_file(path)
    }
    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        self.0.remove_dir_all(path)
    }
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.0.read_file(path)
    }
    fn write_file_atomic(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.0.write_file_atomic(path, data)
    }
    fn modified(&self, path: &Path) -> io::Result<SystemTime> {
        self.0.modified(path)
    }
    fn disk_space(&self, path: &Path) -> io::Result<DiskSpace> {
        self.0.disk_space(path)
    }
    fn lock(&self, path: &Path) -> io::Result<Box<dyn Send + Sync>> {
        self.0.lock(path)
    }
}

fn checkpoint_flushed_offset(fs: &SimFs) -> u64 {
    let ck = fs.read_file("/sim/store/checkpoint".as_ref()).unwrap();
    u64::from_be_bytes(ck[72..80].try_into().unwrap())
}

#[test]
fn an_interrupted_recovery_keeps_its_scan_progress() {
    let fs = SimFs::new();
    let config = small_config("/sim/store".as_ref());
    let store = DefaultMessageStore::open_with_fs(config.clone(), Arc::new(fs.clone())).unwrap();
    for i in 0..1200 {
        store
            .put_message(Message::new("Prog", 0, body(i, 300)))
            .unwrap();
    }
    wait_for_queue(&store, "Prog", 0, 1200);
    drop(store);
    let end = checkpoint_flushed_offset(&fs);
    assert!(end > 5 * 64 * 1024);

    // Lose the checkpoint and the queues: recovery must scan everything and rebuild.
    fs.remove_file("/sim/store/checkpoint".as_ref()).unwrap();
    fs.remove_dir_all("/sim/store/consumequeue".as_ref())
        .unwrap();
    let err = DefaultMessageStore::open_with_fs(config.clone(), Arc::new(NoNewQueues(fs.clone())))
        .expect_err("replay cannot write queues");
    assert!(err.to_string().contains("ConsumeQueue"), "{err}");

    // The scan got to the last file before the replay failed, and said so durably.
    let progress = checkpoint_flushed_offset(&fs);
    assert_eq!(
        progress,
        end / (64 * 1024) * (64 * 1024),
        "scan progress not checkpointed"
    );

    // The next attempt completes, with everything rebuilt.
    let store = DefaultMessageStore::open_with_fs(config, Arc::new(fs.clone())).unwrap();
    let got = read_queue(&store, "Prog", 0);
    assert_eq!(got.len(), 1200);
    for (i, (_, b)) in got.iter().enumerate() {
        assert_eq!(b, &body(i as u64, 300));
    }
}
