//! Error codes are part of the API: one per rule, stable, distinct, lower-case snake case.

use std::collections::HashSet;

use watchword_webauthn::{CoseAlgorithm, Error, UnixTime};

#[allow(clippy::too_many_lines)] // one table of cases
fn every_error() -> Vec<(Error, &'static str)> {
    let s = String::new;
    vec![
        (Error::InvalidConfig { reason: s() }, "invalid_config"),
        (
            Error::ResponseTooLarge { len: 0, max: 0 },
            "response_too_large",
        ),
        (Error::Json { reason: s() }, "json"),
        (Error::Base64 { field: "id" }, "base64"),
        (Error::CredentialType { found: s() }, "credential_type"),
        (Error::IdMismatch, "id_mismatch"),
        (
            Error::ResponseInconsistent { field: "x" },
            "response_inconsistent",
        ),
        (Error::ClientData { reason: s() }, "client_data"),
        (
            Error::CeremonyType {
                expected: "webauthn.get",
                found: s(),
            },
            "ceremony_type",
        ),
        (
            Error::TokenBindingStatus { found: s() },
            "token_binding_status",
        ),
        (Error::ChallengeMismatch, "challenge_mismatch"),
        (
            Error::OriginNotAllowed { origin: s() },
            "origin_not_allowed",
        ),
        (Error::CrossOriginNotAllowed, "cross_origin_not_allowed"),
        (Error::MissingTopOrigin, "missing_top_origin"),
        (
            Error::TopOriginNotAllowed { top_origin: s() },
            "top_origin_not_allowed",
        ),
        (
            Error::TopOriginWithoutCrossOrigin,
            "top_origin_without_cross_origin",
        ),
        (
            Error::Cbor {
                structure: "x",
                reason: "y",
                offset: 0,
            },
            "cbor",
        ),
        (
            Error::AttestationObject { reason: "x" },
            "attestation_object",
        ),
        (
            Error::AuthenticatorData { reason: "x" },
            "authenticator_data",
        ),
        (Error::CoseKey { reason: "x" }, "cose_key"),
        (
            Error::UnsupportedAlgorithm { alg: -36 },
            "unsupported_algorithm",
        ),
        (Error::Ed448Unsupported, "ed448_unsupported"),
        (Error::RsaKeySize { bits: 1024 }, "rsa_key_size"),
        (Error::RsaExponent, "rsa_exponent"),
        (Error::PointNotOnCurve, "point_not_on_curve"),
        (Error::RpIdHashMismatch, "rp_id_hash_mismatch"),
        (Error::UserNotPresent, "user_not_present"),
        (Error::UserNotVerified, "user_not_verified"),
        (
            Error::BackupStateWithoutEligibility,
            "backup_state_without_eligibility",
        ),
        (
            Error::BackupEligibilityChanged {
                stored: true,
                found: false,
            },
            "backup_eligibility_changed",
        ),
        (
            Error::MissingAttestedCredentialData,
            "missing_attested_credential_data",
        ),
        (
            Error::UnexpectedAttestedCredentialData,
            "unexpected_attested_credential_data",
        ),
        (
            Error::CredentialIdTooLong {
                len: 1024,
                max: 1023,
            },
            "credential_id_too_long",
        ),
        (Error::CredentialIdMismatch, "credential_id_mismatch"),
        (
            Error::AlgorithmNotAllowed {
                alg: CoseAlgorithm::Rs256,
            },
            "algorithm_not_allowed",
        ),
        (Error::CredentialNotAllowed, "credential_not_allowed"),
        (Error::CredentialMismatch, "credential_mismatch"),
        (Error::MissingUserHandle, "missing_user_handle"),
        (Error::UserHandleMismatch, "user_handle_mismatch"),
        (
            Error::InvalidCredential { reason: "x" },
            "invalid_credential",
        ),
        (Error::BadSignature, "bad_signature"),
        (
            Error::SignCountRegression {
                stored: 2,
                found: 1,
            },
            "sign_count_regression",
        ),
        (
            Error::UnsupportedAttestationFormat { fmt: s() },
            "unsupported_attestation_format",
        ),
        (
            Error::AttestationStatement {
                fmt: "packed",
                reason: "x",
            },
            "attestation_statement",
        ),
        (
            Error::AttestationAlgorithmMismatch {
                attestation: -7,
                credential: -8,
            },
            "attestation_algorithm_mismatch",
        ),
        (Error::AttestationSignature, "attestation_signature"),
        (Error::AttestationKeyMismatch, "attestation_key_mismatch"),
        (
            Error::AttestationCertificate { reason: "x" },
            "attestation_certificate",
        ),
        (Error::AaguidExtensionCritical, "aaguid_extension_critical"),
        (Error::AaguidMismatch, "aaguid_mismatch"),
        (Error::U2fAaguidNotZero, "u2f_aaguid_not_zero"),
        (Error::TpmVersion { found: s() }, "tpm_version"),
        (Error::TpmStructure { reason: "x" }, "tpm_structure"),
        (Error::TpmMagic { found: 0 }, "tpm_magic"),
        (Error::TpmAttestType { found: 0 }, "tpm_attest_type"),
        (Error::TpmExtraData, "tpm_extra_data"),
        (Error::TpmName, "tpm_name"),
        (
            Error::AndroidKeyDescription { reason: "x" },
            "android_key_description",
        ),
        (Error::AndroidKeyChallenge, "android_key_challenge"),
        (
            Error::AndroidKeyAllApplications,
            "android_key_all_applications",
        ),
        (Error::AndroidKeyOrigin, "android_key_origin"),
        (Error::AndroidKeyPurpose, "android_key_purpose"),
        (Error::AppleNonce, "apple_nonce"),
        (
            Error::Certificate {
                index: 0,
                reason: "x",
            },
            "certificate",
        ),
        (
            Error::CertificateChainLength { len: 0, max: 5 },
            "certificate_chain_length",
        ),
        (
            Error::CertificateExpired {
                index: 0,
                not_after: 0,
                now: UnixTime(1),
            },
            "certificate_expired",
        ),
        (
            Error::CertificateNotYetValid {
                index: 0,
                not_before: 1,
                now: UnixTime(0),
            },
            "certificate_not_yet_valid",
        ),
        (
            Error::CertificateCriticalExtension { index: 0, oid: s() },
            "certificate_critical_extension",
        ),
        (
            Error::CertificateIssuerMismatch { index: 0 },
            "certificate_issuer_mismatch",
        ),
        (Error::CertificateNotCa { index: 1 }, "certificate_not_ca"),
        (
            Error::CertificatePathLength { index: 1 },
            "certificate_path_length",
        ),
        (
            Error::CertificateSignature { index: 0 },
            "certificate_signature",
        ),
        (Error::UntrustedAttestation, "untrusted_attestation"),
        (Error::PaymentDataMissing, "payment_data_missing"),
        (Error::PaymentRpId { found: s() }, "payment_rp_id"),
        (Error::PaymentTopOrigin { found: s() }, "payment_top_origin"),
        (Error::PaymentPayeeName, "payment_payee_name"),
        (Error::PaymentPayeeOrigin, "payment_payee_origin"),
        (Error::PaymentTotal, "payment_total"),
        (Error::PaymentInstrument, "payment_instrument"),
    ]
}

#[test]
fn codes_are_stable_and_distinct() {
    let errors = every_error();
    let mut seen = HashSet::new();
    for (error, code) in &errors {
        assert_eq!(error.code(), *code, "{error:?}");
        assert!(seen.insert(*code), "{code} appears twice");
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{code}"
        );
        let message = error.to_string();
        assert!(
            !message.is_empty() && !message.starts_with(char::is_uppercase),
            "{message}"
        );
    }
    // Every variant of `Error` is listed above.
    assert_eq!(errors.len(), 80);
}
