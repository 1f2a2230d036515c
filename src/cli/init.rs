use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::run::error_chain;
use super::{InitArgs, exit};
use crate::init::curl::{self, CurlRequest};
use crate::init::{self as suite_init, Draft, Recorded, RecordedOutcome};
use crate::suite::{Loaded, load_str};

/// A written suite's checks and the environment variables a run reads, for the next-step
/// lines.
struct Written {
    text: String,
    checks: usize,
    required_env: Vec<String>,
    optional_env: Vec<String>,
}

pub async fn init(args: InitArgs) -> u8 {
    let to_stdout = args.path.as_os_str() == "-";
    let messages = Messages {
        to_stderr: to_stdout,
    };
    // `symlink_metadata` also finds a dangling link, which writing would replace.
    if !to_stdout && !args.force && args.path.symlink_metadata().is_ok() {
        eprintln!("error: {} already exists", args.path.display());
        eprintln!(
            "help: pass --force to replace it, or name another file: gatecheck init NEW.yaml"
        );
        return exit::USAGE;
    }

    let written = if args.from_curl.is_empty() {
        let text = suite_init::starter_suite(&args.name);
        if let Err(code) = verify(&args.path, &text) {
            return code;
        }
        Written {
            text,
            checks: 1,
            required_env: Vec::new(),
            optional_env: vec!["GATECHECK_HOST".to_string()],
        }
    } else {
        match from_curl(&args, &messages).await {
            Ok(written) => written,
            Err(code) => return code,
        }
    };

    if to_stdout {
        let mut stdout = std::io::stdout().lock();
        if let Err(error) = stdout
            .write_all(written.text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            eprintln!("error: failed to write the suite to standard output: {error}");
            return exit::INTERNAL;
        }
    } else if let Err(error) = crate::report::write_atomically(&args.path, written.text.as_bytes())
    {
        eprintln!("error: {}", error_chain(&error));
        return exit::INTERNAL;
    }
    print_next_steps(&messages, &args.path, to_stdout, &written);
    exit::PASSED
}

/// Makes the suite from the curl command lines and, with `--record`, sends each request once.
/// Returns the exit code when that fails, after printing why.
async fn from_curl(args: &InitArgs, messages: &Messages) -> Result<Written, u8> {
    let to_stdout = args.path.as_os_str() == "-";
    let mut requests = Vec::with_capacity(args.from_curl.len());
    for (index, line) in args.from_curl.iter().enumerate() {
        let number = index + 1;
        let request = match curl::parse(line) {
            Ok(request) => request,
            Err(error) => {
                eprintln!("error: --from-curl {number}: {error}");
                if !error.line.is_empty() {
                    eprintln!("  {}", error.line);
                }
                eprintln!("help: {}", error.help());
                return Err(exit::USAGE);
            }
        };
        for note in &request.notes {
            eprintln!("note: --from-curl {number}: {note}");
        }
        requests.push(request);
    }
    if !to_stdout {
        relocate_ca_files(&mut requests, &args.path);
    }

    let mut draft = Draft::from_curl(&args.name, &requests);
    for warning in &draft.warnings {
        eprintln!("warning: {warning}");
    }
    if draft.insecure {
        eprintln!(
            "warning: curl -k turns certificate verification off, so the suite sets \
             `tls.insecure: true`; replace it with `tls.ca_file` naming the PEM file of the CA \
             that signed the server's certificate"
        );
    }

    let mut text = suite_init::render_draft(&draft, requests.len());
    let loaded = verify(&args.path, &text)?;
    if args.record {
        let statuses = record(loaded, &draft, messages).await?;
        draft.set_recorded(&statuses, &suite_init::today());
        text = suite_init::render_draft(&draft, requests.len());
        verify(&args.path, &text)?;
    }

    let (required, optional) = draft.environment();
    Ok(Written {
        checks: draft.checks.len(),
        required_env: required.into_iter().map(str::to_string).collect(),
        optional_env: optional.into_iter().map(str::to_string).collect(),
        text,
    })
}

/// Rewrites each `--cacert` path, which is relative to the current folder, for a suite at
/// `suite_path`, whose relative paths are relative to its own folder.
fn relocate_ca_files(requests: &mut [CurlRequest], suite_path: &Path) {
    let Ok(current_dir) = std::env::current_dir() else {
        return;
    };
    for request in requests {
        if let Some(ca_file) = &request.ca_file {
            request.ca_file = Some(suite_init::ca_file_for_suite(
                ca_file,
                suite_path,
                &current_dir,
            ));
        }
    }
}

/// Sends each request once and returns the statuses, or exit code 1 when any request got no
/// response.
async fn record(loaded: Loaded, draft: &Draft, messages: &Messages) -> Result<Vec<u16>, u8> {
    let print = |entry: &Recorded| {
        let outcome = match &entry.outcome {
            RecordedOutcome::Status(status) => format!("{status} ({} ms)", entry.duration_ms),
            RecordedOutcome::NoResponse { kind, message } => {
                format!("no response, {kind}: {message}")
            }
        };
        messages.say(&format!("sent {} {}: {outcome}", entry.method, entry.url));
    };
    // Only the variables without a default, the secrets the curl lines left out, are read
    // from the environment.
    let (required, _) = draft.environment();
    let environment = |name: &str| {
        required
            .contains(&name)
            .then(|| std::env::var(name).ok())
            .flatten()
    };
    let recorded =
        match suite_init::record(loaded.suite, draft.secret_values(), &environment, print).await {
            Ok(recorded) => recorded,
            Err(error) => {
                eprintln!("error: {}", error_chain(&error));
                return Err(exit::USAGE);
            }
        };

    let mut statuses = Vec::with_capacity(recorded.len());
    let mut failed = Vec::new();
    let mut rejected = Vec::new();
    for entry in &recorded {
        match &entry.outcome {
            RecordedOutcome::Status(401) => {
                rejected.push(format!("{} {}", entry.method, entry.url));
            }
            RecordedOutcome::Status(status) => statuses.push(*status),
            RecordedOutcome::NoResponse { kind, .. } => {
                failed.push(format!("{} {} ({kind})", entry.method, entry.url));
            }
        }
    }
    // A suite that expects 401 would pass exactly when the login fails, which is never what
    // a runbook line means.
    if !rejected.is_empty() {
        eprintln!(
            "error: the server rejected the credentials of {} with 401; nothing was written",
            rejected.join(", ")
        );
        eprintln!(
            "help: check the user and password (from the curl line, or from the environment \
             variable the suite names for a password the curl line left out), and record again \
             only once they work: each rejected login counts toward the account's lockout"
        );
        return Err(exit::FAILED);
    }
    if !failed.is_empty() {
        eprintln!(
            "error: no response to {}; nothing was written",
            failed.join(", ")
        );
        eprintln!(
            "help: fix the connection and run the command again, or leave out --record to \
             write the suite without sending anything"
        );
        return Err(exit::FAILED);
    }
    Ok(statuses)
}

/// Loads the generated text as `gatecheck validate` would. A failure is a bug in gatecheck,
/// not in the user's input, so it is reported as one.
fn verify(path: &Path, text: &str) -> Result<Loaded, u8> {
    let load_path = if path.as_os_str() == "-" {
        PathBuf::from("gatecheck.yaml")
    } else {
        path.to_path_buf()
    };
    load_str(&load_path, text).map_err(|error| {
        eprintln!("{error}");
        eprintln!(
            "error: the suite that gatecheck init generated is invalid, which is a bug in \
             gatecheck; nothing was written. Please report it with the command line, leaving \
             out the password."
        );
        exit::INTERNAL
    })
}

fn print_next_steps(messages: &Messages, path: &Path, to_stdout: bool, written: &Written) {
    let checks = match written.checks {
        1 => "1 check".to_string(),
        count => format!("{count} checks"),
    };
    let shown = if to_stdout {
        "FILE".to_string()
    } else {
        let display = path.display().to_string();
        shlex::try_quote(&display).map_or(display.clone(), |quoted| quoted.into_owned())
    };
    if to_stdout {
        messages.say(&format!(
            "next: save the suite ({checks}) to a file, then run gatecheck validate FILE"
        ));
    } else {
        messages.say(&format!("wrote {} with {checks}", path.display()));
        messages.say(&format!("next: gatecheck validate {shown}"));
    }
    let run = format!("gatecheck run {shown}");
    match written.required_env.as_slice() {
        [] => messages.say(&format!("then: {run}")),
        required => messages.say(&format!(
            "then: set {} in the environment and run {run}",
            join_names(required)
        )),
    }
    match written.optional_env.as_slice() {
        [] => {}
        [one] => messages.say(&format!("      {one} overrides the default in the file")),
        several => messages.say(&format!(
            "      {} override the defaults in the file",
            join_names(several)
        )),
    }
}

/// Joins `A`, `B` and `C` as "A, B and C".
fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The destination of progress and next-step lines: stdout, unless the suite itself goes
/// there.
struct Messages {
    to_stderr: bool,
}

impl Messages {
    fn say(&self, line: &str) {
        if self.to_stderr {
            eprintln!("{line}");
        } else {
            super::print_flush(&format!("{line}\n"));
        }
    }
}
