//! Regeneration while serving: a notify watcher on the posts folder (events
//! debounced, so saving ten files makes one rebuild; set up again when the folder
//! itself is replaced) and an interval timer. Both
//! run the build on tokio's blocking pool, off the request path, and the new set
//! is swapped in whole by [`State::rebuild`].

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::{sleep, Instant};

use super::State;
use crate::report::Severity;

/// A running regeneration task; dropping it stops the task (and its watcher).
pub struct Regenerator {
    task: JoinHandle<()>,
}

impl Drop for Regenerator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Watches the posts folder recursively and rebuilds once changes have been quiet
/// for `debounce` (or at the latest ten debounce periods after the first change).
/// Every `recheck` it also looks whether the folder itself was replaced (removed
/// and created again, or a symlink switched to another folder): a watch follows
/// the old folder, so it is set up again on the new one, and the feeds rebuilt.
pub fn watch(
    state: Arc<State>,
    debounce: Duration,
    recheck: Duration,
) -> notify::Result<Regenerator> {
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
    let root = state.config().posts.clone();
    // A folder missing right now is watched once it appears (see `recheck`).
    let mut watched = match watcher.watch(&root, RecursiveMode::Recursive) {
        Ok(()) => folder_identity(&root),
        Err(e) => {
            eprintln!("warning: cannot watch the posts folder yet: {e}");
            None
        }
    };
    let task = tokio::spawn(async move {
        let mut checks = tokio::time::interval_at(Instant::now() + recheck, recheck);
        checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = dirty.notified() => {
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
                }
                _ = checks.tick() => {
                    let now = folder_identity(&root);
                    if now == watched {
                        continue;
                    }
                    let _ = watcher.unwatch(&root);
                    watched = match now {
                        Some(_) => match watcher.watch(&root, RecursiveMode::Recursive) {
                            Ok(()) => now,
                            Err(e) => {
                                eprintln!("warning: cannot watch the posts folder again: {e}");
                                None
                            }
                        },
                        None => None,
                    };
                }
            }
            rebuild_logged(Arc::clone(&state)).await;
        }
    });
    Ok(Regenerator { task })
}

/// Which folder `path` names now (device and inode, through symlinks), or `None`
/// when there is none.
fn folder_identity(path: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::metadata(path).ok().filter(|m| m.is_dir())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some((0, 0))
    }
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
    Regenerator { task }
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
