//! nginx from Debian as the API gateway and firewall in front of the ISE simulator: TLS on a
//! loopback port with a certificate generated per test, forwarding to the simulator, and
//! returning a fault to one source address. A test that needs nginx fails with the install
//! command when it is missing.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tempfile::TempDir;
use time::OffsetDateTime;

/// Time nginx gets to open its port, and to exit after SIGTERM.
const START_TIMEOUT: Duration = Duration::from_secs(10);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Attempts at starting nginx. Its port is chosen before nginx binds it, so another process
/// can take the port in between.
const START_ATTEMPTS: usize = 3;

/// What the gateway returns to requests from the faulty source instead of forwarding them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A firewall or proxy rule that denies the request: 403.
    Forbidden,
    /// A reverse proxy without a route for the request: 404.
    NotFound,
    /// A proxy that sends the client to its own login page: 302.
    RedirectToLogin,
    /// A firewall that closes the connection without a response: nginx's `return 444`.
    CloseConnection,
}

impl Fault {
    /// Returns the status nginx writes to its access log for the fault, 444 included.
    pub fn logged_status(self) -> u16 {
        match self {
            Fault::Forbidden => 403,
            Fault::NotFound => 404,
            Fault::RedirectToLogin => 302,
            Fault::CloseConnection => 444,
        }
    }

    fn directive(self) -> &'static str {
        match self {
            Fault::Forbidden => "return 403;",
            Fault::NotFound => "return 404;",
            Fault::RedirectToLogin => "return 302 /portal/login.html;",
            Fault::CloseConnection => "return 444;",
        }
    }
}

/// The gateway's behaviour: where it forwards, and which source address gets which fault.
pub struct GatewayOptions {
    /// The ISE simulator, reached over HTTPS.
    pub upstream: SocketAddr,
    /// A fault for requests from the given source address. Requests from other addresses are
    /// forwarded.
    pub fault: Option<(IpAddr, Fault)>,
}

/// A running nginx. Dropping it stops the process.
pub struct Gateway {
    child: Child,
    address: SocketAddr,
    folder: TempDir,
}

impl Gateway {
    /// Starts nginx on a free port of 127.0.0.1, in a new temporary folder that contains its
    /// configuration, certificate, logs and pid file.
    pub fn start(options: &GatewayOptions) -> Gateway {
        let program = nginx_program();
        let mut last_logs = String::new();
        for _ in 0..START_ATTEMPTS {
            match Gateway::try_start(&program, options) {
                Ok(gateway) => return gateway,
                Err(logs) if logs.contains("Address already in use") => last_logs = logs,
                Err(logs) => panic!("nginx did not start\n{logs}"),
            }
        }
        panic!("nginx found no free port in {START_ATTEMPTS} attempts\n{last_logs}");
    }

    /// Starts nginx once. Returns its logs when it does not listen.
    fn try_start(program: &Path, options: &GatewayOptions) -> Result<Gateway, String> {
        let folder = tempfile::tempdir().expect("a temporary folder for nginx is created");
        let ca_pem = write_certificates(folder.path());
        std::fs::write(folder.path().join("ca.pem"), ca_pem).expect("the CA file is written");
        let address = free_loopback_address();
        std::fs::write(
            folder.path().join("nginx.conf"),
            configuration(address, options),
        )
        .expect("the nginx configuration is written");

        let mut gateway = Gateway {
            child: spawn(program, folder.path()),
            address,
            folder,
        };
        gateway.wait_until_listening()?;
        Ok(gateway)
    }

    /// Waits until the port accepts connections. Returns the logs when nginx exits or does
    /// not listen in time.
    fn wait_until_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("nginx exited with {status}\n{}", self.logs()));
            }
            if TcpStream::connect_timeout(&self.address, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "nginx did not listen within {START_TIMEOUT:?}\n{}",
            self.logs()
        ))
    }

    /// Returns `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        self.address.to_string()
    }

    /// Returns the PEM file of the CA that signed the gateway's certificate, for `--ca-file`.
    pub fn ca_file(&self) -> PathBuf {
        self.folder.path().join("ca.pem")
    }

    /// Returns nginx's error log so far.
    pub fn error_log(&self) -> String {
        read_log(&self.folder.path().join("error.log"))
    }

    /// Returns nginx's access log so far: one line per request, starting with the client's
    /// address, so that a test can see which vantage sent what.
    pub fn access_log(&self) -> String {
        read_log(&self.folder.path().join("access.log"))
    }

    /// Returns both logs and what nginx printed, for failure messages.
    pub fn logs(&self) -> String {
        format!(
            "--- nginx error log\n{}--- nginx access log\n{}--- nginx output\n{}",
            self.error_log(),
            self.access_log(),
            read_log(&self.folder.path().join("nginx.out")),
        )
    }

    /// Sends SIGTERM to the pid in nginx's pid file, then waits for the master process to
    /// exit. nginx writes that file only once it runs, so before that the child is killed.
    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pid_file = self.folder.path().join("nginx.pid");
        let signalled = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|text| text.trim().parse::<u32>().ok())
            .is_some_and(|pid| {
                Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status()
                    .is_ok_and(|status| status.success())
            });
        if !signalled {
            let _ = self.child.kill();
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes the configuration: TLS on `address`, forwarding to the simulator, and the fault for
/// one source address chosen with a `map` on `$remote_addr`.
fn configuration(address: SocketAddr, options: &GatewayOptions) -> String {
    let (faulty_source, fault_directive) = match options.fault {
        Some((source, fault)) => (source.to_string(), fault.directive()),
        // A map needs an entry, and no client has the unspecified address.
        None => ("0.0.0.0".to_string(), ""),
    };
    let upstream = options.upstream;
    // Paths are relative to the prefix given with `-p`. Debian's nginx has its temporary
    // folders under /var/lib/nginx, which only root may create, so each one is set here.
    // With `daemon off` the spawned process is the master, so the test can wait for it.
    format!(
        "daemon off;
worker_processes 1;
pid nginx.pid;
error_log error.log info;
events {{
    worker_connections 64;
}}
http {{
    access_log access.log;
    client_body_temp_path temp-body;
    proxy_temp_path temp-proxy;
    fastcgi_temp_path temp-fastcgi;
    uwsgi_temp_path temp-uwsgi;
    scgi_temp_path temp-scgi;
    # Running as root, nginx's workers run as nobody, who cannot enter this folder; responses
    # are small, so none needs a temporary file.
    proxy_max_temp_file_size 0;

    map $remote_addr $faulty_source {{
        default 0;
        {faulty_source} 1;
    }}

    server {{
        listen {address} ssl;
        ssl_certificate gateway.crt;
        ssl_certificate_key gateway.key;

        location / {{
            if ($faulty_source) {{
                {fault_directive}
            }}
            proxy_pass https://{upstream};
            proxy_http_version 1.1;
            # The simulator builds its redirects from the Host header, as ISE does, so they
            # name the gateway.
            proxy_set_header Host $http_host;
            # The simulator's certificate comes from its own CA; the lab trusts the hop.
            proxy_ssl_verify off;
        }}
    }}
}}
"
    )
}

fn spawn(program: &Path, folder: &Path) -> Child {
    let output = std::fs::File::create(folder.join("nginx.out")).expect("nginx.out is created");
    let mut prefix = folder.as_os_str().to_owned();
    prefix.push("/");
    Command::new(program)
        .arg("-p")
        .arg(&prefix)
        .arg("-c")
        .arg(folder.join("nginx.conf"))
        // Debian's build writes errors to stderr until the configuration is read; `-e` sends
        // them to the folder's log from the start.
        .arg("-e")
        .arg(folder.join("error.log"))
        .stdin(Stdio::null())
        .stdout(output.try_clone().expect("the output handle is cloned"))
        .stderr(output)
        .spawn()
        .unwrap_or_else(|error| panic!("{} starts: {error}", program.display()))
}

/// Writes `gateway.crt` and `gateway.key` for 127.0.0.1, issued by a CA generated here, and
/// returns the CA's PEM.
fn write_certificates(folder: &Path) -> String {
    let now = OffsetDateTime::now_utc();

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("a CA without names");
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "gatecheck lab gateway CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.not_before = now - time::Duration::days(1);
    ca_params.not_after = now + time::Duration::days(30);
    let ca_key = KeyPair::generate().expect("a CA key is generated");
    let ca_certificate = ca_params.self_signed(&ca_key).expect("the CA signs itself");
    let issuer = Issuer::new(ca_params, ca_key);

    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("127.0.0.1 is a valid subject alternative name");
    params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(30);
    let key = KeyPair::generate().expect("a server key is generated");
    let certificate = params
        .signed_by(&key, &issuer)
        .expect("the CA signs the gateway's certificate");

    std::fs::write(folder.join("gateway.crt"), certificate.pem())
        .expect("the gateway's certificate is written");
    std::fs::write(folder.join("gateway.key"), key.serialize_pem())
        .expect("the gateway's key is written");
    ca_certificate.pem()
}

/// Returns the address of a listener on 127.0.0.1 that was bound and closed again, because
/// nginx needs its port in the configuration.
fn free_loopback_address() -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binding 127.0.0.1:0");
    listener.local_addr().expect("the listener has an address")
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| format!("({}: {error})\n", path.display()))
}

/// Returns the path of nginx, failing the test with the install command when it is missing,
/// because a skipped lab test would hide a wrong diagnosis.
fn nginx_program() -> PathBuf {
    let mut folders: Vec<PathBuf> = ["/usr/sbin", "/usr/local/sbin"]
        .iter()
        .map(PathBuf::from)
        .collect();
    if let Some(path) = std::env::var_os("PATH") {
        folders.extend(std::env::split_paths(&path));
    }
    folders
        .into_iter()
        .map(|folder| folder.join("nginx"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "nginx is missing; the lab tests run it as the API gateway in front of the ISE \
                 simulator. Install it with `tests/tools/install-nginx` (Debian: \
                 `sudo apt-get install nginx`)"
            )
        })
}
