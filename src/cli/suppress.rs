//! The `--suppress` file: accepted findings, one per line as `RULE [ENDPOINT]`, `#` starting
//! a comment. Parsed and checked here (an unknown rule id, or an endpoint that is neither a
//! catalog entry id nor a name the catalog knows, is an error naming file and line: a typo
//! would otherwise suppress nothing, silently); applying the list to findings is the audit's.

use crate::model::Catalog;

/// Parses a suppression file: `RULE [ENDPOINT]` per line, `#` comments, blank lines.
pub(super) fn read_suppressions(
    path: &std::path::Path,
    catalog: &Catalog,
) -> Result<Vec<(String, Option<String>)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
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
                "{}: line {}: unknown rule id {rule:?}{}",
                path.display(),
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
                "{}: line {}: unknown endpoint {e:?}: neither a catalog entry id (`arcaudit endpoints` lists them) nor a name the catalog knows",
                path.display(),
                n + 1
            ));
        }
        if words.next().is_some() {
            return Err(format!(
                "{}: line {}: expected RULE [ENDPOINT]",
                path.display(),
                n + 1
            ));
        }
        out.push((rule, endpoint));
    }
    Ok(out)
}
