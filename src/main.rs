//! The `feedwright` command line: parses flags, loads the config, calls the library,
//! prints diagnostics and maps results to exit codes (0 fine, 1 problems, 2 could
//! not run).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use feedwright::config::{self, Config};
use feedwright::report::{self, Severity};

/// mimalloc (its v2 line, which hands freed pages back after 10 ms) instead of the
/// system allocator: a 10,000-post build makes about a million small allocations on
/// two threads; with it the build runs about 9% fewer instructions and takes 117 ms
/// against 140 ms (fresh processes, best of ten). It holds more memory than glibc
/// (67 MB against 29 MB at 10,000 posts, 134-137 MB at 100,000, within the 150 MB
/// budget). The benchmarks use it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc v2's `mi_option_purge_delay`: entry 15 of `mi_option_e` in its
/// `mimalloc.h`, between `eager_commit_delay` (14) and `use_numa_nodes` (16), which
/// the bindings name; this one they do not. A test checks it reads the v2 default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The server runs for days and rebuilds with the old files still served, so it
/// hands freed memory back at once instead of after mimalloc's 10 ms (100 ms for
/// arenas): the peak through a rebuild at 100,000 posts drops from 183-198 MB to
/// that of the system allocator. One-shot commands keep the default.
fn return_memory_promptly() {
    // SAFETY: sets a process-wide allocator option; mimalloc allows it at any time,
    // and the purge delay is read afresh each time memory is freed.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

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
    /// Posts folder.
    #[arg(long)]
    posts: Option<PathBuf>,
    /// Where the posts live (relative links are resolved against their permalinks).
    #[arg(long)]
    base_url: Option<String>,
    /// Only the offline rules: no network.
    #[arg(long)]
    offline: bool,
    /// Output format (human goes to stderr, the others to stdout).
    #[arg(long, value_enum, default_value_t = report::OutputFormat::Human)]
    format: report::OutputFormat,
    /// Neither read nor write the check cache.
    #[arg(long)]
    no_cache: bool,
    /// Exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// Per-request timeout (10s, 500ms, 1m).
    #[arg(long, value_parser = parse_duration_arg)]
    timeout: Option<std::time::Duration>,
    /// Requests in flight at once.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    concurrency: Option<u64>,
    /// Requests in flight at once to one host.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    per_host: Option<u64>,
}

fn parse_duration_arg(s: &str) -> Result<std::time::Duration, String> {
    config::parse_duration(s).ok_or_else(|| format!("invalid duration {s:?} (e.g. 10s, 500ms)"))
}

#[derive(clap::Args)]
struct LintArgs {
    /// Feed files or URLs.
    #[arg(required = true)]
    targets: Vec<String>,
    /// Output format (human goes to stderr, the others to stdout).
    #[arg(long, value_enum, default_value_t = report::OutputFormat::Human)]
    format: report::OutputFormat,
    /// Exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Config file (default: ./feedwright.yaml if present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Posts folder.
    #[arg(long)]
    posts: Option<PathBuf>,
    /// Where the posts live (permalinks are made from it).
    #[arg(long)]
    base_url: Option<String>,
    /// Address to listen on (default: serve.addr, 127.0.0.1:8080).
    #[arg(long)]
    addr: Option<String>,
    /// Rebuild when files in the posts folder change.
    #[arg(long)]
    watch: bool,
    /// Also rebuild on an interval (e.g. 10m, 30s).
    #[arg(long, value_parser = parse_every)]
    every: Option<std::time::Duration>,
    /// Print one access-log line per request.
    #[arg(short, long)]
    verbose: bool,
}

fn parse_every(text: &str) -> Result<std::time::Duration, String> {
    config::parse_duration(text).ok_or_else(|| format!("invalid duration {text:?} (e.g. 10m, 30s)"))
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

/// The config, with the `--posts` and `--base-url` flags every site command takes.
fn site_config(
    path: Option<PathBuf>,
    posts: Option<PathBuf>,
    base_url: Option<String>,
) -> anyhow::Result<Config> {
    let mut cfg = load_config(path)?;
    if let Some(p) = posts {
        cfg.posts = p;
    }
    if let Some(u) = base_url {
        cfg.base_url = Some(config::parse_base(&u).map_err(anyhow::Error::msg)?);
    }
    Ok(cfg)
}

fn run_build(args: BuildArgs) -> anyhow::Result<u8> {
    let start = Instant::now();
    let mut cfg = site_config(args.config, args.posts, args.base_url)?;
    if let Some(o) = args.out {
        cfg.out = o;
    }
    let (built, stats) = feedwright::build::build_to_disk(&cfg)?;
    for f in &built.findings {
        if !args.quiet || f.severity == Severity::Error {
            eprintln!("{f}");
        }
    }
    let (errors, warnings) = report::count(&built.findings);
    eprintln!(
        "{} posts read, {} published, {} skipped, {} rejected; {} feeds; {} files written to {}, {} unchanged{}; {} errors, {} warnings; {:.2?}",
        built.read,
        built.published,
        built.skipped,
        built.read.saturating_sub(built.published + built.skipped),
        built.feeds,
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
    use feedwright::check::{self, CheckOptions};
    use std::io::IsTerminal;

    let mut cfg = site_config(args.config, args.posts, args.base_url)?;
    if let Some(t) = args.timeout {
        cfg.check.timeout = t;
    }
    if let Some(n) = args.concurrency {
        cfg.check.concurrency = n as usize;
    }
    if let Some(n) = args.per_host {
        cfg.check.per_host = n as usize;
    }
    let mut opts = CheckOptions::new(args.offline);
    opts.use_cache = !args.no_cache;
    opts.progress = std::io::stderr().is_terminal();
    let outcome = if args.offline {
        check::check_offline(&cfg, &opts)?
    } else {
        let client = check::client(&cfg.check)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        runtime.block_on(check::check(&cfg, &opts, &client))?
    };
    for note in &outcome.notes {
        eprintln!("warning: {note}");
    }
    let text = report::render(args.format, &outcome.findings, &outcome.summary);
    if args.format == report::OutputFormat::Human {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    let (errors, warnings) = report::count(&outcome.findings);
    Ok(if errors > 0 || (args.deny_warnings && warnings > 0) {
        1
    } else {
        0
    })
}

fn run_lint(args: LintArgs) -> anyhow::Result<u8> {
    let start = Instant::now();
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
    let summary = report::Summary {
        command: "lint".to_string(),
        files: args.targets.clone(),
        counts: vec![("feeds".to_string(), args.targets.len() as u64)],
        elapsed: start.elapsed(),
    };
    let text = report::render(args.format, &findings, &summary);
    if args.format == report::OutputFormat::Human {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    let (errors, warnings) = report::count(&findings);
    Ok(if failed {
        2
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        1
    } else {
        0
    })
}

fn run_serve(args: ServeArgs) -> anyhow::Result<u8> {
    use std::sync::Arc;

    use anyhow::Context;
    use feedwright::serve;

    return_memory_promptly();
    let mut cfg = site_config(args.config, args.posts, args.base_url)?;
    if let Some(a) = args.addr {
        cfg.serve.addr = a;
    }
    if args.watch {
        cfg.serve.watch = true;
    }
    if let Some(e) = args.every {
        cfg.serve.every = Some(e);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let addr = cfg.serve.addr.clone();
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
                    "cannot listen on {addr}: the address is already in use (another server running? choose another with --addr)"
                ),
                _ => anyhow::anyhow!("cannot listen on {addr}: {e}"),
            })?;
        let state = Arc::new(serve::State::new(cfg));
        let worker = Arc::clone(&state);
        let findings = tokio::task::spawn_blocking(move || worker.rebuild())
            .await
            .context("the first build panicked")??;
        for f in &findings {
            eprintln!("{f}");
        }
        let health = state.snapshot().health.clone();
        eprintln!(
            "built {} posts into {} feeds in {} ms ({} errors, {} warnings)",
            health.posts, health.feeds, health.build_ms, health.errors, health.warnings
        );
        let options = serve::Options {
            verbose: args.verbose,
            ..Default::default()
        };
        serve::run(state, listener, options, shutdown_signal()).await?;
        eprintln!("stopped");
        Ok(0)
    })
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_the_server_sets() {
        // v2's default purge delay is 10 ms, and no other option at 14-16 defaults
        // to 10: this fails if the bindings' mimalloc moves its options around.
        // SAFETY: reads an allocator option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 10);
    }
}
