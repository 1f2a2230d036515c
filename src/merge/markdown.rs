//! The merged Markdown report: a check × vantage matrix, the diagnosis in vantage order, a
//! Mermaid diagram of each vantage's path, then each run's own section as the single-run
//! report writes it.

use std::fmt::Write as _;

use crate::report::markdown::{Cell, code, format_counts, inline, write_run};
use crate::results::{Outcome, RunResults};

use super::format::{Finding, MergedResults, Relation, VantageOrder};
use super::mermaid;

/// The legend printed under the matrix.
pub const LEGEND: &str = "✅ passed · ❌ failed: a response arrived but an expectation did \
     not hold · ⚠️ error: no response arrived · ⏭️ skipped: not sent · — not in that run";

/// Renders the whole merged report.
pub fn render(merged: &MergedResults) -> String {
    let mut text = format!(
        "# gatecheck report: {}, {}\n\n",
        inline(&merged.suite.name),
        vantage_count(merged.runs.len())
    );
    write_overview(&mut text, merged);
    for note in &merged.notes {
        let _ = writeln!(text, "> **Note:** {}\n", inline(note));
    }
    write_matrix(&mut text, merged);
    write_diagnosis(&mut text, merged);
    write_paths(&mut text, merged);
    for run in &merged.runs {
        write_run(&mut text, run).expect("writing to a String cannot fail");
    }

    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    text.push('\n');
    text
}

fn vantage_count(count: usize) -> String {
    if count == 1 {
        "1 vantage".to_string()
    } else {
        format!("{count} vantages")
    }
}

fn write_overview(text: &mut String, merged: &MergedResults) {
    let suite = &merged.suite;
    let mut suite_cell = format!("{} ({}", inline(&suite.name), code(&suite.id, Cell::Yes));
    if let Some(version) = &suite.version {
        let _ = write!(suite_cell, ", version {}", inline(version));
    }
    suite_cell.push(')');

    let names: Vec<String> = merged
        .runs
        .iter()
        .map(|run| code(&run.vantage.name, Cell::Yes))
        .collect();
    let order = match merged.order {
        VantageOrder::Suite => "in the suite's order",
        VantageOrder::Given => "in the order given",
    };
    let vantages_cell = format!("{} ({order})", names.join(" → "));

    let result_cell = match &merged.diagnosis.first_failing_vantage {
        None => "✅ passed at every vantage".to_string(),
        Some(vantage) => format!(
            "❌ failed; first failing vantage: {}",
            code(vantage, Cell::Yes)
        ),
    };
    let hints_cell = match &merged.suite_file {
        Some(path) => format!(
            "chosen with the outcomes at every vantage, from {}",
            code(path, Cell::Yes)
        ),
        None => "as each run recorded them".to_string(),
    };

    text.push_str("| Property | Value |\n|---|---|\n");
    let _ = writeln!(text, "| Suite | {suite_cell} |");
    let _ = writeln!(text, "| Vantages | {vantages_cell} |");
    let _ = writeln!(text, "| Result | {result_cell} |");
    let _ = writeln!(text, "| Diagnoses | {hints_cell} |");
    let _ = writeln!(
        text,
        "| gatecheck | {} |",
        inline(&merged.gatecheck_version)
    );
    text.push('\n');
}

fn write_matrix(text: &mut String, merged: &MergedResults) {
    text.push_str("## Results by vantage\n\n");
    let mut header = String::from("| Check |");
    let mut rule = String::from("|---|");
    for run in &merged.runs {
        let _ = write!(header, " {} |", code(&run.vantage.name, Cell::Yes));
        rule.push_str("---|");
    }
    let _ = writeln!(text, "{header}\n{rule}");
    for row in &merged.matrix {
        let mut line = format!("| {} {} |", code(&row.id, Cell::Yes), inline(&row.name));
        for cell in &row.cells {
            let content = match (cell.outcome, &cell.got) {
                (Some(Outcome::Skipped), _) => "⏭️ skipped".to_string(),
                (Some(outcome), Some(got)) => format!("{} {}", mark(outcome), code(got, Cell::Yes)),
                _ => "—".to_string(),
            };
            let _ = write!(line, " {content} |");
        }
        let _ = writeln!(text, "{line}");
    }
    let _ = writeln!(text, "\n{LEGEND}\n");

    text.push_str("| Vantage | Host | Target | Result | Results file |\n|---|---|---|---|---|\n");
    for vantage in &merged.vantages {
        let summary = &vantage.summary;
        // A vantage where every check was skipped proves nothing, so it is not marked passed.
        let verdict = if summary.passed == 0 && summary.is_success() {
            "⏭️"
        } else if summary.is_success() {
            "✅"
        } else {
            "❌"
        };
        let target = if vantage.target.is_empty() {
            "—".to_string()
        } else {
            code(&vantage.target, Cell::Yes)
        };
        let _ = writeln!(
            text,
            "| {} | {} | {target} | {verdict} {} | {} |",
            code(&vantage.name, Cell::Yes),
            code(&vantage.host, Cell::Yes),
            format_counts(&vantage.summary),
            code(&vantage.source, Cell::Yes)
        );
    }
    text.push('\n');
}

fn mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "✅",
        Outcome::Failed => "❌",
        Outcome::Error => "⚠️",
        Outcome::Skipped => "⏭️",
    }
}

fn write_diagnosis(text: &mut String, merged: &MergedResults) {
    text.push_str("## Diagnosis across vantages\n\n");
    let diagnosis = &merged.diagnosis;
    let Some(first_failing) = &diagnosis.first_failing_vantage else {
        text.push_str("Every check passed or was skipped at every vantage.\n\n");
        return;
    };
    let _ = writeln!(
        text,
        "**First failing vantage: {} — look here first.** Later vantages are worth diagnosing once it passes, because their paths include more of the network.\n",
        code(first_failing, Cell::No)
    );

    for (index, run) in merged.runs.iter().enumerate() {
        let findings: Vec<&Finding> = diagnosis
            .findings
            .iter()
            .filter(|finding| finding.vantage == run.vantage.name)
            .collect();
        let _ = write!(text, "{}. {}", index + 1, code(&run.vantage.name, Cell::No));
        if &run.vantage.name == first_failing {
            text.push_str(" (first failing vantage)");
        }
        if findings.is_empty() {
            let mark = if run.summary.passed == 0 {
                "⏭️ nothing ran:"
            } else {
                "✅"
            };
            let _ = writeln!(text, ": {mark} {}", format_counts(&run.summary));
            continue;
        }
        text.push_str(":\n");
        for finding in findings {
            write_finding(text, run, finding);
        }
    }
    text.push('\n');
}

fn write_finding(text: &mut String, run: &RunResults, finding: &Finding) {
    let name = run
        .checks
        .iter()
        .find(|check| check.id == finding.check)
        .map_or(String::new(), |check| format!(" {}", inline(&check.name)));
    let got = match finding.outcome {
        Outcome::Error => format!("no response, {}", code(&finding.got, Cell::No)),
        _ => format!("got {}", code(&finding.got, Cell::No)),
    };
    let _ = write!(
        text,
        "   - {} {}{name}: {got}. ",
        mark(finding.outcome),
        code(&finding.check, Cell::No)
    );
    let vantage = code(&finding.vantage, Cell::No);
    match (finding.relation, &finding.compared_with) {
        (Relation::New, Some(passed_at)) => {
            let _ = write!(
                text,
                "It passed at {}, so the difference is the path from {vantage}.",
                code(passed_at, Cell::No)
            );
        }
        (Relation::Repeated, Some(failed_at)) => {
            let _ = write!(
                text,
                "It also fails at {}: fix it there first.",
                code(failed_at, Cell::No)
            );
        }
        _ => text.push_str("No earlier vantage ran it to compare."),
    }
    if let Some(diagnosis) = &finding.diagnosis {
        let _ = write!(
            text,
            " Diagnosis: **{}** ({})",
            inline(&diagnosis.title),
            code(&diagnosis.id, Cell::No)
        );
    }
    text.push('\n');
}

fn write_paths(text: &mut String, merged: &MergedResults) {
    text.push_str("## Paths\n\n");
    text.push_str(
        "Each vantage's path to the checked APIs. A thick red link marks the hop a failure \
         points at: from the vantage to the gateway when no response arrived, into the gateway \
         when a check failed that passed at an earlier vantage, and to the API otherwise.\n\n",
    );
    let chart = mermaid::flowchart(&merged.runs, &merged.diagnosis);
    let _ = writeln!(text, "```mermaid\n{chart}```\n");
}
