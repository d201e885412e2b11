//! Results the server sends, typed: each has one serializer, its field
//! names written once, next to the schema's names.

use super::types::Implementation;
use serde::Serialize;
use serde_json::Value;

/// The result of `initialize` (session revisions).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult<'a> {
    /// The revision the server will speak.
    pub protocol_version: &'static str,
    /// What the server offers.
    pub capabilities: Value,
    /// The server's name and version.
    pub server_info: &'a Implementation,
    /// How to use the server, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<&'a str>,
}

/// The result of `server/discover` (2026-07-28).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoverResult<'a> {
    /// The revisions served statelessly, newest first.
    pub supported_versions: Vec<&'static str>,
    /// What the server offers.
    pub capabilities: Value,
    /// How to use the server, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn results_serialize_with_the_schemas_names() {
        let info = Implementation {
            name: "s".into(),
            version: "1".into(),
            title: None,
        };
        let init = InitializeResult {
            protocol_version: "2025-11-25",
            capabilities: json!({}),
            server_info: &info,
            instructions: None,
        };
        assert_eq!(
            serde_json::to_value(&init).unwrap(),
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                   "serverInfo": {"name": "s", "version": "1"}})
        );
        let discover = DiscoverResult {
            supported_versions: vec!["2026-07-28"],
            capabilities: json!({"tools": {}}),
            instructions: Some("be kind"),
        };
        assert_eq!(
            serde_json::to_value(&discover).unwrap(),
            json!({"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}},
                   "instructions": "be kind"})
        );
    }
}
