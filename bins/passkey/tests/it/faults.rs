//! A registration whose second write fails leaves nothing behind: the credential id's claim is
//! withdrawn, the user holds no passkey, and a retry registers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use watchword_passkey_server::records;
use watchword_store::{CasOutcome, Error, Key, Result, Store, Table, Versioned, Window};

use crate::flow::register;
use crate::harness::{Harness, DOMAIN, ORIGIN};
use watchword_testkit::passkey::{Page, Passkey};

const PAGE: Page<'static> = Page {
    rp_id: DOMAIN,
    origin: ORIGIN,
};

/// A store that refuses every write to keys of one kind while armed.
#[derive(Debug)]
struct Faulty {
    inner: Arc<dyn Store>,
    kind: String,
    armed: Arc<AtomicBool>,
}

impl Faulty {
    fn check(&self, key: &Key) -> Result<()> {
        if self.armed.load(Ordering::SeqCst) && key.as_str().contains(&self.kind) {
            return Err(Error::Unavailable(format!("injected: {}", key.as_str())));
        }
        Ok(())
    }
}

#[async_trait]
impl Store for Faulty {
    async fn put_new(&self, key: &Key, value: &[u8], ttl: Duration) -> Result<bool> {
        self.check(key)?;
        self.inner.put_new(key, value, ttl).await
    }
    async fn put(&self, key: &Key, value: &[u8], ttl: Duration) -> Result<()> {
        self.check(key)?;
        self.inner.put(key, value, ttl).await
    }
    async fn get(&self, key: &Key) -> Result<Option<Vec<u8>>> {
        self.inner.get(key).await
    }
    async fn take(&self, key: &Key) -> Result<Option<Vec<u8>>> {
        self.check(key)?;
        self.inner.take(key).await
    }
    async fn get_versioned(&self, key: &Key) -> Result<Option<Versioned>> {
        self.inner.get_versioned(key).await
    }
    async fn compare_and_swap(
        &self,
        key: &Key,
        expected: Option<u64>,
        new: Option<(&[u8], Duration)>,
    ) -> Result<CasOutcome> {
        self.check(key)?;
        self.inner.compare_and_swap(key, expected, new).await
    }
    async fn incr_window(&self, key: &Key, window: Duration) -> Result<Window> {
        self.inner.incr_window(key, window).await
    }
    async fn delete(&self, key: &Key) -> Result<bool> {
        self.check(key)?;
        self.inner.delete(key).await
    }
    async fn config_put(&self, table: &Table, id: &str, value: &[u8]) -> Result<()> {
        self.inner.config_put(table, id, value).await
    }
    async fn config_get(&self, table: &Table, id: &str) -> Result<Option<Vec<u8>>> {
        self.inner.config_get(table, id).await
    }
    async fn config_remove(&self, table: &Table, id: &str) -> Result<bool> {
        self.inner.config_remove(table, id).await
    }
    async fn config_list(&self, table: &Table) -> Result<Vec<(String, Vec<u8>)>> {
        self.inner.config_list(table).await
    }
    async fn ping(&self) -> Result<()> {
        self.inner.ping().await
    }
}

/// A harness whose writes to user records fail while the flag is up.
async fn start_failing_users() -> (Harness, Arc<AtomicBool>) {
    let armed = Arc::new(AtomicBool::new(false));
    let flag = armed.clone();
    let h = Harness::start_with(1, move |inner| {
        Arc::new(Faulty {
            inner,
            kind: ":user:".into(),
            armed: flag.clone(),
        })
    })
    .await;
    (h, armed)
}

/// The passkeys the store holds for the user with `handle`.
async fn passkeys_of(store: &dyn Store, handle: &str) -> usize {
    let key = records::user_key(handle).expect("key");
    match store.get_versioned(&key).await.expect("read") {
        Some(stored) => serde_json::from_slice::<records::User>(&stored.value)
            .expect("user")
            .passkeys
            .len(),
        None => 0,
    }
}

/// A registration request's options: its id, the options and the user handle.
async fn registration(h: &Harness, email: &str) -> (String, serde_json::Value, String) {
    let id = h.initiate(email, serde_json::json!({})).await;
    let options = h.options(&id).await.json();
    assert_eq!(options["ceremony"], "registration");
    let handle = options["publicKey"]["user"]["id"]
        .as_str()
        .expect("user handle")
        .to_owned();
    (id, options, handle)
}

#[tokio::test]
async fn a_registration_whose_user_write_fails_leaves_no_claim_and_a_retry_registers() {
    let (h, armed) = start_failing_users().await;
    let store = h.store();
    let (id, options, handle) = registration(&h, "ada@shop.test").await;
    let (passkey, json) = Passkey::create(&options, &PAGE);
    armed.store(true, Ordering::SeqCst);
    let reply = h.complete_on(h.addr(), &id, &json).await;
    armed.store(false, Ordering::SeqCst);
    assert_eq!(
        reply.status,
        503,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let claim = records::credential_key(&passkey.id).expect("key");
    assert_eq!(store.get(&claim).await.expect("read"), None, "claim kept");
    assert_eq!(passkeys_of(store.as_ref(), &handle).await, 0);

    // The identity still has no passkey: the next request registers it, and it signs in.
    let (mut passkey, _) = register(&h, "ada@shop.test").await;
    assert_eq!(passkeys_of(store.as_ref(), &handle).await, 1);
    let claim = records::credential_key(&passkey.id).expect("key");
    assert_eq!(
        store.get(&claim).await.expect("read").as_deref(),
        Some(handle.as_bytes())
    );
    let id = h.initiate("ada@shop.test", serde_json::json!({})).await;
    let assertion = passkey.get(&h.options(&id).await.json(), &PAGE, None);
    let reply = h.complete_on(h.addr(), &id, &assertion).await;
    assert_eq!(reply.json()["type"], "LOGIN");
}

#[tokio::test]
async fn a_credential_id_claimed_already_is_refused_and_not_stored() {
    let h = Harness::start(1).await;
    let store = h.store();
    let (id, options, handle) = registration(&h, "ada@shop.test").await;
    let (passkey, json) = Passkey::create(&options, &PAGE);
    let claim = records::credential_key(&passkey.id).expect("key");
    assert!(store
        .put_new(&claim, b"someone-else", Duration::from_secs(60))
        .await
        .expect("claimed"));
    let reply = h.complete_on(h.addr(), &id, &json).await;
    assert_eq!(
        reply.status,
        409,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["errorCode"], "credential_exists");
    assert_eq!(passkeys_of(store.as_ref(), &handle).await, 0);
    assert_eq!(
        store.get(&claim).await.expect("read").as_deref(),
        Some(&b"someone-else"[..])
    );
}

#[tokio::test]
async fn a_passkey_indexed_the_old_way_still_signs_in_and_is_copied_forward() {
    let h = Harness::start(1).await;
    let store = h.store();
    let (mut passkey, _) = register(&h, "old@shop.test").await;
    // Move the index entry back to where earlier versions kept it.
    let key = records::credential_key(&passkey.id).expect("key");
    let handle = store.take(&key).await.expect("take").expect("claimed");
    let table = records::legacy_credentials().expect("table");
    let field = watchword_http::sha256_hex(&passkey.id);
    store
        .config_put(&table, &field, &handle)
        .await
        .expect("legacy entry");

    let id = h.initiate("old@shop.test", serde_json::json!({})).await;
    let options = h.options(&id).await.json();
    assert_eq!(options["ceremony"], "authentication");
    let assertion = passkey.get(&options, &PAGE, None);
    let reply = h.complete_on(h.addr(), &id, &assertion).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        store.get(&key).await.expect("get"),
        Some(handle),
        "the entry now lives under its own key"
    );
}

#[tokio::test]
async fn an_identity_lives_one_request_until_it_registers_a_passkey() {
    let h = Harness::start(1).await;
    let identity = |email: &str| {
        records::identity_key(&records::identity_field(
            &h.client_id,
            watchword_passkey_server::requests::IdentityType::Email,
            email,
        ))
        .expect("key")
    };
    // Initiate alone binds the identity for one request's lifetime, not for years.
    h.initiate("drive-by@shop.test", serde_json::json!({}))
        .await;
    let ttl = h.ttl_ms(&identity("drive-by@shop.test"));
    assert!(
        (1..=300_000).contains(&ttl),
        "a binding nobody registered lives at most one request: {ttl} ms"
    );
    // A registered passkey keeps the binding as long as its user.
    register(&h, "kept@shop.test").await;
    let ttl = h.ttl_ms(&identity("kept@shop.test"));
    assert!(ttl > 300 * 86_400_000, "{ttl} ms");
}
