//! The progress bar of a run on a terminal: checks done, failed and in flight.
//!
//! It appears only on a terminal, and only once a run has taken a second, so that short runs
//! and CI logs get plain lines. It is drawn on stderr; check lines go to stdout above it.
//!
//! When stdout is not a terminal, check lines are written in batches every [`BATCH_INTERVAL`],
//! instead of one write per line: a CI log still moves along, and a 1,000-check run makes a few
//! writes instead of 1,000.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::print_flush;
use crate::results::{CheckResult, Outcome};

/// How long a run goes before the bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// The longest time a finished check's line waits in the batch when stdout is not a terminal.
const BATCH_INTERVAL: Duration = Duration::from_millis(100);

/// The batch size that is written at once, whatever its age.
const BATCH_BYTES: usize = 16 * 1024;

pub struct Progress {
    bar: Option<ProgressBar>,
    failed: Arc<AtomicUsize>,
    /// Lines not yet written; `None` when every line is written at once.
    batch: Option<Arc<Mutex<String>>>,
}

impl Progress {
    /// Starts a bar for `total` checks when `enabled`; `in_flight` counts the requests being
    /// sent. With `batch_lines`, check lines are written in batches.
    pub fn start(
        total: usize,
        enabled: bool,
        batch_lines: bool,
        in_flight: Arc<AtomicUsize>,
    ) -> Progress {
        let failed = Arc::new(AtomicUsize::new(0));
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(u64::try_from(total).unwrap_or(u64::MAX)),
                ProgressDrawTarget::hidden(),
            );
            let template = "{spinner} {pos}/{len} checks done, {msg} [{elapsed}]";
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            let shown = bar.clone();
            let failed = Arc::clone(&failed);
            tokio::spawn(async move {
                tokio::time::sleep(SHOW_AFTER).await;
                if shown.is_finished() {
                    return;
                }
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
                // The counts change between finished checks too, so they are read on a timer.
                while !shown.is_finished() {
                    shown.set_message(format!(
                        "{} failed, {} in flight",
                        failed.load(Ordering::Relaxed),
                        in_flight.load(Ordering::Relaxed)
                    ));
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            });
            bar
        });
        let batch = (batch_lines && bar.is_none()).then(|| {
            let batch = Arc::new(Mutex::new(String::new()));
            let pending = Arc::downgrade(&batch);
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(BATCH_INTERVAL);
                ticks.tick().await;
                // Ends when `finish` drops the batch.
                while let Some(pending) = pending.upgrade() {
                    write_batch(&pending);
                    drop(pending);
                    ticks.tick().await;
                }
            });
            batch
        });
        Progress { bar, failed, batch }
    }

    /// Prints a check's line above the bar and counts it.
    pub fn record(&self, check: &CheckResult, line: &str) {
        if matches!(check.outcome, Outcome::Failed | Outcome::Error) {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        match (&self.bar, &self.batch) {
            (Some(bar), _) => {
                bar.suspend(|| print_flush(line));
                bar.inc(1);
            }
            (None, Some(batch)) => {
                let full = {
                    let mut pending = lock(batch);
                    pending.push_str(line);
                    pending.len() >= BATCH_BYTES
                };
                if full {
                    write_batch(batch);
                }
            }
            (None, None) => print_flush(line),
        }
    }

    /// Writes the lines still in the batch and removes the bar, before the summary is printed.
    pub fn finish(self) {
        if let Some(batch) = self.batch {
            write_batch(&batch);
        }
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

fn lock(batch: &Mutex<String>) -> std::sync::MutexGuard<'_, String> {
    batch.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Writes the lines in the batch, holding the lock so that lines stay in order.
fn write_batch(batch: &Mutex<String>) {
    let mut pending = lock(batch);
    if !pending.is_empty() {
        print_flush(&pending);
        pending.clear();
    }
}
