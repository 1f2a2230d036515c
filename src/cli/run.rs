use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::progress::Progress;
use super::{RunArgs, exit, print_flush};
use crate::report::{self, ReportPaths, console};
use crate::results::{RunResults, Summary};
use crate::run::plan::{RejectedCredential, parse_override};
use crate::run::stop::{Stop, StopHandle, StopReason};
use crate::run::{self, Clients, RunOptions};
use crate::suite::{Suite, load_file};

pub async fn run(args: RunArgs) -> u8 {
    let loaded = match load_file(&args.suite) {
        Ok(loaded) => loaded,
        Err(error) => {
            super::print_load_error(&error);
            return exit::USAGE;
        }
    };
    if let Some(warnings) = &loaded.warnings {
        print_load_warnings(warnings, &args.suite);
    }
    let mut vars = Vec::new();
    for text in &args.vars {
        match parse_override(text) {
            Ok(pair) => vars.push(pair),
            Err(error) => {
                eprintln!("error: {error}");
                return exit::USAGE;
            }
        }
    }
    let mut baseline = Vec::new();
    for path in &args.baseline {
        match read_baseline(path, &loaded.suite) {
            Ok(results) => baseline.push(results),
            Err(message) => {
                eprintln!("error: {message}");
                return exit::USAGE;
            }
        }
    }
    let mut options = RunOptions {
        vantage: None,
        vars,
        network: super::network_options(&args.network),
        concurrency: usize::from(args.concurrency),
        checks: args.checks,
        tags: args.tags,
        fail_fast: args.fail_fast,
        baseline,
        allow_auth_retries: args.allow_auth_retries,
        body_limit: args.body_limit,
        rejected: Vec::new(),
    };
    if let Err(message) = check_descriptor_limit(options.concurrency) {
        eprintln!("error: {message}");
        return exit::USAGE;
    }
    let vantages = match vantage_order(&loaded.suite, args.vantages) {
        Ok(vantages) => vantages,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::USAGE;
        }
    };
    let paths = ReportPaths {
        junit: args.junit,
        markdown: args.markdown,
        json: args.json,
    };
    let env = |name: &str| std::env::var(name).ok();
    if args.dry_run {
        if paths != ReportPaths::default() {
            eprintln!("note: a dry run writes no reports");
        }
        options.vantage = vantages.first().cloned().flatten();
        return dry_run(&loaded.suite, &options, &env);
    }
    if let Err(message) = check_report_paths(&args.suite, &paths) {
        eprintln!("error: {message}");
        return exit::USAGE;
    }
    let (handle, stop) = run::stop::channel();
    listen_for_signals(handle.clone());
    if let Some(deadline) = args.deadline {
        tokio::spawn(async move {
            tokio::time::sleep(deadline).await;
            handle.stop(StopReason::Deadline(deadline));
        });
    }

    let suite = Arc::new(loaded.suite);
    let result = if vantages.len() == 1 {
        options.vantage = vantages[0].clone();
        run_suite(Arc::clone(&suite), &options, &paths, &env, stop.clone()).await
    } else {
        run_vantages(&suite, &vantages, options, &paths, &env, &stop).await
    };
    match (result, stop.reason()) {
        (Err(code), _) => code,
        (Ok(_), Some(reason)) => reason.exit_code(),
        (Ok(success), None) if success => exit::PASSED,
        (Ok(_), None) => exit::FAILED,
    }
}

/// Stops the run on the first SIGINT or SIGTERM, so that the reports are still written, and
/// exits at once on the second.
fn listen_for_signals(handle: StopHandle) {
    tokio::spawn(async move {
        let mut first = true;
        loop {
            let Some(reason) = next_signal().await else {
                return;
            };
            if !first {
                eprintln!("\n{reason} again: quitting without writing the reports");
                std::process::exit(i32::from(reason.exit_code()));
            }
            first = false;
            eprintln!(
                "\n{reason}: sending no more requests and writing the reports; send it again to quit at once"
            );
            handle.stop(reason);
        }
    });
}

#[cfg(unix)]
async fn next_signal() -> Option<StopReason> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).ok()?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.ok().map(|()| StopReason::Interrupt),
        received = terminate.recv() => received.map(|()| StopReason::Terminate),
    }
}

#[cfg(not(unix))]
async fn next_signal() -> Option<StopReason> {
    tokio::signal::ctrl_c()
        .await
        .ok()
        .map(|()| StopReason::Interrupt)
}

/// The number of checks without hint rules that a run still lists one by one; beyond it, one
/// line counts them, so that the run's own output stays in view.
const UNHINTED_LISTED: usize = 3;

/// Prints the suite's warnings before a run. Checks without hint rules are counted in one line
/// when there are more than [`UNHINTED_LISTED`]; `validate` lists them all.
fn print_load_warnings(warnings: &crate::suite::SuiteErrors, suite: &Path) {
    let unhinted = warnings
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.unhinted_check)
        .count();
    if unhinted <= UNHINTED_LISTED {
        eprintln!("{warnings}");
        return;
    }
    let mut others = warnings.clone();
    others
        .diagnostics
        .retain(|diagnostic| !diagnostic.unhinted_check);
    if !others.diagnostics.is_empty() {
        eprintln!("{others}");
    }
    eprintln!(
        "warning: {unhinted} checks have no hint rules, so their failures get only the built-in diagnosis; `gatecheck validate {}` lists them",
        suite.display()
    );
}

/// Makes room for `concurrency` connections under the limit of open files, or fails with a
/// clear message, instead of failing checks with "too many open files" halfway through.
///
/// A soft limit below twice the estimate is raised toward the hard limit, as a process may do
/// without privileges: CI runners often start jobs with a soft limit of 1,024 and a much
/// higher hard limit.
fn check_descriptor_limit(concurrency: usize) -> Result<(), String> {
    // Room for the reports, the CA files, standard streams and the runtime's own descriptors.
    const RESERVED: usize = 32;
    // hyper-util's pool may open a second connection while a first is being set up, so a run
    // was measured at up to twice `concurrency` descriptors (123 at concurrency 64).
    let needed = concurrency.saturating_mul(2).saturating_add(RESERVED);
    let Some(limit) = limits::raise_open_files(needed.saturating_mul(2)) else {
        return Ok(());
    };
    if needed <= limit {
        return Ok(());
    }
    Err(format!(
        "--concurrency {concurrency} needs about {needed} open files, but this process may open only {limit}; lower --concurrency or raise the limit with `ulimit -n`"
    ))
}

#[cfg(unix)]
mod limits {
    use rustix::process::{Resource, getrlimit, setrlimit};

    /// Raises the soft limit of open files to `wanted`, or to the hard limit if that is
    /// lower, and returns the soft limit then in force. `None` means no limit.
    pub fn raise_open_files(wanted: usize) -> Option<usize> {
        let mut limit = getrlimit(Resource::Nofile);
        let current = limit.current?;
        let wanted = wanted as u64;
        if current < wanted {
            let raised = limit.maximum.map_or(wanted, |maximum| maximum.min(wanted));
            if raised > current {
                limit.current = Some(raised);
                // A refusal leaves the old limit, which the caller then checks.
                if setrlimit(Resource::Nofile, limit).is_ok() {
                    return usize::try_from(raised).ok();
                }
            }
        }
        usize::try_from(current).ok()
    }
}

#[cfg(not(unix))]
mod limits {
    /// Open files are not limited per process in this way outside Unix.
    pub fn raise_open_files(_wanted: usize) -> Option<usize> {
        None
    }
}

/// Checks the `--vantage` names and puts them in the suite's order, so that each vantage's
/// hint rules see the vantages before it. No name means the suite's first vantage.
fn vantage_order(suite: &Suite, names: Vec<String>) -> Result<Vec<Option<String>>, String> {
    if names.is_empty() {
        return Ok(vec![None]);
    }
    let mut positions = Vec::new();
    for name in &names {
        let Some(position) = suite.vantages.iter().position(|v| &v.name == name) else {
            let valid: Vec<&str> = suite.vantages.iter().map(|v| v.name.as_str()).collect();
            return Err(format!(
                "unknown vantage `{name}`; this suite defines: {}",
                valid.join(", ")
            ));
        };
        if positions.contains(&position) {
            return Err(format!("--vantage {name} is given twice"));
        }
        positions.push(position);
    }
    positions.sort_unstable();
    Ok(positions
        .into_iter()
        .map(|position| Some(suite.vantages[position].name.clone()))
        .collect())
}

/// Runs several vantages one after another and writes combined reports. Each run sees the
/// outcomes of the runs before it, as `--baseline` gives them, and no run sends a credential
/// that an earlier one saw rejected. Returns whether every check passed.
async fn run_vantages(
    suite: &Arc<Suite>,
    vantages: &[Option<String>],
    mut options: RunOptions,
    paths: &ReportPaths,
    env: &dyn Fn(&str) -> Option<String>,
    stop: &Stop,
) -> Result<bool, u8> {
    let mut inputs = Vec::new();
    let mut redactor = crate::secret::Redactor::new();
    for vantage in vantages {
        options.vantage = vantage.clone();
        let (results, run_redactor, rejected) =
            run_vantage(Arc::clone(suite), &options, env, stop.clone()).await?;
        redactor.merge(&run_redactor);
        options.baseline.push(results.clone());
        options.rejected.extend(rejected);
        inputs.push(crate::merge::Input {
            path: PathBuf::from(format!("vantage {}", results.vantage.name)),
            results,
        });
        if stop.reason().is_some() {
            break;
        }
    }
    let merged = crate::merge::combine(inputs, Some(suite), Some(&suite.path), Vec::new())
        .map_err(|error| {
            eprintln!("error: {}", error_chain(&error));
            exit::INTERNAL
        })?;
    print_flush(&super::merge::summary(&merged));
    match super::merge::write_merged(&merged, paths, &redactor) {
        Ok(written) => {
            for path in written {
                print_flush(&format!("wrote {}\n", display(&path)));
            }
            Ok(merged.is_success())
        }
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            Err(exit::INTERNAL)
        }
    }
}

/// Runs a loaded suite with console output, writes the reports and returns whether every
/// check passed, or the exit code of the error that stopped it (after printing the error).
pub async fn run_suite(
    suite: Arc<Suite>,
    options: &RunOptions,
    paths: &ReportPaths,
    env: &dyn Fn(&str) -> Option<String>,
    stop: Stop,
) -> Result<bool, u8> {
    let (results, redactor, _) = run_vantage(suite, options, env, stop).await?;
    match report::write_reports(std::slice::from_ref(&results), paths, &redactor) {
        Ok(written) => {
            for path in written {
                print_flush(&format!("wrote {}\n", display(&path)));
            }
            Ok(results.summary.is_success())
        }
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            Err(exit::INTERNAL)
        }
    }
}

/// Runs one vantage with console output. Returns its results, the redactor that masks its
/// secrets, and the credentials it saw rejected with 401.
async fn run_vantage(
    suite: Arc<Suite>,
    options: &RunOptions,
    env: &dyn Fn(&str) -> Option<String>,
    stop: Stop,
) -> Result<(RunResults, crate::secret::Redactor, Vec<RejectedCredential>), u8> {
    let plan = match run::plan(&suite, options, env) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: {error}");
            return Err(exit::USAGE);
        }
    };
    for warning in &plan.warnings {
        eprintln!("warning: {warning}");
    }
    let clients = match Clients::new(plan.client_settings(), plan.concurrency) {
        Ok(clients) => clients,
        Err(error) => {
            eprintln!("error: {error}");
            return Err(exit::USAGE);
        }
    };
    let credentials: Vec<(String, Option<(String, crate::secret::Secret)>)> = plan
        .checks
        .iter()
        .map(|planned| {
            let id = suite.checks[planned.index].id.clone();
            (id, planned.preview.basic_auth.clone())
        })
        .collect();
    let styles = console::Styles::detect(std::io::stdout().is_terminal());
    let id_width = suite.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);

    let header = header_results(&suite, &plan);
    print_flush(&console::header(&header, &styles));
    let show_progress = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    let progress = Progress::start(
        plan.checks.len(),
        show_progress,
        !std::io::stdout().is_terminal(),
        Arc::clone(&plan.in_flight),
    );
    let (results, redactor) = run::execute(Arc::clone(&suite), plan, clients, stop, |check| {
        let line = format!("{}\n", console::check_line(check, id_width, &styles));
        progress.record(check, &line);
    })
    .await;
    progress.finish();
    print_flush(&console::footer(&results, &styles));

    let rejected = results
        .checks
        .iter()
        .filter(|check| check.response.as_ref().is_some_and(|r| r.status == 401))
        .filter_map(|check| {
            let (_, credential) = credentials.iter().find(|(id, _)| *id == check.id)?;
            let (user, password) = credential.clone()?;
            Some(RejectedCredential {
                user,
                password,
                check: format!("{}` at vantage `{}", check.id, results.vantage.name),
            })
        })
        .collect();
    Ok((results, redactor, rejected))
}

/// Run-level fields for the console header, printed before any check finishes.
fn header_results(suite: &Suite, plan: &run::Plan) -> RunResults {
    RunResults {
        format: crate::results::FORMAT.to_string(),
        format_version: crate::results::FORMAT_VERSION,
        gatecheck_version: env!("CARGO_PKG_VERSION").to_string(),
        suite: run::execute::suite_info(suite),
        vantage: crate::results::VantageInfo {
            name: plan.vantage.name.clone(),
            description: plan.vantage.description.clone(),
        },
        target: plan.target.clone(),
        host: run::execute::host_name(),
        started_at: run::execute::now_rfc3339(),
        finished_at: String::new(),
        duration_ms: 0,
        insecure: plan.insecure,
        stopped: None,
        summary: Summary::default(),
        checks: Vec::new(),
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Prints the requests a run would send, in suite order, and sends nothing.
fn dry_run(suite: &Suite, options: &RunOptions, env: &dyn Fn(&str) -> Option<String>) -> u8 {
    let plan = match run::plan(suite, options, env) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::USAGE;
        }
    };
    let redactor = &plan.redactor;
    let count = plan.checks.len();
    let mut text = format!(
        "dry run: {count} check{} at vantage {}; nothing is sent\n",
        if count == 1 { "" } else { "s" },
        plan.vantage.name
    );
    for planned in &plan.checks {
        let check = &suite.checks[planned.index];
        let request = &planned.preview;
        text.push_str(&format!("\n# {}: {}\n", check.id, check.name));
        if let Some(reason) = &planned.skip_reason {
            text.push_str(&format!("# skipped: {reason}\n"));
        }
        if !check.depends_on.is_empty() {
            text.push_str(&format!("# after: {}\n", check.depends_on.join(", ")));
        }
        text.push_str(&format!("# route: {}\n", dry_run_route(request)));
        // A URL built from captured values does not exist yet; the suite's form shows where
        // they go.
        let url = request.url.to_string();
        if url.contains("captured:") {
            text.push_str(&format!(
                "{} {}  (with values captured at run time)\n",
                request.method,
                check.request.written_url()
            ));
        } else {
            text.push_str(&format!("{} {url}\n", request.method));
        }
        if request.basic_auth.is_some() {
            text.push_str(&format!("authorization: Basic {}\n", crate::secret::MASK));
        }
        for (name, value) in &request.headers {
            let value = String::from_utf8_lossy(value.as_bytes());
            let value = if crate::secret::is_sensitive_header(name.as_str()) {
                crate::secret::MASK.to_string()
            } else {
                value.into_owned()
            };
            text.push_str(&format!("{name}: {value}\n"));
        }
        if let Some(body) = &request.body {
            text.push_str(&format!("\n{body}\n"));
        }
    }
    print_flush(&redactor.redact_owned(text));
    exit::PASSED
}

/// Describes how a request would leave this machine: the proxy and the setting that chose
/// it, and the `connect_to`, `resolve` and source address that apply.
fn dry_run_route(request: &crate::run::plan::PreparedRequest) -> String {
    let mut route = match &request.proxy.url {
        Some(proxy) => format!(
            "proxy {} ({})",
            crate::run::network::shown_proxy_url(proxy.expose()),
            request.proxy.source
        ),
        None => format!("no proxy ({})", request.proxy.source),
    };
    if let Some(redirect) = &request.connect_to {
        route.push_str(&format!(", connect_to {}", redirect.description));
    }
    if let Some(rule) = &request.resolve_rule {
        route.push_str(&format!(", resolve {rule}"));
    }
    if let Some(address) = request.client.local_address {
        route.push_str(&format!(", from {address}"));
    }
    route
}

/// Reads the JSON results of an earlier run and checks that they come from the same suite.
fn read_baseline(path: &Path, suite: &Suite) -> Result<RunResults, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read baseline {}: {error}", path.display()))?;
    let results = report::json::parse(&text)
        .map_err(|error| format!("invalid baseline {}: {error}", path.display()))?;
    if results.suite.id != suite.id {
        return Err(format!(
            "baseline {} has results of suite `{}`, but this run is of suite `{}`; pass the results of a run of this suite",
            path.display(),
            results.suite.id,
            suite.id
        ));
    }
    Ok(results)
}

/// Checks the report paths before anything is sent, so that a run does not spend its logins
/// and then fail to write, or overwrite the suite or one report with another.
fn check_report_paths(suite: &Path, paths: &ReportPaths) -> Result<(), String> {
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let requested: Vec<(&str, &PathBuf)> = [
        ("--junit", &paths.junit),
        ("--markdown", &paths.markdown),
        ("--json", &paths.json),
    ]
    .into_iter()
    .filter_map(|(option, path)| Some((option, path.as_ref()?)))
    .collect();
    for (index, (option, path)) in requested.iter().enumerate() {
        if absolute(path) == absolute(suite) {
            return Err(format!(
                "{option} {} would overwrite the suite file; choose another path",
                path.display()
            ));
        }
        if let Some((other, _)) = requested[..index]
            .iter()
            .find(|(_, earlier)| absolute(earlier) == absolute(path))
        {
            return Err(format!(
                "{other} and {option} both name {}; give each report its own path",
                path.display()
            ));
        }
        if path.is_dir() {
            return Err(format!(
                "{option} {} is a folder; name a file in it, such as {}",
                path.display(),
                path.join("report").display()
            ));
        }
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if let Err(error) = std::fs::create_dir_all(&folder).and_then(|()| {
            tempfile::Builder::new()
                .prefix(".gatecheck-write-test")
                .tempfile_in(&folder)
                .map(drop)
        }) {
            return Err(format!(
                "cannot write {option} {} in {}: {error}",
                path.display(),
                folder.display()
            ));
        }
    }
    Ok(())
}
