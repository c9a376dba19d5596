//! The requests of the captcha surface, parsed strictly. Kept apart from the handlers so the
//! fuzzer reaches them directly.

use std::net::IpAddr;

use serde::Deserialize;
use watchword_captcha::transcription::MAX_ANSWER_LEN;
use watchword_captcha::{Answer, Kind};
use watchword_http::{form_pairs, parse_json, ApiError};

/// The longest challenge id accepted (ours are 22 characters).
pub const MAX_CHALLENGE_ID: usize = 128;
/// The longest `action` (Turnstile's limit).
pub const MAX_ACTION: usize = 32;
/// The longest `cdata` (Turnstile's limit).
pub const MAX_CDATA: usize = 255;
/// The longest `secret` or `idempotency_key` read by `/siteverify`.
pub const MAX_SECRET: usize = 512;

/// The body of `POST /v1/sites/{site}/challenges/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerBody {
    /// A transcription: one text per image, in the order shown.
    Transcription {
        /// The two texts.
        answers: [String; 2],
    },
    /// A proof-of-work solution.
    ProofOfWork {
        /// The solution found.
        solution: u64,
    },
}

impl AnswerBody {
    /// The answer as the state machine takes it.
    pub fn answer(&self) -> Answer<'_> {
        match self {
            AnswerBody::Transcription { answers: [a, b] } => Answer::Transcription([a, b]),
            AnswerBody::ProofOfWork { solution } => Answer::ProofOfWork {
                solution: *solution,
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TranscriptionBody {
    answers: [String; 2],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PowBody {
    solution: u64,
}

/// Parses an answer body: `{"answers": ["…", "…"]}` or `{"solution": 123}`.
///
/// # Errors
/// `400 invalid_json`, or `400 invalid_request` for any other shape or an answer longer than
/// 256 bytes.
pub fn parse_answer(body: &[u8]) -> Result<AnswerBody, ApiError> {
    let value: serde_json::Value = parse_json(body)?;
    let shape = || {
        ApiError::bad_request(
            "invalid_request",
            "expected {\"answers\": [text, text]} or {\"solution\": non-negative integer}",
        )
    };
    let object = value.as_object().ok_or_else(shape)?;
    if object.contains_key("answers") {
        let body: TranscriptionBody = serde_json::from_value(value).map_err(|e| {
            ApiError::bad_request("invalid_request", format!("invalid answers: {e}"))
        })?;
        if body.answers.iter().any(|a| a.len() > MAX_ANSWER_LEN) {
            return Err(ApiError::bad_request(
                "invalid_request",
                format!("each answer is at most {MAX_ANSWER_LEN} bytes"),
            ));
        }
        Ok(AnswerBody::Transcription {
            answers: body.answers,
        })
    } else if object.contains_key("solution") {
        let body: PowBody = serde_json::from_value(value).map_err(|e| {
            ApiError::bad_request("invalid_request", format!("invalid solution: {e}"))
        })?;
        Ok(AnswerBody::ProofOfWork {
            solution: body.solution,
        })
    } else {
        Err(shape())
    }
}

/// Whether `id` looks like a challenge id: 1 to 128 of `[A-Za-z0-9_-]`.
pub fn is_challenge_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CHALLENGE_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Parses the `kind` query parameter.
///
/// # Errors
/// `400 invalid_kind`.
pub fn parse_kind(text: &str) -> Result<Kind, ApiError> {
    match text {
        "transcription" => Ok(Kind::Transcription),
        "proof_of_work" | "pow" => Ok(Kind::ProofOfWork),
        other => Err(ApiError::bad_request(
            "invalid_kind",
            format!("unknown challenge kind {other:?}: transcription or proof_of_work"),
        )),
    }
}

/// Checks `action` (`[A-Za-z0-9_-]{1,32}`) or `cdata` (`[A-Za-z0-9_-]{1,255}`), as Turnstile
/// limits them.
///
/// # Errors
/// `400 invalid_action` / `invalid_cdata`.
pub fn check_tag(field: &'static str, value: &str) -> Result<(), ApiError> {
    let max = if field == "action" {
        MAX_ACTION
    } else {
        MAX_CDATA
    };
    if value.is_empty()
        || value.len() > max
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(ApiError::bad_request(
            if field == "action" {
                "invalid_action"
            } else {
                "invalid_cdata"
            },
            format!("{field} must be 1 to {max} of A-Z a-z 0-9 _ -"),
        ));
    }
    Ok(())
}

/// A `/siteverify` request, from a form or a JSON body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteVerify {
    /// The site's secret.
    pub secret: Option<String>,
    /// The challenge id the widget put in the form.
    pub response: Option<String>,
    /// The visitor's IP address, if the site passes it.
    pub remoteip: Option<IpAddr>,
    /// Makes retries of one verification give the same answer.
    pub idempotency_key: Option<String>,
    /// The site id, which hCaptcha's API lets the caller name.
    pub sitekey: Option<String>,
}

/// Why a `/siteverify` request cannot be read: every case answers `bad-request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSiteVerify(pub String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteVerifyJson {
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    response: Option<String>,
    #[serde(default)]
    remoteip: Option<String>,
    #[serde(default)]
    idempotency_key: Option<String>,
    #[serde(default)]
    sitekey: Option<String>,
}

/// Parses a `/siteverify` body: JSON when `json` is true, else a urlencoded form (what
/// Turnstile and hCaptcha clients send). Unknown form fields are ignored, as those services
/// do; a field given twice, an oversized field or an invalid `remoteip` is a bad request.
///
/// # Errors
/// [`BadSiteVerify`] with a message for the log.
pub fn parse_siteverify(body: &[u8], json: bool) -> Result<SiteVerify, BadSiteVerify> {
    let fields = if json {
        let parsed: SiteVerifyJson = serde_json::from_slice(body)
            .map_err(|e| BadSiteVerify(format!("body is not the expected JSON: {e}")))?;
        vec![
            ("secret", parsed.secret),
            ("response", parsed.response),
            ("remoteip", parsed.remoteip),
            ("idempotency_key", parsed.idempotency_key),
            ("sitekey", parsed.sitekey),
        ]
    } else {
        let pairs = form_pairs(body);
        let mut fields: Vec<(&str, Option<String>)> = [
            "secret",
            "response",
            "remoteip",
            "idempotency_key",
            "sitekey",
        ]
        .into_iter()
        .map(|name| (name, None))
        .collect();
        for (name, value) in pairs {
            if let Some(slot) = fields.iter_mut().find(|(n, _)| *n == name) {
                if slot.1.is_some() {
                    return Err(BadSiteVerify(format!("{name} is given twice")));
                }
                slot.1 = Some(value);
            }
        }
        fields
    };
    let mut request = SiteVerify::default();
    for (name, value) in fields {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            continue;
        };
        if value.len() > MAX_SECRET {
            return Err(BadSiteVerify(format!(
                "{name} is longer than {MAX_SECRET} bytes"
            )));
        }
        match name {
            "secret" => request.secret = Some(value),
            "response" => request.response = Some(value),
            "remoteip" => {
                request.remoteip = Some(
                    value
                        .parse()
                        .map_err(|_| BadSiteVerify(format!("remoteip {value:?} is not an IP")))?,
                );
            }
            "idempotency_key" => {
                if !value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(BadSiteVerify(
                        "idempotency_key must be of A-Z a-z 0-9 - _ (a UUID)".into(),
                    ));
                }
                request.idempotency_key = Some(value);
            }
            _ => request.sitekey = Some(value),
        }
    }
    Ok(request)
}

/// The fuzz harness of the request parsers: every parser on the same bytes, checking what
/// parses is within bounds. Shared by `fuzz/fuzz_targets/captcha_requests.rs` and the seed
/// replay test.
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    if let Ok(AnswerBody::Transcription { answers }) = parse_answer(data) {
        assert!(answers.iter().all(|a| a.len() <= MAX_ANSWER_LEN));
    }
    for json in [false, true] {
        if let Ok(request) = parse_siteverify(data, json) {
            for value in [
                &request.secret,
                &request.response,
                &request.idempotency_key,
                &request.sitekey,
            ]
            .into_iter()
            .flatten()
            {
                assert!(!value.is_empty() && value.len() <= MAX_SECRET);
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = is_challenge_id(text);
        let _ = parse_kind(text);
        let _ = check_tag("action", text);
        let _ = check_tag("cdata", text);
    }
}
