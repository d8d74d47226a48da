//! Agreement of `feedwright lint` with the W3C Feed Validation Service on its own
//! test feeds (`../shared/conformance/`, see its README for the definition of
//! agreement). Prints agreement per family and every miss, and fails if agreement
//! over the counted cases of rss20, rss and atom falls below [`FLOOR`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use feedwright::lint::lint_bytes;
use feedwright::report::{Finding, Severity};
use serde::Deserialize;

/// Agreement reached so far (percent); it may only go up.
const FLOOR: f64 = 100.0;

/// Warnings a local file cannot avoid: it has no URL to compare a self link with.
const SELF_CLASSES: &[&str] = &[
    "MissingSelf",
    "MissingAtomSelfLink",
    "SelfDoesntMatchLocation",
];

#[derive(Deserialize)]
struct Case {
    path: String,
    expect: String,
    severity: String,
    w3c_errors: Vec<String>,
    w3c_warnings: Vec<String>,
}

fn agrees(case: &Case, findings: &[Finding]) -> bool {
    let class_of = |f: &Finding| f.class.clone().unwrap_or_default();
    let errors = findings.iter().any(|f| f.severity == Severity::Error);
    let warnings = findings
        .iter()
        .any(|f| f.severity == Severity::Warning && !SELF_CLASSES.contains(&class_of(f).as_str()));
    let w3c_error = !case.w3c_errors.is_empty();
    let expect = case.expect.as_str();
    if expect == "!Message" {
        return !errors && !warnings;
    }
    if expect == "!Error" || case.severity == "success" && !expect.starts_with('!') {
        return errors == w3c_error;
    }
    if let Some(x) = expect.strip_prefix('!') {
        let reported = if x == "Warning" {
            warnings
        } else {
            findings.iter().any(|f| class_of(f) == x)
        };
        let w3c_has = case
            .w3c_errors
            .iter()
            .chain(&case.w3c_warnings)
            .any(|c| c == x);
        return (!reported || w3c_has) && errors == w3c_error;
    }
    match case.severity.as_str() {
        "error" => errors,
        _ => errors || warnings || findings.iter().any(|f| f.severity == Severity::Warning),
    }
}

/// `../shared/conformance` beside the repository (in CI), or beside an ancestor
/// folder (a git worktree nested deeper).
fn conformance_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared/conformance"))
        .find(|p| p.join("verdicts.jsonl").is_file())
        .unwrap_or_else(|| manifest.join("../shared/conformance"))
}

#[test]
fn agreement_with_the_w3c_validator() {
    let root = conformance_dir();
    let verdicts = std::fs::read_to_string(root.join("verdicts.jsonl"))
        .expect("../shared/conformance/verdicts.jsonl beside the repository");
    let mut per_family: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut dump = String::new();
    for line in verdicts.lines().filter(|l| !l.trim().is_empty()) {
        let case: Case = serde_json::from_str(line).expect("a verdict line is JSON");
        if case.severity == "info" {
            continue;
        }
        let bytes = std::fs::read(root.join("feedvalidator").join(&case.path))
            .unwrap_or_else(|e| panic!("{}: {e}", case.path));
        let location = format!("http://www.feedvalidator.org/testcases/{}", case.path);
        let findings = lint_bytes(&bytes, &case.path, Some(&location));
        let ok = agrees(&case, &findings);
        let family = case.path.split('/').next().unwrap_or("").to_string();
        let e = per_family.entry(family).or_default();
        e.1 += 1;
        if ok {
            e.0 += 1;
        }
        let reported: Vec<String> = findings
            .iter()
            .map(|f| {
                format!(
                    "{}:{}",
                    f.severity.as_str().chars().next().unwrap_or('?'),
                    f.class.as_deref().unwrap_or(&f.rule)
                )
            })
            .collect();
        dump.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            if ok { "ok" } else { "MISS" },
            case.path,
            case.expect,
            reported.join(",")
        ));
        if !ok {
            misses.push(format!(
                "MISS {} expect {} (w3c errors {:?}) lint: [{}]",
                case.path,
                case.expect,
                case.w3c_errors,
                reported.join(", ")
            ));
        }
    }
    for m in &misses {
        println!("{m}");
    }
    let (mut ok, mut all) = (0, 0);
    for (family, (o, n)) in &per_family {
        println!(
            "{family}: {o}/{n} agree ({:.1}%)",
            100.0 * *o as f64 / *n as f64
        );
        if family != "xml" {
            ok += o;
            all += n;
        }
    }
    let pct = 100.0 * ok as f64 / all as f64;
    println!("rss20+rss+atom: {ok}/{all} agree ({pct:.2}%), floor {FLOOR}%");
    if let Ok(p) = std::env::var("FEEDWRIGHT_CONFORMANCE_DUMP") {
        std::fs::write(p, dump).expect("write the dump");
    }
    assert!(
        pct >= FLOOR,
        "agreement {pct:.2}% fell below the floor {FLOOR}%"
    );
}
