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
    // Which files differ from what is on disk: read and compared on every core, then
    // written in order, so the first failure stops the write where it always did.
    type Checked<'a> = std::io::Result<Option<(PathBuf, &'a [u8])>>;
    let checked: Vec<Checked> = files
        .par_iter()
        .map(|(rel, bytes)| {
            let path = join_safe(out, rel).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("refusing to write outside the output folder: {rel}"),
                )
            })?;
            let bytes = bytes.as_ref();
            let same = std::fs::read(&path).is_ok_and(|old| old == bytes);
            Ok((!same).then_some((path, bytes)))
        })
        .collect();
    for item in checked {
        match item? {
            None => stats.unchanged += 1,
            Some((path, bytes)) => {
                write_atomic(&path, bytes)?;
                stats.written += 1;
            }
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
/// reader never sees half a file.
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
        f.sync_all()?;
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
