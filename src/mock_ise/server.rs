//! The accept loop and per-connection tasks: TLS handshake, then HTTP/1.1 or HTTP/2 as ALPN
//! chose.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::Request;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::handlers::{self, Shared};
use super::request::{MAX_REQUEST_BODY_BYTES, RequestBody};

/// Time a client gets to finish the TLS handshake before the connection is dropped, so that
/// idle or half-open sockets do not pile up.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Pause after a failed `accept`, which usually means the process ran out of file descriptors
/// and retrying at once would spin.
const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(50);

/// Time open connections get to finish their current requests at shutdown before they are cut.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Accepts connections until `shutdown` changes or its sender is dropped, then shuts the open
/// connections down. Every connection error is dropped silently, because a client hanging up
/// is routine for a test server and must not print anything.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(
                        stream,
                        peer,
                        acceptor.clone(),
                        Arc::clone(&shared),
                        shutdown.clone(),
                    ));
                }
                Err(_) => tokio::time::sleep(ACCEPT_RETRY_DELAY).await,
            },
            // Reaps finished connections so that the set does not grow for the server's lifetime.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);

    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.shutdown().await;
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
    let tls_stream = tokio::select! {
        result = handshake => match result {
            Ok(Ok(tls_stream)) => tls_stream,
            _ => return,
        },
        _ = shutdown.changed() => return,
    };

    let service = service_fn(move |request: Request<Incoming>| {
        let shared = Arc::clone(&shared);
        async move {
            let (parts, body) = request.into_parts();
            let body = read_body(body).await;
            Ok::<_, Infallible>(handlers::handle(&parts, &body, peer, &shared))
        }
    });

    // The auto builder detects HTTP/2 by its connection preface, which matches the protocol that
    // ALPN selected.
    let builder = auto::Builder::new(TokioExecutor::new());
    let mut connection = pin!(builder.serve_connection(TokioIo::new(tls_stream), service));
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = shutdown.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// Reads the whole request body, up to [`MAX_REQUEST_BODY_BYTES`].
async fn read_body(body: Incoming) -> RequestBody {
    match Limited::new(body, MAX_REQUEST_BODY_BYTES).collect().await {
        Ok(collected) => RequestBody::Complete(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => RequestBody::TooLarge,
        Err(_) => RequestBody::Unreadable,
    }
}
