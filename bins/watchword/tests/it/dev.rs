//! `watchword dev` starts, serves the demo site and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// A running `watchword dev --port 0` and what its banner said.
pub(crate) struct DevServer {
    child: Child,
    /// `http://127.0.0.1:PORT` of the demo site.
    pub(crate) demo: String,
    /// The banner lines.
    pub(crate) banner: Vec<String>,
}

impl DevServer {
    pub(crate) fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_watchword"))
            .args(["dev", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start watchword dev");
        let stdout = child.stdout.take().expect("stdout");
        let banner: Vec<String> = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take_while(|l| !l.starts_with("Press Ctrl-C"))
            .collect();
        let demo = banner
            .iter()
            .find_map(|line| {
                line.trim()
                    .strip_prefix("demo site")
                    .map(|rest| rest.trim().trim_end_matches('/').to_owned())
            })
            .expect("the banner names the demo site URL");
        Self {
            child,
            demo,
            banner,
        }
    }

    pub(crate) fn addr(&self) -> &str {
        self.demo.strip_prefix("http://").expect("http URL")
    }

    /// SIGTERM, then the exit status must be success.
    pub(crate) fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "graceful exit on SIGTERM, got {status}");
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn http_get(addr: &str, path: &str) -> String {
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
    let dev = DevServer::start();
    let page = http_get(dev.addr(), "/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<h1>Watchword demo</h1>"), "{page}");
    assert!(
        page.contains("href=\"/twoway/device\""),
        "links each surface's demo: {page}"
    );
    assert!(
        page.to_lowercase()
            .contains("content-security-policy: default-src 'none'"),
        "{page}"
    );
    let ready = http_get(dev.addr(), "/readyz");
    assert!(
        ready.starts_with("HTTP/1.1 200"),
        "the memory store is always ready: {ready}"
    );

    assert!(
        page.contains("href=\"/captcha\""),
        "links the captcha demo: {page}"
    );
    let banner = dev.banner.join("\n");
    assert!(banner.contains("twoway"), "{banner}");
    assert!(
        banner.contains("site (data-sitekey): demo-site"),
        "prints the captcha demo site: {banner}"
    );
    assert!(
        banner
            .lines()
            .any(|l| l.trim().starts_with("passkey") && l.contains("(demo http://localhost:")),
        "the passkey demo runs on localhost, where WebAuthn works: {banner}"
    );
    assert!(
        page.contains("href=\"http://localhost:"),
        "the index links the passkey demo on localhost: {page}"
    );
    assert!(
        banner.contains("app (device): demo-app / "),
        "prints demo credentials: {banner}"
    );
    let twoway = dev
        .banner
        .iter()
        .find_map(|l| l.trim().strip_prefix("twoway"))
        .expect("twoway line");
    let twoway_addr = twoway
        .split_whitespace()
        .next()
        .and_then(|u| u.strip_prefix("http://"))
        .expect("twoway URL")
        .to_owned();
    let openapi = http_get(&twoway_addr, "/openapi.json");
    assert!(
        openapi.starts_with("HTTP/1.1 200") && openapi.contains("\"openapi\": \"3.1.0\""),
        "{openapi}"
    );
    dev.stop();
}
