//! Protocol revisions and version negotiation.

use std::fmt;

/// An MCP protocol revision this server can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// 2025-03-26 (accepted for older clients; served like 2025-06-18).
    V2025_03_26,
    /// 2025-06-18: sessions, structured tool output, elicitation.
    V2025_06_18,
    /// 2025-11-25: adds core tasks.
    V2025_11_25,
    /// 2026-07-28: stateless, `server/discover`, tasks as an extension.
    V2026_07_28,
}

impl ProtocolVersion {
    /// Every revision, oldest first.
    pub const ALL: [ProtocolVersion; 4] = [
        ProtocolVersion::V2025_03_26,
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_11_25,
        ProtocolVersion::V2026_07_28,
    ];

    /// Revisions negotiated through `initialize` (the session-based ones), newest first.
    pub const SESSION_REVISIONS: [ProtocolVersion; 3] = [
        ProtocolVersion::V2025_11_25,
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_03_26,
    ];

    /// The newest revision negotiated through `initialize`.
    pub const LATEST_SESSION: ProtocolVersion = ProtocolVersion::V2025_11_25;

    /// The revision string on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V2025_03_26 => "2025-03-26",
            ProtocolVersion::V2025_06_18 => "2025-06-18",
            ProtocolVersion::V2025_11_25 => "2025-11-25",
            ProtocolVersion::V2026_07_28 => "2026-07-28",
        }
    }

    /// Parses a revision string; `None` for one this server does not know.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The revision to answer an `initialize` that asked for `requested`:
    /// the same one when supported, otherwise the newest session revision.
    pub fn negotiate(requested: &str) -> Self {
        match Self::parse(requested) {
            Some(v) if Self::SESSION_REVISIONS.contains(&v) => v,
            _ => Self::LATEST_SESSION,
        }
    }

    /// Whether this revision knows core tasks (2025-11-25).
    pub fn has_core_tasks(self) -> bool {
        self == ProtocolVersion::V2025_11_25
    }

    /// Whether this revision is stateless (no `initialize`, no sessions).
    pub fn is_stateless(self) -> bool {
        self >= ProtocolVersion::V2026_07_28
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_keeps_supported_and_falls_back_to_latest() {
        assert_eq!(
            ProtocolVersion::negotiate("2025-06-18"),
            ProtocolVersion::V2025_06_18
        );
        assert_eq!(
            ProtocolVersion::negotiate("1999-01-01"),
            ProtocolVersion::V2025_11_25
        );
        assert_eq!(
            ProtocolVersion::negotiate("2026-07-28"),
            ProtocolVersion::V2025_11_25
        );
    }
}
