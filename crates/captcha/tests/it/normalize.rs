//! Answer normalisation: one `check(input, expect)` table per rule.

use watchword_captcha::{normalize, Punctuation};

fn check(input: &str, punctuation: Punctuation, expect: &str) {
    assert_eq!(normalize(input, punctuation), expect, "input {input:?}");
}

#[test]
fn folds_case() {
    for (input, expect) in [
        ("HELLO", "hello"),
        ("ÉTÉ", "ete"),
        ("ΣΟΦΙΑ", "σοφια"),
        ("İstanbul", "istanbul"),
    ] {
        check(input, Punctuation::Keep, expect);
    }
}

#[test]
fn removes_accents_by_table() {
    for (input, expect) in [
        ("crème brûlée", "creme brulee"),
        ("Straße", "strasse"),
        ("ẞ", "ss"),
        ("Æsop Œuvre", "aesop oeuvre"),
        ("Łódź", "lodz"),
        ("Þór", "thor"),
        ("ĳsselmeer", "ijsselmeer"),
        ("ñandú", "nandu"),
        ("Ørsted", "orsted"),
        // Decomposed input: the combining marks are dropped.
        ("e\u{301}te\u{301}", "ete"),
        // Outside the table, precomposed letters keep their accents.
        ("ệ", "ệ"),
    ] {
        check(input, Punctuation::Keep, expect);
    }
}

#[test]
fn collapses_and_trims_whitespace() {
    for (input, expect) in [
        ("  a  b\t\nc  ", "a b c"),
        ("\u{a0}a\u{2003}b\u{3000}", "a b"),
        ("a\u{0}b", "a b"),
        ("a\u{200b}b", "ab"),
        ("", ""),
        ("   ", ""),
    ] {
        check(input, Punctuation::Keep, expect);
    }
}

#[test]
fn strips_punctuation_only_when_asked() {
    for (input, keep, strip) in [
        ("Hello, world!", "hello, world!", "hello world"),
        ("« l'été »", "« l'ete »", "lete"),
        ("well-known", "well-known", "wellknown"),
        ("a — b…", "a — b…", "a b"),
        ("¿Qué?", "¿que?", "que"),
    ] {
        check(input, Punctuation::Keep, keep);
        check(input, Punctuation::Strip, strip);
    }
}
