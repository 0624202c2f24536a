//! The exit codes of arcaudit, one enum with documented meanings (README.md and the man
//! page list them). Which outcome of a command maps to which code is the dispatcher's choice.

use std::process::ExitCode;

/// Exit codes, documented in README.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything read; nothing at or above `--fail-on`.
    Ok = 0,
    /// Findings at or above `--fail-on` (audit).
    Findings = 1,
    /// At least one input could not be read (completely).
    InputError = 2,
    /// Bad invocation or an internal error (output could not be written, ...).
    Usage = 3,
    /// The reader of standard output went away (`arcaudit audit ... | head -1`): the run
    /// ends quietly, with the status of a Unix filter killed by SIGPIPE (128 + 13).
    PipeClosed = 141,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}
