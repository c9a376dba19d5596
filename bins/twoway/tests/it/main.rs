//! The twoway surface over loopback, against a real `redis-server`.

mod fuzz_corpus;
mod harness;
mod pairing;
mod requests;
