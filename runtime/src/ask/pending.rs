//! Server-to-client requests of a session: each gets a fresh id, goes out on
//! the call's stream, and waits for the response with that id.

use super::InputError;
use crate::call::Outbound;
use crate::protocol::jsonrpc;
use crate::protocol::messages::RelatedTask;
use crate::protocol::meta::META_RELATED_TASK;
use crate::protocol::{ErrorObject, InputRequest, PeerResponse, RequestId};
use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

type Answer = Result<Value, ErrorObject>;

/// Why a question ends unanswered when the session is gone.
const ENDED: &str = "the session ended before the client answered";

/// The session's requests to its client that await a response.
#[derive(Default)]
pub(crate) struct PendingRequests {
    next: AtomicU64,
    waiting: Arc<Mutex<Table>>,
    /// No answer can come any more (the client's input ended).
    closed: AtomicBool,
    /// Makes the ids unique across the nodes that share a session.
    tag: Option<u32>,
}

type Table = HashMap<RequestId, oneshot::Sender<Answer>>;

impl PendingRequests {
    /// An empty table.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// An empty table whose ids carry `tag` (`ferry-<tag>-<n>`), so that
    /// copies of one session on several nodes never ask with the same id.
    pub(crate) fn tagged(tag: u32) -> Self {
        PendingRequests {
            tag: Some(tag),
            ..Self::default()
        }
    }

    /// Hands a response to the request it answers; `false` when no request
    /// of ours has its id (answered already, cancelled, or never sent).
    pub(crate) fn resolve(&self, response: PeerResponse) -> bool {
        let waiter = self.lock().remove(&response.id);
        match waiter {
            Some(tx) => tx.send(response.outcome).is_ok(),
            None => false,
        }
    }

    /// Hands a response to the request it answers; gives it back when no
    /// request of this table has its id (another node's, with a shared store).
    pub(crate) fn try_resolve(&self, response: PeerResponse) -> Result<(), PeerResponse> {
        let waiter = self.lock().remove(&response.id);
        match waiter {
            Some(tx) => {
                let _ = tx.send(response.outcome);
                Ok(())
            }
            None => Err(response),
        }
    }

    /// Ends every wait and refuses new questions: the client can no longer
    /// answer (its input ended). The waiting calls get
    /// [`InputError::Unavailable`] and finish.
    pub(crate) fn close(&self) {
        let mut table = self.lock();
        self.closed.store(true, Ordering::SeqCst);
        // Dropping the senders wakes every waiter.
        table.clear();
    }

    /// How many requests wait for a response.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn register(&self) -> (Waiting, oneshot::Receiver<Answer>) {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let id = RequestId::String(match self.tag {
            None => format!("ferry-{n}"),
            Some(tag) => format!("ferry-{tag:08x}-{n}"),
        });
        let (tx, rx) = oneshot::channel();
        let mut table = self.lock();
        // Closed meanwhile: the sender is dropped, so the wait ends at once.
        if !self.closed.load(Ordering::SeqCst) {
            table.insert(id.clone(), tx);
        }
        drop(table);
        (
            Waiting {
                table: Arc::clone(&self.waiting),
                id,
            },
            rx,
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        lock(&self.waiting)
    }
}

fn lock(table: &Mutex<Table>) -> std::sync::MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(|e| e.into_inner())
}

/// Takes a request out of the table however its wait ends.
struct Waiting {
    table: Arc<Mutex<Table>>,
    id: RequestId,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        lock(&self.table).remove(&self.id);
    }
}

/// Questions of one session call, sent on `outbound` (the call's stream).
pub(crate) struct SessionInput<'a> {
    pub(crate) pending: &'a PendingRequests,
    pub(crate) outbound: Arc<dyn Outbound>,
    pub(crate) cancellation: CancellationToken,
    /// Ties the requests to a task (`_meta` related-task), when they are a task's.
    pub(crate) related_task: Option<String>,
}

impl SessionInput<'_> {
    /// Sends `request` and resolves with the client's result.
    pub(crate) fn ask(
        &self,
        request: InputRequest,
    ) -> BoxFuture<'static, Result<Value, InputError>> {
        if !self.outbound.reaches_client() {
            return futures::future::ready(Err(InputError::Unavailable(
                "no stream reaches the client: this call is answered as plain JSON and the session has no GET stream open (accept text/event-stream, or open the GET stream)".into(),
            )))
            .boxed();
        }
        if self.pending.closed.load(Ordering::SeqCst) {
            return futures::future::ready(Err(InputError::Unavailable(ENDED.into()))).boxed();
        }
        let (waiting, answer) = self.pending.register();
        let mut params = match request.params {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        if let Some(task_id) = &self.related_task {
            let meta = params
                .entry("_meta")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(meta) = meta {
                let related = RelatedTask {
                    task_id: Cow::Borrowed(task_id),
                };
                meta.insert(META_RELATED_TASK.into(), related.to_value());
            }
        }
        self.outbound.send(jsonrpc::request(
            &waiting.id,
            &request.method,
            Value::Object(params),
        ));
        let cancellation = self.cancellation.clone();
        async move {
            let _waiting = waiting;
            tokio::select! {
                biased;
                _ = cancellation.cancelled() => Err(InputError::Cancelled),
                answer = answer => match answer {
                    Ok(Ok(result)) => Ok(result),
                    Ok(Err(error)) => Err(InputError::Client(error)),
                    Err(_) => Err(InputError::Unavailable(ENDED.into())),
                },
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::ChannelOutbound;
    use serde_json::json;
    use tokio::sync::mpsc;

    #[tokio::test]
    async fn a_response_resumes_the_request_with_its_id() {
        let pending = Arc::new(PendingRequests::new());
        let (tx, mut rx) = mpsc::channel(4);
        let input = SessionInput {
            pending: &pending,
            outbound: Arc::new(ChannelOutbound(tx)),
            cancellation: CancellationToken::new(),
            related_task: Some("t1".into()),
        };
        let asked = input.ask(InputRequest {
            method: "roots/list".into(),
            params: json!({}),
        });
        let sent = rx.recv().await.unwrap();
        assert_eq!(sent["method"], "roots/list");
        assert_eq!(sent["params"]["_meta"][META_RELATED_TASK]["taskId"], "t1");
        let id: RequestId = serde_json::from_value(sent["id"].clone()).unwrap();
        assert!(!pending.resolve(PeerResponse {
            id: RequestId::String("other".into()),
            outcome: Ok(json!({})),
        }));
        assert!(pending.resolve(PeerResponse {
            id,
            outcome: Ok(json!({"roots": []})),
        }));
        assert_eq!(asked.await.unwrap(), json!({"roots": []}));
        assert_eq!(pending.len(), 0);
    }

    #[tokio::test]
    async fn cancellation_ends_the_wait_and_forgets_the_request() {
        let pending = Arc::new(PendingRequests::new());
        let cancellation = CancellationToken::new();
        let (tx, _rx) = mpsc::channel(4);
        let input = SessionInput {
            pending: &pending,
            outbound: Arc::new(ChannelOutbound(tx)),
            cancellation: cancellation.clone(),
            related_task: None,
        };
        let asked = input.ask(InputRequest {
            method: "elicitation/create".into(),
            params: json!({}),
        });
        assert_eq!(pending.len(), 1);
        cancellation.cancel();
        assert_eq!(asked.await, Err(InputError::Cancelled));
        assert_eq!(pending.len(), 0);
    }

    #[tokio::test]
    async fn a_question_with_no_way_to_the_client_fails_at_once() {
        let pending = Arc::new(PendingRequests::new());
        let input = SessionInput {
            pending: &pending,
            outbound: Arc::new(crate::call::NoOutbound),
            cancellation: CancellationToken::new(),
            related_task: None,
        };
        let asked = input
            .ask(InputRequest {
                method: "elicitation/create".into(),
                params: json!({}),
            })
            .await;
        assert!(
            matches!(&asked, Err(InputError::Unavailable(m)) if m.contains("no stream reaches the client")),
            "{asked:?}"
        );
        assert_eq!(pending.len(), 0, "nothing waits");
    }
}
