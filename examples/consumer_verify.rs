//! A consumer site protecting a route with the auth host's `oc_session` cookie, verified
//! locally from the host's JWK Set — what `@orangecheck/auth-core` does for Node sites.
//!
//! The example runs an auth host's JWKS endpoint and the consumer site on loopback, sends a few
//! requests to the protected route (no cookie, a valid cookie, a cookie signed with a key the
//! host rotated to in the meantime, a forged cookie), prints what happened and exits:
//!
//! ```sh
//! cargo run -p watchword-examples --example consumer_verify
//! ```
//!
//! The consumer's whole integration is `RemoteJwks::new(JwksCache::new(url, policy, rules))`
//! once, and per request `cookie_value(cookie_header, SESSION_COOKIE)` then
//! `remote.verify(token).await`. A service that fetches with its own HTTP client uses the pure
//! `JwksCache` (`plan`, `on_fetched`, `verify`) instead.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{header, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use watchword_jwks_fetch::{system_now, RemoteJwks};
use watchword_session::verdict::reason_code;
use watchword_session::{
    cookie_value, CachePolicy, DidOc, Ed25519SigningKey, JwksCache, SessionGrant, SessionIssuer,
    SessionRules, SESSION_COOKIE,
};

const ISSUER: &str = "https://auth.example.com";

type Body = Full<Bytes>;

/// Serves `handler` on a loopback port until the process exits; returns the address.
async fn serve<F, Fut>(handler: F) -> SocketAddr
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Response<Body>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback port");
    let address = listener.local_addr().expect("bound");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let handler = handler.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let response = handler(request);
                    async move { Ok::<_, Infallible>(response.await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    address
}

fn respond(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}

/// The consumer's protected route: `GET /account` needs a valid session cookie.
async fn account(remote: Arc<RemoteJwks>, request: Request<Incoming>) -> Response<Body> {
    let token = request
        .headers()
        .get(header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .and_then(|cookies| cookie_value(cookies, SESSION_COOKIE));
    let Some(token) = token else {
        return respond(
            StatusCode::UNAUTHORIZED,
            r#"{"reason":"no_session"}"#.into(),
        );
    };
    match remote.verify(token).await {
        Ok(session) => respond(
            StatusCode::OK,
            format!(
                "hello {} ({})",
                session.name.unwrap_or(session.sub),
                session.did_oc
            ),
        ),
        Err(error) => respond(
            StatusCode::UNAUTHORIZED,
            format!(r#"{{"reason":"{}"}}"#, reason_code(&error)),
        ),
    }
}

/// Sends `GET /account` with an optional session cookie; returns the status and body.
async fn visit(site: SocketAddr, cookie: Option<&str>) -> (StatusCode, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut request = Request::get(format!("http://{site}/account"));
    if let Some(token) = cookie {
        request = request.header(
            header::COOKIE,
            format!("theme=dark; {SESSION_COOKIE}={token}"),
        );
    }
    let response = client
        .request(request.body(Empty::new()).expect("valid request"))
        .await
        .expect("site answers");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The auth host: one Ed25519 key, its public JWK Set at /api/auth/jwks.
    let mut issuer = SessionIssuer::new(ISSUER, 3600);
    issuer.add_key(
        "2026-04",
        Ed25519SigningKey::generate(&mut rand_core::OsRng),
    )?;
    let host = Arc::new(Mutex::new(issuer));
    let jwks_host = host.clone();
    let auth_host = serve(move |_request| {
        let jwks = jwks_host
            .lock()
            .expect("not poisoned")
            .public_jwks()
            .to_json();
        async move {
            let mut response = respond(StatusCode::OK, jwks);
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                "public, max-age=300".parse().expect("ascii"),
            );
            response
        }
    })
    .await;

    // The consumer site: fetches the set when it first needs it, then every five minutes, and
    // early (at most once a minute) when a cookie names a key it does not know yet.
    let cache = JwksCache::new(
        format!("http://{auth_host}/api/auth/jwks"),
        CachePolicy::default(),
        SessionRules::new(30).issuer(ISSUER),
    );
    let remote = Arc::new(RemoteJwks::new(cache)?);
    let site = serve(move |request| account(remote.clone(), request)).await;

    let sign_in = |name: &str| {
        let mut grant = SessionGrant::new("acct-42", DidOc::random(&mut rand_core::OsRng));
        grant.name = Some(name.to_owned());
        let mut jti = [0; 16];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut jti);
        host.lock()
            .expect("not poisoned")
            .issue(&grant, jti, system_now())
            .map(|issued| issued.token)
    };

    let (status, body) = visit(site, None).await;
    println!("no cookie           -> {status} {body}");
    let cookie = sign_in("Ada")?;
    let (status, body) = visit(site, Some(&cookie)).await;
    println!("valid cookie        -> {status} {body}");
    assert_eq!(status, StatusCode::OK);

    // The host rotates its key; cookies signed with the new one make the site refetch once.
    host.lock().expect("not poisoned").add_key(
        "2026-05",
        Ed25519SigningKey::generate(&mut rand_core::OsRng),
    )?;
    let rotated = sign_in("Grace")?;
    let (status, body) = visit(site, Some(&rotated)).await;
    println!("after key rotation  -> {status} {body}");
    assert_eq!(status, StatusCode::OK);

    let mut forged = rotated.clone();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    let (status, body) = visit(site, Some(&forged)).await;
    println!("forged signature    -> {status} {body}");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    Ok(())
}
