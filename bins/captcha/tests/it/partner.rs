//! The partner check's JWT rules and the Turnstile/hCaptcha-compatible `/siteverify`, against
//! real Redis. Every rule has a token that breaks it.

use futures::future::join_all;

use crate::harness::Harness;

#[tokio::test]
#[allow(clippy::too_many_lines)] // one case per rule
async fn every_partner_token_rule_is_enforced() {
    let h = Harness::start(1).await;
    let id = h.solved("transcription").await;
    let shop = h.shop.clone();
    let now = h.now();
    let refused = |reply: &watchword_testkit::http::Reply, code: &str| {
        assert_eq!(
            reply.status,
            401,
            "{code}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_eq!(reply.error_code(), code);
        assert!(reply
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer")));
    };

    let reply = h
        .send(
            h.addr(),
            "GET",
            &format!("/v1/sites/shop/challenges/{id}"),
            &[],
            None,
        )
        .await;
    refused(&reply, "missing_token");
    let reply = h
        .send(
            h.addr(),
            "GET",
            &format!("/v1/sites/shop/challenges/{id}"),
            &[("authorization", "Basic c2hvcDpzZWNyZXQ=")],
            None,
        )
        .await;
    refused(&reply, "missing_token");

    let expired = Harness::token_with(&shop, &id, now - 10, "t1", true);
    refused(
        &h.check_on(h.addr(), "shop", &id, &expired).await,
        "token_expired",
    );
    let too_long = Harness::token_with(&shop, &id, now + 3600, "t2", true);
    refused(
        &h.check_on(h.addr(), "shop", &id, &too_long).await,
        "token_lifetime",
    );
    let other_subject = Harness::token_with(&shop, "AAAAAAAAAAAAAAAAAAAAAA", now + 60, "t3", true);
    refused(
        &h.check_on(h.addr(), "shop", &id, &other_subject).await,
        "token_subject",
    );
    let other_key = Harness::token_with(&h.other.clone(), &id, now + 60, "t4", true);
    refused(
        &h.check_on(h.addr(), "shop", &id, &other_key).await,
        "invalid_token",
    );
    let signed = Harness::token_with(&shop, &id, now + 60, "t5", true);
    let (unsigned, signature) = signed.rsplit_once('.').expect("three parts");
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let forged = format!("{unsigned}.{flipped}{}", &signature[1..]);
    refused(
        &h.check_on(h.addr(), "shop", &id, &forged).await,
        "invalid_token",
    );
    // alg none, with the signature stripped.
    let parts: Vec<&str> = forged.split('.').collect();
    let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
    refused(
        &h.check_on(h.addr(), "shop", &id, &none).await,
        "invalid_token",
    );
    let no_jti = {
        let key = watchword_token::HmacKey::hs512(shop.secret.as_bytes()).expect("key");
        let mut claims = watchword_token::Claims::new(watchword_token::UnixTime(now + 60));
        claims.iss = Some("shop".into());
        claims.sub = Some(id.clone());
        watchword_token::SigningKey::Hmac(key)
            .sign(&claims)
            .expect("signs")
    };
    refused(
        &h.check_on(h.addr(), "shop", &id, &no_jti).await,
        "invalid_token",
    );
    refused(
        &h.check_on(h.addr(), "shop", &id, "not-a-jwt").await,
        "invalid_token",
    );

    // None of the refusals consumed the challenge. HS256 with the same secret is accepted.
    let hs256 = Harness::token_with(&shop, &id, now + 60, "t6", false);
    let reply = h.check_on(h.addr(), "shop", &id, &hs256).await;
    assert_eq!(reply.json()["state"], "valid");
    // A replayed token is refused even though its signature and claims are fine.
    refused(
        &h.check_on(h.addr(), "shop", &id, &hs256).await,
        "token_replayed",
    );
    // ... across replicas too: the jti is remembered in the store.
    let token = h.token(&id);
    assert_eq!(
        h.check_on(h.addr(), "shop", &id, &token).await.json()["state"],
        "consumed"
    );
    refused(
        &h.check_on(h.addr(), "shop", &id, &token).await,
        "token_replayed",
    );
}

#[tokio::test]
async fn siteverify_answers_like_turnstile() {
    let h = Harness::start(1).await;
    let secret = h.shop.secret.clone();
    let id = h.solved("transcription").await;

    let verdict = h
        .siteverify(&format!(
            "secret={secret}&response={id}&remoteip=203.0.113.7"
        ))
        .await;
    assert_eq!(verdict["success"], true, "{verdict:?}");
    assert_eq!(verdict["hostname"], "shop.test");
    assert_eq!(verdict["action"], "signup");
    assert_eq!(verdict["cdata"], "c1");
    assert_eq!(verdict["error-codes"], serde_json::json!([]));
    assert_eq!(verdict["challenge_ts"], "2027-01-15T08:00:00Z");

    let again = h
        .siteverify(&format!("secret={secret}&response={id}"))
        .await;
    assert_eq!(again["success"], false);
    assert_eq!(
        again["error-codes"],
        serde_json::json!(["timeout-or-duplicate"])
    );

    // JSON bodies work too.
    let id = h.solved("proof_of_work").await;
    let body = serde_json::json!({ "secret": secret, "response": id }).to_string();
    let reply = h
        .send(
            h.addr(),
            "POST",
            "/siteverify",
            &[("content-type", "application/json")],
            Some(body.as_bytes()),
        )
        .await;
    assert_eq!(reply.json()["success"], true);

    // A pending challenge is not a pass.
    let pending = h.create("transcription").await;
    let verdict = h
        .siteverify(&format!(
            "secret={secret}&response={}",
            pending["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(
        verdict["error-codes"],
        serde_json::json!(["invalid-input-response"])
    );

    let cases = [
        ("", &["missing-input-secret", "missing-input-response"][..]),
        ("response=abc", &["missing-input-secret"][..]),
        (
            &format!("secret={}", "x".repeat(64)),
            &["invalid-input-secret"][..],
        ),
        (&format!("secret={secret}"), &["missing-input-response"][..]),
        (
            &format!("secret={secret}&response=%00%01"),
            &["invalid-input-response"][..],
        ),
        (
            &format!("secret={secret}&response=abc&remoteip=not-an-ip"),
            &["bad-request"][..],
        ),
        (
            &format!("secret={secret}&secret={secret}&response=abc"),
            &["bad-request"][..],
        ),
        (
            &format!("secret={secret}&response=abc&sitekey=other"),
            &["sitekey-secret-mismatch"][..],
        ),
    ];
    for (form, codes) in cases {
        let verdict = h.siteverify(form).await;
        assert_eq!(verdict["success"], false, "{form}");
        assert_eq!(verdict["error-codes"], serde_json::json!(codes), "{form}");
    }
    let reply = h
        .send(
            h.addr(),
            "POST",
            "/siteverify",
            &[("content-type", "text/plain")],
            Some(b"x"),
        )
        .await;
    assert_eq!(
        reply.json()["error-codes"],
        serde_json::json!(["bad-request"])
    );
}

#[tokio::test]
async fn siteverify_idempotency_keys_replay_the_first_answer() {
    let h = Harness::start(2).await;
    let secret = h.shop.secret.clone();
    let id = h.solved("transcription").await;
    let key = "3f1c2a9e-6c1b-4a57-9b1f-2d6f0c7e8a11";
    let form = format!("secret={secret}&response={id}&idempotency_key={key}");
    // Concurrent retries of one verification, over two replicas, all get the success.
    let verdicts = join_all((0..8).map(|n| {
        let h = &h;
        let form = form.clone();
        async move {
            let reply = h
                .send(
                    h.replicas[n % 2],
                    "POST",
                    "/siteverify",
                    &[("content-type", "application/x-www-form-urlencoded")],
                    Some(form.as_bytes()),
                )
                .await;
            reply.json()
        }
    }))
    .await;
    for verdict in &verdicts {
        assert_eq!(verdict["success"], true, "{verdicts:?}");
    }
    // Without the key, the challenge is spent.
    let plain = h
        .siteverify(&format!("secret={secret}&response={id}"))
        .await;
    assert_eq!(
        plain["error-codes"],
        serde_json::json!(["timeout-or-duplicate"])
    );
    // The key cannot be reused for another response.
    let other = h.solved("transcription").await;
    let reused = h
        .siteverify(&format!(
            "secret={secret}&response={other}&idempotency_key={key}"
        ))
        .await;
    assert_eq!(reused["error-codes"], serde_json::json!(["bad-request"]));
}

#[tokio::test]
async fn head_creates_no_challenge_and_consumes_none() {
    let h = Harness::start(1).await;
    let id = h.solved("transcription").await;
    let path = format!("/v1/sites/shop/challenges/{id}");
    let auth = format!("Bearer {}", h.token(&id));
    let reply = h
        .send(h.addr(), "HEAD", &path, &[("authorization", &auth)], None)
        .await;
    assert_eq!(reply.status, 405, "HEAD on the partner check");
    let allow = reply.header("allow").unwrap_or_default();
    assert!(allow.contains("GET") && !allow.contains("HEAD"), "{allow}");
    let reply = h.check(&id).await;
    assert_eq!(
        reply.json()["state"],
        "valid",
        "the HEAD consumed nothing: the check still reports valid once"
    );

    let create = "/v1/sites/shop/challenge";
    let reply = h
        .send(
            h.addr(),
            "HEAD",
            create,
            &[("origin", crate::harness::ORIGIN)],
            None,
        )
        .await;
    assert_eq!(reply.status, 405, "HEAD on challenge creation");
}
