//! Subscription groups (`config/subscriptionGroup.json`, spec §12.2): per consumer group,
//! whether it may consume, its retry queues and retry limit. Auto-created on first use when
//! `autoCreateSubscriptionGroup`; system groups exist from the start.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};

use ferromq_protocol::body::admin::{SubscriptionGroupConfig, SubscriptionGroupWrapper};
use ferromq_protocol::body::common::DataVersion;

use crate::error::BrokerError;
use crate::persist;

const SYSTEM_GROUPS: &[&str] = &[
    "TOOLS_CONSUMER",
    "FILTERSRV_CONSUMER",
    "SELF_TEST_C_GROUP",
    "CID_ONS-HTTP-PROXY",
    "CID_ONSAPI_PULL",
    "CID_ONSAPI_PERMISSION",
    "CID_ONSAPI_OWNER",
    "CID_RMQ_SYS_TRANS",
];

/// The broker's subscription groups.
pub struct GroupManager {
    path: PathBuf,
    table: RwLock<BTreeMap<String, SubscriptionGroupConfig>>,
    version: Mutex<DataVersion>,
    auto_create: bool,
}

fn group(name: &str) -> SubscriptionGroupConfig {
    SubscriptionGroupConfig::new(name)
}

impl GroupManager {
    /// Load `subscriptionGroup.json` and add the system groups.
    ///
    /// # Errors
    /// [`BrokerError::Metadata`] when the file and its backup are both unreadable.
    pub fn load(config_dir: PathBuf, auto_create: bool) -> Result<Self, BrokerError> {
        let path = config_dir.join("subscriptionGroup.json");
        let file: SubscriptionGroupWrapper = persist::load_json(&path)?.unwrap_or_default();
        let mut table = file.subscription_group_table;
        for g in SYSTEM_GROUPS {
            table.entry((*g).to_owned()).or_insert_with(|| group(g));
        }
        Ok(GroupManager {
            path,
            table: RwLock::new(table),
            version: Mutex::new(file.data_version),
            auto_create,
        })
    }

    /// A group's configuration.
    pub fn get(&self, name: &str) -> Option<SubscriptionGroupConfig> {
        self.table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// A group's configuration, created with defaults when auto-creation is on.
    pub fn find_or_create(&self, name: &str) -> Option<SubscriptionGroupConfig> {
        if let Some(g) = self.get(name) {
            return Some(g);
        }
        if !self.auto_create || name.is_empty() {
            return None;
        }
        let g = group(name);
        self.put(g.clone());
        Some(g)
    }

    /// Insert or replace a group and persist.
    pub fn put(&self, g: SubscriptionGroupConfig) {
        self.table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(g.group_name.clone(), g);
        self.changed();
    }

    /// Replace every group (a slave copying its master).
    pub fn replace_all(&self, table: BTreeMap<String, SubscriptionGroupConfig>) {
        let changed = {
            let mut t = self.table.write().unwrap_or_else(|e| e.into_inner());
            let changed = *t != table;
            *t = table;
            changed
        };
        if changed {
            self.changed();
        }
    }

    /// Remove a group. Returns whether it existed.
    pub fn delete(&self, name: &str) -> bool {
        let existed = self
            .table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name)
            .is_some();
        if existed {
            self.changed();
        }
        existed
    }

    /// The subscriptionGroup.json content (GET_ALL_SUBSCRIPTIONGROUP_CONFIG body).
    pub fn file(&self) -> SubscriptionGroupWrapper {
        SubscriptionGroupWrapper {
            subscription_group_table: self.table.read().unwrap_or_else(|e| e.into_inner()).clone(),
            forbidden_table: BTreeMap::new(),
            data_version: *self.version.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    fn changed(&self) {
        self.version
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .next_version(crate::broker::now_ms());
        let bytes = serde_json::to_vec_pretty(&self.file()).unwrap_or_default();
        if let Err(e) = persist::write_atomic(&self.path, &bytes) {
            tracing::error!(error = %e, "cannot persist subscriptionGroup.json");
        }
    }
}
