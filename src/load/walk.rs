//! Finding post files and reading them: a depth-first walk in file-name order that
//! skips hidden files and folders and editors' leftovers, follows symlinks and stops
//! at a loop, and a bounded read into a reused buffer.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::report::Finding;

/// Post files (path, `/`-separated relative path) and findings about the walk.
type Walked = (Vec<(PathBuf, String)>, Vec<Finding>);

/// The post files under `dir` with their `/`-separated relative paths, in file-name
/// order, and a finding per folder or link that could not be followed. Sub-folders
/// are walked on every core; the order is the same whatever the scheduling.
pub fn walk(dir: &Path) -> Walked {
    walk_dir(dir, "", &[])
}

#[cfg(unix)]
type DirId = (u64, u64);
#[cfg(not(unix))]
type DirId = PathBuf;

/// A folder (by device and inode, or canonical path off Unix), so that a symlink
/// back to one of its own ancestors is seen as a loop.
fn dir_id(path: &Path) -> std::io::Result<DirId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path)?;
        Ok((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path)
    }
}

/// What one entry of a folder turned out to be.
enum Child {
    Post(PathBuf, String),
    Dir(PathBuf, String),
    Problem(Finding),
}

/// A depth-first walk of `path` that follows symlinks and stops at a loop: a folder
/// that is one of `ancestors` (the folders being walked, outermost first).
fn walk_dir(path: &Path, rel: &str, ancestors: &[(DirId, PathBuf)]) -> Walked {
    let mut files = Vec::new();
    let mut findings = Vec::new();
    let shown = || path.display().to_string();
    let id = match dir_id(path) {
        Ok(id) => id,
        Err(e) => return (files, vec![cannot_read(shown(), &e)]),
    };
    if let Some((_, ancestor)) = ancestors.iter().find(|(a, _)| *a == id) {
        findings.push(Finding::warning(
            "post.read",
            shown(),
            None,
            format!("symlink loop back to {}: not followed", ancestor.display()),
        ));
        return (files, findings);
    }
    let entries = match std::fs::read_dir(path) {
        Ok(rd) => rd,
        Err(e) => return (files, vec![cannot_read(shown(), &e)]),
    };
    let mut entries_found = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let name = entry.file_name();
                if !is_hidden(&name) {
                    entries_found.push((name, entry.file_type()));
                }
            }
            Err(e) => findings.push(cannot_read(shown(), &e)),
        }
    }
    entries_found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut children = Vec::with_capacity(entries_found.len());
    for (name, file_type) in entries_found {
        let child = path.join(&name);
        let name_text = name.to_string_lossy();
        let child_rel = if rel.is_empty() {
            name_text.into_owned()
        } else {
            let mut r = String::with_capacity(rel.len() + 1 + name_text.len());
            r.push_str(rel);
            r.push('/');
            r.push_str(&name_text);
            r
        };
        // A symlink counts as what it points to.
        let file_type = match file_type {
            Ok(t) if t.is_symlink() => std::fs::metadata(&child).map(|m| m.file_type()),
            other => other,
        };
        match file_type {
            Ok(t) if t.is_dir() => children.push(Child::Dir(child, child_rel)),
            Ok(t) if t.is_file() && is_post_file(&name) => {
                // Exact sizes: 100,000 of these stay in memory for the whole build.
                let mut child_rel = child_rel;
                child_rel.shrink_to_fit();
                let child = child.into_boxed_path().into_path_buf();
                children.push(Child::Post(child, child_rel));
            }
            Ok(_) => {}
            // A dangling link matters only when it names a post.
            Err(e) if is_post_file(&name) => {
                children.push(Child::Problem(cannot_read(child.display().to_string(), &e)))
            }
            Err(_) => {}
        }
    }
    // Sub-folders in parallel, then everything put back in file-name order.
    let mut chain = ancestors.to_vec();
    chain.push((id, path.to_path_buf()));
    let subs: Vec<Walked> = children
        .par_iter()
        .filter_map(|c| match c {
            Child::Dir(p, r) => Some(walk_dir(p, r, &chain)),
            Child::Post(..) | Child::Problem(_) => None,
        })
        .collect();
    let mut subs = subs.into_iter();
    for c in children {
        match c {
            Child::Post(p, r) => files.push((p, r)),
            Child::Problem(f) => findings.push(f),
            Child::Dir(..) => {
                let (mut sub_files, mut sub_findings) =
                    subs.next().expect("one walk per sub-folder, in order");
                if files.is_empty() {
                    files = sub_files;
                } else {
                    files.append(&mut sub_files);
                }
                findings.append(&mut sub_findings);
            }
        }
    }
    (files, findings)
}

fn cannot_read(place: String, e: &std::io::Error) -> Finding {
    Finding::error("post.read", place, None, format!("cannot read: {e}"))
}

/// Names starting with `.`: hidden files and folders, Vim swap files, Emacs locks.
fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// A post by its extension, and not an editor's backup (`post.md~`, `#post.md#`).
pub fn is_post_file(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    if name.ends_with('~') || name.starts_with('#') {
        return false;
    }
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    ["md", "markdown", "html", "htm"]
        .iter()
        .any(|e| ext.eq_ignore_ascii_case(e))
}

/// Posts larger than this are not read: bounded memory whatever lies in the folder.
pub const MAX_POST_BYTES: usize = 64 << 20;

/// Reads a whole file into `buf` (cleared first; its capacity is kept, so a thread
/// reads file after file without allocating). `read_to_end` reads straight into the
/// spare capacity: zero-filling it before each read cost more than the reads did.
pub fn read_into(path: &Path, buf: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    buf.clear();
    if buf.capacity() > 1 << 20 {
        buf.shrink_to(1 << 16); // one big post must not pin its size for the rest
    }
    // One byte past the limit tells a post at the limit from a larger file.
    let result = file
        .take(MAX_POST_BYTES as u64 + 1)
        .read_to_end(buf)
        .map(|_| ());
    if result.is_ok() && buf.len() > MAX_POST_BYTES {
        buf.clear();
        buf.shrink_to(1 << 16);
        return Err(std::io::Error::other(format!(
            "larger than {} MiB: not a post",
            MAX_POST_BYTES >> 20
        )));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_and_backup_names() {
        assert!(is_hidden(OsStr::new(".post.md.swp")));
        assert!(!is_post_file(OsStr::new("post.md~")));
        assert!(!is_post_file(OsStr::new("#post.md#")));
        assert!(!is_post_file(OsStr::new("post.txt")));
        assert!(is_post_file(OsStr::new("post.MD")));
    }
}
