//! `arcaudit explain [RULE]`: find the rule asked for in the registry (or take them all) and
//! hand its metadata to `report::explain`. An unknown id is an error naming it.

use std::io::{self, Write};

use crate::classify::rules;
use crate::report::explain::{rule_list, rule_page};

/// Why `explain` could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("unknown rule {0:?}{hint}; `arcaudit explain` lists them", hint = did_you_mean(.0))]
    UnknownRule(String),
    #[error("writing output: {0}")]
    Write(#[from] io::Error),
}

/// `; did you mean "reset-after-client-hello"?` when one rule id is close to `id`.
pub fn did_you_mean(id: &str) -> String {
    closest_rule(id)
        .map(|r| format!("; did you mean {r:?}?"))
        .unwrap_or_default()
}

/// The rule id `id` was most likely meant to be: the same letters without the dashes
/// (`reset-after-clienthello`), else the nearest within a few edits, else none.
pub fn closest_rule(id: &str) -> Option<&'static str> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let want = squash(id);
    let ids: Vec<&'static str> = rules::metas().map(|m| m.id).collect();
    if let Some(same) = ids.iter().find(|r| squash(r) == want) {
        return Some(same);
    }
    ids.into_iter()
        .map(|r| (edit_distance(&squash(r), &want), r))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, r)| r)
}

/// Levenshtein distance over bytes (rule ids are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_miss_gets_a_suggestion_and_nonsense_none() {
        assert_eq!(
            closest_rule("reset-after-clienthello"),
            Some("reset-after-client-hello")
        );
        assert_eq!(closest_rule("syn-refsed"), Some("syn-refused"));
        assert_eq!(closest_rule("completely-unrelated-words"), None);
        let e = run(Some("reset-after-clienthello"), &mut Vec::new()).unwrap_err();
        assert!(
            e.to_string()
                .contains("did you mean \"reset-after-client-hello\"?"),
            "{e}"
        );
    }
}
