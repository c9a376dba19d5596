//! A surface described once: its flags, its defaults, its build, and the errors an operator
//! sees when it cannot start.

use std::sync::Arc;

use watchword_http::{
    ok, parse, ApiError, App, BuildError, Env, Request, Response, Router, ServeError, Surface,
};

#[derive(Debug)]
struct Toy;

/// The flags of the toy surface.
#[derive(Debug, clap::Args)]
struct ToyArgs {
    /// Greeting to answer with.
    #[arg(long, env = "WATCHWORD_TOY_GREETING", default_value = "hello")]
    greeting: String,
}

#[derive(Debug)]
struct ToyState {
    greeting: String,
}

async fn greet(state: Arc<ToyState>, _: Request) -> Result<Response, ApiError> {
    Ok(ok(&serde_json::json!({ "greeting": state.greeting })))
}

/// A build that refuses an empty greeting, as a surface refuses bad settings.
#[derive(Debug, thiserror::Error)]
#[error("--greeting must not be empty")]
struct EmptyGreeting;

impl Surface for Toy {
    type State = ToyState;
    type Args = ToyArgs;
    const NAME: &'static str = "toy-box";
    const PORT: u16 = 8099;
    const SUMMARY: &'static str = "A toy surface.";
    const OPENAPI: &'static str = r#"{"openapi":"3.1.0"}"#;

    fn router() -> Router<ToyState> {
        Router::new().safe_get("/greet", greet)
    }

    fn build(args: &ToyArgs, env: &Env) -> Result<App<ToyState>, BuildError> {
        if args.greeting.trim().is_empty() {
            return Err(Box::new(EmptyGreeting));
        }
        let state = ToyState {
            greeting: args.greeting.clone(),
        };
        Ok(Self::app(state, env.store.clone(), Arc::default()))
    }
}

#[test]
fn the_listen_flag_defaults_to_the_surface_port_and_has_its_own_variable() {
    let (server, args) = parse::<Toy>(["watchword-toy-box"]).expect("defaults");
    assert_eq!(server.listen.to_string(), "127.0.0.1:8099");
    assert_eq!(server.store, "memory://");
    assert_eq!(server.max_connections, 4096);
    assert_eq!((server.client_prefix_v4, server.client_prefix_v6), (32, 64));
    assert_eq!(args.greeting, "hello");

    let help = watchword_http::command::<Toy>()
        .render_long_help()
        .to_string();
    assert!(help.contains("WATCHWORD_TOY_BOX_LISTEN"), "{help}");
    assert!(help.contains("WATCHWORD_STORE"), "{help}");
    assert!(help.contains("--greeting"), "{help}");
}

#[test]
fn help_never_shows_the_store_urls_value_from_the_environment() {
    // The URL may hold a password; `--help` lists the variable but not what it holds.
    let command = watchword_http::command::<Toy>();
    let store = command
        .get_arguments()
        .find(|arg| arg.get_id() == "store")
        .expect("a --store flag");
    assert!(store.is_hide_env_values_set());
    assert_eq!(
        store.get_env(),
        Some(std::ffi::OsStr::new("WATCHWORD_STORE"))
    );
}

#[test]
fn flags_out_of_range_are_refused_by_name() {
    for (flag, value) in [
        ("--client-prefix-v6", "8"),
        ("--client-prefix-v4", "33"),
        ("--max-connections", "0"),
        ("--log-format", "xml"),
        ("--listen", "localhost"),
    ] {
        let error = parse::<Toy>(["watchword-toy-box", flag, value]).expect_err(flag);
        assert!(error.to_string().contains(flag), "{flag}: {error}");
    }
}

#[test]
fn the_store_url_is_redacted_in_the_startup_error() {
    let (mut server, args) = parse::<Toy>(["watchword-toy-box"]).expect("defaults");
    server.store = "redis://:hunter2@[::1".into();
    let error = watchword_http::run_server::<Toy>(&server, &args).expect_err("a bad URL");
    assert!(matches!(error, ServeError::Store(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.starts_with("opening the store"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn a_bad_setting_and_a_taken_port_are_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let (server, args) = parse::<Toy>([
        "watchword-toy-box",
        "--listen",
        &format!("127.0.0.1:{port}"),
    ])
    .expect("flags");
    let error = watchword_http::run_server::<Toy>(&server, &args).expect_err("port in use");
    assert!(matches!(error, ServeError::Bind { .. }), "{error:?}");
    assert!(error.to_string().contains(&port), "{error}");

    let (server, args) = parse::<Toy>(["watchword-toy-box", "--greeting", " "]).expect("flags");
    let error = watchword_http::run_server::<Toy>(&server, &args).expect_err("empty greeting");
    assert_eq!(
        error.to_string(),
        "configuring the toy-box surface: --greeting must not be empty"
    );
}

#[tokio::test]
async fn a_built_surface_serves_its_openapi_document() {
    let env = Env {
        store: watchword_store::open("memory://").expect("memory"),
        clock: watchword_http::system_clock(),
        rng: watchword_http::Rng::os(),
        listen: "127.0.0.1:0".parse().expect("addr"),
    };
    let args = watchword_http::default_args::<Toy>().expect("defaults");
    let app = watchword_http::build::<Toy>(&args, &env).expect("build");
    let request = http::Request::builder()
        .uri("/openapi.json")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .expect("request");
    let response = app.handle(request, "127.0.0.1".parse().expect("ip")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
}
