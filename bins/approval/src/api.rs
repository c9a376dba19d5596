//! The partner API: the OtpOne operations under `/api/{operation}`, on GET and POST, with the
//! operation name in any case.
//!
//! | operation | key | does |
//! |---|---|---|
//! | `getTransactionID` | `SRV-` | starts a transaction; the customer's phone is asked |
//! | `GetHTML` | `SRV-` | the snippet that runs the validation in the partner's page |
//! | `VerifyToken` | `SRV-` | redeems the page's token, once |
//! | `IsFinish` | `JS-` | whether the customer answered |
//! | `GetResult` | `JS-` | the answer, and the private token the first time |
//! | `SendRequest` | `SRV-` | starts a transaction and waits for the answer |
//! | `GetEnrolmentLink` | `SRV-` | a link (for a QR code) that enrols a phone for a signed-in customer |
//!
//! A `GET` that starts or redeems something needs its key in a header (or, in legacy mode,
//! the query string): no link, prefetcher or crawler sends one, so a `GET` never changes state
//! on its own. `HEAD` is refused on every operation.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use watchword_approval::{
    ApprovalToken, Flow, KeyRole, NewTransaction, Outcome, PageType, Reading, RequestType,
    Requester, Transaction, TransactionId,
};
use watchword_http::records::{self, Change};
use watchword_http::{
    check_in_order, html, ok, ApiError, RateLimit, Request, Response, StatusCode,
};
use watchword_token::UnixTime;

use crate::params::{self, Params};
use crate::partners::Partner;
use crate::records::{load, tx_key, unknown_transaction, Attachment, Record};
use crate::{Approval, SURFACE};

const START_PER_PARTNER: RateLimit = RateLimit::per_minute("start-partner", 1200);
const VERIFY_PER_PARTNER: RateLimit = RateLimit::per_minute("verify-partner", 2400);
const READ_PER_NETWORK: RateLimit = RateLimit::per_minute("read-network", 600);

/// The operations, as the product names them.
pub const OPERATIONS: [&str; 7] = [
    "getTransactionID",
    "GetHTML",
    "VerifyToken",
    "IsFinish",
    "GetResult",
    "SendRequest",
    "GetEnrolmentLink",
];

/// The routes of the operations, in the product's spelling.
pub const PATHS: [&str; 7] = [
    "/api/getTransactionID",
    "/api/GetHTML",
    "/api/VerifyToken",
    "/api/IsFinish",
    "/api/GetResult",
    "/api/SendRequest",
    "/api/GetEnrolmentLink",
];

/// `/api/<operation>`: dispatches on the operation name, in any case.
///
/// # Errors
/// `404 unknown_operation`, or what the operation answers.
pub async fn operation(state: Arc<Approval>, request: Request) -> Result<Response, ApiError> {
    let name = request
        .uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let params = Params::read(&request)?;
    let state = state.as_ref();
    match name.as_str() {
        "gettransactionid" => get_transaction_id(state, &request, &params).await,
        "gethtml" => get_html(state, &request, &params).await,
        "verifytoken" => verify_token(state, &request, &params).await,
        "isfinish" => is_finish(state, &request, &params).await,
        "getresult" => get_result(state, &request, &params).await,
        "sendrequest" => send_request(state, &request, &params).await,
        "getenrolmentlink" => crate::device::enrolment_link(state, &request, &params).await,
        _ => Err(ApiError::not_found(format!(
            "no operation {name:?}; the operations are {}",
            OPERATIONS.join(", ")
        ))
        .with_code("unknown_operation")),
    }
}

/// The partner calling with a key of `role`, checked against where the key came from and the
/// browser origin, if any.
///
/// # Errors
/// `401 missing_key | malformed_key | unknown_key`, `403 wrong_key` (a `JS-` key for a server
/// operation or the reverse), `400 key_in_query`, `403 origin_not_allowed` (a `JS-` key from
/// an origin not its partner's), `403 server_key_in_browser`.
pub(crate) async fn partner(
    state: &Approval,
    request: &Request,
    params: &Params,
    role: KeyRole,
) -> Result<Partner, ApiError> {
    let (key, source) = params::api_key(request, params)?;
    // Only IsFinish reads without changing anything; a GET of any other operation from a
    // link, a crawler or a prefetcher must not start, redeem or hand over anything.
    let reads_only = request.uri().path().eq_ignore_ascii_case("/api/IsFinish");
    if request.method() == watchword_http::Method::GET
        && source == params::Source::Query
        && !reads_only
        && !state.config.legacy_query_keys
    {
        return Err(ApiError::bad_request(
            "key_in_query",
            "a GET that changes state takes its key in a header (SrvAPIKey, JsAPIKey or \
             Authorization: Bearer), never in the query string, so no link can trigger it",
        ));
    }
    if key.role() != role {
        let wanted = match role {
            KeyRole::Server => "a server key (SRV-…)",
            KeyRole::Browser => "a browser key (JS-…)",
        };
        return Err(
            ApiError::forbidden(format!("this operation takes {wanted}")).with_code("wrong_key"),
        );
    }
    params::check_key_source(&key, source, state.config.legacy_query_keys)?;
    let partner = state
        .partners
        .find(state.store.as_ref(), &key)
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized("this API key is not registered").with_code("unknown_key")
        })?;
    if let Some(origin) = request.header("origin") {
        if role == KeyRole::Server {
            return Err(ApiError::forbidden(
                "a server key was sent from a browser page: it is now exposed; replace it and call from your server",
            )
            .with_code("server_key_in_browser"));
        }
        if !partner.origins.iter().any(|o| o == origin) {
            return Err(ApiError::forbidden(format!(
                "this key is not registered for origin {origin}"
            ))
            .with_code("origin_not_allowed"));
        }
    }
    Ok(partner)
}

/// Maps a refusal of the state machine to its answer.
pub(crate) fn refused(error: &watchword_approval::Error) -> ApiError {
    use watchword_approval::Error as E;
    let status = match error {
        E::MalformedKey => StatusCode::UNAUTHORIZED,
        E::Expired => StatusCode::GONE,
        E::AlreadyDecided => StatusCode::CONFLICT,
        E::WrongApprover => StatusCode::FORBIDDEN,
        E::NotYourTransaction => return unknown_transaction(),
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, error.code(), error.to_string())
}

/// A transaction id parameter.
fn transaction_id(params: &Params) -> Result<TransactionId, ApiError> {
    TransactionId::parse(params.required("transactionid")?).map_err(|e| refused(&e))
}

fn request_type(params: &Params) -> Result<RequestType, ApiError> {
    params
        .required("requestype")?
        .parse()
        .map_err(|e| refused(&e))
}

/// Where a request came from, as the partner reports it; an address becomes its network (a
/// /24 or a /48: enough for the customer to recognise, never the full address).
fn requester(params: &Params) -> Result<Requester, ApiError> {
    let network = match params
        .get("userIP")
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(text) => {
            // A proxy's list: the first address is the client's.
            let first = text.split(',').next().unwrap_or_default().trim();
            let ip: std::net::IpAddr = first.parse().map_err(|_| {
                ApiError::bad_request("invalid_field", "userIP must be an IPv4 or IPv6 address")
            })?;
            watchword_http::Prefixes { v4: 24, v6: 48 }.network(ip)
        }
        None => String::new(),
    };
    Ok(Requester {
        network,
        os: params.get("OSType").unwrap_or_default().trim().to_owned(),
        app: params
            .get("NavigatorOrAPPName")
            .unwrap_or_default()
            .trim()
            .to_owned(),
    })
}

/// Starts a transaction for `partner`: limits, the record, the customer's pending list.
pub(crate) async fn start(
    state: &Approval,
    partner: &Partner,
    new: NewTransaction,
) -> Result<(TransactionId, Transaction), ApiError> {
    let store = state.store.as_ref();
    let user_mail = new.check().map_err(|e| refused(&e))?;
    let prompts = RateLimit {
        name: "prompts-customer",
        limit: state.config.prompts_per_minute,
        window: Duration::from_secs(60),
    };
    // Per partner and customer: one partner's prompts do not use up what others may ask.
    let customer = format!("{}\n{user_mail}", partner.id);
    check_in_order(
        store,
        SURFACE,
        &[(&prompts, &customer), (&START_PER_PARTNER, &partner.id)],
    )
    .await?;
    let now = state.now();
    let mut rng = state.rng.clone();
    let (id, tx) = Transaction::start(new, now, &mut rng).map_err(|e| refused(&e))?;
    let storage = id.storage_key();
    let record = Record {
        choices: tx.choices(&mut rng).to_vec(),
        tx: tx.clone(),
        page_type: None,
        page_token: None,
        attachment: None,
        ceremony: None,
    };
    let key = tx_key(&storage)?;
    let created = store
        .compare_and_swap(
            &key,
            None,
            Some((&records::encode(&record)?, record.ttl(now))),
        )
        .await?;
    if !matches!(created, watchword_store::CasOutcome::Swapped { .. }) {
        // With 128-bit ids from the OS generator this does not happen.
        return Err(records::contention("transaction"));
    }
    let add = || {
        crate::records::add_pending(
            store,
            tx.user_mail(),
            &partner.id,
            &storage,
            tx.expires_at(),
            state.config.max_pending,
            now,
        )
    };
    let mut added = add().await;
    // At the limit, entries left behind by decisions that met an outage may be what fills it.
    if matches!(&added, Err(error) if error.code() == "too_many_pending") {
        match crate::records::prune_pending(store, tx.user_mail(), now).await {
            Ok(0) => {}
            Ok(_) => added = add().await,
            Err(error) => added = Err(error),
        }
    }
    if let Err(error) = added {
        let _ = store.delete(&key).await;
        return Err(error);
    }
    state.metrics.inc(
        "watchword_approval_transactions_started_total",
        "Transactions started, by flow.",
        &[("flow", flow_label(tx.flow()))],
    );
    Ok((id, tx))
}

fn flow_label(flow: Flow) -> &'static str {
    match flow {
        Flow::Standard => "standard",
        Flow::Distributed => "distributed",
        Flow::ServerOnly => "server_only",
    }
}

fn new_transaction(
    partner: &Partner,
    params: &Params,
    flow: Flow,
    lifetime_secs: u64,
) -> Result<NewTransaction, ApiError> {
    Ok(NewTransaction {
        owner: partner.id.clone(),
        user_mail: params.required("UserMail")?.to_owned(),
        request_type: request_type(params)?,
        message: params.required("Message")?.to_owned(),
        private_token: params
            .get("privateToken")
            .map(str::to_owned)
            .filter(|t| !t.is_empty()),
        flow,
        requester: requester(params)?,
        lifetime_secs,
    })
}

async fn get_transaction_id(
    state: &Approval,
    request: &Request,
    params: &Params,
) -> Result<Response, ApiError> {
    let partner = partner(state, request, params, KeyRole::Server).await?;
    let has_private = params.get("privateToken").is_some_and(|t| !t.is_empty());
    let flow = match params.get("flow").map(str::trim) {
        None | Some("") if has_private => Flow::Distributed,
        None | Some("") => Flow::Standard,
        Some(f) if f.eq_ignore_ascii_case("standard") => Flow::Standard,
        Some(f) if f.eq_ignore_ascii_case("distributed") => Flow::Distributed,
        Some(_) => {
            return Err(ApiError::bad_request(
                "unknown_value",
                "flow must be standard or distributed",
            ))
        }
    };
    let new = new_transaction(&partner, params, flow, state.config.lifetime_secs)?;
    let (id, tx) = start(state, &partner, new).await?;
    Ok(ok(&serde_json::json!({
        "TransactionID": id.expose(),
        "Number": tx.number(),
        "ExpiresAt": tx.expires_at(),
        "Flow": flow_label(flow),
    })))
}

/// A form id the snippet may name: an HTML id of letters, digits, `-`, `_`, `:` and `.`.
fn form_id(params: &Params) -> Result<String, ApiError> {
    let id = params.required("FormID")?.trim();
    let fine = id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_:.".contains(&b));
    if !fine {
        return Err(ApiError::bad_request(
            "invalid_field",
            "FormID must be an HTML id: a letter, then up to 63 letters, digits, -, _, : or .",
        ));
    }
    Ok(id.to_owned())
}

async fn get_html(
    state: &Approval,
    request: &Request,
    params: &Params,
) -> Result<Response, ApiError> {
    let partner = partner(state, request, params, KeyRole::Server).await?;
    let id = transaction_id(params)?;
    let page_type: PageType = params
        .required("pageType")?
        .parse()
        .map_err(|e| refused(&e))?;
    let form = form_id(params)?;
    if page_type == PageType::Certificate && state.config.certificate_url.is_none() {
        return Err(ApiError::bad_request(
            "page_type_unavailable",
            "pageType 3 (Certificate) needs the server's certificate listener \
             (--certificate-listen); this server has none",
        ));
    }
    let storage = id.storage_key();
    let now = state.now();
    let tx = records::transact(
        state.store.as_ref(),
        &tx_key(&storage)?,
        "transaction",
        |record: Option<Record>| {
            let mut record = record
                .filter(|r| r.tx.owner() == partner.id)
                .ok_or_else(unknown_transaction)?;
            if !record.tx.is_live(now) {
                return Err(refused(&watchword_approval::Error::Expired));
            }
            if !page_type.carries(record.tx.request_type()) {
                return Err(ApiError::bad_request(
                    "page_cannot_carry",
                    format!(
                        "pageType {page_type} cannot carry requestype {}: photos, scans and \
                         signatures come from the phone",
                        record.tx.request_type()
                    ),
                ));
            }
            match record.page_type {
                Some(chosen) if chosen == page_type => return Ok((Change::Keep, record.tx)),
                Some(chosen) => {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "page_type_chosen",
                        format!("this transaction runs pageType {chosen} already"),
                    ))
                }
                None => {}
            }
            // The page carries the answer now: a token to the page, whatever the start said.
            record.page_type = Some(page_type);
            record.tx = record.tx.for_page();
            let ttl = record.ttl(now);
            let tx = record.tx.clone();
            Ok((Change::Put(record, ttl), tx))
        },
    )
    .await?;
    Ok(html(crate::page::snippet(
        state, &id, &tx, page_type, &form,
    )))
}

/// The answer of `VerifyToken`, `GetResult` and `SendRequest`.
fn answer(
    tx: &Transaction,
    id: Option<&str>,
    outcome: &Outcome,
    attachment: Option<Attachment>,
) -> serde_json::Value {
    let mut body = serde_json::json!({
        "isValid": outcome.is_valid,
        "UserValided": outcome.user_valided,
        "privateToken": outcome.private_token,
        "Message": outcome.message,
        "isFinish": true,
        "RequestType": tx.request_type(),
        "UserMail": tx.user_mail(),
    });
    if let Some(id) = id {
        body["TransactionID"] = id.into();
    }
    if let Some(attachment) = attachment {
        body["Attachment"] = serde_json::json!({
            "Kind": attachment.kind,
            "MediaType": attachment.media_type,
            "Data": attachment.data,
            "MessageSignature": attachment.message_signature,
            "DeviceKey": attachment.device_key,
        });
    }
    body
}

/// A refusal answered the product's way: `200` with `isValid: false`, a message and a code.
fn not_valid(message: &str, code: &str) -> Response {
    ok(&serde_json::json!({
        "isValid": false,
        "UserValided": "",
        "privateToken": null,
        "Message": message,
        "code": code,
    }))
}

/// Hands attachment `id` over (its record already forgot it, so this happens once).
async fn take_attachment(
    state: &Approval,
    id: Option<String>,
) -> Result<Option<Attachment>, ApiError> {
    let Some(id) = id else {
        return Ok(None);
    };
    match state
        .store
        .take(&crate::records::attachment_key(&id)?)
        .await?
    {
        Some(bytes) => records::decode(&bytes, "attachment").map(Some),
        None => Ok(None),
    }
}

async fn verify_token(
    state: &Approval,
    request: &Request,
    params: &Params,
) -> Result<Response, ApiError> {
    let partner = partner(state, request, params, KeyRole::Server).await?;
    VERIFY_PER_PARTNER
        .check(state.store.as_ref(), SURFACE, &partner.id)
        .await?;
    let token = params.required("token")?.trim().to_owned();
    let store = state.store.as_ref();
    let unknown = || {
        not_valid(
            "the token is not valid (unknown, redeemed, or its request was not approved)",
            "invalid_token",
        )
    };
    if token.len() > 64 {
        return Ok(unknown());
    }
    let Some(storage) = store
        .get(&crate::records::token_key(&ApprovalToken::lookup(&token))?)
        .await?
    else {
        return Ok(unknown());
    };
    let storage = String::from_utf8(storage).map_err(|_| ApiError::internal())?;
    if let Some(id) = params.get("transactionid").filter(|t| !t.trim().is_empty()) {
        let id = TransactionId::parse(id).map_err(|e| refused(&e))?;
        if id.storage_key() != storage {
            return Ok(unknown());
        }
    }
    let expected = match params.get("UserMail").filter(|m| !m.trim().is_empty()) {
        Some(mail) => Some(watchword_approval::normalize_email(mail).map_err(|e| refused(&e))?),
        None => None,
    };
    let now = state.now();
    let result = records::transact(
        store,
        &tx_key(&storage)?,
        "transaction",
        |record: Option<Record>| {
            let Some(record) = record else {
                return Ok((Change::Keep, Err(watchword_approval::Error::InvalidToken)));
            };
            // The token first: only a caller holding this partner's live, unredeemed token learns
            // anything about whose it is.
            let (tx, outcome) = match record.tx.clone().verify_token(&partner.id, &token, now) {
                Ok(verified) => verified,
                Err(error) => return Ok((Change::Keep, Err(error))),
            };
            if expected
                .as_deref()
                .is_some_and(|mail| mail != outcome.user_valided)
            {
                return Ok((Change::Keep, Err(watchword_approval::Error::WrongApprover)));
            }
            let attachment = record.attachment.clone();
            let next = Record {
                tx: tx.clone(),
                page_token: None,
                attachment: None,
                ..record
            };
            let ttl = next.ttl(now);
            Ok((Change::Put(next, ttl), Ok((tx, outcome, attachment))))
        },
    )
    .await?;
    state.metrics.inc(
        "watchword_approval_verifications_total",
        "VerifyToken answers, by validity.",
        &[("valid", if result.is_ok() { "true" } else { "false" })],
    );
    match result {
        Ok((tx, outcome, attachment)) => {
            let attachment = take_attachment(state, attachment).await?;
            Ok(ok(&answer(&tx, None, &outcome, attachment)))
        }
        Err(watchword_approval::Error::WrongApprover) => Ok(not_valid(
            "the customer who approved is not UserMail",
            "wrong_approver",
        )),
        Err(watchword_approval::Error::Expired) => {
            Ok(not_valid("the transaction expired", "expired"))
        }
        Err(_) => Ok(unknown()),
    }
}

/// The record of the transaction a `JS-` (or server) call names, if it is the partner's.
async fn owned(
    state: &Approval,
    partner: &Partner,
    params: &Params,
) -> Result<(TransactionId, Record), ApiError> {
    let id = transaction_id(params)?;
    let record = load(state.store.as_ref(), &id.storage_key())
        .await?
        .filter(|r| r.tx.owner() == partner.id)
        .ok_or_else(unknown_transaction)?;
    Ok((id, record))
}

/// A `JS-` key's call about a transaction: its partner, within the network's read limit, and
/// the transaction, which must be the partner's.
async fn client_call(
    state: &Approval,
    request: &Request,
    params: &Params,
) -> Result<(Partner, TransactionId, Record), ApiError> {
    let partner = partner(state, request, params, KeyRole::Browser).await?;
    READ_PER_NETWORK
        .check(state.store.as_ref(), SURFACE, &request.client_network())
        .await?;
    let (id, record) = owned(state, &partner, params).await?;
    Ok((partner, id, record))
}

async fn is_finish(
    state: &Approval,
    request: &Request,
    params: &Params,
) -> Result<Response, ApiError> {
    let (_, _, record) = client_call(state, request, params).await?;
    let now = state.now();
    Ok(ok(&serde_json::json!({
        "isFinish": record.tx.is_finished(now),
        "State": state_label(&record.tx, now),
    })))
}

/// `pending`, `approved`, `denied` or `expired`.
pub(crate) fn state_label(tx: &Transaction, now: UnixTime) -> &'static str {
    match tx.state() {
        watchword_approval::State::Approved { .. } if tx.is_live(now) => "approved",
        watchword_approval::State::Denied { .. } => "denied",
        _ if !tx.is_live(now) => "expired",
        _ => "pending",
    }
}

async fn get_result(
    state: &Approval,
    request: &Request,
    params: &Params,
) -> Result<Response, ApiError> {
    let (partner, id, record) = client_call(state, request, params).await?;
    if record.tx.flow() == Flow::Standard {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "standard_flow",
            "this transaction's answer reaches the partner's page as a single-use token: redeem it \
             with VerifyToken on the partner's server",
        ));
    }
    read_result(state, &partner, &id).await
}

/// Reads the result of `id` for `partner`, handing the private token and the attachment over
/// the first time.
async fn read_result(
    state: &Approval,
    partner: &Partner,
    id: &TransactionId,
) -> Result<Response, ApiError> {
    let storage = id.storage_key();
    let now = state.now();
    let reading = records::transact(
        state.store.as_ref(),
        &tx_key(&storage)?,
        "transaction",
        |record: Option<Record>| {
            let record = record.ok_or_else(unknown_transaction)?;
            match record
                .tx
                .clone()
                .read_result(&partner.id, now)
                .map_err(|e| refused(&e))?
            {
                Reading::NotFinished => Ok((Change::Keep, None)),
                Reading::Finished {
                    transaction,
                    outcome,
                } => {
                    let tx = (*transaction).clone();
                    let attachment = record.attachment.clone().filter(|_| outcome.is_valid);
                    let change = if tx == record.tx && attachment.is_none() {
                        Change::Keep
                    } else {
                        let next = Record {
                            tx: tx.clone(),
                            attachment: None,
                            ..record
                        };
                        let ttl = next.ttl(now);
                        Change::Put(next, ttl)
                    };
                    Ok((change, Some((tx, outcome, attachment))))
                }
            }
        },
    )
    .await?;
    match reading {
        None => Ok(ok(&serde_json::json!({
            "isFinish": false,
            "isValid": false,
            "UserValided": "",
            "privateToken": null,
            "Message": "the customer has not answered yet",
        }))),
        Some((tx, outcome, attachment)) => {
            let attachment = take_attachment(state, attachment).await?;
            Ok(ok(&answer(&tx, Some(id.expose()), &outcome, attachment)))
        }
    }
}

async fn send_request(
    state: &Approval,
    request: &Request,
    params: &Params,
) -> Result<Response, ApiError> {
    let partner = partner(state, request, params, KeyRole::Server).await?;
    for name in ["userIP", "OSType", "NavigatorOrAPPName"] {
        params.required(name)?;
    }
    let wait = state.config.server_only_wait;
    let lifetime = wait.as_secs().clamp(
        watchword_approval::transaction::MIN_LIFETIME_SECS,
        watchword_approval::transaction::MAX_LIFETIME_SECS,
    );
    let new = new_transaction(&partner, params, Flow::ServerOnly, lifetime)?;
    let (id, tx) = start(state, &partner, new).await?;
    let deadline = tokio::time::Instant::now() + wait;
    let storage = id.storage_key();
    // Waits on a timer, not a thread: each look at the store is one read.
    loop {
        let record = load(state.store.as_ref(), &storage).await?;
        let finished = record
            .as_ref()
            .is_none_or(|r| r.tx.is_finished(state.now()));
        if finished {
            return read_result(state, &partner, &id).await;
        }
        if tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep_until(
            (tokio::time::Instant::now() + state.config.poll_interval).min(deadline),
        )
        .await;
    }
    // Time is up: the request is withdrawn from the phone, so a late answer changes nothing.
    let now = state.now();
    let cancelled = records::transact(
        state.store.as_ref(),
        &tx_key(&storage)?,
        "transaction",
        |record: Option<Record>| {
            let Some(record) = record else {
                return Ok((Change::Keep, true));
            };
            if record.tx.state() != &watchword_approval::State::Pending {
                return Ok((Change::Keep, false));
            }
            let next = Record {
                tx: record.tx.clone().cancel(now),
                ..record
            };
            let ttl = next.ttl(now);
            Ok((Change::Put(next, ttl), true))
        },
    )
    .await?;
    if !cancelled {
        // The customer answered in the last instant.
        return read_result(state, &partner, &id).await;
    }
    crate::records::drop_pending(state.store.as_ref(), tx.user_mail(), &[storage], now).await?;
    Ok(ok(&serde_json::json!({
        "isFinish": false,
        "isValid": false,
        "UserValided": "",
        "privateToken": null,
        "Message": format!("timeout: the customer did not answer within {} seconds", wait.as_secs()),
        "code": "timeout",
        "TransactionID": id.expose(),
    })))
}

/// `/swagger/docs/v1`: the OpenAPI document where Swagger clients of the product look for it.
pub async fn swagger_json(_: Arc<Approval>, _: Request) -> Result<Response, ApiError> {
    Ok(watchword_http::with_type(
        StatusCode::OK,
        "application/json",
        crate::OPENAPI,
    ))
}

/// `/swagger/ui/index`: the operations and their parameters, read from the OpenAPI document,
/// as one page with no script.
pub async fn swagger_ui(_: Arc<Approval>, _: Request) -> Result<Response, ApiError> {
    let document: serde_json::Value =
        serde_json::from_str(crate::OPENAPI).map_err(|_| ApiError::internal())?;
    let mut body = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Watchword approval API</title>\
         <style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}\
         code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}</style>\
         </head><body><h1>Watchword approval API</h1>\
         <p>The OpenAPI document: <a href=\"/swagger/docs/v1\">/swagger/docs/v1</a> (also <a href=\"/openapi.json\">/openapi.json</a>).</p>",
    );
    if let Some(paths) = document["paths"].as_object() {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                if !["get", "post"].contains(&method.as_str()) {
                    continue;
                }
                let _ = write!(
                    body,
                    "<h2><code>{} {}</code></h2><p>{}</p>",
                    method.to_uppercase(),
                    escape(path),
                    escape(op["summary"].as_str().unwrap_or_default())
                );
                if let Some(parameters) = op["parameters"].as_array() {
                    body.push_str("<table><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>");
                    for p in parameters {
                        let _ = write!(
                            body,
                            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            escape(p["name"].as_str().unwrap_or_default()),
                            escape(p["in"].as_str().unwrap_or_default()),
                            p["required"].as_bool().unwrap_or(false),
                            escape(p["description"].as_str().unwrap_or_default())
                        );
                    }
                    body.push_str("</table>");
                }
            }
        }
    }
    body.push_str("</body></html>");
    let mut response = html(body);
    response.headers_mut().insert(
        watchword_http::header::HeaderName::from_static("content-security-policy"),
        watchword_http::header::HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    Ok(response)
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
