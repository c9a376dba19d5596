//! The `watchword-captcha` binary as an operator runs it: it serves on the given address,
//! stops cleanly on SIGTERM, says what is wrong with a bad flag, warns when it runs on the
//! memory store, and never prints a store password.

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[test]
fn the_server_serves_and_stops_on_sigterm() {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_watchword-captcha"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env_remove("WATCHWORD_STORE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut reply = String::new();
    for _ in 0..100 {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                .expect("write");
            stream.read_to_string(&mut reply).expect("read");
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(
        child.wait().expect("wait").success(),
        "a clean exit on SIGTERM"
    );
    assert!(
        stderr.contains("serving on the memory store") && stderr.contains("replicas"),
        "an operator is told loudly that memory state is per process: {stderr}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "a log that is not a terminal has no colour codes: {stderr:?}"
    );
}

#[test]
fn a_bad_store_url_is_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_watchword-captcha"))
        .args(["--store", "bogus://x", "--listen", "127.0.0.1:0"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("watchword-captcha: opening the store: ")
            && stderr.contains("bogus://x"),
        "{stderr}"
    );
}

#[test]
fn a_store_password_is_never_printed() {
    let out = Command::new(env!("CARGO_BIN_EXE_watchword-captcha"))
        .args([
            "--store",
            "redis://:hunter2@[::1",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("watchword-captcha: opening the store: "),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn help_lists_the_shared_flags_with_their_variables() {
    let out = Command::new(env!("CARGO_BIN_EXE_watchword-captcha"))
        .arg("--help")
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "WATCHWORD_CAPTCHA_LISTEN",
        "WATCHWORD_STORE",
        "--admin-listen",
        "--max-connections",
        "--client-prefix-v6",
        "WATCHWORD_CAPTCHA_LIFETIME",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
}

/// Starts the binary with `args`, waits for it to listen and returns its port and process.
fn start_with(args: &[&str]) -> (u16, std::process::Child) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_watchword-captcha"))
        .args(["--listen", &listen])
        .args(args)
        .env_remove("WATCHWORD_STORE")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (port, child);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not listen on {listen}");
}

fn get(port: u16, target: &str, origin: &str) -> String {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nhost: x\r\norigin: {origin}\r\nconnection: close\r\n\r\n"
    )
    .expect("write");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read");
    reply
}

#[test]
fn proof_of_work_bits_are_an_operator_setting() {
    let dir = tempfile::tempdir().expect("dir");
    let sites = dir.path().join("sites.json");
    let secret = "s".repeat(64);
    let site = |id: &str, difficulty: &str| {
        format!(
            r#"{{"id": "{id}", "secret": "{secret}{id}", "origins": ["https://shop.test"], "kinds": ["proof_of_work"]{difficulty}}}"#
        )
    };
    std::fs::write(
        &sites,
        format!(
            r#"{{"sites": [{}, {}]}}"#,
            site("quiet", ""),
            site("own", r#", "difficulty": 7"#)
        ),
    )
    .expect("sites file");
    let sites = sites.to_str().expect("utf-8 path");
    let (port, mut child) =
        start_with(&["--sites", sites, "--pow-bits", "3", "--pow-max-bits", "5"]);
    let quiet = get(port, "/v1/sites/quiet/challenge", "https://shop.test");
    let own = get(port, "/v1/sites/own/challenge", "https://shop.test");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        quiet.contains(r#""difficulty":3"#),
        "the operator's base: {quiet}"
    );
    assert!(
        own.contains(r#""difficulty":7"#),
        "a site's own base wins: {own}"
    );

    // A base above the cap, or a cap above 32, is named at start.
    for (bits, max) in [("10", "8"), ("16", "33")] {
        let out = Command::new(env!("CARGO_BIN_EXE_watchword-captcha"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--pow-bits",
                bits,
                "--pow-max-bits",
                max,
            ])
            .env_remove("WATCHWORD_STORE")
            .output()
            .expect("run");
        assert_eq!(
            out.status.code(),
            Some(1),
            "--pow-bits {bits} --pow-max-bits {max}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("watchword-captcha: configuring the captcha surface: ")
                && last.contains("difficulty"),
            "{stderr}"
        );
    }
}
