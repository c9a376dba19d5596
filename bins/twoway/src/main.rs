//! `watchword-twoway`: the two-way OTP pairing server.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use watchword_http::LogFormat;
use watchword_otp::PairingConfig;

/// Two-way OTP device pairing (Token Server compatible).
#[derive(Debug, Parser)]
#[command(name = "watchword-twoway", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(
        long,
        env = "WATCHWORD_TWOWAY_LISTEN",
        default_value = "127.0.0.1:8085"
    )]
    listen: SocketAddr,
    /// State store: `memory://`, `redis://host:6379`, `redis+unix:///path`, `redis+cluster://a,b`.
    #[arg(long, env = "WATCHWORD_STORE", default_value = "memory://")]
    store: String,
    /// Private Ed25519 JWK signing registration tokens (the output of `watchword keys
    /// generate`). Without it a key is generated at start and tokens stop verifying at restart.
    #[arg(long, env = "WATCHWORD_TWOWAY_SIGNING_KEY", value_name = "FILE")]
    signing_key: Option<PathBuf>,
    /// Public base URL, the `iss` of registration tokens.
    #[arg(long, env = "WATCHWORD_TWOWAY_ISSUER")]
    issuer: Option<String>,
    /// Lifetime of a pairing, in seconds (30 to 3600).
    #[arg(long, env = "WATCHWORD_TWOWAY_LIFETIME", default_value_t = 300)]
    lifetime: u64,
    /// Wrong response codes before a pairing is burned (1 to 10).
    #[arg(long, env = "WATCHWORD_TWOWAY_ATTEMPTS", default_value_t = 5)]
    attempts: u8,
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
            eprintln!("watchword-twoway: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    watchword_http::init_logging(args.log_format);
    let pairing = PairingConfig::new()
        .with_lifetime_secs(args.lifetime)
        .and_then(|c| c.with_max_attempts(args.attempts))
        .context("pairing settings")?;
    let keys = watchword_twoway::keys::load_or_generate(args.signing_key.as_deref())?;
    let issuer = args
        .issuer
        .unwrap_or_else(|| format!("http://{}", args.listen));
    watchword_http::run_server(args.listen, &args.store, args.trust_forwarded, |store| {
        Ok(watchword_twoway::Twoway::new(
            store,
            keys,
            issuer,
            pairing,
            watchword_twoway::system_clock(),
        )?
        .app())
    })
    .map_err(anyhow::Error::msg)
}
