//! The curl options that gatecheck init translates or ignores, and reading them from the words
//! of a command line.

use std::path::PathBuf;

use super::CurlProblem;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DataKind {
    /// `-d`, `--data`, `--data-ascii`: `@FILE` reads a file without its line breaks.
    Ascii,
    /// `--data-raw`: no `@` handling.
    Raw,
    /// `--data-binary`: `@FILE` reads a file as it is.
    Binary,
    /// `--data-urlencode`: percent-encodes the content.
    UrlEncode,
    /// `--json`: like `--data-binary`, and sets the JSON headers.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Url,
    Method,
    Header,
    User,
    Data(DataKind),
    Insecure,
    CaFile,
    FollowRedirects,
    Get,
    Head,
    MaxTime,
    UserAgent,
    Referer,
    Cookie,
    /// Changes only what curl prints or how it connects, not the request.
    Ignore,
    /// Ignored, with a note on what gatecheck does instead.
    IgnoreWithNote(&'static str),
}

struct OptionSpec {
    short: Option<char>,
    long: &'static str,
    takes_value: bool,
    action: Action,
}

const fn option(
    short: Option<char>,
    long: &'static str,
    takes_value: bool,
    action: Action,
) -> OptionSpec {
    OptionSpec {
        short,
        long,
        takes_value,
        action,
    }
}

const OUTPUT_NOTE: &str = "gatecheck keeps an excerpt of the response body in its reports";
const WRITE_OUT_NOTE: &str = "gatecheck reports the status and the duration itself";
const RETRY_NOTE: &str = "gatecheck sends each request once and never retries";
const CONNECT_TIMEOUT_NOTE: &str =
    "gatecheck allows 5 s to connect; a check's `timeout` limits the whole request";

const OPTIONS: &[OptionSpec] = &[
    option(None, "url", true, Action::Url),
    option(Some('X'), "request", true, Action::Method),
    option(Some('H'), "header", true, Action::Header),
    option(Some('u'), "user", true, Action::User),
    option(Some('d'), "data", true, Action::Data(DataKind::Ascii)),
    option(None, "data-ascii", true, Action::Data(DataKind::Ascii)),
    option(None, "data-raw", true, Action::Data(DataKind::Raw)),
    option(None, "data-binary", true, Action::Data(DataKind::Binary)),
    option(
        None,
        "data-urlencode",
        true,
        Action::Data(DataKind::UrlEncode),
    ),
    option(None, "json", true, Action::Data(DataKind::Json)),
    option(Some('k'), "insecure", false, Action::Insecure),
    option(None, "cacert", true, Action::CaFile),
    option(Some('L'), "location", false, Action::FollowRedirects),
    option(Some('G'), "get", false, Action::Get),
    option(Some('I'), "head", false, Action::Head),
    option(Some('m'), "max-time", true, Action::MaxTime),
    option(Some('A'), "user-agent", true, Action::UserAgent),
    option(Some('e'), "referer", true, Action::Referer),
    option(Some('b'), "cookie", true, Action::Cookie),
    option(None, "compressed", false, Action::Ignore),
    option(Some('s'), "silent", false, Action::Ignore),
    option(Some('S'), "show-error", false, Action::Ignore),
    option(Some('v'), "verbose", false, Action::Ignore),
    option(Some('i'), "include", false, Action::Ignore),
    option(Some('f'), "fail", false, Action::Ignore),
    option(None, "fail-with-body", false, Action::Ignore),
    option(Some('#'), "progress-bar", false, Action::Ignore),
    option(None, "progress-meter", false, Action::Ignore),
    option(None, "basic", false, Action::Ignore),
    option(None, "http1.1", false, Action::Ignore),
    option(None, "http2", false, Action::Ignore),
    option(
        Some('o'),
        "output",
        true,
        Action::IgnoreWithNote(OUTPUT_NOTE),
    ),
    option(
        Some('w'),
        "write-out",
        true,
        Action::IgnoreWithNote(WRITE_OUT_NOTE),
    ),
    option(None, "retry", true, Action::IgnoreWithNote(RETRY_NOTE)),
    option(
        None,
        "connect-timeout",
        true,
        Action::IgnoreWithNote(CONNECT_TIMEOUT_NOTE),
    ),
];

/// Shell words that end the curl command: what follows them is another command or a
/// redirection of curl's output, neither of which changes the request.
fn ends_command(word: &str) -> bool {
    matches!(word, "|" | "||" | "&&" | ";" | "&") || word.starts_with('>') || word.starts_with("2>")
}

/// The options of one command line, read but not yet combined.
#[derive(Default)]
pub(super) struct Options {
    pub(super) urls: Vec<String>,
    pub(super) method: Option<String>,
    pub(super) headers: Vec<String>,
    pub(super) user: Option<String>,
    pub(super) data: Vec<(DataKind, String)>,
    pub(super) insecure: bool,
    pub(super) ca_file: Option<PathBuf>,
    pub(super) follow_redirects: bool,
    pub(super) get: bool,
    pub(super) head: bool,
    pub(super) max_time: Option<String>,
    pub(super) notes: Vec<String>,
}

impl Options {
    /// Reads the words in order. When `strict` is false, unknown options and missing values
    /// are skipped instead of being errors.
    pub(super) fn read(words: &[String], strict: bool) -> Result<Options, CurlProblem> {
        let mut options = Options::default();
        let mut index = 0;
        while index < words.len() {
            let word = &words[index];
            index += 1;
            if ends_command(word) {
                options.notes.push(format!(
                    "ignored `{}`: it is not part of the curl command",
                    words[index - 1..].join(" ")
                ));
                break;
            }
            if let Some(long) = word.strip_prefix("--") {
                let Some((spec, enabled)) = find_long(long) else {
                    if strict {
                        return Err(CurlProblem::UnknownOption(word.clone()));
                    }
                    continue;
                };
                let value = if spec.takes_value {
                    let Some(value) = words.get(index) else {
                        if strict {
                            return Err(CurlProblem::MissingValue(word.clone()));
                        }
                        break;
                    };
                    index += 1;
                    value.as_str()
                } else {
                    ""
                };
                options.apply(spec, word, value, enabled, strict)?;
            } else if let Some(letters) = word.strip_prefix('-').filter(|rest| !rest.is_empty()) {
                // Short options combine (`-sSk`), and the one that takes a value takes the
                // rest of the word (`-XPOST`) or else the next word.
                for (offset, letter) in letters.char_indices() {
                    let name = format!("-{letter}");
                    let Some(spec) = OPTIONS.iter().find(|spec| spec.short == Some(letter)) else {
                        if strict {
                            return Err(CurlProblem::UnknownOption(name));
                        }
                        continue;
                    };
                    if !spec.takes_value {
                        options.apply(spec, &name, "", true, strict)?;
                        continue;
                    }
                    let rest = &letters[offset + letter.len_utf8()..];
                    let value = if rest.is_empty() {
                        let Some(value) = words.get(index) else {
                            if strict {
                                return Err(CurlProblem::MissingValue(name));
                            }
                            break;
                        };
                        index += 1;
                        value.as_str()
                    } else {
                        rest
                    };
                    options.apply(spec, &name, value, true, strict)?;
                    break;
                }
            } else {
                options.urls.push(word.clone());
            }
        }
        Ok(options)
    }

    /// Records one option. A problem with its value is an error only when `strict`.
    fn apply(
        &mut self,
        spec: &OptionSpec,
        name: &str,
        value: &str,
        enabled: bool,
        strict: bool,
    ) -> Result<(), CurlProblem> {
        match spec.action {
            Action::Url => self.urls.push(value.to_string()),
            Action::Method => self.method = Some(value.to_string()),
            Action::Header => self.headers.push(value.to_string()),
            Action::User => self.user = Some(value.to_string()),
            Action::Data(kind) => self.data.push((kind, value.to_string())),
            Action::Insecure => self.insecure = enabled,
            Action::CaFile => self.ca_file = Some(PathBuf::from(value)),
            Action::FollowRedirects => self.follow_redirects = enabled,
            Action::Get => self.get = enabled,
            Action::Head => self.head = enabled,
            Action::MaxTime => self.max_time = Some(value.to_string()),
            Action::UserAgent => self.headers.push(format!("User-Agent: {value}")),
            Action::Referer => self.headers.push(format!("Referer: {value}")),
            Action::Cookie => {
                if !value.contains('=') {
                    if !strict {
                        return Ok(());
                    }
                    return Err(CurlProblem::Unsupported {
                        option: name.to_string(),
                        value: value.to_string(),
                        reason: "reading cookies from a file",
                    });
                }
                self.headers.push(format!("Cookie: {value}"));
            }
            Action::Ignore => {}
            Action::IgnoreWithNote(note) => self.notes.push(format!("ignored `{name}`: {note}")),
        }
        Ok(())
    }
}

/// Finds a long option, also in its `--no-NAME` form for options without a value. Returns the
/// option and whether it is switched on.
fn find_long(name: &str) -> Option<(&'static OptionSpec, bool)> {
    if let Some(spec) = OPTIONS.iter().find(|spec| spec.long == name) {
        return Some((spec, true));
    }
    let negated = name.strip_prefix("no-")?;
    OPTIONS
        .iter()
        .find(|spec| spec.long == negated && !spec.takes_value)
        .map(|spec| (spec, false))
}
