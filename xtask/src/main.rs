//! Watchword's project automation.
//!
//! ```text
//! cargo xtask test                 install what the tests need, build once, run every test,
//!                                  replay the fuzz seed corpora, then short fuzz, bench and
//!                                  contract smokes
//! cargo xtask fuzz [TARGET] [--runs N] [--seconds S]
//!                                  run the real fuzzers (cargo-fuzz, on stable via RUSTC_BOOTSTRAP)
//! cargo xtask bench [BENCH] [FLAGS]
//!                                  run the criterion benches (FLAGS go to criterion, e.g.
//!                                  --quick) and print the ratio tables
//! cargo xtask load [--surface S|all] [--seconds N] [--concurrency C]
//!                                  drive each surface's main flow against its server process
//!                                  on a real Redis, beside a hyper hello-world process and
//!                                  redis-benchmark; writes target/load/report.json
//! cargo xtask chaos [--trials N] [--only storms|faults|cluster|abuse]
//!                                  replay storms of every single-use thing over two replicas,
//!                                  Redis faults mid-load and abusive clients, on real Redis;
//!                                  prints `N passed, N failed`
//! cargo xtask contracts [--examples N]
//!                                  test every surface's OpenAPI document with schemathesis
//!                                  against `watchword dev` on a real Redis
//! ```

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};

mod contracts;

const USAGE: &str = "usage: cargo xtask <test [--no-smoke] | fuzz [TARGET] [--runs N] [--seconds S] | bench [NAME] [CRITERION FLAGS] | load [--surface S|all] [--seconds N] [--concurrency C] | chaos [--trials N] [--only PART] | contracts [--examples N]>";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("load") => load(&args[1..]),
        Some("chaos") => chaos(&args[1..]),
        Some("contracts") => contracts::contracts(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// A cargo command in the workspace. Incremental compilation is off unless the caller chose
/// otherwise: the xtask commands build every target once, which gains nothing from it, and its
/// caches alone take gigabytes of disk.
fn cargo() -> Command {
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root());
    if env::var_os("CARGO_INCREMENTAL").is_none() {
        command.env("CARGO_INCREMENTAL", "0");
    }
    command
}

fn run(mut command: Command) -> Result<()> {
    eprintln!("xtask: running {command:?}");
    let status = command
        .status()
        .with_context(|| format!("could not start {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    env::var_os("PATH")
        .is_some_and(|paths| env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Makes sure a system program is present, installing its Debian package when we can.
fn require_program(program: &str, package: &str, apt_updated: &mut bool) -> Result<()> {
    if on_path(program) {
        return Ok(());
    }
    apt_install(
        package,
        &format!("`{program}` is needed by the tests and is not installed."),
        apt_updated,
    )?;
    if !on_path(program) {
        bail!("installed {package} but `{program}` is still not on PATH");
    }
    Ok(())
}

/// Installs a Debian package when we can (root with apt-get), or stops with `why` and what to
/// install.
fn apt_install(package: &str, why: &str, apt_updated: &mut bool) -> Result<()> {
    if !(is_root() && on_path("apt-get")) {
        bail!(
            "{why}\n\
             Install the `{package}` package (Debian/Ubuntu: sudo apt-get install {package}) and run again."
        );
    }
    if !*apt_updated {
        let mut update = Command::new("apt-get");
        update.args(["update", "-qq"]);
        run(update)?;
        *apt_updated = true;
    }
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "-qq", "--no-install-recommends", package])
        .env("DEBIAN_FRONTEND", "noninteractive");
    run(install)
        .with_context(|| format!("could not install {package}; install it by hand and run again"))
}

/// Installs the test kit's npm packages (`crates/testkit/node`, pinned by its lock file) when
/// `node_modules` is missing or older than `package-lock.json`. npm writes
/// `node_modules/.package-lock.json` last in every install, so its age is the install's.
fn node_modules() -> Result<()> {
    let dir = root().join("crates/testkit/node");
    let lock = dir.join("package-lock.json");
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified());
    let locked = modified(&lock).with_context(|| format!("reading {}", lock.display()))?;
    if modified(&dir.join("node_modules/.package-lock.json")).is_ok_and(|at| at >= locked) {
        return Ok(());
    }
    let mut npm = Command::new("npm");
    npm.current_dir(root()).args([
        "ci",
        "--no-audit",
        "--no-fund",
        "--prefix",
        "crates/testkit/node",
    ]);
    run(npm).context("could not install the test kit's npm packages")
}

/// The crates that do no IO (ARCHITECTURE.md); each has a clippy.toml with the same
/// disallowed clocks and OS randomness.
const PURE_CRATES: [&str; 7] = [
    "watchword-token",
    "watchword-otp",
    "watchword-approval",
    "watchword-captcha",
    "watchword-bip322",
    "watchword-session",
    "watchword-webauthn",
];

/// What a whole `cargo xtask test` run writes under `target/` and `fuzz/target/`, measured on
/// a clean clone (see docs/performance.md).
const TEST_RUN_DISK_GIB: u64 = 8;

/// Warns, before building, when the disk that holds `target/` has less room than a run needs;
/// the build would otherwise stop halfway with "No space left on device".
fn check_disk_space() {
    let Ok(output) = Command::new("df").args(["-Pk"]).arg(root()).output() else {
        return;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let available_kib = text
        .lines()
        .nth(1)
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|field| field.parse::<u64>().ok());
    if let Some(kib) = available_kib {
        let gib = kib / (1024 * 1024);
        eprintln!("xtask: {gib} GiB free on the disk that holds target/");
        if gib < TEST_RUN_DISK_GIB {
            eprintln!(
                "xtask: warning: a whole test run writes about {TEST_RUN_DISK_GIB} GiB under \
                 target/ and fuzz/target/; free some space (cargo clean) if the build stops \
                 with \"No space left on device\""
            );
        }
    }
}

fn test(args: &[String]) -> Result<()> {
    let smoke = !args.iter().any(|a| a == "--no-smoke");
    check_disk_space();
    let mut apt_updated = false;
    require_program("redis-server", "redis-server", &mut apt_updated)?;
    require_program("redis-benchmark", "redis-tools", &mut apt_updated)?;
    require_program("chromium", "chromium", &mut apt_updated)?;
    // A browser test gives Chromium a client certificate in an NSS database of its own.
    require_program("certutil", "libnss3-tools", &mut apt_updated)?;
    require_program("pk12util", "libnss3-tools", &mut apt_updated)?;
    require_program("openssl", "openssl", &mut apt_updated)?;
    require_program("node", "nodejs", &mut apt_updated)?;
    require_program("npm", "npm", &mut apt_updated)?;
    node_modules()?;
    if !root().join("../shared/vectors").is_dir() {
        eprintln!("xtask: ../shared/vectors is absent; tests that need published vectors will say so and skip");
    }

    // The pure crates' libraries on their own, outside the workspace's feature unification:
    // their rand_core has no OsRng, and their clippy.toml refuses the system clock.
    let mut pure = cargo();
    pure.arg("clippy");
    for package in PURE_CRATES {
        pure.args(["-p", package]);
    }
    pure.args(["--lib", "--", "-D", "warnings"]);
    run(pure)?;

    let features = [
        "--workspace",
        "--all-targets",
        "--features",
        "watchword-store/test-redis,watchword-store/cluster",
    ];
    if on_path("cargo-nextest") {
        let mut build = cargo();
        build
            .args(["nextest", "run", "--no-fail-fast"])
            .args(features);
        run(build)?;
    } else {
        let mut build = cargo();
        build.args(["test", "--no-fail-fast"]).args(features);
        run(build)?;
    }
    let mut doc = cargo();
    doc.args([
        "test",
        "--doc",
        "--workspace",
        "--features",
        "watchword-store/test-redis,watchword-store/cluster",
    ]);
    run(doc)?;

    if smoke {
        fuzz(&["--runs".into(), "20000".into()])?;
        let mut benches = cargo();
        benches.args(["bench", "-p", "watchword-benches", "--", "--test"]);
        run(benches)?;
        contracts::contracts(&["--examples".into(), "10".into()])?;
    }
    Ok(())
}

fn fuzz_targets() -> Result<Vec<String>> {
    let dir = root().join("fuzz/fuzz_targets");
    let mut targets = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            if let Some(stem) = path.file_stem() {
                targets.push(stem.to_string_lossy().into_owned());
            }
        }
    }
    targets.sort();
    Ok(targets)
}

fn fuzz(args: &[String]) -> Result<()> {
    let mut runs: Option<u64> = None;
    let mut seconds: Option<u64> = None;
    let mut only = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--runs" => {
                runs = Some(
                    iter.next()
                        .context("--runs needs a number")?
                        .parse()
                        .context("--runs")?,
                );
            }
            "--seconds" => {
                seconds = Some(
                    iter.next()
                        .context("--seconds needs a number")?
                        .parse()
                        .context("--seconds")?,
                );
            }
            flag if flag.starts_with('-') => bail!("unknown flag {flag}\n{USAGE}"),
            target => only = Some(target.to_owned()),
        }
    }
    if runs.is_none() && seconds.is_none() {
        runs = Some(1_000_000);
    }
    if !on_path("cargo-fuzz") {
        let mut install = cargo();
        install.args(["install", "cargo-fuzz", "--locked"]);
        run(install).context("could not install cargo-fuzz")?;
    }
    let targets = fuzz_targets()?;
    let chosen: Vec<&String> = match &only {
        Some(name) => {
            let found: Vec<&String> = targets.iter().filter(|t| *t == name).collect();
            if found.is_empty() {
                bail!("no fuzz target {name}; targets: {}", targets.join(", "));
            }
            found
        }
        None => targets.iter().collect(),
    };
    for target in chosen {
        let corpus = root().join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus)?;
        let seeds = root().join("fuzz/seeds").join(target);
        let mut command = cargo();
        // cargo-fuzz needs nightly-only flags; RUSTC_BOOTSTRAP lets the stable toolchain take them.
        command
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", target, "--fuzz-dir", "fuzz"]);
        command.arg(&corpus);
        if seeds.is_dir() {
            command.arg(&seeds);
        }
        command.arg("--");
        if let Some(runs) = runs {
            command.arg(format!("-runs={runs}"));
        }
        if let Some(seconds) = seconds {
            command.arg(format!("-max_total_time={seconds}"));
        }
        command.arg("-max_len=8192");
        run(command)
            .with_context(|| format!("fuzz target {target} failed; see fuzz/artifacts/{target}"))?;
    }
    Ok(())
}

fn load(args: &[String]) -> Result<()> {
    let mut apt_updated = false;
    require_program("redis-server", "redis-server", &mut apt_updated)?;
    require_program("redis-benchmark", "redis-tools", &mut apt_updated)?;
    let mut command = cargo();
    command
        .args(["bench", "-p", "watchword-benches", "--bench", "load", "--"])
        .args(args);
    run(command)
}

/// `chaos [--trials N] [--only PART]`: the chaos harness (`benches/benches/chaos/`); its smoke runs with
/// the other benches' under `cargo xtask test`.
fn chaos(args: &[String]) -> Result<()> {
    let mut apt_updated = false;
    require_program("redis-server", "redis-server", &mut apt_updated)?;
    // The email-code storm mails through the test kit's SMTP sink, run by Node.js.
    require_program("node", "nodejs", &mut apt_updated)?;
    require_program("npm", "npm", &mut apt_updated)?;
    node_modules()?;
    let mut command = cargo();
    command
        .args(["bench", "-p", "watchword-benches", "--bench", "chaos", "--"])
        .args(args);
    run(command)
}

/// `bench [NAME] [CRITERION FLAGS…]`: everything after the bench name (or every argument, if
/// the first is a flag) goes to criterion, as in `cargo xtask bench token --quick`.
fn bench(args: &[String]) -> Result<()> {
    let mut command = cargo();
    command.args(["bench", "-p", "watchword-benches"]);
    let flags = match args.first() {
        Some(name) if !name.starts_with('-') => {
            command.args(["--bench", name]);
            &args[1..]
        }
        _ => args,
    };
    let flags = flags.strip_prefix(&["--".to_owned()]).unwrap_or(flags);
    if !flags.is_empty() {
        command.arg("--").args(flags);
    }
    run(command)
}
