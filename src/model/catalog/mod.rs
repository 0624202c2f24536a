//! The endpoint catalog: one entry per row of Microsoft's endpoint tables, loaded from JSON.
//!
//! The built-in catalog is `catalog.json`, embedded with `include_str!` and parsed once; a user's
//! `--catalog FILE` with the same schema (docs/catalog.md) replaces or extends it. Loading
//! validates everything a lookup later relies on (patterns, feature lists, ports, TLS versions),
//! so matching itself cannot fail.
//!
//! This module loads, validates, combines and compiles; the file's types are in `schema`, name
//! lookups in `matching`.

mod matching;
mod schema;

pub use matching::{HostMatch, MatchScratch};
pub use schema::{
    CatalogMode, CipherSuite, DocumentInfo, Endpoint, Feature, ModelNote, PolicyList, PrivateLink,
    Profile, SCHEMA_VERSION, ServiceTagRequirement, SourceRef, TlsPolicy, When,
};

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use globset::{GlobBuilder, GlobSetBuilder};
use rustc_hash::FxHashMap;

use super::hostmatch::HostPattern;
use super::{ModelError, parse_json, read_capped};
use matching::SuffixGroup;
use schema::{CatalogFile, parse_suite_id};

/// The embedded catalog (see docs/catalog.md for the schema).
const BUILTIN_JSON: &str = include_str!("../catalog.json");
const BUILTIN_NAME: &str = "built-in catalog";
/// A catalog is a few hundred entries; 16 MiB is far above any real one and stops a wrong path
/// (a capture file) from being read whole.
const MAX_CATALOG_BYTES: u64 = 16 << 20;

/// The compiled catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    file: CatalogFile,
    sources: Vec<String>,
    /// Every host pattern and region form of every entry, in entry order.
    patterns: Vec<HostPattern>,
    /// For each pattern: the entry it belongs to.
    owners: Vec<usize>,
    /// Patterns grouped by their last two labels (`azure/com`), which are always literal: most
    /// names in a capture are not Arc names and are turned away by one hash lookup, and an Arc
    /// name runs only the few globs of its own domain.
    groups: FxHashMap<String, SuffixGroup>,
}

impl Catalog {
    /// The built-in catalog, parsed on first use.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // The embedded file is ours, not input: the unit test `builtin_catalog_is_valid`
            // guarantees it parses, so failing here is a build defect.
            Catalog::from_json(BUILTIN_JSON, BUILTIN_NAME)
                .unwrap_or_else(|e| panic!("the embedded catalog is invalid: {e}"))
        })
    }

    /// Parses and validates a catalog. `source_name` appears in every error.
    pub fn from_json(text: &str, source_name: &str) -> Result<Catalog, ModelError> {
        let file: CatalogFile = parse_json(text, source_name)?;
        validate(&file, source_name)?;
        Catalog::compile(file, vec![source_name.to_string()])
    }

    /// Reads a catalog file.
    pub fn load(path: &Path) -> Result<Catalog, ModelError> {
        let text = read_capped(path, MAX_CATALOG_BYTES)?;
        Catalog::from_json(&text, &path.display().to_string())
    }

    /// The built-in catalog combined with an optional user file, as `--catalog` asks.
    pub fn with_user_file(path: Option<&Path>, mode: CatalogMode) -> Result<Catalog, ModelError> {
        match (path, mode) {
            (None, _) => Ok(Catalog::builtin().clone()),
            (Some(p), CatalogMode::Replace) => Catalog::load(p),
            (Some(p), CatalogMode::Extend) => {
                let mut cat = Catalog::builtin().clone();
                cat.extend(Catalog::load(p)?)?;
                Ok(cat)
            }
        }
    }

    /// Adds `other` to this catalog: entries with a known id replace the old entry in place,
    /// new ones are appended; notes and documents likewise by id; service-tag requirements are
    /// appended unless already present; `other`'s TLS policy and policy lists, if any, replace
    /// this one's.
    pub fn extend(&mut self, other: Catalog) -> Result<(), ModelError> {
        let mut file = std::mem::replace(
            &mut self.file,
            CatalogFile {
                schema: SCHEMA_VERSION,
                documents: Vec::new(),
                notes: Vec::new(),
                service_tags: Vec::new(),
                tls: None,
                attributing_tags: None,
                microsoft_issuers: None,
                entries: Vec::new(),
            },
        );
        let o = other.file;
        for e in o.entries {
            match file.entries.iter_mut().find(|x| x.id == e.id) {
                Some(slot) => *slot = e,
                None => file.entries.push(e),
            }
        }
        for d in o.documents {
            match file.documents.iter_mut().find(|x| x.id == d.id) {
                Some(slot) => *slot = d,
                None => file.documents.push(d),
            }
        }
        for n in o.notes {
            match file.notes.iter_mut().find(|x| x.id == n.id) {
                Some(slot) => *slot = n,
                None => file.notes.push(n),
            }
        }
        for t in o.service_tags {
            if !file.service_tags.contains(&t) {
                file.service_tags.push(t);
            }
        }
        if o.tls.is_some() {
            file.tls = o.tls;
        }
        if o.attributing_tags.is_some() {
            file.attributing_tags = o.attributing_tags;
        }
        if o.microsoft_issuers.is_some() {
            file.microsoft_issuers = o.microsoft_issuers;
        }
        let mut sources = std::mem::take(&mut self.sources);
        sources.extend(other.sources);
        *self = Catalog::compile(file, sources)?;
        Ok(())
    }

    fn compile(file: CatalogFile, sources: Vec<String>) -> Result<Catalog, ModelError> {
        let source_name = sources.join(" + ");
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        // suffix -> (glob text -> pattern indices), ordered so compilation is deterministic.
        let mut grouped: BTreeMap<String, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
        for (i, e) in file.entries.iter().enumerate() {
            for (field, list) in [("hosts", &e.hosts), ("region_forms", &e.region_forms)] {
                for (j, raw) in list.iter().enumerate() {
                    let invalid = |message: String| ModelError::Invalid {
                        source_name: source_name.clone(),
                        path: format!("entries[{i}].{field}[{j}]"),
                        message,
                    };
                    let p = HostPattern::parse(raw).map_err(invalid)?;
                    grouped
                        .entry(p.suffix_key())
                        .or_default()
                        .entry(p.glob())
                        .or_default()
                        .push(patterns.len());
                    patterns.push(p);
                    owners.push(i);
                }
            }
        }
        let invalid = |message: String| ModelError::Invalid {
            source_name: source_name.clone(),
            path: "entries".to_string(),
            message,
        };
        let mut groups = FxHashMap::default();
        for (suffix, globs) in grouped {
            let mut builder = GlobSetBuilder::new();
            let mut members = Vec::with_capacity(globs.len());
            for (text, pats) in globs {
                let glob = GlobBuilder::new(&text)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map_err(|e| invalid(format!("glob `{text}`: {e}")))?;
                builder.add(glob);
                members.push(pats);
            }
            let globs = builder.build().map_err(|e| invalid(e.to_string()))?;
            groups.insert(
                suffix,
                SuffixGroup {
                    globs,
                    patterns: members,
                },
            );
        }
        Ok(Catalog {
            file,
            sources,
            patterns,
            owners,
            groups,
        })
    }

    /// Every entry, in catalog order.
    pub fn entries(&self) -> &[Endpoint] {
        &self.file.entries
    }

    /// The entry with this id.
    pub fn entry(&self, id: &str) -> Option<&Endpoint> {
        self.file.entries.iter().find(|e| e.id == id)
    }

    /// Host patterns of entry `index` (its `hosts`, then its `region_forms`).
    pub fn patterns_of(&self, index: usize) -> impl Iterator<Item = &HostPattern> {
        self.patterns
            .iter()
            .zip(&self.owners)
            .filter(move |(_, o)| **o == index)
            .map(|(p, _)| p)
    }

    pub fn documents(&self) -> &[DocumentInfo] {
        &self.file.documents
    }

    pub fn notes(&self) -> &[ModelNote] {
        &self.file.notes
    }

    pub fn service_tag_requirements(&self) -> &[ServiceTagRequirement] {
        &self.file.service_tags
    }

    pub fn tls(&self) -> Option<&TlsPolicy> {
        self.file.tls.as_ref()
    }

    /// Service tags that attribute a flow to the entries listing them when nothing names
    /// the flow (`attributing_tags`). A catalog without the list uses the built-in one.
    pub fn attributing_tags(&self) -> &[String] {
        match &self.file.attributing_tags {
            Some(l) => &l.values,
            None => builtin_list(|f| f.attributing_tags.as_ref()),
        }
    }

    /// Substrings of an issuer name that mark a certificate as issued by one of the CAs
    /// Microsoft's endpoints use (`microsoft_issuers`; compare ignoring ASCII case). A catalog
    /// without the list uses the built-in one.
    pub fn microsoft_issuers(&self) -> &[String] {
        match &self.file.microsoft_issuers {
            Some(l) => &l.values,
            None => builtin_list(|f| f.microsoft_issuers.as_ref()),
        }
    }

    /// Where the catalog came from (`built-in catalog`, then any user files).
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The catalog as JSON in its own schema (what `--catalog` accepts back).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(&self.file)
    }
}

/// A policy list of the built-in catalog, for a user catalog that replaces it without one:
/// the lists are arcaudit's own judgement, not rows a user's table would carry.
fn builtin_list(pick: impl Fn(&CatalogFile) -> Option<&PolicyList>) -> &'static [String] {
    pick(&Catalog::builtin().file).map_or(&[], |l| l.values.as_slice())
}

fn validate(file: &CatalogFile, source_name: &str) -> Result<(), ModelError> {
    let err = |path: String, message: String| ModelError::Invalid {
        source_name: source_name.to_string(),
        path,
        message,
    };
    if file.schema != SCHEMA_VERSION {
        return Err(err(
            "schema".into(),
            format!(
                "schema {} is not supported (this build reads {SCHEMA_VERSION})",
                file.schema
            ),
        ));
    }
    let mut ids = HashSet::new();
    for (i, e) in file.entries.iter().enumerate() {
        let at = |field: &str| format!("entries[{i}].{field}");
        if e.id.trim().is_empty() {
            return Err(err(at("id"), "empty id".into()));
        }
        if !ids.insert(e.id.as_str()) {
            return Err(err(at("id"), format!("duplicate id `{}`", e.id)));
        }
        if e.hosts.is_empty() {
            return Err(err(at("hosts"), "an entry needs at least one host".into()));
        }
        for (j, r) in e.region_forms.iter().enumerate() {
            if !r.contains("<region>") {
                return Err(err(
                    at(&format!("region_forms[{j}]")),
                    "a region form must contain `<region>`".into(),
                ));
            }
        }
        match (e.when, e.features.is_empty()) {
            (When::Feature, true) => {
                return Err(err(
                    at("features"),
                    "`when: feature` needs at least one feature".into(),
                ));
            }
            (w, false) if w != When::Feature => {
                return Err(err(
                    at("features"),
                    format!(
                        "features are only allowed with `when: feature`, not `{}`",
                        w.as_str()
                    ),
                ));
            }
            _ => {}
        }
        if e.ports.is_empty() {
            return Err(err(at("ports"), "an entry needs at least one port".into()));
        }
        if let Some(j) = e.ports.iter().position(|&p| p == 0) {
            return Err(err(
                at(&format!("ports[{j}]")),
                "port 0 is not a port".into(),
            ));
        }
        if let Some(v) = &e.min_tls {
            check_tls_version(v).map_err(|m| err(at("min_tls"), m))?;
        }
        if let Some(j) = e.service_tags.iter().position(|t| !is_tag_name(t)) {
            return Err(err(
                at(&format!("service_tags[{j}]")),
                "not a service tag name".into(),
            ));
        }
        for (j, t) in e.service_own_tags.iter().enumerate() {
            let at = || at(&format!("service_own_tags[{j}]"));
            if !is_tag_name(t) {
                return Err(err(at(), "not a service tag name".into()));
            }
            // A repeat would not change a verdict, but it says the author mixed up the two
            // lists: the page's tags and the service's own are kept apart on purpose.
            if e.service_tags.iter().any(|s| s.eq_ignore_ascii_case(t)) {
                return Err(err(
                    at(),
                    format!(
                        "`{t}` is already in service_tags (list the service's further tags only)"
                    ),
                ));
            }
            if e.service_own_tags[..j]
                .iter()
                .any(|s| s.eq_ignore_ascii_case(t))
            {
                return Err(err(at(), format!("`{t}` is listed twice")));
            }
        }
        if e.source.revision.trim().is_empty() {
            return Err(err(at("source.revision"), "empty revision".into()));
        }
    }
    for (i, t) in file.service_tags.iter().enumerate() {
        if !is_tag_name(&t.tag) {
            return Err(err(
                format!("service_tags[{i}].tag"),
                "not a service tag name".into(),
            ));
        }
        if (t.when == When::Feature) == t.features.is_empty() {
            return Err(err(
                format!("service_tags[{i}].features"),
                "features go with `when: feature`, and only with it".into(),
            ));
        }
    }
    for (field, list) in [
        ("attributing_tags", &file.attributing_tags),
        ("microsoft_issuers", &file.microsoft_issuers),
    ] {
        let Some(list) = list else { continue };
        if list.values.is_empty() {
            return Err(err(
                format!("{field}.values"),
                "an empty list: leave the field out to use the built-in one".into(),
            ));
        }
        if list.note.trim().is_empty() {
            return Err(err(
                format!("{field}.note"),
                "say where the values come from".into(),
            ));
        }
        let mut seen = HashSet::new();
        for (i, v) in list.values.iter().enumerate() {
            let at = format!("{field}.values[{i}]");
            if field == "attributing_tags" && !is_tag_name(v) {
                return Err(err(at, "not a service tag name".into()));
            }
            if v.trim().is_empty() || v.trim() != v {
                return Err(err(at, "empty, or blanks around the value".into()));
            }
            if !seen.insert(v.to_ascii_lowercase()) {
                return Err(err(at, format!("`{v}` is listed twice")));
            }
        }
    }
    if let Some(tls) = &file.tls {
        for (i, v) in tls.recommended_versions.iter().enumerate() {
            check_tls_version(v).map_err(|m| err(format!("tls.recommended_versions[{i}]"), m))?;
        }
        for (i, s) in tls.cipher_suites.iter().enumerate() {
            check_tls_version(&s.version)
                .map_err(|m| err(format!("tls.cipher_suites[{i}].version"), m))?;
            if parse_suite_id(&s.id).is_none() {
                return Err(err(
                    format!("tls.cipher_suites[{i}].id"),
                    format!("`{}` is not a 0x-prefixed 16-bit code", s.id),
                ));
            }
        }
    }
    Ok(())
}

fn check_tls_version(v: &str) -> Result<(), String> {
    match v {
        "1.0" | "1.1" | "1.2" | "1.3" => Ok(()),
        _ => Err(format!("`{v}` is not a TLS version (1.0, 1.1, 1.2 or 1.3)")),
    }
}

fn is_tag_name(t: &str) -> bool {
    !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids of the entries `name` matches (also used by the matching tests).
    pub(super) fn ids(cat: &Catalog, name: &str) -> Vec<String> {
        cat.match_host(name)
            .iter()
            .map(|m| m.entry.id.clone())
            .collect()
    }

    #[test]
    fn builtin_catalog_is_valid() {
        let cat = Catalog::from_json(BUILTIN_JSON, BUILTIN_NAME).unwrap();
        assert_eq!(cat.entries().len(), 58);
        for c in crate::model::Cloud::ALL {
            assert!(cat.entries().iter().any(|e| e.cloud == c));
        }
        // Every row's pattern matches at least one concrete name of its own shape.
        assert!(cat.tls().is_some_and(|t| {
            t.cipher_suites
                .iter()
                .filter_map(CipherSuite::code)
                .eq([0x1302, 0x1301, 0xc030, 0xc02f])
        }));
        let round = Catalog::from_json(&cat.to_json().unwrap(), "round trip").unwrap();
        assert_eq!(round.entries(), cat.entries());
    }

    /// The page's tags and the services' own are kept apart: an entry's `service_tags` come
    /// from the page's list (the catalog's service-tag requirements), everything else an
    /// address may be expected in is in `service_own_tags`, and the note that says where
    /// those come from is there.
    #[test]
    fn builtin_expected_tags_are_the_pages_plus_the_services_own() {
        let cat = Catalog::builtin();
        let page: HashSet<&str> = cat
            .service_tag_requirements()
            .iter()
            .map(|r| r.tag.as_str())
            .collect();
        for e in cat.entries() {
            for t in &e.service_tags {
                assert!(page.contains(t.as_str()), "{}: {t} is not a page tag", e.id);
            }
        }
        let own = |id: &str| cat.entry(id).unwrap().service_own_tags.clone();
        for id in [
            "public.guestconfig",
            "usgov.guestconfig",
            "china.guestconfig",
            "esu.public.guestconfig",
            "esu.usgov.guestconfig",
        ] {
            assert_eq!(own(id), ["GuestAndHybridManagement"], "{id}");
        }
        assert_eq!(own("public.gns-servicebus"), ["ServiceBus"]);
        assert_eq!(own("china.gns-servicebus"), ["ServiceBus"]);
        // Names served by content networks partly outside Azure expect no tag.
        for id in ["public.download", "public.packages", "public.esu-certs"] {
            assert_eq!(cat.entry(id).unwrap().expected_tags().count(), 0, "{id}");
        }
        let note = cat.notes().iter().find(|n| n.id == "service-own-tags");
        let note = note.expect("the service-own-tags note");
        assert_eq!(note.source.document, "azure-service-tags");
        assert!(cat.documents().iter().any(|d| d.id == "azure-service-tags"));
    }

    fn minimal(entry_extra: &str) -> String {
        format!(
            r#"{{"schema":1,"entries":[{{"id":"org.proxy","cloud":"public","resource":"x","hosts":["proxy.contoso.com"],"purpose":"p","when":"always","private_link":"public","source":{{"document":"d","revision":"r"}}{entry_extra}}}]}}"#
        )
    }

    #[test]
    fn user_catalog_extends_and_replaces() {
        let user = Catalog::from_json(&minimal(""), "org.json").unwrap();
        let mut cat = Catalog::builtin().clone();
        cat.extend(user.clone()).unwrap();
        assert_eq!(cat.entries().len(), 59);
        assert_eq!(ids(&cat, "proxy.contoso.com"), ["org.proxy"]);
        assert_eq!(
            ids(&cat, "management.azure.com"),
            ["public.arm", "esu.public.arm"]
        );
        assert_eq!(cat.sources(), ["built-in catalog", "org.json"]);
        // Same id replaces in place.
        let over = minimal("").replace("org.proxy", "public.arm");
        cat.extend(Catalog::from_json(&over, "over.json").unwrap())
            .unwrap();
        assert_eq!(ids(&cat, "management.azure.com"), ["esu.public.arm"]);
        assert_eq!(ids(&cat, "proxy.contoso.com"), ["public.arm", "org.proxy"]);
        assert_eq!(user.entries().len(), 1);
        assert!(user.service_tag_requirements().is_empty());
    }

    /// `minimal` with a policy list added at the top level.
    fn with_list(field: &str, list: &str) -> String {
        minimal("").replacen('{', &format!(r#"{{"{field}":{list},"#), 1)
    }

    #[test]
    fn builtin_policy_lists_are_data() {
        let cat = Catalog::builtin();
        assert_eq!(
            cat.attributing_tags(),
            [
                "AzureArcInfrastructure",
                "AzureActiveDirectory",
                "AzureResourceManager"
            ]
        );
        assert_eq!(
            cat.microsoft_issuers(),
            ["Microsoft", "DigiCert", "Baltimore CyberTrust Root"]
        );
        for l in [&cat.file.attributing_tags, &cat.file.microsoft_issuers] {
            assert!(l.as_ref().is_some_and(|l| !l.note.is_empty()));
        }
    }

    #[test]
    fn policy_lists_replace_or_fall_back_to_the_built_in_ones() {
        // A replacing catalog without the lists keeps arcaudit's own.
        let plain = Catalog::from_json(&minimal(""), "org.json").unwrap();
        assert_eq!(
            plain.microsoft_issuers(),
            Catalog::builtin().microsoft_issuers()
        );
        let own = with_list(
            "microsoft_issuers",
            r#"{"values":["Contoso CA"],"note":"ours"}"#,
        );
        let own = Catalog::from_json(&own, "org.json").unwrap();
        assert_eq!(own.microsoft_issuers(), ["Contoso CA"]);
        assert_eq!(
            own.attributing_tags(),
            Catalog::builtin().attributing_tags()
        );
        let mut ext = Catalog::builtin().clone();
        ext.extend(own).unwrap();
        assert_eq!(ext.microsoft_issuers(), ["Contoso CA"]);
    }

    #[test]
    fn malformed_policy_lists_name_the_place() {
        let cases = [
            (
                with_list("attributing_tags", r#"{"values":[],"note":"n"}"#),
                "attributing_tags.values",
            ),
            (
                with_list(
                    "attributing_tags",
                    r#"{"values":["Azure Cloud"],"note":"n"}"#,
                ),
                "attributing_tags.values[0]",
            ),
            (
                with_list("microsoft_issuers", r#"{"values":["A"," B"],"note":"n"}"#),
                "microsoft_issuers.values[1]",
            ),
            (
                with_list("microsoft_issuers", r#"{"values":["A","a"],"note":"n"}"#),
                "microsoft_issuers.values[1]",
            ),
            (
                with_list("microsoft_issuers", r#"{"values":["A"],"note":" "}"#),
                "microsoft_issuers.note",
            ),
            (
                with_list("microsoft_issuers", r#"{"values":["A"]}"#),
                "microsoft_issuers",
            ),
        ];
        for (text, path) in cases {
            let msg = Catalog::from_json(&text, "org.json")
                .unwrap_err()
                .to_string();
            assert!(
                msg.starts_with(&format!("org.json: at {path}")),
                "{msg} (wanted {path})"
            );
        }
    }

    #[test]
    fn malformed_catalogs_name_the_place() {
        let cases: [(String, &str); 12] = [
            (
                minimal("").replace(r#""cloud":"public""#, r#""cloud":"mars""#),
                "entries[0].cloud",
            ),
            (minimal("").replace(r#""when":"always","#, ""), "entries[0]"),
            (
                minimal("").replace(
                    r#""hosts":["proxy.contoso.com"]"#,
                    r#""hosts":"proxy.contoso.com""#,
                ),
                "entries[0].hosts",
            ),
            (minimal(r#","ports":[443,"x"]"#), "entries[0].ports[1]"),
            (minimal(r#","ports":[0]"#), "entries[0].ports[0]"),
            (minimal(r#","colour":"red""#), "entries[0]"),
            (
                minimal("").replace("proxy.contoso.com", "*.com"),
                "entries[0].hosts[0]",
            ),
            (minimal(r#","features":["ssh"]"#), "entries[0].features"),
            (minimal(r#","min_tls":"1.4""#), "entries[0].min_tls"),
            (
                minimal(r#","service_own_tags":["Service Bus"]"#),
                "entries[0].service_own_tags[0]",
            ),
            (
                minimal(
                    r#","service_tags":["Storage"],"service_own_tags":["ServiceBus","storage"]"#,
                ),
                "entries[0].service_own_tags[1]",
            ),
            (
                minimal(r#","service_own_tags":["ServiceBus","ServiceBus"]"#),
                "entries[0].service_own_tags[1]",
            ),
        ];
        for (text, path) in cases {
            let err = Catalog::from_json(&text, "org.json").unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!("org.json: at {path}")),
                "{msg} (wanted {path})"
            );
        }
        let err = Catalog::from_json(
            &minimal("").replace(r#""schema":1"#, r#""schema":2"#),
            "o.json",
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("o.json: at schema:"), "{err}");
        assert!(Catalog::from_json("not json", "o.json").is_err());
        assert!(Catalog::from_json("", "o.json").is_err());
        assert!(Catalog::from_json("[]", "o.json").is_err());
        let dup = minimal("").replace(r#"}]}"#, r#"},{"id":"org.proxy","cloud":"public","resource":"x","hosts":["a.b.c"],"purpose":"p","when":"always","private_link":"public","source":{"document":"d","revision":"r"}}]}"#);
        let err = Catalog::from_json(&dup, "o.json").unwrap_err();
        assert!(
            err.to_string().contains("entries[1].id") && err.to_string().contains("duplicate"),
            "{err}"
        );
    }

    #[test]
    fn documented_example_is_a_valid_user_catalog() {
        let doc = include_str!("../../../docs/catalog.md");
        let example = doc
            .split("```json")
            .nth(1)
            .and_then(|s| s.split("```").next())
            .unwrap();
        let cat = Catalog::from_json(example, "docs/catalog.md").unwrap();
        assert_eq!(ids(&cat, "proxy.contoso.com"), ["contoso.proxy"]);
        assert_eq!(cat.entries()[0].ports, [8080]);
    }

    #[test]
    fn missing_file_is_an_io_error_with_the_path() {
        let err = Catalog::load(Path::new("/nonexistent/cat.json")).unwrap_err();
        assert!(matches!(err, ModelError::Io { .. }));
        assert!(err.to_string().contains("/nonexistent/cat.json"));
    }
}
