//! Sessions verified by consumers — jose from npm and Watchword's own verifier — before and
//! after a key rotation.

use watchword_auth_host_server::keys;
use watchword_testkit::http::CookieJar;
use watchword_testkit::node::jose_verify;

use crate::harness::{expect_status, Host, Wallet};

async fn jwks_kids(host: &Host) -> Vec<String> {
    let reply = host.get(&mut CookieJar::new(), "/api/auth/jwks").await;
    expect_status(&reply, 200);
    reply.json()["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("kid").to_owned())
        .collect()
}

async fn verify_with_watchword(host: &Host, token: &str) -> serde_json::Value {
    let rules = watchword_session::SessionRules::new(30).issuer(host.url.clone());
    watchword_jwks_fetch::verify_session_with_url(
        &format!("{}/.well-known/jwks.json", host.url),
        token,
        rules,
        watchword_jwks_fetch::system_now(),
    )
    .await
    .expect("fetch")
}

#[tokio::test]
async fn jose_and_watchword_verify_sessions_across_a_rotation() {
    let host = Host::start().await;
    let mut jar = CookieJar::new();
    expect_status(
        &host.wallet_sign_in(&mut jar, &Wallet::new(30), false).await,
        200,
    );
    let before = jar.get("oc_session").expect("cookie").to_owned();
    let jwks_url = format!("{}/api/auth/jwks", host.url);
    let payload = jose_verify(&jwks_url, &before, Some(&host.url))
        .await
        .expect("jose verifies");
    assert_eq!(payload["address"], Wallet::new(30).address.as_str());
    assert_eq!(verify_with_watchword(&host, &before).await["valid"], true);
    let old_kids = jwks_kids(&host).await;

    keys::rotate(&host.keys_file, 2, &mut rand_core::OsRng).expect("rotate");
    // The host looks at its key file every few seconds.
    let mut kids = jwks_kids(&host).await;
    for _ in 0..80 {
        if kids.len() > old_kids.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        kids = jwks_kids(&host).await;
    }
    assert_eq!(
        kids.len(),
        old_kids.len() + 1,
        "both keys are published: {kids:?}"
    );
    assert!(kids.contains(&old_kids[0]));

    let mut fresh = CookieJar::new();
    expect_status(
        &host
            .wallet_sign_in(&mut fresh, &Wallet::new(31), false)
            .await,
        200,
    );
    let after = fresh.get("oc_session").expect("cookie").to_owned();
    assert_ne!(kid_of(&before), kid_of(&after), "the new key signs");
    for token in [&before, &after] {
        jose_verify(&jwks_url, token, Some(&host.url))
            .await
            .expect("jose verifies");
        assert_eq!(verify_with_watchword(&host, token).await["valid"], true);
    }
    // A token jose must refuse: another issuer expected.
    assert!(
        jose_verify(&jwks_url, &after, Some("https://other.example"))
            .await
            .is_err()
    );
}

fn kid_of(token: &str) -> String {
    use base64::Engine as _;
    let header = token.split('.').next().expect("header");
    let json: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .expect("b64"),
    )
    .expect("json");
    json["kid"].as_str().expect("kid").to_owned()
}
