//! Real servers on 127.0.0.1 for the transport tests: TLS servers with certificates generated
//! per test, and plain TCP servers that misbehave in the ways networks do (never respond, close
//! mid-response, never accept).
//!
//! Every server runs on the Tokio runtime of one [`Servers`], which stops them all when it is
//! dropped.

// Each test binary uses only some of these servers.
#![allow(dead_code)]

pub mod microsocks;
pub mod tinyproxy;

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, SupportedProtocolVersion};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpSocket};

/// Body of every successful response of the TLS server.
pub const TLS_BODY: &str = "tls ok\n";

/// A certificate and its private key, in DER for servers and in PEM for gatecheck's files.
pub struct Identity {
    pub certificate: CertificateDer<'static>,
    pub key_der: Vec<u8>,
    pub certificate_pem: String,
    pub key_pem: String,
}

/// A certificate authority generated for one test.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pub pem: String,
    pub der: CertificateDer<'static>,
}

/// Validity of a generated certificate, relative to now.
#[derive(Clone, Copy)]
pub struct Validity {
    pub from: time::Duration,
    pub until: time::Duration,
}

impl Validity {
    /// Valid since yesterday for 30 days more.
    pub const CURRENT: Validity = Validity {
        from: time::Duration::days(-1),
        until: time::Duration::days(30),
    };
    /// Expired three days ago.
    pub const EXPIRED: Validity = Validity {
        from: time::Duration::days(-60),
        until: time::Duration::days(-3),
    };
    /// Valid from ten days from now.
    pub const NOT_YET: Validity = Validity {
        from: time::Duration::days(10),
        until: time::Duration::days(100),
    };
}

impl TestCa {
    pub fn new(common_name: &str) -> TestCa {
        let now = OffsetDateTime::now_utc();
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("a CA without names");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = now - time::Duration::days(2);
        params.not_after = now + time::Duration::days(365);
        let key = KeyPair::generate().expect("a CA key is generated");
        let certificate = params.self_signed(&key).expect("the CA signs itself");
        TestCa {
            pem: certificate.pem(),
            der: certificate.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// Issues a server certificate for `names` with common name `names[0]`.
    pub fn server(&self, names: &[&str], validity: Validity) -> Identity {
        let params = leaf_params(names, validity, ExtendedKeyUsagePurpose::ServerAuth);
        let key = KeyPair::generate().expect("a server key is generated");
        let certificate = params
            .signed_by(&key, &self.issuer)
            .expect("the CA signs the server certificate");
        identity(certificate, &key)
    }

    /// Issues a client certificate with common name `name`.
    pub fn client(&self, name: &str) -> Identity {
        let mut params = leaf_params(&[], Validity::CURRENT, ExtendedKeyUsagePurpose::ClientAuth);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("a client key is generated");
        let certificate = params
            .signed_by(&key, &self.issuer)
            .expect("the CA signs the client certificate");
        identity(certificate, &key)
    }

    /// Writes the CA certificate to `folder/NAME.pem` and returns the path, for `--ca-file`.
    pub fn write(&self, folder: &Path, name: &str) -> PathBuf {
        let path = folder.join(format!("{name}.pem"));
        std::fs::write(&path, &self.pem).expect("the CA file is written");
        path
    }
}

/// Returns a self-signed server certificate for `names`.
pub fn self_signed(names: &[&str]) -> Identity {
    let params = leaf_params(
        names,
        Validity::CURRENT,
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let key = KeyPair::generate().expect("a key is generated");
    let certificate = params
        .self_signed(&key)
        .expect("the certificate signs itself");
    identity(certificate, &key)
}

fn leaf_params(
    names: &[&str],
    validity: Validity,
    usage: ExtendedKeyUsagePurpose,
) -> CertificateParams {
    let now = OffsetDateTime::now_utc();
    let sans: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    let mut params = CertificateParams::new(sans).expect("valid subject alternative names");
    if let Some(first) = names.first() {
        params.distinguished_name.push(DnType::CommonName, *first);
    }
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now + validity.from;
    params.not_after = now + validity.until;
    params
}

fn identity(certificate: rcgen::Certificate, key: &KeyPair) -> Identity {
    Identity {
        certificate_pem: certificate.pem(),
        certificate: certificate.der().clone(),
        key_der: key.serialize_der(),
        key_pem: key.serialize_pem(),
    }
}

impl Identity {
    /// Writes the certificate and key to `folder/NAME.crt` and `folder/NAME.key`, for
    /// `--client-cert` and `--client-key`.
    pub fn write(&self, folder: &Path, name: &str) -> (PathBuf, PathBuf) {
        let certificate = folder.join(format!("{name}.crt"));
        let key = folder.join(format!("{name}.key"));
        std::fs::write(&certificate, &self.certificate_pem).expect("the certificate is written");
        std::fs::write(&key, &self.key_pem).expect("the key is written");
        (certificate, key)
    }
}

/// How a TLS test server is set up.
pub struct TlsOptions<'a> {
    pub identity: &'a Identity,
    pub versions: &'a [&'static SupportedProtocolVersion],
    /// Requires a client certificate issued by this CA.
    pub client_ca: Option<&'a TestCa>,
}

impl<'a> TlsOptions<'a> {
    /// TLS 1.3 and 1.2, no client certificate.
    pub fn new(identity: &'a Identity) -> TlsOptions<'a> {
        TlsOptions {
            identity,
            versions: rustls::ALL_VERSIONS,
            client_ca: None,
        }
    }

    fn config(&self) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(self.versions)
            .expect("the protocol versions are supported");
        let builder = match self.client_ca {
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                roots.add(ca.der.clone()).expect("the client CA is valid");
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .expect("the client verifier builds");
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.identity.key_der.clone()));
        let mut config = builder
            .with_single_cert(vec![self.identity.certificate.clone()], key)
            .expect("the server certificate and key match");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

/// Servers of one test on their own Tokio runtime; dropping this stops them all.
pub struct Servers {
    runtime: tokio::runtime::Runtime,
    /// Listeners that must stay open but are never accepted from.
    idle_listeners: Vec<TcpListener>,
    /// Connections that keep an accept queue full.
    fillers: Vec<TcpStream>,
}

impl Servers {
    pub fn new() -> Servers {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("the Tokio runtime for the test servers starts");
        Servers {
            runtime,
            idle_listeners: Vec::new(),
            fillers: Vec::new(),
        }
    }

    fn listener(&self) -> TcpListener {
        self.runtime
            .block_on(TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
            .expect("binding 127.0.0.1:0")
    }

    /// Starts an HTTPS server that responds to every request with 200 and [`TLS_BODY`]. Failed
    /// handshakes only end that connection.
    pub fn tls(&self, options: &TlsOptions<'_>) -> SocketAddr {
        let listener = self.listener();
        let address = listener.local_addr().expect("the listener has an address");
        let acceptor = tokio_rustls::TlsAcceptor::from(options.config());
        self.runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service = service_fn(|_request| async {
                        Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                            TLS_BODY.as_bytes(),
                        ))))
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        address
    }

    /// Starts a plain HTTP server that responds to whatever arrives with `400 Bad Request`, as
    /// a web server does when a TLS client connects to its plain port.
    pub fn plain_http(&self) -> SocketAddr {
        self.raw(|mut stream| async move {
            let mut buffer = [0_u8; 4096];
            let _ = stream.read(&mut buffer).await;
            let _ = stream
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\
                      Content-Length: 12\r\nConnection: close\r\n\r\nbad request\n",
                )
                .await;
            let _ = stream.shutdown().await;
        })
    }

    /// Starts a server that accepts connections, reads the request and never responds.
    pub fn silent(&self) -> SocketAddr {
        self.raw(|mut stream| async move {
            let mut buffer = [0_u8; 4096];
            while let Ok(read) = stream.read(&mut buffer).await {
                if read == 0 {
                    break;
                }
            }
        })
    }

    /// Starts a server like [`Servers::silent`] that also counts the connections it accepts.
    pub fn silent_counted(&self) -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&count);
        let address = self.raw(move |mut stream| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                let mut buffer = [0_u8; 4096];
                while let Ok(read) = stream.read(&mut buffer).await {
                    if read == 0 {
                        break;
                    }
                }
            }
        });
        (address, count)
    }

    /// Starts a server that sends the headers and the start of a 1000-byte body, then closes
    /// the connection.
    pub fn closes_mid_response(&self) -> SocketAddr {
        self.raw(|mut stream| async move {
            let mut buffer = [0_u8; 4096];
            let _ = stream.read(&mut buffer).await;
            let _ = stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n\
                      the first bytes of a longer body",
                )
                .await;
            let _ = stream.shutdown().await;
        })
    }

    /// Starts a server that resets every connection as soon as it accepts it.
    pub fn resets(&self) -> SocketAddr {
        self.raw(|stream| async move {
            // A zero linger time makes closing send RST instead of FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
        })
    }

    /// Starts a server that responds to every request with bytes that are not HTTP.
    pub fn garbage(&self) -> SocketAddr {
        self.raw(|mut stream| async move {
            let mut buffer = [0_u8; 4096];
            let _ = stream.read(&mut buffer).await;
            let _ = stream.write_all(b"this is not HTTP\r\n\r\n").await;
            let _ = stream.shutdown().await;
        })
    }

    /// Starts a plain HTTP server that redirects every request to `/`, itself.
    pub fn redirect_loop(&self) -> SocketAddr {
        self.raw(|mut stream| async move {
            let mut buffer = [0_u8; 4096];
            while let Ok(read) = stream.read(&mut buffer).await {
                if read == 0 {
                    break;
                }
                let response = b"HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n";
                if stream.write_all(response).await.is_err() {
                    break;
                }
            }
        })
    }

    /// Starts a plain HTTP server that records the source address of every connection and
    /// responds with 200 and that address as the body.
    pub fn peer_logger(&self) -> (SocketAddr, Arc<Mutex<Vec<IpAddr>>>) {
        let peers = Arc::new(Mutex::new(Vec::new()));
        let listener = self.listener();
        let address = listener.local_addr().expect("the listener has an address");
        let log = Arc::clone(&peers);
        self.runtime.spawn(async move {
            while let Ok((mut stream, peer)) = listener.accept().await {
                log.lock().expect("the peer log").push(peer.ip());
                tokio::spawn(async move {
                    let mut buffer = [0_u8; 4096];
                    let _ = stream.read(&mut buffer).await;
                    let body = peer.ip().to_string();
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        (address, peers)
    }

    /// Starts a plain HTTP server that reads the whole request head, as a proxy in front of it
    /// needs, and responds with 500 and `headers` (each line ending in CRLF).
    pub fn server_error(&self, headers: &'static str) -> SocketAddr {
        self.raw(move |mut stream| async move {
            let mut head = Vec::new();
            let mut buffer = [0_u8; 4096];
            while !head.windows(4).any(|window| window == b"\r\n\r\n") {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(read) => head.extend_from_slice(&buffer[..read]),
                }
            }
            let response = format!(
                "HTTP/1.1 500 Internal Server Error\r\n{headers}Content-Type: text/plain\r\n\
                 Content-Length: 6\r\nConnection: close\r\n\r\nerror\n"
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        })
    }

    /// Starts a plain HTTP server that responds with 200 and the request's `Host` header as
    /// the body.
    pub fn host_echo(&self) -> SocketAddr {
        self.raw(|mut stream| async move {
            let mut buffer = [0_u8; 4096];
            let read = stream.read(&mut buffer).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buffer[..read]);
            let host = request
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("host")
                        .then(|| value.trim().to_string())
                })
                .unwrap_or_else(|| "(no Host header)".to_string());
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{host}",
                host.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        })
    }

    /// Returns the address of a listener with a backlog of 1 whose accept queue is full, so
    /// that the kernel drops further connection attempts and they time out, as behind a
    /// firewall that drops packets.
    pub fn full_accept_queue(&mut self) -> SocketAddr {
        let listener = self.runtime.block_on(async {
            let socket = TcpSocket::new_v4().expect("a TCP socket");
            socket
                .bind((Ipv4Addr::LOCALHOST, 0).into())
                .expect("binding 127.0.0.1:0");
            socket.listen(1).expect("listening with a backlog of 1")
        });
        let address = listener.local_addr().expect("the listener has an address");
        self.idle_listeners.push(listener);
        // Linux queues backlog + 1 connections; one more attempt must time out to show that
        // the queue is full.
        for _ in 0..16 {
            match TcpStream::connect_timeout(&address, Duration::from_millis(300)) {
                Ok(stream) => self.fillers.push(stream),
                Err(_) => return address,
            }
        }
        panic!("the accept queue of {address} never filled up: connections still succeed");
    }

    fn raw<F, Fut>(&self, handle: F) -> SocketAddr
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = self.listener();
        let address = listener.local_addr().expect("the listener has an address");
        self.runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(handle(stream));
            }
        });
        address
    }
}

/// Returns the path of a Debian tool that tests start as a real component, failing the test
/// with the install command when it is missing: a skipped test would hide a broken path.
pub fn program(name: &str, purpose: &str) -> String {
    let folders = ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"]
        .into_iter()
        .map(std::path::PathBuf::from)
        .chain(
            std::env::var_os("PATH")
                .into_iter()
                .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>()),
        );
    for folder in folders {
        let candidate = folder.join(name);
        if candidate.exists() {
            return candidate.display().to_string();
        }
    }
    panic!(
        "{name} is missing; {purpose}. Install it with `tests/tools/install-system-tools` \
         (Debian: `sudo apt-get install {name}`)"
    );
}

/// Waits until the process `name` accepts connections on `address`, failing the test with
/// `log()` when it exits first or does not listen within 10 s.
pub fn wait_until_listening(
    child: &mut std::process::Child,
    address: SocketAddr,
    name: &str,
    log: &dyn Fn() -> String,
) {
    let limit = Duration::from_secs(10);
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{name} exited with {status} before listening\n{}", log());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "{name} did not listen on {address} within {limit:?}\n{}",
        log()
    );
}
