//! The `watchword` binary as a user runs it.
// Scenario tests read top to bottom; splitting them would hide the story.
#![allow(clippy::too_many_lines)]

mod approval_browser;
mod auth_browser;
mod captcha_admin;
mod captcha_browser;
mod client;
mod dev;
mod keys;
mod passkey_browser;
mod twoway_browser;
mod verify_jwt;
mod verify_more;
mod verify_webauthn;

use std::process::{Command, Output};

/// Runs `watchword ARGS` with `stdin` and returns its output.
pub(crate) fn watchword(args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_watchword"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start watchword");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        input.write_all(bytes).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("watchword output")
}

/// The one JSON object a `verify` command prints.
pub(crate) fn stdout_json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {:?} / stderr {:?}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}
