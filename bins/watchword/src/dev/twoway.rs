//! The twoway demo: a "device" page that starts a pairing and asks for the response code, and
//! a "portal" page where a signed-in demo user turns the client code into a response code.
//! The demo site's backend calls the twoway API over loopback with demo credentials, exactly
//! as an app's and a portal's backends would.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use watchword_http::clients::NewClient;
use watchword_http::{ApiError, Request, Response, Router};
use watchword_store::Store;
use watchword_token::{Claims, Jwks, KeyRing, UnixTime, Validation};
use watchword_twoway_server::{Registration, Twoway, ROLE_APP, ROLE_PORTAL};

use super::client::call;
use super::{escape, field, page, unavailable, Credentials, Demo};

/// The identity provider of the demo.
const IDP: &str = "demo";
/// The user the demo portal has signed in.
const USER: &str = "alice";

/// What the demo site needs to call the twoway surface.
#[derive(Debug)]
pub(crate) struct DemoTwoway {
    base: String,
    app_id: String,
    app_auth: String,
    portal_auth: String,
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

impl super::DemoSurface for Twoway {
    type Demo = DemoTwoway;

    /// Adds a demo app and a demo portal client.
    async fn prepare(
        twoway: &Twoway,
        store: &Arc<dyn Store>,
        base: &str,
        _: &str,
    ) -> anyhow::Result<(DemoTwoway, Credentials)> {
        let now = watchword_http::Clock::system().now();
        let add = |role: &str, id: &str| {
            let new = NewClient {
                role: role.into(),
                name: format!("demo {role}"),
                scopes: vec![IDP.into()],
                id: Some(id.into()),
                ..NewClient::default()
            };
            let clients = twoway.clients().clone();
            let store = store.clone();
            let id = id.to_owned();
            async move {
                // On a Redis kept from an earlier run, the demo clients are made afresh.
                clients
                    .remove(store.as_ref(), &id)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
                clients
                    .add(store.as_ref(), new, &mut rand_core::OsRng, now)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.message()))
            }
        };
        let app = add(ROLE_APP, "demo-app").await?;
        let portal = add(ROLE_PORTAL, "demo-portal").await?;
        let demo = DemoTwoway {
            base: base.to_owned(),
            app_id: app.client.id.clone(),
            app_auth: basic(&app.client.id, &app.secret),
            portal_auth: basic(&portal.client.id, &portal.secret),
        };
        let credentials = vec![
            ("identity provider".into(), IDP.into()),
            (
                "app (device)".into(),
                format!("{} / {}", app.client.id, app.secret),
            ),
            (
                "portal".into(),
                format!("{} / {}", portal.client.id, portal.secret),
            ),
        ];
        Ok((demo, credentials))
    }
}

/// The demo pages.
pub(crate) fn routes(router: Router<Demo>) -> Router<Demo> {
    router
        .get("/twoway/device", device)
        .post("/twoway/device", device_complete)
        .safe_get("/twoway/portal", portal_page)
        .post("/twoway/portal", portal_submit)
}

fn response_form(transaction_id: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/twoway/device\"><input type=\"hidden\" name=\"transaction_id\" value=\"{}\">\
         <label for=\"data\">Response code from the portal</label>\
         <input id=\"data\" name=\"data\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required>\
         <button type=\"submit\">Complete pairing</button></form>",
        escape(transaction_id)
    )
}

async fn device(demo: Arc<Demo>, _: Request) -> Result<Response, ApiError> {
    let twoway = &demo.twoway;
    let url = format!("{}/oauth/custom-registration/{IDP}/init", twoway.base);
    let (status, answer) = call(
        "POST",
        &url,
        Some(&twoway.app_auth),
        Some(&serde_json::json!({})),
    )
    .await
    .map_err(|e| unavailable("twoway", &e))?;
    if status != 200 {
        return Ok(page(
            "Device",
            &format!(
                "<h1>Device</h1><p class=\"error\" id=\"status\">init failed: {}</p>",
                escape(&answer.to_string())
            ),
        ));
    }
    let code = answer["data"].as_str().unwrap_or_default();
    let transaction_id = answer["transaction_id"].as_str().unwrap_or_default();
    Ok(page(
        "Device: pair with your account",
        &format!(
            "<h1>Device</h1><p>Enter this code on your <a href=\"/twoway/portal\" target=\"_blank\">portal</a>:</p>\
             <p class=\"code\" id=\"client-code\">{}</p>{}",
            escape(code),
            response_form(transaction_id)
        ),
    ))
}

async fn device_complete(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let twoway = &demo.twoway;
    let form = request.form()?;
    let transaction_id = field(&form, "transaction_id");
    let body =
        serde_json::json!({ "transaction_id": transaction_id, "data": field(&form, "data") });
    let url = format!("{}/oauth/custom-registration/{IDP}/complete", twoway.base);
    let (_, answer) = call("POST", &url, Some(&twoway.app_auth), Some(&body))
        .await
        .map_err(|e| unavailable("twoway", &e))?;
    let body = match answer["status"].as_u64() {
        Some(2000) => {
            let token = answer["data"].as_str().unwrap_or_default();
            let verified = verify_registration(twoway, token).await;
            format!(
                "<h1>Device</h1><p class=\"ok\" id=\"status\">2000: paired</p><p id=\"verified\">{}</p>\
                 <p>Registration token:</p><p class=\"token\" id=\"token\">{}</p><p><a href=\"/twoway/device\">Pair again</a></p>",
                escape(&verified),
                escape(token)
            )
        }
        Some(4001) => format!(
            "<h1>Device</h1><p class=\"error\" id=\"status\">4001: wrong response code, {} attempts left</p>{}",
            answer["attempts_left"],
            response_form(&transaction_id)
        ),
        Some(4002) => format!(
            "<h1>Device</h1><p class=\"error\" id=\"status\">4002: enter the client code on the <a href=\"/twoway/portal\" target=\"_blank\">portal</a> first</p>{}",
            response_form(&transaction_id)
        ),
        _ => format!(
            "<h1>Device</h1><p class=\"error\" id=\"status\">{}: this pairing cannot go on ({})</p><p><a href=\"/twoway/device\">Start over</a></p>",
            escape(&answer["status"].to_string()),
            escape(answer["reason"].as_str().unwrap_or("error"))
        ),
    };
    Ok(page("Device: pairing", &body))
}

/// Checks the registration token the way the app's backend would: against the JWKS.
async fn verify_registration(twoway: &DemoTwoway, token: &str) -> String {
    let jwks = match call(
        "GET",
        &format!("{}/.well-known/jwks.json", twoway.base),
        None,
        None,
    )
    .await
    {
        Ok((200, jwks)) => jwks,
        Ok((status, _)) => return format!("could not fetch the JWKS: HTTP {status}"),
        Err(error) => return format!("could not fetch the JWKS: {error:#}"),
    };
    let ring = match Jwks::from_json(&jwks.to_string()).and_then(|jwks| KeyRing::from_jwks(&jwks)) {
        Ok(ring) => ring,
        Err(error) => return format!("the JWKS is unusable: {error}"),
    };
    let now = UnixTime(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    let validation = Validation::new()
        .audience(twoway.app_id.clone())
        .issuer(twoway.base.clone())
        .leeway(5);
    match ring.verify::<Registration>(token, &validation, now) {
        Ok(Claims { sub, extra, .. }) => format!(
            "Verified against the JWKS: user {}, device {}, provider {}",
            sub.unwrap_or_default(),
            extra.device_id,
            extra.idp
        ),
        Err(error) => format!("The token did not verify: {error}"),
    }
}

fn portal_form() -> String {
    "<form method=\"post\" action=\"/twoway/portal\"><label for=\"client_code\">Client code shown on the device</label>\
     <input id=\"client_code\" name=\"client_code\" autocomplete=\"off\" required><button type=\"submit\">Get response code</button></form>"
        .to_owned()
}

async fn portal_page(_: Arc<Demo>, _: Request) -> Result<Response, ApiError> {
    Ok(page(
        "Portal",
        &format!(
            "<h1>Portal</h1><p>Signed in as <strong id=\"user\">{USER}</strong> (demo).</p>{}",
            portal_form()
        ),
    ))
}

async fn portal_submit(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let twoway = &demo.twoway;
    let form = request.form()?;
    let body = serde_json::json!({ "client_code": field(&form, "client_code"), "user_id": USER });
    let url = format!("{}/portal/v1/{IDP}/response-code", twoway.base);
    let (status, answer) = call("POST", &url, Some(&twoway.portal_auth), Some(&body))
        .await
        .map_err(|e| unavailable("twoway", &e))?;
    let result = if status == 200 {
        format!(
            "<p>Type this response code on the device:</p><p class=\"code\" id=\"response-code\">{}</p>",
            escape(answer["data"].as_str().unwrap_or_default())
        )
    } else {
        format!(
            "<p class=\"error\" id=\"error\">{}</p>",
            escape(
                answer["error"]["message"]
                    .as_str()
                    .unwrap_or("the portal call failed")
            )
        )
    };
    Ok(page("Portal", &format!("<h1>Portal</h1><p>Signed in as <strong id=\"user\">{USER}</strong> (demo).</p>{result}{}", portal_form())))
}
