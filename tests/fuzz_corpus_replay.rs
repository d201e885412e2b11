//! The committed fuzz corpus (`fuzz/corpus/<target>/`), replayed through
//! each target's check on stable Rust, without fuzzing: every seed and
//! every input a fuzzing run found (crashes included, once fixed) keeps
//! passing. `fuzz/run.sh` does the fuzzing itself (nightly).

use ferrymcp::__fuzz::TARGETS;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Corpus inputs that fail on a bug fuzzing found in a file of another
/// part, reported and not fixed yet: `target/file`, and where the bug is.
/// They must keep failing; once one passes, its bug is fixed and its line
/// goes.
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "json_rpc/raw_value_name_through_general_path",
        "protocol/object.rs, JsonObject::from_map (the general path of parse_value): an object holding the name `$serde_json::private::RawValue` is written back with it first, which serde_json (raw_value) then reads as a raw value",
    ),
];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

/// The files of a folder, in name order.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_input_passes_its_targets_check() {
    let (mut failures, mut fixed) = (Vec::new(), Vec::new());
    for target in TARGETS {
        let inputs = files(&corpus().join(target.name));
        assert!(
            !inputs.is_empty(),
            "no corpus for the target {}",
            target.name
        );
        for input in inputs {
            let data = std::fs::read(&input).expect("a corpus file");
            let name = format!(
                "{}/{}",
                target.name,
                input.file_name().unwrap().to_string_lossy()
            );
            let known = KNOWN_FAILURES.iter().find(|(known, _)| *known == name);
            let passed = catch_unwind(AssertUnwindSafe(|| (target.check)(&data))).is_ok();
            match (passed, known) {
                (true, None) => {}
                (false, Some((_, bug))) => eprintln!("{name}: known failure ({bug})"),
                (false, None) => failures.push(name),
                (true, Some(_)) => fixed.push(name),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "failing inputs (the panics are above):\n{}",
        failures.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "these known failures pass now: remove them from KNOWN_FAILURES:\n{}",
        fixed.join("\n")
    );
}

#[test]
fn every_known_failure_is_in_the_corpus() {
    for (name, _) in KNOWN_FAILURES {
        assert!(
            corpus().join(name).is_file(),
            "fuzz/corpus/{name} is missing"
        );
    }
}

#[test]
fn every_corpus_folder_is_a_target() {
    for entry in std::fs::read_dir(corpus()).expect("fuzz/corpus") {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            TARGETS.iter().any(|t| t.name == name),
            "fuzz/corpus/{name} has no target in ferrymcp::__fuzz::TARGETS"
        );
    }
}

#[test]
fn every_target_has_a_fuzz_target_file() {
    let targets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/fuzz_targets");
    for target in TARGETS {
        let file = targets.join(format!("{}.rs", target.name));
        assert!(file.is_file(), "{} is missing", file.display());
    }
}
