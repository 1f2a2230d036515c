//! The progress bar of a run on a terminal: checks done, failed and in flight.
//!
//! It appears only on a terminal, and only once a run has taken a second, so that short runs
//! and CI logs get plain lines. It is drawn on stderr; check lines go to stdout above it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::print_flush;
use crate::results::{CheckResult, Outcome};

/// How long a run goes before the bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

pub struct Progress {
    bar: Option<ProgressBar>,
    failed: Arc<AtomicUsize>,
}

impl Progress {
    /// Starts a bar for `total` checks when `enabled`; `in_flight` counts the requests being
    /// sent.
    pub fn start(total: usize, enabled: bool, in_flight: Arc<AtomicUsize>) -> Progress {
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
        Progress { bar, failed }
    }

    /// Prints a check's line above the bar and counts it.
    pub fn record(&self, check: &CheckResult, line: &str) {
        if matches!(check.outcome, Outcome::Failed | Outcome::Error) {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        match &self.bar {
            Some(bar) => {
                bar.suspend(|| print_flush(line));
                bar.inc(1);
            }
            None => print_flush(line),
        }
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
