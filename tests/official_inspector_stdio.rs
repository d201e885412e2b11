//! The official MCP Inspector CLI drives the quickstart over stdio: it lists
//! the tools and calls one. Needs `MCP_TOOLS_DIR` (the shared tools folder with
//! `inspector.sh`); `.ci/run` sets it.

use ferrymcp_tests::stdio::example_binary;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn inspector(args: &[&str]) -> (Value, String) {
    let tools = PathBuf::from(
        std::env::var_os("MCP_TOOLS_DIR").expect("MCP_TOOLS_DIR names the shared tools folder"),
    );
    let binary = example_binary("quickstart");
    let output = Command::new(tools.join("inspector.sh"))
        .arg(&binary)
        .args(args)
        .output()
        .expect("inspector.sh runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "the Inspector failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let start = stdout.find('{').expect("the Inspector printed JSON");
    let end = stdout.rfind('}').expect("the Inspector printed JSON");
    let json = serde_json::from_str(&stdout[start..=end])
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));
    (json, stdout)
}

#[test]
#[ignore = "needs MCP_TOOLS_DIR (the official MCP tools); .ci/run sets it"]
fn the_inspector_lists_the_quickstart_tools_without_portability_warnings() {
    let (list, stdout) = inspector(&["--method", "tools/list"]);
    let names: Vec<&str> = list["tools"]
        .as_array()
        .expect("a tools array")
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["add", "greet", "stats", "divide", "countdown", "uptime"]
    );
    assert!(
        !stdout.contains("warning"),
        "the Inspector found schema portability problems:\n{stdout}"
    );
}

#[test]
#[ignore = "needs MCP_TOOLS_DIR (the official MCP tools); .ci/run sets it"]
fn the_inspector_calls_a_quickstart_tool() {
    let (result, _) = inspector(&[
        "--method",
        "tools/call",
        "--tool-name",
        "add",
        "--tool-arg",
        "a=2",
        "b=3",
    ]);
    assert_eq!(result["structuredContent"]["result"], 5);
    assert_eq!(result["content"][0]["text"], "5");
}
