//! One module per subcommand: each takes a validated config, runs the library and a
//! renderer, and says how it ended. No clap types here.

pub mod audit;
pub mod endpoints;
pub mod explain;
pub mod flows;
pub mod lookup;
pub mod merge;
