//! `watchword verify …`: offline verifiers that print one JSON object on stdout and exit 0
//! (valid), 1 (invalid) or 2 (usage error: unreadable file, malformed key).

use std::io::Read as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use watchword_token::{
    HmacKey, Jwk, Jwks, KeyRing, UnixTime, Validation, VerifiedJws, VerifyingKey,
};

use crate::cli::{
    Bip322Args, BitcoinNetwork, CeremonyKind, HmacAlg, JwtArgs, SessionArgs, UserVerificationArg,
    VerifyCommand, WebauthnArgs,
};

/// A problem with how the command was called, as opposed to an invalid token.
struct Usage(String);

/// `{"valid": true, …}` or `{"valid": false, "reason": …}`.
type Verdict = Result<Value, Value>;

pub(crate) fn run(command: VerifyCommand) -> ExitCode {
    let verdict = match command {
        VerifyCommand::Jwt(args) => jwt(&args),
        VerifyCommand::Bip322(args) => bip322(&args),
        VerifyCommand::Session(args) => session(&args),
        VerifyCommand::Webauthn(args) => webauthn(&args),
    };
    match verdict {
        Ok(Ok(valid)) => {
            println!("{valid}");
            ExitCode::SUCCESS
        }
        Ok(Err(invalid)) => {
            println!("{invalid}");
            ExitCode::from(1)
        }
        Err(Usage(message)) => {
            eprintln!("watchword: {message}");
            ExitCode::from(2)
        }
    }
}

/// The token argument, or standard input for `-`, without surrounding whitespace.
fn token_argument(token: &str) -> Result<String, Usage> {
    if token != "-" {
        return Ok(token.trim().to_owned());
    }
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| Usage(format!("cannot read the token from stdin: {e}")))?;
    Ok(input.trim().to_owned())
}

fn read_file(path: &Path) -> Result<Vec<u8>, Usage> {
    std::fs::read(path).map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))
}

fn now() -> UnixTime {
    UnixTime(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

/// Either the signature check of a whole key ring or of one secret.
enum Verifier {
    Ring(KeyRing),
    // Boxed: an HMAC key carries its pre-keyed state, far larger than a ring.
    Secret(Box<VerifyingKey>),
}

fn jwt(args: &JwtArgs) -> Result<Verdict, Usage> {
    let verifier = if let Some(path) = &args.jwks {
        let text = String::from_utf8(read_file(path)?)
            .map_err(|_| Usage(format!("{} is not UTF-8", path.display())))?;
        // A JWKS, or a single JWK for convenience.
        let jwks = match Jwks::from_json(&text) {
            Ok(jwks) => jwks,
            Err(set_error) => match Jwk::from_json(&text) {
                Ok(jwk) => Jwks::new(vec![jwk]),
                Err(_) => {
                    return Err(Usage(format!(
                        "{} is not a usable JWKS: {set_error}",
                        path.display()
                    )))
                }
            },
        };
        let ring =
            KeyRing::from_jwks(&jwks).map_err(|e| Usage(format!("{}: {e}", path.display())))?;
        if ring.is_empty() {
            return Err(Usage(format!(
                "{} has no key this verifier can use (Ed25519 or HS256/HS512 oct keys)",
                path.display()
            )));
        }
        Verifier::Ring(ring)
    } else if let (Some(path), Some(alg)) = (&args.secret_file, args.alg) {
        let mut secret = read_file(path)?;
        if secret.last() == Some(&b'\n') {
            secret.pop();
            if secret.last() == Some(&b'\r') {
                secret.pop();
            }
        }
        let key = match alg {
            HmacAlg::Hs256 => HmacKey::hs256(&secret),
            HmacAlg::Hs512 => HmacKey::hs512(&secret),
        }
        .map_err(|e| Usage(format!("{}: {e}", path.display())))?;
        Verifier::Secret(Box::new(key.into()))
    } else {
        return Err(Usage(
            "give --jwks FILE, or --secret-file FILE with --alg".into(),
        ));
    };
    let token = token_argument(&args.token)?;
    if token.is_empty() {
        return Err(Usage("the token is empty".into()));
    }

    let mut validation = Validation::new().leeway(args.leeway);
    if let Some(aud) = &args.aud {
        validation = validation.audience(aud.clone());
    }
    if let Some(iss) = &args.iss {
        validation = validation.issuer(iss.clone());
    }
    let now = now();
    let checked = match &verifier {
        Verifier::Ring(ring) => ring
            .verify::<Map<String, Value>>(&token, &validation, now)
            .and_then(|_| ring.verify_signature(&token)),
        Verifier::Secret(key) => key
            .verify::<Map<String, Value>>(&token, &validation, now)
            .and_then(|_| key.verify_signature(&token)),
    };
    Ok(match checked {
        Ok(jws) => Ok(valid(&jws)),
        Err(error) => Err(json!({ "valid": false, "reason": error.to_string() })),
    })
}

fn valid(verified: &VerifiedJws) -> Value {
    let header: Value = serde_json::from_slice(verified.header_json()).unwrap_or(Value::Null);
    let claims: Value = serde_json::from_slice(verified.payload()).unwrap_or(Value::Null);
    json!({ "valid": true, "header": header, "claims": claims })
}

fn bip322(args: &Bip322Args) -> Result<Verdict, Usage> {
    use watchword_bip322::{Network, Verifier};
    let message = match (&args.message, &args.message_file) {
        (Some(text), _) => text.clone().into_bytes(),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
                .map_err(|e| Usage(format!("cannot read the message from stdin: {e}")))?;
            bytes
        }
        (None, Some(path)) => read_file(path)?,
        (None, None) => return Err(Usage("give --message or --message-file".into())),
    };
    let network = match args.network {
        BitcoinNetwork::Bitcoin => Network::Bitcoin,
        BitcoinNetwork::Testnet => Network::Testnet,
        BitcoinNetwork::Testnet4 => Network::Testnet4,
        BitcoinNetwork::Signet => Network::Signet,
        BitcoinNetwork::Regtest => Network::Regtest,
    };
    let verifier = Verifier::new(network).allow_legacy_segwit(args.allow_legacy);
    Ok(
        match verifier.verify(args.address.trim(), &message, args.signature.trim()) {
            Ok(signed) => Ok(json!({
                "valid": true,
                "address": signed.address().to_string(),
                "kind": signed.kind().to_string(),
                "network": network.to_string(),
            })),
            Err(error) => Err(json!({
                "valid": false,
                "reason": error.code(),
                "message": error.to_string(),
                "inconclusive": error.is_inconclusive(),
            })),
        },
    )
}

fn session(args: &SessionArgs) -> Result<Verdict, Usage> {
    use watchword_session::verdict;
    let token = token_argument(&args.token)?;
    let mut rules = watchword_session::SessionRules::new(args.leeway);
    if let Some(iss) = &args.iss {
        rules = rules.issuer(iss.clone());
    }
    if let Some(aud) = &args.aud {
        rules = rules.audience(aud.clone());
    }
    let verdict = if verdict::is_url(&args.jwks) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Usage(e.to_string()))?;
        runtime
            .block_on(watchword_jwks_fetch::verify_session_with_url(
                &args.jwks,
                &token,
                rules,
                now(),
            ))
            .map_err(|e| Usage(format!("{}: {e}", args.jwks)))?
    } else {
        let path = Path::new(&args.jwks);
        let text = String::from_utf8(read_file(path)?)
            .map_err(|_| Usage(format!("{} is not UTF-8", path.display())))?;
        verdict::verify_session_with_jwks(&text, &token, rules, now())
            .map_err(|e| Usage(format!("{}: {e}", path.display())))?
    };
    Ok(if verdict["valid"] == true {
        Ok(verdict)
    } else {
        Err(verdict)
    })
}

/// Base64url, unpadded or with complete `=` padding, as the response's members are read.
fn b64url(text: &str, what: &str) -> Result<Vec<u8>, Usage> {
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    let text = text.trim();
    let engine = if text.ends_with('=') {
        &URL_SAFE
    } else {
        &URL_SAFE_NO_PAD
    };
    engine
        .decode(text)
        .map_err(|_| Usage(format!("{what} is not base64url")))
}

fn b64url_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The `--credential` file of `verify webauthn`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialFile {
    credential_id: String,
    public_key_cose: String,
    sign_count: u32,
    #[serde(default)]
    user_handle: Option<String>,
}

fn relying_party(args: &WebauthnArgs) -> Result<watchword_webauthn::RelyingParty, Usage> {
    use watchword_webauthn::{CoseAlgorithm, RelyingParty, UserVerification};
    let mut builder =
        RelyingParty::builder(args.rp_id.clone()).user_verification(match args.user_verification {
            UserVerificationArg::Required => UserVerification::Required,
            UserVerificationArg::Preferred => UserVerification::Preferred,
            UserVerificationArg::Discouraged => UserVerification::Discouraged,
        });
    for origin in &args.origins {
        builder = builder.origin(origin.clone());
    }
    if !args.algs.is_empty() {
        let allowed = args
            .algs
            .iter()
            .map(|id| {
                CoseAlgorithm::from_id(*id).ok_or_else(|| {
                    Usage(format!(
                        "--alg {id} is not supported: -7 ES256, -8 EdDSA, -35 ES384, -36 ES512, \
                         -257 RS256, -258 RS384, -259 RS512, -37 PS256, -38 PS384, -39 PS512"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        builder = builder.algorithms(&allowed);
    }
    if let Some(appid) = &args.appid {
        builder = builder.app_id(appid.clone());
    }
    if args.allow_cross_origin {
        let mut tops = args.top_origins.clone();
        if tops.is_empty() {
            tops.clone_from(&args.origins);
        }
        builder = builder.allow_cross_origin(tops);
    }
    for root in &args.trust_roots {
        builder = builder.trust_root(b64url(root, "--trust-root")?);
    }
    builder
        .build()
        .map_err(|e| Usage(format!("the relying party settings are unusable: {e}")))
}

fn webauthn(args: &WebauthnArgs) -> Result<Verdict, Usage> {
    let rp = relying_party(args)?;
    let challenge = b64url(&args.challenge, "--challenge")?;
    let response = if args.response.as_os_str() == "-" {
        token_argument("-")?
    } else {
        String::from_utf8(read_file(&args.response)?)
            .map_err(|_| Usage(format!("{} is not UTF-8", args.response.display())))?
    };
    let at = match &args.at {
        Some(text) => watchword_token::timestamp::parse(text)
            .ok_or_else(|| Usage(format!("--at {text:?} is not like 2026-01-01T00:00:00Z")))?,
        None => now(),
    };
    match args.ceremony {
        CeremonyKind::Registration => webauthn_registration(args, &rp, &challenge, &response, at),
        CeremonyKind::Authentication => webauthn_authentication(args, &rp, &challenge, &response),
    }
}

fn webauthn_registration(
    args: &WebauthnArgs,
    rp: &watchword_webauthn::RelyingParty,
    challenge: &[u8],
    response: &str,
    at: UnixTime,
) -> Result<Verdict, Usage> {
    if args.credential.is_some() {
        return Err(Usage(
            "--credential is for --ceremony authentication".into(),
        ));
    }
    let parsed = match watchword_webauthn::parse_registration(response) {
        Ok(parsed) => parsed,
        Err(error) => return Ok(Err(webauthn_invalid(&error))),
    };
    Ok(match rp.verify_registration(challenge, &parsed, at) {
        Ok(registration) => {
            let credential = &registration.credential;
            Ok(json!({
                "valid": true,
                "fmt": registration.fmt,
                "alg": credential.alg,
                "uv": registration.uv,
                "be": registration.be,
                "bs": registration.bs,
                "sign_count": credential.sign_count,
                "attestation_trust": match registration.attestation_trust {
                    watchword_webauthn::AttestationTrust::Trusted { .. } => "trusted",
                    watchword_webauthn::AttestationTrust::Unverified => "unverified",
                    _ => "self_or_none",
                },
                "aaguid": b64url_encode(&registration.aaguid),
                "credential": {
                    "credential_id": b64url_encode(&credential.id),
                    "public_key_cose": b64url_encode(&credential.public_key_cose),
                    "sign_count": credential.sign_count,
                },
            }))
        }
        Err(error) => Err(webauthn_invalid(&error)),
    })
}

fn webauthn_authentication(
    args: &WebauthnArgs,
    rp: &watchword_webauthn::RelyingParty,
    challenge: &[u8],
    response: &str,
) -> Result<Verdict, Usage> {
    let path = args
        .credential
        .as_deref()
        .ok_or_else(|| Usage("--ceremony authentication needs --credential FILE".into()))?;
    let file: CredentialFile = serde_json::from_slice(&read_file(path)?)
        .map_err(|e| Usage(format!("{} is not a credential file: {e}", path.display())))?;
    let public_key_cose = b64url(&file.public_key_cose, "public_key_cose")?;
    let key = watchword_webauthn::CoseKey::parse(&public_key_cose)
        .map_err(|e| Usage(format!("public_key_cose is not a usable key: {e}")))?;
    let parsed = match watchword_webauthn::parse_authentication(response) {
        Ok(parsed) => parsed,
        Err(error) => return Ok(Err(webauthn_invalid(&error))),
    };
    // The file has no backup eligibility: take the response's, so that check (which
    // needs the stored value) is the one step not evaluated offline.
    let backup_eligible = watchword_webauthn::AuthenticatorData::parse(parsed.authenticator_data())
        .is_ok_and(|data| data.flags.backup_eligible());
    let credential = watchword_webauthn::Credential {
        id: b64url(&file.credential_id, "credential_id")?,
        public_key_cose,
        alg: key.alg().id(),
        sign_count: file.sign_count,
        user_handle: file
            .user_handle
            .as_deref()
            .map(|h| b64url(h, "user_handle"))
            .transpose()?,
        backup_eligible,
        backup_state: false,
        uv_initialized: false,
        transports: Vec::new(),
    };
    let allowed = args
        .allow_credentials
        .iter()
        .map(|id| b64url(id, "--allow-credential"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(
        match rp.verify_authentication(challenge, &parsed, &credential, &allowed) {
            Ok(authentication) => Ok(json!({
                "valid": true,
                "alg": credential.alg,
                "uv": authentication.uv,
                "be": authentication.be,
                "bs": authentication.bs,
                "sign_count": authentication.sign_count,
                "counter_warning": authentication.counter_warning,
            })),
            Err(error) => Err(webauthn_invalid(&error)),
        },
    )
}

/// `{"valid": false, "reason": <the failed check's code>, "message": …}`.
fn webauthn_invalid(error: &watchword_webauthn::Error) -> Value {
    json!({ "valid": false, "reason": error.code(), "message": error.to_string() })
}
