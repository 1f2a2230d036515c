//! Comparing the runs of one suite across vantages: the check × vantage matrix, and how each
//! failure relates to the same check at the vantages before it.
//!
//! The vantages are ordered from the inside out, so the first vantage with a failure is where
//! to look first. Every later vantage's path includes more of the network, and a check that
//! fails from inside usually fails from outside for the same reason.

use crate::results::{CheckResult, Outcome, RunResults};
use crate::suite::Suite;

use super::format::{CrossVantageDiagnosis, Finding, Hop, MatrixCell, MatrixRow, Relation};

/// Builds one row per check, in suite order when a suite is given, else in the order the runs
/// first list them, with one cell per run.
pub fn matrix(runs: &[RunResults], suite: Option<&Suite>) -> Vec<MatrixRow> {
    let mut rows: Vec<MatrixRow> = Vec::new();
    let mut add_row = |id: &str, name: &str| {
        if !rows.iter().any(|row| row.id == id) {
            rows.push(MatrixRow {
                id: id.to_string(),
                name: name.to_string(),
                cells: Vec::new(),
            });
        }
    };
    if let Some(suite) = suite {
        for check in &suite.checks {
            add_row(&check.id, &check.name);
        }
    }
    for run in runs {
        for check in &run.checks {
            add_row(&check.id, &check.name);
        }
    }
    // A check the suite defines but no run has would make an empty row.
    rows.retain(|row| runs.iter().any(|run| find(run, &row.id).is_some()));

    for row in &mut rows {
        row.cells = runs
            .iter()
            .map(|run| {
                let result = find(run, &row.id);
                MatrixCell {
                    vantage: run.vantage.name.clone(),
                    outcome: result.map(|check| check.outcome),
                    got: result.map(CheckResult::got),
                }
            })
            .collect();
    }
    rows
}

/// Finds the first failing vantage and compares every failure with the runs before it.
pub fn compare(runs: &[RunResults]) -> CrossVantageDiagnosis {
    let first_failing_vantage = runs
        .iter()
        .find(|run| !run.summary.is_success())
        .map(|run| run.vantage.name.clone());

    let mut findings = Vec::new();
    for (index, run) in runs.iter().enumerate() {
        let earlier = &runs[..index];
        for check in &run.checks {
            if !is_problem(check.outcome) {
                continue;
            }
            let (relation, compared_with) = relate(&check.id, earlier);
            // A repeated failure points where the first one did, because the cause is the same.
            let inherited = match (relation, &compared_with) {
                (Relation::Repeated, Some(vantage)) => findings
                    .iter()
                    .find(|finding: &&Finding| {
                        &finding.vantage == vantage && finding.check == check.id
                    })
                    .map(|finding| finding.hop),
                _ => None,
            };
            let hop = match (check.outcome, inherited) {
                (Outcome::Error, _) => Hop::Network,
                // A response arrived here, so the network hop is not the one to blame.
                (_, Some(hop)) if hop != Hop::Network => hop,
                _ if relation == Relation::New => Hop::Gateway,
                _ => Hop::Api,
            };
            findings.push(Finding {
                vantage: run.vantage.name.clone(),
                check: check.id.clone(),
                outcome: check.outcome,
                got: check.got(),
                relation,
                compared_with,
                hop,
                diagnosis: check.diagnosis.clone(),
            });
        }
    }
    CrossVantageDiagnosis {
        first_failing_vantage,
        findings,
    }
}

/// Relates a failure of check `id` to the earlier runs. A failure at any of them wins, because
/// that is where to fix it. Otherwise the relation names the nearest earlier vantage where the
/// check passed.
fn relate(id: &str, earlier: &[RunResults]) -> (Relation, Option<String>) {
    let failed_before = earlier
        .iter()
        .find(|run| find(run, id).is_some_and(|check| is_problem(check.outcome)));
    if let Some(run) = failed_before {
        return (Relation::Repeated, Some(run.vantage.name.clone()));
    }
    let passed_before = earlier
        .iter()
        .rev()
        .find(|run| find(run, id).is_some_and(|check| check.outcome == Outcome::Passed));
    match passed_before {
        Some(run) => (Relation::New, Some(run.vantage.name.clone())),
        None => (Relation::First, None),
    }
}

fn is_problem(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Failed | Outcome::Error)
}

fn find<'r>(run: &'r RunResults, id: &str) -> Option<&'r CheckResult> {
    run.checks.iter().find(|check| check.id == id)
}
