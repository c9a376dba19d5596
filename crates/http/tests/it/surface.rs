//! The throwaway surface: a few routes exercising every part of the kit.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use watchword_http::{
    ok, ApiError, App, Assets, Cors, Limits, RateLimit, Request, Response, Router,
};
use watchword_store::Store;

use watchword_testkit::http::{get, post_json, read_reply, request, send_raw};

#[derive(Debug)]
struct State {
    store: Arc<dyn Store>,
    /// Told when the `/brief` handler starts, so a test can act while a request is open.
    started: Arc<tokio::sync::Notify>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Greeting {
    name: String,
    count: u32,
}

async fn echo(_: Arc<State>, request: Request) -> Result<Response, ApiError> {
    let greeting: Greeting = request.json()?;
    Ok(ok(
        &serde_json::json!({ "hello": greeting.name, "count": greeting.count }),
    ))
}

async fn item(_: Arc<State>, request: Request) -> Result<Response, ApiError> {
    Ok(ok(&serde_json::json!({ "id": request.param("id")? })))
}

async fn remember(state: Arc<State>, request: Request) -> Result<Response, ApiError> {
    let key = watchword_store::Key::new("test", "item", request.param("id")?)
        .map_err(|_| ApiError::bad_request("invalid_id", "bad id"))?;
    state.store.put(&key, b"1", Duration::from_secs(60)).await?;
    Ok(ok(&serde_json::json!({ "stored": true })))
}

const LIMIT: RateLimit = RateLimit {
    name: "limited-ip",
    limit: 3,
    window: Duration::from_secs(60),
};

async fn limited(state: Arc<State>, request: Request) -> Result<Response, ApiError> {
    LIMIT
        .check(
            state.store.as_ref(),
            "test",
            &request.client_ip().to_string(),
        )
        .await?;
    Ok(ok(&serde_json::json!({ "ok": true })))
}

async fn panics(_: Arc<State>, _: Request) -> Result<Response, ApiError> {
    panic!("a bug in a handler");
}

async fn slow(_: Arc<State>, _: Request) -> Result<Response, ApiError> {
    tokio::time::sleep(Duration::from_secs(5)).await;
    Ok(ok(&serde_json::json!({ "late": true })))
}

async fn brief(state: Arc<State>, _: Request) -> Result<Response, ApiError> {
    state.started.notify_one();
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(ok(&serde_json::json!({ "finished": true })))
}

fn limits() -> Limits {
    Limits {
        body_bytes: 1024,
        header_read_timeout: Duration::from_millis(400),
        request_timeout: Duration::from_millis(1500),
        shutdown_grace: Duration::from_secs(5),
    }
}

struct Running {
    addr: SocketAddr,
    started: Arc<tokio::sync::Notify>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.expect("server task").expect("serve");
    }
}

async fn start(store: Arc<dyn Store>) -> Running {
    let router = Router::new()
        .post("/echo", echo)
        .get("/items/{id}", item)
        .post("/items/{id}", remember)
        .post("/limited", limited)
        .get("/panics", panics)
        .get("/slow", slow)
        .get("/brief", brief)
        .cors("/echo", Cors::Origins(vec!["https://shop.example".into()]))
        .cors(
            "/items/{id}",
            // Like a surface looking its site up: a store outage must read as 503, not as a
            // refused origin.
            Cors::check(|state: Arc<State>, params, origin| async move {
                state.store.ping().await?;
                Ok(params.get("id") == Some("open") && origin.ends_with(".example"))
            }),
        );
    let assets = Assets::new().with(
        "widget.js",
        "text/javascript; charset=utf-8",
        &b"console.log('w');"[..],
    );
    let started = Arc::new(tokio::sync::Notify::new());
    let state = State {
        store: store.clone(),
        started: started.clone(),
    };
    let app = App::new("test", Arc::new(state), store, router)
        .with_limits(limits())
        .with_assets(assets);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.serve(listener, async move {
        let _ = stopped.await;
    }));
    Running {
        addr,
        started,
        stop: Some(stop),
        task,
    }
}

fn memory() -> Arc<dyn Store> {
    watchword_store::open("memory://").expect("memory store")
}

async fn assert_serving(addr: SocketAddr) {
    let reply = post_json(addr, "/echo", br#"{"name":"ada","count":2}"#).await;
    assert_eq!(
        reply.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        reply.json(),
        serde_json::json!({"hello": "ada", "count": 2})
    );
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one table of cases
async fn bad_requests_get_documented_errors_and_the_server_keeps_serving() {
    let server = start(memory()).await;
    let addr = server.addr;
    let big = vec![b' '; 4096];
    let json = [("content-type", "application/json")];
    // (what, raw request, status, code)
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "bad JSON",
            request("POST", "/echo", &json, Some(b"{\"name\": ")),
            400,
            "invalid_json",
        ),
        (
            "not JSON at all",
            request("POST", "/echo", &json, Some(b"name=ada")),
            400,
            "invalid_json",
        ),
        (
            "wrong type",
            request(
                "POST",
                "/echo",
                &json,
                Some(br#"{"name":"ada","count":"two"}"#),
            ),
            400,
            "invalid_request",
        ),
        (
            "negative count",
            request(
                "POST",
                "/echo",
                &json,
                Some(br#"{"name":"ada","count":-1}"#),
            ),
            400,
            "invalid_request",
        ),
        (
            "missing field",
            request("POST", "/echo", &json, Some(br#"{"name":"ada"}"#)),
            400,
            "invalid_request",
        ),
        (
            "unknown field",
            request(
                "POST",
                "/echo",
                &json,
                Some(br#"{"name":"ada","count":1,"x":1}"#),
            ),
            400,
            "invalid_request",
        ),
        (
            "wrong content type",
            request(
                "POST",
                "/echo",
                &[("content-type", "text/plain")],
                Some(br#"{"name":"a","count":1}"#),
            ),
            415,
            "unsupported_media_type",
        ),
        (
            "body over the limit",
            request("POST", "/echo", &json, Some(&big)),
            413,
            "body_too_large",
        ),
        (
            "chunked body over the limit",
            chunked("/echo", &big),
            413,
            "body_too_large",
        ),
        (
            "unknown route",
            request("GET", "/nowhere", &[], None),
            404,
            "not_found",
        ),
        (
            "wrong method",
            request("DELETE", "/echo", &[], None),
            405,
            "method_not_allowed",
        ),
        (
            "unknown asset",
            request("GET", "/assets/nope.js", &[], None),
            404,
            "not_found",
        ),
        (
            "panicking handler",
            request("GET", "/panics", &[], None),
            500,
            "internal",
        ),
        (
            "slow handler",
            request("GET", "/slow", &[], None),
            503,
            "timeout",
        ),
    ];
    for (what, raw, status, code) in cases {
        let reply = send_raw(addr, &raw).await;
        assert_eq!(
            reply.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_eq!(reply.error_code(), code, "{what}");
        assert!(
            !reply.json()["error"]["message"]
                .as_str()
                .unwrap_or("")
                .is_empty(),
            "{what}: a message for people"
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{what}"
        );
        assert_serving(addr).await;
    }
    let reply = send_raw(addr, &request("DELETE", "/echo", &[], None)).await;
    assert_eq!(reply.header("allow"), Some("POST"));
    server.shutdown().await;
}

fn chunked(path: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "POST {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(500) {
        raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        raw.extend_from_slice(chunk);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    raw
}

#[tokio::test]
async fn a_slow_request_head_gets_408_and_an_idle_connection_is_closed() {
    let server = start(memory()).await;
    let addr = server.addr;

    // Part of a head, then nothing: the deadline answers 408 with the JSON error and closes.
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-")
        .await
        .expect("write");
    let reply = read_reply(&mut stream).await;
    assert_eq!(reply.status, 408);
    assert_eq!(reply.error_code(), "header_timeout");
    assert_eq!(reply.header("connection"), Some("close"));

    // No byte at all: closed without a word, as an idle keep-alive connection would be.
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    let mut buf = Vec::new();
    let read = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read_to_end(&mut idle, &mut buf),
    )
    .await;
    assert!(read.is_ok(), "idle connection closed within the deadline");
    assert!(
        buf.is_empty(),
        "nothing written to an idle connection: {:?}",
        String::from_utf8_lossy(&buf)
    );

    assert_serving(addr).await;
    server.shutdown().await;
}

#[tokio::test]
async fn keep_alive_connections_serve_several_requests() {
    let server = start(memory()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    for _ in 0..3 {
        stream
            .write_all(b"GET /items/1 HTTP/1.1\r\nhost: test\r\n\r\n")
            .await
            .expect("write");
        // A head deadline of 400 ms between requests must not cut a connection in use.
        let mut buf = [0u8; 1024];
        let n = tokio::io::AsyncReadExt::read(&mut stream, &mut buf)
            .await
            .expect("read");
        assert!(
            String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&buf[..n])
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn path_parameters_are_decoded() {
    let server = start(memory()).await;
    let reply = get(server.addr, "/items/a%20b").await;
    assert_eq!(reply.json(), serde_json::json!({"id": "a b"}));
    let reply = get(server.addr, "/items/a+b").await;
    assert_eq!(
        reply.json(),
        serde_json::json!({"id": "a+b"}),
        "+ is literal in a path"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let server = start(memory()).await;
    for _ in 0..LIMIT.limit {
        let reply = send_raw(server.addr, &request("POST", "/limited", &[], Some(b""))).await;
        assert_eq!(reply.status, 200);
    }
    let reply = send_raw(server.addr, &request("POST", "/limited", &[], Some(b""))).await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.error_code(), "rate_limited");
    let retry: u64 = reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "retry after {retry}");
    server.shutdown().await;
}

#[tokio::test]
async fn cors_is_sent_only_to_registered_origins() {
    let server = start(memory()).await;
    let addr = server.addr;
    let preflight = |origin: &'static str, path: &'static str| {
        request(
            "OPTIONS",
            path,
            &[
                ("origin", origin),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            None,
        )
    };

    let reply = send_raw(addr, &preflight("https://shop.example", "/echo")).await;
    assert_eq!(reply.status, 204);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert_eq!(reply.header("access-control-allow-methods"), Some("POST"));
    assert_eq!(
        reply.header("access-control-allow-headers"),
        Some("content-type, authorization")
    );

    let reply = send_raw(addr, &preflight("https://evil.example", "/echo")).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "origin_not_allowed");
    assert_eq!(reply.header("access-control-allow-origin"), None);

    // Suffix tricks do not pass an exact list.
    let reply = send_raw(addr, &preflight("https://shop.example.evil.test", "/echo")).await;
    assert_eq!(reply.status, 403);

    let body = br#"{"name":"ada","count":1}"#;
    let headers = [
        ("content-type", "application/json"),
        ("origin", "https://shop.example"),
    ];
    let reply = send_raw(addr, &request("POST", "/echo", &headers, Some(body))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert_eq!(reply.header("vary"), Some("Origin"));

    let headers = [
        ("content-type", "application/json"),
        ("origin", "https://evil.example"),
    ];
    let reply = send_raw(addr, &request("POST", "/echo", &headers, Some(body))).await;
    assert_eq!(
        reply.status, 403,
        "a request from an unregistered origin is not executed"
    );

    // Without Origin (a server-to-server call) there is nothing to check and no CORS header.
    let reply = post_json(addr, "/echo", body).await;
    assert_eq!(reply.header("access-control-allow-origin"), None);

    // A dynamic check sees the path parameters.
    let reply = send_raw(
        addr,
        &request(
            "GET",
            "/items/open",
            &[("origin", "https://a.example")],
            None,
        ),
    )
    .await;
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://a.example")
    );
    let reply = send_raw(
        addr,
        &request(
            "GET",
            "/items/closed",
            &[("origin", "https://a.example")],
            None,
        ),
    )
    .await;
    assert_eq!(reply.status, 403);
    server.shutdown().await;
}

#[tokio::test]
async fn assets_have_etags_and_immutable_versioned_urls() {
    let server = start(memory()).await;
    let addr = server.addr;
    let reply = get(addr, "/assets/widget.js").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, b"console.log('w');");
    assert_eq!(reply.header("cache-control"), Some("no-cache"));
    assert_eq!(
        reply.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let etag = reply.header("etag").expect("etag").to_owned();

    let reply = send_raw(
        addr,
        &request(
            "GET",
            "/assets/widget.js",
            &[("if-none-match", &etag)],
            None,
        ),
    )
    .await;
    assert_eq!(reply.status, 304);
    assert!(reply.body.is_empty());

    let version = etag.trim_matches('"');
    let reply = get(addr, &format!("/assets/{version}/widget.js")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));

    let reply = get(addr, "/assets/0000000000000000/widget.js").await;
    assert_eq!(
        reply.status, 404,
        "a stale version is not served as immutable"
    );

    for method in ["POST", "DELETE", "TRACE"] {
        let reply = send_raw(addr, &request(method, "/assets/widget.js", &[], None)).await;
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("allow"), Some("GET, HEAD"), "{method}");
    }

    let assets = Assets::new().with("widget.js", "text/javascript", &b"console.log('w');"[..]);
    let asset = assets.get("widget.js").expect("asset");
    assert_eq!(
        asset.versioned_path(),
        format!("/assets/{version}/widget.js")
    );
    assert!(
        asset.sri().starts_with("sha384-") && asset.sri().len() == 7 + 64,
        "{}",
        asset.sri()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let server = start(memory()).await;
    let addr = server.addr;
    assert_eq!(get(addr, "/healthz").await.status, 200);
    let _ = get(addr, "/items/7").await;
    let _ = get(addr, "/nowhere").await;
    let reply = get(addr, "/metrics").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4")
    );
    let text = String::from_utf8(reply.body).expect("utf-8");
    assert!(
        text.contains(r#"watchword_http_requests_total{surface="test",route="/items/{id}",method="GET",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="unmatched",method="GET",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("# TYPE watchword_http_request_duration_seconds histogram"),
        "{text}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_lets_open_requests_finish_and_stops_accepting() {
    let server = start(memory()).await;
    let addr = server.addr;
    let open = tokio::spawn(async move { get(addr, "/brief").await });
    server.started.notified().await;
    server.shutdown().await;
    let reply = open.await.expect("request task");
    assert_eq!(reply.status, 200, "the open request finished");
    assert_eq!(reply.json(), serde_json::json!({"finished": true}));
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn readiness_follows_redis_and_nothing_is_accepted_while_it_is_down() {
    let mut redis = watchword_store::testing::RedisServer::start().expect("redis-server");
    let store: Arc<dyn Store> = watchword_store::open(&redis.url()).expect("redis store");
    let server = start(store).await;
    let addr = server.addr;

    assert_eq!(get(addr, "/healthz").await.status, 200);
    assert_eq!(get(addr, "/readyz").await.status, 200);
    assert_eq!(
        send_raw(addr, &request("POST", "/items/a", &[], Some(b"")))
            .await
            .status,
        200
    );

    redis.kill().expect("kill redis");
    let reply = get(addr, "/readyz").await;
    assert_eq!(reply.status, 503);
    assert_eq!(
        reply.json(),
        serde_json::json!({"status": "unavailable"}),
        "the reason (hosts, sockets) goes to the log, not to whoever asks"
    );
    let with_origin = [("origin", "https://a.example")];
    let reply = send_raw(addr, &request("GET", "/items/open", &with_origin, None)).await;
    assert_eq!(
        (reply.status, reply.error_code().as_str()),
        (503, "store_unavailable"),
        "an origin check that cannot reach the store is an outage, not a refusal"
    );
    assert_eq!(
        get(addr, "/healthz").await.status,
        200,
        "alive even when not ready"
    );
    let reply = send_raw(addr, &request("POST", "/items/a", &[], Some(b""))).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.error_code(), "store_unavailable");
    let reply = send_raw(addr, &request("POST", "/limited", &[], Some(b""))).await;
    assert_eq!(
        reply.status, 503,
        "a rate limit that cannot be counted is not waived"
    );

    redis.restart().expect("restart redis");
    let mut ready = false;
    for _ in 0..50 {
        if get(addr, "/readyz").await.status == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        ready,
        "ready again once Redis is back, without restarting the server"
    );
    assert_eq!(
        send_raw(addr, &request("POST", "/items/a", &[], Some(b"")))
            .await
            .status,
        200
    );
    server.shutdown().await;
}
