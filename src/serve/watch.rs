//! Regeneration while serving: a notify watcher on the posts folder (events
//! debounced, so saving ten files makes one rebuild) and an interval timer. Both
//! run the build on tokio's blocking pool, off the request path, and the new set
//! is swapped in whole by [`State::rebuild`].

use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::{sleep, Instant};

use super::State;
use crate::report::Severity;

/// A running regeneration task; dropping it stops the task (and the watcher).
pub struct Regenerator {
    _watcher: Option<notify::RecommendedWatcher>,
    task: JoinHandle<()>,
}

impl Drop for Regenerator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Watches the posts folder recursively and rebuilds once changes have been quiet
/// for `debounce` (or at the latest ten debounce periods after the first change).
pub fn watch(state: Arc<State>, debounce: Duration) -> notify::Result<Regenerator> {
    let dirty = Arc::new(Notify::new());
    let flag = Arc::clone(&dirty);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        match event {
            // Reading the posts during a rebuild must not trigger another one.
            Ok(e) if matches!(e.kind, EventKind::Access(_)) => {}
            Ok(_) => flag.notify_one(),
            Err(e) => eprintln!("warning: watching the posts folder: {e}"),
        }
    })?;
    watcher.watch(&state.config().posts, RecursiveMode::Recursive)?;
    let task = tokio::spawn(async move {
        loop {
            dirty.notified().await;
            let latest = Instant::now() + debounce * 10;
            loop {
                tokio::select! {
                    _ = dirty.notified() => {
                        if Instant::now() >= latest {
                            break;
                        }
                    }
                    _ = sleep(debounce) => break,
                }
            }
            rebuild_logged(Arc::clone(&state)).await;
        }
    });
    Ok(Regenerator {
        _watcher: Some(watcher),
        task,
    })
}

/// Rebuilds every `period` (the first time one period after start).
pub fn every(state: Arc<State>, period: Duration) -> Regenerator {
    let task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            rebuild_logged(Arc::clone(&state)).await;
        }
    });
    Regenerator {
        _watcher: None,
        task,
    }
}

/// Runs one rebuild on the blocking pool and logs how it went.
pub async fn rebuild_logged(state: Arc<State>) {
    let worker = Arc::clone(&state);
    match tokio::task::spawn_blocking(move || worker.rebuild()).await {
        Ok(Ok(findings)) => {
            for f in findings.iter().filter(|f| f.severity == Severity::Error) {
                eprintln!("{f}");
            }
            let h = state.snapshot().health.clone();
            eprintln!(
                "rebuilt: {} posts, {} feeds in {} ms ({} errors, {} warnings)",
                h.posts, h.feeds, h.build_ms, h.errors, h.warnings
            );
        }
        Ok(Err(e)) => {
            eprintln!("error: rebuild failed, still serving the last good build: {e}")
        }
        Err(e) => eprintln!("error: rebuild task failed: {e}"),
    }
}
