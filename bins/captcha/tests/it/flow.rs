//! The Ocapi workflow against real Redis: create, answer (wrong, then right), partner check.

use futures::future::join_all;
use watchword_captcha_server::sites::Sites;

use watchword_captcha_server::sites::Site;

use crate::harness::{Harness, ORIGIN};

#[tokio::test]
async fn a_wrong_transcription_brings_a_new_challenge_and_the_right_one_is_valid_once() {
    let h = Harness::start(1).await;
    let first = h.create("transcription").await;
    assert_eq!(first["kind"], "transcription");
    assert_eq!(first["site"], "shop");
    assert_eq!(first["images"].as_array().map(Vec::len), Some(2));
    let first_id = first["id"].as_str().expect("id");
    let first_right = h.solve(&first, "x").await;

    let reply = h.answer(first_id, &Harness::wrong(&first)).await;
    assert_eq!(reply.status, 200);
    let invalid = reply.json();
    assert_eq!(invalid["state"], "invalid");
    assert_eq!(invalid["id"], first_id);
    let next = &invalid["next"];
    let next_id = next["id"].as_str().expect("a new challenge");
    assert_ne!(next_id, first_id);
    assert_eq!(next["kind"], "transcription");

    // The burned challenge takes no second answer, not even the right one.
    let reply = h.answer(first_id, &first_right).await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.error_code(), "challenge_not_pending");
    assert_eq!(h.check(first_id).await.json()["state"], "invalid");

    let reply = h.answer(next_id, &h.solve(next, "guess").await).await;
    let valid = reply.json();
    assert_eq!(valid["state"], "valid", "{valid:?}");
    assert_eq!(valid["valid_until"], h.now() + 300);
    // Its images are no longer served: the puzzle is gone.
    let image = h
        .send(
            h.addr(),
            "GET",
            next["images"][0].as_str().expect("path"),
            &[],
            None,
        )
        .await;
    assert_eq!(image.status, 404);

    let checked = h.check(next_id).await;
    assert_eq!(checked.status, 200);
    let state = checked.json();
    assert_eq!(state["state"], "valid");
    assert_eq!(state["kind"], "transcription");
    assert_eq!(state["hostname"], "shop.test");
    assert_eq!(state["action"], "signup");
    assert_eq!(state["cdata"], "c1");
    assert_eq!(h.check(next_id).await.json()["state"], "consumed");
}

#[tokio::test]
async fn proof_of_work_is_checked_and_a_short_solution_brings_a_harder_challenge() {
    let h = Harness::start(1).await;
    let challenge = h.create("proof_of_work").await;
    assert_eq!(challenge["kind"], "proof_of_work");
    assert_eq!(challenge["pow"]["difficulty"], 6);
    assert!(challenge.get("images").is_none());
    let id = challenge["id"].as_str().expect("id");

    let reply = h.answer(id, &Harness::wrong(&challenge)).await;
    let invalid = reply.json();
    assert_eq!(invalid["state"], "invalid");
    let next = &invalid["next"];
    assert_eq!(next["kind"], "proof_of_work");
    // The client's failure raises its difficulty by the per-failure step.
    assert_eq!(next["pow"]["difficulty"], 8);

    let next_id = next["id"].as_str().expect("id");
    let reply = h.answer(next_id, &h.solve(next, "").await).await;
    assert_eq!(reply.json()["state"], "valid");
    assert_eq!(h.check(next_id).await.json()["state"], "valid");
    assert_eq!(h.check(next_id).await.json()["state"], "consumed");

    // A transcription answer to a proof of work is the wrong kind.
    let other = h.create("proof_of_work").await;
    let reply = h
        .answer(
            other["id"].as_str().expect("id"),
            &serde_json::json!({"answers": ["a", "b"]}),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "wrong_kind");
}

#[tokio::test]
async fn expired_challenges_are_rejected() {
    let h = Harness::start(1).await;
    // Not answered in time.
    let challenge = h.create("transcription").await;
    let id = challenge["id"].as_str().expect("id");
    let answer = h.solve(&challenge, "guess").await;
    h.advance(301);
    let reply = h.answer(id, &answer).await;
    assert_eq!(reply.status, 410);
    assert_eq!(reply.error_code(), "challenge_expired");
    assert_eq!(h.check(id).await.json()["state"], "expired");

    // Answered, but not checked in time.
    let id = h.solved("proof_of_work").await;
    h.advance(300);
    assert_eq!(h.check(id.as_str()).await.json()["state"], "expired");

    // Forgotten by the store, or never issued: expired too.
    assert_eq!(
        h.check("AAAAAAAAAAAAAAAAAAAAAA").await.json()["state"],
        "expired"
    );
}

#[tokio::test]
async fn a_challenge_of_another_site_is_refused() {
    let h = Harness::start(1).await;
    let challenge = h.create("transcription").await;
    let id = challenge["id"].as_str().expect("id");
    let answer = h.solve(&challenge, "guess").await;
    let other = h.other.clone();

    let reply = h
        .answer_on(h.addr(), &other, id, &answer, "192.0.2.1")
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "wrong_site");
    // The refusal changed nothing: the right site can still answer.
    assert_eq!(h.answer(id, &answer).await.json()["state"], "valid");

    let token = Harness::token_with(&other, id, h.now() + 60, "j1", true);
    let reply = h.check_on(h.addr(), "other", id, &token).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "wrong_site");
    let verdict = h
        .siteverify(&format!("secret={}&response={id}", other.secret))
        .await;
    assert_eq!(verdict["success"], false);
    assert_eq!(verdict["error-codes"][0], "invalid-input-response");
    // Still valid for its own site, once.
    assert_eq!(h.check(id).await.json()["state"], "valid");
}

#[tokio::test]
async fn thirty_two_concurrent_checks_over_two_replicas_see_valid_once() {
    let h = Harness::start(2).await;
    let id = h.solved("transcription").await;
    let checks = (0..32).map(|n| {
        let addr = h.replicas[n % 2];
        let token = h.token(&id);
        let h = &h;
        let id = id.clone();
        async move { h.check_on(addr, "shop", &id, &token).await.json()["state"].clone() }
    });
    let states = join_all(checks).await;
    let valid = states.iter().filter(|s| *s == "valid").count();
    let consumed = states.iter().filter(|s| *s == "consumed").count();
    assert_eq!((valid, consumed), (1, 31), "{states:?}");
}

#[tokio::test]
async fn two_replicas_on_one_redis_agree() {
    let h = Harness::start(2).await;
    let shop = h.shop.clone();
    let [a, b] = [h.replicas[0], h.replicas[1]];
    let challenge = h.create_on(a, &shop, "transcription").await;
    let id = challenge["id"].as_str().expect("id");
    let wrong = h
        .answer_on(b, &shop, id, &Harness::wrong(&challenge), "192.0.2.9")
        .await;
    let next = wrong.json()["next"].clone();
    let next_id = next["id"].as_str().expect("id");
    let reply = h
        .answer_on(
            a,
            &shop,
            next_id,
            &h.solve(&next, "guess").await,
            "192.0.2.9",
        )
        .await;
    assert_eq!(reply.json()["state"], "valid");
    assert_eq!(
        h.check_on(b, "shop", next_id, &h.token(next_id))
            .await
            .json()["state"],
        "valid"
    );
    assert_eq!(
        h.check_on(a, "shop", next_id, &h.token(next_id))
            .await
            .json()["state"],
        "consumed"
    );
    assert_eq!(
        h.check_on(b, "shop", id, &h.token(id)).await.json()["state"],
        "invalid"
    );
}

/// Answers transcriptions typing `text` for the unknown word, from `ip`, on `site`, until
/// the corpus learns an item or `rounds` answers were given; the learned item, if any.
async fn teach(
    h: &Harness,
    rounds: usize,
    text: &str,
    voters: &[(&str, &Site)],
) -> Option<watchword_captcha_server::corpus::Item> {
    let store = watchword_store::open(&h.redis.url()).expect("store");
    let corpus = corpus_of();
    for n in 0..rounds {
        let (ip, site) = voters[n % voters.len()];
        let challenge = h.create_on(h.addr(), site, "transcription").await;
        let id = challenge["id"].as_str().expect("id");
        let answer = h.solve(&challenge, text).await;
        let reply = h.answer_on(h.addr(), site, id, &answer, ip).await;
        assert_eq!(reply.json()["state"], "valid");
        let items = corpus.list(store.as_ref()).await.expect("items");
        if let Some(learned) = items.into_iter().find(|item| item.learned) {
            return Some(learned);
        }
    }
    None
}

/// Forty client networks, alternating between two sites.
fn two_sites<'a>(shop: &'a Site, other: &'a Site) -> Vec<(String, &'a Site)> {
    (0..40)
        .map(|n| {
            (
                format!("198.51.100.{n}"),
                if n % 2 == 0 { shop } else { other },
            )
        })
        .collect()
}

/// A server without the per-client rate limits: these tests answer hundreds of challenges.
async fn unlimited() -> Harness {
    let settings = watchword_captcha_server::Settings {
        rate_limits: false,
        ..watchword_captcha_server::Settings::default()
    };
    Harness::start_with(1, settings).await
}

fn corpus_of() -> watchword_captcha_server::corpus::Corpus {
    watchword_captcha_server::corpus::Corpus::new(
        watchword_captcha::VoteConfig::default(),
        watchword_captcha::Punctuation::Strip,
    )
}

#[tokio::test]
async fn votes_from_distinct_clients_on_several_sites_teach_the_corpus_on_probation() {
    let h = unlimited().await;
    let (shop, other) = (h.shop.clone(), h.other.clone());
    let store = watchword_store::open(&h.redis.url()).expect("store");
    // Every client types "Zebra!" for the unknown word; five agreeing networks on both sites
    // make it known.
    let networks = two_sites(&shop, &other);
    let voters: Vec<(&str, &Site)> = networks.iter().map(|(ip, s)| (ip.as_str(), *s)).collect();
    let learned = teach(&h, 400, "Zebra!", &voters).await.expect("learned");
    assert_eq!(learned.answer.as_deref(), Some("zebra"));
    assert!(learned.id.starts_with("demo-unknown-"));
    let ballots = corpus_of()
        .votes(store.as_ref(), &learned.id)
        .await
        .expect("votes");
    assert_eq!(ballots.len(), 5);
    let until = learned.probation_until.expect("on probation");
    assert_eq!(
        until.0,
        h.now() + watchword_captcha_server::corpus::PROBATION.as_secs()
    );
    // On probation the word is asked again, never as a control.
    let index = corpus_of()
        .index(store.as_ref(), watchword_http::UnixTime(h.now()))
        .await
        .expect("index");
    assert!(index.is_unknown(&learned.id));
    assert!(!index.is_control(&learned.id));
    let later = corpus_of()
        .index(store.as_ref(), until)
        .await
        .expect("index");
    assert!(later.is_control(&learned.id), "a control after probation");
}

#[tokio::test]
async fn voters_of_one_site_cannot_teach_a_corpus_that_serves_several() {
    let h = unlimited().await;
    let shop = h.shop.clone();
    let voters: Vec<String> = (0..30).map(|n| format!("198.51.100.{n}")).collect();
    let voters: Vec<(&str, &Site)> = voters.iter().map(|ip| (ip.as_str(), &shop)).collect();
    assert!(
        teach(&h, 100, "Zebra!", &voters).await.is_none(),
        "thirty networks agreeing on one site teach nothing while another site serves too"
    );
}

#[tokio::test]
async fn a_learned_answer_that_loses_its_consensus_on_probation_is_unlearned() {
    let h = unlimited().await;
    let (shop, other) = (h.shop.clone(), h.other.clone());
    let store = watchword_store::open(&h.redis.url()).expect("store");
    let networks = two_sites(&shop, &other);
    let voters: Vec<(&str, &Site)> = networks.iter().map(|(ip, s)| (ip.as_str(), *s)).collect();
    let learned = teach(&h, 400, "Zebra!", &voters).await.expect("learned");
    // Real people read the word differently: their votes break the 75 % agreement.
    let honest: Vec<(String, &Site)> = (0..200)
        .map(|n| {
            (
                format!("203.0.{}.{}", n / 250, n % 250 + 1),
                if n % 2 == 0 { &shop } else { &other },
            )
        })
        .collect();
    let corpus = corpus_of();
    for (ip, site) in &honest {
        let item = corpus
            .list(store.as_ref())
            .await
            .expect("items")
            .into_iter()
            .find(|item| item.id == learned.id)
            .expect("item");
        if !item.learned {
            assert_eq!(item.answer, None);
            return;
        }
        let challenge = h.create_on(h.addr(), site, "transcription").await;
        let id = challenge["id"].as_str().expect("id");
        let answer = h.solve(&challenge, "horse").await;
        h.answer_on(h.addr(), site, id, &answer, ip).await;
    }
    panic!("the poisoned answer survived its probation's disagreeing votes");
}

/// The votes recorded after one /64 answered 30 transcriptions, from a new address each time,
/// on a server allowing `allowance` votes per network a day.
async fn votes_of_one_network(allowance: u64) -> usize {
    let settings = watchword_captcha_server::Settings {
        votes_per_client_day: allowance,
        ..watchword_captcha_server::Settings::default()
    };
    let h = Harness::start_with(1, settings).await;
    let store = watchword_store::open(&h.redis.url()).expect("store");
    let shop = h.shop.clone();
    for n in 0..30 {
        let challenge = h.create("transcription").await;
        let id = challenge["id"].as_str().expect("id");
        let answer = h.solve(&challenge, "word").await;
        let ip = format!("2001:db8:7:8:{n:x}::1");
        let reply = h.answer_on(h.addr(), &shop, id, &answer, &ip).await;
        assert_eq!(reply.json()["state"], "valid", "answers still pass");
    }
    let mut cast = 0;
    for item in corpus_of().list(store.as_ref()).await.expect("items") {
        cast += corpus_of()
            .votes(store.as_ref(), &item.id)
            .await
            .expect("votes")
            .len();
    }
    cast
}

#[tokio::test]
async fn one_network_teaches_nothing_past_its_daily_allowance() {
    let capped = votes_of_one_network(3).await;
    assert!(
        capped <= 3,
        "{capped} votes from one network past an allowance of 3"
    );
    // The same answers under the default allowance vote once on each unknown item shown.
    let uncapped = votes_of_one_network(watchword_captcha_server::VOTES_PER_CLIENT_DAY).await;
    assert!(
        uncapped > 3,
        "without the cap the same network cast {uncapped} votes"
    );
}

#[tokio::test]
async fn one_client_cannot_vote_twice() {
    let h = Harness::start(1).await;
    let store = watchword_store::open(&h.redis.url()).expect("store");
    let corpus = watchword_captcha_server::corpus::Corpus::new(
        watchword_captcha::VoteConfig::default(),
        watchword_captcha::Punctuation::Strip,
    );
    for _ in 0..40 {
        h.solved("transcription").await;
    }
    for item in corpus.list(store.as_ref()).await.expect("items") {
        assert!(!item.learned, "{} was learned from one client", item.id);
        assert!(
            corpus
                .votes(store.as_ref(), &item.id)
                .await
                .expect("votes")
                .len()
                <= 1
        );
    }
}

#[tokio::test]
async fn addresses_of_one_ipv6_64_are_one_voter() {
    let h = Harness::start(1).await;
    let shop = h.shop.clone();
    let store = watchword_store::open(&h.redis.url()).expect("store");
    let corpus = watchword_captcha_server::corpus::Corpus::new(
        watchword_captcha::VoteConfig::default(),
        watchword_captcha::Punctuation::Strip,
    );
    // A client holding 2001:db8:5:6::/64 answers from a new address each time.
    for n in 0..60 {
        let challenge = h.create("transcription").await;
        let id = challenge["id"].as_str().expect("id");
        let answer = h.solve(&challenge, "Zebra!").await;
        let ip = format!("2001:db8:5:6:{n:x}::1");
        let reply = h.answer_on(h.addr(), &shop, id, &answer, &ip).await;
        assert_eq!(reply.json()["state"], "valid");
    }
    for item in corpus.list(store.as_ref()).await.expect("items") {
        assert!(!item.learned, "{} was learned from one /64", item.id);
        let votes = corpus.votes(store.as_ref(), &item.id).await.expect("votes");
        assert!(
            votes.len() <= 1,
            "{}: {} votes from one /64",
            item.id,
            votes.len()
        );
    }
}

#[tokio::test]
async fn the_browser_endpoints_answer_only_the_sites_origins() {
    let h = Harness::start(1).await;
    let path = "/v1/sites/shop/challenge";
    let reply = h
        .send(h.addr(), "GET", path, &[("origin", ORIGIN)], None)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    let reply = h
        .send(
            h.addr(),
            "GET",
            path,
            &[("origin", "https://evil.test")],
            None,
        )
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "origin_not_allowed");

    let preflight = h
        .send(
            h.addr(),
            "OPTIONS",
            "/v1/sites/shop/challenges/abc",
            &[
                ("origin", ORIGIN),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            None,
        )
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some(ORIGIN)
    );
}

#[tokio::test]
async fn sites_from_a_file_are_served_beside_the_stores() {
    let redis = watchword_store::testing::RedisServer::start().expect("redis");
    let store = watchword_store::open(&redis.url()).expect("store");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("sites.json");
    let secret = "s".repeat(64);
    std::fs::write(
        &path,
        serde_json::json!({"sites": [{
            "id": "from-file", "secret": secret, "origins": ["https://file.test"],
            "kinds": ["proof_of_work"], "difficulty": 3
        }]})
        .to_string(),
    )
    .expect("write");
    let fixed = watchword_captcha_server::sites::load_file(&path).expect("loads");
    let sites = Sites::new(fixed).expect("valid");
    let site = sites
        .get(store.as_ref(), "from-file")
        .await
        .expect("store")
        .expect("found");
    assert_eq!(site.difficulty, Some(3));
    assert_eq!(
        sites
            .by_secret(store.as_ref(), &secret)
            .await
            .expect("store")
            .map(|s| s.id),
        Some("from-file".to_owned())
    );
    assert!(sites
        .by_secret(store.as_ref(), &"t".repeat(64))
        .await
        .expect("store")
        .is_none());

    std::fs::write(
        &path,
        r#"{"sites": [{"id": "x", "secret": "short", "origins": [], "kinds": ["transcription"]}]}"#,
    )
    .expect("write");
    let error = watchword_captcha_server::sites::load_file(&path).expect_err("short secret");
    assert!(error.to_string().contains("64"), "{error}");
}

#[tokio::test]
async fn answers_that_normalise_to_nothing_are_refused_at_import() {
    let h = Harness::start(1).await;
    let store = watchword_store::open(&h.redis.url()).expect("store");
    let corpus = watchword_captcha_server::corpus::Corpus::new(
        watchword_captcha::VoteConfig::default(),
        watchword_captcha::Punctuation::Keep,
    );
    let png = &watchword_captcha::demo::corpus()[0].png;
    for answer in ["!!!", "\u{301}\u{300}", "« ? »"] {
        let error = corpus
            .put(store.as_ref(), "empty-answer", Some(answer), png)
            .await
            .expect_err(answer);
        assert_eq!(error.code(), "invalid_item", "{answer:?}");
    }
    corpus
        .put(store.as_ref(), "real-answer", Some("word!"), png)
        .await
        .expect("an answer with letters");
}

#[tokio::test]
async fn an_unknown_site_answers_as_documented_with_and_without_an_origin() {
    let h = Harness::start(1).await;
    let path = "/v1/sites/no-such-site/challenge";
    let reply = h
        .send(h.addr(), "GET", path, &[("origin", ORIGIN)], None)
        .await;
    assert_eq!(
        (reply.status, reply.error_code().as_str()),
        (403, "origin_not_allowed"),
        "a browser does not learn which site ids exist"
    );
    let reply = h.send(h.addr(), "GET", path, &[], None).await;
    assert_eq!(
        (reply.status, reply.error_code().as_str()),
        (404, "unknown_site")
    );
}

#[tokio::test]
async fn a_client_creating_challenges_in_a_loop_raises_only_its_own_difficulty() {
    let h = Harness::start(1).await;
    let path = "/v1/sites/shop/challenge?kind=proof_of_work";
    let create = |ip: &'static str| {
        let h = &h;
        async move {
            let headers = [("origin", ORIGIN), ("x-forwarded-for", ip)];
            let reply = h.send(h.addr(), "GET", path, &headers, None).await;
            assert_eq!(
                reply.status,
                200,
                "{}",
                String::from_utf8_lossy(&reply.body)
            );
            reply.json()["pow"]["difficulty"]
                .as_u64()
                .expect("difficulty")
        }
    };
    let mut last = 0;
    for _ in 0..40 {
        last = create("198.51.100.7").await;
    }
    assert!(last > 6, "the looping client works harder: {last} bits");
    assert_eq!(
        create("203.0.113.50").await,
        6,
        "another client still gets the site's base difficulty"
    );
}

#[tokio::test]
async fn every_served_image_is_drawn_afresh_and_still_shows_its_word() {
    let h = Harness::start(1).await;
    let challenge = h.create("transcription").await;
    let path = challenge["images"][0].as_str().expect("path").to_owned();
    let corpus = watchword_captcha::demo::corpus();
    let known = crate::harness::demo_blurred();
    let mut served = Vec::new();
    for _ in 0..3 {
        let reply = h.send(h.addr(), "GET", &path, &[], None).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("image/png"));
        served.push(reply.body);
    }
    assert!(
        served[0] != served[1] && served[1] != served[2] && served[0] != served[2],
        "no two requests get the same bytes"
    );
    let shown: Vec<_> = served
        .iter()
        .map(|png| watchword_testkit::images::closest(png, known).expect("a corpus image"))
        .collect();
    assert!(
        shown.iter().all(|i| *i == shown[0]),
        "each draw shows the same word: {shown:?}"
    );
    assert!(
        corpus.iter().all(|item| !served.contains(&item.png)),
        "no corpus file is served as it is stored"
    );
    // And the whole flow still works for someone who reads the words.
    let answers = h.solve(&challenge, "anything").await;
    assert_eq!(
        h.answer(challenge["id"].as_str().unwrap(), &answers)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn images_that_do_not_decode_are_refused_at_import() {
    let h = Harness::start(1).await;
    let store = watchword_store::open(&h.redis.url()).expect("store");
    let corpus = watchword_captcha_server::corpus::Corpus::new(
        watchword_captcha::VoteConfig::default(),
        watchword_captcha::Punctuation::Keep,
    );
    let mut truncated = watchword_captcha::demo::corpus()[0].png.clone();
    truncated.truncate(60);
    let huge = watchword_captcha::demo::encode_png_gray(3000, 10, &vec![200; 30_000]);
    for (what, image) in [
        ("a truncated PNG", truncated),
        ("a PNG wider than 2048", huge),
    ] {
        let error = corpus
            .put(store.as_ref(), "broken", Some("word"), &image)
            .await
            .expect_err(what);
        assert_eq!(error.code(), "invalid_item", "{what}");
        assert!(
            error.message().contains("does not decode"),
            "{what}: {}",
            error.message()
        );
    }
}
