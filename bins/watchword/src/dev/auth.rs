//! The auth-host demo: a sign-in page on the demo site (a site of the host's family) and a
//! consumer view that verifies the `oc_session` cookie locally against the host's key set,
//! as any site of the family would.
//!
//! Cookies do not care about ports, so a cookie the host sets on `localhost:8083` reaches the
//! demo site on `localhost:8080`: open <http://localhost:8080/auth>.

use std::sync::Arc;

use watchword_auth_host_server::mail::Mailer;
use watchword_auth_host_server::{AuthHost, AuthHostArgs};
use watchword_bip322::{address, sign_simple, KeyAddress, SecretKey};
use watchword_http::header::{HeaderName, HeaderValue};
use watchword_http::{html, ok, ApiError, Request, Response, Router};
use watchword_session::{cookie_value, SessionRules, SessionVerifier, SESSION_COOKIE};
use watchword_store::Store;

use super::{escape, Credentials, Demo};

/// The host name the demo runs on (cookies of the host and the demo site are shared there).
pub(crate) const DOMAIN: &str = "localhost";

/// What the demo site keeps: the host's URL and keys, its dev outbox, a demo wallet.
pub(crate) struct DemoAuth {
    host_url: String,
    verifier: SessionVerifier,
    outbox: Mailer,
    wallet_key: SecretKey,
    wallet_address: String,
}

impl std::fmt::Debug for DemoAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoAuth")
            .field("host_url", &self.host_url)
            .field("wallet_address", &self.wallet_address)
            .finish_non_exhaustive()
    }
}

impl super::DemoSurface for AuthHost {
    type Demo = DemoAuth;

    /// The host on `localhost`, with the demo site in its family.
    fn dev_args(args: &mut AuthHostArgs, listen: std::net::SocketAddr, demo_origin: &str) {
        args.public_url = Some(format!("http://{DOMAIN}:{}", listen.port()));
        args.origins.push(demo_origin.to_owned());
    }

    async fn prepare(
        host: &AuthHost,
        _: &Arc<dyn Store>,
        _: &str,
        _: &str,
    ) -> anyhow::Result<(DemoAuth, Credentials)> {
        let host_url = host.settings().public_url.clone();
        let rules = SessionRules::new(30).issuer(host_url.clone());
        let verifier = SessionVerifier::from_jwks_json(&host.jwks_json(), rules)?;
        let mut seed = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed);
        let wallet_key = SecretKey::from_slice(&seed)?;
        let network = watchword_bip322::Network::Bitcoin;
        let wallet_address = address(&wallet_key, KeyAddress::P2wpkh, network).to_string();
        let credentials = vec![
            ("sign-in host".into(), host_url.clone()),
            ("demo wallet".into(), wallet_address.clone()),
        ];
        Ok((
            DemoAuth {
                host_url,
                verifier,
                outbox: host.mailer().clone(),
                wallet_key,
                wallet_address,
            },
            credentials,
        ))
    }
}

/// The demo pages.
pub(crate) fn routes(router: Router<Demo>) -> Router<Demo> {
    router
        .safe_get("/auth", page)
        .safe_get("/auth/demo-wallet", wallet)
        .post("/auth/demo-wallet/sign", sign)
        .safe_get("/auth/outbox", outbox)
}

/// The consumer side: what the `oc_session` cookie says, verified here with the host's keys.
fn consumer_view(auth: &DemoAuth, request: &Request) -> String {
    let token = request
        .headers()
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| cookie_value(header, SESSION_COOKIE));
    let Some(token) = token else {
        return "<p id=\"consumer\" data-signed-in=\"false\">Not signed in: this site received no <code>oc_session</code> cookie.</p>".into();
    };
    match auth.verifier.verify(token, watchword_http::Clock::system().now()) {
        Ok(session) => format!(
            "<p id=\"consumer\" data-signed-in=\"true\" data-sub=\"{sub}\" class=\"ok\">Signed in as <strong>{who}</strong> \
             (<code>{did}</code>), verified on this site with the host's public key, no call to the host.</p>\
             <pre class=\"token\">{claims}</pre>",
            sub = escape(&session.sub),
            who = escape(session.name.as_deref().or(session.address.as_deref()).unwrap_or(&session.sub)),
            did = escape(&session.did_oc.to_string()),
            claims = escape(&serde_json::to_string_pretty(&session).unwrap_or_default()),
        ),
        Err(error) => format!(
            "<p id=\"consumer\" data-signed-in=\"false\" class=\"error\">The cookie does not verify: {}</p>",
            escape(&error.to_string())
        ),
    }
}

const SIGN_IN: &str = "<section id=\"sign-in\">\
<h2>Sign in</h2>\
<label><input id=\"add\" type=\"checkbox\"> add to this browser's accounts (keep the ones signed in)</label>\
<h3>With a Bitcoin wallet</h3>\
<p id=\"wallets\">Looking for a wallet in this browser…</p>\
<p><button id=\"demo-wallet\" type=\"button\">Sign with the demo wallet</button></p>\
<details><summary>Any wallet: copy the message, paste the signature</summary>\
<label for=\"address\">Your address</label><input id=\"address\" size=\"50\">\
<button id=\"get-message\" type=\"button\">Get the message</button>\
<label for=\"message\">Sign this message exactly (BIP-322)</label><textarea id=\"message\" rows=\"7\" cols=\"60\" readonly></textarea>\
<label for=\"signature\">Signature</label><input id=\"signature\" size=\"50\">\
<button id=\"paste-sign-in\" type=\"button\">Sign in</button></details>\
<h3>With an email code</h3>\
<label for=\"email\">Email</label><input id=\"email\" type=\"email\" autocomplete=\"email\">\
<button id=\"send-code\" type=\"button\">Email me a code</button>\
<label for=\"code\">Code</label><input id=\"code\" inputmode=\"numeric\" maxlength=\"6\">\
<button id=\"verify-code\" type=\"button\">Sign in</button>\
<p id=\"mail\"></p>\
<h3>With a provider</h3><p id=\"providers\">No provider configured (start the host with <code>--oidc</code> or <code>--github</code>).</p>\
</section>\
<section><h2>This browser's accounts</h2><ul id=\"roster\"><li>none</li></ul>\
<button id=\"sign-out-current\" type=\"button\">Sign out of this account</button>\
<button id=\"sign-out-all\" type=\"button\">Sign out of all</button></section>\
<p id=\"status\" role=\"status\"></p>";

async fn page(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let auth = &demo.auth;
    let here = request.header("host").unwrap_or_default();
    let note = match here.split_once(':') {
        Some((name, port)) if name != DOMAIN => format!(
            "<p class=\"error\">Open <a href=\"http://{DOMAIN}:{port}/auth\">http://{DOMAIN}:{port}/auth</a>: the host's cookies are set for {DOMAIN}.</p>",
            port = escape(port)
        ),
        _ => String::new(),
    };
    let body = format!(
        "<h1>Sign-in host demo</h1>{note}<p>This page is a site of the host's family: it signs in through \
         <a href=\"{host}/api-explorer\">the host</a> and reads the session cookie itself.</p>{consumer}{SIGN_IN}",
        host = escape(&auth.host_url),
        consumer = consumer_view(auth, &request),
    );
    let mut response = html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in host demo</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/assets/demo.css\"><script src=\"/assets/auth-demo.js\" defer></script></head>\
         <body data-auth-host=\"{host}\"><main>{body}</main></body></html>",
        host = escape(&auth.host_url),
    ));
    let csp = format!(
        "default-src 'none'; script-src 'self'; connect-src 'self' {host}; style-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        host = auth.host_url
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("content-security-policy"), value);
    }
    Ok(response)
}

/// The demo wallet's address.
async fn wallet(demo: Arc<Demo>, _: Request) -> Result<Response, ApiError> {
    Ok(ok(
        &serde_json::json!({"address": demo.auth.wallet_address}),
    ))
}

#[derive(serde::Deserialize)]
struct SignRequest {
    message: String,
}

/// The demo wallet signs a message (BIP-322 simple, P2WPKH). Development only: it signs
/// whatever it is asked to, as a wallet whose owner always clicks "sign" would.
async fn sign(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let body: SignRequest = request.json()?;
    let mut aux = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut aux);
    let signature = sign_simple(
        &demo.auth.wallet_key,
        KeyAddress::P2wpkh,
        body.message.as_bytes(),
        aux,
    );
    Ok(ok(&serde_json::json!({"signature": signature})))
}

/// The host's dev outbox: the mails it would have sent (without `--smtp`).
async fn outbox(demo: Arc<Demo>, _: Request) -> Result<Response, ApiError> {
    let mut mails = demo.auth.outbox.outbox();
    mails.reverse();
    Ok(ok(&serde_json::json!({"mails": mails})))
}
