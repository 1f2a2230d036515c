use std::path::PathBuf;

use super::run::error_chain;
use super::{MergeArgs, exit, print_flush};
use crate::merge::{self, MergeError, format::MergedResults};
use crate::report::{self, ReportError, ReportPaths};
use crate::secret::Redactor;

pub fn merge(args: MergeArgs) -> u8 {
    let merged = match combine(&args) {
        Ok(merged) => merged,
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            return exit::USAGE;
        }
    };
    print_flush(&summary(&merged));

    match write_reports(&merged, &args) {
        Ok(written) => {
            for path in written {
                print_flush(&format!("wrote {}\n", path.display()));
            }
        }
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            return exit::INTERNAL;
        }
    }
    if merged.is_success() {
        exit::PASSED
    } else {
        exit::FAILED
    }
}

fn combine(args: &MergeArgs) -> Result<MergedResults, MergeError> {
    let inputs = merge::read_inputs(&args.results)?;
    merge::check_inputs(&inputs)?;
    let choice = merge::choose_suite(args.suite.as_deref(), &inputs)?;
    let suite_path = choice.suite.as_ref().map(|suite| suite.path.clone());
    merge::combine(
        inputs,
        choice.suite.as_ref(),
        suite_path.as_deref(),
        choice.notes,
    )
}

/// Formats one line per vantage in order, then the vantage to look at first.
pub(crate) fn summary(merged: &MergedResults) -> String {
    let width = merged
        .vantages
        .iter()
        .map(|vantage| vantage.name.len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for vantage in &merged.vantages {
        let summary = &vantage.summary;
        text.push_str(&format!(
            "{:width$}  {}  ({})\n",
            vantage.name,
            crate::report::text::format_counts(summary),
            vantage.host
        ));
    }
    match &merged.diagnosis.first_failing_vantage {
        Some(vantage) => text.push_str(&format!(
            "first failing vantage: {vantage}; look there first\n"
        )),
        None => text.push_str("every check passed at every vantage\n"),
    }
    for note in &merged.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    text
}

/// Writes the requested reports and returns their paths, in the order JUnit, Markdown, JSON.
fn write_reports(merged: &MergedResults, args: &MergeArgs) -> Result<Vec<PathBuf>, ReportError> {
    let paths = ReportPaths {
        junit: args.junit.clone(),
        markdown: args.markdown.clone(),
        json: args.json.clone(),
    };
    // The results were redacted when each run wrote them, and merging adds only suite text.
    write_merged(merged, &paths, &Redactor::new())
}

/// Writes merged reports: JUnit with a testsuite per vantage, the merged Markdown and the
/// merged JSON. `redactor` masks the Markdown once more, for runs made in this process.
pub(crate) fn write_merged(
    merged: &MergedResults,
    paths: &ReportPaths,
    redactor: &Redactor,
) -> Result<Vec<PathBuf>, ReportError> {
    let junit_only = ReportPaths {
        junit: paths.junit.clone(),
        ..ReportPaths::default()
    };
    let mut written = report::write_reports(&merged.runs, &junit_only, redactor)?;
    if let Some(path) = &paths.markdown {
        let markdown = merge::markdown::render(merged);
        report::write_atomically(path, redactor.redact(&markdown).as_bytes())?;
        written.push(path.clone());
    }
    if let Some(path) = &paths.json {
        report::write_atomically(path, merge::format::render(merged).as_bytes())?;
        written.push(path.clone());
    }
    Ok(written)
}
