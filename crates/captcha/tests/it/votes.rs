//! Annotation votes and their consensus.

use watchword_captcha::{Error, VoteConfig, Votes};

fn votes(ballots: &[(&str, &str)]) -> Votes {
    let mut votes = Votes::new();
    for (text, voter) in ballots {
        votes.record(text, voter);
    }
    votes
}

#[test]
fn default_config_is_five_votes_at_three_quarters_from_two_sites() {
    let config = VoteConfig::default();
    assert_eq!(
        (config.min_votes(), config.threshold(), config.min_sites()),
        (5, 0.75, 2)
    );
}

/// Three votes at three quarters, the mechanics the tests below look at.
fn three() -> VoteConfig {
    VoteConfig::new(3, 0.75).expect("valid")
}

#[test]
fn where_there_are_several_sites_agreement_must_span_them() {
    let config = three().with_min_sites(2).expect("valid");
    let mut one_site = Votes::new();
    for voter in ["v1", "v2", "v3", "v4"] {
        one_site.record_on("zebra", voter, "shop");
    }
    assert_eq!(
        one_site.consensus(&config, 3),
        None,
        "four voters of one site cannot teach a corpus that serves three"
    );
    assert_eq!(
        one_site.consensus(&config, 1),
        Some("zebra".to_owned()),
        "a deployment of one site asks for one"
    );
    let mut spread = one_site.clone();
    spread.record_on("zebra", "v5", "blog");
    assert_eq!(spread.consensus(&config, 3), Some("zebra".to_owned()));
    assert!(matches!(
        three().with_min_sites(0),
        Err(Error::VoteConfig { .. })
    ));
}

#[test]
fn ignores_a_second_vote_by_the_same_voter() {
    let mut votes = Votes::new();
    assert!(votes.record("paris", "v1"));
    assert!(!votes.record("paris", "v1"));
    assert!(!votes.record("london", "v1"));
    assert_eq!(votes.len(), 1);
    // Three votes by one voter never reach 3 votes.
    assert_eq!(votes.consensus(&three(), 1), None);
}

#[test]
fn ignores_empty_votes() {
    let mut votes = Votes::new();
    assert!(!votes.record("  ", "v1"));
    assert!(votes.is_empty());
}

#[test]
fn normalises_votes() {
    let config = three();
    let votes = votes(&[("Crème", "v1"), ("CREME", "v2"), (" creme ", "v3")]);
    assert_eq!(votes.consensus(&config, 1).as_deref(), Some("creme"));
}

#[test]
fn needs_min_votes() {
    let config = three();
    assert_eq!(
        votes(&[("a", "v1"), ("a", "v2")]).consensus(&config, 1),
        None
    );
    assert_eq!(
        votes(&[("a", "v1"), ("a", "v2"), ("a", "v3")]).consensus(&config, 1),
        Some("a".to_owned())
    );
}

#[test]
fn threshold_boundary() {
    let config = three();
    // 3 of 4 is exactly 0.75: agreed.
    let at = votes(&[("a", "v1"), ("a", "v2"), ("a", "v3"), ("b", "v4")]);
    assert_eq!(at.consensus(&config, 1), Some("a".to_owned()));
    // 3 of 5 is 0.6: not agreed, although 3 votes agree.
    let below = votes(&[
        ("a", "v1"),
        ("a", "v2"),
        ("a", "v3"),
        ("b", "v4"),
        ("c", "v5"),
    ]);
    assert_eq!(below.consensus(&config, 1), None);
    // 4 of 6 is 0.67: still not agreed.
    let mut more = below.clone();
    assert!(more.record("a", "v6"));
    assert_eq!(more.consensus(&config, 1), None);
    // 4 of 5 is 0.8: agreed.
    let above = votes(&[
        ("a", "v1"),
        ("a", "v2"),
        ("a", "v3"),
        ("a", "v4"),
        ("b", "v5"),
    ]);
    assert_eq!(above.consensus(&config, 1), Some("a".to_owned()));
}

#[test]
fn strict_config() {
    let config = VoteConfig::new(2, 1.0).expect("valid");
    assert_eq!(
        votes(&[("a", "v1"), ("a", "v2")]).consensus(&config, 1),
        Some("a".to_owned())
    );
    assert_eq!(
        votes(&[("a", "v1"), ("a", "v2"), ("b", "v3")]).consensus(&config, 1),
        None
    );
}

#[test]
fn refuses_bad_configs() {
    for (min, threshold) in [(0, 0.75), (3, 0.5), (3, 0.2), (3, 1.01), (3, f64::NAN)] {
        assert!(
            matches!(
                VoteConfig::new(min, threshold),
                Err(Error::VoteConfig { .. })
            ),
            "{min} {threshold}"
        );
    }
}

#[test]
fn votes_round_trip_through_the_store() {
    let votes = votes(&[("a", "v1"), ("b", "v2")]);
    let bytes = serde_json::to_vec(&votes).expect("serializes");
    assert_eq!(
        serde_json::from_slice::<Votes>(&bytes).expect("deserializes"),
        votes
    );
}

#[test]
fn tally_counts_each_normalised_text_most_votes_first() {
    let mut votes = Votes::new();
    for (text, voter) in [
        ("Harbor", "a"),
        ("harbor", "b"),
        ("HARBOR ", "c"),
        ("harbour", "d"),
        ("arbor", "e"),
        ("harbor", "a"), // a second vote from a is ignored
    ] {
        votes.record(text, voter);
    }
    assert_eq!(
        votes.tally(),
        vec![
            ("harbor".to_owned(), 3),
            ("arbor".to_owned(), 1),
            ("harbour".to_owned(), 1)
        ]
    );
    assert!(Votes::new().tally().is_empty());
}
