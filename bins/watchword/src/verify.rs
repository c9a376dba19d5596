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

use crate::cli::{Bip322Args, BitcoinNetwork, HmacAlg, JwtArgs, SessionArgs, VerifyCommand};

/// A problem with how the command was called, as opposed to an invalid token.
struct Usage(String);

/// `{"valid": true, …}` or `{"valid": false, "reason": …}`.
type Verdict = Result<Value, Value>;

pub(crate) fn run(command: VerifyCommand) -> ExitCode {
    let verdict = match command {
        VerifyCommand::Jwt(args) => jwt(&args),
        VerifyCommand::Bip322(args) => bip322(&args),
        VerifyCommand::Session(args) => session(&args),
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
    Secret(VerifyingKey),
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
        Verifier::Secret(key.into())
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
            .block_on(verdict::verify_session_with_url(
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
