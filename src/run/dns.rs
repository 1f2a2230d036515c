//! The resolver of every HTTP client: the system's, through `getaddrinfo`, as reqwest's default
//! is. It also stores the addresses each name resolved to, so that a report can name the
//! addresses a failed connection tried.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Names resolved in this run, with the addresses of their latest answer.
#[derive(Debug, Default)]
pub struct RecordingResolver {
    answers: Mutex<HashMap<String, Vec<IpAddr>>>,
}

impl RecordingResolver {
    /// Returns the addresses `host` resolved to in this run, if the client resolved it.
    pub fn answer(&self, host: &str) -> Option<Vec<IpAddr>> {
        let answers = self
            .answers
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        answers.get(&host.to_ascii_lowercase()).cloned()
    }
}

/// Shares one recorder between the clients of a run, which all resolve the same way.
#[derive(Clone, Debug, Default)]
pub struct SharedResolver(pub Arc<RecordingResolver>);

impl Resolve for SharedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let recorder = Arc::clone(&self.0);
        let host = name.as_str().to_string();
        Box::pin(async move {
            // Port 0 lets the client put in the URL's port, as with its default resolver.
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut answers = recorder
                .answers
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            answers.insert(
                host.to_ascii_lowercase(),
                found.iter().map(SocketAddr::ip).collect(),
            );
            drop(answers);
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}
