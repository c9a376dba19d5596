//! Integration tests of `watchword-otp`: one binary, one module per subject.

mod base32;
mod codes;
mod fuzz_corpus;
mod hotp_totp;
mod pairing;
mod properties;
mod rfc;
mod support;
mod uri;
