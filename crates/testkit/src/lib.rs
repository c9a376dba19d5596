//! Test support shared by the Watchword crates (a dev-dependency only).
//!
//! Published test vectors live beside the project in `../shared/vectors/`, never in the
//! repository. A fresh clone may not have them: the tests that need them print a notice and
//! skip. CI always has them, so with `CI` set a missing folder fails the test instead of letting
//! it pass without running anything.
//!
//! Each fuzz target's seed corpus is committed under `fuzz/seeds/<target>/`; the crates' tests
//! replay it through the same harness the fuzzer runs.
//!
//! [`node`] starts real external parts on loopback, run by Node.js: an SMTP sink, an OIDC
//! provider and the `jose` JWT verifier. [`passkey`] is a software authenticator, [`approver`] the approval app's device key.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Test support: every helper panics on what a test did not expect, by design.
#![allow(clippy::missing_panics_doc)]

pub mod approver;
#[cfg(feature = "browser")]
pub mod browser;
pub mod contract;
pub mod http;
#[cfg(feature = "images")]
pub mod images;
pub mod node;
pub mod passkey;
mod rng;

pub use rng::{ScriptedRng, TestRng};

use std::path::{Path, PathBuf};

/// The workspace root.
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `../shared/vectors` beside the workspace, if present.
///
/// # Panics
/// When `CI` is set and the folder is missing.
pub fn vectors_dir() -> Option<PathBuf> {
    let dir = root().join("../shared/vectors");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but the vector folder {} is missing",
        dir.display()
    );
    eprintln!(
        "note: {} is missing; skipping a published-vector test",
        dir.display()
    );
    None
}

/// Reads a vector file (path relative to the vector folder), or `None` to skip.
///
/// # Panics
/// When the file is missing or unreadable while the folder exists.
pub fn read_vector(relative: &str) -> Option<Vec<u8>> {
    let path = vectors_dir()?.join(relative);
    Some(std::fs::read(&path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display())))
}

/// Reads a JSON vector file (path relative to the vector folder), or `None` to skip.
///
/// # Panics
/// When the file is missing or is not JSON while the folder exists.
pub fn load_vectors(relative: &str) -> Option<serde_json::Value> {
    let bytes = read_vector(relative)?;
    Some(serde_json::from_slice(&bytes).unwrap_or_else(|err| panic!("parsing {relative}: {err}")))
}

/// The folder of a fuzz target's committed seeds, `fuzz/seeds/<target>`.
pub fn seed_dir(target: &str) -> PathBuf {
    root().join("fuzz/seeds").join(target)
}

/// Every committed seed of a fuzz target as `(file name, bytes)`, sorted by name.
///
/// # Panics
/// When the folder is missing or empty: a target's seeds are part of the repository.
pub fn fuzz_seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = seed_dir(target);
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let name = path
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(&path)
                .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
            (name, bytes)
        })
        .collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds.sort();
    seeds
}

/// Decodes lower- or upper-case hex.
///
/// # Panics
/// On odd length or a non-hex character: test input is trusted.
pub fn hex(text: &str) -> Vec<u8> {
    assert!(text.len() % 2 == 0, "odd-length hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digit"))
        .collect()
}
