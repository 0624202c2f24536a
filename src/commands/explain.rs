//! `arcaudit explain [RULE]`: find the rule asked for in the registry (or take them all) and
//! hand its metadata to `report::explain`. An unknown id is an error naming it.

use std::io::{self, Write};

use crate::classify::rules;
use crate::report::explain::{rule_list, rule_page};

/// Why `explain` could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("unknown rule {0:?}; `arcaudit explain` lists them")]
    UnknownRule(String),
    #[error("writing output: {0}")]
    Write(#[from] io::Error),
}

/// Prints the page of `rule`, or the list of every rule when `None`.
pub fn run(rule: Option<&str>, out: &mut dyn Write) -> Result<(), ExplainError> {
    match rule {
        None => rule_list(rules::metas(), out)?,
        Some(id) => {
            let r = rules::find(id).ok_or_else(|| ExplainError::UnknownRule(id.to_string()))?;
            rule_page(r.meta(), out)?;
        }
    }
    Ok(())
}
