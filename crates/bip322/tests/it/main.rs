//! Integration tests of `watchword-bip322`: one binary, one module per subject.

mod bip137;
mod bip322_vectors;
mod bip340;
mod fuzz_corpus;
mod legacy;
mod message_hash;
mod network;
mod orangecheck;
mod proof_of_funds;
mod properties;
mod published_ecdsa;
mod rules;
mod signing;
mod support;
