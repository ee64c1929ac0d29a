//! The remoting command: one request or response, its header and its body (spec §1).
//!
//! Reading is lenient the way Java's fastjson is (missing `serializeTypeCurrentRPC`, numeric or
//! boolean `extFields` values, null or missing `remark`/`extFields`, unknown keys, any
//! `language` string); writing is strict (every field a strict client requires, string-valued
//! `extFields`). Decoding never panics: every malformed input is a [`ProtocolError`].

use std::collections::BTreeMap;
use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;
use serde_json::Value;

use crate::error::{HeaderError, ProtocolError};
use crate::header::CommandHeader;

/// The custom header of a command: key → value, both strings on the wire. A `BTreeMap` so that
/// encoded headers list their keys in the sorted order fastjson uses.
pub type ExtFields = BTreeMap<String, String>;

/// Flag bit 0: the command is a response.
pub const FLAG_RESPONSE: i32 = 1;
/// Flag bit 1: the request is oneway (no response expected, even on error).
pub const FLAG_ONEWAY: i32 = 2;

/// `MQVersion.Version` ordinals that change behaviour (spec §1.6).
pub mod version {
    /// Reset-offset push to clients requires at least this version.
    pub const V3_0_7_SNAPSHOT: i32 = 28;
    /// REGISTER_BROKER bodies are a `RegisterBrokerBody` from this version on (else a bare
    /// `TopicConfigSerializeWrapper`).
    pub const V3_0_11: i32 = 37;
    /// Send-back and retry sends honour `maxReconsumeTimes` from this version on.
    pub const V3_4_9: i32 = 121;
    /// 4.0.0.
    pub const V4_0_0: i32 = 213;
    /// The Java name server answers standard JSON route data from this version on.
    pub const V4_9_4: i32 = 401;
    /// 4.9.7.
    pub const V4_9_7: i32 = 407;
    /// Compressed register bodies carry the topic-queue-mapping section from this version on.
    pub const V5_0_0: i32 = 413;
    /// GO_AWAY is only sent to clients above this version.
    pub const V5_3_1: i32 = 475;
    /// 5.3.3, the develop version the spec was written from.
    pub const V5_3_3: i32 = 479;
    /// The version FerroMQ puts in the commands it sends.
    pub const CURRENT: i32 = V5_3_3;
}

/// How the header of a frame is encoded: the top byte of the header-length word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum SerializeType {
    /// Type 0: a UTF-8 JSON object (what every known client sends by default).
    #[default]
    Json,
    /// Type 1: RocketMQ's compact binary header (spec §1.4).
    RocketMq,
}

impl SerializeType {
    /// The byte stored in the top of the header-length word.
    pub fn code(self) -> u8 {
        match self {
            SerializeType::Json => 0,
            SerializeType::RocketMq => 1,
        }
    }

    /// The type for a header-length word's top byte.
    ///
    /// # Errors
    /// [`ProtocolError::UnknownSerializeType`] for anything but 0 and 1.
    pub fn from_code(code: u8) -> Result<Self, ProtocolError> {
        match code {
            0 => Ok(SerializeType::Json),
            1 => Ok(SerializeType::RocketMq),
            other => Err(ProtocolError::UnknownSerializeType(other)),
        }
    }

    /// The name used in the JSON header's `serializeTypeCurrentRPC`.
    pub fn name(self) -> &'static str {
        match self {
            SerializeType::Json => "JSON",
            SerializeType::RocketMq => "ROCKETMQ",
        }
    }
}

/// The sender's language (spec §1.5). Names this crate does not know are kept verbatim, since
/// clients newer than a server (e.g. `NODE_JS` on a 4.x broker) must still be served.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum LanguageCode {
    /// 0
    #[default]
    Java,
    /// 1
    Cpp,
    /// 2
    Dotnet,
    /// 3
    Python,
    /// 4
    Delphi,
    /// 5
    Erlang,
    /// 6
    Ruby,
    /// 7
    Other,
    /// 8
    Http,
    /// 9
    Go,
    /// 10
    Php,
    /// 11
    Oms,
    /// 12
    Rust,
    /// 13 (5.x only)
    NodeJs,
    /// A name this crate does not know, kept as received. Encoded as OTHER (7) in binary headers.
    Unknown(String),
}

const LANGUAGES: [(LanguageCode, &str); 14] = [
    (LanguageCode::Java, "JAVA"),
    (LanguageCode::Cpp, "CPP"),
    (LanguageCode::Dotnet, "DOTNET"),
    (LanguageCode::Python, "PYTHON"),
    (LanguageCode::Delphi, "DELPHI"),
    (LanguageCode::Erlang, "ERLANG"),
    (LanguageCode::Ruby, "RUBY"),
    (LanguageCode::Other, "OTHER"),
    (LanguageCode::Http, "HTTP"),
    (LanguageCode::Go, "GO"),
    (LanguageCode::Php, "PHP"),
    (LanguageCode::Oms, "OMS"),
    (LanguageCode::Rust, "RUST"),
    (LanguageCode::NodeJs, "NODE_JS"),
];

impl LanguageCode {
    /// The enum name used in JSON headers (`"JAVA"`, `"NODE_JS"` ...).
    pub fn name(&self) -> &str {
        match self {
            LanguageCode::Unknown(s) => s,
            known => LANGUAGES
                .iter()
                .find(|(l, _)| l == known)
                .map_or("OTHER", |(_, n)| n),
        }
    }

    /// The language for a JSON header name; unknown names are kept.
    pub fn from_name(name: &str) -> Self {
        LANGUAGES.iter().find(|(_, n)| *n == name).map_or_else(
            || LanguageCode::Unknown(name.to_owned()),
            |(l, _)| l.clone(),
        )
    }

    /// The byte used in binary headers.
    pub fn code(&self) -> u8 {
        LANGUAGES
            .iter()
            .position(|(l, _)| l == self)
            .and_then(|p| u8::try_from(p).ok())
            .unwrap_or(7)
    }

    /// The language for a binary header byte (or a fastjson ordinal); unknown bytes become
    /// `Unknown("<byte>")`.
    pub fn from_code(code: u8) -> Self {
        LANGUAGES.get(usize::from(code)).map_or_else(
            || LanguageCode::Unknown(code.to_string()),
            |(l, _)| l.clone(),
        )
    }
}

impl fmt::Display for LanguageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One remoting command: a request or a response.
///
/// `opaque` pairs a response with its request on one connection; `flag` bit 0 marks a response,
/// bit 1 a oneway request. A zero-length body is `None` ("no body"), as in Java.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemotingCommand {
    /// Request code for requests, response code for responses.
    pub code: i32,
    /// The sender's language.
    pub language: LanguageCode,
    /// The sender's `MQVersion` ordinal.
    pub version: i32,
    /// Request id chosen by the requester; a response copies it.
    pub opaque: i32,
    /// [`FLAG_RESPONSE`] | [`FLAG_ONEWAY`].
    pub flag: i32,
    /// Human-readable error text (or the pull status name).
    pub remark: Option<String>,
    /// The custom header.
    pub ext_fields: ExtFields,
    /// How the header is (or will be) encoded. A response uses its request's type.
    pub serialize_type: SerializeType,
    /// The body; `None` when empty.
    pub body: Option<Bytes>,
}

impl RemotingCommand {
    /// A new request with FerroMQ's language (`JAVA`, so Java-only code paths of peers treat us
    /// as a Java peer) and version, opaque 0.
    pub fn request(code: i32) -> Self {
        RemotingCommand {
            code,
            language: LanguageCode::Java,
            version: version::CURRENT,
            ..RemotingCommand::default()
        }
    }

    /// A response to `request`: same opaque, same serialize type, response flag set.
    pub fn response_to(request: &RemotingCommand, code: i32) -> Self {
        RemotingCommand {
            code,
            language: LanguageCode::Java,
            version: version::CURRENT,
            opaque: request.opaque,
            flag: FLAG_RESPONSE,
            serialize_type: request.serialize_type,
            ..RemotingCommand::default()
        }
    }

    /// Sets the opaque (request id).
    #[must_use]
    pub fn with_opaque(mut self, opaque: i32) -> Self {
        self.opaque = opaque;
        self
    }

    /// Sets the remark.
    #[must_use]
    pub fn with_remark(mut self, remark: impl Into<String>) -> Self {
        self.remark = Some(remark.into());
        self
    }

    /// Sets the body; an empty body means "no body".
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        let body = body.into();
        self.body = if body.is_empty() { None } else { Some(body) };
        self
    }

    /// Writes a typed header into `extFields` (keeping fields already there).
    #[must_use]
    pub fn with_header<H: CommandHeader>(mut self, header: &H) -> Self {
        header.write_ext_fields(&mut self.ext_fields);
        self
    }

    /// Sets one raw `extFields` entry (e.g. `MSG_REGION` on send responses).
    #[must_use]
    pub fn with_ext_field(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.ext_fields.insert(key.into(), value.into());
        self
    }

    /// Marks the request oneway.
    #[must_use]
    pub fn oneway(mut self) -> Self {
        self.flag |= FLAG_ONEWAY;
        self
    }

    /// Whether this is a response (flag bit 0).
    pub fn is_response(&self) -> bool {
        self.flag & FLAG_RESPONSE != 0
    }

    /// Whether this is a oneway request (flag bit 1).
    pub fn is_oneway(&self) -> bool {
        self.flag & FLAG_ONEWAY != 0
    }

    /// Reads a typed header from `extFields`.
    ///
    /// # Errors
    /// [`HeaderError`] when a required field is missing or a field does not parse.
    pub fn decode_header<H: CommandHeader>(&self) -> Result<H, HeaderError> {
        H::from_ext_fields(&self.ext_fields)
    }

    /// The body bytes, or an empty slice.
    pub fn body_bytes(&self) -> &[u8] {
        self.body.as_deref().unwrap_or(&[])
    }

    /// Appends the whole frame (length prefix included) to `dst`.
    ///
    /// # Errors
    /// [`ProtocolError::Unencodable`] when a value does not fit the chosen header encoding;
    /// [`ProtocolError::FrameTooLarge`] when the frame would exceed `max_frame_length`.
    pub fn encode_frame(
        &self,
        dst: &mut BytesMut,
        max_frame_length: usize,
    ) -> Result<(), ProtocolError> {
        let header = match self.serialize_type {
            SerializeType::Json => self.encode_json_header()?,
            SerializeType::RocketMq => self.encode_binary_header()?,
        };
        let body = self.body_bytes();
        if header.len() > 0x00FF_FFFF {
            return Err(ProtocolError::Unencodable {
                field: "header length",
                value: i64::try_from(header.len()).unwrap_or(i64::MAX),
                serialize_type: self.serialize_type.name(),
            });
        }
        let frame_len = 4 + header.len() + body.len();
        // Java compares the frame length plus its 4-byte prefix with the limit.
        if frame_len + 4 > max_frame_length {
            return Err(ProtocolError::FrameTooLarge {
                length: (frame_len + 4) as u64,
                max: max_frame_length,
            });
        }
        let frame_len = i32::try_from(frame_len).map_err(|_| ProtocolError::FrameTooLarge {
            length: (frame_len + 4) as u64,
            max: max_frame_length,
        })?;
        let header_word = (u32::from(self.serialize_type.code()) << 24)
            | u32::try_from(header.len()).unwrap_or(0x00FF_FFFF);
        dst.reserve(4 + frame_len as usize);
        dst.put_i32(frame_len);
        dst.put_u32(header_word);
        dst.put_slice(&header);
        dst.put_slice(body);
        Ok(())
    }

    /// Encodes the whole frame (length prefix included) with the default 16 MiB limit.
    ///
    /// # Errors
    /// As [`RemotingCommand::encode_frame`].
    pub fn to_frame(&self) -> Result<Bytes, ProtocolError> {
        let mut buf = BytesMut::new();
        self.encode_frame(&mut buf, crate::codec::DEFAULT_MAX_FRAME_LENGTH)?;
        Ok(buf.freeze())
    }

    /// Decodes one frame *without* its 4-byte length prefix: the header-length word, the
    /// header and the body.
    ///
    /// # Errors
    /// [`ProtocolError`] for any malformed header; the body is taken as is.
    pub fn decode_frame(mut frame: Bytes) -> Result<Self, ProtocolError> {
        let word = frame
            .get(..4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map(u32::from_be_bytes)
            .ok_or(ProtocolError::FrameTooShort(
                i32::try_from(frame.len()).unwrap_or(i32::MAX),
            ))?;
        let serialize_type = SerializeType::from_code((word >> 24) as u8)?;
        let header_len = (word & 0x00FF_FFFF) as usize;
        let available = frame.len() - 4;
        if header_len > available {
            return Err(ProtocolError::HeaderLengthOutOfRange {
                header: header_len,
                available,
            });
        }
        let _ = frame.split_to(4);
        let header = frame.split_to(header_len);
        let mut cmd = match serialize_type {
            SerializeType::Json => decode_json_header(&header)?,
            SerializeType::RocketMq => decode_binary_header(&header)?,
        };
        cmd.serialize_type = serialize_type;
        cmd.body = if frame.is_empty() { None } else { Some(frame) };
        Ok(cmd)
    }

    fn encode_json_header(&self) -> Result<Vec<u8>, ProtocolError> {
        // Field order = fastjson's alphabetical order, so our bytes match Java's.
        #[derive(Serialize)]
        struct JsonHeaderOut<'a> {
            code: i32,
            #[serde(rename = "extFields", skip_serializing_if = "BTreeMap::is_empty")]
            ext_fields: &'a ExtFields,
            flag: i32,
            language: &'a str,
            opaque: i32,
            #[serde(skip_serializing_if = "Option::is_none")]
            remark: Option<&'a str>,
            #[serde(rename = "serializeTypeCurrentRPC")]
            serialize_type: &'static str,
            version: i32,
        }
        let out = JsonHeaderOut {
            code: self.code,
            ext_fields: &self.ext_fields,
            flag: self.flag,
            language: self.language.name(),
            opaque: self.opaque,
            remark: self.remark.as_deref().filter(|r| !r.is_empty()),
            serialize_type: SerializeType::Json.name(),
            version: self.version,
        };
        serde_json::to_vec(&out).map_err(|e| ProtocolError::JsonHeader(e.to_string()))
    }

    fn encode_binary_header(&self) -> Result<Vec<u8>, ProtocolError> {
        let unencodable = |field, value: i64| ProtocolError::Unencodable {
            field,
            value,
            serialize_type: "ROCKETMQ",
        };
        let code = i16::try_from(self.code).map_err(|_| unencodable("code", self.code.into()))?;
        let version =
            i16::try_from(self.version).map_err(|_| unencodable("version", self.version.into()))?;
        let remark = self.remark.as_deref().unwrap_or("").as_bytes();
        let mut ext = Vec::new();
        for (k, v) in &self.ext_fields {
            // Java writes no entry whose key or value is empty: it would read back as null.
            if k.is_empty() || v.is_empty() {
                continue;
            }
            let klen = i16::try_from(k.len()).map_err(|_| unencodable("key length", 0))?;
            let vlen = i32::try_from(v.len()).map_err(|_| unencodable("value length", 0))?;
            ext.extend_from_slice(&klen.to_be_bytes());
            ext.extend_from_slice(k.as_bytes());
            ext.extend_from_slice(&vlen.to_be_bytes());
            ext.extend_from_slice(v.as_bytes());
        }
        let remark_len = i32::try_from(remark.len()).map_err(|_| unencodable("remark", 0))?;
        let ext_len = i32::try_from(ext.len()).map_err(|_| unencodable("extFields", 0))?;
        let mut out = Vec::with_capacity(21 + remark.len() + ext.len());
        out.extend_from_slice(&code.to_be_bytes());
        out.push(self.language.code());
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&self.opaque.to_be_bytes());
        out.extend_from_slice(&self.flag.to_be_bytes());
        out.extend_from_slice(&remark_len.to_be_bytes());
        out.extend_from_slice(remark);
        out.extend_from_slice(&ext_len.to_be_bytes());
        out.extend_from_slice(&ext);
        Ok(out)
    }
}

fn json_err(msg: impl Into<String>) -> ProtocolError {
    ProtocolError::JsonHeader(msg.into())
}

/// Reads an int field the way fastjson does: a JSON number, or a string holding one.
fn json_int(obj: &serde_json::Map<String, Value>, key: &str) -> Result<i32, ProtocolError> {
    let parsed = match obj.get(key) {
        None | Some(Value::Null) => return Ok(0),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(Value::Bool(_) | Value::Array(_) | Value::Object(_)) => None,
    };
    parsed
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| json_err(format!("`{key}` is not a 32-bit integer")))
}

/// `extFields` values as fastjson's `HashMap<String,String>` sees them: strings as they are,
/// numbers and booleans as their text, `null` as absent, nested JSON as its JSON text.
fn json_ext_value(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other @ (Value::Array(_) | Value::Object(_)) => Some(other.to_string()),
    }
}

fn decode_json_header(header: &[u8]) -> Result<RemotingCommand, ProtocolError> {
    let value: Value = serde_json::from_slice(header).map_err(|e| json_err(e.to_string()))?;
    let Value::Object(mut obj) = value else {
        return Err(json_err("the header is not a JSON object"));
    };
    let language = match obj.remove("language") {
        None | Some(Value::Null) => LanguageCode::Java,
        Some(Value::String(s)) => LanguageCode::from_name(&s),
        // fastjson also accepts an enum's ordinal.
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .map_or(LanguageCode::Other, LanguageCode::from_code),
        Some(_) => return Err(json_err("`language` is not a string")),
    };
    let remark = match obj.remove("remark") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    };
    let ext_fields = match obj.remove("extFields") {
        None | Some(Value::Null) => ExtFields::new(),
        Some(Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| json_ext_value(v).map(|v| (k, v)))
            .collect(),
        Some(_) => return Err(json_err("`extFields` is not a JSON object")),
    };
    Ok(RemotingCommand {
        code: json_int(&obj, "code")?,
        language,
        version: json_int(&obj, "version")?,
        opaque: json_int(&obj, "opaque")?,
        flag: json_int(&obj, "flag")?,
        remark,
        ext_fields,
        // The frame's type byte is authoritative; `serializeTypeCurrentRPC` is informational.
        serialize_type: SerializeType::Json,
        body: None,
    })
}

/// A bounds-checked big-endian reader over a binary header.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ProtocolError> {
        if n > self.buf.len() {
            return Err(ProtocolError::BinaryHeader("truncated header"));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ProtocolError> {
        <[u8; N]>::try_from(self.take(N)?)
            .map_err(|_| ProtocolError::BinaryHeader("truncated header"))
    }

    fn u8(&mut self) -> Result<u8, ProtocolError> {
        Ok(self.array::<1>()?[0])
    }

    fn i16(&mut self) -> Result<i16, ProtocolError> {
        Ok(i16::from_be_bytes(self.array()?))
    }

    fn i32(&mut self) -> Result<i32, ProtocolError> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    /// A length-prefixed string; length 0 is "null" (Java).
    fn string(&mut self, len: i64) -> Result<Option<String>, ProtocolError> {
        if len < 0 {
            return Err(ProtocolError::BinaryHeader("negative string length"));
        }
        let len = usize::try_from(len)
            .map_err(|_| ProtocolError::BinaryHeader("string length out of range"))?;
        if len == 0 {
            return Ok(None);
        }
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec())
            .map(Some)
            .map_err(|_| ProtocolError::BinaryHeader("string is not UTF-8"))
    }
}

fn decode_binary_header(header: &[u8]) -> Result<RemotingCommand, ProtocolError> {
    let mut r = Reader { buf: header };
    let code = i32::from(r.i16()?);
    let language = LanguageCode::from_code(r.u8()?);
    let version = i32::from(r.i16()?);
    let opaque = r.i32()?;
    let flag = r.i32()?;
    let remark_len = r.i32()?;
    let remark = r.string(remark_len.into())?;
    let ext_len = r.i32()?;
    if ext_len < 0 {
        return Err(ProtocolError::BinaryHeader("negative extFields length"));
    }
    let ext_bytes = r.take(usize::try_from(ext_len).unwrap_or(usize::MAX))?;
    let mut ext = Reader { buf: ext_bytes };
    let mut ext_fields = ExtFields::new();
    while !ext.buf.is_empty() {
        let klen = ext.i16()?;
        let key = ext.string(klen.into())?;
        let vlen = ext.i32()?;
        let value = ext.string(vlen.into())?;
        if let (Some(k), Some(v)) = (key, value) {
            ext_fields.insert(k, v);
        }
    }
    Ok(RemotingCommand {
        code,
        language,
        version,
        opaque,
        flag,
        remark,
        ext_fields,
        serialize_type: SerializeType::RocketMq,
        body: None,
    })
}
