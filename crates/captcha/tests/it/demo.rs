//! The demo corpus: its PNG encoding (read back by a small reader written here, which checks
//! every CRC, stored-block length and the Adler-32), its determinism, and that its images show
//! separate dark letters.

use std::collections::HashSet;

use watchword_captcha::demo::{corpus, encode_png_gray, render};
use watchword_captcha::{normalize, Punctuation};

/// A decoded grayscale image.
#[derive(Debug, PartialEq, Eq)]
struct Gray {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Gray {
    fn at(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }
}

/// Reads a PNG as [`encode_png_gray`] writes it: 8-bit grayscale, no interlace, one zlib
/// stream of stored blocks, filter type 0 on every row. Panics on anything else.
fn decode(png: &[u8]) -> Gray {
    let mut rest = png
        .strip_prefix(b"\x89PNG\r\n\x1a\n")
        .expect("png signature");
    let mut kinds = Vec::new();
    let (mut header, mut idat) = (None, Vec::new());
    while !rest.is_empty() {
        let len = usize::try_from(be32(&rest[..4])).unwrap();
        let (kind, data) = (&rest[4..8], &rest[8..8 + len]);
        let crc = be32(&rest[8 + len..12 + len]);
        assert_eq!(crc, crc32(&rest[4..8 + len]), "crc of {kind:?}");
        match kind {
            b"IHDR" => header = Some(data.to_vec()),
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => assert!(data.is_empty()),
            _ => panic!("unexpected chunk {kind:?}"),
        }
        kinds.push(kind.to_vec());
        rest = &rest[12 + len..];
    }
    assert_eq!(kinds.first().map(Vec::as_slice), Some(&b"IHDR"[..]));
    assert_eq!(kinds.last().map(Vec::as_slice), Some(&b"IEND"[..]));

    let header = header.expect("IHDR");
    assert_eq!(header.len(), 13);
    let width = usize::try_from(be32(&header[..4])).unwrap();
    let height = usize::try_from(be32(&header[4..8])).unwrap();
    assert!(width > 0 && height > 0);
    assert_eq!(header[8..], [8, 0, 0, 0, 0], "depth 8, gray, no interlace");

    let raw = inflate_stored(&idat);
    assert_eq!(raw.len(), height * (width + 1));
    let mut pixels = Vec::with_capacity(width * height);
    for row in raw.chunks(width + 1) {
        assert_eq!(row[0], 0, "filter type");
        pixels.extend_from_slice(&row[1..]);
    }
    Gray {
        width,
        height,
        pixels,
    }
}

/// Unwraps a zlib stream made only of stored deflate blocks, checking its Adler-32.
fn inflate_stored(zlib: &[u8]) -> Vec<u8> {
    let (cmf, flg) = (zlib[0], zlib[1]);
    assert_eq!(cmf & 0x0f, 8, "deflate");
    assert_eq!(
        (u16::from(cmf) << 8 | u16::from(flg)) % 31,
        0,
        "header check"
    );
    assert_eq!(flg & 0x20, 0, "no preset dictionary");
    let mut at = 2;
    let mut out = Vec::new();
    loop {
        let block = zlib[at];
        assert_eq!(block & 0b110, 0, "stored block");
        let len = u16::from_le_bytes([zlib[at + 1], zlib[at + 2]]);
        let nlen = u16::from_le_bytes([zlib[at + 3], zlib[at + 4]]);
        assert_eq!(len, !nlen);
        let len = usize::from(len);
        out.extend_from_slice(&zlib[at + 5..at + 5 + len]);
        at += 5 + len;
        if block & 1 == 1 {
            break;
        }
    }
    assert_eq!(zlib.len(), at + 4, "adler-32 ends the stream");
    assert_eq!(be32(&zlib[at..]), adler32(&out));
    out
}

fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes(bytes[..4].try_into().unwrap())
}

/// Bit by bit, unlike the encoder's table.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

/// Reduced on every byte, unlike the encoder's runs.
fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1, 0);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    b << 16 | a
}

/// A gradient with a pattern, so a row or column out of place shows.
fn pattern(width: usize, height: usize) -> Vec<u8> {
    (0..width * height)
        .map(|i| u8::try_from((i * 7 + i / width * 13) % 256).unwrap())
        .collect()
}

/// Pixels darker than this are ink: the letters are, the paper, noise lines and speckles are
/// not.
const DARK: u8 = 100;

#[test]
fn png_round_trips() {
    // 255 × 257 and 256 × 256 bytes of filtered rows: exactly one full stored block, and one
    // byte more.
    for (width, height) in [
        (1, 1),
        (3, 2),
        (240, 72),
        (256, 255),
        (255, 256),
        (300, 300),
    ] {
        let pixels = pattern(width, height);
        let png = encode_png_gray(
            width.try_into().unwrap(),
            height.try_into().unwrap(),
            &pixels,
        );
        let expect = Gray {
            width,
            height,
            pixels,
        };
        assert_eq!(decode(&png), expect, "{width} × {height}");
    }
}

#[test]
fn png_dimensions_are_clamped() {
    let empty = decode(&encode_png_gray(0, 0, &[]));
    assert_eq!((empty.width, empty.height, empty.pixels), (1, 1, vec![255]));

    // Cropped to 4096 columns, keeping each row's own pixels.
    let pixels = pattern(4100, 2);
    let cropped = decode(&encode_png_gray(4100, 2, &pixels));
    assert_eq!((cropped.width, cropped.height), (4096, 2));
    assert_eq!(cropped.pixels[..4096], pixels[..4096]);
    assert_eq!(cropped.pixels[4096..], pixels[4100..8196]);
}

#[cfg(debug_assertions)]
#[test]
#[should_panic = "pixels.len() is not width * height"]
fn png_pixel_count_mismatch_panics_in_debug() {
    encode_png_gray(2, 2, &[0, 0, 0]);
}

#[cfg(not(debug_assertions))]
#[test]
fn png_pixel_count_mismatch_pads_or_truncates_in_release() {
    assert_eq!(
        decode(&encode_png_gray(2, 2, &[0, 0, 0])).pixels,
        [0, 0, 0, 255]
    );
    assert_eq!(decode(&encode_png_gray(1, 2, &[1, 2, 3])).pixels, [1, 2]);
}

#[test]
fn corpus_is_deterministic() {
    assert_eq!(corpus(), corpus());
}

#[test]
fn corpus_ids_are_unique_and_valid() {
    let items = corpus();
    let ids: HashSet<_> = items.iter().map(|item| item.id.as_str()).collect();
    assert_eq!(ids.len(), items.len());
    for item in &items {
        let prefix = if item.answer.is_some() {
            "demo-known-"
        } else {
            "demo-unknown-"
        };
        assert!(item.id.starts_with(prefix), "{}", item.id);
        assert!(item.id.len() <= watchword_captcha::transcription::MAX_ITEM_LEN);
        assert!(
            item.id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
            "{}",
            item.id
        );
    }
}

#[test]
fn corpus_has_16_distinct_known_words_and_8_unknown() {
    let items = corpus();
    let answers: Vec<_> = items
        .iter()
        .filter_map(|item| item.answer.as_deref())
        .collect();
    assert_eq!(answers.len(), 16);
    assert_eq!(items.len() - answers.len(), 8);
    assert_eq!(answers.iter().collect::<HashSet<_>>().len(), 16);
    for answer in answers {
        assert!((4..=8).contains(&answer.len()), "{answer}");
        assert!(answer.bytes().all(|b| b.is_ascii_lowercase()), "{answer}");
    }
}

#[test]
fn corpus_answers_are_normalized() {
    for answer in corpus().iter().filter_map(|item| item.answer.as_deref()) {
        assert_eq!(normalize(answer, Punctuation::Strip), answer);
    }
}

#[test]
fn corpus_images_decode_and_differ() {
    let items = corpus();
    let images: HashSet<_> = items.iter().map(|item| item.png.as_slice()).collect();
    assert_eq!(images.len(), items.len());
    for item in &items {
        let image = decode(&item.png);
        assert!(
            (200..=260).contains(&image.width),
            "{}: {}",
            item.id,
            image.width
        );
        assert_eq!(image.height, 72, "{}", item.id);
    }
}

#[test]
fn render_depends_on_the_seed_only() {
    assert_eq!(render("harbor", 1), render("harbor", 1));
    assert_ne!(render("harbor", 1), render("harbor", 2));
    assert_ne!(render("harbor", 1), render("harbar", 1));
}

#[test]
fn render_draws_dark_letters() {
    for seed in 0..8 {
        let image = decode(&render("harbor", seed));
        let dark = image.pixels.iter().filter(|&&p| p < DARK).count();
        assert!(
            dark * 20 >= image.pixels.len(),
            "seed {seed}: {dark} dark pixels of {}",
            image.pixels.len()
        );
        // Light paper: most pixels are nearly white.
        let light = image.pixels.iter().filter(|&&p| p > 200).count();
        assert!(light * 10 >= image.pixels.len() * 7, "seed {seed}");
    }
}

/// The runs of columns that hold ink, as (first, last) column. Where a stroke meets the next
/// one diagonally, the column between may be only half covered: gaps of 1 or 2 columns do
/// not end a run.
fn ink_columns(image: &Gray) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for x in 0..image.width {
        if (0..image.height).any(|y| image.at(x, y) < DARK) {
            match runs.last_mut() {
                Some((_, last)) if x - *last <= 3 => *last = x,
                _ => runs.push((x, x)),
            }
        }
    }
    runs
}

#[test]
fn render_separates_letters() {
    for (text, seed) in [("harbor", 0), ("harbor", 1), ("violet", 7), ("mountain", 3)] {
        let image = decode(&render(text, seed));
        let runs = ink_columns(&image);
        assert_eq!(runs.len(), text.len(), "{text} seed {seed}: {runs:?}");
    }
}

#[test]
fn render_draws_unknown_characters_as_boxes() {
    let boxed = render("a?b", 5);
    assert_ne!(boxed, render("ab", 5));
    assert_eq!(ink_columns(&decode(&boxed)).len(), 3);
    // A space is a gap, not a glyph.
    assert_eq!(ink_columns(&decode(&render("a b", 5))).len(), 2);
}

#[test]
fn render_widens_for_long_text() {
    let image = decode(&render("abcdefghijklmnop", 1));
    assert!(image.width > 260, "{}", image.width);
    assert_eq!(image.height, 72);
    // Past 64 characters, the rest is left out.
    let long = "w".repeat(64);
    assert_eq!(
        decode(&render(&long, 1)).width,
        decode(&render(&format!("{long}www"), 1)).width
    );
}
