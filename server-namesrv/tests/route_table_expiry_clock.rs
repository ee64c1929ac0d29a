//! The registry's expiry and unregistration rules on a controlled clock (spec §14.3): exact
//! timeout boundaries without sleeping, and what a departing slave or master takes with it.

use std::time::Duration;

use ferromq_namesrv::route::{Registration, RouteInfoManager};
use ferromq_protocol::body::{TopicConfig, TopicConfigSerializeWrapper};
use tokio::time::Instant;

fn reg(name: &str, id: i64, addr: &str, timeout: Duration) -> Registration {
    let mut topics = TopicConfigSerializeWrapper::default();
    topics
        .topic_config_table
        .insert("T".into(), TopicConfig::new("T", 4));
    Registration {
        cluster_name: "C".into(),
        broker_addr: addr.into(),
        broker_name: name.into(),
        broker_id: id,
        ha_server_addr: format!("{addr}-ha"),
        zone_name: None,
        timeout,
        enable_acting_master: false,
        topics,
        filter_server_list: Vec::new(),
    }
}

#[test]
fn broker_expires_only_after_its_own_timeout() {
    let routes = RouteInfoManager::new();
    let t0 = Instant::now();
    routes.register(
        reg("a", 0, "10.0.0.1:10911", Duration::from_secs(120)),
        1,
        t0,
    );
    routes.register(
        reg("b", 0, "10.0.0.2:10911", Duration::from_secs(30)),
        2,
        t0,
    );

    assert!(routes
        .scan_not_active(t0 + Duration::from_secs(30))
        .is_empty());
    let gone = routes.scan_not_active(t0 + Duration::from_secs(31));
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].broker_name, "b");

    // A heartbeat at 100 s pushes broker a's deadline to 220 s.
    assert!(routes.touch("C", "10.0.0.1:10911", t0 + Duration::from_secs(100)));
    assert!(routes
        .scan_not_active(t0 + Duration::from_secs(200))
        .is_empty());
    assert_eq!(
        routes.scan_not_active(t0 + Duration::from_secs(221)).len(),
        1
    );
    assert!(routes.topic_route("T").is_none());
    assert!(routes.cluster_info().cluster_addr_table.is_empty());
}

#[test]
fn losing_a_slave_keeps_the_group_losing_everyone_drops_its_routes() {
    let routes = RouteInfoManager::new();
    let t0 = Instant::now();
    let timeout = Duration::from_secs(120);
    routes.register(reg("a", 0, "10.0.0.1:10911", timeout), 1, t0);
    routes.register(reg("a", 1, "10.0.0.2:10911", timeout), 2, t0);

    let gone = routes.connection_closed(2);
    assert_eq!(gone.len(), 1);
    let route = routes.topic_route("T").expect("master still serves T");
    assert_eq!(route.broker_datas[0].broker_addrs.len(), 1);

    // The master leaving with a slave still registered keeps the queue data (reads from the
    // slave stay possible); here the master is the last member, so everything goes.
    routes.unregister("C", "10.0.0.1:10911", "a", 0);
    assert!(routes.topic_route("T").is_none());
    assert!(routes.all_topics().is_empty());
}

#[test]
fn a_broker_that_reconnected_is_not_removed_by_its_old_connection_closing() {
    let routes = RouteInfoManager::new();
    let t0 = Instant::now();
    let timeout = Duration::from_secs(120);
    routes.register(reg("a", 0, "10.0.0.1:10911", timeout), 1, t0);
    routes.register(reg("a", 0, "10.0.0.1:10911", timeout), 7, t0);
    assert!(routes.connection_closed(1).is_empty());
    assert!(routes.topic_route("T").is_some());
}

#[test]
fn a_departed_master_leaves_its_slave_serving_reads() {
    let routes = RouteInfoManager::new();
    let t0 = Instant::now();
    let timeout = Duration::from_secs(120);
    routes.register(reg("a", 0, "10.0.0.1:10911", timeout), 1, t0);
    routes.register(reg("a", 1, "10.0.0.2:10911", timeout), 2, t0);
    routes.unregister("C", "10.0.0.1:10911", "a", 0);
    let route = routes.topic_route("T").expect("the slave still hosts T");
    assert_eq!(route.broker_datas[0].master_addr(), None);
    assert_eq!(route.broker_datas[0].broker_addrs[&1], "10.0.0.2:10911");
    assert_eq!(route.queue_datas.len(), 1);
}
