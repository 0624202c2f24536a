//! The `--suppress` file: accepted findings, one per line as `RULE [ENDPOINT]`, `#` starting
//! a comment. Parsed and checked here (an unknown rule id, or an endpoint that is neither a
//! catalog entry id nor a name the catalog knows, is an error naming file and line: a typo
//! would otherwise suppress nothing, silently); applying the list to findings is the audit's.
//!
//! The file is as untrusted as a capture: it is read with a size cap whatever its type (a
//! FIFO or `/dev/zero` is cut off and refused, naming the file), and what it says reaches the
//! terminal only quoted (`{:?}`) and escaped with every error message. [`parse_suppressions`]
//! is public so the side-file fuzz target reaches it.

use crate::model::Catalog;

/// The most bytes a suppression file may have: a line per accepted finding is a few dozen
/// bytes, so 1 MiB is tens of thousands of lines, far more than anyone accepts by hand.
pub const MAX_SUPPRESS_BYTES: u64 = 1 << 20;

/// Reads and parses a suppression file (at most [`MAX_SUPPRESS_BYTES`], whatever its type).
pub(super) fn read_suppressions(
    path: &std::path::Path,
    catalog: &Catalog,
) -> Result<Vec<(String, Option<String>)>, String> {
    let text = crate::model::read_capped(path, MAX_SUPPRESS_BYTES).map_err(|e| e.to_string())?;
    parse_suppressions(&text, &path.display().to_string(), catalog)
}

/// Parses a suppression file's text: `RULE [ENDPOINT]` per line, `#` comments, blank lines.
/// Errors start with `name` (the file) and give the line.
pub fn parse_suppressions(
    text: &str,
    name: &str,
    catalog: &Catalog,
) -> Result<Vec<(String, Option<String>)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let rule = words.next().unwrap_or_default().to_string();
        if crate::classify::rules::find(&rule).is_none() {
            return Err(format!(
                "{name}: line {}: unknown rule id {rule:?}{}",
                n + 1,
                crate::commands::explain::did_you_mean(&rule)
            ));
        }
        let endpoint = words.next().map(str::to_string);
        if let Some(e) = &endpoint
            && catalog.entry(e).is_none()
            && catalog.match_host(e).is_empty()
        {
            return Err(format!(
                "{name}: line {}: unknown endpoint {e:?}: neither a catalog entry id (`arcaudit endpoints` lists them) nor a name the catalog knows",
                n + 1
            ));
        }
        if words.next().is_some() {
            return Err(format!("{name}: line {}: expected RULE [ENDPOINT]", n + 1));
        }
        out.push((rule, endpoint));
    }
    Ok(out)
}
