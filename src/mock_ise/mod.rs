//! A Cisco ISE simulator that serves the three checks of the ISE suite (ERS, Open API and MnT)
//! over HTTPS on loopback, in one of several failure [`Scenario`]s. ERS also creates and deletes
//! endpoint groups, with CSRF protection in the `csrf-enabled` scenario.
//!
//! Each start generates a fresh CA and a server certificate for `localhost`, `127.0.0.1` and
//! `::1`, so clients verify TLS for real by trusting [`MockIse::ca_pem`]. Nothing is logged
//! except audit lines for failed logins, and only when
//! [`MockIseOptions::audit_to_stderr`] is set.
//!
//! Routing follows ISE's order. The gateway first decides whether a path is exposed (302 to the
//! login page or 404 otherwise), Tomcat then checks basic credentials (401), and only then
//! does the API handle the request. With CSRF protection on, ERS rejects a write without a valid
//! token (403) before it looks at the path or the body.

mod audit;
mod csrf;
mod ers;
mod ers_write;
mod handlers;
mod html;
mod jackson;
mod mnt;
mod openapi;
mod random;
mod request;
mod response;
mod scenario;
mod server;
mod tls;

use std::fmt;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use self::audit::AuditLog;
use self::csrf::CsrfTokens;
use self::ers_write::CreatedGroups;
use self::handlers::Shared;

pub use self::mnt::KNOWN_SESSION_MAC;
pub use self::scenario::{Scenario, UnknownScenario};

/// User name the simulator accepts unless the options name another.
pub const DEFAULT_USER: &str = "ers-admin";
/// Password the simulator accepts unless the options name another. It is public on purpose:
/// the simulator guards nothing.
pub const DEFAULT_PASSWORD: &str = "Gatecheck-Demo-1";

/// Settings for one simulator.
#[derive(Clone)]
pub struct MockIseOptions {
    /// Address to listen on. Port 0 picks a free port, which [`MockIse::local_addr`] returns.
    pub listen: SocketAddr,
    pub scenario: Scenario,
    /// The admin user accepted by basic authentication.
    pub user: String,
    /// The password of `user`. It never appears in audit lines or `Debug` output.
    pub password: String,
    /// Whether each failed login is also printed as an audit line on stderr.
    pub audit_to_stderr: bool,
}

impl MockIseOptions {
    /// Options for `scenario` on `listen` with [`DEFAULT_USER`], [`DEFAULT_PASSWORD`] and no
    /// audit output on stderr.
    pub fn new(listen: SocketAddr, scenario: Scenario) -> Self {
        MockIseOptions {
            listen,
            scenario,
            user: DEFAULT_USER.to_owned(),
            password: DEFAULT_PASSWORD.to_owned(),
            audit_to_stderr: false,
        }
    }
}

impl fmt::Debug for MockIseOptions {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("MockIseOptions")
            .field("listen", &self.listen)
            .field("scenario", &self.scenario)
            .field("user", &self.user)
            .field("password", &"********")
            .field("audit_to_stderr", &self.audit_to_stderr)
            .finish()
    }
}

/// Failure to start or run the simulator. The underlying error, where there is one, is the
/// [`source`](std::error::Error::source) and not part of the message.
#[derive(Debug, thiserror::Error)]
pub enum MockIseError {
    /// The listen address is in use, not local, or not permitted.
    #[error("failed to listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    /// rcgen could not generate a key or sign a certificate.
    #[error("failed to generate the simulator's CA and server certificate")]
    Certificate(#[from] rcgen::Error),
    /// rustls rejected the generated key or the protocol versions.
    #[error("failed to build the simulator's TLS configuration")]
    TlsConfig(#[source] rustls::Error),
    /// Creating the temporary file next to `path`, writing it or renaming it over `path` failed.
    #[error("failed to write the CA certificate to {}", path.display())]
    WriteCa {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Writing the `listening on` line to stdout failed, for example because stdout was closed.
    #[error("failed to write the listening address to stdout")]
    Stdout(#[source] io::Error),
    /// The Ctrl-C or SIGTERM handler could not be installed.
    #[error("failed to install the Ctrl-C and SIGTERM handlers")]
    Signal(#[source] io::Error),
}

/// A running simulator. Dropping it stops the accept loop, as [`MockIse::shutdown`] does, but
/// without waiting for open connections to finish.
pub struct MockIse {
    local_addr: SocketAddr,
    ca_pem: String,
    shared: Arc<Shared>,
    shutdown_sender: watch::Sender<bool>,
    accept_task: JoinHandle<()>,
}

impl MockIse {
    /// Generates the CA and server certificate, binds `options.listen` and spawns the accept
    /// loop on the current Tokio runtime. Returns once the socket is listening, so a client may
    /// connect as soon as this returns.
    pub async fn start(options: MockIseOptions) -> Result<MockIse, MockIseError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let random = provider.secure_random;
        let identity = tls::generate_identity(provider)?;

        let bind_error = |source| MockIseError::Bind {
            addr: options.listen,
            source,
        };
        let listener = TcpListener::bind(options.listen)
            .await
            .map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;

        let shared = Arc::new(Shared {
            scenario: options.scenario,
            user: options.user,
            password: options.password,
            audit: AuditLog::new(options.audit_to_stderr),
            local_addr,
            random,
            csrf_tokens: CsrfTokens::default(),
            created_groups: CreatedGroups::default(),
        });
        let (shutdown_sender, shutdown_receiver) = watch::channel(false);
        let accept_task = tokio::spawn(server::accept_loop(
            listener,
            TlsAcceptor::from(identity.config),
            Arc::clone(&shared),
            shutdown_receiver,
        ));

        Ok(MockIse {
            local_addr,
            ca_pem: identity.ca_pem,
            shared,
            shutdown_sender,
            accept_task,
        })
    }

    /// Returns the address the simulator listens on, with the port chosen when the options
    /// gave port 0.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Returns the PEM of the CA that signed the server certificate.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Returns the number of requests rejected with 401 since the start.
    pub fn failed_logins(&self) -> u64 {
        self.shared.audit.failed_logins()
    }

    /// Returns the audit lines of failed logins, oldest first. Only the most recent 10,000 are
    /// kept.
    pub fn audit_lines(&self) -> Vec<String> {
        self.shared.audit.lines()
    }

    /// Returns the CSRF tokens issued since the start, oldest first. Only the `csrf-enabled`
    /// scenario issues tokens, and only the most recent 10,000 are kept. Tests use them to check
    /// that a client never prints a token.
    pub fn issued_csrf_tokens(&self) -> Vec<String> {
        self.shared.csrf_tokens.issued()
    }

    /// Stops accepting connections, lets open ones finish their current requests for up to two
    /// seconds, then closes them.
    pub async fn shutdown(self) {
        let _ = self.shutdown_sender.send(true);
        // The accept task only ends by itself or by a panic, and neither needs reporting here.
        let _ = self.accept_task.await;
    }
}

impl fmt::Debug for MockIse {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("MockIse")
            .field("local_addr", &self.local_addr)
            .field("scenario", &self.shared.scenario)
            .field("failed_logins", &self.failed_logins())
            .finish_non_exhaustive()
    }
}

/// Runs the simulator for the `gatecheck mock-ise` command. Starts it, writes the CA PEM to
/// `ca_out` when given, prints `listening on https://ADDR` on stdout, then serves until Ctrl-C
/// or SIGTERM and shuts down.
///
/// The CA file is written to a temporary file in the same folder and renamed into place, so a
/// script that waits for the `listening on` line never reads half a certificate.
pub async fn serve_until_signal(
    options: MockIseOptions,
    ca_out: Option<&Path>,
) -> Result<(), MockIseError> {
    // Installed first, so that a signal sent as soon as the `listening on` line appears is
    // handled here instead of ending the process with the default action.
    let mut stop_signals = StopSignals::install().map_err(MockIseError::Signal)?;
    let server = MockIse::start(options).await?;

    if let Some(path) = ca_out {
        write_atomically(path, server.ca_pem()).map_err(|source| MockIseError::WriteCa {
            path: path.to_path_buf(),
            source,
        })?;
    }

    {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "listening on https://{}", server.local_addr())
            .and_then(|()| stdout.flush())
            .map_err(MockIseError::Stdout)?;
    }

    let waited = stop_signals.wait().await;
    server.shutdown().await;
    waited.map_err(MockIseError::Signal)
}

/// Writes `contents` to `path` through a temporary file in the same folder, so that the rename
/// is atomic and readers see either no file or the whole file.
fn write_atomically(path: &Path, contents: &str) -> io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::NamedTempFile::new_in(folder)?;
    // tempfile creates the file readable by its owner only, but a CA certificate is public and
    // often read by a client running as another user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let readable = std::fs::Permissions::from_mode(0o644);
        temporary.as_file().set_permissions(readable)?;
    }
    temporary.write_all(contents.as_bytes())?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Listeners for Ctrl-C (SIGINT) and SIGTERM.
#[cfg(unix)]
struct StopSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl StopSignals {
    fn install() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};

        Ok(StopSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn wait(&mut self) -> io::Result<()> {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        Ok(())
    }
}

/// Listener for Ctrl-C, the only stop signal outside Unix.
#[cfg(not(unix))]
struct StopSignals;

#[cfg(not(unix))]
impl StopSignals {
    fn install() -> io::Result<Self> {
        Ok(StopSignals)
    }

    // NOTE: here the handler is installed only when `wait` is first polled, so a Ctrl-C that
    // arrives before that still ends the process at once.
    async fn wait(&mut self) -> io::Result<()> {
        tokio::signal::ctrl_c().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomically_creates_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("ca.pem");
        write_atomically(&path, "PEM").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "PEM");
    }

    #[test]
    fn write_atomically_replaces_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("ca.pem");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn write_atomically_leaves_no_temporary() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("ca.pem");
        write_atomically(&path, "PEM").unwrap();
        let names: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn options_debug_masks_password() {
        let options = MockIseOptions::new(SocketAddr::from(([127, 0, 0, 1], 0)), Scenario::Healthy);
        let text = format!("{options:?}");
        assert!(!text.contains(DEFAULT_PASSWORD));
    }
}
