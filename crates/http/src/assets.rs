//! Static assets compiled into the binary (widget scripts, SDKs, styles), served with an `ETag`
//! and `304 Not Modified`, and under an immutable versioned URL whose SRI hash the docs publish.
//!
//! `/assets/<name>` is revalidated on every use (`Cache-Control: no-cache`); `/assets/<version>/<name>`,
//! where `<version>` is derived from the content, is cached for a year. A page that embeds the
//! versioned URL with its `integrity` attribute always gets exactly the bytes it pinned.

use base64::Engine as _;
use bytes::Bytes;
use http::header::{
    HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, ETAG, IF_NONE_MATCH,
    X_CONTENT_TYPE_OPTIONS,
};
use http::StatusCode;
use sha2::{Digest, Sha256, Sha384};

use crate::request::Request;
use crate::response::{full, with_type, Response};

/// One asset.
#[derive(Debug, Clone)]
pub struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: Bytes,
    version: String,
    sri: String,
}

impl Asset {
    /// The URL path that never changes content: `/assets/<version>/<name>`.
    pub fn versioned_path(&self) -> String {
        format!("{PREFIX}{}/{}", self.version, self.name)
    }

    /// The Subresource Integrity value (`sha384-…`) for `integrity="…"`.
    pub fn sri(&self) -> &str {
        &self.sri
    }

    /// The content.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
}

const PREFIX: &str = "/assets/";

/// The assets of one surface.
#[derive(Debug, Clone, Default)]
pub struct Assets {
    list: Vec<Asset>,
}

impl Assets {
    /// No assets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an asset under `name` (one path segment, such as `ocapi.js`).
    #[must_use]
    pub fn with(
        mut self,
        name: &'static str,
        content_type: &'static str,
        bytes: impl Into<Bytes>,
    ) -> Self {
        let bytes = bytes.into();
        let version = crate::hex(&Sha256::digest(&bytes)[..8]);
        let sri = format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&bytes))
        );
        self.list.push(Asset {
            name,
            content_type,
            bytes,
            version,
            sri,
        });
        self
    }

    /// The asset called `name`.
    pub fn get(&self, name: &str) -> Option<&Asset> {
        self.list.iter().find(|a| a.name == name)
    }

    /// Every asset, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &Asset> {
        self.list.iter()
    }

    /// Serves `request` when its path is under `/assets/`; `None` otherwise.
    pub(crate) fn serve(&self, request: &Request) -> Option<Response> {
        let rest = request.uri().path().strip_prefix(PREFIX)?;
        let (asset, immutable) = match rest.split_once('/') {
            Some((version, name)) => (self.get(name).filter(|a| a.version == version), true),
            None => (self.get(rest), false),
        };
        let Some(asset) = asset else {
            return Some(crate::ApiError::not_found("no such asset").into_response());
        };
        let etag = format!("\"{}\"", asset.version);
        let fresh = request.header(IF_NONE_MATCH.as_str()).is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*")
        });
        let mut response = if fresh {
            full(StatusCode::NOT_MODIFIED, Bytes::new())
        } else {
            with_type(StatusCode::OK, asset.content_type, asset.bytes.clone())
        };
        let headers = response.headers_mut();
        headers.insert(
            ETAG,
            HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
        );
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        // Public bytes: any page may load them, and SRI on a cross-origin script needs CORS.
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        headers.insert(
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        );
        headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static(if immutable {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            }),
        );
        Some(response)
    }
}
