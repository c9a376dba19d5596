//! A small strict DER reader ([X.690]) for X.509 certificates and the attestation extensions
//! inside them.
//!
//! Lengths must be definite and minimal, tag numbers minimal, and every element must fit in
//! its parent. Only what is read is checked: a reader skips an element without looking inside.
//! It never panics.
//!
//! [X.690]: https://www.itu.int/rec/T-REC-X.690

/// Why a DER input was refused.
pub(crate) type DerError = &'static str;

/// An element's identifier: class (0 universal, 1 application, 2 context, 3 private),
/// constructed bit, and tag number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag {
    pub(crate) class: u8,
    pub(crate) constructed: bool,
    pub(crate) number: u32,
}

impl Tag {
    const fn universal(number: u32, constructed: bool) -> Self {
        Tag {
            class: 0,
            constructed,
            number,
        }
    }

    /// `[number]` in the context-specific class, constructed (`EXPLICIT`, or an implicitly
    /// tagged constructed type).
    pub(crate) const fn context(number: u32) -> Self {
        Tag {
            class: 2,
            constructed: true,
            number,
        }
    }

    /// `[number] IMPLICIT` on a primitive type.
    pub(crate) const fn context_primitive(number: u32) -> Self {
        Tag {
            class: 2,
            constructed: false,
            number,
        }
    }
}

pub(crate) const BOOLEAN: Tag = Tag::universal(1, false);
pub(crate) const INTEGER: Tag = Tag::universal(2, false);
pub(crate) const BIT_STRING: Tag = Tag::universal(3, false);
pub(crate) const OCTET_STRING: Tag = Tag::universal(4, false);
pub(crate) const NULL: Tag = Tag::universal(5, false);
pub(crate) const OID: Tag = Tag::universal(6, false);
pub(crate) const ENUMERATED: Tag = Tag::universal(10, false);
pub(crate) const UTF8_STRING: Tag = Tag::universal(12, false);
pub(crate) const PRINTABLE_STRING: Tag = Tag::universal(19, false);
pub(crate) const IA5_STRING: Tag = Tag::universal(22, false);
pub(crate) const UTC_TIME: Tag = Tag::universal(23, false);
pub(crate) const GENERALIZED_TIME: Tag = Tag::universal(24, false);
pub(crate) const SEQUENCE: Tag = Tag::universal(16, true);
pub(crate) const SET: Tag = Tag::universal(17, true);

/// One element: its tag, its contents, and the whole encoding (tag and length included).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Element<'a> {
    pub(crate) tag: Tag,
    pub(crate) contents: &'a [u8],
    pub(crate) encoded: &'a [u8],
}

/// Reads elements one after the other from a byte string.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(&self) -> Result<(), DerError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err("trailing bytes")
        }
    }

    fn peek_tag(&self) -> Option<Tag> {
        read_tag(self.data).ok().map(|(tag, _)| tag)
    }

    /// Reads the next element, whatever its tag.
    pub(crate) fn element(&mut self) -> Result<Element<'a>, DerError> {
        let (tag, tag_len) = read_tag(self.data)?;
        let (len, len_len) = read_length(&self.data[tag_len..])?;
        let header = tag_len + len_len;
        if len > self.data.len() - header {
            return Err("element longer than its parent");
        }
        let encoded = &self.data[..header + len];
        self.data = &self.data[header + len..];
        Ok(Element {
            tag,
            contents: &encoded[header..],
            encoded,
        })
    }

    /// Reads the next element, which must carry `tag`; returns its contents.
    pub(crate) fn expect(&mut self, tag: Tag) -> Result<&'a [u8], DerError> {
        let element = self.element()?;
        if element.tag == tag {
            Ok(element.contents)
        } else {
            Err("unexpected tag")
        }
    }

    /// Like [`Reader::expect`], returning the whole encoding of the element.
    pub(crate) fn expect_encoded(&mut self, tag: Tag) -> Result<&'a [u8], DerError> {
        let element = self.element()?;
        if element.tag == tag {
            Ok(element.encoded)
        } else {
            Err("unexpected tag")
        }
    }

    /// Reads the next element if it carries `tag`.
    pub(crate) fn optional(&mut self, tag: Tag) -> Result<Option<&'a [u8]>, DerError> {
        if self.peek_tag() == Some(tag) {
            self.expect(tag).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A SEQUENCE, as a reader over its contents.
    pub(crate) fn sequence(&mut self) -> Result<Reader<'a>, DerError> {
        self.expect(SEQUENCE).map(Reader::new)
    }

    /// An INTEGER as its minimal two's-complement big-endian bytes.
    pub(crate) fn integer(&mut self) -> Result<&'a [u8], DerError> {
        let bytes = self.expect(INTEGER)?;
        check_integer(bytes)?;
        Ok(bytes)
    }

    /// A non-negative INTEGER as big-endian magnitude bytes (no sign byte).
    pub(crate) fn unsigned(&mut self) -> Result<&'a [u8], DerError> {
        let bytes = self.integer()?;
        if bytes[0] & 0x80 != 0 {
            return Err("negative integer");
        }
        Ok(if bytes.len() > 1 && bytes[0] == 0 {
            &bytes[1..]
        } else {
            bytes
        })
    }

    /// A small INTEGER or ENUMERATED as `i64`.
    pub(crate) fn small_integer(&mut self, tag: Tag) -> Result<i64, DerError> {
        let bytes = self.expect(tag)?;
        integer_value(bytes)
    }

    pub(crate) fn boolean(&mut self) -> Result<bool, DerError> {
        match self.expect(BOOLEAN)? {
            [0x00] => Ok(false),
            [0xff] => Ok(true),
            _ => Err("boolean is not 0x00 or 0xff"),
        }
    }

    pub(crate) fn oid(&mut self) -> Result<&'a [u8], DerError> {
        let bytes = self.expect(OID)?;
        // Each subidentifier minimal (no 0x80 lead byte) and the last one terminated.
        let well_formed = !bytes.is_empty()
            && bytes.last().is_some_and(|b| b & 0x80 == 0)
            && bytes
                .iter()
                .enumerate()
                .all(|(i, &b)| b != 0x80 || (i > 0 && bytes[i - 1] & 0x80 != 0));
        if well_formed {
            Ok(bytes)
        } else {
            Err("malformed object identifier")
        }
    }

    /// A BIT STRING with no unused bits, as its bytes.
    pub(crate) fn bit_string_bytes(&mut self) -> Result<&'a [u8], DerError> {
        match self.expect(BIT_STRING)? {
            [0, rest @ ..] => Ok(rest),
            _ => Err("bit string has unused bits"),
        }
    }
}

fn read_tag(data: &[u8]) -> Result<(Tag, usize), DerError> {
    let first = *data.first().ok_or("truncated")?;
    let class = first >> 6;
    let constructed = first & 0x20 != 0;
    if first & 0x1f != 0x1f {
        return Ok((
            Tag {
                class,
                constructed,
                number: u32::from(first & 0x1f),
            },
            1,
        ));
    }
    // High tag number form: base-128, minimal, at most four bytes (numbers below 2^28).
    let mut number: u32 = 0;
    for (i, &byte) in data.iter().enumerate().skip(1).take(4) {
        if i == 1 && byte == 0x80 {
            return Err("tag number not minimal");
        }
        number = (number << 7) | u32::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            if number < 31 {
                return Err("tag number not minimal");
            }
            return Ok((
                Tag {
                    class,
                    constructed,
                    number,
                },
                i + 1,
            ));
        }
    }
    Err("tag number too long or truncated")
}

fn read_length(data: &[u8]) -> Result<(usize, usize), DerError> {
    let first = *data.first().ok_or("truncated")?;
    if first < 0x80 {
        return Ok((usize::from(first), 1));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 {
        return Err("indefinite length");
    }
    if count > 4 {
        return Err("length too large");
    }
    let bytes = data.get(1..=count).ok_or("truncated")?;
    if bytes[0] == 0 {
        return Err("length not minimal");
    }
    let len = bytes
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    if len < 0x80 {
        return Err("length not minimal");
    }
    Ok((len, 1 + count))
}

fn check_integer(bytes: &[u8]) -> Result<(), DerError> {
    match bytes {
        [] => Err("empty integer"),
        [0x00, next, ..] if next & 0x80 == 0 => Err("integer not minimal"),
        [0xff, next, ..] if next & 0x80 != 0 => Err("integer not minimal"),
        _ => Ok(()),
    }
}

/// The value of a minimal two's-complement INTEGER or ENUMERATED of at most eight bytes.
pub(crate) fn integer_value(bytes: &[u8]) -> Result<i64, DerError> {
    check_integer(bytes)?;
    if bytes.len() > 8 {
        return Err("integer too large");
    }
    let negative = bytes[0] & 0x80 != 0;
    let start: i64 = if negative { -1 } else { 0 };
    Ok(bytes
        .iter()
        .fold(start, |acc, &b| (acc << 8) | i64::from(b)))
}

/// Writes an OBJECT IDENTIFIER's contents in dotted form, for error messages.
pub(crate) fn oid_to_string(bytes: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut current: u64 = 0;
    for &byte in bytes {
        current = current.saturating_mul(128) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (current / 40).min(2);
                arcs.push(first);
                arcs.push(current - first * 40);
            } else {
                arcs.push(current);
            }
            current = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// Seconds since the Unix epoch of a `UTCTime` (`YYMMDDHHMMSSZ`) or `GeneralizedTime`
/// (`YYYYMMDDHHMMSSZ`), the only forms RFC 5280 §4.1.2.5 allows.
pub(crate) fn time(element: &Element<'_>) -> Result<i64, DerError> {
    let text = element.contents;
    let (year, rest) = match (element.tag, text.len()) {
        (UTC_TIME, 13) => {
            let yy = digits(&text[..2])?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        (GENERALIZED_TIME, 15) => (digits(&text[..4])?, &text[4..]),
        (UTC_TIME | GENERALIZED_TIME, _) => return Err("time not in the rfc 5280 form"),
        _ => return Err("unexpected tag"),
    };
    if rest[10] != b'Z' {
        return Err("time not in utc");
    }
    let month = digits(&rest[0..2])?;
    let day = digits(&rest[2..4])?;
    let hour = digits(&rest[4..6])?;
    let minute = digits(&rest[6..8])?;
    let second = digits(&rest[8..10])?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err("month out of range"),
    };
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return Err("time field out of range");
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

fn digits(text: &[u8]) -> Result<i64, DerError> {
    text.iter().try_fold(0i64, |acc, &c| {
        if c.is_ascii_digit() {
            Ok(acc * 10 + i64::from(c - b'0'))
        } else {
            Err("time has a non-digit")
        }
    })
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_time(tag: u8, text: &str) -> Result<i64, DerError> {
        let mut encoded = vec![tag, u8::try_from(text.len()).unwrap()];
        encoded.extend_from_slice(text.as_bytes());
        let element = Reader::new(&encoded).element()?;
        time(&element)
    }

    #[test]
    fn times_convert_to_unix_seconds() {
        assert_eq!(parse_time(23, "700101000000Z"), Ok(0));
        assert_eq!(parse_time(23, "491231235959Z"), Ok(2_524_607_999));
        assert_eq!(parse_time(24, "20240101000000Z"), Ok(1_704_067_200));
        assert_eq!(parse_time(24, "30240101000000Z"), Ok(33_260_976_000));
        assert_eq!(parse_time(24, "20240229120000Z"), Ok(1_709_208_000));
        assert!(parse_time(24, "20230229120000Z").is_err());
        assert!(parse_time(23, "700101000000+0100").is_err());
        assert!(parse_time(24, "2024010100000Z").is_err());
    }

    #[test]
    fn lengths_and_tags_must_be_minimal() {
        assert_eq!(
            Reader::new(&[0x04, 0x81, 0x01, 0x00]).element().err(),
            Some("length not minimal")
        );
        assert_eq!(
            Reader::new(&[0x04, 0x80]).element().err(),
            Some("indefinite length")
        );
        assert_eq!(
            Reader::new(&[0xbf, 0x1e, 0x00]).element().err(),
            Some("tag number not minimal")
        );
        let tag = Reader::new(&[0xbf, 0x85, 0x3e, 0x00])
            .element()
            .map(|e| e.tag);
        assert_eq!(tag, Ok(Tag::context(702)));
        assert_eq!(
            Reader::new(&[0x04, 0x02, 0x00]).element().err(),
            Some("element longer than its parent")
        );
    }

    #[test]
    fn integers_must_be_minimal() {
        assert_eq!(integer_value(&[0x01, 0x2c]), Ok(300));
        assert_eq!(integer_value(&[0xff]), Ok(-1));
        assert_eq!(integer_value(&[0x00, 0x01]), Err("integer not minimal"));
        assert_eq!(integer_value(&[0xff, 0x80]), Err("integer not minimal"));
        assert_eq!(integer_value(&[]), Err("empty integer"));
    }

    #[test]
    fn oids_print_dotted() {
        assert_eq!(
            oid_to_string(&[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xe5, 0x1c, 0x01, 0x01, 0x04]),
            "1.3.6.1.4.1.45724.1.1.4"
        );
        assert_eq!(oid_to_string(&[0x55, 0x1d, 0x13]), "2.5.29.19");
    }
}
