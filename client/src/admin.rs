//! The admin API: topics (create/update/delete/list/route), the cluster table, consumer
//! progress with lag, and message lookup by id and by key.
//!
//! Topic changes go to every master broker of the cluster (or of the topic's route) and, for
//! deletes, to every name server as well; reads go to the name servers. Nothing here is
//! cached between calls except routes in the underlying [`ClientInstance`].

use std::collections::BTreeMap;

use ferromq_protocol::body::admin::ConsumeStats;
use ferromq_protocol::body::common::{perm, MessageQueue};
use ferromq_protocol::body::namesrv::{ClusterInfo, TopicList};
use ferromq_protocol::body::route::TopicRouteData;
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::header::{
    CreateTopicRequestHeader, DeleteTopicFromNamesrvRequestHeader, GetConsumeStatsRequestHeader,
    QueryMessageRequestHeader, TopicRequestHeader, ViewMessageRequestHeader,
};
use ferromq_protocol::json;
use ferromq_protocol::record::decode_offset_msg_id;
use ferromq_protocol::RemotingCommand;

use crate::error::{ClientError, Result};
use crate::instance::{ClientConfig, ClientInstance};
use crate::message::{decode_messages, now_ms, MessageExt};

/// One queue's consumption progress.
///
/// ```no_run
/// # fn f(p: &ferromq_client::admin::QueueProgress) { println!("lag {}", p.lag); }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueProgress {
    /// The queue.
    pub queue: MessageQueue,
    /// Next offset the broker will write.
    pub broker_offset: i64,
    /// The group's committed offset.
    pub consumer_offset: i64,
    /// `broker_offset - consumer_offset` (never negative).
    pub lag: i64,
    /// Store time of the last consumed message (0 if none).
    pub last_timestamp: i64,
}

/// Administration client.
///
/// ```no_run
/// # async fn f() -> ferromq_client::Result<()> {
/// let admin = ferromq_client::Admin::new("127.0.0.1:9876");
/// admin.create_topic("Orders", 8).await?;
/// for t in admin.list_topics().await? { println!("{t}"); }
/// admin.shutdown();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Admin {
    instance: ClientInstance,
}

fn broker_err(resp: &RemotingCommand) -> ClientError {
    ClientError::Broker {
        code: resp.code,
        remark: resp.remark.clone().unwrap_or_default(),
    }
}

impl Admin {
    /// An admin client on its own instance. Must be called inside a tokio runtime.
    ///
    /// ```no_run
    /// # async fn f() { let a = ferromq_client::Admin::new("127.0.0.1:9876"); }
    /// ```
    pub fn new(namesrv_addr: &str) -> Admin {
        Admin {
            instance: ClientInstance::new(ClientConfig::new(namesrv_addr)),
        }
    }

    /// An admin client on an existing instance.
    ///
    /// ```no_run
    /// # fn f(i: ferromq_client::ClientInstance) { let a = ferromq_client::Admin::with_instance(i); }
    /// ```
    pub fn with_instance(instance: ClientInstance) -> Admin {
        Admin { instance }
    }

    /// The cluster table (GET_BROKER_CLUSTER_INFO).
    ///
    /// # Errors
    /// Transport errors; [`ClientError::Broker`] for an error answer.
    ///
    /// ```no_run
    /// # async fn f(a: ferromq_client::Admin) -> ferromq_client::Result<()> {
    /// let info = a.cluster_info().await?;
    /// for (cluster, brokers) in &info.cluster_addr_table { println!("{cluster}: {brokers:?}"); }
    /// # Ok(()) }
    /// ```
    pub async fn cluster_info(&self) -> Result<ClusterInfo> {
        let resp = self
            .instance
            .invoke_namesrv(RemotingCommand::request(
                request_code::GET_BROKER_CLUSTER_INFO,
            ))
            .await?;
        if resp.code != response_code::SUCCESS {
            return Err(broker_err(&resp));
        }
        Ok(json::decode(resp.body_bytes())?)
    }

    async fn all_masters(&self) -> Result<Vec<String>> {
        let info = self.cluster_info().await?;
        let mut out: Vec<String> = info
            .broker_addr_table
            .values()
            .filter_map(|b| b.master_addr().map(str::to_owned))
            .collect();
        out.sort();
        Ok(out)
    }

    /// Creates (or updates) `topic` with `queues` read and write queues on every master.
    ///
    /// # Errors
    /// [`ClientError::NoRoute`] when no master is registered; the first broker error.
    ///
    /// ```no_run
    /// # async fn f(a: ferromq_client::Admin) -> ferromq_client::Result<()> {
    /// a.create_topic("Orders", 8).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_topic(&self, topic: &str, queues: i32) -> Result<()> {
        self.update_topic(topic, queues, queues, perm::READ_WRITE, false)
            .await
    }

    /// Creates or updates a topic with explicit queue counts, permission and order flag.
    ///
    /// # Errors
    /// As [`Admin::create_topic`].
    ///
    /// ```no_run
    /// # async fn f(a: ferromq_client::Admin) -> ferromq_client::Result<()> {
    /// a.update_topic("Orders", 8, 8, 6, true).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_topic(
        &self,
        topic: &str,
        read_queues: i32,
        write_queues: i32,
        perm: i32,
        order: bool,
    ) -> Result<()> {
        if topic.is_empty() || read_queues <= 0 || write_queues <= 0 {
            return Err(ClientError::InvalidArgument(
                "a topic needs a name and at least one queue".into(),
            ));
        }
        let masters = self.all_masters().await?;
        if masters.is_empty() {
            return Err(ClientError::NoRoute("no master broker registered".into()));
        }
        let h = CreateTopicRequestHeader {
            topic: topic.to_owned(),
            default_topic: crate::instance::DEFAULT_TOPIC.to_owned(),
            read_queue_nums: read_queues,
            write_queue_nums: write_queues,
            perm,
            topic_filter_type: "SINGLE_TAG".into(),
            topic_sys_flag: Some(0),
            order,
            attributes: None,
            force: None,
        };
        for addr in masters {
            let req =
                RemotingCommand::request(request_code::UPDATE_AND_CREATE_TOPIC).with_header(&h);
            let resp = self.instance.invoke(&addr, req).await?;
            if resp.code != response_code::SUCCESS {
                return Err(broker_err(&resp));
            }
        }
        Ok(())
    }

    /// Deletes `topic` from every master and every name server.
    ///
    /// # Errors
    /// Transport errors; the first broker error.
    ///
    /// ```no_run
    /// # async fn f(a: ferromq_client::Admin) -> ferromq_client::Result<()> {
    /// a.delete_topic("Orders").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_topic(&self, topic: &str) -> Result<()> {
        for addr in self.all_masters().await? {
            let req = RemotingCommand::request(request_code::DELETE_TOPIC_IN_BROKER).with_header(
                &TopicRequestHeader {
                    topic: topic.to_owned(),
                },
            );
            let resp = self.instance.invoke(&addr, req).await?;
            if resp.code != response_code::SUCCESS {
                return Err(broker_err(&resp));
            }
        }
        for ns in self.instance.namesrv_addrs().to_vec() {
            let req = RemotingCommand::request(request_code::DELETE_TOPIC_IN_NAMESRV).with_header(
                &DeleteTopicFromNamesrvRequestHeader {
                    topic: topic.to_owned(),
                    cluster_name: None,
                },
            );
            let resp = self.instance.invoke(&ns, req).await?;
            if resp.code != response_code::SUCCESS {
                return Err(broker_err(&resp));
            }
        }
        Ok(())
    }

    /// Every topic the name servers know (GET_ALL_TOPIC_LIST_FROM_NAMESERVER), sorted.
    ///
    /// # Errors
    /// Transport errors; [`ClientError::Broker`] for an error answer.
    ///
    /// ```no_run
    /// # async fn f(a: ferromq_client::Admin) -> ferromq_client::Result<()> {
    /// let topics = a.list_topics().await?;
    /// # Ok(()) }
    /// ```
    pub async fn list_topics(&self) -> Result<Vec<String>> {
        let resp = self
            .instance
            .invoke_namesrv(RemotingCommand::request(
                request_code::GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
            ))
            .await?;
        if resp.code != response_code::SUCCESS {
            return Err(broker_err(&resp));
        }
        let list: TopicList = json::decode(resp.body_bytes())?;
        Ok(list.topic_list.into_iter().collect())
    }

    /// The route of `topic`, fresh from the name server.
    ///
    /// # Errors
    /// [`ClientError::NoRoute`] for an unknown topic.
    ///
    /// ```no_run
    /// # async fn f(a: ferromq_client::Admin) -> ferromq_client::Result<()> {
    /// let r = a.topic_route("Orders").await?;
    /// # Ok(()) }
    /// ```
    pub async fn topic_route(&self, topic: &str) -> Result<TopicRouteData> {
        self.instance.update_route(topic).await
    }

    /// Per-queue progress of `group`: broker offset, committed offset and lag, from every
    /// master hosting the group's retry topic (or every master when it has none).
    ///
    /// # Errors
    /// Transport errors; the first error answer other than "no such group".
    ///
    /// ```no_run
    /// # async fn f(a: ferromq_client::Admin) -> ferromq_client::Result<()> {
    /// for q in a.consumer_progress("my_group").await? {
    ///     println!("{} {} lag {}", q.queue.topic, q.queue.queue_id, q.lag);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn consumer_progress(&self, group: &str) -> Result<Vec<QueueProgress>> {
        let retry = format!("%RETRY%{group}");
        let masters = match self.instance.update_route(&retry).await {
            Ok(route) => route
                .broker_datas
                .iter()
                .filter_map(|b| b.master_addr().map(str::to_owned))
                .collect(),
            Err(_) => self.all_masters().await?,
        };
        let mut table = BTreeMap::new();
        for addr in masters {
            let req = RemotingCommand::request(request_code::GET_CONSUME_STATS).with_header(
                &GetConsumeStatsRequestHeader {
                    consumer_group: group.to_owned(),
                    topic: None,
                    topic_list: None,
                },
            );
            let resp = self.instance.invoke(&addr, req).await?;
            if resp.code != response_code::SUCCESS {
                if resp.code == response_code::SUBSCRIPTION_GROUP_NOT_EXIST
                    || resp.code == response_code::TOPIC_NOT_EXIST
                {
                    continue;
                }
                return Err(broker_err(&resp));
            }
            let stats = ConsumeStats::decode(resp.body_bytes())?;
            table.extend(stats.offset_table);
        }
        Ok(table
            .into_iter()
            .map(|(queue, o)| QueueProgress {
                queue,
                broker_offset: o.broker_offset,
                consumer_offset: o.consumer_offset,
                lag: (o.broker_offset - o.consumer_offset).max(0),
                last_timestamp: o.last_timestamp,
            })
            .collect())
    }

    /// Looks a message up by its offset message id (VIEW_MESSAGE_BY_ID to the broker the id
    /// names).
    ///
    /// # Errors
    /// [`ClientError::InvalidArgument`] when `id` is not an offset message id; the broker's
    /// error when it has no such message.
    ///
    /// ```no_run
    /// # async fn f(a: ferromq_client::Admin) -> ferromq_client::Result<()> {
    /// let m = a.view_message("7F00000100002A9F0000000000000000").await?;
    /// # Ok(()) }
    /// ```
    pub async fn view_message(&self, offset_msg_id: &str) -> Result<MessageExt> {
        let (addr, offset) = decode_offset_msg_id(offset_msg_id).map_err(|_| {
            ClientError::InvalidArgument(format!("{offset_msg_id} is not an offset message id"))
        })?;
        let req = RemotingCommand::request(request_code::VIEW_MESSAGE_BY_ID).with_header(
            &ViewMessageRequestHeader {
                offset,
                topic: None,
            },
        );
        let addr = addr.to_string();
        let resp = self.instance.invoke(&addr, req).await?;
        if resp.code != response_code::SUCCESS {
            return Err(broker_err(&resp));
        }
        decode_messages(resp.body_bytes(), "")
            .into_iter()
            .next()
            .ok_or_else(|| ClientError::Broker {
                code: response_code::QUERY_NOT_FOUND,
                remark: "empty view body".into(),
            })
    }

    /// Looks a message up by id: an offset message id directly; a client id (`UNIQ_KEY`) needs
    /// `topic` and goes through the key index.
    ///
    /// # Errors
    /// [`ClientError::InvalidArgument`] for a client id without a topic; lookup errors.
    ///
    /// ```no_run
    /// # async fn f(a: ferromq_client::Admin) -> ferromq_client::Result<()> {
    /// let found = a.query_message_by_id(Some("Orders"), "7F000001...").await?;
    /// # Ok(()) }
    /// ```
    pub async fn query_message_by_id(
        &self,
        topic: Option<&str>,
        id: &str,
    ) -> Result<Vec<MessageExt>> {
        if decode_offset_msg_id(id).is_ok() {
            if let Ok(m) = self.view_message(id).await {
                return Ok(vec![m]);
            }
        }
        let Some(topic) = topic else {
            return Err(ClientError::InvalidArgument(format!(
                "{id} is not a readable offset message id; a client message id needs --topic"
            )));
        };
        let found = self.query(topic, id, 32, true).await?;
        Ok(found.into_iter().filter(|m| m.msg_id == id).collect())
    }

    /// Messages of `topic` whose KEYS contain `key` (QUERY_MESSAGE to every master of the
    /// topic), at most `max` of them.
    ///
    /// # Errors
    /// Transport errors; [`ClientError::NoRoute`] for an unknown topic.
    ///
    /// ```no_run
    /// # async fn f(a: ferromq_client::Admin) -> ferromq_client::Result<()> {
    /// for m in a.query_message_by_key("Orders", "order-42", 32).await? { println!("{}", m.msg_id); }
    /// # Ok(()) }
    /// ```
    pub async fn query_message_by_key(
        &self,
        topic: &str,
        key: &str,
        max: i32,
    ) -> Result<Vec<MessageExt>> {
        let found = self.query(topic, key, max, false).await?;
        Ok(found
            .into_iter()
            .filter(|m| m.keys().contains(&key))
            .collect())
    }

    async fn query(
        &self,
        topic: &str,
        key: &str,
        max: i32,
        unique: bool,
    ) -> Result<Vec<MessageExt>> {
        let route = self.instance.update_route(topic).await?;
        let mut out = Vec::new();
        for bd in &route.broker_datas {
            let Some(addr) = bd.master_addr() else {
                continue;
            };
            let mut req = RemotingCommand::request(request_code::QUERY_MESSAGE).with_header(
                &QueryMessageRequestHeader {
                    topic: topic.to_owned(),
                    key: key.to_owned(),
                    max_num: max,
                    begin_timestamp: 0,
                    end_timestamp: now_ms() + 60_000,
                },
            );
            if unique {
                req = req.with_ext_field("_UNIQUE_KEY_QUERY", "true");
            }
            let resp = self.instance.invoke(addr, req).await?;
            match resp.code {
                response_code::SUCCESS => {
                    out.extend(decode_messages(resp.body_bytes(), &bd.broker_name));
                }
                response_code::QUERY_NOT_FOUND => {}
                _ => return Err(broker_err(&resp)),
            }
        }
        Ok(out)
    }

    /// Closes the admin client's connections.
    ///
    /// ```no_run
    /// # fn f(a: ferromq_client::Admin) { a.shutdown(); }
    /// ```
    pub fn shutdown(&self) {
        self.instance.shutdown();
    }
}
