//! The approver app's key, as the approval surface's `/device` app holds it: a P-256 key made
//! on the device, its public half as the JWK sent at enrolment, and the signature each call
//! carries in `Authorization: Device <id>.<time>.<signature>` over the method, path, time and
//! body.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};

/// A fresh device key.
pub fn device_key() -> EcdsaKeyPair {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("key");
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .expect("key pair")
}

/// The public half of `key` as the JWK enrolment sends.
pub fn device_jwk(key: &EcdsaKeyPair) -> serde_json::Value {
    let point = key.public_key().as_ref();
    serde_json::json!({
        "kty": "EC",
        "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
        "y": URL_SAFE_NO_PAD.encode(&point[33..]),
    })
}

/// `key`'s signature over `message`, base64url.
pub fn device_sign(key: &EcdsaKeyPair, message: &[u8]) -> String {
    let rng = ring::rand::SystemRandom::new();
    URL_SAFE_NO_PAD.encode(key.sign(&rng, message).expect("sign").as_ref())
}

/// The `Authorization` header of device `device_id`'s call `method path` with `body`, made at
/// Unix second `time`.
pub fn device_authorization(
    key: &EcdsaKeyPair,
    device_id: &str,
    method: &str,
    path: &str,
    time: u64,
    body: &[u8],
) -> String {
    let mut message = format!("{method} {path}\n{time}\n").into_bytes();
    message.extend_from_slice(body);
    format!("Device {device_id}.{time}.{}", device_sign(key, &message))
}
