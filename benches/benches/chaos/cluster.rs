//! The same approval flows on a Redis Cluster of three masters, each with a replica: a manual
//! failover, then a master killed and its replica promoted by the others.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use watchword_store::testing::{RedisCluster, RedisServer};

use super::{actors, approvals, Load, Report};

/// What `INFO replication` of `node` says, or nothing when it does not answer.
fn replication(node: &RedisServer) -> String {
    node.command(&["INFO", "replication"]).unwrap_or_default()
}

/// Waits (at most `limit`) until `node` is a master of a healthy cluster; whether it became one.
async fn promoted(node: &RedisServer, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let master = replication(node).contains("role:master");
        let healthy = node
            .command(&["CLUSTER", "INFO"])
            .is_ok_and(|info| info.contains("cluster_state:ok"));
        if master && healthy {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// The port of the master `replica` follows.
fn master_port(replica: &RedisServer) -> Option<u16> {
    replication(replica)
        .lines()
        .find_map(|line| line.strip_prefix("master_port:"))
        .and_then(|port| port.trim().parse().ok())
}

pub(crate) async fn cluster_faults(report: &mut Report) {
    let mut cluster = match RedisCluster::start_replicated() {
        Ok(cluster) => cluster,
        Err(error) => {
            report.check("Redis Cluster with replicas", false, &error.to_string());
            return;
        }
    };
    let url = cluster.url();
    let servers = approvals(&url, 2).await;
    let actors = Arc::new(actors(&url, &servers).await);
    for fault in [
        "manual failover (CLUSTER FAILOVER on a replica)",
        "kill -9 of a master, its replica promoted",
    ] {
        let load = Load::start(&servers, &actors);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = load.tally.ok.load(Ordering::Relaxed);
        // Nodes 3 to 5 started as replicas of nodes 0 to 2; each fault promotes one of them.
        let nodes = cluster.nodes();
        let back = if fault.starts_with("manual") {
            let _ = nodes[3].command(&["CLUSTER", "FAILOVER"]);
            promoted(&nodes[3], Duration::from_secs(10)).await
        } else {
            let master = master_port(&nodes[4]);
            match nodes.iter().position(|node| node.port() == master) {
                Some(at) => {
                    let _ = nodes[at].kill();
                    promoted(&nodes[4], Duration::from_secs(15)).await
                }
                None => false,
            }
        };
        if !back {
            report.check(
                &format!("approval flows through a Redis Cluster {fault}"),
                false,
                "no replica was promoted",
            );
            continue;
        }
        // A killed master's last writes may not have reached its replica, so a partner's
        // record may be briefly older there; the manual failover loses nothing.
        load.finish(
            &format!("approval flows through a Redis Cluster {fault}"),
            before,
            fault.starts_with("kill"),
            report,
        )
        .await;
    }
}
