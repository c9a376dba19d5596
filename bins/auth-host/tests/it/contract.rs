//! The OpenAPI document against the server: every status it documents for an operation is one
//! the server really answers, and the server answers nothing it does not document.

use serde_json::{json, Value};
use watchword_testkit::contract;
use watchword_testkit::http::{split_url, CookieJar, Reply};

use crate::harness::{Host, Options, Wallet, OPERATOR_TOKEN, PROVIDER, SHOP};

/// A request of the store-down round: method, target, body, extra headers.
type Check<'a> = (&'a str, &'a str, Option<Value>, Vec<(&'a str, &'a str)>);

const EVIL: &str = "https://evil.example";

/// A request with a raw body and content type, from the host's own origin.
async fn raw(
    host: &Host,
    jar: &CookieJar,
    method: &str,
    target: &str,
    content_type: &str,
    body: &[u8],
    extra: &[(&str, &str)],
) -> Reply {
    let mut headers: Vec<(&str, &str)> = extra.to_vec();
    headers.push(("content-type", content_type));
    headers.push(("origin", &host.url));
    let cookie = jar.header(target);
    if let Some(cookie) = cookie.as_deref() {
        headers.push(("cookie", cookie));
    }
    let host_header = host.addr.to_string();
    watchword_testkit::http::send_raw(
        host.addr,
        &watchword_testkit::http::request_to(&host_header, method, target, &headers, Some(body)),
    )
    .await
}

/// 400 (JSON of the wrong shape), 413 and 415 of a JSON operation.
async fn body_refusals(
    host: &Host,
    jar: &CookieJar,
    method: &str,
    target: &str,
    extra: &[(&str, &str)],
) {
    let json = "application/json";
    let wrong = raw(host, jar, method, target, json, b"[1]", extra).await;
    assert_eq!(
        wrong.status,
        400,
        "{target}: {}",
        String::from_utf8_lossy(&wrong.body)
    );
    let huge = vec![b' '; 300_000];
    assert_eq!(
        raw(host, jar, method, target, json, &huge, extra)
            .await
            .status,
        413,
        "{target}"
    );
    assert_eq!(
        raw(host, jar, method, target, "text/plain", b"{}", extra)
            .await
            .status,
        415,
        "{target}"
    );
}

/// Sends `target` until it answers 429 (at most `max` times).
async fn until_limited(
    host: &Host,
    method: &str,
    target: &str,
    origin: Option<&str>,
    body: Option<&Value>,
    extra: &[(&str, &str)],
    max: usize,
) {
    let jar = CookieJar::new();
    for _ in 0..max {
        if host
            .call_keeping(&jar, method, target, origin, body, extra)
            .await
            .status
            == 429
        {
            return;
        }
    }
    panic!("{target} never answered 429");
}

async fn patch(host: &Host, jar: &mut CookieJar, origin: &str, body: Value) -> Reply {
    host.call(jar, "PATCH", "/api/auth/account", Some(origin), Some(&body))
        .await
}

fn status(reply: &Reply, expected: u16, what: &str) {
    assert_eq!(
        reply.status,
        expected,
        "{what}: {}",
        String::from_utf8_lossy(&reply.body)
    );
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one scenario that reaches every documented answer
async fn every_documented_status_is_sent_and_nothing_else() {
    let mut host = Host::start_with(Options {
        oidc: true,
        contact: true,
        dead_provider: true,
        no_operator: false,
    })
    .await;
    let own = host.url.clone();
    let operator = format!("Bearer {OPERATOR_TOKEN}");
    let op = [("authorization", operator.as_str())];

    // Documents and operations.
    let mut anon = CookieJar::new();
    for path in [
        "/api/auth/jwks",
        "/.well-known/jwks.json",
        "/api/openapi",
        "/api-explorer",
        "/api-explorer.js",
        "/openapi.json",
        "/healthz",
        "/readyz",
        "/api/auth/providers",
        "/api/family-stats",
    ] {
        status(&host.get(&mut anon, path).await, 200, path);
    }
    for path in [
        "/api/auth/providers",
        "/api/family-stats",
        "/api/auth/me",
        "/api/auth/account",
        "/api/challenge?addr=x",
    ] {
        status(
            &host.call(&mut anon, "GET", path, Some(EVIL), None).await,
            403,
            path,
        );
    }

    // Wallet: challenge, verify-only, sign-in.
    let alice = Wallet::new(40);
    let (message, _) = host.challenge(&alice).await;
    status(
        &host.get(&mut anon, "/api/challenge?addr=nope").await,
        400,
        "challenge 400",
    );
    let verify = json!({"message": message, "signature": alice.sign(&message)});
    status(
        &host
            .post(
                &mut anon,
                "/api/challenge",
                &json!({"message": message, "signature": "AAAA"}),
            )
            .await,
        401,
        "verify 401",
    );
    status(
        &host
            .post(
                &mut anon,
                "/api/challenge",
                &json!({"message": "x", "signature": "AAAA"}),
            )
            .await,
        400,
        "verify 400",
    );
    status(
        &host.post(&mut anon, "/api/challenge", &verify).await,
        200,
        "verify 200",
    );
    status(
        &host.post(&mut anon, "/api/challenge", &verify).await,
        409,
        "verify 409",
    );
    status(
        &host
            .call(
                &mut anon,
                "POST",
                "/api/challenge",
                Some(EVIL),
                Some(&verify),
            )
            .await,
        403,
        "verify 403",
    );
    body_refusals(&host, &anon, "POST", "/api/challenge", &[]).await;
    let mut jar = CookieJar::new();
    let (message, nonce) = host.challenge(&alice).await;
    let good = alice.sign_in_body(&message, &nonce);
    let mut bad = good.clone();
    bad["signature"] = json!(Wallet::new(41).sign(&message));
    status(
        &host.post(&mut jar, "/api/auth/signin", &bad).await,
        401,
        "signin 401",
    );
    let mut other = good.clone();
    other["address"] = json!(Wallet::new(41).address);
    status(
        &host.post(&mut jar, "/api/auth/signin", &other).await,
        400,
        "signin 400",
    );
    status(
        &host
            .call(
                &mut jar,
                "POST",
                "/api/auth/signin",
                Some(EVIL),
                Some(&good),
            )
            .await,
        403,
        "signin 403",
    );
    status(
        &host.post(&mut jar, "/api/auth/signin", &good).await,
        200,
        "signin 200",
    );
    status(
        &host
            .post(&mut CookieJar::new(), "/api/auth/signin", &good)
            .await,
        409,
        "signin 409",
    );
    body_refusals(&host, &anon, "POST", "/api/auth/signin", &[]).await;
    let alice_sub = host.get(&mut jar, "/api/auth/me").await.json()["session"]["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    status(&host.get(&mut anon, "/api/auth/me").await, 401, "me 401");

    // Email: start, verify; the account edits that go with it.
    status(
        &host
            .post(
                &mut anon,
                "/api/auth/email-otp/start",
                &json!({"email": "nope"}),
            )
            .await,
        400,
        "start 400",
    );
    status(
        &host
            .call(
                &mut anon,
                "POST",
                "/api/auth/email-otp/start",
                Some(EVIL),
                Some(&json!({"email": "a@b.test"})),
            )
            .await,
        403,
        "start 403",
    );
    body_refusals(&host, &anon, "POST", "/api/auth/email-otp/start", &[]).await;
    let mut bob = CookieJar::new();
    let code = host.mailed_code(&mut bob, "bob@example.test").await;
    status(
        &host
            .post(
                &mut bob,
                "/api/auth/email-otp/verify",
                &json!({"email": "bob@example.test", "code": "000000"}),
            )
            .await,
        if code == "000000" { 200 } else { 401 },
        "verify 401",
    );
    status(
        &host
            .post(
                &mut bob,
                "/api/auth/email-otp/verify",
                &json!({"email": "bob@example.test", "code": "12"}),
            )
            .await,
        400,
        "verify 400",
    );
    status(
        &host
            .call(
                &mut bob,
                "POST",
                "/api/auth/email-otp/verify",
                Some(EVIL),
                Some(&json!({"email": "bob@example.test", "code": code})),
            )
            .await,
        403,
        "verify 403",
    );
    status(
        &host
            .post(
                &mut bob,
                "/api/auth/email-otp/verify",
                &json!({"email": "bob@example.test", "code": code}),
            )
            .await,
        200,
        "verify 200",
    );
    body_refusals(&host, &anon, "POST", "/api/auth/email-otp/verify", &[]).await;

    status(
        &host.get(&mut jar, "/api/auth/account").await,
        200,
        "account 200",
    );
    status(
        &host.get(&mut anon, "/api/auth/account").await,
        401,
        "account 401",
    );
    status(
        &patch(&host, &mut jar, &own, json!({"name": "Alice"})).await,
        200,
        "patch 200",
    );
    status(
        &patch(&host, &mut jar, &own, json!({"name": 7})).await,
        400,
        "patch 400",
    );
    status(
        &patch(&host, &mut anon, &own, json!({"name": "x"})).await,
        401,
        "patch 401",
    );
    status(
        &patch(&host, &mut jar, EVIL, json!({"name": "x"})).await,
        403,
        "patch 403",
    );
    let bobs_code = host.mailed_code(&mut jar, "bob@example.test").await;
    status(
        &patch(
            &host,
            &mut jar,
            &own,
            json!({"email": "bob@example.test", "code": bobs_code}),
        )
        .await,
        409,
        "patch 409",
    );
    body_refusals(&host, &jar, "PATCH", "/api/auth/account", &[]).await;

    // The roster: add, switch, the refusals, sign-out.
    let add = host
        .email_sign_in(&mut jar, "carol@example.test", true)
        .await;
    status(&add, 200, "add");
    let switch = |j: &CookieJar, origin: &str, sub: &str| {
        let (host, origin, body) = (&host, origin.to_owned(), json!({"sub": sub}));
        let j2 = j.clone();
        async move {
            host.call_keeping(
                &j2,
                "POST",
                "/api/auth/switch",
                Some(&origin),
                Some(&body),
                &[],
            )
            .await
        }
    };
    status(&switch(&anon, &own, &alice_sub).await, 401, "switch 401");
    status(&switch(&jar, EVIL, &alice_sub).await, 403, "switch 403");
    status(&switch(&jar, &own, "u_nobody").await, 404, "switch 404");
    let carol = add.json()["sub"].as_str().unwrap().to_owned();
    status(&switch(&jar, &own, &carol).await, 409, "switch 409");
    let switched = host
        .call(
            &mut jar,
            "POST",
            "/api/auth/switch",
            Some(&own),
            Some(&json!({"sub": alice_sub})),
        )
        .await;
    status(&switched, 200, "switch 200");
    body_refusals(&host, &jar, "POST", "/api/auth/switch", &[]).await;
    status(
        &host
            .post(&mut jar, "/api/auth/logout?scope=maybe", &json!({}))
            .await,
        400,
        "logout 400",
    );
    status(
        &host
            .call(
                &mut jar,
                "POST",
                "/api/auth/logout",
                Some(EVIL),
                Some(&json!({})),
            )
            .await,
        403,
        "logout 403",
    );
    status(
        &host
            .post(&mut jar, "/api/auth/logout?scope=current", &json!({}))
            .await,
        200,
        "logout 200",
    );
    // A full roster refuses one more account, by wallet and by email.
    let mut full = CookieJar::new();
    for seed in 50..55 {
        status(
            &host
                .wallet_sign_in(&mut full, &Wallet::new(seed), true)
                .await,
            200,
            "fill",
        );
    }
    status(
        &host
            .email_sign_in(&mut full, "dora@example.test", true)
            .await,
        409,
        "verify 409",
    );
    status(
        &host.wallet_sign_in(&mut full, &Wallet::new(55), true).await,
        409,
        "signin 409 roster_full",
    );

    // OAuth.
    let oidc = host.oidc.take().expect("provider");
    let mut oj = CookieJar::new();
    let start = host
        .get(&mut oj, &format!("/api/auth/{PROVIDER}/start"))
        .await;
    status(&start, 302, "start 302");
    let callback = oidc.login(start.header("location").unwrap(), "erin").await;
    let (_, _, target) = split_url(&callback);
    status(
        &host.get(&mut CookieJar::new(), target).await,
        403,
        "callback 403",
    );
    status(&host.get(&mut oj, target).await, 303, "callback 303");
    status(&host.get(&mut oj, target).await, 400, "callback 400");
    status(
        &host.get(&mut oj, "/api/auth/nobody/start").await,
        404,
        "start 404",
    );
    status(
        &host.get(&mut oj, "/api/auth/nobody/callback?state=x").await,
        404,
        "callback 404",
    );
    status(
        &host
            .get(
                &mut oj,
                &format!("/api/auth/{PROVIDER}/start?return_to=//evil"),
            )
            .await,
        400,
        "start 400",
    );
    status(
        &host.get(&mut oj, "/api/auth/down/start").await,
        502,
        "start 502",
    );
    // The provider refuses: the callback carries an error.
    let start = host
        .get(&mut oj, &format!("/api/auth/{PROVIDER}/start"))
        .await;
    let state =
        watchword_testkit::http::query_param(start.header("location").unwrap(), "state").unwrap();
    let denied = format!("/api/auth/{PROVIDER}/callback?error=access_denied&state={state}");
    status(&host.get(&mut oj, &denied).await, 401, "callback 401");
    // The provider goes away between the login and the callback.
    let start = host
        .get(&mut oj, &format!("/api/auth/{PROVIDER}/start"))
        .await;
    let callback = oidc.login(start.header("location").unwrap(), "erin").await;
    drop(oidc);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, _, target) = split_url(&callback);
    status(&host.get(&mut oj, target).await, 502, "callback 502");

    // Connect.
    let created = host
        .call_keeping(
            &anon,
            "POST",
            "/api/connect/apps",
            None,
            Some(&json!({"name": "Shop"})),
            &op,
        )
        .await;
    status(&created, 201, "apps 201");
    let id = created.json()["app"]["id"].as_str().unwrap().to_owned();
    let key = format!("Bearer {}", created.json()["key"].as_str().unwrap());
    let app = [("authorization", key.as_str())];
    status(
        &host
            .call_keeping(
                &anon,
                "POST",
                "/api/connect/apps",
                None,
                Some(&json!({"name": ""})),
                &op,
            )
            .await,
        400,
        "apps 400",
    );
    status(
        &host
            .call_keeping(
                &anon,
                "POST",
                "/api/connect/apps",
                None,
                Some(&json!({"name": "x"})),
                &[],
            )
            .await,
        401,
        "apps 401",
    );
    body_refusals(&host, &anon, "POST", "/api/connect/apps", &op).await;
    status(
        &host
            .call_keeping(&anon, "GET", "/api/connect/apps", None, None, &op)
            .await,
        200,
        "list 200",
    );
    status(
        &host
            .call_keeping(&anon, "GET", "/api/connect/apps", None, None, &[])
            .await,
        401,
        "list 401",
    );
    status(
        &host
            .call_keeping(
                &anon,
                "POST",
                "/api/connect/provision",
                None,
                Some(&json!({"user_id": "7"})),
                &app,
            )
            .await,
        200,
        "provision 200",
    );
    status(
        &host
            .call_keeping(
                &anon,
                "POST",
                "/api/connect/provision",
                None,
                Some(&json!({"user_id": ""})),
                &app,
            )
            .await,
        400,
        "provision 400",
    );
    status(
        &host
            .call_keeping(
                &anon,
                "POST",
                "/api/connect/provision",
                None,
                Some(&json!({"user_id": "7"})),
                &[],
            )
            .await,
        401,
        "provision 401",
    );
    body_refusals(&host, &anon, "POST", "/api/connect/provision", &app).await;
    status(
        &host
            .call_keeping(&anon, "DELETE", "/api/connect/apps/nope", None, None, &op)
            .await,
        404,
        "delete 404",
    );
    status(
        &host
            .call_keeping(&anon, "DELETE", "/api/connect/apps/nope", None, None, &[])
            .await,
        401,
        "delete 401",
    );

    // Contact.
    let message = json!({"email": "visitor@example.test", "message": "Hello"});
    status(
        &host.post(&mut anon, "/api/contact", &message).await,
        200,
        "contact 200",
    );
    status(
        &host
            .post(
                &mut anon,
                "/api/contact",
                &json!({"email": "x", "message": "Hello"}),
            )
            .await,
        400,
        "contact 400",
    );
    status(
        &host
            .call(
                &mut anon,
                "POST",
                "/api/contact",
                Some(SHOP),
                Some(&message),
            )
            .await,
        403,
        "contact 403",
    );
    body_refusals(&host, &anon, "POST", "/api/contact", &[]).await;

    // Rate limits.
    let own_origin = Some(own.as_str());
    until_limited(
        &host,
        "GET",
        &format!("/api/challenge?addr={}", alice.address),
        None,
        None,
        &[],
        70,
    )
    .await;
    until_limited(
        &host,
        "POST",
        "/api/auth/signin",
        own_origin,
        Some(&good),
        &[],
        70,
    )
    .await;
    until_limited(
        &host,
        "POST",
        "/api/challenge",
        own_origin,
        Some(&verify),
        &[],
        70,
    )
    .await;
    until_limited(
        &host,
        "POST",
        "/api/auth/email-otp/start",
        own_origin,
        Some(&json!({"email": "limit@example.test"})),
        &[],
        20,
    )
    .await;
    until_limited(
        &host,
        "POST",
        "/api/auth/email-otp/verify",
        own_origin,
        Some(&json!({"email": "limit@example.test", "code": "123456"})),
        &[],
        70,
    )
    .await;
    until_limited(
        &host,
        "GET",
        &format!("/api/auth/{PROVIDER}/start"),
        None,
        None,
        &[],
        40,
    )
    .await;
    until_limited(
        &host,
        "POST",
        "/api/connect/provision",
        None,
        Some(&json!({"user_id": "7"})),
        &app,
        700,
    )
    .await;
    until_limited(
        &host,
        "POST",
        "/api/contact",
        own_origin,
        Some(&message),
        &[],
        10,
    )
    .await;
    status(
        &host
            .call_keeping(
                &anon,
                "DELETE",
                &format!("/api/connect/apps/{id}"),
                None,
                None,
                &op,
            )
            .await,
        200,
        "delete 200",
    );

    // The store goes away: what needs it answers 503, and so does /readyz.
    host.advance(120); // past the statistics cache
    let callback_target = format!("/api/auth/{PROVIDER}/callback?state=x&code=y");
    let start_target = format!("/api/auth/{PROVIDER}/start");
    host.redis.kill().expect("kill redis");
    let j = &jar;
    let checks: Vec<Check<'_>> = vec![
        ("GET", "/api/auth/me", None, vec![]),
        ("GET", "/api/auth/account", None, vec![]),
        (
            "PATCH",
            "/api/auth/account",
            Some(json!({"name": "x"})),
            vec![],
        ),
        (
            "POST",
            "/api/auth/switch",
            Some(json!({"sub": "u_x"})),
            vec![],
        ),
        ("POST", "/api/auth/logout", Some(json!({})), vec![]),
        (
            "GET",
            "/api/challenge?addr=bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            None,
            vec![],
        ),
        ("POST", "/api/challenge", Some(verify.clone()), vec![]),
        ("POST", "/api/auth/signin", Some(good.clone()), vec![]),
        (
            "POST",
            "/api/auth/email-otp/start",
            Some(json!({"email": "x@example.test"})),
            vec![],
        ),
        (
            "POST",
            "/api/auth/email-otp/verify",
            Some(json!({"email": "x@example.test", "code": "123456"})),
            vec![],
        ),
        ("GET", &start_target, None, vec![]),
        ("GET", &callback_target, None, vec![]),
        (
            "POST",
            "/api/connect/provision",
            Some(json!({"user_id": "7"})),
            app.to_vec(),
        ),
        ("GET", "/api/connect/apps", None, op.to_vec()),
        (
            "POST",
            "/api/connect/apps",
            Some(json!({"name": "x"})),
            op.to_vec(),
        ),
        ("DELETE", "/api/connect/apps/x", None, op.to_vec()),
        ("GET", "/api/family-stats", None, vec![]),
        ("POST", "/api/contact", Some(message.clone()), vec![]),
        ("GET", "/readyz", None, vec![]),
    ];
    for (method, target, body, extra) in checks {
        let reply = host
            .call_keeping(j, method, target, Some(&own), body.as_ref(), &extra)
            .await;
        status(&reply, 503, &format!("{method} {target}"));
    }

    // Read the server's own count of what it answered (twice, so /metrics counts itself).
    host.get(&mut anon, "/metrics").await;
    let metrics = String::from_utf8(host.get(&mut anon, "/metrics").await.body).expect("text");
    let mut observed = contract::observed(&metrics);

    // A host without `--operator-token`: the apps API is not there.
    let bare = Host::start_with(Options {
        no_operator: true,
        ..Options::default()
    })
    .await;
    let bare_jar = CookieJar::new();
    for (method, target, body) in [
        ("GET", "/api/connect/apps", None),
        ("POST", "/api/connect/apps", Some(json!({"name": "x"}))),
        ("DELETE", "/api/connect/apps/x", None),
    ] {
        let reply = bare
            .call_keeping(&bare_jar, method, target, None, body.as_ref(), &op)
            .await;
        status(
            &reply,
            404,
            &format!("{method} {target} without an operator token"),
        );
    }
    let mut bare_anon = CookieJar::new();
    bare.get(&mut bare_anon, "/metrics").await;
    observed.extend(contract::observed(
        &String::from_utf8(bare.get(&mut bare_anon, "/metrics").await.body).expect("text"),
    ));

    let documented = contract::documented(watchword_auth_host_server::OPENAPI);
    let paths: Vec<String> = documented.iter().map(|(_, path, _)| path.clone()).collect();
    let scope: Vec<&str> = paths.iter().map(String::as_str).collect();
    contract::assert_matches(&documented, &observed, &scope);
}
