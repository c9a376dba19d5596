//! `watchword dev`: every surface and the demo site in one process, on the memory store.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use watchword_http::{html, ApiError, App, Request, Response, Router};

use crate::cli::DevArgs;

/// A surface mounted by `dev`, as the demo site lists it.
#[derive(Debug, Clone)]
pub(crate) struct Mounted {
    pub(crate) name: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) url: String,
    pub(crate) demo_path: &'static str,
    pub(crate) credentials: Vec<(&'static str, String)>,
}

#[derive(Debug)]
struct Demo {
    mounted: Vec<Mounted>,
}

pub(crate) fn run(args: &DevArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: &DevArgs) -> anyhow::Result<()> {
    let store = watchword_store::open("memory://").context("opening the memory store")?;
    // Each surface adds itself here as it lands: its app, on its standard port.
    let mounted: Vec<Mounted> = Vec::new();

    let demo_addr = SocketAddr::new(args.host, args.port);
    let listener = TcpListener::bind(demo_addr).await.with_context(|| {
        format!("cannot listen on {demo_addr} (is it in use? pick another with --port)")
    })?;
    let demo_url = format!("http://{}", listener.local_addr()?);
    let router = Router::new().get("/", index);
    let app = App::new(
        "demo",
        Arc::new(Demo {
            mounted: mounted.clone(),
        }),
        store,
        router,
    );

    println!("{}", banner(&demo_url, &mounted));
    let (stop, stopped) = watch::channel(false);
    let server = tokio::spawn(app.serve(listener, until(stopped)));
    watchword_http::shutdown_signal().await;
    let _ = stop.send(true);
    server
        .await
        .context("demo site task")?
        .context("demo site")?;
    Ok(())
}

async fn until(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

fn banner(demo_url: &str, mounted: &[Mounted]) -> String {
    let mut out = format!("Watchword dev: every surface on the memory store (state is lost on exit).\n\n  demo site   {demo_url}/\n");
    for surface in mounted {
        let _ = writeln!(
            out,
            "  {:<11} {}  (demo {}{})",
            surface.name, surface.url, surface.url, surface.demo_path
        );
        for (name, value) in &surface.credentials {
            let _ = writeln!(out, "              {name}: {value}");
        }
    }
    if mounted.is_empty() {
        out.push_str("\n  No surface is built into this version yet; the demo site lists them as they land.\n");
    }
    out.push_str("\nPress Ctrl-C to stop.");
    out
}

async fn index(demo: Arc<Demo>, _: Request) -> Result<Response, ApiError> {
    let mut items = String::new();
    for surface in &demo.mounted {
        let _ = write!(
            items,
            "<li><a href=\"{url}{path}\">{name}</a> — {summary} <code>{url}</code></li>",
            url = escape(&surface.url),
            path = surface.demo_path,
            name = surface.name,
            summary = surface.summary,
        );
    }
    if items.is_empty() {
        items.push_str("<li>No surface is built into this version yet.</li>");
    }
    Ok(html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Watchword demo</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
         <body><main><h1>Watchword demo</h1><p>Every surface running on the in-memory store.</p>\
         <ul>{items}</ul><p>Health: <a href=\"/healthz\">/healthz</a> · <a href=\"/readyz\">/readyz</a> · \
         <a href=\"/metrics\">/metrics</a></p></main></body></html>"
    )))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
