//! A minimal HTTP/1.1 client for the demo site's backend calls to the surfaces over loopback,
//! so the demo exercises each surface's real API.

use anyhow::{bail, Context as _};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;

/// Sends `method` to `url` (`http://host:port/path`) with an optional JSON body and
/// `Authorization`; returns the status and the body parsed as JSON.
pub(crate) async fn call(
    method: &str,
    url: &str,
    authorization: Option<&str>,
    body: Option<&serde_json::Value>,
) -> anyhow::Result<(u16, serde_json::Value)> {
    match authorization {
        Some(value) => call_with_headers(method, url, &[("authorization", value)], body).await,
        None => call_with_headers(method, url, &[], body).await,
    }
}

/// As [`call`], with any request headers.
pub(crate) async fn call_with_headers(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> anyhow::Result<(u16, serde_json::Value)> {
    let (status, body) = call_raw(method, url, headers, body).await?;
    let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    Ok((status, json))
}

/// As [`call_with_headers`], with the body as it came (an HTML snippet, for one).
pub(crate) async fn call_raw(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> anyhow::Result<(u16, Bytes)> {
    let uri: http::Uri = url.parse().with_context(|| format!("bad URL {url}"))?;
    let Some(authority) = uri.authority().cloned() else {
        bail!("no host in {url}")
    };
    let stream = tokio::net::TcpStream::connect(authority.as_str())
        .await
        .with_context(|| format!("connecting to {authority}"))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let mut request = http::Request::builder()
        .method(method)
        .uri(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header("host", authority.as_str());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let bytes = match body {
        Some(body) => {
            request = request.header("content-type", "application/json");
            Bytes::from(serde_json::to_vec(body)?)
        }
        None => Bytes::new(),
    };
    let response = sender.send_request(request.body(Full::new(bytes))?).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}
