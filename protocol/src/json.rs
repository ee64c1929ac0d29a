//! JSON in RocketMQ's fastjson dialect (spec §3.22).
//!
//! fastjson writes maps with integer keys unquoted (`{0:"addr"}`) and maps keyed by objects with
//! the object inline (`{{"brokerName":"b","queueId":0,"topic":"T"}:5}`); neither is standard
//! JSON. [`decode`] first tries standard JSON and, only if that fails, runs
//! [`quote_bare_keys`], which rewrites every object key that is not a string into a string
//! (bare tokens quoted as they are, object keys as their JSON text), then parses again.
//! Writing always produces standard JSON (quoted keys), which every known client accepts.

use std::borrow::Cow;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::BodyError;

/// Parses a JSON body, accepting fastjson's unquoted and object map keys.
///
/// # Errors
/// [`BodyError::Json`] with the error of the standard parse when neither parse succeeds.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    match serde_json::from_slice(bytes) {
        Ok(v) => Ok(v),
        Err(strict_err) => {
            let Ok(text) = std::str::from_utf8(bytes) else {
                return Err(strict_err.into());
            };
            match quote_bare_keys(text) {
                Cow::Borrowed(_) => Err(strict_err.into()),
                Cow::Owned(fixed) => serde_json::from_str(&fixed).map_err(|_| strict_err.into()),
            }
        }
    }
}

/// Encodes a body as standard JSON (quoted keys, fields in declaration order).
pub fn encode<T: Serialize>(value: &T) -> Bytes {
    // Serialising our own plain data types into memory cannot fail (no non-string map keys
    // that serde_json rejects, no I/O); an empty body is the safest fallback all the same.
    serde_json::to_vec(value)
        .map(Bytes::from)
        .unwrap_or_default()
}

/// Rewrites object keys that are not JSON strings into strings, leaving everything else —
/// including the contents of strings — untouched. Returns the input borrowed when nothing
/// needed rewriting.
pub fn quote_bare_keys(input: &str) -> Cow<'_, str> {
    let bytes = input.as_bytes();
    let mut out: Option<String> = None;
    // Containers open at this point: true for an object, false for an array.
    let mut stack: Vec<bool> = Vec::new();
    let mut expect_key = false;
    let mut copied = 0; // bytes of `input` already reflected in `out`
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'"' => {
                i = skip_string(bytes, i);
                expect_key = false;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ if expect_key && !matches!(c, b'}' | b']' | b',' | b':') => {
                let end = if c == b'{' || c == b'[' {
                    skip_container(bytes, i)
                } else {
                    bare_token_end(bytes, i)
                };
                let key = &input[i..end];
                let buf = out.get_or_insert_with(|| String::with_capacity(input.len() + 16));
                buf.push_str(&input[copied..i]);
                // A JSON string literal of the key's raw text.
                buf.push_str(&serde_json::Value::String(key.trim().to_owned()).to_string());
                copied = end;
                i = end;
                expect_key = false;
                continue;
            }
            b'{' => {
                stack.push(true);
                expect_key = true;
            }
            b'[' => {
                stack.push(false);
                expect_key = false;
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
            }
            b',' => expect_key = stack.last().copied().unwrap_or(false),
            _ => expect_key = false,
        }
        i += 1;
    }
    match out {
        None => Cow::Borrowed(input),
        Some(mut buf) => {
            buf.push_str(&input[copied..]);
            Cow::Owned(buf)
        }
    }
}

/// Index just past the string starting at `start` (a `"`), honouring backslash escapes.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Index just past the balanced object or array starting at `start`.
fn skip_container(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Index of the end of a bare key token: the next `:` or structural character. All delimiters
/// are ASCII, so the result is always a char boundary.
fn bare_token_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|b| matches!(b, b':' | b',' | b'{' | b'}' | b'[' | b']' | b'"'))
        .map_or(bytes.len(), |p| start + p)
}
