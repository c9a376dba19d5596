//! The approver app at `/device`: enrolment, the customer's pending requests, and decisions
//! signed by the device key.
//!
//! A customer enrols a browser once, from a link mailed to them (`/device/api/enrol/start`)
//! or one their partner shows them as a QR code (`GetEnrolmentLink`). The browser makes an
//! ECDSA P-256 key pair with `WebCrypto`, keeps the private key non-extractable in `IndexedDB`,
//! and registers the public key (`/device/api/enrol/finish`). Every later call carries
//!
//! ```text
//! Authorization: Device <device id>.<unix seconds>.<signature>
//! ```
//!
//! where the signature (base64url, IEEE P1363) covers `"<METHOD> <path>\n<unix seconds>\n"`
//! followed by the body, and the time is within five minutes of the server's.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::Deserialize;
use watchword_approval::{Answer, Decision, Flow, KeyRole, Method, RequestType, State};
use watchword_http::header::{HeaderName, HeaderValue};
use watchword_http::records::{self, Change};
use watchword_http::{
    check_in_order, html, json, ok, ApiError, RateLimit, Request, Response, StatusCode,
};
use watchword_mail::{escape_html, Mail};
use watchword_token::UnixTime;

use crate::api::{partner, refused};
use crate::params::Params;
use crate::records::{
    attachment_key, device_key, drop_pending, enrol_key, load, pending, tx_key, unknown_device,
    unknown_transaction, Attachment, Device, Enrolment, Record, DEVICE_SECS,
};
use crate::{Approval, SURFACE};

/// The longest a device's request for pending requests waits, in seconds.
pub const LONG_POLL_SECS: u64 = 25;
/// How long an enrolment link works, in seconds.
pub const ENROL_SECS: u64 = 15 * 60;
/// How far a device's clock may be from the server's, in seconds.
const CLOCK_SKEW_SECS: u64 = 300;

const ENROL_PER_MAIL: RateLimit = RateLimit::per_minute("enrol-mail", 3);
const ENROL_PER_NETWORK: RateLimit = RateLimit::per_minute("enrol-network", 10);
const DEVICE_PER_NETWORK: RateLimit = RateLimit::per_minute("device-network", 600);

/// `GET /device`: the approver app.
///
/// # Errors
/// None in practice.
pub async fn app_page(state: Arc<Approval>, _: Request) -> Result<Response, ApiError> {
    let asset = |name: &str| {
        state
            .assets
            .get(name)
            .map(|a| (a.versioned_path(), a.sri().to_owned()))
            .unwrap_or_default()
    };
    let (js, js_sri) = asset("device.js");
    let (css, css_sri) = asset("device.css");
    let mut response = html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Watchword approvals</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"{css}\" integrity=\"{css_sri}\">\
         <script src=\"{js}\" integrity=\"{js_sri}\" defer></script></head>\
         <body><main><h1>Approvals</h1><p id=\"status\" role=\"status\" aria-live=\"polite\">Loading…</p>\
         <form id=\"enrol\" hidden><label for=\"mail\">Your email address</label>\
         <input id=\"mail\" name=\"UserMail\" type=\"email\" autocomplete=\"email\" required>\
         <button type=\"submit\">Send me an enrolment link</button></form>\
         <section id=\"requests\" aria-label=\"Requests waiting for you\"></section></main></body></html>"
    ));
    response.headers_mut().insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
             img-src 'self' data: blob:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response.headers_mut().insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

/// Creates an enrolment code for `user_mail` (vouched for by `partner`, or proven by mail);
/// the link that redeems it.
async fn new_enrolment(
    state: &Approval,
    user_mail: &str,
    partner: Option<&str>,
) -> Result<(String, UnixTime), ApiError> {
    let code = watchword_http::clients::random_token(&mut state.rng.clone(), 16);
    let enrolment = Enrolment {
        user_mail: user_mail.to_owned(),
        partner: partner.map(str::to_owned),
    };
    state
        .store
        .put(
            &enrol_key(&code)?,
            &records::encode(&enrolment)?,
            Duration::from_secs(ENROL_SECS),
        )
        .await?;
    let url = format!("{}/device#enrol={code}", state.config.public_url);
    Ok((url, state.now().plus(ENROL_SECS)))
}

/// `POST /device/api/enrol/start` (`UserMail`): mails an enrolment link. The answer is the
/// same for every address, so it tells nobody which addresses are customers.
///
/// # Errors
/// `400` for an address that is not one, `429`, `503 mail_unavailable` when the mail server
/// refuses.
pub async fn enrol_start(state: Arc<Approval>, request: Request) -> Result<Response, ApiError> {
    let params = Params::read(&request)?;
    let user_mail = watchword_approval::normalize_email(params.required("UserMail")?)
        .map_err(|e| refused(&e))?;
    check_in_order(
        state.store.as_ref(),
        SURFACE,
        &[
            (&ENROL_PER_NETWORK, &request.client_network()),
            (&ENROL_PER_MAIL, &user_mail),
        ],
    )
    .await?;
    let (url, _) = new_enrolment(&state, &user_mail, None).await?;
    let mail = Mail {
        to: user_mail.clone(),
        subject: "Enrol this device for approvals".into(),
        text: format!(
            "Open this link on the phone that should approve your requests:\n\n{url}\n\n\
             It works once, for 15 minutes. If you did not ask for it, ignore this message."
        ),
        html: format!(
            "<p>Open this link on the phone that should approve your requests:</p>\
             <p><a href=\"{0}\">{0}</a></p><p>It works once, for 15 minutes. If you did not ask for it, ignore this message.</p>",
            escape_html(&url)
        ),
    };
    state.mailer.send(mail).await.map_err(|error| {
        tracing::warn!(%error, "enrolment mail");
        ApiError::unavailable("the mail server did not take the message; try again later")
            .with_code("mail_unavailable")
    })?;
    Ok(json(
        StatusCode::ACCEPTED,
        &serde_json::json!({ "sent": true, "message": "if the address can be enrolled, a link is on its way" }),
    ))
}

/// `GetEnrolmentLink` (`SRV-` key, `UserMail`): an enrolment link for a customer the partner
/// has signed in, to show as a QR code.
pub(crate) async fn enrolment_link(
    state: &Approval,
    request: &Request,
    params: &Params,
) -> Result<Response, ApiError> {
    let partner = partner(state, request, params, KeyRole::Server).await?;
    let user_mail = watchword_approval::normalize_email(params.required("UserMail")?)
        .map_err(|e| refused(&e))?;
    ENROL_PER_MAIL
        .check(state.store.as_ref(), SURFACE, &user_mail)
        .await?;
    // The partner vouches for its signed-in customer: the device answers its requests only.
    let (url, expires_at) = new_enrolment(state, &user_mail, Some(&partner.id)).await?;
    Ok(ok(&serde_json::json!({
        "EnrolmentURL": url,
        "EnrolmentQR": qr_svg(&url)?,
        "ExpiresAt": expires_at,
    })))
}

/// `url` as a QR code, an SVG image the partner shows the signed-in customer to scan.
fn qr_svg(url: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|error| {
        tracing::error!(%error, "an enrolment link does not fit a QR code");
        ApiError::internal()
    })?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicJwk {
    kty: String,
    crv: String,
    x: String,
    y: String,
    #[serde(default)]
    #[allow(dead_code)]
    ext: Option<bool>,
    #[serde(default)]
    #[allow(dead_code)]
    key_ops: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrolFinish {
    code: String,
    public_key: PublicJwk,
}

/// The uncompressed point of a P-256 public JWK.
fn point(jwk: &PublicJwk) -> Result<Vec<u8>, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "invalid_public_key",
            "public_key must be a P-256 public JWK (kty EC, crv P-256, x, y)",
        )
    };
    if jwk.kty != "EC" || jwk.crv != "P-256" {
        return Err(bad());
    }
    let x = URL_SAFE_NO_PAD.decode(&jwk.x).map_err(|_| bad())?;
    let y = URL_SAFE_NO_PAD.decode(&jwk.y).map_err(|_| bad())?;
    if x.len() != 32 || y.len() != 32 {
        return Err(bad());
    }
    Ok([&[4u8][..], &x, &y].concat())
}

/// `POST /device/api/enrol/finish` (`code`, `public_key`): redeems an enrolment code once and
/// registers the device key.
///
/// # Errors
/// `400 invalid_enrolment_code` for a code that is unknown, used or expired,
/// `400 invalid_public_key`.
pub async fn enrol_finish(state: Arc<Approval>, request: Request) -> Result<Response, ApiError> {
    let body: EnrolFinish = request.json()?;
    let public_key = point(&body.public_key)?;
    ENROL_PER_NETWORK
        .check(state.store.as_ref(), SURFACE, &request.client_network())
        .await?;
    if body.code.len() > 64 {
        return Err(invalid_code());
    }
    let enrolment = state
        .store
        .take(&enrol_key(&body.code)?)
        .await?
        .ok_or_else(invalid_code)?;
    let Enrolment { user_mail, partner } = records::decode(&enrolment, "enrolment")?;
    let id = watchword_http::clients::random_token(&mut state.rng.clone(), 16);
    let device = Device {
        user_mail: user_mail.clone(),
        public_key: URL_SAFE_NO_PAD.encode(public_key),
        partner,
        enrolled_at: state.now(),
    };
    state
        .store
        .put(
            &device_key(&id)?,
            &records::encode(&device)?,
            Duration::from_secs(DEVICE_SECS),
        )
        .await?;
    state.metrics.inc(
        "watchword_approval_devices_enrolled_total",
        "Devices enrolled.",
        &[],
    );
    Ok(json(
        StatusCode::CREATED,
        &serde_json::json!({ "device_id": id, "user_mail": user_mail }),
    ))
}

fn invalid_code() -> ApiError {
    ApiError::bad_request(
        "invalid_enrolment_code",
        "this enrolment link is unknown, used or expired; ask for a new one",
    )
}

/// The enrolled device a request comes from, its signature checked.
async fn device(state: &Approval, request: &Request) -> Result<(String, Device), ApiError> {
    let refused = |code: &'static str, message: &str| {
        ApiError::unauthorized(message.to_owned()).with_code(code)
    };
    let header = request
        .header("authorization")
        .and_then(|v| v.trim().strip_prefix("Device "))
        .ok_or_else(|| {
            refused(
                "missing_device_signature",
                "sign the request with the device key (Authorization: Device …)",
            )
        })?;
    let mut parts = header.trim().splitn(3, '.');
    let (Some(id), Some(time), Some(signature)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(refused(
            "malformed_device_signature",
            "Authorization: Device <id>.<unix seconds>.<signature>",
        ));
    };
    let time: u64 = time
        .parse()
        .map_err(|_| refused("malformed_device_signature", "the time is not a number"))?;
    if state.now().0.abs_diff(time) > CLOCK_SKEW_SECS {
        return Err(refused(
            "stale_device_signature",
            "the device clock is more than five minutes off, or the request is old",
        ));
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| {
        refused(
            "malformed_device_signature",
            "the signature is not base64url",
        )
    })?;
    DEVICE_PER_NETWORK
        .check(state.store.as_ref(), SURFACE, &request.client_network())
        .await?;
    let bytes = state
        .store
        .get(&device_key(id)?)
        .await?
        .ok_or_else(unknown_device)?;
    let device: Device = records::decode(&bytes, "device")?;
    let public_key = URL_SAFE_NO_PAD
        .decode(&device.public_key)
        .map_err(|_| ApiError::internal())?;
    let mut message =
        format!("{} {}\n{time}\n", request.method(), request.uri().path()).into_bytes();
    message.extend_from_slice(request.body());
    verify(&public_key, &message, &signature)
        .then_some(())
        .ok_or_else(|| {
            refused(
                "bad_device_signature",
                "the device signature does not verify",
            )
        })?;
    Ok((id.to_owned(), device))
}

/// Whether `signature` (IEEE P1363) is the device key's over `message`.
fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, public_key)
        .verify(message, signature)
        .is_ok()
}

/// What a request shows the customer.
async fn shown(
    state: &Approval,
    storage: &str,
    record: &Record,
) -> Result<serde_json::Value, ApiError> {
    let tx = &record.tx;
    let partner = state.partners.get(state.store.as_ref(), tx.owner()).await?;
    // A server-only request has no page showing a number: the phone shows where it came from.
    let choices = (tx.flow() != Flow::ServerOnly).then(|| record.choices.clone());
    let takes = match tx.request_type() {
        RequestType::FileScanImage => Some("photo"),
        RequestType::FileScanDocument => Some("scan"),
        RequestType::SignDocument => Some("signature"),
        _ => None,
    };
    Ok(serde_json::json!({
        "ref": storage,
        "partner": partner.map_or_else(|| tx.owner().to_owned(), |p| p.name),
        "message": tx.message(),
        "request_type": tx.request_type(),
        "request_name": tx.request_type().name(),
        "requester": tx.requester(),
        "created_at": tx.created_at(),
        "expires_at": tx.expires_at(),
        "choices": choices,
        "takes": takes,
    }))
}

/// `GET /device/api/pending?wait=N&known=a,b`: the customer's requests waiting for an answer.
/// It waits up to `N` seconds (at most 25) for the list to differ from the requests the app
/// already shows (`known`, their `ref`s). A read: it changes nothing.
///
/// # Errors
/// `401` for a missing or bad device signature.
pub async fn pending_requests(
    state: Arc<Approval>,
    request: Request,
) -> Result<Response, ApiError> {
    let (_, device) = device(&state, &request).await?;
    let wait = request
        .query("wait")
        .map_or(Ok(0), |w| w.parse::<u64>())
        .map_err(|_| ApiError::bad_request("invalid_field", "wait must be a number of seconds"))?
        .min(LONG_POLL_SECS);
    let mut known: Vec<String> = request
        .query("known")
        .unwrap_or_default()
        .split(',')
        .filter(|r| !r.is_empty())
        .take(100)
        .map(str::to_owned)
        .collect();
    known.sort_unstable();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    loop {
        let now = state.now();
        let mut shown_requests = Vec::new();
        for storage in pending(state.store.as_ref(), &device.user_mail, now).await? {
            let Some(record) = load(state.store.as_ref(), &storage).await? else {
                continue;
            };
            if record.tx.state() == &State::Pending
                && record.tx.is_live(now)
                && record.asks_phone()
                && device.answers_for(record.tx.owner())
            {
                shown_requests.push(shown(&state, &storage, &record).await?);
            }
        }
        let mut refs: Vec<&str> = shown_requests
            .iter()
            .filter_map(|r| r["ref"].as_str())
            .collect();
        refs.sort_unstable();
        if refs != known || tokio::time::Instant::now() >= deadline {
            return Ok(ok(
                &serde_json::json!({ "user_mail": device.user_mail, "requests": shown_requests }),
            ));
        }
        let next = tokio::time::Instant::now() + state.config.poll_interval;
        tokio::time::sleep_until(next.min(deadline)).await;
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decide {
    #[serde(rename = "ref")]
    reference: String,
    answer: String,
    #[serde(default)]
    number: Option<u8>,
    #[serde(default)]
    attachment: Option<Upload>,
    #[serde(default)]
    message_signature: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Upload {
    media_type: String,
    data: String,
}

/// The media types an attachment may have, with the bytes each starts with.
const MEDIA: [(&str, &[u8]); 3] = [
    ("image/jpeg", &[0xff, 0xd8, 0xff]),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/webp", b"RIFF"),
];

/// Checks an upload: a known image type whose bytes start as that type says, within the size
/// limit.
fn check_upload(upload: &Upload, max: usize) -> Result<Vec<u8>, ApiError> {
    let bad = |message: String| ApiError::bad_request("invalid_attachment", message);
    let Some((_, magic)) = MEDIA.iter().find(|(t, _)| *t == upload.media_type) else {
        return Err(bad(
            "the attachment must be image/jpeg, image/png or image/webp".into(),
        ));
    };
    let bytes = STANDARD
        .decode(upload.data.trim())
        .map_err(|_| bad("the attachment data is not base64".into()))?;
    if bytes.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "attachment_too_large",
            format!("the attachment is larger than {max} bytes"),
        ));
    }
    if !bytes.starts_with(magic) {
        return Err(bad(format!(
            "the attachment is not a {}",
            upload.media_type
        )));
    }
    Ok(bytes)
}

/// `POST /device/api/decide` (`ref`, `answer`: `approve` or `deny`, `number` picked, and for
/// photos, scans and signatures an `attachment`): the customer's answer, signed by the device.
///
/// # Errors
/// `401` for a bad device signature, `404 unknown_transaction`, `409 already_decided`,
/// `410 expired`, `403 wrong_approver`, `400 number_required | attachment_required |
/// invalid_attachment | signature_required`, `413 attachment_too_large`.
pub async fn decide(state: Arc<Approval>, request: Request) -> Result<Response, ApiError> {
    let (id, device) = device(&state, &request).await?;
    let body: Decide = request.json()?;
    let approve = match body.answer.as_str() {
        "approve" => true,
        "deny" => false,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_field",
                "answer must be approve or deny",
            ))
        }
    };
    if body.reference.len() != 64 || !body.reference.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unknown_transaction());
    }
    let store = state.store.as_ref();
    let storage = body.reference.clone();
    let current = load(store, &storage)
        .await?
        .ok_or_else(unknown_transaction)?;
    if !current
        .tx
        .user_mail()
        .eq_ignore_ascii_case(&device.user_mail)
        || !device.answers_for(current.tx.owner())
    {
        // Another customer's request, or another partner's for a partner's device: unknown.
        return Err(unknown_transaction());
    }
    let now = state.now();
    let attachment = if approve {
        attachment(&state, &current, &device, &body)?
    } else {
        None
    };
    let attachment_id =
        keep_attachment(&state, &storage, attachment.as_ref(), current.ttl(now)).await?;
    let decided = records::transact(
        store,
        &tx_key(&storage)?,
        "transaction",
        |record: Option<Record>| {
            let record = record.ok_or_else(unknown_transaction)?;
            let (next, outcome) = apply(
                &state,
                record,
                &device,
                approve,
                body.number,
                attachment_id.clone(),
                now,
            )?;
            let ttl = next.ttl(now);
            Ok((Change::Put(next, ttl), outcome))
        },
    )
    .await?;
    let (tx, token) = decided;
    if let Some(token) = &token {
        crate::records::index_token(store, token, &storage, tx.expires_at(), now).await?;
    }
    let mut finished = vec![storage.clone()];
    let (label, reason) = match tx.state() {
        State::Approved { .. } => ("approved", None),
        State::Denied { reason, .. } => {
            // One refusal withdraws every other request waiting for this customer.
            finished.extend(cancel_others(&state, &device.user_mail, &storage, now).await?);
            ("denied", Some(*reason))
        }
        State::Pending => ("pending", None),
    };
    drop_pending(store, &device.user_mail, &finished, now).await?;
    // A device in use stays enrolled.
    let _ = store
        .put(
            &device_key(&id)?,
            &records::encode(&device)?,
            Duration::from_secs(DEVICE_SECS),
        )
        .await;
    state.metrics.inc(
        "watchword_approval_decisions_total",
        "Answers from the approver app, by outcome.",
        &[("state", label)],
    );
    Ok(ok(&serde_json::json!({ "state": label, "reason": reason })))
}

/// The phone's answer applied to `record`: the record to store, the transaction's new state
/// and, for an approved standard flow, the page's token.
fn apply(
    state: &Approval,
    record: Record,
    device: &Device,
    approve: bool,
    picked: Option<u8>,
    attachment: Option<String>,
    now: UnixTime,
) -> Result<(Record, (watchword_approval::Transaction, Option<String>)), ApiError> {
    if !record.asks_phone() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_for_phone",
            "this request is answered with a security key or a certificate on the partner's page",
        ));
    }
    // A server-only request has no page showing a number to match.
    let number = match (approve, record.tx.flow()) {
        (true, Flow::ServerOnly) => Some(record.tx.number()),
        _ => picked,
    };
    let decision = Decision {
        approver: device.user_mail.clone(),
        method: Method::Phone,
        answer: if approve {
            Answer::Approve { number }
        } else {
            Answer::Deny
        },
    };
    let decided = record
        .tx
        .clone()
        .decide(&decision, now, &mut state.rng.clone())
        .map_err(|e| refused(&e))?;
    let token = decided.token.map(|t| t.expose().to_owned());
    let next = Record {
        tx: decided.transaction.clone(),
        page_token: token.clone(),
        attachment,
        ..record
    };
    Ok((next, (decided.transaction, token)))
}

/// Stores an attachment under a name of its own, which only the decision that wins records:
/// an upload whose decision is refused is never handed over, and expires with the transaction.
async fn keep_attachment(
    state: &Approval,
    storage: &str,
    attachment: Option<&Attachment>,
    ttl: Duration,
) -> Result<Option<String>, ApiError> {
    let Some(attachment) = attachment else {
        return Ok(None);
    };
    let id = format!(
        "{storage}-{}",
        watchword_http::clients::random_token(&mut state.rng.clone(), 12)
    );
    state
        .store
        .put(&attachment_key(&id)?, &records::encode(attachment)?, ttl)
        .await?;
    Ok(Some(id))
}

/// What an approval of `record` carries: a photo or a scan, or a drawn signature with the
/// device key's signature over the message.
fn attachment(
    state: &Approval,
    record: &Record,
    device: &Device,
    body: &Decide,
) -> Result<Option<Attachment>, ApiError> {
    let kind = match record.tx.request_type() {
        RequestType::FileScanImage => "photo",
        RequestType::FileScanDocument => "scan",
        RequestType::SignDocument => "signature",
        _ => return Ok(None),
    };
    let upload = body.attachment.as_ref().ok_or_else(|| {
        ApiError::bad_request(
            "attachment_required",
            format!("this request needs a {kind}"),
        )
    })?;
    let bytes = check_upload(upload, state.config.max_upload_bytes)?;
    let mut attachment = Attachment {
        kind: kind.into(),
        media_type: upload.media_type.clone(),
        data: STANDARD.encode(bytes),
        message_signature: None,
        device_key: None,
    };
    if kind == "signature" {
        let signature = body
            .message_signature
            .as_deref()
            .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "signature_required",
                    "a document signature needs the device key's signature over the message",
                )
            })?;
        let public_key = URL_SAFE_NO_PAD
            .decode(&device.public_key)
            .map_err(|_| ApiError::internal())?;
        if !verify(&public_key, record.tx.message().as_bytes(), &signature) {
            return Err(ApiError::bad_request(
                "signature_required",
                "the device key's signature over the message does not verify",
            ));
        }
        attachment.message_signature = Some(URL_SAFE_NO_PAD.encode(signature));
        attachment.device_key = Some(serde_json::json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(&public_key[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&public_key[33..]),
        }));
    }
    Ok(Some(attachment))
}

/// Cancels the customer's other pending requests; the ids it cancelled.
async fn cancel_others(
    state: &Approval,
    user_mail: &str,
    except: &str,
    now: UnixTime,
) -> Result<Vec<String>, ApiError> {
    let mut cancelled = Vec::new();
    for storage in pending(state.store.as_ref(), user_mail, now).await? {
        if storage == except {
            continue;
        }
        records::transact(
            state.store.as_ref(),
            &tx_key(&storage)?,
            "transaction",
            |record: Option<Record>| {
                let Some(record) = record else {
                    return Ok((Change::Keep, ()));
                };
                let tx = record.tx.clone().cancel(now);
                if tx == record.tx {
                    return Ok((Change::Keep, ()));
                }
                let next = Record { tx, ..record };
                let ttl = next.ttl(now);
                Ok((Change::Put(next, ttl), ()))
            },
        )
        .await?;
        cancelled.push(storage);
    }
    Ok(cancelled)
}
