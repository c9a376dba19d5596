//! The captcha demo: a sign-up form protected by the `ocapi.js` widget, whose backend checks
//! the challenge id with a partner JWT (HS512, signed with the site secret), exactly as a
//! partner's backend would.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use watchword_captcha::Kind;
use watchword_captcha_server::corpus;
use watchword_captcha_server::sites::NewSite;
use watchword_captcha_server::Captcha;
use watchword_http::clients::random_token;
use watchword_http::header::{HeaderName, HeaderValue};
use watchword_http::{html, ApiError, Request, Response, Router, StatusCode};
use watchword_store::Store;
use watchword_token::{Claims, HmacKey, SigningKey, UnixTime};

use super::client::call;
use super::{escape, field, unavailable, Credentials, Demo};

/// The demo site's public id.
pub(crate) const SITE: &str = "demo-site";

/// What the demo site needs to embed the widget and check challenges.
#[derive(Debug)]
pub(crate) struct DemoCaptcha {
    base: String,
    secret: String,
    script_path: String,
    script_sri: String,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl super::DemoSurface for Captcha {
    type Demo = DemoCaptcha;

    /// Loads the generated demo corpus and adds a demo site whose pages are served from
    /// `demo_origin`.
    async fn prepare(
        captcha: &Captcha,
        store: &Arc<dyn Store>,
        base: &str,
        demo_origin: &str,
    ) -> anyhow::Result<(DemoCaptcha, Credentials)> {
        let items = watchword_captcha::demo::corpus();
        corpus::load(
            captcha.corpus(),
            store.as_ref(),
            items.iter().map(|item| {
                (
                    item.id.as_str(),
                    item.answer.as_deref(),
                    item.png.as_slice(),
                )
            }),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        // On a Redis kept from an earlier run, the demo site is made afresh with a new secret.
        captcha
            .sites()
            .remove(store.as_ref(), SITE)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        let site = captcha
            .sites()
            .add(
                store.as_ref(),
                NewSite {
                    id: Some(SITE.into()),
                    name: "demo partner".into(),
                    origins: vec![demo_origin.to_owned()],
                    kinds: vec![Kind::Transcription, Kind::ProofOfWork],
                    ..NewSite::default()
                },
                &mut rand_core::OsRng,
                now(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        let assets = watchword_captcha_server::assets();
        let script = assets
            .get("ocapi.js")
            .ok_or_else(|| anyhow::anyhow!("the widget asset is missing"))?;
        let demo = DemoCaptcha {
            base: base.to_owned(),
            secret: site.secret.clone(),
            script_path: script.versioned_path(),
            script_sri: script.sri().to_owned(),
        };
        let credentials = vec![
            ("site (data-sitekey)".into(), site.id.clone()),
            ("site secret".into(), site.secret),
        ];
        Ok((demo, credentials))
    }
}

/// The demo pages.
pub(crate) fn routes(router: Router<Demo>) -> Router<Demo> {
    router
        .safe_get("/captcha", form_page)
        .post("/captcha", submit)
}

/// A page that runs the widget: its CSP allows scripts, styles, images and requests from the
/// captcha server only, and workers from the demo's own origin.
fn widget_page(captcha: &DemoCaptcha, title: &str, body: &str) -> Response {
    let mut response = html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/assets/demo.css\">\
         <script src=\"{base}{script}\" integrity=\"{sri}\" crossorigin=\"anonymous\" async defer></script>\
         </head><body><main>{body}</main></body></html>",
        title = escape(title),
        base = escape(&captcha.base),
        script = escape(&captcha.script_path),
        sri = escape(&captcha.script_sri),
    ));
    let csp = format!(
        "default-src 'none'; script-src {base}; connect-src {base}; img-src {base}; \
         style-src 'self' {base}; worker-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        base = captcha.base
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("content-security-policy"), value);
    }
    response
}

fn kind_of(request: &Request) -> &'static str {
    match request.query("kind").as_deref() {
        Some("proof_of_work") => "proof_of_work",
        _ => "transcription",
    }
}

fn signup_form(kind: &str) -> String {
    let other = if kind == "proof_of_work" {
        "<a href=\"/captcha\">transcription</a>"
    } else {
        "<a href=\"/captcha?kind=proof_of_work\">proof of work (invisible)</a>"
    };
    format!(
        "<h1>Sign up</h1><p>A partner form protected by the captcha ({kind}; try {other}).</p>\
         <form id=\"signup\" method=\"post\" action=\"/captcha?kind={kind}\">\
         <label for=\"name\">Your name</label><input id=\"name\" name=\"name\" autocomplete=\"name\" required>\
         <div class=\"ocapi\" data-sitekey=\"{SITE}\" data-kind=\"{kind}\" data-action=\"signup\" \
         data-worker=\"/assets/ocapi-worker.js\"></div>\
         <button id=\"submit\" type=\"submit\">Sign up</button></form>"
    )
}

async fn form_page(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    Ok(widget_page(
        &demo.captcha,
        "Captcha demo: sign up",
        &signup_form(kind_of(&request)),
    ))
}

/// Checks the challenge id the form carried the way a partner backend does: a fresh HS512 JWT
/// per check, `iss` the site, `sub` the challenge, a random `jti`, one minute of life.
async fn partner_check(
    captcha: &DemoCaptcha,
    challenge: &str,
) -> anyhow::Result<(u16, serde_json::Value)> {
    let key = SigningKey::Hmac(HmacKey::hs512(captcha.secret.as_bytes())?);
    let now = now();
    let mut claims = Claims::new(UnixTime(now + 60));
    claims.iss = Some(SITE.into());
    claims.sub = Some(challenge.to_owned());
    claims.iat = Some(UnixTime(now));
    claims.jti = Some(random_token(&mut rand_core::OsRng, 16));
    let token = key.sign(&claims)?;
    let url = format!(
        "{}/v1/sites/{SITE}/challenges/{}",
        captcha.base,
        percent_encode(challenge)
    );
    call("GET", &url, Some(&format!("Bearer {token}")), None).await
}

/// Encodes a path segment: anything but unreserved characters becomes `%XX`.
fn percent_encode(text: &str) -> String {
    use std::fmt::Write as _;
    text.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
        out
    })
}

async fn submit(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let captcha = &demo.captcha;
    let form = request.form()?;
    let name = field(&form, "name");
    let challenge = field(&form, "ocapi-response");
    let kind = kind_of(&request);
    let (body, accepted) = if challenge.is_empty() {
        (
            "<p class=\"error\" id=\"status\">Rejected: solve the captcha first.</p>".to_owned(),
            false,
        )
    } else {
        let (status, answer) = partner_check(captcha, &challenge)
            .await
            .map_err(|e| unavailable("captcha", &e))?;
        let state = answer["state"].as_str().unwrap_or_default();
        if status == 200 && state == "valid" {
            (
                format!(
                    "<p class=\"ok\" id=\"status\">Accepted: welcome, {}! The captcha server reported the challenge valid (action {}, from {}).</p>",
                    escape(&name),
                    escape(answer["action"].as_str().unwrap_or("-")),
                    escape(answer["hostname"].as_str().unwrap_or("-")),
                ),
                true,
            )
        } else {
            let why = if status == 200 {
                format!("the challenge is {state}")
            } else {
                answer["error"]["message"]
                    .as_str()
                    .unwrap_or("the check failed")
                    .to_owned()
            };
            (
                format!(
                    "<p class=\"error\" id=\"status\">Rejected: {}.</p>",
                    escape(&why)
                ),
                false,
            )
        }
    };
    let mut response = widget_page(
        captcha,
        "Captcha demo: result",
        &format!("{body}{}", signup_form(kind)),
    );
    if !accepted {
        *response.status_mut() = StatusCode::FORBIDDEN;
    }
    Ok(response)
}
