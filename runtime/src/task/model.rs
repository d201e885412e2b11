//! The task model: a task's record and the state machine of its status.
//!
//! [`TaskRecord::apply`] is the only way a status changes. It enforces the
//! protocol's rules in one place: a task starts `working`; it may go to
//! `input_required` and back; it ends `completed`, `failed` or `cancelled`;
//! and a terminal status never changes again. Backends store records and
//! apply transitions atomically, but never set a status themselves.
//!
//! How long a record is kept is decided here too
//! ([`TaskRecord::retained_until_ms`]): a queued task until its TTL from its
//! creation runs out; a running one until it ends, whatever its TTL; an
//! ended one until its TTL from its creation, or, when it ended after that,
//! for its TTL from its end.

use crate::protocol::ErrorObject;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A task id: 128 random bits as 32 lowercase hex digits (unguessable; the
/// protocol asks for at least 122).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(String);

impl TaskId {
    /// A fresh random id.
    pub fn random() -> TaskId {
        TaskId(format!("{:032x}", rand::random::<u128>()))
    }

    /// Wraps an id read from a request (it may name no task).
    pub fn from_wire(id: impl Into<String>) -> TaskId {
        TaskId(id.into())
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a task stands (`TaskStatus` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Queued or running.
    Working,
    /// Waiting for the client to answer a request.
    InputRequired,
    /// Finished with a result (which may be a tool error, `isError: true`).
    Completed,
    /// Ended by a protocol-level error.
    Failed,
    /// Cancelled by the client.
    Cancelled,
}

impl TaskStatus {
    /// Every status.
    pub const ALL: [TaskStatus; 5] = [
        TaskStatus::Working,
        TaskStatus::InputRequired,
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Working => "working",
            TaskStatus::InputRequired => "input_required",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the status is final: `completed`, `failed` or `cancelled`.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a task ended: what `tools/call` would have answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskOutcome {
    /// The `CallToolResult` (a tool error is a result with `isError: true`).
    Result(Value),
    /// The JSON-RPC error the call would have answered.
    Error(ErrorObject),
}

/// The client's answer to one question of a task (see
/// [`Transition::NeedInput`]): its result, or the error it answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputAnswer {
    /// The client's result (an `ElicitResult`, a `CreateMessageResult`, ...).
    Result(Value),
    /// The JSON-RPC error the client answered.
    Error(ErrorObject),
}

/// A change to a task. Apply it with [`TaskRecord::apply`].
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// A worker runs the task (the status stays as it is): from now on its
    /// record is kept until it ends, even past its TTL. A task delivered
    /// again keeps its first start.
    Start,
    /// A new status message (progress) for a task that is not terminal; the
    /// status stays as it is.
    Message(String),
    /// `working` (or `input_required`) -> `input_required`: the task asks the
    /// client these questions (`inputRequests`: key -> `{method, params}`),
    /// added to any still open.
    NeedInput {
        /// The status message to show meanwhile.
        message: Option<String>,
        /// The questions, by key.
        requests: Map<String, Value>,
    },
    /// Answers to open questions, by key; keys that are not open are
    /// ignored. Once no question is open: `input_required` -> `working`.
    Answer(BTreeMap<String, InputAnswer>),
    /// -> `completed`, with the call's result.
    Complete(Value),
    /// -> `failed`, with the call's error (its message becomes the status message).
    Fail(ErrorObject),
    /// -> `cancelled`, with an optional reason.
    Cancel(Option<String>),
}

impl Transition {
    /// The status this transition leads to from `from` (when it is allowed).
    pub fn target(&self, from: TaskStatus) -> TaskStatus {
        match self {
            Transition::Start | Transition::Message(_) => from,
            Transition::NeedInput { .. } => TaskStatus::InputRequired,
            Transition::Answer(_) => TaskStatus::Working,
            Transition::Complete(_) => TaskStatus::Completed,
            Transition::Fail(_) => TaskStatus::Failed,
            Transition::Cancel(_) => TaskStatus::Cancelled,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Transition::Start => "start",
            Transition::Message(_) => "message",
            Transition::NeedInput { .. } => "need-input",
            Transition::Answer(_) => "answer",
            Transition::Complete(_) => "complete",
            Transition::Fail(_) => "fail",
            Transition::Cancel(_) => "cancel",
        }
    }
}

/// Why a transition was refused. The record is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// The task is already `completed`, `failed` or `cancelled`.
    #[error("the task is already {0}; a terminal status never changes")]
    Terminal(TaskStatus),
    /// The transition does not start from this status.
    #[error("a task that is {from} cannot {transition}")]
    NotAllowed {
        /// The current status.
        from: TaskStatus,
        /// The refused transition.
        transition: &'static str,
    },
}

/// Everything stored about one task besides its snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    id: TaskId,
    owner: Option<String>,
    tool: String,
    status: TaskStatus,
    status_message: Option<String>,
    created_at_ms: u64,
    updated_at_ms: u64,
    ttl_ms: u64,
    poll_interval_ms: u64,
    outcome: Option<TaskOutcome>,
    version: u64,
    /// When a worker first ran the task (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    started_at_ms: Option<u64>,
    /// Open questions to the client, by key.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    input_requests: Map<String, Value>,
    /// The client's answers, by key (kept until the task ends, so a task run
    /// again after its worker died finds them).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    input_answers: BTreeMap<String, InputAnswer>,
}

impl TaskRecord {
    /// A new `working` task, created at `now_ms` (Unix milliseconds).
    /// `owner` is the key of the caller it is bound to (see
    /// [`Owner`](super::Owner)), `None` for an anonymous caller.
    pub fn new(
        id: TaskId,
        owner: Option<String>,
        tool: impl Into<String>,
        ttl_ms: u64,
        poll_interval_ms: u64,
        now_ms: u64,
    ) -> TaskRecord {
        TaskRecord {
            id,
            owner,
            tool: tool.into(),
            status: TaskStatus::Working,
            status_message: None,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            ttl_ms,
            poll_interval_ms,
            outcome: None,
            version: 0,
            started_at_ms: None,
            input_requests: Map::new(),
            input_answers: BTreeMap::new(),
        }
    }

    /// The record with answers the client gave before the task was created
    /// (questions the tool asked in the foreground, 2026-07-28).
    pub fn with_input_answers(mut self, answers: BTreeMap<String, InputAnswer>) -> TaskRecord {
        self.input_answers = answers;
        self
    }

    /// Applies a transition at `now_ms`. This is the only way a status
    /// changes; a refused transition leaves the record as it was.
    pub fn apply(&mut self, transition: Transition, now_ms: u64) -> Result<(), TransitionError> {
        let from = self.status;
        if from.is_terminal() {
            return Err(TransitionError::Terminal(from));
        }
        let allowed = match &transition {
            Transition::NeedInput { requests, .. } => !requests.is_empty(),
            Transition::Answer(answers) => {
                from == TaskStatus::InputRequired
                    && answers.keys().any(|k| self.input_requests.contains_key(k))
            }
            _ => true,
        };
        if !allowed {
            return Err(TransitionError::NotAllowed {
                from,
                transition: transition.name(),
            });
        }
        self.status = transition.target(from);
        match transition {
            Transition::Start => {
                self.started_at_ms.get_or_insert(now_ms);
            }
            Transition::Message(message) => self.status_message = Some(message),
            Transition::NeedInput { message, requests } => {
                self.status_message = message;
                self.input_requests.extend(requests);
            }
            Transition::Answer(answers) => {
                for (key, answer) in answers {
                    if self.input_requests.remove(&key).is_some() {
                        self.input_answers.insert(key, answer);
                    }
                }
                if self.input_requests.is_empty() {
                    self.status_message = None;
                } else {
                    self.status = TaskStatus::InputRequired;
                }
            }
            Transition::Complete(result) => self.outcome = Some(TaskOutcome::Result(result)),
            Transition::Fail(error) => {
                self.status_message = Some(error.message.clone());
                self.outcome = Some(TaskOutcome::Error(error));
            }
            Transition::Cancel(reason) => {
                self.status_message =
                    Some(reason.unwrap_or_else(|| "The client cancelled the task".into()));
            }
        }
        if self.status.is_terminal() {
            self.input_requests.clear();
            self.input_answers.clear();
        }
        self.updated_at_ms = now_ms.max(self.updated_at_ms);
        self.version += 1;
        Ok(())
    }

    /// The task id.
    pub fn id(&self) -> &TaskId {
        &self.id
    }

    /// The key of the caller the task is bound to; `None` for an anonymous one.
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// The tool the task runs.
    pub fn tool(&self) -> &str {
        &self.tool
    }

    /// The current status.
    pub fn status(&self) -> TaskStatus {
        self.status
    }

    /// The current status message.
    pub fn status_message(&self) -> Option<&str> {
        self.status_message.as_deref()
    }

    /// When the task was created (Unix milliseconds).
    pub fn created_at_ms(&self) -> u64 {
        self.created_at_ms
    }

    /// When the task last changed (Unix milliseconds).
    pub fn updated_at_ms(&self) -> u64 {
        self.updated_at_ms
    }

    /// How long the task is kept after its creation, in milliseconds.
    pub fn ttl_ms(&self) -> u64 {
        self.ttl_ms
    }

    /// The polling interval suggested to clients, in milliseconds.
    pub fn poll_interval_ms(&self) -> u64 {
        self.poll_interval_ms
    }

    /// The questions to the client that are open (`inputRequests`), by key.
    pub fn input_requests(&self) -> &Map<String, Value> {
        &self.input_requests
    }

    /// The client's answer to the question `key`, once it answered.
    pub fn input_answer(&self, key: &str) -> Option<&InputAnswer> {
        self.input_answers.get(key)
    }

    /// How the task ended, once it is `completed` or `failed`.
    pub fn outcome(&self) -> Option<&TaskOutcome> {
        self.outcome.as_ref()
    }

    /// How many transitions the record has seen (for compare-and-set in
    /// backends that store records remotely).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When a worker first ran the task (Unix milliseconds); `None` while
    /// it is queued.
    pub fn started_at_ms(&self) -> Option<u64> {
        self.started_at_ms
    }

    /// When the task's TTL, counted from its creation, runs out (Unix
    /// milliseconds). A task that runs then is kept longer: see
    /// [`retained_until_ms`](Self::retained_until_ms).
    pub fn expires_at_ms(&self) -> u64 {
        self.created_at_ms.saturating_add(self.ttl_ms)
    }

    /// Until when the record is kept (Unix milliseconds); `None` while a
    /// worker runs the task (it is kept until it ends, whatever its TTL).
    /// A queued task is kept until its TTL from its creation runs out; an
    /// ended one too, unless it ended after that: then for its TTL from its
    /// end.
    pub fn retained_until_ms(&self) -> Option<u64> {
        let ttl_end = self.expires_at_ms();
        if self.status.is_terminal() {
            // A terminal record never changes: its last update is its end.
            let ended = self.updated_at_ms;
            if self.started_at_ms.is_some() && ended > ttl_end {
                return Some(ended.saturating_add(self.ttl_ms));
            }
            return Some(ttl_end);
        }
        match self.started_at_ms {
            Some(_) => None,
            None => Some(ttl_end),
        }
    }

    /// Whether the record is past its retention at `now_ms` (see
    /// [`retained_until_ms`](Self::retained_until_ms)): such a task is gone.
    pub fn is_expired_at(&self, now_ms: u64) -> bool {
        self.retained_until_ms()
            .is_some_and(|until| now_ms >= until)
    }
}

/// The current time in Unix milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Formats Unix milliseconds as an ISO 8601 / RFC 3339 UTC timestamp
/// (`2025-11-25T10:20:30.123Z`).
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let millis = ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transitions() -> Vec<Transition> {
        vec![
            Transition::Start,
            Transition::Message("p".into()),
            Transition::NeedInput {
                message: None,
                requests: question("q"),
            },
            Transition::Answer(answer("q")),
            Transition::Complete(Value::Null),
            Transition::Fail(ErrorObject::internal("x")),
            Transition::Cancel(None),
        ]
    }

    /// Every sequence of up to six transitions: once a record is terminal,
    /// every later transition is refused and changes nothing; a refused
    /// transition never changes the record; versions only grow.
    #[test]
    fn terminal_states_never_change_exhaustively() {
        let all = transitions();
        let n = all.len();
        let mut checked = 0u64;
        for len in 1..=6u32 {
            for mut code in 0..n.pow(len) {
                let mut r = TaskRecord::new(TaskId::random(), None, "t", 1000, 100, 0);
                let mut terminal: Option<TaskRecord> = None;
                for step in 0..len {
                    let t = all[code % n].clone();
                    code /= n;
                    let before = r.clone();
                    match r.apply(t, u64::from(step) + 1) {
                        Ok(()) => {
                            assert!(terminal.is_none(), "a terminal record changed");
                            assert!(r.version() > before.version());
                            if r.status().is_terminal() {
                                terminal = Some(r.clone());
                            }
                        }
                        Err(_) => assert_eq!(r, before, "a refused transition changed the record"),
                    }
                    if let Some(t) = &terminal {
                        assert_eq!(&r, t);
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 50_000);
    }

    fn question(key: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            key.into(),
            serde_json::json!({"method": "elicitation/create", "params": {}}),
        );
        m
    }

    fn answer(key: &str) -> BTreeMap<String, InputAnswer> {
        let mut m = BTreeMap::new();
        m.insert(
            key.into(),
            InputAnswer::Result(serde_json::json!({"action": "accept"})),
        );
        m
    }

    #[test]
    fn input_required_round_trip_and_messages() {
        let mut r = TaskRecord::new(TaskId::random(), None, "t", 1000, 100, 5);
        assert_eq!(
            r.apply(Transition::Answer(answer("a")), 6),
            Err(TransitionError::NotAllowed {
                from: TaskStatus::Working,
                transition: "answer"
            })
        );
        r.apply(
            Transition::NeedInput {
                message: Some("name?".into()),
                requests: question("a"),
            },
            7,
        )
        .unwrap();
        r.apply(
            Transition::NeedInput {
                message: Some("two questions".into()),
                requests: question("b"),
            },
            7,
        )
        .unwrap();
        assert_eq!(r.status(), TaskStatus::InputRequired);
        assert_eq!(r.input_requests().len(), 2);
        assert!(
            r.apply(Transition::Answer(answer("zzz")), 8).is_err(),
            "an answer to no open question changes nothing"
        );
        r.apply(Transition::Answer(answer("a")), 8).unwrap();
        assert_eq!(r.status(), TaskStatus::InputRequired, "b is still open");
        r.apply(Transition::Answer(answer("b")), 8).unwrap();
        assert_eq!(r.status(), TaskStatus::Working);
        assert!(r.input_requests().is_empty());
        assert!(matches!(r.input_answer("b"), Some(InputAnswer::Result(_))));
        r.apply(Transition::Message("50%".into()), 9).unwrap();
        assert_eq!(r.status_message(), Some("50%"));
        r.apply(Transition::Cancel(None), 10).unwrap();
        assert_eq!(
            r.apply(Transition::Complete(Value::Null), 11),
            Err(TransitionError::Terminal(TaskStatus::Cancelled))
        );
        assert_eq!(r.updated_at_ms(), 10);
    }

    #[test]
    fn a_running_task_is_kept_until_it_ends_then_for_its_ttl_from_its_end() {
        // Created at 1000 with a TTL of 100.
        let mut queued = TaskRecord::new(TaskId::random(), None, "t", 100, 10, 1000);
        assert_eq!(queued.retained_until_ms(), Some(1100));
        assert!(!queued.is_expired_at(1099));
        assert!(
            queued.is_expired_at(1100),
            "a queued task expires at its TTL"
        );

        let mut running = queued.clone();
        running.apply(Transition::Start, 1050).unwrap();
        assert_eq!(running.started_at_ms(), Some(1050));
        assert_eq!(running.status(), TaskStatus::Working);
        assert_eq!(running.retained_until_ms(), None);
        assert!(
            !running.is_expired_at(u64::MAX),
            "a running task never expires"
        );
        running.apply(Transition::Start, 1060).unwrap();
        assert_eq!(
            running.started_at_ms(),
            Some(1050),
            "the first start is kept"
        );

        // Ends after its TTL: kept for its TTL from its end.
        let mut late = running.clone();
        late.apply(Transition::Complete(Value::Null), 5000).unwrap();
        assert_eq!(late.retained_until_ms(), Some(5100));
        assert!(!late.is_expired_at(5099));
        assert!(late.is_expired_at(5100));
        // Ends within its TTL: kept until its TTL from its creation.
        running
            .apply(Transition::Complete(Value::Null), 1070)
            .unwrap();
        assert_eq!(running.retained_until_ms(), Some(1100));
        // Cancelled while queued: as usual.
        queued.apply(Transition::Cancel(None), 3000).unwrap();
        assert_eq!(queued.retained_until_ms(), Some(1100));
        // Records stored before the field existed read as never started.
        let mut old = serde_json::to_value(&late).unwrap();
        old.as_object_mut().unwrap().remove("started_at_ms");
        let old: TaskRecord = serde_json::from_value(old).unwrap();
        assert_eq!(old.started_at_ms(), None);
    }

    #[test]
    fn ids_are_128_random_bits() {
        let a = TaskId::random();
        assert_eq!(a.as_str().len(), 32);
        assert_ne!(a, TaskId::random());
    }

    #[test]
    fn timestamps_are_iso8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_764_028_800_123), "2025-11-25T00:00:00.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
