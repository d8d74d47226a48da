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
