//! WebAuthn for Watchword: registration and authentication verification per
//! [WebAuthn Level 3] §7.1 and §7.2, attestation per §8, and [Secure Payment Confirmation].
//!
//! Pure logic: no IO, no clock, no RNG. The relying party issues challenges from its own RNG
//! and redeems each once in its store; the verification time (for attestation certificates)
//! comes in as `now`, a [`UnixTime`].
//!
//! An embedding service checks a registration, stores the credential, and checks sign-ins
//! against it:
//!
//! ```
//! use watchword_webauthn::{parse_authentication, parse_registration, RelyingParty};
//!
//! # fn main() -> Result<(), watchword_webauthn::Error> {
//! # let authenticator = watchword_webauthn::fuzzing::Authenticator::new();
//! # let now = watchword_webauthn::UnixTime(1_700_000_000);
//! let rp = RelyingParty::builder("example.org")
//!     .origin("https://example.org")
//!     .build()?;
//!
//! // Registration: a fresh random challenge went out in the creation options.
//! let challenge = [7; 32];
//! # let json = authenticator.register(&challenge, "https://example.org", "example.org");
//! let registration = rp.verify_registration(&challenge, &parse_registration(&json)?, now)?;
//! let mut credential = registration.credential;
//! credential.user_handle = Some(b"user-42".to_vec()); // the user.id of the options
//! // … store `credential` (it is serde) under `credential.id`.
//!
//! // Sign-in: another challenge, the assertion, the stored credential looked up by its id.
//! let challenge = [9; 32];
//! # let json = authenticator.authenticate(&challenge, "https://example.org", "example.org", 1);
//! let response = parse_authentication(&json)?;
//! assert_eq!(response.raw_id(), credential.id.as_slice());
//! let allowed = [credential.id.clone()];
//! let authentication = rp.verify_authentication(&challenge, &response, &credential, &allowed)?;
//! credential.update(&authentication);
//! assert_eq!(credential.sign_count, 1);
//! # Ok(())
//! # }
//! ```
//!
//! # What a verifier refuses
//!
//! Each rule has its own [`Error`] variant with a stable [`Error::code`]; the steps and their
//! order are listed on [`RelyingParty::verify_registration`],
//! [`RelyingParty::verify_authentication`] and [`RelyingParty::verify_payment`]. Policies:
//!
//! - **Origins** match an allow-list exactly; an entry added with
//!   [`origin_and_subdomains`](RelyingPartyBuilder::origin_and_subdomains) also covers
//!   subdomains of its host at a dot boundary, with the same scheme and port. Never a plain
//!   suffix.
//! - **Cross-origin** ceremonies (`crossOrigin: true`) are refused unless allowed, and then
//!   need a `topOrigin` on the allowed list. A `topOrigin` without `crossOrigin` is refused.
//! - **User verification** is required by default ([`UserVerification::Required`]); set it to
//!   what the options asked for.
//! - **Signature counters** that do not increase (unless both are zero) are refused, or
//!   reported with [`CounterPolicy::Report`].
//! - **Attestation** signatures are always verified. Certificate chains are checked against
//!   the trust roots the relying party supplies (never roots from the response); without
//!   roots the result says [`AttestationTrust::Unverified`]. `fido-u2f` with a non-zero AAGUID
//!   is refused (the U2F signature does not cover it). `android-key` needs `origin` generated
//!   and `purpose` sign in the authorization lists ([`AndroidKeyPolicy`]); empty lists are
//!   refused. `tpm` needs the AIK certificate's TPM manufacturer, model and version, but not a
//!   manufacturer from any registry. SHA-1 is accepted in one place only: a `tpm` statement
//!   signed with RS1, which older TPMs (early Windows Hello) can only produce; SHA-1 TPM names
//!   and SHA-1 certificates are refused, and RS1 is never a credential's algorithm. A critical
//!   certificate policies extension (Microsoft's AIK certificates) is accepted when well
//!   formed: no policy is required. `android-safetynet` and `compound` are not supported.
//! - **Client data** members this crate does not know are ignored. `tokenBinding`, which
//!   Level 3 dropped, must still have the Level 2 status `present` or `supported` when sent.
//! - **Input**: the response JSON is limited to [`MAX_RESPONSE_LEN`] bytes; binary members
//!   are base64url, unpadded or with complete `=` padding (polyfills send both), and nothing
//!   else; `id` must encode the same bytes as `rawId`; CBOR is decoded
//!   strictly (definite lengths, no tags or floats, no duplicate keys, bounded depth); COSE
//!   keys must be consistent and on their curve; RSA keys 2048 to 8192 bits.
//!
//! # Algorithms
//!
//! ES256, ES384, RS256, RS384, RS512, PS256, PS384, PS512 and EdDSA (Ed25519) through *ring*;
//! ES512 (P-521), which ring lacks, through the RustCrypto `p521` crate. Ed448 is refused with
//! [`Error::Ed448Unsupported`]; RS1 as a credential's algorithm with
//! [`Error::UnsupportedAlgorithm`] (it verifies `tpm` attestation statements only).
//!
//! [WebAuthn Level 3]: https://www.w3.org/TR/webauthn-3/
//! [Secure Payment Confirmation]: https://www.w3.org/TR/secure-payment-confirmation/
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attestation;
mod authentication;
mod authenticator_data;
mod cbor;
mod ceremony;
mod client_data;
mod cose;
mod credential;
mod der;
mod ec;
mod encoding;
mod error;
mod payment;
mod registration;
mod relying_party;
mod response;
mod x509;

#[doc(hidden)]
pub mod fuzzing;

pub use authenticator_data::{AttestedCredentialData, AuthenticatorData, Flags};
pub use client_data::{
    CollectedClientData, CollectedPaymentData, PaymentCredentialInstrument, PaymentCurrencyAmount,
};
pub use cose::{CoseAlgorithm, CoseKey};
pub use credential::{AttestationTrust, Authentication, Credential, Registration};
pub use error::Error;
pub use payment::PaymentRequest;
pub use registration::MAX_CREDENTIAL_ID_LEN;
pub use relying_party::{
    AndroidKeyPolicy, CounterPolicy, RelyingParty, RelyingPartyBuilder, UserVerification,
};
pub use response::{
    parse_authentication, parse_registration, AuthenticationResponse, ClientExtensionResults,
    RegistrationResponse, MAX_RESPONSE_LEN,
};
pub use watchword_token::UnixTime;
pub use x509::MAX_CHAIN_LEN;
