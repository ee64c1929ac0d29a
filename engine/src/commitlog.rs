//! The CommitLog: every message of every topic, appended to fixed-size mapped segments.
//!
//! One appender at a time holds the append lock. Under it the store assigns each record its
//! physical offset, its queue offset (so a queue's order is the append order) and a monotonic
//! store timestamp, copies the pre-encoded bytes into the mapping, and then publishes the new
//! end (`max_offset`, `Release`). Readers never look past the published end, so they never
//! observe a half-written record. A record that does not fit in the current segment (with 8
//! bytes to spare) closes it with the blank end-of-file record and goes to the next one; a
//! batch is placed entirely in one segment.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::error::{DecodeError, Error, Result};
use crate::flush::Signal;
use crate::fs::MappedFile;
use crate::record::{
    self, peek_header, sysflag, RecordFields, RecordView, BLANK_HEADER_SIZE, BLANK_MAGIC,
    PHYSICAL_OFFSET_POS, QUEUE_OFFSET_POS,
};
use crate::segment::{self, Segment, SegmentQueue};
use crate::util::{lock, now_millis};
use crate::Message;

/// Records encoded outside the append lock, waiting for their offsets and timestamp.
pub(crate) struct EncodedBatch<'a> {
    pub(crate) topic: &'a str,
    pub(crate) queue_id: i32,
    buf: Vec<u8>,
    /// (start in `buf`, store-timestamp position in the record, takes a queue offset) of the
    /// first record, inline so a single put allocates only its buffer.
    first: (usize, usize, bool),
    /// The same for the other records of a batch.
    rest: Vec<(usize, usize, bool)>,
}

impl<'a> EncodedBatch<'a> {
    /// Encode messages of one (topic, queue). The caller has validated everything but the
    /// properties' length, which is checked here.
    pub(crate) fn encode(msgs: &'a [Message], store_host: SocketAddr) -> Result<Self> {
        let first = &msgs[0];
        let mut total = 0;
        for m in msgs {
            let p = m.properties.encoded_len();
            if p > record::MAX_PROPERTIES_LEN {
                return Err(Error::InvalidArgument(format!(
                    "properties of {p} bytes exceed {}",
                    record::MAX_PROPERTIES_LEN
                )));
            }
            total += record::record_len(m.body.len(), m.topic.len(), p, &m.born_host, &store_host);
        }
        let mut buf = Vec::with_capacity(total);
        let mut records = msgs.iter().map(|m| {
            let start = buf.len();
            record::encode_record_with(
                &RecordFields {
                    queue_id: m.queue_id,
                    flag: m.flag,
                    queue_offset: 0,
                    physical_offset: 0,
                    sysflag: m.sysflag,
                    born_timestamp: m.born_timestamp,
                    born_host: m.born_host,
                    store_timestamp: 0,
                    store_host,
                    reconsume_times: m.reconsume_times,
                    prepared_transaction_offset: m.prepared_transaction_offset,
                    body: &m.body,
                    topic: &m.topic,
                    properties: "",
                },
                m.properties.encoded_len(),
                |out| m.properties.write_encoded(out),
                &mut buf,
            );
            let tx = sysflag::transaction_type(m.sysflag);
            // Prepared and rolled-back records do not take a queue offset (spec §4.1).
            let takes_offset =
                tx == sysflag::TRANSACTION_NOT_TYPE || tx == sysflag::TRANSACTION_COMMIT_TYPE;
            (
                start,
                record::store_timestamp_pos(&m.born_host),
                takes_offset,
            )
        });
        let first_rec = records.next().unwrap_or((0, 0, false));
        let rest: Vec<_> = records.collect();
        Ok(EncodedBatch {
            topic: &first.topic,
            queue_id: first.queue_id,
            buf,
            first: first_rec,
            rest,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }
}

/// Where an append landed.
#[derive(Debug, Clone)]
pub(crate) struct Appended {
    pub(crate) wrote_offset: u64,
    pub(crate) wrote_bytes: usize,
    pub(crate) queue_offset: i64,
    pub(crate) store_timestamp: i64,
    pub(crate) physical_offsets: Vec<i64>,
}

struct AppendState {
    /// Next byte to write (absolute). Equals `max_offset` outside the lock.
    write_offset: u64,
    current: Option<Arc<Segment>>,
    /// Next queue offset per topic and queue id.
    queue_offsets: HashMap<String, HashMap<i32, i64>>,
    last_timestamp: i64,
    /// Set at shutdown: appends after it fail with `Error::Closed`.
    closed: bool,
}

pub(crate) struct CommitLog {
    pub(crate) segments: SegmentQueue,
    append: Mutex<AppendState>,
    /// Published end: every byte below it is a complete record or blank.
    max_offset: AtomicU64,
    /// Every byte below it is durable.
    flushed_offset: AtomicU64,
    flush_lock: Mutex<()>,
    last_store_timestamp: AtomicI64,
    flushed_store_timestamp: AtomicI64,
    /// The next segment, created and pre-faulted by the allocator thread.
    prepared: Mutex<Option<(u64, Box<dyn MappedFile>)>>,
    pub(crate) allocate_signal: Signal,
}

/// How the recovery scan ended.
pub(crate) struct ScanEnd {
    /// End of the last valid record (or blank) reached.
    pub(crate) process_offset: u64,
    /// Why it stopped before the end of the last segment, if it did.
    pub(crate) stopped: Option<(u64, String)>,
}

impl CommitLog {
    pub(crate) fn new(segments: SegmentQueue) -> Self {
        CommitLog {
            segments,
            append: Mutex::new(AppendState {
                write_offset: 0,
                current: None,
                queue_offsets: HashMap::new(),
                last_timestamp: 0,
                closed: false,
            }),
            max_offset: AtomicU64::new(0),
            flushed_offset: AtomicU64::new(0),
            flush_lock: Mutex::new(()),
            last_store_timestamp: AtomicI64::new(0),
            flushed_store_timestamp: AtomicI64::new(0),
            prepared: Mutex::new(None),
            allocate_signal: Signal::default(),
        }
    }

    pub(crate) fn max_offset(&self) -> u64 {
        self.max_offset.load(Ordering::Acquire)
    }

    pub(crate) fn flushed_offset(&self) -> u64 {
        self.flushed_offset.load(Ordering::Acquire)
    }

    pub(crate) fn flushed_store_timestamp(&self) -> i64 {
        self.flushed_store_timestamp.load(Ordering::Relaxed)
    }

    /// Lowest physical offset still stored (the first segment's base).
    pub(crate) fn min_offset(&self) -> u64 {
        match self.segments.first() {
            Some(s) => s.base(),
            None => self.max_offset(),
        }
    }

    /// Set the append position after recovery (the log has been truncated there).
    pub(crate) fn set_recovered_end(
        &self,
        end: u64,
        queue_offsets: HashMap<String, HashMap<i32, i64>>,
    ) {
        let mut st = lock(&self.append);
        st.write_offset = end;
        st.current = self.segments.find(end);
        st.queue_offsets = queue_offsets;
        self.max_offset.store(end, Ordering::Release);
        self.flushed_offset.store(end, Ordering::Release);
    }

    /// Create and pre-fault the segment after the last one, if not done yet (the allocator
    /// thread's job, RocketMQ's `AllocateMappedFileService`).
    pub(crate) fn prepare_next(&self) -> Result<()> {
        // The lock is held while creating and warming, and the appender holds it while it
        // takes the prepared file or creates one itself: so the two never create, warm and
        // write the same file at once.
        let mut prepared = lock(&self.prepared);
        let next = match self.segments.snapshot().last() {
            Some(s) => s.end(),
            None => {
                let end = self.max_offset();
                if end % self.segments.file_size() != 0 {
                    return Ok(());
                }
                end
            }
        };
        if self.segments.find(next).is_some() || prepared.as_ref().is_some_and(|(b, _)| *b == next)
        {
            return Ok(());
        }
        if let Some((old, file)) = prepared.take() {
            drop(file);
            self.segments.discard(old);
        }
        let file = self.segments.open_new(next)?;
        segment::warm(file.as_ref());
        *prepared = Some((next, file));
        Ok(())
    }

    /// Delete a prepared but unused segment file (shutdown).
    pub(crate) fn discard_prepared(&self) {
        if let Some((base, file)) = lock(&self.prepared).take() {
            drop(file);
            if self.segments.find(base).is_none() {
                self.segments.discard(base);
            }
        }
    }

    /// Refuse further appends; waits for an append in progress.
    pub(crate) fn close(&self) {
        lock(&self.append).closed = true;
    }

    /// Forget the queue offsets of a deleted topic.
    pub(crate) fn forget_topic(&self, topic: &str) {
        lock(&self.append).queue_offsets.remove(topic);
    }

    /// Append a batch; all records land contiguously in one segment.
    pub(crate) fn append(&self, batch: &mut EncodedBatch<'_>) -> Result<Appended> {
        let total = batch.len() as u64;
        let file_size = self.segments.file_size();
        if total + BLANK_HEADER_SIZE as u64 > file_size {
            return Err(Error::InvalidArgument(format!(
                "{total}-byte append does not fit in a {file_size}-byte CommitLog file"
            )));
        }
        let mut st = lock(&self.append);
        if st.closed {
            return Err(Error::Closed);
        }
        let seg = loop {
            let seg = match &st.current {
                Some(s) if s.base() <= st.write_offset && st.write_offset < s.end() => s.clone(),
                _ => {
                    if st.write_offset % file_size != 0 {
                        return Err(Error::Corrupt {
                            file: self.segments.dir().to_path_buf(),
                            offset: st.write_offset,
                            reason: "append position is inside a missing CommitLog file".into(),
                        });
                    }
                    let mut prepared = lock(&self.prepared);
                    let s = match prepared.take_if(|(base, _)| *base == st.write_offset) {
                        Some((base, file)) => self.segments.install(base, file),
                        None => self.segments.create(st.write_offset)?,
                    };
                    drop(prepared);
                    st.current = Some(s.clone());
                    // Have the allocator prepare the one after.
                    self.allocate_signal.raise();
                    s
                }
            };
            let pos = st.write_offset - seg.base();
            let room = seg.size() - pos;
            if total + BLANK_HEADER_SIZE as u64 <= room {
                break seg;
            }
            // Close the segment with the blank record: its size covers the whole remainder.
            let mut blank = [0u8; BLANK_HEADER_SIZE];
            blank[..4].copy_from_slice(&(room as i32).to_be_bytes());
            blank[4..].copy_from_slice(&BLANK_MAGIC.to_be_bytes());
            // SAFETY: we hold the append lock (single writer) and `pos` is unpublished.
            unsafe { seg.write(pos as usize, &blank) };
            st.write_offset = seg.end();
            st.current = None;
            self.max_offset.store(st.write_offset, Ordering::Release);
        };

        let wrote_offset = st.write_offset;
        let timestamp = now_millis().max(st.last_timestamp);
        st.last_timestamp = timestamp;
        let offsets = match st.queue_offsets.get_mut(batch.topic) {
            Some(m) => m,
            None => st.queue_offsets.entry(batch.topic.to_owned()).or_default(),
        };
        let next = offsets.entry(batch.queue_id).or_insert(0);
        let first_queue_offset = *next;
        let mut physical_offsets = Vec::with_capacity(1 + batch.rest.len());
        let records = std::iter::once(batch.first).chain(batch.rest.iter().copied());
        for (start, ts_pos, takes_offset) in records {
            let phys = (wrote_offset + start as u64) as i64;
            let queue_offset = if takes_offset {
                let q = *next;
                *next += 1;
                q
            } else {
                0
            };
            let rec = &mut batch.buf[start..];
            rec[QUEUE_OFFSET_POS..QUEUE_OFFSET_POS + 8]
                .copy_from_slice(&queue_offset.to_be_bytes());
            rec[PHYSICAL_OFFSET_POS..PHYSICAL_OFFSET_POS + 8].copy_from_slice(&phys.to_be_bytes());
            rec[ts_pos..ts_pos + 8].copy_from_slice(&timestamp.to_be_bytes());
            physical_offsets.push(phys);
        }
        let pos = (wrote_offset - seg.base()) as usize;
        // SAFETY: single writer under the append lock; the range is beyond the published end.
        unsafe { seg.write(pos, &batch.buf) };
        st.write_offset += total;
        self.last_store_timestamp
            .store(timestamp, Ordering::Relaxed);
        self.max_offset.store(st.write_offset, Ordering::Release);
        Ok(Appended {
            wrote_offset,
            wrote_bytes: total as usize,
            queue_offset: first_queue_offset,
            store_timestamp: timestamp,
            physical_offsets,
        })
    }

    /// Append bytes copied from a master at exactly `offset` (a slave). An empty log may
    /// start at any file boundary; otherwise `offset` must be the current end and the bytes
    /// must stay within one file.
    pub(crate) fn append_raw(&self, offset: u64, data: &[u8]) -> Result<()> {
        let file_size = self.segments.file_size();
        let mut st = lock(&self.append);
        if st.closed {
            return Err(Error::Closed);
        }
        if st.write_offset != offset {
            if self.segments.len() == 0 && offset % file_size == 0 {
                st.write_offset = offset;
                self.max_offset.store(offset, Ordering::Release);
                self.flushed_offset.store(offset, Ordering::Release);
            } else {
                return Err(Error::InvalidArgument(format!(
                    "replicated data for offset {offset}, but the log ends at {}",
                    st.write_offset
                )));
            }
        }
        let seg = match &st.current {
            Some(s) if s.base() <= offset && offset < s.end() => s.clone(),
            _ => {
                if offset % file_size != 0 {
                    return Err(Error::InvalidArgument(format!(
                        "replicated data at {offset} is inside a missing file"
                    )));
                }
                let s = self.segments.create(offset)?;
                st.current = Some(s.clone());
                s
            }
        };
        let pos = offset - seg.base();
        if pos + data.len() as u64 > seg.size() {
            return Err(Error::InvalidArgument(
                "replicated data crosses a file boundary".into(),
            ));
        }
        // SAFETY: the append lock makes us the only writer; the range is beyond the published
        // end.
        unsafe { seg.write(pos as usize, data) };
        st.write_offset = offset + data.len() as u64;
        self.max_offset.store(st.write_offset, Ordering::Release);
        Ok(())
    }

    /// Run `f` on `len` published bytes at `phys`, without copying.
    pub(crate) fn with_slice<R>(
        &self,
        phys: u64,
        len: usize,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Option<R> {
        if phys.checked_add(len as u64)? > self.max_offset() {
            return None;
        }
        let seg = self.segments.find(phys)?;
        // SAFETY: the range is below the published end.
        let s = unsafe { seg.slice((phys - seg.base()) as usize, len)? };
        Some(f(s))
    }

    /// `len` published bytes at `phys` as a zero-copy buffer.
    pub(crate) fn read(&self, phys: u64, len: usize) -> Option<Bytes> {
        if phys.checked_add(len as u64)? > self.max_offset() {
            return None;
        }
        let seg = self.segments.find(phys)?;
        // SAFETY: published records are never rewritten while the store runs.
        unsafe { seg.bytes((phys - seg.base()) as usize, len) }
    }

    /// The whole record starting at `phys`, if one is stored there.
    pub(crate) fn record_at(&self, phys: u64) -> Option<Bytes> {
        let size = self.with_slice(phys, 8, peek_header)??;
        match size {
            (size, magic) if magic != BLANK_MAGIC && size > 0 => self.read(phys, size as usize),
            _ => None,
        }
    }

    /// Store timestamp of the record at `phys`.
    pub(crate) fn store_timestamp_at(&self, phys: u64, size: usize) -> Option<i64> {
        self.with_slice(phys, size, |b| {
            RecordView::decode(b, false)
                .ok()
                .map(|r| r.fields.store_timestamp)
        })?
    }

    /// Make everything appended so far durable, if at least `least_pages` 4 KiB pages are
    /// dirty (0: anything). Returns whether it synced.
    pub(crate) fn flush(&self, least_pages: u64) -> std::io::Result<bool> {
        let _g = lock(&self.flush_lock);
        let from = self.flushed_offset();
        // Read the timestamp first: it then belongs to a record at or below `to`.
        let ts = self.last_store_timestamp.load(Ordering::Relaxed);
        let to = self.max_offset();
        if to <= from || (least_pages > 0 && to / 4096 - from / 4096 < least_pages) {
            return Ok(false);
        }
        self.segments.sync_range(from, to)?;
        self.flushed_offset.store(to, Ordering::Release);
        self.flushed_store_timestamp.store(ts, Ordering::Relaxed);
        Ok(true)
    }

    /// Validate records from `start` (a segment base) on: CRC (when asked), self-consistent
    /// lengths, and a physical-offset field equal to the record's position. Stops at the first
    /// failure. `on_segment_done` is called with the base of each next segment as the scan
    /// passes a fully valid segment, so callers can checkpoint progress.
    pub(crate) fn scan(
        &self,
        start: u64,
        check_crc: bool,
        mut on_segment_done: impl FnMut(u64) -> Result<()>,
    ) -> Result<ScanEnd> {
        let segs = self.segments.snapshot();
        let Some(first_idx) = segs.iter().position(|s| s.end() > start) else {
            let end = segs.last().map_or(start, |s| s.end());
            return Ok(ScanEnd {
                process_offset: end.min(start),
                stopped: None,
            });
        };
        let mut offset = segs[first_idx].base().max(start);
        for (i, seg) in segs.iter().enumerate().skip(first_idx) {
            if seg.base() != offset && i != first_idx {
                return Ok(ScanEnd {
                    process_offset: offset,
                    stopped: Some((offset, "missing CommitLog file".into())),
                });
            }
            let size = seg.size() as usize;
            let mut pos = (offset - seg.base()) as usize;
            loop {
                if pos >= size {
                    break;
                }
                // SAFETY: recovery runs before any writer.
                let rest = unsafe { seg.slice(pos, size - pos) }.unwrap_or(&[]);
                match RecordView::decode(rest, check_crc) {
                    Ok(r) if r.fields.physical_offset == (seg.base() + pos as u64) as i64 => {
                        pos += r.total_size;
                    }
                    Ok(r) => {
                        let at = seg.base() + pos as u64;
                        return Ok(ScanEnd {
                            process_offset: at,
                            stopped: Some((
                                at,
                                format!(
                                    "record claims physical offset {}",
                                    r.fields.physical_offset
                                ),
                            )),
                        });
                    }
                    Err(DecodeError::Blank) => {
                        let blank = peek_header(rest).map(|(s, _)| s as i64).unwrap_or(0);
                        if blank != (size - pos) as i64 {
                            let at = seg.base() + pos as u64;
                            return Ok(ScanEnd {
                                process_offset: at,
                                stopped: Some((at, format!("blank record of size {blank}"))),
                            });
                        }
                        pos = size;
                    }
                    Err(e) => {
                        let at = seg.base() + pos as u64;
                        // Zeros where the next record would be are the normal end of the log.
                        let stopped = (!matches!(e, DecodeError::BadMagic(0))
                            || rest.iter().take(64).any(|&b| b != 0))
                        .then(|| (at, e.to_string()));
                        return Ok(ScanEnd {
                            process_offset: at,
                            stopped,
                        });
                    }
                }
            }
            offset = seg.end();
            on_segment_done(offset)?;
        }
        Ok(ScanEnd {
            process_offset: offset,
            stopped: None,
        })
    }

    /// Truncate the log at `offset` (recovery only).
    pub(crate) fn truncate(&self, offset: u64) -> Result<()> {
        self.segments.truncate(offset, true)
    }
}
