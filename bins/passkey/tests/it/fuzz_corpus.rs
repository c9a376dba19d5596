//! Replays the committed seeds of the `passkey_requests` fuzz target through its harness.

#[test]
fn every_seed_runs_clean() {
    let seeds = watchword_testkit::fuzz_seeds("passkey_requests");
    for (name, bytes) in &seeds {
        watchword_passkey_server::requests::fuzz(bytes);
        if name.starts_with("initiate-") {
            assert!(
                watchword_passkey_server::requests::parse_initiate(bytes).is_ok(),
                "{name}"
            );
        }
    }
    assert!(seeds.len() >= 6);
}
