//! The public side: family statistics, the contact form, the `OpenAPI` document and the API
//! explorer page.

use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL};
use serde::Deserialize;
use watchword_http::RateLimit;
use watchword_http::{ok, with_type, ApiError, Request, Response, StatusCode};
use watchword_store::Key;

use crate::mail::{escape_html, Mail};
use crate::{AuthHost, SURFACE};

/// How long `/api/family-stats` answers from memory before it reads the store again.
pub const STATS_CACHE_SECS: u64 = 60;
/// The window sign-ins are counted over.
pub const SIGN_IN_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Contact messages per client network and hour.
pub const CONTACT_PER_NETWORK: RateLimit = RateLimit {
    name: "contact-network",
    limit: 5,
    window: Duration::from_secs(3600),
};
/// The longest contact message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 5000;

const METHODS: [&str; 3] = ["wallet", "email", "oauth"];

fn counter(name: &str) -> Result<Key, ApiError> {
    Key::new(SURFACE, "stats", name).map_err(|_| ApiError::internal())
}

impl AuthHost {
    /// Counts a sign-in by `method` (and an account, when it was created) for the family
    /// statistics.
    pub(crate) async fn count_sign_in(&self, method: &str, created: bool) {
        self.bump(&format!("sign-ins-{method}"), SIGN_IN_WINDOW)
            .await;
        if created {
            self.count_account().await;
        }
    }

    /// Counts a new account for the family statistics.
    pub(crate) async fn count_account(&self) {
        self.bump("accounts", watchword_store::MAX_TTL).await;
    }

    /// A store error is logged, not answered: statistics never fail a sign-in.
    async fn bump(&self, name: &str, window: Duration) {
        let result = match counter(name) {
            Ok(key) => self
                .store
                .incr_window(&key, window)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Err(_) => Err("bad counter key".to_owned()),
        };
        if let Err(error) = result {
            tracing::warn!(%error, counter = %name, "statistics counter");
        }
    }

    async fn read_counter(&self, name: &str) -> Result<u64, ApiError> {
        Ok(self
            .store
            .get(&counter(name)?)
            .await?
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| text.parse().ok())
            .unwrap_or(0))
    }
}

/// `GET /api/family-stats`: how many accounts the family has and how many sign-ins of each
/// kind the current 24-hour window saw. Cached for a minute; no per-user data.
pub async fn family_stats(state: Arc<AuthHost>, _: Request) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let fresh = state
        .stats
        .lock()
        .ok()
        .and_then(|c| c.clone())
        .filter(|(at, _)| now.0 < at.0 + STATS_CACHE_SECS)
        .map(|(_, body)| body);
    let answer = if let Some(body) = fresh {
        body
    } else {
        let mut sign_ins = serde_json::Map::new();
        for method in METHODS {
            let n = state.read_counter(&format!("sign-ins-{method}")).await?;
            sign_ins.insert(method.to_owned(), n.into());
        }
        let body = Arc::new(serde_json::json!({
            "ok": true,
            "accounts": state.read_counter("accounts").await?,
            "sign_ins_24h": sign_ins,
            "generated_at": now.0,
        }));
        if let Ok(mut cache) = state.stats.lock() {
            *cache = Some((now, body.clone()));
        }
        body
    };
    let mut response = ok(&*answer);
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    #[serde(default)]
    name: Option<String>,
    email: String,
    #[serde(default)]
    subject: Option<String>,
    message: String,
}

/// `POST /api/contact {name?, email, subject?, message}`: relays a message to the operator
/// over the host's SMTP server. Same-origin only (a page of the host itself), five an hour
/// per client network; `503 contact_off` without `--contact-to`.
pub async fn contact(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    if request.header("origin") != Some(state.settings.own_origin().as_str()) {
        return Err(ApiError::forbidden(
            "the contact form only takes posts from the host's own pages",
        )
        .with_code("origin_not_allowed"));
    }
    let Some(to) = state.settings.contact_to.clone() else {
        return Err(
            ApiError::unavailable("this host has no contact address").with_code("contact_off")
        );
    };
    let body: ContactBody = request.json()?;
    let email = crate::email::normalise(&body.email)?;
    let clean = |text: &str, max: usize| -> Result<String, ApiError> {
        let text = text.trim();
        if text.chars().count() > max
            || text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(ApiError::bad_request(
                "invalid_request",
                format!("a field is longer than {max} characters or holds control characters"),
            ));
        }
        Ok(text.to_owned())
    };
    let name = clean(body.name.as_deref().unwrap_or(""), 100)?.replace('\n', " ");
    let subject = clean(body.subject.as_deref().unwrap_or("Contact form"), 150)?.replace('\n', " ");
    let message = clean(&body.message, MAX_MESSAGE_CHARS)?;
    if message.is_empty() {
        return Err(ApiError::bad_request("invalid_request", "message is empty"));
    }
    CONTACT_PER_NETWORK
        .check(&*state.store, SURFACE, &request.client_network())
        .await?;
    let text = format!("From: {name} <{email}>\n\n{message}\n");
    let html = format!(
        "<p>From: {} &lt;{}&gt;</p><pre style=\"white-space:pre-wrap\">{}</pre>",
        escape_html(&name),
        escape_html(&email),
        escape_html(&message)
    );
    state
        .mailer
        .send(Mail {
            to,
            subject: format!("[contact] {subject}"),
            text,
            html,
        })
        .await
        .map_err(|error| {
            tracing::error!(%error, "relaying a contact message");
            ApiError::unavailable("the message could not be sent: try again later")
                .with_code("mail_unavailable")
        })?;
    Ok(ok(&serde_json::json!({"ok": true})))
}

/// `GET /api/openapi`: the `OpenAPI` 3.1 document, readable from any origin, cached five
/// minutes.
pub async fn openapi(_: Arc<AuthHost>, _: Request) -> Result<Response, ApiError> {
    let mut response = with_type(StatusCode::OK, "application/json", crate::OPENAPI);
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}

const EXPLORER_HTML: &str = include_str!("explorer.html");
const EXPLORER_JS: &str = include_str!("explorer.js");

/// `GET /api-explorer`: a page listing every operation of the document, with a form to try
/// each against this host.
pub async fn explorer(_: Arc<AuthHost>, _: Request) -> Result<Response, ApiError> {
    Ok(with_type(
        StatusCode::OK,
        "text/html; charset=utf-8",
        EXPLORER_HTML,
    ))
}

/// The explorer's script.
pub async fn explorer_script(_: Arc<AuthHost>, _: Request) -> Result<Response, ApiError> {
    let mut response = with_type(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        EXPLORER_JS,
    );
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}
