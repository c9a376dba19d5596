//! The behavioural contract of `Store`, written once and run on every backend through
//! `behaviour_suite!`.

use std::sync::Arc;
use std::time::Duration;

use watchword_store::{CasOutcome, Error, Key, Store, Table, Versioned, Window, MAX_TTL};

/// A backend under test.
pub(crate) trait Backend {
    /// The store the test works on.
    fn store(&self) -> Arc<dyn Store>;
    /// `n` clients of the same data, as server replicas would have.
    fn replicas(&self, n: usize) -> Vec<Arc<dyn Store>>;
    /// Lets `d` pass for expiry (paused-clock advance on memory, a real sleep on Redis).
    async fn pass(&self, d: Duration);
}

/// Calls `$m!($($pre)* ; <every test of the suite>,)`: the one list of the suite's tests.
macro_rules! with_suite_tests {
    ($m:ident!($($pre:tt)*)) => {
        $m! { $($pre)*;
            put_new_stores_only_once,
            put_overwrites,
            take_is_single_use,
            delete_reports_presence,
            values_are_binary_safe,
            records_expire,
            bad_ttls_are_refused,
            cas_creates_when_absent,
            cas_with_stale_version_conflicts,
            cas_deletes,
            versions_increase_across_recreation,
            incr_window_counts_in_a_fixed_window,
            config_records_crud,
            config_ids_are_validated,
            shapes_do_not_mix,
            concurrent_takes_have_one_winner,
            concurrent_put_new_have_one_winner,
            concurrent_cas_have_one_winner,
            concurrent_increments_are_all_counted,
        }
    };
}

/// Defines one `#[$test]` per suite test, each on a fresh backend built by `$setup`.
macro_rules! behaviour_suite {
    (#[$test:meta] $setup:expr) => {
        with_suite_tests!(behaviour_suite!(@tests #[$test] $setup));
    };
    (@tests #[$test:meta] $setup:expr; $($name:ident,)*) => {
        $(
            #[$test]
            async fn $name() {
                let backend = $setup;
                crate::suite::$name(&backend).await;
            }
        )*
    };
}

/// Runs every suite test in turn on one backend (for backends too slow to build per test).
#[cfg_attr(not(feature = "cluster"), allow(unused_macros))]
macro_rules! run_behaviour_suite {
    ($backend:expr) => {
        with_suite_tests!(run_behaviour_suite!(@run $backend))
    };
    (@run $backend:expr; $($name:ident,)*) => {{
        $(
            crate::suite::$name($backend).await;
        )*
    }};
}

const MINUTE: Duration = Duration::from_secs(60);
const CONCURRENCY: usize = 64;

fn key(id: &str) -> Key {
    Key::new("test", "record", id).expect("valid key")
}

fn stored(version: u64, value: &[u8]) -> Versioned {
    Versioned {
        version,
        value: value.to_vec(),
    }
}

async fn create(store: &dyn Store, key: &Key, value: &[u8]) -> u64 {
    match store
        .compare_and_swap(key, None, Some((value, MINUTE)))
        .await
        .expect("cas")
    {
        CasOutcome::Swapped { version } => version,
        other @ CasOutcome::Conflict { .. } => panic!("expected a swap, got {other:?}"),
    }
}

pub(crate) async fn put_new_stores_only_once(backend: &impl Backend) {
    let store = backend.store();
    let k = key("put-new");
    assert!(store.put_new(&k, b"first", MINUTE).await.unwrap());
    assert!(!store.put_new(&k, b"second", MINUTE).await.unwrap());
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some(&b"first"[..]));
}

pub(crate) async fn put_overwrites(backend: &impl Backend) {
    let store = backend.store();
    let k = key("put");
    store.put(&k, b"a", MINUTE).await.unwrap();
    store.put(&k, b"b", MINUTE).await.unwrap();
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some(&b"b"[..]));
    assert!(!store.put_new(&k, b"c", MINUTE).await.unwrap());
}

pub(crate) async fn take_is_single_use(backend: &impl Backend) {
    let store = backend.store();
    let k = key("take");
    assert_eq!(store.take(&k).await.unwrap(), None);
    assert!(store.put_new(&k, b"nonce", MINUTE).await.unwrap());
    assert_eq!(
        store.take(&k).await.unwrap().as_deref(),
        Some(&b"nonce"[..])
    );
    assert_eq!(store.take(&k).await.unwrap(), None);
    assert_eq!(store.get(&k).await.unwrap(), None);
}

pub(crate) async fn delete_reports_presence(backend: &impl Backend) {
    let store = backend.store();
    let k = key("delete");
    assert!(!store.delete(&k).await.unwrap());
    store.put(&k, b"x", MINUTE).await.unwrap();
    assert!(store.delete(&k).await.unwrap());
    assert!(!store.delete(&k).await.unwrap());
    assert_eq!(store.get(&k).await.unwrap(), None);
    // Versioned records and counters are deleted the same way.
    create(&*store, &k, b"v").await;
    assert!(store.delete(&k).await.unwrap());
    store.incr_window(&k, MINUTE).await.unwrap();
    assert!(store.delete(&k).await.unwrap());
}

pub(crate) async fn values_are_binary_safe(backend: &impl Backend) {
    let store = backend.store();
    let all: Vec<u8> = (0..=255).collect();
    let k = key("binary");
    store.put(&k, &all, MINUTE).await.unwrap();
    assert_eq!(store.get(&k).await.unwrap(), Some(all.clone()));
    let empty = key("empty");
    assert!(store.put_new(&empty, b"", MINUTE).await.unwrap());
    assert_eq!(store.take(&empty).await.unwrap(), Some(Vec::new()));
    let odd = Key::new("test", "record", "id with spaces:colons/ünïcode").unwrap();
    let version = create(&*store, &odd, &all).await;
    assert_eq!(
        store.get_versioned(&odd).await.unwrap(),
        Some(stored(version, &all))
    );
}

pub(crate) async fn records_expire(backend: &impl Backend) {
    let store = backend.store();
    let short = Duration::from_millis(100);
    let (bytes, record, counter) = (key("exp-bytes"), key("exp-record"), key("exp-counter"));
    assert!(store.put_new(&bytes, b"x", short).await.unwrap());
    store
        .compare_and_swap(&record, None, Some((b"x", short)))
        .await
        .unwrap();
    store.incr_window(&counter, short).await.unwrap();
    assert_eq!(store.incr_window(&counter, short).await.unwrap().count, 2);

    backend.pass(Duration::from_millis(150)).await;

    assert_eq!(store.get(&bytes).await.unwrap(), None);
    assert_eq!(store.take(&bytes).await.unwrap(), None);
    assert!(store.put_new(&bytes, b"again", MINUTE).await.unwrap());
    assert_eq!(store.get_versioned(&record).await.unwrap(), None);
    assert!(matches!(
        store
            .compare_and_swap(&record, None, Some((b"y", MINUTE)))
            .await
            .unwrap(),
        CasOutcome::Swapped { .. }
    ));
    let window = store.incr_window(&counter, MINUTE).await.unwrap();
    assert_eq!(window.count, 1, "a new window starts from zero");
}

pub(crate) async fn bad_ttls_are_refused(backend: &impl Backend) {
    let store = backend.store();
    let k = key("ttl");
    let too_long = MAX_TTL + Duration::from_secs(1);
    for ttl in [Duration::ZERO, too_long] {
        assert!(matches!(
            store.put_new(&k, b"x", ttl).await,
            Err(Error::InvalidTtl(_))
        ));
        assert!(matches!(
            store.put(&k, b"x", ttl).await,
            Err(Error::InvalidTtl(_))
        ));
        assert!(matches!(
            store.compare_and_swap(&k, None, Some((b"x", ttl))).await,
            Err(Error::InvalidTtl(_))
        ));
        assert!(matches!(
            store.incr_window(&k, ttl).await,
            Err(Error::InvalidTtl(_))
        ));
    }
    assert_eq!(store.get(&k).await.unwrap(), None, "nothing was written");
    // The smallest ttl still stores something.
    assert!(store
        .put_new(&k, b"x", Duration::from_micros(1))
        .await
        .unwrap());
}

pub(crate) async fn cas_creates_when_absent(backend: &impl Backend) {
    let store = backend.store();
    let k = key("cas-create");
    assert_eq!(store.get_versioned(&k).await.unwrap(), None);
    let version = create(&*store, &k, b"pending").await;
    assert!(version > 0);
    assert_eq!(
        store.get_versioned(&k).await.unwrap(),
        Some(stored(version, b"pending"))
    );
    // "Must be absent" now conflicts and shows what is there.
    assert_eq!(
        store
            .compare_and_swap(&k, None, Some((b"other", MINUTE)))
            .await
            .unwrap(),
        CasOutcome::Conflict {
            current: Some(stored(version, b"pending"))
        }
    );
}

pub(crate) async fn cas_with_stale_version_conflicts(backend: &impl Backend) {
    let store = backend.store();
    let k = key("cas-stale");
    let v1 = create(&*store, &k, b"one").await;
    let CasOutcome::Swapped { version: v2 } = store
        .compare_and_swap(&k, Some(v1), Some((b"two", MINUTE)))
        .await
        .unwrap()
    else {
        panic!("expected a swap");
    };
    assert!(v2 > v1);
    assert_eq!(
        store
            .compare_and_swap(&k, Some(v1), Some((b"stale", MINUTE)))
            .await
            .unwrap(),
        CasOutcome::Conflict {
            current: Some(stored(v2, b"two"))
        }
    );
    assert_eq!(
        store.compare_and_swap(&k, Some(v1), None).await.unwrap(),
        CasOutcome::Conflict {
            current: Some(stored(v2, b"two"))
        },
        "a stale delete is refused too"
    );
    // Expecting a record that is not there conflicts with "absent".
    assert_eq!(
        store
            .compare_and_swap(&key("cas-missing"), Some(v2), Some((b"x", MINUTE)))
            .await
            .unwrap(),
        CasOutcome::Conflict { current: None }
    );
    assert_eq!(
        store.get_versioned(&k).await.unwrap(),
        Some(stored(v2, b"two"))
    );
}

pub(crate) async fn cas_deletes(backend: &impl Backend) {
    let store = backend.store();
    let k = key("cas-delete");
    let version = create(&*store, &k, b"x").await;
    assert_eq!(
        store
            .compare_and_swap(&k, Some(version), None)
            .await
            .unwrap(),
        CasOutcome::Swapped { version: 0 }
    );
    assert_eq!(store.get_versioned(&k).await.unwrap(), None);
    // Deleting what must be absent, and is, succeeds without writing anything.
    assert_eq!(
        store.compare_and_swap(&k, None, None).await.unwrap(),
        CasOutcome::Swapped { version: 0 }
    );
    assert_eq!(store.get_versioned(&k).await.unwrap(), None);
}

pub(crate) async fn versions_increase_across_recreation(backend: &impl Backend) {
    let store = backend.store();
    let k = key("cas-versions");
    let mut last = create(&*store, &k, b"0").await;
    for step in 1..10u8 {
        let CasOutcome::Swapped { version } = store
            .compare_and_swap(&k, Some(last), Some((&[step], MINUTE)))
            .await
            .unwrap()
        else {
            panic!("expected a swap");
        };
        assert!(version > last, "{version} after {last}");
        last = version;
    }
    // Deleted and created again: a holder of an old version cannot swap the new record.
    assert!(store.delete(&k).await.unwrap());
    let again = create(&*store, &k, b"new").await;
    assert!(again > last, "{again} after {last}");
}

pub(crate) async fn incr_window_counts_in_a_fixed_window(backend: &impl Backend) {
    let store = backend.store();
    let k = key("counter");
    let mut previous = MINUTE;
    for expected in 1..=5 {
        let Window { count, resets_in } = store.incr_window(&k, MINUTE).await.unwrap();
        assert_eq!(count, expected);
        assert!(resets_in <= previous, "{resets_in:?} after {previous:?}");
        assert!(resets_in > Duration::from_secs(55), "{resets_in:?}");
        previous = resets_in;
    }
    // A later, longer window does not extend the current one.
    let window = store.incr_window(&k, MINUTE * 10).await.unwrap();
    assert_eq!(window.count, 6);
    assert!(window.resets_in <= MINUTE, "{:?}", window.resets_in);
    // The counter reads as its digits, as Redis shows it.
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some(&b"6"[..]));
    // Counters are independent.
    assert_eq!(
        store
            .incr_window(&key("counter-2"), MINUTE)
            .await
            .unwrap()
            .count,
        1
    );
}

pub(crate) async fn config_records_crud(backend: &impl Backend) {
    let store = backend.store();
    let sites = Table::new("test", "site").unwrap();
    let clients = Table::new("test", "client").unwrap();
    assert_eq!(store.config_list(&sites).await.unwrap(), Vec::new());
    assert_eq!(store.config_get(&sites, "b").await.unwrap(), None);
    store.config_put(&sites, "b", b"site b").await.unwrap();
    store.config_put(&sites, "a", b"site a").await.unwrap();
    store.config_put(&sites, "c", b"").await.unwrap();
    store.config_put(&clients, "a", b"client a").await.unwrap();
    store.config_put(&sites, "b", b"site b v2").await.unwrap();
    assert_eq!(
        store.config_get(&sites, "b").await.unwrap().as_deref(),
        Some(&b"site b v2"[..])
    );
    assert_eq!(
        store.config_list(&sites).await.unwrap(),
        vec![
            ("a".to_owned(), b"site a".to_vec()),
            ("b".to_owned(), b"site b v2".to_vec()),
            ("c".to_owned(), Vec::new()),
        ]
    );
    assert!(store.config_remove(&sites, "a").await.unwrap());
    assert!(!store.config_remove(&sites, "a").await.unwrap());
    assert_eq!(store.config_get(&sites, "a").await.unwrap(), None);
    assert_eq!(store.config_list(&sites).await.unwrap().len(), 2);
    assert_eq!(
        store.config_list(&clients).await.unwrap(),
        vec![("a".to_owned(), b"client a".to_vec())]
    );
    // A table and a record with the same words live apart.
    let record = Key::new("test", "site", "a").unwrap();
    assert_eq!(store.get(&record).await.unwrap(), None);
    assert!(store.config_remove(&sites, "b").await.unwrap());
    assert!(store.config_remove(&sites, "c").await.unwrap());
    assert_eq!(store.config_list(&sites).await.unwrap(), Vec::new());
}

pub(crate) async fn config_ids_are_validated(backend: &impl Backend) {
    let store = backend.store();
    let sites = Table::new("test", "site").unwrap();
    let long = "x".repeat(257);
    for id in ["", "a{b", "}", long.as_str()] {
        assert!(matches!(
            store.config_put(&sites, id, b"x").await,
            Err(Error::InvalidKey { part: "id", .. })
        ));
        assert!(matches!(
            store.config_get(&sites, id).await,
            Err(Error::InvalidKey { part: "id", .. })
        ));
        assert!(matches!(
            store.config_remove(&sites, id).await,
            Err(Error::InvalidKey { part: "id", .. })
        ));
    }
    assert_eq!(store.config_list(&sites).await.unwrap(), Vec::new());
}

pub(crate) async fn shapes_do_not_mix(backend: &impl Backend) {
    let store = backend.store();
    let (bytes, record) = (key("shape-bytes"), key("shape-record"));
    store.put(&bytes, b"not a number", MINUTE).await.unwrap();
    let version = create(&*store, &record, b"r").await;

    assert!(matches!(store.get(&record).await, Err(Error::Corrupt(_))));
    assert!(matches!(store.take(&record).await, Err(Error::Corrupt(_))));
    assert!(matches!(
        store.incr_window(&record, MINUTE).await,
        Err(Error::Corrupt(_))
    ));
    assert!(matches!(
        store.get_versioned(&bytes).await,
        Err(Error::Corrupt(_))
    ));
    assert!(matches!(
        store
            .compare_and_swap(&bytes, None, Some((b"x", MINUTE)))
            .await,
        Err(Error::Corrupt(_))
    ));
    assert!(matches!(
        store.incr_window(&bytes, MINUTE).await,
        Err(Error::Corrupt(_))
    ));

    // Nothing was changed by the refused calls.
    assert_eq!(
        store.get_versioned(&record).await.unwrap(),
        Some(stored(version, b"r"))
    );
    assert_eq!(
        store.get(&bytes).await.unwrap().as_deref(),
        Some(&b"not a number"[..])
    );
}

/// Runs `CONCURRENCY` copies of `op` at once, spread over the backend's replicas.
async fn race<T, F, Fut>(backend: &impl Backend, op: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Arc<dyn Store>, usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let replicas = backend.replicas(4);
    let start = Arc::new(tokio::sync::Barrier::new(CONCURRENCY));
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|i| {
            let run = op(Arc::clone(&replicas[i % replicas.len()]), i);
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                run.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(CONCURRENCY);
    for task in tasks {
        results.push(task.await.expect("task"));
    }
    results
}

pub(crate) async fn concurrent_takes_have_one_winner(backend: &impl Backend) {
    let k = key("race-take");
    assert!(backend.store().put_new(&k, b"code", MINUTE).await.unwrap());
    let results = race(backend, |store, _| {
        let k = k.clone();
        async move { store.take(&k).await.expect("take") }
    })
    .await;
    let winners: Vec<_> = results.into_iter().flatten().collect();
    assert_eq!(winners, vec![b"code".to_vec()]);
}

pub(crate) async fn concurrent_put_new_have_one_winner(backend: &impl Backend) {
    let k = key("race-put-new");
    let results = race(backend, |store, i| {
        let k = k.clone();
        async move {
            store
                .put_new(&k, i.to_string().as_bytes(), MINUTE)
                .await
                .expect("put_new")
        }
    })
    .await;
    let winners: Vec<usize> = (0..CONCURRENCY).filter(|&i| results[i]).collect();
    assert_eq!(winners.len(), 1, "{winners:?}");
    let stored = backend.store().get(&k).await.unwrap().unwrap();
    assert_eq!(stored, winners[0].to_string().into_bytes());
}

pub(crate) async fn concurrent_cas_have_one_winner(backend: &impl Backend) {
    let k = key("race-cas");
    let start = create(&*backend.store(), &k, b"pending").await;
    let results = race(backend, |store, i| {
        let k = k.clone();
        async move {
            let value = format!("done by {i}");
            store
                .compare_and_swap(&k, Some(start), Some((value.as_bytes(), MINUTE)))
                .await
                .expect("cas")
        }
    })
    .await;
    let winners: Vec<(usize, u64)> = results
        .iter()
        .enumerate()
        .filter_map(|(i, outcome)| match outcome {
            CasOutcome::Swapped { version } => Some((i, *version)),
            CasOutcome::Conflict { .. } => None,
        })
        .collect();
    assert_eq!(winners.len(), 1, "{winners:?}");
    let (winner, version) = winners[0];
    let expected = Some(stored(version, format!("done by {winner}").as_bytes()));
    for outcome in &results {
        if let CasOutcome::Conflict { current } = outcome {
            assert_eq!(current, &expected);
        }
    }
    assert_eq!(backend.store().get_versioned(&k).await.unwrap(), expected);
}

pub(crate) async fn concurrent_increments_are_all_counted(backend: &impl Backend) {
    let k = key("race-incr");
    let mut counts = race(backend, |store, _| {
        let k = k.clone();
        async move { store.incr_window(&k, MINUTE).await.expect("incr").count }
    })
    .await;
    counts.sort_unstable();
    assert_eq!(counts, (1..=CONCURRENCY as u64).collect::<Vec<_>>());
}
