//! The request methods: each written once, with what the wire says of it —
//! the revisions that allow it, the capability it needs, the body field its
//! `Mcp-Name` header mirrors, whether its handler may ask the client through
//! its result, and whether it answers at once from memory.
//!
//! The server's dispatch matches on [`Method`]; the transports read the same
//! table for their own questions (which header to check, what may run beside
//! the reader). A method added here is a compile error wherever a `match`
//! does not yet answer it.

use super::version::ProtocolVersion;

/// A request method the server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `initialize` (session revisions).
    Initialize,
    /// `ping`.
    Ping,
    /// `server/discover` (2026-07-28).
    ServerDiscover,
    /// `logging/setLevel` (session revisions; 2026-07-28 carries the level in `_meta`).
    LoggingSetLevel,
    /// `tools/list`.
    ToolsList,
    /// `tools/call`.
    ToolsCall,
    /// `tasks/get`.
    TasksGet,
    /// `tasks/result` (2025-11-25 core tasks only).
    TasksResult,
    /// `tasks/list` (2025-11-25 core tasks only).
    TasksList,
    /// `tasks/cancel`.
    TasksCancel,
    /// `tasks/update` (the 2026-07-28 tasks extension).
    TasksUpdate,
    /// `resources/list`.
    ResourcesList,
    /// `resources/templates/list`.
    ResourcesTemplatesList,
    /// `resources/read`.
    ResourcesRead,
    /// `resources/subscribe` (session revisions).
    ResourcesSubscribe,
    /// `resources/unsubscribe` (session revisions).
    ResourcesUnsubscribe,
    /// `subscriptions/listen` (2026-07-28).
    SubscriptionsListen,
    /// `prompts/list`.
    PromptsList,
    /// `prompts/get`.
    PromptsGet,
    /// `completion/complete`.
    CompletionComplete,
    /// `skills/list` (the skills extension).
    SkillsList,
    /// `skills/get` (the skills extension).
    SkillsGet,
    /// `resources/directory/read` (the skills extension's `directoryRead`).
    ResourcesDirectoryRead,
}

/// The server capability a method belongs to: a method of a capability the
/// server does not declare is unknown to its clients (-32601).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Capability {
    /// Always there (`initialize`, `ping`, discovery, tools, logging).
    Always,
    /// Background tasks.
    Tasks,
    /// Resources or resource templates.
    Resources,
    /// Prompts.
    Prompts,
    /// Completion (prompts or resource templates).
    Completions,
    /// The skills extension (`io.modelcontextprotocol/skills`).
    Skills,
}

/// Which revisions allow a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Revisions {
    /// Every revision, sessions and stateless.
    All,
    /// The session revisions (2025-03-26 to 2025-11-25).
    Sessions,
    /// The session revisions with core tasks (2025-11-25).
    CoreTasks,
    /// 2025-11-25 core tasks and the 2026-07-28 tasks extension.
    AnyTasks,
    /// The stateless revision (2026-07-28), which the stateless dispatch
    /// also answers for session revisions' clients that skip `initialize`.
    Stateless,
    /// Every revision but the stateless one.
    NotStateless,
    /// The revisions with `capabilities.extensions` (2025-11-25 and later).
    Extensions,
}

/// One row of the table.
struct Row {
    method: Method,
    name: &'static str,
    revisions: Revisions,
    capability: Capability,
    /// The body field `Mcp-Name` mirrors (SEP-2243, SEP-2663).
    name_field: Option<&'static str>,
    /// Its handler may ask the client (elicitation, sampling, roots).
    asks: bool,
    /// It answers from memory at once, without user code or storage, and
    /// its order matters to what follows (stdio runs it in the reading loop).
    at_once: bool,
}

const fn row(method: Method, name: &'static str, revisions: Revisions) -> Row {
    Row {
        method,
        name,
        revisions,
        capability: Capability::Always,
        name_field: None,
        asks: false,
        at_once: false,
    }
}

impl Row {
    const fn capability(mut self, capability: Capability) -> Row {
        self.capability = capability;
        self
    }
    const fn name_field(mut self, field: &'static str) -> Row {
        self.name_field = Some(field);
        self
    }
    const fn asks(mut self) -> Row {
        self.asks = true;
        self
    }
    const fn at_once(mut self) -> Row {
        self.at_once = true;
        self
    }
}

use Capability as C;
use Method as M;
use Revisions as R;

/// Writes the one method table, and the `match` that finds a method by
/// name from the same lines (a `match` on strings compiles to a length
/// switch, cheaper than walking the table).
macro_rules! method_table {
    ($($method:ident = $name:literal in $revisions:ident $(. $option:ident ( $($arg:expr)? ))* ;)*) => {
        /// The one method table, in the enum's order.
        const TABLE: &[Row] = &[$(row(M::$method, $name, R::$revisions) $(.$option($($arg)?))*),*];

        fn by_name(name: &str) -> Option<Method> {
            match name {
                $($name => Some(M::$method),)*
                _ => None,
            }
        }
    };
}

method_table! {
    Initialize = "initialize" in Sessions .at_once();
    Ping = "ping" in NotStateless .at_once();
    ServerDiscover = "server/discover" in Stateless;
    LoggingSetLevel = "logging/setLevel" in Sessions .at_once();
    ToolsList = "tools/list" in All .at_once();
    ToolsCall = "tools/call" in All .name_field("name") .asks();
    TasksGet = "tasks/get" in AnyTasks .capability(C::Tasks) .name_field("taskId");
    TasksResult = "tasks/result" in CoreTasks .capability(C::Tasks);
    TasksList = "tasks/list" in CoreTasks .capability(C::Tasks);
    TasksCancel = "tasks/cancel" in AnyTasks .capability(C::Tasks) .name_field("taskId");
    TasksUpdate = "tasks/update" in Stateless .capability(C::Tasks) .name_field("taskId");
    ResourcesList = "resources/list" in All .capability(C::Resources) .at_once();
    ResourcesTemplatesList = "resources/templates/list" in All
        .capability(C::Resources) .at_once();
    ResourcesRead = "resources/read" in All
        .capability(C::Resources) .name_field("uri") .asks();
    ResourcesSubscribe = "resources/subscribe" in Sessions
        .capability(C::Resources) .at_once();
    ResourcesUnsubscribe = "resources/unsubscribe" in Sessions
        .capability(C::Resources) .at_once();
    SubscriptionsListen = "subscriptions/listen" in Stateless;
    PromptsList = "prompts/list" in All .capability(C::Prompts) .at_once();
    PromptsGet = "prompts/get" in All .capability(C::Prompts) .name_field("name") .asks();
    CompletionComplete = "completion/complete" in All .capability(C::Completions) .asks();
    SkillsList = "skills/list" in Extensions .capability(C::Skills) .at_once();
    SkillsGet = "skills/get" in Extensions .capability(C::Skills) .at_once();
    ResourcesDirectoryRead = "resources/directory/read" in Extensions
        .capability(C::Skills) .at_once();
}

impl Method {
    /// The method named `name`, if the server knows it.
    pub fn parse(name: &str) -> Option<Method> {
        by_name(name)
    }

    fn row(self) -> &'static Row {
        // The table is in the enum's order (checked by a test).
        let row = &TABLE[self as usize];
        debug_assert_eq!(row.method, self);
        row
    }

    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        self.row().name
    }

    /// Whether a client speaking `version` may call it.
    pub fn allowed_in(self, version: ProtocolVersion) -> bool {
        match self.row().revisions {
            Revisions::All => true,
            Revisions::Sessions => !version.is_stateless(),
            Revisions::CoreTasks => version.has_core_tasks(),
            Revisions::AnyTasks => version.has_core_tasks() || version.is_stateless(),
            Revisions::Stateless => version.is_stateless(),
            Revisions::NotStateless => !version.is_stateless(),
            Revisions::Extensions => version >= ProtocolVersion::V2025_11_25,
        }
    }

    /// Whether the stateless dispatch answers it.
    pub fn is_stateless(self) -> bool {
        self.allowed_in(ProtocolVersion::V2026_07_28)
    }

    /// The capability it belongs to.
    pub fn capability(self) -> Capability {
        self.row().capability
    }

    /// The body field the `Mcp-Name` header mirrors: `params.name`,
    /// `params.uri` (SEP-2243), or `params.taskId` for the tasks extension
    /// (SEP-2663).
    pub fn name_field(self) -> Option<&'static str> {
        self.row().name_field
    }

    /// Whether its handler may ask the client (elicitation, sampling,
    /// roots): by request on a session, through its result (the multi
    /// round-trip pattern) when stateless.
    pub fn asks_the_client(self) -> bool {
        self.row().asks
    }

    /// Whether it answers at once from memory (no user code, no storage,
    /// nothing asked of the client), in an order that matters to what
    /// follows: `initialize` first, a log level or a subscription before
    /// the calls that use it.
    pub fn answers_at_once(self) -> bool {
        self.row().at_once
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_the_enums_order_and_names_are_unique() {
        for (i, row) in TABLE.iter().enumerate() {
            assert_eq!(row.method as usize, i, "{} is out of order", row.name);
            assert_eq!(Method::parse(row.name), Some(row.method));
        }
        let mut names: Vec<_> = TABLE.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLE.len());
    }

    #[test]
    fn revisions_allow_what_the_spec_gives_them() {
        use ProtocolVersion::*;
        assert!(Method::Initialize.allowed_in(V2025_06_18));
        assert!(!Method::Initialize.allowed_in(V2026_07_28));
        assert!(Method::TasksResult.allowed_in(V2025_11_25));
        assert!(!Method::TasksResult.allowed_in(V2025_06_18));
        assert!(!Method::TasksResult.allowed_in(V2026_07_28));
        assert!(Method::TasksUpdate.allowed_in(V2026_07_28));
        assert!(!Method::TasksUpdate.allowed_in(V2025_11_25));
        assert!(Method::TasksGet.allowed_in(V2026_07_28));
        assert!(!Method::TasksGet.allowed_in(V2025_03_26));
        assert!(Method::ServerDiscover.allowed_in(V2026_07_28));
        assert!(!Method::ServerDiscover.allowed_in(V2025_11_25));
        assert_eq!(Method::parse("tools/call"), Some(Method::ToolsCall));
        assert_eq!(Method::parse("tools/nope"), None);
    }

    #[test]
    fn the_stateless_revision_has_its_thirteen_methods_and_the_skills_extensions_three() {
        use ProtocolVersion::*;
        let stateless: Vec<_> = TABLE
            .iter()
            .filter(|r| r.method.is_stateless())
            .map(|r| r.name)
            .collect();
        assert_eq!(
            stateless,
            [
                "server/discover",
                "tools/list",
                "tools/call",
                "tasks/get",
                "tasks/cancel",
                "tasks/update",
                "resources/list",
                "resources/templates/list",
                "resources/read",
                "subscriptions/listen",
                "prompts/list",
                "prompts/get",
                "completion/complete",
                "skills/list",
                "skills/get",
                "resources/directory/read",
            ]
        );
        assert!(Method::SkillsList.allowed_in(V2025_11_25));
        assert!(!Method::SkillsList.allowed_in(V2025_06_18));
    }
}
