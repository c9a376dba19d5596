//! Integration tests of `watchword-token`: one binary, one module per subject.

mod attacks;
mod claims;
mod ed25519_cctv;
mod fuzz_corpus;
mod jwk;
mod properties;
mod rfc;
mod ring;
mod support;
mod wycheproof_jwk;
mod wycheproof_jws;
mod wycheproof_primitives;
