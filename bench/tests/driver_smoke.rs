//! The driver against each server, in process, for a few requests: every
//! server answers both flows correctly, and the driver checks and counts.

use ferrymcp_bench::{client, servers, Flow, Kind, Load, Stop};
use std::time::Duration;

async fn few_requests(kind: Kind, flow: Flow) {
    let addr = servers::spawn(kind, flow).await.expect("server starts");
    let load = Load {
        clients: 2,
        warmup: Duration::ZERO,
        stop: Stop::Requests(20),
    };
    let outcome = client::run(addr, flow, load, Some(std::process::id()))
        .await
        .unwrap_or_else(|e| panic!("{} {}: {e}", kind.name(), flow.name()));
    assert_eq!(outcome.requests, 40, "{} {}", kind.name(), flow.name());
    assert_eq!(outcome.errors, 0);
    assert!(outcome.rate() > 0.0);
    assert!(outcome.quantile(0.99) >= outcome.quantile(0.5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_handler_answers_both_flows() {
    for flow in Flow::ALL {
        few_requests(Kind::Bare, flow).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ferrymcp_answers_both_flows() {
    for flow in Flow::ALL {
        few_requests(Kind::Ferrymcp, flow).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rmcp_answers_both_flows() {
    for flow in Flow::ALL {
        few_requests(Kind::Rmcp, flow).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_stay_open_for_the_memory_figure() {
    for kind in [Kind::Ferrymcp, Kind::Rmcp] {
        let addr = servers::spawn(kind, Flow::Session).await.unwrap();
        client::open_sessions(addr, 5)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", kind.name()));
    }
}
