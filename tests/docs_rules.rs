//! docs/audit.md's rule table is generated from the rules' metadata (`RuleMeta`), never
//! written by hand: this test rebuilds the table between its two marker lines and fails
//! with the difference when the file does not match, as ruff checks its generated docs.
//! `UPDATE_DOCS=1 cargo test --test docs_rules` rewrites the table in place.

use std::path::Path;

const BEGIN: &str = "<!-- begin rules table: generated from RuleMeta by tests/docs_rules.rs; UPDATE_DOCS=1 cargo test --test docs_rules rewrites it -->";
const END: &str = "<!-- end rules table -->";

/// A table cell: one line, `|` escaped.
fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The table as docs/audit.md must hold it, in registry order.
fn table() -> String {
    let mut t = String::from(
        "| rule | family | default severity | detects | example |\n|---|---|---|---|---|\n",
    );
    for m in arcaudit::classify::rules::metas() {
        t.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            m.id,
            m.family.as_str(),
            m.severity.as_str(),
            cell(m.summary),
            cell(m.example)
        ));
    }
    t
}

#[test]
fn rule_table_is_generated_from_the_metadata() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/audit.md");
    let doc = std::fs::read_to_string(&path).expect("docs/audit.md is readable");
    let start = doc.find(BEGIN).expect("docs/audit.md has the begin marker") + BEGIN.len();
    let end = start
        + doc[start..]
            .find(END)
            .expect("docs/audit.md has the end marker");
    let want = format!("\n{}", table());
    let have = &doc[start..end];
    if have == want {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let mut new = doc.clone();
        new.replace_range(start..end, &want);
        std::fs::write(&path, new).expect("docs/audit.md is writable");
        return;
    }
    let diff: Vec<String> = have
        .lines()
        .filter(|l| !want.lines().any(|w| w == *l))
        .map(|l| format!("- {l}"))
        .chain(
            want.lines()
                .filter(|w| !have.lines().any(|l| l == *w))
                .map(|w| format!("+ {w}")),
        )
        .collect();
    panic!(
        "docs/audit.md's rule table differs from the rules' metadata \
         (run `UPDATE_DOCS=1 cargo test --test docs_rules`):\n{}",
        diff.join("\n")
    );
}
