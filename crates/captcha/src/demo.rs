//! A small demo corpus for the transcription challenge, drawn here so that `watchword dev`
//! works with no corpus given: lowercase words rendered to PNG with a bitmap font that is part
//! of this module, never downloaded.
//!
//! Everything is deterministic: [`corpus`] returns the same bytes on every call and every
//! build. The jitter of [`render`] comes from a small PRNG seeded by its `seed` argument and
//! the arithmetic is all integer, so no floating-point rounding differs between targets.
//!
//! ```
//! use watchword_captcha::demo;
//!
//! let items = demo::corpus();
//! let known = items.iter().filter(|item| item.answer.is_some()).count();
//! assert_eq!((items.len(), known), (24, 16));
//! assert!(items[0].png.starts_with(b"\x89PNG\r\n\x1a\n"));
//! // ...then put each item (id, answer, image/png) into the server's corpus.
//! ```
//!
//! The images are for a demo: their noise makes them look like a CAPTCHA, not resist OCR.

/// One demo corpus item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoItem {
    /// Stable item id, e.g. `"demo-known-01"` / `"demo-unknown-01"` (printable ASCII, at most
    /// 128 bytes).
    pub id: String,
    /// The known answer (the word drawn), or `None` for items whose answer the corpus does not
    /// know yet.
    pub answer: Option<String>,
    /// The PNG image.
    pub png: Vec<u8>,
}

/// The words of the items whose answer the corpus knows.
const KNOWN: [&str; 16] = [
    "harbor", "violet", "candle", "meadow", "pepper", "silver", "garden", "lantern", "puzzle",
    "window", "rocket", "maple", "forest", "marble", "orange", "mountain",
];

/// The words of the items left for votes to transcribe.
const UNKNOWN: [&str; 8] = [
    "copper", "pillow", "jacket", "falcon", "butter", "velvet", "summit", "bread",
];

/// Seeds item `i` of the corpus with `CORPUS_SEED + i`.
const CORPUS_SEED: u64 = 0x5741_5443_4857_4f52; // "WATCHWOR"

/// Returns the demo corpus: 16 words with known answers (`demo-known-01` to `demo-known-16`)
/// and 8 without (`demo-unknown-01` to `demo-unknown-08`), each rendered by [`render`] with a
/// seed of its own. The words are distinct lowercase ASCII, 4 to 8 letters, so they are their
/// own [normalised](crate::normalize) form.
pub fn corpus() -> Vec<DemoItem> {
    let known = KNOWN.iter().enumerate().map(|(i, word)| {
        let id = format!("demo-known-{:02}", i + 1);
        (id, Some(*word), *word)
    });
    let unknown = UNKNOWN.iter().enumerate().map(|(i, word)| {
        let id = format!("demo-unknown-{:02}", i + 1);
        (id, None, *word)
    });
    known
        .chain(unknown)
        .zip(CORPUS_SEED..)
        .map(|((id, answer, word), seed)| DemoItem {
            id,
            answer: answer.map(str::to_owned),
            png: render(word, seed),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The font
// ---------------------------------------------------------------------------------------------

/// Font pixels across one glyph.
const GLYPH_W: u8 = 5;
/// Font pixels down one glyph: 7 above the baseline (capitals, ascenders; lowercase letters
/// start at row 2) and 2 below it (descenders).
const GLYPH_H: usize = 9;
/// Rows of a glyph above the baseline.
const ASCENT: i32 = 7;

/// The font, as sheets of glyphs side by side: the characters of a sheet, then its 9 rows,
/// in which glyph `i` takes columns `6 * i .. 6 * i + 5` (`#` ink, `.` paper) and a space
/// separates it from the next. [`check_sheets`] proves the layout at compile time.
const SHEETS: [(&str, [&str; GLYPH_H]); 5] = [
    (
        "abcdefghijklm",
        [
            "..... #.... ..... ....# ..... ..##. ..... #.... ..#.. ...#. #.... .##.. .....",
            "..... #.... ..... ....# ..... .#... ..... #.... ..... ..... #.... ..#.. .....",
            ".###. ####. .#### .#### .###. ####. .#### #.##. .##.. ..##. #..#. ..#.. ##.#.",
            "....# #...# #.... #...# #...# .#... #...# ##..# ..#.. ...#. #.#.. ..#.. #.#.#",
            ".#### #...# #.... #...# ##### .#... #...# #...# ..#.. ...#. ##... ..#.. #.#.#",
            "#...# #...# #.... #...# #.... .#... #...# #...# ..#.. ...#. #.#.. ..#.. #.#.#",
            ".#### ####. .#### .#### .#### .#... .#### #...# .###. ...#. #..#. .###. #.#.#",
            "..... ..... ..... ..... ..... ..... ....# ..... ..... #..#. ..... ..... .....",
            "..... ..... ..... ..... ..... ..... .###. ..... ..... .##.. ..... ..... .....",
        ],
    ),
    (
        "nopqrstuvwxyz",
        [
            "..... ..... ..... ..... ..... ..... .#... ..... ..... ..... ..... ..... .....",
            "..... ..... ..... ..... ..... ..... .#... ..... ..... ..... ..... ..... .....",
            "#.##. .###. ####. .#### #.##. .#### ####. #...# #...# #...# #...# #...# #####",
            "##..# #...# #...# #...# ##..# #.... .#... #...# #...# #...# .#.#. #...# ...#.",
            "#...# #...# #...# #...# #.... .###. .#... #...# #...# #.#.# ..#.. #...# ..#..",
            "#...# #...# #...# #...# #.... ....# .#..# #..## .#.#. #.#.# .#.#. #...# .#...",
            "#...# .###. ####. .#### #.... ####. ..##. .##.# ..#.. .#.#. #...# .#### #####",
            "..... ..... #.... ....# ..... ..... ..... ..... ..... ..... ..... ....# .....",
            "..... ..... #.... ....# ..... ..... ..... ..... ..... ..... ..... .###. .....",
        ],
    ),
    (
        "ABCDEFGHIJKLM",
        [
            ".###. ####. .###. ####. ##### ##### .###. #...# .###. ..### #...# #.... #...#",
            "#...# #...# #...# #...# #.... #.... #...# #...# ..#.. ...#. #..#. #.... ##.##",
            "#...# #...# #.... #...# #.... #.... #.... #...# ..#.. ...#. #.#.. #.... #.#.#",
            "##### ####. #.... #...# ####. ####. #.### ##### ..#.. ...#. ##... #.... #.#.#",
            "#...# #...# #.... #...# #.... #.... #...# #...# ..#.. ...#. #.#.. #.... #...#",
            "#...# #...# #...# #...# #.... #.... #...# #...# ..#.. #..#. #..#. #.... #...#",
            "#...# ####. .###. ####. ##### #.... .#### #...# .###. .##.. #...# ##### #...#",
            "..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....",
            "..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....",
        ],
    ),
    (
        "NOPQRSTUVWXYZ",
        [
            "#...# .###. ####. .###. ####. .#### ##### #...# #...# #...# #...# #...# #####",
            "#...# #...# #...# #...# #...# #.... ..#.. #...# #...# #...# #...# #...# ....#",
            "##..# #...# #...# #...# #...# #.... ..#.. #...# #...# #...# .#.#. .#.#. ...#.",
            "#.#.# #...# ####. #...# ####. .###. ..#.. #...# #...# #.#.# ..#.. ..#.. ..#..",
            "#..## #...# #.... #.#.# #.#.. ....# ..#.. #...# #...# #.#.# .#.#. ..#.. .#...",
            "#...# #...# #.... #..#. #..#. ....# ..#.. #...# .#.#. #.#.# #...# ..#.. #....",
            "#...# .###. #.... .##.# #...# ####. ..#.. .###. ..#.. .#.#. #...# ..#.. #####",
            "..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....",
            "..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....",
        ],
    ),
    (
        "0123456789",
        [
            ".###. ..#.. .###. ##### ...#. ##### ..##. ##### .###. .###.",
            "#...# .##.. #...# ...#. ..##. #.... .#... ....# #...# #...#",
            "#..## ..#.. ....# ..#.. .#.#. ####. #.... ...#. #...# #...#",
            "#.#.# ..#.. ...#. ...#. #..#. ....# ####. ..#.. .###. .####",
            "##..# ..#.. ..#.. ....# ##### ....# #...# .#... #...# ....#",
            "#...# ..#.. .#... #...# ...#. #...# #...# .#... #...# ...#.",
            ".###. .###. ##### .###. ...#. .###. .###. .#... .###. .##..",
            "..... ..... ..... ..... ..... ..... ..... ..... ..... .....",
            "..... ..... ..... ..... ..... ..... ..... ..... ..... .....",
        ],
    ),
];

/// Drawn for any character the font lacks, so that a bad word shows up in the demo rather
/// than vanishing: an empty box of capital height.
const BOX: [&str; GLYPH_H] = [
    "#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####", ".....", ".....",
];

/// Checks the layout of [`SHEETS`] and [`BOX`]; a mistake there fails the build.
const fn check_sheets() {
    let mut s = 0;
    while s < SHEETS.len() {
        let (chars, rows) = SHEETS[s];
        let mut r = 0;
        while r < GLYPH_H {
            let row = rows[r].as_bytes();
            assert!(row.len() + 1 == chars.len() * (GLYPH_W as usize + 1));
            let mut i = 0;
            while i < row.len() {
                let expected_space = i % (GLYPH_W as usize + 1) == GLYPH_W as usize;
                assert!((row[i] == b' ') == expected_space);
                assert!(expected_space || row[i] == b'#' || row[i] == b'.');
                i += 1;
            }
            r += 1;
        }
        s += 1;
    }
    let mut r = 0;
    while r < GLYPH_H {
        assert!(BOX[r].len() == GLYPH_W as usize);
        r += 1;
    }
}
const _: () = check_sheets();

/// One glyph of the font: its rows, and the column its pixels start at in each row.
#[derive(Clone, Copy)]
struct Glyph {
    rows: &'static [&'static str; GLYPH_H],
    start: usize,
}

impl Glyph {
    /// The glyph of `c`, or [`BOX`] when the font has none.
    fn of(c: char) -> Self {
        SHEETS
            .iter()
            .find_map(|(chars, rows)| {
                let i = chars.find(c)?;
                Some(Glyph {
                    rows,
                    start: i * (usize::from(GLYPH_W) + 1),
                })
            })
            .unwrap_or(Glyph {
                rows: &BOX,
                start: 0,
            })
    }

    /// Whether font pixel (`col`, `row`) is ink; outside the glyph is paper.
    fn ink(self, col: i32, row: i32) -> bool {
        let (Ok(col), Ok(row)) = (usize::try_from(col), usize::try_from(row)) else {
            return false;
        };
        col < usize::from(GLYPH_W)
            && row < GLYPH_H
            && self.rows[row].as_bytes()[self.start + col] == b'#'
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/// Output pixels per font pixel, before each glyph's own scale.
const SCALE: i32 = 4;
/// Sub-pixel units per output pixel: positions and sizes below are in 1/256 px.
const SUB: i32 = 256;
/// The image height.
const HEIGHT: i32 = 72;
/// The image width, unless the text needs more.
const MIN_WIDTH: i32 = 240;
/// Paper left and right of the text.
const MARGIN: i32 = 10;
/// The baseline, placed so that ascenders and descenders both keep a margin.
const BASELINE: i32 = 47;
/// The gray that glyph edges blend towards (the paper itself is 236 to 250).
const PAPER: i32 = 245;
/// Characters drawn at most; the rest of a longer text is left out.
const MAX_CHARS: usize = 64;

/// The jitter of one glyph, drawn from the PRNG.
struct Placement {
    glyph: Glyph,
    /// Left edge of the glyph, in 1/256 px.
    x: i32,
    /// Baseline, in 1/256 px.
    baseline: i32,
    /// Width of one font pixel, in 1/256 px.
    cell_w: i32,
    /// Height of one font pixel, in 1/256 px.
    cell_h: i32,
    /// Horizontal shift per pixel above the baseline, in 1/256: positive leans right.
    shear: i32,
    /// The darkest gray of the glyph's strokes.
    ink: u8,
}

/// Renders `text` to a grayscale PNG: dark letters on light paper, 72 px high and 240 px wide,
/// or wider when the text needs it (8 letters take about 240 px, each further one about 27).
///
/// Each glyph gets its own vertical offset, horizontal and vertical scale (±8 %), shear and
/// spacing, and the image a few gray lines across the text and scattered speckles, all drawn
/// from a PRNG seeded by `seed`: the same text and seed give the same bytes, another seed
/// other bytes.
///
/// The font has `a`–`z`, `A`–`Z` and `0`–`9`; a space leaves a gap, and any other character
/// is drawn as an empty box, so that it is seen rather than silently lost. At most 64
/// characters are drawn; the rest of a longer text is left out.
pub fn render(text: &str, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64(seed);
    let placements = place(text, &mut rng);
    let text_right = placements
        .last()
        .map_or(0, |p| p.x + i32::from(GLYPH_W) * p.cell_w);
    let width = MIN_WIDTH.max(text_right / SUB + MARGIN);
    // Center the text in the image.
    let shift = (width * SUB - text_right - MARGIN * SUB) / 2;

    let mut image = Canvas::paper(width, &mut rng);
    // Lines and speckles stay lighter than the strokes, so that the eye separates them.
    for i in 0..3 {
        let gray = rng.range(105, 150);
        let thickness = if i == 0 { 2 } else { rng.range(1, 2) };
        image.curve(&mut rng, gray, thickness);
    }
    for p in &placements {
        image.glyph(p, shift);
    }
    for _ in 0..90 {
        let (x, y) = (rng.range(0, width - 1), rng.range(0, HEIGHT - 1));
        let gray = rng.range(110, 190);
        image.darken(x, y, gray);
    }
    // A few holes in the strokes too.
    for _ in 0..60 {
        let (x, y) = (rng.range(0, width - 1), rng.range(0, HEIGHT - 1));
        image.set(x, y, 250);
    }
    encode_png_gray(image.width(), HEIGHT.unsigned_abs(), &image.pixels)
}

/// Lays out the glyphs of `text` from the left margin, each with its jitter.
fn place(text: &str, rng: &mut SplitMix64) -> Vec<Placement> {
    let mut x = MARGIN * SUB;
    let mut placements = Vec::new();
    for c in text.chars().take(MAX_CHARS) {
        let cell_w = SCALE * SUB * rng.range(92, 108) / 100;
        let advance = i32::from(GLYPH_W) * cell_w + rng.range(6, 9) * SUB;
        if c != ' ' {
            placements.push(Placement {
                glyph: Glyph::of(c),
                x,
                baseline: (BASELINE + rng.range(-4, 4)) * SUB,
                cell_w,
                cell_h: SCALE * SUB * rng.range(92, 108) / 100,
                shear: rng.range(-24, 24),
                ink: u8::try_from(rng.range(25, 60)).unwrap_or(0),
            });
        }
        x += advance;
    }
    placements
}

/// A grayscale image being drawn.
struct Canvas {
    width: i32,
    pixels: Vec<u8>,
}

impl Canvas {
    /// Light paper with a faint grain.
    fn paper(width: i32, rng: &mut SplitMix64) -> Self {
        let len = usize::try_from(width * HEIGHT).unwrap_or(0);
        let pixels = (0..len)
            .map(|_| u8::try_from(rng.range(236, 250)).unwrap_or(u8::MAX))
            .collect();
        Canvas { width, pixels }
    }

    fn width(&self) -> u32 {
        self.width.unsigned_abs()
    }

    fn index(&self, x: i32, y: i32) -> Option<usize> {
        if (0..self.width).contains(&x) && (0..HEIGHT).contains(&y) {
            usize::try_from(y * self.width + x).ok()
        } else {
            None
        }
    }

    fn set(&mut self, x: i32, y: i32, gray: u8) {
        if let Some(i) = self.index(x, y) {
            self.pixels[i] = gray;
        }
    }

    /// Makes pixel (`x`, `y`) at least as dark as `gray`.
    fn darken(&mut self, x: i32, y: i32, gray: i32) {
        if let Some(i) = self.index(x, y) {
            let gray = u8::try_from(gray.clamp(0, 255)).unwrap_or(0);
            self.pixels[i] = self.pixels[i].min(gray);
        }
    }

    /// Draws a line across the whole width, gently bowed, through random heights.
    fn curve(&mut self, rng: &mut SplitMix64, gray: i32, thickness: i32) {
        let (left, right) = (rng.range(14, HEIGHT - 14), rng.range(14, HEIGHT - 14));
        let bow = rng.range(-14, 14);
        let w = self.width;
        for x in 0..w {
            // A parabola through `left` and `right`, `bow` px off the chord in the middle.
            let chord = left * SUB + (right - left) * SUB * x / w;
            let y = (chord + 4 * bow * SUB * x / w * (w - x) / w) / SUB;
            for dy in 0..thickness {
                self.darken(x, y + dy, gray);
            }
        }
    }

    /// Draws one glyph, moved right by `shift` (1/256 px). Each output pixel is sampled at
    /// 2×2 points mapped back into the font, so the edges get gray levels.
    fn glyph(&mut self, p: &Placement, shift: i32) {
        let left = p.x + shift;
        // The shear moves the glyph by at most this much either way.
        let lean = (p.shear.abs() * (ASCENT + 2) * p.cell_h / SUB) / SUB + 2;
        let x_from = left / SUB - lean;
        let x_to = (left + i32::from(GLYPH_W) * p.cell_w) / SUB + lean;
        for y in 0..HEIGHT {
            for x in x_from..=x_to {
                let mut covered = 0;
                for (sx, sy) in [(64, 64), (192, 64), (64, 192), (192, 192)] {
                    let dy = y * SUB + sy - p.baseline;
                    let row = (dy + ASCENT * p.cell_h).div_euclid(p.cell_h);
                    let col = (x * SUB + sx - left + p.shear * dy / SUB).div_euclid(p.cell_w);
                    covered += i32::from(p.glyph.ink(col, row));
                }
                if covered > 0 {
                    let ink = i32::from(p.ink);
                    self.darken(x, y, PAPER - (PAPER - ink) * covered / 4);
                }
            }
        }
    }
}

/// The splitmix64 generator: small, fast, and good enough to jitter pixels. Not for secrets.
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..=high` (which must not be empty), nearly uniform.
    pub(crate) fn range(&mut self, low: i32, high: i32) -> i32 {
        let span = u64::from(high.abs_diff(low)) + 1;
        // The high bits of a 64×64 → 128-bit product: no division, bias below 2^-32.
        let offset = (u128::from(self.next_u64()) * u128::from(span)) >> 64;
        low + i32::try_from(offset).unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------------------------

/// The largest width and height [`encode_png_gray`] writes.
const MAX_SIDE: u32 = 4096;
/// The largest stored deflate block (its length is 16 bits).
const MAX_STORED: usize = 0xffff;

/// Encodes an 8-bit grayscale image (row-major, `pixels.len() == width * height`) as PNG.
///
/// The image is written uncompressed: a zlib stream of stored deflate blocks in one `IDAT`
/// chunk, every row with filter type 0 ([PNG §10–12], [RFC 1950], [RFC 1951 §3.2.4]). That is
/// about `height × (width + 1)` bytes, which is fine for CAPTCHA-sized images.
///
/// Width and height are clamped to `1..=4096` (a PNG cannot be empty, and a larger image
/// would be tens of megabytes); a larger image is cropped. When `pixels` does not hold
/// `width * height` values, debug builds panic, and release builds pad the image with white
/// or ignore the extra values.
///
/// [PNG §10–12]: https://www.w3.org/TR/png-3/#10Compression
/// [RFC 1950]: https://www.rfc-editor.org/rfc/rfc1950
/// [RFC 1951 §3.2.4]: https://www.rfc-editor.org/rfc/rfc1951#section-3.2.4
pub fn encode_png_gray(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    debug_assert_eq!(
        Some(pixels.len()),
        usize::try_from(u64::from(width) * u64::from(height)).ok(),
        "pixels.len() is not width * height"
    );
    let stride = usize::try_from(width).unwrap_or(usize::MAX);
    let (width, height) = (width.clamp(1, MAX_SIDE), height.clamp(1, MAX_SIDE));

    // The filtered rows: a filter-type byte (0, none), then the row's pixels.
    let mut raw = Vec::new();
    for y in 0..height as usize {
        raw.push(0);
        for x in 0..width as usize {
            let i = y.checked_mul(stride).and_then(|start| start.checked_add(x));
            raw.push(i.and_then(|i| pixels.get(i)).copied().unwrap_or(u8::MAX));
        }
    }

    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8, colour type 0 (grayscale), deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    write_chunk(&mut png, *b"IHDR", &ihdr);
    write_chunk(&mut png, *b"IDAT", &zlib_stored(&raw));
    write_chunk(&mut png, *b"IEND", &[]);
    png
}

/// Appends a chunk: length, type, data, CRC-32 of type and data.
fn write_chunk(png: &mut Vec<u8>, kind: [u8; 4], data: &[u8]) {
    // At most 4096 × 4097 bytes and a few headers: far below the 2^31 - 1 a chunk allows.
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    png.extend_from_slice(&len.to_be_bytes());
    let start = png.len();
    png.extend_from_slice(&kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// Wraps `data` in a zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let blocks = data.len().div_ceil(MAX_STORED).max(1);
    let mut out = Vec::with_capacity(data.len() + 5 * blocks + 6);
    // CMF: deflate with a 32 KiB window; FLG: no dictionary, check bits so that
    // 0x7801 is a multiple of 31.
    out.extend_from_slice(&[0x78, 0x01]);
    let mut chunks = data.chunks(MAX_STORED).peekable();
    if chunks.peek().is_none() {
        // An empty final block still ends the stream.
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        // BFINAL on the last block, BTYPE 00 (stored); the header byte pads to a byte boundary.
        out.push(u8::from(chunks.peek().is_none()));
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// The Adler-32 checksum of zlib ([RFC 1950 §9](https://www.rfc-editor.org/rfc/rfc1950#section-9)).
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    // The largest run of bytes the sums can take before they might overflow a u32.
    const RUN: usize = 5552;
    let (mut a, mut b) = (1_u32, 0_u32);
    for run in data.chunks(RUN) {
        for &byte in run {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// The CRC-32 of PNG chunks (ISO 3309, reflected polynomial 0xedb88320), by a table built at
/// compile time ([PNG Annex D](https://www.w3.org/TR/png-3/#D-CRCAppendix)).
fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0; 256];
        let mut n = 0_u32;
        while n < 256 {
            let mut c = n;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[n as usize] = c;
            n += 1;
        }
        table
    };
    !data.iter().fold(u32::MAX, |crc, &byte| {
        TABLE[((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8)
    })
}
