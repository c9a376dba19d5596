//! Integration tests of `watchword-jwks-fetch`: the fetch against a JWKS server on loopback: one fetch per max-age, one refetch
//! for a rotated key, none for made-up `kid`s within the cooldown, errors for bad answers.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use watchword_jwks_fetch::{fetch_jwks, Error, RemoteJwks};
use watchword_session::{
    CachePolicy, DidOc, Ed25519SigningKey, Error as SessionError, JwksCache, SessionGrant,
    SessionIssuer, SessionRules, UnixTime,
};

/// 2026-04-22T12:00:00Z.
const T0: UnixTime = UnixTime(1_776_859_200);

const ISSUER: &str = "https://auth.example.com";

/// A JWKS endpoint: serves whatever `jwks` holds at `/jwks` with `max-age=60`, 404 elsewhere,
/// and counts the requests.
struct Server {
    url: String,
    jwks: Arc<Mutex<String>>,
    hits: Arc<AtomicUsize>,
}

async fn serve(initial: String) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback port");
    let url = format!("http://{}/jwks", listener.local_addr().expect("bound"));
    let jwks = Arc::new(Mutex::new(initial));
    let hits = Arc::new(AtomicUsize::new(0));
    let (served, counted) = (jwks.clone(), hits.clone());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (served, counted) = (served.clone(), counted.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let response = if request.uri().path() == "/jwks" {
                        let body = served.lock().expect("not poisoned").clone();
                        Response::builder()
                            .header("cache-control", "public, max-age=60")
                            .body(Full::new(Bytes::from(body)))
                    } else {
                        Response::builder()
                            .status(StatusCode::NOT_FOUND)
                            .body(Full::new(Bytes::new()))
                    };
                    async move { Ok::<_, Infallible>(response.expect("valid response")) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Server { url, jwks, hits }
}

fn issuer(kids: &[(&str, u8)]) -> SessionIssuer {
    let mut issuer = SessionIssuer::new(ISSUER, 3600);
    for (kid, seed) in kids {
        issuer
            .add_key(*kid, Ed25519SigningKey::from_seed(&[*seed; 32]))
            .expect("fresh kid");
    }
    issuer
}

fn token(issuer: &SessionIssuer) -> String {
    let grant = SessionGrant::new("acct-1", DidOc::from_bytes([1; 16]));
    issuer.issue(&grant, [2; 16], T0).expect("issues").token
}

fn remote(url: &str) -> RemoteJwks {
    let cache = JwksCache::new(
        url,
        CachePolicy::default(),
        SessionRules::new(30).issuer(ISSUER),
    );
    RemoteJwks::new(cache)
        .expect("http url")
        .timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn fetches_the_set_with_its_max_age() {
    let old = issuer(&[("k1", 1)]);
    let server = serve(old.public_jwks().to_json()).await;
    let fetched = fetch_jwks(&server.url, Duration::from_secs(5))
        .await
        .expect("fetched");
    assert_eq!(fetched.body, old.public_jwks().to_json());
    assert_eq!(fetched.max_age, Some(60));
    let missing = fetch_jwks(
        &server.url.replace("/jwks", "/nope"),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(missing, Err(Error::Status { status: 404 }));
    // An https URL goes through TLS: a plain HTTP server fails the handshake.
    let https = fetch_jwks(
        &server.url.replace("http://", "https://"),
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(https, Err(Error::Request { .. })), "{https:?}");
    for url in ["ftp://auth.example.com/jwks", "/jwks", "not a url"] {
        assert!(matches!(
            fetch_jwks(url, Duration::from_secs(1)).await,
            Err(Error::Url { .. } | Error::Scheme { .. })
        ));
    }
}

#[tokio::test]
async fn remote_jwks_fetches_once_and_follows_rotation() {
    let old = issuer(&[("k1", 1)]);
    let rotated = issuer(&[("k1", 1), ("k2", 2)]);
    let server = serve(old.public_jwks().to_json()).await;
    let remote = remote(&server.url);
    let session = remote.verify_at(&token(&old), T0).await.expect("valid");
    assert_eq!(session.sub, "acct-1");
    assert!(remote.verify_at(&token(&old), T0.plus(29)).await.is_ok());
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        1,
        "fresh for its max-age"
    );

    // The host rotates; a token under the new kid triggers one refetch.
    *server.jwks.lock().expect("not poisoned") = rotated.public_jwks().to_json();
    assert!(remote
        .verify_at(&token(&rotated), T0.plus(30))
        .await
        .is_ok());
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);

    // A made-up kid within the cooldown is refused without a fetch.
    let stranger = issuer(&[("made-up", 9)]);
    let refused = remote.verify_at(&token(&stranger), T0.plus(31)).await;
    assert!(matches!(
        refused,
        Err(SessionError::Token(
            watchword_token::Error::UnknownKid { .. }
        ))
    ));
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);

    // Past its max-age the set is fetched again.
    assert!(remote.verify_at(&token(&old), T0.plus(90)).await.is_ok());
    assert_eq!(server.hits.load(Ordering::SeqCst), 3);
    assert!(remote.snapshot().verifier().is_some());
}

#[tokio::test]
async fn an_unreachable_host_leaves_no_keys() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let url = format!("http://{}/jwks", listener.local_addr().expect("bound"));
    drop(listener);
    let remote = remote(&url);
    let verdict = remote.verify_at(&token(&issuer(&[("k1", 1)])), T0).await;
    assert_eq!(verdict, Err(SessionError::NoKeySet));
    assert!(matches!(
        remote.snapshot().last_failure(),
        Some((_, SessionError::Fetch { .. }))
    ));
    assert!(remote.snapshot().last_failure().is_some());
    assert!(RemoteJwks::new(JwksCache::new(
        "file:///etc/jwks.json",
        CachePolicy::default(),
        SessionRules::new(0)
    ))
    .is_err());
}
