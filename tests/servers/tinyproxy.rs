//! tinyproxy, the Debian forward proxy, started on a loopback port with a generated
//! configuration. A test that needs it fails with the install command when it is missing.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

/// What the proxy allows.
#[derive(Default)]
pub struct ProxyOptions<'a> {
    /// Ports that CONNECT may reach; empty allows all.
    pub connect_ports: &'a [u16],
    /// User and password that the proxy requires (HTTP Basic); requests without them get 407.
    pub basic_auth: Option<(&'a str, &'a str)>,
}

/// A running tinyproxy; dropping it stops the process.
pub struct Tinyproxy {
    child: Child,
    address: SocketAddr,
    /// Holds the configuration and the log, outside the folder gatecheck writes its reports
    /// to, so that the password in the configuration is not mistaken for a leak.
    folder: TempDir,
}

impl Tinyproxy {
    pub fn start(options: &ProxyOptions<'_>) -> Tinyproxy {
        let program = super::program(
            "tinyproxy",
            "the proxy tests run it as a real forward proxy",
        );
        let folder = tempfile::tempdir().expect("a temporary folder for tinyproxy");
        // tinyproxy needs a fixed port in its configuration; the port of a closed listener is
        // free unless another process takes it in between.
        let port = crate::common::closed_loopback_port().port();
        let mut config = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nLogLevel Info\n\
             DisableViaHeader Yes\n"
        );
        for allowed in options.connect_ports {
            let _ = writeln!(config, "ConnectPort {allowed}");
        }
        if let Some((user, password)) = options.basic_auth {
            let _ = writeln!(config, "BasicAuth {user} {password}");
        }
        let config_path = folder.path().join("tinyproxy.conf");
        std::fs::write(&config_path, config).expect("the tinyproxy configuration is written");
        let log = std::fs::File::create(folder.path().join("tinyproxy.log"))
            .expect("the tinyproxy log is created");

        let child = Command::new(program)
            .arg("-d")
            .arg("-c")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log handle is cloned"))
            .stderr(log)
            .spawn()
            .expect("tinyproxy starts");
        let mut proxy = Tinyproxy {
            child,
            address: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            folder,
        };
        proxy.wait_until_listening();
        proxy
    }

    fn wait_until_listening(&mut self) {
        let folder = self.folder.path().to_path_buf();
        super::wait_until_listening(&mut self.child, self.address, "tinyproxy", &|| {
            read_log(&folder)
        });
    }

    /// Returns `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Returns `http://USER:PASSWORD@127.0.0.1:PORT`.
    pub fn url_with(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Returns what tinyproxy logged so far, for failure messages.
    pub fn log(&self) -> String {
        read_log(self.folder.path())
    }
}

fn read_log(folder: &std::path::Path) -> String {
    std::fs::read_to_string(folder.join("tinyproxy.log")).unwrap_or_default()
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
