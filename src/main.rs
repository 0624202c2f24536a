//! The `arcaudit` binary: parse the arguments, run the library, map the outcome to an exit code.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    arcaudit::cli::main()
}
