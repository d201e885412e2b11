//! The engine: creates tasks, answers for them, and runs them on a pool of
//! workers in this process (a bounded queue in the backend, a concurrency
//! limit here, and a graceful shutdown).

use super::backend::{
    BackendError, Claimed, NewTask, TaskBackend, TaskJob, TaskUpdates, UpdateError,
};
use super::links::Links;
use super::model::{now_ms, InputAnswer, TaskId, TaskRecord, Transition};
use super::quota::{self, Quotas};
use super::snapshot::Snapshot;
use super::trace::{RunEnd, RunTrace};
use super::wire;
use crate::call::LogLevelFilter;
use crate::call::Outbound;
use crate::protocol::jsonrpc::notification;
use crate::protocol::messages::{self, RunTimeLimitData};
use crate::protocol::ErrorObject;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// How the task engine behaves. Every setting has a default:
///
/// ```
/// use ferrymcp::task::TaskOptions;
/// use std::time::Duration;
///
/// let options = TaskOptions::default()
///     .default_ttl(Duration::from_secs(60))
///     .max_ttl(Duration::from_secs(3600))
///     .poll_interval(Duration::from_millis(250))
///     .concurrency(8)
///     .shutdown_grace(Duration::from_secs(10))
///     .max_run_time(Duration::from_secs(600))
///     .max_active_tasks_per_caller(20)
///     .max_result_bytes_per_caller(8 * 1024 * 1024)
///     .keep_raw_token();
/// ```
#[derive(Debug, Clone)]
pub struct TaskOptions {
    default_ttl: Duration,
    max_ttl: Duration,
    poll_interval: Duration,
    concurrency: usize,
    shutdown_grace: Duration,
    keep_raw_token: bool,
    run_workers: bool,
    page_size: usize,
    max_run_time: Option<Duration>,
    max_active_tasks_per_caller: usize,
    max_result_bytes_per_caller: u64,
}

impl Default for TaskOptions {
    fn default() -> Self {
        TaskOptions {
            default_ttl: Duration::from_secs(300),
            max_ttl: Duration::from_secs(3600),
            poll_interval: Duration::from_millis(500),
            concurrency: 16,
            shutdown_grace: Duration::from_secs(30),
            keep_raw_token: false,
            run_workers: true,
            page_size: 50,
            max_run_time: None,
            max_active_tasks_per_caller: 100,
            max_result_bytes_per_caller: 64 * 1024 * 1024,
        }
    }
}

impl TaskOptions {
    /// How long a task is kept when the client asks for no TTL (default five
    /// minutes: short, because without authorization the task id is the only
    /// protection). The TTL counts from the task's creation; a task still
    /// running when it runs out is kept until it ends, then for its TTL from
    /// its end (see [`max_run_time`](Self::max_run_time) to stop it instead).
    pub fn default_ttl(mut self, ttl: Duration) -> Self {
        self.default_ttl = ttl;
        self
    }

    /// The longest TTL a client may ask for (default one hour); longer
    /// requests are capped, and the TTL granted is reported back.
    pub fn max_ttl(mut self, ttl: Duration) -> Self {
        self.max_ttl = ttl;
        self
    }

    /// The polling interval suggested to clients (default 500 ms).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// How many tasks run at once in this process (default 16); the others
    /// wait in the backend's queue.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// How long [`Server::shutdown`](crate::Server::shutdown) lets running
    /// tasks finish (default 30 s). Then it releases them to another worker
    /// when the backend is durable (Redis), and marks them failed otherwise.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Leaves the raw access token out of task snapshots (the default; this
    /// undoes [`keep_raw_token`](Self::keep_raw_token)): a task still sees
    /// the token's claims, scopes and expiry, but `AccessToken::raw` is
    /// `None` in the worker, and nothing usable as a credential is stored.
    pub fn drop_raw_token(mut self) -> Self {
        self.keep_raw_token = false;
        self
    }

    /// Whether this process runs tasks (default `true`). An HTTP node of a
    /// distributed deployment may leave running to worker processes.
    pub fn run_workers(mut self, run: bool) -> Self {
        self.run_workers = run;
        self
    }

    /// How many tasks one `tasks/list` page holds (default 50).
    pub fn page_size(mut self, n: usize) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// Keeps the raw access token in task snapshots, so that
    /// `AccessToken::raw` is `Some` in the worker, for a tool that passes the
    /// caller's token on (default: left out). Anyone who can read the task
    /// store can then replay the token: with the Redis backend, set a
    /// snapshot key too.
    pub fn keep_raw_token(mut self) -> Self {
        self.keep_raw_token = true;
        self
    }

    /// The longest a task may run (default: no limit). A task still running
    /// this long after its worker started it (each delivery counts from its
    /// own start) is stopped (its future dropped, its cancellation token
    /// cancelled) and ends `failed`, with a message that says the limit was
    /// reached. Without a limit, a task runs until it ends, and its record
    /// is kept while it runs, even past its TTL.
    pub fn max_run_time(mut self, limit: Duration) -> Self {
        self.max_run_time = Some(limit);
        self
    }

    /// How many tasks one caller may have queued or running at once
    /// (default 100); one more is not created: the caller gets a JSON-RPC
    /// error (-32603) whose `data` names the limit (`limit`) and says when
    /// to retry (`retryAfterSeconds`). A caller is the identity of its
    /// verified token; without one, its 2025-11-25 session; without either,
    /// all anonymous callers share one count. Counted per process (per
    /// node, with a shared backend).
    pub fn max_active_tasks_per_caller(mut self, n: usize) -> Self {
        self.max_active_tasks_per_caller = n.max(1);
        self
    }

    /// How many bytes of task results (their compact JSON) one caller may
    /// have stored at once (default 64 MiB). A result that would go over it
    /// is not stored: its task fails with a message that says so. While a
    /// caller's stored results fill the budget, its new tasks are refused
    /// like those over
    /// [`max_active_tasks_per_caller`](Self::max_active_tasks_per_caller),
    /// until some expire. Counted per process, for the results its workers
    /// stored.
    pub fn max_result_bytes_per_caller(mut self, bytes: u64) -> Self {
        self.max_result_bytes_per_caller = bytes.max(1);
        self
    }

    pub(crate) fn keeps_raw_token(&self) -> bool {
        self.keep_raw_token
    }

    fn ttl_ms(&self, requested: Option<u64>) -> u64 {
        let max = self.max_ttl.as_millis() as u64;
        requested
            .unwrap_or(self.default_ttl.as_millis() as u64)
            .clamp(1, max.max(1))
    }
}

/// Where a task's notifications go while the client that created it is
/// connected (a 2025-11-25 session's stream).
#[derive(Clone)]
pub(crate) struct Link {
    pub(crate) outbound: Arc<dyn Outbound>,
    pub(crate) log_filter: Arc<LogLevelFilter>,
}

/// Runs one claimed task: restores its scope and calls its tool. The server
/// implements it.
pub(crate) trait Execute: Send + Sync + 'static {
    fn execute(
        &self,
        job: TaskJob,
        handle: TaskHandle,
        link: Option<Link>,
    ) -> BoxFuture<'static, Result<Value, ErrorObject>>;
}

/// The task a call runs as, as its [`Ctx`](crate::Ctx) sees it.
#[derive(Clone)]
pub struct TaskHandle {
    id: TaskId,
    attempt: u32,
    engine: Weak<TaskEngine>,
    cancellation: CancellationToken,
}

impl TaskHandle {
    /// The task id.
    pub fn id(&self) -> &TaskId {
        &self.id
    }

    /// Which delivery of the task this is (1 unless a worker died and the
    /// task was delivered again: delivery is at least once).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Cancelled when the task is cancelled (or fails at shutdown).
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancellation
    }

    /// The engine running the task, while the server lives.
    pub(crate) fn engine(&self) -> Option<Arc<TaskEngine>> {
        self.engine.upgrade()
    }

    /// Sets the task's status message (progress).
    pub(crate) async fn report(&self, message: String) {
        if let Some(engine) = self.engine.upgrade() {
            let _ = engine
                .apply(self.id.clone(), Transition::Message(message))
                .await;
        }
    }
}

impl crate::call::CallScope {
    /// The background task this call runs as; `None` when it runs inline.
    /// (A worker puts the task's handle in the restored scope's extensions;
    /// only the engine can make one.)
    pub fn task(&self) -> Option<&TaskHandle> {
        self.extensions().get::<TaskHandle>()
    }
}

impl std::fmt::Debug for TaskHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskHandle")
            .field("id", &self.id)
            .field("attempt", &self.attempt)
            .finish()
    }
}

/// Creates, answers for and runs background tasks; one per server.
pub struct TaskEngine {
    backend: Arc<dyn TaskBackend>,
    options: TaskOptions,
    executor: Arc<dyn Execute>,
    links: Links,
    quotas: Quotas,
    running: Mutex<HashMap<TaskId, ()>>,
    running_count: watch::Sender<usize>,
    permits: Arc<Semaphore>,
    stop: CancellationToken,
    /// Cancelled at shutdown past the grace period with a durable backend:
    /// running tasks are released to another worker, not failed.
    abandon: CancellationToken,
    started: AtomicBool,
    housekeeping: AtomicBool,
    shut_down: AtomicBool,
    /// The queue depth sampler runs (`otel`).
    #[cfg(feature = "otel")]
    depth_sampler: AtomicBool,
}

/// The error for a task id the caller may not see: unknown, expired and
/// foreign ids get exactly the same answer, so it tells nothing.
pub(crate) fn unknown_task(id: &str) -> ErrorObject {
    ErrorObject::invalid_params(format!(
        "Invalid params: no task {id:?} (unknown, expired, or not created by this caller)"
    ))
}

fn backend_error(e: BackendError) -> ErrorObject {
    match e {
        BackendError::BadCursor(c) => ErrorObject::invalid_params(format!(
            "Invalid params: unknown cursor {c:?} for tasks/list"
        )),
        other => ErrorObject::internal(other.to_string()),
    }
}

impl TaskEngine {
    pub(crate) fn new(
        backend: Arc<dyn TaskBackend>,
        options: TaskOptions,
        executor: Arc<dyn Execute>,
    ) -> Self {
        TaskEngine {
            backend,
            permits: Arc::new(Semaphore::new(options.concurrency)),
            quotas: Quotas::new(
                options.max_active_tasks_per_caller,
                options.max_result_bytes_per_caller,
            ),
            options,
            executor,
            links: Links::default(),

            running: Mutex::new(HashMap::new()),
            running_count: watch::channel(0).0,
            stop: CancellationToken::new(),
            abandon: CancellationToken::new(),
            started: AtomicBool::new(false),
            housekeeping: AtomicBool::new(false),
            shut_down: AtomicBool::new(false),
            #[cfg(feature = "otel")]
            depth_sampler: AtomicBool::new(false),
        }
    }

    /// The engine's settings.
    pub fn options(&self) -> &TaskOptions {
        &self.options
    }

    /// How many tasks run in this process now.
    pub fn running(&self) -> usize {
        *self.running_count.borrow()
    }

    /// How many tasks this engine holds a client link for (where a task's
    /// status notifications go); for tests of leaks.
    #[doc(hidden)]
    pub fn link_count(&self) -> usize {
        self.links.len()
    }

    /// Starts the worker pool, once (tasks start it when the first is created).
    pub(crate) fn start(self: &Arc<Self>) {
        if self.options.run_workers {
            self.start_workers();
        }
    }

    /// Starts the worker pool now, once, whatever
    /// [`TaskOptions::run_workers`] says (a worker process).
    pub(crate) fn start_workers(self: &Arc<Self>) {
        if self.stop.is_cancelled() || self.started.swap(true, Ordering::SeqCst) {
            return;
        }
        tokio::spawn(dispatch(Arc::downgrade(self), self.stop.clone()));
        self.start_depth_sampler();
    }

    /// Starts the housekeeping round, once (the first task starts it).
    fn start_housekeeping(self: &Arc<Self>) {
        if !self.housekeeping.swap(true, Ordering::SeqCst) {
            tokio::spawn(housekeeping(Arc::downgrade(self), self.stop.clone()));
            self.start_depth_sampler();
        }
    }

    /// Starts sampling the queue depth for its gauge, once (with the
    /// `otel` feature; see [`crate::telemetry`]).
    #[inline(always)]
    fn start_depth_sampler(self: &Arc<Self>) {
        #[cfg(feature = "otel")]
        if !self.depth_sampler.swap(true, Ordering::SeqCst) {
            tokio::spawn(sample_queue_depth(Arc::downgrade(self), self.stop.clone()));
        }
    }

    /// How many tasks are queued and not yet handed to a worker, as the
    /// backend tells ([`TaskBackend::queue_depth`]); `None` when it cannot.
    pub async fn queue_depth(&self) -> Result<Option<u64>, BackendError> {
        self.backend.queue_depth().await
    }

    /// Resolves once the engine stopped taking work (shutdown, or the server
    /// was dropped).
    pub(crate) async fn stopped(&self) {
        self.stop.cancelled().await
    }

    /// Stops claiming work (the server was dropped).
    pub(crate) fn stop(&self) {
        self.stop.cancel();
    }

    /// Creates a task: stores the record with its snapshot, then returns it.
    pub(crate) async fn create(
        self: &Arc<Self>,
        tool: &str,
        arguments: Map<String, Value>,
        snapshot: Snapshot,
        requested_ttl_ms: Option<u64>,
        link: Option<Link>,
        answers: BTreeMap<String, InputAnswer>,
    ) -> Result<TaskRecord, ErrorObject> {
        if self.shut_down.load(Ordering::SeqCst) {
            return Err(backend_error(BackendError::Closed));
        }
        self.start();
        let record = TaskRecord::new(
            TaskId::random(),
            snapshot.owner().map(str::to_owned),
            tool,
            self.options.ttl_ms(requested_ttl_ms),
            self.options.poll_interval.as_millis() as u64,
            now_ms(),
        )
        .with_input_answers(answers);
        let id = record.id().clone();
        let owner = record.owner().map(str::to_owned);
        self.admit(owner.as_deref(), &id, record.expires_at_ms())
            .await?;
        self.start_housekeeping();
        // Only a worker of this process sends a task's notifications.
        if let Some(link) = link.filter(|_| self.started.load(Ordering::SeqCst)) {
            self.links.insert(id.clone(), link, record.expires_at_ms());
        }
        let job = TaskJob {
            tool: tool.into(),
            arguments,
            snapshot,
        };
        let created = self
            .backend
            .create(NewTask {
                record: record.clone(),
                job,
            })
            .await;
        if let Err(e) = created {
            self.links.remove(&id);
            self.quotas.ended(owner.as_deref(), &id);
            return Err(backend_error(e));
        }
        super::trace::created(tool);
        tracing::debug!(task_id = %id, tool, "task created");
        Ok(record)
    }

    /// Counts a new task against its caller's limits, or answers the error
    /// that names the limit it is over. At its limit of active tasks, the
    /// caller's tasks are looked up first, oldest first, a few at a time,
    /// until one has ended where this engine did not see it.
    async fn admit(
        &self,
        owner: Option<&str>,
        id: &TaskId,
        ttl_end: u64,
    ) -> Result<(), ErrorObject> {
        let poll_ms = self.options.poll_interval.as_millis() as u64;
        let mut over = match self.quotas.admit(owner, id, ttl_end, now_ms()) {
            Ok(()) => return Ok(()),
            Err(over) => over,
        };
        if !matches!(over, quota::Over::ActiveTasks { .. }) {
            return Err(over.error(poll_ms));
        }
        let mut looked_up = 0;
        while looked_up < self.options.max_active_tasks_per_caller {
            let batch = self.quotas.to_recount(owner, RECOUNT_BATCH, now_ms());
            if batch.is_empty() {
                break;
            }
            let mut freed = false;
            for counted in batch {
                looked_up += 1;
                match self.backend.get(counted.clone()).await {
                    Ok(Some(r)) if !r.status().is_terminal() => {}
                    Ok(_) => {
                        self.quotas.ended(owner, &counted);
                        freed = true;
                    }
                    Err(e) => {
                        tracing::debug!("cannot look up a caller's tasks: {e}");
                        return Err(over.error(poll_ms));
                    }
                }
            }
            if freed {
                match self.quotas.admit(owner, id, ttl_end, now_ms()) {
                    Ok(()) => return Ok(()),
                    Err(again @ quota::Over::ActiveTasks { .. }) => over = again,
                    Err(again) => return Err(again.error(poll_ms)),
                }
            }
        }
        if looked_up >= self.options.max_active_tasks_per_caller {
            self.quotas.recounted_in_vain(owner, now_ms());
        }
        Err(over.error(poll_ms))
    }

    /// The task, when `owner` may see it.
    pub(crate) async fn get(
        &self,
        id: &str,
        owner: Option<&str>,
    ) -> Result<TaskRecord, ErrorObject> {
        let record = self
            .backend
            .get(TaskId::from_wire(id))
            .await
            .map_err(backend_error)?;
        match record {
            Some(r) if r.owner() == owner => {
                self.saw(&r);
                Ok(r)
            }
            _ => Err(unknown_task(id)),
        }
    }

    /// Notes a version of a task's record read from the backend: a task seen
    /// ended no longer counts against its caller's limit (it may have ended
    /// on another process).
    pub(crate) fn saw(&self, record: &TaskRecord) {
        if record.status().is_terminal() {
            self.quotas.ended(record.owner(), record.id());
        }
    }

    /// The record now and every later version; `None` for an unknown task.
    pub(crate) async fn follow(&self, id: &TaskId) -> Result<Option<TaskUpdates>, BackendError> {
        self.backend.subscribe(id.clone()).await
    }

    /// The task, when `owner` may see it, and every later version of it:
    /// one read of the backend (`get` then [`follow`](Self::follow) reads
    /// twice). The stream starts with the record returned.
    pub(crate) async fn follow_owned(
        &self,
        id: &str,
        owner: Option<&str>,
    ) -> Result<(TaskRecord, TaskUpdates), ErrorObject> {
        let updates = self
            .backend
            .subscribe(TaskId::from_wire(id))
            .await
            .map_err(backend_error)?;
        let Some(mut updates) = updates else {
            return Err(unknown_task(id));
        };
        match updates.next().await {
            Some(r) if r.owner() == owner => {
                self.saw(&r);
                let first = futures::stream::once(futures::future::ready(r.clone()));
                Ok((r, first.chain(updates).boxed()))
            }
            _ => Err(unknown_task(id)),
        }
    }

    /// Stores the client's answers to a task's open questions (answers to
    /// questions that are not open are ignored).
    pub(crate) async fn answer(
        &self,
        id: &str,
        owner: Option<&str>,
        answers: BTreeMap<String, InputAnswer>,
    ) -> Result<TaskRecord, ErrorObject> {
        let record = self.get(id, owner).await?;
        match self
            .apply(record.id().clone(), Transition::Answer(answers))
            .await
        {
            Ok(r) => Ok(r),
            Err(UpdateError::Refused { record, .. }) => Ok(*record),
            Err(UpdateError::NotFound) => Err(unknown_task(id)),
            Err(UpdateError::Backend(e)) => Err(backend_error(e)),
        }
    }

    /// A page of `owner`'s tasks.
    pub(crate) async fn list(
        &self,
        owner: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<(Vec<TaskRecord>, Option<String>), ErrorObject> {
        let page = self
            .backend
            .list(
                owner.map(str::to_owned),
                cursor.map(str::to_owned),
                self.options.page_size,
            )
            .await
            .map_err(backend_error)?;
        Ok((page.tasks, page.next_cursor))
    }

    /// Cancels the task: `Ok(record)` now `cancelled`, or `Err(record)` when
    /// it was already terminal. The status is `cancelled` in the backend
    /// before this returns; the worker running it drops its future.
    pub(crate) async fn cancel(
        &self,
        id: &str,
        owner: Option<&str>,
    ) -> Result<Result<TaskRecord, TaskRecord>, ErrorObject> {
        let record = self.get(id, owner).await?;
        match self
            .apply(record.id().clone(), Transition::Cancel(None))
            .await
        {
            Ok(r) => Ok(Ok(r)),
            Err(UpdateError::Refused { record, .. }) => Ok(Err(*record)),
            Err(UpdateError::NotFound) => Err(unknown_task(id)),
            Err(UpdateError::Backend(e)) => Err(backend_error(e)),
        }
    }

    /// Applies a transition and tells a connected client about it.
    pub(crate) async fn apply(
        &self,
        id: TaskId,
        transition: Transition,
    ) -> Result<TaskRecord, UpdateError> {
        let record = self
            .backend
            .transition(id.clone(), transition, now_ms())
            .await?;
        let link = if record.status().is_terminal() {
            self.quotas.ended(record.owner(), &id);
            self.links.remove(&id)
        } else {
            self.links.get(&id)
        };
        if let Some(link) = link {
            link.outbound.send(notification(
                "notifications/tasks/status",
                wire::task_core(&record),
            ));
        }
        Ok(record)
    }

    /// Shuts the engine down: no new tasks; running tasks get the grace
    /// period to finish, then are released to another worker (durable
    /// backend) or marked failed; queued ones are failed by a non-durable
    /// backend. Nothing is lost silently.
    pub(crate) async fn shutdown(&self) {
        if self.shut_down.swap(true, Ordering::SeqCst) {
            return;
        }
        self.stop.cancel();
        let mut count = self.running_count.subscribe();
        let finished =
            tokio::time::timeout(self.options.shutdown_grace, count.wait_for(|n| *n == 0))
                .await
                .is_ok();
        if !finished && self.backend.is_durable() {
            // Their workers drop their futures and release them: another
            // worker runs them (delivery is at least once).
            self.abandon.cancel();
            let _ = count.wait_for(|n| *n == 0).await;
        } else if !finished {
            let ids: Vec<TaskId> = self.lock_running().keys().cloned().collect();
            for id in ids {
                let error = ErrorObject::internal("the server shut down before the task finished");
                if self
                    .apply(id.clone(), Transition::Fail(error))
                    .await
                    .is_ok()
                {
                    tracing::warn!(task_id = %id, "task failed: the server shut down before it finished");
                }
            }
            // Their workers see the terminal status and drop their futures.
            let _ = count.wait_for(|n| *n == 0).await;
        }
        if let Err(e) = self
            .backend
            .close("the server shut down before the task started".into())
            .await
        {
            tracing::warn!("closing the task backend failed: {e}");
        }
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<TaskId, ()>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for TaskEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskEngine")
            .field("options", &self.options)
            .field("running", &self.running())
            .finish_non_exhaustive()
    }
}

/// Counts a task as running from its claim until its worker is done.
struct Running {
    engine: Arc<TaskEngine>,
    id: TaskId,
}

impl Running {
    fn register(engine: &Arc<TaskEngine>, id: &TaskId) -> Running {
        let mut running = engine.lock_running();
        running.insert(id.clone(), ());
        engine.running_count.send_replace(running.len());
        Running {
            engine: Arc::clone(engine),
            id: id.clone(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = self.engine.lock_running();
        running.remove(&self.id);
        self.engine.running_count.send_replace(running.len());
    }
}

/// How many of a caller's tasks are looked up at a time when it is at its
/// limit of active tasks.
const RECOUNT_BATCH: usize = 8;

/// How often the engine looks after what the backend does not tell it.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(1);

/// Once a second: lets go of the links of tasks that expired before a
/// worker here took them, frees the result bytes of expired results, and
/// looks up the tasks counted as active whose TTL ran out (they may have
/// ended where this engine did not see it).
async fn housekeeping(engine: Weak<TaskEngine>, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(HOUSEKEEPING_EVERY) => {}
        }
        let Some(engine) = engine.upgrade() else {
            return;
        };
        let now = now_ms();
        engine.links.sweep_at(now);
        for (owner, id) in engine.quotas.housekeeping(now) {
            match engine.backend.get(id.clone()).await {
                Ok(Some(record)) if !record.status().is_terminal() => {}
                Ok(_) => engine.quotas.ended(owner.as_deref(), &id),
                Err(e) => {
                    tracing::debug!("housekeeping cannot look tasks up: {e}");
                    break;
                }
            }
        }
    }
}

/// How often an engine samples its queue depth (once a meter provider
/// reads the gauge).
#[cfg(feature = "otel")]
const QUEUE_DEPTH_EVERY: Duration = Duration::from_secs(1);

/// Samples the backend's queue depth for the `mcp.server.task.queue.depth`
/// gauge, once a meter provider has read it; stops with the engine, or at
/// once when the backend cannot tell its depth.
#[cfg(feature = "otel")]
async fn sample_queue_depth(engine: Weak<TaskEngine>, stop: CancellationToken) {
    let cell = crate::telemetry::queue_depth_cell();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(QUEUE_DEPTH_EVERY) => {}
        }
        if !cell.wanted() {
            continue;
        }
        let Some(engine) = engine.upgrade() else {
            return;
        };
        match engine.backend.queue_depth().await {
            Ok(Some(depth)) => cell.set(depth),
            Ok(None) => return,
            Err(e) => tracing::debug!("cannot sample the task queue depth: {e}"),
        }
    }
}

/// The most jobs one claim asks the backend for.
const CLAIM_BATCH: usize = 64;

/// Claims jobs while a permit is free, as many at once as there are free
/// permits (one round trip for a batch with a remote backend), and runs
/// each on its own tokio task.
async fn dispatch(engine: Weak<TaskEngine>, stop: CancellationToken) {
    loop {
        let Some(strong) = engine.upgrade() else {
            return;
        };
        let permits = Arc::clone(&strong.permits);
        let backend = Arc::clone(&strong.backend);
        drop(strong);
        let first = tokio::select! {
            biased;
            _ = stop.cancelled() => return,
            p = Arc::clone(&permits).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
        };
        // The free permits beyond the first, taken at once (one permit
        // object; the rest goes back in one step).
        let mut free = first;
        let extra = permits.available_permits().min(CLAIM_BATCH - 1);
        if extra > 0 {
            if let Ok(more) = Arc::clone(&permits).try_acquire_many_owned(extra as u32) {
                free.merge(more);
            }
        }
        let claimed = tokio::select! {
            biased;
            _ = stop.cancelled() => return,
            c = backend.claim_many(free.num_permits()) => c,
        };
        let claimed = match claimed {
            Ok(c) if c.is_empty() => return,
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("claiming a task failed: {e}");
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_millis(200)) => continue,
                }
            }
        };
        let Some(engine) = engine.upgrade() else {
            return;
        };
        let mut free = Some(free);
        for claimed in claimed {
            // The backend hands out no more than asked for; a surplus job
            // waits for a permit rather than run over the limit.
            let permit = match free.take() {
                Some(mut p) if p.num_permits() > 1 => {
                    let one = p.split(1);
                    free = Some(p);
                    one
                }
                other => other,
            };
            let permit = match permit {
                Some(p) => p,
                None => match Arc::clone(&permits).acquire_owned().await {
                    Ok(p) => p,
                    Err(_) => return,
                },
            };
            let running = Running::register(&engine, &claimed.id);
            let engine = Arc::clone(&engine);
            tokio::spawn(async move {
                let id = claimed.id.clone();
                run(Arc::clone(&engine), claimed).await;
                engine.links.remove(&id);
                drop(running);
                drop(permit);
            });
        }
    }
}

/// How long before a running task's TTL runs out its worker marks it
/// started at the latest (half its TTL when that is shorter), so that its
/// record is kept until it ends. A task that ends before then costs no
/// extra write.
const KEEP_MARGIN_MS: u64 = 5_000;

/// Runs one task until it ends or becomes terminal from elsewhere
/// (cancelled, failed by shutdown, over its run-time limit); then
/// acknowledges it.
async fn run(engine: Arc<TaskEngine>, claimed: Claimed) {
    let Claimed { id, job, attempt } = claimed;
    let owner = job.snapshot.owner().map(str::to_owned);
    let owner = owner.as_deref();
    let backend = Arc::clone(&engine.backend);
    let mut updates = match backend.subscribe(id.clone()).await {
        Ok(Some(updates)) => updates,
        Ok(None) => {
            // Expired while queued: nothing to run.
            engine.quotas.ended(owner, &id);
            let _ = backend.ack(id).await;
            return;
        }
        Err(e) => {
            tracing::warn!(task_id = %id, "cannot follow the task, giving it back: {e}");
            let _ = backend.release(id).await;
            return;
        }
    };
    let Some(current) = updates.next().await else {
        engine.quotas.ended(owner, &id);
        let _ = backend.ack(id).await;
        return;
    };
    if current.status().is_terminal() {
        tracing::debug!(task_id = %id, "task was terminal before it started; skipped");
        engine.quotas.ended(owner, &id);
        let _ = backend.ack(id).await;
        return;
    }
    let ended_elsewhere = async move {
        while let Some(record) = updates.next().await {
            if record.status().is_terminal() {
                return true;
            }
        }
        false
    };
    let keep = keep_while_running(&engine, &current);
    let run_limit = engine.options.max_run_time;
    let over_limit = async move {
        match run_limit {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
        }
    };
    let link = engine.links.take_for_run(&id);
    let cancellation = CancellationToken::new();
    let handle = TaskHandle {
        id: id.clone(),
        attempt,
        engine: Arc::downgrade(&engine),
        cancellation: cancellation.clone(),
    };
    let (span, trace) = RunTrace::start(&id, &job.tool, attempt, &job.snapshot);
    let work = AssertUnwindSafe(engine.executor.execute(job, handle, link).instrument(span))
        .catch_unwind();
    tokio::select! {
        biased;
        _ = engine.abandon.cancelled() => {
            cancellation.cancel();
            match backend.release(id.clone()).await {
                Ok(()) => tracing::warn!(task_id = %id, "the server shut down before the task finished; released to another worker"),
                Err(e) => tracing::warn!(task_id = %id, "the server shut down before the task finished; releasing it failed ({e}), another worker takes it over after the visibility timeout"),
            }
            return;
        }
        still_there = ended_elsewhere => {
            cancellation.cancel();
            trace.end(RunEnd::Cancelled);
            engine.quotas.ended(owner, &id);
            if still_there {
                tracing::info!(task_id = %id, "task ended elsewhere (cancelled); its future is dropped");
            } else {
                tracing::warn!(task_id = %id, "task record vanished while it ran; its future is dropped");
            }
        }
        () = over_limit => {
            cancellation.cancel();
            let limit = run_limit.unwrap_or_default();
            let error = run_time_limit_reached(limit);
            trace.end(RunEnd::Failed(&error));
            match engine.apply(id.clone(), Transition::Fail(error)).await {
                Ok(_) => tracing::warn!(task_id = %id, "task stopped: it reached its run-time limit of {limit:?}"),
                Err(e) => tracing::debug!(task_id = %id, "task over its run-time limit ended meanwhile: {e}"),
            }
        }
        outcome = work => {
            let mut reserved = false;
            let transition = match outcome {
                Ok(Ok(result)) => {
                    let bytes = quota::json_size(&result);
                    match engine.quotas.reserve_result(owner, &id, bytes, now_ms()) {
                        Ok(()) => {
                            reserved = true;
                            Transition::Complete(result)
                        }
                        Err((used, max)) => {
                            tracing::warn!(task_id = %id, bytes, "task result not stored: over its caller's budget");
                            Transition::Fail(quota::result_over_budget(bytes, used, max))
                        }
                    }
                }
                Ok(Err(error)) => Transition::Fail(error),
                Err(_) => Transition::Fail(ErrorObject::internal("the tool panicked while running the task")),
            };
            trace.end(match &transition {
                Transition::Fail(error) => RunEnd::Failed(error),
                Transition::Complete(result) => RunEnd::Completed {
                    tool_error: result.get("isError") == Some(&Value::Bool(true)),
                },
                _ => RunEnd::Cancelled,
            });
            let applied = engine.apply(id.clone(), transition).await;
            if reserved {
                let until = applied.as_ref().ok().and_then(TaskRecord::retained_until_ms);
                engine.quotas.settle_result(owner, &id, until);
            }
            match applied {
                Ok(record) => tracing::debug!(task_id = %id, status = %record.status(), "task finished"),
                Err(e) => tracing::debug!(task_id = %id, "task result discarded: {e}"),
            }
        }
        () = keep => {}
    }
    if let Err(e) = backend.ack(id.clone()).await {
        tracing::warn!(task_id = %id, "acknowledging the task failed: {e}");
    }
}

/// Marks a running task started before its TTL runs out (never resolves):
/// from then on its record is kept until it ends.
async fn keep_while_running(engine: &TaskEngine, record: &TaskRecord) {
    if record.started_at_ms().is_none() {
        let margin = (record.ttl_ms() / 2).min(KEEP_MARGIN_MS);
        let mark_at = record.expires_at_ms().saturating_sub(margin);
        let wait = mark_at.saturating_sub(now_ms());
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
        let id = record.id().clone();
        match engine
            .backend
            .transition(id.clone(), Transition::Start, now_ms())
            .await
        {
            // Refused: it ended meanwhile (the run sees that).
            Ok(_) | Err(UpdateError::Refused { .. }) => {}
            Err(e) => tracing::warn!(
                task_id = %id,
                "cannot keep the record of the running task past its TTL: {e}"
            ),
        }
    }
    std::future::pending().await
}

/// The error of a task stopped by [`TaskOptions::max_run_time`].
fn run_time_limit_reached(limit: Duration) -> ErrorObject {
    ErrorObject::internal(format!(
        "the task reached its run-time limit of {} (TaskOptions::max_run_time) and was stopped",
        human_duration(limit)
    ))
    .with_data(messages::to_value(&RunTimeLimitData {
        limit: "max_run_time",
        max_run_time_ms: limit.as_millis() as u64,
    }))
}

/// `1.5 s`, `250 ms`, `2 h 5 min`: a duration for a message.
fn human_duration(d: Duration) -> String {
    let ms = d.as_millis() as u64;
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=59_999 if ms % 1000 == 0 => format!("{} s", ms / 1000),
        1_000..=59_999 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => {
            let secs = ms / 1000;
            let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
            let mut parts = Vec::new();
            if h > 0 {
                parts.push(format!("{h} h"));
            }
            if m > 0 {
                parts.push(format!("{m} min"));
            }
            if s > 0 {
                parts.push(format!("{s} s"));
            }
            parts.join(" ")
        }
    }
}
