//! Reading skills from disk, once, when the server is built: a skill's
//! folder (its `SKILL.md` and every file beneath it) or a folder of skills
//! (each subfolder one skill). Nothing is read from disk afterwards, so a
//! request can reach no file the server did not read here.
//!
//! Names starting with `.` are skipped (`.git`, `.DS_Store`). A symbolic
//! link is followed only if it stays inside the skill's folder; a link that
//! leads out, or a loop, is an error, as is anything that is neither a file
//! nor a folder.

use super::{Skill, MAX_FILES, MAX_TOTAL_BYTES};
use crate::error::{SkillError, SkillProblem};
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The skills of a folder: each subfolder (not starting with `.`) is one
/// skill, named after the subfolder; files beside them are ignored.
pub(crate) fn read_skills_dir(dir: &Path) -> Result<Vec<Skill>, SkillError> {
    let label = dir.display().to_string();
    let io = |path: &Path, e: std::io::Error| SkillError {
        skill: label.clone(),
        problem: SkillProblem::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        },
    };
    let mut skills = Vec::new();
    for (name, path) in sorted_entries(dir).map_err(|e| io(dir, e))? {
        if name.starts_with('.') {
            continue;
        }
        // Follows a link to a folder: the skill is what it leads to.
        let meta = fs::metadata(&path).map_err(|e| io(&path, e))?;
        if meta.is_dir() {
            skills.push(read_skill(&path)?);
        }
    }
    Ok(skills)
}

/// One skill's folder.
pub(crate) fn read_skill(dir: &Path) -> Result<Skill, SkillError> {
    let label = dir.display().to_string();
    let fail = |problem| SkillError {
        skill: label.clone(),
        problem,
    };
    let root = dir.canonicalize().map_err(|e| {
        fail(SkillProblem::Io {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })
    })?;
    let folder_name = root
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            fail(SkillProblem::BadPath {
                path: dir.display().to_string(),
                reason: "the folder's name is not UTF-8".into(),
            })
        })?;
    let mut walk = Walk {
        root: root.clone(),
        files: Vec::new(),
        total: 0,
        visited: HashSet::from([root.clone()]),
    };
    walk.folder(&root, "").map_err(fail)?;
    if !walk.files.iter().any(|(path, _)| path == "SKILL.md") {
        return Err(fail(SkillProblem::MissingSkillMd));
    }
    let mut skill = Skill::from_parts(walk.files);
    skill.origin = Some(label);
    skill.folder_name = Some(folder_name);
    Ok(skill)
}

struct Walk {
    root: PathBuf,
    files: Vec<(String, Vec<u8>)>,
    total: u64,
    visited: HashSet<PathBuf>,
}

impl Walk {
    /// Reads the folder at `dir`, whose path in the skill is `rel`.
    fn folder(&mut self, dir: &Path, rel: &str) -> Result<(), SkillProblem> {
        let entries = sorted_entries(dir).map_err(|e| io(dir, e))?;
        for (name, path) in entries {
            if name.starts_with('.') {
                continue;
            }
            let rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let link = fs::symlink_metadata(&path).map_err(|e| io(&path, e))?;
            let target = if link.file_type().is_symlink() {
                let outside = || SkillProblem::LinkOutside {
                    path: rel.clone(),
                    target: fs::read_link(&path)
                        .map(|t| t.display().to_string())
                        .unwrap_or_else(|_| "?".into()),
                };
                // A dangling link or a loop does not resolve.
                let target = path.canonicalize().map_err(|_| outside())?;
                if !target.starts_with(&self.root) {
                    return Err(outside());
                }
                target
            } else {
                path.clone()
            };
            let meta = fs::metadata(&target).map_err(|e| io(&path, e))?;
            if meta.is_dir() {
                let canonical = target.canonicalize().map_err(|e| io(&path, e))?;
                if !self.visited.insert(canonical.clone()) {
                    return Err(SkillProblem::LinkOutside {
                        path: rel,
                        target: format!(
                            "{} (a folder already read: a link may not serve a folder twice)",
                            canonical.display()
                        ),
                    });
                }
                self.folder(&target, &rel)?;
            } else if meta.is_file() {
                if self.files.len() >= MAX_FILES {
                    return Err(SkillProblem::TooManyFiles(self.files.len() + 1));
                }
                self.total += meta.len();
                if self.total > MAX_TOTAL_BYTES {
                    return Err(SkillProblem::TooLarge(self.total));
                }
                let bytes = fs::read(&target).map_err(|e| io(&path, e))?;
                self.files.push((rel, bytes));
            } else {
                return Err(SkillProblem::BadPath {
                    path: rel,
                    reason: "neither a file nor a folder".into(),
                });
            }
        }
        Ok(())
    }
}

fn io(path: &Path, e: std::io::Error) -> SkillProblem {
    SkillProblem::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// The entries of a folder by name, names that are not UTF-8 refused.
fn sorted_entries(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().into_string().map_err(|name| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the name {name:?} is not UTF-8"),
            )
        })?;
        entries.push((name, entry.path()));
    }
    entries.sort();
    Ok(entries)
}
