#!/usr/bin/env bash
# Fuzzes every target of fuzz/fuzz_targets, one after another, each for
# SECONDS (default 60), niced (NICE, default 19) to leave the CPU to others:
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# Needs the nightly toolchain; installs cargo-fuzz when it is missing. What
# a run finds goes to fuzz/work/corpus/<target> (not committed; the seeds in
# fuzz/corpus/<target> are only read), crashes to fuzz/artifacts/<target>,
# each target's log to fuzz/work/<target>.log. To keep a crash: minimize it
# (cargo +nightly fuzz tmin TARGET fuzz/artifacts/TARGET/crash-...), copy it
# into fuzz/corpus/<target>/ with a name that says what it is, and fix the bug:
# tests/fuzz_corpus_replay.rs then replays it on stable with every test run.
# To grow the committed corpus from a run's: cargo +nightly fuzz cmin.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
nice_level="${NICE:-19}"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

dict_of() {
  case "$1" in
    json_rpc | sse_frames | stdio_lines | request_state) echo dict/json.dict ;;
    param_headers | accept | authorization) echo dict/headers.dict ;;
    uri_template) echo dict/uri_template.dict ;;
  esac
}

echo "== building ${#targets[@]} targets"
nice -n "$nice_level" cargo +nightly fuzz build

failed=()
summary=()
for target in "${targets[@]}"; do
  mkdir -p "work/corpus/$target" "artifacts/$target"
  options=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1)
  dict="$(dict_of "$target")"
  if [ -n "$dict" ]; then options+=(-dict="$dict"); fi
  echo "== $target: ${seconds}s"
  if nice -n "$nice_level" cargo +nightly fuzz run "$target" "work/corpus/$target" "corpus/$target" \
    -- "${options[@]}" >"work/$target.log" 2>&1; then
    outcome=ok
  else
    outcome="CRASH (see work/$target.log, artifacts/$target)"
    failed+=("$target")
  fi
  stat() { grep -o "stat::$1: *[0-9]*" "work/$target.log" | grep -o '[0-9]*$' | tail -1; }
  corpus_files=$(find "work/corpus/$target" "corpus/$target" -type f | wc -l)
  line="$target: $outcome; executions $(stat number_of_executed_units), exec/s $(stat average_exec_per_sec), new units $(stat new_units_added), corpus $corpus_files files, peak RSS $(stat peak_rss_mb) MB"
  echo "$line"
  summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "crashed: ${failed[*]}" >&2
  exit 1
fi
