//! Compact JWS ([RFC 7515 §7.1]): parsing with strict header rules, signing and signature
//! verification.
//!
//! [RFC 7515 §7.1]: https://www.rfc-editor.org/rfc/rfc7515#section-7.1

use std::borrow::Cow;

use serde_json::Value;

use crate::encoding::{b64_decode_small, b64_encode, Decoded, Member, Members};
use crate::error::{Error, Part};
use crate::members::parse_members;
use crate::{Algorithm, SigningKey, VerifyingKey};

/// The longest token accepted or produced, in bytes (16 KiB).
///
/// Far above any session or challenge token this project issues, far below what would let a
/// caller make a verifier hash or parse megabytes.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Header parameters that hand the verifier a key (or a place to fetch one) chosen by whoever
/// made the token ([RFC 7515 §4.1.3–4.1.6]).
///
/// [RFC 7515 §4.1.3–4.1.6]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1.3
const EMBEDDED_KEY_PARAMS: [&str; 4] = ["jwk", "jku", "x5u", "x5c"];

/// The JWS Protected Header parameters this crate reads, after the header passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    alg: Algorithm,
    kid: Option<String>,
    // A borrowed "JWT" when the header is one this crate writes (see `KNOWN_HEADERS`).
    typ: Option<Cow<'static, str>>,
    cty: Option<String>,
}

impl Header {
    /// Returns the algorithm named by `alg` (`EdDSA` and `Ed25519` both read as
    /// [`Algorithm::EdDsa`]).
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// Returns the `kid` parameter.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Returns the `typ` parameter.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// Returns the `cty` parameter.
    pub fn cty(&self) -> Option<&str> {
        self.cty.as_deref()
    }

    /// Applies the header rules ([RFC 7515 §5.2] steps 3–5 plus this crate's refusals) to the
    /// members of a header object, in a fixed order so the error does not depend on the order
    /// of the members.
    ///
    /// [RFC 7515 §5.2]: https://www.rfc-editor.org/rfc/rfc7515#section-5.2
    fn from_members(members: Members<'_>) -> Result<Self, Error> {
        // One pass sorts the members into the parameters the rules read; the rules then run
        // in their fixed order.
        let (mut alg, mut crit, mut b64) = (None, false, None);
        let mut embedded = [false; EMBEDDED_KEY_PARAMS.len()];
        let (mut kid, mut typ, mut cty) = (None, None, None);
        for (key, value) in members {
            match &*key {
                "alg" => alg = Some(value),
                "crit" => crit = true,
                "b64" => b64 = Some(value),
                "kid" => kid = Some(("kid", value)),
                "typ" => typ = Some(("typ", value)),
                "cty" => cty = Some(("cty", value)),
                name => {
                    if let Some(at) = EMBEDDED_KEY_PARAMS.iter().position(|param| *param == name) {
                        embedded[at] = true;
                    }
                }
            }
        }
        let alg = match alg {
            None => return Err(Error::MissingAlg),
            Some(Member::Str(name)) => Algorithm::from_header(&name)?,
            Some(Member::Value(_)) => {
                return Err(Error::HeaderParamType {
                    name: "alg",
                    expected: "string",
                })
            }
        };
        if crit {
            return Err(Error::Crit);
        }
        if let Some(at) = embedded.iter().position(|present| *present) {
            return Err(Error::EmbeddedKey {
                name: EMBEDDED_KEY_PARAMS[at],
            });
        }
        if b64.is_some_and(|b64| b64 != Member::Value(Value::Bool(true))) {
            return Err(Error::UnencodedPayload);
        }
        Ok(Header {
            alg,
            kid: string_param(kid)?,
            typ: string_param(typ)?.map(Cow::Owned),
            cty: string_param(cty)?,
        })
    }

    /// Parses and checks a header's JSON.
    fn from_json(json: &[u8]) -> Result<Self, Error> {
        Header::from_members(parse_members(json, Part::Header)?)
    }
}

fn string_param(param: Option<(&'static str, Member<'_>)>) -> Result<Option<String>, Error> {
    match param {
        None => Ok(None),
        Some((_, Member::Str(value))) => Ok(Some(value.into_owned())),
        Some((name, Member::Value(_))) => Err(Error::HeaderParamType {
            name,
            expected: "string",
        }),
    }
}

/// A JWS whose signature verified: its header and the exact header and payload bytes.
///
/// Nothing in the payload has been checked; for JWT claims use a `verify` method instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedJws {
    header: Header,
    header_json: Vec<u8>,
    payload: Vec<u8>,
}

impl VerifiedJws {
    /// Returns the parsed header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Returns the header JSON exactly as signed.
    pub fn header_json(&self) -> &[u8] {
        &self.header_json
    }

    /// Returns the payload bytes exactly as signed.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Consumes the value and returns the payload bytes.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }
}

/// Headers up to this size are decoded on the stack.
const STACK_HEADER: usize = 192;

/// Payloads up to this size are decoded on the stack: a claims set is parsed and dropped,
/// only what the claims keep is allocated. (Larger room measured no faster: the buffer is
/// zeroed and moved with the parsed token.)
const STACK_PAYLOAD: usize = 256;

/// The headers this crate writes for a JWT without `kid` (see [`jwt_header`]): their JSON and
/// its base64url. A token whose header segment is one of these byte for byte has exactly that
/// header, which passes every rule, so it is not decoded and parsed again.
const KNOWN_HEADERS: [(Algorithm, &str, &[u8]); 3] = [
    (
        Algorithm::Hs256,
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        br#"{"alg":"HS256","typ":"JWT"}"#,
    ),
    (
        Algorithm::Hs512,
        "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9",
        br#"{"alg":"HS512","typ":"JWT"}"#,
    ),
    (
        Algorithm::EdDsa,
        "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9",
        br#"{"alg":"EdDSA","typ":"JWT"}"#,
    ),
];

/// The header and its JSON, from [`KNOWN_HEADERS`] or decoded and checked.
fn read_header(segment: &str) -> Result<(Header, Decoded<STACK_HEADER>), Error> {
    if let Some(&(alg, _, json)) = KNOWN_HEADERS.iter().find(|known| known.1 == segment) {
        let header = Header {
            alg,
            kid: None,
            typ: Some(Cow::Borrowed("JWT")),
            cty: None,
        };
        return Ok((header, Decoded::Static(json)));
    }
    let json = b64_decode_small(segment, Part::Header)?;
    Ok((Header::from_json(&json)?, json))
}

/// A token that passed every structural and header rule but whose signature is not yet checked.
pub(crate) struct Parsed<'a> {
    signing_input: &'a str,
    header: Header,
    header_json: Decoded<STACK_HEADER>,
    payload: Decoded<STACK_PAYLOAD>,
    /// Room for the longest signature of any algorithm (64 bytes); a longer one is refused
    /// by length after decoding on the heap.
    signature: Decoded<64>,
}

impl Parsed<'_> {
    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    /// Checks the signature with `key`, whose algorithm must be the header's.
    pub(crate) fn verify_with(&self, key: &VerifyingKey) -> Result<(), Error> {
        let expected = key.algorithm();
        if self.header.alg != expected {
            return Err(Error::AlgMismatch {
                expected,
                found: self.header.alg,
            });
        }
        key.verify_bytes(self.signing_input.as_bytes(), &self.signature)
    }

    /// Returns the payload bytes (valid only once [`Parsed::verify_with`] succeeded).
    pub(crate) fn payload(&self) -> &[u8] {
        &self.payload
    }

    pub(crate) fn into_verified(self) -> VerifiedJws {
        VerifiedJws {
            header: self.header,
            header_json: self.header_json.into_vec(),
            payload: self.payload.into_vec(),
        }
    }
}

/// Splits and decodes a compact JWS and applies the header rules ([RFC 7515 §5.2] steps 1–5).
///
/// [RFC 7515 §5.2]: https://www.rfc-editor.org/rfc/rfc7515#section-5.2
pub(crate) fn parse(token: &str) -> Result<Parsed<'_>, Error> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(Error::TokenTooLarge {
            len: token.len(),
            max: MAX_TOKEN_LEN,
        });
    }
    let segment_count = || Error::SegmentCount {
        found: token.split('.').count(),
    };
    // The signature follows the last dot and the header precedes the first, so a further dot
    // can only be in the payload, whose base64 refuses it: the payload is searched for one
    // only when something failed, and then the segment count is the error, as it comes first.
    let (signing_input, signature_b64) = token.rsplit_once('.').ok_or_else(segment_count)?;
    let (header_b64, payload_b64) = signing_input.split_once('.').ok_or_else(segment_count)?;
    let header = read_header(header_b64);
    let payload = b64_decode_small(payload_b64, Part::Payload);
    if (header.is_err() || payload.is_err()) && payload_b64.contains('.') {
        return Err(segment_count());
    }
    let (header, header_json) = header?;
    let payload = payload?;
    let signature = b64_decode_small(signature_b64, Part::Signature)?;
    Ok(Parsed {
        signing_input,
        header,
        header_json,
        payload,
        signature,
    })
}

/// Verifies the signature of `token` with `key` and returns the header and payload.
pub(crate) fn verify_signature(token: &str, key: &VerifyingKey) -> Result<VerifiedJws, Error> {
    let parsed = parse(token)?;
    parsed.verify_with(key)?;
    Ok(parsed.into_verified())
}

/// Signs the exact `header_json` and `payload` bytes ([RFC 7515 §5.1]).
///
/// The header must pass the same rules a verifier applies and name the key's algorithm, so this
/// crate never produces a token it would refuse.
///
/// [RFC 7515 §5.1]: https://www.rfc-editor.org/rfc/rfc7515#section-5.1
pub(crate) fn sign_raw(
    key: &SigningKey,
    header_json: &[u8],
    payload: &[u8],
) -> Result<String, Error> {
    let header = Header::from_json(header_json)?;
    let expected = key.algorithm();
    if header.alg != expected {
        return Err(Error::AlgMismatch {
            expected,
            found: header.alg,
        });
    }
    let mut token = b64_encode(header_json);
    token.push('.');
    token.push_str(&b64_encode(payload));
    let signature = key.sign_bytes(token.as_bytes());
    token.push('.');
    token.push_str(&b64_encode(signature));
    if token.len() > MAX_TOKEN_LEN {
        return Err(Error::TokenTooLarge {
            len: token.len(),
            max: MAX_TOKEN_LEN,
        });
    }
    Ok(token)
}

/// The header this crate writes for a JWT: `alg`, then `kid` if any, then `typ`.
pub(crate) fn jwt_header(alg: Algorithm, kid: Option<&str>) -> Vec<u8> {
    let mut header = format!(r#"{{"alg":"{}""#, alg.name());
    if let Some(kid) = kid {
        header.push_str(r#","kid":"#);
        header.push_str(&Value::String(kid.to_owned()).to_string());
    }
    header.push_str(r#","typ":"JWT"}"#);
    header.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::b64_encode;

    #[test]
    fn known_headers_are_what_this_crate_writes() {
        for (alg, segment, json) in KNOWN_HEADERS {
            assert_eq!(jwt_header(alg, None), json);
            assert_eq!(b64_encode(json), segment);
            let parsed = Header::from_json(json).expect("a valid header");
            assert_eq!(read_header(segment).map(|(header, _)| header), Ok(parsed));
        }
    }
}
