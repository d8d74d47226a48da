//! Bytes of a post file → text. UTF-8 (with or without a BOM) is taken as is; UTF-16
//! with a BOM is decoded; anything else is handed to chardetng, and decoded with
//! encoding_rs only when chardetng is confident and the bytes decode without a single
//! replacement. Otherwise the file is reported, never guessed at: a wrong guess would
//! publish mojibake. So is UTF-8 with a few stray bytes: it is not a legacy encoding. Loading and [`super::Post::body_text`] both go through here, so
//! a body read again later is the body that was parsed.

use std::borrow::Cow;

use chardetng::EncodingDetector;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

/// Text that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Line of the first byte that is not UTF-8.
    pub line: usize,
    pub message: String,
}

/// The decoded text, and the encoding it came from when that was not UTF-8.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Option<&'static Encoding>), DecodeError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        if let Ok(s) = simdutf8::basic::from_utf8(rest) {
            return Ok((Cow::Borrowed(s), None));
        }
    }
    for (bom, enc) in [(&b"\xFF\xFE"[..], UTF_16LE), (b"\xFE\xFF", UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return match enc.decode_without_bom_handling_and_without_replacement(rest) {
                Some(s) => Ok((Cow::Owned(s.into_owned()), Some(enc))),
                None => Err(DecodeError {
                    line: 1,
                    message: format!(
                        "starts with a {} byte-order mark but is not valid {}",
                        enc.name(),
                        enc.name()
                    ),
                }),
            };
        }
    }
    // Nearly every post is UTF-8: checked with SIMD (half of std's work), and
    // again with std only to find where it is not.
    if let Ok(s) = simdutf8::basic::from_utf8(bytes) {
        return Ok((Cow::Borrowed(s), None));
    }
    let err = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok((Cow::Borrowed(s), None)),
        Err(e) => e,
    };
    let bad = err.valid_up_to();
    let line = line_of(bytes, bad);
    if looks_like_broken_utf8(bytes) {
        return Err(DecodeError {
            line,
            message: format!(
                "invalid UTF-8 (byte 0x{:02X} at line {line}) in a file that is otherwise UTF-8: fix or remove that byte",
                bytes[bad]
            ),
        });
    }
    let mut detector = EncodingDetector::new();
    detector.feed(bytes, true);
    let (enc, confident) = detector.guess_assess(None, false);
    if confident {
        if let Some(s) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
            // chardetng always has a best guess; text full of control characters
            // (a binary file, bytes no legacy encoding uses) means the guess is wrong.
            if !s.chars().any(is_control) {
                return Ok((Cow::Owned(s.into_owned()), Some(enc)));
            }
        }
    }
    Err(DecodeError {
        line,
        message: format!(
            "not UTF-8 (byte 0x{:02X} at line {line}) and its encoding cannot be detected with confidence: save it as UTF-8",
            bytes[bad]
        ),
    })
}

/// UTF-8 with a few stray bytes: more well-formed multi-byte characters than bad
/// bytes. Guessing a legacy encoding for it would turn every character to mojibake.
/// (In GBK or Big5 text, byte pairs that happen to be well-formed UTF-8 are few.)
fn looks_like_broken_utf8(bytes: &[u8]) -> bool {
    let (mut good, mut bad) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        good += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        bad += chunk.invalid().len();
    }
    good > bad
}

/// Control characters that never occur in text (C0 but tab, line ends and form
/// feed; C1, which windows-1252 gives for its unassigned bytes).
fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0B' | '\x0E'..='\x1F' | '\u{7F}'..='\u{9F}')
}

/// 1-based line of byte `at`, counting `\n`, `\r\n` and lone `\r` as line ends (as
/// [`super::front::normalize`] does).
fn line_of(bytes: &[u8], at: usize) -> usize {
    let head = &bytes[..at];
    let mut line = 1;
    for (i, &b) in head.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && head.get(i + 1) != Some(&b'\n')) {
            line += 1;
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_borrowed_and_bom_dropped() {
        let (t, enc) = decode(b"\xEF\xBB\xBF---\n").unwrap();
        assert!(matches!(t, Cow::Borrowed("---\n")));
        assert_eq!(enc, None);
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "---\ntitle: é\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let (t, enc) = decode(&bytes).unwrap();
        assert_eq!(t, "---\ntitle: é\n");
        assert_eq!(enc, Some(UTF_16LE));
    }

    #[test]
    fn gbk_is_detected() {
        let text = "---\ntitle: 遭亚马逊集体封号后，政府对跨境电商卖家支持政策或将公布\n---\n深圳市政府对跨境电商卖家的支持政策可能将在日后公布。参会企业代表向记者透露。\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        let (t, enc) = decode(&bytes).unwrap();
        assert_eq!(t, text);
        assert_eq!(enc.map(Encoding::name), Some("GBK"));
    }

    #[test]
    fn windows_1252_is_detected() {
        let text = "---\ntitle: Security advisory\n---\nIt’s a bug in rustdoc’s plugin handling.\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        let (t, enc) = decode(&bytes).unwrap();
        assert_eq!(t, text);
        assert_eq!(enc.map(Encoding::name), Some("windows-1252"));
    }

    #[test]
    fn binary_bytes_are_reported_with_their_line() {
        let err = decode(b"---\ntitle: a\n---\nbody \xff\xfe\x00\x81 x").unwrap_err();
        assert_eq!(err.line, 4);
        assert!(err.message.contains("0xFF"), "{err:?}");
    }

    #[test]
    fn utf8_with_a_stray_byte_is_reported_not_guessed() {
        let mut bytes = "---\ntitle: 遭亚马逊集体封号后\n---\n深圳市政府对跨境电商卖家的支持政策\n"
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(b"\xFF\n");
        let err = decode(&bytes).unwrap_err();
        assert_eq!(err.line, 5);
        assert!(err.message.contains("otherwise UTF-8"), "{err:?}");
    }

    #[test]
    fn line_of_first_bad_byte_counts_every_line_end() {
        assert_eq!(line_of(b"a\r\nb\rc\nd\xFF", 8), 4);
    }
}
