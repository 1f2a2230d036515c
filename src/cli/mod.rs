//! The command line: argument definitions, the commands, and the mapping of every outcome to
//! an exit code.

mod demo;
mod init;
mod list;
mod merge;
mod mock;
mod progress;
mod run;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Exit codes, documented in the README and in `--help`.
pub mod exit {
    /// Every check passed (or was skipped).
    pub const PASSED: u8 = 0;
    /// At least one check failed or could not get a response.
    pub const FAILED: u8 = 1;
    /// The suite file or the command line is invalid; nothing was sent.
    pub const USAGE: u8 = 2;
    /// gatecheck could not do its own work: write a report, start the simulator.
    pub const INTERNAL: u8 = 3;
}

const AFTER_HELP: &str = "\
Exit codes:
  0  every check passed
  1  at least one check failed or got no response
  2  invalid suite file or command line; nothing was sent
  3  gatecheck could not write a report or start the simulator
  130, 143  interrupted (SIGINT) or terminated (SIGTERM); the reports are still written";

#[derive(Debug, Parser)]
#[command(
    name = "gatecheck",
    version,
    about = "Run declarative connectivity checks against an API gateway from a named vantage point",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a suite from one vantage point and write reports.
    #[command(after_help = AFTER_HELP)]
    Run(Box<RunArgs>),
    /// Load suite files and report every problem without sending anything.
    #[command(after_help = AFTER_HELP)]
    Validate(ValidateArgs),
    /// Serve a simulated Cisco ISE API gateway over HTTPS for trying suites out.
    MockIse(MockIseArgs),
    /// Run the bundled ISE suite against the built-in simulator, healthy and with a fault.
    Demo(DemoArgs),
    /// Combine JSON results of one suite from several vantages into one set of reports.
    #[command(after_help = AFTER_HELP)]
    Merge(MergeArgs),
    /// List a suite's checks with their ids, tags, vantages and request lines.
    List(ListArgs),
    /// Write a new suite file, optionally with checks made from curl command lines.
    Init(InitArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of gatecheck, or of one command.
    #[command(name = "man")]
    Manual(ManualArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Suite file (YAML).
    suite: PathBuf,
    /// Vantage point to run from, as named in the suite's `vantages` (default: the first).
    /// Repeat it to run several vantages one after another in this process, for vantages
    /// that differ only in network settings; the reports then combine them, as `merge` does.
    #[arg(long = "vantage", value_name = "NAME")]
    vantages: Vec<String>,
    /// Set a suite variable, overriding the suite and the environment; repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    #[command(flatten)]
    network: NetworkArgs,
    /// Checks in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
    /// Run only this check (and the checks it depends on); repeatable.
    #[arg(long = "check", value_name = "ID")]
    checks: Vec<String>,
    /// Run only checks with this tag, or without it when written `not TAG`; repeatable.
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Stop sending new checks after the first one that does not pass.
    #[arg(long)]
    fail_fast: bool,
    /// Print each request that would be sent and its route, with secrets masked, and send
    /// nothing.
    #[arg(long)]
    dry_run: bool,
    /// Stop the whole run after this long (such as `90s` or `5m`); unfinished checks are
    /// reported as not run and the run fails.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_arg)]
    deadline: Option<std::time::Duration>,
    /// Bytes of each response body kept for matchers and reports (such as `512KiB`, `4MiB`);
    /// the rest is not read.
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = parse_size_arg)]
    body_limit: usize,
    /// Send every check even after the server rejected a credential with 401. Each rejected
    /// login counts toward the account's lockout.
    #[arg(long)]
    allow_auth_retries: bool,
    /// JSON results of an earlier run at another vantage, for hint rules that depend on it;
    /// repeatable.
    #[arg(long, value_name = "RESULTS.json")]
    baseline: Vec<PathBuf>,
    /// Write a JUnit XML report to PATH.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Write a Markdown report to PATH.
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,
    /// Write a JSON report to PATH.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON results (`gatecheck run --json`) of the same suite from different vantages.
    #[arg(required = true, value_name = "RESULTS.json")]
    results: Vec<PathBuf>,
    /// The suite file, for re-evaluating hint rules across vantages (default: the path recorded
    /// in the results, when it exists here).
    #[arg(long, value_name = "PATH")]
    suite: Option<PathBuf>,
    /// Write a JUnit XML report with one testsuite per vantage to PATH.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Write a Markdown report with the vantage × check matrix to PATH.
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,
    /// Write the merged JSON results to PATH.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
}

/// Network and TLS settings of `run`; each overrides the suite's defaults and vantage.
#[derive(Debug, Args)]
#[command(next_help_heading = "Network and TLS")]
pub struct NetworkArgs {
    /// Base URL for request paths, replacing the vantage's and the suite's.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// PEM file of CA certificates to trust in addition to the system roots; repeatable.
    #[arg(long = "ca-file", value_name = "PATH")]
    ca_files: Vec<PathBuf>,
    /// Trust only the given CA files, not the system roots.
    #[arg(long)]
    ca_only: bool,
    /// PEM client certificate, for servers that require one (with --client-key).
    #[arg(long, value_name = "PATH", requires = "client_key")]
    client_cert: Option<PathBuf>,
    /// PEM private key of the client certificate.
    #[arg(long, value_name = "PATH", requires = "client_cert")]
    client_key: Option<PathBuf>,
    /// Skip TLS certificate verification; every report flags the run as insecure.
    #[arg(long)]
    insecure: bool,
    /// Lowest TLS version to accept: 1.2 or 1.3.
    #[arg(long, value_name = "VERSION", value_parser = parse_tls_version)]
    tls_min: Option<crate::suite::TlsVersion>,
    /// Proxy for every request (http://, https:// or socks5://, credentials allowed), or
    /// `none` to ignore the vantage's and the environment's.
    // Checked when the run is planned rather than by clap, whose message would repeat the
    // value and the password in it.
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// Hosts to reach without the proxy, comma-separated as in NO_PROXY.
    #[arg(long, value_name = "HOSTS")]
    no_proxy: Option<String>,
    /// Resolve HOST to ADDRESS instead of asking DNS, for URLs with port PORT, like curl
    /// (`HOST:PORT:ADDRESS`); repeatable.
    #[arg(long, value_name = "HOST:PORT:ADDRESS", value_parser = parse_resolve)]
    resolve: Vec<(String, u16, std::net::IpAddr)>,
    /// Connect to another host or port for HOST1:PORT1, like curl; TLS and the Host header
    /// keep the URL's name. An empty PORT1 matches every port, an empty HOST2 or PORT2 keeps
    /// the URL's. Tried before the vantage's `connect_to`; repeatable.
    #[arg(long, value_name = "HOST1:PORT1:HOST2:PORT2", value_parser = parse_connect_to)]
    connect_to: Vec<crate::suite::ConnectTo>,
    /// Source address to connect from, on machines with several addresses.
    #[arg(long, value_name = "ADDRESS")]
    local_address: Option<std::net::IpAddr>,
    /// Time allowed to set up each connection, TLS handshake included (such as `3s`).
    /// Overrides the vantage's `connect_timeout`; without either, 5s.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_arg)]
    connect_timeout: Option<std::time::Duration>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Suite files (YAML).
    #[arg(required = true)]
    suites: Vec<PathBuf>,
    /// Also require every environment variable the suites read (without a default) to be set.
    #[arg(long)]
    strict_env: bool,
}

#[derive(Debug, Args)]
pub struct MockIseArgs {
    /// IP address and port to listen on, such as 127.0.0.1:8443; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8443", value_name = "ADDR", value_parser = parse_listen)]
    listen: std::net::SocketAddr,
    /// Behaviour to simulate: healthy, ers-disabled, openapi-disabled, gateway-3.0,
    /// bad-credentials, locked-user, not-routed, not-mnt-node, csrf-enabled.
    #[arg(long, default_value = "healthy", value_name = "NAME")]
    scenario: String,
    /// Write the PEM of the CA that signed the server certificate to PATH.
    #[arg(long, value_name = "PATH")]
    ca_out: Option<PathBuf>,
    /// API user the simulator accepts.
    #[arg(long, default_value = crate::mock_ise::DEFAULT_USER)]
    user: String,
    /// Password the simulator accepts.
    #[arg(long, default_value = crate::mock_ise::DEFAULT_PASSWORD, hide_default_value = false)]
    password: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Suite file (YAML).
    suite: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Path of the suite file to create; `-` writes to standard output.
    #[arg(default_value = "gatecheck.yaml")]
    path: PathBuf,
    /// A curl command line to turn into a check; repeatable, one check each.
    #[arg(long = "from-curl", value_name = "COMMAND", allow_hyphen_values = true)]
    from_curl: Vec<String>,
    /// Send each request once and write the status it gets as the check's expected status.
    #[arg(long, requires = "from_curl")]
    record: bool,
    /// Suite name.
    #[arg(long, default_value = "New suite")]
    name: String,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct ManualArgs {
    /// The command whose page to print, such as `run`; without it, the page of gatecheck.
    command: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to complete for.
    shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's reports.
    #[arg(long, default_value = "gatecheck-demo", value_name = "DIR")]
    out: PathBuf,
}

/// Parses the command line, runs the command and returns its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // One thread drives every request. A run's work per check is small next to the waiting,
    // and on the multi-threaded runtime the workers woke each other about twice per check:
    // 1,000 HTTPS checks at concurrency 8 made 2,006 futex calls and took 67.2 ± 3.1 ms
    // (hyperfine, 2 cores, nginx on loopback), against 57.2 ± 1.6 ms on one thread. Reports
    // are still written on threads of their own.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(exit::INTERNAL);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run::run(*args).await,
            Command::Validate(args) => validate::validate(args),
            Command::MockIse(args) => mock::mock_ise(args).await,
            Command::Demo(args) => demo::demo(args).await,
            Command::Merge(args) => merge::merge(args),
            Command::List(args) => list::list(args),
            Command::Init(args) => init::init(args).await,
            Command::Completions(args) => print_completions(args.shell),
            Command::Manual(args) => print_manual(args.command.as_deref()),
        }
    });
    ExitCode::from(code)
}

fn print_completions(shell: clap_complete::Shell) -> u8 {
    let mut command = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut command, "gatecheck", &mut std::io::stdout());
    exit::PASSED
}

fn print_manual(name: Option<&str>) -> u8 {
    let mut command = <Cli as clap::CommandFactory>::command();
    command.build();
    let command = match name {
        None => command,
        Some(name) => {
            let Some(subcommand) = command.find_subcommand(name).cloned() else {
                let names: Vec<String> = command
                    .get_subcommands()
                    .map(|subcommand| subcommand.get_name().to_string())
                    .collect();
                eprintln!(
                    "error: unknown command `{name}`; the commands are {}",
                    names.join(", ")
                );
                return exit::USAGE;
            };
            // The page title `gatecheck-run` is what the main page's SEE ALSO names.
            subcommand.name(format!("gatecheck-{name}"))
        }
    };
    let mut page = Vec::new();
    if let Err(error) = clap_mangen::Man::new(command).render(&mut page) {
        eprintln!("error: cannot render the manual page: {error}");
        return exit::INTERNAL;
    }
    let mut stdout = std::io::stdout().lock();
    match std::io::Write::write_all(&mut stdout, &page) {
        Ok(()) => exit::PASSED,
        Err(error) => {
            eprintln!("error: cannot write the manual page: {error}");
            exit::INTERNAL
        }
    }
}

/// Writes to standard output and flushes. A closed stdout (`gatecheck run ... | head`) must not
/// stop a run or lose its reports, so write errors are ignored.
pub(crate) fn print_flush(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Prints why a suite did not load. The diagnostics of an invalid suite carry their own
/// `error:` labels; a file that cannot be read gets one here.
pub(crate) fn print_load_error(error: &crate::suite::LoadError) {
    match error {
        crate::suite::LoadError::Read { .. } => eprintln!("error: {error}"),
        crate::suite::LoadError::Invalid(_) => eprintln!("{error}"),
    }
}

fn parse_duration_arg(text: &str) -> Result<std::time::Duration, String> {
    match crate::suite::parse_duration(text) {
        Some(duration) if duration.is_zero() => Err(format!(
            "invalid duration `{text}`: it must be longer than zero, such as `90s` or `5m`"
        )),
        Some(duration) => Ok(duration),
        None => Err(format!(
            "invalid duration `{text}`: write a number with a unit, such as `90s` or `5m`"
        )),
    }
}

/// Parses a size in bytes: a number, optionally with a unit `B`, `KiB`, `MiB` or `GiB`.
fn parse_size_arg(text: &str) -> Result<usize, String> {
    let invalid = || {
        format!(
            "invalid size `{text}`: write a number of bytes, or one with a unit such as `512KiB` or `4MiB`"
        )
    };
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: usize = number.parse().map_err(|_| invalid())?;
    let factor: usize = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return Err(invalid()),
    };
    match number.checked_mul(factor) {
        Some(0) | None => Err(invalid()),
        Some(bytes) => Ok(bytes),
    }
}

fn parse_listen(text: &str) -> Result<std::net::SocketAddr, String> {
    text.parse().map_err(|_| {
        format!("invalid address `{text}`: write an IP address and port, such as 127.0.0.1:8443 or [::1]:8443 (not a host name)")
    })
}

fn parse_tls_version(text: &str) -> Result<crate::suite::TlsVersion, String> {
    crate::suite::TlsVersion::parse(text)
        .ok_or_else(|| format!("invalid TLS version `{text}`: write 1.2 or 1.3"))
}

/// Parses curl's `HOST:PORT:ADDRESS`; an IPv6 address may be written in brackets.
fn parse_resolve(text: &str) -> Result<(String, u16, std::net::IpAddr), String> {
    let invalid = || {
        format!(
            "invalid --resolve `{text}`: write HOST:PORT:ADDRESS, such as ise.example.com:443:192.0.2.10"
        )
    };
    let mut parts = text.splitn(3, ':');
    let host = parts
        .next()
        .filter(|host| !host.is_empty())
        .ok_or_else(invalid)?;
    let port = parts
        .next()
        .and_then(|port| port.parse::<u16>().ok())
        .ok_or_else(invalid)?;
    let address = parts.next().ok_or_else(invalid)?;
    let address = address.trim_start_matches('[').trim_end_matches(']');
    let address = address.parse().map_err(|_| invalid())?;
    Ok((host.to_string(), port, address))
}

fn parse_connect_to(text: &str) -> Result<crate::suite::ConnectTo, String> {
    crate::suite::ConnectTo::from_curl(text)
        .map_err(|reason| format!("invalid --connect-to `{text}`: {reason}"))
}

/// Turns the `run` command's network flags into the options the planner reads.
pub(crate) fn network_options(args: &NetworkArgs) -> crate::run::network::NetworkOptions {
    crate::run::network::NetworkOptions {
        base_url: args.base_url.clone(),
        ca_files: args.ca_files.clone(),
        ca_only: args.ca_only,
        client_cert: args.client_cert.clone(),
        client_key: args.client_key.clone(),
        insecure: args.insecure,
        min_tls: args.tls_min,
        proxy: args.proxy.clone(),
        no_proxy: args.no_proxy.clone(),
        resolve: args.resolve.clone(),
        connect_to: args.connect_to.clone(),
        local_address: args.local_address,
        connect_timeout: args.connect_timeout,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_argument_units() {
        assert_eq!(parse_size_arg("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size_arg("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size_arg("100"), Ok(100));
        assert!(parse_size_arg("1MB").is_err());
        assert!(parse_size_arg("0").is_err());
    }

    #[test]
    fn resolve_argument_forms() {
        assert_eq!(
            parse_resolve("ise.example.com:443:192.0.2.10"),
            Ok((
                "ise.example.com".to_string(),
                443,
                "192.0.2.10".parse().unwrap()
            ))
        );
        assert_eq!(
            parse_resolve("ise:443:[::1]"),
            Ok(("ise".to_string(), 443, "::1".parse().unwrap()))
        );
        assert!(parse_resolve("ise:192.0.2.10").is_err());
    }

    #[test]
    fn duration_argument_rejects_zero() {
        assert!(parse_duration_arg("0s").is_err());
        assert_eq!(
            parse_duration_arg("5m"),
            Ok(std::time::Duration::from_secs(300))
        );
    }
}
