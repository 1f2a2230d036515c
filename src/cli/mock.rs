use super::{MockIseArgs, exit};
use crate::mock_ise::{MockIseOptions, Scenario, serve_until_signal};

pub async fn mock_ise(args: MockIseArgs) -> u8 {
    let scenario: Scenario = match args.scenario.parse() {
        Ok(scenario) => scenario,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::USAGE;
        }
    };
    eprintln!(
        "ISE simulator: scenario {scenario} ({}); API user {}",
        scenario.description(),
        args.user
    );
    if let Some(path) = &args.ca_out {
        eprintln!("the CA certificate to trust goes to {}", path.display());
    }
    let options = MockIseOptions {
        listen: args.listen,
        scenario,
        user: args.user,
        password: args.password,
        audit_to_stderr: true,
    };
    match serve_until_signal(options, args.ca_out.as_deref()).await {
        Ok(()) => exit::PASSED,
        Err(error) => {
            eprintln!("error: {}", super::run::error_chain(&error));
            exit::INTERNAL
        }
    }
}
