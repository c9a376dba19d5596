//! Connect: an integrator's app provisions a `did:oc` for its own users, and the operator
//! manages those apps.
//!
//! An app is a client of role `connect` in the surface's client registry (`watchword client
//! add --surface auth-host --role connect`, or `POST /api/connect/apps`); it calls
//! `/api/connect/provision` with `Authorization: Bearer <client_id>.<secret>`. The apps API
//! takes the operator token (`--operator-token`) as Bearer.

use std::sync::Arc;

use serde::Deserialize;
use subtle::ConstantTimeEq as _;
use watchword_http::clients::{Client, NewClient};
use watchword_http::RateLimit;
use watchword_http::{ok, sha256_hex, ApiError, Request, Response, StatusCode};

use crate::accounts::{self, Identity};
use crate::{private_ok, AuthHost, ROLE_CONNECT, SURFACE};

/// Provision calls per app and minute.
pub const PROVISION_PER_APP: RateLimit = RateLimit::per_minute("provision-app", 600);
/// The longest integrator user id, in bytes.
pub const MAX_USER_ID_LEN: usize = 256;

fn bearer(request: &Request) -> Option<&str> {
    let value = request.header("authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::unauthorized(message.to_owned()).with_header(
        http::header::WWW_AUTHENTICATE,
        http::HeaderValue::from_static("Bearer realm=\"watchword\""),
    )
}

async fn app(state: &AuthHost, request: &Request) -> Result<Client, ApiError> {
    let refused = || unauthorized("send the app key as Authorization: Bearer <client_id>.<secret>");
    let token = bearer(request).ok_or_else(refused)?;
    let (id, secret) = token.split_once('.').ok_or_else(refused)?;
    state
        .clients
        .check_secret(&*state.store, id, secret, ROLE_CONNECT)
        .await?
        .ok_or_else(refused)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvisionBody {
    user_id: String,
    #[serde(default)]
    email: Option<String>,
}

/// `POST /api/connect/provision {user_id, email?}`: the `did:oc` of the app's user, made on
/// the first call and the same on every later one — `{ok, did_oc, is_new}`.
pub async fn provision(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let client = app(&state, &request).await?;
    let body: ProvisionBody = request.json()?;
    if body.user_id.is_empty()
        || body.user_id.len() > MAX_USER_ID_LEN
        || body.user_id.chars().any(char::is_control)
    {
        return Err(ApiError::bad_request(
            "invalid_user_id",
            format!("user_id is 1 to {MAX_USER_ID_LEN} bytes without control characters"),
        ));
    }
    let email = body
        .email
        .as_deref()
        .map(crate::email::normalise)
        .transpose()?;
    PROVISION_PER_APP
        .check(&*state.store, SURFACE, &client.id)
        .await?;
    let identity = Identity::Connect {
        app: client.id.clone(),
        user_id: body.user_id,
        email,
    };
    let (account, is_new) = accounts::find_or_create(
        &*state.store,
        &identity,
        &mut state.rng.clone(),
        state.clock.now(),
    )
    .await?;
    if is_new {
        state.count_account().await;
    }
    Ok(private_ok(&serde_json::json!({
        "ok": true,
        "did_oc": account.did_oc.to_string(),
        "is_new": is_new,
    })))
}

fn operator(state: &AuthHost, request: &Request) -> Result<(), ApiError> {
    let Some(expected) = &state.settings.operator_token_sha256 else {
        // Off is not a passing state (no Retry-After would help): the API is not there.
        return Err(ApiError::not_found(
            "the apps API is off: start the host with --operator-token",
        )
        .with_code("apps_api_off"));
    };
    let given = bearer(request).map(|t| sha256_hex(t.as_bytes()));
    match given {
        Some(given) if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) => Ok(()),
        _ => Err(unauthorized(
            "send the operator token as Authorization: Bearer <token>",
        )),
    }
}

fn app_view(client: &Client) -> serde_json::Value {
    serde_json::json!({
        "id": client.id,
        "name": client.name,
        "origins": client.origins,
        "created_at": client.created_at.0,
    })
}

/// `GET /api/connect/apps`: the Connect apps (operator token).
pub async fn list_apps(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    operator(&state, &request)?;
    let apps: Vec<_> = state
        .clients
        .list(&*state.store)
        .await?
        .iter()
        .filter(|c| c.role == ROLE_CONNECT)
        .map(app_view)
        .collect();
    Ok(private_ok(&serde_json::json!({"ok": true, "apps": apps})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewApp {
    name: String,
    #[serde(default)]
    origins: Vec<String>,
}

/// `POST /api/connect/apps {name, origins?}`: a new app and its key, shown once —
/// `201 {ok, app, key}` with `key` = `<client_id>.<secret>`.
pub async fn create_app(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    operator(&state, &request)?;
    let body: NewApp = request.json()?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_request",
            "name is 1 to 100 characters",
        ));
    }
    let created = state
        .clients
        .add(
            &*state.store,
            NewClient {
                role: ROLE_CONNECT.to_owned(),
                name: name.to_owned(),
                origins: body.origins,
                ..NewClient::default()
            },
            &mut state.rng.clone(),
            state.clock.now(),
        )
        .await?;
    let mut response = watchword_http::json(
        StatusCode::CREATED,
        &serde_json::json!({
            "ok": true,
            "app": app_view(&created.client),
            "key": format!("{}.{}", created.client.id, created.secret),
        }),
    );
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `DELETE /api/connect/apps/{id}`: removes an app; its key stops working at once. The
/// accounts it provisioned stay.
pub async fn remove_app(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    operator(&state, &request)?;
    let id = request.param("id")?;
    match state.clients.get(&*state.store, id).await? {
        Some(client) if client.role == ROLE_CONNECT => {
            state.clients.remove(&*state.store, id).await?;
            Ok(ok(&serde_json::json!({"ok": true})))
        }
        _ => Err(ApiError::not_found("no such app").with_code("app_not_found")),
    }
}
