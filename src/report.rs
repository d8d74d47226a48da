//! Findings as data: every problem feedwright reports — a post it could not load, a
//! broken link, a feed that breaks the spec — is a [`Finding`]. This module holds the
//! type and renders lists of findings for people (`human`) and for CI (`json`,
//! `junit`, `sarif`, `github`).

use std::fmt;

use serde::Serialize;

/// How bad a finding is. Errors make the command exit 1; warnings only with
/// `--deny-warnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem, with its place: the post or feed file and, where known, the line and
/// column. `rule` is a stable id (`post.date`, `link.broken`, `lint.rss.missing-title`…);
/// `class` is the W3C Feed Validation Service message class a lint finding matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

impl Finding {
    pub fn new(
        severity: Severity,
        rule: impl Into<String>,
        path: impl Into<String>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            message: message.into(),
            path: path.into(),
            line,
            column: None,
            url: None,
            class: None,
        }
    }

    pub fn error(
        rule: impl Into<String>,
        path: impl Into<String>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(Severity::Error, rule, path, line, message)
    }

    pub fn warning(
        rule: impl Into<String>,
        path: impl Into<String>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(Severity::Warning, rule, path, line, message)
    }

    pub fn with_url(mut self, url: impl Into<String>) -> Finding {
        self.url = Some(url.into());
        self
    }

    pub fn with_column(mut self, column: Option<usize>) -> Finding {
        self.column = column;
        self
    }

    pub fn with_class(mut self, class: impl Into<String>) -> Finding {
        self.class = Some(class.into());
        self
    }

    /// `PATH:LINE` (or `PATH:LINE:COL`, or just `PATH`): the place editors jump to.
    pub fn place(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{}:{}", self.path, l, c),
            (Some(l), None) => format!("{}:{}", self.path, l),
            _ => self.path.clone(),
        }
    }
}

/// `error: PATH:LINE: message` — the diagnostic line of DESIGN.md.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.severity, self.place(), self.message)
    }
}

/// Number of findings of each severity.
pub fn count(findings: &[Finding]) -> (usize, usize) {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    (errors, warnings)
}

/// What a run looked at, for the summary line and the reports' headers. Generic:
/// `check` counts posts, links and URLs; `lint` can count feeds and entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The command that ran (`check`, `lint`): names the JUnit suite.
    pub command: String,
    /// Every file looked at, findings or not: each is one JUnit test case.
    pub files: Vec<String>,
    /// Named counts in display order, snake_case (`links`, `unique_urls`…).
    pub counts: Vec<(String, u64)>,
    pub elapsed: std::time::Duration,
}

/// The output formats of `check` and `lint` (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Findings grouped by file, `path:line: error[rule]: message`, then a summary.
    #[default]
    Human,
    /// `{"findings": [...], "summary": {...}}`.
    Json,
    /// JUnit XML: one test case per file.
    Junit,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow annotations (`::error file=…,line=…::…`).
    Github,
}

/// Renders findings in `format`. The human format is coloured when [`use_color`]
/// says so for stderr, where it is printed.
pub fn render(format: OutputFormat, findings: &[Finding], summary: &Summary) -> String {
    use std::io::IsTerminal;
    let color = use_color(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    render_with(format, findings, summary, color)
}

/// [`render`] with the colour decision made by the caller.
pub fn render_with(
    format: OutputFormat,
    findings: &[Finding],
    summary: &Summary,
    color: bool,
) -> String {
    match format {
        OutputFormat::Human => human(findings, summary, color),
        OutputFormat::Json => json(findings, summary),
        OutputFormat::Junit => junit(findings, summary),
        OutputFormat::Sarif => sarif(findings),
        OutputFormat::Github => github(findings, summary),
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set to anything
/// non-empty (<https://no-color.org>).
pub fn use_color(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// `1s`, `250ms`, `1.23s`.
pub fn human_duration(d: std::time::Duration) -> String {
    if d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The one-line summary: `check: 3 posts, 12 links, …; 2 errors, 1 warning in 1.20s`.
pub fn summary_line(findings: &[Finding], summary: &Summary) -> String {
    let (errors, warnings) = count(findings);
    let counts: Vec<String> = summary
        .counts
        .iter()
        .map(|(k, v)| {
            let name = k.replace('_', " ");
            match name.strip_suffix('s') {
                Some(one) if *v == 1 => format!("1 {one}"),
                _ => format!("{v} {name}"),
            }
        })
        .collect();
    let mut line = String::new();
    if !summary.command.is_empty() {
        line.push_str(&summary.command);
        line.push_str(": ");
    }
    if !counts.is_empty() {
        line.push_str(&counts.join(", "));
        line.push_str("; ");
    }
    line.push_str(&format!(
        "{}, {} in {}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        human_duration(summary.elapsed)
    ));
    line
}

/// Findings grouped by file (in order of first appearance), a blank line between
/// files, then the summary line.
fn human(findings: &[Finding], summary: &Summary, color: bool) -> String {
    const RESET: &str = "\x1b[0m";
    let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in findings {
        match groups.iter_mut().find(|(p, _)| *p == f.path) {
            Some((_, g)) => g.push(f),
            None => groups.push((&f.path, vec![f])),
        }
    }
    let mut out = String::new();
    for (_, group) in &groups {
        for f in group {
            let (sev_on, path_on, off) = if color {
                let sev = match f.severity {
                    Severity::Error => "\x1b[1;31m",
                    Severity::Warning => "\x1b[1;33m",
                    Severity::Info => "\x1b[1;36m",
                };
                (sev, "\x1b[1m", RESET)
            } else {
                ("", "", "")
            };
            let class = f
                .class
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "{path_on}{}{off}: {sev_on}{}[{}]{off}: {}{class}\n",
                f.place(),
                f.severity,
                f.rule,
                f.message
            ));
        }
        out.push('\n');
    }
    out.push_str(&summary_line(findings, summary));
    out.push('\n');
    out
}

fn json(findings: &[Finding], summary: &Summary) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        findings: &'a [Finding],
        summary: JsonSummary<'a>,
    }
    let doc = Doc {
        findings,
        summary: JsonSummary { findings, summary },
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("findings always serialize");
    text.push('\n');
    text
}

/// The JSON summary, keys in display order: the counts, then `files`, `errors`,
/// `warnings`, `elapsed_ms`.
struct JsonSummary<'a> {
    findings: &'a [Finding],
    summary: &'a Summary,
}

impl Serialize for JsonSummary<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (errors, warnings) = count(self.findings);
        let mut m = ser.serialize_map(None)?;
        for (k, v) in &self.summary.counts {
            m.serialize_entry(k, v)?;
        }
        m.serialize_entry("files", &self.summary.files.len())?;
        m.serialize_entry("errors", &errors)?;
        m.serialize_entry("warnings", &warnings)?;
        m.serialize_entry("elapsed_ms", &(self.summary.elapsed.as_millis() as u64))?;
        m.end()
    }
}

/// Escapes text for an XML attribute or text node, dropping characters XML forbids.
fn xml_escape(text: &str) -> String {
    let clean = crate::render::xml_clean(text);
    let mut out = String::with_capacity(clean.len() + 8);
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push('\n'),
            _ => out.push(c),
        }
    }
    out
}

/// `path:line:col: error[rule]: message` — the human line, also used inside JUnit.
fn plain_line(f: &Finding) -> String {
    format!("{}: {}[{}]: {}", f.place(), f.severity, f.rule, f.message)
}

/// One test case per file: it fails when the file has an error (every finding of the
/// file in the failure's text), and passes otherwise (warnings in `system-out`).
fn junit(findings: &[Finding], summary: &Summary) -> String {
    let mut files: Vec<&str> = summary.files.iter().map(String::as_str).collect();
    for f in findings {
        if !files.contains(&f.path.as_str()) {
            files.push(&f.path);
        }
    }
    let name = if summary.command.is_empty() {
        "feedwright".to_string()
    } else {
        format!("feedwright {}", summary.command)
    };
    let failed = files
        .iter()
        .filter(|p| {
            findings
                .iter()
                .any(|f| f.path == **p && f.severity == Severity::Error)
        })
        .count();
    let time = format!("{:.3}", summary.elapsed.as_secs_f64());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"{n}\" tests=\"{t}\" failures=\"{failed}\" errors=\"0\" time=\"{time}\">\n  <testsuite name=\"{n}\" tests=\"{t}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\" time=\"{time}\">\n",
        n = xml_escape(&name),
        t = files.len(),
    ));
    let class = xml_escape(&name.replace(' ', "."));
    for path in files {
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.path == path).collect();
        let line = mine
            .iter()
            .find_map(|f| f.line)
            .map(|l| format!(" line=\"{l}\""))
            .unwrap_or_default();
        let p = xml_escape(path);
        out.push_str(&format!(
            "    <testcase name=\"{p}\" classname=\"{class}\" file=\"{p}\"{line} time=\"0\""
        ));
        if mine.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        let text: String = mine
            .iter()
            .map(|f| plain_line(f) + "\n")
            .collect::<String>();
        if let Some(first) = mine.iter().find(|f| f.severity == Severity::Error) {
            let errors = mine
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            out.push_str(&format!(
                "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                xml_escape(&format!(
                    "{}: {}",
                    plural(errors, "error"),
                    plain_line(first)
                )),
                xml_escape(&first.rule),
                xml_escape(&text)
            ));
        } else {
            out.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                xml_escape(&text)
            ));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// A file path as a SARIF `artifactLocation.uri`: relative paths percent-encoded
/// (against `%SRCROOT%`), absolute ones as `file://` URIs, URLs as they are.
fn sarif_location(path: &str) -> serde_json::Value {
    if path.contains("://") {
        return serde_json::json!({ "uri": path });
    }
    let slashed = path.replace('\\', "/");
    let encoded: String = slashed
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let is_drive = slashed.len() > 2 && slashed.as_bytes()[1] == b':';
    if slashed.starts_with('/') {
        serde_json::json!({ "uri": format!("file://{encoded}") })
    } else if is_drive {
        let drive = &slashed[..2];
        serde_json::json!({ "uri": format!("file:///{drive}{}", &encoded[4..]) })
    } else {
        let rel = encoded.trim_start_matches("./");
        serde_json::json!({ "uri": rel, "uriBaseId": "%SRCROOT%" })
    }
}

/// SARIF 2.1.0: one run of the feedwright tool, one result per finding, each with
/// its file and (when known) line and column.
fn sarif(findings: &[Finding]) -> String {
    let mut rules: Vec<&str> = Vec::new();
    for f in findings {
        if !rules.contains(&f.rule.as_str()) {
            rules.push(&f.rule);
        }
    }
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let mut physical = serde_json::json!({ "artifactLocation": sarif_location(&f.path) });
            if let Some(line) = f.line.filter(|l| *l > 0) {
                let mut region = serde_json::json!({ "startLine": line });
                if let Some(c) = f.column.filter(|c| *c > 0) {
                    region["startColumn"] = c.into();
                }
                physical["region"] = region;
            }
            let mut r = serde_json::json!({
                "ruleId": f.rule,
                "ruleIndex": rules.iter().position(|r| *r == f.rule).unwrap_or(0),
                "level": match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "note",
                },
                "message": { "text": f.message },
                "locations": [{ "physicalLocation": physical }],
            });
            let mut props = serde_json::Map::new();
            if let Some(u) = &f.url {
                props.insert("url".into(), u.clone().into());
            }
            if let Some(c) = &f.class {
                props.insert("class".into(), c.clone().into());
            }
            if !props.is_empty() {
                r["properties"] = props.into();
            }
            r
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "feedwright",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/feedwright/feedwright",
                "rules": rules.iter().map(|r| serde_json::json!({
                    "id": r,
                    "shortDescription": { "text": r },
                })).collect::<Vec<_>>(),
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON values always serialize");
    text.push('\n');
    text
}

/// Escapes an annotation's message (`%`, CR, LF), as the Actions runner expects.
fn gh_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes an annotation property value: as data, plus `:` and `,`.
fn gh_property(text: &str) -> String {
    gh_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error file=…,line=…,col=…,title=rule::message` line per finding, then the
/// summary as plain text (not an annotation).
fn github(findings: &[Finding], summary: &Summary) -> String {
    let mut out = String::new();
    for f in findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = vec![format!("file={}", gh_property(&f.path))];
        if let Some(l) = f.line {
            props.push(format!("line={l}"));
            if let Some(c) = f.column {
                props.push(format!("col={c}"));
            }
        }
        props.push(format!("title={}", gh_property(&f.rule)));
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            gh_data(&f.message)
        ));
    }
    out.push_str(&summary_line(findings, summary));
    out.push('\n');
    out
}
