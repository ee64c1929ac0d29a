//! Name server configuration, with RocketMQ's `NamesrvConfig` / `NettyServerConfig` key names
//! so an operator can bring a `namesrv.properties` over (spec §14.7).

use std::path::PathBuf;
use std::time::Duration;

/// Name server options. Every field documents its default and its properties key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamesrvConfig {
    /// Port the binary listens on when `--listen` is not given (`listenPort`).
    /// [`crate::run`] serves whatever listener it is handed. Default: 9876.
    pub listen_port: u16,
    /// Where KV config is persisted (`kvConfigPath`). Default: `~/namesrv/kvConfig.json`.
    pub kv_config_path: PathBuf,
    /// How often expired brokers are removed (`scanNotActiveBrokerInterval`, ms).
    /// Default: 5 s (RocketMQ 5.x).
    pub scan_not_active_broker_interval: Duration,
    /// Liveness timeout of a broker whose registration carries no `heartbeatTimeoutMillis`
    /// (`brokerChannelExpiredTime`, ms; a FerroMQ key named after Java's
    /// `BROKER_CHANNEL_EXPIRED_TIME` constant). Default: 120 s.
    pub broker_channel_expired_time: Duration,
    /// Close connections with no traffic for this long (`serverChannelMaxIdleTimeSeconds`).
    /// Brokers register every 30 s and clients heartbeat, so live peers are never idle that
    /// long. Default: 120 s.
    pub server_channel_max_idle_time: Duration,
    /// Put the `ORDER_TOPIC_CONFIG` KV value into route answers (`orderMessageEnable`).
    /// Default: false.
    pub order_message_enable: bool,
    /// Answer REGISTER_BROKER with the `ORDER_TOPIC_CONFIG` namespace
    /// (`returnOrderTopicConfigToBroker`). Default: true.
    pub return_order_topic_config_to_broker: bool,
    /// Serve GET_ALL_TOPIC_LIST_FROM_NAMESERVER (`enableAllTopicList`). Default: true.
    pub enable_all_topic_list: bool,
    /// Serve GET_TOPICS_BY_CLUSTER and the unit topic lists (`enableTopicList`). Default: true.
    pub enable_topic_list: bool,
    /// Most connections served at once; further accepts wait (`maxConnections`, a FerroMQ key).
    /// Default: 4096.
    pub max_connections: usize,
}

impl Default for NamesrvConfig {
    fn default() -> Self {
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        NamesrvConfig {
            listen_port: 9876,
            kv_config_path: home.join("namesrv").join("kvConfig.json"),
            scan_not_active_broker_interval: Duration::from_millis(5000),
            broker_channel_expired_time: Duration::from_secs(120),
            server_channel_max_idle_time: Duration::from_secs(120),
            order_message_enable: false,
            return_order_topic_config_to_broker: true,
            enable_all_topic_list: true,
            enable_topic_list: true,
            max_connections: 4096,
        }
    }
}

/// RocketMQ name server keys FerroMQ accepts but does not act on (features it does not have).
const IGNORED_KEYS: &[&str] = &[
    "rocketmqHome",
    "configStorePath",
    "productEnvName",
    "clusterTest",
    "supportActingMaster",
    "notifyMinBrokerIdChanged",
    "needWaitForService",
    "waitSecondsForService",
    "deleteTopicWithBrokerRegistration",
    "serverWorkerThreads",
    "serverCallbackExecutorThreads",
    "serverSelectorThreads",
    "serverOnewaySemaphoreValue",
    "serverAsyncSemaphoreValue",
    "serverSocketSndBufSize",
    "serverSocketRcvBufSize",
    "serverPooledByteBufAllocatorEnable",
    "useEpollNativeSelector",
    "defaultThreadPoolNums",
    "clientRequestThreadPoolNums",
    "clientRequestThreadPoolQueueCapacity",
    "defaultThreadPoolQueueCapacity",
    "unRegisterBrokerQueueCapacity",
    "enableControllerInNamesrv",
];

impl NamesrvConfig {
    /// Applies a RocketMQ-style properties text (`key=value` or `key: value` lines, `#`/`!`
    /// comments) on top of `self`. Returns warnings for unknown keys, keys FerroMQ ignores and
    /// values that do not parse; none of them is fatal.
    pub fn apply_properties(&mut self, text: &str) -> Vec<String> {
        let mut warnings = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            let Some((key, value)) = line.split_once(['=', ':']) else {
                warnings.push(format!("line {}: no `=` in {line:?}, ignored", n + 1));
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            if let Err(why) = self.set(key, value) {
                warnings.push(format!("line {}: {why}", n + 1));
            }
        }
        warnings
    }

    /// Sets one option by its properties key.
    ///
    /// # Errors
    /// A message for an unknown key, an ignored key, or a value that does not parse.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        fn num<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, String> {
            value
                .parse()
                .map_err(|_| format!("{key}={value:?} is not a valid number, ignored"))
        }
        fn flag(key: &str, value: &str) -> Result<bool, String> {
            match value.to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(format!("{key}={value:?} is not true/false, ignored")),
            }
        }
        match key {
            "listenPort" => self.listen_port = num(key, value)?,
            "kvConfigPath" => self.kv_config_path = PathBuf::from(value),
            "scanNotActiveBrokerInterval" => {
                self.scan_not_active_broker_interval = Duration::from_millis(num(key, value)?);
            }
            "brokerChannelExpiredTime" => {
                self.broker_channel_expired_time = Duration::from_millis(num(key, value)?);
            }
            "serverChannelMaxIdleTimeSeconds" => {
                self.server_channel_max_idle_time = Duration::from_secs(num(key, value)?);
            }
            "orderMessageEnable" => self.order_message_enable = flag(key, value)?,
            "returnOrderTopicConfigToBroker" => {
                self.return_order_topic_config_to_broker = flag(key, value)?;
            }
            "enableAllTopicList" => self.enable_all_topic_list = flag(key, value)?,
            "enableTopicList" => self.enable_topic_list = flag(key, value)?,
            "maxConnections" => self.max_connections = num(key, value)?,
            k if IGNORED_KEYS.contains(&k) => {
                return Err(format!("{k} is not supported by FerroMQ, ignored"));
            }
            k => return Err(format!("unknown key {k}, ignored")),
        }
        Ok(())
    }
}
