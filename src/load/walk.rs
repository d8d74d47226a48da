//! Finding post files and reading them: a depth-first walk in file-name order that
//! skips hidden files and folders and editors' leftovers, follows symlinks and stops
//! at a loop, and a bounded read into a reused buffer.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::report::Finding;

/// The post files under `dir` with their `/`-separated relative paths, in file-name
/// order, and a finding per folder or link that could not be followed.
pub fn walk(dir: &Path) -> (Vec<(PathBuf, String)>, Vec<Finding>) {
    let mut walker = Walker::default();
    walker.dir(dir, "");
    (walker.files, walker.findings)
}

/// A depth-first walk that follows symlinks and stops at a loop: a folder that is one
/// of its own ancestors (by device and inode, or canonical path off Unix).
#[derive(Default)]
struct Walker {
    files: Vec<(PathBuf, String)>,
    findings: Vec<Finding>,
    /// The folders being walked, outermost first.
    ancestors: Vec<(DirId, PathBuf)>,
}

#[cfg(unix)]
type DirId = (u64, u64);
#[cfg(not(unix))]
type DirId = PathBuf;

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

impl Walker {
    fn dir(&mut self, path: &Path, rel: &str) {
        let shown = || path.display().to_string();
        let id = match dir_id(path) {
            Ok(id) => id,
            Err(e) => return self.cannot_read(shown(), &e),
        };
        if let Some((_, ancestor)) = self.ancestors.iter().find(|(a, _)| *a == id) {
            self.findings.push(Finding::warning(
                "post.read",
                shown(),
                None,
                format!("symlink loop back to {}: not followed", ancestor.display()),
            ));
            return;
        }
        let entries = match std::fs::read_dir(path) {
            Ok(rd) => rd,
            Err(e) => return self.cannot_read(shown(), &e),
        };
        let mut children = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) if !is_hidden(&entry.file_name()) => {
                    children.push((entry.file_name(), entry.file_type()));
                }
                Ok(_) => {}
                Err(e) => self.cannot_read(shown(), &e),
            }
        }
        children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.ancestors.push((id, path.to_path_buf()));
        for (name, file_type) in children {
            let child = path.join(&name);
            let name_text = name.to_string_lossy();
            let child_rel = if rel.is_empty() {
                name_text.into_owned()
            } else {
                format!("{rel}/{name_text}")
            };
            // A symlink counts as what it points to.
            let file_type = match file_type {
                Ok(t) if t.is_symlink() => std::fs::metadata(&child).map(|m| m.file_type()),
                other => other,
            };
            match file_type {
                Ok(t) if t.is_dir() => self.dir(&child, &child_rel),
                Ok(t) if t.is_file() && is_post_file(&name) => {
                    // Exact sizes: 100,000 of these stay in memory for the whole build.
                    let mut child_rel = child_rel;
                    child_rel.shrink_to_fit();
                    let child = child.into_boxed_path().into_path_buf();
                    self.files.push((child, child_rel));
                }
                Ok(_) => {}
                // A dangling link matters only when it names a post.
                Err(e) if is_post_file(&name) => self.cannot_read(child.display().to_string(), &e),
                Err(_) => {}
            }
        }
        self.ancestors.pop();
    }

    fn cannot_read(&mut self, place: String, e: &std::io::Error) {
        self.findings.push(Finding::error(
            "post.read",
            place,
            None,
            format!("cannot read: {e}"),
        ));
    }
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

/// Reads a whole file into `buf` (cleared first; its capacity is kept).
pub fn read_into(path: &Path, buf: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    buf.clear();
    if buf.capacity() > 1 << 20 {
        buf.shrink_to(1 << 16); // one big post must not pin its size for the rest
    }
    loop {
        if buf.len() > MAX_POST_BYTES {
            buf.clear();
            buf.shrink_to(1 << 16);
            return Err(std::io::Error::other(format!(
                "larger than {} MiB: not a post",
                MAX_POST_BYTES >> 20
            )));
        }
        if buf.capacity() - buf.len() < 4096 {
            buf.reserve(buf.capacity().max(8192));
        }
        let len = buf.len();
        let spare = buf.capacity() - len;
        buf.resize(len + spare, 0);
        match file.read(&mut buf[len..]) {
            Ok(0) => {
                buf.truncate(len);
                return Ok(());
            }
            Ok(n) => buf.truncate(len + n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(len),
            Err(e) => {
                buf.truncate(len);
                return Err(e);
            }
        }
    }
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
