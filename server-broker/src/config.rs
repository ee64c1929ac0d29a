//! Broker configuration with RocketMQ's option names (spec §15.2).
//!
//! A `broker.conf` (`key=value` lines, `#` comments) is applied key by key: broker options
//! here, store options through [`StoreConfig::set`]. Unknown keys are reported back as
//! warnings, never fatal, so a RocketMQ operator's file can be brought over as it is.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ferromq_engine::StoreConfig;

use crate::error::BrokerError;

pub use ferromq_engine::BrokerRole;

/// Everything a broker needs to start.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// `brokerClusterName`. Default: `DefaultCluster`.
    pub broker_cluster_name: String,
    /// `brokerName`. Default: the host name (`DEFAULT_BROKER` if unknown).
    pub broker_name: String,
    /// `brokerId`: 0 for a master. Default: 0.
    pub broker_id: i64,
    /// `listenPort`. Default: 10911. The old clients' VIP channel listens on `listenPort − 2`.
    pub listen_port: u16,
    /// `namesrvAddr`: `host:port;host:port`. Default: `NAMESRV_ADDR`, else none (standalone).
    pub namesrv_addr: Option<String>,
    /// `brokerIP1`: the advertised address. Default: the first non-loopback IPv4 address.
    pub broker_ip1: String,
    /// `haListenPort`. Default: `listenPort + 1`.
    pub ha_listen_port: Option<u16>,
    /// `autoCreateTopicEnable`. Default: true.
    pub auto_create_topic_enable: bool,
    /// `autoCreateSubscriptionGroup`. Default: true.
    pub auto_create_subscription_group: bool,
    /// `defaultTopicQueueNums`: queues of TBW102. Default: 8.
    pub default_topic_queue_nums: i32,
    /// `brokerPermission`. Default: 6 (read + write).
    pub broker_permission: i32,
    /// `clusterTopicEnable`. Default: true.
    pub cluster_topic_enable: bool,
    /// `brokerTopicEnable`. Default: true.
    pub broker_topic_enable: bool,
    /// `regionId`, echoed in send responses. Default: `DefaultRegion`.
    pub region_id: String,
    /// `traceOn`, echoed in send responses. Default: true.
    pub trace_on: bool,
    /// `transactionTimeOut` (ms). Default: 6000.
    pub transaction_time_out: u64,
    /// `transactionCheckMax`. Default: 15.
    pub transaction_check_max: u32,
    /// `transactionCheckInterval` (ms). Default: 30000.
    pub transaction_check_interval: u64,
    /// `rejectTransactionMessage`. Default: false.
    pub reject_transaction_message: bool,
    /// `flushConsumerOffsetInterval`: consumerOffset.json persist period. Default: 5 s.
    pub flush_consumer_offset_interval: Duration,
    /// `registerNameServerPeriod`. Default: 30 s.
    pub register_name_server_period: Duration,
    /// `longPollingEnable`. Default: true.
    pub long_polling_enable: bool,
    /// `shortPollingTimeMills`: hold time when long polling is off. Default: 1000 ms.
    pub short_polling_time_mills: u64,
    /// `slaveReadEnable`. Default: false.
    pub slave_read_enable: bool,
    /// `channelExpiredTimeout` (FerroMQ): a client silent this long is dropped. Default: 120 s.
    pub channel_expired_timeout: Duration,
    /// The store's options (`storePathRootDir`, `flushDiskType`, `maxMessageSize` ...).
    pub store: StoreConfig,
}

fn host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is ours and its length is passed.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if r != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).trim().to_owned();
    (!name.is_empty()).then_some(name)
}

/// The first non-loopback IPv4 address of an up interface, read with `getifaddrs` (no
/// traffic); 127.0.0.1 when there is none.
pub fn first_local_ipv4() -> String {
    let mut found = None;
    // SAFETY: getifaddrs allocates a list we walk read-only and free with freeifaddrs.
    unsafe {
        let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
        if libc::getifaddrs(&mut list) == 0 {
            let mut cur = list;
            while !cur.is_null() {
                let ifa = &*cur;
                if !ifa.ifa_addr.is_null()
                    && i32::from((*ifa.ifa_addr).sa_family) == libc::AF_INET
                    && ifa.ifa_flags & (libc::IFF_UP as u32) != 0
                    && ifa.ifa_flags & (libc::IFF_LOOPBACK as u32) == 0
                {
                    let sin = &*(ifa.ifa_addr as *const libc::sockaddr_in);
                    let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                    found = Some(ip.to_string());
                    break;
                }
                cur = ifa.ifa_next;
            }
            libc::freeifaddrs(list);
        }
    }
    found.unwrap_or_else(|| "127.0.0.1".to_owned())
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            broker_cluster_name: "DefaultCluster".to_owned(),
            broker_name: host_name().unwrap_or_else(|| "DEFAULT_BROKER".to_owned()),
            broker_id: 0,
            listen_port: 10911,
            namesrv_addr: None,
            broker_ip1: first_local_ipv4(),
            ha_listen_port: None,
            auto_create_topic_enable: true,
            auto_create_subscription_group: true,
            default_topic_queue_nums: 8,
            broker_permission: 6,
            cluster_topic_enable: true,
            broker_topic_enable: true,
            region_id: "DefaultRegion".to_owned(),
            trace_on: true,
            transaction_time_out: 6000,
            transaction_check_max: 15,
            transaction_check_interval: 30_000,
            reject_transaction_message: false,
            flush_consumer_offset_interval: Duration::from_secs(5),
            register_name_server_period: Duration::from_secs(30),
            long_polling_enable: true,
            short_polling_time_mills: 1000,
            slave_read_enable: false,
            channel_expired_timeout: Duration::from_secs(120),
            store: StoreConfig::default(),
        }
    }
}

fn parse<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, BrokerError> {
    value
        .trim()
        .parse()
        .map_err(|_| BrokerError::Config(format!("{key}: cannot parse {value:?}")))
}

impl BrokerConfig {
    /// Apply one option by its RocketMQ name. Returns `Ok(false)` for an unknown key.
    ///
    /// # Errors
    /// [`BrokerError::Config`] when the value does not parse.
    pub fn set(&mut self, key: &str, value: &str) -> Result<bool, BrokerError> {
        let v = value.trim();
        match key {
            "brokerClusterName" => self.broker_cluster_name = v.to_owned(),
            "brokerName" => self.broker_name = v.to_owned(),
            "brokerId" => self.broker_id = parse(key, v)?,
            "listenPort" => self.listen_port = parse(key, v)?,
            "namesrvAddr" => self.namesrv_addr = (!v.is_empty()).then(|| v.to_owned()),
            "brokerIP1" => self.broker_ip1 = v.to_owned(),
            "haListenPort" => self.ha_listen_port = Some(parse(key, v)?),
            "autoCreateTopicEnable" => self.auto_create_topic_enable = parse(key, v)?,
            "autoCreateSubscriptionGroup" => self.auto_create_subscription_group = parse(key, v)?,
            "defaultTopicQueueNums" => self.default_topic_queue_nums = parse(key, v)?,
            "brokerPermission" => self.broker_permission = parse(key, v)?,
            "clusterTopicEnable" => self.cluster_topic_enable = parse(key, v)?,
            "brokerTopicEnable" => self.broker_topic_enable = parse(key, v)?,
            "regionId" => self.region_id = v.to_owned(),
            "traceOn" => self.trace_on = parse(key, v)?,
            "transactionTimeOut" => self.transaction_time_out = parse(key, v)?,
            "transactionCheckMax" => self.transaction_check_max = parse(key, v)?,
            "transactionCheckInterval" => self.transaction_check_interval = parse(key, v)?,
            "rejectTransactionMessage" => self.reject_transaction_message = parse(key, v)?,
            "flushConsumerOffsetInterval" => {
                self.flush_consumer_offset_interval = Duration::from_millis(parse(key, v)?);
            }
            "registerNameServerPeriod" => {
                self.register_name_server_period = Duration::from_millis(parse(key, v)?);
            }
            "longPollingEnable" => self.long_polling_enable = parse(key, v)?,
            "shortPollingTimeMills" => self.short_polling_time_mills = parse(key, v)?,
            "slaveReadEnable" => self.slave_read_enable = parse(key, v)?,
            "channelExpiredTimeout" => {
                self.channel_expired_timeout = Duration::from_millis(parse(key, v)?);
            }
            _ => {
                return self
                    .store
                    .set(key, v)
                    .map_err(|e| BrokerError::Config(e.to_string()));
            }
        }
        Ok(true)
    }

    /// Apply a `broker.conf` text. Returns the keys it did not know (for warnings).
    ///
    /// # Errors
    /// [`BrokerError::Config`] naming the line of a value that does not parse.
    pub fn apply_properties(&mut self, text: &str) -> Result<Vec<String>, BrokerError> {
        let mut unknown = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            let Some((k, v)) = line.split_once(['=', ':']) else {
                unknown.push(line.to_owned());
                continue;
            };
            let k = k.trim();
            if !self
                .set(k, v)
                .map_err(|e| BrokerError::Config(format!("line {}: {e}", n + 1)))?
            {
                unknown.push(k.to_owned());
            }
        }
        Ok(unknown)
    }

    /// Read and apply a `broker.conf` file. Returns the unknown keys.
    ///
    /// # Errors
    /// [`BrokerError::Config`] when the file cannot be read or a value does not parse.
    pub fn load_file(&mut self, path: &Path) -> Result<Vec<String>, BrokerError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BrokerError::Config(format!("cannot read {}: {e}", path.display())))?;
        self.apply_properties(&text)
    }

    /// `brokerIP1:listenPort`.
    pub fn broker_addr(&self) -> String {
        format!("{}:{}", self.broker_ip1, self.listen_port)
    }

    /// `haListenPort` (default `listenPort + 1`).
    pub fn ha_port(&self) -> u16 {
        self.ha_listen_port
            .unwrap_or(self.listen_port.wrapping_add(1))
    }

    /// The replication role (`brokerRole`, a store option).
    pub fn broker_role(&self) -> BrokerRole {
        self.store.broker_role
    }

    /// The name server addresses, split on `;`.
    pub fn namesrv_addrs(&self) -> Vec<String> {
        self.namesrv_addr
            .iter()
            .flat_map(|s| s.split(';'))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// `{storePathRootDir}/config`.
    pub fn config_dir(&self) -> PathBuf {
        self.store.store_path_root_dir.join("config")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_a_rocketmq_broker_conf() {
        let mut c = BrokerConfig::default();
        let unknown = c
            .apply_properties(
                "# a comment\nbrokerClusterName = DefaultCluster\nbrokerName=broker-a\nbrokerId=0\n\
                 deleteWhen=04\nfileReservedTime=48\nbrokerRole=SYNC_MASTER\nflushDiskType=SYNC_FLUSH\n\
                 listenPort=20911\nstorePathRootDir=/tmp/x\naclEnable=false\n",
            )
            .unwrap();
        assert_eq!(unknown, vec!["aclEnable".to_owned()]);
        assert_eq!(c.broker_name, "broker-a");
        assert_eq!(c.broker_role(), BrokerRole::SyncMaster);
        assert_eq!(c.listen_port, 20911);
        assert_eq!(c.store.file_reserved_time, 48);
        assert_eq!(c.store.store_path_root_dir, PathBuf::from("/tmp/x"));
        assert!(c.apply_properties("listenPort=abc").is_err());
    }
}
