//! microsocks, the Debian SOCKS5 proxy, started on a loopback port. A test that needs it fails
//! with the install command when it is missing.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};

/// What the proxy requires and where its connections come from.
#[derive(Default)]
pub struct SocksOptions<'a> {
    /// User and password that the proxy requires; without them it accepts anyone.
    pub credentials: Option<(&'a str, &'a str)>,
    /// Source address of the proxy's own connections to targets (`-b`), so that a server can
    /// tell a connection through the proxy from a direct one.
    pub outgoing_address: Option<Ipv4Addr>,
}

/// A running microsocks; dropping it stops the process.
pub struct Microsocks {
    child: Child,
    address: SocketAddr,
}

impl Microsocks {
    pub fn start(options: &SocksOptions<'_>) -> Microsocks {
        let program = super::program("microsocks", "the SOCKS5 tests run it as a real proxy");
        // microsocks takes a fixed port; the port of a closed listener is free unless another
        // process takes it in between.
        let port = crate::common::closed_loopback_port().port();

        let mut command = Command::new(program);
        command.args(["-i", "127.0.0.1", "-p", &port.to_string()]);
        if let Some((user, password)) = options.credentials {
            command.args(["-u", user, "-P", password]);
        }
        if let Some(address) = options.outgoing_address {
            command.args(["-b", &address.to_string()]);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("microsocks starts");

        let mut proxy = Microsocks {
            child,
            address: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        };
        proxy.wait_until_listening();
        proxy
    }

    fn wait_until_listening(&mut self) {
        super::wait_until_listening(&mut self.child, self.address, "microsocks", &String::new);
    }

    /// Returns `SCHEME://127.0.0.1:PORT`, for `socks5` or `socks5h`.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.address)
    }

    /// Returns `socks5://USER:PASSWORD@127.0.0.1:PORT`.
    pub fn url_with(&self, user: &str, password: &str) -> String {
        format!("socks5://{user}:{password}@{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for Microsocks {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
