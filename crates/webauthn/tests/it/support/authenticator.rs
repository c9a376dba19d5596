//! A software authenticator and browser: registration and assertion responses in the
//! `toJSON()` form, built field by field so that a test can break exactly one thing.

use std::rc::Rc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use watchword_webauthn::{
    parse_authentication, parse_registration, AuthenticationResponse, CoseAlgorithm, Credential,
    Error, RegistrationResponse, RelyingParty,
};

use super::cbor::{bytes, map, text, C};
use super::keys::TestKey;
use super::{sha256, CHALLENGE, ORIGIN, RP_ID};

pub(crate) fn b64(data: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

pub(crate) fn decode(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).expect("base64url")
}

pub(crate) const UP: u8 = 0x01;
pub(crate) const UV: u8 = 0x04;
pub(crate) const BE: u8 = 0x08;
pub(crate) const BS: u8 = 0x10;
pub(crate) const AT: u8 = 0x40;
pub(crate) const ED: u8 = 0x80;

/// What an attestation statement is computed from.
pub(crate) struct Signing<'a> {
    pub(crate) auth_data: &'a [u8],
    pub(crate) client_data_hash: [u8; 32],
    pub(crate) key: &'a TestKey,
    pub(crate) credential_id: &'a [u8],
    pub(crate) rp_id_hash: [u8; 32],
}

impl Signing<'_> {
    /// `authData ‖ clientDataHash`.
    pub(crate) fn signed(&self) -> Vec<u8> {
        [self.auth_data, &self.client_data_hash].concat()
    }
}

/// Makes `(fmt, attStmt)` for a registration.
pub(crate) type MakeStatement = Rc<dyn Fn(&Signing<'_>) -> (String, C)>;

pub(crate) fn client_data(type_: &str, challenge: &[u8]) -> Value {
    json!({
        "type": type_,
        "challenge": b64(challenge),
        "origin": ORIGIN,
        "crossOrigin": false,
    })
}

/// A registration response under construction. Every field is what the authenticator and
/// browser send; [`Registration::json`] signs whatever they hold.
#[derive(Clone)]
pub(crate) struct Registration {
    pub(crate) key: TestKey,
    pub(crate) credential_id: Vec<u8>,
    /// `rawId` (and `id`) when they should differ from the credential id.
    pub(crate) raw_id: Option<Vec<u8>>,
    pub(crate) client_data: Value,
    pub(crate) client_data_raw: Option<Vec<u8>>,
    pub(crate) rp_id_hash: [u8; 32],
    pub(crate) flags: u8,
    pub(crate) sign_count: u32,
    pub(crate) aaguid: [u8; 16],
    /// The credential public key bytes when they should differ from the key's COSE form.
    pub(crate) cose: Option<Vec<u8>>,
    pub(crate) extensions: Option<Vec<u8>>,
    pub(crate) statement: MakeStatement,
    /// Members merged into `response` of the JSON.
    pub(crate) response_extra: Value,
}

impl Registration {
    /// A valid `none` registration with a new key of `alg`: UP, UV, AT.
    pub(crate) fn new(alg: CoseAlgorithm) -> Registration {
        Registration {
            key: TestKey::generate(alg),
            credential_id: (1..=32).collect(),
            raw_id: None,
            client_data: client_data("webauthn.create", &CHALLENGE),
            client_data_raw: None,
            rp_id_hash: sha256(RP_ID.as_bytes()),
            flags: UP | UV | AT,
            sign_count: 0,
            aaguid: [0xaa; 16],
            cose: None,
            extensions: None,
            statement: super::formats::none(),
            response_extra: json!({}),
        }
    }

    pub(crate) fn with(mut self, change: impl FnOnce(&mut Registration)) -> Registration {
        change(&mut self);
        self
    }

    pub(crate) fn statement(self, statement: MakeStatement) -> Registration {
        self.with(|r| r.statement = statement)
    }

    pub(crate) fn client_data_json(&self) -> Vec<u8> {
        self.client_data_raw
            .clone()
            .unwrap_or_else(|| self.client_data.to_string().into_bytes())
    }

    pub(crate) fn cose(&self) -> Vec<u8> {
        self.cose.clone().unwrap_or_else(|| self.key.cose())
    }

    pub(crate) fn auth_data(&self) -> Vec<u8> {
        let mut data = self.rp_id_hash.to_vec();
        data.push(self.flags);
        data.extend_from_slice(&self.sign_count.to_be_bytes());
        if self.flags & AT != 0 {
            data.extend_from_slice(&self.aaguid);
            let id_len = u16::try_from(self.credential_id.len()).expect("an id under 64 KiB");
            data.extend_from_slice(&id_len.to_be_bytes());
            data.extend_from_slice(&self.credential_id);
            data.extend_from_slice(&self.cose());
        }
        if let Some(extensions) = &self.extensions {
            data.extend_from_slice(extensions);
        }
        data
    }

    pub(crate) fn attestation_object(&self) -> Vec<u8> {
        let auth_data = self.auth_data();
        let (fmt, statement) = (self.statement)(&Signing {
            auth_data: &auth_data,
            client_data_hash: sha256(&self.client_data_json()),
            key: &self.key,
            credential_id: &self.credential_id,
            rp_id_hash: self.rp_id_hash,
        });
        map(vec![
            (text("fmt"), text(&fmt)),
            (text("attStmt"), statement),
            (text("authData"), bytes(&auth_data)),
        ])
        .encode()
    }

    pub(crate) fn json_value(&self) -> Value {
        let id = b64(self.raw_id.as_ref().unwrap_or(&self.credential_id));
        let mut response = json!({
            "clientDataJSON": b64(self.client_data_json()),
            "attestationObject": b64(self.attestation_object()),
            "transports": ["usb"],
        });
        if let (Value::Object(response), Value::Object(extra)) =
            (&mut response, &self.response_extra)
        {
            for (name, value) in extra {
                response.insert(name.clone(), value.clone());
            }
        }
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": response,
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {},
        })
    }

    pub(crate) fn json(&self) -> String {
        self.json_value().to_string()
    }

    pub(crate) fn response(&self) -> RegistrationResponse {
        parse_registration(&self.json()).expect("a response of the right shape")
    }

    /// Verifies with `rp` against [`CHALLENGE`] at [`super::NOW`].
    pub(crate) fn verify(
        &self,
        rp: &RelyingParty,
    ) -> Result<watchword_webauthn::Registration, Error> {
        rp.verify_registration(&CHALLENGE, &self.response(), super::NOW)
    }

    /// The error code of verifying with `rp`, or `"ok"`.
    pub(crate) fn code(&self, rp: &RelyingParty) -> &'static str {
        match self.verify(rp) {
            Ok(_) => "ok",
            Err(error) => error.code(),
        }
    }
}

/// An assertion under construction.
#[derive(Clone)]
pub(crate) struct Assertion {
    pub(crate) key: TestKey,
    pub(crate) credential_id: Vec<u8>,
    pub(crate) client_data: Value,
    pub(crate) client_data_raw: Option<Vec<u8>>,
    pub(crate) rp_id_hash: [u8; 32],
    pub(crate) flags: u8,
    pub(crate) sign_count: u32,
    /// Bytes appended to the authenticator data (attested credential data, extensions).
    pub(crate) auth_data_tail: Vec<u8>,
    pub(crate) user_handle: Option<Vec<u8>>,
    /// A signature to send instead of the real one.
    pub(crate) signature: Option<Vec<u8>>,
    /// The key that signs, when not the credential's.
    pub(crate) signer: Option<TestKey>,
    pub(crate) client_extension_results: Value,
}

impl Assertion {
    /// A valid assertion for `credential` (made with `key`): UP, UV, BE as stored, counter one
    /// above the stored one, the credential's user handle.
    pub(crate) fn new(key: &TestKey, credential: &Credential) -> Assertion {
        Assertion {
            key: key.clone(),
            credential_id: credential.id.clone(),
            client_data: client_data("webauthn.get", &CHALLENGE),
            client_data_raw: None,
            rp_id_hash: sha256(RP_ID.as_bytes()),
            flags: UP | UV | if credential.backup_eligible { BE } else { 0 },
            sign_count: credential.sign_count + 1,
            auth_data_tail: Vec::new(),
            user_handle: credential.user_handle.clone(),
            signature: None,
            signer: None,
            client_extension_results: json!({}),
        }
    }

    pub(crate) fn with(mut self, change: impl FnOnce(&mut Assertion)) -> Assertion {
        change(&mut self);
        self
    }

    pub(crate) fn client_data_json(&self) -> Vec<u8> {
        self.client_data_raw
            .clone()
            .unwrap_or_else(|| self.client_data.to_string().into_bytes())
    }

    pub(crate) fn auth_data(&self) -> Vec<u8> {
        let mut data = self.rp_id_hash.to_vec();
        data.push(self.flags);
        data.extend_from_slice(&self.sign_count.to_be_bytes());
        data.extend_from_slice(&self.auth_data_tail);
        data
    }

    pub(crate) fn json(&self) -> String {
        let auth_data = self.auth_data();
        let client_data = self.client_data_json();
        let signature = self.signature.clone().unwrap_or_else(|| {
            let signed = [auth_data.as_slice(), &sha256(&client_data)].concat();
            self.signer.as_ref().unwrap_or(&self.key).sign(&signed)
        });
        let mut response = json!({
            "clientDataJSON": b64(&client_data),
            "authenticatorData": b64(&auth_data),
            "signature": b64(&signature),
        });
        if let Some(handle) = &self.user_handle {
            response["userHandle"] = json!(b64(handle));
        }
        let id = b64(&self.credential_id);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": response,
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": self.client_extension_results,
        })
        .to_string()
    }

    pub(crate) fn response(&self) -> AuthenticationResponse {
        parse_authentication(&self.json()).expect("a response of the right shape")
    }
}

/// Registers a new `alg` credential with `none` attestation and returns its key and the
/// stored record (user handle set, as a relying party would).
pub(crate) fn registered(alg: CoseAlgorithm) -> (TestKey, Credential) {
    let registration = Registration::new(alg);
    let rp = super::rp().build().expect("valid rp");
    let mut credential = registration
        .verify(&rp)
        .expect("registration verifies")
        .credential;
    credential.user_handle = Some(b"user-1".to_vec());
    (registration.key, credential)
}
