//! Integration tests of `watchword-captcha`: one binary, one module per subject.

mod challenge;
mod demo;
mod fuzz_corpus;
mod normalize;
mod pow;
mod properties;
mod support;
mod votes;
