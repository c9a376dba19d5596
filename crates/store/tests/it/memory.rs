//! The suite on `MemoryStore` under Tokio's paused clock, and what only memory shows.

use std::sync::Arc;
use std::time::Duration;

use watchword_store::{Key, MemoryStore, Store};

use crate::suite::Backend;

pub(crate) struct Memory(Arc<MemoryStore>);

impl Memory {
    fn new() -> Self {
        Self(Arc::new(MemoryStore::new()))
    }
}

impl Backend for Memory {
    fn store(&self) -> Arc<dyn Store> {
        self.0.clone()
    }

    fn replicas(&self, n: usize) -> Vec<Arc<dyn Store>> {
        // Replicas of an in-process store share the one map.
        vec![self.store(); n]
    }

    async fn pass(&self, d: Duration) {
        tokio::time::advance(d).await;
    }
}

behaviour_suite!(
    #[tokio::test(start_paused = true)]
    Memory::new()
);

#[tokio::test(start_paused = true)]
async fn expired_records_are_swept_out() {
    let store = MemoryStore::new();
    for i in 0..5000 {
        let key = Key::new("test", "sweep", &i.to_string()).unwrap();
        store.put(&key, b"x", Duration::from_secs(1)).await.unwrap();
    }
    assert_eq!(store.entry_count(), 5000);
    tokio::time::advance(Duration::from_secs(2)).await;
    // Nobody reads the expired records again; writes elsewhere sweep them out.
    let hot = Key::new("test", "sweep", "hot").unwrap();
    for _ in 0..6000 {
        store
            .put(&hot, b"y", Duration::from_secs(60))
            .await
            .unwrap();
    }
    assert_eq!(store.entry_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn expiry_is_exact_on_the_paused_clock() {
    let store = MemoryStore::new();
    let key = Key::new("test", "exact", "1").unwrap();
    store
        .put(&key, b"x", Duration::from_millis(100))
        .await
        .unwrap();
    tokio::time::advance(Duration::from_millis(99)).await;
    assert!(store.get(&key).await.unwrap().is_some());
    tokio::time::advance(Duration::from_millis(1)).await;
    assert_eq!(store.get(&key).await.unwrap(), None);
}

#[tokio::test]
async fn debug_shows_no_values() {
    let store = MemoryStore::new();
    let key = Key::new("test", "secret", "1").unwrap();
    store
        .put(&key, b"hunter2", Duration::from_secs(60))
        .await
        .unwrap();
    let shown = format!("{store:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("entries: 1"), "{shown}");
}

#[tokio::test]
async fn open_memory_url() {
    let store = watchword_store::open("memory://").unwrap();
    store.ping().await.unwrap();
    assert!(matches!(
        watchword_store::open("memory://somewhere"),
        Err(watchword_store::Error::InvalidUrl { .. })
    ));
}
