//! The `arcaudit` binary: parse the arguments, run the library, map the outcome to an exit code.
#![forbid(unsafe_code)]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    arcaudit::cli::main()
}
