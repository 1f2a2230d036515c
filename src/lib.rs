//! gatecheck: declarative connectivity test suites for API gateways, run from named vantage
//! points, with JUnit, Markdown and JSON reports.

pub mod assert;
pub mod cli;
pub mod diagnose;
pub mod error_kind;
pub mod init;
pub mod merge;
pub mod mock_ise;
pub mod report;
pub mod results;
pub mod run;
pub mod secret;
pub mod suite;
