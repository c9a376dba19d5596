//! The partner's page: the snippet `GetHTML` returns, and the status it polls.
//!
//! The snippet is a `<div>` and a `<script>` loaded from this server with Subresource
//! Integrity. The script shows the number the customer must pick on the phone, asks
//! `/page/{transactionid}/status` until the customer answers, and on an approval writes the
//! single-use token (and the transaction id) into hidden fields of form `FormID` and submits
//! it; the partner's server then redeems the token with `VerifyToken`.

use std::sync::Arc;

use watchword_approval::{PageType, Transaction, TransactionId};
use watchword_http::{ok, ApiError, Request, Response};

use crate::api::{escape, state_label};
use crate::records::{load, unknown_transaction};
use crate::Approval;

/// The HTML `GetHTML` returns for transaction `id` on `page_type`, posting into `form`.
pub fn snippet(
    state: &Approval,
    id: &TransactionId,
    tx: &Transaction,
    page_type: PageType,
    form: &str,
) -> String {
    let base = &state.config.public_url;
    let (path, sri) = state
        .assets
        .get("approval.js")
        .map(|asset| (asset.versioned_path(), asset.sri().to_owned()))
        .unwrap_or_default();
    let prompt = match page_type {
        PageType::SecurityKeyValidation => {
            "<p>Confirm with your security key (or Windows Hello, Touch ID).</p>\
             <button type=\"button\" class=\"watchword-approval-key\">Use my security key</button>"
                .to_owned()
        }
        PageType::SecurityKeyRegistration => {
            "<p>Register a security key (or Windows Hello, Touch ID) for this site.</p>\
             <button type=\"button\" class=\"watchword-approval-key\">Register my security key</button>"
                .to_owned()
        }
        PageType::Certificate => {
            "<p>Confirm with your organisation's certificate.</p>\
             <button type=\"button\" class=\"watchword-approval-certificate\">Use my certificate</button>"
                .to_owned()
        }
        PageType::PhoneValidation => format!(
            "<p>Approve this request on your phone, and pick the number \
             <strong class=\"watchword-approval-number\">{}</strong>.</p>",
            tx.number()
        ),
    };
    format!(
        "<div class=\"watchword-approval\" data-watchword-approval=\"{id}\" role=\"status\" aria-live=\"polite\">{prompt}</div>\n\
         <script src=\"{base}{path}\" integrity=\"{sri}\" crossorigin=\"anonymous\" \
         data-base=\"{base}\" data-transaction=\"{id}\" data-form=\"{form}\" data-page-type=\"{page}\" data-number=\"{number}\" data-certificate=\"{certificate}\"></script>\n",
        id = escape(id.expose()),
        number = tx.number(),
        base = escape(base),
        path = escape(&path),
        sri = escape(&sri),
        form = escape(form),
        page = page_type.number(),
        certificate = escape(state.config.certificate_url.as_deref().unwrap_or_default()),
    )
}

/// `GET /page/{transactionid}/status`: the state of the transaction, and after an approval
/// the token to post, until it is redeemed. A read: it changes nothing.
///
/// # Errors
/// `404 unknown_transaction`.
pub async fn status(state: Arc<Approval>, request: Request) -> Result<Response, ApiError> {
    let id =
        TransactionId::parse(request.param("transactionid")?).map_err(|_| unknown_transaction())?;
    let record = load(state.store.as_ref(), &id.storage_key())
        .await?
        .ok_or_else(unknown_transaction)?;
    let now = state.now();
    let label = state_label(&record.tx, now);
    Ok(ok(&serde_json::json!({
        "state": label,
        "token": if label == "approved" { record.page_token } else { None },
        "number": record.tx.number(),
        "expires_at": record.tx.expires_at(),
    })))
}

/// Whether a page on `origin` may read the status of transaction `id`: an origin of the
/// partner that owns it.
///
/// # Errors
/// `503` when the store is down.
pub async fn allowed_origin(
    state: &Approval,
    id: Option<&str>,
    origin: &str,
) -> Result<bool, ApiError> {
    let Some(id) = id.and_then(|id| TransactionId::parse(id).ok()) else {
        return Ok(false);
    };
    let Some(record) = load(state.store.as_ref(), &id.storage_key()).await? else {
        return Ok(false);
    };
    let Some(partner) = state
        .partners
        .get(state.store.as_ref(), record.tx.owner())
        .await?
    else {
        return Ok(false);
    };
    Ok(partner.origins.iter().any(|o| o == origin))
}

/// Refuses a record whose page is not one of `pages` (`409 code`), or that can no longer be
/// answered (`410 expired`, `409 already_decided`): the checks of the routes a page answers
/// on.
///
/// # Errors
/// As above.
pub(crate) fn check_answerable(
    record: &crate::records::Record,
    pages: &[PageType],
    code: &'static str,
    message: &'static str,
    now: watchword_token::UnixTime,
) -> Result<(), ApiError> {
    if !record.page_type.is_some_and(|page| pages.contains(&page)) {
        return Err(ApiError::new(
            watchword_http::StatusCode::CONFLICT,
            code,
            message,
        ));
    }
    if !record.tx.is_live(now) {
        return Err(crate::api::refused(&watchword_approval::Error::Expired));
    }
    if record.tx.state() != &watchword_approval::State::Pending {
        return Err(crate::api::refused(
            &watchword_approval::Error::AlreadyDecided,
        ));
    }
    Ok(())
}

/// Approves `record` on the partner's page for `approver` with `method` (a security key or a
/// certificate: no number to match): the record to store, with the token the page picks up,
/// and that token.
///
/// # Errors
/// What the state machine refuses.
pub(crate) fn approve(
    state: &Approval,
    record: crate::records::Record,
    approver: String,
    method: watchword_approval::Method,
    now: watchword_token::UnixTime,
) -> Result<(crate::records::Record, Option<String>), ApiError> {
    let decision = watchword_approval::Decision {
        approver,
        method,
        answer: watchword_approval::Answer::Approve { number: None },
    };
    let decided = record
        .tx
        .clone()
        .decide(&decision, now, &mut state.rng.clone())
        .map_err(|e| crate::api::refused(&e))?;
    let token = decided.token.map(|t| t.expose().to_owned());
    let next = crate::records::Record {
        tx: decided.transaction,
        page_token: token.clone(),
        ceremony: None,
        ..record
    };
    Ok((next, token))
}

/// After an approval on the partner's page: the token indexed for `VerifyToken`, the
/// decision counted, and the page's answer.
///
/// # Errors
/// `503` when the store is down.
pub(crate) async fn approved(
    state: &Approval,
    storage: &str,
    token: Option<String>,
    expires_at: watchword_token::UnixTime,
    now: watchword_token::UnixTime,
) -> Result<Response, ApiError> {
    if let Some(token) = &token {
        crate::records::index_token(state.store.as_ref(), token, storage, expires_at, now).await?;
    }
    state.metrics.inc(
        "watchword_approval_decisions_total",
        "Answers from the approver app, by outcome.",
        &[("state", "approved")],
    );
    Ok(ok(
        &serde_json::json!({ "state": "approved", "token": token }),
    ))
}
