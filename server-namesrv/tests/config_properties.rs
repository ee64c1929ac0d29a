//! RocketMQ-style `key=value` configuration: known keys applied, unknown keys warned about.

use std::time::Duration;

use ferromq_namesrv::NamesrvConfig;

#[test]
fn properties_file_sets_rocketmq_keys_and_warns_on_unknown_ones() {
    let mut cfg = NamesrvConfig::default();
    let warnings = cfg.apply_properties(
        "# name server\n\
         listenPort = 19876\n\
         kvConfigPath=/tmp/ferromq/kv.json\n\
         scanNotActiveBrokerInterval=1000\n\
         orderMessageEnable=true\n\
         ! another comment\n\
         productEnvName=center\n\
         noSuchKey=1\n\
         enableAllTopicList=maybe\n",
    );
    assert_eq!(cfg.listen_port, 19876);
    assert_eq!(
        cfg.kv_config_path,
        std::path::PathBuf::from("/tmp/ferromq/kv.json")
    );
    assert_eq!(cfg.scan_not_active_broker_interval, Duration::from_secs(1));
    assert!(cfg.order_message_enable);
    assert!(cfg.enable_all_topic_list, "a bad value leaves the default");
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("noSuchKey")));
    assert!(warnings.iter().any(|w| w.contains("productEnvName")));
}

#[test]
fn defaults_match_rocketmq() {
    let cfg = NamesrvConfig::default();
    assert_eq!(cfg.listen_port, 9876);
    assert_eq!(cfg.broker_channel_expired_time, Duration::from_secs(120));
    assert_eq!(cfg.scan_not_active_broker_interval, Duration::from_secs(5));
    assert!(cfg.kv_config_path.ends_with("namesrv/kvConfig.json"));
}
