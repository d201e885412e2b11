//! The report: medians over rounds, the side-by-side table and the ratios.

use crate::client::Outcome;
use crate::flow::Flow;
use crate::servers::Kind;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// One configuration: which server, which flow, how many clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Config {
    /// Index of the flow in [`Flow::ALL`].
    pub flow: usize,
    /// Concurrent clients.
    pub clients: usize,
    /// Index of the server in [`Kind::ALL`].
    pub kind: usize,
}

impl Config {
    /// The configuration of `kind` in `flow` with `clients`.
    pub fn new(kind: Kind, flow: Flow, clients: usize) -> Config {
        Config {
            flow: Flow::ALL.iter().position(|f| *f == flow).unwrap_or(0),
            clients,
            kind: Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0),
        }
    }

    /// The flow.
    pub fn flow(self) -> Flow {
        Flow::ALL[self.flow]
    }

    /// The server.
    pub fn kind(self) -> Kind {
        Kind::ALL[self.kind]
    }
}

/// The medians over the rounds of one configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    /// Requests per second.
    pub rate: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Server CPU time per request.
    pub server_cpu: Option<Duration>,
    /// Share of its core the driver used (1.0 = saturated).
    pub client_load: Option<f64>,
    /// How many rounds.
    pub rounds: usize,
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The medians of each metric over `outcomes`.
pub fn summarize(outcomes: &[Outcome]) -> Summary {
    let secs = |f: fn(&Outcome) -> Duration| {
        Duration::from_secs_f64(median(
            outcomes.iter().map(|o| f(o).as_secs_f64()).collect(),
        ))
    };
    let cpu: Vec<f64> = outcomes
        .iter()
        .filter_map(|o| o.server_cpu_per_request().map(|d| d.as_secs_f64()))
        .collect();
    let load: Vec<f64> = outcomes
        .iter()
        .filter_map(|o| {
            o.client_cpu
                .map(|c| c.as_secs_f64() / o.elapsed.as_secs_f64().max(1e-9))
        })
        .collect();
    Summary {
        rate: median(outcomes.iter().map(Outcome::rate).collect()),
        p50: secs(|o| o.quantile(0.50)),
        p99: secs(|o| o.quantile(0.99)),
        server_cpu: (!cpu.is_empty()).then(|| Duration::from_secs_f64(median(cpu))),
        client_load: (!load.is_empty()).then(|| median(load)),
        rounds: outcomes.len(),
    }
}

fn micros(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1e6)
}

fn thousands(x: f64) -> String {
    let n = x.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The side-by-side table and the ratio table, in Markdown.
pub fn tables(results: &BTreeMap<Config, Vec<Outcome>>) -> String {
    let summaries: BTreeMap<Config, Summary> = results
        .iter()
        .map(|(config, outcomes)| (*config, summarize(outcomes)))
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| flow | clients | server | req/s | p50 µs | p99 µs | server CPU µs/req | driver CPU |"
    );
    let _ = writeln!(out, "|---|---:|---|---:|---:|---:|---:|---:|");
    for (config, s) in &summaries {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            config.flow().label(),
            config.clients,
            config.kind().name(),
            thousands(s.rate),
            micros(s.p50),
            micros(s.p99),
            s.server_cpu
                .map_or("n/a".into(), |d| format!("{:.1}", d.as_secs_f64() * 1e6)),
            s.client_load
                .map_or("n/a".into(), |l| format!("{:.0}%", l * 100.0)),
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| flow | clients | ferrymcp/rmcp req/s | ferrymcp/bare req/s | rmcp/bare req/s | CPU/req ferrymcp/bare | CPU/req rmcp/bare |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    let mut seen = Vec::new();
    for config in summaries.keys() {
        if seen.contains(&(config.flow, config.clients)) {
            continue;
        }
        seen.push((config.flow, config.clients));
        let get = |kind| summaries.get(&Config::new(kind, config.flow(), config.clients));
        let (f, r, b) = (get(Kind::Ferrymcp), get(Kind::Rmcp), get(Kind::Bare));
        let ratio = |x: Option<&Summary>, y: Option<&Summary>| match (x, y) {
            (Some(x), Some(y)) if y.rate > 0.0 => format!("{:.2}", x.rate / y.rate),
            _ => "n/a".into(),
        };
        let cpu_ratio = |x: Option<&Summary>, y: Option<&Summary>| match (
            x.and_then(|s| s.server_cpu),
            y.and_then(|s| s.server_cpu),
        ) {
            (Some(x), Some(y)) if !y.is_zero() => {
                format!("{:.2}", x.as_secs_f64() / y.as_secs_f64())
            }
            _ => "n/a".into(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | **{}** | **{}** | {} | {} | {} |",
            config.flow().label(),
            config.clients,
            ratio(f, r),
            ratio(f, b),
            ratio(r, b),
            cpu_ratio(f, b),
            cpu_ratio(r, b),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_number_format() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
    }
}
