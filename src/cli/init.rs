use super::{InitArgs, exit};

pub async fn init(args: InitArgs) -> u8 {
    let _ = args;
    eprintln!("error: `gatecheck init` is not built yet");
    exit::INTERNAL
}
