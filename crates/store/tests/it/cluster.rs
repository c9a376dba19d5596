//! The suite on a three-master Redis Cluster (feature `cluster`): one cluster, every test in
//! turn, then an outage of the whole cluster.

use std::sync::Arc;
use std::time::{Duration, Instant};

use watchword_store::testing::RedisCluster;
use watchword_store::{Error, Key, RedisStore, Store};

use crate::suite::Backend;

struct Cluster {
    url: String,
    store: Arc<dyn Store>,
}

impl Backend for Cluster {
    fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    fn replicas(&self, n: usize) -> Vec<Arc<dyn Store>> {
        (0..n)
            .map(|_| Arc::new(RedisStore::connect(&self.url).expect("url")) as Arc<dyn Store>)
            .collect()
    }

    async fn pass(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behaviour_suite_and_outage_on_a_cluster() {
    let mut cluster = RedisCluster::start().expect("cluster starts");
    let url = cluster.url();
    let store: Arc<dyn Store> = Arc::new(RedisStore::connect(&url).unwrap());
    let backend = Cluster {
        url,
        store: store.clone(),
    };
    run_behaviour_suite!(&backend);

    // Keys spread over the nodes: each holds some of a hundred records.
    for i in 0..100 {
        let key = Key::new("test", "spread", &i.to_string()).unwrap();
        store
            .put(&key, b"x", Duration::from_secs(60))
            .await
            .unwrap();
    }
    for node in cluster.nodes() {
        let count: usize = node.command(&["DBSIZE"]).unwrap().parse().unwrap();
        assert!(count > 10, "a node holds only {count} keys");
    }

    let nonce = Key::new("test", "cluster", "nonce").unwrap();
    assert!(store
        .put_new(&nonce, b"x", Duration::from_secs(60))
        .await
        .unwrap());
    cluster.kill().unwrap();
    for _ in 0..2 {
        assert!(matches!(store.ping().await, Err(Error::Unavailable(_))));
        assert!(matches!(
            store.take(&nonce).await,
            Err(Error::Unavailable(_))
        ));
        assert!(matches!(
            store.put_new(&nonce, b"y", Duration::from_secs(60)).await,
            Err(Error::Unavailable(_))
        ));
    }
    cluster.restart().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Err(err) = store.ping().await {
        assert!(
            Instant::now() < deadline,
            "cluster not ready after 10 s: {err}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(store.take(&nonce).await.unwrap(), None);
    assert!(store
        .put_new(&nonce, b"y", Duration::from_secs(60))
        .await
        .unwrap());
}
