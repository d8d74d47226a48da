//! Put the built files on disk: each through a temporary file and a rename, only when
//! its bytes changed, and remove the feeds of categories that no longer exist.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Writes `files` (paths relative to `out`, `/`-separated) under `out`. Feed files
/// under `out` that are not in `files` are removed when they sit in feedwright's own
/// folders (`categories/`, `tags/`), so a deleted category's feeds go away.
pub fn write_all<B: AsRef<[u8]> + Sync>(
    out: &Path,
    files: &BTreeMap<String, B>,
) -> std::io::Result<WriteStats> {
    let mut stats = WriteStats::default();
    std::fs::create_dir_all(out)?;
    // Each file is compared with what is on disk and, when it differs, written: on
    // every core, since most of the cost is the file system's. The results come back
    // in path order, so an error names the first file that failed.
    let results: Vec<std::io::Result<bool>> = files
        .par_iter()
        .map(|(rel, bytes)| {
            let path = join_safe(out, rel).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("refusing to write outside the output folder: {rel}"),
                )
            })?;
            let bytes = bytes.as_ref();
            if std::fs::read(&path).is_ok_and(|old| old == bytes) {
                return Ok(false);
            }
            write_atomic(&path, bytes)?;
            Ok(true)
        })
        .collect();
    for result in results {
        if result? {
            stats.written += 1;
        } else {
            stats.unchanged += 1;
        }
    }
    for folder in ["categories", "tags"] {
        stats.removed += remove_stale(out, &out.join(folder), files)?;
    }
    Ok(stats)
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
    // Deepest first, so parents empty out after their children.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        let _ = std::fs::remove_dir(&d); // fails, harmlessly, when not empty
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
