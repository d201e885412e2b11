//! The official MCP clients and the conformance suite against the HTTP
//! examples, started the way a person starts them (`--bind`, URL on stdout).
//! Needs `MCP_TOOLS_DIR` (the shared folder of official tools); `.ci/run` sets it.

use ferrymcp_tests::stdio::example_binary;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

/// The official tools are heavy (node, python): run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// An example server process, killed when dropped.
struct Example {
    child: Child,
    url: String,
}

impl Example {
    fn start(package: &str) -> Example {
        let mut child = Command::new(example_binary(package))
            .args(["--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {package}: {e}"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the example prints its URL");
        let url = line.trim().to_string();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "unexpected first line: {line:?}"
        );
        Example { child, url }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tool(script: &str) -> Command {
    let dir = PathBuf::from(
        std::env::var_os("MCP_TOOLS_DIR").expect("MCP_TOOLS_DIR names the shared tools folder"),
    );
    Command::new(dir.join(script))
}

/// Runs an official tool and fails the test with its output unless it succeeds.
fn run(mut command: Command, what: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{what} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

const EXAMPLES: [&str; 2] = ["http-quickstart", "mounted"];

#[test]
#[ignore = "needs MCP_TOOLS_DIR (the official MCP tools); .ci/run sets it"]
fn the_official_python_client_speaks_2026_07_28_and_legacy() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for package in EXAMPLES {
        let server = Example::start(package);
        let mut modern = tool("py-client.sh");
        modern.arg(&server.url);
        run(modern, &format!("py-client (2026-07-28) against {package}"));
        let mut legacy = tool("py-client.sh");
        legacy.args([&server.url, "--mode", "legacy"]);
        run(
            legacy,
            &format!("py-client --mode legacy against {package}"),
        );
    }
}

#[test]
#[ignore = "needs MCP_TOOLS_DIR (the official MCP tools); .ci/run sets it"]
fn the_official_typescript_client_speaks_2025_11_25() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for package in EXAMPLES {
        let server = Example::start(package);
        let mut ts = tool("ts-tasks-client.sh");
        ts.arg(&server.url);
        run(ts, &format!("ts-tasks-client against {package}"));
    }
}

#[test]
#[ignore = "needs MCP_TOOLS_DIR (the official MCP tools); .ci/run sets it"]
fn the_inspector_lists_tools_in_both_eras() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for package in EXAMPLES {
        let server = Example::start(package);
        for era in ["legacy", "modern"] {
            let mut inspector = tool("inspector.sh");
            inspector.args([&server.url, "--protocol-era", era, "--method", "tools/list"]);
            let out = run(inspector, &format!("inspector ({era}) against {package}"));
            assert!(
                out.contains("\"tools\""),
                "no tools listed ({era}, {package}):\n{out}"
            );
        }
    }
}

#[test]
#[ignore = "needs MCP_TOOLS_DIR (the official MCP tools); .ci/run sets it"]
fn the_conformance_suite_passes_the_protocol_level_scenarios() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for package in EXAMPLES {
        let server = Example::start(package);
        for scenario in [
            "server-initialize",
            "ping",
            "tools-list",
            "dns-rebinding-protection",
            "server-sse-multiple-streams",
        ] {
            let mut c = tool("conformance.sh");
            c.args([&server.url, "--scenario", scenario]);
            run(c, &format!("conformance {scenario} against {package}"));
        }
        for scenario in ["http-header-validation", "server-session-lifecycle"] {
            let mut c = tool("conformance.sh");
            c.env("NEXT", "1")
                .args([&server.url, "--scenario", scenario]);
            run(
                c,
                &format!("conformance (next) {scenario} against {package}"),
            );
        }
    }
}

/// The repository's root, where the conformance baselines live.
fn repo_file(path: &str) -> String {
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    root.pop();
    root.join(path).display().to_string()
}

#[test]
#[ignore = "needs MCP_TOOLS_DIR (the official MCP tools); .ci/run sets it"]
fn both_conformance_suites_pass_against_the_everything_server_but_for_the_baseline() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let server = Example::start("everything");
    let mut current = tool("conformance.sh");
    current.args([
        &server.url,
        "--suite",
        "all",
        "--expected-failures",
        &repo_file("conformance/expected-failures.yml"),
    ]);
    run(current, "conformance 0.1.16 --suite all against everything");
    let mut next = tool("conformance.sh");
    next.env("NEXT", "1").args([
        &server.url,
        "--suite",
        "all",
        "--expected-failures",
        &repo_file("conformance/expected-failures-next.yml"),
    ]);
    run(
        next,
        "conformance 0.2.0-alpha --suite all against everything",
    );
}

#[test]
#[ignore = "needs MCP_TOOLS_DIR (the official MCP tools); .ci/run sets it"]
fn the_sse_polling_scenario_runs_its_checks_and_passes() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let server = Example::start("everything");
    let results = std::env::temp_dir().join(format!(
        "ferrymcp-sse-polling-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let mut c = tool("conformance.sh");
    c.env("RESULTS_DIR", &results)
        .args([&server.url, "--scenario", "server-sse-polling"]);
    run(c, "conformance server-sse-polling against everything");
    // The scenario passes with no check when the server cannot be polled:
    // its checks must have run, and every one succeeded.
    let mut checks = Vec::new();
    for dir in std::fs::read_dir(&results).expect("the results folder") {
        let file = dir.expect("an entry").path().join("checks.json");
        if let Ok(text) = std::fs::read_to_string(&file) {
            let found: Vec<serde_json::Value> = serde_json::from_str(&text).expect("checks.json");
            checks.extend(found);
        }
    }
    let _ = std::fs::remove_dir_all(&results);
    let verdicts: Vec<_> = checks
        .iter()
        .filter(|c| c["status"] != "INFO")
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("?").to_owned(),
                c["status"].clone(),
            )
        })
        .collect();
    assert!(
        verdicts.len() >= 3,
        "the priming, retry and resume checks ran: {verdicts:?}"
    );
    assert!(
        verdicts.iter().all(|(_, status)| status == "SUCCESS"),
        "{verdicts:?}"
    );
}
