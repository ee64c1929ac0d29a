//! Torn, corrupt and garbage CommitLog tails are cut off at the last valid record; nothing
//! before it is lost and nothing invalid is ever returned.

mod common;

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use common::{body, read_queue, small_config, wait_for_queue};
use ferromq_engine::{DefaultMessageStore, Message, MessageStore, StoreConfig};

const FILE: u64 = 64 * 1024;

/// Store `n` messages, close cleanly, return (config, physical offset and size of each).
fn prepare(dir: &Path, n: u64) -> (StoreConfig, Vec<(u64, usize)>) {
    let config = small_config(dir);
    let store = DefaultMessageStore::open(config.clone()).unwrap();
    let mut recs = Vec::new();
    for i in 0..n {
        let put = store
            .put_message(Message::new("Torn", 0, body(i, 200)))
            .unwrap();
        recs.push((put.wrote_offset as u64, put.wrote_bytes));
    }
    wait_for_queue(&store, "Torn", 0, n as i64);
    store.shutdown().unwrap();
    (config, recs)
}

fn file_of(config: &StoreConfig, phys: u64) -> (PathBuf, u64) {
    let base = phys / FILE * FILE;
    (
        config.commit_log_dir().join(format!("{base:020}")),
        phys - base,
    )
}

fn overwrite(path: &Path, pos: u64, data: &[u8]) {
    let mut f = OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start(pos)).unwrap();
    f.write_all(data).unwrap();
    f.sync_all().unwrap();
}

/// Reopen (as after a crash) and check exactly the first `keep` messages are there, then that
/// appends continue at `keep` and survive another restart.
fn check_recovers_to(config: StoreConfig, keep: u64) {
    std::fs::write(config.store_path_root_dir.join("abort"), b"").unwrap();
    let store = DefaultMessageStore::open(config.clone()).unwrap();
    let got = read_queue(&store, "Torn", 0);
    let want: Vec<(i64, Vec<u8>)> = (0..keep).map(|i| (i as i64, body(i, 200))).collect();
    assert_eq!(got, want);
    let put = store
        .put_message(Message::new("Torn", 0, body(keep, 200)))
        .unwrap();
    assert_eq!(put.queue_offset, keep as i64);
    wait_for_queue(&store, "Torn", 0, keep as i64 + 1);
    drop(store);
    let store = DefaultMessageStore::open(config).unwrap();
    assert_eq!(read_queue(&store, "Torn", 0).len() as u64, keep + 1);
}

#[test]
fn a_half_written_last_record_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let (config, recs) = prepare(dir.path(), 700);
    let (phys, size) = recs[699];
    let (path, pos) = file_of(&config, phys);
    overwrite(&path, pos + size as u64 / 2, &vec![0u8; size / 2 + 1]);
    check_recovers_to(config, 699);
}

#[test]
fn a_corrupt_body_fails_its_crc_and_is_cut_off_with_what_follows() {
    let dir = tempfile::tempdir().unwrap();
    let (config, recs) = prepare(dir.path(), 700);
    let (phys, size) = recs[697];
    let (path, pos) = file_of(&config, phys);
    overwrite(&path, pos + size as u64 - 60, b"X");
    check_recovers_to(config, 697);
}

#[test]
fn garbage_after_the_last_record_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (config, recs) = prepare(dir.path(), 700);
    let (phys, size) = recs[699];
    let (path, pos) = file_of(&config, phys + size as u64);
    let garbage: Vec<u8> = (0..3000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let room = (FILE - pos) as usize;
    overwrite(&path, pos, &garbage[..garbage.len().min(room)]);
    check_recovers_to(config, 700);
}

#[test]
fn a_stale_but_valid_record_past_the_end_is_not_resurrected() {
    // A copy of an old record (good CRC, wrong physical offset) past the end, as stale bytes
    // left by an earlier truncation would look.
    let dir = tempfile::tempdir().unwrap();
    let (config, recs) = prepare(dir.path(), 700);
    let (old_phys, old_size) = recs[690];
    let (old_path, old_pos) = file_of(&config, old_phys);
    let data = std::fs::read(&old_path).unwrap();
    let copy = data[old_pos as usize..old_pos as usize + old_size].to_vec();
    let (phys, size) = recs[699];
    let (path, pos) = file_of(&config, phys + size as u64);
    if pos as usize + copy.len() + 8 <= FILE as usize {
        overwrite(&path, pos, &copy);
    }
    check_recovers_to(config, 700);
}

#[test]
fn a_truncated_last_file_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let (config, recs) = prepare(dir.path(), 700);
    let (phys, _) = recs[699];
    let (path, pos) = file_of(&config, phys);
    let f = OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(pos + 10).unwrap();
    check_recovers_to(config, 699);
}

#[test]
fn recovery_without_a_checkpoint_scans_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (config, recs) = prepare(dir.path(), 700);
    std::fs::remove_file(dir.path().join("checkpoint")).unwrap();
    let (phys, size) = recs[699];
    let (path, pos) = file_of(&config, phys);
    overwrite(&path, pos + size as u64 - 1, b"\xff");
    check_recovers_to(config, 699);
}

#[test]
fn a_corrupt_checkpoint_means_a_full_scan_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = prepare(dir.path(), 300);
    let ck = dir.path().join("checkpoint");
    let mut data = std::fs::read(&ck).unwrap();
    data[75] ^= 0xff;
    std::fs::write(&ck, data).unwrap();
    check_recovers_to(config, 300);
}
