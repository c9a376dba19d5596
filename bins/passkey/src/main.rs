//! `watchword-passkey`: the passkey server.

use std::net::SocketAddr;

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

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("watchword-passkey: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    watchword_http::init_logging(args.log_format);
    watchword_http::run_server(args.listen, &args.store, args.trust_forwarded, |store| {
        Ok(watchword_passkey::PasskeyService::new(store, watchword_passkey::system_clock()).app())
    })
    .map_err(anyhow::Error::msg)
}
