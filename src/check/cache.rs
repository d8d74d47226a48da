//! The check cache (the `check.cache` key, by default `.feedwright-cache.json`): the
//! URLs that checked out fine, with when, so a rerun within the TTL
//! (`check.cache_ttl`, default one day) fetches only what failed or expired. Failures are never kept. A missing or unreadable cache is an
//! empty one; it is written atomically (temp file, then rename).
//!
//! ```json
//! {"version": 1, "entries": {"image https://x.org/a.png": {"checked": 1700000000,
//!   "result": {"verdict": "ok", "status": 200}}}}
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::http::Verdict;

const VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cache {
    version: u32,
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// Seconds since the Unix epoch.
    checked: u64,
    result: Verdict,
}

/// The cache key of a URL: images are checked more strictly than links.
pub fn key(url: &str, image: bool) -> String {
    format!("{} {url}", if image { "image" } else { "link" })
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Cache {
    /// Reads the cache; anything unreadable (missing, corrupt, older version) gives
    /// an empty cache.
    pub fn load(path: &Path) -> Cache {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Cache>(&b).ok())
            .filter(|c| c.version == VERSION)
            .unwrap_or_default()
    }

    /// The stored verdict, when it is younger than `ttl`.
    pub fn get(&self, key: &str, now: SystemTime, ttl: Duration) -> Option<&Verdict> {
        let e = self.entries.get(key)?;
        (secs(now).saturating_sub(e.checked) < ttl.as_secs()).then_some(&e.result)
    }

    /// Records a fresh verdict: kept when fine, forgotten when not.
    pub fn record(&mut self, key: String, verdict: &Verdict, now: SystemTime) {
        if verdict.is_ok() {
            let e = Entry {
                checked: secs(now),
                result: verdict.clone(),
            };
            self.entries.insert(key, e);
        } else {
            self.entries.remove(&key);
        }
    }

    /// Drops expired entries, so the file does not grow forever.
    pub fn prune(&mut self, now: SystemTime, ttl: Duration) {
        let now = secs(now);
        self.entries
            .retain(|_, e| now.saturating_sub(e.checked) < ttl.as_secs());
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes the cache atomically.
    pub fn save(&mut self, path: &Path) -> std::io::Result<()> {
        self.version = VERSION;
        let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path.file_name().map_or_else(
            || ".feedwright-cache.json".into(),
            |n| n.to_string_lossy().into_owned(),
        );
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_successes_for_the_ttl_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let day = Duration::from_secs(86_400);
        let ok = Verdict::Ok {
            status: 200,
            moved_to: None,
            hotlink: None,
        };
        let mut c = Cache::load(&path);
        c.record(key("https://a/", false), &ok, t0);
        c.record(
            key("https://b/", false),
            &Verdict::Timeout { after_ms: 10 },
            t0,
        );
        c.save(&path).unwrap();
        let c = Cache::load(&path);
        assert_eq!(c.len(), 1);
        assert_eq!(
            c.get(&key("https://a/", false), t0 + day / 2, day),
            Some(&ok)
        );
        assert_eq!(c.get(&key("https://a/", true), t0, day), None);
        assert_eq!(c.get(&key("https://a/", false), t0 + day, day), None);
    }

    #[test]
    fn corrupt_cache_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, "{not json").unwrap();
        assert!(Cache::load(&path).is_empty());
    }
}
