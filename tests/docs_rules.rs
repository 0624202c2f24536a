//! docs/audit.md lists every rule with its id, family and default severity, so a user can
//! look up any id the tool prints.

#[test]
fn every_rule_is_documented() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/audit.md")).unwrap();
    for m in arcaudit::classify::rules::metas() {
        let row = format!(
            "| `{}` | {} | {} |",
            m.id,
            m.family.as_str(),
            m.severity.as_str()
        );
        assert!(
            doc.contains(&row),
            "docs/audit.md lacks the row starting {row}"
        );
    }
}
