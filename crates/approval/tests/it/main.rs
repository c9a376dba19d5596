//! The approval state machine, rule by rule: each test breaks one rule and checks the refusal.

mod fuzz_corpus;
mod transaction;
