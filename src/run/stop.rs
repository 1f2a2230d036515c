//! Stopping a run early: on Ctrl-C, on SIGTERM, or when the whole-run deadline passes.
//!
//! A stopped run sends no new request and abandons the requests in flight; the checks not
//! finished are reported as not run, and the reports are still written.

use std::fmt;
use std::time::Duration;

use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// SIGINT, usually Ctrl-C.
    Interrupt,
    /// SIGTERM, as CI systems send when they cancel a job.
    Terminate,
    /// The `--deadline` of the whole run passed.
    Deadline(Duration),
}

impl StopReason {
    /// The exit code of a run stopped for this reason: 128 plus the signal number, as shells
    /// report it, and 1 for a deadline, because the run did not finish its checks.
    pub fn exit_code(self) -> u8 {
        match self {
            StopReason::Interrupt => 130,
            StopReason::Terminate => 143,
            StopReason::Deadline(_) => 1,
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Interrupt => formatter.write_str("interrupted by SIGINT (Ctrl-C)"),
            StopReason::Terminate => formatter.write_str("terminated by SIGTERM"),
            StopReason::Deadline(limit) => {
                write!(
                    formatter,
                    "the run deadline of {} passed",
                    format_limit(*limit)
                )
            }
        }
    }
}

fn format_limit(limit: Duration) -> String {
    let millis = limit.as_millis();
    if !millis.is_multiple_of(1000) {
        format!("{millis}ms")
    } else if millis.is_multiple_of(60_000) {
        format!("{}m", millis / 60_000)
    } else {
        format!("{}s", millis / 1000)
    }
}

/// The side that stops a run.
#[derive(Clone)]
pub struct StopHandle {
    sender: watch::Sender<Option<StopReason>>,
}

/// The side a run watches.
#[derive(Clone)]
pub struct Stop {
    /// `None` for a run that nothing can stop.
    receiver: Option<watch::Receiver<Option<StopReason>>>,
}

pub fn channel() -> (StopHandle, Stop) {
    let (sender, receiver) = watch::channel(None);
    (
        StopHandle { sender },
        Stop {
            receiver: Some(receiver),
        },
    )
}

impl StopHandle {
    /// Stops the run. The first reason is kept; later ones change nothing.
    pub fn stop(&self, reason: StopReason) {
        self.sender.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(reason);
            true
        });
    }
}

impl Stop {
    /// Returns a stop that never fires, for runs without signals or deadline.
    pub fn never() -> Stop {
        Stop { receiver: None }
    }

    pub fn reason(&self) -> Option<StopReason> {
        self.receiver
            .as_ref()
            .and_then(|receiver| *receiver.borrow())
    }

    /// Waits until the run is stopped. Never returns when the stop cannot fire.
    pub async fn stopped(&self) -> StopReason {
        let Some(receiver) = &self.receiver else {
            return std::future::pending().await;
        };
        let mut receiver = receiver.clone();
        let reason = receiver
            .wait_for(Option::is_some)
            .await
            .map(|reason| *reason);
        match reason {
            Ok(reason) => reason.unwrap_or(StopReason::Interrupt),
            Err(_) => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_reason_wins() {
        let (handle, stop) = channel();
        handle.stop(StopReason::Terminate);
        handle.stop(StopReason::Interrupt);
        assert_eq!(stop.reason(), Some(StopReason::Terminate));
    }

    #[test]
    fn reasons_read_as_sentences() {
        assert_eq!(
            StopReason::Deadline(Duration::from_secs(300)).to_string(),
            "the run deadline of 5m passed"
        );
        assert_eq!(StopReason::Interrupt.exit_code(), 130);
        assert_eq!(StopReason::Terminate.exit_code(), 143);
    }
}
