//! gatecheck: declarative connectivity test suites for API gateways, run from named vantage
//! points, with JUnit, Markdown and JSON reports.

pub mod assert;
pub mod diagnose;
pub mod error_kind;
pub mod results;
pub mod run;
pub mod secret;
pub mod suite;
pub mod mock_ise;
