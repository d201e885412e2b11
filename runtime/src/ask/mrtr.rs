//! The multi round-trip pattern of 2026-07-28, inline: a question the
//! request does not answer yet ends the round with an `InputRequiredResult`;
//! the client retries with `inputResponses` (and the sealed `requestState`),
//! and the handler runs again, now finding its answers.

use super::channel::QuestionKeys;
use super::state::{RequestState, RequestStateKey, StateBinding};
use super::{InputError, InputRequest};
use crate::protocol::jsonrpc::json_type_name;
use crate::protocol::messages::{to_value, InputRequiredResult};
use crate::protocol::{ErrorObject, JsonObject};
use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::Poll;

/// `resultType` of a result that asks for input.
pub(crate) const INPUT_REQUIRED: &str = "input_required";

/// The questions and answers of one stateless request.
///
/// Built for every request that may ask (most ask nothing), so it costs
/// little until a question is asked: no answers, no questions and the
/// request's [`StateBinding`] made only when a `requestState` is opened.
///
/// With a `requestState`, `inputResponses` may only answer the questions
/// the state says its round asked: an answer to any other key is
/// dropped before the tool runs (SEP-2322: servers ignore what they did not
/// ask for, and ask again for what is missing), so a tool never reads an
/// answer to a question its user did not see, and an answer sealed in an
/// earlier round cannot be replaced. Without a state (a client that
/// answers by key alone, as the official conformance suite does), the
/// answers are taken as given; a tool reads only the keys it asks.
pub(crate) struct MrtrInput {
    /// Answers from `requestState` and `inputResponses`, by key.
    answers: Map<String, Value>,
    /// Questions asked this round that no answer covers, in order.
    asked: Mutex<Vec<(String, InputRequest)>>,
    /// The keys of the answers this run's questions used, in order.
    used: Mutex<Vec<String>>,
    keys: QuestionKeys,
    /// The binding the request's `requestState` was checked against.
    binding: Option<StateBinding>,
}

/// The members of a request's params that carry answers.
const REQUEST_STATE: &str = "requestState";
const INPUT_RESPONSES: &str = "inputResponses";

impl MrtrInput {
    /// Reads `inputResponses` and `requestState` out of a request's params
    /// (removing both), checking the state's seal against the request's
    /// binding, which `binding` makes from the params (without the two)
    /// only when there is a state to check, and keeping of `inputResponses`
    /// only the answers to questions the state's round asked.
    pub(crate) fn from_params(
        params: Option<&mut JsonObject>,
        key: &RequestStateKey,
        binding: impl FnOnce(&JsonObject) -> StateBinding,
        now_ms: u64,
    ) -> Result<Self, ErrorObject> {
        let mut answers = Map::new();
        let mut checked = None;
        // One pass over the (few) names finds the usual request has neither.
        let params =
            params.filter(|p| p.contains_key(REQUEST_STATE) || p.contains_key(INPUT_RESPONSES));
        if let Some(params) = params {
            let sealed = params.remove(REQUEST_STATE);
            let responses = params.remove(INPUT_RESPONSES);
            let responses = match responses {
                None => Map::new(),
                Some(Value::Object(responses)) => {
                    if let Some((key, bad)) = responses.iter().find(|(_, v)| !v.is_object()) {
                        return Err(invalid(format!(
                            "`inputResponses.{key}` must be an object (the client's result for that request), got {}",
                            json_type_name(bad)
                        )));
                    }
                    responses
                }
                Some(other) => {
                    return Err(invalid(format!(
                        "`inputResponses` must be an object, got {}",
                        json_type_name(&other)
                    )))
                }
            };
            let mut asked = Vec::new();
            match sealed {
                None | Some(Value::Null) => {}
                Some(Value::String(sealed)) => {
                    let binding = binding(params);
                    let state = key
                        .open(&sealed, &binding, now_ms)
                        .map_err(|e| invalid(e.to_string()))?;
                    answers = state.responses;
                    asked = state.asked;
                    checked = Some(binding);
                }
                Some(other) => {
                    return Err(invalid(format!(
                        "`requestState` must be a string, got {}",
                        json_type_name(&other)
                    )))
                }
            }
            for (key, answer) in responses {
                // Without a state the client answers by key alone, as SEP-2322
                // allows; with one, only the keys its round asked count.
                if checked.is_none() || asked.contains(&key) {
                    answers.insert(key, answer);
                } else {
                    tracing::debug!(
                        "`inputResponses.{key}` answers no question of the previous round; ignored"
                    );
                }
            }
        }
        Ok(MrtrInput {
            answers,
            asked: Mutex::new(Vec::new()),
            used: Mutex::new(Vec::new()),
            keys: QuestionKeys::default(),
            binding: checked,
        })
    }

    fn take_asked(&self) -> Vec<(String, InputRequest)> {
        std::mem::take(&mut *self.asked.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The answers this run's questions used (from `requestState` and
    /// `inputResponses`), by key: what a `#[tool(ask_first)]` tool hands
    /// its task.
    pub(crate) fn answered(&self) -> Vec<(String, Value)> {
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        used.iter()
            .filter_map(|k| Some((k.clone(), self.answers.get(k)?.clone())))
            .collect()
    }

    /// Whether a question of this round is unanswered.
    pub(crate) fn has_asked(&self) -> bool {
        !self
            .asked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// The `InputRequiredResult` for the questions of this round, its
    /// `requestState` bound to `binding` (the one the request's state was
    /// checked against, if it had one).
    pub(crate) fn input_required(
        &self,
        asked: Vec<(String, InputRequest)>,
        key: &RequestStateKey,
        binding: impl FnOnce() -> StateBinding,
        now_ms: u64,
    ) -> Value {
        let requests: Map<String, Value> = asked
            .into_iter()
            .map(|(k, request)| (k, request.to_value()))
            .collect();
        let binding = self.binding.clone().unwrap_or_else(binding);
        let keys = requests.keys().cloned().collect();
        let state = RequestState::new(binding, self.answers.clone(), keys, now_ms);
        to_value(&InputRequiredResult {
            result_type: INPUT_REQUIRED,
            input_requests: &requests,
            request_state: &key.seal(&state),
        })
    }

    /// Answers `request` from the request's answers, or records it for this
    /// round's `InputRequiredResult` and never resolves.
    pub(crate) fn ask(
        &self,
        key: Option<&str>,
        request: InputRequest,
    ) -> BoxFuture<'static, Result<Value, InputError>> {
        let key = self.keys.next(key, &request);
        if let Some(answer) = self.answers.get(&key) {
            let answer = answer.clone();
            self.used
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(key);
            return futures::future::ready(Ok(answer)).boxed();
        }
        self.asked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((key, request));
        // The round ends here: `run_with_input` sees the question and stops
        // polling; the answer comes with the next request.
        futures::future::pending().boxed()
    }
}

fn invalid(message: String) -> ErrorObject {
    ErrorObject::invalid_params(format!("Invalid params: {message}"))
}

/// How a handler run with [`run_with_input`] ended.
pub(crate) enum Gate<T> {
    /// It finished.
    Done(T),
    /// It waits for answers to these questions.
    NeedInput(Vec<(String, InputRequest)>),
}

/// Runs `work` until it finishes or waits on a question `input` cannot
/// answer; questions asked together (`join!`) are gathered in one round.
/// `work` is pinned by the caller, so that its future is stored once.
pub(crate) async fn run_with_input<F: Future>(
    mut work: Pin<&mut F>,
    input: Option<&MrtrInput>,
) -> Gate<F::Output> {
    let Some(input) = input else {
        return Gate::Done(work.await);
    };
    std::future::poll_fn(|cx| match work.as_mut().poll(cx) {
        Poll::Ready(output) => Poll::Ready(Gate::Done(output)),
        Poll::Pending if input.has_asked() => Poll::Ready(Gate::NeedInput(input.take_asked())),
        Poll::Pending => Poll::Pending,
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::pin::pin;

    fn binding_of(_: &JsonObject) -> StateBinding {
        binding()
    }

    fn binding() -> StateBinding {
        StateBinding::new("tools/call", "t".into(), None, None)
    }

    fn elicit(message: &str) -> InputRequest {
        InputRequest {
            method: "elicitation/create".into(),
            params: json!({ "message": message }),
        }
    }

    #[tokio::test]
    async fn questions_asked_together_are_one_round_and_answers_resume() {
        let key = RequestStateKey::random();
        let input = MrtrInput::from_params(None, &key, binding_of, 0).unwrap();
        let work = async {
            let (a, b) = futures::join!(input.ask(None, elicit("a")), input.ask(None, elicit("b")));
            (a, b)
        };
        let Gate::NeedInput(asked) = run_with_input(pin!(work), Some(&input)).await else {
            panic!("expected questions");
        };
        let keys: Vec<&str> = asked.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["elicitation-1", "elicitation-2"]);
        let result = input.input_required(asked, &key, binding, 0);
        assert_eq!(result["resultType"], "input_required");
        assert_eq!(
            result["inputRequests"]["elicitation-2"]["params"]["message"],
            "b"
        );

        // The retry carries one answer now and one in a later round.
        let mut params = Map::new();
        params.insert("requestState".into(), result["requestState"].clone());
        params.insert(
            "inputResponses".into(),
            json!({ "elicitation-1": {"action": "decline"} }),
        );
        let mut params = JsonObject::from(params);
        let input = MrtrInput::from_params(Some(&mut params), &key, binding_of, 1).unwrap();
        assert!(params.is_empty(), "both MRTR params are taken out");
        let first = input.ask(None, elicit("a")).await.unwrap();
        assert_eq!(first["action"], "decline");
        let second = run_with_input(pin!(input.ask(None, elicit("b"))), Some(&input)).await;
        let Gate::NeedInput(asked) = second else {
            panic!("the second question is still open");
        };
        let state = input.input_required(asked, &key, binding, 1);
        let mut params = Map::new();
        params.insert("requestState".into(), state["requestState"].clone());
        params.insert(
            "inputResponses".into(),
            json!({ "elicitation-2": {"action": "cancel"} }),
        );
        let mut params = JsonObject::from(params);
        let input = MrtrInput::from_params(Some(&mut params), &key, binding_of, 2).unwrap();
        assert_eq!(
            input.ask(None, elicit("a")).await.unwrap()["action"],
            "decline"
        );
        assert_eq!(
            input.ask(None, elicit("b")).await.unwrap()["action"],
            "cancel"
        );
    }

    /// The params of a retry: `state`'s `requestState` and `responses`.
    fn retry(state: &Value, responses: Value) -> JsonObject {
        let mut params = Map::new();
        params.insert("requestState".into(), state["requestState"].clone());
        params.insert("inputResponses".into(), responses);
        JsonObject::from(params)
    }

    #[tokio::test]
    async fn answers_to_questions_of_no_round_are_dropped() {
        let key = RequestStateKey::random();
        let input = MrtrInput::from_params(None, &key, binding_of, 0).unwrap();
        let Gate::NeedInput(asked) =
            run_with_input(pin!(input.ask(Some("a"), elicit("a"))), Some(&input)).await
        else {
            panic!("expected a question");
        };
        let state = input.input_required(asked, &key, binding, 0);
        let mut params = retry(
            &state,
            json!({"a": {"action": "decline"}, "b": {"action": "accept"}}),
        );
        let input = MrtrInput::from_params(Some(&mut params), &key, binding_of, 1).unwrap();
        assert_eq!(
            input.ask(Some("a"), elicit("a")).await.unwrap()["action"],
            "decline"
        );
        // `b` was never asked: its answer is gone, so asking it is a question.
        let Gate::NeedInput(asked) =
            run_with_input(pin!(input.ask(Some("b"), elicit("b"))), Some(&input)).await
        else {
            panic!("`b` was answered from an answer nobody asked for");
        };
        assert_eq!(asked.len(), 1);

        // Without a state the client answers by key alone (SEP-2322).
        let mut params = JsonObject::from(Map::from_iter([(
            "inputResponses".to_owned(),
            json!({"a": {"action": "decline"}}),
        )]));
        let input = MrtrInput::from_params(Some(&mut params), &key, binding_of, 1).unwrap();
        assert_eq!(
            input.ask(Some("a"), elicit("a")).await.unwrap()["action"],
            "decline"
        );
    }

    #[tokio::test]
    async fn answered_holds_only_the_answers_this_run_used() {
        let key = RequestStateKey::random();
        let input = MrtrInput::from_params(None, &key, binding_of, 0).unwrap();
        let work = async {
            futures::join!(
                input.ask(Some("a"), elicit("a")),
                input.ask(Some("b"), elicit("b"))
            )
        };
        let Gate::NeedInput(asked) = run_with_input(pin!(work), Some(&input)).await else {
            panic!("expected questions");
        };
        let state = input.input_required(asked, &key, binding, 0);
        let mut params = retry(
            &state,
            json!({"a": {"action": "decline"}, "b": {"action": "cancel"}}),
        );
        let input = MrtrInput::from_params(Some(&mut params), &key, binding_of, 1).unwrap();
        assert!(input.answered().is_empty());
        input.ask(Some("b"), elicit("b")).await.unwrap();
        assert_eq!(
            input.answered(),
            [("b".to_owned(), json!({"action": "cancel"}))]
        );
    }

    #[test]
    fn malformed_responses_are_refused_precisely() {
        let key = RequestStateKey::random();
        for (responses, needle) in [
            (
                json!({"user_name": 12345}),
                "`inputResponses.user_name` must be an object",
            ),
            (Value::Null, "`inputResponses` must be an object, got null"),
        ] {
            let mut params = Map::new();
            params.insert("inputResponses".into(), responses);
            let mut params = JsonObject::from(params);
            let err = MrtrInput::from_params(Some(&mut params), &key, binding_of, 0)
                .err()
                .unwrap();
            assert!(err.message.contains(needle), "{}", err.message);
        }
    }

    #[test]
    fn a_tampered_state_is_refused() {
        let key = RequestStateKey::random();
        let mut params = Map::new();
        params.insert("requestState".into(), json!("eyJ4IjoxfQ.AAAA"));
        let mut params = JsonObject::from(params);
        let err = MrtrInput::from_params(Some(&mut params), &key, binding_of, 0)
            .err()
            .unwrap();
        assert_eq!(err.code, crate::protocol::jsonrpc::code::INVALID_PARAMS);
        assert!(err.message.contains("integrity"), "{}", err.message);
    }
}
