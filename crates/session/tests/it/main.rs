//! Integration tests of `watchword-session`: one binary, one module per subject.

mod attestation;
#[cfg(feature = "bip322")]
mod bip322;
mod challenge;
mod fuzz_corpus;
mod jwks_cache;
mod properties;
mod roster;
mod session;
mod signin;
mod support;
mod vectors;
mod verdict;
