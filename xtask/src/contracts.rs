//! `cargo xtask contracts`: every surface's OpenAPI document tested by schemathesis against the
//! running server.
//!
//! Starts a `redis-server` on a Unix socket under `target/contracts` and `watchword dev
//! --redis` on it (every surface with its demo clients, on the standard ports), then runs
//! schemathesis (from the Python package index, pinned, in a virtual environment under
//! `target/`) against each surface's `/openapi.json`: the documented examples, the coverage phase (every documented status, and
//! methods and values the document does not allow) and generated requests. A surface passes
//! when no answer is a 5xx and every answer matches its document: status, content type,
//! headers and body schema. Everything it started is stopped by pid at the end.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::{apt_install, cargo, require_program, root, run};

/// The schemathesis release the contracts are run with.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// The surfaces `watchword dev` serves, with their standard ports.
const SURFACES: [(&str, u16); 5] = [
    ("captcha", 8081),
    ("approval", 8082),
    ("auth-host", 8083),
    ("passkey", 8084),
    ("twoway", 8085),
];

/// What schemathesis checks: the server's side of the contract.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance";

/// A process this command started, stopped (by its pid) when dropped.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `contracts [--examples N]`: `N` generated requests per operation (default 50).
pub(crate) fn contracts(args: &[String]) -> Result<()> {
    let examples = match args {
        [] => 50,
        [flag, n] if flag == "--examples" => n.parse().context("--examples takes a number")?,
        _ => bail!("usage: cargo xtask contracts [--examples N]"),
    };
    let mut apt_updated = false;
    require_program("redis-server", "redis-server", &mut apt_updated)?;
    require_program("python3", "python3", &mut apt_updated)?;
    let schemathesis = install_schemathesis(&mut apt_updated)?;

    let mut build = cargo();
    build.args(["build", "-p", "watchword"]);
    run(build)?;

    let dir = root().join("target/contracts");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let socket = dir.join("redis.sock");
    let _redis = Started(
        Command::new("redis-server")
            .args(["--port", "0", "--save", "", "--appendonly", "no"])
            .arg("--unixsocket")
            .arg(&socket)
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .context("starting redis-server")?,
    );
    wait_for(|| socket.exists(), "redis-server's socket")?;

    let log = std::fs::File::create(dir.join("dev.log")).context("creating dev.log")?;
    let _dev = Started(
        Command::new(root().join("target/debug/watchword"))
            .arg("dev")
            .arg("--redis")
            .arg(format!("redis+unix://{}", socket.display()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting watchword dev")?,
    );
    for (name, port) in SURFACES {
        wait_for(|| ready(port), &format!("{name} on port {port}"))
            .with_context(|| format!("see {}", dir.join("dev.log").display()))?;
    }

    let mut failed = Vec::new();
    for (name, port) in SURFACES {
        let base = format!("http://127.0.0.1:{port}");
        let mut command = Command::new(&schemathesis);
        // Its cache goes beside the logs, not into the working tree.
        command
            .current_dir(&dir)
            .args(["run", &format!("{base}/openapi.json"), "--url", &base])
            .args(["--checks", CHECKS])
            .args(["--phases", "examples,coverage,fuzzing"])
            .args(["--max-examples", &examples.to_string()])
            .args(["--seed", "1"])
            .args(["--no-color"]);
        eprintln!("xtask: contract of {name}");
        if run(command).is_err() {
            failed.push(name);
        }
    }
    let passed = SURFACES.len() - failed.len();
    println!("contracts: {passed} passed, {} failed", failed.len());
    if !failed.is_empty() {
        bail!("the contract of {} does not hold", failed.join(", "));
    }
    Ok(())
}

/// The `schemathesis` program of a virtual environment under `target/`, installed (pinned)
/// when it is missing or another release.
fn install_schemathesis(apt_updated: &mut bool) -> Result<PathBuf> {
    let venv = root().join("target/schemathesis");
    let program = venv.join("bin/schemathesis");
    let marker = venv.join("installed");
    if std::fs::read_to_string(&marker).is_ok_and(|text| text == SCHEMATHESIS) && program.exists() {
        return Ok(program);
    }
    if !make_venv(&venv) {
        // Debian splits `venv` out of python3.
        apt_install(
            "python3-venv",
            "python3 cannot make a virtual environment for schemathesis.",
            apt_updated,
        )?;
        if !make_venv(&venv) {
            bail!("python3 cannot make a virtual environment; install python3-venv and run again");
        }
    }
    let mut pip = Command::new(venv.join("bin/pip"));
    pip.args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        SCHEMATHESIS,
    ]);
    run(pip).context("could not install schemathesis from PyPI")?;
    std::fs::write(&marker, SCHEMATHESIS).context("writing the install marker")?;
    Ok(program)
}

fn make_venv(venv: &Path) -> bool {
    let _ = std::fs::remove_dir_all(venv);
    Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Whether `/readyz` on `port` answers 200.
fn ready(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.ends_with(b" 200")
}

/// Polls `done` for up to 60 seconds.
fn wait_for(done: impl Fn() -> bool, what: &str) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if done() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("{what} did not come up within 60 seconds")
}
