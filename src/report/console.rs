//! Lines printed to the terminal while a run is in progress: a header before the first check,
//! one line per finished check, and a footer with the failures and the summary.
//!
//! Color comes only from [`Styles`], so text rendered with [`Styles::plain`] contains no escape
//! codes. Text taken from responses and errors has its control characters made visible, so a
//! response body cannot move the cursor or recolor the terminal.

use std::ffi::OsStr;
use std::fmt::Write as _;

use super::text::{
    format_check_count, format_counts, format_duration, id_and_name, name_beside_id, one_line,
    visible_controls,
};
use super::tls::tls_lines;
use crate::results::{CheckResult, Outcome, RunResults};

/// Width of the column that shows the status code or error kind, long enough for most error
/// kinds such as `tls.unknown-issuer`. Longer values push the rest of the line to the right.
const GOT_WIDTH: usize = 22;

/// Width of the right-aligned duration column: fits `999 ms` and `99.99 s` with room to spare.
const DURATION_WIDTH: usize = 8;

/// The color decision for console output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Styles {
    color: bool,
}

#[derive(Clone, Copy)]
enum Style {
    Passed,
    Failed,
    Error,
    Skipped,
    Warning,
    Bold,
    Dim,
}

impl Style {
    /// SGR parameters of the ANSI escape sequence.
    fn sgr(self) -> &'static str {
        match self {
            Style::Passed => "32",
            Style::Failed => "1;31",
            Style::Error => "1;35",
            Style::Skipped => "33",
            Style::Warning => "1;33",
            Style::Bold => "1",
            Style::Dim => "2",
        }
    }
}

impl Styles {
    /// Chooses color when output goes to a terminal and the `NO_COLOR` environment variable
    /// is unset or empty, following the convention at <https://no-color.org>.
    pub fn detect(is_terminal: bool) -> Styles {
        Styles {
            color: color_enabled(is_terminal, std::env::var_os("NO_COLOR").as_deref()),
        }
    }

    /// Styles without color, for pipes, files and tests.
    pub fn plain() -> Styles {
        Styles { color: false }
    }

    /// Styles with color whatever the environment, for an explicit request such as
    /// `--color always`.
    pub fn colored() -> Styles {
        Styles { color: true }
    }

    pub fn is_colored(&self) -> bool {
        self.color
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("\u{1b}[{}m{text}\u{1b}[0m", style.sgr())
        } else {
            text.to_string()
        }
    }

    fn outcome(&self, outcome: Outcome, text: &str) -> String {
        let style = match outcome {
            Outcome::Passed => Style::Passed,
            Outcome::Failed => Style::Failed,
            Outcome::Error => Style::Error,
            Outcome::Skipped => Style::Skipped,
        };
        self.paint(style, text)
    }
}

fn color_enabled(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

/// The four-letter mark that starts a check line, padded so that `ERR` lines up.
fn mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "PASS",
        Outcome::Failed => "FAIL",
        Outcome::Error => "ERR ",
        Outcome::Skipped => "SKIP",
    }
}

/// Renders the lines printed before the first check starts: suite, vantage, target and host,
/// and a warning when TLS certificate verification is off.
///
/// Uses only run-level fields, because the caller passes results whose `checks` are still
/// empty. Ends with a blank line.
pub fn header(run_meta: &RunResults, styles: &Styles) -> String {
    let suite = &run_meta.suite;
    let mut suite_label = one_line(&suite.name);
    match &suite.version {
        Some(version) => {
            let _ = write!(
                suite_label,
                " ({}, version {})",
                one_line(&suite.id),
                one_line(version)
            );
        }
        None => {
            let _ = write!(suite_label, " ({})", one_line(&suite.id));
        }
    }

    let mut vantage = one_line(&run_meta.vantage.name);
    if let Some(description) = &run_meta.vantage.description {
        let _ = write!(vantage, ": {}", one_line(description));
    }

    let target = if run_meta.target.is_empty() {
        "(none: each check gives a full URL)".to_string()
    } else {
        one_line(&run_meta.target)
    };

    let mut text = format!(
        "{} {}\n",
        styles.paint(Style::Bold, "gatecheck"),
        one_line(&run_meta.gatecheck_version)
    );
    let _ = writeln!(text, "  suite    {suite_label}");
    let _ = writeln!(text, "  vantage  {vantage}");
    let _ = writeln!(text, "  target   {target}");
    let _ = writeln!(text, "  host     {}", one_line(&run_meta.host));
    if run_meta.insecure {
        let warning = "WARNING: INSECURE: TLS certificate verification is off for at least one \
                       check, so a passing check does not show that its certificate is valid.";
        let _ = writeln!(text, "{}", styles.paint(Style::Warning, warning));
    }
    text.push('\n');
    text
}

/// Renders the line printed when a check finishes: mark, id padded to `id_width`, status code
/// or error kind, duration and check name, and the reason for a skipped check. No line break
/// at the end.
pub fn check_line(check: &CheckResult, id_width: usize, styles: &Styles) -> String {
    let mark = styles.outcome(check.outcome, mark(check.outcome));
    let id = one_line(&check.id);
    let got = one_line(&check.got());
    let duration = match check.outcome {
        Outcome::Skipped => String::new(),
        _ => format_duration(check.duration_ms),
    };

    let mut line = format!(
        "{mark}  {id:<id_width$}  {got:<GOT_WIDTH$}  {duration:>DURATION_WIDTH$}  {}",
        one_line(name_beside_id(&check.id, &check.name))
    );
    line.truncate(line.trim_end().len());
    if let Some(reason) = &check.skip_reason {
        let reason = if reason.starts_with("skipped") {
            format!("({})", one_line(reason))
        } else {
            format!("(skipped: {})", one_line(reason))
        };
        let _ = write!(line, " {}", styles.paint(Style::Dim, &reason));
    }
    if !check.attempts.is_empty() {
        let earlier: Vec<String> = check
            .attempts
            .iter()
            .map(|attempt| one_line(&attempt.got))
            .collect();
        let note = format!(
            "(attempt {}; earlier attempts got {})",
            check.attempts.len() + 1,
            earlier.join(", ")
        );
        let _ = write!(line, " {}", styles.paint(Style::Warning, &note));
    }
    if check.insecure {
        let _ = write!(
            line,
            " {}",
            styles.paint(Style::Warning, "[TLS not verified]")
        );
    }
    if let Some(response) = check.response.as_ref().filter(|r| r.body_truncated) {
        let note = format!("[body cut at {} bytes]", response.body_bytes);
        let _ = write!(line, " {}", styles.paint(Style::Dim, &note));
    }
    line
}

/// Renders what is printed after the last check: each failed or errored check with its
/// request, response, failed expectations and diagnosis, then the summary line
/// `4 checks: 2 passed, 1 failed, 1 error, 0 skipped in 420 ms`, then the insecure warning
/// again when it applies. Ends with a line break.
pub fn footer(run: &RunResults, styles: &Styles) -> String {
    let mut text = String::new();

    let problems: Vec<&CheckResult> = run
        .checks
        .iter()
        .filter(|check| matches!(check.outcome, Outcome::Failed | Outcome::Error))
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(text, "\n{}\n", styles.paint(Style::Bold, "Failures:"));
        for check in problems {
            write_problem(&mut text, check, styles);
            text.push('\n');
        }
    }

    let summary = &run.summary;
    let line = format!(
        "{}: {} in {}",
        format_check_count(summary.total),
        format_counts(summary),
        format_duration(run.duration_ms)
    );
    let style = if summary.is_success() {
        Style::Passed
    } else {
        Style::Failed
    };
    let _ = writeln!(text, "{}", styles.paint(style, &line));

    if let Some(reason) = &run.stopped {
        let warning = format!(
            "STOPPED EARLY: {}; the checks not finished are reported as not run.",
            one_line(reason)
        );
        let _ = writeln!(text, "{}", styles.paint(Style::Warning, &warning));
    }
    if run.insecure {
        let warning = "WARNING: INSECURE: TLS certificate verification was off for at least one \
                       check, so these results do not show that the certificates are valid.";
        let _ = writeln!(text, "{}", styles.paint(Style::Warning, warning));
    }
    text
}

/// Writes one failed or errored check, indented under a `FAIL id: name` line.
fn write_problem(text: &mut String, check: &CheckResult, styles: &Styles) {
    let title = format!(
        "{} {}",
        mark(check.outcome).trim_end(),
        one_line(&id_and_name(&check.id, &check.name))
    );
    let _ = writeln!(text, "  {}", styles.outcome(check.outcome, &title));
    let _ = writeln!(text, "    {}", one_line(&check.request.line()));
    if let Some(connection) = &check.connection {
        let mut route = match &connection.proxy {
            Some(proxy) => format!(
                "via proxy {} ({})",
                one_line(proxy),
                one_line(&connection.proxy_source)
            ),
            None => format!("no proxy ({})", one_line(&connection.proxy_source)),
        };
        if let Some(address) = &connection.remote_address {
            route.push_str(&format!(", connected to {}", one_line(address)));
        }
        if !connection.addresses_tried.is_empty() {
            route.push_str(&format!(
                ", tried {}",
                one_line(&connection.addresses_tried.join(", "))
            ));
        }
        if let Some(rule) = &connection.connect_to {
            route.push_str(&format!(", connect_to {}", one_line(rule)));
        }
        if let Some(rule) = &connection.resolve {
            route.push_str(&format!(", resolve {}", one_line(rule)));
        }
        if let Some(address) = &connection.local_address {
            route.push_str(&format!(", from {}", one_line(address)));
        }
        let _ = writeln!(text, "    {}", styles.paint(Style::Dim, &route));
    }
    for (label, line) in tls_lines(check.connection.as_ref()) {
        let _ = writeln!(text, "    {label}: {}", one_line(&line));
    }

    if let Some(response) = &check.response {
        let _ = writeln!(
            text,
            "    {} {}",
            one_line(&response.http_version),
            response.status
        );
        for header in &response.headers {
            let header_line = format!("{}: {}", one_line(&header.name), one_line(&header.value));
            let _ = writeln!(text, "    {}", styles.paint(Style::Dim, &header_line));
        }
    }
    for failure in &check.failures {
        let _ = writeln!(
            text,
            "    {}: expected {}, got {}",
            one_line(&failure.expectation),
            one_line(&failure.expected),
            one_line(&failure.actual)
        );
    }
    if let Some(error) = &check.error {
        let _ = writeln!(
            text,
            "    {}: {}",
            one_line(&error.kind),
            one_line(&error.message)
        );
    }

    if let Some(diagnosis) = &check.diagnosis {
        let heading = format!(
            "Diagnosis: {} [{}]",
            one_line(&diagnosis.title),
            one_line(&diagnosis.id)
        );
        let _ = writeln!(text, "    {}", styles.paint(Style::Bold, &heading));
        for line in visible_controls(diagnosis.explanation.trim_end()).lines() {
            if line.is_empty() {
                text.push('\n');
            } else {
                let _ = writeln!(text, "      {line}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_on_for_terminal() {
        assert!(color_enabled(true, None));
    }

    #[test]
    fn color_off_without_terminal() {
        assert!(!color_enabled(false, None));
    }

    #[test]
    fn color_off_when_no_color_set() {
        assert!(!color_enabled(true, Some(OsStr::new("1"))));
    }

    #[test]
    fn color_on_when_no_color_empty() {
        assert!(color_enabled(true, Some(OsStr::new(""))));
    }

    #[test]
    fn plain_paints_nothing() {
        assert_eq!(Styles::plain().paint(Style::Failed, "FAIL"), "FAIL");
    }

    #[test]
    fn colored_paints_sgr() {
        assert_eq!(
            Styles::colored().paint(Style::Failed, "FAIL"),
            "\u{1b}[1;31mFAIL\u{1b}[0m"
        );
    }
}
