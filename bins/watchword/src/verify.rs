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

use crate::cli::{HmacAlg, JwtArgs, VerifyCommand};

/// A problem with how the command was called, as opposed to an invalid token.
struct Usage(String);

pub(crate) fn run(command: VerifyCommand) -> ExitCode {
    let verdict = match command {
        VerifyCommand::Jwt(args) => jwt(&args),
    };
    match verdict {
        Ok(Ok(valid)) => {
            println!("{valid}");
            ExitCode::SUCCESS
        }
        Ok(Err(reason)) => {
            println!("{}", json!({ "valid": false, "reason": reason }));
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

fn jwt(args: &JwtArgs) -> Result<Result<Value, String>, Usage> {
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
        Err(error) => Err(error.to_string()),
    })
}

fn valid(verified: &VerifiedJws) -> Value {
    let header: Value = serde_json::from_slice(verified.header_json()).unwrap_or(Value::Null);
    let claims: Value = serde_json::from_slice(verified.payload()).unwrap_or(Value::Null);
    json!({ "valid": true, "header": header, "claims": claims })
}
