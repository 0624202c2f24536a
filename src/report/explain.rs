//! Renders rule documentation for `arcaudit explain`: the list of every rule (one line each)
//! and one rule's page (what it detects, why it matters, what to check, the requirement).
//! The text is the rules' own metadata; which rule was asked for is the command's business.

use std::io::{self, Write};

use crate::classify::RuleMeta;

/// One line per rule, in registry order: id, family, default severity, summary.
pub fn rule_list<'a>(
    metas: impl IntoIterator<Item = &'a RuleMeta>,
    out: &mut dyn Write,
) -> io::Result<()> {
    for m in metas {
        writeln!(
            out,
            "{:<36} {:<10} {:<7} {}",
            m.id,
            m.family.as_str(),
            m.severity.as_str(),
            m.summary
        )?;
    }
    Ok(())
}

/// One rule's documentation page.
pub fn rule_page(m: &RuleMeta, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{}  ({}, default severity {})\n\nDetects: {}\n\nWhy it matters: {}\n\nWhat to check: {}\n\nRequirement: {}",
        m.id,
        m.family.as_str(),
        m.severity.as_str(),
        m.summary,
        m.why,
        m.check,
        m.requirement
    )
}
