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
        // Exact sizes: 100,000 of these stay in memory for the whole build.
        let mut child = PathBuf::with_capacity(path.as_os_str().len() + 1 + name.len());
        child.push(path);
        child.push(&name);
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
                children.push(Child::Post(child, child_rel))
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

/// The finding for a file or folder that could not be read.
pub(super) fn cannot_read(place: String, e: &std::io::Error) -> Finding {
    Finding::error("post.read", place, None, format!("cannot read: {e}"))
}

/// Names starting with `.`: hidden files and folders, Vim swap files, Emacs locks.
fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// A post by its extension, and not an editor's backup (`post.md~`, `#post.md#`).
pub fn is_post_file(name: &OsStr) -> bool {
    let name = name.as_encoded_bytes();
    if name.ends_with(b"~") || name.starts_with(b"#") {
        return false;
    }
    let ext = name
        .iter()
        .rposition(|&b| b == b'.')
        .map_or(&[][..], |i| &name[i + 1..]);
    [&b"md"[..], b"markdown", b"html", b"htm"]
        .iter()
        .any(|e| ext.eq_ignore_ascii_case(e))
}

/// Posts larger than this are not read: bounded memory whatever lies in the folder.
pub const MAX_POST_BYTES: usize = 64 << 20;

/// A read buffer reused file after file by one thread. Its bytes stay initialized
/// between files, so a read costs no zero-filling; only growing it does.
#[derive(Debug, Default)]
pub struct ReadBuf {
    bytes: Vec<u8>,
    len: usize,
}

/// The first read asks for this much: nearly every post fits.
const FIRST_READ: usize = 64 << 10;

impl ReadBuf {
    /// The bytes of the last file read.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Empties it for the next file; one big post must not pin its size for the rest.
    fn clear(&mut self) {
        self.len = 0;
        if self.bytes.len() > 1 << 20 {
            self.bytes.truncate(FIRST_READ);
            self.bytes.shrink_to_fit();
        }
    }

    /// Room for at least `want` more bytes after those read so far.
    fn spare(&mut self, want: usize) -> &mut [u8] {
        if self.bytes.len() - self.len < want {
            // Doubling, but never past what the largest post needs.
            let size = (self.len + want).max((self.bytes.len() * 2).min(MAX_POST_BYTES + 1));
            self.bytes.resize(size, 0);
        }
        &mut self.bytes[self.len..]
    }
}

/// How [`start_read`] left a file.
#[derive(Debug)]
pub enum Started {
    /// The whole file is in the buffer.
    Done,
    /// Its bytes were not in memory: the kernel is fetching them in the background.
    /// Read the others in the meantime, then this one with [`finish_read`].
    Fetching(std::fs::File),
}

/// Opens a post file and reads it into `buf` when its bytes are already in the page
/// cache (nearly always when a site is rebuilt). When they are not, it asks the kernel
/// to fetch them without waiting and hands the file back: a thread that read a cold
/// file at a time would wait for the disk once per post, while files fetched side by
/// side share the wait (five times faster on this kind of virtual disk).
pub fn start_read(path: &Path, buf: &mut ReadBuf) -> std::io::Result<Started> {
    let file = std::fs::File::open(path)?;
    buf.clear();
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{fadvise, Advice};
        use rustix::io::{preadv2, Errno, ReadWriteFlags};
        let spare = buf.spare(FIRST_READ);
        let mut slices = [std::io::IoSliceMut::new(spare)];
        match preadv2(&file, &mut slices, 0, ReadWriteFlags::NOWAIT) {
            Ok(n) => buf.len = n,
            Err(Errno::AGAIN) => {
                // Only a hint: if it fails, the later read simply waits.
                let _ = fadvise(&file, 0, None, Advice::WillNeed);
                return Ok(Started::Fetching(file));
            }
            // Not supported here (an old kernel, some file systems): read as usual.
            Err(_) => {}
        }
    }
    read_rest(&file, buf)?;
    Ok(Started::Done)
}

/// Reads a file that [`start_read`] left [`Started::Fetching`].
pub fn finish_read(file: std::fs::File, buf: &mut ReadBuf) -> std::io::Result<()> {
    buf.clear();
    read_rest(&file, buf)
}

/// Reads from the end of what `buf` holds to the end of the file, at most
/// [`MAX_POST_BYTES`] in all.
fn read_rest(file: &std::fs::File, buf: &mut ReadBuf) -> std::io::Result<()> {
    loop {
        // One byte past the limit tells a post at the limit from a larger file.
        let room = MAX_POST_BYTES + 1 - buf.len;
        let at = buf.len as u64;
        let spare = buf.spare(FIRST_READ.min(room));
        let take = spare.len().min(room);
        let n = match read_at(file, &mut spare[..take], at) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(());
        }
        buf.len += n;
        if buf.len > MAX_POST_BYTES {
            buf.clear();
            return Err(std::io::Error::other(format!(
                "larger than {} MiB: not a post",
                MAX_POST_BYTES >> 20
            )));
        }
    }
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, dst: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, dst, at)
}

/// Off Unix every read is in order from the start, so the file's position is `at`.
#[cfg(not(unix))]
fn read_at(mut file: &std::fs::File, dst: &mut [u8], _at: u64) -> std::io::Result<usize> {
    std::io::Read::read(&mut file, dst)
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

    /// Reads `path` the way loading does: at once, or after the others when fetching.
    fn read(path: &Path, buf: &mut ReadBuf) -> (bool, Vec<u8>) {
        let fetched = match start_read(path, buf).unwrap() {
            Started::Done => false,
            Started::Fetching(file) => {
                finish_read(file, buf).unwrap();
                true
            }
        };
        (fetched, buf.bytes().to_vec())
    }

    #[test]
    fn files_of_every_size_read_whole_with_one_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let mut buf = ReadBuf::default();
        // Larger than the first read (the buffer grows), then smaller ones: no byte of
        // an earlier file may show through.
        for (name, len) in [
            ("big.md", 3 * FIRST_READ + 17),
            ("small.md", 5),
            ("empty.md", 0),
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(read(&path, &mut buf).1, bytes, "{name}");
        }
    }

    /// A file whose bytes are not in the page cache is handed back to be read later,
    /// and then reads whole. (The kernel drops a file's clean pages on request.)
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_not_in_memory_is_fetched_then_read_whole() {
        use rustix::fs::{fadvise, statfs, Advice};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cold.md");
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        file.sync_all().unwrap();
        fadvise(&file, 0, None, Advice::DontNeed).unwrap();
        let mut buf = ReadBuf::default();
        let (fetched, read_bytes) = read(&path, &mut buf);
        assert_eq!(read_bytes, bytes);
        // ext4 drops the pages and refuses to wait (other file systems may do either).
        const EXT4: i64 = 0xEF53;
        if statfs(dir.path()).unwrap().f_type as i64 == EXT4 {
            assert!(
                fetched,
                "an evicted file on ext4 is fetched in the background"
            );
        }
        // Now in memory: read at once.
        assert_eq!(read(&path, &mut buf), (false, bytes));
    }
}
