//! `watchword site …` and `watchword captcha import|export|demo` against a real Redis, as an
//! operator runs them, and a captcha server that serves what they wrote.

use watchword_store::testing::RedisServer;

use crate::{stdout_json, watchword};

fn ok(output: &std::process::Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn sites_are_added_listed_and_removed_in_the_store() {
    let redis = RedisServer::start().expect("redis-server");
    let store = redis.url();
    let add = watchword(
        &[
            "site",
            "add",
            "--store",
            &store,
            "--name",
            "Shop",
            "--origin",
            "https://shop.example",
            "--kind",
            "proof_of_work",
            "--difficulty",
            "12",
            "--id",
            "shop",
        ],
        None,
    );
    ok(&add);
    let site = stdout_json(&add);
    assert_eq!(site["id"], "shop");
    assert_eq!(site["kinds"], serde_json::json!(["proof_of_work"]));
    assert_eq!(site["difficulty"], 12);
    let secret = site["secret"].as_str().expect("secret").to_owned();
    assert!(secret.len() >= 64, "long enough for HS512: {secret}");

    let list = watchword(&["site", "list", "--store", &store], None);
    ok(&list);
    let text = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(!text.contains(&secret), "list hides secrets: {text}");
    assert_eq!(stdout_json(&list)[0]["origins"][0], "https://shop.example");
    let shown = watchword(&["site", "list", "--store", &store, "--show-secrets"], None);
    assert_eq!(stdout_json(&shown)[0]["secret"], secret.as_str());

    let again = watchword(
        &[
            "site",
            "add",
            "--store",
            &store,
            "--name",
            "x",
            "--origin",
            "https://x.example",
            "--id",
            "shop",
        ],
        None,
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
    let bad = watchword(
        &[
            "site",
            "add",
            "--store",
            &store,
            "--name",
            "x",
            "--origin",
            "shop.example",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an origin"));

    let rotate = watchword(&["site", "rotate-secret", "--store", &store, "shop"], None);
    ok(&rotate);
    let rotated = stdout_json(&rotate)["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_ne!(rotated, secret);
    let stored = watchword_store::open(&store).expect("store");
    let sites = watchword_captcha_server::sites::Sites::new(Vec::new()).expect("sites");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let found = |secret: String| {
            let (sites, stored) = (&sites, &stored);
            async move {
                sites
                    .by_secret(stored.as_ref(), &secret)
                    .await
                    .expect("store")
                    .map(|site| site.id)
            }
        };
        assert_eq!(found(rotated.clone()).await.as_deref(), Some("shop"));
        assert_eq!(found(secret.clone()).await, None, "the old secret is dead");
    });
    let missing = watchword(&["site", "rotate-secret", "--store", &store, "nope"], None);
    assert_eq!(missing.status.code(), Some(1));

    let removed = watchword(&["site", "remove", "--store", &store, "shop"], None);
    ok(&removed);
    assert_eq!(stdout_json(&removed)["removed"], true);
    let gone = watchword(&["site", "remove", "--store", &store, "shop"], None);
    assert_eq!(gone.status.code(), Some(1));
    assert_eq!(
        stdout_json(&watchword(&["site", "list", "--store", &store], None)),
        serde_json::json!([])
    );
}

#[test]
fn a_folder_of_images_is_imported_and_its_annotations_exported() {
    let redis = RedisServer::start().expect("redis-server");
    let store = redis.url();
    let dir = tempfile::tempdir().expect("tmp");
    let corpus = watchword_captcha::demo::corpus();
    for item in corpus.iter().take(4) {
        std::fs::write(dir.path().join(format!("{}.png", item.id)), &item.png).expect("write");
    }
    std::fs::write(dir.path().join("notes.txt"), "not an image").expect("write");
    let answers = dir.path().join("answers.csv");
    std::fs::write(
        &answers,
        format!(
            "file,answer\n{}.png,{}\n\"{}.png\",\"Crème, brûlée\"\n",
            corpus[0].id,
            corpus[0].answer.as_deref().expect("known"),
            corpus[1].id
        ),
    )
    .expect("write");
    let import = watchword(
        &[
            "captcha",
            "import",
            "--store",
            &store,
            dir.path().to_str().expect("utf-8"),
            "--answers",
            answers.to_str().expect("utf-8"),
        ],
        None,
    );
    ok(&import);
    assert_eq!(
        stdout_json(&import),
        serde_json::json!({"imported": 4, "known": 2, "unknown": 2})
    );
    assert!(String::from_utf8_lossy(&import.stderr).contains("skipping notes.txt"));

    let export = watchword(&["captcha", "export", "--store", &store], None);
    ok(&export);
    let csv = String::from_utf8_lossy(&export.stdout).into_owned();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("item,answer,learned,votes,leading_text,leading_votes")
    );
    assert!(
        csv.contains(&format!("{},\"Crème, brûlée\",no,0,,0", corpus[1].id)),
        "{csv}"
    );
    assert!(csv.contains(&format!("{},,no,0,,0", corpus[2].id)), "{csv}");
    assert_eq!(csv.lines().count(), 5);

    // An answer for a file that is not there is an error, and nothing is half-imported.
    std::fs::write(&answers, "missing.png,word\n").expect("write");
    let bad = watchword(
        &[
            "captcha",
            "import",
            "--store",
            &store,
            dir.path().to_str().expect("utf-8"),
            "--answers",
            answers.to_str().expect("utf-8"),
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("missing.png"));

    let demo = watchword(&["captcha", "demo", "--store", &store], None);
    ok(&demo);
    assert_eq!(stdout_json(&demo)["imported"], corpus.len());
}

#[test]
fn learned_answers_are_reviewed_accepted_and_rejected() {
    use watchword_captcha_server::corpus::{self, Ballot, Corpus};
    let redis = RedisServer::start().expect("redis-server");
    let url = redis.url();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let store = watchword_store::open(&url).expect("store");
    let corpus = Corpus::new(
        watchword_captcha::VoteConfig::default(),
        watchword_captcha::Punctuation::Strip,
    );
    let png = watchword_captcha::demo::corpus()[0].png.clone();
    // Five networks on two sites agree: the corpus learns "zebra" for the item.
    let teach = |item: &str| {
        runtime.block_on(async {
            corpus::load(&corpus, store.as_ref(), [(item, None, png.as_slice())])
                .await
                .expect("item");
            let vote = watchword_captcha::Vote {
                item: item.to_owned(),
                text: "zebra".to_owned(),
            };
            for (n, site) in ["shop", "blog", "shop", "blog", "shop"].iter().enumerate() {
                let voter = format!("voter-{n}");
                let ballot = Ballot {
                    voter: &voter,
                    site,
                    sites_serving: 2,
                    now: watchword_http::UnixTime(1_800_000_000),
                };
                corpus
                    .record(store.as_ref(), &vote, ballot)
                    .await
                    .expect("vote");
            }
        });
    };
    teach("word-1");
    teach("word-2");

    let list = watchword(&["captcha", "review", "--store", &url], None);
    ok(&list);
    let text = String::from_utf8_lossy(&list.stdout).into_owned();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["answer"], "zebra");
    assert!(lines[0]["probation_until"].as_u64().is_some(), "{text}");
    assert_eq!(
        lines[0]["votes"][0],
        serde_json::json!({"text": "zebra", "votes": 5})
    );

    let accepted = watchword(
        &["captcha", "review", "--store", &url, "--accept", "word-1"],
        None,
    );
    ok(&accepted);
    assert_eq!(stdout_json(&accepted)["accepted"], "word-1");
    let rejected = watchword(
        &["captcha", "review", "--store", &url, "--reject", "word-2"],
        None,
    );
    ok(&rejected);
    assert_eq!(stdout_json(&rejected)["answer"], serde_json::Value::Null);

    let items = runtime
        .block_on(corpus.list(store.as_ref()))
        .expect("items");
    let one = items.iter().find(|i| i.id == "word-1").expect("word-1");
    assert_eq!(
        (one.answer.as_deref(), one.probation_until),
        (Some("zebra"), None)
    );
    let two = items.iter().find(|i| i.id == "word-2").expect("word-2");
    assert_eq!((two.answer.as_deref(), two.learned), (None, false));
    let votes = runtime
        .block_on(corpus.votes(store.as_ref(), "word-2"))
        .expect("votes");
    assert!(votes.is_empty(), "a rejected answer's votes are dropped");

    let missing = watchword(
        &["captcha", "review", "--store", &url, "--reject", "nope"],
        None,
    );
    assert_eq!(missing.status.code(), Some(1));
}
