//! The catalog file's schema: the serde types of `catalog.json` (docs/catalog.md describes
//! each field). Plain data with what a field means; checking values is the parent module's
//! job (loading and validation), matching names is `matching`'s.

use serde::{Deserialize, Serialize};

use crate::model::Cloud;

/// Schema version this build understands.
pub const SCHEMA_VERSION: u32 = 1;

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
    /// Tags of the network page's list that cover the endpoint (the page names tags for the
    /// whole agent; which row goes with which tag follows the service behind the name).
    #[serde(default)]
    pub service_tags: Vec<String>,
    /// Further tags of the service behind the names, where it is hosted: `ServiceBus` for a
    /// Service Bus namespace, `GuestAndHybridManagement` for guest configuration. From
    /// Microsoft's service-tag files, not from the Arc page (the catalog note
    /// `service-own-tags` says so); none of them is already in `service_tags`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_own_tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Set for endpoints no longer used by current software (date of the last release using it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_after: Option<String>,
    pub source: SourceRef,
}

impl Endpoint {
    /// The tags an address of this endpoint is expected in: the page's tags, then the
    /// service's own. Each matches itself and its regional forms (`Tag.Region`) in a
    /// service-tag file.
    pub fn expected_tags(&self) -> impl Iterator<Item = &str> {
        self.service_tags
            .iter()
            .chain(&self.service_own_tags)
            .map(String::as_str)
    }
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

pub(super) fn parse_suite_id(id: &str) -> Option<u16> {
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

/// A list arcaudit's own policy uses (not a row of Microsoft's pages), with a note saying
/// where its values come from and why it holds what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyList {
    pub values: Vec<String>,
    pub note: String,
}

/// The catalog file as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CatalogFile {
    pub(super) schema: u32,
    #[serde(default)]
    pub(super) documents: Vec<DocumentInfo>,
    #[serde(default)]
    pub(super) notes: Vec<ModelNote>,
    #[serde(default)]
    pub(super) service_tags: Vec<ServiceTagRequirement>,
    #[serde(default)]
    pub(super) tls: Option<TlsPolicy>,
    /// Service tags that attribute a flow by its address alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) attributing_tags: Option<PolicyList>,
    /// Substrings of the issuer names a genuine Microsoft endpoint's leaf certificate has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) microsoft_issuers: Option<PolicyList>,
    pub(super) entries: Vec<Endpoint>,
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
