//! commands (under construction)
