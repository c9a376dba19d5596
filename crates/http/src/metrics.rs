//! A small Prometheus registry: counters and latency histograms, rendered as text exposition
//! format 0.0.4 on `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Latency buckets in seconds, from a cached lookup to a slow store round trip.
const BUCKETS: [f64; 12] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The metrics of one server. Cheap to update from any task.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    help: BTreeMap<&'static str, (&'static str, &'static str)>,
    counters: BTreeMap<(&'static str, String), u64>,
    histograms: BTreeMap<(&'static str, String), Histogram>,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one to the counter `name` with `labels`.
    pub fn inc(&self, name: &'static str, help: &'static str, labels: &[(&str, &str)]) {
        self.add(name, help, labels, 1);
    }

    /// Adds `n` to the counter `name` with `labels`.
    pub fn add(&self, name: &'static str, help: &'static str, labels: &[(&str, &str)], n: u64) {
        let mut inner = self.lock();
        inner.help.entry(name).or_insert((help, "counter"));
        *inner
            .counters
            .entry((name, render_labels(labels)))
            .or_default() += n;
    }

    /// Records one observation of `seconds` in the histogram `name`.
    pub fn observe(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &[(&str, &str)],
        seconds: f64,
    ) {
        let mut inner = self.lock();
        inner.help.entry(name).or_insert((help, "histogram"));
        let histogram = inner
            .histograms
            .entry((name, render_labels(labels)))
            .or_default();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// The current value of a counter, for tests and for the surface's own checks.
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let labels = render_labels(labels);
        self.lock()
            .counters
            .iter()
            .find(|((n, l), _)| *n == name && *l == labels)
            .map_or(0, |(_, v)| *v)
    }

    /// Renders every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        let inner = self.lock();
        let mut out = String::new();
        for (name, (help, kind)) in &inner.help {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for ((_, labels), value) in inner
                .counters
                .range((*name, String::new())..)
                .take_while(|((n, _), _)| n == name)
            {
                let _ = writeln!(out, "{name}{} {value}", braces(labels));
            }
            for ((_, labels), h) in inner
                .histograms
                .range((*name, String::new())..)
                .take_while(|((n, _), _)| n == name)
            {
                for (bound, count) in BUCKETS.iter().zip(h.buckets) {
                    let _ = writeln!(
                        out,
                        "{name}_bucket{} {count}",
                        braces(&join(labels, &format!("le=\"{bound}\"")))
                    );
                }
                let _ = writeln!(
                    out,
                    "{name}_bucket{} {}",
                    braces(&join(labels, "le=\"+Inf\"")),
                    h.count
                );
                let _ = writeln!(out, "{name}_sum{} {}", braces(labels), h.sum);
                let _ = writeln!(out, "{name}_count{} {}", braces(labels), h.count);
            }
        }
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock leaves only counters behind; keep serving them.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn render_labels(labels: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{name}=\"");
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out
}

fn join(labels: &str, extra: &str) -> String {
    if labels.is_empty() {
        extra.to_owned()
    } else {
        format!("{labels},{extra}")
    }
}

fn braces(labels: &str) -> String {
    if labels.is_empty() {
        String::new()
    } else {
        format!("{{{labels}}}")
    }
}

#[cfg(test)]
mod tests {
    use super::Metrics;

    #[test]
    fn renders_counters_and_histograms_with_escaped_labels() {
        let m = Metrics::new();
        m.inc("ww_requests_total", "Requests.", &[("route", "/a\"b")]);
        m.inc("ww_requests_total", "Requests.", &[("route", "/a\"b")]);
        m.observe("ww_seconds", "Latency.", &[("route", "/x")], 0.003);
        let text = m.render();
        assert!(
            text.contains("# TYPE ww_requests_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("ww_requests_total{route=\"/a\\\"b\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("ww_seconds_bucket{route=\"/x\",le=\"0.0025\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("ww_seconds_bucket{route=\"/x\",le=\"0.005\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("ww_seconds_count{route=\"/x\"} 1\n"),
            "{text}"
        );
        assert_eq!(m.counter("ww_requests_total", &[("route", "/a\"b")]), 2);
    }
}
