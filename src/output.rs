//! Put the built files on disk: each through a temporary file and a rename, only when
//! its bytes changed, and remove the feeds of categories that no longer exist.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

impl WriteStats {
    /// Counts a file [`write_file`] wrote (`true`) or found unchanged.
    pub fn count(&mut self, written: bool) {
        if written {
            self.written += 1;
        } else {
            self.unchanged += 1;
        }
    }
}

/// Writes one file under `out` (`rel` is `/`-separated), unless the same bytes are
/// already there. `true` when it was written.
pub fn write_file(out: &Path, rel: &str, bytes: &[u8]) -> std::io::Result<bool> {
    let path = join_safe(out, rel).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("refusing to write outside the output folder: {rel}"),
        )
    })?;
    if std::fs::read(&path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    write_atomic(&path, bytes)?;
    Ok(true)
}

/// Removes the feed files in feedwright's own folders under `out` (`categories/`,
/// `tags/`) that are not in `keep`; returns how many.
pub fn remove_stale_feeds<B>(out: &Path, keep: &BTreeMap<String, B>) -> std::io::Result<usize> {
    let mut removed = 0;
    for folder in ["categories", "tags"] {
        removed += remove_stale(out, &out.join(folder), keep)?;
    }
    Ok(removed)
}

/// `out` + `rel`, or `None` if `rel` could leave `out` (absolute, `..`, a drive).
pub fn join_safe(out: &Path, rel: &str) -> Option<PathBuf> {
    let rel_path = Path::new(rel);
    if rel.contains('\\') || rel.contains('\0') {
        return None;
    }
    for c in rel_path.components() {
        if !matches!(c, Component::Normal(_)) {
            return None;
        }
    }
    Some(out.join(rel_path))
}

/// Writes through a temporary file in the same folder and renames it into place, so a
/// reader (a web server, a sync job) never sees half a file. There is no fsync, as in
/// Hugo or Zola: the rename makes the change atomic for readers, and should a crash
/// lose a file's last bytes, the next build sees it differ and writes it again.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Removes `rss.xml`/`atom.xml` files under `dir` that the build no longer makes, and
/// the folders left empty. Returns how many files went.
fn remove_stale<B>(out: &Path, dir: &Path, keep: &BTreeMap<String, B>) -> std::io::Result<usize> {
    if !dir.is_dir() {
        return Ok(0);
    }
    let mut removed = 0;
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        if entry.file_type().is_dir() {
            dirs.push(path.to_path_buf());
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if name != "rss.xml" && name != "atom.xml" {
            continue;
        }
        let Ok(rel) = path.strip_prefix(out) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if !keep.contains_key(&rel) {
            std::fs::remove_file(path)?;
            removed += 1;
        }
    }
    // Only a removal can have left a folder empty (a build that removes nothing
    // spends no system call on folders that still hold feeds).
    if removed > 0 {
        // Deepest first, so parents empty out after their children.
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for d in dirs {
            let _ = std::fs::remove_dir(&d); // fails, harmlessly, when not empty
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_safe_refuses_escapes() {
        let out = Path::new("/tmp/out");
        assert!(join_safe(out, "categories/a/rss.xml").is_some());
        for bad in ["../x", "/etc/passwd", "a/../../b", "C:\\evil", "a\\..\\b"] {
            assert!(join_safe(out, bad).is_none(), "{bad}");
        }
    }
}
