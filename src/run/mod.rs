//! Running a suite: planning the requests for a vantage, sending them, classifying failures.

pub mod classify;
pub mod dns;
pub mod execute;
pub mod lockout;
pub mod network;
pub mod plan;
pub mod proxy;
pub mod socks5;
pub mod stop;
pub mod tls_evidence;

pub use execute::execute;
pub use network::{ClientError, Clients};
pub use plan::{Plan, PlanError, RunOptions, plan};
