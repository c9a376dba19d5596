//! Replays the committed seeds of the `twoway_requests` fuzz target through its harness.

#[test]
fn every_seed_runs_clean() {
    let seeds = watchword_testkit::fuzz_seeds("twoway_requests");
    for (name, bytes) in &seeds {
        watchword_twoway_server::requests::fuzz(bytes);
        // The valid seeds stay valid, so the corpus keeps reaching the accepting paths.
        if name == "complete-valid" {
            assert!(
                watchword_twoway_server::requests::parse_complete(bytes).is_ok(),
                "{name}"
            );
        }
        if name == "portal-valid" {
            assert!(
                watchword_twoway_server::requests::parse_portal(bytes).is_ok(),
                "{name}"
            );
        }
    }
    assert!(seeds.len() >= 10);
}
