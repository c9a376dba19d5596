//! Redrawing a corpus image for each challenge, so that no two challenges serve the same
//! bytes and a bot cannot answer from a table of image hashes.
//!
//! [`distort`] takes the image as a grayscale raster ([`Gray`]) and draws it again: moved by a
//! few pixels, bent by two sine waves of random period and phase (rows sideways, columns up
//! and down), with its contrast and brightness nudged, a few faint lines across it and
//! speckles on it, and encodes the result as PNG. Each change is small enough that a person
//! reads the word as before; together they change every byte of the file and most pixels.
//! Randomness comes in as an argument, as everywhere in this crate: the geometry is drawn from
//! it, and the per-pixel grain and speckles from a fast generator it seeds (one draw, rather
//! than one per pixel).

use rand_core::CryptoRngCore;

use crate::demo::{encode_png_gray, SplitMix64};

/// The largest side of an image [`distort`] redraws; a larger one is refused by [`Gray::new`].
pub const MAX_SIDE: u32 = 2048;

/// An 8-bit grayscale image, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

/// Why a raster was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an image of {width}×{height} with {len} pixels is not 1 to {MAX_SIDE} pixels a side with one byte per pixel")]
pub struct BadRaster {
    /// The width given.
    pub width: u32,
    /// The height given.
    pub height: u32,
    /// The number of pixel values given.
    pub len: usize,
}

impl Gray {
    /// A raster of `width × height` pixels.
    ///
    /// # Errors
    /// [`BadRaster`] when a side is 0 or above [`MAX_SIDE`], or `pixels` is not
    /// `width * height` long.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, BadRaster> {
        let bad = || BadRaster {
            width,
            height,
            len: pixels.len(),
        };
        let sides_ok = (1..=MAX_SIDE).contains(&width) && (1..=MAX_SIDE).contains(&height);
        if !sides_ok
            || usize::try_from(u64::from(width) * u64::from(height)).ok() != Some(pixels.len())
        {
            return Err(bad());
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// The width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixels, row-major.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The pixel at (`x`, `y`), or paper white outside the image.
    fn at(&self, x: i64, y: i64) -> u8 {
        let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else {
            return u8::MAX;
        };
        if x >= self.width || y >= self.height {
            return u8::MAX;
        }
        let i = u64::from(y) * u64::from(self.width) + u64::from(x);
        usize::try_from(i)
            .ok()
            .and_then(|i| self.pixels.get(i))
            .copied()
            .unwrap_or(u8::MAX)
    }
}

/// A number in `low..=high`, from `rng`.
fn range(rng: &mut impl CryptoRngCore, low: i64, high: i64) -> i64 {
    let span = u64::try_from(high - low + 1).unwrap_or(1).max(1);
    // The high bits of a 64×64 → 128-bit product: no division, bias below 2^-32.
    let offset = (u128::from(rng.next_u64()) * u128::from(span)) >> 64;
    low + i64::try_from(offset).unwrap_or(0)
}

/// A sine wave of integer amplitude: `amplitude × sin(2π (t + phase) / period)`, rounded.
struct Wave {
    amplitude: f64,
    period: f64,
    phase: f64,
}

impl Wave {
    fn draw(rng: &mut impl CryptoRngCore, amplitude_tenths: (i64, i64), length: u32) -> Self {
        let length = f64::from(length.max(8));
        Wave {
            #[allow(clippy::cast_precision_loss)] // tens of tenths of a pixel
            amplitude: range(rng, amplitude_tenths.0, amplitude_tenths.1) as f64 / 10.0,
            #[allow(clippy::cast_precision_loss)] // a percentage
            period: length * range(rng, 60, 160) as f64 / 100.0,
            #[allow(clippy::cast_precision_loss)] // a pixel count
            phase: range(rng, 0, 1000) as f64 / 1000.0 * length,
        }
    }

    #[allow(clippy::cast_possible_truncation)] // a few pixels at most
    fn at(&self, t: u32) -> i64 {
        let angle = std::f64::consts::TAU * (f64::from(t) + self.phase) / self.period;
        (self.amplitude * angle.sin()).round() as i64
    }
}

/// Redraws `image` as described in the [module docs](self) and returns it as PNG, of the same
/// size as `image`.
pub fn distort(image: &Gray, rng: &mut impl CryptoRngCore) -> Vec<u8> {
    let out = redraw(image, rng);
    encode_png_gray(out.width, out.height, &out.pixels)
}

/// The redrawn raster [`distort`] encodes.
pub fn redraw(image: &Gray, rng: &mut impl CryptoRngCore) -> Gray {
    let (width, height) = (image.width, image.height);
    let (dx, dy) = (range(rng, -3, 3), range(rng, -2, 2));
    let rows = Wave::draw(rng, (8, 22), height);
    let columns = Wave::draw(rng, (4, 12), width);
    // Contrast in percent around mid-gray, and a brightness shift.
    let contrast = range(rng, 90, 108);
    let brightness = range(rng, -8, 8);
    // One sine per row and per column, not per pixel.
    let column_shift: Vec<i64> = (0..width).map(|x| dy + columns.at(x)).collect();
    let mut pixels = Vec::with_capacity(image.pixels.len());
    for y in 0..height {
        let shift_x = dx + rows.at(y);
        for (x, shift_y) in (0..width).zip(&column_shift) {
            let source_x = i64::from(x) - shift_x;
            let source_y = i64::from(y) - shift_y;
            let value = i64::from(image.at(source_x, source_y));
            let adjusted = 128 + (value - 128) * contrast / 100 + brightness;
            pixels.push(u8::try_from(adjusted.clamp(0, 255)).unwrap_or(u8::MAX));
        }
    }
    let mut noise = SplitMix64(rng.next_u64());
    // A faint grain on every pixel.
    for pixel in &mut pixels {
        let grain = noise.range(-3, 3);
        *pixel = u8::try_from((i32::from(*pixel) + grain).clamp(0, 255)).unwrap_or(u8::MAX);
    }
    let mut out = Gray {
        width,
        height,
        pixels,
    };
    for _ in 0..noise.range(1, 2) {
        line(&mut out, &mut noise);
    }
    let speckles = u64::from(width) * u64::from(height) / 70;
    for _ in 0..speckles {
        let x = i64::from(noise.range(0, i32::try_from(width).unwrap_or(1) - 1));
        let y = i64::from(noise.range(0, i32::try_from(height).unwrap_or(1) - 1));
        let gray = i64::from(noise.range(120, 215));
        darken(&mut out, x, y, gray);
    }
    out
}

fn darken(image: &mut Gray, x: i64, y: i64, gray: i64) {
    let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else {
        return;
    };
    if x >= image.width || y >= image.height {
        return;
    }
    let i = u64::from(y) * u64::from(image.width) + u64::from(x);
    if let Some(pixel) = usize::try_from(i)
        .ok()
        .and_then(|i| image.pixels.get_mut(i))
    {
        let gray = u8::try_from(gray.clamp(0, 255)).unwrap_or(u8::MAX);
        *pixel = (*pixel).min(gray);
    }
}

/// A faint straight line from the left edge to the right one.
fn line(image: &mut Gray, noise: &mut SplitMix64) {
    let height = i32::try_from(image.height).unwrap_or(1);
    let (from, to) = (
        i64::from(noise.range(0, height - 1)),
        i64::from(noise.range(0, height - 1)),
    );
    let gray = i64::from(noise.range(150, 200));
    let width = i64::from(image.width);
    for x in 0..width {
        let y = from + (to - from) * x / width.max(1);
        darken(image, x, y, gray);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use watchword_testkit::TestRng;

    fn word() -> Gray {
        // A dark bar on light paper: what a word looks like to these transforms.
        let (width, height) = (120u32, 40u32);
        let pixels = (0..height)
            .flat_map(|y| {
                (0..width).map(move |x| {
                    if (40..80).contains(&x) && (12..28).contains(&y) {
                        20
                    } else {
                        240
                    }
                })
            })
            .collect();
        Gray::new(width, height, pixels).expect("raster")
    }

    #[test]
    fn rasters_of_the_wrong_shape_are_refused() {
        assert!(Gray::new(0, 1, vec![]).is_err());
        assert!(Gray::new(2, 2, vec![0; 3]).is_err());
        assert!(Gray::new(MAX_SIDE + 1, 1, vec![0; MAX_SIDE as usize + 1]).is_err());
        assert!(Gray::new(2, 2, vec![0; 4]).is_ok());
    }

    #[test]
    fn a_redraw_changes_most_pixels_but_keeps_the_word_readable() {
        let image = word();
        let mut rng = TestRng::new(3);
        for _ in 0..50 {
            let out = redraw(&image, &mut rng);
            let pairs = image.pixels().iter().zip(out.pixels());
            let changed = pairs.clone().filter(|(a, b)| a != b).count();
            // Ink stays ink within a few pixels: compare dark pixels allowing the shift.
            let dark = |g: &Gray, x: i64, y: i64| g.at(x, y) < 128;
            let mut kept = 0;
            let mut ink = 0;
            for y in 0..i64::from(image.height()) {
                for x in 0..i64::from(image.width()) {
                    if dark(&image, x, y) {
                        ink += 1;
                        let near =
                            (-6..=6).any(|ddx| (-4..=4).any(|ddy| dark(&out, x + ddx, y + ddy)));
                        kept += usize::from(near);
                    }
                }
            }
            assert!(
                changed * 2 > image.pixels().len(),
                "only {changed} pixels changed"
            );
            assert_eq!(kept, ink, "every stroke pixel has ink nearby");
            let out_ink = out.pixels().iter().filter(|p| **p < 128).count();
            assert!(
                out_ink * 10 >= ink * 8 && out_ink * 10 <= ink * 12,
                "{out_ink} vs {ink}"
            );
        }
    }

    #[test]
    fn two_draws_share_no_bytes_but_keep_the_size() {
        let image = word();
        let mut rng = TestRng::new(7);
        let first = distort(&image, &mut rng);
        let second = distort(&image, &mut rng);
        assert_ne!(first, second);
        for png in [&first, &second] {
            assert_eq!(&png[16..20], &120u32.to_be_bytes());
            assert_eq!(&png[20..24], &40u32.to_be_bytes());
        }
    }
}
