//! The broker registry and route table (`RouteInfoManager`, spec §14.1–14.5).
//!
//! Invariants, kept by every method under one lock:
//! * a broker name is in `broker_addr_table` iff it has at least one address, and then it is
//!   in its cluster's set in `cluster_addr_table` (no empty cluster sets are kept);
//! * one address appears under at most one broker id of a broker name (a slave promoted to
//!   master moves, it is not duplicated);
//! * `topic_queue_table` holds no topic without queue data;
//! * a broker leaves `broker_addr_table` only through [`RouteInfoManager::unregister`], which
//!   also drops its queue data once its group has no address left.
//!
//! Everything is in memory: brokers re-register every 30 s, so a restarted name server
//! repopulates within one period. The lock is a plain mutex never held across an await.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ferromq_protocol::body::{
    perm, BrokerData, ClusterInfo, DataVersion, QueueData, TopicConfig,
    TopicConfigSerializeWrapper, TopicRouteData, MASTER_ID,
};
use tokio::time::Instant;

/// Identifies one accepted connection, so a closed connection can unregister its brokers.
pub type ConnId = u64;

/// Key of the live table: a broker instance is identified by cluster and address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BrokerAddrInfo {
    cluster: String,
    addr: String,
}

#[derive(Debug, Clone)]
struct BrokerLiveInfo {
    last_update: Instant,
    timeout: Duration,
    data_version: DataVersion,
    conn: ConnId,
    ha_server_addr: String,
}

#[derive(Debug, Default)]
struct Tables {
    topic_queue_table: BTreeMap<String, BTreeMap<String, QueueData>>,
    broker_addr_table: BTreeMap<String, BrokerData>,
    cluster_addr_table: BTreeMap<String, BTreeSet<String>>,
    broker_live_table: HashMap<BrokerAddrInfo, BrokerLiveInfo>,
    filter_server_table: HashMap<BrokerAddrInfo, Vec<String>>,
}

/// A REGISTER_BROKER request after parsing.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Cluster name.
    pub cluster_name: String,
    /// `ip:port`.
    pub broker_addr: String,
    /// Broker group name.
    pub broker_name: String,
    /// 0 = master.
    pub broker_id: i64,
    /// `ip:haPort`.
    pub ha_server_addr: String,
    /// 5.x zone.
    pub zone_name: Option<String>,
    /// Liveness timeout.
    pub timeout: Duration,
    /// 5.x acting master.
    pub enable_acting_master: bool,
    /// The broker's topics.
    pub topics: TopicConfigSerializeWrapper,
    /// Filter servers (legacy).
    pub filter_server_list: Vec<String>,
}

/// What a registering slave learns about its master.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterResult {
    /// The live master's address.
    pub master_addr: Option<String>,
    /// The live master's HA address.
    pub ha_server_addr: Option<String>,
}

/// A broker instance removed from the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedBroker {
    /// Cluster name.
    pub cluster_name: String,
    /// Broker group name (empty if the address was not in any group).
    pub broker_name: String,
    /// `ip:port`.
    pub broker_addr: String,
}

/// The registry. Cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct RouteInfoManager {
    tables: Mutex<Tables>,
}

impl RouteInfoManager {
    /// An empty registry.
    pub fn new() -> Self {
        RouteInfoManager::default()
    }

    fn lock(&self) -> MutexGuard<'_, Tables> {
        // Every critical section leaves the tables consistent before anything can panic.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// REGISTER_BROKER (spec §14.2 steps 2–6).
    pub fn register(&self, reg: Registration, conn: ConnId, now: Instant) -> RegisterResult {
        let mut t = self.lock();
        t.cluster_addr_table
            .entry(reg.cluster_name.clone())
            .or_default()
            .insert(reg.broker_name.clone());

        let mut register_first = false;
        let broker = t
            .broker_addr_table
            .entry(reg.broker_name.clone())
            .or_insert_with(|| {
                register_first = true;
                BrokerData {
                    broker_name: reg.broker_name.clone(),
                    cluster: reg.cluster_name.clone(),
                    ..BrokerData::default()
                }
            });
        broker.enable_acting_master = reg.enable_acting_master;
        if reg.zone_name.is_some() {
            broker.zone_name.clone_from(&reg.zone_name);
        }
        // One address, one id: a slave switching to master must not stay listed as a slave.
        broker
            .broker_addrs
            .retain(|id, addr| *addr != reg.broker_addr || *id == reg.broker_id);
        let old = broker
            .broker_addrs
            .insert(reg.broker_id, reg.broker_addr.clone());
        register_first |= old.is_none();

        let key = BrokerAddrInfo {
            cluster: reg.cluster_name.clone(),
            addr: reg.broker_addr.clone(),
        };
        if reg.broker_id == MASTER_ID {
            let changed = t
                .broker_live_table
                .get(&key)
                .is_none_or(|live| live.data_version != reg.topics.data_version);
            if register_first || changed {
                for config in reg.topics.topic_config_table.values() {
                    create_and_update_queue_data(&mut t, &reg.broker_name, config);
                }
            }
        }

        t.broker_live_table.insert(
            key.clone(),
            BrokerLiveInfo {
                last_update: now,
                timeout: reg.timeout,
                data_version: reg.topics.data_version,
                conn,
                ha_server_addr: reg.ha_server_addr.clone(),
            },
        );
        if reg.filter_server_list.is_empty() {
            t.filter_server_table.remove(&key);
        } else {
            t.filter_server_table.insert(key, reg.filter_server_list);
        }

        let mut result = RegisterResult::default();
        if reg.broker_id != MASTER_ID {
            let master_addr = t
                .broker_addr_table
                .get(&reg.broker_name)
                .and_then(|b| b.master_addr())
                .map(str::to_owned);
            if let Some(master_addr) = master_addr {
                let master_key = BrokerAddrInfo {
                    cluster: reg.cluster_name.clone(),
                    addr: master_addr.clone(),
                };
                if let Some(live) = t.broker_live_table.get(&master_key) {
                    result.ha_server_addr = Some(live.ha_server_addr.clone());
                    result.master_addr = Some(master_addr);
                }
            }
        }
        result
    }

    /// UNREGISTER_BROKER and expiry (spec §14.3): removes the instance and, once its group has
    /// no address left, the group, its cluster membership and its queue data.
    pub fn unregister(
        &self,
        cluster_name: &str,
        broker_addr: &str,
        broker_name: &str,
        broker_id: i64,
    ) {
        let mut t = self.lock();
        unregister_locked(
            &mut t,
            cluster_name,
            broker_addr,
            broker_name,
            Some(broker_id),
        );
    }

    /// Refreshes a broker's liveness (BROKER_HEARTBEAT, QUERY_DATA_VERSION). Returns whether
    /// the broker is registered.
    pub fn touch(&self, cluster_name: &str, broker_addr: &str, now: Instant) -> bool {
        let mut t = self.lock();
        let key = BrokerAddrInfo {
            cluster: cluster_name.to_owned(),
            addr: broker_addr.to_owned(),
        };
        match t.broker_live_table.get_mut(&key) {
            Some(live) => {
                live.last_update = now;
                true
            }
            None => false,
        }
    }

    /// QUERY_DATA_VERSION: whether `version` differs from the one last registered (true for
    /// an unknown broker), and the stored one.
    pub fn data_version_changed(
        &self,
        cluster_name: &str,
        broker_addr: &str,
        version: &DataVersion,
    ) -> (bool, Option<DataVersion>) {
        let t = self.lock();
        let key = BrokerAddrInfo {
            cluster: cluster_name.to_owned(),
            addr: broker_addr.to_owned(),
        };
        match t.broker_live_table.get(&key) {
            Some(live) => (live.data_version != *version, Some(live.data_version)),
            None => (true, None),
        }
    }

    /// Removes every broker not heard from within its timeout. Returns what was removed.
    pub fn scan_not_active(&self, now: Instant) -> Vec<RemovedBroker> {
        let mut t = self.lock();
        let expired: Vec<BrokerAddrInfo> = t
            .broker_live_table
            .iter()
            .filter(|(_, live)| now.saturating_duration_since(live.last_update) > live.timeout)
            .map(|(k, _)| k.clone())
            .collect();
        remove_instances(&mut t, expired)
    }

    /// Unregisters every broker that registered over connection `conn` (and has not since
    /// registered over another one). Returns what was removed.
    pub fn connection_closed(&self, conn: ConnId) -> Vec<RemovedBroker> {
        let mut t = self.lock();
        let gone: Vec<BrokerAddrInfo> = t
            .broker_live_table
            .iter()
            .filter(|(_, live)| live.conn == conn)
            .map(|(k, _)| k.clone())
            .collect();
        remove_instances(&mut t, gone)
    }

    /// The route of a topic (spec §14.4), without `orderTopicConf`; `None` when the topic is
    /// unknown or none of its brokers is registered.
    pub fn topic_route(&self, topic: &str) -> Option<TopicRouteData> {
        let t = self.lock();
        let queues = t.topic_queue_table.get(topic)?;
        let mut route = TopicRouteData {
            queue_datas: queues.values().cloned().collect(),
            ..TopicRouteData::default()
        };
        for broker_name in queues.keys() {
            let Some(broker) = t.broker_addr_table.get(broker_name) else {
                continue;
            };
            for addr in broker.broker_addrs.values() {
                let key = BrokerAddrInfo {
                    cluster: broker.cluster.clone(),
                    addr: addr.clone(),
                };
                if let Some(filters) = t.filter_server_table.get(&key) {
                    route
                        .filter_server_table
                        .insert(addr.clone(), filters.clone());
                }
            }
            route.broker_datas.push(broker.clone());
        }
        if route.broker_datas.is_empty() {
            return None;
        }
        Some(route)
    }

    /// GET_BROKER_CLUSTER_INFO.
    pub fn cluster_info(&self) -> ClusterInfo {
        let t = self.lock();
        ClusterInfo {
            broker_addr_table: t.broker_addr_table.clone(),
            cluster_addr_table: t.cluster_addr_table.clone(),
        }
    }

    /// Every topic with queue data.
    pub fn all_topics(&self) -> BTreeSet<String> {
        self.lock().topic_queue_table.keys().cloned().collect()
    }

    /// Topics with queue data on any broker of `cluster`.
    pub fn topics_by_cluster(&self, cluster: &str) -> BTreeSet<String> {
        let t = self.lock();
        let Some(brokers) = t.cluster_addr_table.get(cluster) else {
            return BTreeSet::new();
        };
        t.topic_queue_table
            .iter()
            .filter(|(_, queues)| queues.keys().any(|b| brokers.contains(b)))
            .map(|(topic, _)| topic.clone())
            .collect()
    }

    /// DELETE_TOPIC_IN_NAMESRV: removes the topic, or only the queue data of `cluster`'s
    /// brokers. Returns whether anything was removed.
    pub fn delete_topic(&self, topic: &str, cluster: Option<&str>) -> bool {
        let mut t = self.lock();
        match cluster.filter(|c| !c.is_empty()) {
            None => t.topic_queue_table.remove(topic).is_some(),
            Some(cluster) => {
                let brokers = t
                    .cluster_addr_table
                    .get(cluster)
                    .cloned()
                    .unwrap_or_default();
                let Some(queues) = t.topic_queue_table.get_mut(topic) else {
                    return false;
                };
                let before = queues.len();
                queues.retain(|b, _| !brokers.contains(b));
                let removed = queues.len() != before;
                if queues.is_empty() {
                    t.topic_queue_table.remove(topic);
                }
                removed
            }
        }
    }

    /// WIPE_WRITE_PERM_OF_BROKER: clears the write bit of every queue data of `broker_name`.
    /// Returns the number of topics touched.
    pub fn wipe_write_perm(&self, broker_name: &str) -> i32 {
        self.update_perm(broker_name, |p| p & !perm::WRITE)
    }

    /// ADD_WRITE_PERM_OF_BROKER: sets read+write on every queue data of `broker_name`.
    /// Returns the number of topics touched.
    pub fn add_write_perm(&self, broker_name: &str) -> i32 {
        self.update_perm(broker_name, |_| perm::READ_WRITE)
    }

    fn update_perm(&self, broker_name: &str, f: impl Fn(i32) -> i32) -> i32 {
        let mut t = self.lock();
        let mut count = 0i32;
        for queues in t.topic_queue_table.values_mut() {
            if let Some(qd) = queues.get_mut(broker_name) {
                qd.perm = f(qd.perm);
                count = count.saturating_add(1);
            }
        }
        count
    }
}

fn create_and_update_queue_data(t: &mut Tables, broker_name: &str, config: &TopicConfig) {
    let qd = QueueData {
        broker_name: broker_name.to_owned(),
        perm: config.perm,
        read_queue_nums: config.read_queue_nums,
        topic_sys_flag: config.topic_sys_flag,
        write_queue_nums: config.write_queue_nums,
    };
    t.topic_queue_table
        .entry(config.topic_name.clone())
        .or_default()
        .insert(broker_name.to_owned(), qd);
}

/// Removes live instances found by key, looking up their broker name and id the way Java's
/// housekeeping does (by address within the cluster).
fn remove_instances(t: &mut Tables, keys: Vec<BrokerAddrInfo>) -> Vec<RemovedBroker> {
    let mut removed = Vec::with_capacity(keys.len());
    for key in keys {
        let broker_name = t
            .cluster_addr_table
            .get(&key.cluster)
            .into_iter()
            .flatten()
            .find(|name| {
                t.broker_addr_table
                    .get(*name)
                    .is_some_and(|b| b.broker_addrs.values().any(|a| *a == key.addr))
            })
            .cloned()
            .unwrap_or_default();
        unregister_locked(t, &key.cluster, &key.addr, &broker_name, None);
        removed.push(RemovedBroker {
            cluster_name: key.cluster,
            broker_name,
            broker_addr: key.addr,
        });
    }
    removed
}

fn unregister_locked(
    t: &mut Tables,
    cluster_name: &str,
    broker_addr: &str,
    broker_name: &str,
    broker_id: Option<i64>,
) {
    let key = BrokerAddrInfo {
        cluster: cluster_name.to_owned(),
        addr: broker_addr.to_owned(),
    };
    t.broker_live_table.remove(&key);
    t.filter_server_table.remove(&key);

    let group_empty = match t.broker_addr_table.get_mut(broker_name) {
        Some(broker) => {
            broker
                .broker_addrs
                .retain(|id, addr| !(addr == broker_addr && broker_id.is_none_or(|b| b == *id)));
            broker.broker_addrs.is_empty()
        }
        None => false,
    };
    if !group_empty {
        return;
    }
    t.broker_addr_table.remove(broker_name);
    if let Some(names) = t.cluster_addr_table.get_mut(cluster_name) {
        names.remove(broker_name);
        if names.is_empty() {
            t.cluster_addr_table.remove(cluster_name);
        }
    }
    t.topic_queue_table.retain(|_, queues| {
        queues.remove(broker_name);
        !queues.is_empty()
    });
}
