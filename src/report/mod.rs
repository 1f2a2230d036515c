//! Reports made from [`RunResults`]: console lines while a run is in progress, and JUnit,
//! Markdown and JSON files written once it has finished.
//!
//! Each format is one module that writes results as text. This module writes the files:
//! atomically, streamed through a buffer, and with the Markdown passed through the redactor
//! once more, line by line.

pub mod console;
pub mod json;
pub mod junit;
pub mod markdown;

mod redact;
mod redacted_lines;
pub(crate) mod text;
mod tls;

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::results::RunResults;
use crate::secret::Redactor;

pub use text::format_duration;

/// Size of the write buffer of a report file. Larger than `BufWriter`'s default of 8 KiB, so that
/// a report of many megabytes takes fewer `write` calls.
const BUFFER_BYTES: usize = 64 * 1024;

/// Paths of the report files to write. `None` skips that format.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportPaths {
    pub junit: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    pub json: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Creating the folder, writing the temporary file or renaming it over `path` failed. The
    /// I/O error is the [`source`](std::error::Error::source), not part of the message.
    #[error("failed to write report {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A JSON report contains one run per file, so merged runs cannot be written as JSON.
    #[error(
        "a JSON report holds exactly one run, but {count} runs were given; write one JSON file per run"
    )]
    JsonRunCount { count: usize },
}

/// Renders and writes every report that `paths` requests, and returns the paths written, in
/// the order JUnit, Markdown, JSON.
///
/// Every string in `runs` is redacted before rendering, although the results should already
/// be redacted; this pass also catches secrets that XML or JSON escaping would hide. Each line
/// of the Markdown, plain text, is redacted once more as it is written.
///
/// The JSON report requires exactly one run. That is checked before any file is written, so an
/// error leaves no partial set of reports behind.
pub fn write_reports(
    runs: &[RunResults],
    paths: &ReportPaths,
    redactor: &Redactor,
) -> Result<Vec<PathBuf>, ReportError> {
    if paths.json.is_some() && runs.len() != 1 {
        return Err(ReportError::JsonRunCount { count: runs.len() });
    }

    let runs = redact::redact_runs(runs, redactor);
    let runs = &*runs;

    // Each report is rendered and flushed to disk on its own thread, so that a large run
    // waits for the slowest report rather than for all three in turn.
    // JUnit and JSON are written without a pass over the rendered text: replacing text there
    // could cut through markup (`&amp;`) or a key, and every string they carry was redacted
    // field by field above.
    let outcomes = std::thread::scope(|scope| {
        let mut writers = Vec::new();
        if let Some(path) = &paths.junit {
            let writer =
                scope.spawn(move || write_atomically_with(path, |out| junit::write(out, runs)));
            writers.push((path, writer));
        }
        if let Some(path) = &paths.markdown {
            let writer = scope.spawn(move || {
                write_atomically_with(path, |out| markdown::write(out, runs, redactor))
            });
            writers.push((path, writer));
        }
        if let (Some(path), [run]) = (&paths.json, runs) {
            let writer =
                scope.spawn(move || write_atomically_with(path, |out| json::write(out, run)));
            writers.push((path, writer));
        }
        writers
            .into_iter()
            .map(|(path, writer)| {
                // A panic in a writer is a bug; it costs that report, not the others.
                let outcome = writer.join().unwrap_or_else(|_| {
                    Err(ReportError::Write {
                        path: path.clone(),
                        source: io::Error::other("the report writer failed unexpectedly"),
                    })
                });
                outcome.map(|()| path.clone())
            })
            .collect::<Vec<_>>()
    });
    let mut written = Vec::new();
    for outcome in outcomes {
        written.push(outcome?);
    }

    Ok(written)
}

/// Writes `contents` to `path` so that a reader sees either the old file or the whole new one,
/// never part of it.
///
/// The contents go to a temporary file in the same folder, which is flushed to disk and then
/// renamed over `path`. Missing parent folders are created. On Unix the folder is flushed too,
/// where the filesystem supports it, so the rename survives a crash. The new file gets the
/// permissions a plain create would (0666 less the umask), not the owner-only mode of
/// temporary files, and not those of the file it replaces. When any step
/// fails, the temporary file is removed and the error carries `path`.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), ReportError> {
    write_atomically_with(path, |out| out.write_all(contents))
}

/// Writes the output of `write` to `path` as [`write_atomically`] does, through a buffer, so
/// that no report is held in memory whole.
fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut fs::File>) -> io::Result<()>,
) -> Result<(), ReportError> {
    write_atomically_io(path, write).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn write_atomically_io(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    let Some(file_name) = path.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path does not end in a file name",
        ));
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(folder)?;

    // The leading dot keeps the temporary file out of globs such as `reports/*` that CI uses to
    // collect artifacts, and the `.tmp` suffix keeps it out of `*.xml`.
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(file_name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }

    // Dropping `temporary` on an error removes the file.
    let mut temporary = builder.tempfile_in(folder)?;
    let mut buffered = BufWriter::with_capacity(BUFFER_BYTES, temporary.as_file_mut());
    write(&mut buffered)?;
    buffered
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|error| error.error)?;

    #[cfg(unix)]
    sync_folder(folder)?;

    Ok(())
}

/// Flushes the folder entry of a renamed file to disk. Some filesystems cannot sync a folder
/// and return an unsupported or invalid-argument error. The report is complete by then, so
/// those two errors are ignored.
#[cfg(unix)]
fn sync_folder(folder: &Path) -> io::Result<()> {
    match fs::File::open(folder)?.sync_all() {
        Err(error)
            if matches!(
                error.kind(),
                io::ErrorKind::Unsupported | io::ErrorKind::InvalidInput
            ) =>
        {
            Ok(())
        }
        result => result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_old_file() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let path = folder.path().join("report.xml");
        fs::write(&path, "old").expect("the old report is written");

        let result = write_atomically_with(&path, |out| {
            out.write_all(&[b'x'; 3 * BUFFER_BYTES])?;
            Err(io::Error::other("rendering failed"))
        });

        assert!(matches!(result, Err(ReportError::Write { .. })));
        assert_eq!(fs::read_to_string(&path).expect("readable"), "old");
        let entries = fs::read_dir(folder.path()).expect("listable").count();
        assert_eq!(entries, 1, "the temporary file is removed");
    }
}
