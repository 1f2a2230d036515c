//! Combining the JSON results of one suite, run from several vantages on different machines,
//! into one report.
//!
//! The runs are put in the suite's vantage order, and each failure gets its diagnosis again,
//! this time with the outcomes of the same check at the other vantages, so that hint rules with
//! `after_passed` and `after_failed` can match. Then every failure is compared with the
//! vantages before it ([`analysis`]), which is what the merged reports show.

pub mod analysis;
pub mod format;
pub mod markdown;
mod mermaid;

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use crate::diagnose::{Evidence, History, diagnose};
use crate::error_kind::ErrorKind;
use crate::report::json::JsonReportError;
use crate::results::{Outcome, RunResults};
use crate::suite::{LoadError, Suite, load_file};

use format::{MergedResults, VantageOrder, VantageRun};

/// A problem with the files given to `gatecheck merge`. Each variant about a file names it.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no results files given; pass the JSON results of at least one run")]
    NoInputs,
    #[error("cannot read results file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid results file {}", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: JsonReportError,
    },
    #[error(
        "{} and {} are results of different suites: {first} and {second}; merge only the results of one suite and version",
        first_path.display(),
        second_path.display()
    )]
    DifferentSuites {
        first_path: PathBuf,
        first: String,
        second_path: PathBuf,
        second: String,
    },
    #[error(
        "{} and {} are both from vantage `{vantage}` (hosts `{first_host}` and `{second_host}`); merge one run per vantage",
        first_path.display(),
        second_path.display()
    )]
    SameVantage {
        vantage: String,
        first_path: PathBuf,
        first_host: String,
        second_path: PathBuf,
        second_host: String,
    },
    #[error("invalid suite file {}", path.display())]
    Suite {
        path: PathBuf,
        #[source]
        source: Box<LoadError>,
    },
    #[error(
        "suite file {} is {suite}, but {} holds results of {results}; pass the suite file the runs used",
        suite_path.display(),
        results_path.display()
    )]
    SuiteMismatch {
        suite_path: PathBuf,
        suite: String,
        results_path: PathBuf,
        results: String,
    },
    #[error(
        "{} is from vantage `{vantage}`, which suite file {} does not define (its vantages: {known})",
        results_path.display(),
        suite_path.display()
    )]
    UnknownVantage {
        results_path: PathBuf,
        vantage: String,
        suite_path: PathBuf,
        known: String,
    },
}

/// One results file as read.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    pub results: RunResults,
}

/// Reads and parses each results file, in the order given.
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, MergeError> {
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|source| MergeError::Read {
                path: path.clone(),
                source,
            })?;
            let results =
                crate::report::json::parse(&text).map_err(|source| MergeError::Parse {
                    path: path.clone(),
                    source,
                })?;
            Ok(Input {
                path: path.clone(),
                results,
            })
        })
        .collect()
}

/// Checks that the inputs are runs of one suite and version, each from a different vantage.
pub fn check_inputs(inputs: &[Input]) -> Result<(), MergeError> {
    let Some(first) = inputs.first() else {
        return Ok(());
    };
    for other in &inputs[1..] {
        if !same_suite(&first.results, &other.results) {
            return Err(MergeError::DifferentSuites {
                first_path: first.path.clone(),
                first: describe_suite(
                    &first.results.suite.id,
                    first.results.suite.version.as_deref(),
                ),
                second_path: other.path.clone(),
                second: describe_suite(
                    &other.results.suite.id,
                    other.results.suite.version.as_deref(),
                ),
            });
        }
    }
    for (index, input) in inputs.iter().enumerate() {
        let vantage = &input.results.vantage.name;
        if let Some(earlier) = inputs[..index]
            .iter()
            .find(|earlier| &earlier.results.vantage.name == vantage)
        {
            return Err(MergeError::SameVantage {
                vantage: vantage.clone(),
                first_path: earlier.path.clone(),
                first_host: earlier.results.host.clone(),
                second_path: input.path.clone(),
                second_host: input.results.host.clone(),
            });
        }
    }
    Ok(())
}

fn same_suite(first: &RunResults, second: &RunResults) -> bool {
    first.suite.id == second.suite.id && first.suite.version == second.suite.version
}

fn describe_suite(id: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => format!("suite `{id}` version {version}"),
        None => format!("suite `{id}` without a version"),
    }
}

/// The suite file for ordering the runs and re-evaluating their diagnoses, if one was found.
pub struct SuiteChoice {
    pub suite: Option<Suite>,
    /// Notes for the reports: the reason no suite file is used, or which recorded file was skipped.
    pub notes: Vec<String>,
}

/// Loads the suite file: `explicit` when given, which must match the results, else the first
/// `suite.path` recorded in the results that exists here.
///
/// A recorded path is relative to where `gatecheck run` ran, which is usually the checkout of
/// the same repository, so it is tried relative to the current folder. A recorded file that
/// fails to load or contains another suite or version is skipped with a note rather than an
/// error, because the user did not name it.
pub fn choose_suite(explicit: Option<&Path>, inputs: &[Input]) -> Result<SuiteChoice, MergeError> {
    if let Some(path) = explicit {
        let suite = load_suite(path)?;
        if let Some(input) = inputs
            .iter()
            .find(|input| !suite_matches(&suite, &input.results))
        {
            return Err(MergeError::SuiteMismatch {
                suite_path: path.to_path_buf(),
                suite: describe_suite(&suite.id, suite.version.as_deref()),
                results_path: input.path.clone(),
                results: describe_suite(
                    &input.results.suite.id,
                    input.results.suite.version.as_deref(),
                ),
            });
        }
        return Ok(SuiteChoice {
            suite: Some(suite),
            notes: Vec::new(),
        });
    }

    let mut notes = Vec::new();
    let mut tried: Vec<&str> = Vec::new();
    for input in inputs {
        let recorded = input.results.suite.path.as_str();
        if recorded.is_empty() || tried.contains(&recorded) {
            continue;
        }
        tried.push(recorded);
        let path = Path::new(recorded);
        if !path.is_file() {
            continue;
        }
        match load_suite(path) {
            Ok(suite) if inputs.iter().all(|input| suite_matches(&suite, &input.results)) => {
                return Ok(SuiteChoice {
                    suite: Some(suite),
                    notes,
                });
            }
            Ok(suite) => notes.push(format!(
                "The suite file `{recorded}` recorded in the results is now {}, not the version the runs used, so it was not used.",
                describe_suite(&suite.id, suite.version.as_deref())
            )),
            Err(_) => notes.push(format!(
                "The suite file `{recorded}` recorded in the results does not load, so it was not used; `gatecheck validate {recorded}` shows why."
            )),
        }
    }
    notes.push(
        "No suite file was found, so the runs are in the order given and each keeps the diagnoses it recorded. Pass `--suite PATH` to order them by the suite's vantages and to diagnose each failure with the outcomes at the other vantages."
            .to_string(),
    );
    Ok(SuiteChoice { suite: None, notes })
}

fn load_suite(path: &Path) -> Result<Suite, MergeError> {
    load_file(path)
        .map(|loaded| loaded.suite)
        .map_err(|source| MergeError::Suite {
            path: path.to_path_buf(),
            source: Box::new(source),
        })
}

fn suite_matches(suite: &Suite, results: &RunResults) -> bool {
    suite.id == results.suite.id && suite.version == results.suite.version
}

/// Puts the runs in order, chooses each failure's diagnosis again with the outcomes at every
/// vantage, and compares the vantages.
///
/// With a suite, the runs follow its `vantages` list, and a run from a vantage the suite does
/// not define is an error. Without one, they stay in the order given and keep their recorded
/// diagnoses.
pub fn combine(
    mut inputs: Vec<Input>,
    suite: Option<&Suite>,
    suite_path: Option<&Path>,
    mut notes: Vec<String>,
) -> Result<MergedResults, MergeError> {
    let Some(first_suite) = inputs.first().map(|input| input.results.suite.clone()) else {
        return Err(MergeError::NoInputs);
    };
    let order = match suite {
        Some(suite) => {
            let mut positions = Vec::with_capacity(inputs.len());
            for input in &inputs {
                let vantage = &input.results.vantage.name;
                match suite.vantages.iter().position(|v| &v.name == vantage) {
                    Some(position) => positions.push(position),
                    None => {
                        let known: Vec<String> = suite
                            .vantages
                            .iter()
                            .map(|v| format!("`{}`", v.name))
                            .collect();
                        return Err(MergeError::UnknownVantage {
                            results_path: input.path.clone(),
                            vantage: vantage.clone(),
                            suite_path: suite_path
                                .map_or_else(|| suite.path.clone(), Path::to_path_buf),
                            known: known.join(", "),
                        });
                    }
                }
            }
            let mut keyed: Vec<(usize, Input)> = positions.into_iter().zip(inputs).collect();
            keyed.sort_by_key(|(position, _)| *position);
            inputs = keyed.into_iter().map(|(_, input)| input).collect();
            VantageOrder::Suite
        }
        None => VantageOrder::Given,
    };

    for input in &inputs {
        if let Some(reason) = &input.results.stopped {
            notes.push(format!(
                "The run at vantage `{}` stopped early ({reason}); the checks it did not finish are skipped.",
                input.results.vantage.name
            ));
        }
    }
    let mut runs: Vec<RunResults> = inputs.iter().map(|input| input.results.clone()).collect();
    if let Some(suite) = suite {
        notes.extend(rediagnose(&mut runs, suite));
    }

    let vantages = inputs
        .iter()
        .map(|input| VantageRun {
            name: input.results.vantage.name.clone(),
            host: input.results.host.clone(),
            target: input.results.target.clone(),
            source: input.path.display().to_string(),
            summary: input.results.summary,
        })
        .collect();

    Ok(MergedResults {
        format: format::FORMAT.to_string(),
        format_version: format::FORMAT_VERSION,
        gatecheck_version: env!("CARGO_PKG_VERSION").to_string(),
        suite: first_suite,
        suite_file: suite_path.map(|path| path.display().to_string()),
        order,
        notes,
        vantages,
        matrix: analysis::matrix(&runs, suite),
        diagnosis: analysis::compare(&runs),
        runs,
    })
}

/// Chooses the diagnosis of every failed or errored check again, with the outcomes at all
/// vantages as history, and returns notes about checks the suite no longer has.
///
/// The evidence is what the results file kept: the status, the error kind, and the body
/// excerpt. The excerpt is the start of the body with secrets masked, so a `body` condition
/// that matches further into the body, or on a secret value, does not match here.
fn rediagnose(runs: &mut [RunResults], suite: &Suite) -> Vec<String> {
    let history = History::from_runs(runs);
    let mut notes = Vec::new();
    for run in runs.iter_mut() {
        let vantage = run.vantage.name.clone();
        for result in &mut run.checks {
            if !matches!(result.outcome, Outcome::Failed | Outcome::Error) {
                continue;
            }
            let Some(check) = suite.checks.iter().find(|check| check.id == result.id) else {
                notes.push(format!(
                    "Check `{}` at vantage `{vantage}` is not in the suite file, so it keeps the diagnosis it recorded.",
                    result.id
                ));
                continue;
            };
            let evidence = Evidence {
                status: result.response.as_ref().map(|response| response.status),
                error: result
                    .error
                    .as_ref()
                    .map(|error| ErrorKind::from_str(&error.kind).unwrap_or(ErrorKind::Other)),
                body: result
                    .response
                    .as_ref()
                    .and_then(|response| response.body_excerpt.as_deref()),
                history: &history,
            };
            result.diagnosis = Some(diagnose(check, &suite.hints, &vantage, &evidence));
        }
    }
    notes
}
