//! The approval demo: a partner site ("Demo shop") that runs each flow with its demo keys, and
//! the approver app at the approval surface's `/device`, enrolled for the demo customer from a
//! link on the demo page. The demo site's backend calls the approval API over loopback, as a
//! partner's server would.

use std::fmt::Write as _;
use std::sync::Arc;

use watchword_approval::{ApiKey, KeyRole};
use watchword_approval_server::{Approval, NewPartner};
use watchword_http::header::{HeaderName, HeaderValue};
use watchword_http::{html, ApiError, Request, Response, Router};
use watchword_store::Store;

use super::client::{call_raw, call_with_headers};
use super::{escape, field, page, unavailable, Credentials, Demo};

/// The customer of the demo.
pub(crate) const CUSTOMER: &str = "ada@example.com";

/// What the demo site needs to call the approval surface.
#[derive(Debug)]
pub(crate) struct DemoApproval {
    base: String,
    srv: String,
    js: String,
}

impl super::DemoSurface for Approval {
    type Demo = DemoApproval;

    /// Adds the demo partner, allowed on the demo site's origin.
    async fn prepare(
        approval: &Approval,
        store: &Arc<dyn Store>,
        base: &str,
        demo_origin: &str,
    ) -> anyhow::Result<(DemoApproval, Credentials)> {
        let partners = approval.partners();
        let error = |e: ApiError| anyhow::anyhow!("{}", e.message());
        // On a Redis kept from an earlier run, the demo partner is made afresh.
        partners
            .remove(store.as_ref(), "demo-shop")
            .await
            .map_err(error)?;
        let mut rng = rand_core::OsRng;
        let added = partners
            .add(
                store.as_ref(),
                NewPartner {
                    id: Some("demo-shop".into()),
                    name: "Demo shop".into(),
                    origins: vec![demo_origin.to_owned()],
                    keys: Some((
                        ApiKey::generate(KeyRole::Server, &mut rng),
                        ApiKey::generate(KeyRole::Browser, &mut rng),
                    )),
                },
                &mut rng,
                watchword_http::Clock::system().now(),
            )
            .await
            .map_err(error)?;
        let demo = DemoApproval {
            base: base.to_owned(),
            srv: added.server_key.expose().to_owned(),
            js: added.browser_key.expose().to_owned(),
        };
        let credentials = vec![
            ("customer".into(), CUSTOMER.into()),
            ("server key".into(), demo.srv.clone()),
            ("browser key".into(), demo.js.clone()),
        ];
        Ok((demo, credentials))
    }
}

/// The demo pages.
pub(crate) fn routes(router: Router<Demo>) -> Router<Demo> {
    router
        .safe_get("/approval", index)
        .post("/approval/enrol", enrol)
        .post("/approval/start", start)
        .post("/approval/done", done)
        .post("/approval/result", result)
        .post("/approval/server-only", server_only)
}

async fn api(
    demo: &DemoApproval,
    operation: &str,
    key: (&str, &str),
    body: &serde_json::Value,
) -> Result<(u16, bytes::Bytes), ApiError> {
    call_raw(
        "POST",
        &format!("{}/api/{operation}", demo.base),
        &[key],
        Some(body),
    )
    .await
    .map_err(|e| unavailable("approval", &e))
}

async fn server_call(
    demo: &DemoApproval,
    operation: &str,
    body: &serde_json::Value,
) -> Result<(u16, serde_json::Value), ApiError> {
    call_with_headers(
        "POST",
        &format!("{}/api/{operation}", demo.base),
        &[("SrvAPIKey", &demo.srv)],
        Some(body),
    )
    .await
    .map_err(|e| unavailable("approval", &e))
}

const REQUEST_TYPES: [(u8, &str); 7] = [
    (0, "web sign-in"),
    (1, "computer session"),
    (2, "photo"),
    (3, "document scan"),
    (4, "workflow step"),
    (5, "application access"),
    (6, "document signature"),
];

fn type_select() -> String {
    let mut options = String::new();
    for (n, name) in REQUEST_TYPES {
        let _ = write!(options, "<option value=\"{n}\">{n}: {name}</option>");
    }
    format!("<label for=\"requestype\">What to ask</label><select id=\"requestype\" name=\"requestype\">{options}</select>")
}

/// A fresh enrolment link for the demo customer (a `POST`: it creates a single-use code).
async fn enrol(demo: Arc<Demo>, _: Request) -> Result<Response, ApiError> {
    let approval = &demo.approval;
    let (status, link) = server_call(
        approval,
        "GetEnrolmentLink",
        &serde_json::json!({ "UserMail": CUSTOMER }),
    )
    .await?;
    let body = if status == 200 {
        format!(
            "<h1>Enrol the approver app</h1><p>Open this link in another tab, or on your phone, to enrol that browser for \
             <b>{CUSTOMER}</b> (it works once, for 15 minutes):</p><p><a id=\"enrol\" href=\"{0}\" target=\"_blank\">{0}</a></p>\
             <div class=\"qr\">{2}</div>\
             <p>Afterwards <a href=\"{1}/device\" target=\"_blank\">{1}/device</a> shows the requests. \
             <a href=\"/approval\">Back to the demo</a></p>",
            escape(link["EnrolmentURL"].as_str().unwrap_or_default()),
            escape(&approval.base),
            // The surface's own SVG (not text from a request), shown as the partner would.
            link["EnrolmentQR"]
                .as_str()
                .and_then(|svg| svg.find("<svg").map(|at| &svg[at..]))
                .unwrap_or_default()
        )
    } else {
        format!(
            "<p class=\"error\">GetEnrolmentLink answered {status}: {}</p>",
            escape(&link.to_string())
        )
    };
    Ok(page("Approval: enrol", &body))
}

async fn index(demo: Arc<Demo>, _: Request) -> Result<Response, ApiError> {
    let approval = &demo.approval;
    let link = format!(
        "<h2>1. The approver app</h2><p>Enrol a browser as the phone of <b>{CUSTOMER}</b>:</p>\
         <form method=\"post\" action=\"/approval/enrol\"><button type=\"submit\">Get an enrolment link</button></form>"
    );
    let select = type_select();
    Ok(page(
        "Approval demo",
        &format!(
            "<h1>Approval</h1><p>A partner site (this demo shop) asks its customer to approve on the phone.</p>{link}\
             <h2>2. Standard flow</h2><p>The shop's page shows a number; the customer picks it on the phone; \
             the page posts a token the shop redeems with <code>VerifyToken</code>.</p>\
             <form method=\"post\" action=\"/approval/start\">{select}\
             <label for=\"pageType\">How the customer answers</label><select id=\"pageType\" name=\"pageType\">\
             <option value=\"0\">0: on the phone, picking the number</option>\
             <option value=\"2\">2: register a security key or Windows Hello here</option>\
             <option value=\"1\">1: with that security key here</option></select>\
             <button type=\"submit\">Ask for approval</button></form>\
             <h2>3. Distributed flow</h2><p>The shop's server starts a request with a private token; a client reads the \
             result with the <code>JS-</code> key.</p>\
             <form method=\"post\" action=\"/approval/start\"><input type=\"hidden\" name=\"flow\" value=\"distributed\">{select}\
             <button type=\"submit\">Start a distributed request</button></form>\
             <h2>4. Server only</h2><p><code>SendRequest</code> waits until the customer answers (up to two minutes).</p>\
             <form method=\"post\" action=\"/approval/server-only\">{select}<button type=\"submit\">Send and wait</button></form>\
             <p>API: <a href=\"{base}/swagger/ui/index\">{base}/swagger/ui/index</a></p>",
            base = escape(&approval.base),
        ),
    ))
}

/// The standard flow's page: the snippet inside the shop's sign-in form, with a policy that
/// lets the snippet's script and its status calls reach the approval surface.
fn snippet_page(base: &str, title: &str, body: &str) -> Response {
    let mut response = html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/assets/demo.css\"></head><body><main>{body}</main></body></html>",
        title = escape(title)
    ));
    let policy = format!(
        "default-src 'none'; style-src 'self'; script-src {base}; connect-src {base}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("content-security-policy"), value);
    }
    response
}

async fn start(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let approval = &demo.approval;
    let form = request.form()?;
    let distributed = field(&form, "flow") == "distributed";
    let page_type = match field(&form, "pageType").as_str() {
        "" => "0".to_owned(),
        other => other.to_owned(),
    };
    let mut body = serde_json::json!({
        "UserMail": CUSTOMER,
        "requestype": field(&form, "requestype"),
        "Message": "Demo shop: please confirm",
        "userIP": request.client_ip().to_string(),
        "OSType": "demo",
        "NavigatorOrAPPName": "Watchword demo shop",
    });
    if distributed {
        body["privateToken"] = "the private token of the demo".into();
    }
    let (status, started) = server_call(approval, "getTransactionID", &body).await?;
    if status != 200 {
        return Ok(page("Approval", &format!("<h1>Approval</h1><p class=\"error\" id=\"status\">getTransactionID answered {status}: {}</p><p><a href=\"/approval\">Back</a></p>", escape(&started.to_string()))));
    }
    let id = started["TransactionID"].as_str().unwrap_or_default();
    let number = started["Number"].as_u64().unwrap_or_default();
    if distributed {
        return Ok(page(
            "Approval: distributed",
            &format!(
                "<h1>Distributed request</h1><p>Pick <b id=\"number\">{number}</b> on the phone, then read the result.</p>\
                 <form method=\"post\" action=\"/approval/result\"><input type=\"hidden\" name=\"transactionid\" value=\"{id}\">\
                 <button type=\"submit\">GetResult</button></form>",
                id = escape(id)
            ),
        ));
    }
    let (status, snippet) = api(
        approval,
        "GetHTML",
        ("SrvAPIKey", &approval.srv),
        &serde_json::json!({ "transactionid": id, "pageType": page_type, "FormID": "signin" }),
    )
    .await?;
    if status != 200 {
        return Ok(page(
            "Approval",
            &format!("<h1>Approval</h1><p class=\"error\">GetHTML answered {status}</p>"),
        ));
    }
    Ok(snippet_page(
        &approval.base,
        "Approval: standard flow",
        &format!(
            "<h1>Demo shop: sign in</h1><form id=\"signin\" method=\"post\" action=\"/approval/done\"></form>{}",
            String::from_utf8_lossy(&snippet)
        ),
    ))
}

fn outcome(answer: &serde_json::Value) -> String {
    let attachment = match answer["Attachment"]["Kind"].as_str() {
        Some(kind) => format!(
            "<p>With a {kind} ({}, {} bytes of base64).</p>",
            escape(
                answer["Attachment"]["MediaType"]
                    .as_str()
                    .unwrap_or_default()
            ),
            answer["Attachment"]["Data"].as_str().map_or(0, str::len)
        ),
        None => String::new(),
    };
    format!(
        "<p id=\"status\" class=\"{class}\">isValid: {valid} · UserValided: {user} · Message: {message}</p>\
         <p>privateToken: <code id=\"private-token\">{private}</code></p>{attachment}<p><a href=\"/approval\">Again</a></p>",
        class = if answer["isValid"] == true { "ok" } else { "error" },
        valid = answer["isValid"],
        user = escape(answer["UserValided"].as_str().unwrap_or_default()),
        message = escape(answer["Message"].as_str().unwrap_or_default()),
        private = escape(&answer["privateToken"].to_string()),
    )
}

async fn done(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let form = request.form()?;
    let body = serde_json::json!({
        "token": field(&form, "token"),
        "transactionid": field(&form, "transactionid"),
        "UserMail": CUSTOMER,
    });
    let (_, answer) = server_call(&demo.approval, "VerifyToken", &body).await?;
    Ok(page(
        "Approval: verified",
        &format!("<h1>VerifyToken</h1>{}", outcome(&answer)),
    ))
}

async fn result(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let approval = &demo.approval;
    let form = request.form()?;
    let (_, answer) = call_with_headers(
        "POST",
        &format!("{}/api/GetResult", approval.base),
        &[("JsAPIKey", &approval.js)],
        Some(&serde_json::json!({ "transactionid": field(&form, "transactionid") })),
    )
    .await
    .map_err(|e| unavailable("approval", &e))?;
    if answer["isFinish"] == false {
        return Ok(page(
            "Approval: waiting",
            &format!(
                "<h1>GetResult</h1><p id=\"status\">Not answered yet.</p>\
                 <form method=\"post\" action=\"/approval/result\"><input type=\"hidden\" name=\"transactionid\" value=\"{}\">\
                 <button type=\"submit\">GetResult again</button></form>",
                escape(&field(&form, "transactionid"))
            ),
        ));
    }
    Ok(page(
        "Approval: result",
        &format!("<h1>GetResult</h1>{}", outcome(&answer)),
    ))
}

async fn server_only(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let form = request.form()?;
    let body = serde_json::json!({
        "UserMail": CUSTOMER,
        "requestype": field(&form, "requestype"),
        "Message": "Demo shop (server only): please confirm",
        "userIP": request.client_ip().to_string(),
        "OSType": "demo",
        "NavigatorOrAPPName": "Watchword demo shop",
    });
    let (_, answer) = server_call(&demo.approval, "SendRequest", &body).await?;
    Ok(page(
        "Approval: server only",
        &format!("<h1>SendRequest</h1>{}", outcome(&answer)),
    ))
}
