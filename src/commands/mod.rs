//! Subcommands other than the audit itself; each takes a plain config struct and a writer.
pub mod endpoints;
pub mod lookup;
