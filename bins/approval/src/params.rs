//! The parameters of an OtpOne operation, read the way the product's clients send them: from
//! the query string, a form or a JSON object, with names in any case (the product itself
//! writes both `transactionid` and `transactionID`), and the API key that authenticates the
//! call.

use watchword_approval::{ApiKey, KeyRole};
use watchword_http::{ApiError, Request, StatusCode};

/// The longest parameter value read, in bytes (a private token is the longest field).
const MAX_VALUE_LEN: usize = 8 * 1024;

/// Where a parameter came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The query string.
    Query,
    /// The body (a form or a JSON object).
    Body,
    /// A request header.
    Header,
}

/// The parameters of one call.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String, Source)>,
}

impl Params {
    /// Reads the query string and the body (`application/x-www-form-urlencoded`, JSON, or
    /// empty).
    ///
    /// # Errors
    /// `415 unsupported_media_type` for a body of another type, `400 invalid_json` for a JSON
    /// body that is not an object of plain values, `400 invalid_field` for a value over 8 KiB.
    pub fn read(request: &Request) -> Result<Params, ApiError> {
        let mut pairs: Vec<(String, String, Source)> = request
            .query_pairs()
            .into_iter()
            .map(|(k, v)| (k, v, Source::Query))
            .collect();
        let body = request.body();
        if !body.iter().all(u8::is_ascii_whitespace) {
            if request.content_type_is("application/x-www-form-urlencoded") {
                pairs.extend(
                    request
                        .form()?
                        .into_iter()
                        .map(|(k, v)| (k, v, Source::Body)),
                );
            } else if request.content_type_is("application/json") {
                pairs.extend(
                    json_pairs(body)?
                        .into_iter()
                        .map(|(k, v)| (k, v, Source::Body)),
                );
            } else {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send parameters in the query string, a form \
                     (application/x-www-form-urlencoded) or a JSON object (application/json)",
                ));
            }
        }
        if let Some((name, _, _)) = pairs.iter().find(|(_, v, _)| v.len() > MAX_VALUE_LEN) {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("{name} is longer than {MAX_VALUE_LEN} bytes"),
            ));
        }
        Ok(Params { pairs })
    }

    /// The value of `name` (any case), with where it came from; the body wins over the query.
    pub fn find(&self, name: &str) -> Option<(&str, Source)> {
        let mut found = None;
        for (key, value, source) in &self.pairs {
            if key.eq_ignore_ascii_case(name) {
                if *source == Source::Body {
                    return Some((value.as_str(), *source));
                }
                found.get_or_insert((value.as_str(), *source));
            }
        }
        found
    }

    /// The value of `name` (any case), if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.find(name).map(|(value, _)| value)
    }

    /// The value of `name`, which the operation requires.
    ///
    /// # Errors
    /// `400 missing_parameter` naming it.
    pub fn required(&self, name: &'static str) -> Result<&str, ApiError> {
        self.get(name)
            .filter(|value| !value.trim().is_empty())
            .ok_or_else(|| {
                ApiError::bad_request("missing_parameter", format!("{name} is required"))
                    .with_body(serde_json::json!({
                        "error": { "code": "missing_parameter", "message": format!("{name} is required"), "parameter": name },
                    }))
            })
    }
}

/// The members of a JSON object whose values are strings, numbers, booleans or null.
fn json_pairs(body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let value: serde_json::Value = watchword_http::parse_json(body)?;
    let serde_json::Value::Object(members) = value else {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body must be a JSON object of parameters",
        ));
    };
    members
        .into_iter()
        .map(|(name, value)| {
            let text = match value {
                serde_json::Value::String(text) => text,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Null => String::new(),
                _ => {
                    return Err(ApiError::bad_request(
                        "invalid_json",
                        format!("{name} must be a string, a number or a boolean"),
                    ))
                }
            };
            Ok((name, text))
        })
        .collect()
}

/// The parameter and header names an API key is read from.
const KEY_NAMES: [&str; 4] = ["SrvAPIKey", "JsAPIKey", "APIKey", "X-Api-Key"];

/// The API key of a call and where it came from: a header (`SrvAPIKey`, `JsAPIKey`,
/// `APIKey`, `X-Api-Key` or `Authorization: Bearer`) first, then the parameters.
///
/// # Errors
/// `401 missing_key` when there is none, `401 malformed_key` for one of the wrong shape.
pub fn api_key(request: &Request, params: &Params) -> Result<(ApiKey, Source), ApiError> {
    let header = KEY_NAMES
        .iter()
        .find_map(|name| request.header(name))
        .or_else(|| {
            request.header("authorization").and_then(|value| {
                let (scheme, rest) = value.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then_some(rest.trim())
            })
        })
        .map(|value| (value, Source::Header));
    let found = header.or_else(|| KEY_NAMES[..3].iter().find_map(|name| params.find(name)));
    let Some((text, source)) = found else {
        return Err(ApiError::unauthorized(
            "an API key is required: SrvAPIKey (servers) or JsAPIKey (pages and apps)",
        )
        .with_code("missing_key"));
    };
    let key = text
        .parse::<ApiKey>()
        .map_err(|error| ApiError::unauthorized(error.to_string()).with_code("malformed_key"))?;
    Ok((key, source))
}

/// Whether a server key may be read from the query string: only in legacy mode, which logs a
/// warning for each such call (query strings end up in access logs and browser histories).
///
/// # Errors
/// `400 key_in_query` outside legacy mode.
pub fn check_key_source(key: &ApiKey, source: Source, legacy: bool) -> Result<(), ApiError> {
    if key.role() != KeyRole::Server || source != Source::Query {
        return Ok(());
    }
    if legacy {
        tracing::warn!(
            "a server key arrived in the query string (accepted in legacy mode); send it in a \
             SrvAPIKey header or the body"
        );
        return Ok(());
    }
    Err(ApiError::bad_request(
        "key_in_query",
        "a server key is not accepted in the query string, which ends up in logs: send it in a \
         SrvAPIKey (or Authorization: Bearer) header, or in the body",
    ))
}
