fn main() -> std::process::ExitCode {
    gatecheck::cli::main()
}
