//! The `checkpoint` file: where recovery may start (spec §7.2, extended).
//!
//! The first 40 bytes keep RocketMQ's layout (physicMsgTimestamp, logicsMsgTimestamp,
//! indexMsgTimestamp, masterFlushedOffset, confirmPhyOffset; big-endian i64). FerroMQ adds,
//! from byte 64: a magic, the CommitLog offset known durable, the offset up to which the
//! ConsumeQueues were built and flushed, and the length of a queue table that follows the
//! 4096-byte page. A CRC32 of everything but itself sits at byte 4092. The file is replaced
//! atomically (temp file, fsync, rename, directory fsync), so it is either the old or the new
//! version, never a mix; a missing or corrupt checkpoint just means a full scan.
//!
//! The queue table lists every ConsumeQueue's max offset at checkpoint time. Recovery compares
//! it with the queues found on disk: a queue that is missing or shorter than recorded was
//! damaged outside the store and is rebuilt from the CommitLog.

use std::path::Path;

use crate::fs::FileSystem;

const PAGE: usize = 4096;
const MAGIC: &[u8; 8] = b"FERROMQ1";
const CRC_POS: usize = PAGE - 4;

/// The decoded checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    /// Store time of the last flushed CommitLog record.
    pub(crate) physic_msg_timestamp: i64,
    /// Store time of the last record written to a ConsumeQueue.
    pub(crate) logics_msg_timestamp: i64,
    /// End time of the last full index file (index issue; 0 until then).
    pub(crate) index_msg_timestamp: i64,
    /// Every CommitLog byte below this was durable.
    pub(crate) flushed_offset: u64,
    /// ConsumeQueue entries for every record below this were written and flushed.
    pub(crate) dispatched_offset: u64,
    /// (topic, queue id, max offset) of every ConsumeQueue.
    pub(crate) queues: Vec<(String, i32, i64)>,
}

impl Checkpoint {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut table = Vec::new();
        for (topic, qid, max) in &self.queues {
            let t = topic.as_bytes();
            let len = u16::try_from(t.len()).unwrap_or(u16::MAX);
            table.extend_from_slice(&len.to_be_bytes());
            table.extend_from_slice(&t[..len as usize]);
            table.extend_from_slice(&qid.to_be_bytes());
            table.extend_from_slice(&max.to_be_bytes());
        }
        let mut out = vec![0u8; PAGE];
        out[0..8].copy_from_slice(&self.physic_msg_timestamp.to_be_bytes());
        out[8..16].copy_from_slice(&self.logics_msg_timestamp.to_be_bytes());
        out[16..24].copy_from_slice(&self.index_msg_timestamp.to_be_bytes());
        out[32..40].copy_from_slice(&(self.flushed_offset as i64).to_be_bytes());
        out[64..72].copy_from_slice(MAGIC);
        out[72..80].copy_from_slice(&self.flushed_offset.to_be_bytes());
        out[80..88].copy_from_slice(&self.dispatched_offset.to_be_bytes());
        out[88..92].copy_from_slice(&(self.queues.len() as u32).to_be_bytes());
        out[92..96].copy_from_slice(&(table.len() as u32).to_be_bytes());
        out.extend_from_slice(&table);
        let crc = crc(&out);
        out[CRC_POS..PAGE].copy_from_slice(&crc.to_be_bytes());
        out
    }

    pub(crate) fn decode(b: &[u8]) -> Result<Self, String> {
        if b.len() < PAGE {
            return Err(format!("{} bytes, expected at least {PAGE}", b.len()));
        }
        if &b[64..72] != MAGIC {
            return Err("no FerroMQ section (a RocketMQ checkpoint?)".into());
        }
        let u64_at = |p: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[p..p + 8]);
            u64::from_be_bytes(a)
        };
        let u32_at = |p: usize| {
            let mut a = [0u8; 4];
            a.copy_from_slice(&b[p..p + 4]);
            u32::from_be_bytes(a)
        };
        let stored = u32_at(CRC_POS);
        if stored != crc(b) {
            return Err("CRC mismatch".into());
        }
        let count = u32_at(88) as usize;
        let table_len = u32_at(92) as usize;
        let table = b
            .get(PAGE..PAGE.checked_add(table_len).ok_or("bad table length")?)
            .ok_or("queue table truncated")?;
        let mut queues = Vec::with_capacity(count.min(1 << 16));
        let mut p = 0;
        for _ in 0..count {
            let len = table
                .get(p..p + 2)
                .map(|s| u16::from_be_bytes([s[0], s[1]]) as usize)
                .ok_or("queue table truncated")?;
            p += 2;
            let topic = table
                .get(p..p + len)
                .and_then(|s| std::str::from_utf8(s).ok())
                .ok_or("bad topic in queue table")?
                .to_owned();
            p += len;
            let rest = table.get(p..p + 12).ok_or("queue table truncated")?;
            let qid = i32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
            let mut m = [0u8; 8];
            m.copy_from_slice(&rest[4..12]);
            p += 12;
            queues.push((topic, qid, i64::from_be_bytes(m)));
        }
        Ok(Checkpoint {
            physic_msg_timestamp: u64_at(0) as i64,
            logics_msg_timestamp: u64_at(8) as i64,
            index_msg_timestamp: u64_at(16) as i64,
            flushed_offset: u64_at(72),
            dispatched_offset: u64_at(80),
            queues,
        })
    }

    /// Load the checkpoint; `None` (with a warning) when missing or unusable.
    pub(crate) fn load(fs: &dyn FileSystem, path: &Path) -> Option<Self> {
        let bytes = match fs.read_file(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot read checkpoint; full recovery scan");
                return None;
            }
        };
        match Checkpoint::decode(&bytes) {
            Ok(c) => Some(c),
            Err(reason) => {
                tracing::warn!(path = %path.display(), %reason, "ignoring checkpoint; full recovery scan");
                None
            }
        }
    }

    pub(crate) fn store(&self, fs: &dyn FileSystem, path: &Path) -> std::io::Result<()> {
        fs.write_file_atomic(path, &self.encode())
    }
}

fn crc(b: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&b[..CRC_POS]);
    h.update(&b[PAGE.min(b.len())..]);
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_crc() {
        let c = Checkpoint {
            physic_msg_timestamp: 1_700_000_000_123,
            logics_msg_timestamp: 1_700_000_000_100,
            index_msg_timestamp: 0,
            flushed_offset: 4096,
            dispatched_offset: 2048,
            queues: vec![("TopicTest".into(), 3, 42), ("%RETRY%g".into(), 0, 7)],
        };
        let mut b = c.encode();
        // RocketMQ's readers see the timestamps at their usual places.
        assert_eq!(&b[0..8], &1_700_000_000_123i64.to_be_bytes());
        assert_eq!(Checkpoint::decode(&b).unwrap(), c);
        b[PAGE + 3] ^= 1;
        assert!(Checkpoint::decode(&b).is_err());
        assert!(Checkpoint::decode(&b[..100]).is_err());
    }
}
