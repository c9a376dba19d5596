//! Page type 3: the customer answers on the partner's page with a client certificate of their
//! organisation.
//!
//! A second listener speaks TLS and asks every client for a certificate, which it checks
//! against the operator's CA (rustls with webpki). The customer's address is read from the
//! verified certificate: its `rfc822Name` subject alternative names and its subject
//! `emailAddress`. The snippet's button calls `POST /cert/{transactionid}` on that listener
//! (the browser offers the certificate); when one of the certificate's addresses is the
//! transaction's `UserMail`, the transaction is approved and the answer carries the
//! single-use token the page posts.
//!
//! A client without a certificate, or with one the CA did not issue, still reaches the
//! listener (so it gets a clear answer rather than a failed handshake), and is refused with
//! `401 certificate_required`.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject as _;
use tokio::net::TcpListener;
use watchword_approval::{Method, PageType, TransactionId};
use watchword_http::header::HeaderValue;
use watchword_http::records::{self, Change};
use watchword_http::{ApiError, App, Request, Response, Router};

use crate::records::{tx_key, unknown_transaction, Record};
use crate::{Approval, ConfigError, SURFACE};

/// The header the listener sets, for its handlers only, to the verified certificate's
/// addresses (space-separated); any copy a client sends is removed first.
const CLIENT_MAIL: &str = "x-watchword-client-certificate-mail";
/// Time allowed for a TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The TLS settings of the certificate listener: the server's certificate chain and key, and
/// the CA whose client certificates are accepted.
///
/// # Errors
/// [`ConfigError::Flag`] naming the file that does not read or the setting rustls refuses.
pub fn tls_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_ca: Vec<CertificateDer<'static>>,
) -> Result<Arc<rustls::ServerConfig>, ConfigError> {
    let bad = |flag: &'static str| {
        move |error: &dyn std::fmt::Display| ConfigError::Flag {
            flag,
            reason: error.to_string(),
        }
    };
    let mut roots = rustls::RootCertStore::empty();
    for ca in client_ca {
        roots
            .add(ca)
            .map_err(|e| bad("--certificate-client-ca")(&e))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(|e| bad("--certificate-client-ca")(&e))?;
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("--certificate-tls-cert")(&e))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| bad("--certificate-tls-key")(&e))?;
    Ok(Arc::new(config))
}

/// [`tls_config`] from PEM files.
///
/// # Errors
/// [`ConfigError::Flag`] naming the file that does not read.
pub fn tls_config_from_files(
    chain: &Path,
    key: &Path,
    client_ca: &Path,
) -> Result<Arc<rustls::ServerConfig>, ConfigError> {
    let certificates = |flag: &'static str, path: &Path| {
        CertificateDer::pem_file_iter(path)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| ConfigError::Flag {
                flag,
                reason: format!("{}: {e}", path.display()),
            })
    };
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| ConfigError::Flag {
        flag: "--certificate-tls-key",
        reason: format!("{}: {e}", key.display()),
    })?;
    tls_config(
        certificates("--certificate-tls-cert", chain)?,
        key,
        certificates("--certificate-client-ca", client_ca)?,
    )
}

/// The addresses a certificate names: its `rfc822Name` alternative names and its subject's
/// `emailAddress`, in lowercase.
pub fn addresses(der: &[u8]) -> Vec<String> {
    let Ok((_, certificate)) = x509_parser::parse_x509_certificate(der) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Ok(Some(names)) = certificate.subject_alternative_name() {
        for name in &names.value.general_names {
            if let x509_parser::extensions::GeneralName::RFC822Name(address) = name {
                out.push(address.to_lowercase());
            }
        }
    }
    for attribute in certificate.subject().iter_email() {
        if let Ok(address) = attribute.as_str() {
            out.push(address.to_lowercase());
        }
    }
    out.retain(|a| watchword_approval::normalize_email(a).is_ok());
    out.dedup();
    out
}

/// Serves the certificate listener until the process ends: TLS asking for a client
/// certificate, then the routes of [`router`] on the surface's state.
///
/// # Errors
/// When accepting connections fails.
pub async fn serve(
    state: Arc<Approval>,
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let metrics = state.metrics.clone();
    let app = Arc::new(
        App::new(SURFACE, state, store, router())
            .with_metrics(metrics)
            .cors_credentials(true),
    );
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    tracing::info!(local = %listener.local_addr()?, "certificate listener");
    loop {
        let (stream, peer) = listener.accept().await?;
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            if let Err(error) = connection(acceptor, app, stream, peer).await {
                tracing::debug!(%error, %peer, "certificate connection");
            }
        });
    }
}

async fn connection(
    acceptor: tokio_rustls::TlsAcceptor,
    app: Arc<App<Approval>>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let tls = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await??;
    let mail = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|leaf| addresses(leaf.as_ref()).join(" "))
        .filter(|mail| !mail.is_empty());
    let service =
        hyper::service::service_fn(move |mut request: http::Request<hyper::body::Incoming>| {
            let app = app.clone();
            let mail = mail.clone();
            async move {
                let headers = request.headers_mut();
                headers.remove(CLIENT_MAIL);
                if let Some(value) = mail.as_deref().and_then(|m| HeaderValue::from_str(m).ok()) {
                    headers.insert(CLIENT_MAIL, value);
                }
                Ok::<_, std::convert::Infallible>(app.handle(request, peer.ip()).await)
            }
        });
    hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tls), service)
        .await?;
    Ok(())
}

/// The routes of the certificate listener.
pub fn router() -> Router<Approval> {
    Router::new()
        .post("/cert/{transactionid}", approve)
        .cors("/cert/{transactionid}", crate::page_cors())
}

/// `POST /cert/{transactionid}`: approves the transaction for the customer the client
/// certificate names; the answer carries the page's token.
///
/// # Errors
/// `401 certificate_required` (no certificate, or not one of the operator's CA),
/// `403 wrong_approver` (the certificate names another customer), `404 unknown_transaction`,
/// `409 not_a_certificate_page | already_decided`, `410 expired`.
pub async fn approve(state: Arc<Approval>, request: Request) -> Result<Response, ApiError> {
    request.json_body()?;
    let id =
        TransactionId::parse(request.param("transactionid")?).map_err(|_| unknown_transaction())?;
    let names: Vec<String> = request
        .header(CLIENT_MAIL)
        .map(|m| m.split(' ').map(str::to_owned).collect())
        .unwrap_or_default();
    if names.is_empty() {
        return Err(ApiError::unauthorized(
            "present a client certificate of your organisation, with your email address",
        )
        .with_code("certificate_required"));
    }
    let now = state.now();
    let storage = id.storage_key();
    let (expires_at, token) = records::transact(
        state.store.as_ref(),
        &tx_key(&storage)?,
        "transaction",
        |record: Option<Record>| {
            let record = record.ok_or_else(unknown_transaction)?;
            crate::page::check_answerable(
                &record,
                &[PageType::Certificate],
                "not_a_certificate_page",
                "this transaction's page is not a certificate page (GetHTML with pageType 3)",
                now,
            )?;
            let approver = names
                .iter()
                .find(|name| name.as_str() == record.tx.user_mail())
                .ok_or_else(|| {
                    ApiError::forbidden("the certificate names another customer")
                        .with_code("wrong_approver")
                })?;
            let expires_at = record.tx.expires_at();
            let (next, token) =
                crate::page::approve(&state, record, approver.clone(), Method::Certificate, now)?;
            let ttl = next.ttl(now);
            Ok((Change::Put(next, ttl), (expires_at, token)))
        },
    )
    .await?;
    crate::page::approved(&state, &storage, token, expires_at, now).await
}
