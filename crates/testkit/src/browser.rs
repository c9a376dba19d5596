//! Headless Chromium for browser tests, driven over the `DevTools` protocol.
//!
//! The browser is Debian's `chromium` (or `WATCHWORD_CHROMIUM`), started with a fresh profile
//! and the flags that keep it off the network: it only ever talks to the servers the test
//! started on loopback. `cargo xtask test` installs it when missing.

use std::path::PathBuf;
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
pub use chromiumoxide::{Element, Page};
use futures::StreamExt as _;

/// A running headless Chromium; closed on [`Chromium::close`] (or killed on drop).
#[derive(Debug)]
pub struct Chromium {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
    /// The browser's own home, when it holds a client certificate (`.pki/nssdb`).
    _home: Option<tempfile::TempDir>,
}

/// A client certificate for the browser to present, unasked, to one origin.
#[derive(Debug, Clone, Copy)]
pub struct ClientCertificate<'a> {
    /// The certificate (and any intermediates), PEM.
    pub certificate_pem: &'a str,
    /// Its private key, PEM.
    pub key_pem: &'a str,
    /// The origin that asks for it, `https://host:port`.
    pub origin: &'a str,
}

/// Runs a program of the test's setup, panicking with what it printed if it fails.
fn setup_command(program: &str, args: &[&str], dir: &std::path::Path) {
    let output = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} could not start ({e}): run `cargo xtask test`, which installs it")
        });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn executable() -> PathBuf {
    if let Some(path) = std::env::var_os("WATCHWORD_CHROMIUM") {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("chromium"))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!("chromium is not installed: run `cargo xtask test`, or apt-get install chromium")
        })
}

impl Chromium {
    /// Starts the browser.
    pub async fn launch() -> Self {
        Self::launch_with(&[]).await
    }

    /// Starts the browser with `extra` command-line switches (for example
    /// `--ignore-certificate-errors-spki-list=…`, to trust one test server's key).
    pub async fn launch_with(extra: &[String]) -> Self {
        let profile = tempfile::TempDir::new().expect("profile dir");
        Self::launch_in(profile, None, extra).await
    }

    /// Starts the browser holding a client certificate that it presents, without asking, to
    /// `certificate.origin`. Chromium on Linux keeps certificates in the NSS database of
    /// `$HOME/.pki/nssdb`, so the browser gets a home of its own with one made by `certutil`
    /// and `pk12util` (the key wrapped by `openssl pkcs12`), and its profile's
    /// `auto_select_certificate` setting picks the certificate for the origin, as an operator's
    /// `AutoSelectCertificateForUrls` policy would. Nothing outside the test's own folders is
    /// touched.
    pub async fn launch_with_client_certificate(
        certificate: &ClientCertificate<'_>,
        extra: &[String],
    ) -> Self {
        let home = tempfile::TempDir::new().expect("home dir");
        let dir = home.path();
        std::fs::write(dir.join("certificate.pem"), certificate.certificate_pem).expect("pem");
        std::fs::write(dir.join("key.pem"), certificate.key_pem).expect("pem");
        let db = dir.join(".pki/nssdb");
        std::fs::create_dir_all(&db).expect("nssdb dir");
        let db = format!("sql:{}", db.display());
        setup_command(
            "openssl",
            &[
                "pkcs12",
                "-export",
                "-in",
                "certificate.pem",
                "-inkey",
                "key.pem",
                "-out",
                "identity.p12",
                "-passout",
                "pass:",
            ],
            dir,
        );
        setup_command("certutil", &["-N", "-d", &db, "--empty-password"], dir);
        setup_command(
            "pk12util",
            &["-i", "identity.p12", "-d", &db, "-W", ""],
            dir,
        );
        let profile = tempfile::TempDir::new().expect("profile dir");
        std::fs::create_dir_all(profile.path().join("Default")).expect("profile");
        let preferences = serde_json::json!({ "profile": { "content_settings": { "exceptions": {
            "auto_select_certificate": {
                format!("{},*", certificate.origin): { "setting": { "filters": [{}] } },
            },
        } } } });
        std::fs::write(
            profile.path().join("Default/Preferences"),
            preferences.to_string(),
        )
        .expect("preferences");
        Self::launch_in(profile, Some(home), extra).await
    }

    async fn launch_in(
        profile: tempfile::TempDir,
        home: Option<tempfile::TempDir>,
        extra: &[String],
    ) -> Self {
        let mut args: Vec<String> = [
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
        args.extend_from_slice(extra);
        let mut config = BrowserConfig::builder()
            .chrome_executable(executable())
            .no_sandbox()
            .user_data_dir(profile.path())
            .args(args);
        if let Some(home) = &home {
            config = config.env("HOME", home.path().display().to_string());
        }
        let config = config.build().expect("browser config");
        let (browser, mut events) = Browser::launch(config).await.expect("launch chromium");
        let handler = tokio::spawn(async move { while events.next().await.is_some() {} });
        Self {
            browser,
            handler,
            _profile: profile,
            _home: home,
        }
    }

    /// Opens `url` in a new tab.
    pub async fn open(&self, url: &str) -> Page {
        self.browser
            .new_page(url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"))
    }

    /// Closes the browser and waits for it to exit.
    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}

/// The element matching `selector`, waiting up to 10 s for it to appear.
pub async fn element(page: &Page, selector: &str) -> Element {
    for _ in 0..100 {
        if let Ok(element) = page.find_element(selector).await {
            return element;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let html = page.content().await.unwrap_or_default();
    panic!("no {selector} within 10 s in:\n{html}");
}

/// The text of the element matching `selector`, waiting for it as [`element`] does.
pub async fn text(page: &Page, selector: &str) -> String {
    element(page, selector)
        .await
        .inner_text()
        .await
        .expect("inner text")
        .unwrap_or_default()
}

/// Types `value` into the field `selector` and submits its form with the button `submit`,
/// waiting until the next page has loaded.
pub async fn fill_and_submit(page: &Page, selector: &str, value: &str, submit: &str) {
    type_into(page, selector, value).await;
    click_and_wait(page, submit).await;
}

/// Clicks `selector` and waits until a new document has loaded: the click itself, or script
/// it starts (a passkey ceremony, say), navigates.
pub async fn click_and_wait(page: &Page, selector: &str) {
    // Input goes to the active tab only: a background tab would never take the click.
    page.bring_to_front().await.expect("activate the tab");
    // Mark this document, so the wait below can tell the next one from it.
    page.evaluate("window.__watchwordOld = true")
        .await
        .expect("mark the page");
    element(page, selector).await;
    // A click through the input domain waits on the page that the click navigates away
    // from; a click scheduled from script returns at once and the navigation follows.
    let script = format!(
        "setTimeout(() => document.querySelector({}).click(), 0)",
        serde_json::to_string(selector).expect("selector")
    );
    page.evaluate(script).await.expect("click");
    for _ in 0..200 {
        let loaded = page
            .evaluate("window.__watchwordOld === undefined && document.readyState === 'complete'")
            .await
            .ok()
            .and_then(|result| result.into_value::<bool>().ok());
        if loaded == Some(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let html = page.content().await.unwrap_or_default();
    panic!("no new page within 20 s after clicking {selector}:\n{html}");
}

/// Evaluates the JavaScript expression `script` until it yields a truthy value, up to 20 s, and
/// returns that value.
pub async fn wait_for(page: &Page, script: &str) -> serde_json::Value {
    for _ in 0..200 {
        let value = page
            .evaluate(script)
            .await
            .ok()
            .and_then(|result| result.into_value::<serde_json::Value>().ok());
        match value {
            None | Some(serde_json::Value::Null | serde_json::Value::Bool(false)) => {}
            Some(serde_json::Value::String(text)) if text.is_empty() => {}
            Some(value) => return value,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let html = page.content().await.unwrap_or_default();
    panic!("{script} stayed falsy for 20 s in:\n{html}");
}

/// Types `value` into the field `selector` (focused by a click first).
pub async fn type_into(page: &Page, selector: &str, value: &str) {
    page.bring_to_front().await.expect("activate the tab");
    let field = element(page, selector).await;
    field.click().await.expect("focus");
    field.type_str(value).await.expect("type");
}

/// A DevTools WebAuthn virtual authenticator on one page: CTAP2, internal (a platform
/// authenticator), with resident keys and user verification, the user verified and present.
#[derive(Debug)]
pub struct VirtualAuthenticator {
    id: chromiumoxide::cdp::browser_protocol::web_authn::AuthenticatorId,
}

impl VirtualAuthenticator {
    /// Enables the WebAuthn domain on `page` and adds the authenticator.
    pub async fn add(page: &Page) -> Self {
        use chromiumoxide::cdp::browser_protocol::web_authn::{
            AddVirtualAuthenticatorParams, AuthenticatorProtocol, AuthenticatorTransport,
            Ctap2Version, EnableParams, VirtualAuthenticatorOptions,
        };
        page.execute(EnableParams::builder().enable_ui(false).build())
            .await
            .expect("WebAuthn.enable");
        let options = VirtualAuthenticatorOptions::builder()
            .protocol(AuthenticatorProtocol::Ctap2)
            .ctap2_version(Ctap2Version::Ctap21)
            .transport(AuthenticatorTransport::Internal)
            .has_resident_key(true)
            .has_user_verification(true)
            .is_user_verified(true)
            .automatic_presence_simulation(true)
            .build()
            .expect("authenticator options");
        let added = page
            .execute(
                AddVirtualAuthenticatorParams::builder()
                    .options(options)
                    .build()
                    .expect("params"),
            )
            .await
            .expect("WebAuthn.addVirtualAuthenticator");
        Self {
            id: added.result.authenticator_id,
        }
    }

    /// Makes the authenticator's next responses carry a bogus signature, or leave the UV or
    /// UP flag unset; all off restores it.
    pub async fn set_overrides(
        &self,
        page: &Page,
        bogus_signature: bool,
        uv_unset: bool,
        up_unset: bool,
    ) {
        use chromiumoxide::cdp::browser_protocol::web_authn::SetResponseOverrideBitsParams;
        let params = SetResponseOverrideBitsParams::builder()
            .authenticator_id(self.id.clone())
            .is_bogus_signature(bogus_signature)
            .is_bad_uv(uv_unset)
            .is_bad_up(up_unset)
            .build()
            .expect("params");
        page.execute(params)
            .await
            .expect("WebAuthn.setResponseOverrideBits");
    }

    /// How many credentials the authenticator holds.
    pub async fn credential_count(&self, page: &Page) -> usize {
        use chromiumoxide::cdp::browser_protocol::web_authn::GetCredentialsParams;
        let params = GetCredentialsParams::builder()
            .authenticator_id(self.id.clone())
            .build()
            .expect("params");
        page.execute(params)
            .await
            .expect("WebAuthn.getCredentials")
            .result
            .credentials
            .len()
    }
}
