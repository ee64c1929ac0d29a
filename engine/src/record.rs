//! The stored message record: RocketMQ's CommitLog layout (spec §4), byte for byte.
//!
//! A record is self-describing: it starts with its total size and a magic word, carries a
//! masked CRC32 of its body, and ends with the topic and the properties string. The same bytes
//! are what a pull, query or view response sends to clients, so this codec is shared with the
//! protocol crate. Decoding never panics: arbitrary input yields a [`RecordView`] or a
//! [`DecodeError`].
//!
//! Every integer is big-endian (Java `ByteBuffer`).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::DecodeError;

/// Magic of a V1 record (1-byte topic length).
pub const MAGIC_V1: u32 = 0xDAA3_20A7;
/// Magic of a V2 record (2-byte topic length), written for topics longer than 127 bytes.
pub const MAGIC_V2: u32 = 0xDAA3_20AB;
/// Magic of the blank record that fills the end of a CommitLog file.
pub const BLANK_MAGIC: u32 = 0xCBD4_3194;
/// Size of the blank end-of-file header (total size + magic); every file keeps room for it.
pub const BLANK_HEADER_SIZE: usize = 8;

/// Offset of the queue-offset field (same for every record version and host family).
pub const QUEUE_OFFSET_POS: usize = 20;
/// Offset of the physical-offset field.
pub const PHYSICAL_OFFSET_POS: usize = 28;
/// Offset of the sysflag field.
pub const SYSFLAG_POS: usize = 36;
/// Offset of the born-timestamp field.
pub const BORN_TIMESTAMP_POS: usize = 40;
/// Offset of the born-host field.
const BORN_HOST_POS: usize = 48;

/// Largest properties string a record can carry (its length is an i16).
pub const MAX_PROPERTIES_LEN: usize = i16::MAX as usize;

/// Message sysflag bits (`MessageSysFlag`, spec §4.5).
pub mod sysflag {
    /// The body is compressed (type in bits 8–10; 0 with this bit means zlib).
    pub const COMPRESSED: i32 = 0x1;
    /// Multi-tag topic.
    pub const MULTI_TAGS: i32 = 0x2;
    /// Mask of the transaction type.
    pub const TRANSACTION_TYPE_MASK: i32 = 0xC;
    /// Not transactional (or a half message re-typed to its half topic).
    pub const TRANSACTION_NOT_TYPE: i32 = 0x0;
    /// A prepared (half) message.
    pub const TRANSACTION_PREPARED_TYPE: i32 = 0x4;
    /// A committed transactional message.
    pub const TRANSACTION_COMMIT_TYPE: i32 = 0x8;
    /// A rolled-back transactional message.
    pub const TRANSACTION_ROLLBACK_TYPE: i32 = 0xC;
    /// The born host is a 16-byte IPv6 address.
    pub const BORNHOST_V6: i32 = 0x10;
    /// The store host is a 16-byte IPv6 address.
    pub const STOREHOST_V6: i32 = 0x20;
    /// 5.x inner batch needs unwrapping.
    pub const NEED_UNWRAP: i32 = 0x40;
    /// 5.x inner batch.
    pub const INNER_BATCH: i32 = 0x80;
    /// Mask of the 5.x compression type (1 = LZ4, 2 = ZSTD, 3 = ZLIB).
    pub const COMPRESSION_TYPE_MASK: i32 = 0x700;
    /// ZSTD compression type bits.
    pub const COMPRESSION_ZSTD: i32 = 0x200;
    /// ZLIB compression type bits.
    pub const COMPRESSION_ZLIB: i32 = 0x300;
    /// LZ4 compression type bits.
    pub const COMPRESSION_LZ4: i32 = 0x100;

    /// The transaction type of a sysflag (`getTransactionValue`).
    pub fn transaction_type(flag: i32) -> i32 {
        flag & TRANSACTION_TYPE_MASK
    }
}

/// Well-known property keys (`MessageConst`, spec §4.4) that the engine itself reads.
pub mod property {
    /// Business keys, separated by single spaces.
    pub const KEYS: &str = "KEYS";
    /// The message tag; its Java hash is the ConsumeQueue tags code.
    pub const TAGS: &str = "TAGS";
    /// `"false"`: do not wait for sync flush / slave ack.
    pub const WAIT_STORE_MSG_OK: &str = "WAIT";
    /// Delay level (1-based).
    pub const DELAY_TIME_LEVEL: &str = "DELAY";
    /// Client-side unique message id.
    pub const UNIQ_KEY: &str = "UNIQ_KEY";
    /// Original topic of a parked message.
    pub const REAL_TOPIC: &str = "REAL_TOPIC";
    /// Original queue id of a parked message.
    pub const REAL_QUEUE_ID: &str = "REAL_QID";
    /// Broker cluster name.
    pub const CLUSTER: &str = "CLUSTER";
    /// `"true"` marks a transactional half message.
    pub const TRANSACTION_PREPARED: &str = "TRAN_MSG";
    /// Producer group.
    pub const PRODUCER_GROUP: &str = "PGROUP";
}

const NAME_VALUE_SEPARATOR: char = '\u{1}';
const PROPERTY_SEPARATOR: char = '\u{2}';

/// Java `String.hashCode()` over UTF-16 code units with wrapping arithmetic.
///
/// ```
/// assert_eq!(ferromq_engine::record::java_hash("TagA"), 2598919);
/// assert_eq!(ferromq_engine::record::java_hash("TopicTest#key1"), -1655984460);
/// ```
pub fn java_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// The ConsumeQueue tags code of a `TAGS` value: its Java hash, sign-extended; 0 without a tag.
pub fn tags_code(tags: Option<&str>) -> i64 {
    match tags {
        Some(t) if !t.is_empty() => i64::from(java_hash(t)),
        _ => 0,
    }
}

/// RocketMQ's CRC32: IEEE CRC-32 with the top bit cleared.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data) & 0x7FFF_FFFF
}

/// Message properties: an ordered list of name/value pairs, stored as
/// `name \x01 value \x02 ...` (spec §4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    pairs: Vec<(String, String)>,
}

impl Properties {
    /// No properties.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parse a stored properties string with Java's rules: segments split on `\x02`, each
    /// needs a non-empty name and value around the first `\x01`; anything else is skipped.
    pub fn parse(s: &str) -> Self {
        let pairs = s
            .split(PROPERTY_SEPARATOR)
            .filter_map(|seg| {
                let (name, value) = seg.split_once(NAME_VALUE_SEPARATOR)?;
                (!name.is_empty() && !value.is_empty()).then(|| (name.to_owned(), value.to_owned()))
            })
            .collect();
        Properties { pairs }
    }

    /// Look up one property in a stored properties string without building a map.
    pub fn find<'a>(s: &'a str, name: &str) -> Option<&'a str> {
        s.split(PROPERTY_SEPARATOR).find_map(|seg| {
            let (n, v) = seg.split_once(NAME_VALUE_SEPARATOR)?;
            (n == name && !v.is_empty()).then_some(v)
        })
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Set `name` to `value`, replacing an earlier value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.pairs.iter_mut().find(|(n, _)| *n == name) {
            Some(pair) => pair.1 = value,
            None => self.pairs.push((name, value)),
        }
    }

    /// Remove `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        let i = self.pairs.iter().position(|(n, _)| n == name)?;
        Some(self.pairs.remove(i).1)
    }

    /// Iterate over the pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Length in bytes of [`Properties::encode`]'s output.
    pub fn encoded_len(&self) -> usize {
        self.pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| n.len() + v.len() + 2)
            .sum()
    }

    /// Append the stored form to `out` (no intermediate string).
    pub fn write_encoded(&self, out: &mut Vec<u8>) {
        for (n, v) in &self.pairs {
            if v.is_empty() {
                continue;
            }
            out.extend_from_slice(n.as_bytes());
            out.push(1);
            out.extend_from_slice(v.as_bytes());
            out.push(2);
        }
    }

    /// The stored form: every pair ends with `\x02`; pairs with an empty value are skipped.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (n, v) in &self.pairs {
            if v.is_empty() {
                continue;
            }
            out.push_str(n);
            out.push(NAME_VALUE_SEPARATOR);
            out.push_str(v);
            out.push(PROPERTY_SEPARATOR);
        }
        out
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Properties {
    fn from_iter<T: IntoIterator<Item = (N, V)>>(iter: T) -> Self {
        let mut p = Properties::new();
        for (n, v) in iter {
            p.insert(n, v);
        }
        p
    }
}

/// Every field of a stored record, as written by [`encode_record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFields<'a> {
    /// Queue id inside the topic.
    pub queue_id: i32,
    /// User flag from the producer.
    pub flag: i32,
    /// Logic offset in the record's ConsumeQueue.
    pub queue_offset: i64,
    /// CommitLog offset of the record's first byte.
    pub physical_offset: i64,
    /// Sysflag; the IPv6 host bits are set by the encoder from the addresses.
    pub sysflag: i32,
    /// Producer timestamp, ms.
    pub born_timestamp: i64,
    /// Producer address.
    pub born_host: SocketAddr,
    /// Broker timestamp when appended, ms.
    pub store_timestamp: i64,
    /// Broker address.
    pub store_host: SocketAddr,
    /// Previous delivery attempts.
    pub reconsume_times: i32,
    /// Physical offset of the half message, for a committed transactional message.
    pub prepared_transaction_offset: i64,
    /// Stored (possibly compressed) body.
    pub body: &'a [u8],
    /// Topic name.
    pub topic: &'a str,
    /// Stored properties string.
    pub properties: &'a str,
}

fn host_len(addr: &SocketAddr) -> usize {
    match addr {
        SocketAddr::V4(_) => 8,
        SocketAddr::V6(_) => 20,
    }
}

/// Encoded length of a record with these parts.
pub fn record_len(
    body_len: usize,
    topic_len: usize,
    properties_len: usize,
    born_host: &SocketAddr,
    store_host: &SocketAddr,
) -> usize {
    let topic_len_width = if topic_len > 127 { 2 } else { 1 };
    4 + 4
        + 4
        + 4
        + 4
        + 8
        + 8
        + 4
        + 8
        + host_len(born_host)
        + 8
        + host_len(store_host)
        + 4
        + 8
        + 4
        + body_len
        + topic_len_width
        + topic_len
        + 2
        + properties_len
}

/// Byte position of the store timestamp in a record with this born host.
pub fn store_timestamp_pos(born_host: &SocketAddr) -> usize {
    BORN_HOST_POS + host_len(born_host)
}

fn put_host(out: &mut Vec<u8>, addr: &SocketAddr) {
    match addr.ip() {
        IpAddr::V4(ip) => out.extend_from_slice(&ip.octets()),
        IpAddr::V6(ip) => out.extend_from_slice(&ip.octets()),
    }
    out.extend_from_slice(&i32::from(addr.port()).to_be_bytes());
}

/// Append the record for `f` to `out`. V1 magic unless the topic is longer than 127 bytes
/// (then V2); the IPv6 sysflag bits follow the addresses. The caller checks the size limits
/// (topic ≤ 32767 bytes, properties ≤ [`MAX_PROPERTIES_LEN`]); longer values are truncated in
/// their length fields, so check first.
pub fn encode_record(f: &RecordFields<'_>, out: &mut Vec<u8>) {
    encode_record_with(
        f,
        f.properties.len(),
        |o| o.extend_from_slice(f.properties.as_bytes()),
        out,
    );
}

/// [`encode_record`] with the properties written by `write_props` (exactly `props_len`
/// bytes) instead of taken from `f.properties`, so the store encodes them in place.
pub(crate) fn encode_record_with(
    f: &RecordFields<'_>,
    props_len: usize,
    write_props: impl FnOnce(&mut Vec<u8>),
    out: &mut Vec<u8>,
) {
    let total = record_len(
        f.body.len(),
        f.topic.len(),
        props_len,
        &f.born_host,
        &f.store_host,
    );
    let v2 = f.topic.len() > 127;
    let mut sysflag = f.sysflag & !(sysflag::BORNHOST_V6 | sysflag::STOREHOST_V6);
    if f.born_host.is_ipv6() {
        sysflag |= sysflag::BORNHOST_V6;
    }
    if f.store_host.is_ipv6() {
        sysflag |= sysflag::STOREHOST_V6;
    }
    out.reserve(total);
    out.extend_from_slice(&(total as i32).to_be_bytes());
    out.extend_from_slice(&(if v2 { MAGIC_V2 } else { MAGIC_V1 }).to_be_bytes());
    out.extend_from_slice(&crc32(f.body).to_be_bytes());
    out.extend_from_slice(&f.queue_id.to_be_bytes());
    out.extend_from_slice(&f.flag.to_be_bytes());
    out.extend_from_slice(&f.queue_offset.to_be_bytes());
    out.extend_from_slice(&f.physical_offset.to_be_bytes());
    out.extend_from_slice(&sysflag.to_be_bytes());
    out.extend_from_slice(&f.born_timestamp.to_be_bytes());
    put_host(out, &f.born_host);
    out.extend_from_slice(&f.store_timestamp.to_be_bytes());
    put_host(out, &f.store_host);
    out.extend_from_slice(&f.reconsume_times.to_be_bytes());
    out.extend_from_slice(&f.prepared_transaction_offset.to_be_bytes());
    out.extend_from_slice(&(f.body.len() as i32).to_be_bytes());
    out.extend_from_slice(f.body);
    if v2 {
        out.extend_from_slice(&(f.topic.len() as i16).to_be_bytes());
    } else {
        out.push(f.topic.len() as u8);
    }
    out.extend_from_slice(f.topic.as_bytes());
    out.extend_from_slice(&(props_len as i16).to_be_bytes());
    let before = out.len();
    write_props(out);
    debug_assert_eq!(out.len() - before, props_len);
}

/// A decoded record borrowing its body, topic and properties from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordView<'a> {
    /// Whole record length.
    pub total_size: usize,
    /// `MAGIC_V1` or `MAGIC_V2`.
    pub magic: u32,
    /// Stored body CRC (masked).
    pub body_crc: u32,
    /// The decoded fields.
    pub fields: RecordFields<'a>,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated {
            need: usize::MAX,
            have: self.buf.len(),
        })?;
        let s = self.buf.get(self.pos..end).ok_or(DecodeError::Truncated {
            need: end,
            have: self.buf.len(),
        })?;
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn i8(&mut self) -> Result<i8, DecodeError> {
        Ok(i8::from_be_bytes(self.array()?))
    }
    fn i16(&mut self) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(self.array()?))
    }
    fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.array()?))
    }
    fn host(&mut self, v6: bool) -> Result<SocketAddr, DecodeError> {
        let ip = if v6 {
            IpAddr::V6(Ipv6Addr::from(self.array::<16>()?))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.array::<4>()?))
        };
        let port = self.i32()?;
        // Java stores the port as an int; anything outside u16 is not a real address.
        let port = u16::try_from(port).map_err(|_| DecodeError::Invalid("host port"))?;
        Ok(SocketAddr::new(ip, port))
    }
    fn str(&mut self, n: usize, what: &'static str) -> Result<&'a str, DecodeError> {
        std::str::from_utf8(self.take(n)?).map_err(|_| DecodeError::Invalid(what))
    }
}

/// Read the total size and magic at the start of `buf`, if there are 8 bytes.
pub fn peek_header(buf: &[u8]) -> Option<(i32, u32)> {
    let size = i32::from_be_bytes(buf.get(0..4)?.try_into().ok()?);
    let magic = u32::from_be_bytes(buf.get(4..8)?.try_into().ok()?);
    Some((size, magic))
}

impl<'a> RecordView<'a> {
    /// Decode the record at the start of `buf` (which may hold more bytes after it).
    ///
    /// With `check_crc` the body CRC is verified. The total size must equal the length
    /// computed from the parsed fields (spec §7.3).
    ///
    /// # Errors
    /// [`DecodeError::Blank`] for the end-of-file blank record, other variants for torn,
    /// garbage or inconsistent bytes.
    pub fn decode(buf: &'a [u8], check_crc: bool) -> Result<Self, DecodeError> {
        let (total, magic) = peek_header(buf).ok_or(DecodeError::Truncated {
            need: 8,
            have: buf.len(),
        })?;
        if magic == BLANK_MAGIC {
            return Err(DecodeError::Blank);
        }
        if magic != MAGIC_V1 && magic != MAGIC_V2 {
            return Err(DecodeError::BadMagic(magic));
        }
        let total = usize::try_from(total)
            .ok()
            .filter(|&t| t >= 8)
            .ok_or(DecodeError::BadTotalSize(total))?;
        if total > buf.len() {
            return Err(DecodeError::Truncated {
                need: total,
                have: buf.len(),
            });
        }
        let mut r = Reader {
            buf: &buf[..total],
            pos: 8,
        };
        let body_crc = r.u32()?;
        let queue_id = r.i32()?;
        let flag = r.i32()?;
        let queue_offset = r.i64()?;
        let physical_offset = r.i64()?;
        let sysflag = r.i32()?;
        let born_timestamp = r.i64()?;
        let born_host = r.host(sysflag & sysflag::BORNHOST_V6 != 0)?;
        let store_timestamp = r.i64()?;
        let store_host = r.host(sysflag & sysflag::STOREHOST_V6 != 0)?;
        let reconsume_times = r.i32()?;
        let prepared_transaction_offset = r.i64()?;
        let body_len =
            usize::try_from(r.i32()?).map_err(|_| DecodeError::Invalid("body length"))?;
        let body = r.take(body_len)?;
        let topic_len = if magic == MAGIC_V2 {
            usize::try_from(r.i16()?).map_err(|_| DecodeError::Invalid("topic length"))?
        } else {
            // V1 stores the length as a signed byte; Java reads it signed.
            usize::try_from(r.i8()?).map_err(|_| DecodeError::Invalid("topic length"))?
        };
        let topic = r.str(topic_len, "topic")?;
        let props_len =
            usize::try_from(r.i16()?).map_err(|_| DecodeError::Invalid("properties length"))?;
        let properties = r.str(props_len, "properties")?;
        if r.pos != total {
            return Err(DecodeError::LengthMismatch {
                total,
                computed: r.pos,
            });
        }
        if check_crc {
            let computed = crc32(body);
            if computed != body_crc {
                return Err(DecodeError::CrcMismatch {
                    stored: body_crc,
                    computed,
                });
            }
        }
        Ok(RecordView {
            total_size: total,
            magic,
            body_crc,
            fields: RecordFields {
                queue_id,
                flag,
                queue_offset,
                physical_offset,
                sysflag,
                born_timestamp,
                born_host,
                store_timestamp,
                store_host,
                reconsume_times,
                prepared_transaction_offset,
                body,
                topic,
                properties,
            },
        })
    }

    /// The value of one property.
    pub fn property(&self, name: &str) -> Option<&'a str> {
        Properties::find(self.fields.properties, name)
    }

    /// The ConsumeQueue tags code of this record.
    pub fn tags_code(&self) -> i64 {
        tags_code(self.property(property::TAGS))
    }

    /// The offset message id of this record.
    pub fn offset_msg_id(&self) -> String {
        offset_msg_id(self.fields.store_host, self.fields.physical_offset)
    }
}

/// Decode every record of a pull/query body (records back to back), stopping at the first
/// one that fails to decode, as Java clients do. Returns the records and whether all of `buf`
/// was consumed.
pub fn decode_all(buf: &[u8], check_crc: bool) -> (Vec<RecordView<'_>>, bool) {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        match RecordView::decode(&buf[pos..], check_crc) {
            Ok(r) => {
                pos += r.total_size;
                out.push(r);
            }
            Err(_) => return (out, false),
        }
    }
    (out, true)
}

/// The offset message id: upper-case hex of store IP ‖ port (i32) ‖ physical offset (i64);
/// 32 characters for IPv4, 56 for IPv6 (spec §4.6).
pub fn offset_msg_id(store_host: SocketAddr, physical_offset: i64) -> String {
    let mut bytes = Vec::with_capacity(28);
    put_host(&mut bytes, &store_host);
    bytes.extend_from_slice(&physical_offset.to_be_bytes());
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// Decode an offset message id into the store host and the physical offset.
///
/// # Errors
/// [`DecodeError::Invalid`] unless the id is 32 or 56 hex characters.
pub fn decode_offset_msg_id(id: &str) -> Result<(SocketAddr, i64), DecodeError> {
    let bad = DecodeError::Invalid("offset message id");
    if id.len() != 32 && id.len() != 56 {
        return Err(bad);
    }
    let bytes = id
        .as_bytes()
        .chunks(2)
        .map(|c| {
            std::str::from_utf8(c)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or(bad)?;
    let mut r = Reader {
        buf: &bytes,
        pos: 0,
    };
    let host = r.host(id.len() == 56)?;
    let offset = r.i64()?;
    Ok((host, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hash_matches_spec_examples() {
        assert_eq!(java_hash("TagA"), 2_598_919);
        assert_eq!(java_hash("*"), 42);
        assert_eq!(java_hash("TopicTest#key1"), -1_655_984_460);
        // Non-BMP characters hash as two UTF-16 code units, like Java.
        assert_eq!(java_hash("😀"), 31 * 0xD83D + 0xDE00);
    }

    #[test]
    fn properties_follow_java_parsing_rules() {
        let p =
            Properties::parse("TAGS\u{1}TagA\u{2}\u{2}x\u{1}\u{2}\u{1}v\u{2}WAIT\u{1}true\u{2}");
        assert_eq!(p.get("TAGS"), Some("TagA"));
        assert_eq!(p.get("WAIT"), Some("true"));
        assert_eq!(p.len(), 2);
        assert_eq!(p.encode(), "TAGS\u{1}TagA\u{2}WAIT\u{1}true\u{2}");
        assert_eq!(Properties::find(&p.encode(), "WAIT"), Some("true"));
    }

    #[test]
    fn offset_msg_id_round_trips_v4_and_v6() {
        let v4: SocketAddr = "192.168.0.10:10911".parse().unwrap();
        assert_eq!(offset_msg_id(v4, 0), "C0A8000A00002A9F0000000000000000");
        assert_eq!(
            decode_offset_msg_id("C0A8000A00002A9F0000000000000000").unwrap(),
            (v4, 0)
        );
        let v6: SocketAddr = "[2001:db8::1]:10911".parse().unwrap();
        let id = offset_msg_id(v6, 1 << 40);
        assert_eq!(id.len(), 56);
        assert_eq!(decode_offset_msg_id(&id).unwrap(), (v6, 1 << 40));
        assert!(decode_offset_msg_id("XYZ").is_err());
        assert!(decode_offset_msg_id("ZZA8000A00002A9F0000000000000000").is_err());
    }
}
