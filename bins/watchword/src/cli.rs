//! Flags and subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use watchword_http::LogFormat;

/// Self-hosted challenge and sign-in services.
#[derive(Debug, Parser)]
#[command(name = "watchword", version, about)]
pub(crate) struct Cli {
    /// Log format on stderr: text or json.
    #[arg(long, global = true, env = "WATCHWORD_LOG_FORMAT", default_value = "text", value_parser = parse_log_format)]
    pub(crate) log_format: LogFormat,

    #[command(subcommand)]
    pub(crate) command: Command,
}

fn parse_log_format(s: &str) -> Result<LogFormat, String> {
    s.parse()
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run every surface and the demo site in one process, on the memory store.
    Dev(DevArgs),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Verify tokens and signatures offline, to debug an integration.
    #[command(subcommand)]
    Verify(VerifyCommand),
}

#[derive(Debug, Args)]
pub(crate) struct DevArgs {
    /// Address the servers listen on. Loopback by default: dev mode has demo credentials.
    #[arg(long, env = "WATCHWORD_DEV_HOST", default_value = "127.0.0.1")]
    pub(crate) host: std::net::IpAddr,
    /// Port of the demo site; the surfaces use their standard ports (8081-8085).
    #[arg(long, env = "WATCHWORD_DEV_PORT", default_value_t = 8080)]
    pub(crate) port: u16,
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Print a new Ed25519 signing key as a private JWK, and its public JWKS.
    Generate,
}

#[derive(Debug, Subcommand)]
pub(crate) enum VerifyCommand {
    /// Verify a compact JWS/JWT. Prints one JSON object; exits 0 valid, 1 invalid, 2 usage error.
    Jwt(JwtArgs),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("key").required(true).args(["jwks", "secret_file"]))]
pub(crate) struct JwtArgs {
    /// A JWKS (or single JWK) file with the Ed25519 public keys to accept.
    #[arg(long, value_name = "FILE")]
    pub(crate) jwks: Option<PathBuf>,
    /// A file holding the HMAC secret (bytes as they are; one trailing newline is ignored).
    #[arg(long, value_name = "FILE", requires = "alg")]
    pub(crate) secret_file: Option<PathBuf>,
    /// The HMAC algorithm the secret is for.
    #[arg(long, value_enum)]
    pub(crate) alg: Option<HmacAlg>,
    /// Required audience.
    #[arg(long)]
    pub(crate) aud: Option<String>,
    /// Required issuer.
    #[arg(long)]
    pub(crate) iss: Option<String>,
    /// Clock leeway for exp, nbf and iat, in seconds.
    #[arg(long, default_value_t = 0)]
    pub(crate) leeway: u64,
    /// The token, or - to read it from standard input.
    pub(crate) token: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum HmacAlg {
    #[value(name = "HS256")]
    Hs256,
    #[value(name = "HS512")]
    Hs512,
}
