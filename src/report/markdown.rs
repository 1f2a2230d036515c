//! The Markdown report, to paste into a change ticket or a pull request.
//!
//! Text from the results is escaped for where it lands: inline text gets backslash escapes,
//! code spans and fenced blocks get a backtick fence longer than any backtick run inside, and
//! table cells lose their line breaks. So no check name or response body can close a table,
//! open a heading or end a code block early. The one exception is a diagnosis explanation,
//! which is Markdown written by the suite author and is included as it is.
//!
//! The layout follows GitHub Flavored Markdown, which GitHub, GitLab and most ticket systems
//! render.

use std::fmt::{self, Write as _};
use std::io;

use super::redacted_lines::RedactedLines;
use super::text::{format_check_count, format_duration, name_beside_id, visible_controls};
use super::tls::tls_lines;

/// Shared with the merged report, which prints the same counts per vantage.
pub(crate) use super::text::format_counts;
use crate::results::{CheckResult, Outcome, ResponseInfo, RunResults};
use crate::secret::Redactor;

/// Renders a document titled after the suites, with one section per run.
pub fn render(runs: &[RunResults]) -> String {
    let mut bytes = Vec::new();
    write(&mut bytes, runs, &Redactor::new()).expect("writing to a Vec cannot fail");
    String::from_utf8(bytes).expect("the report is written from UTF-8 strings only")
}

/// Writes the report that [`render`] returns to `out`, with `redactor` applied to each line.
pub fn write(out: impl io::Write, runs: &[RunResults], redactor: &Redactor) -> io::Result<()> {
    // The writer also trims what the last section ends with to a single line break.
    let mut lines = RedactedLines::new(out, redactor);
    let rendered = write_document(&mut lines, runs);
    lines.finish(rendered)
}

fn write_document(out: &mut impl fmt::Write, runs: &[RunResults]) -> fmt::Result {
    let mut names: Vec<&str> = Vec::new();
    for run in runs {
        if !names.contains(&run.suite.name.as_str()) {
            names.push(&run.suite.name);
        }
    }

    out.write_str("# gatecheck report")?;
    if !names.is_empty() {
        write!(out, ": {}", inline(&names.join(", ")))?;
    }
    out.write_str("\n\n")?;

    if runs.is_empty() {
        out.write_str("No runs.\n")?;
    }
    for run in runs {
        write_run(out, run)?;
    }
    Ok(())
}

/// Writes the section of one run; the merged report reuses it for each vantage's details.
pub(crate) fn write_run(out: &mut impl fmt::Write, run: &RunResults) -> fmt::Result {
    writeln!(
        out,
        "## {}: {} vantage\n",
        inline(&run.suite.name),
        code(&run.vantage.name, Cell::No)
    )?;
    write_overview(out, run)?;
    if let Some(reason) = &run.stopped {
        writeln!(
            out,
            "> ⚠️ **Stopped early:** {}. The checks not finished are reported as skipped.\n",
            inline(reason)
        )?;
    }
    if run.insecure {
        out.write_str(
            "> ⚠️ **INSECURE:** TLS certificate verification was turned off for at least one \
             check, so these results do not show that the server certificates are valid.\n\n",
        )?;
    }
    write_checks_table(out, run)?;

    let problems: Vec<&CheckResult> = run
        .checks
        .iter()
        .filter(|check| matches!(check.outcome, Outcome::Failed | Outcome::Error))
        .collect();
    if !problems.is_empty() {
        out.write_str("### Failures\n\n")?;
        for check in problems {
            write_problem(out, check)?;
        }
    }
    Ok(())
}

fn write_overview(out: &mut impl fmt::Write, run: &RunResults) -> fmt::Result {
    let suite = &run.suite;
    let mut suite_cell = format!("{} ({}", inline(&suite.name), code(&suite.id, Cell::Yes));
    if let Some(version) = &suite.version {
        let _ = write!(suite_cell, ", version {}", inline(version));
    }
    suite_cell.push(')');

    let mut vantage_cell = code(&run.vantage.name, Cell::Yes);
    if let Some(description) = &run.vantage.description {
        let _ = write!(vantage_cell, ": {}", inline(description));
    }

    let target_cell = if run.target.is_empty() {
        "none: each check gives a full URL".to_string()
    } else {
        code(&run.target, Cell::Yes)
    };

    let summary = &run.summary;
    let verdict = if summary.is_success() {
        "✅ passed"
    } else {
        "❌ failed"
    };
    let result_cell = format!(
        "{verdict}: {} ({})",
        format_counts(summary),
        format_check_count(summary.total)
    );

    let mut rows = vec![
        ("Suite", suite_cell),
        ("Target", target_cell),
        ("Vantage", vantage_cell),
    ];
    if let Some(routes) = routes_cell(run) {
        rows.push(("Network", routes));
    }
    rows.extend([
        ("Host", code(&run.host, Cell::Yes)),
        ("Started", inline(&run.started_at)),
        ("Duration", format_duration(run.duration_ms)),
        ("gatecheck", inline(&run.gatecheck_version)),
        ("Result", result_cell),
    ]);
    out.write_str("| Property | Value |\n|---|---|\n")?;
    for (name, value) in rows {
        writeln!(out, "| {name} | {value} |")?;
    }
    out.write_char('\n')?;
    Ok(())
}

/// Summarizes how the checks of a run went out: each distinct proxy, or none, with the setting
/// that chose it and the `connect_to` rule that applied, and how many checks took that route.
/// `None` when no check was sent.
fn routes_cell(run: &RunResults) -> Option<String> {
    let mut routes: Vec<(String, usize)> = Vec::new();
    for check in &run.checks {
        let Some(connection) = &check.connection else {
            continue;
        };
        let mut route = match &connection.proxy {
            Some(proxy) => format!(
                "proxy {} ({})",
                code(proxy, Cell::Yes),
                inline(&connection.proxy_source)
            ),
            None => format!("no proxy ({})", inline(&connection.proxy_source)),
        };
        if let Some(rule) = &connection.connect_to {
            let _ = write!(route, ", connect_to {}", code(rule, Cell::Yes));
        }
        if let Some(rule) = &connection.resolve {
            let _ = write!(route, ", resolve {}", code(rule, Cell::Yes));
        }
        if let Some(address) = &connection.local_address {
            let _ = write!(route, ", from {}", code(address, Cell::Yes));
        }
        match routes.iter_mut().find(|(known, _)| *known == route) {
            Some((_, count)) => *count += 1,
            None => routes.push((route, 1)),
        }
    }
    if routes.is_empty() {
        return None;
    }
    let cells: Vec<String> = routes
        .into_iter()
        .map(|(route, count)| format!("{route}: {}", format_check_count(count)))
        .collect();
    Some(cells.join("; "))
}

fn write_checks_table(out: &mut impl fmt::Write, run: &RunResults) -> fmt::Result {
    out.write_str("### Checks\n\n")?;
    if run.checks.is_empty() {
        out.write_str("The suite has no checks.\n\n")?;
        return Ok(());
    }

    out.write_str("| Check | Result | Expected | Got | Duration |\n|---|---|---|---|---|\n")?;
    for check in &run.checks {
        let mut check_cell = code(&check.id, Cell::Yes);
        let name = name_beside_id(&check.id, &check.name);
        if !name.is_empty() {
            check_cell.push(' ');
            check_cell.push_str(&inline(name));
        }
        if check.insecure {
            check_cell.push_str(" (TLS not verified)");
        }
        let mut result_cell = match check.outcome {
            Outcome::Passed => "✅ passed",
            Outcome::Failed => "❌ failed",
            Outcome::Error => "⚠️ error",
            Outcome::Skipped => "⏭️ skipped",
        }
        .to_string();
        // When the status was right, the Expected and Got columns do not show what failed.
        let others: Vec<&str> = check
            .failures
            .iter()
            .map(|failure| failure.expectation.as_str())
            .collect();
        if check.outcome == Outcome::Failed && !others.is_empty() && !others.contains(&"status") {
            result_cell.push_str(&format!(": {}", inline(&others.join(", "))));
        }
        let mut got_cell = match (check.outcome, &check.skip_reason) {
            (Outcome::Skipped, Some(reason)) => format!("not run: {}", inline(reason)),
            _ => code(&check.got(), Cell::Yes),
        };
        if !check.attempts.is_empty() {
            let earlier: Vec<String> = check
                .attempts
                .iter()
                .map(|attempt| code(&attempt.got, Cell::Yes))
                .collect();
            got_cell.push_str(&format!(
                " (attempt {}; earlier: {})",
                check.attempts.len() + 1,
                earlier.join(", ")
            ));
        }
        if let Some(response) = check.response.as_ref().filter(|r| r.body_truncated) {
            // A pass on a cut body only shows that its start matched.
            got_cell.push_str(&format!(" (body cut at {} bytes)", response.body_bytes));
        }
        let duration_cell = match check.outcome {
            Outcome::Skipped => "—".to_string(),
            _ => format_duration(check.duration_ms),
        };
        writeln!(
            out,
            "| {check_cell} | {result_cell} | {} | {got_cell} | {duration_cell} |",
            code(&check.expected_status, Cell::Yes)
        )?;
    }
    out.write_char('\n')?;
    Ok(())
}

/// Writes the details of one failed or errored check under its own heading.
fn write_problem(out: &mut impl fmt::Write, check: &CheckResult) -> fmt::Result {
    let mark = match check.outcome {
        Outcome::Failed => "❌",
        _ => "⚠️",
    };
    let name = name_beside_id(&check.id, &check.name);
    if name.is_empty() {
        writeln!(out, "#### {mark} {}\n", code(&check.id, Cell::No))?;
    } else {
        writeln!(
            out,
            "#### {mark} {}: {}\n",
            code(&check.id, Cell::No),
            inline(name)
        )?;
    }

    writeln!(out, "- Request: {}", code(&check.request.line(), Cell::No))?;
    if let Some(connection) = &check.connection {
        let proxy = match &connection.proxy {
            Some(proxy) => format!(
                "{} ({})",
                code(proxy, Cell::No),
                inline(&connection.proxy_source)
            ),
            None => format!("none ({})", inline(&connection.proxy_source)),
        };
        writeln!(out, "- Proxy: {proxy}")?;
        if let Some(address) = &connection.remote_address {
            writeln!(out, "- Connected to: {}", code(address, Cell::No))?;
        }
        if !connection.addresses_tried.is_empty() {
            let tried: Vec<String> = connection
                .addresses_tried
                .iter()
                .map(|address| code(address, Cell::No))
                .collect();
            writeln!(out, "- Addresses tried: {}", tried.join(", "))?;
        }
        if let Some(rule) = &connection.connect_to {
            writeln!(out, "- Connect to: {}", code(rule, Cell::No))?;
        }
        if let Some(rule) = &connection.resolve {
            writeln!(out, "- Resolve: {}", code(rule, Cell::No))?;
        }
        if let Some(address) = &connection.local_address {
            writeln!(out, "- Source address: {}", code(address, Cell::No))?;
        }
    }
    if let Some(response) = &check.response {
        let status_line = format!("{} {}", response.http_version, response.status);
        writeln!(out, "- Response: {}", code(&status_line, Cell::No))?;
    }
    if let Some(error) = &check.error {
        writeln!(
            out,
            "- No response: {}: {}",
            code(&error.kind, Cell::No),
            inline(&error.message)
        )?;
    }
    for failure in &check.failures {
        writeln!(
            out,
            "- {}: expected {}, got {}",
            inline(&failure.expectation),
            code(&failure.expected, Cell::No),
            code(&failure.actual, Cell::No)
        )?;
    }
    for (label, line) in tls_lines(check.connection.as_ref()) {
        let mut label = label.to_string();
        label[..1].make_ascii_uppercase();
        writeln!(out, "- {label}: {}", inline(&line))?;
    }
    out.write_char('\n')?;

    if let Some(diagnosis) = &check.diagnosis {
        writeln!(
            out,
            "Diagnosis: **{}** ({})\n",
            inline(&diagnosis.title),
            code(&diagnosis.id, Cell::No)
        )?;
        let explanation = visible_controls(diagnosis.explanation.trim());
        if !explanation.is_empty() {
            writeln!(out, "{explanation}\n")?;
        }
    }

    if let Some(response) = &check.response {
        write_response_details(out, response)?;
    }
    Ok(())
}

fn write_response_details(out: &mut impl fmt::Write, response: &ResponseInfo) -> fmt::Result {
    if !response.headers.is_empty() {
        out.write_str("Response headers:\n\n")?;
        for header in &response.headers {
            let header_line = format!("{}: {}", header.name, header.value);
            writeln!(out, "- {}", code(&header_line, Cell::No))?;
        }
        out.write_char('\n')?;
    }

    let truncated = if response.body_truncated {
        ", truncated"
    } else {
        ""
    };
    match response.body_excerpt.as_deref() {
        Some(excerpt) if !excerpt.is_empty() => {
            writeln!(
                out,
                "Body excerpt ({} bytes received{truncated}):\n",
                response.body_bytes
            )?;
            out.write_str(&fenced(excerpt, fence_language(response)))?;
            out.write_char('\n')?;
        }
        _ => {
            writeln!(
                out,
                "Body: none captured ({} bytes received{truncated}).\n",
                response.body_bytes
            )?;
        }
    }
    Ok(())
}

/// Whether text goes into a table cell, where `|` ends the cell even inside a code span.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell {
    Yes,
    No,
}

/// Escapes text for inline Markdown: line breaks become spaces, and the ASCII punctuation that
/// starts emphasis, links, code, HTML, entities, math or table cells gets a backslash, so the
/// result is safe in table cells too.
pub(crate) fn inline(text: &str) -> String {
    let text = visible_controls(text);
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\n' | '\t' => escaped.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '$' => {
                escaped.push('\\');
                escaped.push(character);
            }
            _ => escaped.push(character),
        }
    }
    escaped
}

/// Wraps text in a code span whose backtick fence is longer than any backtick run inside.
pub(crate) fn code(text: &str, cell: Cell) -> String {
    let mut content: String = visible_controls(text)
        .chars()
        .map(|character| match character {
            '\n' | '\t' => ' ',
            _ => character,
        })
        .collect();
    if content.is_empty() {
        return "(empty)".to_string();
    }
    if cell == Cell::Yes {
        // GitHub Flavored Markdown splits table rows at `|` before it parses code spans, and
        // reads `\|` as a literal pipe in both places.
        content = content.replace('|', "\\|");
    }

    let fence = "`".repeat(longest_backtick_run(&content) + 1);
    // CommonMark strips one space from each side of a code span, which lets a span start or
    // end with a backtick without it joining the fence.
    let padded = content.starts_with('`')
        || content.ends_with('`')
        || (content.starts_with(' ') && content.ends_with(' '));
    if padded {
        format!("{fence} {content} {fence}")
    } else {
        format!("{fence}{content}{fence}")
    }
}

/// Renders a fenced code block that no line of `text` can close.
fn fenced(text: &str, language: &str) -> String {
    let text = visible_controls(text);
    let fence = "`".repeat((longest_backtick_run(&text) + 1).max(3));
    let mut block = format!("{fence}{language}\n{text}");
    if !block.ends_with('\n') {
        block.push('\n');
    }
    block.push_str(&fence);
    block.push('\n');
    block
}

fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut current = 0;
    for character in text.chars() {
        if character == '`' {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

/// Picks the highlighting language for a body excerpt from its `Content-Type` header.
fn fence_language(response: &ResponseInfo) -> &'static str {
    let content_type = response
        .headers
        .iter()
        .find(|header| header.name.eq_ignore_ascii_case("content-type"))
        .map(|header| header.value.to_ascii_lowercase())
        .unwrap_or_default();
    if content_type.contains("json") {
        "json"
    } else if content_type.contains("html") {
        "html"
    } else if content_type.contains("xml") {
        "xml"
    } else {
        "text"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_escapes_markup() {
        assert_eq!(inline("*a* <b> | c"), "\\*a\\* \\<b\\> \\| c");
    }

    #[test]
    fn inline_joins_lines() {
        assert_eq!(inline("a\nb"), "a b");
    }

    #[test]
    fn code_fence_outgrows_backticks() {
        assert_eq!(code("a``b", Cell::No), "```a``b```");
    }

    #[test]
    fn code_pads_edge_backtick() {
        assert_eq!(code("`a", Cell::No), "`` `a ``");
    }

    #[test]
    fn code_escapes_pipe_in_cell() {
        assert_eq!(code("a|b", Cell::Yes), "`a\\|b`");
    }

    #[test]
    fn code_keeps_pipe_outside_cell() {
        assert_eq!(code("a|b", Cell::No), "`a|b`");
    }

    #[test]
    fn fenced_outgrows_backticks() {
        assert_eq!(fenced("````\n", "text"), "`````text\n````\n`````\n");
    }

    #[test]
    fn fenced_minimum_three() {
        assert_eq!(fenced("a", ""), "```\na\n```\n");
    }
}
