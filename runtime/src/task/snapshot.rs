//! The snapshot: what a task takes from the request that created it, so that
//! its worker can rebuild the same [`CallScope`](crate::CallScope).
//!
//! It is taken in the foreground, when the task is created, and stored with
//! the task before `CreateTaskResult` is sent. It holds the verified access
//! token (without its raw form unless the app keeps it), the key of the caller the task is
//! bound to, the request id and `_meta` (progress token, trace context), the
//! client's revision, info and capabilities, and the values the app declared
//! with [`ServerBuilder::carry`](crate::ServerBuilder::carry). It never holds
//! HTTP headers: not `Authorization`, not `Cookie`, not the [`Headers`]
//! extension (a task tool that asks for `Headers` gets none in a worker; ask
//! for `Option<Headers>`).
//!
//! [`Headers`]: crate::Headers

use crate::auth::TokenExpired;
use crate::auth::{AccessToken, CallerIdentity};
use crate::call::{CallMeta, ClientInfo};
use crate::protocol::{Implementation, ProtocolVersion, RequestId};
use crate::telemetry::TraceCarrier;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::SystemTime;

/// Who a task belongs to: only this caller may read, await, list or cancel it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The identity of the caller's verified token.
    Identity(CallerIdentity),
    /// No token: the session that created the task (2025-11-25 sessions).
    Session(Arc<str>),
    /// No token and no session (2026-07-28 without authorization): the
    /// unguessable task id is the only protection.
    Anonymous,
    /// A token that names no subject and no client: it can own no task and
    /// sees none.
    Unbound,
}

impl Owner {
    /// The key stored with the task; `None` for [`Owner::Anonymous`].
    pub fn key(&self) -> Option<String> {
        match self {
            Owner::Identity(identity) => Some(identity.key()),
            Owner::Session(id) => Some(format!("session:{id}")),
            Owner::Anonymous => None,
            Owner::Unbound => Some("!unbound".into()),
        }
    }
}

/// What a task takes from the request that created it (see the module docs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    token: Option<AccessToken>,
    owner: Option<String>,
    request_id: Option<RequestId>,
    meta: Option<Map<String, Value>>,
    protocol_version: String,
    client_info: Option<Implementation>,
    client_capabilities: Value,
    carried: Map<String, Value>,
    /// The trace context of the request span that created the task (the
    /// `otel` feature), so that the worker's span joins its trace. Absent
    /// from snapshots stored before it existed, and without the feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    trace: Option<TraceCarrier>,
}

/// A snapshot turned back into the parts of a call scope.
#[derive(Debug)]
pub(crate) struct Restored {
    pub(crate) request_id: Option<RequestId>,
    pub(crate) meta: Option<Arc<CallMeta>>,
    pub(crate) client: Arc<ClientInfo>,
    pub(crate) extensions: http::Extensions,
}

impl Snapshot {
    /// Takes a snapshot of a live request.
    pub(crate) fn take(
        extensions: &http::Extensions,
        owner: &Owner,
        request_id: Option<&RequestId>,
        meta: Option<&Map<String, Value>>,
        client: &ClientInfo,
        carried: &Carried,
        keep_raw_token: bool,
    ) -> Snapshot {
        let token = extensions.get::<AccessToken>().map(|t| {
            if keep_raw_token {
                t.clone()
            } else {
                t.without_raw()
            }
        });
        Snapshot {
            token,
            owner: owner.key(),
            request_id: request_id.cloned(),
            meta: meta.cloned(),
            protocol_version: client.protocol_version.as_str().into(),
            client_info: client.implementation.clone(),
            client_capabilities: client.capabilities.clone(),
            carried: carried.take(extensions),
            trace: crate::telemetry::current_carrier(),
        }
    }

    /// The trace context of the request that created the task.
    #[cfg_attr(not(feature = "otel"), allow(dead_code))]
    pub(crate) fn trace(&self) -> Option<&TraceCarrier> {
        self.trace.as_ref()
    }

    /// The verified token the task was created with.
    pub fn token(&self) -> Option<&AccessToken> {
        self.token.as_ref()
    }

    /// The key of the caller the task is bound to.
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// The carried values, by key.
    pub fn carried(&self) -> &Map<String, Value> {
        &self.carried
    }

    /// Rebuilds the scope's parts at `now`. An expired token is left out and
    /// [`TokenExpired`] put in its place; carried values that no longer
    /// deserialize are left out (and logged).
    pub(crate) fn restore(&self, carried: &Carried, now: SystemTime) -> Restored {
        let mut extensions = http::Extensions::new();
        if let Some(token) = &self.token {
            if token.is_expired_at(now) {
                extensions.insert(TokenExpired);
            } else {
                extensions.insert(token.clone());
            }
        }
        carried.restore(&self.carried, &mut extensions);
        let protocol_version = ProtocolVersion::parse(&self.protocol_version)
            .unwrap_or(ProtocolVersion::LATEST_SESSION);
        Restored {
            request_id: self.request_id.clone(),
            meta: self.meta.clone().map(|m| Arc::new(CallMeta::from_map(m))),
            client: Arc::new(ClientInfo {
                protocol_version,
                implementation: self.client_info.clone(),
                capabilities: self.client_capabilities.clone(),
            }),
            extensions,
        }
    }
}

/// One app-declared type carried from the request into its tasks.
trait Carrier: Send + Sync + 'static {
    fn key(&self) -> &str;
    fn take(&self, extensions: &http::Extensions) -> Option<Value>;
    fn put(&self, value: &Value, extensions: &mut http::Extensions) -> Result<(), String>;
}

struct Carry<T> {
    key: String,
    _type: PhantomData<fn() -> T>,
}

impl<T> Carrier for Carry<T>
where
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    fn key(&self) -> &str {
        &self.key
    }

    fn take(&self, extensions: &http::Extensions) -> Option<Value> {
        let value = extensions.get::<T>()?;
        match serde_json::to_value(value) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(key = %self.key, "a carried value does not serialize: {e}");
                None
            }
        }
    }

    fn put(&self, value: &Value, extensions: &mut http::Extensions) -> Result<(), String> {
        let value = T::deserialize(value).map_err(|e| e.to_string())?;
        extensions.insert(value);
        Ok(())
    }
}

/// The types the app carries into tasks; see
/// [`ServerBuilder::carry`](crate::ServerBuilder::carry).
#[derive(Clone, Default)]
pub struct Carried(Vec<Arc<dyn Carrier>>);

impl Carried {
    /// Adds `T`, stored under `key`.
    pub(crate) fn add<T>(&mut self, key: impl Into<String>)
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    {
        let key = key.into();
        self.0.retain(|c| c.key() != key);
        self.0.push(Arc::new(Carry::<T> {
            key,
            _type: PhantomData,
        }));
    }

    /// The keys of the carried types.
    pub fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|c| c.key()).collect()
    }

    fn take(&self, extensions: &http::Extensions) -> Map<String, Value> {
        let mut out = Map::new();
        for carrier in &self.0 {
            if let Some(v) = carrier.take(extensions) {
                out.insert(carrier.key().into(), v);
            }
        }
        out
    }

    fn restore(&self, values: &Map<String, Value>, extensions: &mut http::Extensions) {
        for carrier in &self.0 {
            if let Some(v) = values.get(carrier.key()) {
                if let Err(e) = carrier.put(v, extensions) {
                    tracing::warn!(key = %carrier.key(), "a carried value does not deserialize: {e}");
                }
            }
        }
    }
}

impl std::fmt::Debug for Carried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.keys()).finish()
    }
}

impl Carried {
    /// Adds the carried types of `other` (a mounted server's) whose keys
    /// these lack; for a key in both, these keep theirs.
    pub(crate) fn merge(&mut self, other: &Carried) {
        for carrier in &other.0 {
            if !self.0.iter().any(|c| c.key() == carrier.key()) {
                self.0.push(Arc::clone(carrier));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inject::Headers;
    use std::time::Duration;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Tenant(String);

    fn client() -> ClientInfo {
        ClientInfo {
            protocol_version: ProtocolVersion::V2025_11_25,
            implementation: None,
            capabilities: Value::Object(Map::new()),
        }
    }

    #[test]
    fn carries_token_and_declared_values_but_never_headers() {
        let mut ext = http::Extensions::new();
        let mut h = http::HeaderMap::new();
        h.insert("authorization", "Bearer secret".parse().unwrap());
        h.insert("cookie", "sid=1".parse().unwrap());
        ext.insert(Headers::from_request(&h));
        ext.insert(Tenant("acme".into()));
        ext.insert(
            AccessToken::builder()
                .raw("secret")
                .subject("alice")
                .build(),
        );
        let mut carried = Carried::default();
        carried.add::<Tenant>("tenant");
        let snap = Snapshot::take(
            &ext,
            &Owner::Anonymous,
            None,
            None,
            &client(),
            &carried,
            false,
        );
        let text = serde_json::to_string(&snap).unwrap();
        assert!(!text.contains("secret"), "{text}");
        assert!(!text.contains("sid=1"), "{text}");
        let back: Snapshot = serde_json::from_str(&text).unwrap();
        let restored = back.restore(&carried, SystemTime::now());
        assert_eq!(
            restored.extensions.get::<Tenant>(),
            Some(&Tenant("acme".into()))
        );
        assert!(restored.extensions.get::<Headers>().is_none());
        let token = restored.extensions.get::<AccessToken>().unwrap();
        assert_eq!(token.subject(), Some("alice"));
        assert_eq!(token.raw(), None);
    }

    #[test]
    fn an_expired_token_is_replaced_by_the_marker() {
        let mut ext = http::Extensions::new();
        let exp = SystemTime::now() + Duration::from_secs(60);
        ext.insert(AccessToken::builder().subject("a").expires_at(exp).build());
        let snap = Snapshot::take(
            &ext,
            &Owner::Anonymous,
            None,
            None,
            &client(),
            &Carried::default(),
            true,
        );
        let later = snap.restore(&Carried::default(), exp + Duration::from_secs(1));
        assert!(later.extensions.get::<AccessToken>().is_none());
        assert!(later.extensions.get::<TokenExpired>().is_some());
        let now = snap.restore(&Carried::default(), SystemTime::now());
        assert!(now.extensions.get::<AccessToken>().is_some());
    }

    #[test]
    fn a_snapshot_stored_before_trace_context_loads_and_one_with_it_round_trips() {
        let old = r#"{"token":null,"owner":null,"request_id":1,"meta":null,
            "protocol_version":"2025-11-25","client_info":null,
            "client_capabilities":{},"carried":{}}"#;
        let snap: Snapshot = serde_json::from_str(old).unwrap();
        assert_eq!(snap.trace(), None);
        // Without a trace context, the field is left out.
        assert!(!serde_json::to_string(&snap).unwrap().contains("trace"));
        let mut snap = snap;
        snap.trace = Some(TraceCarrier {
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
            tracestate: String::new(),
        });
        let text = serde_json::to_string(&snap).unwrap();
        let back: Snapshot = serde_json::from_str(&text).unwrap();
        assert_eq!(back.trace(), snap.trace());
    }
}
