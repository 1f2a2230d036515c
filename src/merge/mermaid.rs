//! A Mermaid flowchart of each vantage's path: vantage → firewall / gateway → each checked API,
//! with the hop that a failure points at drawn thick and red.
//!
//! GitHub, GitLab and many wikis render `mermaid` code blocks as diagrams; elsewhere the block
//! stays readable as text.

use std::fmt::Write as _;

use crate::results::{Outcome, RunResults};

use super::format::{CrossVantageDiagnosis, Finding, Hop};

/// Node styles, one per outcome. The colours keep the contrast of text on them above 4.5:1.
const CLASS_DEFS: [&str; 5] = [
    "classDef vantage fill:#e3f2fd,stroke:#1565c0,color:#0d47a1",
    "classDef passed fill:#e8f5e9,stroke:#2e7d32,color:#1b5e20",
    "classDef failed fill:#ffebee,stroke:#c62828,color:#b71c1c,stroke-width:3px",
    "classDef error fill:#fff8e1,stroke:#e65100,color:#bf360c,stroke-width:3px",
    "classDef skipped fill:#f5f5f5,stroke:#9e9e9e,color:#424242",
];

const FAILING_LINK: &str = "stroke:#c62828,stroke-width:3px";

/// Renders the flowchart, without the surrounding code fence.
pub fn flowchart(runs: &[RunResults], diagnosis: &CrossVantageDiagnosis) -> String {
    let mut chart = String::from("flowchart LR\n");
    let mut links = 0_usize;
    let mut failing_links = Vec::new();
    let mut classes: Vec<(String, &'static str)> = Vec::new();

    for (index, run) in runs.iter().enumerate() {
        let vantage_node = format!("v{index}");
        let gateway_node = format!("v{index}_gateway");
        let findings: Vec<&Finding> = diagnosis
            .findings
            .iter()
            .filter(|finding| finding.vantage == run.vantage.name)
            .collect();
        let unreached = findings.iter().any(|finding| finding.hop == Hop::Network);
        let gateway_blamed = findings.iter().any(|finding| finding.hop == Hop::Gateway);

        let _ = writeln!(
            chart,
            "  {vantage_node}([\"{}\"])",
            label(&run.vantage.name)
        );
        classes.push((vantage_node.clone(), "vantage"));
        let mut gateway_label = "firewall / gateway".to_string();
        if !run.target.is_empty() {
            gateway_label.push_str("<br/>");
            gateway_label.push_str(&label(&run.target));
        }
        let _ = writeln!(chart, "  {gateway_node}{{{{\"{gateway_label}\"}}}}");
        let gateway_class = match (unreached, gateway_blamed) {
            (true, _) => "error",
            (false, true) => "failed",
            (false, false) => "passed",
        };
        classes.push((gateway_node.clone(), gateway_class));

        if unreached {
            let _ = writeln!(chart, "  {vantage_node} ==>|no response| {gateway_node}");
            failing_links.push(links);
        } else {
            let _ = writeln!(chart, "  {vantage_node} --> {gateway_node}");
        }
        links += 1;

        for (check_index, check) in run.checks.iter().enumerate() {
            let check_node = format!("v{index}_c{check_index}");
            let mark = match check.outcome {
                Outcome::Passed => "✅",
                Outcome::Failed => "❌",
                Outcome::Error => "⚠️",
                Outcome::Skipped => "⏭️",
            };
            let _ = writeln!(
                chart,
                "  {check_node}[\"{}<br/>{mark} {}\"]",
                label(&check.id),
                label(&check.got())
            );
            classes.push((check_node.clone(), check.outcome.as_str()));

            let finding = findings.iter().find(|finding| finding.check == check.id);
            match (check.outcome, finding.map(|finding| finding.hop)) {
                (Outcome::Failed, Some(Hop::Gateway | Hop::Api)) => {
                    let _ = writeln!(chart, "  {gateway_node} ==> {check_node}");
                    failing_links.push(links);
                }
                (Outcome::Passed | Outcome::Failed, _) => {
                    let _ = writeln!(chart, "  {gateway_node} --> {check_node}");
                }
                // No request reached the API, so the link is drawn dotted.
                (Outcome::Error | Outcome::Skipped, _) => {
                    let _ = writeln!(chart, "  {gateway_node} -.-> {check_node}");
                }
            }
            links += 1;
        }
    }

    for class_def in CLASS_DEFS {
        let _ = writeln!(chart, "  {class_def}");
    }
    for class in ["vantage", "passed", "failed", "error", "skipped"] {
        let nodes: Vec<&str> = classes
            .iter()
            .filter(|(_, node_class)| *node_class == class)
            .map(|(node, _)| node.as_str())
            .collect();
        if !nodes.is_empty() {
            let _ = writeln!(chart, "  class {} {class}", nodes.join(","));
        }
    }
    if !failing_links.is_empty() {
        let indexes: Vec<String> = failing_links.iter().map(ToString::to_string).collect();
        let _ = writeln!(chart, "  linkStyle {} {FAILING_LINK}", indexes.join(","));
    }
    chart
}

/// Escapes text for a quoted Mermaid label. Mermaid reads `#name;` as an entity, HTML in
/// labels as markup, and a leading backtick as Markdown, so those characters become entity
/// codes. Line breaks become spaces.
fn label(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '"' => escaped.push_str("#quot;"),
            '#' => escaped.push_str("#35;"),
            '<' => escaped.push_str("#lt;"),
            '>' => escaped.push_str("#gt;"),
            '&' => escaped.push_str("#amp;"),
            '`' => escaped.push_str("#96;"),
            '\n' | '\r' | '\t' => escaped.push(' '),
            _ if character.is_control() => escaped.push('\u{fffd}'),
            _ => escaped.push(character),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_escapes_quote_and_markup() {
        assert_eq!(label("a\"<b>#`"), "a#quot;#lt;b#gt;#35;#96;");
    }

    #[test]
    fn label_joins_lines() {
        assert_eq!(label("a\nb"), "a b");
    }
}
