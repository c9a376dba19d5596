//! Page type 3 over real TLS: a test CA issues the listener's certificate and the customers'
//! client certificates, and a rustls client presents them as a browser would.

use std::net::SocketAddr;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use watchword_testkit::http::{parse, request, Reply};

use crate::harness::{Harness, Options, ADA, ORIGIN};

/// A certificate authority of the test, and what it issued.
pub(crate) struct Pki {
    ca: rcgen::Certificate,
    ca_key: KeyPair,
}

/// A certificate and its key.
type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

impl Pki {
    pub(crate) fn new(name: &str) -> Pki {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let ca = params.self_signed(&ca_key).expect("CA");
        Pki { ca, ca_key }
    }

    fn issue(&self, params: CertificateParams) -> Identity {
        let key = KeyPair::generate().expect("key");
        let certificate = params
            .signed_by(&key, &self.ca, &self.ca_key)
            .expect("issue");
        (
            vec![certificate.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }

    fn server(&self) -> Identity {
        self.issue(CertificateParams::new(vec!["localhost".to_owned()]).expect("params"))
    }

    /// A server identity for `localhost`, with its key's `SubjectPublicKeyInfo`.
    pub(crate) fn server_with_spki(
        &self,
    ) -> (
        Vec<CertificateDer<'static>>,
        PrivateKeyDer<'static>,
        Vec<u8>,
    ) {
        let (chain, key) = self.server();
        let spki = x509_parser::parse_x509_certificate(chain[0].as_ref())
            .expect("a certificate")
            .1
            .public_key()
            .raw
            .to_vec();
        (chain, key, spki)
    }

    /// A client certificate naming `mail` as an `rfc822Name`, or in the subject.
    fn client(&self, mail: &str, in_subject: bool) -> Identity {
        self.issue(Self::client_params(mail, in_subject))
    }

    /// A client certificate naming `mail` as an `rfc822Name`, and its key, in PEM: what a
    /// browser imports.
    pub(crate) fn client_pem(&self, mail: &str) -> (String, String) {
        let key = KeyPair::generate().expect("key");
        let certificate = Self::client_params(mail, false)
            .signed_by(&key, &self.ca, &self.ca_key)
            .expect("issue");
        (certificate.pem(), key.serialize_pem())
    }

    fn client_params(mail: &str, in_subject: bool) -> CertificateParams {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params
            .distinguished_name
            .push(DnType::CommonName, "Customer");
        if in_subject {
            params.distinguished_name.push(
                DnType::CustomDnType(vec![1, 2, 840, 113_549, 1, 9, 1]),
                DnValue::Ia5String(mail.try_into().expect("ia5")),
            );
        } else {
            params.subject_alt_names = vec![SanType::Rfc822Name(mail.try_into().expect("ia5"))];
        }
        params
    }

    pub(crate) fn root(&self) -> CertificateDer<'static> {
        self.ca.der().clone()
    }
}

async fn start(pki: &Pki) -> Harness {
    let (chain, key) = pki.server();
    let tls = watchword_approval_server::certificate::tls_config(chain, key, vec![pki.root()])
        .expect("TLS settings");
    Harness::start_with(Options {
        certificate: Some(tls),
        ..Options::default()
    })
    .await
}

/// `POST path` over TLS to `addr` (as `localhost`), presenting `identity` if any, from a page on
/// the partner's origin unless `extra` names another.
async fn call(
    addr: SocketAddr,
    root: &CertificateDer<'static>,
    identity: Option<Identity>,
    path: &str,
    extra: &[(&str, &str)],
) -> Result<Reply, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).expect("root");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
    let config = match identity {
        Some((chain, key)) => builder.with_client_auth_cert(chain, key).expect("identity"),
        None => builder.with_no_client_auth(),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let mut tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    let mut headers = vec![("content-type", "application/json")];
    if !extra.iter().any(|(name, _)| *name == "origin") {
        headers.push(("origin", ORIGIN));
    }
    headers.extend_from_slice(extra);
    tls.write_all(&request("POST", path, &headers, Some(b"{}")))
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    tls.read_to_end(&mut buf).await.map_err(|e| e.to_string())?;
    if buf.is_empty() {
        return Err("no answer".into());
    }
    Ok(parse(&buf))
}

/// A transaction for `mail` whose page is the certificate page.
async fn certificate_page(h: &Harness, mail: &str) -> String {
    let (id, _) = h.start_transaction(mail, 0, "").await;
    let reply = h
        .server(
            "GetHTML",
            &json!({ "transactionid": id, "pageType": 3, "FormID": "f" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let html = reply.text();
    assert!(html.contains("watchword-approval-certificate"), "{html}");
    let url = format!(
        "data-certificate=\"https://localhost:{}\"",
        h.certificate.unwrap().port()
    );
    assert!(html.contains(&url), "{html}");
    id
}

#[tokio::test]
async fn the_customers_certificate_approves_and_others_do_not() {
    let pki = Pki::new("Example Corp CA");
    let h = start(&pki).await;
    let addr = h.certificate.expect("certificate listener");

    let id = certificate_page(&h, ADA).await;
    let path = format!("/cert/{id}");
    // Another customer's certificate, no certificate, a header claiming an address: refused.
    let bob = call(
        addr,
        &pki.root(),
        Some(pki.client("bob@example.com", false)),
        &path,
        &[],
    )
    .await
    .unwrap();
    assert_eq!(bob.status, 403, "{}", bob.text());
    assert_eq!(bob.error_code(), "wrong_approver");
    let spoofed = [("x-watchword-client-certificate-mail", ADA)];
    let none = call(addr, &pki.root(), None, &path, &spoofed)
        .await
        .unwrap();
    assert_eq!(none.status, 401, "{}", none.text());
    assert_eq!(none.error_code(), "certificate_required");
    // A certificate another CA issued does not get through the handshake.
    let stranger = Pki::new("Someone else's CA");
    let forged = call(
        addr,
        &pki.root(),
        Some(stranger.client(ADA, false)),
        &path,
        &[],
    )
    .await;
    assert!(
        forged.as_ref().map_or(true, |r| r.status != 200),
        "{:?}",
        forged.map(|r| r.text())
    );
    assert_eq!(h.page_status(&id).await["state"], "pending");

    // Ada's own certificate approves; the page gets the token, the partner redeems it.
    let ada = call(addr, &pki.root(), Some(pki.client(ADA, false)), &path, &[])
        .await
        .unwrap();
    assert_eq!(ada.status, 200, "{}", ada.text());
    assert_eq!(ada.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(ada.header("access-control-allow-credentials"), Some("true"));
    let token = ada.json()["token"].as_str().unwrap().to_owned();
    let verified = h.verify(&token).await;
    assert_eq!(verified["isValid"], true);
    assert_eq!(verified["UserValided"], ADA);
    let again = call(addr, &pki.root(), Some(pki.client(ADA, false)), &path, &[])
        .await
        .unwrap();
    assert_eq!(again.status, 409);
    assert_eq!(again.error_code(), "already_decided");

    // The address may be in the subject instead (emailAddress).
    let carol = certificate_page(&h, "carol@example.com").await;
    let reply = call(
        addr,
        &pki.root(),
        Some(pki.client("carol@example.com", true)),
        &format!("/cert/{carol}"),
        &[],
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[tokio::test]
async fn the_certificate_route_answers_only_certificate_pages_of_the_partners_origins() {
    let pki = Pki::new("Example Corp CA");
    let h = start(&pki).await;
    let addr = h.certificate.expect("certificate listener");
    let (phone, _) = h.start_transaction(ADA, 0, "").await;
    let reply = call(
        addr,
        &pki.root(),
        Some(pki.client(ADA, false)),
        &format!("/cert/{phone}"),
        &[],
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 409);
    assert_eq!(reply.error_code(), "not_a_certificate_page");
    let id = certificate_page(&h, ADA).await;
    let path = format!("/cert/{id}");
    let evil = [("origin", "https://evil.test")];
    let elsewhere = call(
        addr,
        &pki.root(),
        Some(pki.client(ADA, false)),
        &path,
        &evil,
    )
    .await
    .unwrap();
    assert_eq!(elsewhere.status, 403);
    assert_eq!(elsewhere.error_code(), "origin_not_allowed");
    let unknown = call(
        addr,
        &pki.root(),
        Some(pki.client(ADA, false)),
        "/cert/not-an-id",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(
        unknown.status, 403,
        "an unknown transaction has no partner origins"
    );
    h.advance(301);
    let late = call(addr, &pki.root(), Some(pki.client(ADA, false)), &path, &[])
        .await
        .unwrap();
    assert_eq!(late.status, 410);
}

#[tokio::test]
async fn a_server_without_a_certificate_listener_refuses_page_type_3() {
    let h = Harness::start().await;
    let (id, _) = h.start_transaction(ADA, 0, "").await;
    let reply = h
        .server(
            "GetHTML",
            &json!({ "transactionid": id, "pageType": 3, "FormID": "f" }),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "page_type_unavailable");
}
