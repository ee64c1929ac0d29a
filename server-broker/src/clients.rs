//! Producer and consumer groups as learnt from heartbeats (spec §3.6–3.8), and the queue locks
//! of orderly consumers (§3.13).
//!
//! A client is known by its connection: heartbeats register it under its groups, an
//! UNREGISTER_CLIENT, a closed connection or `channelExpiredTimeout` of silence removes it.
//! The functions that change a consumer group's membership or subscriptions return the
//! groups whose members must be told (NOTIFY_CONSUMER_IDS_CHANGED).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ferromq_protocol::body::client::{
    Connection, ConsumeFromWhere, ConsumeType, ConsumerConnection, ConsumerData, MessageModel,
    ProducerConnection, SubscriptionData,
};
use ferromq_protocol::body::common::MessageQueue;

use crate::connection::Channel;

/// How long a queue lock lives without renewal (`rocketmq.broker.rebalance.lockMaxLiveTime`).
pub const LOCK_MAX_LIVE: Duration = Duration::from_secs(60);

/// One client connection in a group.
#[derive(Clone)]
pub struct ClientInfo {
    /// The client's id (`ip@instance`).
    pub client_id: String,
    /// Its language name.
    pub language: String,
    /// Its version ordinal.
    pub version: i32,
    /// Its connection.
    pub channel: Arc<Channel>,
    /// Last heartbeat.
    pub last_update: Instant,
}

impl ClientInfo {
    fn connection(&self) -> Connection {
        Connection {
            client_addr: self.channel.remote.to_string(),
            client_id: self.client_id.clone(),
            language: self.language.clone(),
            version: self.version,
        }
    }
}

/// A consumer group's members and what they subscribe to.
#[derive(Clone)]
pub struct ConsumerGroupInfo {
    /// Members by connection id.
    pub clients: HashMap<u64, ClientInfo>,
    /// Subscriptions by topic.
    pub subscriptions: BTreeMap<String, SubscriptionData>,
    /// Pull or push.
    pub consume_type: ConsumeType,
    /// Clustering or broadcasting.
    pub message_model: MessageModel,
    /// Where a new member starts.
    pub consume_from_where: ConsumeFromWhere,
}

#[derive(Default)]
struct State {
    producers: HashMap<String, HashMap<u64, ClientInfo>>,
    consumers: HashMap<String, ConsumerGroupInfo>,
    /// group → queue → (client id, last renewal)
    locks: HashMap<String, HashMap<MessageQueue, (String, Instant)>>,
}

/// Every client the broker knows.
#[derive(Default)]
pub struct ClientManager {
    state: Mutex<State>,
}

impl ClientManager {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Register a producer connection under its group.
    pub fn register_producer(&self, group: &str, info: ClientInfo) {
        self.lock()
            .producers
            .entry(group.to_owned())
            .or_default()
            .insert(info.channel.id, info);
    }

    /// Register a consumer connection and its subscriptions. Returns whether the group's
    /// membership or subscriptions changed.
    pub fn register_consumer(&self, data: &ConsumerData, info: ClientInfo) -> bool {
        let mut st = self.lock();
        let g = st
            .consumers
            .entry(data.group_name.clone())
            .or_insert_with(|| ConsumerGroupInfo {
                clients: HashMap::new(),
                subscriptions: BTreeMap::new(),
                consume_type: data.consume_type,
                message_model: data.message_model,
                consume_from_where: data.consume_from_where,
            });
        g.consume_type = data.consume_type;
        g.message_model = data.message_model;
        g.consume_from_where = data.consume_from_where;
        let new_member = g.clients.insert(info.channel.id, info).is_none();
        let subs: BTreeMap<String, SubscriptionData> = data
            .subscription_data_set
            .iter()
            .map(|s| (s.topic.clone(), s.clone()))
            .collect();
        let mut subs_changed = false;
        for (topic, s) in &subs {
            match g.subscriptions.get(topic) {
                Some(old) if old.sub_string == s.sub_string && old.sub_version >= s.sub_version => {
                }
                _ => {
                    subs_changed = true;
                    g.subscriptions.insert(topic.clone(), s.clone());
                }
            }
        }
        // Topics no longer subscribed by this (full) heartbeat are dropped.
        let before = g.subscriptions.len();
        g.subscriptions.retain(|t, _| subs.contains_key(t));
        subs_changed |= g.subscriptions.len() != before;
        new_member || subs_changed
    }

    fn remove_conn(
        st: &mut State,
        conn: u64,
        producer: Option<&str>,
        consumer: Option<&str>,
    ) -> Vec<String> {
        let mut changed = Vec::new();
        for (name, members) in st.producers.iter_mut() {
            if producer.is_none_or(|p| p == name) {
                members.remove(&conn);
            }
        }
        st.producers.retain(|_, m| !m.is_empty());
        for (name, g) in st.consumers.iter_mut() {
            if consumer.is_none_or(|c| c == name) && g.clients.remove(&conn).is_some() {
                changed.push(name.clone());
            }
        }
        st.consumers.retain(|_, g| !g.clients.is_empty());
        changed
    }

    /// UNREGISTER_CLIENT: remove a connection from the named groups (all when none named).
    pub fn unregister(
        &self,
        conn: u64,
        producer: Option<&str>,
        consumer: Option<&str>,
    ) -> Vec<String> {
        Self::remove_conn(&mut self.lock(), conn, producer, consumer)
    }

    /// A connection closed: remove it everywhere. Returns the consumer groups it left.
    pub fn channel_closed(&self, conn: u64) -> Vec<String> {
        Self::remove_conn(&mut self.lock(), conn, None, None)
    }

    /// Drop clients silent for longer than `timeout`. Returns the consumer groups that changed.
    pub fn expire(&self, timeout: Duration) -> Vec<String> {
        let mut st = self.lock();
        let now = Instant::now();
        let mut changed = BTreeSet::new();
        for members in st.producers.values_mut() {
            members.retain(|_, c| now.duration_since(c.last_update) < timeout);
        }
        st.producers.retain(|_, m| !m.is_empty());
        for (name, g) in st.consumers.iter_mut() {
            let before = g.clients.len();
            g.clients
                .retain(|_, c| now.duration_since(c.last_update) < timeout);
            if g.clients.len() != before {
                changed.insert(name.clone());
            }
        }
        st.consumers.retain(|_, g| !g.clients.is_empty());
        changed.into_iter().collect()
    }

    /// A consumer group's state.
    pub fn consumer_group(&self, group: &str) -> Option<ConsumerGroupInfo> {
        self.lock().consumers.get(group).cloned()
    }

    /// Client ids of a consumer group's live members, sorted.
    pub fn consumer_ids(&self, group: &str) -> Vec<String> {
        let st = self.lock();
        let mut ids: Vec<String> = st
            .consumers
            .get(group)
            .map(|g| g.clients.values().map(|c| c.client_id.clone()).collect())
            .unwrap_or_default();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Connections of a consumer group's members.
    pub fn consumer_channels(&self, group: &str) -> Vec<Arc<Channel>> {
        self.lock()
            .consumers
            .get(group)
            .map(|g| g.clients.values().map(|c| c.channel.clone()).collect())
            .unwrap_or_default()
    }

    /// The group's registered subscription to `topic`.
    pub fn subscription(&self, group: &str, topic: &str) -> Option<SubscriptionData> {
        self.lock()
            .consumers
            .get(group)?
            .subscriptions
            .get(topic)
            .cloned()
    }

    /// Consumer groups that subscribe to `topic`.
    pub fn groups_of_topic(&self, topic: &str) -> Vec<String> {
        self.lock()
            .consumers
            .iter()
            .filter(|(_, g)| g.subscriptions.contains_key(topic))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// GET_CONSUMER_CONNECTION_LIST body.
    pub fn consumer_connection(&self, group: &str) -> Option<ConsumerConnection> {
        let st = self.lock();
        let g = st.consumers.get(group)?;
        Some(ConsumerConnection {
            connection_set: g.clients.values().map(ClientInfo::connection).collect(),
            consume_from_where: g.consume_from_where,
            consume_type: g.consume_type,
            message_model: g.message_model,
            subscription_table: g.subscriptions.clone(),
        })
    }

    /// GET_PRODUCER_CONNECTION_LIST body.
    pub fn producer_connection(&self, group: &str) -> Option<ProducerConnection> {
        let st = self.lock();
        let members = st.producers.get(group)?;
        Some(ProducerConnection {
            connection_set: members.values().map(ClientInfo::connection).collect(),
        })
    }

    /// A live connection of a producer group (for transaction check-backs).
    pub fn producer_channel(&self, group: &str) -> Option<Arc<Channel>> {
        let st = self.lock();
        st.producers
            .get(group)?
            .values()
            .max_by_key(|c| c.last_update)
            .map(|c| c.channel.clone())
    }

    /// Number of producer and consumer connections (for runtime info).
    pub fn counts(&self) -> (usize, usize) {
        let st = self.lock();
        (
            st.producers.values().map(HashMap::len).sum(),
            st.consumers.values().map(|g| g.clients.len()).sum(),
        )
    }

    /// LOCK_BATCH_MQ: lock the queues that are free, expired or already this client's.
    /// Returns the queues now locked by `client_id`.
    pub fn lock_batch(
        &self,
        group: &str,
        mqs: &BTreeSet<MessageQueue>,
        client_id: &str,
    ) -> BTreeSet<MessageQueue> {
        let mut st = self.lock();
        let table = st.locks.entry(group.to_owned()).or_default();
        let now = Instant::now();
        let mut ok = BTreeSet::new();
        for mq in mqs {
            let free = match table.get(mq) {
                None => true,
                Some((holder, at)) => {
                    holder == client_id || now.duration_since(*at) > LOCK_MAX_LIVE
                }
            };
            if free {
                table.insert(mq.clone(), (client_id.to_owned(), now));
                ok.insert(mq.clone());
            }
        }
        ok
    }

    /// UNLOCK_BATCH_MQ: release the queues held by `client_id`.
    pub fn unlock_batch(&self, group: &str, mqs: &BTreeSet<MessageQueue>, client_id: &str) {
        let mut st = self.lock();
        if let Some(table) = st.locks.get_mut(group) {
            for mq in mqs {
                if table.get(mq).is_some_and(|(h, _)| h == client_id) {
                    table.remove(mq);
                }
            }
        }
    }

    /// Whether any unexpired queue lock of `group` exists (retries of orderly groups go to the
    /// DLQ, spec §3.2 step 7).
    pub fn group_holds_locks(&self, group: &str) -> bool {
        let now = Instant::now();
        self.lock().locks.get(group).is_some_and(|t| {
            t.values()
                .any(|(_, at)| now.duration_since(*at) <= LOCK_MAX_LIVE)
        })
    }
}
