//! OrangeCheck's published conformance vectors, `../shared/vectors/orangecheck/tv01..tv20`:
//! canonical attestation messages byte for byte, identity formatting, attestation ids,
//! `score_v0`, and the rejects (line smuggling, comma forgery, protocol shape).

use serde_json::Value;
use watchword_session::attestation::{attestation_id, format_identities, score_v0};
use watchword_session::{Attestation, Error, Identity, Nonce};

fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is a string"))
}

fn identities(input: &Value) -> Result<Vec<Identity>, Error> {
    input["identities"]
        .as_array()
        .expect("identities array")
        .iter()
        .map(|identity| Identity::new(text(identity, "protocol"), text(identity, "identifier")))
        .collect()
}

fn build(input: &Value) -> Result<Attestation, Error> {
    let mut attestation = Attestation::new(
        text(input, "address"),
        identities(input)?,
        Nonce::parse(text(input, "nonce"))?,
        text(input, "issued_at"),
    )?;
    if let Some(extensions) = input["extensions"].as_object() {
        for (key, value) in extensions {
            attestation =
                attestation.with_extension(key, value.as_str().expect("string extension"))?;
        }
    }
    Ok(attestation)
}

/// Checks one vector; returns its category.
fn check(vector: &Value) -> String {
    let id = text(vector, "id");
    let category = text(vector, "category");
    let (input, expected) = (&vector["input"], &vector["expected"]);
    match category {
        "canonical_message" => {
            let message = text(expected, "message");
            let built = build(input).unwrap_or_else(|err| panic!("{id}: {err}"));
            assert_eq!(built.message(), message, "{id}: built message");
            let parsed = Attestation::parse(message).unwrap_or_else(|err| panic!("{id}: {err}"));
            assert_eq!(parsed, built, "{id}: parsed message");
            assert_eq!(parsed.message(), message, "{id}: written back");
        }
        "identities_format" => {
            let identities = identities(input).unwrap_or_else(|err| panic!("{id}: {err}"));
            assert_eq!(
                format_identities(&identities),
                text(expected, "formatted"),
                "{id}"
            );
        }
        "attestation_id" => {
            let message = text(input, "message");
            let want = text(expected, "attestation_id");
            assert_eq!(attestation_id(message), want, "{id}");
            let parsed = Attestation::parse(message).unwrap_or_else(|err| panic!("{id}: {err}"));
            assert_eq!(parsed.id(), want, "{id}: id of the parsed message");
        }
        "score_v0" => {
            let sats = input["sats_bonded"].as_u64().expect("sats");
            let days = input["days_unspent"].as_u64().expect("days");
            let want = expected["score_v0"].as_f64().expect("score");
            // Exact: both sides round to two decimals from the same formula.
            #[allow(clippy::float_cmp)]
            let same = score_v0(sats, days) == want;
            assert!(
                same,
                "{id}: score_v0({sats}, {days}) = {}",
                score_v0(sats, days)
            );
        }
        "reject" => {
            assert_eq!(expected["rejects"], true, "{id}");
            let reason = text(expected, "reason_contains");
            let error = identities(input).expect_err(id);
            assert!(
                error.to_string().contains(reason),
                "{id}: {error:?} should mention {reason:?}"
            );
        }
        "bip322_signature" => {}
        other => panic!("{id}: unknown category {other}"),
    }
    category.to_owned()
}

#[test]
fn orangecheck_tv01_to_tv20() {
    let Some(index) = watchword_testkit::load_vectors("orangecheck/index.json") else {
        return;
    };
    let mut checked = Vec::new();
    for entry in index.as_array().expect("index array") {
        let id = text(entry, "id");
        let vector = watchword_testkit::load_vectors(&format!("orangecheck/{id}.json"))
            .expect("vector folder present");
        assert_eq!(text(&vector, "id"), id);
        let category = check(&vector);
        if category != "bip322_signature" {
            checked.push(id.to_owned());
        }
    }
    let expected: Vec<String> = (1..=20).map(|n| format!("tv{n:02}")).collect();
    assert_eq!(checked, expected, "every non-signature vector is checked");
}
