//! `watchword client add|list|remove` against a real Redis, as an operator runs them.

use watchword_store::testing::RedisServer;

use crate::{stdout_json, watchword};

#[test]
fn clients_are_added_listed_and_removed_in_the_store() {
    let redis = RedisServer::start().expect("redis-server");
    let store = redis.url();
    let add = watchword(
        &[
            "client",
            "add",
            "--store",
            &store,
            "--surface",
            "twoway",
            "--role",
            "app",
            "--name",
            "Mobile app",
            "--scope",
            "acme",
            "--id",
            "mobile",
        ],
        None,
    );
    assert_eq!(
        add.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let created = stdout_json(&add);
    assert_eq!(created["id"], "mobile");
    let secret = created["secret"].as_str().expect("the secret, shown once");
    assert!(secret.len() >= 43, "256 bits: {secret}");

    let list = watchword(
        &["client", "list", "--store", &store, "--surface", "twoway"],
        None,
    );
    assert_eq!(list.status.code(), Some(0));
    let listed = stdout_json(&list);
    assert_eq!(listed[0]["id"], "mobile");
    assert_eq!(listed[0]["scopes"], serde_json::json!(["acme"]));
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        !text.contains(secret) && !text.contains("secret"),
        "no secret, not even its hash: {text}"
    );

    let again = watchword(
        &[
            "client",
            "add",
            "--store",
            &store,
            "--surface",
            "twoway",
            "--role",
            "app",
            "--name",
            "x",
            "--id",
            "mobile",
        ],
        None,
    );
    assert_eq!(again.status.code(), Some(1), "ids are unique");

    let bad = watchword(
        &[
            "client",
            "add",
            "--store",
            &store,
            "--surface",
            "twoway",
            "--role",
            "admin",
            "--name",
            "x",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("app, portal"),
        "names the roles"
    );

    let removed = watchword(
        &[
            "client",
            "remove",
            "--store",
            &store,
            "--surface",
            "twoway",
            "mobile",
        ],
        None,
    );
    assert_eq!(removed.status.code(), Some(0));
    let gone = watchword(
        &[
            "client",
            "remove",
            "--store",
            &store,
            "--surface",
            "twoway",
            "mobile",
        ],
        None,
    );
    assert_eq!(gone.status.code(), Some(1), "nothing left to remove");
}

#[test]
fn a_store_that_is_down_is_an_error_not_an_empty_list() {
    let redis = RedisServer::stopped().expect("a socket path with no server");
    let list = watchword(
        &[
            "client",
            "list",
            "--store",
            &redis.url(),
            "--surface",
            "twoway",
        ],
        None,
    );
    assert_eq!(
        list.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&list.stdout)
    );
    assert!(list.stdout.is_empty());
}

#[test]
fn passkey_clients_need_domains_that_cover_their_origins() {
    let redis = RedisServer::start().expect("redis-server");
    let store = redis.url();
    let add = |extra: &[&str]| {
        let mut args = vec![
            "client",
            "add",
            "--store",
            &store,
            "--surface",
            "passkey",
            "--role",
            "app",
            "--name",
            "Shop",
        ];
        args.extend_from_slice(extra);
        watchword(&args, None)
    };
    let ok = add(&[
        "--scope",
        "shop.example",
        "--origin",
        "https://shop.example",
        "--origin",
        "https://www.shop.example",
    ]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let created = stdout_json(&ok);
    let app_id = created["app_id"].as_str().expect("an app id for the SDK");
    assert!(app_id.starts_with("APP") && app_id.len() == 20, "{app_id}");
    for (extra, message) in [
        (vec!["--scope", "shop.example"], "--origin"),
        (vec!["--origin", "https://shop.example"], "--scope"),
        (
            vec![
                "--scope",
                "shop.example",
                "--origin",
                "https://evil.example",
            ],
            "not on any --scope",
        ),
        (
            vec!["--scope", "shop.example", "--origin", "http://shop.example"],
            "https",
        ),
        (
            vec![
                "--scope",
                "https://shop.example",
                "--origin",
                "https://shop.example",
            ],
            "not a domain",
        ),
    ] {
        let out = add(&extra);
        assert_eq!(out.status.code(), Some(1), "{extra:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
    }
    let local = add(&["--scope", "localhost", "--origin", "http://localhost:8080"]);
    assert_eq!(
        local.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );
}

#[tokio::test]
async fn an_auth_host_connect_app_added_here_provisions_with_its_key() {
    use watchword_auth_host_server::{keys, mail, oauth, AuthHost, Settings};
    let redis = RedisServer::start().expect("redis-server");
    let store_url = redis.url();
    let add = watchword(
        &[
            "client",
            "add",
            "--store",
            &store_url,
            "--surface",
            "auth-host",
            "--role",
            "connect",
            "--name",
            "Shop",
        ],
        None,
    );
    assert_eq!(
        add.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let created = stdout_json(&add);
    let key = format!(
        "Bearer {}.{}",
        created["id"].as_str().expect("id"),
        created["secret"].as_str().expect("secret")
    );
    let wrong_role = watchword(
        &[
            "client",
            "add",
            "--store",
            &store_url,
            "--surface",
            "auth-host",
            "--role",
            "app",
            "--name",
            "X",
        ],
        None,
    );
    assert_ne!(
        wrong_role.status.code(),
        Some(0),
        "the auth host knows only the connect role"
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let url = format!("http://{addr}");
    let issuer = keys::KeySet::generate(&mut rand_core::OsRng)
        .issuer(&url, 3600)
        .expect("issuer");
    let host = AuthHost::new(
        watchword_store::open(&store_url).expect("store"),
        keys::Keys::fixed(issuer).expect("keys"),
        Settings::new(&url, &[]),
        watchword_bip322::Network::Bitcoin,
        mail::Mailer::log("a@example.test").expect("mailer"),
        oauth::Providers::none(),
        watchword_http::Clock::system(),
        watchword_http::Rng::os(),
    )
    .expect("host");
    tokio::spawn(host.app().serve(listener, std::future::pending()));
    let body = br#"{"user_id":"42"}"#;
    let headers = [
        ("content-type", "application/json"),
        ("authorization", key.as_str()),
    ];
    let reply = watchword_testkit::http::send_raw(
        addr,
        &watchword_testkit::http::request("POST", "/api/connect/provision", &headers, Some(body)),
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["is_new"], true);
}
