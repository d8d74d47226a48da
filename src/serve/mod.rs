//! The feed server (DESIGN.md, "Server"): the `build` layout served from memory by
//! hyper. A request is answered in two pure steps — [`resolve`] works out an
//! [`Outcome`] from the request and the current [`FileSet`], [`response`] turns it
//! into a response — so handler tests need no socket. Rebuilds ([`State::rebuild`],
//! driven by [`watch`]) make a whole new set off the request path and swap it in
//! atomically; [`server`] runs the accept loop with its limits and graceful shutdown.

pub mod resolve;
pub mod response;
pub mod server;
pub mod set;
pub mod watch;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use arc_swap::ArcSwap;
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use http::{Request, Response};
use http_body_util::Full;

use crate::build::{self, BuildError};
use crate::config::Config;
use crate::report::{Finding, Severity};

pub use resolve::Outcome;
pub use server::{run, Options};
pub use set::FileSet;

/// What `/healthz` reports: the last good build and the last failure, if any.
#[derive(Debug, Clone, Default)]
pub struct Health {
    /// When the set being served was built (wall clock: this is about the process,
    /// not the feeds).
    pub built_at: Option<DateTime<Utc>>,
    /// How long that build took, in milliseconds.
    pub build_ms: u64,
    /// Successful builds since start.
    pub builds: u64,
    pub posts: usize,
    pub feeds: usize,
    pub files: usize,
    /// Problems with posts in the served build (errors, then warnings).
    pub errors: usize,
    pub warnings: usize,
    /// Why the last rebuild failed; cleared by the next good one.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

impl Health {
    pub fn to_json(&self) -> serde_json::Value {
        let time =
            |t: &Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true));
        serde_json::json!({
            "status": if self.last_error.is_some() { "degraded" } else { "ok" },
            "built_at": time(&self.built_at),
            "build_ms": self.build_ms,
            "builds": self.builds,
            "posts": self.posts,
            "feeds": self.feeds,
            "files": self.files,
            "errors": self.errors,
            "warnings": self.warnings,
            "last_error": self.last_error,
            "last_error_at": time(&self.last_error_at),
        })
    }
}

/// One consistent view: a file set and the health that goes with it. Requests load
/// a whole snapshot, so they see the old set or the new one, never a mix.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub set: Arc<FileSet>,
    pub health: Health,
}

/// The server's state: its config and the snapshot being served.
pub struct State {
    cfg: Config,
    ctx: response::Context,
    current: ArcSwap<Snapshot>,
    /// Rebuilds run one at a time, so an older build can never replace a newer one.
    rebuilding: Mutex<()>,
}

impl State {
    /// A state serving an empty set; call [`State::rebuild`] before serving.
    pub fn new(cfg: Config) -> State {
        State {
            ctx: response::Context::new(cfg.serve.max_age),
            cfg,
            current: ArcSwap::from_pointee(Snapshot::default()),
            rebuilding: Mutex::new(()),
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The snapshot being served now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Builds the feeds again (blocking: run it off the request path) and swaps the
    /// new set in. Returns the build's findings. On failure the last good set stays
    /// and the error shows in `/healthz`.
    pub fn rebuild(&self) -> Result<Vec<Finding>, BuildError> {
        let _one_at_a_time = self
            .rebuilding
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let start = Instant::now();
        let old = self.current.load_full();
        match build::build(&self.cfg) {
            Ok(mut built) => {
                let set = FileSet::new(&mut built, Some(&old.set));
                let errors = built
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .count();
                let health = Health {
                    built_at: Some(Utc::now()),
                    build_ms: start.elapsed().as_millis() as u64,
                    builds: old.health.builds + 1,
                    posts: built.published,
                    feeds: built.feeds,
                    files: set.files.len(),
                    errors,
                    warnings: built.findings.len() - errors,
                    last_error: None,
                    last_error_at: None,
                };
                self.current.store(Arc::new(Snapshot {
                    set: Arc::new(set),
                    health,
                }));
                Ok(built.findings)
            }
            Err(e) => {
                let mut health = old.health.clone();
                health.last_error = Some(e.to_string());
                health.last_error_at = Some(Utc::now());
                self.current.store(Arc::new(Snapshot {
                    set: Arc::clone(&old.set),
                    health,
                }));
                Err(e)
            }
        }
    }

    /// Answers one request from the current snapshot; the request body is never read.
    pub fn handle<B>(&self, req: &Request<B>) -> Response<Full<Bytes>> {
        let snap = self.current.load();
        let outcome = resolve::resolve(&snap.set, req.method(), req.uri(), req.headers());
        response::respond(outcome, &self.ctx, &snap.health)
    }
}
