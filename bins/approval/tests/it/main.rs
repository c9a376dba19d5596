//! The approval surface over loopback, against a real `redis-server` and a real SMTP server.

mod browser;
mod certificate;
mod contract;
mod device;
mod flows;
mod harness;
mod keys;
mod security_key;
