//! `watchword dev` starts, serves the demo site and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to dev");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .expect("write");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read");
    reply
}

#[test]
fn dev_serves_the_demo_site_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_watchword"))
        .args(["dev", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start watchword dev");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.trim()
                .strip_prefix("demo site")
                .map(|rest| rest.trim().trim_end_matches('/').to_owned())
        })
        .expect("the banner names the demo site URL");
    let addr = url.strip_prefix("http://").expect("http URL").to_owned();

    let page = http_get(&addr, "/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<h1>Watchword demo</h1>"), "{page}");
    let ready = http_get(&addr, "/readyz");
    assert!(
        ready.starts_with("HTTP/1.1 200"),
        "the memory store is always ready: {ready}"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let status = child.wait().expect("wait");
    assert!(status.success(), "graceful exit on SIGTERM, got {status}");
}
