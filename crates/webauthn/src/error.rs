//! The crate's one error type.

use watchword_token::UnixTime;

use crate::CoseAlgorithm;

/// Everything that can go wrong while configuring a relying party, parsing a response or
/// verifying a ceremony.
///
/// Each rule has its own variant and a stable machine-readable [`Error::code`], so that callers
/// (and tests) can tell exactly which rule an input broke. Messages are lower-case and name
/// the offending value where it is not a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ----- configuration -----
    /// A [`RelyingPartyBuilder`](crate::RelyingPartyBuilder) setting is unusable.
    #[error("invalid relying party configuration: {reason}")]
    InvalidConfig {
        /// What is wrong with it.
        reason: String,
    },

    // ----- the response document -----
    /// The response JSON is longer than [`MAX_RESPONSE_LEN`](crate::MAX_RESPONSE_LEN).
    #[error("response is {len} bytes, more than the {max}-byte limit")]
    ResponseTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The response is not JSON of the `PublicKeyCredential.toJSON()` shape.
    #[error("response is not a valid credential json: {reason}")]
    Json {
        /// The parser's message.
        reason: String,
    },
    /// A binary member is not base64url (unpadded, or with complete `=` padding).
    #[error("{field} is not base64url")]
    Base64 {
        /// The JSON member.
        field: &'static str,
    },
    /// The credential's `type` is not `public-key`.
    #[error("credential type {found:?} is not \"public-key\"")]
    CredentialType {
        /// The type found.
        found: String,
    },
    /// `id` is not the base64url encoding of `rawId`.
    #[error("credential id is not the base64url encoding of rawId")]
    IdMismatch,
    /// A convenience member of the response (`authenticatorData`, `publicKeyAlgorithm`)
    /// disagrees with the attestation object it summarises.
    #[error("response member {field} disagrees with the attestation object")]
    ResponseInconsistent {
        /// The JSON member.
        field: &'static str,
    },

    // ----- client data (WebAuthn §5.8.1) -----
    /// `clientDataJSON` does not parse as collected client data.
    #[error("clientDataJSON is malformed: {reason}")]
    ClientData {
        /// What is wrong with it.
        reason: String,
    },
    /// `type` is not the ceremony's (`webauthn.create`, `webauthn.get`, `payment.get`).
    #[error("client data type {found:?} is not {expected:?}")]
    CeremonyType {
        /// The ceremony's type.
        expected: &'static str,
        /// The type found.
        found: String,
    },
    /// The challenge is not the one the relying party issued.
    #[error("challenge does not match")]
    ChallengeMismatch,
    /// The origin is not on the relying party's allow-list.
    #[error("origin {origin:?} is not allowed")]
    OriginNotAllowed {
        /// The origin found.
        origin: String,
    },
    /// `crossOrigin` is true and the relying party does not allow cross-origin ceremonies.
    #[error("cross-origin ceremony is not allowed")]
    CrossOriginNotAllowed,
    /// `crossOrigin` is true but `topOrigin` is absent, so the embedding page is unknown.
    #[error("cross-origin ceremony without topOrigin")]
    MissingTopOrigin,
    /// `topOrigin` is not on the relying party's list of allowed top-level origins.
    #[error("top origin {top_origin:?} is not allowed")]
    TopOriginNotAllowed {
        /// The top origin found.
        top_origin: String,
    },
    /// `tokenBinding.status` is neither `present` nor `supported` (WebAuthn Level 2 §5.8.1).
    #[error("token binding status {found:?} is neither \"present\" nor \"supported\"")]
    TokenBindingStatus {
        /// The status found.
        found: String,
    },
    /// `topOrigin` is present while `crossOrigin` is not true.
    #[error("topOrigin is present but crossOrigin is not true")]
    TopOriginWithoutCrossOrigin,

    // ----- CBOR structures -----
    /// A CBOR structure is malformed or uses what the strict decoder refuses.
    #[error("{structure} is not valid cbor: {reason} at byte {offset}")]
    Cbor {
        /// Which structure.
        structure: &'static str,
        /// What the decoder refused.
        reason: &'static str,
        /// Byte offset in the structure.
        offset: usize,
    },
    /// The attestation object's map is not `{fmt, attStmt, authData}`.
    #[error("attestation object is malformed: {reason}")]
    AttestationObject {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The authenticator data is malformed (WebAuthn §6.1).
    #[error("authenticator data is malformed: {reason}")]
    AuthenticatorData {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A credential public key is not a well-formed COSE_Key of its type.
    #[error("credential public key is malformed: {reason}")]
    CoseKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A COSE algorithm this crate does not verify with.
    #[error("cose algorithm {alg} is not supported")]
    UnsupportedAlgorithm {
        /// The COSE algorithm identifier.
        alg: i64,
    },
    /// An Ed448 key (COSE alg -8 with crv 7, or alg -53): Ed448 is not supported.
    #[error("ed448 keys are not supported")]
    Ed448Unsupported,
    /// An RSA modulus outside 2048..=8192 bits.
    #[error("rsa modulus of {bits} bits is outside 2048..=8192")]
    RsaKeySize {
        /// Its size in bits.
        bits: usize,
    },
    /// An RSA public exponent that is even, below 3 or above 2^33 - 1.
    #[error("rsa public exponent is unusable")]
    RsaExponent,
    /// An elliptic-curve public key whose point is not on its curve.
    #[error("public key point is not on its curve")]
    PointNotOnCurve,

    // ----- the ceremony checks (WebAuthn §7.1, §7.2) -----
    /// `rpIdHash` is not the SHA-256 of the RP ID (or of the AppID, when that extension was
    /// used).
    #[error("rpIdHash is not the hash of the expected rp id")]
    RpIdHashMismatch,
    /// The UP (user present) flag is not set.
    #[error("user presence flag is not set")]
    UserNotPresent,
    /// The relying party requires user verification and the UV flag is not set.
    #[error("user verification is required and the uv flag is not set")]
    UserNotVerified,
    /// BS (backup state) is set without BE (backup eligible).
    #[error("backup state flag is set without backup eligibility")]
    BackupStateWithoutEligibility,
    /// BE differs from the value stored at registration (WebAuthn §7.2 step 19).
    #[error("backup eligibility changed from {stored} to {found}")]
    BackupEligibilityChanged {
        /// The stored value.
        stored: bool,
        /// The value now.
        found: bool,
    },
    /// A registration's authenticator data has no attested credential data.
    #[error("registration has no attested credential data")]
    MissingAttestedCredentialData,
    /// An assertion's authenticator data carries attested credential data.
    #[error("assertion carries attested credential data")]
    UnexpectedAttestedCredentialData,
    /// A credential id longer than 1023 bytes.
    #[error("credential id is {len} bytes, more than {max}")]
    CredentialIdTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The attested credential id is not the response's `rawId`.
    #[error("attested credential id differs from rawId")]
    CredentialIdMismatch,
    /// The credential's algorithm is not one the relying party asked for.
    #[error("algorithm {alg} was not requested")]
    AlgorithmNotAllowed {
        /// The credential's algorithm.
        alg: CoseAlgorithm,
    },
    /// The credential is not in `allowCredentials` (or the SPC `credentialIds`).
    #[error("credential is not among the allowed credentials")]
    CredentialNotAllowed,
    /// The response's `rawId` is not the id of the stored credential it is verified against.
    #[error("response is for another credential than the stored one")]
    CredentialMismatch,
    /// A discoverable-credential sign-in (empty `allowCredentials`) without `userHandle`.
    #[error("userHandle is required when no credentials were allowed up front")]
    MissingUserHandle,
    /// `userHandle` is not the user the credential belongs to.
    #[error("userHandle does not belong to the credential's user")]
    UserHandleMismatch,
    /// The stored credential record is unusable (its key does not parse, or its algorithm
    /// differs from its key's).
    #[error("stored credential is invalid: {reason}")]
    InvalidCredential {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The assertion signature does not verify under the credential's public key.
    #[error("assertion signature does not verify")]
    BadSignature,
    /// The signature counter did not increase (WebAuthn §7.2 step 22), under
    /// [`CounterPolicy::Reject`](crate::CounterPolicy::Reject).
    #[error("signature counter {found} is not above the stored {stored}")]
    SignCountRegression {
        /// The stored counter.
        stored: u32,
        /// The authenticator's counter.
        found: u32,
    },

    // ----- attestation statements (WebAuthn §8) -----
    /// An attestation statement format this crate does not verify.
    #[error("attestation format {fmt:?} is not supported")]
    UnsupportedAttestationFormat {
        /// The `fmt` found.
        fmt: String,
    },
    /// The attestation statement does not have its format's shape.
    #[error("{fmt} attestation statement is malformed: {reason}")]
    AttestationStatement {
        /// The format.
        fmt: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Self attestation whose `alg` differs from the credential key's algorithm.
    #[error("attestation alg {attestation} differs from the credential alg {credential}")]
    AttestationAlgorithmMismatch {
        /// The statement's `alg`.
        attestation: i64,
        /// The credential key's `alg`.
        credential: i64,
    },
    /// The attestation signature does not verify, or its key does not fit `alg`.
    #[error("attestation signature does not verify")]
    AttestationSignature,
    /// The attested key (certificate key, TPM `pubArea`) is not the credential public key.
    #[error("attested key is not the credential public key")]
    AttestationKeyMismatch,
    /// The attestation certificate does not meet its format's requirements.
    #[error("attestation certificate does not meet the format's requirements: {reason}")]
    AttestationCertificate {
        /// The requirement broken.
        reason: &'static str,
    },
    /// The certificate's AAGUID extension (1.3.6.1.4.1.45724.1.1.4) is marked critical.
    #[error("aaguid extension is marked critical")]
    AaguidExtensionCritical,
    /// The certificate's AAGUID extension differs from the authenticator data's AAGUID.
    #[error("certificate aaguid differs from the authenticator data aaguid")]
    AaguidMismatch,
    /// `fido-u2f` attestation with a non-zero AAGUID, which the U2F signature does not cover.
    #[error("fido-u2f attestation with a non-zero aaguid")]
    U2fAaguidNotZero,
    /// TPM attestation `ver` other than `2.0`.
    #[error("tpm attestation version {found:?} is not \"2.0\"")]
    TpmVersion {
        /// The `ver` found.
        found: String,
    },
    /// TPM `pubArea` or `certInfo` does not parse, or uses what is not supported.
    #[error("tpm structure is malformed: {reason}")]
    TpmStructure {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// TPM `certInfo.magic` is not `TPM_GENERATED_VALUE`.
    #[error("tpm certInfo magic {found:#010x} is not TPM_GENERATED_VALUE")]
    TpmMagic {
        /// The magic found.
        found: u32,
    },
    /// TPM `certInfo.type` is not `TPM_ST_ATTEST_CERTIFY`.
    #[error("tpm certInfo type {found:#06x} is not TPM_ST_ATTEST_CERTIFY")]
    TpmAttestType {
        /// The type found.
        found: u16,
    },
    /// TPM `certInfo.extraData` is not the hash of authenticator data and client data hash.
    #[error("tpm certInfo extraData is not the hash of the attested data")]
    TpmExtraData,
    /// TPM `certInfo.attested.name` is not the name of `pubArea`.
    #[error("tpm certInfo attested name is not the name of pubArea")]
    TpmName,
    /// The android-key attestation certificate lacks a well-formed key description extension.
    #[error("android key description is missing or malformed: {reason}")]
    AndroidKeyDescription {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The key description's `attestationChallenge` is not the client data hash.
    #[error("android key attestation challenge is not the client data hash")]
    AndroidKeyChallenge,
    /// An authorization list holds `allApplications`: the key is not bound to the RP.
    #[error("android key authorization list holds allApplications")]
    AndroidKeyAllApplications,
    /// The key's `origin` is absent or not `KM_ORIGIN_GENERATED`.
    #[error("android key origin is absent or not generated in the keystore")]
    AndroidKeyOrigin,
    /// The key's `purpose` is absent or lacks `KM_PURPOSE_SIGN`.
    #[error("android key purpose is absent or does not include sign")]
    AndroidKeyPurpose,
    /// The apple nonce extension (1.2.840.113635.100.8.2) is missing, malformed, or not
    /// SHA-256(authData ‖ clientDataHash).
    #[error("apple attestation nonce is missing or does not match")]
    AppleNonce,

    // ----- certificate paths -----
    /// A certificate (`index` in `x5c`, leaf first) does not parse, or uses an algorithm this
    /// crate does not verify with.
    #[error("certificate {index} is malformed: {reason}")]
    Certificate {
        /// Position in `x5c`.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `x5c` is empty or longer than [`MAX_CHAIN_LEN`](crate::MAX_CHAIN_LEN).
    #[error("certificate chain has {len} certificates, 1..={max} are accepted")]
    CertificateChainLength {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A certificate is expired at `now`. `index` equal to the chain length is the trust
    /// root.
    #[error("certificate {index} expired at {not_after} (now {now})")]
    CertificateExpired {
        /// Position in `x5c`, or the chain length for the trust root.
        index: usize,
        /// Its `notAfter` (Unix seconds).
        not_after: i64,
        /// The time of verification.
        now: UnixTime,
    },
    /// A certificate is not yet valid at `now`.
    #[error("certificate {index} is not valid before {not_before} (now {now})")]
    CertificateNotYetValid {
        /// Position in `x5c`, or the chain length for the trust root.
        index: usize,
        /// Its `notBefore` (Unix seconds).
        not_before: i64,
        /// The time of verification.
        now: UnixTime,
    },
    /// A certificate carries a critical extension this crate does not process.
    #[error("certificate {index} has unknown critical extension {oid}")]
    CertificateCriticalExtension {
        /// Position in `x5c`.
        index: usize,
        /// The extension's OID, dotted.
        oid: String,
    },
    /// A certificate's issuer is not the subject of the next certificate.
    #[error("certificate {index} was not issued by the next certificate in the chain")]
    CertificateIssuerMismatch {
        /// Position in `x5c`.
        index: usize,
    },
    /// A certificate that issues another is not a CA (basicConstraints), or its key usage
    /// lacks `keyCertSign`.
    #[error("certificate {index} issues another but is not a ca")]
    CertificateNotCa {
        /// Position in `x5c`, or the chain length for the trust root.
        index: usize,
    },
    /// A CA's `pathLenConstraint` is exceeded.
    #[error("certificate {index} path length constraint is exceeded")]
    CertificatePathLength {
        /// Position in `x5c`, or the chain length for the trust root.
        index: usize,
    },
    /// A certificate's signature does not verify under its issuer's key.
    #[error("certificate {index} signature does not verify under its issuer's key")]
    CertificateSignature {
        /// Position in `x5c`.
        index: usize,
    },
    /// Trust roots are configured and the chain leads to none of them.
    #[error("attestation chain does not lead to a configured trust root")]
    UntrustedAttestation,

    // ----- Secure Payment Confirmation -----
    /// `payment.get` client data without its `payment` member.
    #[error("client data has no payment member")]
    PaymentDataMissing,
    /// `payment.rpId` is not the relying party's RP ID.
    #[error("payment rpId {found:?} is not the relying party's")]
    PaymentRpId {
        /// The value found.
        found: String,
    },
    /// `payment.topOrigin` is not the expected top-level origin.
    #[error("payment topOrigin {found:?} is not the expected one")]
    PaymentTopOrigin {
        /// The value found.
        found: String,
    },
    /// `payment.payeeName` is not what the relying party asked to display.
    #[error("payment payeeName does not match")]
    PaymentPayeeName,
    /// `payment.payeeOrigin` is not what the relying party asked to display.
    #[error("payment payeeOrigin does not match")]
    PaymentPayeeOrigin,
    /// `payment.total` is not the transaction amount.
    #[error("payment total does not match")]
    PaymentTotal,
    /// `payment.instrument` is not the instrument the relying party asked to display.
    #[error("payment instrument does not match")]
    PaymentInstrument,
}

impl Error {
    /// A stable, machine-readable name of the rule that failed (`"challenge_mismatch"`,
    /// `"bad_signature"`, …), for API responses and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidConfig { .. } => "invalid_config",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::Json { .. } => "json",
            Error::Base64 { .. } => "base64",
            Error::CredentialType { .. } => "credential_type",
            Error::IdMismatch => "id_mismatch",
            Error::ResponseInconsistent { .. } => "response_inconsistent",
            Error::ClientData { .. } => "client_data",
            Error::TokenBindingStatus { .. } => "token_binding_status",
            Error::CeremonyType { .. } => "ceremony_type",
            Error::ChallengeMismatch => "challenge_mismatch",
            Error::OriginNotAllowed { .. } => "origin_not_allowed",
            Error::CrossOriginNotAllowed => "cross_origin_not_allowed",
            Error::MissingTopOrigin => "missing_top_origin",
            Error::TopOriginNotAllowed { .. } => "top_origin_not_allowed",
            Error::TopOriginWithoutCrossOrigin => "top_origin_without_cross_origin",
            Error::Cbor { .. } => "cbor",
            Error::AttestationObject { .. } => "attestation_object",
            Error::AuthenticatorData { .. } => "authenticator_data",
            Error::CoseKey { .. } => "cose_key",
            Error::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Error::Ed448Unsupported => "ed448_unsupported",
            Error::RsaKeySize { .. } => "rsa_key_size",
            Error::RsaExponent => "rsa_exponent",
            Error::PointNotOnCurve => "point_not_on_curve",
            Error::RpIdHashMismatch => "rp_id_hash_mismatch",
            Error::UserNotPresent => "user_not_present",
            Error::UserNotVerified => "user_not_verified",
            Error::BackupStateWithoutEligibility => "backup_state_without_eligibility",
            Error::BackupEligibilityChanged { .. } => "backup_eligibility_changed",
            Error::MissingAttestedCredentialData => "missing_attested_credential_data",
            Error::UnexpectedAttestedCredentialData => "unexpected_attested_credential_data",
            Error::CredentialIdTooLong { .. } => "credential_id_too_long",
            Error::CredentialIdMismatch => "credential_id_mismatch",
            Error::AlgorithmNotAllowed { .. } => "algorithm_not_allowed",
            Error::CredentialNotAllowed => "credential_not_allowed",
            Error::CredentialMismatch => "credential_mismatch",
            Error::MissingUserHandle => "missing_user_handle",
            Error::UserHandleMismatch => "user_handle_mismatch",
            Error::InvalidCredential { .. } => "invalid_credential",
            Error::BadSignature => "bad_signature",
            Error::SignCountRegression { .. } => "sign_count_regression",
            Error::UnsupportedAttestationFormat { .. } => "unsupported_attestation_format",
            Error::AttestationStatement { .. } => "attestation_statement",
            Error::AttestationAlgorithmMismatch { .. } => "attestation_algorithm_mismatch",
            Error::AttestationSignature => "attestation_signature",
            Error::AttestationKeyMismatch => "attestation_key_mismatch",
            Error::AttestationCertificate { .. } => "attestation_certificate",
            Error::AaguidExtensionCritical => "aaguid_extension_critical",
            Error::AaguidMismatch => "aaguid_mismatch",
            Error::U2fAaguidNotZero => "u2f_aaguid_not_zero",
            Error::TpmVersion { .. } => "tpm_version",
            Error::TpmStructure { .. } => "tpm_structure",
            Error::TpmMagic { .. } => "tpm_magic",
            Error::TpmAttestType { .. } => "tpm_attest_type",
            Error::TpmExtraData => "tpm_extra_data",
            Error::TpmName => "tpm_name",
            Error::AndroidKeyDescription { .. } => "android_key_description",
            Error::AndroidKeyChallenge => "android_key_challenge",
            Error::AndroidKeyAllApplications => "android_key_all_applications",
            Error::AndroidKeyOrigin => "android_key_origin",
            Error::AndroidKeyPurpose => "android_key_purpose",
            Error::AppleNonce => "apple_nonce",
            Error::Certificate { .. } => "certificate",
            Error::CertificateChainLength { .. } => "certificate_chain_length",
            Error::CertificateExpired { .. } => "certificate_expired",
            Error::CertificateNotYetValid { .. } => "certificate_not_yet_valid",
            Error::CertificateCriticalExtension { .. } => "certificate_critical_extension",
            Error::CertificateIssuerMismatch { .. } => "certificate_issuer_mismatch",
            Error::CertificateNotCa { .. } => "certificate_not_ca",
            Error::CertificatePathLength { .. } => "certificate_path_length",
            Error::CertificateSignature { .. } => "certificate_signature",
            Error::UntrustedAttestation => "untrusted_attestation",
            Error::PaymentDataMissing => "payment_data_missing",
            Error::PaymentRpId { .. } => "payment_rp_id",
            Error::PaymentTopOrigin { .. } => "payment_top_origin",
            Error::PaymentPayeeName => "payment_payee_name",
            Error::PaymentPayeeOrigin => "payment_payee_origin",
            Error::PaymentTotal => "payment_total",
            Error::PaymentInstrument => "payment_instrument",
        }
    }
}
