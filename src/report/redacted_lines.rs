//! A text writer for the Markdown report that passes each line through the redactor on its way
//! to the file.
//!
//! Each line is redacted whole, so a secret is masked wherever it lies within one line, also
//! where the renderer puts it together from several fields or pieces.
//!
//! NOTE: a secret that contains a line break is masked only by the redaction of each field
//! before rendering, not here, because the text is never held whole.

use std::fmt;
use std::io;

use crate::secret::Redactor;

/// Writes text to `out` one line at a time, each line redacted, and ends the text with exactly
/// one line break, as `text.trim_end()` followed by `\n` would.
///
/// Trailing whitespace cannot be trimmed once written, so the line holding the last
/// non-whitespace character, and the whitespace after it, stay in `pending` until more text
/// follows or [`RedactedLines::finish`] is called.
pub(crate) struct RedactedLines<'a, W: io::Write> {
    out: W,
    redactor: &'a Redactor,
    /// Text not yet written: the last line with content, and whatever followed it.
    pending: String,
    /// The first write error. `fmt::Write` can only return `fmt::Error`, so the error itself is
    /// kept here, and [`RedactedLines::finish`] returns it.
    error: Option<io::Error>,
}

impl<'a, W: io::Write> RedactedLines<'a, W> {
    pub(crate) fn new(out: W, redactor: &'a Redactor) -> Self {
        RedactedLines {
            out,
            redactor,
            pending: String::new(),
            error: None,
        }
    }

    /// Writes the held text without its trailing whitespace, then one line break.
    ///
    /// `rendered` is the result of the rendering that wrote into `self`: a formatting error is
    /// returned as the write error that caused it.
    pub(crate) fn finish(mut self, rendered: fmt::Result) -> io::Result<()> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        if rendered.is_err() {
            return Err(io::Error::other("formatting the Markdown report failed"));
        }
        let content = self.pending.trim_end().len();
        self.pending.truncate(content);
        self.pending.push('\n');
        write_lines(&mut self.out, self.redactor, &self.pending)
    }

    /// Writes the complete lines that come before the last line with content.
    fn write_settled(&mut self) -> io::Result<()> {
        let content = self.pending.trim_end().len();
        let Some(last_break) = self.pending[..content].rfind('\n') else {
            return Ok(());
        };
        write_lines(&mut self.out, self.redactor, &self.pending[..=last_break])?;
        self.pending.replace_range(..=last_break, "");
        Ok(())
    }
}

fn write_lines(out: &mut impl io::Write, redactor: &Redactor, text: &str) -> io::Result<()> {
    if redactor.is_empty() {
        return out.write_all(text.as_bytes());
    }
    for line in text.split_inclusive('\n') {
        out.write_all(redactor.redact(line).as_bytes())?;
    }
    Ok(())
}

impl<W: io::Write> fmt::Write for RedactedLines<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if self.error.is_some() {
            return Err(fmt::Error);
        }
        self.pending.push_str(text);
        if !text.contains('\n') {
            return Ok(());
        }
        self.write_settled().map_err(|error| {
            self.error = Some(error);
            fmt::Error
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn write_pieces(pieces: &[&str], redactor: &Redactor) -> String {
        let mut bytes = Vec::new();
        let mut lines = RedactedLines::new(&mut bytes, redactor);
        let mut rendered = Ok(());
        for piece in pieces {
            rendered = rendered.and_then(|()| lines.write_str(piece));
        }
        lines.finish(rendered).expect("writing to a Vec succeeds");
        String::from_utf8(bytes).expect("the output is UTF-8")
    }

    #[test]
    fn trailing_whitespace_trimmed_to_one_break() {
        let text = write_pieces(&["# a\n\n", "b \t", "\n\n", " \n"], &Redactor::new());
        assert_eq!(text, "# a\n\nb\n");
    }

    #[test]
    fn inner_blank_lines_kept() {
        let text = write_pieces(&["a\n", " \n\n", "b\n\n"], &Redactor::new());
        assert_eq!(text, "a\n \n\nb\n");
    }

    #[test]
    fn secret_split_across_pieces_masked() {
        let mut redactor = Redactor::new();
        redactor.add("hunter2-secret");
        let text = write_pieces(&["token: hunter", "2-sec", "ret\nnext\n"], &redactor);
        assert!(!text.contains("hunter2-secret"), "{text}");
        assert!(text.starts_with("token: "), "{text}");
        assert!(text.ends_with("\nnext\n"), "{text}");
    }

    #[test]
    fn secret_on_last_line_masked() {
        let mut redactor = Redactor::new();
        redactor.add("hunter2-secret");
        let text = write_pieces(&["a\n", "hunter2-secret  \n\n"], &redactor);
        assert!(!text.contains("hunter2-secret"), "{text}");
    }

    #[test]
    fn write_error_returned_by_finish() {
        struct Failing;
        impl io::Write for Failing {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }

        let redactor = Redactor::new();
        let mut lines = RedactedLines::new(Failing, &redactor);
        let rendered = lines.write_str("a\nb\n");
        assert!(rendered.is_err());
        let error = lines
            .finish(rendered)
            .expect_err("the write error is returned");
        assert_eq!(error.to_string(), "disk full");
    }
}
