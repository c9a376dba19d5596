//! The key schema and its validation.

use watchword_store::{Error, Key, Table, MAX_ID_LEN};

fn refused_part(result: Result<impl std::fmt::Debug, Error>) -> &'static str {
    match result {
        Err(Error::InvalidKey { part, .. }) => part,
        other => panic!("expected an invalid key, got {other:?}"),
    }
}

#[test]
fn keys_render_with_the_hash_tag_on_the_id() {
    let key = Key::new("auth-host", "session", "a:b/c d").unwrap();
    assert_eq!(key.as_str(), "ww:auth-host:session:{a:b/c d}");
    assert_eq!(key.to_string(), key.as_str());
    let table = Table::new("captcha", "site").unwrap();
    assert_eq!(table.as_str(), "ww:{captcha:site}");
    assert_eq!(table.to_string(), table.as_str());
}

#[test]
fn surfaces_and_kinds_are_lowercase_words() {
    for bad in [
        "",
        "Captcha",
        "cap_tcha",
        "cap:tcha",
        "cap{",
        "ca pt",
        "é",
        &"a".repeat(65),
    ] {
        assert_eq!(
            refused_part(Key::new(bad, "kind", "id")),
            "surface",
            "{bad:?}"
        );
        assert_eq!(
            refused_part(Key::new("surface", bad, "id")),
            "kind",
            "{bad:?}"
        );
        assert_eq!(refused_part(Table::new(bad, "kind")), "surface", "{bad:?}");
        assert_eq!(refused_part(Table::new("surface", bad)), "kind", "{bad:?}");
    }
    Key::new("a-1", "0-z", "id").unwrap();
    Table::new(&"a".repeat(64), "k").unwrap();
}

#[test]
fn ids_are_bounded_and_brace_free() {
    let too_long = "x".repeat(MAX_ID_LEN + 1);
    for bad in ["", "a{b", "a}b", "{}", too_long.as_str()] {
        assert_eq!(refused_part(Key::new("s", "k", bad)), "id", "{bad:?}");
    }
    Key::new("s", "k", &"x".repeat(MAX_ID_LEN)).unwrap();
}

#[test]
fn errors_say_what_was_wrong() {
    let err = Key::new("s", "k", "a{b").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid id \"a{b\": must not contain '{' or '}'"
    );
    let long = Key::new("s", "k", &"y".repeat(1000))
        .unwrap_err()
        .to_string();
    assert!(long.len() < 200, "values are cut in messages: {long}");
}
