//! The suite on `RedisStore` against a private redis-server per test, and what only Redis shows:
//! TTLs as Redis holds them, outages, URLs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use watchword_store::testing::RedisServer;
use watchword_store::{CasOutcome, Error, Key, RedisStore, Store, Table};

use crate::suite::Backend;

const MINUTE: Duration = Duration::from_secs(60);

pub(crate) struct Redis {
    server: RedisServer,
    store: Arc<dyn Store>,
}

impl Redis {
    fn start() -> Self {
        let server = RedisServer::start().expect("redis-server starts");
        let store = Arc::new(RedisStore::connect(&server.url()).expect("url"));
        Self { server, store }
    }
}

impl Backend for Redis {
    fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    fn replicas(&self, n: usize) -> Vec<Arc<dyn Store>> {
        // Independent clients, each with its own connection, as separate servers would have.
        (0..n)
            .map(|_| {
                Arc::new(RedisStore::connect(&self.server.url()).expect("url")) as Arc<dyn Store>
            })
            .collect()
    }

    async fn pass(&self, d: Duration) {
        // Redis keeps its own clock: only real time expires its keys.
        tokio::time::sleep(d).await;
    }
}

behaviour_suite!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    Redis::start()
);

fn key(id: &str) -> Key {
    Key::new("test", "redis", id).unwrap()
}

async fn raw(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

async fn pttl(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PTTL").arg(key).query_async(conn).await.unwrap()
}

/// Asserts that `op` fails as unavailable, and promptly.
macro_rules! assert_unavailable {
    ($op:expr) => {{
        let started = Instant::now();
        let result = $op.await;
        assert!(
            matches!(result, Err(Error::Unavailable(_))),
            "{}: {result:?}",
            stringify!($op)
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{} took {:?}",
            stringify!($op),
            started.elapsed()
        );
    }};
}

async fn all_ops_fail(store: &RedisStore) {
    let k = key("down");
    let table = Table::new("test", "site").unwrap();
    assert_unavailable!(store.ping());
    assert_unavailable!(store.put_new(&k, b"x", MINUTE));
    assert_unavailable!(store.put(&k, b"x", MINUTE));
    assert_unavailable!(store.get(&k));
    assert_unavailable!(store.take(&k));
    assert_unavailable!(store.get_versioned(&k));
    assert_unavailable!(store.compare_and_swap(&k, None, Some((b"x", MINUTE))));
    assert_unavailable!(store.compare_and_swap(&k, Some(1), None));
    assert_unavailable!(store.incr_window(&k, MINUTE));
    assert_unavailable!(store.delete(&k));
    assert_unavailable!(store.config_put(&table, "a", b"x"));
    assert_unavailable!(store.config_get(&table, "a"));
    assert_unavailable!(store.config_remove(&table, "a"));
    assert_unavailable!(store.config_list(&table));
}

async fn all_ops_work(store: &RedisStore) {
    let k = key("up");
    store.ping().await.unwrap();
    assert!(store.put_new(&k, b"x", MINUTE).await.unwrap());
    assert_eq!(store.take(&k).await.unwrap().as_deref(), Some(&b"x"[..]));
    assert!(matches!(
        store
            .compare_and_swap(&k, None, Some((b"v", MINUTE)))
            .await
            .unwrap(),
        CasOutcome::Swapped { .. }
    ));
    assert_eq!(
        store
            .incr_window(&key("up-counter"), MINUTE)
            .await
            .unwrap()
            .count,
        1
    );
    let table = Table::new("test", "site").unwrap();
    store.config_put(&table, "a", b"x").await.unwrap();
    assert_eq!(store.config_list(&table).await.unwrap().len(), 1);
    // Leave nothing behind, so the checks can run again on the same server.
    assert!(store.delete(&k).await.unwrap());
    assert!(store.delete(&key("up-counter")).await.unwrap());
    assert!(store.config_remove(&table, "a").await.unwrap());
}

/// Polls `ping` until it succeeds, for at most 5 seconds.
async fn wait_ready(store: &RedisStore) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while let Err(err) = store.ping().await {
        assert!(Instant::now() < deadline, "not ready after 5 s: {err}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttls_reach_redis() {
    let server = RedisServer::start().unwrap();
    let store = RedisStore::connect(&server.url()).unwrap();
    let mut conn = raw(&server).await;
    let (fresh, plain, record, counter) = (key("a"), key("b"), key("c"), key("d"));
    assert!(store.put_new(&fresh, b"x", MINUTE).await.unwrap());
    store.put(&plain, b"x", MINUTE * 2).await.unwrap();
    store
        .compare_and_swap(&record, None, Some((b"x", MINUTE * 3)))
        .await
        .unwrap();
    store.incr_window(&counter, MINUTE * 4).await.unwrap();
    for (k, minutes) in [(&fresh, 1), (&plain, 2), (&record, 3), (&counter, 4)] {
        let ms = pttl(&mut conn, k.as_str()).await;
        let full = minutes * 60_000;
        assert!(ms > full - 5_000 && ms <= full, "{k}: {ms} ms");
    }
    // A later swap sets the record's new ttl.
    let Some(current) = store.get_versioned(&record).await.unwrap() else {
        panic!("record is there")
    };
    store
        .compare_and_swap(
            &record,
            Some(current.version),
            Some((b"y", Duration::from_secs(5))),
        )
        .await
        .unwrap();
    assert!(pttl(&mut conn, record.as_str()).await <= 5_000);
    // Sub-millisecond ttls round up to one millisecond rather than to "no expiry".
    let tiny = key("e");
    store
        .put(&tiny, b"x", Duration::from_micros(300))
        .await
        .unwrap();
    assert!(pttl(&mut conn, tiny.as_str()).await <= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_without_expiry_gets_one() {
    let server = RedisServer::start().unwrap();
    let store = RedisStore::connect(&server.url()).unwrap();
    let mut conn = raw(&server).await;
    let k = key("no-ttl");
    let () = redis::cmd("SET")
        .arg(k.as_str())
        .arg(5)
        .query_async(&mut conn)
        .await
        .unwrap();
    let window = store.incr_window(&k, MINUTE).await.unwrap();
    assert_eq!(window.count, 6);
    assert_eq!(window.resets_in, MINUTE);
    let ms = pttl(&mut conn, k.as_str()).await;
    assert!(ms > 55_000 && ms <= 60_000, "{ms}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_fails_closed_and_recovers_with_the_same_client() {
    let mut server = RedisServer::start().unwrap();
    let store = RedisStore::connect(&server.url()).unwrap();
    let nonce = key("nonce");
    assert!(store.put_new(&nonce, b"pending", MINUTE).await.unwrap());

    server.kill().unwrap();
    // Twice: the first round sees the dropped connection, the second failed reconnections.
    all_ops_fail(&store).await;
    all_ops_fail(&store).await;

    server.restart().unwrap();
    wait_ready(&store).await;
    // The restarted Redis kept nothing: the lost nonce is a rejection, never a second acceptance.
    assert_eq!(store.take(&nonce).await.unwrap(), None);
    all_ops_work(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_client_works_at_once_after_a_restart() {
    let mut server = RedisServer::start().unwrap();
    let store = RedisStore::connect(&server.url()).unwrap();
    store.ping().await.unwrap();
    server.kill().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.restart().unwrap();
    // No failed request is needed to notice the restart.
    all_ops_work(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_handshake_is_tried_again() {
    // The store's password is not the server's: every handshake is refused, and no failed
    // connection may be kept for good once the password is right.
    let server = RedisServer::start().unwrap();
    let mut conn = raw(&server).await;
    let mut set_password = async |password: &str| {
        let () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("requirepass")
            .arg(password)
            .query_async(&mut conn)
            .await
            .unwrap();
    };
    set_password("old").await;
    let store = RedisStore::connect(&format!("{}?pass=new", server.url())).unwrap();
    assert_unavailable!(store.ping());
    assert_unavailable!(store.put_new(&key("auth"), b"x", MINUTE));
    assert_unavailable!(store.ping());
    set_password("new").await;
    wait_ready(&store).await;
    all_ops_work(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_opened_while_redis_is_down_connects_later() {
    let mut server = RedisServer::stopped().unwrap();
    assert!(!server.socket_path().unwrap().exists());
    let opened = watchword_store::open(&server.url()).expect("opening does not need Redis");
    assert!(matches!(opened.ping().await, Err(Error::Unavailable(_))));
    let store = RedisStore::connect(&server.url()).unwrap();
    all_ops_fail(&store).await;
    server.restart().unwrap();
    wait_ready(&store).await;
    all_ops_work(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_server_and_unix_url_forms() {
    let server = RedisServer::start_tcp().unwrap();
    assert!(server.url().starts_with("redis://127.0.0.1:"));
    let store = watchword_store::open(&server.url()).unwrap();
    store.ping().await.unwrap();
    let k = key("tcp");
    assert!(store.put_new(&k, b"x", MINUTE).await.unwrap());

    let unix = RedisServer::start().unwrap();
    let path = unix.socket_path().unwrap().display().to_string();
    for url in [
        format!("unix://{path}"),
        format!("redis+unix://{path}?protocol=resp2"),
    ] {
        let store = RedisStore::connect(&url).unwrap();
        all_ops_work(&store).await;
    }
}

#[test]
fn urls_are_checked() {
    fn reason(url: &str) -> String {
        match RedisStore::connect(url) {
            Err(Error::InvalidUrl { reason, .. }) => reason,
            other => panic!("{url}: {other:?}"),
        }
    }
    assert!(reason("rediss://:secret@127.0.0.1:6380").contains("TLS"));
    assert!(reason("mysql://localhost").contains("unsupported scheme"));
    assert!(reason("localhost:6379").contains("scheme"));
    assert!(
        reason("redis://").contains("hostname"),
        "{}",
        reason("redis://")
    );
    assert!(reason("redis+cluster://a:1,,b:2").contains("host:port"));
    #[cfg(not(feature = "cluster"))]
    assert!(reason("redis+cluster://127.0.0.1:7000,127.0.0.1:7001").contains("cluster"));
    // Passwords never appear in errors.
    let err = RedisStore::connect("rediss://:secret@127.0.0.1:6380").unwrap_err();
    assert!(!err.to_string().contains("secret"), "{err}");
    let store = RedisStore::connect("redis://:secret@127.0.0.1:1/").unwrap();
    assert!(!format!("{store:?}").contains("secret"));
}
