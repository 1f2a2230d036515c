//! An HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose, for the robustness tests. The
//! request path selects the behaviour ([`Mode`]). Every response is written by hand on a raw TCP
//! stream, so that no HTTP library between the test and the socket repairs it.
//!
//! The server reads one request per connection and never reads a request body, which is enough
//! because gatecheck sends GET requests without a body in these tests.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use crate::gzip_bomb::GzipBomb;

/// Size of the body that [`Mode::HugeBody`] announces and sends until the client hangs up.
pub const HUGE_BODY_BYTES: u64 = 1_000_000_000;

/// Headers that [`Mode::ManyHeaders`] sends.
pub const MANY_HEADERS: usize = 10_000;

/// Bytes of body that [`Mode::ResetMidBody`] sends before the reset, of the 100,000 it
/// announces.
pub const BYTES_BEFORE_RESET: usize = 1000;

/// Response body of [`Mode::HostileBytes`]: invalid UTF-8, C0 controls (NUL, BEL, ESC, a lone
/// CR), DEL, a C1 control and a CDATA terminator.
pub const HOSTILE_BODY: &[u8] = b"start \xff\xfe\xc3\x28 invalid UTF-8; NUL \x00; BEL \x07; \
ESC \x1b[31mred\x1b[0m; lone CR \r here; DEL \x7f; C1 \xc2\x9b; CDATA end ]]> and <![CDATA[ open; \
markup </system-out> <tag> & end\n";

/// Maximum size of a request head, in bytes. The server closes the connection on a larger one.
const MAX_REQUEST_HEAD: usize = 64 * 1024;

/// How a response goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Reads the request and never writes anything.
    Silent,
    /// Sends the status line and headers, announcing a body that never comes.
    HeadersOnly,
    /// Sends the whole response, status line included, one byte per second.
    Drip,
    /// Sends the headers and part of the body, then resets the connection (`SO_LINGER` 0).
    ResetMidBody,
    /// Sends a body of [`HUGE_BODY_BYTES`], generated while it is written.
    HugeBody,
    /// Sends [`GzipBomb`] with `Content-Encoding: gzip`.
    GzipBomb,
    /// Sends [`HOSTILE_BODY`].
    HostileBytes,
    /// Sends [`MANY_HEADERS`] headers.
    ManyHeaders,
    /// Redirects `/loop/N` to `/loop/N+1`, so every URL in the chain is new.
    RedirectLoop,
    /// Sends an SSH banner instead of HTTP, as a port forwarded to the wrong service does, and
    /// keeps the connection open.
    NotHttp,
    /// Responds with 401 to every request, and counts those that carried credentials.
    Unauthorized,
}

impl Mode {
    pub const ALL: [Mode; 11] = [
        Mode::Silent,
        Mode::HeadersOnly,
        Mode::Drip,
        Mode::ResetMidBody,
        Mode::HugeBody,
        Mode::GzipBomb,
        Mode::HostileBytes,
        Mode::ManyHeaders,
        Mode::RedirectLoop,
        Mode::NotHttp,
        Mode::Unauthorized,
    ];

    /// Returns the request path that selects the mode.
    pub fn path(self) -> &'static str {
        match self {
            Mode::Silent => "/silent",
            Mode::HeadersOnly => "/headers-only",
            Mode::Drip => "/drip",
            Mode::ResetMidBody => "/reset",
            Mode::HugeBody => "/huge",
            Mode::GzipBomb => "/gzip-bomb",
            Mode::HostileBytes => "/hostile-bytes",
            Mode::ManyHeaders => "/many-headers",
            Mode::RedirectLoop => "/loop/0",
            Mode::NotHttp => "/not-http",
            Mode::Unauthorized => "/unauthorized",
        }
    }

    fn for_path(path: &str) -> Option<Mode> {
        if path.starts_with("/loop/") {
            return Some(Mode::RedirectLoop);
        }
        Mode::ALL.into_iter().find(|mode| mode.path() == path)
    }
}

/// What the server received and sent, for tests that bound the traffic.
#[derive(Default)]
pub struct Counters {
    requests: AtomicU64,
    requests_with_authorization: AtomicU64,
    body_bytes_sent: AtomicU64,
}

/// The running server. Dropping it stops the server and closes every open connection.
pub struct HostileServer {
    address: SocketAddr,
    counters: Arc<Counters>,
    // Dropping the runtime cancels the accept loop and every connection task.
    _runtime: tokio::runtime::Runtime,
}

impl HostileServer {
    /// Starts the server on an ephemeral port of 127.0.0.1, on a runtime of its own so that a
    /// test can block on the gatecheck process while the server keeps serving.
    pub fn start() -> HostileServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("the Tokio runtime for the hostile server starts");
        let listener = runtime
            .block_on(TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
            .expect("binding 127.0.0.1:0");
        let address = listener.local_addr().expect("the listener has an address");
        let counters = Arc::new(Counters::default());
        let bomb = Arc::new(GzipBomb::new());

        let accept_counters = Arc::clone(&counters);
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counters = Arc::clone(&accept_counters);
                let bomb = Arc::clone(&bomb);
                tokio::spawn(async move {
                    // A write error means the client hung up, which these tests expect.
                    let _ = serve(stream, &counters, &bomb).await;
                });
            }
        });

        HostileServer {
            address,
            counters,
            _runtime: runtime,
        }
    }

    /// Returns `http://127.0.0.1:PORT`, the base URL for suites.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn requests(&self) -> u64 {
        self.counters.requests.load(Ordering::SeqCst)
    }

    /// Returns the number of requests that carried an `Authorization` header.
    pub fn requests_with_authorization(&self) -> u64 {
        self.counters
            .requests_with_authorization
            .load(Ordering::SeqCst)
    }

    /// Returns the body bytes written to sockets so far, in every mode.
    pub fn body_bytes_sent(&self) -> u64 {
        self.counters.body_bytes_sent.load(Ordering::SeqCst)
    }
}

async fn serve(mut stream: TcpStream, counters: &Counters, bomb: &GzipBomb) -> std::io::Result<()> {
    let Some(head) = read_request_head(&mut stream).await? else {
        return Ok(());
    };
    counters.requests.fetch_add(1, Ordering::SeqCst);
    if head
        .lines()
        .any(|line| line.to_ascii_lowercase().starts_with("authorization:"))
    {
        counters
            .requests_with_authorization
            .fetch_add(1, Ordering::SeqCst);
    }
    let path = head
        .lines()
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .unwrap_or("/");
    let Some(mode) = Mode::for_path(path) else {
        let response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        return finish(stream, response.as_bytes()).await;
    };

    match mode {
        Mode::Silent => hold_open(stream).await,
        Mode::HeadersOnly => {
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n";
            stream.write_all(head.as_bytes()).await?;
            hold_open(stream).await
        }
        Mode::Drip => {
            let mut response =
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
                    .to_vec();
            response.extend(std::iter::repeat_n(b'.', 1000));
            for byte in response {
                stream.write_all(&[byte]).await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Ok(())
        }
        Mode::ResetMidBody => {
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n";
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&[b'x'; BYTES_BEFORE_RESET]).await?;
            count_body(counters, BYTES_BEFORE_RESET as u64);
            // Gives the client time to read the headers, so the reset lands in the body.
            tokio::time::sleep(Duration::from_millis(300)).await;
            stream.set_zero_linger()?;
            drop(stream);
            Ok(())
        }
        Mode::HugeBody => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {HUGE_BODY_BYTES}\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
            let chunk: Vec<u8> = b"hostile body "
                .iter()
                .copied()
                .cycle()
                .take(64 * 1024)
                .collect();
            write_repeated(&mut stream, counters, &chunk, HUGE_BODY_BYTES).await
        }
        Mode::GzipBomb => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                bomb.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&bomb.head).await?;
            let zeros = vec![0; 64 * 1024];
            write_repeated(&mut stream, counters, &zeros, bomb.zero_bytes).await?;
            finish(stream, &bomb.tail).await
        }
        Mode::HostileBytes => {
            let mut response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                HOSTILE_BODY.len()
            )
            .into_bytes();
            response.extend_from_slice(HOSTILE_BODY);
            finish(stream, &response).await
        }
        Mode::ManyHeaders => {
            let mut response = String::from("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n");
            for index in 0..MANY_HEADERS {
                response.push_str(&format!("X-Filler-{index}: {index}\r\n"));
            }
            response.push_str("Content-Length: 2\r\nConnection: close\r\n\r\nok");
            finish(stream, response.as_bytes()).await
        }
        Mode::RedirectLoop => {
            let hop: u64 = path
                .trim_start_matches("/loop/")
                .parse()
                .unwrap_or_default();
            let next = hop + 1;
            let response = format!(
                "HTTP/1.1 302 Found\r\nLocation: /loop/{next}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            finish(stream, response.as_bytes()).await
        }
        Mode::NotHttp => {
            stream
                .write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
                .await?;
            hold_open(stream).await
        }
        Mode::Unauthorized => {
            let response = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"hostile\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            finish(stream, response.as_bytes()).await
        }
    }
}

/// Reads up to the blank line that ends the request head. Returns `None` when the client
/// closes first or the head exceeds [`MAX_REQUEST_HEAD`].
async fn read_request_head(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut head = Vec::new();
    let mut buffer = [0; 4096];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await?;
        if read == 0 || head.len() > MAX_REQUEST_HEAD {
            return Ok(None);
        }
        head.extend_from_slice(&buffer[..read]);
    }
    Ok(Some(String::from_utf8_lossy(&head).into_owned()))
}

/// Keeps the connection open, discarding what arrives, until the client closes it.
async fn hold_open(mut stream: TcpStream) -> std::io::Result<()> {
    let mut buffer = [0; 4096];
    while stream.read(&mut buffer).await? > 0 {}
    Ok(())
}

/// Writes `total` bytes by repeating `chunk`, counting them as body bytes.
async fn write_repeated(
    stream: &mut TcpStream,
    counters: &Counters,
    chunk: &[u8],
    total: u64,
) -> std::io::Result<()> {
    let mut left = total;
    while left > 0 {
        let length = left.min(chunk.len() as u64) as usize;
        stream.write_all(&chunk[..length]).await?;
        count_body(counters, length as u64);
        left -= length as u64;
    }
    Ok(())
}

fn count_body(counters: &Counters, bytes: u64) {
    counters.body_bytes_sent.fetch_add(bytes, Ordering::SeqCst);
}

/// Writes the last bytes of a response and closes the connection cleanly.
async fn finish(mut stream: TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    stream.write_all(bytes).await?;
    stream.shutdown().await
}
