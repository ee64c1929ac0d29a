//! Store configuration, named after RocketMQ's `MessageStoreConfig` (spec §8, §15).
//!
//! Field names are the snake_case forms of RocketMQ's option names, and [`StoreConfig::set`]
//! accepts the original camelCase names and values, so the store options of a `broker.conf` can
//! be applied unchanged. Every field documents its default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};

/// When an append counts as durable (`flushDiskType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushDiskType {
    /// Acknowledge once the record is in the page cache; a background thread flushes every
    /// `flush_interval_commit_log`. Survives a process crash; a power loss can lose the records
    /// appended since the last flush.
    AsyncFlush,
    /// Acknowledge after a group-commit fsync covers the record (unless the message says
    /// `WAIT=false`). Survives a process crash and a power loss.
    SyncFlush,
}

impl std::str::FromStr for FlushDiskType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "ASYNC_FLUSH" => Ok(FlushDiskType::AsyncFlush),
            "SYNC_FLUSH" => Ok(FlushDiskType::SyncFlush),
            other => Err(Error::InvalidArgument(format!(
                "flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH, not {other:?}"
            ))),
        }
    }
}

/// The store's replication role (`brokerRole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerRole {
    /// Master; replicates to slaves without waiting.
    AsyncMaster,
    /// Master; a put also waits until a slave has it (`slaveTimeout`).
    SyncMaster,
    /// Slave: copies a master's CommitLog; takes no puts.
    Slave,
}

impl BrokerRole {
    /// RocketMQ's name.
    pub fn name(self) -> &'static str {
        match self {
            BrokerRole::AsyncMaster => "ASYNC_MASTER",
            BrokerRole::SyncMaster => "SYNC_MASTER",
            BrokerRole::Slave => "SLAVE",
        }
    }
}

impl std::str::FromStr for BrokerRole {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "ASYNC_MASTER" => Ok(BrokerRole::AsyncMaster),
            "SYNC_MASTER" => Ok(BrokerRole::SyncMaster),
            "SLAVE" => Ok(BrokerRole::Slave),
            other => Err(Error::InvalidArgument(format!(
                "brokerRole must be ASYNC_MASTER, SYNC_MASTER or SLAVE, not {other:?}"
            ))),
        }
    }
}

/// Configuration of a [`crate::DefaultMessageStore`].
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `storePathRootDir`: the store directory. Default: `~/store`.
    pub store_path_root_dir: PathBuf,
    /// `storePathCommitLog`: CommitLog directory. Default: `{root}/commitlog`.
    pub store_path_commit_log: Option<PathBuf>,
    /// `mappedFileSizeCommitLog`: bytes per CommitLog file. Default: 1 GiB (1073741824).
    pub mapped_file_size_commit_log: u64,
    /// `mappedFileSizeConsumeQueue`: bytes per ConsumeQueue file, a multiple of 20.
    /// Default: 6000000 (300 000 entries).
    pub mapped_file_size_consume_queue: u64,
    /// `flushDiskType`. Default: ASYNC_FLUSH.
    pub flush_disk_type: FlushDiskType,
    /// `flushIntervalCommitLog`: async flush period. Default: 500 ms.
    pub flush_interval_commit_log: Duration,
    /// `flushCommitLogLeastPages`: async flush only when this many 4 KiB pages are dirty.
    /// Default: 4.
    pub flush_commit_log_least_pages: u64,
    /// `flushCommitLogThoroughInterval`: async flush regardless of dirty pages this often.
    /// Default: 10 s.
    pub flush_commit_log_thorough_interval: Duration,
    /// `flushIntervalConsumeQueue`: ConsumeQueue flush and checkpoint period. Default: 1 s.
    pub flush_interval_consume_queue: Duration,
    /// `syncFlushTimeout`: a SYNC_FLUSH put whose fsync has not covered it by then reports
    /// FLUSH_DISK_TIMEOUT (the record stays stored). Default: 5 s.
    pub sync_flush_timeout: Duration,
    /// `maxMessageSize`: largest body accepted. Default: 4 MiB (4194304).
    pub max_message_size: usize,
    /// `checkCRCOnRecover`: verify body CRCs during recovery. Default: true.
    pub check_crc_on_recover: bool,
    /// `deleteWhen`: `;`-separated local hours when expired files are deleted. Default: `04`.
    pub delete_when: String,
    /// `fileReservedTime`: hours a CommitLog file is kept after its last write. Default: 72.
    pub file_reserved_time: u64,
    /// `cleanResourceInterval`: how often retention and disk usage are checked. Default: 10 s.
    pub clean_resource_interval: Duration,
    /// `diskMaxUsedSpaceRatio`: above this disk usage (%), expired files are deleted outside
    /// `deleteWhen` too. Default: 75.
    pub disk_max_used_space_ratio: u32,
    /// `diskSpaceCleanForciblyRatio`: above this usage (%), files are deleted even if not
    /// expired (when `cleanFileForciblyEnable`). Clamped to 30..=85. Default: 85.
    pub disk_space_clean_forcibly_ratio: u32,
    /// `diskSpaceWarningLevelRatio`: above this usage (%) the store is disk-full and refuses
    /// writes until usage drops. Clamped to 35..=90. Default: 90.
    pub disk_space_warning_level_ratio: u32,
    /// `diskSpaceMinFreeBytes` (FerroMQ): the store is also disk-full when fewer bytes than
    /// this are free. Default: 16 MiB.
    pub disk_space_min_free_bytes: u64,
    /// `cleanFileForciblyEnable`. Default: true.
    pub clean_file_forcibly_enable: bool,
    /// `deleteFileBatchMax`: most CommitLog files deleted per round. Default: 10.
    pub delete_file_batch_max: usize,
    /// `maxTransferBytesOnMessageInMemory`: pull byte budget for hot data. Default: 256 KiB.
    pub max_transfer_bytes_on_message_in_memory: usize,
    /// `maxTransferCountOnMessageInMemory`: pull count budget for hot data. Default: 32.
    pub max_transfer_count_on_message_in_memory: usize,
    /// `maxTransferBytesOnMessageInDisk`: pull byte budget for cold data. Default: 64 KiB.
    pub max_transfer_bytes_on_message_in_disk: usize,
    /// `maxTransferCountOnMessageInDisk`: pull count budget for cold data. Default: 8.
    pub max_transfer_count_on_message_in_disk: usize,
    /// `accessMessageInMemoryMaxRatio`: data within this share (%) of physical memory from the
    /// CommitLog head counts as hot. Default: 40.
    pub access_message_in_memory_max_ratio: u32,
    /// `maxFilterMessageSize` floor: a pull scans at most max(this, maxMsgNums × 20) bytes of
    /// ConsumeQueue. Default: 16000.
    pub max_filter_message_size: usize,
    /// `messageDelayLevel`: delay of each level (1-based), `s`/`m`/`h`/`d` units.
    /// Default: `1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h`.
    pub message_delay_level: String,
    /// `flushDelayOffsetInterval`: how often delay-level and timer progress is persisted.
    /// Default: 10 s.
    pub flush_delay_offset_interval: Duration,
    /// `timerWheelEnable`: accept arbitrary-delay messages (`TIMER_DELIVER_MS` ...).
    /// Default: true.
    pub timer_wheel_enable: bool,
    /// `timerMaxDelaySec`: longest arbitrary delay accepted. Default: 259200 (3 days).
    pub timer_max_delay_sec: u64,
    /// `messageIndexEnable`: build the key index. Default: true.
    pub message_index_enable: bool,
    /// `maxHashSlotNum`: hash slots per index file. Default: 5000000.
    pub max_hash_slot_num: u32,
    /// `maxIndexNum`: entries per index file. Default: 20000000.
    pub max_index_num: u32,
    /// `maxMsgsNumBatch`: most messages one key query returns. Default: 64.
    pub max_msgs_num_batch: usize,
    /// `brokerRole`. Default: ASYNC_MASTER.
    pub broker_role: BrokerRole,
    /// HA listen address of a master (`haListenPort`; the broker sets it to listenPort + 1).
    /// `None`: no replication listener. Default: none.
    pub ha_listen_addr: Option<SocketAddr>,
    /// `haMasterAddress`: a slave's master HA address (`host:port`); otherwise the broker sets
    /// it from the name server. Default: none.
    pub ha_master_address: Option<String>,
    /// `slaveTimeout`: how long a SYNC_MASTER put waits for a slave. Default: 3 s.
    pub slave_timeout: Duration,
    /// `haMaxGapNotInSync` (4.x `haSlaveFallbehindMax`): a slave further behind is not in sync.
    /// Default: 256 MiB.
    pub ha_max_gap_not_in_sync: u64,
    /// `haSendHeartbeatInterval`: idle heartbeat period, both ways. Default: 5 s.
    pub ha_send_heartbeat_interval: Duration,
    /// `haHousekeepingInterval`: a silent HA connection is closed after this. Default: 20 s.
    pub ha_housekeeping_interval: Duration,
    /// `haTransferBatchSize`: most bytes per transfer frame. Default: 32 KiB.
    pub ha_transfer_batch_size: usize,
    /// The address written as STOREHOST in every record and used in offset message ids
    /// (the broker sets `brokerIP1:listenPort`). Default: 127.0.0.1:10911.
    pub store_host: SocketAddr,
}

impl Default for StoreConfig {
    fn default() -> Self {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        StoreConfig {
            store_path_root_dir: home.join("store"),
            store_path_commit_log: None,
            mapped_file_size_commit_log: 1 << 30,
            mapped_file_size_consume_queue: 6_000_000,
            flush_disk_type: FlushDiskType::AsyncFlush,
            flush_interval_commit_log: Duration::from_millis(500),
            flush_commit_log_least_pages: 4,
            flush_commit_log_thorough_interval: Duration::from_secs(10),
            flush_interval_consume_queue: Duration::from_secs(1),
            sync_flush_timeout: Duration::from_secs(5),
            max_message_size: 4 * 1024 * 1024,
            check_crc_on_recover: true,
            delete_when: "04".to_owned(),
            file_reserved_time: 72,
            clean_resource_interval: Duration::from_secs(10),
            disk_max_used_space_ratio: 75,
            disk_space_clean_forcibly_ratio: 85,
            disk_space_warning_level_ratio: 90,
            disk_space_min_free_bytes: 16 * 1024 * 1024,
            clean_file_forcibly_enable: true,
            delete_file_batch_max: 10,
            max_transfer_bytes_on_message_in_memory: 256 * 1024,
            max_transfer_count_on_message_in_memory: 32,
            max_transfer_bytes_on_message_in_disk: 64 * 1024,
            max_transfer_count_on_message_in_disk: 8,
            access_message_in_memory_max_ratio: 40,
            max_filter_message_size: 16_000,
            message_delay_level: "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h"
                .to_owned(),
            flush_delay_offset_interval: Duration::from_secs(10),
            timer_wheel_enable: true,
            timer_max_delay_sec: 259_200,
            message_index_enable: true,
            max_hash_slot_num: 5_000_000,
            max_index_num: 20_000_000,
            max_msgs_num_batch: 64,
            broker_role: BrokerRole::AsyncMaster,
            ha_listen_addr: None,
            ha_master_address: None,
            slave_timeout: Duration::from_secs(3),
            ha_max_gap_not_in_sync: 256 << 20,
            ha_send_heartbeat_interval: Duration::from_secs(5),
            ha_housekeeping_interval: Duration::from_secs(20),
            ha_transfer_batch_size: 32 * 1024,
            store_host: SocketAddr::from(([127, 0, 0, 1], 10911)),
        }
    }
}

fn parse<T: std::str::FromStr>(key: &str, value: &str) -> Result<T> {
    value
        .trim()
        .parse()
        .map_err(|_| Error::InvalidArgument(format!("{key}: cannot parse {value:?}")))
}

fn millis(key: &str, value: &str) -> Result<Duration> {
    parse::<u64>(key, value).map(Duration::from_millis)
}

impl StoreConfig {
    /// A configuration with every default and `root` as the store directory.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StoreConfig {
            store_path_root_dir: root.into(),
            ..StoreConfig::default()
        }
    }

    /// The CommitLog directory.
    pub fn commit_log_dir(&self) -> PathBuf {
        self.store_path_commit_log
            .clone()
            .unwrap_or_else(|| self.store_path_root_dir.join("commitlog"))
    }

    /// The ConsumeQueue root directory.
    pub fn consume_queue_dir(&self) -> PathBuf {
        self.store_path_root_dir.join("consumequeue")
    }

    /// Apply one RocketMQ option by its camelCase name (as in `broker.conf`).
    ///
    /// Returns `Ok(false)` when the key is not a store option (the caller decides whether it
    /// belongs elsewhere or deserves a warning).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the value does not parse or is out of range.
    pub fn set(&mut self, key: &str, value: &str) -> Result<bool> {
        match key {
            "storePathRootDir" => self.store_path_root_dir = PathBuf::from(value.trim()),
            "storePathCommitLog" => {
                self.store_path_commit_log = Some(PathBuf::from(value.trim()));
            }
            "mappedFileSizeCommitLog" | "mapedFileSizeCommitLog" => {
                self.mapped_file_size_commit_log = parse(key, value)?;
            }
            "mappedFileSizeConsumeQueue" => {
                self.mapped_file_size_consume_queue = parse(key, value)?;
            }
            "flushDiskType" => self.flush_disk_type = value.parse()?,
            "flushIntervalCommitLog" => self.flush_interval_commit_log = millis(key, value)?,
            "flushCommitLogLeastPages" => self.flush_commit_log_least_pages = parse(key, value)?,
            "flushCommitLogThoroughInterval" => {
                self.flush_commit_log_thorough_interval = millis(key, value)?;
            }
            "flushIntervalConsumeQueue" => self.flush_interval_consume_queue = millis(key, value)?,
            "syncFlushTimeout" => self.sync_flush_timeout = millis(key, value)?,
            "maxMessageSize" => self.max_message_size = parse(key, value)?,
            "checkCRCOnRecover" => self.check_crc_on_recover = parse(key, value)?,
            "deleteWhen" => self.delete_when = value.trim().to_owned(),
            "fileReservedTime" => self.file_reserved_time = parse(key, value)?,
            "cleanResourceInterval" => self.clean_resource_interval = millis(key, value)?,
            "diskMaxUsedSpaceRatio" => self.disk_max_used_space_ratio = parse(key, value)?,
            "diskSpaceCleanForciblyRatio" => {
                self.disk_space_clean_forcibly_ratio = parse(key, value)?;
            }
            "diskSpaceWarningLevelRatio" => {
                self.disk_space_warning_level_ratio = parse(key, value)?;
            }
            "diskSpaceMinFreeBytes" => self.disk_space_min_free_bytes = parse(key, value)?,
            "cleanFileForciblyEnable" => self.clean_file_forcibly_enable = parse(key, value)?,
            "deleteFileBatchMax" => self.delete_file_batch_max = parse(key, value)?,
            "maxTransferBytesOnMessageInMemory" => {
                self.max_transfer_bytes_on_message_in_memory = parse(key, value)?;
            }
            "maxTransferCountOnMessageInMemory" => {
                self.max_transfer_count_on_message_in_memory = parse(key, value)?;
            }
            "maxTransferBytesOnMessageInDisk" => {
                self.max_transfer_bytes_on_message_in_disk = parse(key, value)?;
            }
            "maxTransferCountOnMessageInDisk" => {
                self.max_transfer_count_on_message_in_disk = parse(key, value)?;
            }
            "accessMessageInMemoryMaxRatio" => {
                self.access_message_in_memory_max_ratio = parse(key, value)?;
            }
            "maxFilterMessageSize" => self.max_filter_message_size = parse(key, value)?,
            "messageDelayLevel" => self.message_delay_level = value.trim().to_owned(),
            "brokerRole" => self.broker_role = value.parse()?,
            "haMasterAddress" => {
                let v = value.trim();
                self.ha_master_address = (!v.is_empty()).then(|| v.to_owned());
            }
            "slaveTimeout" => self.slave_timeout = millis(key, value)?,
            "haMaxGapNotInSync" | "haSlaveFallbehindMax" => {
                self.ha_max_gap_not_in_sync = parse(key, value)?;
            }
            "haSendHeartbeatInterval" => self.ha_send_heartbeat_interval = millis(key, value)?,
            "haHousekeepingInterval" => self.ha_housekeeping_interval = millis(key, value)?,
            "haTransferBatchSize" => self.ha_transfer_batch_size = parse(key, value)?,
            "flushDelayOffsetInterval" => self.flush_delay_offset_interval = millis(key, value)?,
            "timerWheelEnable" => self.timer_wheel_enable = parse(key, value)?,
            "timerMaxDelaySec" => self.timer_max_delay_sec = parse(key, value)?,
            "messageIndexEnable" => self.message_index_enable = parse(key, value)?,
            "maxHashSlotNum" => self.max_hash_slot_num = parse(key, value)?,
            "maxIndexNum" => self.max_index_num = parse(key, value)?,
            "maxMsgsNumBatch" => self.max_msgs_num_batch = parse(key, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Check the values fit together.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the offending option.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::InvalidArgument(m.to_owned()));
        if self.mapped_file_size_commit_log < 4096 {
            return bad("mappedFileSizeCommitLog must be at least 4096");
        }
        if self.mapped_file_size_consume_queue < 20 || self.mapped_file_size_consume_queue % 20 != 0
        {
            return bad("mappedFileSizeConsumeQueue must be a positive multiple of 20");
        }
        if self.max_message_size == 0 {
            return bad("maxMessageSize must be positive");
        }
        if crate::schedule::DelayLevels::parse(&self.message_delay_level).is_err() {
            return bad("messageDelayLevel must be delays like `1s 5s 1m 2h`");
        }
        if self.max_hash_slot_num == 0 || self.max_index_num < 2 {
            return bad("maxHashSlotNum must be positive and maxIndexNum at least 2");
        }
        if self.delete_hours().is_none() {
            return bad("deleteWhen must be ';'-separated hours 0..=23");
        }
        Ok(())
    }

    /// The hours listed in `deleteWhen`, or `None` if it does not parse.
    pub(crate) fn delete_hours(&self) -> Option<Vec<u32>> {
        self.delete_when
            .split(';')
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().parse::<u32>().ok().filter(|h| *h < 24))
            .collect()
    }

    /// `diskSpaceCleanForciblyRatio` clamped as RocketMQ does.
    pub(crate) fn clean_forcibly_ratio(&self) -> u32 {
        self.disk_space_clean_forcibly_ratio.clamp(30, 85)
    }

    /// `diskSpaceWarningLevelRatio` clamped as RocketMQ does.
    pub(crate) fn warning_level_ratio(&self) -> u32 {
        self.disk_space_warning_level_ratio.clamp(35, 90)
    }
}
