use super::{MergeArgs, exit};

pub fn merge(args: MergeArgs) -> u8 {
    let _ = args;
    eprintln!("error: `gatecheck merge` is not built yet");
    exit::INTERNAL
}
