//! The common shape of a token's header and claims, read without a general JSON parser.
//!
//! Headers and claims sets are small flat objects: short names, plain strings, integer times,
//! now and then a nested array or object. [`parse_members`] reads that shape directly and
//! hands everything else to the strict `serde_json` reader in [`crate::encoding`], which is the
//! reference: the fast path either returns exactly what the reference returns or gives up, and
//! every error (and every input outside the shape) comes from the reference. A fuzz target
//! (`token_json`) and a property test hold the two to the same answers.

use std::borrow::Cow;

use serde_json::Value;

use crate::encoding::{parse_members_strict, parse_value_strict, Member, Members};
use crate::error::{Error, Part};

/// Objects with more members than this go to the reference reader (which switches to a set
/// for repeated names there).
const MAX_MEMBERS: usize = 16;

/// Nested values deeper than this go to the reference reader, so that its recursion limit
/// decides them exactly as it would.
const MAX_DEPTH: usize = 64;

/// Parses `bytes` as one JSON object whose member names do not repeat, into `members`: names and plain strings are borrowed from `bytes`, no map is
/// built. The rules and errors are those of the strict reader (no repeated name at any depth,
/// nothing after the object).
pub(crate) fn parse_members_into<'a>(
    bytes: &'a [u8],
    part: Part,
    members: &mut Members<'a>,
) -> Result<(), Error> {
    if flat_object(bytes, members).is_none() {
        *members = parse_members_strict(bytes, part)?;
    }
    Ok(())
}

/// [`parse_members_into`], returning the members.
pub(crate) fn parse_members(bytes: &[u8], part: Part) -> Result<Members<'_>, Error> {
    let mut members = Members::with_capacity(8);
    parse_members_into(bytes, part, &mut members).map(|()| members)
}

/// The fast path: `None` as soon as the input leaves the common shape or breaks a rule, with
/// `members` then emptied.
fn flat_object<'a>(bytes: &'a [u8], members: &mut Members<'a>) -> Option<()> {
    members.clear();
    let read = read_text(bytes).and_then(|text| {
        read_object(text, |name, at| {
            let (value, end) = member_value(text, at)?;
            members.push((Cow::Borrowed(name), value));
            Some(end)
        })
    });
    if read.is_none() {
        members.clear();
    }
    read
}

/// The document as text, if it is UTF-8 as a whole.
///
/// Outside strings valid JSON is ASCII, so a document that is not UTF-8 is one the reference
/// refuses; checking it once lets every string be sliced out without another check.
pub(crate) fn read_text(bytes: &[u8]) -> Option<&str> {
    core::str::from_utf8(bytes).ok()
}

/// Walks one flat object in `text`: for each member, `value` gets the name and the index where
/// the value starts, reads the value and returns the index after it. `None` when the object
/// leaves the common shape: a name with an escape, a repeated name, more than
/// [`MAX_MEMBERS`], anything after the object, or a value `value` gave up on.
pub(crate) fn read_object<'a>(
    text: &'a str,
    mut value: impl FnMut(&'a str, usize) -> Option<usize>,
) -> Option<()> {
    let bytes = text.as_bytes();
    let mut names = [""; MAX_MEMBERS];
    let mut count = 0;
    let mut at = skip_space(bytes, 0);
    if *bytes.get(at)? != b'{' {
        return None;
    }
    at = skip_space(bytes, at + 1);
    if *bytes.get(at)? == b'}' {
        return at_end(bytes, at + 1).then_some(());
    }
    loop {
        let (name, next) = plain_string(text, at)?;
        if count == MAX_MEMBERS || names[..count].iter().any(|seen| same_name(seen, name)) {
            return None;
        }
        names[count] = name;
        count += 1;
        at = skip_space(bytes, next);
        if *bytes.get(at)? != b':' {
            return None;
        }
        at = skip_space(bytes, value(name, skip_space(bytes, at + 1))?);
        match *bytes.get(at)? {
            b',' => at = skip_space(bytes, at + 1),
            b'}' => return at_end(bytes, at + 1).then_some(()),
            _ => return None,
        }
    }
}

/// Whether a name seen before is `name`; most names are a few letters long and differ in
/// length or first letter.
fn same_name(seen: &str, name: &str) -> bool {
    seen.len() == name.len() && seen.as_bytes().first() == name.as_bytes().first() && seen == name
}

/// One member value starting at `at`, and where it ends.
pub(crate) fn member_value(text: &str, at: usize) -> Option<(Member<'_>, usize)> {
    let bytes = text.as_bytes();
    let literal = |text: &[u8], value: Value| {
        bytes[at..]
            .starts_with(text)
            .then(|| (Member::Value(value), at + text.len()))
    };
    match *bytes.get(at)? {
        b'"' => plain_string(text, at).map(|(text, end)| (Member::Str(Cow::Borrowed(text)), end)),
        b'0'..=b'9' => {
            let (number, end) = whole_number(bytes, at)?;
            Some((Member::Value(Value::from(number)), end))
        }
        b't' => literal(b"true", Value::Bool(true)),
        b'f' => literal(b"false", Value::Bool(false)),
        b'n' => literal(b"null", Value::Null),
        b'{' | b'[' => {
            let end = nested_end(bytes, at)?;
            parse_value_strict(&bytes[at..end]).map(|value| (Member::Value(value), end))
        }
        _ => None,
    }
}

/// The bytes that end the plain part of a string: the quote, the backslash and the control
/// characters (which JSON allows only escaped).
const STRING_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// A string without escapes or control characters starting at the quote at `at`; returns its
/// text and the index after the closing quote.
pub(crate) fn plain_string(text: &str, at: usize) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    if *bytes.get(at)? != b'"' {
        return None;
    }
    let start = at + 1;
    let len = bytes[start..]
        .iter()
        .position(|&byte| STRING_STOP[usize::from(byte)])?;
    let end = start + len;
    if bytes[end] != b'"' {
        return None;
    }
    Some((text.get(start..end)?, end + 1))
}

/// A non-negative integer that fits in a `u64` (at least one digit, no leading zero, fraction
/// or exponent, which the reference reader refuses or reads as a float); returns it and where
/// it ends.
pub(crate) fn whole_number(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut number: u64 = 0;
    let mut end = at;
    while let Some(digit @ b'0'..=b'9') = bytes.get(end) {
        number = number
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
        end += 1;
    }
    let digits = end - at;
    if digits == 0
        || (digits > 1 && bytes[at] == b'0')
        || matches!(bytes.get(end), Some(b'.' | b'e' | b'E'))
    {
        return None;
    }
    Some((number, end))
}

/// The index after the array or object that starts at `at`, found by matching brackets
/// outside strings; the strict reader then decides whether that text is valid.
fn nested_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut index = at;
    loop {
        match *bytes.get(index)? {
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return None;
                }
            }
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index + 1);
                }
            }
            b'"' => {
                index += 1;
                loop {
                    match *bytes.get(index)? {
                        b'"' => break,
                        b'\\' => index += 2,
                        _ => index += 1,
                    }
                }
            }
            _ => {}
        }
        index += 1;
    }
}

/// The index of the first byte at or after `at` that is not JSON whitespace.
fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// Whether only whitespace follows `at`.
fn at_end(bytes: &[u8], at: usize) -> bool {
    skip_space(bytes, at) == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(bytes: &[u8]) {
        assert_eq!(
            parse_members(bytes, Part::Payload),
            parse_members_strict(bytes, Part::Payload),
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
    }

    #[test]
    fn the_common_shape_takes_the_fast_path() {
        let claims = br#"{"exp":1800003600,"iat":1800000000,"iss":"https://auth.example","sub":"u","x":[1,{"a":"]"}],"t":true,"n":null}"#;
        let mut members = Members::new();
        flat_object(claims, &mut members).expect("fast path");
        assert_eq!(members.len(), 7);
        assert_eq!(members[0].1, Member::Value(Value::from(1_800_003_600u64)));
        assert_eq!(
            members[2].1,
            Member::Str(Cow::Borrowed("https://auth.example"))
        );
        same(claims);
    }

    #[test]
    fn everything_else_gets_the_strict_answer() {
        let cases: &[&[u8]] = &[
            br#"{"a":1,"a":2}"#,
            br#"{"a":{"b":1,"b":2}}"#,
            br#"{"a":1,"\u0061":2}"#,
            br#"{"a":"\u00e9"}"#,
            br#"{"a":01}"#,
            br#"{"a":1.0}"#,
            br#"{"a":1e3}"#,
            br#"{"a":-1}"#,
            br#"{"a":18446744073709551616}"#,
            br#"{"a":18446744073709551615}"#,
            b"{\"a\":\"\x01\"}",
            b"{\"a\":\"\xff\"}",
            br#"{"a":tru}"#,
            br#"{"a":truex}"#,
            br#"{"a":[1,]}"#,
            br#"{"a":[}"#,
            br#"{"a":"]"]}"#,
            br#"{"a":1,}"#,
            br#"{"a" 1}"#,
            br"{} {}",
            br#" { "a" : 1 } "#,
            b"{}",
            b"[]",
            b"",
            b"{",
            br#"{"a":"x\"}"#,
        ];
        for case in cases {
            same(case);
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(200), "]".repeat(200));
        same(deep.as_bytes());
        let many: Vec<String> = (0..20).map(|n| format!("\"k{n}\":{n}")).collect();
        same(format!("{{{}}}", many.join(",")).as_bytes());
    }

    /// JSON-like text built from the pieces the two readers could disagree on.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\n",
            "\"a\"",
            "\"b\"",
            "\"\\u0061\"",
            "\"é\"",
            "0",
            "01",
            "7",
            "-2",
            "1.5",
            "2e1",
            "99999999999999999999",
            "true",
            "false",
            "null",
            "\"x\\\"y\"",
            "\"]\"",
            "\"\\\\\"",
            "t",
        ])
    }

    /// A member of a mostly valid object: names that may repeat (also through an escape),
    /// values of every kind, some of them ones the fast path must leave to the reference.
    fn member() -> impl Strategy<Value = String> {
        let name =
            prop::sample::select(vec!["\"exp\"", "\"iss\"", "\"a\"", "\"\\u0061\"", "\"é\""]);
        let value = prop::sample::select(vec![
            "1800000000",
            "0",
            "\"https://auth.example\"",
            "\"\"",
            "[1,\"]\",{\"c\":null}]",
            "{\"c\":1}",
            "{\"c\":1,\"c\":2}",
            "true",
            "false",
            "null",
            "1.5",
            "-3",
            "01",
            "\"a\\nb\"",
            "[[[]]]",
        ]);
        let space = prop::sample::select(vec!["", " ", "\n\t", "\r"]);
        (name, space.clone(), value, space)
            .prop_map(|(name, before, value, after)| format!("{name}{before}:{after}{value}"))
    }

    proptest! {
        #[test]
        fn both_readers_agree(pieces in prop::collection::vec(piece(), 0..24)) {
            let text = format!("{{{}}}", pieces.concat());
            same(text.as_bytes());
            same(pieces.concat().as_bytes());
        }

        #[test]
        fn both_readers_agree_on_objects(members in prop::collection::vec(member(), 0..20)) {
            same(format!("{{{}}}", members.join(",")).as_bytes());
            same(format!(" {{ {} }} ", members.join(" , ")).as_bytes());
        }
    }
}
