//! `watchword-captcha`: the captcha server.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use watchword_captcha::ChallengeConfig;
use watchword_captcha_server::{sites, Captcha, Settings};
use watchword_http::LogFormat;

/// An Ocapi-compatible captcha with a Turnstile/hCaptcha-compatible siteverify.
#[derive(Debug, Parser)]
#[command(name = "watchword-captcha", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(
        long,
        env = "WATCHWORD_CAPTCHA_LISTEN",
        default_value = "127.0.0.1:8081"
    )]
    listen: SocketAddr,
    /// State store: `memory://`, `redis://host:6379`, `redis+unix:///path`, `redis+cluster://a,b`.
    #[arg(long, env = "WATCHWORD_STORE", default_value = "memory://")]
    store: String,
    /// A JSON file of sites (`{"sites": [...]}`), served beside those of the store.
    #[arg(long, env = "WATCHWORD_CAPTCHA_SITES", value_name = "FILE")]
    sites: Option<PathBuf>,
    /// Seconds a challenge may take to answer (10 to 3600).
    #[arg(long, env = "WATCHWORD_CAPTCHA_LIFETIME", default_value_t = 300)]
    lifetime: u64,
    /// Seconds a right answer stays valid for the partner's check (10 to 3600).
    #[arg(long, env = "WATCHWORD_CAPTCHA_VALID_FOR", default_value_t = 300)]
    valid_for: u64,
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
            eprintln!("watchword-captcha: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    watchword_http::init_logging(args.log_format);
    let challenge = ChallengeConfig::new()
        .with_lifetime_secs(args.lifetime)
        .and_then(|c| c.with_valid_for_secs(args.valid_for))
        .context("challenge settings")?;
    let fixed = match &args.sites {
        Some(path) => sites::load_file(path)?,
        None => Vec::new(),
    };
    let sites = sites::Sites::new(fixed).map_err(|e| anyhow::anyhow!(e.message().to_owned()))?;
    watchword_http::run_server(args.listen, &args.store, args.trust_forwarded, |store| {
        let settings = Settings {
            challenge,
            ..Settings::default()
        };
        Ok(Captcha::new(
            store,
            sites,
            settings,
            watchword_captcha_server::system_clock(),
        )
        .app())
    })
    .map_err(anyhow::Error::msg)
}
