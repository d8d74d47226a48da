//! The in-memory file set a server answers from: every file of one build, each with
//! its gzip and br bodies and its ETags computed once, when the set is made, so that
//! no request ever compresses, hashes or touches the file system.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::HeaderValue;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::build::{Built, OutFile};

/// A content coding the server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coding {
    Identity,
    Gzip,
    Br,
}

impl Coding {
    /// The `Content-Encoding` token (`None` for identity, which is never named).
    pub fn token(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Br => Some("br"),
        }
    }
}

/// One encoded body of a file and the strong ETag that names it.
#[derive(Debug, Clone)]
pub struct Variant {
    pub body: Bytes,
    /// Quoted strong entity tag, e.g. `"3f2a…"` or `"3f2a…-br"`.
    pub etag: String,
    /// The same tag as a header value, made once.
    pub etag_header: HeaderValue,
}

impl Variant {
    fn new(body: Bytes, etag: String) -> Variant {
        let etag_header =
            HeaderValue::from_str(&etag).expect("a quoted hex digest is a valid header value");
        Variant {
            body,
            etag,
            etag_header,
        }
    }
}

/// One file of the set: its media type, dates and encoded bodies.
#[derive(Debug)]
pub struct Resource {
    pub media_type: &'static str,
    /// The newest entry's date, whole seconds, UTC.
    pub modified: Option<DateTime<Utc>>,
    /// `Last-Modified` as an HTTP-date, formatted once.
    pub last_modified_header: Option<HeaderValue>,
    pub identity: Variant,
    /// Only present when it is smaller than the identity body.
    pub gzip: Option<Variant>,
    pub br: Option<Variant>,
}

impl Resource {
    /// Encodes and hashes one built file (its bytes become the identity body
    /// without a copy).
    pub fn new(file: OutFile) -> Resource {
        let digest = Sha256::digest(&file.bytes);
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let smaller = |body: Vec<u8>, suffix: &str| {
            (body.len() < file.bytes.len())
                .then(|| Variant::new(Bytes::from(body), format!("\"{hex}-{suffix}\"")))
        };
        let gzip = smaller(gzip(&file.bytes), "gzip");
        let br = smaller(brotli(&file.bytes), "br");
        let identity = Variant::new(Bytes::from(file.bytes), format!("\"{hex}\""));
        let modified = file
            .modified
            .map(|d| d.with_timezone(&Utc))
            .and_then(|d| DateTime::from_timestamp(d.timestamp(), 0));
        Resource {
            media_type: file.media_type,
            last_modified_header: modified.map(|d| {
                HeaderValue::from_str(&http_date(&d)).expect("an HTTP-date is a valid header value")
            }),
            modified,
            gzip,
            br,
            identity,
        }
    }

    /// The body and tag for a coding, when the set has it.
    pub fn variant(&self, coding: Coding) -> Option<&Variant> {
        match coding {
            Coding::Identity => Some(&self.identity),
            Coding::Gzip => self.gzip.as_ref(),
            Coding::Br => self.br.as_ref(),
        }
    }
}

/// Every file of one build, by its path under the output folder (`rss.xml`,
/// `categories/金融/atom.xml`), plus the counts `/healthz` reports.
#[derive(Debug, Default)]
pub struct FileSet {
    pub files: HashMap<String, Arc<Resource>>,
    pub posts: usize,
    pub feeds: usize,
}

impl FileSet {
    /// Makes the set from a build. Files whose bytes did not change since `previous`
    /// keep their already encoded bodies, so a rebuild with nothing new is cheap.
    /// Takes the build's files (`built.files` is left empty) to avoid a copy.
    pub fn new(built: &mut Built, previous: Option<&FileSet>) -> FileSet {
        let files = std::mem::take(&mut built.files)
            .into_par_iter()
            .map(|(path, file)| {
                let reused = previous
                    .and_then(|p| p.files.get(&path))
                    .filter(|old| old.identity.body == file.bytes && same_meta(old, &file));
                let res = match reused {
                    Some(old) => Arc::clone(old),
                    None => Arc::new(Resource::new(file)),
                };
                (path, res)
            })
            .collect();
        FileSet {
            files,
            posts: built.published,
            feeds: built.feeds,
        }
    }

    pub fn get(&self, path: &str) -> Option<&Arc<Resource>> {
        self.files.get(path)
    }
}

fn same_meta(old: &Resource, file: &OutFile) -> bool {
    old.media_type == file.media_type
        && old.modified.map(|d| d.timestamp()) == file.modified.map(|d| d.timestamp())
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110's IMF-fixdate).
pub fn http_date(d: &DateTime<Utc>) -> String {
    d.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)
        .and_then(|_| enc.finish())
        .expect("writing to a Vec cannot fail")
}

/// Quality 7 of 11: within a few percent of the best ratio for feed-sized text at a
/// small fraction of the time of 10–11, which matters when `--watch` rebuilds often.
const BROTLI_QUALITY: u32 = 7;

fn brotli(bytes: &[u8]) -> Vec<u8> {
    // A window no larger than the input: same ratio, far less memory and setup time.
    let lgwin = (usize::BITS - bytes.len().max(1).leading_zeros()).clamp(10, 22);
    let mut out = Vec::new();
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, lgwin);
        enc.write_all(bytes).expect("writing to a Vec cannot fail");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use std::io::Read;

    fn file(text: &str) -> OutFile {
        OutFile {
            bytes: text.as_bytes().to_vec(),
            modified: Some(DateTime::parse_from_rfc3339("2021-08-14T17:59:23.5+08:00").unwrap()),
            media_type: crate::build::RSS_TYPE,
        }
    }

    #[test]
    fn bodies_decode_to_the_original_and_tags_differ_per_coding() {
        let text = "<rss>".to_string() + &"<item>hello</item>".repeat(200) + "</rss>";
        let r = Resource::new(file(&text));
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&r.gzip.as_ref().unwrap().body[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, text);
        let mut unbr = Vec::new();
        brotli::Decompressor::new(&r.br.as_ref().unwrap().body[..], 4096)
            .read_to_end(&mut unbr)
            .unwrap();
        assert_eq!(unbr, text.as_bytes());
        let tags = [&r.identity.etag, &r.gzip.unwrap().etag, &r.br.unwrap().etag];
        assert_ne!(tags[0], tags[1]);
        assert_ne!(tags[1], tags[2]);
        assert!(tags.iter().all(|t| t.starts_with('"') && t.ends_with('"')));
    }

    #[test]
    fn etag_depends_only_on_the_bytes() {
        assert_eq!(
            Resource::new(file("abc")).identity.etag,
            Resource::new(file("abc")).identity.etag
        );
        assert_ne!(
            Resource::new(file("abc")).identity.etag,
            Resource::new(file("abd")).identity.etag
        );
    }

    #[test]
    fn tiny_files_are_not_compressed() {
        let r = Resource::new(file("x"));
        assert!(r.gzip.is_none() && r.br.is_none());
    }

    #[test]
    fn last_modified_is_an_http_date_in_gmt() {
        let r = Resource::new(file("x"));
        assert_eq!(
            r.last_modified_header.as_ref().unwrap(),
            "Sat, 14 Aug 2021 09:59:23 GMT"
        );
    }
}
