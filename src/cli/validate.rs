use super::{ValidateArgs, exit};
use crate::suite::{LoadError, load_file};

pub fn validate(args: ValidateArgs) -> u8 {
    let mut code = exit::PASSED;
    for path in &args.suites {
        match load_file(path) {
            Ok(loaded) => {
                if let Some(warnings) = loaded.warnings {
                    eprintln!("{warnings}");
                }
                println!(
                    "{}: valid, {} checks, vantages {}",
                    path.display(),
                    loaded.suite.checks.len(),
                    loaded
                        .suite
                        .vantages
                        .iter()
                        .map(|v| v.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Err(error @ (LoadError::Read { .. } | LoadError::Invalid(_))) => {
                eprintln!("{error}");
                code = exit::USAGE;
            }
        }
    }
    code
}
