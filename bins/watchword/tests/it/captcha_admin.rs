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
