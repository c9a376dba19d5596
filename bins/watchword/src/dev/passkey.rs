//! The passkey demo: a sign-in page that asks the passkey surface for a `requestId`, runs the
//! ceremony in the browser through `headless.js`, and validates the resulting token from its
//! backend, exactly as a site integrating the OTPless-compatible API would.
//!
//! WebAuthn refuses IP addresses as relying party ids, so the demo runs on `localhost`: open
//! <http://localhost:8080/passkey>.

use std::sync::Arc;

use watchword_http::clients::NewClient;
use watchword_http::header::{HeaderName, HeaderValue};
use watchword_http::{html, ApiError, Request, Response, Router, StatusCode};
use watchword_passkey_server::{PasskeyService, ROLE_APP};
use watchword_store::Store;

use super::client::call_with_headers;
use super::{escape, field, unavailable, Credentials, Demo};

/// The relying party id of the demo: pages on `http://localhost:<port>`.
pub(crate) const DOMAIN: &str = "localhost";

/// What the demo site needs to call the passkey surface and embed its SDK.
#[derive(Debug)]
pub(crate) struct DemoPasskey {
    base: String,
    client_id: String,
    client_secret: String,
    app_id: String,
    script_path: String,
    script_sri: String,
}

impl super::DemoSurface for PasskeyService {
    type Demo = DemoPasskey;

    /// Adds a demo client for pages served from `demo_origin` (on `localhost`).
    async fn prepare(
        passkey: &PasskeyService,
        store: &Arc<dyn Store>,
        base: &str,
        demo_origin: &str,
    ) -> anyhow::Result<(DemoPasskey, Credentials)> {
        let now = watchword_http::Clock::system().now();
        // On a Redis kept from an earlier run, the demo client is made afresh.
        passkey
            .clients()
            .remove(store.as_ref(), "demo-passkey")
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        let created = passkey
            .clients()
            .add(
                store.as_ref(),
                NewClient {
                    role: ROLE_APP.into(),
                    name: "demo site".into(),
                    origins: vec![demo_origin.to_owned()],
                    scopes: vec![DOMAIN.into()],
                    app_id: Some(watchword_passkey_server::new_app_id(&mut rand_core::OsRng)),
                    id: Some("demo-passkey".into()),
                    secret: None,
                },
                &mut rand_core::OsRng,
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        let assets = watchword_passkey_server::assets();
        let script = assets
            .get("headless.js")
            .ok_or_else(|| anyhow::anyhow!("the SDK asset is missing"))?;
        let app_id = created.client.app_id.clone().unwrap_or_default();
        let demo = DemoPasskey {
            base: base.to_owned(),
            client_id: created.client.id.clone(),
            client_secret: created.secret.clone(),
            app_id: app_id.clone(),
            script_path: script.versioned_path(),
            script_sri: script.sri().to_owned(),
        };
        let credentials = vec![
            (
                "clientId / clientSecret".into(),
                format!("{} / {}", created.client.id, created.secret),
            ),
            ("appId".into(), app_id),
            ("domain".into(), DOMAIN.into()),
        ];
        Ok((demo, credentials))
    }
}

/// The demo pages.
pub(crate) fn routes(router: Router<Demo>) -> Router<Demo> {
    router
        .safe_get("/passkey", start_page)
        .post("/passkey", initiate)
        .post("/passkey/finish", finish)
}

/// A page of the demo: scripts from the demo itself and the passkey server only.
fn passkey_page(passkey: &DemoPasskey, title: &str, body: &str, sdk: bool) -> Response {
    let scripts = if sdk {
        format!(
            "<script id=\"otpless-sdk\" src=\"{base}{path}\" integrity=\"{sri}\" crossorigin=\"anonymous\" data-appid=\"{app}\"></script>\
             <script src=\"/assets/passkey-demo.js\" defer></script>",
            base = escape(&passkey.base),
            path = escape(&passkey.script_path),
            sri = escape(&passkey.script_sri),
            app = escape(&passkey.app_id),
        )
    } else {
        String::new()
    };
    let mut response = html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/assets/demo.css\">{scripts}</head><body><main>{body}</main></body></html>",
        title = escape(title),
    ));
    let csp = format!(
        "default-src 'none'; script-src 'self' {base}; connect-src {base}; style-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        base = passkey.base
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("content-security-policy"), value);
    }
    response
}

fn email_form(note: &str) -> String {
    format!(
        "<h1>Sign in with a passkey</h1>{note}\
         <form method=\"post\" action=\"/passkey\">\
         <label for=\"email\">Email</label>\
         <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username webauthn\" required>\
         <label><input id=\"register\" name=\"register\" type=\"checkbox\" value=\"1\"> register a new passkey even if I have one</label>\
         <button id=\"continue\" type=\"submit\">Continue</button></form>\
         <p>Open this page on <code>http://localhost</code>: passkeys need a domain, not an IP address.</p>"
    )
}

async fn start_page(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let host = request.header("host").unwrap_or_default();
    let note = match host.split_once(':') {
        Some((name, port)) if name != DOMAIN => format!(
            "<p class=\"error\" id=\"status\">Passkeys need a domain: open <a href=\"http://{DOMAIN}:{port}/passkey\">http://{DOMAIN}:{port}/passkey</a>.</p>",
            port = escape(port)
        ),
        _ => String::new(),
    };
    Ok(passkey_page(
        &demo.passkey,
        "Passkey demo",
        &email_form(&note),
        false,
    ))
}

/// The demo backend asks for a `requestId`, then serves the page that runs the ceremony.
async fn initiate(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let passkey = &demo.passkey;
    let form = request.form()?;
    let email = field(&form, "email");
    let mut body = serde_json::json!({
        "identityType": "EMAIL",
        "identityValue": email,
        "rpName": "Watchword demo",
        "domain": DOMAIN,
        "userDisplayName": email,
        "attachment": "ALL",
    });
    if field(&form, "register") == "1" {
        body["isRegistration"] = true.into();
    }
    let (status, answer) = call_with_headers(
        "POST",
        &format!("{}/auth/v1/webauthn", passkey.base),
        &[
            ("clientId", &passkey.client_id),
            ("clientSecret", &passkey.client_secret),
        ],
        Some(&body),
    )
    .await
    .map_err(|e| unavailable("passkey", &e))?;
    if status != 200 {
        let note = format!(
            "<p class=\"error\" id=\"status\">{}</p>",
            escape(
                answer["description"]
                    .as_str()
                    .unwrap_or("the request failed")
            )
        );
        let mut page = passkey_page(passkey, "Passkey demo", &email_form(&note), false);
        *page.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(page);
    }
    let request_id = answer["requestId"].as_str().unwrap_or_default();
    Ok(passkey_page(
        passkey,
        "Passkey demo: your passkey",
        &format!(
            "<h1>Use your passkey</h1><p>Signing in as <strong id=\"who\">{who}</strong>.</p>\
             <div id=\"passkey\" data-request-id=\"{id}\"></div>\
             <button id=\"start\" type=\"button\">Use passkey</button>\
             <p id=\"status\" role=\"status\" aria-live=\"polite\"></p>\
             <form id=\"finish\" method=\"post\" action=\"/passkey/finish\"><input type=\"hidden\" name=\"token\" id=\"token\"></form>",
            who = escape(&email),
            id = escape(request_id),
        ),
        true,
    ))
}

/// The demo backend validates the token the SDK handed to the page.
async fn finish(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let passkey = &demo.passkey;
    let form = request.form()?;
    let token = field(&form, "token");
    let (status, answer) = call_with_headers(
        "POST",
        &format!("{}/auth/v1/validate/token", passkey.base),
        &[
            ("clientId", &passkey.client_id),
            ("clientSecret", &passkey.client_secret),
        ],
        Some(&serde_json::json!({ "token": token })),
    )
    .await
    .map_err(|e| unavailable("passkey", &e))?;
    if status == 200 && answer["status"] == "SUCCESS" {
        let identity = &answer["identities"][0];
        let device = &answer["deviceInfo"];
        return Ok(passkey_page(
            passkey,
            "Passkey demo: signed in",
            &format!(
                "<h1>Signed in</h1><p class=\"ok\" id=\"status\">{kind}: {who} is user {user}</p>\
                 <p id=\"device\">{browser} {version} on {os} ({device_type}), from {ip}</p>\
                 <p><a href=\"/passkey\">Sign in again</a></p>",
                kind = escape(identity["type"].as_str().unwrap_or_default()),
                who = escape(identity["identityValue"].as_str().unwrap_or_default()),
                user = escape(answer["userId"].as_str().unwrap_or_default()),
                browser = escape(device["browser"].as_str().unwrap_or_default()),
                version = escape(device["browserVersion"].as_str().unwrap_or_default()),
                os = escape(device["os"].as_str().unwrap_or_default()),
                device_type = escape(device["deviceType"].as_str().unwrap_or_default()),
                ip = escape(answer["network"]["ip"].as_str().unwrap_or_default()),
            ),
            false,
        ));
    }
    let mut page = passkey_page(
        passkey,
        "Passkey demo: refused",
        &format!(
            "<h1>Not signed in</h1><p class=\"error\" id=\"status\">Rejected: {}</p><p><a href=\"/passkey\">Try again</a></p>",
            escape(answer["description"].as_str().unwrap_or("the token did not validate"))
        ),
        false,
    );
    *page.status_mut() = StatusCode::FORBIDDEN;
    Ok(page)
}
