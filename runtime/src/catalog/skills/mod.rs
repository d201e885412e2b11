//! Skills: the `io.modelcontextprotocol/skills` extension (SEP-2640).
//!
//! A skill is a folder with a `SKILL.md` (YAML front matter with at least
//! `name` and `description`, then instructions in Markdown) and any files
//! beside it (references, scripts, templates). A server serves each file as
//! a resource, `skill://<skill-path>/<file-path>`, read with `resources/read`
//! (`SKILL.md` as `text/markdown`, listed by `resources/list` with the front
//! matter's name and description), and answers the extension's methods:
//! `skills/list` and `skills/get` return each skill's entry (its `SKILL.md`
//! URI, its front matter as JSON, and the SHA-256 digest and size of every
//! file), and `resources/directory/read` lists a folder of a skill.
//!
//! Skills are read and checked once, when the server is built: a folder
//! without `SKILL.md`, front matter that is missing or breaks the Agent
//! Skills rules, a file path outside the skill or a symbolic link that leads
//! out of it is a [`SkillError`] then. Requests are answered from memory
//! only: a URI that tries to leave a skill (`..`, encoded or not, an
//! absolute path) gets -32602 and is never looked up on disk.
//!
//! ```
//! use ferrymcp::catalog::Skill;
//! use ferrymcp::prelude::*;
//!
//! # async fn run() -> Result<(), ferrymcp::BuildError> {
//! let release = Skill::new(
//!     "---\nname: release\ndescription: Cut a release of this project\n---\n\
//!      Follow `checklist.md`.\n",
//! )
//! .file("checklist.md", "1. Bump the version\n2. Tag\n");
//! let server = Server::builder("docs")
//!     .skill(release) // skill://release/SKILL.md, skill://release/checklist.md
//!     // .skills_dir("skills") // every subfolder of ./skills is one skill
//!     .build()
//!     .await?;
//! # Ok(()) }
//! ```

mod folder;
mod frontmatter;
mod methods;
pub(super) mod uri;

pub use crate::error::{SkillError, SkillProblem};

use super::content::ResourceContents;
use crate::protocol::messages::{to_value, ResourceEntry, SkillEntry, SkillFileRef};
use crate::protocol::ErrorObject;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The extension's identifier, the key of `capabilities.extensions`.
pub const SKILLS_EXTENSION: &str = "io.modelcontextprotocol/skills";

/// The most files a skill may have, `SKILL.md` included (the extension's
/// limit: hosts need not load more).
pub(crate) const MAX_FILES: usize = 512;

/// The most bytes a skill's files may hold together (16 MiB, the
/// extension's limit).
pub(crate) const MAX_TOTAL_BYTES: u64 = 16 * 1024 * 1024;

/// The MIME type of directories in `resources/directory/read`.
const DIRECTORY_MIME: &str = "inode/directory";

/// A skill to serve: its `SKILL.md` and supporting files, declared in code
/// ([`Skill::new`]) or read from a folder ([`Skill::from_dir`]). Give it to
/// [`ServerBuilder::skill`](crate::ServerBuilder::skill); it is checked when
/// the server is built.
///
/// ```
/// use ferrymcp::catalog::Skill;
///
/// let skill = Skill::new("---\nname: refunds\ndescription: Process refund requests\n---\n# Refunds\n")
///     .file("examples/email.md", "Dear customer, ...")
///     .under("acme/billing"); // skill://acme/billing/refunds/SKILL.md
/// ```
#[derive(Debug, Clone)]
pub struct Skill {
    /// The organizational prefix of the skill path (`acme/billing`).
    prefix: Option<String>,
    /// Every file, by its path relative to the skill's folder.
    files: Vec<(String, Vec<u8>)>,
    /// The folder it was read from, for errors.
    origin: Option<String>,
    /// The folder's name, which must equal the front matter's `name`.
    folder_name: Option<String>,
}

impl Skill {
    /// A skill whose `SKILL.md` is `skill_md`; its path in the skill
    /// namespace is the front matter's `name`.
    pub fn new(skill_md: impl Into<String>) -> Skill {
        Skill::from_parts(vec![("SKILL.md".into(), skill_md.into().into_bytes())])
    }

    /// Adds a supporting file at `path`, relative to the skill's root and
    /// `/`-separated (`references/FORMS.md`). A path that is absolute or
    /// holds `..` is an error when the server is built.
    pub fn file(mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) -> Skill {
        self.files.push((path.into(), contents.into()));
        self
    }

    /// Serves the skill under an organizational prefix: `under("acme/billing")`
    /// serves `skill://acme/billing/<name>/SKILL.md`.
    pub fn under(mut self, prefix: impl Into<String>) -> Skill {
        self.prefix = Some(prefix.into());
        self
    }

    /// Reads the skill in `dir`: its `SKILL.md` and every file beneath it
    /// (names starting with `.` skipped; symbolic links followed only inside
    /// the folder). The folder's name must equal the front matter's `name`
    /// (checked when the server is built).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Skill, SkillError> {
        folder::read_skill(dir.as_ref())
    }

    pub(crate) fn from_parts(files: Vec<(String, Vec<u8>)>) -> Skill {
        Skill {
            prefix: None,
            files,
            origin: None,
            folder_name: None,
        }
    }
}

/// The skills a builder was given, read when the server is built.
#[derive(Debug, Default)]
pub(crate) struct SkillSources {
    sources: Vec<Source>,
}

#[derive(Debug)]
enum Source {
    Folder(PathBuf),
    One(Skill),
}

impl SkillSources {
    /// Adds every skill of a folder (each subfolder is one skill).
    pub(crate) fn add_dir(&mut self, dir: impl Into<PathBuf>) {
        self.sources.push(Source::Folder(dir.into()));
    }

    /// Adds one skill.
    pub(crate) fn add(&mut self, skill: Skill) {
        self.sources.push(Source::One(skill));
    }

    /// Reads the folders.
    pub(crate) fn load(self) -> Result<Vec<Skill>, SkillError> {
        let mut skills = Vec::new();
        for source in self.sources {
            match source {
                Source::Folder(dir) => skills.extend(folder::read_skills_dir(&dir)?),
                Source::One(skill) => skills.push(skill),
            }
        }
        Ok(skills)
    }
}

/// One file of a skill, in memory.
#[derive(Debug)]
pub(crate) struct SkillFile {
    pub(crate) uri: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) mime_type: &'static str,
    /// Sent as `text` (UTF-8 and of a textual type), else as `blob`.
    pub(crate) text: bool,
}

/// A skill as served: its entry and the `Resource` of its `SKILL.md`.
#[derive(Debug)]
pub(crate) struct ServedSkill {
    pub(crate) entry: Value,
    pub(crate) resource: Value,
}

/// Every skill of a server, with its files and folders by decoded path
/// (the URI's segments joined by `/`, without the scheme).
#[derive(Debug, Default)]
pub(crate) struct Skills {
    pub(crate) skills: Vec<ServedSkill>,
    /// `SKILL.md` paths to their skill.
    by_skill_md: HashMap<String, usize>,
    files: HashMap<String, Arc<SkillFile>>,
    /// Each folder's children by name, as `Resource` objects.
    dirs: BTreeMap<String, BTreeMap<String, Value>>,
}

impl Skills {
    /// Checks and indexes the skills (sorted by URI).
    pub(crate) fn build(skills: Vec<Skill>) -> Result<Skills, SkillError> {
        let mut prepared = skills
            .into_iter()
            .map(prepare)
            .collect::<Result<Vec<_>, _>>()?;
        prepared.sort_by(|a, b| a.segments.cmp(&b.segments));
        let mut out = Skills::default();
        for skill in prepared {
            out.insert(skill)?;
        }
        Ok(out)
    }

    /// Whether any skill is served.
    pub(crate) fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }

    /// The URIs of every file (to check that no resource has one).
    pub(crate) fn file_uris(&self) -> impl Iterator<Item = &str> {
        self.files.values().map(|f| f.uri.as_str())
    }

    fn insert(&mut self, skill: Prepared) -> Result<(), SkillError> {
        let label = skill.segments.join("/");
        let fail = |problem| SkillError {
            skill: label.clone(),
            problem,
        };
        let mut resources = Vec::new();
        for (rel, bytes) in skill.files {
            let mut full = skill.segments.clone();
            full.extend(rel.split('/').map(str::to_owned));
            let key = full.join("/");
            let file_uri = uri::build(full.iter().map(String::as_str));
            resources.push(SkillFileRef {
                uri: Cow::Owned(file_uri.clone()),
                digest: Cow::Owned(digest(&bytes)),
                size: bytes.len() as u64,
            });
            let mime_type = mime_type(&rel, &bytes);
            let file = SkillFile {
                uri: file_uri,
                text: is_text(mime_type, &bytes),
                mime_type,
                bytes,
            };
            if self.dirs.contains_key(&key) {
                return Err(fail(SkillProblem::Duplicate(file.uri)));
            }
            match self.files.get(&key) {
                // A nested skill's files are also its enclosing skill's.
                Some(same) if same.bytes == file.bytes => {}
                Some(_) => return Err(fail(SkillProblem::Duplicate(file.uri))),
                None => {
                    self.add_to_folders(&full, &file).map_err(fail)?;
                    self.files.insert(key, Arc::new(file));
                }
            }
        }
        let mut skill_md = skill.segments.clone();
        skill_md.push("SKILL.md".into());
        let skill_uri = uri::build(skill_md.iter().map(String::as_str));
        let key = skill_md.join("/");
        if self.by_skill_md.insert(key, self.skills.len()).is_some() {
            return Err(fail(SkillProblem::Duplicate(skill_uri)));
        }
        let size = self.files[&skill_md.join("/")].bytes.len();
        self.skills.push(ServedSkill {
            entry: to_value(&SkillEntry {
                uri: Cow::Borrowed(&skill_uri),
                frontmatter: Cow::Borrowed(&skill.front_matter.fields),
                resources,
            }),
            resource: to_value(&ResourceEntry {
                uri: Cow::Borrowed(&skill_uri),
                name: Cow::Borrowed(&skill.front_matter.name),
                description: Some(Cow::Borrowed(&skill.front_matter.description)),
                mime_type: Cow::Borrowed("text/markdown"),
                size: Some(size as u64),
            }),
        });
        Ok(())
    }

    /// Lists the file, and every folder above it, in its parent folder.
    fn add_to_folders(&mut self, full: &[String], file: &SkillFile) -> Result<(), SkillProblem> {
        for i in 1..full.len() {
            let parent = full[..i].join("/");
            let name = &full[i];
            let child = if i + 1 < full.len() {
                let key = full[..=i].join("/");
                if self.files.contains_key(&key) {
                    return Err(SkillProblem::Duplicate(uri::build(
                        full[..=i].iter().map(String::as_str),
                    )));
                }
                to_value(&ResourceEntry {
                    uri: Cow::Owned(uri::build(full[..=i].iter().map(String::as_str))),
                    name: Cow::Borrowed(name),
                    description: None,
                    mime_type: Cow::Borrowed(DIRECTORY_MIME),
                    size: None,
                })
            } else {
                to_value(&ResourceEntry {
                    uri: Cow::Borrowed(&file.uri),
                    name: Cow::Borrowed(name),
                    description: None,
                    mime_type: Cow::Borrowed(file.mime_type),
                    size: Some(file.bytes.len() as u64),
                })
            };
            self.dirs
                .entry(parent)
                .or_default()
                .entry(name.clone())
                .or_insert(child);
        }
        Ok(())
    }

    /// The file at a `skill://` URI: -32602 for a URI that tries to leave
    /// the namespace, `Ok(None)` for one that names no file.
    pub(crate) fn file(&self, uri: &str) -> Result<Option<&Arc<SkillFile>>, ErrorObject> {
        let key = uri::segments(uri)?.join("/");
        Ok(self.files.get(&key))
    }

    /// Whether `uri` names a file of a skill.
    pub(crate) fn knows(&self, uri: &str) -> bool {
        uri::is_skill_uri(uri) && matches!(self.file(uri), Ok(Some(_)))
    }
}

/// A skill checked, before it is indexed.
struct Prepared {
    /// Its path in the namespace: the prefix's segments, then its name.
    segments: Vec<String>,
    front_matter: frontmatter::FrontMatter,
    /// Its files, `SKILL.md` first, the others by path.
    files: Vec<(String, Vec<u8>)>,
}

fn prepare(skill: Skill) -> Result<Prepared, SkillError> {
    let Skill {
        prefix,
        mut files,
        origin,
        folder_name,
    } = skill;
    let origin = origin.unwrap_or_else(|| "declared in code".into());
    let fail = |skill: &str, problem| SkillError {
        skill: skill.to_owned(),
        problem,
    };
    for (path, _) in &files {
        check_path(path).map_err(|problem| fail(&origin, problem))?;
    }
    files.sort_by(|a, b| (a.0 != "SKILL.md", &a.0).cmp(&(b.0 != "SKILL.md", &b.0)));
    if let Some(twice) = files.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(fail(&origin, SkillProblem::Duplicate(twice[0].0.clone())));
    }
    let Some((_, skill_md)) = files.first().filter(|(path, _)| path == "SKILL.md") else {
        return Err(fail(&origin, SkillProblem::MissingSkillMd));
    };
    let text = std::str::from_utf8(skill_md).map_err(|_| {
        fail(
            &origin,
            SkillProblem::BadFrontMatter("`SKILL.md` is not UTF-8 text".into()),
        )
    })?;
    let front_matter = frontmatter::parse(text).map_err(|problem| fail(&origin, problem))?;
    if let Some(folder) = folder_name {
        if folder != front_matter.name {
            return Err(fail(
                &origin,
                SkillProblem::NameMismatch {
                    folder,
                    name: front_matter.name,
                },
            ));
        }
    }
    let mut segments = Vec::new();
    if let Some(prefix) = prefix {
        check_path(&prefix).map_err(|problem| fail(&origin, problem))?;
        segments.extend(prefix.split('/').map(str::to_owned));
    }
    segments.push(front_matter.name.clone());
    let label = segments.join("/");
    if files.len() > MAX_FILES {
        return Err(fail(&label, SkillProblem::TooManyFiles(files.len())));
    }
    let total: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    if total > MAX_TOTAL_BYTES {
        return Err(fail(&label, SkillProblem::TooLarge(total)));
    }
    Ok(Prepared {
        segments,
        front_matter,
        files,
    })
}

/// A relative, `/`-separated path with no empty, `.` or `..` segment.
fn check_path(path: &str) -> Result<(), SkillProblem> {
    let bad = |reason: &str| {
        Err(SkillProblem::BadPath {
            path: path.to_owned(),
            reason: reason.into(),
        })
    };
    if path.is_empty() {
        return bad("it is empty");
    }
    if path.starts_with('/') {
        return bad("it is absolute; give it relative to the skill's root");
    }
    for segment in path.split('/') {
        match segment {
            "" => return bad("it has an empty segment (`//` or a trailing `/`)"),
            "." | ".." => return bad("`.` and `..` segments are not allowed"),
            s if s.contains(['\\', '\0']) => return bad("`\\` and NUL are not allowed"),
            _ => {}
        }
    }
    Ok(())
}

/// `sha256:` and the lowercase hex of the SHA-256 of `bytes`.
fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The MIME type of a file, from its extension (`SKILL.md` and other
/// Markdown: `text/markdown`); an unknown one is `text/plain` if it is
/// UTF-8, else `application/octet-stream`.
fn mime_type(path: &str, bytes: &[u8]) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "md" | "markdown" => "text/markdown",
        "txt" | "text" => "text/plain",
        "json" => "application/json",
        "yaml" | "yml" => "application/yaml",
        "toml" => "application/toml",
        "xml" => "application/xml",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "ts" => "text/x-typescript",
        "py" => "text/x-python",
        "rs" => "text/x-rust",
        "sh" => "application/x-sh",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ if std::str::from_utf8(bytes).is_ok() => "text/plain",
        _ => "application/octet-stream",
    }
}

/// Whether a file is sent as text: UTF-8, and not of a binary type.
fn is_text(mime_type: &str, bytes: &[u8]) -> bool {
    let binary = (mime_type.starts_with("image/") && mime_type != "image/svg+xml")
        || matches!(
            mime_type,
            "application/pdf" | "application/zip" | "application/octet-stream"
        );
    !binary && std::str::from_utf8(bytes).is_ok()
}

/// The `ResourceContents` of a skill file.
pub(crate) fn contents(file: &SkillFile) -> ResourceContents {
    let contents = if file.text {
        let text = String::from_utf8_lossy(&file.bytes).into_owned();
        ResourceContents::text(file.uri.clone(), text)
    } else {
        ResourceContents::blob(file.uri.clone(), &file.bytes)
    };
    contents.with_mime_type(file.mime_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SKILL_MD: &str = "---\nname: pdf-processing\ndescription: Extract text\n---\nBody\n";

    #[test]
    fn a_skill_in_code_gets_its_entry_folders_and_digests() {
        let skills = Skills::build(vec![Skill::new(SKILL_MD)
            .file("references/FORMS.md", "forms")
            .file("logo.png", vec![0x89, b'P', b'N', b'G'])])
        .unwrap();
        let entry = &skills.skills[0].entry;
        assert_eq!(entry["uri"], "skill://pdf-processing/SKILL.md");
        assert_eq!(entry["frontmatter"]["name"], "pdf-processing");
        let resources = entry["resources"].as_array().unwrap();
        assert_eq!(resources.len(), 3);
        assert_eq!(resources[0]["uri"], "skill://pdf-processing/SKILL.md");
        assert_eq!(resources[0]["size"], SKILL_MD.len());
        assert_eq!(resources[1]["uri"], "skill://pdf-processing/logo.png");
        assert_eq!(
            resources[2]["digest"],
            // printf forms | sha256sum
            "sha256:8bec8757f662f0f3cab90d3c7cfbf69ce66e4e120b0f8fb911aa1022798b3edf"
        );
        let root = &skills.dirs["pdf-processing"];
        assert_eq!(root["references"]["mimeType"], DIRECTORY_MIME);
        assert_eq!(root["SKILL.md"]["mimeType"], "text/markdown");
        let logo = skills
            .file("skill://pdf-processing/logo.png")
            .unwrap()
            .unwrap();
        assert!(!logo.text);
        assert_eq!(contents(logo).as_base64(), Some("iVBORw=="));
    }

    #[test]
    fn the_digest_is_sha256_in_lowercase_hex() {
        assert_eq!(
            digest(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn bad_skills_are_refused_precisely() {
        let err = |skill: Skill| Skills::build(vec![skill]).unwrap_err().to_string();
        assert!(err(Skill::new(SKILL_MD).file("../escape.md", "x")).contains("`..`"));
        assert!(err(Skill::new(SKILL_MD).file("/etc/passwd", "x")).contains("absolute"));
        assert!(err(Skill::new(SKILL_MD).file("a//b", "x")).contains("empty segment"));
        assert!(err(Skill::new(SKILL_MD).under("../x")).contains("`..`"));
        assert!(err(Skill::new("no front matter")).contains("must begin with YAML front matter"));
        assert!(
            err(Skill::from_parts(vec![("README.md".into(), vec![])])).contains("no `SKILL.md`")
        );
        assert!(err(Skill::new(SKILL_MD).file("SKILL.md", "again")).contains("served twice"));
        let twice = Skills::build(vec![Skill::new(SKILL_MD), Skill::new(SKILL_MD)]);
        assert!(twice.unwrap_err().to_string().contains("served twice"));
    }
}
