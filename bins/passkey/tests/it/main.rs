//! The passkey surface over loopback, against a real `redis-server`.

mod contract;
mod faults;
mod flow;
mod fuzz_corpus;
mod harness;
mod lifecycle;
mod requests;
