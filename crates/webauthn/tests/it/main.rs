//! Integration tests of `watchword-webauthn`: one binary, one module per subject.

mod algorithms;
mod attestation;
mod authentication;
mod chains;
mod cose_keys;
mod errors;
mod fuzz_corpus;
mod parsing;
mod payment;
mod properties;
mod registration;
mod support;
mod vectors;
