//! KV config: namespace → key → value, persisted to `kvConfigPath` on every change
//! (spec §14.6).
//!
//! Invariant: the file on disk is always a complete JSON document
//! (`{"configTable":{ns:{k:v}}}`): it is replaced atomically (write a temp file in the same
//! directory, fsync it, rename it over the old one, fsync the directory). Writes happen on the
//! blocking pool so fsync never stalls the reactor, and one at a time, each writing the latest
//! state, so the file never goes backwards.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::error::NamesrvError;

/// Namespace → key → value.
type ConfigTable = BTreeMap<String, BTreeMap<String, String>>;

/// The file format (`KVConfigSerializeWrapper`).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct KvConfigFile {
    config_table: ConfigTable,
}

/// The KV store of a name server.
#[derive(Debug)]
pub(crate) struct KvConfigManager {
    path: PathBuf,
    table: Mutex<ConfigTable>,
    /// Serialises file writes; held across the blocking write.
    persist_lock: tokio::sync::Mutex<()>,
}

impl KvConfigManager {
    /// Loads the file at `path`; a missing file is an empty store.
    pub(crate) fn load(path: PathBuf) -> Result<Self, NamesrvError> {
        let table = match std::fs::read(&path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => ConfigTable::new(),
            Ok(bytes) => {
                ferromq_protocol::json::decode::<KvConfigFile>(&bytes)
                    .map_err(|e| NamesrvError::KvConfigCorrupt {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?
                    .config_table
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ConfigTable::new(),
            Err(source) => return Err(NamesrvError::KvConfigIo { path, source }),
        };
        Ok(KvConfigManager {
            path,
            table: Mutex::new(table),
            persist_lock: tokio::sync::Mutex::new(()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ConfigTable> {
        // The table holds plain data that every critical section leaves consistent.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) async fn put(
        self: &Arc<Self>,
        namespace: &str,
        key: &str,
        value: &str,
    ) -> Result<(), NamesrvError> {
        self.lock()
            .entry(namespace.to_owned())
            .or_default()
            .insert(key.to_owned(), value.to_owned());
        self.persist().await
    }

    /// Deletes a key; returns whether it existed. Persists only when something changed.
    pub(crate) async fn delete(
        self: &Arc<Self>,
        namespace: &str,
        key: &str,
    ) -> Result<bool, NamesrvError> {
        let removed = {
            let mut table = self.lock();
            let removed = table
                .get_mut(namespace)
                .and_then(|ns| ns.remove(key))
                .is_some();
            if table.get(namespace).is_some_and(BTreeMap::is_empty) {
                table.remove(namespace);
            }
            removed
        };
        if removed {
            self.persist().await?;
        }
        Ok(removed)
    }

    pub(crate) fn get(&self, namespace: &str, key: &str) -> Option<String> {
        self.lock()
            .get(namespace)
            .and_then(|ns| ns.get(key))
            .cloned()
    }

    /// Every entry of a namespace; `None` when it has none.
    pub(crate) fn namespace(&self, namespace: &str) -> Option<BTreeMap<String, String>> {
        self.lock()
            .get(namespace)
            .filter(|ns| !ns.is_empty())
            .cloned()
    }

    async fn persist(self: &Arc<Self>) -> Result<(), NamesrvError> {
        let _guard = self.persist_lock.lock().await;
        // Snapshot under the persist lock so a later writer always writes newer state.
        let bytes = ferromq_protocol::json::encode(&KvConfigFile {
            config_table: self.lock().clone(),
        });
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(|e| NamesrvError::KvConfigIo {
                path: self.path.clone(),
                source: std::io::Error::other(e.to_string()),
            })?
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), NamesrvError> {
    let io_err = |source| NamesrvError::KvConfigIo {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io_err)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = std::fs::File::create(&tmp).map_err(io_err)?;
    file.write_all(bytes).map_err(io_err)?;
    file.sync_all().map_err(io_err)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io_err)?;
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
