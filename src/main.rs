//! The `feedwright` command line: parses flags, loads the config, calls the library,
//! prints diagnostics and maps results to exit codes (0 fine, 1 problems, 2 could
//! not run).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use feedwright::config::{self, Config};
use feedwright::report::{self, Severity};

#[derive(Parser)]
#[command(
    name = "feedwright",
    version,
    about = "Publish and validate RSS and Atom feeds from front-matter posts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site feed, one feed per category, OPML and an index page.
    Build(BuildArgs),
    /// Check the links and images in posts (offline rules, then HTTP).
    Check(CheckArgs),
    /// Check RSS and Atom documents against the specifications.
    Lint(LintArgs),
    /// Serve the feeds over HTTP, regenerating them as posts change.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct BuildArgs {
    /// Config file (default: ./feedwright.yaml if present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Posts folder.
    #[arg(long)]
    posts: Option<PathBuf>,
    /// Output folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Where the posts live (permalinks are made from it).
    #[arg(long)]
    base_url: Option<String>,
    /// Only print errors and the summary.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Config file (default: ./feedwright.yaml if present).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(clap::Args)]
struct LintArgs {
    /// Feed files or URLs.
    #[arg(required = true)]
    targets: Vec<String>,
    /// Output format: human or json.
    #[arg(long, default_value = "human")]
    format: String,
    /// Exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Config file (default: ./feedwright.yaml if present).
    #[arg(long)]
    config: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(a) => run_build(a),
        Command::Check(a) => run_check(a),
        Command::Lint(a) => run_lint(a),
        Command::Serve(a) => run_serve(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `--config F`, else `./feedwright.yaml` when present, else the defaults.
fn load_config(path: Option<PathBuf>) -> anyhow::Result<Config> {
    match path {
        Some(p) => Ok(Config::from_file(&p)?),
        None => {
            let default = PathBuf::from("feedwright.yaml");
            if default.is_file() {
                Ok(Config::from_file(&default)?)
            } else {
                Ok(Config::default())
            }
        }
    }
}

fn run_build(args: BuildArgs) -> anyhow::Result<u8> {
    let start = Instant::now();
    let mut cfg = load_config(args.config)?;
    if let Some(p) = args.posts {
        cfg.posts = p;
    }
    if let Some(o) = args.out {
        cfg.out = o;
    }
    if let Some(u) = args.base_url {
        cfg.base_url = Some(config::parse_base(&u).map_err(anyhow::Error::msg)?);
    }
    let (built, stats) = feedwright::build::build_to_disk(&cfg)?;
    for f in &built.findings {
        if !args.quiet || f.severity == Severity::Error {
            eprintln!("{f}");
        }
    }
    let (errors, warnings) = report::count(&built.findings);
    eprintln!(
        "{} posts read, {} published, {} skipped, {} rejected; {} feeds written to {}, {} unchanged{}; {} errors, {} warnings; {:.2?}",
        built.read,
        built.published,
        built.skipped,
        built.read.saturating_sub(built.published + built.skipped),
        stats.written,
        cfg.out.display(),
        stats.unchanged,
        if stats.removed > 0 {
            format!(", {} removed", stats.removed)
        } else {
            String::new()
        },
        errors,
        warnings,
        start.elapsed()
    );
    Ok(if errors > 0 { 1 } else { 0 })
}

fn run_check(args: CheckArgs) -> anyhow::Result<u8> {
    let _cfg = load_config(args.config)?;
    anyhow::bail!("check is not built yet")
}

fn run_lint(args: LintArgs) -> anyhow::Result<u8> {
    if !matches!(args.format.as_str(), "human" | "json") {
        anyhow::bail!("unknown --format {:?} (human or json)", args.format);
    }
    let mut findings = Vec::new();
    let mut failed = false;
    for target in &args.targets {
        let result = if target.starts_with("http://") || target.starts_with("https://") {
            feedwright::lint::lint_url(target).map_err(anyhow::Error::from)
        } else {
            std::fs::read(target)
                .map(|bytes| feedwright::lint::lint_bytes(&bytes, target, None))
                .map_err(|e| anyhow::anyhow!("{target}: {e}"))
        };
        match result {
            Ok(f) => findings.extend(f),
            Err(e) => {
                eprintln!("error: {e:#}");
                failed = true;
            }
        }
    }
    let (errors, warnings) = report::count(&findings);
    if args.format == "json" {
        let out = serde_json::json!({
            "findings": findings,
            "summary": {"files": args.targets.len(), "errors": errors, "warnings": warnings},
        });
        println!("{out}");
    } else {
        for f in &findings {
            eprintln!(
                "{}: {}[{}]: {}{}",
                f.place(),
                f.severity,
                f.rule,
                f.message,
                f.class
                    .as_ref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default()
            );
        }
        eprintln!(
            "{} feeds linted: {} errors, {} warnings",
            args.targets.len(),
            errors,
            warnings
        );
    }
    Ok(if failed {
        2
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        1
    } else {
        0
    })
}

fn run_serve(args: ServeArgs) -> anyhow::Result<u8> {
    let _cfg = load_config(args.config)?;
    anyhow::bail!("serve is not built yet")
}
