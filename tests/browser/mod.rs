//! Helpers of the browser tests: headless Chromium (Debian's `chromium`,
//! installed with apt-get when missing and running as root, else the test
//! fails and says what to install; it never skips), started on a page with a
//! fresh profile in a process group of its own and killed by that group's id
//! when dropped; and a tiny HTTP server that serves the test pages and takes
//! the reports they POST back.
#![allow(dead_code)]

use axum::extract::Path;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::Value;
use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;

/// Where Chromium is: `$CHROMIUM`, else Debian's `/usr/bin/chromium`,
/// installed first when missing and this process may (root, apt-get).
pub fn chromium() -> &'static std::path::Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        if let Some(path) = std::env::var_os("CHROMIUM") {
            return PathBuf::from(path);
        }
        let path = PathBuf::from("/usr/bin/chromium");
        if path.exists() {
            return path;
        }
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        if root && std::path::Path::new("/usr/bin/apt-get").exists() {
            eprintln!("installing chromium (apt-get) for the browser tests");
            let status = Command::new("sh")
                .args([
                    "-c",
                    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium",
                ])
                .status();
            if path.exists() {
                return path;
            }
            panic!("the browser tests need headless Chromium; `apt-get install chromium` failed: {status:?}");
        }
        panic!(
            "the browser tests need headless Chromium and it is not installed: \
             `apt-get install chromium` (Debian), or set CHROMIUM to its path"
        )
    })
}

/// A headless Chromium showing one page; killed (with every process it
/// started) when dropped.
pub struct Browser {
    child: Child,
    dir: PathBuf,
}

impl Browser {
    /// Opens `url` with a fresh profile; `extra` are more Chromium flags.
    pub fn open(url: &str, extra: &[&str]) -> Browser {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("ferrymcp-chromium-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory for Chromium");
        let log = std::fs::File::create(dir.join("chromium.log")).expect("Chromium's log file");
        let child = Command::new(chromium())
            .args([
                "--headless",
                // Root cannot use Chromium's sandbox; the pages are the test's own.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .args(extra)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("Chromium's log file"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium().display()));
        Browser { child, dir }
    }

    /// How Chromium ended, if it has.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The end of Chromium's log.
    pub fn log(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("chromium.log")).unwrap_or_default();
        let start = log.len().saturating_sub(4000);
        let start = (start..log.len())
            .find(|&i| log.is_char_boundary(i))
            .unwrap_or(log.len());
        log[start..].to_owned()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The process group Chromium leads: it and the processes it started.
        let group = self.child.id() as libc::pid_t;
        // SAFETY: kill has no memory preconditions; the group is our child's.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The server of the test pages: `GET /{name}` is a page, `POST /report`
/// takes what a page reports (JSON).
pub struct Pages {
    pub port: u16,
    pages: Arc<Mutex<HashMap<String, String>>>,
    reports: mpsc::UnboundedReceiver<Value>,
}

impl Pages {
    /// Serves `pages` (path without `/`, HTML) on 127.0.0.1, on a fresh port.
    pub async fn serve(pages: Vec<(&'static str, String)>) -> Pages {
        let mut server = Pages::serve_later().await;
        for (name, html) in pages {
            server.add(name, html);
        }
        server
    }

    /// Serves no page yet (see [`add`](Self::add)), on a fresh port.
    pub async fn serve_later() -> Pages {
        let (tx, reports) = mpsc::unbounded_channel();
        let pages: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let shown = Arc::clone(&pages);
        let app = axum::Router::new()
            .route(
                "/report",
                post(move |body: String| {
                    let tx = tx.clone();
                    async move {
                        let value = serde_json::from_str(&body).unwrap_or_else(|e| {
                            Value::String(format!("unreadable report ({e}): {body}"))
                        });
                        let _ = tx.send(value);
                        "ok"
                    }
                }),
            )
            .route(
                "/{name}",
                get(move |Path(name): Path<String>| {
                    let page = shown.lock().unwrap().get(&name).cloned();
                    async move {
                        match page {
                            Some(html) => axum::response::Html(html).into_response(),
                            None => http::StatusCode::NOT_FOUND.into_response(),
                        }
                    }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Pages {
            port,
            pages,
            reports,
        }
    }

    /// Serves `html` at `/{name}`.
    pub fn add(&mut self, name: &str, html: String) {
        self.pages.lock().unwrap().insert(name.to_owned(), html);
    }

    /// The next report of a page shown in `browser`; panics with Chromium's
    /// log when none comes `within`, or when Chromium exits first.
    pub async fn report(&mut self, browser: &mut Browser, within: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            tokio::select! {
                report = self.reports.recv() => return report.expect("the page server runs"),
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
            if let Some(status) = browser.exited() {
                panic!(
                    "Chromium exited ({status}) before the page reported; its log:\n{}",
                    browser.log()
                );
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "the page did not report within {within:?}; Chromium's log:\n{}",
                    browser.log()
                );
            }
        }
    }
}
