//! A partner backend checking the challenge id its form received, as `docs/captcha.md`
//! describes: it signs a fresh `HS512` JWT with the site secret (`iss` the site id, `sub` the
//! challenge id, a random `jti`, one minute of life), asks the captcha server
//! `GET /v1/sites/{site}/challenges/{id}` with it, and accepts the form only when the answer
//! says `"state": "valid"`. A server reports a challenge valid exactly once, so running the
//! example twice on one id prints `valid`, then `consumed`.
//!
//! ```sh
//! export WATCHWORD_CAPTCHA_URL=http://127.0.0.1:8081
//! export WATCHWORD_SITE=demo-site
//! export WATCHWORD_SITE_SECRET=…   # the "site secret" line of the `watchword dev` banner
//! cargo run -p watchword-examples --example partner_check -- CHALLENGE_ID
//! ```
//!
//! The challenge id is the value of the form's `ocapi-response` field. The exit code is 0 when
//! the challenge is valid and 1 otherwise, whatever the reason (a usage error, a refused
//! token, a challenge that is pending, invalid, expired or consumed, a server that does not
//! answer). The example speaks plain HTTP, as on loopback; a backend that reaches the server
//! over the network builds its client with a TLS connector instead.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper::{header, Request, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rand_core::{OsRng, RngCore as _};
use watchword_token::{Claims, HmacKey, SigningKey, UnixTime};

const USAGE: &str = "\
usage: partner_check [--url URL] [--site SITE_ID] [--action ACTION] [--] CHALLENGE_ID

Checks a captcha challenge id for a site, once. Reads the site secret from
WATCHWORD_SITE_SECRET (a secret on the command line would show in `ps`).

  --url URL         the captcha server, default $WATCHWORD_CAPTCHA_URL
  --site SITE_ID    the site id (data-sitekey), default $WATCHWORD_SITE
  --action ACTION   also require the challenge to carry this action (data-action)

Exit code: 0 when the server reports the challenge valid, 1 otherwise.";

/// How long a partner token lives; the server accepts at most 300 seconds.
const TOKEN_LIFETIME_SECS: u64 = 60;
/// How long the whole check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read; the real one is a few hundred bytes.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What the check needs. No `Debug`: it holds the secret.
struct Config {
    /// The server's base URL, without a trailing slash.
    base: String,
    site: String,
    secret: String,
    challenge: String,
    action: Option<String>,
}

/// Reads the flags, the positional challenge id and the environment.
fn config(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut base = std::env::var("WATCHWORD_CAPTCHA_URL").ok();
    let mut site = std::env::var("WATCHWORD_SITE").ok();
    let mut action = None;
    let mut positional = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--url" => base = Some(value("--url")?),
            "--site" => site = Some(value("--site")?),
            "--action" => action = Some(value("--action")?),
            "--" => positional.extend(args.by_ref()),
            // A challenge id may start with one `-` (base64url), so only `--` marks a flag.
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            _ => positional.push(arg),
        }
    }
    let challenge = match <[String; 1]>::try_from(positional) {
        Ok([challenge]) => challenge,
        Err(given) if given.is_empty() => return Err("no challenge id".into()),
        Err(_) => return Err("give one challenge id".into()),
    };
    let base = base
        .filter(|b| !b.is_empty())
        .ok_or("no captcha server: set WATCHWORD_CAPTCHA_URL or pass --url")?;
    let site = site
        .filter(|s| !s.is_empty())
        .ok_or("no site id: set WATCHWORD_SITE or pass --site")?;
    let secret = std::env::var("WATCHWORD_SITE_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
        .ok_or("no site secret: set WATCHWORD_SITE_SECRET")?;
    Ok(Config {
        base: base.trim_end_matches('/').to_owned(),
        site,
        secret,
        challenge,
        action,
    })
}

/// Whether `id` can be a challenge id: 1 to 128 of `A-Z a-z 0-9 _ -`. The form field comes
/// from the browser, so it is checked before it goes into a URL.
fn is_challenge_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// 16 random bytes in lower-case hex: a `jti` no other token of the site will carry.
fn random_jti() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().fold(String::with_capacity(32), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The partner token for one check of `challenge`: a new one per request, retries included,
/// since the server refuses a `jti` it has seen.
fn partner_token(config: &Config, now: u64) -> Result<String, watchword_token::Error> {
    // The key is the secret's UTF-8 bytes, as the server reads it.
    let key = SigningKey::Hmac(HmacKey::hs512(config.secret.as_bytes())?);
    let mut claims = Claims::new(UnixTime(now + TOKEN_LIFETIME_SECS));
    claims.iss = Some(config.site.clone());
    claims.sub = Some(config.challenge.clone());
    claims.iat = Some(UnixTime(now));
    claims.jti = Some(random_jti());
    key.sign(&claims)
}

/// Sends the check and returns the status and the JSON answer.
async fn check(
    config: &Config,
    token: &str,
) -> Result<(StatusCode, serde_json::Value), Box<dyn std::error::Error + Send + Sync>> {
    let url = format!(
        "{}/v1/sites/{}/challenges/{}",
        config.base, config.site, config.challenge
    );
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("{url:?}: this example speaks plain http:// only").into());
    }
    let request = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT, "application/json")
        .body(Empty::<Bytes>::new())?;
    let client = Client::builder(TokioExecutor::new()).build_http();
    let response = client.request(request).await?;
    let status = response.status();
    let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
        .collect()
        .await?
        .to_bytes();
    let json = serde_json::from_slice(&body).map_err(|e| {
        format!("the server answered {status} with something that is not JSON: {e}")
    })?;
    Ok((status, json))
}

/// Judges the server's answer: `Ok` with a summary when the challenge is valid for this site
/// (and action), `Err` saying why not otherwise.
fn judge(
    config: &Config,
    status: StatusCode,
    answer: &serde_json::Value,
) -> Result<String, String> {
    let text = |name: &str| answer[name].as_str().unwrap_or("-").to_owned();
    if status != StatusCode::OK {
        // The server's error object: {"error": {"code", "message"}}.
        return Err(format!(
            "the server refused the check ({status} {}): {}",
            answer["error"]["code"].as_str().unwrap_or("?"),
            answer["error"]["message"].as_str().unwrap_or("")
        ));
    }
    if answer["id"] != config.challenge.as_str() || answer["site"] != config.site.as_str() {
        return Err("the answer is about another challenge".into());
    }
    if answer["state"] != "valid" {
        return Err(format!("the challenge is {}", text("state")));
    }
    if let Some(expected) = &config.action {
        if answer["action"] != expected.as_str() {
            return Err(format!(
                "the challenge was solved for action {}, not {expected}",
                text("action")
            ));
        }
    }
    Ok(format!(
        "valid: a {} challenge solved on {} (action {})",
        text("kind"),
        text("hostname"),
        text("action")
    ))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let config = match config(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("partner_check: {problem}\n");
            }
            eprintln!("{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    if !is_challenge_id(&config.challenge) {
        eprintln!("refused: {:?} is not a challenge id", config.challenge);
        return ExitCode::FAILURE;
    }
    let token = match partner_token(&config, unix_now()) {
        Ok(token) => token,
        Err(error) => {
            eprintln!("cannot sign the partner token: {error}");
            return ExitCode::FAILURE;
        }
    };
    let verdict = match tokio::time::timeout(CHECK_TIMEOUT, check(&config, &token)).await {
        Ok(Ok((status, answer))) => judge(&config, status, &answer),
        Ok(Err(error)) => Err(format!("the check failed: {error}")),
        Err(_) => Err(format!(
            "the server did not answer within {} s",
            CHECK_TIMEOUT.as_secs()
        )),
    };
    match verdict {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            println!("refused: {why}");
            ExitCode::FAILURE
        }
    }
}
