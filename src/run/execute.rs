//! Sending the prepared requests and turning what comes back into [`CheckResult`]s.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use crate::assert::{self, Response};
use crate::diagnose::{Evidence, diagnose};
use crate::error_kind::ErrorKind;
use crate::results::{
    Attempt, CheckResult, ConnectionInfo, ExpectationFailure, Header, Outcome, RequestInfo,
    ResponseInfo, RunResults, Summary, TransportError,
};
use crate::run::classify;
use crate::run::lockout::{Lockout, Verdict};
use crate::run::network::{self, Clients};
use crate::run::plan::{Plan, PreparedRequest};
use crate::run::proxy::ProxyProbes;
use crate::run::stop::Stop;
use crate::run::tls_evidence::{self, TlsEvidence};
use crate::secret::{MASK, Redactor};
use crate::suite::Suite;

/// Characters of body kept in reports.
const EXCERPT_CHARS: usize = 2048;

/// Response headers copied into reports, because they explain most failures: where a
/// redirect points, which server responded, what authentication was requested.
const REPORTED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "location",
    "server",
    "www-authenticate",
    "via",
    "set-cookie",
    // The marks of an error page that a proxy wrote, which decide whom a failure is blamed on.
    "proxy-status",
    "x-squid-error",
];

/// State shared by the tasks of one run.
struct Run {
    suite: Arc<Suite>,
    plan: Plan,
    clients: Clients,
    semaphore: Arc<Semaphore>,
    /// Resolved variables plus the values captured so far.
    values: Mutex<HashMap<String, String>>,
    /// Grows when a check captures a secret value.
    redactor: Mutex<Redactor>,
    /// With `--fail-fast`, the id of the first check that did not pass.
    stopped_by: Mutex<Option<String>>,
    lockout: Lockout,
    stop: Stop,
    /// Findings after HTTPS connect timeouts, shared by the checks of the run.
    stall_probes: tls_evidence::StallProbes,
    /// Findings about the proxy after failures through one, and the certificates seen
    /// through proxy tunnels, shared by the checks of the run.
    proxy_probes: ProxyProbes,
    certificates: tls_evidence::CertificateCache,
}

/// Runs every planned check, at most `plan.concurrency` at once, and calls `on_result` for each
/// in suite order as soon as it and all checks before it have finished.
///
/// A check starts once the checks it depends on have finished; when one of them did not pass,
/// it is skipped. Returns the results and the redactor, which by then also masks the secret
/// values that checks captured.
pub async fn execute(
    suite: Arc<Suite>,
    plan: Plan,
    clients: Clients,
    stop: Stop,
    mut on_result: impl FnMut(&CheckResult),
) -> (RunResults, Redactor) {
    let started_at = now_rfc3339();
    let started = Instant::now();
    let count = plan.checks.len();
    let credentials: Vec<Option<(&str, &str)>> = plan
        .checks
        .iter()
        .map(|planned| {
            let (user, password) = planned.preview.basic_auth.as_ref()?;
            (!plan.allow_auth_retries).then_some((user.as_str(), password.expose()))
        })
        .collect();
    let lockout = Lockout::new(credentials);
    for rejected in &plan.rejected {
        lockout.reject(&rejected.user, rejected.password.expose(), &rejected.check);
    }
    let run = Arc::new(Run {
        lockout,
        stop,
        semaphore: Arc::new(Semaphore::new(plan.concurrency)),
        values: Mutex::new(plan.values.clone()),
        redactor: Mutex::new(plan.redactor.clone()),
        stopped_by: Mutex::new(None),
        suite,
        plan,
        clients,
        stall_probes: tls_evidence::StallProbes::default(),
        proxy_probes: ProxyProbes::default(),
        certificates: tls_evidence::CertificateCache::default(),
    });

    // One channel per planned check carries its outcome to the checks that depend on it.
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..count).map(|_| watch::channel(None::<Outcome>)).unzip();
    let position_of: HashMap<&str, usize> = run
        .plan
        .checks
        .iter()
        .enumerate()
        .map(|(position, planned)| (run.suite.checks[planned.index].id.as_str(), position))
        .collect();

    // Tasks are spawned in suite order, at most `window` unfinished at a time, so that memory
    // does not grow with the size of the suite. Every task waits only for earlier checks
    // (dependencies, the credential gate), and the earliest unfinished one is always spawned,
    // so the window cannot deadlock.
    //
    // A check that waits for nothing gets its slot here, before it is spawned, so that such
    // checks are sent in suite order. Newly spawned tasks start in no fixed order, and an
    // interrupted run or `--fail-fast` should leave the end of the suite unsent, not a random
    // part of it. Checks that wait take their slot once their wait is over, so that they do
    // not hold a slot while waiting.
    let window = run.plan.concurrency.saturating_mul(4).max(16);
    let mut tasks = JoinSet::new();
    let mut task_position = HashMap::new();
    let mut finished: BTreeMap<usize, CheckResult> = BTreeMap::new();
    let mut results: Vec<CheckResult> = Vec::with_capacity(count);
    let mut senders = senders.into_iter().enumerate().peekable();
    let waits = |position: usize| {
        let planned = &run.plan.checks[position];
        planned.skip_reason.is_some()
            || !run.suite.checks[planned.index].depends_on.is_empty()
            || run.lockout.gates(position)
    };
    let mut free_permit: Option<OwnedSemaphorePermit> = None;
    loop {
        let mut permit_wanted = false;
        while tasks.len() < window {
            let Some(&(position, _)) = senders.peek() else {
                break;
            };
            let permit = if waits(position) {
                None
            } else {
                let permit = free_permit
                    .take()
                    .map_or_else(|| Arc::clone(&run.semaphore).try_acquire_owned(), Ok);
                match permit {
                    Ok(permit) => Some(permit),
                    Err(_) => {
                        permit_wanted = true;
                        break;
                    }
                }
            };
            let Some((position, sender)) = senders.next() else {
                break;
            };
            let check = &run.suite.checks[run.plan.checks[position].index];
            let dependencies: Vec<(String, watch::Receiver<Option<Outcome>>)> = check
                .depends_on
                .iter()
                .filter_map(|id| {
                    let receiver = receivers[*position_of.get(id.as_str())?].clone();
                    Some((id.clone(), receiver))
                })
                .collect();
            let run = Arc::clone(&run);
            let handle = tasks.spawn(async move {
                let result = run_planned(&run, position, dependencies, permit).await;
                run.lockout.finish(position, verdict(&result));
                // A send error only means that no check depends on this one.
                let _ = sender.send(Some(result.outcome));
                result
            });
            task_position.insert(handle.id(), position);
        }

        // Only a slot taken for the next check is kept, and that check took it above.
        free_permit = None;

        // Waits for a task to finish, or for a free slot for the next check that waits for
        // nothing; the loop above then spawns it.
        let joined = tokio::select! {
            joined = tasks.join_next_with_id() => joined,
            permit = Arc::clone(&run.semaphore).acquire_owned(), if permit_wanted => {
                free_permit = permit.ok();
                continue;
            }
        };
        let Some(joined) = joined else {
            break;
        };
        let (position, result) = match joined {
            Ok((id, result)) => (task_position.remove(&id).unwrap_or_default(), result),
            // A panic in a check task is a bug; the check is reported as an error rather than
            // losing the report.
            Err(error) => {
                let position = task_position.remove(&error.id()).unwrap_or_default();
                let result = internal_error(&run, position, &error.to_string());
                (position, result)
            }
        };
        finished.insert(position, result);
        while let Some(result) = finished.remove(&results.len()) {
            on_result(&result);
            results.push(result);
        }
    }
    results.extend(finished.into_values());

    let redactor = lock(&run.redactor).clone();
    let plan = &run.plan;
    let results = RunResults {
        format: crate::results::FORMAT.to_string(),
        format_version: crate::results::FORMAT_VERSION,
        gatecheck_version: env!("CARGO_PKG_VERSION").to_string(),
        suite: suite_info(&run.suite),
        vantage: crate::results::VantageInfo {
            name: plan.vantage.name.clone(),
            description: plan.vantage.description.clone(),
        },
        target: plan.target.clone(),
        host: host_name(),
        started_at,
        finished_at: now_rfc3339(),
        duration_ms: millis(started.elapsed()),
        insecure: plan.insecure,
        stopped: run.stop.reason().map(|reason| reason.to_string()),
        summary: Summary::of(&results),
        checks: results,
    };
    (results, redactor)
}

/// What a finished check tells about its credential: a 401 rejects it, any other response
/// accepts it, and no response leaves it undecided.
fn verdict(result: &CheckResult) -> Option<Verdict> {
    match &result.response {
        Some(response) if response.status == 401 => Some(Verdict::Rejected {
            check: result.id.clone(),
        }),
        Some(_) => Some(Verdict::Accepted),
        None => None,
    }
}

/// Locks a mutex, also after a task panicked while holding it: the data stays usable, since
/// every writer leaves it consistent after each single insert.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn run_planned(
    run: &Run,
    position: usize,
    dependencies: Vec<(String, watch::Receiver<Option<Outcome>>)>,
    permit: Option<OwnedSemaphorePermit>,
) -> CheckResult {
    let planned = &run.plan.checks[position];
    for (id, mut receiver) in dependencies {
        let outcome = match receiver.wait_for(Option::is_some).await {
            Ok(outcome) => *outcome,
            Err(_) => None,
        };
        let reason = match outcome {
            Some(Outcome::Passed) => continue,
            Some(Outcome::Failed) => format!("dependency `{id}` failed"),
            Some(Outcome::Error) => format!("dependency `{id}` got no response"),
            Some(Outcome::Skipped) => format!("dependency `{id}` was skipped"),
            None => format!("dependency `{id}` did not finish"),
        };
        return skipped(run, position, reason);
    }
    if let Some(reason) = &planned.skip_reason {
        return skipped(run, position, reason.clone());
    }
    if let Some(Verdict::Rejected { check }) = run.lockout.wait(position).await {
        return skipped(
            run,
            position,
            format!(
                "skipped to protect the account from lockout: check `{check}` got 401 with the same credentials"
            ),
        );
    }

    // The semaphore is never closed, so acquiring only waits. It is taken after the
    // dependencies finished, so that waiting checks do not hold the slots they wait for.
    let _permit = match permit {
        Some(permit) => Some(permit),
        None => Arc::clone(&run.semaphore).acquire_owned().await.ok(),
    };
    if let Some(reason) = run.stop.reason() {
        return skipped(run, position, reason.to_string());
    }
    if let Some(failed) = lock(&run.stopped_by).clone() {
        return skipped(
            run,
            position,
            format!("--fail-fast stopped the run after check `{failed}` did not pass"),
        );
    }

    let values = lock(&run.values).clone();
    let result = match run.plan.prepare(&run.suite, planned.index, &values) {
        // Boxed, so that the many tasks still waiting for their turn stay small: the future
        // that sends is large, and only the running ones need it (measured: 62 MiB of waiting
        // tasks at 10,000 checks, 24 MiB boxed).
        Ok(prepared) => Box::pin(run_with_retries(run, position, &prepared)).await,
        Err(error) => {
            let mut result = internal_error(run, position, "");
            result.error = Some(TransportError {
                kind: ErrorKind::Other.to_string(),
                message: lock(&run.redactor).redact_owned(error.to_string()),
            });
            result
        }
    };
    if run.plan.fail_fast && result.outcome != Outcome::Passed {
        lock(&run.stopped_by).get_or_insert_with(|| result.id.clone());
    }
    result
}

/// Sends the check, and again after a delay while it does not pass and its `retries` allow.
/// A 401 or 403 is never retried: another rejected login only brings the account closer to
/// lockout. The earlier attempts are kept in the result, so an intermittent failure stays
/// visible.
async fn run_with_retries(run: &Run, position: usize, prepared: &PreparedRequest) -> CheckResult {
    let index = run.plan.checks[position].index;
    let retries = run.suite.checks[index].retries;
    let mut earlier: Vec<Attempt> = Vec::new();
    let mut delay = retries.map(|retries| retries.delay).unwrap_or_default();
    loop {
        run.plan
            .in_flight
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let sent_at = Instant::now();
        let mut result = tokio::select! {
            result = run_check(run, index, prepared) => result,
            reason = run.stop.stopped() => {
                let mut result = skipped(
                    run,
                    position,
                    format!("{reason} before the response arrived"),
                );
                // The request was sent: its URL is known, and so is how long it waited.
                result.request.url = lock(&run.redactor).redact_owned(prepared.url.to_string());
                result.duration_ms = millis(sent_at.elapsed());
                result
            }
        };
        run.plan
            .in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        let status = result.response.as_ref().map(|response| response.status);
        let retry = result.outcome != Outcome::Passed
            && result.outcome != Outcome::Skipped
            && !matches!(status, Some(401 | 403))
            && retries.is_some_and(|retries| earlier.len() < retries.count as usize);
        if !retry {
            result.attempts = earlier;
            return result;
        }
        earlier.push(Attempt {
            outcome: result.outcome,
            got: result.got(),
            duration_ms: result.duration_ms,
        });
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            reason = run.stop.stopped() => {
                let mut result = skipped(run, position, format!("{reason} while waiting to retry"));
                result.attempts = earlier;
                return result;
            }
        }
        delay = delay.saturating_mul(2);
    }
}

pub fn suite_info(suite: &Suite) -> crate::results::SuiteInfo {
    crate::results::SuiteInfo {
        id: suite.id.clone(),
        name: suite.name.clone(),
        version: suite.version.clone(),
        description: suite.description.clone(),
        path: suite.path.display().to_string(),
    }
}

/// Builds the result of a check that was not sent.
fn skipped(run: &Run, position: usize, reason: String) -> CheckResult {
    let planned = &run.plan.checks[position];
    let check = &run.suite.checks[planned.index];
    let redactor = lock(&run.redactor);
    CheckResult {
        id: check.id.clone(),
        name: check.name.clone(),
        description: check.description.clone(),
        tags: check.tags.clone(),
        outcome: Outcome::Skipped,
        // The request as written: its captured values, and so its URL, may never have existed.
        request: RequestInfo {
            method: planned.preview.method.to_string(),
            url: redactor.redact_owned(check.request.written_url()),
        },
        expected_status: check.expect.status.to_string(),
        response: None,
        duration_ms: 0,
        failures: Vec::new(),
        error: None,
        skip_reason: Some(redactor.redact_owned(reason)),
        diagnosis: None,
        insecure: planned.preview.client.tls.insecure && planned.preview.url.scheme() == "https",
        connection: None,
        attempts: Vec::new(),
    }
}

async fn run_check(run: &Run, index: usize, prepared: &PreparedRequest) -> CheckResult {
    let suite = &run.suite;
    let plan = &run.plan;
    let check = &suite.checks[index];

    let Some(client) = run.clients.get(&prepared.client) else {
        // Clients are built for every planned request's settings; settings that only exist
        // after a capture changed them have none.
        let mut result = base_result(run, index, prepared, Duration::ZERO, &lock(&run.redactor));
        result.outcome = Outcome::Error;
        result.error = Some(TransportError {
            kind: ErrorKind::Other.to_string(),
            message: "no HTTP client for this request's network settings".to_string(),
        });
        return result;
    };
    let mut builder = client
        .request(
            prepared.method.clone(),
            prepared.connection_url().into_owned(),
        )
        .headers(prepared.headers.clone())
        .timeout(prepared.timeout);
    if let Some((user, password)) = &prepared.basic_auth {
        builder = builder.basic_auth(user, Some(password.expose()));
    }
    if let Some(body) = &prepared.body {
        builder = builder.body(body.clone());
    }

    let started = Instant::now();
    let outcome = send(builder, plan.body_limit, &run.certificates).await;
    let duration = started.elapsed();
    // Through a proxy, a plain HTTP request goes to the proxy itself, and a 407 is the proxy's
    // answer, not the server's: the request never reached the server.
    let outcome = match outcome {
        Ok(received)
            if received.status == 407
                && prepared.client.proxy.is_some()
                && prepared.connection_url().scheme() == "http" =>
        {
            let credentials = match prepared
                .client
                .proxy
                .as_ref()
                .and_then(|proxy| reqwest::Url::parse(proxy.expose()).ok())
            {
                Some(url) if !url.username().is_empty() => {
                    "the proxy URL's credentials were sent and not accepted"
                }
                _ => "the proxy URL has no credentials",
            };
            Err((
                ErrorKind::ProxyAuthRequired,
                format!(
                    "the proxy answered the request with 407 Proxy Authentication Required; \
                     {credentials}"
                ),
            ))
        }
        // The marks also appear on error pages of reverse proxies in front of the server,
        // which come through the forward proxy unchanged. The page is the proxy's only when
        // the proxy cannot open a tunnel to the same host and port either.
        Ok(received)
            if prepared.client.proxy.is_some()
                && prepared.connection_url().scheme() == "http"
                && let Some(evidence) = proxy_generated(&received) =>
        {
            match run.proxy_probes.tunnel_failure(prepared).await {
                Some(tunnel) => Err((
                    ErrorKind::ProxyConnectFailed,
                    format!(
                        "the proxy answered the request with {} instead of forwarding it \
                         ({evidence}), and {tunnel}; the request did not reach the server",
                        received.status
                    ),
                )),
                None => Ok(received),
            }
        }
        other => other,
    };

    let mut received = match outcome {
        Ok(received) => received,
        Err((kind, message)) => {
            // The client's message names the URL it connected to; after a `connect_to` port
            // change that is not the URL of the request, which the result shows.
            let connection_url = prepared.connection_url();
            let message = if *connection_url != prepared.url {
                message.replace(connection_url.as_str(), prepared.url.as_str())
            } else {
                message
            };
            let (kind, message) = run.proxy_probes.examine(kind, message, prepared).await;
            let message = match (kind, prepared.client.local_address) {
                (ErrorKind::ConnectLocalAddress, Some(address)) => {
                    format!("cannot send from the source address {address}: {message}")
                }
                _ => message,
            };
            // A server below the required version answers with a bare `ProtocolVersion`
            // alert, which does not say that the minimum came from the suite.
            let message = match prepared.client.tls.min_version {
                Some(crate::suite::TlsVersion::Tls13)
                    if kind.family() == "tls" && message.contains("ProtocolVersion") =>
                {
                    format!(
                        "{message} (this check accepts only TLS 1.3, from tls.min_version or \
                         --tls-min; the server may support only older versions)"
                    )
                }
                _ => message,
            };
            let (kind, message, tls) =
                tls_evidence::examine_failure(kind, message, prepared, &run.stall_probes).await;
            let addresses_tried = if kind == ErrorKind::Dns {
                Vec::new()
            } else {
                run.clients
                    .addresses_tried(&prepared.connection_url(), &prepared.client)
                    .await
            };
            let redactor = lock(&run.redactor).clone();
            let evidence = Evidence {
                status: None,
                error: Some(kind),
                body: None,
                history: &plan.history,
            };
            let mut result = base_result(run, index, prepared, duration, &redactor);
            result.outcome = Outcome::Error;
            result.error = Some(TransportError {
                kind: kind.to_string(),
                message: redactor.redact_owned(message),
            });
            result.diagnosis = Some(redact_diagnosis(
                diagnose(check, &suite.hints, &plan.vantage.name, &evidence),
                &redactor,
            ));
            if let Some(connection) = &mut result.connection {
                connection.addresses_tried = addresses_tried
                    .into_iter()
                    .map(|address| redactor.redact_owned(address))
                    .collect();
                if let Some(tls) = tls {
                    tls.record(connection, &redactor);
                }
            }
            return result;
        }
    };

    if received.tls.certificate.is_none() && prepared.client.proxy.is_some() {
        let url = prepared.connection_url();
        if url.scheme() == "https" {
            received.tls = run.proxy_probes.certificate(&url, &prepared.client).await;
        }
    }
    let mut failures = assert::evaluate(
        &check.expect,
        &Response {
            status: received.status,
            headers: &received.headers,
            body: &received.body,
            body_truncated: received.truncated,
            duration,
            certificate: received.tls.certificate.as_ref(),
            tls_note: received.tls.note.as_deref(),
        },
    );
    let body_text = String::from_utf8_lossy(&received.body);
    // Captured before the result is built, also when an expectation failed, so that a secret
    // value is masked in this check's own failure messages.
    let capture_failures = store_captures(run, check, &received.headers, &body_text);
    // Session cookies are credentials: their values are masked wherever they appear, also in
    // bodies that echo them.
    for cookie in received.headers.get_all(reqwest::header::SET_COOKIE) {
        let text = String::from_utf8_lossy(cookie.as_bytes());
        let pair = text.split(';').next().unwrap_or_default();
        if let Some((_, value)) = pair.split_once('=') {
            lock(&run.redactor).add_token(value.trim());
        }
    }
    if failures.is_empty() {
        failures = capture_failures;
    }

    // Taken after the captures, so that a secret this check captured is already masked in its
    // own result.
    let redactor = lock(&run.redactor).clone();
    let mut result = base_result(run, index, prepared, duration, &redactor);
    if let Some(connection) = &mut result.connection {
        connection.remote_address = received.remote_address.map(|address| address.to_string());
        received.tls.clone().record(connection, &redactor);
    }
    if !failures.is_empty() {
        result.outcome = Outcome::Failed;
        let evidence = Evidence {
            status: Some(received.status),
            error: None,
            body: Some(&body_text),
            history: &plan.history,
        };
        result.diagnosis = Some(redact_diagnosis(
            diagnose(check, &suite.hints, &plan.vantage.name, &evidence),
            &redactor,
        ));
    }
    result.failures = failures
        .into_iter()
        .map(|failure| redact_failure(failure, &redactor))
        .collect();
    result.response = Some(ResponseInfo {
        status: received.status,
        http_version: received.version,
        headers: reported_headers(&received.headers, &redactor),
        body_excerpt: excerpt(&body_text, &redactor),
        body_bytes: received.body.len() as u64,
        body_truncated: received.truncated,
    });
    result
}

/// Stores the check's captured values for later checks, and returns a failure for each value
/// that could not be captured.
fn store_captures(
    run: &Run,
    check: &crate::suite::Check,
    headers: &HeaderMap,
    body: &str,
) -> Vec<ExpectationFailure> {
    let mut failures = Vec::new();
    for capture in &check.captures {
        let captured = match assert::capture::capture(&capture.source, headers, body) {
            Err(_) if capture.optional => Ok(String::new()),
            other => other,
        };
        match captured {
            Ok(value) => {
                if capture.secret {
                    lock(&run.redactor).add(&value);
                }
                lock(&run.values).insert(capture.name.clone(), value);
            }
            Err(problem) => failures.push(ExpectationFailure {
                expectation: format!("capture {} ({})", capture.name, capture.source.describe()),
                expected: "a value".to_string(),
                actual: problem,
            }),
        }
    }
    failures
}

/// A passed result with the request filled in; the caller adds what came back.
fn base_result(
    run: &Run,
    index: usize,
    prepared: &PreparedRequest,
    duration: Duration,
    redactor: &Redactor,
) -> CheckResult {
    let check = &run.suite.checks[index];
    CheckResult {
        id: check.id.clone(),
        name: check.name.clone(),
        description: check.description.clone(),
        tags: check.tags.clone(),
        outcome: Outcome::Passed,
        request: RequestInfo {
            method: prepared.method.to_string(),
            url: redactor.redact_owned(prepared.url.to_string()),
        },
        expected_status: check.expect.status.to_string(),
        response: None,
        duration_ms: millis(duration),
        failures: Vec::new(),
        error: None,
        skip_reason: None,
        diagnosis: None,
        // Plain HTTP has no certificate to leave unverified.
        insecure: prepared.client.tls.insecure && prepared.url.scheme() == "https",
        connection: Some(ConnectionInfo {
            proxy: prepared
                .proxy
                .url
                .as_ref()
                .map(|url| redactor.redact_owned(network::shown_proxy_url(url.expose()))),
            proxy_source: prepared.proxy.source.clone(),
            remote_address: None,
            addresses_tried: Vec::new(),
            connect_to: prepared
                .connect_to
                .as_ref()
                .map(|redirect| redactor.redact_owned(redirect.description.clone())),
            resolve: prepared
                .resolve_rule
                .as_ref()
                .map(|rule| redactor.redact_owned(rule.clone())),
            local_address: prepared
                .client
                .local_address
                .map(|address| address.to_string()),
            tls_version: None,
            certificate: None,
            tls_note: None,
        }),
        attempts: Vec::new(),
    }
}

/// Returns the header that marks an error response to a plain HTTP request through a proxy
/// as the proxy's own, such as the page it sends when it cannot reach the server. Squid marks
/// its error pages with `X-Squid-Error`, RFC 9209 proxies add `Proxy-Status` with an `error`
/// parameter, and tinyproxy and Squid name themselves in `Server` on their own pages while
/// they pass a server's `Server` on unchanged.
fn proxy_generated(received: &Received) -> Option<String> {
    if received.status < 400 {
        return None;
    }
    let value = |name: &str| {
        received
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    if let Some(error) = value("x-squid-error") {
        return Some(format!("X-Squid-Error: {error}"));
    }
    if let Some(status) = value("proxy-status").filter(|status| status.contains("error=")) {
        return Some(format!("Proxy-Status: {status}"));
    }
    let server = value("server")?;
    let product = server.to_ascii_lowercase();
    (product.starts_with("tinyproxy") || product.starts_with("squid"))
        .then(|| format!("Server: {server}"))
}

struct Received {
    status: u16,
    remote_address: Option<std::net::SocketAddr>,
    version: String,
    tls: TlsEvidence,
    headers: HeaderMap,
    body: Vec<u8>,
    truncated: bool,
}

/// Sends the request and reads at most `body_limit` bytes of the body, so that a huge or
/// endless body costs no more memory than the limit.
async fn send(
    builder: reqwest::RequestBuilder,
    body_limit: usize,
    certificates: &tls_evidence::CertificateCache,
) -> Result<Received, (ErrorKind, String)> {
    let failed = |error: reqwest::Error| (classify::classify(&error), classify::describe(&error));
    let mut response = builder.send().await.map_err(failed)?;
    let status = response.status().as_u16();
    let remote_address = response.remote_addr();
    let version = format!("{:?}", response.version());
    let tls = TlsEvidence::from_response(
        response.extensions().get::<reqwest::tls::TlsInfo>(),
        response.url(),
        certificates,
    );
    let headers = response.headers().clone();
    // Sized up front when the length is announced, so that a body at the limit is not copied
    // while the buffer doubles, nor given up to twice the room it needs.
    let announced = response
        .content_length()
        .and_then(|length| usize::try_from(length).ok())
        .unwrap_or(0);
    let mut body = Vec::with_capacity(announced.min(body_limit));
    let mut truncated = false;
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        let room = body_limit.saturating_sub(body.len());
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Received {
        status,
        remote_address,
        version,
        tls,
        headers,
        body,
        truncated,
    })
}

fn reported_headers(headers: &HeaderMap, redactor: &Redactor) -> Vec<Header> {
    let mut reported = Vec::new();
    for name in REPORTED_HEADERS {
        for value in headers.get_all(*name) {
            let text = String::from_utf8_lossy(value.as_bytes());
            let value = if *name == "set-cookie" {
                mask_cookie(&text)
            } else {
                redactor.redact(&text).into_owned()
            };
            reported.push(Header {
                name: (*name).to_string(),
                value,
            });
        }
    }
    reported
}

/// Keeps a cookie's name and attributes, which help diagnose a gateway, and masks its value,
/// which is a session credential.
fn mask_cookie(cookie: &str) -> String {
    let (pair, attributes) = cookie.split_once(';').unwrap_or((cookie, ""));
    let name = pair.split_once('=').map_or(pair, |(name, _)| name).trim();
    if attributes.is_empty() {
        format!("{name}={MASK}")
    } else {
        format!("{name}={MASK};{attributes}")
    }
}

fn excerpt(body: &str, redactor: &Redactor) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let redacted = redactor.redact(body);
    let mut excerpt: String = redacted.chars().take(EXCERPT_CHARS).collect();
    if redacted.chars().nth(EXCERPT_CHARS).is_some() {
        excerpt.push('…');
    }
    Some(excerpt)
}

fn redact_failure(failure: ExpectationFailure, redactor: &Redactor) -> ExpectationFailure {
    ExpectationFailure {
        expectation: redactor.redact_owned(failure.expectation),
        expected: redactor.redact_owned(failure.expected),
        actual: redactor.redact_owned(failure.actual),
    }
}

fn redact_diagnosis(
    diagnosis: crate::results::Diagnosis,
    redactor: &Redactor,
) -> crate::results::Diagnosis {
    crate::results::Diagnosis {
        title: redactor.redact_owned(diagnosis.title),
        explanation: redactor.redact_owned(diagnosis.explanation),
        ..diagnosis
    }
}

fn internal_error(run: &Run, position: usize, message: &str) -> CheckResult {
    let mut result = skipped(run, position, String::new());
    result.outcome = Outcome::Error;
    result.skip_reason = None;
    result.error = Some(TransportError {
        kind: ErrorKind::Other.to_string(),
        message: format!("internal error in gatecheck, please report it: {message}"),
    });
    result
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Returns the machine's name, from `HOSTNAME` or /etc/hostname, which distinguishes runs
/// from different machines.
pub fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|name| !name.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|name| name.trim().to_string())
                .filter(|name| !name.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_string())
}
