//! Shared pieces of the benches under `benches/`: each bench compares a Watchword crate with
//! a peer crate and with the raw primitive in the same run, and prints the ratios.
//!
//! A ratio is never read off one timing window: the sides are timed in short slices, taking
//! turns over many rounds (the order rotates each round), and the table shows the median of
//! the per-round ratios with their interquartile range, so that one noisy moment on the
//! machine moves one round, not the verdict.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Rounds of interleaved timing behind each row.
pub const ROUNDS: usize = 21;

/// How long one side is timed in one round.
const SLICE: Duration = Duration::from_millis(15);

/// Calls `f` in batches of 16 for about `budget` and returns the mean time per call.
fn slice(f: &impl Fn() -> bool, budget: Duration) -> Duration {
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < budget {
        for _ in 0..16 {
            black_box(f());
        }
        calls += 16;
    }
    start.elapsed() / calls
}

fn warm_up(f: &impl Fn() -> bool) {
    for _ in 0..100 {
        black_box(f());
    }
}

/// Median time per call of `f`: [`ROUNDS`] short slices after a warm-up.
///
/// For one side alone; to compare two sides use [`Row::measure`], which interleaves them.
pub fn time_per_call(f: impl Fn() -> bool) -> Duration {
    warm_up(&f);
    let mut times: Vec<Duration> = (0..ROUNDS).map(|_| slice(&f, SLICE)).collect();
    times.sort_unstable();
    times[times.len() / 2]
}

/// A ratio over the rounds: the median and the interquartile range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The median of the per-round ratios.
    pub median: f64,
    /// The first quartile.
    pub low: f64,
    /// The third quartile.
    pub high: f64,
}

impl Spread {
    /// The median and quartiles of `values` (which must not be empty).
    pub fn of(mut values: Vec<f64>) -> Self {
        values.sort_unstable_by(f64::total_cmp);
        let at = |q: usize| values[(values.len() - 1) * q / 4];
        Spread {
            median: at(2),
            low: at(1),
            high: at(3),
        }
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = format!("{:.2} ({:.2}–{:.2})", self.median, self.low, self.high);
        f.pad(&text)
    }
}

/// One case measured three ways, interleaved.
#[derive(Debug)]
pub struct Row<'a> {
    /// What was measured.
    pub name: &'a str,
    /// Ours: the median time per call.
    pub ours: Duration,
    /// The peer crate: the median time per call (zero if its verdict differs from ours).
    pub peer: Duration,
    /// The raw primitive: the median time per call.
    pub raw: Duration,
    /// Ours over the peer's time per round; `None` if the peer's verdict differs from ours.
    pub ours_per_peer: Option<Spread>,
    /// Ours over the raw primitive's time per round.
    pub ours_per_raw: Spread,
    /// Sides whose verdict on the case differs from ours (`"peer"`, `"raw"`).
    pub refused: Vec<&'static str>,
}

impl<'a> Row<'a> {
    /// Times `ours`, `peer` and `raw` in [`ROUNDS`] interleaved rounds and keeps the medians.
    ///
    /// The verdict of `ours` on the case is the expected one: a peer that disagrees (refuses a
    /// case ours accepts, or the other way round) is not timed and the row says so; a raw check
    /// that disagrees is timed and noted. Nothing panics.
    pub fn measure(
        name: &'a str,
        ours: impl Fn() -> bool,
        peer: impl Fn() -> bool,
        raw: impl Fn() -> bool,
    ) -> Self {
        let expected = ours();
        let mut refused = Vec::new();
        for (side, verdict) in [("peer", peer()), ("raw", raw())] {
            if verdict != expected {
                refused.push(side);
            }
        }
        let peer_ok = !refused.contains(&"peer");
        warm_up(&ours);
        warm_up(&raw);
        if peer_ok {
            warm_up(&peer);
        }
        let (mut t_ours, mut t_peer, mut t_raw) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            // Rotate who goes first, so that no side always follows the same neighbour.
            for turn in 0..3 {
                match (round + turn) % 3 {
                    0 => t_ours.push(slice(&ours, SLICE)),
                    1 if peer_ok => t_peer.push(slice(&peer, SLICE)),
                    1 => {}
                    _ => t_raw.push(slice(&raw, SLICE)),
                }
            }
        }
        let ratios = |theirs: &[Duration]| {
            Spread::of(
                t_ours
                    .iter()
                    .zip(theirs)
                    .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
                    .collect(),
            )
        };
        Row {
            name,
            ours: median(&t_ours),
            peer: if peer_ok {
                median(&t_peer)
            } else {
                Duration::ZERO
            },
            raw: median(&t_raw),
            ours_per_peer: peer_ok.then(|| ratios(&t_peer)),
            ours_per_raw: ratios(&t_raw),
            refused,
        }
    }
}

fn median(times: &[Duration]) -> Duration {
    let mut times = times.to_vec();
    times.sort_unstable();
    times[times.len() / 2]
}

/// Prints a table of `rows` with the ratios ours/peer and ours/raw (median of the rounds, and
/// the interquartile range in parentheses).
pub fn print_ratios(title: &str, peer: &str, raw: &str, rows: &[Row<'_>]) {
    eprintln!("\n{title}, median per call over {ROUNDS} interleaved rounds (ratio: median (IQR)):");
    eprintln!(
        "{:<10} {:>10} {:>10} {:>10} {:>20} {:>20}",
        "case",
        "ours",
        peer,
        raw,
        format!("ours/{peer}"),
        "ours/raw"
    );
    for row in rows {
        let peer_time = if row.ours_per_peer.is_some() {
            format!("{:.2?}", row.peer)
        } else {
            "disagrees".to_owned()
        };
        let vs_peer = row
            .ours_per_peer
            .map_or_else(|| "—".to_owned(), |spread| spread.to_string());
        eprintln!(
            "{:<10} {:>10.2?} {:>10} {:>10.2?} {:>20} {:>20}",
            row.name, row.ours, peer_time, row.raw, vs_peer, row.ours_per_raw,
        );
        if !row.refused.is_empty() {
            eprintln!(
                "           note: {} gave another verdict than ours on this case{}",
                row.refused.join(" and "),
                if row.ours_per_peer.is_none() {
                    " (not timed)"
                } else {
                    ""
                }
            );
        }
    }
}
