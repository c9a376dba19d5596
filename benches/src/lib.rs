//! Shared pieces of the benches under `benches/`: each bench compares a Watchword crate with
//! a peer crate and with the raw primitive in the same run, and prints the ratios.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Mean time per call of `f` over a fixed wall-clock budget, after a warm-up.
pub fn time_per_call(f: impl Fn() -> bool) -> Duration {
    let budget = Duration::from_millis(300);
    for _ in 0..100 {
        black_box(f());
    }
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < budget {
        for _ in 0..100 {
            black_box(f());
        }
        calls += 100;
    }
    start.elapsed() / calls
}

/// One case measured three ways.
#[derive(Debug)]
pub struct Row<'a> {
    /// What was measured.
    pub name: &'a str,
    /// Ours.
    pub ours: Duration,
    /// The peer crate.
    pub peer: Duration,
    /// The raw primitive.
    pub raw: Duration,
}

impl<'a> Row<'a> {
    /// Times `ours`, `peer` and `raw` one after the other with [`time_per_call`].
    pub fn measure(
        name: &'a str,
        ours: impl Fn() -> bool,
        peer: impl Fn() -> bool,
        raw: impl Fn() -> bool,
    ) -> Self {
        Row {
            name,
            ours: time_per_call(ours),
            peer: time_per_call(peer),
            raw: time_per_call(raw),
        }
    }
}

/// Prints a table of `rows` with the ratios ours/peer and ours/raw.
pub fn print_ratios(title: &str, peer: &str, raw: &str, rows: &[Row<'_>]) {
    eprintln!("\n{title}, mean per call (timed loop):");
    eprintln!(
        "{:<8} {:>12} {:>12} {:>12} {:>14} {:>10}",
        "case",
        "ours",
        peer,
        raw,
        format!("ours/{peer}"),
        "ours/raw"
    );
    for row in rows {
        eprintln!(
            "{:<8} {:>12.2?} {:>12.2?} {:>12.2?} {:>14.2} {:>10.2}",
            row.name,
            row.ours,
            row.peer,
            row.raw,
            row.ours.as_secs_f64() / row.peer.as_secs_f64(),
            row.ours.as_secs_f64() / row.raw.as_secs_f64(),
        );
    }
}
