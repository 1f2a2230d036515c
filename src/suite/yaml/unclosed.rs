//! Finds the flow collection (`[` or `{`) or the quoted value that a syntax error leaves open.
//!
//! When a bracket is not closed before the next block entry, the parser gives up on that
//! entry, with a message about it (`illegal placement of ':' indicator` at the next `- id:`),
//! a line below the fix. The loader then points at the bracket instead. The scan follows
//! quotes, comments and block scalars far enough to find brackets that open collections; it
//! does not check the YAML.

use super::Position;

/// An open bracket before the error: where it is, which one, and the indentation of its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Open {
    position: Position,
    bracket: char,
    indent: usize,
}

/// Returns the bracket left open when a new block line starts at `error`: a bracket on an
/// earlier line that is still open there, when the line of `error` is indented no deeper
/// than the bracket's line. A flow collection that goes on over more lines is indented
/// deeper, and an error inside it is not about the bracket.
pub(crate) fn unclosed_bracket(text: &str, error: Position) -> Option<(Position, char)> {
    let scan = scan(text, error);
    if scan.mismatched {
        return None;
    }
    let open = scan.open.last()?;
    let error_line = text.lines().nth(error.line.checked_sub(1)?)?;
    let error_indent = indentation(error_line);
    (open.position.line < error.line && error_indent <= open.indent)
        .then_some((open.position, open.bracket))
}

/// Returns the start and the end of a quoted value that ran on from an earlier line and
/// closed on the line of `error`, before it. A value whose closing quote is missing takes the
/// next quote in the file as its end, and the parser stops at what follows that quote.
pub(crate) fn runaway_quote(text: &str, error: Position) -> Option<(Position, Position, char)> {
    let (start, end, quote) = scan(text, error).last_quote?;
    (start.line < error.line && end.line == error.line).then_some((start, end, quote))
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The brackets and quotes found before an error.
#[derive(Debug, Default)]
struct Scan {
    /// Brackets still open, the innermost last.
    open: Vec<Open>,
    /// A closing bracket did not match, which the parser reports itself.
    mismatched: bool,
    /// The start, end and character of the last quoted value that closed.
    last_quote: Option<(Position, Position, char)>,
}

/// Scans the text before `error` for brackets and quotes.
fn scan(text: &str, error: Position) -> Scan {
    let mut result = Scan::default();
    let stack = &mut result.open;
    let mut quote: Option<(char, Position)> = None;
    // Indentation of the line that started a block scalar (`|` or `>`), whose deeper lines are
    // text.
    let mut block_scalar: Option<usize> = None;

    for (index, line) in text.lines().enumerate().take(error.line) {
        let number = index + 1;
        let indent = indentation(line);
        if let Some(parent) = block_scalar {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block_scalar = None;
        }
        let characters: Vec<char> = line.chars().collect();
        // The last character that is not a space, on this line.
        let mut previous: Option<char> = None;
        let mut column = 0;
        while column < characters.len() {
            let character = characters[column];
            let position = Position {
                line: number,
                column: column + 1,
            };
            if number == error.line && position.column >= error.column {
                break;
            }
            column += 1;
            if let Some((kind, start)) = quote {
                let closes = match (kind, character) {
                    ('\'', '\'') if characters.get(column) == Some(&'\'') => {
                        column += 1;
                        false
                    }
                    ('"', '\\') => {
                        column += 1;
                        false
                    }
                    _ => character == kind,
                };
                if closes {
                    quote = None;
                    result.last_quote = Some((start, position, kind));
                }
                previous = Some(character);
                continue;
            }
            if character == ' ' || character == '\t' {
                continue;
            }
            let after_space = column == 1 || matches!(characters[column - 2], ' ' | '\t');
            if character == '#' && after_space {
                break;
            }
            let starts_value = matches!(previous, None | Some('[' | '{' | ','))
                || (after_space && matches!(previous, Some(':' | '-' | '?')));
            match character {
                '\'' | '"' if starts_value => quote = Some((character, position)),
                '[' | '{' if starts_value => stack.push(Open {
                    position,
                    bracket: character,
                    indent,
                }),
                ']' | '}' if !stack.is_empty() => {
                    let expected = if character == ']' { '[' } else { '{' };
                    if stack.pop().map(|open| open.bracket) != Some(expected) {
                        result.mismatched = true;
                        return result;
                    }
                }
                '|' | '>' if starts_value && stack.is_empty() => {
                    let rest: String = characters[column..].iter().collect();
                    let rest = rest.trim_start_matches([
                        '-', '+', '1', '2', '3', '4', '5', '6', '7', '8', '9',
                    ]);
                    if rest.trim().is_empty() || rest.trim_start().starts_with('#') {
                        block_scalar = Some(indent);
                        break;
                    }
                }
                _ => {}
            }
            previous = Some(character);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn sequence_left_open_before_next_entry() {
        let text = "checks:\n  - id: a\n    status: [200, 201\n  - id: b\n";
        assert_eq!(unclosed_bracket(text, at(4, 7)), Some((at(3, 13), '[')));
    }

    #[test]
    fn closed_brackets_and_quoted_ones_ignored() {
        let text = "a: [1, '[', \"{\\\"\"]\nb: x[0] # [\nc: |\n  [not flow\nd: {e: 1\nf: 2\n";
        assert_eq!(unclosed_bracket(text, at(6, 2)), Some((at(5, 4), '{')));
        assert_eq!(unclosed_bracket(text, at(5, 1)), None);
    }

    #[test]
    fn deeper_continuation_line_not_blamed() {
        let text = "a: [1,\n    2 3: x]\n";
        assert_eq!(unclosed_bracket(text, at(2, 8)), None);
    }

    #[test]
    fn runaway_quote_found_from_next_quote() {
        let text = "a: \"open\nb: 1\nc: \"x\"\n";
        assert_eq!(
            runaway_quote(text, at(3, 5)),
            Some((at(1, 4), at(3, 4), '"'))
        );
        let closed = "a: \"one\"\nc: \"x\" y\n";
        assert_eq!(runaway_quote(closed, at(2, 8)), None);
    }

    #[test]
    fn mismatched_bracket_left_to_parser() {
        let text = "a: [1}\nb: 2\n";
        assert_eq!(unclosed_bracket(text, at(2, 2)), None);
    }
}
