//! Replays the committed seeds of the `captcha_requests` fuzz target through its harness.

#[test]
fn every_seed_runs_clean() {
    let seeds = watchword_testkit::fuzz_seeds("captcha_requests");
    for (name, bytes) in &seeds {
        watchword_captcha_server::requests::fuzz(bytes);
        // The valid seeds stay valid, so the corpus keeps reaching the accepting paths.
        if name.starts_with("siteverify-form") {
            assert!(
                watchword_captcha_server::requests::parse_siteverify(bytes, false).is_ok(),
                "{name}"
            );
        }
        if name.starts_with("siteverify-json") {
            assert!(
                watchword_captcha_server::requests::parse_siteverify(bytes, true).is_ok(),
                "{name}"
            );
        }
        if name.starts_with("answer-") {
            assert!(
                watchword_captcha_server::requests::parse_answer(bytes).is_ok(),
                "{name}"
            );
        }
    }
    assert!(seeds.len() >= 8);
}
