//! JWT claims ([RFC 7519 §4.1]) and their validation against a caller-supplied `now`.
//!
//! [RFC 7519 §4.1]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use serde::de::value::{MapAccessDeserializer, MapDeserializer};

use crate::encoding::{Member, Members};
use crate::error::{Error, Part};
use crate::members::{
    member_value, parse_members_into, plain_string, read_object, read_text, whole_number,
};

/// A point in time as whole seconds since the Unix epoch (a JWT `NumericDate` without
/// fractions). Serialized as the bare number.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct UnixTime(pub u64);

impl UnixTime {
    /// Returns the time `seconds` later, saturating at `u64::MAX`.
    #[must_use]
    pub fn plus(self, seconds: u64) -> UnixTime {
        UnixTime(self.0.saturating_add(seconds))
    }

    /// Returns the seconds from `earlier` to this time, 0 if `earlier` is not earlier.
    pub fn seconds_since(self, earlier: UnixTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// Writes the seconds since the Unix epoch, as error messages show a time.
impl core::fmt::Display for UnixTime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}

/// The claims [`Claims`] has fields for.
const REGISTERED: [&str; 7] = ["exp", "nbf", "iat", "iss", "sub", "aud", "jti"];

/// The registered claims this crate reads and writes, plus every other claim in `extra`.
///
/// `exp` is required. `extra` receives every claim except `exp`, `nbf`, `iat`, `iss`, `sub`,
/// `aud` and `jti`; by default it is a JSON object, or any type that deserializes from one.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims<T = Map<String, Value>> {
    /// Expiration time: the token is refused at and after this second (plus leeway).
    pub exp: UnixTime,
    /// Not-before time.
    pub nbf: Option<UnixTime>,
    /// Issued-at time.
    pub iat: Option<UnixTime>,
    /// Issuer.
    pub iss: Option<String>,
    /// Subject.
    pub sub: Option<String>,
    /// Audiences: written as a string when there is one, an array when there are several,
    /// omitted when empty.
    pub aud: Vec<String>,
    /// Token identifier.
    pub jti: Option<String>,
    /// Every other claim.
    pub extra: T,
}

impl Claims {
    /// Returns claims with only `exp` set and no extra claims.
    pub fn new(exp: UnixTime) -> Self {
        Claims::with_extra(exp, Map::new())
    }
}

impl<T> Claims<T> {
    /// Returns claims with `exp` and the given extra claims.
    pub fn with_extra(exp: UnixTime, extra: T) -> Self {
        Claims {
            exp,
            nbf: None,
            iat: None,
            iss: None,
            sub: None,
            aud: Vec::new(),
            jti: None,
            extra,
        }
    }
}

impl<T: Serialize> Claims<T> {
    /// Serializes the claims set as a JSON object.
    pub(crate) fn to_json(&self) -> Result<Vec<u8>, Error> {
        let mut map = match serde_json::to_value(&self.extra) {
            Ok(Value::Object(map)) => map,
            Ok(Value::Null) => Map::new(),
            Ok(_) => {
                return Err(Error::BadExtraClaims {
                    reason: "not a json object".into(),
                })
            }
            Err(err) => {
                return Err(Error::BadExtraClaims {
                    reason: err.to_string(),
                })
            }
        };
        if let Some(name) = REGISTERED.into_iter().find(|name| map.contains_key(*name)) {
            // Read back, it would land in the registered field, not in `extra`.
            return Err(Error::BadExtraClaims {
                reason: format!("they repeat the registered claim {name:?}"),
            });
        }
        let mut registered = vec![("exp", Value::from(self.exp.0))];
        let times = [("nbf", self.nbf), ("iat", self.iat)];
        registered.extend(
            times
                .into_iter()
                .filter_map(|(name, time)| Some((name, Value::from(time?.0)))),
        );
        let strings = [("iss", &self.iss), ("sub", &self.sub), ("jti", &self.jti)];
        registered.extend(
            strings
                .into_iter()
                .filter_map(|(name, text)| Some((name, Value::from(text.clone()?)))),
        );
        match self.aud.as_slice() {
            [] => {}
            [one] => registered.push(("aud", Value::from(one.clone()))),
            many => registered.push(("aud", Value::from(many.to_vec()))),
        }
        map.extend(
            registered
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value)),
        );
        serde_json::to_vec(&map).map_err(|err| Error::BadExtraClaims {
            reason: err.to_string(),
        })
    }
}

impl<T: DeserializeOwned> Claims<T> {
    /// Reads a claims set: a JSON object without repeated names, integer times, string
    /// `iss`/`sub`/`jti`, string-or-array `aud`.
    pub(crate) fn from_json(payload: &[u8]) -> Result<Self, Error> {
        match Self::from_flat_json(payload) {
            Some(claims) => Ok(claims),
            None => Self::from_members(payload),
        }
    }

    /// The common shape read straight into the claims: integer times, plain strings, other
    /// members handed to `extra`. `None` for anything else, which [`Claims::from_members`]
    /// then reads (and reports), so both give the same answers.
    pub(crate) fn from_flat_json<'a>(payload: &'a [u8]) -> Option<Self> {
        let text = read_text(payload)?;
        let bytes = text.as_bytes();
        let (mut exp, mut nbf, mut iat) = (None, None, None);
        let (mut iss, mut sub, mut jti, mut aud) = (None, None, None, None);
        // Other claims, in order; more than a handful go the general way.
        let mut rest: [Option<(&str, Member<'_>)>; 6] = Default::default();
        let mut extras = 0;
        read_object(text, |name, at| {
            let time = |slot: &mut Option<u64>| {
                let (time, end) = whole_number(bytes, at)?;
                *slot = Some(time);
                Some(end)
            };
            let string = |slot: &mut Option<&'a str>| {
                let (value, end) = plain_string(text, at)?;
                *slot = Some(value);
                Some(end)
            };
            // Every registered name is three letters: compared byte by byte, in place.
            match *name.as_bytes() {
                [b'e', b'x', b'p'] => time(&mut exp),
                [b'n', b'b', b'f'] => time(&mut nbf),
                [b'i', b'a', b't'] => time(&mut iat),
                [b'i', b's', b's'] => string(&mut iss),
                [b's', b'u', b'b'] => string(&mut sub),
                [b'j', b't', b'i'] => string(&mut jti),
                [b'a', b'u', b'd'] => {
                    let (value, end) = member_value(text, at)?;
                    aud = Some(value);
                    Some(end)
                }
                _ => {
                    let (value, end) = member_value(text, at)?;
                    *rest.get_mut(extras)? = Some((name, value));
                    extras += 1;
                    Some(end)
                }
            }
        })?;
        let exp = exp?;
        let aud = audience_claim(aud).ok()?;
        let rest = rest
            .into_iter()
            .map_while(|member| member)
            .map(|(name, value)| (name.to_owned(), value.into_value()));
        let extra = extra_claims(rest).ok()?;
        Some(Claims {
            exp: UnixTime(exp),
            nbf: nbf.map(UnixTime),
            iat: iat.map(UnixTime),
            iss: iss.map(str::to_owned),
            sub: sub.map(str::to_owned),
            aud,
            jti: jti.map(str::to_owned),
            extra,
        })
    }

    /// Reads the claims from the members of any valid object, with every rule's error.
    pub(crate) fn from_members(payload: &[u8]) -> Result<Self, Error> {
        // Registered claims leave the members for their slots (in `REGISTERED` order); the
        // members left are the map `extra` is read from, handed over without building one.
        debug_assert_eq!(
            REGISTERED,
            ["exp", "nbf", "iat", "iss", "sub", "aud", "jti"]
        );
        let mut members = Members::with_capacity(8);
        parse_members_into(payload, Part::Payload, &mut members)?;
        let mut registered: [Option<Member<'_>>; 7] = Default::default();
        // Where each registered claim was (names are unique: at most one member per slot).
        let mut taken = [usize::MAX; 7];
        for (index, (name, value)) in members.iter_mut().enumerate() {
            // Every registered name is three letters: compared byte by byte, in place.
            let slot = match *name.as_bytes() {
                [b'e', b'x', b'p'] => 0,
                [b'n', b'b', b'f'] => 1,
                [b'i', b'a', b't'] => 2,
                [b'i', b's', b's'] => 3,
                [b's', b'u', b'b'] => 4,
                [b'a', b'u', b'd'] => 5,
                [b'j', b't', b'i'] => 6,
                _ => continue,
            };
            registered[slot] = Some(core::mem::replace(value, Member::Value(Value::Null)));
            taken[slot] = index;
        }
        let [exp, nbf, iat, iss, sub, aud, jti] = registered;
        let exp = time_claim(exp, "exp")?.ok_or(Error::MissingExp)?;
        let nbf = time_claim(nbf, "nbf")?;
        let iat = time_claim(iat, "iat")?;
        let iss = string_claim(iss, "iss")?;
        let sub = string_claim(sub, "sub")?;
        let jti = string_claim(jti, "jti")?;
        let aud = audience_claim(aud)?;
        let rest = members
            .into_iter()
            .enumerate()
            .filter(|(index, _)| !taken.contains(index))
            .map(|(_, (name, value))| (name.into_owned(), value.into_value()));
        let extra = extra_claims(rest).map_err(|err| Error::ExtraClaims {
            reason: err.to_string(),
        })?;
        Ok(Claims {
            exp,
            nbf,
            iat,
            iss,
            sub,
            aud,
            jti,
            extra,
        })
    }
}

/// Reads `extra` from the members left once the registered claims took theirs, handed over as
/// a map without building one.
fn extra_claims<T: DeserializeOwned>(
    members: impl Iterator<Item = (String, Value)>,
) -> Result<T, serde_json::Error> {
    let mut map = MapDeserializer::new(members);
    T::deserialize(MapAccessDeserializer::new(&mut map)).and_then(|extra| map.end().map(|()| extra))
}

fn time_claim(value: Option<Member<'_>>, claim: &'static str) -> Result<Option<UnixTime>, Error> {
    // `as_u64` is `None` for negative numbers and for anything written with a fraction or an
    // exponent, which serde_json parses as a float: those are refused rather than rounded.
    match value {
        None => Ok(None),
        Some(Member::Value(value)) if value.is_u64() => Ok(value.as_u64().map(UnixTime)),
        Some(_) => Err(Error::ClaimType {
            claim,
            expected: "a non-negative integer",
        }),
    }
}

fn string_claim(value: Option<Member<'_>>, claim: &'static str) -> Result<Option<String>, Error> {
    match value {
        None => Ok(None),
        Some(Member::Str(text)) => Ok(Some(text.into_owned())),
        Some(Member::Value(_)) => Err(Error::ClaimType {
            claim,
            expected: "a string",
        }),
    }
}

fn audience_claim(value: Option<Member<'_>>) -> Result<Vec<String>, Error> {
    let wrong = || Error::ClaimType {
        claim: "aud",
        expected: "a string or an array of strings",
    };
    match value {
        None => Ok(Vec::new()),
        Some(Member::Str(one)) => Ok(vec![one.into_owned()]),
        Some(Member::Value(Value::Array(items))) => items
            .into_iter()
            .map(|item| match item {
                Value::String(text) => Ok(text),
                _ => Err(wrong()),
            })
            .collect(),
        Some(Member::Value(_)) => Err(wrong()),
    }
}

/// What a verifier checks in the claims besides the signature.
///
/// Built with [`Validation::new`] and the builder methods. The default leeway is **0 seconds**:
/// a service that wants to absorb clock skew between issuer and verifier says how much with
/// [`leeway`](Validation::leeway) (tens of seconds, not minutes).
///
/// Rules, with `now` the verification time and `l` the leeway:
/// - `exp` is required and the token is refused when `now >= exp + l`;
/// - a token with `nbf` is refused when `now + l < nbf`;
/// - a token with `iat` is refused when `iat > now + l` (issued in the future);
/// - with an expected issuer, `iss` must equal it;
/// - with an expected audience, `aud` must contain it; without one, a token that has a
///   non-empty `aud` is refused (RFC 7519 §4.1.3);
/// - with [`require_jti`](Validation::require_jti), `jti` must be present.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Validation {
    leeway: u64,
    audience: Option<String>,
    issuer: Option<String>,
    require_jti: bool,
}

impl Validation {
    /// Returns a validation with zero leeway, no expected audience or issuer and no `jti`
    /// requirement.
    pub fn new() -> Self {
        Validation::default()
    }

    /// Sets the leeway in seconds applied to `exp`, `nbf` and `iat`.
    #[must_use]
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Requires `aud` to contain `audience`.
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Requires `iss` to equal `issuer`.
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Requires a `jti` claim.
    #[must_use]
    pub fn require_jti(mut self) -> Self {
        self.require_jti = true;
        self
    }

    /// Returns the leeway in seconds.
    pub fn leeway_seconds(&self) -> u64 {
        self.leeway
    }

    /// Checks `claims` at time `now`.
    ///
    /// # Errors
    ///
    /// The first rule broken, in the order listed on [`Validation`].
    pub fn check<T>(&self, claims: &Claims<T>, now: UnixTime) -> Result<(), Error> {
        let (now, leeway) = (now.0, self.leeway);
        let exp = claims.exp.0;
        if now >= exp.saturating_add(leeway) {
            return Err(Error::Expired { exp, now, leeway });
        }
        if let Some(UnixTime(nbf)) = claims.nbf {
            if now.saturating_add(leeway) < nbf {
                return Err(Error::NotYetValid { nbf, now, leeway });
            }
        }
        if let Some(UnixTime(iat)) = claims.iat {
            if iat > now.saturating_add(leeway) {
                return Err(Error::IssuedInFuture { iat, now, leeway });
            }
        }
        if let Some(expected) = &self.issuer {
            if claims.iss.as_ref() != Some(expected) {
                return Err(Error::IssuerMismatch {
                    expected: expected.clone(),
                    found: claims.iss.clone(),
                });
            }
        }
        match &self.audience {
            Some(expected) if !claims.aud.contains(expected) => {
                return Err(Error::AudienceMismatch {
                    expected: expected.clone(),
                    found: claims.aud.clone(),
                });
            }
            None if !claims.aud.is_empty() => {
                return Err(Error::UnexpectedAudience {
                    found: claims.aud.clone(),
                });
            }
            _ => {}
        }
        if self.require_jti && claims.jti.is_none() {
            return Err(Error::MissingJti);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A value for the claim `name`: most often of its type, sometimes of any.
    fn value_for(name: &'static str) -> impl Strategy<Value = String> {
        let fitting: Vec<&str> = match name {
            "exp" | "nbf" | "iat" => vec!["1800000000", "0", "7"],
            "iss" | "sub" | "jti" => vec!["\"x\"", "\"\"", "\"https://auth.example\""],
            "aud" => vec!["\"a\"", "[\"a\",\"b\"]", "[]"],
            _ => vec!["\"x\"", "1", "[1,{\"k\":[true]}]", "{\"k\":null}", "false"],
        };
        let any = vec![
            "01",
            "1.5",
            "-1",
            "1e3",
            "99999999999999999999",
            "\"a\\nb\"",
            "[1]",
            "{\"k\":1,\"k\":2}",
            "null",
            "\"x\"",
            "7",
        ];
        prop_oneof![
            6 => prop::sample::select(fitting),
            1 => prop::sample::select(any),
        ]
        .prop_map(str::to_owned)
    }

    /// A claims set as tokens carry them, and now and then as they should not: names without
    /// repeats in any order, sometimes one repeated or spelled with an escape.
    fn claims_set() -> impl Strategy<Value = String> {
        let names = [
            "exp", "nbf", "iat", "iss", "sub", "aud", "jti", "sid", "role",
        ];
        prop::sample::subsequence(names.to_vec(), 0..=names.len())
            .prop_shuffle()
            .prop_flat_map(|names| {
                let members: Vec<_> = names
                    .into_iter()
                    .map(|name| {
                        value_for(name).prop_map(move |value| format!("\"{name}\":{value}"))
                    })
                    .collect();
                let odd = prop::sample::select(vec![
                    "",
                    ",\"exp\":1",
                    ",\"ex\\u0070\":1",
                    ",\"sid\":1",
                    ",\"nbf\":",
                    ",\"iss\": ",
                ]);
                (members, prop_oneof![8 => Just(""), 1 => odd])
            })
            .prop_map(|(members, odd)| format!("{{{}{odd}}}", members.join(",")))
    }

    proptest! {
        /// The fast reader of the common shape gives what the general one gives, or gives up.
        #[test]
        fn both_claims_readers_agree(json in claims_set()) {
            let general = Claims::<Map<String, Value>>::from_members(json.as_bytes());
            if let Some(fast) = Claims::<Map<String, Value>>::from_flat_json(json.as_bytes()) {
                prop_assert_eq!(Ok(fast), general.clone());
            }
            prop_assert_eq!(Claims::from_json(json.as_bytes()), general);
        }
    }

    fn parse(json: &str) -> Result<Claims, Error> {
        Claims::from_json(json.as_bytes())
    }

    #[test]
    fn unix_time_is_stored_as_the_bare_number() {
        assert_eq!(serde_json::to_string(&UnixTime(5)).unwrap(), "5");
        assert_eq!(serde_json::from_str::<UnixTime>("7").unwrap(), UnixTime(7));
        assert_eq!(UnixTime(9).to_string(), "9");
        assert_eq!(UnixTime(9).seconds_since(UnixTime(4)), 5);
        assert_eq!(UnixTime(4).seconds_since(UnixTime(9)), 0);
    }

    #[test]
    fn registered_claims_are_typed() {
        let claims = parse(
            r#"{"exp":10,"nbf":1,"iat":2,"iss":"i","sub":"s","aud":["a","b"],"jti":"j","x":[1]}"#,
        );
        let claims = claims.expect("valid claims");
        assert_eq!(claims.exp, UnixTime(10));
        assert_eq!(claims.aud, ["a", "b"]);
        assert_eq!(claims.extra.len(), 1);
        assert_eq!(
            parse(r#"{"exp":10,"aud":"a"}"#).map(|c| c.aud),
            Ok(vec!["a".to_owned()])
        );
        let exp_type = Err(Error::ClaimType {
            claim: "exp",
            expected: "a non-negative integer",
        });
        for bad in [
            r#"{"exp":"10"}"#,
            r#"{"exp":10.0}"#,
            r#"{"exp":1e3}"#,
            r#"{"exp":-1}"#,
            r#"{"exp":null}"#,
        ] {
            assert_eq!(parse(bad), exp_type, "{bad}");
        }
        assert_eq!(parse(r#"{"iat":1}"#), Err(Error::MissingExp));
        assert!(matches!(
            parse(r#"{"exp":1,"aud":[1]}"#),
            Err(Error::ClaimType { claim: "aud", .. })
        ));
        assert!(matches!(
            parse(r#"{"exp":1,"iss":1}"#),
            Err(Error::ClaimType { claim: "iss", .. })
        ));
    }

    #[test]
    fn round_trip_through_json() {
        let mut claims = Claims::new(UnixTime(100));
        claims.aud = vec!["one".into()];
        claims.iat = Some(UnixTime(5));
        claims.extra.insert("role".into(), Value::from("admin"));
        let json = claims.to_json().expect("serializes");
        let expected = serde_json::json!({"aud": "one", "exp": 100, "iat": 5, "role": "admin"});
        assert_eq!(serde_json::from_slice::<Value>(&json).ok(), Some(expected));
        assert_eq!(Claims::from_json(&json), Ok(claims.clone()));
        claims.extra.insert("exp".into(), Value::from(1));
        assert!(matches!(
            claims.to_json(),
            Err(Error::BadExtraClaims { .. })
        ));
    }

    #[test]
    fn time_rules_apply_leeway_on_both_sides() {
        let mut claims = Claims::new(UnixTime(100));
        claims.nbf = Some(UnixTime(50));
        claims.iat = Some(UnixTime(50));
        let strict = Validation::new();
        assert_eq!(strict.check(&claims, UnixTime(99)), Ok(()));
        assert_eq!(
            strict.check(&claims, UnixTime(100)),
            Err(Error::Expired {
                exp: 100,
                now: 100,
                leeway: 0
            })
        );
        assert_eq!(
            strict.check(&claims, UnixTime(49)),
            Err(Error::NotYetValid {
                nbf: 50,
                now: 49,
                leeway: 0
            })
        );
        let lenient = Validation::new().leeway(10);
        assert_eq!(lenient.check(&claims, UnixTime(109)), Ok(()));
        assert_eq!(lenient.check(&claims, UnixTime(40)), Ok(()));
        claims.nbf = None;
        assert_eq!(
            lenient.check(&claims, UnixTime(39)),
            Err(Error::IssuedInFuture {
                iat: 50,
                now: 39,
                leeway: 10
            })
        );
        claims.exp = UnixTime(u64::MAX);
        assert_eq!(
            strict.check(&claims, UnixTime(u64::MAX)),
            Err(Error::Expired {
                exp: u64::MAX,
                now: u64::MAX,
                leeway: 0
            })
        );
    }
}
