//! Reading a redrawn captcha image the way a person would: which of the images a test knows
//! (the demo corpus) it shows. The server draws every image afresh, so tests cannot compare
//! bytes; they compare blurred pixels, which a few pixels of movement and noise barely change.

/// An image as blurred grayscale: width, height, pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blurred {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

/// Decodes `bytes` (PNG, JPEG, GIF or WebP) to grayscale and blurs it with a 9×9 box.
///
/// # Panics
/// When the bytes do not decode.
pub fn blurred(bytes: &[u8]) -> Blurred {
    let gray = image::load_from_memory(bytes)
        .expect("an image that decodes")
        .to_luma8();
    let (width, height) = gray.dimensions();
    let (w, h) = (width as usize, height as usize);
    let rows = box_blur(gray.as_raw(), w, h, 1, w);
    let both = box_blur(&rows, h, w, w, 1);
    Blurred {
        width,
        height,
        pixels: both,
    }
}

/// A 9-wide box blur along one axis with running sums, edges repeated: `len` values per line,
/// `lines` lines, `step` between values of a line and `stride` between lines.
fn box_blur(input: &[u8], len: usize, lines: usize, step: usize, stride: usize) -> Vec<u8> {
    const RADIUS: usize = 4;
    let mut out = vec![0; input.len()];
    for line in 0..lines {
        let at = |i: usize| u32::from(input[line * stride + i.min(len - 1) * step]);
        let mut sum: u32 = (0..=2 * RADIUS).map(|i| at(i.saturating_sub(RADIUS))).sum();
        for i in 0..len {
            out[line * stride + i * step] = u8::try_from(sum / 9).unwrap_or(u8::MAX);
            sum = sum + at(i + RADIUS + 1) - at(i.saturating_sub(RADIUS));
        }
    }
    out
}

/// The index of the image of `known` that `shown` shows: the one of the same size whose
/// blurred pixels differ least from `shown`'s; `None` when none has its size.
pub fn closest(shown: &[u8], known: &[Blurred]) -> Option<usize> {
    let shown = blurred(shown);
    known
        .iter()
        .enumerate()
        .filter(|(_, k)| k.width == shown.width && k.height == shown.height)
        .map(|(i, k)| {
            let distance: u64 = k
                .pixels
                .iter()
                .zip(&shown.pixels)
                .map(|(a, b)| u64::from(a.abs_diff(*b)))
                .sum();
            (distance, i)
        })
        .min()
        .map(|(_, i)| i)
}
