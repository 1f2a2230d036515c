//! Telling a filtered port from a stalled TLS handshake after an HTTPS connect timeout.
//!
//! reqwest's connect timeout covers the TCP connection and the TLS handshake together, so its
//! error does not say which of the two hung. A filtered port (the firewall drops the SYN) and
//! a handshake that never finishes (a TLS-inspecting firewall holds the ClientHello, or the
//! service is hung) need different fixes, so a probe repeats the two steps separately: a TCP
//! connection bounded by [`TCP_PROBE_LIMIT`], then a handshake bounded by the connect timeout.
//!
//! Checks of a run that time out on the same host, port and source address share one probe,
//! so a filtered port costs the probe's time once, not once per check.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Url;
use tokio::sync::OnceCell;
use tokio_rustls::TlsConnector;

use super::{Recorder, connect, recording_config, target};
use crate::run::network::ClientSettings;

/// The longest wait for the probe's TCP connection. A port that does not accept within it is
/// reported as filtered, as the request's own timeout already suggested.
pub const TCP_PROBE_LIMIT: Duration = Duration::from_secs(2);

/// What the probe found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The TCP connection did not come up within [`TCP_PROBE_LIMIT`] either.
    Unreachable { detail: String },
    /// TCP connected, and the TLS handshake did not finish within the connect timeout.
    HandshakeStalled {
        address: SocketAddr,
        connected_in: Duration,
    },
    /// Both steps finished this time, so the first attempt's delay was intermittent.
    Completed { took: Duration },
    /// TCP connected, and the handshake failed for another reason.
    HandshakeFailed { detail: String },
    /// The probe could not start, for example because the name does not resolve now.
    NotRun { detail: String },
}

type Key = (String, u16, Option<IpAddr>);

/// The probes of one run, one per host, port and source address.
#[derive(Debug, Default)]
pub struct StallProbes {
    probes: Mutex<HashMap<Key, Arc<OnceCell<Probe>>>>,
}

impl StallProbes {
    /// Returns the probe's finding for `url`, running the probe only if no other check of the
    /// run has done so for the same host, port and source address.
    pub async fn probe(&self, url: &Url, settings: &ClientSettings) -> Probe {
        let key = (
            url.host_str().unwrap_or_default().to_ascii_lowercase(),
            url.port_or_known_default().unwrap_or_default(),
            settings.local_address,
        );
        let cell = {
            let mut probes = self
                .probes
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            Arc::clone(probes.entry(key).or_default())
        };
        cell.get_or_init(|| run_probe(url, settings)).await.clone()
    }
}

async fn run_probe(url: &Url, settings: &ClientSettings) -> Probe {
    let (server_name, addresses) = match target(url, settings).await {
        Ok(found) => found,
        Err(detail) => return Probe::NotRun { detail },
    };

    let started = Instant::now();
    let stream = match tokio::time::timeout(
        TCP_PROBE_LIMIT.min(settings.connect_timeout),
        connect(&addresses, settings.local_address),
    )
    .await
    {
        Ok(Ok(stream)) => stream,
        Ok(Err(detail)) => return Probe::Unreachable { detail },
        Err(_) => {
            let tried: Vec<String> = addresses.iter().map(ToString::to_string).collect();
            return Probe::Unreachable {
                detail: format!(
                    "a second TCP connection to {} got no answer within {} ms",
                    tried.join(", "),
                    TCP_PROBE_LIMIT.min(settings.connect_timeout).as_millis()
                ),
            };
        }
    };
    let connected_in = started.elapsed();
    let address = stream.peer_addr().unwrap_or_else(|_| {
        addresses
            .first()
            .copied()
            .unwrap_or(([0, 0, 0, 0], 0).into())
    });

    let recorder = Arc::new(Recorder::new(None));
    let config = match recording_config(&recorder) {
        Ok(config) => config,
        Err(detail) => return Probe::NotRun { detail },
    };
    let handshake = TlsConnector::from(Arc::new(config)).connect(server_name, stream);
    match tokio::time::timeout(settings.connect_timeout, handshake).await {
        Err(_) => Probe::HandshakeStalled {
            address,
            connected_in,
        },
        Ok(Ok(_)) => Probe::Completed {
            took: started.elapsed(),
        },
        Ok(Err(error)) => Probe::HandshakeFailed {
            detail: crate::run::classify::describe_chain(&error),
        },
    }
}
