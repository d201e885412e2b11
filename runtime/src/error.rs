//! Errors a tool returns and errors the framework reports.

use crate::protocol::ErrorObject;
use std::fmt;

/// The error of a tool: by default an `isError: true` result whose text is the
/// message, so the model sees what went wrong.
///
/// Any `std::error::Error` converts into it with `?`. [`ToolError::protocol`]
/// makes the call fail with a JSON-RPC error instead (for a request that is
/// itself invalid, not for a failure of the work).
pub struct ToolError {
    kind: ToolErrorKind,
}

enum ToolErrorKind {
    Tool(String),
    Protocol(ErrorObject),
}

impl ToolError {
    /// A tool error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        ToolError {
            kind: ToolErrorKind::Tool(message.into()),
        }
    }

    /// A JSON-RPC error instead of a tool result.
    pub fn protocol(code: i64, message: impl Into<String>) -> Self {
        ToolError {
            kind: ToolErrorKind::Protocol(ErrorObject::new(code, message)),
        }
    }

    /// A JSON-RPC -32602 error: the request's parameters are wrong.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::protocol(crate::protocol::jsonrpc::code::INVALID_PARAMS, message)
    }

    /// The message shown to the client.
    pub fn message(&self) -> &str {
        match &self.kind {
            ToolErrorKind::Tool(m) => m,
            ToolErrorKind::Protocol(e) => &e.message,
        }
    }

    /// The JSON-RPC error, when this is a protocol error.
    pub fn as_protocol(&self) -> Option<&ErrorObject> {
        match &self.kind {
            ToolErrorKind::Protocol(e) => Some(e),
            ToolErrorKind::Tool(_) => None,
        }
    }

    pub(crate) fn into_outcome(self) -> Result<crate::protocol::CallToolResult, ErrorObject> {
        match self.kind {
            ToolErrorKind::Tool(m) => Ok(crate::protocol::CallToolResult::error(m)),
            ToolErrorKind::Protocol(e) => Err(e),
        }
    }
}

impl fmt::Debug for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ToolErrorKind::Tool(m) => f.debug_tuple("ToolError").field(m).finish(),
            ToolErrorKind::Protocol(e) => f.debug_tuple("ToolError::Protocol").field(e).finish(),
        }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for ToolError {
    fn from(e: E) -> Self {
        // A question the client could not answer has a protocol meaning.
        if let Some(input) = (&e as &dyn std::any::Any).downcast_ref::<crate::ask::InputError>() {
            return ToolError::from_input(input);
        }
        // A request that cannot proceed until URL elicitations complete: -32042.
        if let Some(required) =
            (&e as &dyn std::any::Any).downcast_ref::<crate::ask::UrlElicitationRequired>()
        {
            return ToolError {
                kind: ToolErrorKind::Protocol(required.to_error_object()),
            };
        }
        ToolError::new(e.to_string())
    }
}

impl ToolError {
    /// The error a call ends with when `?` meets an [`InputError`](crate::ask::InputError):
    /// a client that lacks the capability gets -32021 naming it (as
    /// `requiredCapabilities`), a malformed answer -32602; the rest are tool
    /// errors the model can read.
    fn from_input(error: &crate::ask::InputError) -> Self {
        use crate::call::InputError;
        use crate::protocol::jsonrpc::code;
        match error {
            InputError::Unsupported { capability } => ToolError {
                kind: ToolErrorKind::Protocol(
                    ErrorObject::new(
                        code::MISSING_REQUIRED_CLIENT_CAPABILITY,
                        format!(
                            "Missing required client capability: this call needs `{capability}`; declare it in the client capabilities"
                        ),
                    )
                    .with_data(required_capability(capability, None)),
                ),
            },
            InputError::UnsupportedMode { capability, mode } => ToolError {
                kind: ToolErrorKind::Protocol(
                    ErrorObject::new(
                        code::MISSING_REQUIRED_CLIENT_CAPABILITY,
                        format!(
                            "Missing required client capability: this call needs `{capability}.{mode}`; declare `\"{capability}\": {{\"{mode}\": {{}}}}` in the client capabilities"
                        ),
                    )
                    .with_data(required_capability(capability, Some(mode))),
                ),
            },
            InputError::InvalidAnswer(_) => ToolError::invalid_params(format!("Invalid params: {error}")),
            other => ToolError::new(other.to_string()),
        }
    }
}

/// The data of -32021 naming one capability (and the mode of it) the call needed.
fn required_capability(capability: &str, mode: Option<&str>) -> serde_json::Value {
    use crate::protocol::messages::{to_value, RequiredCapabilitiesData, RequiredCapability};
    to_value(&RequiredCapabilitiesData {
        required_capabilities: RequiredCapability { capability, mode },
    })
}

/// A boxed error, as returned by a failing lifespan.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a server could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The lifespan function failed.
    #[error("the server's lifespan failed to start: {0}")]
    Lifespan(#[source] BoxError),
    /// A resource or prompt is registered twice, or a template is invalid.
    #[error(transparent)]
    Catalog(#[from] CatalogBuildError),
    /// Two tools share a name.
    #[error("two tools are named `{0}`; tool names must be unique")]
    DuplicateTool(String),
    /// A tool name breaks the naming rules.
    #[error("invalid tool name `{0}`: use 1 to 128 characters of A-Z, a-z, 0-9, `_`, `-` and `.`")]
    InvalidToolName(String),
    /// A tool, prompt, resource or template of a mounted server
    /// ([`ServerBuilder::mount`](crate::ServerBuilder::mount)) has, once
    /// prefixed, the name or URI of one of the parent's or of another
    /// mounted server's.
    #[error("{kind} `{name}` of the server mounted at `{prefix}` clashes with {other}")]
    MountClash {
        /// `tool`, `prompt` or `resource`.
        kind: &'static str,
        /// The prefixed name or URI.
        name: String,
        /// The prefix of the mounted server.
        prefix: String,
        /// What it clashes with (the parent's, or another mounted server's).
        other: String,
    },
    /// A mount prefix that cannot be part of a tool name and a URI.
    #[error(
        "invalid mount prefix `{0}`: use 1 to 64 characters of A-Z, a-z, 0-9, `_`, `-` and `.`"
    )]
    InvalidMountPrefix(String),
}

/// Why resources and prompts could not be put together in a [`Catalog`](crate::catalog::Catalog).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogBuildError {
    /// Two resources have the same URI.
    #[error("two resources have the URI `{0}`; resource URIs must be unique")]
    DuplicateResource(String),
    /// Two resource templates have the same URI template.
    #[error("two resource templates are `{0}`; URI templates must be unique")]
    DuplicateTemplate(String),
    /// Two prompts have the same name.
    #[error("two prompts are named `{0}`; prompt names must be unique")]
    DuplicatePrompt(String),
    /// A URI template ferrymcp cannot match.
    #[error("invalid URI template: {0}")]
    InvalidTemplate(String),
    /// A skill could not be served (see [`SkillError`]).
    #[error(transparent)]
    Skill(#[from] SkillError),
}

/// Why a skill (a folder with a `SKILL.md`) cannot be served: which skill,
/// and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("skill `{skill}`: {problem}")]
pub struct SkillError {
    /// The skill: its folder, or its path in the skill namespace.
    pub skill: String,
    /// What is wrong.
    pub problem: SkillProblem,
}

/// What is wrong with a skill.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SkillProblem {
    /// The folder could not be read.
    #[error("cannot read `{path}`: {reason}")]
    Io {
        /// The file or folder.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The folder has no `SKILL.md` at its root.
    #[error("no `SKILL.md` at the root of the skill's folder; every skill needs one")]
    MissingSkillMd,
    /// `SKILL.md` does not start with a `---` line, or the block is not closed.
    #[error("`SKILL.md` must begin with YAML front matter: a `---` line, the YAML, and a closing `---` line")]
    NoFrontMatter,
    /// The front matter is not valid YAML, or uses what JSON cannot carry.
    #[error("the front matter of `SKILL.md` is not valid: {0}")]
    BadFrontMatter(String),
    /// A field of the front matter is missing or breaks the Agent Skills rules.
    #[error("front matter field `{field}`: {reason}")]
    BadField {
        /// The field (`name`, `description`).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The skill's folder (the last segment of its path) is not its name.
    #[error("its folder is named `{folder}` but its front matter says `name: {name}`; they must be equal")]
    NameMismatch {
        /// The last segment of the skill path.
        folder: String,
        /// The front matter's `name`.
        name: String,
    },
    /// A file path that is not a plain relative path inside the skill.
    #[error("`{path}` is not a path inside the skill: {reason}")]
    BadPath {
        /// The path as given.
        path: String,
        /// Why not.
        reason: String,
    },
    /// A symbolic link that leads outside the skill's folder (or in a loop).
    #[error("`{path}` is a symbolic link to `{target}`, outside the skill's folder")]
    LinkOutside {
        /// The link, relative to the skill's folder.
        path: String,
        /// Where it leads.
        target: String,
    },
    /// Two files, or two skills, at the same URI.
    #[error("`{0}` is served twice")]
    Duplicate(String),
    /// More files than the extension lets a host count on (512).
    #[error("{0} files; a skill may have at most 512 (SKILL.md included)")]
    TooManyFiles(usize),
    /// More bytes than the extension lets a host count on (16 MiB).
    #[error("{0} bytes in all; a skill may hold at most 16 MiB (16777216 bytes)")]
    TooLarge(u64),
}
