//! Real external parts for server tests, run by Node.js from `crates/testkit/node`: an SMTP
//! sink (nodemailer's `smtp-server` and `mailparser`), an OIDC provider (panva's
//! `oidc-provider`) and a JWT verifier (panva's `jose`).
//!
//! The npm packages are pinned in `crates/testkit/node/package-lock.json`; `cargo xtask test`
//! installs them (`npm ci`) and Debian's `nodejs` and `npm`. Every server listens on 127.0.0.1
//! only and is killed when its handle is dropped; the scripts also exit when their stdin closes,
//! so none outlives the test process. `WATCHWORD_NODE` overrides the `node` executable.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::http::{self, CookieJar, Reply};

/// How long a script may take to start (or, for `jose-verify.mjs`, to finish).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// At most this many requests in one [`OidcProvider::login`].
const MAX_LOGIN_STEPS: usize = 10;

/// `crates/testkit/node`: the scripts, `package.json` and the lock file.
pub fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("node")
}

/// Makes sure the npm packages are installed.
///
/// # Panics
/// When `crates/testkit/node/node_modules` is missing.
pub fn ensure_node_modules() {
    let modules = node_dir().join("node_modules");
    assert!(
        modules.is_dir(),
        "{} is missing: run `cargo xtask test`, which installs them, or \
         `npm ci --prefix crates/testkit/node`",
        modules.display()
    );
}

/// `node <script>` with every stream piped, killed on drop.
fn node(script: &str) -> Command {
    ensure_node_modules();
    let program = std::env::var_os("WATCHWORD_NODE").unwrap_or_else(|| "node".into());
    let mut command = Command::new(program);
    command
        .arg(node_dir().join(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

fn spawn(mut command: Command, script: &str) -> Child {
    command.spawn().unwrap_or_else(|e| {
        panic!(
            "could not start node for {script} ({e}): install Node.js (Debian: apt-get install \
             nodejs npm) or run `cargo xtask test`"
        )
    })
}

/// Appends every line of `reader` to `log` until it ends.
async fn drain(reader: impl AsyncRead + Unpin, log: Arc<Mutex<String>>) {
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    while reader
        .read_until(b'\n', &mut line)
        .await
        .is_ok_and(|n| n > 0)
    {
        lock(&log).push_str(&String::from_utf8_lossy(&line));
        line.clear();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running script that announced its port with `LISTENING <port>`.
#[derive(Debug)]
struct Server {
    /// Killed on drop.
    _child: Child,
    /// Held open: the script exits when it closes.
    _stdin: ChildStdin,
    /// Everything the script wrote besides the `LISTENING` line.
    log: Arc<Mutex<String>>,
    port: u16,
}

impl Server {
    async fn start(script: &str, args: &[&OsStr]) -> Server {
        let mut command = node(script);
        command.args(args);
        let mut child = spawn(command, script);
        let stdin = child.stdin.take().expect("piped stdin");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = tokio::spawn(drain(
            child.stderr.take().expect("piped stderr"),
            Arc::clone(&log),
        ));
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let announced = tokio::time::timeout(START_TIMEOUT, async {
            let mut line = String::new();
            loop {
                line.clear();
                if stdout.read_line(&mut line).await.ok()? == 0 {
                    return None;
                }
                if let Some(port) = line.trim().strip_prefix("LISTENING ") {
                    return port.parse::<u16>().ok();
                }
                lock(&log).push_str(&line);
            }
        })
        .await;
        match announced {
            Ok(Some(port)) => {
                tokio::spawn(drain(stdout, Arc::clone(&log)));
                Server {
                    _child: child,
                    _stdin: stdin,
                    log,
                    port,
                }
            }
            failure => {
                let _ = child.kill().await;
                let _ = tokio::time::timeout(Duration::from_secs(5), stderr).await;
                let why = match failure {
                    Err(_) => format!("printed no LISTENING line within {START_TIMEOUT:?}"),
                    Ok(_) => "exited without a LISTENING line".to_owned(),
                };
                panic!("node {script} {why}; its output:\n{}", lock(&log));
            }
        }
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    fn log(&self) -> String {
        lock(&self.log).clone()
    }
}

/// One message the [`SmtpSink`] received, parsed by mailparser.
#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    /// The envelope sender (`MAIL FROM`), empty for the null sender.
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The decoded `Subject`, empty when there is none.
    pub subject: String,
    /// The plain-text body (mailparser derives one from the HTML when there is no text part).
    pub text: Option<String>,
    /// The HTML body, if the message has one.
    pub html: Option<String>,
    /// Each header by lowercase name, its first occurrence: decoded when mailparser decodes it
    /// to text (subjects, addresses), the unfolded raw value otherwise (dates, content types).
    pub headers: BTreeMap<String, String>,
    /// The message as received after `DATA`, dot-stuffing removed.
    pub raw: String,
}

impl Mail {
    /// The header `name`, any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// A real SMTP server on 127.0.0.1 that keeps every message it receives: no TLS (STARTTLS is not
/// offered), AUTH optional with any credentials accepted.
#[derive(Debug)]
pub struct SmtpSink {
    server: Server,
    dir: tempfile::TempDir,
    /// The messages [`SmtpSink::wait_for_message`] already returned, by number and recipient.
    taken: Mutex<BTreeSet<(u64, String)>>,
}

impl SmtpSink {
    /// Starts the sink on an ephemeral port.
    pub async fn start() -> SmtpSink {
        let dir = tempfile::TempDir::new().expect("a message folder");
        let server =
            Server::start("smtp-sink.mjs", &[dir.path().as_os_str(), OsStr::new("0")]).await;
        SmtpSink {
            server,
            dir,
            taken: Mutex::new(BTreeSet::new()),
        }
    }

    /// Where the sink listens.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Every message received so far, in order of arrival.
    pub fn messages(&self) -> Vec<Mail> {
        self.numbered().into_iter().map(|(_, mail)| mail).collect()
    }

    /// The oldest message to `to` (an envelope recipient, any case) that no earlier call for
    /// `to` returned, waiting for it up to `timeout`: call it twice for the second mail to the
    /// same address.
    ///
    /// # Panics
    /// When no such message arrives in time.
    pub async fn wait_for_message(&self, to: &str, timeout: Duration) -> Mail {
        let deadline = Instant::now() + timeout;
        let recipient = to.to_ascii_lowercase();
        loop {
            let messages = self.numbered();
            {
                let mut taken = lock(&self.taken);
                let found = messages.iter().find(|(n, mail)| {
                    mail.to.iter().any(|rcpt| rcpt.eq_ignore_ascii_case(to))
                        && !taken.contains(&(*n, recipient.clone()))
                });
                if let Some((n, mail)) = found {
                    taken.insert((*n, recipient));
                    return mail.clone();
                }
            }
            if Instant::now() >= deadline {
                let seen: Vec<&[String]> = messages.iter().map(|(_, mail)| &mail.to[..]).collect();
                panic!(
                    "no new message to {to} within {timeout:?}; recipients of the {} received: \
                     {seen:?}; sink output:\n{}",
                    messages.len(),
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the sink's process wrote to stdout and stderr so far, for failing tests.
    pub fn log(&self) -> String {
        self.server.log()
    }

    /// The stored messages by number, ascending.
    fn numbered(&self) -> Vec<(u64, Mail)> {
        let dir = self.dir.path();
        let mut messages: Vec<(u64, Mail)> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .filter_map(|entry| {
                let path = entry.expect("directory entry").path();
                let n = path
                    .file_name()?
                    .to_str()?
                    .strip_suffix(".json")?
                    .parse()
                    .ok()?;
                let json = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                let mail = serde_json::from_slice(&json)
                    .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
                Some((n, mail))
            })
            .collect();
        messages.sort_by_key(|(n, _)| *n);
        messages
    }
}

/// A real OIDC provider on 127.0.0.1 over plain HTTP, issuer
/// `http://127.0.0.1:<port>`, with one confidential client.
///
/// The client authenticates with `client_secret_basic` (or `client_secret_post`), uses the
/// authorization code flow with PKCE S256 (required) and may ask for the scopes `openid`,
/// `email` and `profile`; ID tokens are signed RS256 and carry `email`, `email_verified` and
/// `name`. Every login is an account: `sub` is the login, `email` `<login>@example.test`
/// (verified), `name` `User <login>`. The interaction is one form: `GET /interaction/:uid` shows
/// `<input id="login">` and `<button id="submit">`, and submitting it signs in and grants the
/// scopes, with no consent page (so a browser test can drive it too).
#[derive(Debug)]
pub struct OidcProvider {
    server: Server,
    redirect_uris: Vec<String>,
}

impl OidcProvider {
    /// Starts the provider with the client `client_id` / `client_secret`, which may redirect to
    /// `redirect_uris`.
    pub async fn start(
        client_id: &str,
        client_secret: &str,
        redirect_uris: &[String],
    ) -> OidcProvider {
        let config = serde_json::json!({
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uris": redirect_uris,
        })
        .to_string();
        let server = Server::start("oidc-provider.mjs", &[OsStr::new(&config)]).await;
        OidcProvider {
            server,
            redirect_uris: redirect_uris.to_vec(),
        }
    }

    /// Where the provider listens.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The issuer identifier, `http://127.0.0.1:<port>` (no trailing slash); discovery is at
    /// `<issuer>/.well-known/openid-configuration`.
    pub fn issuer(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// What the provider's process wrote to stdout and stderr so far, for failing tests.
    pub fn log(&self) -> String {
        self.server.log()
    }

    /// Signs in as `login` the way a browser would: requests `authorize_url` (an authorization
    /// request at this provider), follows the redirects to the login form, submits it and
    /// follows the redirects again, keeping the provider's cookies throughout. Returns the first
    /// redirect to a registered redirect URI, unvisited: the callback URL with `code`, `state`
    /// and `iss`, or with `error` when the provider refused the request (response mode
    /// `query`, the default of the code flow).
    ///
    /// # Panics
    /// When the provider answers anything else (an error page, a second login form) or leaves
    /// for another origin.
    pub async fn login(&self, authorize_url: &str, login: &str) -> String {
        let mut jar = CookieJar::new();
        let mut url = authorize_url.to_owned();
        let mut reply = self.send(&mut jar, &url, None).await;
        let mut submitted = false;
        for _ in 0..MAX_LOGIN_STEPS {
            if matches!(reply.status, 302 | 303 | 307) {
                let location = reply
                    .header("location")
                    .unwrap_or_else(|| panic!("a {} without Location at {url}", reply.status));
                url = self.absolute(location);
                if self.is_callback(&url) {
                    return url;
                }
                reply = self.send(&mut jar, &url, None).await;
                continue;
            }
            let page = String::from_utf8_lossy(&reply.body).into_owned();
            if reply.status == 200 && page.contains("id=\"login\"") && !submitted {
                submitted = true;
                url = self.absolute(&form_action(&page, &url));
                let form = http::form_urlencoded(&[("login", login)]);
                reply = self.send(&mut jar, &url, Some(&form)).await;
                continue;
            }
            panic!(
                "logging in as {login:?}: {} at {url}:\n{page}\nprovider output:\n{}",
                reply.status,
                self.log()
            );
        }
        panic!("logging in as {login:?}: more than {MAX_LOGIN_STEPS} requests, the last to {url}");
    }

    /// `GET url`, or `POST` of the form `form`, with the jar's cookies; keeps the new ones.
    async fn send(&self, jar: &mut CookieJar, url: &str, form: Option<&str>) -> Reply {
        let (addr, host, target) = http::split_url(url);
        assert_eq!(addr, self.addr(), "the login left the provider for {url}");
        let cookie = jar.header(target);
        let mut headers = Vec::new();
        if let Some(cookie) = &cookie {
            headers.push(("cookie", cookie.as_str()));
        }
        let raw = match form {
            Some(form) => {
                headers.push(("content-type", "application/x-www-form-urlencoded"));
                http::request_to(host, "POST", target, &headers, Some(form.as_bytes()))
            }
            None => http::request_to(host, "GET", target, &headers, None),
        };
        let reply = http::send_raw(addr, &raw).await;
        jar.store(target, &reply);
        reply
    }

    /// `location` as an absolute URL: the provider redirects with absolute URLs and paths.
    fn absolute(&self, location: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_owned()
        } else if location.starts_with('/') {
            format!("{}{location}", self.issuer())
        } else {
            panic!("a relative redirect the login does not follow: {location}")
        }
    }

    /// Whether `url` is one of the registered redirect URIs, with any query or fragment.
    fn is_callback(&self, url: &str) -> bool {
        self.redirect_uris.iter().any(|uri| {
            url.strip_prefix(uri.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['?', '#']))
        })
    }
}

/// The `action` of the first form of `page` (HTML from the provider), `url` when it has none.
fn form_action(page: &str, url: &str) -> String {
    page.find("<form")
        .and_then(|form| {
            let tag = &page[form..form + page[form..].find('>')?];
            let start = tag.find("action=\"")? + "action=\"".len();
            let end = start + tag[start..].find('"')?;
            Some(tag[start..end].replace("&amp;", "&"))
        })
        .unwrap_or_else(|| url.to_owned())
}

/// Verifies the EdDSA JWT `token` with panva's `jose` against the JWK Set at `jwks`, an
/// `http(s)://` URL or a file path, and with `issuer`, that `iss` equals it.
///
/// Returns the payload, or the error jose reported as `"<code> <message>"` (for instance
/// `ERR_JWS_SIGNATURE_VERIFICATION_FAILED signature verification failed`).
///
/// # Panics
/// When node cannot start or takes longer than 30 s.
pub async fn jose_verify(
    jwks: &str,
    token: &str,
    issuer: Option<&str>,
) -> Result<serde_json::Value, String> {
    let script = "jose-verify.mjs";
    let mut command = node(script);
    command
        .arg(jwks)
        .arg(token)
        .args(issuer)
        .stdin(Stdio::null());
    let output = tokio::time::timeout(START_TIMEOUT, spawn(command, script).wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("node {script} did not finish within {START_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("running node {script}: {e}"));
    if output.status.success() {
        return Ok(serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "{script} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        }));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(stderr
        .lines()
        .find_map(|line| line.strip_prefix("ERROR "))
        .unwrap_or(stderr.trim())
        .to_owned())
}
