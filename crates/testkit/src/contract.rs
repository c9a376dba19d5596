//! The OpenAPI document against the server: which statuses each operation documents, which
//! the server really answered (read from its `/metrics`), and what differs.

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// One answer of one operation: method, path template, status.
pub type Answer = (String, String, u16);

/// The statuses each operation of `openapi` (an OpenAPI 3.x JSON document) documents; the
/// `default` response is not a status and is left out.
pub fn documented(openapi: &str) -> BTreeSet<Answer> {
    let document: serde_json::Value = serde_json::from_str(openapi).expect("OpenAPI JSON");
    let mut out = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let Some(responses) = operation.get("responses").and_then(|r| r.as_object()) else {
                continue;
            };
            for status in responses.keys() {
                if let Ok(status) = status.parse() {
                    out.insert((method.to_ascii_uppercase(), path.clone(), status));
                }
            }
        }
    }
    out
}

/// The answers counted in `metrics` (the Prometheus text of a Watchword server's `/metrics`):
/// every `watchword_http_requests_total` series with a matched route.
pub fn observed(metrics: &str) -> BTreeSet<Answer> {
    let mut out = BTreeSet::new();
    for line in metrics.lines() {
        // `name{labels} value`: the labels may hold braces (`/items/{id}`), the value none.
        let Some(labels) = line
            .strip_prefix("watchword_http_requests_total{")
            .and_then(|rest| rest.rsplit_once(' '))
            .and_then(|(labels, _)| labels.strip_suffix('}'))
        else {
            continue;
        };
        let label = |name: &str| {
            labels.split("\",").find_map(|pair| {
                let (key, value) = pair.split_once("=\"")?;
                (key.trim_start_matches(',') == name)
                    .then(|| value.trim_end_matches('"').to_owned())
            })
        };
        let (Some(route), Some(method), Some(status)) =
            (label("route"), label("method"), label("status"))
        else {
            continue;
        };
        // Unrouted requests are no operation; assets are the kit's (one label for both of
        // their URL forms) and tested with it.
        if route == "unmatched" || route == "/assets" {
            continue;
        }
        if let Ok(status) = status.parse() {
            out.insert((method, route, status));
        }
    }
    out
}

/// Panics with both lists unless every documented answer of the operations in `scope` was
/// observed and every observed answer is documented. `scope` is the path templates the
/// scenario set out to cover (answers of other paths are compared only for being documented).
pub fn assert_matches(documented: &BTreeSet<Answer>, observed: &BTreeSet<Answer>, scope: &[&str]) {
    let undocumented: Vec<&Answer> = observed.difference(documented).collect();
    let unreached: Vec<&Answer> = documented
        .difference(observed)
        .filter(|(_, path, _)| scope.contains(&path.as_str()))
        .collect();
    if undocumented.is_empty() && unreached.is_empty() {
        return;
    }
    let mut report = String::new();
    for (method, path, status) in &undocumented {
        let _ = writeln!(report, "sent but not documented: {method} {path} {status}");
    }
    for (method, path, status) in &unreached {
        let _ = writeln!(
            report,
            "documented but never sent: {method} {path} {status}"
        );
    }
    panic!("the OpenAPI document and the server disagree:\n{report}");
}

#[cfg(test)]
mod tests {
    use super::{assert_matches, documented, observed};

    const DOC: &str = r#"{"paths": {"/items/{id}": {"get": {"responses": {"200": {}, "404": {}, "default": {}}}}}}"#;

    fn metrics(statuses: &[u16]) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for status in statuses {
            let _ = writeln!(
                out,
                "watchword_http_requests_total{{surface=\"t\",route=\"/items/{{id}}\",method=\"GET\",status=\"{status}\"}} 1"
            );
        }
        out + "watchword_http_requests_total{surface=\"t\",route=\"unmatched\",method=\"GET\",status=\"404\"} 2\n"
    }

    #[test]
    fn reads_both_sides() {
        assert_eq!(documented(DOC).len(), 2, "default is not a status");
        assert_eq!(
            observed(&metrics(&[200])).len(),
            1,
            "unmatched routes are not operations"
        );
        assert_matches(
            &documented(DOC),
            &observed(&metrics(&[200, 404])),
            &["/items/{id}"],
        );
    }

    #[test]
    #[should_panic(expected = "documented but never sent: GET /items/{id} 404")]
    fn a_documented_status_never_sent_fails() {
        assert_matches(
            &documented(DOC),
            &observed(&metrics(&[200])),
            &["/items/{id}"],
        );
    }

    #[test]
    #[should_panic(expected = "sent but not documented: GET /items/{id} 500")]
    fn an_undocumented_status_fails() {
        assert_matches(&documented(DOC), &observed(&metrics(&[200, 404, 500])), &[]);
    }
}
