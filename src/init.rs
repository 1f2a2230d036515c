//! New suite files for `gatecheck init`: a commented starter suite, or one check per curl
//! command line, optionally with the status each request gets when sent once.

pub mod curl;
mod draft;
mod render;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use draft::{BasicAuth, CheckDraft, Draft, Expectation, Variable};

use crate::run::{self, ClientError, Clients, PlanError, RunOptions};
use crate::suite::Suite;

/// The JSON schema of suite files, named in the first line of each new suite so that editors
/// with the YAML language server complete and check keys.
pub const SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/gatecheck/gatecheck/main/schemas/suite.schema.json";

/// Returns the text of a starter suite named `name`.
pub fn starter_suite(name: &str) -> String {
    render::starter(name)
}

/// Returns the text of `draft`, made from `curl_lines` curl command lines.
pub fn render_draft(draft: &Draft, curl_lines: usize) -> String {
    render::render(draft, curl_lines)
}

/// The outcome of one request that [`record`] sent.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// With secrets masked.
    pub url: String,
    pub outcome: RecordedOutcome,
    pub duration_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordedOutcome {
    Status(u16),
    /// No response arrived: the error kind (such as `connect.refused`) and the message.
    NoResponse {
        kind: String,
        message: String,
    },
}

/// A failure to prepare the requests that [`record`] sends.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Sends each check of `suite` once, one after the other, and calls `on_request` for each as
/// it finishes. `secrets` contains the values of the secret variables that the curl lines
/// gave. A secret they left out, such as the password of `curl -u user`, comes from
/// `environment`. Every other variable takes its default rather than the environment, so the
/// requests go where the curl lines sent them.
///
/// Nothing is retried, because each rejected login counts toward an account's lockout.
pub async fn record(
    suite: Suite,
    secrets: Vec<(String, String)>,
    environment: &dyn Fn(&str) -> Option<String>,
    mut on_request: impl FnMut(&Recorded),
) -> Result<Vec<Recorded>, RecordError> {
    let options = RunOptions {
        vars: secrets,
        concurrency: 1,
        ..RunOptions::default()
    };
    let plan = run::plan(&suite, &options, environment)?;
    let clients = Clients::new(plan.client_settings(), plan.concurrency)?;
    let mut recorded = Vec::with_capacity(suite.checks.len());
    run::execute(
        Arc::new(suite),
        plan,
        clients,
        run::stop::Stop::never(),
        |result: &crate::results::CheckResult| {
            let outcome = match (&result.response, &result.error) {
                (Some(response), _) => RecordedOutcome::Status(response.status),
                (None, Some(error)) => RecordedOutcome::NoResponse {
                    kind: error.kind.clone(),
                    message: error.message.clone(),
                },
                (None, None) => RecordedOutcome::NoResponse {
                    kind: crate::error_kind::ErrorKind::Other.to_string(),
                    message: format!("the check ended as {:?} without a response", result.outcome),
                },
            };
            let entry = Recorded {
                method: result.request.method.clone(),
                url: result.request.url.clone(),
                outcome,
                duration_ms: result.duration_ms,
            };
            on_request(&entry);
            recorded.push(entry);
        },
    )
    .await;
    Ok(recorded)
}

/// Returns the path to write as `tls.ca_file` in a suite at `suite_path`. curl reads
/// `ca_file` relative to `current_dir`, and the suite loader reads the result relative to the
/// suite's folder. A file outside that folder gets an absolute path.
pub fn ca_file_for_suite(ca_file: &Path, suite_path: &Path, current_dir: &Path) -> PathBuf {
    if ca_file.is_absolute() {
        return ca_file.to_path_buf();
    }
    let suite_folder = match suite_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => return ca_file.to_path_buf(),
    };
    let absolute_ca = current_dir.join(ca_file);
    let absolute_folder = current_dir.join(suite_folder);
    match absolute_ca.strip_prefix(&absolute_folder) {
        Ok(relative) => relative.to_path_buf(),
        Err(_) => absolute_ca,
    }
}

/// Returns today's date in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::now_utc()
        .date()
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_file_inside_suite_folder() {
        let path = ca_file_for_suite(
            Path::new("suites/ca.pem"),
            Path::new("suites/ise.yaml"),
            Path::new("/work"),
        );
        assert_eq!(path, PathBuf::from("ca.pem"));
    }

    #[test]
    fn ca_file_outside_suite_folder() {
        let path = ca_file_for_suite(
            Path::new("ca.pem"),
            Path::new("suites/ise.yaml"),
            Path::new("/work"),
        );
        assert_eq!(path, PathBuf::from("/work/ca.pem"));
    }

    #[test]
    fn ca_file_beside_suite() {
        let path = ca_file_for_suite(
            Path::new("ca.pem"),
            Path::new("ise.yaml"),
            Path::new("/work"),
        );
        assert_eq!(path, PathBuf::from("ca.pem"));
    }
}
