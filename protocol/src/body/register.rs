//! REGISTER_BROKER bodies (spec §3.20): `RegisterBrokerBody` in its plain JSON form and its
//! zlib-compressed form, and `TopicConfigSerializeWrapper`.
//!
//! The compressed form inflates to length-prefixed sections: DataVersion JSON, a topic count
//! and that many compact topic configs, the filter server list JSON, and (brokers ≥ 5.0.0) a
//! count of TopicQueueMappingInfo JSON objects. Decoding bounds every length by the bytes left
//! and caps the inflated size, so a hostile body costs at most [`MAX_INFLATED_LEN`] bytes.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use bytes::Bytes;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};

use crate::body::common::{DataVersion, TopicConfig};
use crate::command::version;
use crate::error::BodyError;

/// Largest inflated size accepted for a compressed register body: 64 MiB.
pub const MAX_INFLATED_LEN: usize = 64 << 20;

/// A broker's topic configs with their version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfigSerializeWrapper {
    /// Version of `topic_config_table`.
    pub data_version: DataVersion,
    /// 5.x static topics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping_data_version: Option<DataVersion>,
    /// Topic name → config.
    pub topic_config_table: BTreeMap<String, TopicConfig>,
    /// 5.x static topics, passed through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_queue_mapping_detail_map: Option<BTreeMap<String, serde_json::Value>>,
    /// 5.x static topics (topic → TopicQueueMappingInfo), passed through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_queue_mapping_info_map: Option<BTreeMap<String, serde_json::Value>>,
}

/// The REGISTER_BROKER body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RegisterBrokerBody {
    /// Filter server addresses (legacy).
    pub filter_server_list: Vec<String>,
    /// Topic configs.
    pub topic_config_serialize_wrapper: TopicConfigSerializeWrapper,
}

impl RegisterBrokerBody {
    /// Encodes the body in plain JSON, or compressed (`compressed=true` in the header) for a
    /// broker of version `broker_version` (the mapping section is written from 5.0.0 on).
    ///
    /// # Errors
    /// [`BodyError::Compressed`] if compression fails (it does not for in-memory buffers).
    pub fn encode(&self, compressed: bool, broker_version: i32) -> Result<Bytes, BodyError> {
        if !compressed {
            return Ok(crate::json::encode(self));
        }
        let wrapper = &self.topic_config_serialize_wrapper;
        let mut raw = Vec::new();
        let mut section = |bytes: &[u8]| {
            raw.extend_from_slice(&len_i32(bytes.len()).to_be_bytes());
            raw.extend_from_slice(bytes);
        };
        section(&crate::json::encode(&wrapper.data_version));
        // The count is not a length, but shares the i32 framing.
        let count = len_i32(wrapper.topic_config_table.len()).to_be_bytes();
        let mut rest = Vec::new();
        for config in wrapper.topic_config_table.values() {
            let text = config.encode_compact();
            rest.extend_from_slice(&len_i32(text.len()).to_be_bytes());
            rest.extend_from_slice(text.as_bytes());
        }
        raw.extend_from_slice(&count);
        raw.extend_from_slice(&rest);
        let filters = crate::json::encode(&self.filter_server_list);
        raw.extend_from_slice(&len_i32(filters.len()).to_be_bytes());
        raw.extend_from_slice(&filters);
        if broker_version >= version::V5_0_0 {
            let infos: Vec<&serde_json::Value> = wrapper
                .topic_queue_mapping_info_map
                .iter()
                .flat_map(|m| m.values())
                .collect();
            raw.extend_from_slice(&len_i32(infos.len()).to_be_bytes());
            for info in infos {
                let json = crate::json::encode(info);
                raw.extend_from_slice(&len_i32(json.len()).to_be_bytes());
                raw.extend_from_slice(&json);
            }
        }
        let mut enc = ZlibEncoder::new(Vec::new(), Compression::best());
        enc.write_all(&raw)
            .map_err(|e| BodyError::Compressed(e.to_string()))?;
        enc.finish()
            .map(Bytes::from)
            .map_err(|e| BodyError::Compressed(e.to_string()))
    }

    /// Decodes a REGISTER_BROKER body sent by a broker of version `broker_version` (the
    /// request's `version`). Brokers older than 3.0.11 send a bare wrapper.
    ///
    /// # Errors
    /// [`BodyError`] when the JSON or the compressed stream is malformed.
    pub fn decode(body: &[u8], compressed: bool, broker_version: i32) -> Result<Self, BodyError> {
        if compressed {
            return Self::decode_compressed(body);
        }
        if broker_version < version::V3_0_11 {
            return Ok(RegisterBrokerBody {
                filter_server_list: Vec::new(),
                topic_config_serialize_wrapper: crate::json::decode(body)?,
            });
        }
        crate::json::decode(body)
    }

    fn decode_compressed(body: &[u8]) -> Result<Self, BodyError> {
        let mut raw = Vec::new();
        ZlibDecoder::new(body)
            .take(MAX_INFLATED_LEN as u64 + 1)
            .read_to_end(&mut raw)
            .map_err(|e| BodyError::Compressed(e.to_string()))?;
        if raw.len() > MAX_INFLATED_LEN {
            return Err(BodyError::Compressed(format!(
                "inflates to more than {MAX_INFLATED_LEN} bytes"
            )));
        }
        let mut r = Sections { buf: &raw };
        let data_version: DataVersion = crate::json::decode(r.section("DataVersion")?)?;
        let topics = r.int("topic count")?;
        let mut topic_config_table = BTreeMap::new();
        for _ in 0..topics {
            let text = std::str::from_utf8(r.section("topic config")?)
                .map_err(|e| BodyError::Compressed(format!("topic config: {e}")))?;
            let config = TopicConfig::decode_compact(text)?;
            topic_config_table.insert(config.topic_name.clone(), config);
        }
        let filter_server_list = crate::json::decode(r.section("filter server list")?)?;
        // 4.x brokers stop here; 5.x brokers append the static-topic mapping section.
        let mut mapping = None;
        if !r.buf.is_empty() {
            let count = r.int("mapping count")?;
            let mut map = BTreeMap::new();
            for _ in 0..count {
                let info: serde_json::Value = crate::json::decode(r.section("mapping info")?)?;
                let topic = info
                    .get("topic")
                    .and_then(|t| t.as_str())
                    .unwrap_or_default()
                    .to_owned();
                map.insert(topic, info);
            }
            mapping = Some(map);
        }
        Ok(RegisterBrokerBody {
            filter_server_list,
            topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
                data_version,
                topic_config_table,
                topic_queue_mapping_info_map: mapping,
                ..TopicConfigSerializeWrapper::default()
            },
        })
    }
}

fn len_i32(len: usize) -> i32 {
    i32::try_from(len).unwrap_or(i32::MAX)
}

/// A cursor over the inflated sections.
struct Sections<'a> {
    buf: &'a [u8],
}

impl<'a> Sections<'a> {
    fn int(&mut self, what: &str) -> Result<i32, BodyError> {
        let bytes = self
            .buf
            .get(..4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .ok_or_else(|| BodyError::Compressed(format!("truncated before the {what}")))?;
        self.buf = &self.buf[4..];
        Ok(i32::from_be_bytes(bytes))
    }

    fn section(&mut self, what: &str) -> Result<&'a [u8], BodyError> {
        let len = self.int(what)?;
        let len = usize::try_from(len)
            .ok()
            .filter(|l| *l <= self.buf.len())
            .ok_or_else(|| BodyError::Compressed(format!("bad {what} length {len}")))?;
        let (head, tail) = self.buf.split_at(len);
        self.buf = tail;
        Ok(head)
    }
}
