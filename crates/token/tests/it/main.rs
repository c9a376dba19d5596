//! Integration tests of `watchword-token`: one binary, one module per subject.

mod attacks;
mod claims;
mod ed25519_cctv;
mod fuzz_corpus;
mod jwk;
mod properties;
mod published_jwk;
mod published_jws;
mod published_primitives;
mod rfc;
mod ring;
mod support;
