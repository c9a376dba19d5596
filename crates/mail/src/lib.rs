//! Outgoing mail of the Watchword surfaces (sign-in codes, contact-form messages, device
//! enrolment links), over SMTP (lettre with rustls) or, without an SMTP server, into the log
//! and an in-memory outbox the dev demo shows.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How many messages the log mailer keeps for the dev demo.
pub const OUTBOX_LEN: usize = 20;
/// How long one SMTP delivery may take.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// Why mail could not be set up or sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// The `--smtp` URL.
    #[error("--smtp {url:?}: {reason}")]
    Url {
        /// The URL, with any password removed.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An address (`--mail-from`, a recipient).
    #[error("mail address {address:?}: {reason}")]
    Address {
        /// The address.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The message could not be built.
    #[error("mail message: {0}")]
    Build(String),
    /// The SMTP server refused or could not be reached.
    #[error("smtp delivery: {0}")]
    Send(String),
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mail {
    /// Recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Where mail goes.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Log(Arc<Mutex<VecDeque<Mail>>>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            Kind::Smtp(_) => "smtp",
            Kind::Log(_) => "log",
        };
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("kind", &kind)
            .finish()
    }
}

fn mailbox(address: &str) -> Result<Mailbox, MailError> {
    address
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Address {
            address: address.to_owned(),
            reason: e.to_string(),
        })
}

/// The parts of an `--smtp` URL.
#[derive(Debug, PartialEq, Eq)]
struct SmtpUrl {
    implicit_tls: bool,
    plain: bool,
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
}

fn parse_smtp_url(url: &str) -> Result<SmtpUrl, String> {
    let (implicit_tls, rest) = if let Some(rest) = url.strip_prefix("smtps://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("smtp://") {
        (false, rest)
    } else {
        return Err("use smtp://host[:port] (STARTTLS) or smtps://host[:port]".into());
    };
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = authority.trim_end_matches('/');
    let plain = match query {
        "" => false,
        "tls=none" if !implicit_tls => true,
        other => {
            return Err(format!(
                "unknown option {other:?}: only tls=none, on smtp://"
            ))
        }
    };
    let (credentials, hostport) = match authority.rsplit_once('@') {
        Some((userinfo, hostport)) => {
            let (user, pass) = userinfo
                .split_once(':')
                .ok_or("credentials must be user:password")?;
            let decode = |s: &str| {
                percent_decode(s).ok_or_else(|| "bad percent-encoding in credentials".to_owned())
            };
            (Some((decode(user)?, decode(pass)?)), hostport)
        }
        None => (None, authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || hostport.starts_with('[') => {
            let port = port
                .parse::<u16>()
                .map_err(|_| format!("bad port {port:?}"))?;
            (host, port)
        }
        _ => (hostport, if implicit_tls { 465 } else { 587 }),
    };
    let host = host.trim_matches(['[', ']']);
    if host.is_empty() {
        return Err("no host".into());
    }
    Ok(SmtpUrl {
        implicit_tls,
        plain,
        host: host.to_owned(),
        port,
        credentials,
    })
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The URL with its password replaced, for error messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            let userinfo = &url[start + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..start + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl Mailer {
    /// Mail over SMTP: `smtp://[user:pass@]host[:port]` with STARTTLS required (port 587 by
    /// default), `smtps://…` with TLS from the first byte (465), or `smtp://host:port?tls=none`
    /// for a relay on a trusted network or loopback.
    ///
    /// # Errors
    /// [`MailError::Url`] for a URL of another shape, [`MailError::Address`] for `from`.
    pub fn smtp(url: &str, from: &str) -> Result<Self, MailError> {
        let bad = |reason: String| MailError::Url {
            url: redact(url),
            reason,
        };
        let parsed = parse_smtp_url(url).map_err(bad)?;
        let builder = if parsed.plain {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&parsed.host)
        } else if parsed.implicit_tls {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&parsed.host)
                .map_err(|e| bad(e.to_string()))?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&parsed.host)
                .map_err(|e| bad(e.to_string()))?
        };
        let mut builder = builder.port(parsed.port).timeout(Some(SMTP_TIMEOUT));
        if let Some((user, pass)) = parsed.credentials {
            builder = builder.credentials(Credentials::new(user, pass));
        }
        Ok(Self {
            from: mailbox(from)?,
            kind: Kind::Smtp(builder.build()),
        })
    }

    /// Mail written to the log (and kept in a small outbox for the dev demo), for a host
    /// without an SMTP server.
    ///
    /// # Errors
    /// [`MailError::Address`] for `from`.
    pub fn log(from: &str) -> Result<Self, MailError> {
        Ok(Self {
            from: mailbox(from)?,
            kind: Kind::Log(Arc::new(Mutex::new(VecDeque::new()))),
        })
    }

    /// The newest messages the log mailer kept, newest last; empty over SMTP.
    pub fn outbox(&self) -> Vec<Mail> {
        match &self.kind {
            Kind::Log(outbox) => outbox
                .lock()
                .map(|o| o.iter().cloned().collect())
                .unwrap_or_default(),
            Kind::Smtp(_) => Vec::new(),
        }
    }

    /// Sends `mail`, with a plain-text and an HTML part.
    ///
    /// # Errors
    /// [`MailError::Address`] for a recipient lettre refuses, [`MailError::Send`] when the
    /// SMTP server refuses or cannot be reached.
    pub async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let to = mailbox(&mail.to)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(mail.html.clone()),
                    ),
            )
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.kind {
            Kind::Smtp(transport) => {
                transport
                    .send(message)
                    .await
                    .map_err(|e| MailError::Send(e.to_string()))?;
            }
            Kind::Log(outbox) => {
                tracing::info!(to = %mail.to, subject = %mail.subject, text = %mail.text, "mail (no --smtp server)");
                if let Ok(mut outbox) = outbox.lock() {
                    if outbox.len() >= OUTBOX_LEN {
                        outbox.pop_front();
                    }
                    outbox.push_back(mail);
                }
            }
        }
        Ok(())
    }
}

/// Escapes text for an HTML mail part.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_parse_with_safe_defaults() {
        let url = parse_smtp_url("smtp://mail.example.com").unwrap();
        assert_eq!((url.implicit_tls, url.plain, url.port), (false, false, 587));
        let url = parse_smtp_url("smtps://u%40x:p%3Aw@mail.example.com").unwrap();
        assert_eq!((url.implicit_tls, url.port), (true, 465));
        assert_eq!(url.credentials, Some(("u@x".into(), "p:w".into())));
        let url = parse_smtp_url("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!(
            (url.plain, url.host.as_str(), url.port),
            (true, "127.0.0.1", 2525)
        );
        let url = parse_smtp_url("smtp://[::1]:2525?tls=none").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 2525));
    }

    #[test]
    fn smtp_urls_of_other_shapes_are_refused() {
        for url in [
            "http://mail.example.com",
            "smtps://mail.example.com?tls=none",
            "smtp://mail.example.com?tls=maybe",
            "smtp://user@mail.example.com",
            "smtp://mail.example.com:port",
            "smtp://",
        ] {
            assert!(parse_smtp_url(url).is_err(), "{url}");
        }
    }

    #[test]
    fn passwords_never_reach_error_messages() {
        let error =
            Mailer::smtp("smtp://me:secret@mail.example.com?tls=what", "a@b.c").unwrap_err();
        assert!(!error.to_string().contains("secret"), "{error}");
    }

    #[tokio::test]
    async fn the_log_mailer_keeps_the_newest_messages() {
        let mailer = Mailer::log("Watchword <no-reply@localhost>").unwrap();
        for i in 0..OUTBOX_LEN + 2 {
            mailer
                .send(Mail {
                    to: "a@example.com".into(),
                    subject: format!("m{i}"),
                    text: "t".into(),
                    html: "<p>t</p>".into(),
                })
                .await
                .unwrap();
        }
        let outbox = mailer.outbox();
        assert_eq!(outbox.len(), OUTBOX_LEN);
        assert_eq!(
            outbox.last().unwrap().subject,
            format!("m{}", OUTBOX_LEN + 1)
        );
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
