//! The endpoint catalog: one entry per row of Microsoft's endpoint tables, loaded from JSON.
//!
//! The built-in catalog is `catalog.json`, embedded with `include_str!` and parsed once; a user's
//! `--catalog FILE` with the same schema (docs/catalog.md) replaces or extends it. Loading
//! validates everything a lookup later relies on (patterns, feature lists, ports, TLS versions),
//! so matching itself cannot fail.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use globset::{Candidate, GlobBuilder, GlobSet, GlobSetBuilder};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::hostmatch::{HostPattern, write_candidate};
use super::{Cloud, ModelError, parse_json, read_capped};

/// The embedded catalog (see docs/catalog.md for the schema).
const BUILTIN_JSON: &str = include_str!("catalog.json");
const BUILTIN_NAME: &str = "built-in catalog";
/// Schema version this build understands.
pub const SCHEMA_VERSION: u32 = 1;
/// A catalog is a few hundred entries; 16 MiB is far above any real one and stops a wrong path
/// (a capture file) from being read whole.
const MAX_CATALOG_BYTES: u64 = 16 << 20;

/// When the agent needs an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum When {
    /// Whenever the agent runs.
    Always,
    /// At installation, and again whenever the agent updates itself automatically.
    Installation,
    /// Only while connecting the machine to Azure or disconnecting it.
    ConnectDisconnect,
    /// Not needed (agent telemetry, unused from agent 1.24).
    Optional,
    /// Only when one of the entry's `features` is used.
    Feature,
}

impl When {
    pub fn as_str(self) -> &'static str {
        match self {
            When::Always => "always",
            When::Installation => "installation",
            When::ConnectDisconnect => "connect-disconnect",
            When::Optional => "optional",
            When::Feature => "feature",
        }
    }
}

/// A feature that makes an endpoint necessary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Feature {
    /// SQL Server enabled by Azure Arc.
    SqlServer,
    /// Extended Security Updates for SQL Server delivered through Arc.
    SqlServerEsu,
    /// Windows Admin Center in the Azure portal.
    WindowsAdminCenter,
    /// SSH to the machine through Azure.
    Ssh,
    /// Extended Security Updates enabled by Azure Arc (Windows Server).
    ExtendedSecurityUpdates,
    /// Hotpatching, Windows Server Azure benefits, Windows Server pay-as-you-go licensing.
    WindowsServerLicensing,
}

impl Feature {
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::SqlServer => "sql-server",
            Feature::SqlServerEsu => "sql-server-esu",
            Feature::WindowsAdminCenter => "windows-admin-center",
            Feature::Ssh => "ssh",
            Feature::ExtendedSecurityUpdates => "extended-security-updates",
            Feature::WindowsServerLicensing => "windows-server-licensing",
        }
    }
}

/// Whether an endpoint can be reached through an Azure Arc private link scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrivateLink {
    /// Always reached over the internet, private link or not.
    Public,
    /// Goes through the private endpoint when a private link scope is assigned.
    Private,
    /// Public, unless a resource-management private link is configured as well.
    PublicUnlessArmPrivateLink,
    /// Not used at all when a private link is configured.
    NotUsedWithPrivateLink,
    /// The table gives no Private Link column (Azure operated by 21Vianet).
    NotStated,
}

impl PrivateLink {
    pub fn as_str(self) -> &'static str {
        match self {
            PrivateLink::Public => "public",
            PrivateLink::Private => "private",
            PrivateLink::PublicUnlessArmPrivateLink => "public-unless-arm-private-link",
            PrivateLink::NotUsedWithPrivateLink => "not-used-with-private-link",
            PrivateLink::NotStated => "not-stated",
        }
    }
}

/// Which table an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// The full network-requirements table.
    #[default]
    Standard,
    /// The subset for machines used only for Extended Security Updates.
    Esu,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Standard => "standard",
            Profile::Esu => "esu",
        }
    }
}

/// The document revision a fact comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub document: String,
    pub revision: String,
}

/// One endpoint: one row of one of Microsoft's tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Stable identifier (`public.his`, `esu.usgov.arm`): what reports and suppressions name.
    pub id: String,
    pub cloud: Cloud,
    #[serde(default)]
    pub profile: Profile,
    /// The "Agent resource" cell as written in the table.
    pub resource: String,
    /// The host patterns of the row (a row may list several).
    pub hosts: Vec<String>,
    /// Further spellings of the row's names that carry a region
    /// (`<region>-gas.guestconfiguration.azure.com`), used to report the region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub region_forms: Vec<String>,
    pub purpose: String,
    pub when: When,
    /// For `when: feature`: the entry is needed when any of these is used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<Feature>,
    pub private_link: PrivateLink,
    #[serde(default = "default_ports")]
    pub ports: Vec<u16>,
    /// Lowest TLS version the endpoint accepts (`1.2`), when the page states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_tls: Option<String>,
    /// Service tags whose ranges the endpoint's addresses fall in.
    #[serde(default)]
    pub service_tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Set for endpoints no longer used by current software (date of the last release using it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_after: Option<String>,
    pub source: SourceRef,
}

fn default_ports() -> Vec<u16> {
    vec![443]
}

/// A document the catalog was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentInfo {
    pub id: String,
    pub revision: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
}

/// A fact that matters to an audit but is not a row (proxy support, tag caveats).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelNote {
    pub id: String,
    pub clouds: Vec<Cloud>,
    pub text: String,
    pub source: SourceRef,
}

/// A service tag the machine must be allowed to reach, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceTagRequirement {
    pub tag: String,
    /// The cloud whose service-tag file holds the tag, when it differs from the machine's
    /// (Azure Government and 21Vianet machines need the public `AzureArcInfrastructure`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_cloud: Option<Cloud>,
    /// Clouds whose machines need the tag.
    pub clouds: Vec<Cloud>,
    pub when: When,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<Feature>,
    /// Date from which the requirement applies (`2026-04-01`), when the page gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_from: Option<String>,
    pub purpose: String,
    pub source: SourceRef,
}

/// A recommended cipher suite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CipherSuite {
    /// TLS version the suite is for (`1.2`, `1.3`).
    pub version: String,
    /// IANA code point in hex (`0xc030`).
    pub id: String,
    pub name: String,
}

impl CipherSuite {
    /// The code point as a number (validated at load time).
    pub fn code(&self) -> Option<u16> {
        parse_suite_id(&self.id)
    }
}

fn parse_suite_id(id: &str) -> Option<u16> {
    let hex = id.strip_prefix("0x").or_else(|| id.strip_prefix("0X"))?;
    u16::from_str_radix(hex, 16).ok()
}

/// Recommended TLS versions and cipher suites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsPolicy {
    pub recommended_versions: Vec<String>,
    /// Agent version from which the suites below are required.
    pub cipher_suites_from_agent: String,
    /// Platform the cipher-suite requirement applies to (`windows`).
    pub cipher_suites_platform: String,
    /// In the server's order of preference.
    pub cipher_suites: Vec<CipherSuite>,
    pub note: String,
    pub source: SourceRef,
}

/// The catalog file as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    schema: u32,
    #[serde(default)]
    documents: Vec<DocumentInfo>,
    #[serde(default)]
    notes: Vec<ModelNote>,
    #[serde(default)]
    service_tags: Vec<ServiceTagRequirement>,
    #[serde(default)]
    tls: Option<TlsPolicy>,
    entries: Vec<Endpoint>,
}

/// How a user's catalog combines with the built-in one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CatalogMode {
    /// Use only the user's file.
    Replace,
    /// Built-in entries first; the file's entries are added, and an entry with an existing id
    /// replaces it.
    #[default]
    Extend,
}

/// An entry that matched a name.
#[derive(Debug, Clone, Serialize)]
pub struct HostMatch<'a> {
    /// Position of the entry in [`Catalog::entries`].
    pub index: usize,
    pub entry: &'a Endpoint,
    /// The host pattern or region form that matched.
    pub pattern: &'a HostPattern,
    /// The region the name carries, when the matching pattern has a `<region>` placeholder.
    pub region: Option<String>,
}

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

/// The compiled globs of one domain suffix.
#[derive(Debug, Clone)]
struct SuffixGroup {
    globs: GlobSet,
    /// For each glob of `globs`: the patterns (indices into `Catalog::patterns`) it stands for;
    /// entries repeated across clouds and profiles share one glob.
    patterns: Vec<Vec<usize>>,
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
    /// appended unless already present; `other`'s TLS policy, if any, replaces this one.
    pub fn extend(&mut self, other: Catalog) -> Result<(), ModelError> {
        let mut file = std::mem::replace(
            &mut self.file,
            CatalogFile {
                schema: SCHEMA_VERSION,
                documents: Vec::new(),
                notes: Vec::new(),
                service_tags: Vec::new(),
                tls: None,
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

    /// Where the catalog came from (`built-in catalog`, then any user files).
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Entries whose host pattern matches `name` (SNI, CONNECT authority without the port, Host
    /// header without the port, DNS name), in catalog order, one per entry. Case-insensitive;
    /// one trailing dot is ignored. When several patterns of an entry match, the one that names
    /// a region wins, so `westeurope.his.arc.azure.com` reports `westeurope`.
    pub fn match_host(&self, name: &str) -> Vec<HostMatch<'_>> {
        let mut scratch = MatchScratch::default();
        let mut out = Vec::new();
        self.match_host_with(name, &mut scratch, &mut out);
        out
    }

    /// [`Catalog::match_host`] reusing caller-owned buffers, for hot loops: after the first call
    /// it allocates only for a region string.
    pub fn match_host_with<'a>(
        &'a self,
        name: &str,
        scratch: &mut MatchScratch,
        out: &mut Vec<HostMatch<'a>>,
    ) {
        out.clear();
        if !write_candidate(name, &mut scratch.candidate) {
            return;
        }
        let cand_str = scratch.candidate.as_str();
        let key = match cand_str.rmatch_indices('/').nth(1) {
            Some((i, _)) => cand_str.get(i + 1..).unwrap_or(""),
            None => cand_str,
        };
        let Some(group) = self.groups.get(key) else {
            return;
        };
        let cand = Candidate::new(cand_str);
        group
            .globs
            .matches_candidate_into(&cand, &mut scratch.globs);
        scratch.hits.clear();
        for &g in &scratch.globs {
            if let Some(p) = group.patterns.get(g) {
                scratch.hits.extend_from_slice(p);
            }
        }
        // Pattern order is entry order, so sorted hits give entries in catalog order.
        scratch.hits.sort_unstable();
        for &hit in &scratch.hits {
            let (Some(&index), Some(pattern)) = (self.owners.get(hit), self.patterns.get(hit))
            else {
                continue;
            };
            let Ok(region) = pattern.accepts(cand_str) else {
                continue;
            };
            match out.last_mut() {
                Some(prev) if prev.index == index => {
                    if prev.region.is_none() && region.is_some() {
                        prev.region = region;
                        prev.pattern = pattern;
                    }
                }
                _ => {
                    if let Some(entry) = self.file.entries.get(index) {
                        out.push(HostMatch {
                            index,
                            entry,
                            pattern,
                            region,
                        });
                    }
                }
            }
        }
    }

    /// Whether any entry matches `name`.
    pub fn is_known_host(&self, name: &str) -> bool {
        !self.match_host(name).is_empty()
    }

    /// The catalog as JSON in its own schema (what `--catalog` accepts back).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(&self.file)
    }
}

/// Reusable buffers for [`Catalog::match_host_with`].
#[derive(Debug, Default)]
pub struct MatchScratch {
    candidate: String,
    globs: Vec<usize>,
    hits: Vec<usize>,
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

    fn ids(cat: &Catalog, name: &str) -> Vec<String> {
        cat.match_host(name)
            .iter()
            .map(|m| m.entry.id.clone())
            .collect()
    }

    fn regions(cat: &Catalog, name: &str) -> Vec<Option<String>> {
        cat.match_host(name).into_iter().map(|m| m.region).collect()
    }

    #[test]
    fn builtin_catalog_is_valid() {
        let cat = Catalog::from_json(BUILTIN_JSON, BUILTIN_NAME).unwrap();
        assert_eq!(cat.entries().len(), 58);
        for c in Cloud::ALL {
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

    #[test]
    fn exact_names_match_case_and_trailing_dot_insensitively() {
        let cat = Catalog::builtin();
        assert_eq!(
            ids(cat, "management.azure.com"),
            ["public.arm", "esu.public.arm"]
        );
        assert_eq!(
            ids(cat, "MANAGEMENT.Azure.COM."),
            ["public.arm", "esu.public.arm"]
        );
        assert_eq!(ids(cat, "pasff.usgovcloudapi.net"), ["usgov.pas"]);
        assert_eq!(ids(cat, "download.microsoft.com").len(), 5);
        assert!(ids(cat, "management.azure.com..").is_empty());
        assert!(ids(cat, "xmanagement.azure.com").is_empty());
        assert!(ids(cat, "management.azure.co").is_empty());
        assert!(ids(cat, "a.management.azure.com").is_empty());
    }

    #[test]
    fn leading_wildcards_need_a_label_and_a_dot() {
        let cat = Catalog::builtin();
        assert_eq!(
            ids(cat, "gbl.his.arc.azure.com"),
            ["public.his", "esu.public.his"]
        );
        assert_eq!(
            ids(cat, "a.b.his.arc.azure.com"),
            ["public.his", "esu.public.his"]
        );
        assert!(ids(cat, "his.arc.azure.com").is_empty());
        assert!(ids(cat, "xhis.arc.azure.com").is_empty());
        assert!(ids(cat, "his.arc.azure.com.evil.example").is_empty());
        assert!(ids(cat, "westeurope.his.arc.azure.com.evil.example").is_empty());
        assert!(ids(cat, "evil-his.arc.azure.com").is_empty());
        assert_eq!(
            ids(cat, "autologon.login.microsoft.com"),
            ["public.login-wildcard", "esu.public.login-wildcard"]
        );
        assert!(ids(cat, "login.microsoft.com").is_empty());
        assert_eq!(
            ids(cat, "x.blob.core.usgovcloudapi.net"),
            ["usgov.blob", "esu.usgov.blob"]
        );
        assert_eq!(
            ids(cat, "guestnotificationservice.azure.com"),
            ["public.gns"]
        );
        assert_eq!(
            ids(cat, "weu.guestnotificationservice.azure.com"),
            ["public.gns"]
        );
    }

    #[test]
    fn infix_wildcards_stay_inside_their_label() {
        let cat = Catalog::builtin();
        assert_eq!(
            ids(cat, "azgn-westeurope-1.servicebus.chinacloudapi.cn"),
            ["china.gns-servicebus", "china.servicebus-ssh-wac"]
        );
        // Without the azgn prefix only the SSH/WAC wildcard row applies.
        assert_eq!(
            ids(cat, "relay1.servicebus.chinacloudapi.cn"),
            ["china.servicebus-ssh-wac"]
        );
        assert_eq!(
            ids(cat, "azgnfoo.servicebus.windows.net"),
            ["public.gns-servicebus", "public.servicebus-ssh-wac"]
        );
        assert!(ids(cat, "azgn.x.servicebus.example.net").is_empty());
        assert!(ids(cat, "servicebus.windows.net").is_empty());
    }

    #[test]
    fn regions_are_extracted() {
        let cat = Catalog::builtin();
        assert_eq!(
            regions(cat, "westeurope.his.arc.azure.com"),
            [
                Some("westeurope".to_string()),
                Some("westeurope".to_string())
            ]
        );
        assert_eq!(
            regions(cat, "gbl.his.arc.azure.com"),
            [Some("gbl".to_string()), Some("gbl".to_string())]
        );
        assert_eq!(regions(cat, "a.b.his.arc.azure.com"), [None, None]);
        assert_eq!(
            regions(cat, "WestEurope-gas.GuestConfiguration.azure.com"),
            [
                Some("westeurope".to_string()),
                Some("westeurope".to_string())
            ]
        );
        assert_eq!(
            regions(cat, "agentserviceapi.guestconfiguration.azure.com"),
            [None, None]
        );
        assert_eq!(
            ids(cat, "telemetry.eastus.arcdataservices.com"),
            ["public.sql-dataservices", "esu.public.sql-dataservices"]
        );
        assert_eq!(
            regions(cat, "telemetry.eastus.arcdataservices.com"),
            [Some("eastus".to_string()), Some("eastus".to_string())]
        );
        assert_eq!(
            regions(cat, "eastus.arcdataservices.com"),
            [Some("eastus".to_string()), Some("eastus".to_string())]
        );
        assert_eq!(
            regions(cat, "x.usgovvirginia.arcdataservices.azure.us"),
            [Some("usgovvirginia".to_string())]
        );
        assert!(ids(cat, "arcdataservices.com").is_empty());
        assert!(
            ids(cat, "x.east-us.arcdataservices.com").is_empty(),
            "a hyphen is not in any region name"
        );
        let m = cat.match_host("san-af-westus2-prod.azurewebsites.net");
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].entry.id.as_str(), m[0].region.as_deref()),
            ("public.sql-legacy-san-af", Some("westus2"))
        );
        assert!(cat.match_host("san-af--prod.azurewebsites.net").is_empty());
        assert!(
            cat.match_host("san-af-west-us-prod.azurewebsites.net")
                .is_empty()
        );
    }

    #[test]
    fn placeholders_scheme_and_path() {
        let cat = Catalog::builtin();
        let m = cat.match_host("contoso-kv.vault.azure.net");
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].entry.id.as_str(), m[0].pattern.scheme.as_deref()),
            ("public.sql-entra", Some("https"))
        );
        assert_eq!(ids(cat, "graph.microsoft.com"), ["public.sql-entra"]);
        let m = cat.match_host("www.microsoft.com");
        assert_eq!(m.len(), 4);
        assert!(
            m.iter()
                .all(|m| m.pattern.path.as_deref() == Some("/pkiops/certs")
                    && m.entry.ports == [80, 443])
        );
        assert!(cat.match_host("vault.azure.net").is_empty());
    }

    #[test]
    fn garbage_names_match_nothing() {
        let cat = Catalog::builtin();
        for n in [
            "",
            ".",
            "*",
            "*.his.arc.azure.com",
            "10.1.2.3",
            "::1",
            "management.azure.com:443",
            "gbl.his.arc.azure.com/x",
            "gbl his.arc.azure.com",
            &"a.".repeat(200),
        ] {
            assert!(cat.match_host(n).is_empty(), "{n:?}");
        }
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

    #[test]
    fn malformed_catalogs_name_the_place() {
        let cases: [(String, &str); 9] = [
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
        let doc = include_str!("../../docs/catalog.md");
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
