//! The captcha surface over loopback, against a real `redis-server`.

mod binary;
mod contract;
mod flow;
mod fuzz_corpus;
mod harness;
mod partner;
mod requests;
