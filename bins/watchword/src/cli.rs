//! Flags and subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use watchword_http::LogFormat;

/// Self-hosted challenge and sign-in services.
#[derive(Debug, Parser)]
#[command(name = "watchword", version, about)]
pub(crate) struct Cli {
    /// State store for admin commands: `memory://`, `redis://host:6379`, `redis+unix:///path`.
    #[arg(
        long,
        global = true,
        env = "WATCHWORD_STORE",
        // Not shown in `--help`: the URL may hold a password.
        hide_env_values = true,
        default_value = "memory://"
    )]
    pub(crate) store: String,

    /// Log format on stderr: text or json.
    #[arg(long, global = true, env = "WATCHWORD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run every surface and the demo site in one process, on the memory store (or `--redis`).
    Dev(DevArgs),
    /// Manage the API clients of a surface (apps, portals, partner backends).
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage the sites a captcha server protects.
    #[command(subcommand)]
    Site(SiteCommand),
    /// Manage the captcha corpus: import images with known answers, export annotations.
    #[command(subcommand)]
    Captcha(CaptchaCommand),
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
    /// Run the surfaces on this Redis (`redis://…`, `redis+unix://…`) instead of the memory
    /// store. Give it a database of its own: the demo writes its sites and clients there.
    #[arg(long, value_name = "URL")]
    pub(crate) redis: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ClientCommand {
    /// Register a client and print its id and secret (the secret is shown only this once).
    Add(ClientAddArgs),
    /// List the clients of a surface (without secrets).
    List {
        /// The surface.
        #[arg(long)]
        surface: String,
    },
    /// Remove a client; exit 1 if there was none.
    Remove {
        /// The surface.
        #[arg(long)]
        surface: String,
        /// The client id.
        id: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ClientAddArgs {
    /// The surface the client calls: twoway, passkey, auth-host or approval.
    #[arg(long)]
    pub(crate) surface: String,
    /// Its role there (twoway: app or portal; passkey: app; auth-host: connect, whose key is
    /// `<id>.<secret>` as a Bearer token). An approval partner has no role: it gets a server
    /// key (`SRV-…`) and a browser key (`JS-…`).
    #[arg(long, default_value = "")]
    pub(crate) role: String,
    /// A name for people.
    #[arg(long)]
    pub(crate) name: String,
    /// What it may act on (twoway: an identity provider name; passkey: a domain, the RP ID
    /// its passkeys are for); repeatable.
    #[arg(long = "scope")]
    pub(crate) scopes: Vec<String>,
    /// A browser origin allowed to call it, like `https://shop.example`; repeatable.
    #[arg(long = "origin")]
    pub(crate) origins: Vec<String>,
    /// A chosen client id instead of a random one.
    #[arg(long)]
    pub(crate) id: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SiteCommand {
    /// Register a site and print its public id and secret.
    Add(SiteAddArgs),
    /// List the sites (secrets hidden unless --show-secrets).
    List {
        /// Also print each site's secret.
        #[arg(long)]
        show_secrets: bool,
    },
    /// Give a site a new secret and print it (the old one stops working at once); exit 1 if
    /// there was no such site.
    RotateSecret {
        /// The site id.
        id: String,
    },
    /// Remove a site; exit 1 if there was none.
    Remove {
        /// The site id.
        id: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct SiteAddArgs {
    /// A name for people.
    #[arg(long)]
    pub(crate) name: String,
    /// A browser origin whose pages embed the widget, like `https://shop.example`; repeatable.
    #[arg(long = "origin", required = true)]
    pub(crate) origins: Vec<String>,
    /// A challenge kind to offer (the first is the default); repeatable. Both when absent.
    #[arg(long = "kind", value_enum)]
    pub(crate) kinds: Vec<ChallengeKind>,
    /// Base proof-of-work difficulty in bits (0 to 32).
    #[arg(long)]
    pub(crate) difficulty: Option<u8>,
    /// A chosen site id instead of a random one.
    #[arg(long)]
    pub(crate) id: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ChallengeKind {
    /// Ocapi's two-word transcription.
    #[value(name = "transcription")]
    Transcription,
    /// Invisible proof of work.
    #[value(name = "proof_of_work")]
    ProofOfWork,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CaptchaCommand {
    /// Import a folder of images (PNG, JPEG, GIF, WebP); the CSV gives known answers as
    /// `file,answer` rows. Images without an answer are collected annotations' targets.
    Import {
        /// The folder of images.
        dir: PathBuf,
        /// The CSV of known answers (`file,answer`, optional header).
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
    },
    /// Print every item with its answer and the annotation votes collected, as CSV.
    Export,
    /// Load the generated demo corpus (words drawn with the bundled font).
    Demo,
    /// Review the answers the corpus learned from votes: list them (the default), or accept
    /// one (it ends probation and serves as a control) or reject one (its answer and votes
    /// are dropped and it is asked again).
    Review {
        /// Accept the learned answer of this item.
        #[arg(long, value_name = "ITEM", conflicts_with = "reject")]
        accept: Option<String>,
        /// Reject the learned answer of this item.
        #[arg(long, value_name = "ITEM")]
        reject: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Print a new Ed25519 signing key as a private JWK, and its public JWKS.
    Generate,
    /// Rotate the auth host's session key file: a new key signs from now on, the previous ones
    /// keep verifying (the host publishes them all). Creates the file when it does not exist.
    Rotate(RotateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RotateArgs {
    /// The key-set file the auth host reads (`--keys`).
    #[arg(long, value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// How many keys to keep, the new one included (at least 2, so that sessions signed
    /// with the previous key keep verifying until they expire).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(2..=10))]
    pub(crate) keep: u16,
}

#[derive(Debug, Subcommand)]
pub(crate) enum VerifyCommand {
    /// Verify a compact JWS/JWT. Prints one JSON object; exits 0 valid, 1 invalid, 2 usage error.
    Jwt(JwtArgs),
    /// Verify a BIP-322 (simple, full, proof of funds) or legacy signmessage signature.
    Bip322(Bip322Args),
    /// Verify an auth-host session token against a JWKS file or URL.
    Session(SessionArgs),
    /// Verify a WebAuthn registration or authentication response (`PublicKeyCredential.toJSON()`).
    Webauthn(WebauthnArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum CeremonyKind {
    Registration,
    Authentication,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum UserVerificationArg {
    Required,
    Preferred,
    Discouraged,
}

#[derive(Debug, Args)]
pub(crate) struct WebauthnArgs {
    /// Which ceremony the response is from.
    #[arg(long, value_enum)]
    pub(crate) ceremony: CeremonyKind,
    /// The relying party id (a domain, like `example.org`).
    #[arg(long)]
    pub(crate) rp_id: String,
    /// An origin the ceremony may run on, like `https://example.org`; repeatable.
    #[arg(long = "origin", required = true)]
    pub(crate) origins: Vec<String>,
    /// The challenge the options carried, base64url.
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) challenge: String,
    /// The browser's `PublicKeyCredential.toJSON()`, a file or - for stdin.
    #[arg(long, value_name = "FILE")]
    pub(crate) response: std::path::PathBuf,
    /// For authentication: `{"credential_id", "public_key_cose", "sign_count", "user_handle"?}`
    /// (base64url), as a valid registration prints under "credential".
    #[arg(long, value_name = "FILE")]
    pub(crate) credential: Option<std::path::PathBuf>,
    /// User verification the options asked for.
    #[arg(long, value_enum, default_value = "preferred")]
    pub(crate) user_verification: UserVerificationArg,
    /// A COSE algorithm the options offered (-7 ES256, -8 EdDSA, -35 ES384, -36 ES512, -257
    /// RS256, -258 RS384, -259 RS512, -37 PS256, -38 PS384, -39 PS512); repeatable. Every
    /// supported one when absent.
    #[arg(long = "alg", allow_hyphen_values = true)]
    pub(crate) algs: Vec<i64>,
    /// A credential id the options' allowCredentials listed, base64url; repeatable.
    #[arg(long = "allow-credential", allow_hyphen_values = true)]
    pub(crate) allow_credentials: Vec<String>,
    /// The FIDO `AppID` of the `appid` extension.
    #[arg(long)]
    pub(crate) appid: Option<String>,
    /// Accept a cross-origin ceremony (an iframe) whose topOrigin is an `--origin` or a
    /// `--top-origin`.
    #[arg(long)]
    pub(crate) allow_cross_origin: bool,
    /// A top-level origin allowed with `--allow-cross-origin`; repeatable.
    #[arg(long = "top-origin")]
    pub(crate) top_origins: Vec<String>,
    /// An attestation trust root, DER as base64url; repeatable. Without one the attestation
    /// signature is still verified, and its chain reported as not evaluated.
    #[arg(long = "trust-root", allow_hyphen_values = true)]
    pub(crate) trust_roots: Vec<String>,
    /// The time to check certificates at (RFC 3339, like 2026-01-01T00:00:00Z); now by default.
    #[arg(long)]
    pub(crate) at: Option<String>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("msg").required(true).args(["message", "message_file"]))]
pub(crate) struct Bip322Args {
    /// The address that signed.
    #[arg(long)]
    pub(crate) address: String,
    /// The message, as text.
    #[arg(long)]
    pub(crate) message: Option<String>,
    /// A file holding the exact message bytes (for messages with newlines), or - for stdin.
    #[arg(long, value_name = "FILE")]
    pub(crate) message_file: Option<PathBuf>,
    /// The signature, base64 (optionally with the smp/ful/pof prefix).
    #[arg(long)]
    pub(crate) signature: String,
    /// The network the address must belong to.
    #[arg(long, value_enum, default_value = "bitcoin")]
    pub(crate) network: BitcoinNetwork,
    /// Also accept legacy signmessage signatures for segwit addresses (Electrum and
    /// BIP-137 headers); legacy signatures for P2PKH are always accepted.
    #[arg(long)]
    pub(crate) allow_legacy: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum BitcoinNetwork {
    Bitcoin,
    Testnet,
    Testnet4,
    Signet,
    Regtest,
}

#[derive(Debug, Args)]
pub(crate) struct SessionArgs {
    /// The issuer's JWKS: a file, or an http(s) URL to fetch.
    #[arg(long, value_name = "FILE_OR_URL")]
    pub(crate) jwks: String,
    /// Required issuer.
    #[arg(long)]
    pub(crate) iss: Option<String>,
    /// Required audience.
    #[arg(long)]
    pub(crate) aud: Option<String>,
    /// Clock leeway in seconds.
    #[arg(long, default_value_t = 0)]
    pub(crate) leeway: u64,
    /// The token (the session cookie's value), or - to read it from standard input.
    pub(crate) token: String,
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
