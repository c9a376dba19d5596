//! `watchword-passkey`: the passkey server.

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::Parser;
use watchword_http::LogFormat;

/// Passkey (WebAuthn) sign-in, OTPless compatible.
#[derive(Debug, Parser)]
#[command(name = "watchword-passkey", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(
        long,
        env = "WATCHWORD_PASSKEY_LISTEN",
        default_value = "127.0.0.1:8084"
    )]
    listen: SocketAddr,
    /// State store: `memory://`, `redis://host:6379`, `redis+unix:///path`, `redis+cluster://a,b`.
    #[arg(long, env = "WATCHWORD_STORE", default_value = "memory://")]
    store: String,
    /// Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    #[arg(long, env = "WATCHWORD_TRUST_FORWARDED")]
    trust_forwarded: bool,
    /// Log format: text or json.
    #[arg(long, env = "WATCHWORD_LOG_FORMAT", default_value = "text", value_parser = |s: &str| s.parse::<LogFormat>())]
    log_format: LogFormat,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    watchword_http::init_logging(args.log_format);
    let store = watchword_store::open(&args.store).context("opening the store")?;
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async {
        let passkey =
            watchword_passkey::PasskeyService::new(store, watchword_passkey::system_clock());
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        passkey
            .app()
            .trust_forwarded(args.trust_forwarded)
            .serve(listener, watchword_http::shutdown_signal())
            .await?;
        Ok(())
    })
}
