//! The Node.js parts of the kit, each driven the way a server test uses it: a real mail through
//! the SMTP sink, a whole authorization code flow at the OIDC provider, and jose verifying our
//! EdDSA tokens.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;
use watchword_testkit::http::{self, Reply};
use watchword_testkit::node::{jose_verify, OidcProvider, SmtpSink};
use watchword_testkit::TestRng;
use watchword_token::{Claims, Jwk, KeyRing, UnixTime};

/// One SMTP reply (all lines of a multi-line one), checked to start with `code`.
async fn expect_reply(reader: &mut BufReader<TcpStream>, code: &str) -> String {
    let mut reply = String::new();
    loop {
        let mut line = String::new();
        let read = tokio::time::timeout(Duration::from_secs(10), reader.read_line(&mut line))
            .await
            .expect("an SMTP reply in time")
            .expect("read");
        assert!(read > 0, "the server closed the connection after {reply:?}");
        reply.push_str(&line);
        // The last line of a reply has a space after the code, the others a hyphen.
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    }
    assert!(reply.starts_with(code), "expected {code}, got {reply:?}");
    reply
}

async fn command(reader: &mut BufReader<TcpStream>, line: &str, code: &str) -> String {
    reader
        .get_mut()
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .expect("write");
    expect_reply(reader, code).await
}

#[tokio::test]
async fn smtp_sink_keeps_a_multipart_mail() {
    let sink = SmtpSink::start().await;
    assert!(sink.addr().ip().is_loopback());
    let stream = TcpStream::connect(sink.addr()).await.expect("connect");
    let mut smtp = BufReader::new(stream);
    expect_reply(&mut smtp, "220").await;
    let ehlo = command(&mut smtp, "EHLO client.test", "250").await;
    assert!(!ehlo.contains("STARTTLS"), "the sink offers no TLS: {ehlo}");
    command(&mut smtp, "MAIL FROM:<noreply@watchword.test>", "250").await;
    command(&mut smtp, "RCPT TO:<Alice@Example.test>", "250").await;
    command(&mut smtp, "RCPT TO:<bob@example.test>", "250").await;
    command(&mut smtp, "DATA", "354").await;
    let message = [
        "From: Watchword <noreply@watchword.test>",
        "To: alice@example.test",
        "Subject: =?UTF-8?Q?Your_code_=E2=80=94_123456?=",
        "X-Watchword-Test: yes",
        "MIME-Version: 1.0",
        "Content-Type: multipart/alternative; boundary=\"b1\"",
        "",
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Your code is 123456.",
        // Dot-stuffed: the line is `.signature`.
        "..signature",
        "--b1",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<p>Your code is <b>123456</b>.</p>",
        "--b1--",
        ".",
    ]
    .join("\r\n");
    command(&mut smtp, &message, "250").await;
    // A second mail on the same connection, to one of them.
    command(&mut smtp, "MAIL FROM:<>", "250").await;
    command(&mut smtp, "RCPT TO:<alice@example.test>", "250").await;
    command(&mut smtp, "DATA", "354").await;
    command(&mut smtp, "Subject: second\r\n\r\nplain only\r\n.", "250").await;
    command(&mut smtp, "QUIT", "221").await;

    let mail = sink
        .wait_for_message("alice@example.test", Duration::from_secs(10))
        .await;
    assert_eq!(mail.from, "noreply@watchword.test");
    assert_eq!(mail.to, ["Alice@Example.test", "bob@example.test"]);
    assert_eq!(mail.subject, "Your code \u{2014} 123456");
    assert_eq!(
        mail.text.as_deref(),
        Some("Your code is 123456.\n.signature")
    );
    assert_eq!(
        mail.html.as_deref(),
        Some("<p>Your code is <b>123456</b>.</p>")
    );
    assert_eq!(mail.header("X-Watchword-Test"), Some("yes"));
    assert_eq!(mail.header("subject"), Some(mail.subject.as_str()));
    assert!(
        mail.header("content-type")
            .is_some_and(|value| value.starts_with("multipart/alternative")),
        "{:?}",
        mail.headers
    );
    assert!(mail.raw.contains("\r\n.signature\r\n"), "{}", mail.raw);

    // Each wait returns the next message to that recipient.
    let second = sink
        .wait_for_message("ALICE@example.test", Duration::from_secs(10))
        .await;
    assert_eq!(second.from, "");
    assert_eq!(second.subject, "second");
    assert_eq!(second.text.as_deref(), Some("plain only\n"));
    assert_eq!(second.html, None);
    let for_bob = sink
        .wait_for_message("bob@example.test", Duration::from_secs(1))
        .await;
    assert_eq!(for_bob.subject, mail.subject);
    let subjects: Vec<String> = sink.messages().into_iter().map(|m| m.subject).collect();
    assert_eq!(subjects, [mail.subject.as_str(), "second"]);
}

#[tokio::test]
#[should_panic(expected = "no new message to alice@example.test")]
async fn smtp_sink_wait_panics_without_a_message() {
    let sink = SmtpSink::start().await;
    sink.wait_for_message("alice@example.test", Duration::from_millis(200))
        .await;
}

/// The JSON of the authorization server metadata.
async fn discovery(provider: &OidcProvider) -> serde_json::Value {
    let reply = http::get_url(&format!(
        "{}/.well-known/openid-configuration",
        provider.issuer()
    ))
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

fn endpoint<'a>(metadata: &'a serde_json::Value, name: &str) -> &'a str {
    metadata[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {metadata}"))
}

/// An authorization request for `scope` with PKCE S256 (when `verifier` is given).
fn authorize_url(
    metadata: &serde_json::Value,
    redirect_uri: &str,
    scope: &str,
    verifier: Option<&str>,
) -> String {
    let challenge = verifier.map(|v| URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())));
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", "watchword"),
        ("redirect_uri", redirect_uri),
        ("scope", scope),
        ("state", "state-42"),
        ("nonce", "nonce-42"),
    ];
    if let Some(challenge) = &challenge {
        params.extend([
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ]);
    }
    format!(
        "{}?{}",
        endpoint(metadata, "authorization_endpoint"),
        http::form_urlencoded(&params)
    )
}

/// A token request with the `form` parameters and extra `headers` (client authentication).
async fn exchange(
    metadata: &serde_json::Value,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Reply {
    let (addr, host, target) = http::split_url(endpoint(metadata, "token_endpoint"));
    let body = http::form_urlencoded(form);
    let mut headers = headers.to_vec();
    headers.push(("content-type", "application/x-www-form-urlencoded"));
    http::send_raw(
        addr,
        &http::request_to(host, "POST", target, &headers, Some(body.as_bytes())),
    )
    .await
}

/// The decoded JSON of one part of a compact JWS.
fn jws_part(token: &str, index: usize) -> serde_json::Value {
    let part = token.split('.').nth(index).expect("a compact JWS");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const SECRET: &str = "a client secret of some length";

#[tokio::test]
async fn oidc_provider_runs_the_code_flow_with_pkce() {
    let provider = OidcProvider::start("watchword", SECRET, &[REDIRECT_URI.to_owned()]).await;
    let issuer = provider.issuer();
    let metadata = discovery(&provider).await;
    assert_eq!(metadata["issuer"], issuer);
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        metadata["response_types_supported"],
        serde_json::json!(["code"])
    );
    let jwks = http::get_url(endpoint(&metadata, "jwks_uri")).await.json();
    let key = &jwks["keys"][0];
    assert_eq!((&key["kty"], &key["alg"]), (&"RSA".into(), &"RS256".into()));
    assert!(
        key.get("d").is_none(),
        "the JWKS publishes a private key: {key}"
    );

    let verifier = "a-PKCE-code-verifier_that.is~long-enough_43-characters-or-more";
    let url = authorize_url(&metadata, REDIRECT_URI, "openid email", Some(verifier));
    let callback = provider.login(&url, "alice").await;
    assert!(
        callback.starts_with(&format!("{REDIRECT_URI}?")),
        "{callback}"
    );
    assert_eq!(
        http::query_param(&callback, "state").as_deref(),
        Some("state-42")
    );
    assert_eq!(http::query_param(&callback, "iss"), Some(issuer.clone()));
    let code =
        http::query_param(&callback, "code").unwrap_or_else(|| panic!("no code in {callback}"));

    let basic = format!("Basic {}", STANDARD.encode(format!("watchword:{SECRET}")));
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", verifier),
    ];
    let reply = exchange(&metadata, &form, &[("authorization", &basic)]).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let tokens = reply.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["access_token"].is_string(), "{tokens}");
    let id_token = tokens["id_token"].as_str().expect("an id_token");
    let header = jws_part(id_token, 0);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], key["kid"]);
    let claims = jws_part(id_token, 1);
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["aud"], "watchword");
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["email"], "alice@example.test");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["nonce"], "nonce-42");
    // `profile` was not asked for.
    assert!(claims.get("name").is_none(), "{claims}");

    // A code is good once.
    let again = exchange(&metadata, &form, &[("authorization", &basic)]).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn oidc_provider_takes_client_secret_post_and_requires_pkce() {
    let provider = OidcProvider::start("watchword", SECRET, &[REDIRECT_URI.to_owned()]).await;
    let metadata = discovery(&provider).await;

    // Without PKCE the provider refuses before any login form.
    let url = authorize_url(&metadata, REDIRECT_URI, "openid", None);
    let refused = provider.login(&url, "mallory").await;
    assert_eq!(
        http::query_param(&refused, "error").as_deref(),
        Some("invalid_request")
    );
    assert!(http::query_param(&refused, "code").is_none());

    let verifier = "another-PKCE-code-verifier_also.43~characters-or-longer";
    let url = authorize_url(
        &metadata,
        REDIRECT_URI,
        "openid email profile",
        Some(verifier),
    );
    let callback = provider.login(&url, "bob").await;
    let code = http::query_param(&callback, "code").expect("a code");

    // The wrong verifier fails, and spends the code.
    let wrong = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        (
            "code_verifier",
            "not-the-verifier-that-went-with-the-challenge-at-all",
        ),
        ("client_id", "watchword"),
        ("client_secret", SECRET),
    ];
    let reply = exchange(&metadata, &wrong, &[]).await;
    assert_eq!(reply.json()["error"], "invalid_grant");

    let callback = provider.login(&url, "bob").await;
    let code = http::query_param(&callback, "code").expect("a code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", verifier),
        ("client_id", "watchword"),
        ("client_secret", SECRET),
    ];
    let reply = exchange(&metadata, &form, &[]).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let claims = jws_part(reply.json()["id_token"].as_str().expect("an id_token"), 1);
    assert_eq!(claims["sub"], "bob");
    assert_eq!(claims["name"], "User bob");
    assert_eq!(claims["email"], "bob@example.test");

    let bad_secret = [("client_secret", "wrong"), ("client_id", "watchword")];
    let reply = exchange(&metadata, &[&form[..4], &bad_secret[..]].concat(), &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"], "invalid_client");
}

fn now() -> UnixTime {
    UnixTime(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs(),
    )
}

/// A key ring with one fresh Ed25519 key, and a token it signed for `alice` from `issuer`.
fn signed_token(seed: u64, issuer: &str) -> (KeyRing, String) {
    let jwk = Jwk::generate_ed25519(&mut TestRng::new(seed));
    let mut ring = KeyRing::new();
    ring.add_signing_key(
        jwk.kid().expect("a kid"),
        jwk.signing_key().expect("a private key"),
    )
    .expect("an empty ring");
    let mut claims = Claims::new(now().plus(300));
    claims.iss = Some(issuer.to_owned());
    claims.sub = Some("alice".to_owned());
    claims.aud = vec!["https://app.test".to_owned()];
    claims
        .extra
        .insert("email".to_owned(), "alice@example.test".into());
    let token = ring.sign(&claims).expect("sign");
    (ring, token)
}

#[tokio::test]
async fn jose_verifies_our_eddsa_tokens_from_a_file() {
    let issuer = "https://issuer.test";
    let (ring, token) = signed_token(7, issuer);
    let dir = tempfile::TempDir::new().expect("temp dir");
    let jwks_file = dir.path().join("jwks.json");
    std::fs::write(&jwks_file, ring.public_jwks().to_json()).expect("write the JWKS");
    let jwks_file = jwks_file.to_str().expect("a UTF-8 path");

    let payload = jose_verify(jwks_file, &token, Some(issuer))
        .await
        .unwrap_or_else(|e| panic!("jose refused our token: {e}"));
    assert_eq!(payload["sub"], "alice");
    assert_eq!(payload["iss"], issuer);
    assert_eq!(payload["email"], "alice@example.test");
    assert_eq!(payload["aud"], "https://app.test");

    // One flipped bit of the signature.
    let (signed, signature) = token.rsplit_once('.').expect("a compact JWS");
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    bytes[10] ^= 1;
    let tampered = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(bytes));
    let error = jose_verify(jwks_file, &tampered, None).await.unwrap_err();
    assert!(
        error.starts_with("ERR_JWS_SIGNATURE_VERIFICATION_FAILED "),
        "{error}"
    );

    // Another payload under the original signature.
    let (header, _) = signed.split_once('.').expect("header.payload");
    let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"mallory","exp":4102444800}"#);
    let swapped = format!("{header}.{payload}.{signature}");
    let error = jose_verify(jwks_file, &swapped, None).await.unwrap_err();
    assert!(
        error.starts_with("ERR_JWS_SIGNATURE_VERIFICATION_FAILED "),
        "{error}"
    );

    let error = jose_verify(jwks_file, &token, Some("https://other.test"))
        .await
        .unwrap_err();
    assert!(
        error.starts_with("ERR_JWT_CLAIM_VALIDATION_FAILED "),
        "{error}"
    );

    // A key the set does not hold.
    let (_, foreign) = signed_token(8, issuer);
    let error = jose_verify(jwks_file, &foreign, None).await.unwrap_err();
    assert!(error.starts_with("ERR_JWKS_NO_MATCHING_KEY "), "{error}");
}

#[tokio::test]
async fn jose_fetches_the_key_set_over_http() {
    let (ring, token) = signed_token(9, "https://issuer.test");
    let jwks = ring.public_jwks().to_json();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/jwks.json",
        listener.local_addr().expect("address")
    );
    // Answers every connection with the key set.
    let server = tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut head = Vec::new();
            let mut reader = BufReader::new(&mut stream);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).await.expect("read") == 0 || line == "\r\n" {
                    break;
                }
                head.push(line);
            }
            assert!(head[0].starts_with("GET /jwks.json "), "{head:?}");
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{jwks}",
                jwks.len()
            );
            stream.write_all(reply.as_bytes()).await.expect("write");
        }
    });
    let payload = jose_verify(&url, &token, None)
        .await
        .unwrap_or_else(|e| panic!("jose refused our token: {e}"));
    assert_eq!(payload["sub"], "alice");
    server.abort();
}
