//! Normalisation of typed answers, so that a transcription is judged on its letters and not
//! on how the user typed them.
//!
//! [`normalize`] applies, in one pass:
//!
//! 1. **Case folding**: every character is replaced by its Unicode lower-case mapping
//!    ([`char::to_lowercase`]), so `"ÉTÉ"` becomes `"été"` and `"İ"` becomes `"i̇"`.
//! 2. **Accent removal**, by an explicit table rather than full Unicode decomposition (no
//!    extra dependency, and a table one can read and test): every combining mark of the
//!    *Combining Diacritical Marks* block (U+0300–U+036F) is dropped, which handles text typed
//!    in decomposed form, and the precomposed letters of Latin-1 Supplement and Latin
//!    Extended-A fold to ASCII: `à á â ã ä å ā ă ą → a`, `ç ć ĉ ċ č → c`, `é è ê ë … → e`,
//!    `ñ ń ņ ň → n`, `ø ö ó ő … → o`, `ł → l`, `đ ð → d`, and the ligatures and special
//!    letters `ß → ss`, `æ → ae`, `œ → oe`, `þ → th`, `ĳ → ij`, `ſ → s`. Letters outside
//!    these blocks (Vietnamese `ệ`, Greek `ά`) keep their accents, unless typed decomposed.
//! 3. **Invisible characters**: zero-width space, joiners and the byte-order mark are
//!    dropped; control characters count as whitespace.
//! 4. **Punctuation** (only with [`Punctuation::Strip`]): ASCII punctuation and the common
//!    typographic marks (`« » ‘ ’ “ ” „ ‹ › – — … ¡ ¿ ·` and the Unicode hyphens) are
//!    removed, not replaced by a space: `"l'été"` → `"lete"`, `"well-known"` → `"wellknown"`.
//! 5. **Whitespace**: runs of whitespace collapse to one ASCII space, and the ends are
//!    trimmed.
//!
//! ```
//! use watchword_captcha::normalize::{normalize, Punctuation};
//!
//! assert_eq!(normalize("  Crème   BRÛLÉE ", Punctuation::Keep), "creme brulee");
//! assert_eq!(normalize("Straße", Punctuation::Keep), "strasse");
//! assert_eq!(normalize("Cre\u{300}me", Punctuation::Keep), "creme");
//! assert_eq!(normalize("« Bonjour, l'été ! »", Punctuation::Strip), "bonjour lete");
//! assert_eq!(normalize("« Bonjour ! »", Punctuation::Keep), "« bonjour ! »");
//! ```
//!
//! Normalisation is idempotent: `normalize(normalize(x)) == normalize(x)` for every `x`
//! (a property test and the `captcha_normalize` fuzz target check it).

use serde::{Deserialize, Serialize};

/// Whether [`normalize`] removes punctuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Punctuation {
    /// Punctuation is part of the answer.
    Keep,
    /// Punctuation is removed before comparing (the default: users rarely agree on it).
    #[default]
    Strip,
}

/// Returns `text` case-folded, without accents, with whitespace collapsed and trimmed, and
/// without punctuation if `punctuation` says so. See the [module docs](self) for each rule.
pub fn normalize(text: &str, punctuation: Punctuation) -> String {
    let mut out = String::with_capacity(text.len());
    // A space is written only before the next kept character, which collapses runs and trims
    // both ends at once.
    let mut pending_space = false;
    for upper in text.chars() {
        for lower in upper.to_lowercase() {
            if lower.is_whitespace() || lower.is_control() {
                pending_space = true;
                continue;
            }
            if is_dropped(lower) || (punctuation == Punctuation::Strip && is_punctuation(lower)) {
                continue;
            }
            let mut push = |c: char| {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
            };
            match fold(lower) {
                Folded::One(c) => push(c),
                Folded::Two(a, b) => {
                    push(a);
                    push(b);
                }
            }
        }
    }
    out
}

enum Folded {
    One(char),
    Two(char, char),
}

/// Combining diacritical marks and invisible format characters.
fn is_dropped(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '«' | '»' | '‘' | '’' | '‚' | '‛' | '“' | '”' | '„' | '‟' | '‹' | '›' | '‐'
                ..='―' | '…' | '¡' | '¿' | '·' | '§' | '¶'
        )
}

/// The accent table of Latin-1 Supplement and Latin Extended-A, applied to lower-case
/// letters.
fn fold(c: char) -> Folded {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' | 'ð' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' | 'ĸ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' | 'ſ' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        'ß' => return Folded::Two('s', 's'),
        'æ' => return Folded::Two('a', 'e'),
        'œ' => return Folded::Two('o', 'e'),
        'þ' => return Folded::Two('t', 'h'),
        'ĳ' => return Folded::Two('i', 'j'),
        other => other,
    };
    Folded::One(base)
}
