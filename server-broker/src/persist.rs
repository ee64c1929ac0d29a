//! Durable JSON metadata files (`config/*.json`), written the way RocketMQ's ConfigManager
//! does: the previous file becomes `<name>.bak`, the new content goes to a temp file that is
//! fsynced and renamed into place, then the directory is fsynced. Loading falls back to the
//! `.bak` copy when the file is missing, empty or corrupt.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::BrokerError;

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Write `content` to `path` durably, keeping the previous version as `.bak`.
///
/// # Errors
/// I/O errors; the previous content stays readable (as the file or its `.bak`).
pub fn write_atomic(path: &Path, content: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = with_suffix(path, ".tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
    }
    if path.exists() {
        std::fs::copy(path, with_suffix(path, ".bak"))?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Load a JSON file (fastjson dialect accepted), falling back to its `.bak`. `Ok(None)` when
/// neither exists.
///
/// # Errors
/// [`BrokerError::Metadata`] when both exist but neither parses.
pub fn load_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, BrokerError> {
    let mut last_err = None;
    for p in [path.to_path_buf(), with_suffix(path, ".bak")] {
        match std::fs::read(&p) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => continue,
            Ok(bytes) => match ferromq_protocol::json::decode::<T>(&bytes) {
                Ok(v) => return Ok(Some(v)),
                Err(e) => {
                    tracing::warn!(file = %p.display(), error = %e, "unreadable metadata file");
                    last_err = Some(e.to_string());
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => last_err = Some(e.to_string()),
        }
    }
    match last_err {
        Some(reason) => Err(BrokerError::Metadata {
            path: path.display().to_string(),
            reason,
        }),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_the_backup() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        write_atomic(&p, b"{\"a\":1}").unwrap();
        write_atomic(&p, b"{\"a\":2}").unwrap();
        std::fs::write(&p, b"{garbage").unwrap();
        let v: serde_json::Value = load_json(&p).unwrap().unwrap();
        assert_eq!(v["a"], 1);
        assert!(
            load_json::<serde_json::Value>(&dir.path().join("none.json"))
                .unwrap()
                .is_none()
        );
    }
}
