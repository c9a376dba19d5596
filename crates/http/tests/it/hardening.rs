//! The kit's defences, each shown by a request that breaks its rule: invented methods, `HEAD`
//! on routes that change state, clients spreading over an IPv6 /64, one client spending a
//! shared budget, connection floods, slow bodies and the admin listener.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, StreamBody};
use hyper::body::Frame;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use watchword_http::{
    check_in_order, ok, ApiError, App, Limits, Prefixes, RateLimit, Request, Response, RouteLimits,
    Router,
};
use watchword_store::Store;
use watchword_testkit::http::{read_reply, request, send_raw};

#[derive(Debug)]
struct State {
    store: Arc<dyn Store>,
    /// How many times a state-changing handler ran.
    changes: AtomicU64,
}

async fn change(state: Arc<State>, _: Request) -> Result<Response, ApiError> {
    let n = state.changes.fetch_add(1, Ordering::SeqCst) + 1;
    Ok(ok(&serde_json::json!({ "changes": n })))
}

async fn read(state: Arc<State>, _: Request) -> Result<Response, ApiError> {
    Ok(ok(
        &serde_json::json!({ "changes": state.changes.load(Ordering::SeqCst) }),
    ))
}

const PER_CLIENT: RateLimit = RateLimit {
    name: "per-client",
    limit: 2,
    window: Duration::from_secs(60),
};

const PER_APP: RateLimit = RateLimit {
    name: "per-app",
    limit: 5,
    window: Duration::from_secs(60),
};

/// A route limited per client network first, then per app (a budget every client shares).
async fn limited(state: Arc<State>, request: Request) -> Result<Response, ApiError> {
    let network = request.client_network();
    check_in_order(
        state.store.as_ref(),
        "test",
        &[(&PER_CLIENT, network.as_str()), (&PER_APP, "the-app")],
    )
    .await?;
    Ok(ok(&serde_json::json!({ "ok": true })))
}

async fn stuck(_: Arc<State>, _: Request) -> Result<Response, ApiError> {
    std::future::pending::<()>().await;
    Ok(ok(&serde_json::json!({})))
}

fn app(limits: Limits) -> App<State> {
    let store = watchword_store::open("memory://").expect("memory store");
    let router = Router::new()
        .get("/change", change)
        .safe_get("/read", read)
        .post("/limited", limited)
        .post("/stuck", stuck);
    let state = State {
        store: store.clone(),
        changes: AtomicU64::new(0),
    };
    App::new("test", Arc::new(state), store, router).with_limits(limits)
}

fn limits() -> Limits {
    Limits {
        body_bytes: 1024,
        header_read_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_millis(1500),
        shutdown_grace: Duration::from_secs(1),
    }
}

fn get_request(method: &str, path: &str) -> http::Request<Full<Bytes>> {
    http::Request::builder()
        .method(method)
        .uri(path)
        .body(Full::new(Bytes::new()))
        .expect("request")
}

async fn body_json(response: Response) -> serde_json::Value {
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    serde_json::from_slice(&bytes).expect("JSON body")
}

fn peer(ip: &str) -> IpAddr {
    ip.parse().expect("an address")
}

#[tokio::test]
async fn an_invented_method_is_the_callers_mistake_and_never_reaches_metrics_or_a_handler() {
    let app = app(limits());
    let local = peer("127.0.0.1");
    let long = "X".repeat(60 * 1024);
    for method in ["BREW", "PROPFIND", "TRACE", long.as_str()] {
        let response = app.handle(get_request(method, "/change"), local).await;
        assert_eq!(response.status(), 405, "{}", &method[..method.len().min(9)]);
        assert_eq!(response.headers()["allow"], "GET");
        assert_eq!(
            body_json(response).await["error"]["code"],
            "method_not_allowed"
        );
        let unrouted = app.handle(get_request(method, "/nowhere"), local).await;
        assert_eq!(unrouted.status(), 404);
    }
    // Read-only resources of the kit take GET and HEAD only, whatever else is sent.
    for path in ["/healthz", "/readyz", "/metrics"] {
        for method in ["POST", "TRACE", "BREW"] {
            let response = app.handle(get_request(method, path), local).await;
            assert_eq!(response.status(), 405, "{method} {path}");
            assert_eq!(response.headers()["allow"], "GET, HEAD", "{method} {path}");
        }
    }
    let metrics = app.metrics().render();
    assert!(
        !metrics.contains("BREW") && !metrics.contains("XXXX"),
        "{metrics}"
    );
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    assert_eq!(
        app.state().changes.load(Ordering::SeqCst),
        0,
        "no handler ran"
    );

    // Over a real connection too, a 60 KB method is answered and the server keeps serving.
    let server = serve(app).await;
    let raw = request(&long, "/read", &[], None);
    let reply = send_raw(server, &raw).await;
    assert!(
        reply.status == 405 || reply.status == 400,
        "{}",
        reply.status
    );
    assert_eq!(
        send_raw(server, &request("GET", "/read", &[], None))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn head_is_answered_only_by_routes_declared_safe() {
    let app = app(limits());
    let local = peer("127.0.0.1");
    let response = app.handle(get_request("HEAD", "/change"), local).await;
    assert_eq!(response.status(), 405);
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("GET")
    );
    assert_eq!(
        app.state().changes.load(Ordering::SeqCst),
        0,
        "HEAD must not run a handler that changes state"
    );

    let response = app.handle(get_request("HEAD", "/read"), local).await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .is_empty(),
        "HEAD has no body"
    );
    let response = app.handle(get_request("GET", "/change"), local).await;
    assert_eq!(body_json(response).await["changes"], 1);
}

#[test]
fn a_client_is_its_network_prefix() {
    let default = Prefixes::default();
    assert_eq!(default.network(peer("203.0.113.77")), "203.0.113.77/32");
    assert_eq!(
        default.network(peer("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
        "2001:db8:1:2::/64"
    );
    assert_eq!(
        default.network(peer("::ffff:203.0.113.77")),
        "203.0.113.77/32",
        "an IPv4-mapped address is its IPv4 address"
    );
    let wide = Prefixes { v4: 24, v6: 48 };
    assert_eq!(wide.network(peer("203.0.113.77")), "203.0.113.0/24");
    assert_eq!(wide.network(peer("2001:db8:1:2::1")), "2001:db8:1::/48");
}

async fn post(app: &App<State>, path: &str, ip: &str) -> u16 {
    let request = http::Request::builder()
        .method("POST")
        .uri(path)
        .body(Full::new(Bytes::new()))
        .expect("request");
    app.handle(request, peer(ip)).await.status().as_u16()
}

#[tokio::test]
async fn addresses_of_one_ipv6_64_share_one_rate_limit() {
    let app = app(limits());
    assert_eq!(post(&app, "/limited", "2001:db8:1:2::1").await, 200);
    assert_eq!(post(&app, "/limited", "2001:db8:1:2::2").await, 200);
    assert_eq!(
        post(&app, "/limited", "2001:db8:1:2:ffff::3").await,
        429,
        "a new address in the same /64 is the same client"
    );
    assert_eq!(
        post(&app, "/limited", "2001:db8:1:3::1").await,
        200,
        "another /64 is another client"
    );

    let app = app_with_prefixes(Prefixes { v4: 24, v6: 64 });
    assert_eq!(post(&app, "/limited", "198.51.100.1").await, 200);
    assert_eq!(post(&app, "/limited", "198.51.100.2").await, 200);
    assert_eq!(
        post(&app, "/limited", "198.51.100.3").await,
        429,
        "prefix lengths are configurable"
    );
}

fn app_with_prefixes(prefixes: Prefixes) -> App<State> {
    app(limits()).with_prefixes(prefixes)
}

#[tokio::test]
async fn a_client_over_its_own_limit_does_not_spend_the_shared_budget() {
    let app = app(limits());
    // One address hammers the route: two pass, the rest are refused by its own limit.
    for n in 0..20 {
        let expected = if n < 2 { 200 } else { 429 };
        assert_eq!(post(&app, "/limited", "192.0.2.1").await, expected);
    }
    // The shared budget (5) only lost the two that passed: three other clients get through.
    for ip in ["192.0.2.2", "192.0.2.3", "192.0.2.4"] {
        assert_eq!(post(&app, "/limited", ip).await, 200, "{ip}");
    }
    assert_eq!(
        post(&app, "/limited", "192.0.2.5").await,
        429,
        "then the shared limit holds"
    );
}

#[tokio::test(start_paused = true)]
async fn one_deadline_covers_reading_the_body_and_running_the_handler() {
    let app = Arc::new(app(limits()));
    let (mut send, receive) =
        futures::channel::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
    let request = http::Request::builder()
        .method("POST")
        .uri("/stuck")
        .header("content-length", "2")
        .body(StreamBody::new(receive))
        .expect("request");
    let started = tokio::time::Instant::now();
    let task = {
        let app = app.clone();
        tokio::spawn(async move { app.handle(request, peer("127.0.0.1")).await })
    };
    // The body trickles in over 1.2 s of the 1.5 s allowed, then the handler never finishes.
    send.try_send(Ok(Frame::data(Bytes::from_static(b"{"))))
        .expect("first byte");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    send.try_send(Ok(Frame::data(Bytes::from_static(b"}"))))
        .expect("second byte");
    drop(send);
    let response = task.await.expect("handled");
    let took = started.elapsed();
    assert_eq!(response.status(), 503);
    assert_eq!(body_json(response).await["error"]["code"], "timeout");
    assert!(
        took <= Duration::from_millis(1600),
        "the handler got only what was left of the deadline, not a fresh one: {took:?}"
    );
}

async fn serve(app: App<State>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(app.serve(listener, std::future::pending()));
    addr
}

#[tokio::test]
async fn past_the_connection_cap_new_connections_wait_for_a_free_slot() {
    let addr = serve(app(limits()).with_max_connections(1)).await;
    // The first connection takes the only slot and stays open (keep-alive).
    let mut first = TcpStream::connect(addr).await.expect("connect");
    first
        .write_all(b"GET /read HTTP/1.1\r\nhost: t\r\n\r\n")
        .await
        .expect("write");
    let mut buf = vec![0; 1024];
    let n = first.read(&mut buf).await.expect("read");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));

    let mut second = TcpStream::connect(addr)
        .await
        .expect("connect (kernel queue)");
    second
        .write_all(&request("GET", "/read", &[], None))
        .await
        .expect("write");
    let waited = tokio::time::timeout(Duration::from_millis(300), second.read(&mut buf)).await;
    assert!(waited.is_err(), "not served while the cap is reached");

    drop(first);
    let reply = tokio::time::timeout(Duration::from_secs(5), read_reply(&mut second))
        .await
        .expect("served once the first connection closed");
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn with_an_admin_listener_metrics_and_readiness_leave_the_public_one() {
    let app = app(limits()).with_admin_listener(true);
    let public = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let admin = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let (public_addr, admin_addr) = (
        public.local_addr().expect("addr"),
        admin.local_addr().expect("addr"),
    );
    tokio::spawn(app.serve_with_admin(public, Some(admin), std::future::pending()));
    let get = |addr, path| async move { send_raw(addr, &request("GET", path, &[], None)).await };

    assert_eq!(get(public_addr, "/metrics").await.status, 404);
    assert_eq!(get(public_addr, "/readyz").await.status, 404);
    assert_eq!(
        get(public_addr, "/healthz").await.status,
        200,
        "load balancers still probe it"
    );
    assert_eq!(get(public_addr, "/read").await.status, 200);

    assert_eq!(get(admin_addr, "/metrics").await.status, 200);
    assert_eq!(get(admin_addr, "/readyz").await.status, 200);
    assert_eq!(
        get(admin_addr, "/read").await.status,
        404,
        "no surface route on the admin side"
    );
}

async fn slow(_: Arc<State>, _: Request) -> Result<Response, ApiError> {
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(ok(&serde_json::json!({ "waited": true })))
}

#[tokio::test(start_paused = true)]
async fn a_route_may_take_a_larger_body_and_more_handler_time_but_not_more_body_time() {
    let store = watchword_store::open("memory://").expect("memory store");
    let state = State {
        store: store.clone(),
        changes: AtomicU64::new(0),
    };
    let router = Router::new()
        .post("/upload", change)
        .post("/small", change)
        .post("/slow", slow)
        .post("/slow-default", slow)
        .limits(
            "/upload",
            RouteLimits {
                body_bytes: Some(4096),
                handler_timeout: None,
            },
        )
        .limits(
            "/slow",
            RouteLimits {
                body_bytes: None,
                handler_timeout: Some(Duration::from_secs(60)),
            },
        );
    let app = App::new("test", Arc::new(state), store, router).with_limits(limits());
    let local = peer("127.0.0.1");
    let post = |path: &str, body: Vec<u8>| {
        http::Request::builder()
            .method("POST")
            .uri(path)
            .body(Full::new(Bytes::from(body)))
            .expect("request")
    };
    // 3 KiB: over the app's 1 KiB, within the upload route's 4 KiB.
    assert_eq!(
        app.handle(post("/upload", vec![b' '; 3072]), local)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.handle(post("/small", vec![b' '; 3072]), local)
            .await
            .status(),
        413
    );
    assert_eq!(
        app.handle(post("/upload", vec![b' '; 5000]), local)
            .await
            .status(),
        413
    );
    // A handler taking 2 s: past the app's 1.5 s, within the slow route's own time.
    assert_eq!(
        app.handle(post("/slow", Vec::new()), local).await.status(),
        200
    );
    let default = app.handle(post("/slow-default", Vec::new()), local).await;
    assert_eq!(default.status(), 503);
    assert_eq!(body_json(default).await["error"]["code"], "timeout");

    // A body that never arrives on the slow route is cut at the app's request timeout, not
    // at the handler's minute.
    let (_send, receive) =
        futures::channel::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(1);
    let request = http::Request::builder()
        .method("POST")
        .uri("/slow")
        .header("content-length", "2")
        .body(StreamBody::new(receive))
        .expect("request");
    let answer = tokio::time::timeout(Duration::from_secs(30), app.handle(request, local))
        .await
        .expect("answered long before the handler's minute");
    assert_eq!(answer.status(), 503);
}
