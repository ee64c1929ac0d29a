//! Messages as applications see them: [`Message`] to send, [`MessageExt`] as received, plus
//! the client-side message id (`UNIQ_KEY`, spec §4.6) and body (de)compression (§4.5).
//!
//! Invariants: a received body is always handed to the application decompressed (zlib or
//! zstd, by the sysflag's compression type) and the sysflag then has its COMPRESSED bit
//! cleared; a message from `%RETRY%<group>` shows its original topic (`RETRY_TOPIC`).

use std::fmt::Write as _;
use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ferromq_protocol::record::{self, sysflag, Properties, RecordView};

use crate::error::{ClientError, Result};

/// Well-known property names used by the client (spec §4.4).
pub mod property {
    /// Business keys, space separated.
    pub const KEYS: &str = "KEYS";
    /// The tag.
    pub const TAGS: &str = "TAGS";
    /// `"false"` → the broker does not wait for flush/replication.
    pub const WAIT: &str = "WAIT";
    /// Delay level 1..18.
    pub const DELAY: &str = "DELAY";
    /// 5.x timer: absolute delivery time in ms.
    pub const TIMER_DELIVER_MS: &str = "TIMER_DELIVER_MS";
    /// Client message id.
    pub const UNIQ_KEY: &str = "UNIQ_KEY";
    /// Half message marker.
    pub const TRAN_MSG: &str = "TRAN_MSG";
    /// Producer group of a half message.
    pub const PGROUP: &str = "PGROUP";
    /// Original topic of a retry message.
    pub const RETRY_TOPIC: &str = "RETRY_TOPIC";
    /// Message id of the first delivery.
    pub const ORIGIN_MESSAGE_ID: &str = "ORIGIN_MESSAGE_ID";
    /// Sharding key of an ordered message.
    pub const SHARDING_KEY: &str = "__SHARDINGKEY";
    /// Queue min offset stamped after a pull.
    pub const MIN_OFFSET: &str = "MIN_OFFSET";
    /// Queue max offset stamped after a pull.
    pub const MAX_OFFSET: &str = "MAX_OFFSET";
    /// Transaction id on half messages.
    pub const TRANSACTION_ID: &str = "__transactionId__";
}

/// A message to send.
///
/// ```
/// use ferromq_client::Message;
/// let m = Message::new("TopicTest", "hello").with_tags("TagA").with_keys(["order-1"]);
/// assert_eq!(m.tags(), Some("TagA"));
/// assert_eq!(m.keys(), vec!["order-1"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// Target topic.
    pub topic: String,
    /// Payload.
    pub body: Bytes,
    /// User flag carried verbatim.
    pub flag: i32,
    /// User and system properties.
    pub properties: Properties,
}

impl Message {
    /// A message for `topic` with `body`.
    ///
    /// ```
    /// let m = ferromq_client::Message::new("T", vec![1u8, 2, 3]);
    /// assert_eq!(m.body.len(), 3);
    /// ```
    pub fn new(topic: impl Into<String>, body: impl Into<Bytes>) -> Message {
        Message {
            topic: topic.into(),
            body: body.into(),
            flag: 0,
            properties: Properties::new(),
        }
    }

    /// Sets the tag (used for consumer-side filtering).
    ///
    /// ```
    /// let m = ferromq_client::Message::new("T", "x").with_tags("TagA");
    /// assert_eq!(m.tags(), Some("TagA"));
    /// ```
    #[must_use]
    pub fn with_tags(mut self, tags: impl Into<String>) -> Message {
        self.properties.insert(property::TAGS, tags);
        self
    }

    /// Sets the business keys (each is indexed by the broker for QUERY_MESSAGE).
    ///
    /// ```
    /// let m = ferromq_client::Message::new("T", "x").with_keys(["a", "b"]);
    /// assert_eq!(m.keys(), vec!["a", "b"]);
    /// ```
    #[must_use]
    pub fn with_keys<I, S>(mut self, keys: I) -> Message
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let joined: Vec<String> = keys.into_iter().map(|k| k.as_ref().to_owned()).collect();
        self.properties.insert(property::KEYS, joined.join(" "));
        self
    }

    /// Sets the delay level (1..=18; 1 = 1 s, 2 = 5 s, 3 = 10 s ... with the default levels).
    ///
    /// ```
    /// let m = ferromq_client::Message::new("T", "x").with_delay_level(3);
    /// assert_eq!(m.property("DELAY"), Some("3"));
    /// ```
    #[must_use]
    pub fn with_delay_level(mut self, level: i32) -> Message {
        self.properties.insert(property::DELAY, level.to_string());
        self
    }

    /// Sets an absolute delivery time (ms since the epoch; 5.x timer property
    /// `TIMER_DELIVER_MS`).
    ///
    /// ```
    /// let m = ferromq_client::Message::new("T", "x").with_delivery_time_ms(1_900_000_000_000);
    /// assert_eq!(m.property("TIMER_DELIVER_MS"), Some("1900000000000"));
    /// ```
    #[must_use]
    pub fn with_delivery_time_ms(mut self, at_ms: i64) -> Message {
        self.properties
            .insert(property::TIMER_DELIVER_MS, at_ms.to_string());
        self
    }

    /// Sets any property.
    ///
    /// ```
    /// let m = ferromq_client::Message::new("T", "x").with_property("k", "v");
    /// assert_eq!(m.property("k"), Some("v"));
    /// ```
    #[must_use]
    pub fn with_property(mut self, name: impl Into<String>, value: impl Into<String>) -> Message {
        self.properties.insert(name, value);
        self
    }

    /// Sets the user flag.
    ///
    /// ```
    /// assert_eq!(ferromq_client::Message::new("T", "x").with_flag(7).flag, 7);
    /// ```
    #[must_use]
    pub fn with_flag(mut self, flag: i32) -> Message {
        self.flag = flag;
        self
    }

    /// The tag, if any.
    ///
    /// ```
    /// assert_eq!(ferromq_client::Message::new("T", "x").tags(), None);
    /// ```
    pub fn tags(&self) -> Option<&str> {
        self.properties.get(property::TAGS)
    }

    /// The business keys.
    ///
    /// ```
    /// assert!(ferromq_client::Message::new("T", "x").keys().is_empty());
    /// ```
    pub fn keys(&self) -> Vec<&str> {
        self.properties
            .get(property::KEYS)
            .map(|k| k.split(' ').filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }

    /// A property.
    ///
    /// ```
    /// assert_eq!(ferromq_client::Message::new("T", "x").property("nope"), None);
    /// ```
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name)
    }
}

/// A message as received from a broker (pull, query or view).
///
/// ```
/// # fn show(m: &ferromq_client::MessageExt) {
/// println!("{} {}@{} {:?}", m.msg_id, m.queue_id, m.queue_offset, m.tags());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageExt {
    /// Topic (the original topic for retried messages).
    pub topic: String,
    /// Payload, decompressed.
    pub body: Bytes,
    /// User flag.
    pub flag: i32,
    /// Properties.
    pub properties: Properties,
    /// Broker group the message was read from.
    pub broker_name: String,
    /// Queue id.
    pub queue_id: i32,
    /// Logic offset in the queue.
    pub queue_offset: i64,
    /// Physical CommitLog offset.
    pub commit_log_offset: i64,
    /// Message sysflag (COMPRESSED cleared after decompression).
    pub sys_flag: i32,
    /// Producer wall clock, ms.
    pub born_timestamp: i64,
    /// Producer address.
    pub born_host: SocketAddr,
    /// Broker wall clock at store, ms.
    pub store_timestamp: i64,
    /// Broker address.
    pub store_host: SocketAddr,
    /// Delivery attempts so far.
    pub reconsume_times: i32,
    /// Prepared-transaction offset.
    pub prepared_transaction_offset: i64,
    /// `UNIQ_KEY` when present, else the offset message id.
    pub msg_id: String,
    /// Server-side id (store host + physical offset).
    pub offset_msg_id: String,
}

impl MessageExt {
    /// The tag, if any.
    ///
    /// ```
    /// # fn f(m: &ferromq_client::MessageExt) -> Option<&str> {
    /// m.tags()
    /// # }
    /// ```
    pub fn tags(&self) -> Option<&str> {
        self.properties.get(property::TAGS)
    }

    /// The business keys.
    ///
    /// ```
    /// # fn f(m: &ferromq_client::MessageExt) -> Vec<&str> {
    /// m.keys()
    /// # }
    /// ```
    pub fn keys(&self) -> Vec<&str> {
        self.properties
            .get(property::KEYS)
            .map(|k| k.split(' ').filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }

    /// A property.
    ///
    /// ```
    /// # fn f(m: &ferromq_client::MessageExt) -> Option<&str> {
    /// m.property("KEYS")
    /// # }
    /// ```
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name)
    }

    /// Builds a message from a decoded stored record, decompressing the body.
    pub(crate) fn from_record(view: &RecordView<'_>, broker_name: &str) -> Result<MessageExt> {
        let f = &view.fields;
        let mut sys_flag = f.sysflag;
        let body = if sys_flag & sysflag::COMPRESSED != 0 {
            let out = decompress(sys_flag, f.body)?;
            sys_flag &= !sysflag::COMPRESSED;
            Bytes::from(out)
        } else {
            Bytes::copy_from_slice(f.body)
        };
        let properties = Properties::parse(f.properties);
        let offset_msg_id = view.offset_msg_id();
        let msg_id = properties
            .get(property::UNIQ_KEY)
            .map_or_else(|| offset_msg_id.clone(), str::to_owned);
        let topic = match properties.get(property::RETRY_TOPIC) {
            Some(orig) if f.topic.starts_with("%RETRY%") => orig.to_owned(),
            _ => f.topic.to_owned(),
        };
        Ok(MessageExt {
            topic,
            body,
            flag: f.flag,
            properties,
            broker_name: broker_name.to_owned(),
            queue_id: f.queue_id,
            queue_offset: f.queue_offset,
            commit_log_offset: f.physical_offset,
            sys_flag,
            born_timestamp: f.born_timestamp,
            born_host: f.born_host,
            store_timestamp: f.store_timestamp,
            store_host: f.store_host,
            reconsume_times: f.reconsume_times,
            prepared_transaction_offset: f.prepared_transaction_offset,
            msg_id,
            offset_msg_id,
        })
    }
}

/// Decodes the stored records of a pull/query/view body (spec §4.7), stopping at the first
/// record that does not decode.
pub(crate) fn decode_messages(body: &[u8], broker_name: &str) -> Vec<MessageExt> {
    let (views, _complete) = record::decode_all(body, false);
    views
        .iter()
        .filter_map(|v| match MessageExt::from_record(v, broker_name) {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::warn!("dropping a message whose body does not decompress: {e}");
                None
            }
        })
        .collect()
}

/// Largest body a compressed message may inflate to (guards against decompression bombs).
const MAX_INFLATED: u64 = 64 << 20;

/// Decompresses a body by the sysflag's compression type (0 or ZLIB → zlib, ZSTD → zstd).
pub(crate) fn decompress(flag: i32, body: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    match flag & sysflag::COMPRESSION_TYPE_MASK {
        0 | sysflag::COMPRESSION_ZLIB => {
            flate2::read::ZlibDecoder::new(body)
                .take(MAX_INFLATED)
                .read_to_end(&mut out)
                .map_err(|e| ClientError::Compression(format!("zlib: {e}")))?;
        }
        sysflag::COMPRESSION_ZSTD => {
            zstd::stream::read::Decoder::new(body)
                .map_err(|e| ClientError::Compression(format!("zstd: {e}")))?
                .take(MAX_INFLATED)
                .read_to_end(&mut out)
                .map_err(|e| ClientError::Compression(format!("zstd: {e}")))?;
        }
        other => {
            return Err(ClientError::Compression(format!(
                "unsupported compression type {:#x}",
                other
            )))
        }
    }
    Ok(out)
}

/// Compresses with zstd; returns the body and the sysflag bits to OR in.
pub(crate) fn compress_zstd(body: &[u8], level: i32) -> Result<(Vec<u8>, i32)> {
    let out = zstd::bulk::compress(body, level)
        .map_err(|e| ClientError::Compression(format!("zstd: {e}")))?;
    Ok((out, sysflag::COMPRESSED | sysflag::COMPRESSION_ZSTD))
}

/// Wall clock in ms since the epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Days since the epoch → (year, month, day) (Howard Hinnant's civil_from_days).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

struct UniqPrefix {
    hex: String,
}

static UNIQ_PREFIX: OnceLock<UniqPrefix> = OnceLock::new();
static UNIQ_COUNTER: AtomicU16 = AtomicU16::new(0);

/// Sets the IP used in generated ids (first call wins; later calls are ignored).
pub(crate) fn init_uniq_prefix(ip: IpAddr) {
    let _ = UNIQ_PREFIX.get_or_init(|| make_prefix(ip));
}

fn make_prefix(ip: IpAddr) -> UniqPrefix {
    let mut bytes = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    bytes.extend_from_slice(&((std::process::id() & 0xFFFF) as u16).to_be_bytes());
    bytes.extend_from_slice(&crate::instance::random_u32().to_be_bytes());
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(hex, "{b:02X}");
    }
    UniqPrefix { hex }
}

/// A new client message id (`UNIQ_KEY`, spec §4.6): IP ‖ pid ‖ random ‖ ms since the start of
/// the month ‖ counter, upper-case hex. The month starts at 00:00 UTC (Java uses local time;
/// the field only has to make ids unique, nobody decodes it).
///
/// ```
/// let id = ferromq_client::new_message_id();
/// assert_eq!(id.len(), 32);
/// assert_ne!(id, ferromq_client::new_message_id());
/// ```
pub fn new_message_id() -> String {
    let prefix = UNIQ_PREFIX.get_or_init(|| make_prefix(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)));
    let now = now_ms();
    let days = now.div_euclid(86_400_000);
    let (_, _, day) = civil_from_days(days);
    let month_start = (days - i64::from(day) + 1) * 86_400_000;
    let since = (now - month_start) as i32;
    let counter = UNIQ_COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut id = String::with_capacity(prefix.hex.len() + 12);
    id.push_str(&prefix.hex);
    let _ = write!(id, "{since:08X}{counter:04X}");
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn zstd_and_zlib_round_trip() {
        let body = vec![b'a'; 10_000];
        let (c, flag) = compress_zstd(&body, 3).unwrap();
        assert!(c.len() < 200);
        assert_eq!(decompress(flag, &c).unwrap(), body);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(5));
        std::io::Write::write_all(&mut z, &body).unwrap();
        let z = z.finish().unwrap();
        assert_eq!(decompress(sysflag::COMPRESSED, &z).unwrap(), body);
        assert_eq!(
            decompress(sysflag::COMPRESSED | sysflag::COMPRESSION_ZLIB, &z).unwrap(),
            body
        );
        assert!(decompress(sysflag::COMPRESSED, b"garbage").is_err());
    }
}
