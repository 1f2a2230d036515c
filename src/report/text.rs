//! Text helpers that more than one report format uses.

use std::borrow::Cow;

use crate::results::Summary;

/// Formats a duration for people: milliseconds under one second (`85 ms`), seconds with two
/// decimals from one second on (`1.50 s`).
pub fn format_duration(milliseconds: u64) -> String {
    if milliseconds < 1000 {
        format!("{milliseconds} ms")
    } else {
        // Integer arithmetic rounds halves up. Formatting the float would print 1995 ms as
        // "1.99 s", because the nearest f64 to 1.995 lies just below it.
        let hundredths = (milliseconds + 5) / 10;
        format!("{}.{:02} s", hundredths / 100, hundredths % 100)
    }
}

/// Formats the counts of a summary: `2 passed, 1 failed, 1 error, 0 skipped`.
pub(crate) fn format_counts(summary: &Summary) -> String {
    let errors = if summary.errors == 1 {
        "error"
    } else {
        "errors"
    };
    format!(
        "{} passed, {} failed, {} {errors}, {} skipped",
        summary.passed, summary.failed, summary.errors, summary.skipped
    )
}

/// Formats the number of checks: `1 check`, `4 checks`.
pub(crate) fn format_check_count(total: usize) -> String {
    if total == 1 {
        "1 check".to_string()
    } else {
        format!("{total} checks")
    }
}

/// Returns `id: name`, or only the id when the check has no name of its own (the name then
/// repeats the id).
pub(crate) fn id_and_name(id: &str, name: &str) -> String {
    if name == id || name.is_empty() {
        id.to_string()
    } else {
        format!("{id}: {name}")
    }
}

/// Returns the name to show beside the id: empty when it only repeats the id.
pub(crate) fn name_beside_id<'a>(id: &str, name: &'a str) -> &'a str {
    if name == id { "" } else { name }
}

/// Replaces the characters that a terminal, an XML parser or a Markdown renderer would act on
/// instead of showing, so that a hostile response body cannot recolor a terminal, hide text
/// or make a report unreadable.
///
/// - C0 control characters other than tab and line feed become their Unicode control pictures,
///   so ESC shows as `␛` and NUL as `␀`, and DEL becomes `␡`. A carriage return followed by a
///   line feed becomes a plain line feed, but a lone one becomes `␍`, because a terminal would
///   return to the start of the line and overwrite it.
/// - C1 control characters (U+0080 to U+009F), which some terminals obey, and U+FFFE and
///   U+FFFF, which XML 1.0 does not allow, become U+FFFD.
///
/// NOTE: bidirectional formatting characters such as U+202E are kept. They can reorder how a
/// line displays, but they are also legitimate in right-to-left text.
pub(crate) fn visible_controls(text: &str) -> Cow<'_, str> {
    // Reports pass every string through here, nearly all of them plain, so a byte scan that
    // the compiler can vectorise rules most out before the character scan: every character
    // replaced below starts with one of these bytes in UTF-8 (U+0080..U+009F with 0xC2,
    // U+FFFE and U+FFFF with 0xEF).
    let suspicious = |byte: &u8| {
        (*byte < 0x20 && *byte != b'\t' && *byte != b'\n') || matches!(*byte, 0x7f | 0xc2 | 0xef)
    };
    if !text.as_bytes().iter().any(suspicious) || !text.chars().any(needs_replacing) {
        return Cow::Borrowed(text);
    }

    let mut visible = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(character) = chars.next() {
        match character {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\t' | '\n' => visible.push(character),
            '\u{0}'..='\u{1f}' => {
                let picture = char::from_u32(0x2400 + u32::from(character))
                    .expect("U+2400 to U+241F are assigned characters");
                visible.push(picture);
            }
            '\u{7f}' => visible.push('\u{2421}'),
            '\u{80}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => visible.push('\u{fffd}'),
            _ => visible.push(character),
        }
    }
    Cow::Owned(visible)
}

fn needs_replacing(character: char) -> bool {
    match character {
        '\t' | '\n' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => true,
        _ => false,
    }
}

/// Makes `text` fit on one line: controls made visible as by [`visible_controls`], and line
/// breaks and tabs turned into spaces.
pub(crate) fn one_line(text: &str) -> String {
    visible_controls(text)
        .chars()
        .map(|character| match character {
            '\n' | '\t' => ' ',
            _ => character,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_under_second_in_ms() {
        assert_eq!(format_duration(999), "999 ms");
    }

    #[test]
    fn duration_from_second_in_seconds() {
        assert_eq!(format_duration(1000), "1.00 s");
    }

    #[test]
    fn duration_rounds_to_hundredths() {
        assert_eq!(format_duration(1995), "2.00 s");
    }

    #[test]
    fn controls_escape_becomes_picture() {
        assert_eq!(visible_controls("\u{1b}[31m"), "\u{241b}[31m");
    }

    #[test]
    fn controls_nul_and_bell_become_pictures() {
        assert_eq!(visible_controls("\0\u{7}"), "\u{2400}\u{2407}");
    }

    #[test]
    fn controls_crlf_becomes_lf() {
        assert_eq!(visible_controls("a\r\nb"), "a\nb");
    }

    #[test]
    fn controls_lone_cr_becomes_picture() {
        assert_eq!(visible_controls("a\rb"), "a\u{240d}b");
    }

    #[test]
    fn controls_c1_and_nonchars_replaced() {
        assert_eq!(
            visible_controls("\u{9b}\u{fffe}\u{ffff}"),
            "\u{fffd}\u{fffd}\u{fffd}"
        );
    }

    #[test]
    fn controls_plain_text_borrowed() {
        assert!(matches!(visible_controls("a\tb\nc"), Cow::Borrowed(_)));
    }

    #[test]
    fn controls_del_becomes_picture() {
        assert_eq!(visible_controls("a\u{7f}b"), "a\u{2421}b");
    }

    /// Characters whose UTF-8 starts with the same bytes as the replaced ones (0xC2, 0xEF)
    /// stay as they are.
    #[test]
    fn controls_neighbours_of_replaced_kept() {
        for text in ["\u{a0}\u{a9}\u{bf}", "\u{fffd}\u{fefe}\u{f000}", "é€日本"] {
            assert!(
                matches!(visible_controls(text), Cow::Borrowed(_)),
                "{text:?} changed"
            );
        }
    }

    #[test]
    fn one_line_joins_lines() {
        assert_eq!(one_line("a\nb\tc"), "a b c");
    }
}
