//! The runtime's modules form layers: each top-level module of `runtime/src`
//! imports only from its own tier or the tiers below it, and no two top-level
//! modules import each other (directly or round a cycle).
//!
//! The test reads every `crate::…` and `super::…` path of `runtime/src` (in
//! `use` items and inline paths alike) and fails naming the file and line of
//! each import that goes up, and of each edge of a cycle. It has no list of
//! exceptions: a new edge upward is a design change, made here on purpose.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The tiers, lowest first. A module may import from its own tier (as long as
/// that makes no cycle) and from every tier below.
const TIERS: &[&[&str]] = &[
    // The wire: JSON-RPC, MCP messages, revisions.
    &["protocol"],
    // One call: its scope, the way back to the client, change notices.
    &["call"],
    // What a tool's parameters draw on: injection, questions to the client,
    // the caller's identity; the errors a tool returns;
    // and the compile-time routing of what a wrapped function returns.
    // The trace context and metrics (`otel`), read from a request's
    // `_meta` and headers.
    &["error", "inject", "ask", "auth", "route", "telemetry"],
    // What a server serves: tools, the catalog, background tasks,
    // and the store sessions are shared through.
    &["tool", "catalog", "task", "session_store"],
    // Dispatch: one request in, one answer out.
    &["server"],
    // Bytes in and out: stdio, HTTP, in-process.
    &["transport"],
];

/// Files that sit above every layer: the crate root (re-exports, the macros'
/// `__private` module) and the fuzz checks, which drive the whole stack.
const ABOVE_ALL: &[&str] = &["lib", "fuzzing"];

#[derive(Debug, Clone)]
struct Import {
    from: String,
    to: String,
    file: PathBuf,
    line: usize,
    path: String,
}

#[test]
fn every_import_goes_down_a_layer_and_no_module_forms_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let reexports = root_reexports(&src.join("lib.rs"));
    let mut imports = Vec::new();
    for file in rust_files(&src) {
        let module = module_path(&src, &file);
        let text = strip_comments_and_strings(&fs::read_to_string(&file).unwrap());
        for (line, path) in paths_in(&text) {
            let Some(to) = resolve(&module, &path, &reexports) else {
                panic!(
                    "{}:{line}: cannot tell which module `{path}` names; \
                     add the item to the crate root's re-exports or name its module",
                    file.display()
                );
            };
            let from = module[0].clone();
            if to != from {
                imports.push(Import {
                    from,
                    to,
                    file: file.clone(),
                    line,
                    path,
                });
            }
        }
    }

    let mut problems = Vec::new();
    let tier_of = |m: &str| TIERS.iter().position(|t| t.contains(&m));
    let known: BTreeSet<&str> = TIERS.iter().flat_map(|t| t.iter().copied()).collect();
    for top in top_level_modules(&src) {
        if !known.contains(top.as_str()) && !ABOVE_ALL.contains(&top.as_str()) {
            problems.push(format!(
                "runtime/src/{top}: a top-level module in no layer; add it to TIERS in {}",
                file!()
            ));
        }
    }
    for i in &imports {
        if ABOVE_ALL.contains(&i.from.as_str()) {
            continue;
        }
        if ABOVE_ALL.contains(&i.to.as_str()) {
            problems.push(format!(
                "{}:{}: `{}` imports `{}` from {} (above every layer)",
                i.file.display(),
                i.line,
                i.from,
                i.path,
                i.to
            ));
            continue;
        }
        if let (Some(a), Some(b)) = (tier_of(&i.from), tier_of(&i.to)) {
            if b > a {
                problems.push(format!(
                    "{}:{}: `{}` (layer {a}) imports `{}` from `{}` (layer {b}, higher)",
                    i.file.display(),
                    i.line,
                    i.from,
                    i.path,
                    i.to
                ));
            }
        }
    }

    // Cycles within a tier (an edge across tiers that goes up is reported above).
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for i in imports
        .iter()
        .filter(|i| !ABOVE_ALL.contains(&i.from.as_str()) && !ABOVE_ALL.contains(&i.to.as_str()))
    {
        edges.entry(&i.from).or_default().insert(&i.to);
    }
    for i in &imports {
        if ABOVE_ALL.contains(&i.from.as_str()) || ABOVE_ALL.contains(&i.to.as_str()) {
            continue;
        }
        if tier_of(&i.from) != tier_of(&i.to) {
            continue;
        }
        if reaches(&edges, &i.to, &i.from) {
            problems.push(format!(
                "{}:{}: `{}` imports `{}` from `{}`, and `{}` reaches `{}` back: a cycle",
                i.file.display(),
                i.line,
                i.from,
                i.path,
                i.to,
                i.to,
                i.from
            ));
        }
    }

    assert!(
        problems.is_empty(),
        "{} import(s) break the layers:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_nested_and_inline_paths() {
    let text = strip_comments_and_strings(
        "use crate::{a::X, b::{c::Y, Z}};\n// use crate::nope::Q;\nlet s = \"crate::nope\";\nfn f() { crate::d::g(); super::super::e::h(); }\n",
    );
    let paths: Vec<_> = paths_in(&text);
    assert_eq!(
        paths,
        vec![
            (1, "crate::a::X".to_string()),
            (1, "crate::b::c::Y".to_string()),
            (1, "crate::b::Z".to_string()),
            (4, "crate::d::g".to_string()),
            (4, "super::super::e::h".to_string()),
        ]
    );
    let module = vec!["x".to_string(), "y".to_string(), "z".to_string()];
    assert_eq!(
        resolve(&module, "super::super::e::h", &BTreeMap::new()),
        Some("x".into())
    );
    assert_eq!(
        resolve(&module, "super::super::super::e::h", &BTreeMap::new()),
        Some("e".into())
    );
}

/// Whether `to` is reachable from `from` along `edges`.
fn reaches(edges: &BTreeMap<&str, BTreeSet<&str>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(m) = stack.pop() {
        if m == to {
            return true;
        }
        if seen.insert(m) {
            if let Some(next) = edges.get(m) {
                stack.extend(next.iter().copied());
            }
        }
    }
    false
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out
}

fn top_level_modules(src: &Path) -> BTreeSet<String> {
    rust_files(src)
        .iter()
        .map(|f| module_path(src, f)[0].clone())
        .collect()
}

/// `src/a/b.rs` → `[a, b]`; `src/a/mod.rs` → `[a]`; `src/lib.rs` → `[lib]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.len() > 1 && parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The top-level module that `path` (as written in `module`) names.
fn resolve(module: &[String], path: &str, reexports: &BTreeMap<String, String>) -> Option<String> {
    let segments: Vec<&str> = path.split("::").collect();
    let first = match segments[0] {
        "crate" | "$crate" => segments.get(1).copied()?,
        "super" => {
            let ups = segments.iter().take_while(|s| **s == "super").count();
            if ups < module.len() {
                return Some(module[0].clone());
            }
            segments.get(ups).copied()?
        }
        _ => return None,
    };
    if first.starts_with(char::is_lowercase) && !reexports.contains_key(first) {
        Some(first.to_string())
    } else {
        reexports.get(first).cloned()
    }
}

/// The names the crate root re-exports, with the top-level module each comes
/// from (`pub use inject::{Ctx, …}` → `Ctx` → `inject`).
fn root_reexports(lib: &Path) -> BTreeMap<String, String> {
    let text = strip_comments_and_strings(&fs::read_to_string(lib).unwrap());
    let mut out = BTreeMap::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("pub use ") {
        rest = &rest[at + "pub use ".len()..];
        let end = rest.find(';').unwrap();
        let item: String = rest[..end].split_whitespace().collect();
        rest = &rest[end..];
        let item = item.strip_prefix("crate::").unwrap_or(&item);
        let module = item.split("::").next().unwrap().to_string();
        if module == "ferrymcp_macros" || module == "self" || module.starts_with('{') {
            continue;
        }
        let names = match item.find('{') {
            Some(b) => item[b + 1..item.rfind('}').unwrap()].to_string(),
            None => item.rsplit("::").next().unwrap().to_string(),
        };
        for name in names.split(',').filter(|n| !n.is_empty()) {
            let name = name.rsplit("::").next().unwrap();
            out.insert(name.to_string(), module.clone());
        }
    }
    out
}

/// The source with comments and string/char literals blanked out (newlines
/// kept, so line numbers stay right).
fn strip_comments_and_strings(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &[u8]| {
        for &c in s {
            out.push(if c == b'\n' { '\n' } else { ' ' });
        }
    };
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            let mut j = 0;
            while j < rest.len() {
                if rest[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, &rest[..j]);
            i += j;
        } else if rest.starts_with(b"r#\"") || rest.starts_with(b"r\"") || rest.starts_with(b"br\"")
        {
            let start = rest.iter().position(|&c| c == b'"').unwrap();
            let hashes = rest[..start].iter().filter(|&&c| c == b'#').count();
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            let end = rest[start + 1..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map(|p| start + 1 + p + close.len())
                .unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest[0] == b'"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest[0] == b'\'' && is_char_literal(rest) {
            let end = rest[1..].iter().position(|&c| c == b'\'').unwrap() + 2;
            let end = if rest[1] == b'\\' {
                rest[2..].iter().position(|&c| c == b'\'').unwrap() + 3
            } else {
                end
            };
            blank(&mut out, &rest[..end]);
            i += end;
        } else {
            // Copy one UTF-8 character.
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// `'x'`, `'\n'`, `'\''` are literals; `'a` (a lifetime) is not.
fn is_char_literal(rest: &[u8]) -> bool {
    if rest.len() >= 3 && rest[1] == b'\\' {
        return true;
    }
    let ch_len = std::str::from_utf8(&rest[1..rest.len().min(5)])
        .ok()
        .or_else(|| {
            (2..=5)
                .rev()
                .find_map(|n| std::str::from_utf8(&rest[1..rest.len().min(n)]).ok())
        })
        .and_then(|s| s.chars().next())
        .map(char::len_utf8)
        .unwrap_or(1);
    rest.get(1 + ch_len) == Some(&b'\'')
}

/// Every `crate::…`/`super::…` path, with `use` groups expanded, and its line.
fn paths_in(text: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < chars.len() {
        if chars[i] == '\n' {
            line += 1;
            i += 1;
            continue;
        }
        let boundary = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        let word_at = |w: &str| {
            let w: Vec<char> = w.chars().collect();
            chars[i..].starts_with(&w)
        };
        let start = ["$crate::", "crate::", "super::"]
            .into_iter()
            .find(|w| boundary && word_at(w));
        if let Some(_prefix) = start {
            let (paths, next, lines) = read_tree(&chars, i, String::new());
            for p in paths {
                out.push((line, p));
            }
            line += lines;
            i = next;
        } else {
            i += 1;
        }
    }
    out
}

/// Reads a path (or a `use` tree) starting at `i`, prefixed by `prefix`.
/// Returns the full paths, the index after it and the newlines crossed.
fn read_tree(chars: &[char], mut i: usize, prefix: String) -> (Vec<String>, usize, usize) {
    let mut lines = 0;
    let mut path = prefix;
    loop {
        while i < chars.len() && chars[i].is_whitespace() {
            if chars[i] == '\n' {
                lines += 1;
            }
            i += 1;
        }
        if i < chars.len() && chars[i] == '{' {
            i += 1;
            let mut out = Vec::new();
            loop {
                while i < chars.len() && (chars[i].is_whitespace() || chars[i] == ',') {
                    if chars[i] == '\n' {
                        lines += 1;
                    }
                    i += 1;
                }
                if i >= chars.len() || chars[i] == '}' {
                    return (out, i + 1, lines);
                }
                let (paths, next, l) = read_tree(chars, i, path.clone());
                out.extend(paths);
                lines += l;
                i = next;
            }
        }
        let start = i;
        while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
        {
            i += 1;
        }
        let seg: String = chars[start..i].iter().collect();
        if seg.is_empty() {
            return (vec![path], i, lines);
        }
        if !path.is_empty() {
            path.push_str("::");
        }
        path.push_str(&seg);
        if chars[i..].starts_with(&[':', ':']) {
            i += 2;
        } else {
            return (vec![path], i, lines);
        }
    }
}
