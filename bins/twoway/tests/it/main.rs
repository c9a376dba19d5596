//! The twoway surface over loopback, against a real `redis-server`.

mod harness;
mod pairing;
mod requests;
