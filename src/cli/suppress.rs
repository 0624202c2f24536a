//! The `--suppress` file: accepted findings, one per line as `RULE [ENDPOINT]`, `#` starting
//! a comment. Parsed and checked here (an unknown rule id is an error naming file and
//! line); applying the list to findings is the audit's.

/// Parses a suppression file: `RULE [ENDPOINT]` per line, `#` comments, blank lines.
pub(super) fn read_suppressions(
    path: &std::path::Path,
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
                "{}: line {}: unknown rule id {rule:?}",
                path.display(),
                n + 1
            ));
        }
        let endpoint = words.next().map(str::to_string);
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
