//! The merged JSON report: the runs of one suite from several vantages, with the comparison
//! across them.
//!
//! Like the single-run report, it is read by other tools, so field names and meanings are
//! stable within a [`FORMAT_VERSION`]. The JSON Schema is `schemas/merged.schema.json`; each
//! entry of `runs` is a complete single-run report as `schemas/results.schema.json` describes.

use serde::{Deserialize, Serialize};

use crate::results::{Diagnosis, Outcome, RunResults, SuiteInfo, Summary};

/// The value of the `format` field, identifying a merged gatecheck report.
pub const FORMAT: &str = "gatecheck-merged";

/// Incremented when a field changes meaning or disappears. New optional fields do not
/// change it.
pub const FORMAT_VERSION: u32 = 1;

/// Runs of one suite from several vantages, in vantage order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MergedResults {
    pub format: String,
    pub format_version: u32,
    pub gatecheck_version: String,
    /// The suite, as the first run records it.
    pub suite: SuiteInfo,
    /// The suite file whose hint rules chose the diagnoses, or `None` when no suite file was
    /// found and each run keeps the diagnoses it recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite_file: Option<String>,
    pub order: VantageOrder,
    /// Remarks for the reader, such as why the diagnoses were not re-evaluated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// One entry per run, in vantage order.
    pub vantages: Vec<VantageRun>,
    /// One row per check, in suite order, with one cell per vantage.
    pub matrix: Vec<MatrixRow>,
    pub diagnosis: CrossVantageDiagnosis,
    /// The runs in vantage order, with the diagnoses chosen from the outcomes at every vantage.
    pub runs: Vec<RunResults>,
}

impl MergedResults {
    /// True when no check failed or errored at any vantage.
    pub fn is_success(&self) -> bool {
        self.runs.iter().all(|run| run.summary.is_success())
    }
}

/// The rule that put the runs in order.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VantageOrder {
    /// The order of the suite's `vantages` list.
    Suite,
    /// The order the results files were given in, because no suite file was found.
    Given,
}

/// One run in the merged report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct VantageRun {
    pub name: String,
    /// The machine that ran the checks.
    pub host: String,
    pub target: String,
    /// The results file the run was read from, as given on the command line.
    pub source: String,
    pub summary: Summary,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MatrixRow {
    pub id: String,
    pub name: String,
    /// One cell per vantage, in vantage order.
    pub cells: Vec<MatrixCell>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MatrixCell {
    pub vantage: String,
    /// `None` when the run at this vantage has no result for the check, for example because
    /// it ran an older version of the suite or was limited with `--check`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The status code, the error kind, or `not run`, as the single-run reports show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub got: Option<String>,
}

/// The vantage to look at first, and the relation of each failure to the vantages before it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CrossVantageDiagnosis {
    /// The first vantage, in order, with a failed or errored check; `None` when every check
    /// passed or was skipped everywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_failing_vantage: Option<String>,
    /// Every failed or errored check, in vantage order and then suite order.
    pub findings: Vec<Finding>,
}

/// A failed or errored check at one vantage, compared with the vantages before it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Finding {
    pub vantage: String,
    pub check: String,
    /// `failed` or `error`.
    pub outcome: Outcome,
    /// The status code or error kind.
    pub got: String,
    pub relation: Relation,
    /// The vantage the relation refers to: where the check passed (`new`) or first failed
    /// (`repeated`). `None` for `first`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compared_with: Option<String>,
    pub hop: Hop,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
}

/// The relation of a failure to the outcomes of the same check at earlier vantages.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// No earlier vantage has a passed, failed or errored result for the check.
    First,
    /// The check passed at an earlier vantage and failed at none: what differs is the path
    /// from this vantage.
    New,
    /// The check also failed or errored at an earlier vantage, which is where to fix it first.
    Repeated,
}

/// The part of the path from a vantage to the API that a failure points at.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Hop {
    /// No HTTP response arrived: the network between the vantage and the gateway (DNS,
    /// routing, firewall, TLS).
    Network,
    /// A response arrived that differs from the one an earlier vantage got: a firewall,
    /// reverse proxy or the gateway on this vantage's path.
    Gateway,
    /// A response arrived and no earlier vantage did better: the API behind the gateway, or
    /// its settings.
    Api,
}

/// Renders the merged results as pretty-printed JSON with a trailing line break.
pub fn render(merged: &MergedResults) -> String {
    let mut text = serde_json::to_string_pretty(merged)
        .expect("merged results have only string map keys, so serializing them cannot fail");
    text.push('\n');
    text
}
