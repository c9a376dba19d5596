//! Integration tests of the auth host: a real Redis, real SMTP, a real OpenID provider, and a
//! real JOSE library verifying the cookies.

mod harness;

mod browser;
mod connect;
mod contract;
mod email;
mod keys;
mod oauth;
mod public;
mod roster;
mod wallet;
