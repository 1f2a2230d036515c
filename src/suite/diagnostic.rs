//! Problems found in a suite file, rendered the way compilers report them.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::suite::yaml::Position;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Position of the problem, or `None` for problems of the file as a whole.
    pub position: Option<Position>,
    /// Characters to underline from the position; 0 underlines the token found there.
    pub width: usize,
    /// The fix.
    pub help: Option<String>,
    /// Set on the warning about a check without hint rules, which `run` summarizes when
    /// there are many.
    pub unhinted_check: bool,
}

impl Diagnostic {
    pub fn error(position: Option<Position>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            position,
            width: 0,
            help: None,
            unhinted_check: false,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_width(mut self, width: usize) -> Diagnostic {
        self.width = width;
        self
    }
}

/// Every problem found in one suite file.
#[derive(Clone, Debug)]
pub struct SuiteErrors {
    pub path: PathBuf,
    pub source: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl SuiteErrors {
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == Severity::Error)
            .count()
    }
}

impl fmt::Display for SuiteErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Split once: looking each diagnostic's line up in the whole source made a file with
        // a thousand warnings cost more than loading it.
        let lines: Vec<&str> = self.source.lines().collect();
        for diagnostic in &self.diagnostics {
            render_lines(formatter, &self.path, &lines, diagnostic)?;
            writeln!(formatter)?;
        }
        let errors = self.error_count();
        let warnings = self.diagnostics.len() - errors;
        let plural = |count: usize| if count == 1 { "" } else { "s" };
        if errors == 0 {
            return write!(
                formatter,
                "{}: {warnings} warning{}",
                self.path.display(),
                plural(warnings)
            );
        }
        write!(
            formatter,
            "{}: {errors} error{} in this suite; nothing was sent",
            self.path.display(),
            plural(errors)
        )
    }
}

/// Writes one diagnostic:
///
/// ```text
/// error: unknown key `stauts`
///   --> suites/demo.yaml:12:7
///    |
/// 12 |       stauts: 200
///    |       ^^^^^^
///    = help: did you mean `status`?
/// ```
pub fn render(
    out: &mut dyn fmt::Write,
    path: &Path,
    source: &str,
    diagnostic: &Diagnostic,
) -> fmt::Result {
    let lines: Vec<&str> = source.lines().collect();
    render_lines(out, path, &lines, diagnostic)
}

fn render_lines(
    out: &mut dyn fmt::Write,
    path: &Path,
    lines: &[&str],
    diagnostic: &Diagnostic,
) -> fmt::Result {
    let label = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    writeln!(out, "{label}: {}", diagnostic.message)?;
    let Some(position) = diagnostic.position else {
        writeln!(out, "  --> {}", path.display())?;
        if let Some(help) = &diagnostic.help {
            writeln!(out, "   = help: {help}")?;
        }
        return Ok(());
    };
    let gutter = position.line.to_string().len();
    let pad = " ".repeat(gutter);
    writeln!(
        out,
        "{pad}--> {}:{}:{}",
        path.display(),
        position.line,
        position.column
    )?;
    if let Some(line) = lines.get(position.line.saturating_sub(1)) {
        let line = line.trim_end_matches('\r');
        let column = position.column.saturating_sub(1);
        let width = match diagnostic.width {
            0 => token_width(line, column),
            width => width,
        };
        let indent: String = line
            .chars()
            .take(column)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        // Messages end up in CI logs, so a password written into a URL in the suite is
        // masked in the quoted line too; the underline then ends with the shorter line.
        let shown = mask_url_passwords(line);
        let width = width.min(shown.chars().count().saturating_sub(column).max(1));
        writeln!(out, "{pad} |")?;
        writeln!(out, "{} | {shown}", position.line)?;
        writeln!(out, "{pad} | {indent}{}", "^".repeat(width.max(1)))?;
    }
    if let Some(help) = &diagnostic.help {
        writeln!(out, "{pad} = help: {help}")?;
    }
    Ok(())
}

/// Replaces the password of every `scheme://user:password@` in `line` with the mask.
fn mask_url_passwords(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains("://") || !line.contains('@') {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut masked = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("://") {
        let (before, after) = rest.split_at(start + 3);
        masked.push_str(before);
        let authority_end = after
            .find(|c: char| {
                c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\''
            })
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        match authority
            .rsplit_once('@')
            .and_then(|(user_info, host)| Some((user_info.split_once(':')?.0, host)))
        {
            Some((user, host)) => {
                masked.push_str(&format!("{user}:{}@{host}", crate::secret::MASK));
            }
            None => masked.push_str(authority),
        }
        rest = &after[authority_end..];
    }
    masked.push_str(rest);
    std::borrow::Cow::Owned(masked)
}

/// Measures the token that starts at `column`: a quoted string to its closing quote, a flow
/// collection to its closing bracket, a key to its colon, and a plain value to the end of the
/// line, a comment, or (inside a flow collection) the next separator.
fn token_width(line: &str, column: usize) -> usize {
    let rest: Vec<char> = line.chars().skip(column).collect();
    match rest.first() {
        Some(&quote @ ('"' | '\'')) => rest
            .iter()
            .skip(1)
            .position(|&c| c == quote)
            .map_or(rest.len(), |end| end + 2),
        Some('[' | '{') => {
            let mut depth = 0usize;
            for (index, c) in rest.iter().enumerate() {
                match c {
                    '[' | '{' => depth += 1,
                    ']' | '}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return index + 1;
                        }
                    }
                    _ => {}
                }
            }
            rest.len()
        }
        Some(_) => {
            let in_flow = flow_depth(line.chars().take(column)) > 0;
            let text: String = rest.iter().collect();
            let mut stops = vec![" #", ": "];
            if in_flow {
                stops.extend([",", "]", "}"]);
            }
            let mut end = stops
                .iter()
                .filter_map(|stop| text.find(stop))
                .min()
                .unwrap_or(text.len());
            let token = text[..end].trim_end();
            if let Some(key) = token.strip_suffix(':') {
                end = key.len();
            } else {
                end = token.len();
            }
            text[..end].chars().count().max(1)
        }
        None => 1,
    }
}

/// Counts the flow collections (`[` or `{`) still open at the end of `prefix`.
fn flow_depth(prefix: impl Iterator<Item = char>) -> usize {
    let mut depth = 0usize;
    let mut quote = None;
    for c in prefix {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

/// Suggests the closest of `candidates` for a misspelled name, if one is close enough to be
/// the likely intent.
pub fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), *candidate))
        .filter(|(distance, candidate)| {
            *distance <= 2.max(candidate.len() / 3) && *distance < candidate.len()
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_masked_in_quoted_lines() {
        assert_eq!(
            mask_url_passwords("    proxy: http://user:pw@proxy:3128 # note"),
            "    proxy: http://user:********@proxy:3128 # note"
        );
        assert_eq!(
            mask_url_passwords("url: \"https://a:b@x/y\" and ftp://u@h"),
            "url: \"https://a:********@x/y\" and ftp://u@h"
        );
        assert_eq!(mask_url_passwords("mail: a@b.example"), "mail: a@b.example");
    }

    #[test]
    fn render_points_at_token() {
        let source = "checks:\n  - expect:\n      stauts: 200\n";
        let diagnostic = Diagnostic::error(
            Some(Position { line: 3, column: 7 }),
            "unknown key `stauts`",
        )
        .with_width(6)
        .with_help("did you mean `status`?");
        let mut text = String::new();
        render(&mut text, Path::new("s.yaml"), source, &diagnostic).unwrap();
        assert_eq!(
            text,
            "error: unknown key `stauts`\n --> s.yaml:3:7\n  |\n3 |       stauts: 200\n  |       ^^^^^^\n  = help: did you mean `status`?\n"
        );
    }

    #[test]
    fn token_width_quoted_and_comment() {
        assert_eq!(token_width("a: \"x y\" # c", 3), 5);
        assert_eq!(token_width("a: 200 # c", 3), 3);
        assert_eq!(token_width("v: [internl, b]", 4), 7);
        assert_eq!(token_width("name: [ERS, Open API]", 6), 15);
        assert_eq!(token_width("base_url: https://${HOTS}", 10), 15);
        assert_eq!(token_width("  X Bad: value", 2), 5);
    }

    #[test]
    fn did_you_mean_close_names_only() {
        let keys = ["status", "headers", "body", "max_duration"];
        assert_eq!(did_you_mean("stauts", &keys), Some("status"));
        assert_eq!(did_you_mean("header", &keys), Some("headers"));
        assert_eq!(did_you_mean("zzz", &keys), None);
    }
}
