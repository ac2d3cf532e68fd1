//! Prometheus text exposition, written by hand: a handful of counters and histograms do not
//! justify a metrics framework, and the text format is simple and stable.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS_S: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Clone, Default)]
struct Histogram {
    counts: [u64; BUCKETS_S.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, b) in BUCKETS_S.iter().enumerate() {
            if secs <= *b {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in BUCKETS_S.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {}",
                self.counts[i]
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<(String, String), Histogram>,
    journal_append: Histogram,
    store_errors: BTreeMap<String, u64>,
    /// Free-form counters with one `reason`-like label, e.g. rejected protocol frames.
    events: BTreeMap<(String, String), u64>,
    /// JT/T 808 frames decoded despite a departure from the standard, by quirk name.
    jt808_quirks: BTreeMap<String, u64>,
    /// Gauges set by name (replication lag...), with their help text.
    gauges: BTreeMap<String, (String, f64)>,
}

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        // A poisoned lock only means another request panicked mid-update; counters stay usable.
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut g)
    }

    pub fn request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        self.with(|m| {
            *m.requests
                .entry((route.to_owned(), method.to_owned(), status))
                .or_default() += 1;
            m.latency
                .entry((route.to_owned(), method.to_owned()))
                .or_default()
                .observe(elapsed.as_secs_f64());
        });
    }

    pub fn journal_append(&self, elapsed: Duration) {
        self.with(|m| m.journal_append.observe(elapsed.as_secs_f64()));
    }

    pub fn store_error(&self, kind: &str) {
        self.with(|m| *m.store_errors.entry(kind.to_owned()).or_default() += 1);
    }

    /// Counts an event of a named family with a label, e.g. `("jt808_rejected", "bad_checksum")`.
    pub fn count(&self, family: &str, label: &str) {
        self.with(|m| {
            *m.events
                .entry((family.to_owned(), label.to_owned()))
                .or_default() += 1
        });
    }

    /// Declares the quirks the JT/T 808 edge knows, so each shows from 0 (the station knows
    /// no protocol: the edge hands the names in).
    pub fn declare_jt808_quirks<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        self.with(|m| {
            for n in names {
                m.jt808_quirks.entry(n.to_owned()).or_default();
            }
        });
    }

    /// Counts a JT/T 808 frame decoded with `quirk` (a quirk name from the protocol edge).
    pub fn jt808_quirk(&self, quirk: &str) {
        self.with(|m| *m.jt808_quirks.entry(quirk.to_owned()).or_default() += 1);
    }

    /// Sets a gauge, e.g. `guomen_replication_lag_events`.
    pub fn set_gauge(&self, name: &str, help: &str, value: f64) {
        self.with(|m| {
            m.gauges.insert(name.to_owned(), (help.to_owned(), value));
        });
    }

    pub fn counter_value(&self, family: &str, label: &str) -> u64 {
        self.with(|m| {
            m.events
                .get(&(family.to_owned(), label.to_owned()))
                .copied()
                .unwrap_or(0)
        })
    }

    pub fn render(&self) -> String {
        self.with(|m| {
            let mut out = String::new();
            out.push_str("# HELP guomen_http_requests_total HTTP requests by route, method and status.\n");
            out.push_str("# TYPE guomen_http_requests_total counter\n");
            for ((route, method, status), n) in &m.requests {
                let _ = writeln!(
                    out,
                    "guomen_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
            out.push_str("# HELP guomen_http_request_duration_seconds HTTP request latency by route.\n");
            out.push_str("# TYPE guomen_http_request_duration_seconds histogram\n");
            for ((route, method), h) in &m.latency {
                let labels = format!("route=\"{}\",method=\"{method}\"", escape(route));
                h.render(&mut out, "guomen_http_request_duration_seconds", &labels);
            }
            out.push_str("# HELP guomen_journal_append_seconds Time from append request to durable acknowledgement.\n");
            out.push_str("# TYPE guomen_journal_append_seconds histogram\n");
            m.journal_append
                .render(&mut out, "guomen_journal_append_seconds", "");
            out.push_str("# HELP guomen_store_errors_total Store errors by kind.\n");
            out.push_str("# TYPE guomen_store_errors_total counter\n");
            if m.store_errors.is_empty() {
                out.push_str("guomen_store_errors_total{kind=\"none\"} 0\n");
            }
            for (kind, n) in &m.store_errors {
                let _ = writeln!(out, "guomen_store_errors_total{{kind=\"{}\"}} {n}", escape(kind));
            }
            out.push_str("# HELP guomen_jt808_quirks_total JT/T 808 frames decoded despite a departure from the standard, by quirk.\n");
            out.push_str("# TYPE guomen_jt808_quirks_total counter\n");
            for (q, n) in &m.jt808_quirks {
                let _ = writeln!(out, "guomen_jt808_quirks_total{{quirk=\"{}\"}} {n}", escape(q));
            }
            for (name, (help, value)) in &m.gauges {
                let _ = writeln!(out, "# HELP {name} {help}");
                let _ = writeln!(out, "# TYPE {name} gauge");
                let _ = writeln!(out, "{name} {value}");
            }
            let mut last_family = "";
            for ((family, label), n) in &m.events {
                if family != last_family {
                    let _ = writeln!(out, "# TYPE guomen_{family}_total counter");
                    last_family = family;
                }
                let _ = writeln!(out, "guomen_{family}_total{{reason=\"{}\"}} {n}", escape(label));
            }
            out
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.request("/api/v1/port", "GET", 200, Duration::from_millis(3));
        m.request("/api/v1/port", "GET", 200, Duration::from_millis(30));
        m.journal_append(Duration::from_micros(700));
        m.count("jt808_rejected", "bad_checksum");
        let text = m.render();
        assert!(text.contains(
            "guomen_http_requests_total{route=\"/api/v1/port\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.05\"} 2"));
        assert!(text.contains("guomen_journal_append_seconds_count 1"));
        assert!(text.contains("guomen_jt808_rejected_total{reason=\"bad_checksum\"} 1"));
        m.declare_jt808_quirks(["unescaped_delimiter", "bad_escape"]);
        m.jt808_quirk("unescaped_delimiter");
        let text = m.render();
        assert!(text.contains("guomen_jt808_quirks_total{quirk=\"unescaped_delimiter\"} 1"));
        assert!(text.contains("guomen_jt808_quirks_total{quirk=\"bad_escape\"} 0"));
    }
}
