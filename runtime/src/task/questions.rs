//! Questions of a background task: the task moves to `input_required` with
//! them, and resumes once the client answered (through `tasks/result` on
//! 2025-11-25, `tasks/update` on 2026-07-28). The answers are stored in the
//! task's record, so they survive across nodes and a re-delivered task finds
//! them.

use super::engine::TaskEngine;
use super::{InputAnswer, TaskHandle, TaskId, Transition};
use crate::ask::QuestionKeys;
use crate::call::{InputError, Outbound, QuestionChannel};
use crate::protocol::InputRequest;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// The question channel of one run of a task.
pub(crate) struct TaskInput {
    handle: TaskHandle,
    keys: QuestionKeys,
    /// Questions not yet stored in the record: questions asked together
    /// (`join!`) are stored in one transition, so a client sees them at once.
    unsent: Arc<Mutex<Map<String, Value>>>,
}

impl TaskInput {
    /// The channel of the task `handle` runs.
    pub(crate) fn new(handle: TaskHandle) -> Self {
        TaskInput {
            handle,
            keys: QuestionKeys::default(),
            unsent: Arc::new(Mutex::new(Map::new())),
        }
    }
}

impl QuestionChannel for TaskInput {
    /// Stores `request` with the task (`input_required`) and resolves with
    /// the client's answer.
    fn ask(
        &self,
        _outbound: &Arc<dyn Outbound>,
        _cancellation: &CancellationToken,
        key: Option<&str>,
        request: InputRequest,
    ) -> BoxFuture<'static, Result<Value, InputError>> {
        let key = self.keys.next(key, &request);
        let engine = self.handle.engine();
        let id = self.handle.id().clone();
        let cancellation = self.handle.cancellation().clone();
        let unsent = Arc::clone(&self.unsent);
        unsent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone(), request.to_value());
        async move {
            let engine = engine.ok_or_else(|| {
                InputError::Unavailable("the server stopped while the task ran".into())
            })?;
            tokio::select! {
                biased;
                _ = cancellation.cancelled() => Err(InputError::Cancelled),
                answer = wait_for_answer(&engine, &id, &key, &unsent) => answer,
            }
        }
        .boxed()
    }
}

async fn wait_for_answer(
    engine: &Arc<TaskEngine>,
    id: &TaskId,
    key: &str,
    unsent: &Mutex<Map<String, Value>>,
) -> Result<Value, InputError> {
    let storage = |e: &dyn std::fmt::Display| InputError::Unavailable(format!("task storage: {e}"));
    let mut updates = engine
        .follow(id)
        .await
        .map_err(|e| storage(&e))?
        .ok_or(InputError::Cancelled)?;
    let Some(current) = updates.next().await else {
        return Err(InputError::Cancelled);
    };
    // A task delivered again finds the answers its first run got.
    if let Some(answer) = current.input_answer(key) {
        unsent.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
        return into_result(answer.clone());
    }
    // Let questions asked in the same breath join this one.
    tokio::task::yield_now().await;
    let requests = std::mem::take(&mut *unsent.lock().unwrap_or_else(|e| e.into_inner()));
    if !requests.is_empty() {
        let count = requests.len();
        let message = if count == 1 {
            "Waiting for the client's answer".to_string()
        } else {
            format!("Waiting for the client's answers to {count} questions")
        };
        engine
            .apply(
                id.clone(),
                Transition::NeedInput {
                    message: Some(message),
                    requests,
                },
            )
            .await
            .map_err(|e| match e {
                crate::task::UpdateError::Refused { .. } | crate::task::UpdateError::NotFound => {
                    InputError::Cancelled
                }
                other => storage(&other),
            })?;
    }
    while let Some(record) = updates.next().await {
        if let Some(answer) = record.input_answer(key) {
            return into_result(answer.clone());
        }
        if record.status().is_terminal() {
            return Err(InputError::Cancelled);
        }
    }
    Err(InputError::Cancelled)
}

fn into_result(answer: InputAnswer) -> Result<Value, InputError> {
    match answer {
        InputAnswer::Result(v) => Ok(v),
        InputAnswer::Error(e) => Err(InputError::Client(e)),
    }
}
