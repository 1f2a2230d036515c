//! The demo: the bundled ISE suite against the built-in simulator, once healthy and once with
//! ERS disabled, so a new user sees a pass, a failure and its diagnosis in one command.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{DemoArgs, exit, print_flush};
use crate::mock_ise::{DEFAULT_PASSWORD, DEFAULT_USER, MockIse, MockIseOptions, Scenario};
use crate::report::{ReportPaths, write_atomically};
use crate::run::RunOptions;
use crate::suite::{Suite, load_str};

/// The bundled suite, compiled in so that the demo works from any folder.
const ISE_SUITE: &str = include_str!("../../suites/ise-api-gateway.yaml");
const ISE_SUITE_PATH: &str = "suites/ise-api-gateway.yaml";

const SCENARIOS: [Scenario; 2] = [Scenario::Healthy, Scenario::ErsDisabled];

pub async fn demo(args: DemoArgs) -> u8 {
    let suite = match load_str(Path::new(ISE_SUITE_PATH), ISE_SUITE) {
        Ok(loaded) => Arc::new(loaded.suite),
        Err(error) => {
            eprintln!("error: the bundled suite does not load, please report this: {error}");
            return exit::INTERNAL;
        }
    };
    let mut written = Vec::new();
    for scenario in SCENARIOS {
        print_flush(&format!(
            "\n=== ISE simulator, scenario `{}`: {}\n\n",
            scenario.name(),
            scenario.description()
        ));
        match run_scenario(&suite, scenario, &args.out).await {
            Ok(mut paths) => written.append(&mut paths),
            Err(code) => return code,
        }
    }
    let mut text = "\nThe demo wrote these reports:\n".to_string();
    for path in &written {
        text.push_str(&format!("  {}\n", path.display()));
    }
    print_flush(&text);
    print_flush(
        "\nTo run the same suite against a real ISE:\n  ISE_HOST=ise.example.com ISE_API_USER=... ISE_API_PASSWORD=... \\\n    gatecheck run suites/ise-api-gateway.yaml --vantage internal --junit report.xml --markdown report.md --json results.json\n",
    );
    exit::PASSED
}

async fn run_scenario(
    suite: &Arc<Suite>,
    scenario: Scenario,
    out: &Path,
) -> Result<Vec<PathBuf>, u8> {
    let options = MockIseOptions {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        scenario,
        user: DEFAULT_USER.to_string(),
        password: DEFAULT_PASSWORD.to_string(),
        audit_to_stderr: false,
    };
    let simulator = match MockIse::start(options).await {
        Ok(simulator) => simulator,
        Err(error) => {
            eprintln!(
                "error: cannot start the ISE simulator: {}",
                super::run::error_chain(&error)
            );
            return Err(exit::INTERNAL);
        }
    };
    let folder = out.join(scenario.name());
    let ca_file = folder.join("simulator-ca.pem");
    if let Err(error) = write_atomically(&ca_file, simulator.ca_pem().as_bytes()) {
        let cause = std::error::Error::source(&error)
            .map(ToString::to_string)
            .unwrap_or_default();
        eprintln!(
            "error: cannot write the simulator's CA certificate to {}: {cause}",
            ca_file.display()
        );
        return Err(exit::INTERNAL);
    }
    let options = RunOptions {
        vantage: Some("internal".to_string()),
        vars: vec![
            ("ISE_HOST".to_string(), simulator.local_addr().to_string()),
            ("ISE_API_USER".to_string(), DEFAULT_USER.to_string()),
            ("ISE_API_PASSWORD".to_string(), DEFAULT_PASSWORD.to_string()),
        ],
        network: crate::run::network::NetworkOptions {
            ca_files: vec![ca_file],
            // The simulator is on loopback: a proxy from the environment must not take the
            // demo's traffic off the machine.
            proxy: Some("none".to_string()),
            ..Default::default()
        },
        ..RunOptions::default()
    };
    let paths = ReportPaths {
        junit: Some(folder.join("report.xml")),
        markdown: Some(folder.join("report.md")),
        json: Some(folder.join("results.json")),
    };
    // The demo ignores the environment, so that ISE_* variables meant for a real ISE do not
    // redirect it.
    let no_env = |_: &str| None;
    let result = super::run::run_suite(
        Arc::clone(suite),
        &options,
        &paths,
        &no_env,
        crate::run::stop::Stop::never(),
    )
    .await;
    simulator.shutdown().await;
    result.map(|_passed| {
        [paths.junit, paths.markdown, paths.json]
            .into_iter()
            .flatten()
            .collect()
    })
}
