use super::{ValidateArgs, exit, print_flush};
use crate::suite::{Suite, VariableSource, load_file};

pub fn validate(args: ValidateArgs) -> u8 {
    let mut code = exit::PASSED;
    for path in &args.suites {
        let loaded = match load_file(path) {
            Ok(loaded) => loaded,
            Err(error) => {
                super::print_load_error(&error);
                code = exit::USAGE;
                continue;
            }
        };
        if let Some(warnings) = &loaded.warnings {
            eprintln!("{warnings}");
        }
        if args.strict_env {
            let unset = unset_environment(&loaded.suite);
            if !unset.is_empty() {
                for (variable, env) in &unset {
                    eprintln!(
                        "error: {}: variable `{variable}` reads the environment variable {env}, which is not set",
                        path.display()
                    );
                }
                code = exit::USAGE;
                continue;
            }
        }
        let vantages: Vec<&str> = loaded
            .suite
            .vantages
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        let count = loaded.suite.checks.len();
        print_flush(&format!(
            "{}: valid, {count} check{}, vantages {}\n",
            path.display(),
            if count == 1 { "" } else { "s" },
            vantages.join(", ")
        ));
    }
    code
}

/// Returns `(variable, environment variable)` for each required environment variable that is
/// unset or empty.
fn unset_environment(suite: &Suite) -> Vec<(String, String)> {
    suite
        .variables
        .iter()
        .filter_map(|variable| match &variable.source {
            VariableSource::Env {
                name,
                default: None,
            } => {
                let set = std::env::var_os(name).is_some_and(|value| !value.is_empty());
                (!set).then(|| (variable.name.clone(), name.clone()))
            }
            _ => None,
        })
        .collect()
}
