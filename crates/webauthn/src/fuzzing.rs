//! A deterministic software authenticator and the harnesses shared by the `webauthn_*` fuzz
//! targets and the seed-corpus replay test. Not part of the stable API.
//!
//! The authenticator holds a fixed Ed25519 key (Ed25519 signatures are deterministic, so the
//! seeds it makes are reproducible byte for byte) and makes `packed` self-attested
//! registrations and assertions in the browser's JSON form.
//!
//! # `verify_authentication` input format
//!
//! Byte 0 chooses the mode (missing bytes read as 0):
//!
//! - **even: arbitrary response.** The rest is the JSON text (UTF-8, lossily), verified for
//!   [`Authenticator::credential`] (stored counter [`STORED_COUNT`]) against [`CHALLENGE`]. An
//!   acceptance must carry that challenge, a counter above the stored one, UP, and a signature
//!   that verifies under the credential key.
//! - **odd: signed response.** Byte 1 is the flags (AT cleared; ED adds an empty extension
//!   map), bytes 2..6 the counter (big-endian); the authenticator signs it, and the verdict
//!   must be exactly what the rules say of those flags and that counter. When byte 6 is not
//!   zero, bit `byte 7 % 8` of signature byte `byte 6` is flipped first and the response must
//!   be refused.

use ring::signature::{Ed25519KeyPair, KeyPair as _};
use serde_json::json;

use crate::attestation::{self, AttestationObject, Context};
use crate::relying_party::sha256;
use crate::{
    encoding, parse_authentication, parse_registration, Authentication, AuthenticatorData,
    CollectedClientData, CoseAlgorithm, CoseKey, Credential, Error, Flags, Registration,
    RelyingParty, UnixTime, UserVerification,
};

/// The verification time of the harnesses.
pub const NOW: UnixTime = UnixTime(1_700_000_000);
/// The RP ID of the harnesses.
pub const RP_ID: &str = "fuzz.example";
/// The origin of the harnesses.
pub const ORIGIN: &str = "https://fuzz.example";
/// The challenge the harnesses expect.
pub const CHALLENGE: [u8; 32] = [0x5a; 32];
/// The stored signature counter of the credential the authentication harness verifies for.
pub const STORED_COUNT: u32 = 5;
/// The user handle of the harness credential.
pub const USER_HANDLE: &[u8] = b"fuzz-user";
/// The harness credential id.
pub const CREDENTIAL_ID: [u8; 16] = *b"watchword-fuzzer";

/// The relying party of the harnesses: [`RP_ID`], [`ORIGIN`], UV preferred, counters refused.
///
/// # Panics
///
/// Never: the settings are valid.
pub fn relying_party() -> RelyingParty {
    RelyingParty::builder(RP_ID)
        .origin(ORIGIN)
        .user_verification(UserVerification::Preferred)
        .build()
        .unwrap_or_else(|_| unreachable!("valid settings"))
}

/// A software authenticator with one fixed Ed25519 credential.
#[derive(Debug)]
pub struct Authenticator {
    key: Ed25519KeyPair,
}

impl Default for Authenticator {
    fn default() -> Self {
        Self::new()
    }
}

impl Authenticator {
    /// The authenticator with the fixed key.
    ///
    /// # Panics
    ///
    /// Never: any 32-byte seed is a key.
    pub fn new() -> Self {
        let key = Ed25519KeyPair::from_seed_unchecked(b"watchword webauthn fuzz ed25519!")
            .unwrap_or_else(|_| unreachable!("32-byte seed"));
        Authenticator { key }
    }

    /// The credential public key as COSE_Key bytes.
    pub fn public_key_cose(&self) -> Vec<u8> {
        let mut out = Vec::new();
        cbor_head(&mut out, 5, 4);
        cbor_int(&mut out, 1);
        cbor_int(&mut out, 1); // kty OKP
        cbor_int(&mut out, 3);
        cbor_int(&mut out, -8); // alg EdDSA
        cbor_int(&mut out, -1);
        cbor_int(&mut out, 6); // crv Ed25519
        cbor_int(&mut out, -2);
        cbor_bytes(&mut out, self.key.public_key().as_ref());
        out
    }

    /// The stored record of the credential, as a registration (then a sign-in at
    /// [`STORED_COUNT`]) leaves it.
    pub fn credential(&self) -> Credential {
        Credential {
            id: CREDENTIAL_ID.to_vec(),
            public_key_cose: self.public_key_cose(),
            alg: CoseAlgorithm::EdDsa.id(),
            sign_count: STORED_COUNT,
            user_handle: Some(USER_HANDLE.to_vec()),
            backup_eligible: false,
            backup_state: false,
            uv_initialized: true,
            transports: vec!["internal".to_owned()],
        }
    }

    /// A `packed` self-attested registration response (UP, UV, counter 0) in JSON.
    pub fn register(&self, challenge: &[u8], origin: &str, rp_id: &str) -> String {
        let client_data = client_data_json("webauthn.create", challenge, origin);
        let mut auth_data = sha256(rp_id.as_bytes()).to_vec();
        auth_data
            .push(Flags::USER_PRESENT | Flags::USER_VERIFIED | Flags::ATTESTED_CREDENTIAL_DATA);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0; 16]);
        auth_data.extend_from_slice(&16u16.to_be_bytes());
        auth_data.extend_from_slice(&CREDENTIAL_ID);
        auth_data.extend_from_slice(&self.public_key_cose());
        let signature = self.sign(&auth_data, &client_data);

        let mut object = Vec::new();
        cbor_head(&mut object, 5, 3);
        cbor_text(&mut object, "fmt");
        cbor_text(&mut object, "packed");
        cbor_text(&mut object, "attStmt");
        cbor_head(&mut object, 5, 2);
        cbor_text(&mut object, "alg");
        cbor_int(&mut object, -8);
        cbor_text(&mut object, "sig");
        cbor_bytes(&mut object, &signature);
        cbor_text(&mut object, "authData");
        cbor_bytes(&mut object, &auth_data);

        let id = encoding::encode(&CREDENTIAL_ID);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": {
                "clientDataJSON": encoding::encode(client_data.as_bytes()),
                "attestationObject": encoding::encode(&object),
                "transports": ["internal"],
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        })
        .to_string()
    }

    /// An assertion (UP, UV, `counter`) in JSON.
    pub fn authenticate(
        &self,
        challenge: &[u8],
        origin: &str,
        rp_id: &str,
        counter: u32,
    ) -> String {
        let client_data = client_data_json("webauthn.get", challenge, origin);
        let mut auth_data = sha256(rp_id.as_bytes()).to_vec();
        auth_data.push(Flags::USER_PRESENT | Flags::USER_VERIFIED);
        auth_data.extend_from_slice(&counter.to_be_bytes());
        self.assertion(client_data.as_bytes(), &auth_data, None)
    }

    /// Signs `auth_data` and `client_data` into an assertion response in JSON.
    pub fn assertion(
        &self,
        client_data: &[u8],
        auth_data: &[u8],
        user_handle: Option<&[u8]>,
    ) -> String {
        let signature = self.sign(auth_data, client_data);
        assertion_with_signature(client_data, auth_data, &signature, user_handle)
    }

    fn sign(&self, auth_data: &[u8], client_data: impl AsRef<[u8]>) -> Vec<u8> {
        let mut signed = auth_data.to_vec();
        signed.extend_from_slice(&sha256(client_data.as_ref()));
        self.key.sign(&signed).as_ref().to_vec()
    }
}

/// An assertion response in JSON from its parts.
fn assertion_with_signature(
    client_data: &[u8],
    auth_data: &[u8],
    signature: &[u8],
    user_handle: Option<&[u8]>,
) -> String {
    let id = encoding::encode(&CREDENTIAL_ID);
    let mut response = json!({
        "clientDataJSON": encoding::encode(client_data),
        "authenticatorData": encoding::encode(auth_data),
        "signature": encoding::encode(signature),
    });
    if let Some(handle) = user_handle {
        response["userHandle"] = encoding::encode(handle).into();
    }
    json!({
        "id": id,
        "rawId": id,
        "type": "public-key",
        "response": response,
        "clientExtensionResults": {},
    })
    .to_string()
}

/// Client data JSON as a browser writes it.
pub fn client_data_json(type_: &str, challenge: &[u8], origin: &str) -> String {
    json!({
        "type": type_,
        "challenge": encoding::encode(challenge),
        "origin": origin,
        "crossOrigin": false,
    })
    .to_string()
}

fn cbor_head(out: &mut Vec<u8>, major: u8, argument: u64) {
    let major = major << 5;
    // The casts are guarded by the ranges.
    #[allow(clippy::cast_possible_truncation)]
    match argument {
        0..=23 => out.push(major | argument as u8),
        24..=0xff => out.extend_from_slice(&[major | 0x18, argument as u8]),
        0x100..=0xffff => {
            out.push(major | 0x19);
            out.extend_from_slice(&(argument as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 0x1a);
            out.extend_from_slice(&(argument as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 0x1b);
            out.extend_from_slice(&argument.to_be_bytes());
        }
    }
}

fn cbor_int(out: &mut Vec<u8>, value: i64) {
    if value >= 0 {
        cbor_head(out, 0, value.unsigned_abs());
    } else {
        cbor_head(out, 1, (-1 - value).unsigned_abs());
    }
}

fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    cbor_head(out, 2, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn cbor_text(out: &mut Vec<u8>, text: &str) {
    cbor_head(out, 3, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

fn byte(data: &[u8], index: usize) -> u8 {
    data.get(index).copied().unwrap_or(0)
}

/// Runs one input through the attestation object parser and, when it parses with a usable
/// credential key, through its format's verification procedure. Returns the verdict.
///
/// # Panics
///
/// When a parsed attestation object's authenticator data does not encode back to its bytes.
pub fn attestation_object(data: &[u8]) -> Option<Result<crate::AttestationTrust, Error>> {
    let object = AttestationObject::parse(data).ok()?;
    assert_eq!(
        object.auth_data.to_bytes(),
        object.auth_data_raw,
        "authenticator data does not round-trip"
    );
    let attested = object.auth_data.attested_credential.as_ref()?;
    let key = CoseKey::parse(&attested.public_key_cose).ok()?;
    let rp = relying_party();
    let client_data_hash =
        sha256(client_data_json("webauthn.create", &CHALLENGE, ORIGIN).as_bytes());
    Some(attestation::verify(
        object.fmt,
        &object.att_stmt,
        &Context {
            auth_data_raw: object.auth_data_raw,
            auth_data: &object.auth_data,
            client_data_hash: &client_data_hash,
            credential: &key,
            credential_id: &attested.credential_id,
            aaguid: &attested.aaguid,
            rp: &rp,
            now: NOW,
        },
    ))
}

/// Parses one input as authenticator data.
///
/// # Panics
///
/// When a parse does not encode back to the input, or the parsed parts disagree with the
/// flags.
pub fn authenticator_data(data: &[u8]) -> Option<AuthenticatorData> {
    let parsed = AuthenticatorData::parse(data).ok()?;
    assert_eq!(
        parsed.to_bytes(),
        data,
        "authenticator data does not round-trip"
    );
    assert_eq!(
        parsed.flags.attested_credential_data(),
        parsed.attested_credential.is_some(),
        "AT and attested credential data disagree"
    );
    assert_eq!(
        parsed.flags.extension_data(),
        parsed.extensions.is_some(),
        "ED and extensions disagree"
    );
    Some(parsed)
}

/// Parses one input as a COSE_Key; returns its algorithm.
///
/// # Panics
///
/// When a parsed key verifies an empty signature.
pub fn cose_key(data: &[u8]) -> Option<CoseAlgorithm> {
    let key = CoseKey::parse(data).ok()?;
    assert!(!key.verify(b"message", &[]), "an empty signature verified");
    Some(key.alg())
}

/// Parses one input as `clientDataJSON`.
///
/// # Panics
///
/// When parsing is not deterministic.
pub fn client_data(data: &[u8]) -> Option<CollectedClientData> {
    let parsed = CollectedClientData::parse(data).ok()?;
    assert_eq!(
        CollectedClientData::parse(data).ok().as_ref(),
        Some(&parsed),
        "parsing is not deterministic"
    );
    Some(parsed)
}

/// Runs one input (JSON text, lossily) through registration parsing and verification for
/// [`relying_party`] and [`CHALLENGE`] at [`NOW`].
///
/// # Panics
///
/// When an accepted registration's client data does not carry the challenge and origin, its
/// authenticator data is not for [`RP_ID`] or lacks UP, or its credential id is not `rawId`.
pub fn verify_registration(data: &[u8]) -> Result<Registration, Error> {
    let text = String::from_utf8_lossy(data);
    let response = parse_registration(&text)?;
    let registration = relying_party().verify_registration(&CHALLENGE, &response, NOW)?;
    let client_data = CollectedClientData::parse(response.client_data_json())
        .unwrap_or_else(|_| panic!("accepted unparsable client data"));
    assert_eq!(
        client_data.challenge, CHALLENGE,
        "accepted another challenge"
    );
    assert_eq!(client_data.origin, ORIGIN, "accepted another origin");
    let object = AttestationObject::parse(response.attestation_object())
        .unwrap_or_else(|_| panic!("accepted an unparsable attestation object"));
    assert_eq!(
        object.auth_data.rp_id_hash,
        sha256(RP_ID.as_bytes()),
        "accepted another rp"
    );
    assert!(object.auth_data.flags.user_present(), "accepted without UP");
    assert_eq!(
        registration.credential.id,
        response.raw_id(),
        "credential id is not rawId"
    );
    Ok(registration)
}

/// Runs one `verify_authentication` input (see the [module docs](self)).
///
/// # Panics
///
/// When the verdict breaks a rule (see the module docs).
pub fn verify_authentication(data: &[u8]) -> Result<Authentication, Error> {
    let authenticator = Authenticator::new();
    let credential = authenticator.credential();
    let allowed = [credential.id.clone()];
    let rp = relying_party();
    if byte(data, 0) & 1 == 0 {
        let text = String::from_utf8_lossy(data.get(1..).unwrap_or_default());
        let response = parse_authentication(&text)?;
        let outcome = rp.verify_authentication(&CHALLENGE, &response, &credential, &allowed);
        if let Ok(authentication) = &outcome {
            let client_data = CollectedClientData::parse(response.client_data_json())
                .unwrap_or_else(|_| panic!("accepted unparsable client data"));
            assert_eq!(
                client_data.challenge, CHALLENGE,
                "accepted another challenge"
            );
            assert!(
                authentication.sign_count > STORED_COUNT,
                "accepted an old counter"
            );
            let auth_data = AuthenticatorData::parse(response.authenticator_data())
                .unwrap_or_else(|_| panic!("accepted unparsable authenticator data"));
            assert!(auth_data.flags.user_present(), "accepted without UP");
            let mut signed = response.authenticator_data().to_vec();
            signed.extend_from_slice(&sha256(response.client_data_json()));
            let key = CoseKey::parse(&credential.public_key_cose)
                .unwrap_or_else(|_| unreachable!("the fixed key parses"));
            assert!(
                key.verify(&signed, response.signature()),
                "accepted a bad signature"
            );
        }
        return outcome;
    }

    let flags = byte(data, 1) & !Flags::ATTESTED_CREDENTIAL_DATA;
    let counter = u32::from_be_bytes([byte(data, 2), byte(data, 3), byte(data, 4), byte(data, 5)]);
    let mut auth_data = sha256(RP_ID.as_bytes()).to_vec();
    auth_data.push(flags);
    auth_data.extend_from_slice(&counter.to_be_bytes());
    if flags & Flags::EXTENSION_DATA != 0 {
        auth_data.push(0xa0);
    }
    let client_data = client_data_json("webauthn.get", &CHALLENGE, ORIGIN);
    let mut signature = authenticator.sign(&auth_data, &client_data);
    let tampered = byte(data, 6) != 0;
    if tampered {
        let index = usize::from(byte(data, 6)) % signature.len();
        signature[index] ^= 1 << (byte(data, 7) % 8);
    }
    let json = assertion_with_signature(
        client_data.as_bytes(),
        &auth_data,
        &signature,
        Some(USER_HANDLE),
    );
    let response = parse_authentication(&json).unwrap_or_else(|e| panic!("own response: {e}"));
    let outcome = rp.verify_authentication(&CHALLENGE, &response, &credential, &allowed);
    let flags = Flags(flags);
    // The stored credential is not backup eligible: BE must stay clear, and BS without BE is
    // refused, so neither may be set.
    let expected = !tampered
        && flags.user_present()
        && !flags.backup_eligible()
        && !flags.backup_state()
        && counter > STORED_COUNT;
    assert_eq!(
        outcome.is_ok(),
        expected,
        "flags {flags:?} counter {counter}: {outcome:?}"
    );
    outcome
}
