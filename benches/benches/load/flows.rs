//! Each surface's main flow, and what it needs made before the run.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use ring::signature::EcdsaKeyPair;
use serde_json::{json, Value};
use watchword_testkit::passkey::{Page, Passkey};

use super::client::{connect, now, send, Failure, Sender, Slot, NEXT_FLOW};
use super::{Surface, DOMAIN, ORIGIN, PARTNERS};

/// What the flows of one surface need, made before the run.
pub(crate) enum Fixture {
    /// Captcha sites: `(id, secret)`.
    Captcha(Vec<(String, String)>),
    /// Per worker, passkeys of clients of their own.
    Passkey(Vec<Mutex<Vec<PasskeyAccount>>>),
    /// Two-way app and portal clients: their `Authorization`s.
    Twoway(Vec<(String, String)>),
    /// Per worker, a wallet; the host's own origin.
    AuthHost(Vec<Wallet>, String),
    /// Per worker, customers with an enrolled device, each of a partner of its own (a partner's
    /// starts have a per-minute budget); before the enrolment, the partners' server keys.
    Approval(Vec<Vec<Approver>>, Vec<String>),
}

pub(crate) async fn flow(
    fixture: &Fixture,
    mut sender: Sender,
    slot: Slot,
) -> Result<Sender, Failure> {
    match fixture {
        Fixture::Captcha(sites) => {
            captcha_flow(&mut sender, &sites[slot.pick(sites.len())], slot).await?;
        }
        Fixture::Passkey(accounts) => {
            passkey_flow(&mut sender, &accounts[slot.worker], slot).await?;
        }
        Fixture::Twoway(clients) => {
            twoway_flow(&mut sender, &clients[slot.pick(clients.len())], slot).await?;
        }
        Fixture::AuthHost(wallets, origin) => {
            auth_host_flow(&mut sender, &wallets[slot.worker], origin, slot).await?;
        }
        Fixture::Approval(approvers, _) => {
            let mine = &approvers[slot.worker];
            approval_flow(&mut sender, &mine[slot.pick(mine.len())], slot).await?;
        }
    }
    Ok(sender)
}

async fn captcha_flow(
    sender: &mut Sender,
    site: &(String, String),
    slot: Slot,
) -> Result<(), Failure> {
    let (id, secret) = site;
    let ip = slot.ip();
    let client = [("origin", ORIGIN), ("x-forwarded-for", ip.as_str())];
    let challenge = send(
        sender,
        "GET",
        &format!("/v1/sites/{id}/challenge?kind=proof_of_work"),
        &client,
        None,
    )
    .await?
    .json(200)?;
    let challenge_id = challenge["id"].as_str().ok_or("no id")?.to_owned();
    let token = challenge["pow"]["token"]
        .as_str()
        .and_then(|token| watchword_captcha::PowToken::parse(token).ok())
        .ok_or("no proof-of-work token")?;
    let solution = watchword_captcha::pow::solve(token.challenge(), 1 << 20).ok_or("unsolvable")?;
    let answered = send(
        sender,
        "POST",
        &format!("/v1/sites/{id}/challenges/{challenge_id}"),
        &client,
        Some(&json!({ "solution": solution })),
    )
    .await?
    .json(200)?;
    if answered["state"] != "valid" {
        return Err(format!("answer not valid: {answered}"));
    }
    let mut claims = watchword_token::Claims::new(watchword_token::UnixTime(now() + 60));
    claims.iss = Some(id.clone());
    claims.sub = Some(challenge_id.clone());
    claims.jti = Some(format!("load-{}", slot.n));
    let key = watchword_token::HmacKey::hs512(secret.as_bytes()).map_err(|e| e.to_string())?;
    let jwt = watchword_token::SigningKey::Hmac(key)
        .sign(&claims)
        .map_err(|e| e.to_string())?;
    let auth = format!("Bearer {jwt}");
    let checked = send(
        sender,
        "GET",
        &format!("/v1/sites/{id}/challenges/{challenge_id}"),
        &[("authorization", &auth)],
        None,
    )
    .await?
    .json(200)?;
    if checked["state"] != "valid" {
        return Err(format!("check not valid: {checked}"));
    }
    Ok(())
}

/// A passkey client and the passkey of one identity of it.
pub(crate) struct PasskeyAccount {
    client_id: String,
    secret: String,
    app_id: String,
    email: String,
    passkey: Option<Passkey>,
}

const PASSKEY_PAGE: Page<'static> = Page {
    rp_id: DOMAIN,
    origin: ORIGIN,
};

/// A backend call of a passkey client.
async fn passkey_backend(
    sender: &mut Sender,
    account: &PasskeyAccount,
    path: &str,
    body: &Value,
) -> Result<Value, Failure> {
    send(
        sender,
        "POST",
        path,
        &[
            ("clientId", &account.client_id),
            ("clientSecret", &account.secret),
        ],
        Some(body),
    )
    .await?
    .json(200)
}

/// Initiates a ceremony for the account's identity and fetches its options: `(id, options)`.
async fn passkey_options(
    sender: &mut Sender,
    account: &PasskeyAccount,
    ip: &str,
) -> Result<(String, Value), Failure> {
    let started = passkey_backend(
        sender,
        account,
        "/auth/v1/webauthn",
        &json!({
            "identityType": "EMAIL",
            "identityValue": account.email,
            "rpName": "Load shop",
            "domain": DOMAIN,
            "userDisplayName": "Load customer",
        }),
    )
    .await?;
    let id = started["requestId"]
        .as_str()
        .ok_or("no requestId")?
        .to_owned();
    let options = send(
        sender,
        "GET",
        &format!("/auth/v1/webauthn/{id}"),
        &[
            ("origin", ORIGIN),
            ("x-otpless-appid", &account.app_id),
            ("x-forwarded-for", ip),
        ],
        None,
    )
    .await?
    .json(200)?;
    Ok((id, options))
}

/// Completes ceremony `id` with `credential` and validates the token it gives.
async fn passkey_complete(
    sender: &mut Sender,
    account: &PasskeyAccount,
    id: &str,
    credential: &str,
    ip: &str,
) -> Result<(), Failure> {
    let credential: Value = serde_json::from_str(credential).map_err(|e| e.to_string())?;
    let completed = send(
        sender,
        "POST",
        &format!("/auth/v1/webauthn/{id}"),
        &[("origin", ORIGIN), ("x-forwarded-for", ip)],
        Some(&credential),
    )
    .await?
    .json(200)?;
    let token = completed["token"].as_str().ok_or("no token")?;
    let valid = passkey_backend(
        sender,
        account,
        "/auth/v1/validate/token",
        &json!({ "token": token }),
    )
    .await?;
    if valid["status"] != "SUCCESS" {
        return Err(format!("token not valid: {valid}"));
    }
    Ok(())
}

/// Registers the passkey of every account (before the run).
async fn passkey_register(
    sender: &mut Sender,
    account: &mut PasskeyAccount,
    slot: Slot,
) -> Result<(), Failure> {
    let ip = slot.ip();
    let (id, options) = passkey_options(sender, account, &ip).await?;
    if options["ceremony"] != "registration" {
        return Err(format!("not a registration: {options}"));
    }
    let (passkey, credential) = Passkey::create(&options, &PASSKEY_PAGE);
    passkey_complete(sender, account, &id, &credential, &ip).await?;
    account.passkey = Some(passkey);
    Ok(())
}

async fn passkey_flow(
    sender: &mut Sender,
    accounts: &Mutex<Vec<PasskeyAccount>>,
    slot: Slot,
) -> Result<(), Failure> {
    let ip = slot.ip();
    // The worker's accounts in turn: each client's per-minute budget is its own.
    let mut taken = {
        let mut mine = accounts.lock().map_err(|_| "poisoned")?;
        let at = slot.pick(mine.len());
        mine.swap_remove(at)
    };
    let outcome = async {
        let (id, options) = passkey_options(sender, &taken, &ip).await?;
        let passkey = taken.passkey.as_mut().ok_or("no passkey")?;
        let assertion = passkey.get(&options, &PASSKEY_PAGE, None);
        passkey_complete(sender, &taken, &id, &assertion, &ip).await
    }
    .await;
    accounts.lock().map_err(|_| "poisoned")?.push(taken);
    outcome
}

async fn twoway_flow(
    sender: &mut Sender,
    clients: &(String, String),
    slot: Slot,
) -> Result<(), Failure> {
    let (app, portal) = clients;
    let ip = slot.ip();
    let init = send(
        sender,
        "POST",
        "/oauth/custom-registration/load/init",
        &[("authorization", app), ("x-forwarded-for", &ip)],
        Some(&json!({})),
    )
    .await?
    .json(200)?;
    let transaction = init["transaction_id"].as_str().ok_or("no transaction_id")?;
    let code = init["data"].as_str().ok_or("no client code")?;
    let response = send(
        sender,
        "POST",
        "/portal/v1/load/response-code",
        &[("authorization", portal), ("x-forwarded-for", &ip)],
        Some(&json!({ "client_code": code, "user_id": format!("user-{}", slot.n) })),
    )
    .await?
    .json(200)?;
    let response = response["data"].as_str().ok_or("no response code")?;
    let completed = send(
        sender,
        "POST",
        "/oauth/custom-registration/load/complete",
        &[("authorization", app), ("x-forwarded-for", &ip)],
        Some(&json!({ "transaction_id": transaction, "data": response })),
    )
    .await?
    .json(200)?;
    if completed["status"] != 2000 {
        return Err(format!("not paired: {completed}"));
    }
    Ok(())
}

/// A Bitcoin key and its native segwit address.
pub(crate) struct Wallet {
    key: watchword_bip322::SecretKey,
    address: String,
}

impl Wallet {
    fn new(worker: usize) -> Result<Self, Failure> {
        let mut seed = [7u8; 32];
        seed[..8].copy_from_slice(&(worker as u64 + 1).to_be_bytes());
        let key = watchword_bip322::SecretKey::from_slice(&seed).map_err(|e| e.to_string())?;
        let address = watchword_bip322::address(
            &key,
            watchword_bip322::KeyAddress::P2wpkh,
            watchword_bip322::Network::Bitcoin,
        )
        .to_string();
        Ok(Wallet { key, address })
    }
}

async fn auth_host_flow(
    sender: &mut Sender,
    wallet: &Wallet,
    origin: &str,
    slot: Slot,
) -> Result<(), Failure> {
    let ip = slot.ip();
    let challenge = send(
        sender,
        "GET",
        &format!("/api/challenge?addr={}", wallet.address),
        &[("x-forwarded-for", &ip)],
        None,
    )
    .await?
    .json(200)?;
    let message = challenge["message"].as_str().ok_or("no message")?;
    let nonce = challenge["nonce"].as_str().ok_or("no nonce")?;
    let mut aux = [0u8; 32];
    aux[..8].copy_from_slice(&slot.n.to_be_bytes());
    let signature = watchword_bip322::sign_simple(
        &wallet.key,
        watchword_bip322::KeyAddress::P2wpkh,
        message.as_bytes(),
        aux,
    );
    let signed_in = send(
        sender,
        "POST",
        "/api/auth/signin",
        &[("origin", origin), ("x-forwarded-for", &ip)],
        Some(&json!({
            "address": wallet.address,
            "message": message,
            "signature": signature,
            "nonce": nonce,
        })),
    )
    .await?;
    let cookies: Vec<String> = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    signed_in.json(200)?;
    let me = send(
        sender,
        "GET",
        "/api/auth/me",
        &[("cookie", &cookies.join("; ")), ("x-forwarded-for", &ip)],
        None,
    )
    .await?
    .json(200)?;
    if me["session"]["address"] != wallet.address.as_str() {
        return Err(format!("me shows another session: {me}"));
    }
    Ok(())
}

/// A customer and the approver app enrolled for them: a P-256 key that signs each call.
pub(crate) struct Approver {
    /// The partner's server key.
    srv: String,
    mail: String,
    device: String,
    key: EcdsaKeyPair,
}

impl Approver {
    /// The signed `Authorization` of a call made now.
    fn auth(&self, method: &str, path: &str, body: &[u8]) -> String {
        watchword_testkit::approver::device_authorization(
            &self.key,
            &self.device,
            method,
            path,
            now(),
            body,
        )
    }

    /// Enrols a device for `mail` through the partner's enrolment link.
    async fn enrol(
        sender: &mut Sender,
        srv: &str,
        mail: String,
        slot: Slot,
    ) -> Result<Self, Failure> {
        let ip = slot.ip();
        let link = send(
            sender,
            "POST",
            "/api/GetEnrolmentLink",
            &[("SrvAPIKey", srv), ("x-forwarded-for", &ip)],
            Some(&json!({ "UserMail": mail })),
        )
        .await?
        .json(200)?;
        let code = link["EnrolmentURL"]
            .as_str()
            .and_then(|url| url.split("#enrol=").nth(1))
            .ok_or("no enrolment code")?
            .to_owned();
        let key = watchword_testkit::approver::device_key();
        let enrolled = send(
            sender,
            "POST",
            "/device/api/enrol/finish",
            &[("x-forwarded-for", &ip)],
            Some(&json!({
                "code": code,
                "public_key": watchword_testkit::approver::device_jwk(&key),
            })),
        )
        .await?
        .json(201)?;
        let device = enrolled["device_id"]
            .as_str()
            .ok_or("no device id")?
            .to_owned();
        Ok(Approver {
            srv: srv.to_owned(),
            mail,
            device,
            key,
        })
    }
}

async fn approval_flow(
    sender: &mut Sender,
    approver: &Approver,
    slot: Slot,
) -> Result<(), Failure> {
    let ip = slot.ip();
    let partner = [
        ("SrvAPIKey", approver.srv.as_str()),
        ("x-forwarded-for", ip.as_str()),
    ];
    let started = send(
        sender,
        "POST",
        "/api/getTransactionID",
        &partner,
        Some(&json!({ "UserMail": approver.mail, "requestype": 0, "Message": "Sign in to Load shop" })),
    )
    .await?
    .json(200)?;
    let id = started["TransactionID"]
        .as_str()
        .ok_or("no TransactionID")?;
    let number = started["Number"].as_u64().ok_or("no Number")?;
    let wanted = watchword_approval::TransactionId::parse(id)
        .map_err(|e| e.to_string())?
        .storage_key();
    let auth = approver.auth("GET", "/device/api/pending", b"");
    let pending = send(
        sender,
        "GET",
        "/device/api/pending",
        &[("authorization", &auth), ("x-forwarded-for", &ip)],
        None,
    )
    .await?
    .json(200)?;
    let reference = pending["requests"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|p| p["ref"].as_str() == Some(wanted.as_str()))
        })
        .map(|p| p["ref"].clone())
        .ok_or("the request is not pending on the device")?;
    let decision = json!({ "ref": reference, "answer": "approve", "number": number });
    let auth = approver.auth(
        "POST",
        "/device/api/decide",
        decision.to_string().as_bytes(),
    );
    send(
        sender,
        "POST",
        "/device/api/decide",
        &[("authorization", &auth), ("x-forwarded-for", &ip)],
        Some(&decision),
    )
    .await?
    .json(200)?;
    let status = send(
        sender,
        "GET",
        &format!("/page/{id}/status"),
        &[("x-forwarded-for", &ip)],
        None,
    )
    .await?
    .json(200)?;
    let token = status["token"].as_str().ok_or("no token on the page")?;
    let verified = send(
        sender,
        "POST",
        "/api/VerifyToken",
        &partner,
        Some(&json!({ "token": token })),
    )
    .await?
    .json(200)?;
    if verified["isValid"] != true {
        return Err(format!("token not valid: {verified}"));
    }
    Ok(())
}

/// A store client on `redis_url`, and the time.
fn opened(
    redis_url: &str,
) -> Result<(Arc<dyn watchword_store::Store>, watchword_http::UnixTime), Failure> {
    let store = watchword_store::open(redis_url).map_err(|e| e.to_string())?;
    Ok((store, watchword_http::system_clock().now()))
}

/// The store-side part, written before the server starts: sites, clients, partners.
pub(crate) async fn prepare(
    surface: Surface,
    redis_url: &str,
    concurrency: usize,
    addr: SocketAddr,
) -> Result<Fixture, Failure> {
    match surface {
        Surface::Captcha => captcha_sites(redis_url).await,
        Surface::Passkey => passkey_clients(redis_url, concurrency).await,
        Surface::Twoway => twoway_clients(redis_url).await,
        Surface::AuthHost => Ok(Fixture::AuthHost(
            (0..concurrency)
                .map(Wallet::new)
                .collect::<Result<_, _>>()?,
            format!("http://{addr}"),
        )),
        Surface::Approval => approval_partners(redis_url, concurrency).await,
    }
}

/// Captcha sites that offer proofs of work.
async fn captcha_sites(redis_url: &str) -> Result<Fixture, Failure> {
    let (store, now) = opened(redis_url)?;
    let store = store.as_ref();
    let mut rng = rand_core::OsRng;
    let registry =
        watchword_captcha_server::sites::Sites::new(Vec::new()).map_err(|e| e.to_string())?;
    let mut sites = Vec::new();
    for n in 0..PARTNERS {
        let site = registry
            .add(
                store,
                watchword_captcha_server::sites::NewSite {
                    id: Some(format!("load-{n}")),
                    origins: vec![ORIGIN.into()],
                    kinds: vec![watchword_captcha::Kind::ProofOfWork],
                    ..Default::default()
                },
                &mut rng,
                now.0,
            )
            .await
            .map_err(|e| e.to_string())?;
        sites.push((format!("load-{n}"), site.secret));
    }
    Ok(Fixture::Captcha(sites))
}

/// Passkey clients, several per worker, with an identity each.
async fn passkey_clients(redis_url: &str, concurrency: usize) -> Result<Fixture, Failure> {
    let (store, now) = opened(redis_url)?;
    let store = store.as_ref();
    let mut rng = rand_core::OsRng;
    let service = watchword_passkey_server::PasskeyService::new(
        watchword_store::open(redis_url).map_err(|e| e.to_string())?,
        watchword_http::system_clock(),
    );
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let mut accounts = Vec::new();
        for n in 0..per_worker(concurrency) {
            let added = service
                .clients()
                .add(
                    store,
                    watchword_http::clients::NewClient {
                        role: watchword_passkey_server::ROLE_APP.into(),
                        name: format!("load {worker}.{n}"),
                        origins: vec![ORIGIN.into()],
                        scopes: vec![DOMAIN.into()],
                        app_id: Some(watchword_passkey_server::new_app_id(&mut rng)),
                        ..Default::default()
                    },
                    &mut rng,
                    now,
                )
                .await
                .map_err(|e| e.to_string())?;
            accounts.push(PasskeyAccount {
                client_id: added.client.id,
                secret: added.secret,
                app_id: added.client.app_id.unwrap_or_default(),
                email: format!("customer-{worker}-{n}@load.test"),
                passkey: None,
            });
        }
        workers.push(Mutex::new(accounts));
    }
    Ok(Fixture::Passkey(workers))
}

/// Two-way app and portal clients.
async fn twoway_clients(redis_url: &str) -> Result<Fixture, Failure> {
    let (store, now) = opened(redis_url)?;
    let store = store.as_ref();
    let mut rng = rand_core::OsRng;
    let registry = watchword_http::clients::Clients::new("twoway").map_err(|e| e.to_string())?;
    let basic = |id: &str, secret: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        )
    };
    let mut pairs = Vec::new();
    for n in 0..PARTNERS {
        let mut auths = Vec::new();
        for role in ["app", "portal"] {
            let added = registry
                .add(
                    store,
                    watchword_http::clients::NewClient {
                        role: role.into(),
                        name: format!("load {role} {n}"),
                        scopes: vec!["load".into()],
                        ..Default::default()
                    },
                    &mut rng,
                    now,
                )
                .await
                .map_err(|e| e.to_string())?;
            auths.push(basic(&added.client.id, &added.secret));
        }
        pairs.push((auths[0].clone(), auths[1].clone()));
    }
    Ok(Fixture::Twoway(pairs))
}

/// Approval partners, several per worker.
async fn approval_partners(redis_url: &str, concurrency: usize) -> Result<Fixture, Failure> {
    let (store, now) = opened(redis_url)?;
    let store = store.as_ref();
    let mut rng = rand_core::OsRng;
    let registry = watchword_approval_server::Partners::new().map_err(|e| e.to_string())?;
    let mut keys = Vec::new();
    for n in 0..per_worker(concurrency) * concurrency {
        let added = registry
            .add(
                store,
                watchword_approval_server::NewPartner {
                    id: Some(format!("load-{n}")),
                    name: format!("Load shop {n}"),
                    origins: vec![ORIGIN.into()],
                    keys: None,
                },
                &mut rng,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
        keys.push(added.server_key.expose().to_owned());
    }
    Ok(Fixture::Approval(Vec::new(), keys))
}

/// How many partners each worker's flows take in turn: [`PARTNERS`] in all, at least two each.
fn per_worker(concurrency: usize) -> usize {
    PARTNERS.div_ceil(concurrency).max(2)
}

/// The part made through the running server: passkeys registered, approver apps enrolled.
pub(crate) async fn enrol(
    fixture: &mut Fixture,
    addr: SocketAddr,
    concurrency: usize,
) -> Result<(), Failure> {
    let mut sender = connect(addr).await?;
    let slot = || Slot {
        worker: 0,
        n: NEXT_FLOW.fetch_add(1, Ordering::Relaxed),
    };
    match fixture {
        Fixture::Passkey(workers) => {
            for accounts in workers.iter_mut() {
                let accounts = accounts.get_mut().map_err(|_| "poisoned")?;
                for account in accounts.iter_mut() {
                    passkey_register(&mut sender, account, slot()).await?;
                }
            }
        }
        Fixture::Approval(approvers, keys) => {
            for (worker, keys) in keys.chunks(per_worker(concurrency)).enumerate() {
                let mut mine = Vec::new();
                for (n, srv) in keys.iter().enumerate() {
                    let mail = format!("customer-{worker}-{n}@load.test");
                    mine.push(Approver::enrol(&mut sender, srv, mail, slot()).await?);
                }
                approvers.push(mine);
            }
        }
        Fixture::Captcha(_) | Fixture::Twoway(_) | Fixture::AuthHost(..) => {}
    }
    Ok(())
}
