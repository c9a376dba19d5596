//! The relying party's configuration: RP ID, allowed origins, cross-origin policy,
//! algorithms, user verification, counter policy, attestation trust roots, AppID.

use ring::digest;
use serde::{Deserialize, Serialize};

use crate::x509::Certificate;
use crate::{CoseAlgorithm, Error};

/// What the relying party requires of user verification (WebAuthn §5.8.6). Set it to what the
/// options sent to the browser asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserVerification {
    /// The UV flag must be set.
    Required,
    /// UV is reported but not required.
    Preferred,
    /// UV is reported but not required.
    Discouraged,
}

/// What a signature counter that did not increase means (WebAuthn §7.2 step 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CounterPolicy {
    /// Refuse the assertion with [`Error::SignCountRegression`]: the authenticator may have
    /// been cloned.
    Reject,
    /// Accept it and set [`Authentication::counter_warning`](crate::Authentication): the
    /// relying party decides (step-up, alert, review).
    Report,
}

/// The `android-key` attestation policy (WebAuthn §8.4.1).
///
/// The key description's authorization lists must show that the key was generated inside the
/// keystore (`origin` is `KM_ORIGIN_GENERATED`) for signing (`purpose` includes
/// `KM_PURPOSE_SIGN`). Absent fields do not satisfy this: a list that says nothing about a key
/// says nothing in its favour. `allApplications` is refused in either list, always.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct AndroidKeyPolicy {
    /// Read `origin` and `purpose` from `hardwareEnforced` (TEE or StrongBox) only. When false,
    /// from either list (`softwareEnforced` too).
    pub hardware_enforced_only: bool,
}

/// Who may run a ceremony: one allowed origin.
#[derive(Debug, Clone, PartialEq, Eq)]
enum OriginRule {
    /// This exact origin string (also fits `android:apk-key-hash:…` and similar).
    Exact(String),
    /// A web origin and every subdomain of its host, same scheme and port.
    Subdomains(WebOrigin),
}

/// A parsed `scheme://host[:port]` origin in its serialised (browser) form.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WebOrigin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl WebOrigin {
    /// Parses an origin as browsers serialise it: lower-case scheme and host name, no default
    /// port, nothing after the port.
    fn parse(text: &str) -> Option<WebOrigin> {
        let (scheme, rest) = text.split_once("://")?;
        if !matches!(scheme, "https" | "http") {
            return None;
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => {
                let canonical = !port.is_empty()
                    && port.bytes().all(|b| b.is_ascii_digit())
                    && !port.starts_with('0');
                let port: u16 = port.parse().ok().filter(|_| canonical)?;
                let default = if scheme == "https" { 443 } else { 80 };
                if port == default {
                    return None;
                }
                (host, Some(port))
            }
            None => (rest, None),
        };
        if !is_host_name(host) {
            return None;
        }
        Some(WebOrigin {
            scheme: scheme.to_owned(),
            host: host.to_owned(),
            port,
        })
    }

    /// Whether `origin` is this origin or one of its subdomains, with a dot boundary.
    fn covers(&self, origin: &WebOrigin) -> bool {
        origin.scheme == self.scheme
            && origin.port == self.port
            && (origin.host == self.host
                || origin
                    .host
                    .strip_suffix(self.host.as_str())
                    .is_some_and(|prefix| prefix.ends_with('.')))
    }
}

/// A lower-case DNS host name: dot-separated labels of letters, digits and inner hyphens.
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// A relying party's verification settings. Build it with [`RelyingParty::builder`].
#[derive(Debug, Clone)]
pub struct RelyingParty {
    pub(crate) rp_id: String,
    pub(crate) rp_id_hash: [u8; 32],
    origins: Vec<OriginRule>,
    pub(crate) allow_cross_origin: bool,
    top_origins: Vec<String>,
    pub(crate) algorithms: Vec<CoseAlgorithm>,
    pub(crate) user_verification: UserVerification,
    pub(crate) counter_policy: CounterPolicy,
    trust_roots: Vec<Vec<u8>>,
    pub(crate) app_id_hash: Option<[u8; 32]>,
    pub(crate) android_key: AndroidKeyPolicy,
}

/// Builds a [`RelyingParty`]; [`RelyingPartyBuilder::build`] checks the settings.
#[derive(Debug, Clone)]
pub struct RelyingPartyBuilder {
    rp_id: String,
    origins: Vec<(String, bool)>,
    allow_cross_origin: bool,
    top_origins: Vec<String>,
    algorithms: Vec<CoseAlgorithm>,
    user_verification: UserVerification,
    counter_policy: CounterPolicy,
    trust_roots: Vec<Vec<u8>>,
    app_id: Option<String>,
    android_key: AndroidKeyPolicy,
}

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, data).as_ref());
    out
}

impl RelyingParty {
    /// Starts the settings of the relying party `rp_id` (a domain such as `example.org`).
    ///
    /// The defaults: every [`CoseAlgorithm`], [`UserVerification::Required`],
    /// [`CounterPolicy::Reject`], no cross-origin ceremonies, no trust roots (attestation is
    /// checked but reported as [`AttestationTrust::Unverified`](crate::AttestationTrust)), no
    /// AppID, the default [`AndroidKeyPolicy`]. At least one origin must be added.
    pub fn builder(rp_id: impl Into<String>) -> RelyingPartyBuilder {
        RelyingPartyBuilder {
            rp_id: rp_id.into(),
            origins: Vec::new(),
            allow_cross_origin: false,
            top_origins: Vec::new(),
            algorithms: CoseAlgorithm::ALL.to_vec(),
            user_verification: UserVerification::Required,
            counter_policy: CounterPolicy::Reject,
            trust_roots: Vec::new(),
            app_id: None,
            android_key: AndroidKeyPolicy::default(),
        }
    }

    /// The RP ID.
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// Whether `origin` is allowed: equal to an exact entry, or the host or a subdomain (at a
    /// dot boundary, same scheme and port) of a subdomain entry.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        let parsed = WebOrigin::parse(origin);
        self.origins.iter().any(|rule| match rule {
            OriginRule::Exact(allowed) => allowed == origin,
            OriginRule::Subdomains(allowed) => parsed.as_ref().is_some_and(|o| allowed.covers(o)),
        })
    }

    /// Whether `top_origin` is an allowed top-level origin for cross-origin ceremonies.
    pub fn top_origin_allowed(&self, top_origin: &str) -> bool {
        self.top_origins.iter().any(|allowed| allowed == top_origin)
    }

    /// The trust roots, parsed (they were checked when built).
    pub(crate) fn trust_roots(&self) -> Vec<Certificate<'_>> {
        self.trust_roots
            .iter()
            .filter_map(|der| Certificate::parse(der).ok())
            .collect()
    }
}

impl RelyingPartyBuilder {
    /// Allows the exact origin `origin` (`https://login.example.org`, or `http://localhost:8080`
    /// for development, or an app origin such as `android:apk-key-hash:…`).
    #[must_use]
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push((origin.into(), false));
        self
    }

    /// Allows the web origin `origin` and every subdomain of its host, with the same scheme
    /// and port. Matching is at a dot boundary: `https://example.org` covers
    /// `https://a.b.example.org`, never `https://badexample.org`.
    #[must_use]
    pub fn origin_and_subdomains(mut self, origin: impl Into<String>) -> Self {
        self.origins.push((origin.into(), true));
        self
    }

    /// Allows cross-origin ceremonies (the credential used from an `<iframe>`) whose
    /// `topOrigin` is one of `top_origins`, exactly.
    #[must_use]
    pub fn allow_cross_origin<I, S>(mut self, top_origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allow_cross_origin = true;
        self.top_origins
            .extend(top_origins.into_iter().map(Into::into));
        self
    }

    /// The algorithms the options' `pubKeyCredParams` listed; a registration with another is
    /// refused.
    #[must_use]
    pub fn algorithms(mut self, algorithms: &[CoseAlgorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// The user verification requirement.
    #[must_use]
    pub fn user_verification(mut self, requirement: UserVerification) -> Self {
        self.user_verification = requirement;
        self
    }

    /// The signature counter policy.
    #[must_use]
    pub fn counter_policy(mut self, policy: CounterPolicy) -> Self {
        self.counter_policy = policy;
        self
    }

    /// Adds an attestation trust root (a DER certificate). With at least one, every
    /// attestation certificate chain must lead to one of them ([`Error::UntrustedAttestation`]
    /// otherwise). `none` and self attestation carry no chain and still pass, reported as
    /// [`AttestationTrust::SelfOrNone`](crate::AttestationTrust): a relying party that admits
    /// only known authenticator models checks
    /// [`Registration::attestation_trust`](crate::Registration).
    #[must_use]
    pub fn trust_root(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.trust_roots.push(der.into());
        self
    }

    /// The FIDO AppID (`https://example.org/app-id.json`) of credentials registered with the
    /// U2F API: an assertion whose `appid` extension output is true is checked against its
    /// hash instead of the RP ID's.
    #[must_use]
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// The `android-key` attestation policy.
    #[must_use]
    pub fn android_key_policy(mut self, policy: AndroidKeyPolicy) -> Self {
        self.android_key = policy;
        self
    }

    /// Checks the settings and builds the relying party.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for an RP ID that is not a lower-case host name, no origin, an
    /// origin that is empty or ends in `/`, a subdomain origin that is not
    /// `http(s)://host[:port]`, cross-origin allowed with no top-level origin, no algorithm,
    /// an empty AppID, or a trust root that is not a certificate this crate can use.
    pub fn build(self) -> Result<RelyingParty, Error> {
        let invalid = |reason: String| Error::InvalidConfig { reason };
        if !is_host_name(&self.rp_id) {
            return Err(invalid(format!(
                "rp id {:?} is not a lower-case host name",
                self.rp_id
            )));
        }
        if self.origins.is_empty() {
            return Err(invalid("no origin is allowed".to_owned()));
        }
        let mut origins = Vec::with_capacity(self.origins.len());
        for (origin, subdomains) in self.origins {
            if origin.is_empty() || origin.ends_with('/') || origin.contains(char::is_whitespace) {
                return Err(invalid(format!("origin {origin:?} is not an origin")));
            }
            origins.push(if subdomains {
                OriginRule::Subdomains(WebOrigin::parse(&origin).ok_or_else(|| {
                    invalid(format!(
                        "origin {origin:?} is not http(s)://host[:port] as browsers write it"
                    ))
                })?)
            } else {
                OriginRule::Exact(origin)
            });
        }
        if self.allow_cross_origin && self.top_origins.is_empty() {
            return Err(invalid(
                "cross-origin ceremonies are allowed but no top-level origin is".to_owned(),
            ));
        }
        if self.algorithms.is_empty() {
            return Err(invalid("no algorithm is allowed".to_owned()));
        }
        if self.app_id.as_deref() == Some("") {
            return Err(invalid("app id is empty".to_owned()));
        }
        for (index, der) in self.trust_roots.iter().enumerate() {
            Certificate::parse(der)
                .map_err(|reason| invalid(format!("trust root {index}: {reason}")))?;
        }
        Ok(RelyingParty {
            rp_id_hash: sha256(self.rp_id.as_bytes()),
            rp_id: self.rp_id,
            origins,
            allow_cross_origin: self.allow_cross_origin,
            top_origins: self.top_origins,
            algorithms: self.algorithms,
            user_verification: self.user_verification,
            counter_policy: self.counter_policy,
            trust_roots: self.trust_roots,
            app_id_hash: self.app_id.as_deref().map(|id| sha256(id.as_bytes())),
            android_key: self.android_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rp() -> RelyingParty {
        RelyingParty::builder("example.org")
            .origin("https://example.org")
            .origin_and_subdomains("https://example.org:8443")
            .origin("android:apk-key-hash:abc")
            .build()
            .unwrap()
    }

    #[test]
    fn exact_origins_match_exactly() {
        let rp = rp();
        assert!(rp.origin_allowed("https://example.org"));
        assert!(rp.origin_allowed("android:apk-key-hash:abc"));
        for other in [
            "https://example.org/",
            "https://example.org:443",
            "http://example.org",
            "https://EXAMPLE.org",
            "https://a.example.org",
            "https://example.org.evil.test",
        ] {
            assert!(!rp.origin_allowed(other), "{other}");
        }
    }

    #[test]
    fn subdomain_entries_match_at_a_dot_boundary_only() {
        let rp = rp();
        assert!(rp.origin_allowed("https://example.org:8443"));
        assert!(rp.origin_allowed("https://a.example.org:8443"));
        assert!(rp.origin_allowed("https://a.b.example.org:8443"));
        for other in [
            "https://badexample.org:8443",
            "https://a.example.org",
            "http://a.example.org:8443",
            "https://a.example.org:8443/",
            "https://a.example.org:08443",
            "https://.example.org:8443",
            "https://a..example.org:8443",
            "https://user@a.example.org:8443",
            "https://A.example.org:8443",
        ] {
            assert!(!rp.origin_allowed(other), "{other}");
        }
    }

    #[test]
    fn build_refuses_unusable_settings() {
        let base = || RelyingParty::builder("example.org").origin("https://example.org");
        for builder in [
            RelyingParty::builder("Example.org").origin("https://example.org"),
            RelyingParty::builder("example.org"),
            base().origin("https://example.org/"),
            base().origin_and_subdomains("https://*.example.org"),
            base().allow_cross_origin(Vec::<String>::new()),
            base().algorithms(&[]),
            base().app_id(""),
            base().trust_root(vec![0x30, 0x00]),
        ] {
            assert_eq!(
                builder.build().map_err(|e| e.code()).err(),
                Some("invalid_config")
            );
        }
    }
}
