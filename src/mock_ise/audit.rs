//! The record of failed logins, which plays the part of ISE's Administrator Logins audit report.

use std::collections::VecDeque;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use time::OffsetDateTime;
use time::macros::format_description;

use super::scenario::LoginFailure;

/// Maximum number of audit lines kept in memory. A long-running simulator drops the oldest lines
/// beyond it, while the failed-login counter keeps counting.
const MAX_KEPT_LINES: usize = 10_000;

/// Maximum number of characters of a client-supplied user name copied into an audit line.
const MAX_USER_CHARS: usize = 64;

/// Failed-login counter and audit lines, shared by all connections of one simulator.
#[derive(Debug)]
pub(crate) struct AuditLog {
    failed_logins: AtomicU64,
    lines: Mutex<VecDeque<String>>,
    to_stderr: bool,
}

impl AuditLog {
    pub(crate) fn new(to_stderr: bool) -> Self {
        AuditLog {
            failed_logins: AtomicU64::new(0),
            lines: Mutex::new(VecDeque::new()),
            to_stderr,
        }
    }

    pub(crate) fn failed_logins(&self) -> u64 {
        self.failed_logins.load(Ordering::Relaxed)
    }

    pub(crate) fn lines(&self) -> Vec<String> {
        let lines = self
            .lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        lines.iter().cloned().collect()
    }

    /// Counts a login rejected with 401 and records an audit line for it. `user` is the user name
    /// the client sent, or `None` when it sent no readable credentials. The password is never
    /// passed here, so it cannot reach the line.
    pub(crate) fn record_failure(
        &self,
        user: Option<&str>,
        source: SocketAddr,
        failure: LoginFailure,
    ) {
        self.failed_logins.fetch_add(1, Ordering::Relaxed);

        let line = format!(
            "{} AUDIT admin-login FAILED user={} source={} reason={} interface=web-service",
            utc_timestamp(),
            user.map_or_else(|| String::from("-"), sanitize_user),
            source,
            failure.audit_reason(),
        );

        if self.to_stderr {
            // A closed stderr must not take the server down, so a failed write is dropped.
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }

        let mut lines = self
            .lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if lines.len() == MAX_KEPT_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }
}

/// Formats the current time as `2026-12-04T20:41:00Z`.
fn utc_timestamp() -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_else(|_| String::from("unknown-time"))
}

/// Makes a client-supplied user name safe to print in a `key=value` line: whitespace and control
/// characters become `?`, so one request cannot forge a second line or a second field.
fn sanitize_user(user: &str) -> String {
    if user.is_empty() {
        return String::from("-");
    }
    user.chars()
        .take(MAX_USER_CHARS)
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                '?'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_user_replaces_newline() {
        assert_eq!(sanitize_user("ers\nadmin"), "ers?admin");
    }

    #[test]
    fn sanitize_user_truncates() {
        let long = "a".repeat(200);
        assert_eq!(sanitize_user(&long).chars().count(), MAX_USER_CHARS);
    }

    #[test]
    fn sanitize_user_empty_is_dash() {
        assert_eq!(sanitize_user(""), "-");
    }

    #[test]
    fn timestamp_has_utc_shape() {
        let stamp = utc_timestamp();
        assert_eq!(stamp.len(), "2026-12-04T20:41:00Z".len());
        assert!(stamp.ends_with('Z'));
    }
}
