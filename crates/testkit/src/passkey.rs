//! A software authenticator, as a browser with a platform passkey answers: one ES256 passkey
//! (P-256 through ring), `none` attestation, UP and UV set, in the JSON a browser's
//! `PublicKeyCredential.toJSON()` gives. The servers' tests and the load harness sign with it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use sha2::{Digest as _, Sha256};

/// Base64url without padding, as WebAuthn JSON writes bytes.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).expect("base64url")
}

/// CBOR head of major type `major` with argument `value` (lengths up to 65535).
fn head(major: u8, value: usize) -> Vec<u8> {
    let major = major << 5;
    match value {
        0..=23 => vec![major | u8::try_from(value).expect("small")],
        24..=255 => vec![major | 0x18, u8::try_from(value).expect("byte")],
        _ => {
            let [hi, lo] = u16::try_from(value).expect("short").to_be_bytes();
            vec![major | 0x19, hi, lo]
        }
    }
}

fn cbor_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = head(2, bytes.len());
    out.extend_from_slice(bytes);
    out
}

fn cbor_text(text: &str) -> Vec<u8> {
    let mut out = head(3, text.len());
    out.extend_from_slice(text.as_bytes());
    out
}

/// One passkey on the authenticator.
#[derive(Debug)]
pub struct Passkey {
    key: EcdsaKeyPair,
    /// The credential id.
    pub id: Vec<u8>,
    /// The user handle the relying party gave at registration.
    pub user_handle: Vec<u8>,
    /// The signature counter of the last ceremony.
    pub sign_count: u32,
    rng: SystemRandom,
}

/// Where the ceremony runs.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// The relying party id the authenticator scopes the passkey to.
    pub rp_id: &'a str,
    /// The page's origin, which the browser writes in the client data.
    pub origin: &'a str,
}

fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    serde_json::json!({
        "type": kind,
        "challenge": challenge,
        "origin": origin,
        "crossOrigin": false,
    })
    .to_string()
    .into_bytes()
}

/// What a browser's Secure Payment Confirmation puts in the client data: what it showed.
#[derive(Debug)]
pub struct Shown<'a> {
    /// The top-level origin of the payment page.
    pub top_origin: &'a str,
    /// The total the browser showed.
    pub total: serde_json::Value,
}

impl Passkey {
    /// Runs `navigator.credentials.create` for the options of a `GET` answer.
    pub fn create(options: &serde_json::Value, page: &Page<'_>) -> (Passkey, String) {
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("key");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .expect("key");
        let public = options["publicKey"].clone();
        assert_eq!(public["rp"]["id"], page.rp_id);
        let mut id = vec![0u8; 32];
        ring::rand::SecureRandom::fill(&rng, &mut id).expect("random");
        let passkey = Passkey {
            key,
            id,
            user_handle: unb64(public["user"]["id"].as_str().expect("user id")),
            sign_count: 1,
            rng,
        };
        let point = passkey.key.public_key().as_ref();
        let mut cose = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        cose.extend(cbor_bytes(&point[1..33]));
        cose.push(0x22);
        cose.extend(cbor_bytes(&point[33..65]));
        let mut auth_data = Sha256::digest(page.rp_id.as_bytes()).to_vec();
        auth_data.push(0x45); // UP, UV, AT
        auth_data.extend_from_slice(&passkey.sign_count.to_be_bytes());
        auth_data.extend_from_slice(&[0; 16]);
        auth_data.extend_from_slice(
            &u16::try_from(passkey.id.len())
                .expect("short")
                .to_be_bytes(),
        );
        auth_data.extend_from_slice(&passkey.id);
        auth_data.extend_from_slice(&cose);
        let mut attestation = vec![0xa3];
        attestation.extend(cbor_text("fmt"));
        attestation.extend(cbor_text("none"));
        attestation.extend(cbor_text("attStmt"));
        attestation.push(0xa0);
        attestation.extend(cbor_text("authData"));
        attestation.extend(cbor_bytes(&auth_data));
        let client_data = client_data(
            "webauthn.create",
            public["challenge"].as_str().expect("challenge"),
            page.origin,
        );
        let json = serde_json::json!({
            "id": b64(&passkey.id),
            "rawId": b64(&passkey.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        });
        (passkey, json.to_string())
    }

    /// Runs `navigator.credentials.get` for the options of a `GET` answer, with the counter
    /// one up (or as given).
    pub fn get(
        &mut self,
        options: &serde_json::Value,
        page: &Page<'_>,
        sign_count: Option<u32>,
    ) -> String {
        let client_data = client_data(
            "webauthn.get",
            options["publicKey"]["challenge"]
                .as_str()
                .expect("challenge"),
            page.origin,
        );
        self.assert(page, sign_count, &client_data)
    }

    /// Runs a Secure Payment Confirmation for the `payment` of a `GET` answer, as a browser
    /// that showed `shown`.
    pub fn pay(
        &mut self,
        options: &serde_json::Value,
        page: &Page<'_>,
        shown: &Shown<'_>,
    ) -> String {
        let payment = &options["payment"];
        let client_data = serde_json::json!({
            "type": "payment.get",
            "challenge": payment["challenge"],
            "origin": page.origin,
            "crossOrigin": false,
            "payment": {
                "rpId": payment["rpId"],
                "topOrigin": shown.top_origin,
                "payeeOrigin": payment["payeeOrigin"],
                "total": shown.total,
                "instrument": payment["instrument"],
            },
        })
        .to_string()
        .into_bytes();
        self.assert(page, None, &client_data)
    }

    fn assert(&mut self, page: &Page<'_>, sign_count: Option<u32>, client_data: &[u8]) -> String {
        self.sign_count = sign_count.unwrap_or(self.sign_count + 1);
        let mut auth_data = Sha256::digest(page.rp_id.as_bytes()).to_vec();
        auth_data.push(0x05); // UP, UV
        auth_data.extend_from_slice(&self.sign_count.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(client_data));
        let signature = self.key.sign(&self.rng, &signed).expect("signs");
        serde_json::json!({
            "id": b64(&self.id),
            "rawId": b64(&self.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(signature.as_ref()),
                "userHandle": b64(&self.user_handle),
            },
            "clientExtensionResults": {},
        })
        .to_string()
    }
}
