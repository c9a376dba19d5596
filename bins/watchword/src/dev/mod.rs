//! `watchword dev`: every surface and the demo site in one process, on the memory store.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use watchword_approval_server::Approval;
use watchword_auth_host_server::AuthHost;
use watchword_captcha_server::Captcha;
use watchword_http::header::{HeaderName, HeaderValue};
use watchword_http::{html, ApiError, App, Assets, Env, Request, Response, Rng, Router, Surface};
use watchword_passkey_server::PasskeyService;
use watchword_store::Store;
use watchword_twoway_server::Twoway;

use crate::cli::DevArgs;

mod approval;
mod auth;
mod captcha;
mod client;
mod passkey;
mod twoway;

/// A surface mounted by `dev`, as the banner and the demo site list it.
#[derive(Debug, Clone)]
pub(crate) struct Mounted {
    pub(crate) name: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) url: String,
    /// Its demo, a path on the demo site.
    pub(crate) demo_path: &'static str,
    /// The host name its demo must be opened on, when the listening address will not do
    /// (WebAuthn needs a domain: `localhost`).
    pub(crate) demo_host: Option<&'static str>,
    pub(crate) credentials: Vec<(String, String)>,
}

/// The demo site's state.
#[derive(Debug)]
pub(crate) struct Demo {
    mounted: Vec<Mounted>,
    twoway: twoway::DemoTwoway,
    captcha: captcha::DemoCaptcha,
    passkey: passkey::DemoPasskey,
    auth: auth::DemoAuth,
    approval: approval::DemoApproval,
}

/// Stops every server of the process at once.
#[derive(Debug, Clone)]
struct Stop(watch::Receiver<bool>);

impl Stop {
    async fn wait(mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

pub(crate) fn run(args: &DevArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(serve(args))
}

/// The banner's and index's lines of credentials: (what, value).
pub(crate) type Credentials = Vec<(String, String)>;

/// A surface as `watchword dev` runs it: built by the kit from its description, with its
/// flags at their defaults, plus what its demo page needs (demo sites, clients, keys).
pub(crate) trait DemoSurface: Surface {
    /// What the demo site keeps to call the surface.
    type Demo;

    /// Sets the flags `dev` runs the surface with (listening on `listen`, its demo page on
    /// `demo_origin`); the defaults by default.
    fn dev_args(args: &mut Self::Args, listen: SocketAddr, demo_origin: &str) {
        let _ = (args, listen, demo_origin);
    }

    /// Registers the demo's sites or clients on the built surface, served at `base`, for
    /// pages of the demo site at `demo_origin`.
    async fn prepare(
        state: &Self::State,
        store: &Arc<dyn Store>,
        base: &str,
        demo_origin: &str,
    ) -> anyhow::Result<(Self::Demo, Credentials)>;
}

/// Binds `port` on the dev host, or an ephemeral port for every server when the demo port is 0.
async fn bind(args: &DevArgs, port: u16) -> anyhow::Result<TcpListener> {
    let port = if args.port == 0 { 0 } else { port };
    let addr = SocketAddr::new(args.host, port);
    TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (is it in use? --port 0 picks free ports)")
    })
}

/// Builds surface `S` on the shared store, prepares its demo, and serves it until `stop`.
async fn start<S: DemoSurface>(
    args: &DevArgs,
    store: &Arc<dyn Store>,
    demo_url: &str,
    stop: &Stop,
    tasks: &mut Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
) -> anyhow::Result<(S::Demo, Mounted)> {
    let listener = bind(args, S::PORT).await?;
    let listen = listener.local_addr()?;
    let env = Env {
        store: store.clone(),
        clock: watchword_http::system_clock(),
        rng: Rng::os(),
        listen,
    };
    let base = format!("http://{listen}");
    let page = S::DEMO;
    let mounted = Mounted {
        name: S::NAME,
        summary: S::SUMMARY,
        url: base.clone(),
        demo_path: page.map_or("/", |p| p.path),
        demo_host: page.and_then(|p| p.host),
        credentials: Vec::new(),
    };
    let demo_origin = demo_base(demo_url, &mounted);
    let mut surface_args = watchword_http::default_args::<S>()?;
    S::dev_args(&mut surface_args, listen, &demo_origin);
    let app = watchword_http::build::<S>(&surface_args, &env)?;
    let (demo, credentials) = S::prepare(app.state(), store, &base, &demo_origin).await?;
    tasks.push(tokio::spawn(app.serve(listener, stop.clone().wait())));
    Ok((
        demo,
        Mounted {
            credentials,
            ..mounted
        },
    ))
}

async fn serve(args: &DevArgs) -> anyhow::Result<()> {
    let url = args.redis.as_deref().unwrap_or("memory://");
    let store = watchword_store::open(url).context("opening the state store")?;
    let (stop, stopped) = watch::channel(false);
    let stopped = Stop(stopped);
    let mut tasks = Vec::new();

    let demo_listener = bind(args, args.port).await?;
    let demo_url = format!("http://{}", demo_listener.local_addr()?);

    // Every surface of the registry, each built from its description.
    let (captcha, mounted_captcha) =
        start::<Captcha>(args, &store, &demo_url, &stopped, &mut tasks).await?;
    let (passkey, mounted_passkey) =
        start::<PasskeyService>(args, &store, &demo_url, &stopped, &mut tasks).await?;
    let (twoway, mounted_twoway) =
        start::<Twoway>(args, &store, &demo_url, &stopped, &mut tasks).await?;
    let (auth, mounted_auth) =
        start::<AuthHost>(args, &store, &demo_url, &stopped, &mut tasks).await?;
    let (approval, mounted_approval) =
        start::<Approval>(args, &store, &demo_url, &stopped, &mut tasks).await?;
    let mounted = vec![
        mounted_captcha,
        mounted_approval,
        mounted_auth,
        mounted_passkey,
        mounted_twoway,
    ];

    let listener = demo_listener;
    let demo = Demo {
        mounted: mounted.clone(),
        twoway,
        captcha,
        passkey,
        auth,
        approval,
    };
    let router = approval::routes(auth::routes(passkey::routes(captcha::routes(
        twoway::routes(Router::new().safe_get("/", index)),
    ))))
    // The server-only demo waits, as SendRequest does, for the customer.
    .limits(
        "/approval/server-only",
        watchword_http::RouteLimits {
            body_bytes: None,
            handler_timeout: Some(std::time::Duration::from_secs(150)),
        },
    );
    // The widget's worker must come from the page's own origin: the demo hosts a copy, as a
    // partner site would.
    let assets = Assets::new()
        .with(
            "demo.css",
            "text/css; charset=utf-8",
            &include_bytes!("demo.css")[..],
        )
        .with(
            "ocapi-worker.js",
            "text/javascript; charset=utf-8",
            watchword_captcha_server::OCAPI_WORKER_JS,
        )
        .with(
            "passkey-demo.js",
            "text/javascript; charset=utf-8",
            &include_bytes!("passkey-demo.js")[..],
        )
        .with(
            "auth-demo.js",
            "text/javascript; charset=utf-8",
            &include_bytes!("auth-demo.js")[..],
        );
    let app = App::new("demo", Arc::new(demo), store, router).with_assets(assets);
    tasks.push(tokio::spawn(app.serve(listener, stopped.wait())));

    // Listen for the signals before saying we are up: a stop right after the banner is then
    // a clean shutdown.
    let shutdown = watchword_http::shutdown_signal();
    let on = if args.redis.is_some() {
        "on Redis"
    } else {
        "on the memory store (state is lost on exit)"
    };
    println!("{}", banner(on, &demo_url, &mounted));
    shutdown.await;
    let _ = stop.send(true);
    for task in tasks {
        task.await.context("server task")?.context("server")?;
    }
    Ok(())
}

/// The demo site's URL on the host `surface` needs, if any.
fn demo_base(demo_url: &str, surface: &Mounted) -> String {
    match (surface.demo_host, demo_url.rsplit_once(':')) {
        (Some(host), Some((_, port))) => format!("http://{host}:{port}"),
        _ => demo_url.to_owned(),
    }
}

fn banner(on: &str, demo_url: &str, mounted: &[Mounted]) -> String {
    let mut out = format!("Watchword dev: every surface {on}.\n\n  demo site   {demo_url}/\n");
    for surface in mounted {
        let _ = writeln!(
            out,
            "  {:<11} {}  (demo {}{})",
            surface.name,
            surface.url,
            demo_base(demo_url, surface),
            surface.demo_path
        );
        for (name, value) in &surface.credentials {
            let _ = writeln!(out, "              {name}: {value}");
        }
    }
    out.push_str("\nPress Ctrl-C to stop.");
    out
}

async fn index(demo: Arc<Demo>, request: Request) -> Result<Response, ApiError> {
    let here = format!("http://{}", request.header("host").unwrap_or("127.0.0.1"));
    let mut items = String::new();
    for surface in &demo.mounted {
        let link = match surface.demo_host {
            Some(_) => format!("{}{}", demo_base(&here, surface), surface.demo_path),
            None => surface.demo_path.to_owned(),
        };
        let _ = write!(
            items,
            "<li><a href=\"{path}\">{name}</a>: {summary} <code>{url}</code> · <a href=\"{url}/openapi.json\">OpenAPI</a></li>",
            url = escape(&surface.url),
            path = escape(&link),
            name = surface.name,
            summary = surface.summary,
        );
    }
    Ok(page(
        "Watchword demo",
        &format!(
            "<h1>Watchword demo</h1><p>Every surface running on the in-memory store.</p><ul>{items}</ul>\
             <p>Health: <a href=\"/healthz\">/healthz</a> · <a href=\"/readyz\">/readyz</a> · <a href=\"/metrics\">/metrics</a></p>"
        ),
    ))
}

/// A demo page: no script, and a Content-Security-Policy that allows none.
pub(crate) fn page(title: &str, body: &str) -> Response {
    let mut response = html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/assets/demo.css\"></head><body><main>{body}</main></body></html>",
        title = escape(title)
    ));
    response.headers_mut().insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static("default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    response
}

/// The value of form field `name`, or empty.
pub(crate) fn field(form: &[(String, String)], name: &str) -> String {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The error of a demo page whose surface did not answer.
pub(crate) fn unavailable(surface: &str, error: &anyhow::Error) -> ApiError {
    ApiError::new(
        watchword_http::StatusCode::BAD_GATEWAY,
        "surface_unreachable",
        format!("the {surface} surface did not answer: {error:#}"),
    )
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
