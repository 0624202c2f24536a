//! One module per subcommand: each takes a validated config, runs the pipeline and a
//! renderer, and says how it ended. No clap types here.

pub mod flows;
