//! Skills (the `io.modelcontextprotocol/skills` extension) served by a real
//! server on a real socket, from real folders: declared, listed, got, read
//! and walked by a 2025-11-25 session and by 2026-07-28 stateless requests;
//! every attempt to leave a skill refused with -32602; a bad folder refused
//! when the server is built, naming the skill and the problem.

mod http_support;

use ferrymcp::catalog::{Skill, SkillError, SkillProblem, SKILLS_EXTENSION};
use ferrymcp::prelude::*;
use ferrymcp::{BuildError, ServerBuilder};
use http_support::{spawn, stateless, LegacySession};
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};

const PDF_SKILL_MD: &str = "---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\nlicense: Apache-2.0\nmetadata:\n  version: \"2.1.0\"\n  tags: [pdf, forms]\n  level: 3\n---\n\n# PDF processing\n\nFill forms as `references/FORMS.md` says.\n";
const FORMS_MD: &str = "# Forms\n\nList the fields, fill them, flatten.\n";
const SECRET: &str = "the secret next to the skills folder";
/// A PNG signature and a byte that is not UTF-8.
const LOGO: &[u8] = &[0x89, b'P', b'N', b'G', 0xff];

/// A fresh folder under the system's temporary folder.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrymcp-skills-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, contents: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

/// `root/secret.txt` outside the skills, and `root/skills/pdf-processing`
/// with a reference, a binary file and a link that stays inside.
fn skills_folder(name: &str) -> PathBuf {
    let root = scratch(name);
    write(&root.join("secret.txt"), SECRET);
    let skill = root.join("skills/pdf-processing");
    write(&skill.join("SKILL.md"), PDF_SKILL_MD);
    write(&skill.join("references/FORMS.md"), FORMS_MD);
    write(&skill.join("assets/logo.png"), LOGO);
    write(&skill.join(".hidden/notes.md"), "not served");
    std::os::unix::fs::symlink("FORMS.md", skill.join("references/latest.md")).unwrap();
    write(
        &root.join("skills/README.md"),
        "files beside the skills are not skills",
    );
    root
}

/// A server with the folder's skills and one declared in code.
async fn server(root: &Path) -> Server {
    Server::builder("skills")
        .skills_dir(root.join("skills"))
        .skill(
            Skill::new(
                "---\nname: refunds\ndescription: Process refund requests\n---\n# Refunds\n",
            )
            .file("examples/email.md", "Dear customer,\n")
            .under("acme/billing"),
        )
        .build()
        .await
        .expect("the skills are valid")
}

async fn serve(root: &Path) -> String {
    let base = spawn(axum::Router::new().nest("/mcp", server(root).await.router())).await;
    format!("{base}/mcp")
}

/// `sha256:` and the hex digest `sha256sum` (coreutils) prints for `bytes`.
fn sha256sum(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum runs");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    let hex = String::from_utf8(out.stdout).unwrap();
    format!("sha256:{}", hex.split_whitespace().next().unwrap())
}

/// The entry the server must give for `pdf-processing`.
fn pdf_entry() -> Value {
    let file = |path: &str, bytes: &[u8]| json!({"uri": format!("skill://pdf-processing/{path}"), "digest": sha256sum(bytes), "size": bytes.len()});
    json!({
        "uri": "skill://pdf-processing/SKILL.md",
        "frontmatter": {
            "name": "pdf-processing",
            "description": "Extract, fill, and assemble PDF documents",
            "license": "Apache-2.0",
            "metadata": {"version": "2.1.0", "tags": ["pdf", "forms"], "level": 3}
        },
        "resources": [
            file("SKILL.md", PDF_SKILL_MD.as_bytes()),
            file("assets/logo.png", LOGO),
            file("references/FORMS.md", FORMS_MD.as_bytes()),
            file("references/latest.md", FORMS_MD.as_bytes()),
        ]
    })
}

fn result(reply: &http_support::Reply) -> Value {
    let message = reply.json();
    assert!(message.get("error").is_none(), "{message}");
    message["result"].clone()
}

fn error_code(reply: &http_support::Reply) -> i64 {
    let message = reply.json();
    message["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("an error: {message}"))
}

fn names(resources: &Value) -> Vec<(String, String)> {
    resources
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["mimeType"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_2025_11_25_session_lists_gets_reads_and_walks_the_skills() {
    let root = skills_folder("session");
    let url = serve(&root).await;
    let (mut session, init) = LegacySession::open(&url, "2025-11-25").await;
    let caps = &init.json()["result"]["capabilities"];
    assert_eq!(
        caps["extensions"][SKILLS_EXTENSION],
        json!({"directoryRead": true})
    );
    assert!(
        caps["resources"].is_object(),
        "skills need the resources capability: {caps}"
    );

    let list = result(&session.request("skills/list", json!({})).await);
    let skills = list["skills"].as_array().unwrap();
    assert_eq!(skills.len(), 2, "{list}");
    assert_eq!(skills[0]["uri"], "skill://acme/billing/refunds/SKILL.md");
    assert_eq!(skills[1], pdf_entry());
    assert!(list.get("nextCursor").is_none());

    let got = result(
        &session
            .request(
                "skills/get",
                json!({"uri": "skill://pdf-processing/SKILL.md"}),
            )
            .await,
    );
    assert_eq!(got, json!({"skill": pdf_entry()}));

    let read = result(
        &session
            .request(
                "resources/read",
                json!({"uri": "skill://pdf-processing/SKILL.md"}),
            )
            .await,
    );
    assert_eq!(
        read["contents"],
        json!([{"uri": "skill://pdf-processing/SKILL.md", "mimeType": "text/markdown", "text": PDF_SKILL_MD}])
    );
    let linked = result(
        &session
            .request(
                "resources/read",
                json!({"uri": "skill://pdf-processing/references/latest.md"}),
            )
            .await,
    );
    assert_eq!(linked["contents"][0]["text"], FORMS_MD);
    let logo = result(
        &session
            .request(
                "resources/read",
                json!({"uri": "skill://pdf-processing/assets/logo.png"}),
            )
            .await,
    );
    assert_eq!(logo["contents"][0]["mimeType"], "image/png");
    assert_eq!(logo["contents"][0]["blob"], "iVBOR/8=");

    let resources = result(&session.request("resources/list", json!({})).await);
    assert!(
        resources["resources"].as_array().unwrap().contains(&json!({
            "uri": "skill://pdf-processing/SKILL.md",
            "name": "pdf-processing",
            "description": "Extract, fill, and assemble PDF documents",
            "mimeType": "text/markdown",
            "size": PDF_SKILL_MD.len(),
        })),
        "{resources}"
    );

    let dir = |uri: &str| json!({"uri": uri});
    let top = result(
        &session
            .request("resources/directory/read", dir("skill://pdf-processing"))
            .await,
    );
    assert_eq!(
        names(&top["resources"]),
        [
            ("SKILL.md".into(), "text/markdown".into()),
            ("assets".into(), "inode/directory".into()),
            ("references".into(), "inode/directory".into()),
        ]
    );
    let refs = result(
        &session
            .request(
                "resources/directory/read",
                dir("skill://pdf-processing/references"),
            )
            .await,
    );
    assert_eq!(
        refs["resources"][0]["uri"],
        "skill://pdf-processing/references/FORMS.md"
    );
    assert_eq!(refs["resources"][0]["size"], FORMS_MD.len());
    let prefix = result(
        &session
            .request("resources/directory/read", dir("skill://acme"))
            .await,
    );
    assert_eq!(
        names(&prefix["resources"]),
        [("billing".into(), "inode/directory".into())]
    );
    for not_a_dir in [
        "skill://pdf-processing/SKILL.md",
        "skill://nowhere",
        "test://x",
    ] {
        let reply = session
            .request("resources/directory/read", dir(not_a_dir))
            .await;
        assert_eq!(error_code(&reply), -32602, "{not_a_dir}: {reply:?}");
    }

    let unknown = session
        .request("skills/get", json!({"uri": "skill://nope/SKILL.md"}))
        .await;
    assert_eq!(error_code(&unknown), -32602);
    let not_skill_md = session
        .request(
            "skills/get",
            json!({"uri": "skill://pdf-processing/references/FORMS.md"}),
        )
        .await;
    assert_eq!(error_code(&not_skill_md), -32602);
    let missing_file = session
        .request(
            "resources/read",
            json!({"uri": "skill://pdf-processing/nope.md"}),
        )
        .await;
    assert_eq!(
        error_code(&missing_file),
        -32002,
        "resource not found before 2026-07-28"
    );
    let hidden = session
        .request(
            "resources/read",
            json!({"uri": "skill://pdf-processing/.hidden/notes.md"}),
        )
        .await;
    assert_eq!(
        error_code(&hidden),
        -32002,
        "names starting with . are not served"
    );
    let subscribed = session
        .request(
            "resources/subscribe",
            json!({"uri": "skill://pdf-processing/SKILL.md"}),
        )
        .await;
    assert_eq!(result(&subscribed), json!({}));
    let _ = fs::remove_dir_all(root);
}

#[tokio::test]
async fn a_2025_06_18_session_reads_skill_files_as_plain_resources() {
    let root = skills_folder("old-session");
    let url = serve(&root).await;
    let (mut session, init) = LegacySession::open(&url, "2025-06-18").await;
    let caps = &init.json()["result"]["capabilities"];
    assert!(caps.get("extensions").is_none(), "{caps}");
    assert_eq!(
        error_code(&session.request("skills/list", json!({})).await),
        -32601
    );
    let read = result(
        &session
            .request(
                "resources/read",
                json!({"uri": "skill://pdf-processing/references/FORMS.md"}),
            )
            .await,
    );
    assert_eq!(read["contents"][0]["text"], FORMS_MD);
    let _ = fs::remove_dir_all(root);
}

#[tokio::test]
async fn a_2026_07_28_client_discovers_lists_gets_and_reads_the_skills() {
    let root = skills_folder("stateless");
    let url = serve(&root).await;
    let discover = result(&stateless(&url, 1, "server/discover", json!({})).await);
    assert_eq!(
        discover["capabilities"]["extensions"][SKILLS_EXTENSION],
        json!({"directoryRead": true})
    );
    let list = result(&stateless(&url, 2, "skills/list", json!({})).await);
    assert_eq!(list["resultType"], "complete");
    assert_eq!(list["ttlMs"], 300_000);
    assert_eq!(list["cacheScope"], "public");
    assert_eq!(list["skills"][1], pdf_entry());
    let got = result(
        &stateless(
            &url,
            3,
            "skills/get",
            json!({"uri": "skill://acme/billing/refunds/SKILL.md"}),
        )
        .await,
    );
    assert_eq!(got["skill"]["frontmatter"]["name"], "refunds");
    assert_eq!(got["ttlMs"], 300_000);
    assert!(got.get("nextCursor").is_none());
    let read = result(
        &stateless(
            &url,
            4,
            "resources/read",
            json!({"uri": "skill://acme/billing/refunds/examples/email.md"}),
        )
        .await,
    );
    assert_eq!(read["contents"][0]["text"], "Dear customer,\n");
    assert_eq!(read["cacheScope"], "public");
    let dir = result(
        &stateless(
            &url,
            5,
            "resources/directory/read",
            json!({"uri": "skill://acme/billing/refunds"}),
        )
        .await,
    );
    assert_eq!(
        names(&dir["resources"]),
        [
            ("SKILL.md".into(), "text/markdown".into()),
            ("examples".into(), "inode/directory".into()),
        ]
    );
    let missing = stateless(
        &url,
        6,
        "resources/read",
        json!({"uri": "skill://pdf-processing/nope.md"}),
    )
    .await;
    assert_eq!(
        error_code(&missing),
        -32602,
        "resource not found from 2026-07-28"
    );
    let _ = fs::remove_dir_all(root);
}

/// URIs that try to reach `secret.txt` (beside the skills folder) or any
/// other file outside a skill.
const ESCAPES: &[&str] = &[
    "skill://pdf-processing/../../secret.txt",
    "skill://pdf-processing/references/../../../secret.txt",
    "skill://pdf-processing/%2e%2e/%2e%2e/secret.txt",
    "skill://pdf-processing/%2E%2E%2F%2E%2E%2Fsecret.txt",
    "skill://pdf-processing/references%2F..%2F..%2F..%2Fsecret.txt",
    "skill://pdf-processing/..%5C..%5Csecret.txt",
    "skill://pdf-processing/./SKILL.md",
    "skill:///etc/passwd",
    "skill://pdf-processing//etc/passwd",
    "skill://pdf-processing/%2Fetc%2Fpasswd",
    "skill://..",
    "skill://%2e%2e/secret.txt",
    "skill://pdf-processing/SKILL.md%00",
    "skill://pdf-processing/%zz",
];

#[tokio::test]
async fn every_attempt_to_leave_a_skill_gets_32602_in_both_eras() {
    let root = skills_folder("escapes");
    let url = serve(&root).await;
    let (mut session, _) = LegacySession::open(&url, "2025-11-25").await;
    let mut id = 10;
    for uri in ESCAPES {
        for method in ["resources/read", "skills/get", "resources/directory/read"] {
            let legacy = session.request(method, json!({"uri": uri})).await;
            id += 1;
            let modern = stateless(&url, id, method, json!({"uri": uri})).await;
            for (era, reply) in [("2025-11-25", &legacy), ("2026-07-28", &modern)] {
                assert_eq!(error_code(reply), -32602, "{era} {method} {uri}: {reply:?}");
                assert!(
                    !reply.body.contains(SECRET),
                    "{era} {method} {uri} leaked the file"
                );
                assert!(
                    !reply.body.contains("root:"),
                    "{era} {method} {uri} leaked /etc/passwd"
                );
            }
        }
    }
    let _ = fs::remove_dir_all(root);
}

/// Builds a server with `builder` and returns the skill error.
async fn build_error(builder: ServerBuilder) -> SkillError {
    match builder.build().await {
        Err(BuildError::Catalog(ferrymcp::catalog::CatalogBuildError::Skill(e))) => e,
        Err(other) => panic!("not a skill error: {other}"),
        Ok(_) => panic!("the server was built"),
    }
}

#[tokio::test]
async fn a_bad_skill_folder_fails_the_build_naming_the_skill_and_the_problem() {
    let root = scratch("bad");
    let folder = |name: &str, skill_md: Option<&str>| {
        let dir = root.join(name).join("skills").join("one");
        fs::create_dir_all(&dir).unwrap();
        if let Some(text) = skill_md {
            write(&dir.join("SKILL.md"), text);
        }
        dir
    };
    let ok = "---\nname: one\ndescription: d\n---\n";

    let no_skill_md = folder("missing", None);
    write(&no_skill_md.join("notes.md"), "x");
    let e = build_error(Server::builder("b").skills_dir(root.join("missing/skills"))).await;
    assert_eq!(e.problem, SkillProblem::MissingSkillMd);
    assert!(e.skill.ends_with("missing/skills/one"), "{e}");
    assert!(e.to_string().contains("no `SKILL.md`"), "{e}");

    folder("no-front-matter", Some("# One\n"));
    let e = build_error(Server::builder("b").skills_dir(root.join("no-front-matter/skills"))).await;
    assert_eq!(e.problem, SkillProblem::NoFrontMatter);

    folder(
        "bad-yaml",
        Some("---\nname: one\ndescription: [unclosed\n---\n"),
    );
    let e = build_error(Server::builder("b").skills_dir(root.join("bad-yaml/skills"))).await;
    assert!(matches!(e.problem, SkillProblem::BadFrontMatter(_)), "{e}");
    assert!(
        e.to_string().contains("line"),
        "the YAML error says where: {e}"
    );

    folder("no-description", Some("---\nname: one\n---\n"));
    let e = build_error(Server::builder("b").skills_dir(root.join("no-description/skills"))).await;
    assert!(
        matches!(
            &e.problem,
            SkillProblem::BadField {
                field: "description",
                ..
            }
        ),
        "{e}"
    );

    folder("mismatch", Some("---\nname: other\ndescription: d\n---\n"));
    let e = build_error(Server::builder("b").skills_dir(root.join("mismatch/skills"))).await;
    assert_eq!(
        e.problem,
        SkillProblem::NameMismatch {
            folder: "one".into(),
            name: "other".into()
        }
    );

    write(&root.join("outside.txt"), SECRET);
    let link_out = folder("link-out", Some(ok));
    std::os::unix::fs::symlink(root.join("outside.txt"), link_out.join("secret.txt")).unwrap();
    let e = build_error(Server::builder("b").skills_dir(root.join("link-out/skills"))).await;
    assert!(
        matches!(&e.problem, SkillProblem::LinkOutside { path, .. } if path == "secret.txt"),
        "{e}"
    );

    let dir_out = folder("dir-out", Some(ok));
    std::os::unix::fs::symlink("../../..", dir_out.join("up")).unwrap();
    let e = build_error(Server::builder("b").skills_dir(root.join("dir-out/skills"))).await;
    assert!(
        matches!(&e.problem, SkillProblem::LinkOutside { path, .. } if path == "up"),
        "{e}"
    );

    let dangling = folder("dangling", Some(ok));
    std::os::unix::fs::symlink("nowhere.md", dangling.join("gone.md")).unwrap();
    let e = build_error(Server::builder("b").skills_dir(root.join("dangling/skills"))).await;
    assert!(
        matches!(&e.problem, SkillProblem::LinkOutside { .. }),
        "{e}"
    );

    let e = build_error(Server::builder("b").skills_dir(root.join("does-not-exist"))).await;
    assert!(matches!(&e.problem, SkillProblem::Io { .. }), "{e}");

    let in_code = |path: &str| Skill::new(ok).file(path, "x");
    for (path, reason) in [
        ("/etc/passwd", "absolute"),
        ("../outside.txt", "`..`"),
        ("a/./b", "`.`"),
        ("a//b", "empty segment"),
    ] {
        let e = build_error(Server::builder("b").skill(in_code(path))).await;
        assert!(
            matches!(&e.problem, SkillProblem::BadPath { path: p, reason: r } if p == path && r.contains(reason)),
            "{path}: {e}"
        );
    }
    let e = build_error(
        Server::builder("b")
            .skill(Skill::new(ok))
            .skill(Skill::new(ok)),
    )
    .await;
    assert_eq!(
        e.problem,
        SkillProblem::Duplicate("skill://one/SKILL.md".into())
    );
    let _ = fs::remove_dir_all(root);
}
