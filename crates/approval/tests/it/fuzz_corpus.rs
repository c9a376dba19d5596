//! Replays the committed seeds of the `approval_inputs` fuzz target through its harness.

use watchword_approval::fuzzing;

#[test]
fn seed_corpus_holds() {
    let seeds = watchword_testkit::fuzz_seeds("approval_inputs");
    assert!(seeds.len() >= 8, "{} seeds", seeds.len());
    for (_name, bytes) in seeds {
        fuzzing::read_inputs(&bytes);
    }
}

proptest::proptest! {
    /// A taste of the fuzzer in every run.
    #[test]
    fn harness_holds_on_any_text(text in "\\PC{0,80}") {
        fuzzing::read_inputs(text.as_bytes());
    }
}
