//! The twoway surface over loopback, against a real `redis-server`.

mod contract;
mod fuzz_corpus;
mod harness;
mod pairing;
mod requests;
