//! Classification: flow facts + the Arc model + what the user told us -> findings and an
//! endpoint coverage table. Each rule lives in its own file under `rules/` and only reads
//! the views built here; nothing in this stage touches bytes or renders text.
//!
//! It reads only the facts stage's compact records ([`CaptureFacts`]: flows and DNS
//! messages), never the pipeline's flow records or the parsers, and reads them in passes
//! ([`Records`]): a large capture's records are partly in a temporary file, and the audit
//! holds per flow only 12 bytes between its passes, whatever the capture's size. The order
//! of work for one capture, in [`audit_capture`]:
//!
//! 1. a pass over the DNS messages indexes the answers and feeds the rules that look across
//!    them ([`DnsFold`]);
//! 2. a pass over the flows attributes each to catalog entries (SNI, CONNECT authority,
//!    Host, DNS, service tag), kept per kind of attribution (`Attributions`), and infers
//!    the context the user did not give (`context::Inference`);
//! 3. each kind's primary entry is chosen in that context;
//! 4. a pass over the flows runs every per-flow rule, feeds the rules that look across
//!    flows ([`FlowFold`]), the coverage table, the timeline and the host identity, and
//!    writes each flow's verdict (to a spool, like the records);
//! 5. the capture-wide rules finish, then the per-endpoint summaries, after the coverage
//!    table;
//!
//! and what the rules find is grouped into one finding per problem (`Folder`) as it comes.

mod attribution;
mod context;
mod coverage;
pub mod host;
mod records;
pub mod rules;
mod timeline;
mod verdicts;

pub use attribution::{Attribution, DnsIndex, DnsIndexStats, NameSource};
pub use context::{AgentOs, AuditContext, Given, Inferred, ProxyAddr};
pub use coverage::{Coverage, CoverageRow, Unseen, is_private, required};
pub use host::{HostIdentity, HostSource};
pub use records::Records;
// The facts rules read, re-exported so a rule names one module for what it uses.
pub use crate::facts::{
    AuditFlow, CaptureFacts, CertSummary, DnsAnswer, DnsRecordData, HttpRequestSummary, TlsSummary,
};
pub use timeline::{Lane, MAX_MARKS, Mark, Timeline, TimelineBuilder};

use rustc_hash::FxHashMap;
use serde::Serialize;
use std::net::IpAddr;
use std::ops::ControlFlow;
use std::sync::Arc;

use crate::facts::spool::{Sorted, Spool};
use crate::model::{Catalog, Endpoint, ServiceTags};

/// What kind of problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// The connection did not work, and the capture shows where it stopped.
    Blocked,
    /// The connection went somewhere it should not (wrong address, around the proxy, ...).
    Misrouted,
    /// TLS below what the agent or the endpoint requires.
    WeakTls,
    /// About the capture as a whole: endpoints never reached, silences.
    Coverage,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Blocked => "blocked",
            Family::Misrouted => "misrouted",
            Family::WeakTls => "weak-tls",
            Family::Coverage => "coverage",
        }
    }

    pub const ALL: [Family; 4] = [
        Family::Blocked,
        Family::Misrouted,
        Family::WeakTls,
        Family::Coverage,
    ];

    pub fn parse(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// How much a finding matters, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ];

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A rule's fixed description: what `arcaudit explain` prints and every finding carries.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleMeta {
    /// Stable id a user can grep for and suppress (`tls-version-below-1-2`).
    pub id: &'static str,
    pub family: Family,
    /// Severity when nothing in the context changes it.
    pub severity: Severity,
    /// One line: what the rule detects.
    pub summary: &'static str,
    /// Why it matters for the Connected Machine agent.
    pub why: &'static str,
    /// What to check when it fires.
    pub check: &'static str,
    /// The requirement it comes from (document and section).
    pub requirement: &'static str,
    /// A finding it reports, in a sentence (the Example paragraph of the rule's file doc;
    /// a test keeps the two equal).
    pub example: &'static str,
}

/// The flow a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowRef {
    pub transport: crate::wire::Transport,
    pub client: std::net::SocketAddr,
    pub server: std::net::SocketAddr,
    pub first_frame: u64,
}

impl FlowRef {
    /// The reference findings and per-flow verdicts carry for a compacted flow.
    pub fn of(f: &AuditFlow) -> FlowRef {
        FlowRef {
            transport: f.transport,
            client: f.client,
            server: f.server,
            first_frame: f.frames.first,
        }
    }
}

/// One verdict, pointing at the frames that prove it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub family: Family,
    pub severity: Severity,
    /// The capture file.
    pub file: String,
    /// Catalog entry id (`public.his`), when the finding is about an endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The name as seen (SNI, CONNECT authority, Host, DNS name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<FlowRef>,
    /// Frames that prove it, in order.
    pub frames: Vec<u64>,
    /// The facts, in a sentence (values from the capture, e.g. "RST from 20.50.2.1 in frame 9").
    pub evidence: String,
    /// One line: what this means.
    pub explanation: String,
    /// What to check.
    pub check: &'static str,
    /// The requirement it comes from.
    pub requirement: &'static str,
    /// Set when the user's suppression list accepts this finding.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
    /// How many times the rule found this problem (flows, DNS exchanges, ...): 1 for a
    /// single occurrence. The fields above describe the first occurrence.
    pub count: u64,
    /// The earliest and latest frame over every occurrence (none for a finding about the
    /// capture as a whole).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_frame: Option<u64>,
    /// Further occurrences, earliest first, at most [`MAX_EXAMPLES`]; occurrences that
    /// say the same as one kept are only counted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
}

/// One further occurrence of a finding's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<FlowRef>,
    pub frames: Vec<u64>,
    pub evidence: String,
}

/// Further occurrences kept per finding. A capture of a misconfigured machine repeats
/// the same failure every few minutes: the count and frame range say how often, and a
/// few examples show whether the occurrences differ (another address, another answer);
/// ten thousand copies help nobody and cost memory.
pub const MAX_EXAMPLES: usize = 3;

/// What one finding is about: the endpoint when the rule named one, else the name seen,
/// else the server address. Findings of one rule, severity and subject are one problem.
/// Endpoints and names are numbered by the [`Folder`] (`Folder::subject`), so a key is
/// copied and hashed without a string per occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Subject {
    Endpoint(u32),
    Host(u32),
    Address(IpAddr),
    Capture,
}

type GroupKey = (&'static str, Severity, Subject);

/// Groups findings as the rules produce them: one finding per (rule, severity, subject)
/// with the count, frame range and a few examples of every occurrence, so a capture
/// repeating one failure ten thousand times holds one finding. The severity is part of
/// the key because a rule that grades its evidence (a HIGH misroute next to an info
/// note) reports two different problems.
#[derive(Default)]
struct Folder {
    groups: FxHashMap<GroupKey, usize>,
    /// Endpoint ids and lower-cased names that are subjects, numbered.
    endpoints: FxHashMap<String, u32>,
    hosts: FxHashMap<String, u32>,
    out: Vec<Finding>,
    /// For the flow being judged (by its first frame), the first finding's (first frame,
    /// rule): what the timeline names a failed attempt by, taken for every flow (not only
    /// the examples) once the rules have judged it ([`Folder::take_flow_rule`]).
    flow_rule: Option<(u64, (u64, &'static str))>,
}

/// The number of `s` in `names`, given on first sight.
fn number(names: &mut FxHashMap<String, u32>, s: &str) -> u32 {
    if let Some(&n) = names.get(s) {
        return n;
    }
    let n = u32::try_from(names.len()).unwrap_or(u32::MAX);
    names.insert(s.to_string(), n);
    n
}

impl Folder {
    /// The subject of a finding naming `endpoint`, `host` and a flow to `server`.
    fn subject(
        &mut self,
        endpoint: Option<&str>,
        host: Option<&str>,
        server: Option<IpAddr>,
    ) -> Subject {
        match (endpoint, host, server) {
            (Some(e), _, _) => Subject::Endpoint(number(&mut self.endpoints, e)),
            // Names are case-insensitive; most are seen in lower case already.
            (None, Some(h), _) if !h.bytes().any(|b| b.is_ascii_uppercase()) => {
                Subject::Host(number(&mut self.hosts, h))
            }
            (None, Some(h), _) => Subject::Host(number(&mut self.hosts, &h.to_ascii_lowercase())),
            (None, None, Some(ip)) => Subject::Address(ip),
            (None, None, None) => Subject::Capture,
        }
    }

    /// Remembers, for the timeline, the first finding on the flow that starts at `flow`.
    fn note_flow(&mut self, flow: u64, first: u64, rule: &'static str) {
        let here = (first, rule);
        match &mut self.flow_rule {
            Some((f, e)) if *f == flow => *e = (*e).min(here),
            other => *other = Some((flow, here)),
        }
    }

    /// The rule of the first finding on the flow that starts at `flow`, once every rule
    /// has judged it.
    fn take_flow_rule(&mut self, flow: u64) -> Option<&'static str> {
        match self.flow_rule.take() {
            Some((f, (_, rule))) if f == flow => Some(rule),
            _ => None,
        }
    }

    /// A finding made whole by its rule (the tests' way in; rules go through
    /// [`FlowFindings`] and `add_whole`).
    #[cfg(test)]
    fn add(&mut self, f: Finding) {
        if let Some(r) = &f.flow {
            self.note_flow(
                r.first_frame,
                f.frames.first().copied().unwrap_or(u64::MAX),
                f.rule,
            );
        }
        let subject = self.subject(
            f.endpoint.as_deref(),
            f.host.as_deref(),
            f.flow.as_ref().map(|r| r.server.ip()),
        );
        self.add_keyed((f.rule, f.severity, subject), f);
    }

    fn add_keyed(&mut self, key: GroupKey, mut f: Finding) {
        f.first_frame = f.frames.iter().min().copied();
        f.last_frame = f.frames.iter().max().copied();
        let Some(&i) = self.groups.get(&key) else {
            f.count = f.count.max(1);
            self.groups.insert(key, self.out.len());
            self.out.push(f);
            return;
        };
        let Some(kept) = self.out.get_mut(i) else {
            return;
        };
        kept.merge(f);
    }

    /// A finding of `meta` at `severity` about the flow `v`, proven by `frames`, as
    /// [`Finding::on_flow`] makes it, with the sentences `words` gives. An occurrence that
    /// [`Finding::merge`] would only count (its problem's finding and examples are all as
    /// early or earlier, and the examples are full) is counted here without asking for its
    /// words: the repeats of a problem are most of what a capture gives the rules.
    fn add_flow(
        &mut self,
        meta: &'static RuleMeta,
        severity: Severity,
        v: &FlowView<'_>,
        frames: &[Option<u64>],
        file: &str,
        words: impl FnOnce() -> (String, String),
    ) {
        let min = frames.iter().flatten().min().copied();
        let max = frames.iter().flatten().max().copied();
        let first = min.unwrap_or(u64::MAX);
        self.note_flow(v.flow.frames.first, first, meta.id);
        let subject = self.subject(
            v.primary().map(|e| e.id.as_str()),
            v.attribution.name.as_deref(),
            Some(v.server_ip()),
        );
        let key: GroupKey = (meta.id, severity, subject);
        if let Some(kept) = self.groups.get(&key).and_then(|&i| self.out.get_mut(i))
            && first >= first_of(&kept.frames)
            && kept.examples.len() >= MAX_EXAMPLES
            && kept
                .examples
                .last()
                .is_some_and(|e| first_of(&e.frames) <= first)
        {
            kept.count += 1;
            kept.first_frame = min_some(kept.first_frame, min);
            kept.last_frame = kept.last_frame.max(max);
            return;
        }
        let (evidence, explanation) = words();
        let f = Finding::new(meta, file, evidence, explanation)
            .severity(severity)
            .on_flow(v, frames);
        self.add_keyed(key, f);
    }

    /// A finding of a rule that looks at the whole capture: such a rule already says one
    /// finding per problem (one per client fingerprint, one per contradicted setting, one
    /// per silent endpoint), so two of its findings about one endpoint or name are two
    /// problems and are kept apart, not grouped.
    /// The rule may have set `count` and the frame range over occurrences it summarised;
    /// the finding's own frames widen that range.
    fn add_whole(&mut self, mut f: Finding) {
        f.first_frame = min_some(f.first_frame, f.frames.iter().min().copied());
        f.last_frame = f.last_frame.max(f.frames.iter().max().copied());
        f.count = f.count.max(1);
        self.out.push(f);
    }

    /// The endpoints the findings so far name: a summary rule does not repeat them.
    fn explained(&self) -> std::collections::BTreeSet<String> {
        self.out.iter().filter_map(|f| f.endpoint.clone()).collect()
    }
}

/// Where a per-flow rule puts what it finds: it says whether, at which severity and with
/// which frames a flow has a problem, and gives the sentences as a closure, which runs only
/// for an occurrence the report will show (see `Folder::add_flow`).
pub struct FlowFindings<'s> {
    folder: &'s mut Folder,
    file: &'s str,
}

impl FlowFindings<'_> {
    /// A finding of `meta`, at its severity, about the flow `v`, proven by `frames`;
    /// `words` gives its evidence and explanation.
    pub fn add(
        &mut self,
        meta: &'static RuleMeta,
        v: &FlowView<'_>,
        frames: &[Option<u64>],
        words: impl FnOnce() -> (String, String),
    ) {
        self.add_at(meta, meta.severity, v, frames, words);
    }

    /// [`FlowFindings::add`] at another severity than the rule's default.
    pub fn add_at(
        &mut self,
        meta: &'static RuleMeta,
        severity: Severity,
        v: &FlowView<'_>,
        frames: &[Option<u64>],
        words: impl FnOnce() -> (String, String),
    ) {
        self.folder
            .add_flow(meta, severity, v, frames, self.file, words);
    }
}

/// An occurrence's first frame, for ordering (occurrences without frames last).
fn first_of(frames: &[u64]) -> u64 {
    frames.first().copied().unwrap_or(u64::MAX)
}

impl Finding {
    /// Adds a further occurrence of this finding's problem: counted, its frames widen the
    /// range, and it is kept as an example while there is room and it says something new.
    /// The earliest occurrence stays the finding's own flow, frames and evidence.
    fn merge(&mut self, mut other: Finding) {
        self.count += other.count.max(1);
        self.first_frame = min_some(self.first_frame, other.first_frame);
        self.last_frame = self.last_frame.max(other.last_frame);
        if first_of(&other.frames) < first_of(&self.frames) {
            std::mem::swap(&mut self.flow, &mut other.flow);
            std::mem::swap(&mut self.frames, &mut other.frames);
            std::mem::swap(&mut self.evidence, &mut other.evidence);
            std::mem::swap(&mut self.host, &mut other.host);
            std::mem::swap(&mut self.explanation, &mut other.explanation);
        }
        let example = Example {
            flow: other.flow,
            frames: other.frames,
            evidence: other.evidence,
        };
        if example.evidence == self.evidence
            || self.examples.iter().any(|e| e.evidence == example.evidence)
        {
            return;
        }
        let at = self
            .examples
            .partition_point(|e| first_of(&e.frames) <= first_of(&example.frames));
        if at < MAX_EXAMPLES {
            self.examples.insert(at, example);
            self.examples.truncate(MAX_EXAMPLES);
        }
    }
}

fn min_some(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

impl Finding {
    /// A finding of `meta` with its fixed fields filled in.
    pub fn new(meta: &RuleMeta, file: &str, evidence: String, explanation: String) -> Finding {
        Finding {
            rule: meta.id,
            family: meta.family,
            severity: meta.severity,
            file: file.to_string(),
            endpoint: None,
            host: None,
            flow: None,
            frames: Vec::new(),
            evidence,
            explanation,
            check: meta.check,
            requirement: meta.requirement,
            suppressed: false,
            count: 1,
            first_frame: None,
            last_frame: None,
            examples: Vec::new(),
        }
    }

    /// Attaches a flow, its attribution and the given frames.
    pub fn on_flow(mut self, v: &FlowView<'_>, frames: &[Option<u64>]) -> Finding {
        self.flow = Some(FlowRef::of(v.flow));
        self.host = v.attribution.name.as_deref().map(str::to_string);
        self.endpoint = v.primary().map(|e| e.id.clone());
        let mut fr: Vec<u64> = frames.iter().flatten().copied().collect();
        fr.sort_unstable();
        fr.dedup();
        self.frames = fr;
        self
    }

    pub fn severity(mut self, s: Severity) -> Finding {
        self.severity = s;
        self
    }
}

/// A flow as the rules see it: its facts, who it talks to, and the context.
pub struct FlowView<'a> {
    pub flow: &'a AuditFlow,
    pub attribution: &'a Attribution,
    /// The entry reports name first: the context's cloud, the standard profile (chosen once
    /// the context is known, [`attribution::choose_primary`]; borrowed from the catalog).
    pub primary: Option<&'a Endpoint>,
    /// The flow goes to a proxy (configured or inferred).
    pub to_proxy: bool,
}

impl FlowView<'_> {
    /// The catalog entries the flow was attributed to.
    pub fn entries<'c>(&self, cx: &'c Cx<'_>) -> impl Iterator<Item = &'c Endpoint> + use<'c, '_> {
        self.attribution
            .entries
            .iter()
            .filter_map(|&i| cx.catalog.entries().get(i))
    }

    /// The entry reports name first.
    pub fn primary(&self) -> Option<&Endpoint> {
        self.primary
    }

    /// The flow was attributed to at least one catalog entry.
    pub fn is_arc(&self) -> bool {
        !self.attribution.entries.is_empty()
    }

    /// The address the TLS/TCP conversation really went to: for a CONNECT tunnel, the
    /// proxy; the name is the CONNECT authority's.
    pub fn server_ip(&self) -> IpAddr {
        self.flow.server.ip()
    }
}

/// Everything a rule may consult besides the flow.
pub struct Cx<'a> {
    pub catalog: &'a Catalog,
    pub tags: &'a ServiceTags,
    pub context: &'a AuditContext,
    /// The capture file being audited.
    pub file: &'a str,
    /// Names of the capturing host's components by id (Windows Packet Monitor); may be empty.
    pub host_components: &'a std::collections::BTreeMap<u32, String>,
    /// The code points of the catalog's recommended cipher suites (its TLS policy's, those
    /// with a code), read once per capture instead of per flow.
    pub recommended_suites: &'a [u16],
}

/// The whole capture, for the rules that look across it: they read the flows and the DNS
/// messages through a [`FlowFold`] and a [`DnsFold`], fed in the audit's passes (a large
/// capture's records are partly on disk, never held as a list).
pub struct CaptureView<'a> {
    /// How many flows were attributed to an Arc endpoint.
    pub arc_flows: usize,
    pub coverage: &'a [CoverageRow],
    pub first_ts_ns: Option<i64>,
    pub last_ts_ns: Option<i64>,
}

impl CaptureView<'_> {
    /// Some flow was attributed to an Arc endpoint: the capture is of an Arc machine.
    pub fn any_arc(&self) -> bool {
        self.arc_flows > 0
    }
}

/// A rule: one file under `rules/`. Each method has a default that finds nothing, so a
/// rule implements only the level it works at.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check_flow(&self, _v: &FlowView<'_>, _cx: &Cx<'_>, _out: &mut FlowFindings<'_>) {}
    /// For a rule that looks across the flows (one finding per client stack, per server,
    /// per silence): what it gathers from each flow as the audit's pass over the flows goes
    /// by, judged once they all did ([`FlowFold::finish`], in place of `check_capture`).
    /// The audit never holds the flows for a second look.
    fn flow_fold(&self) -> Option<Box<dyn FlowFold>> {
        None
    }
    /// The same for a rule that looks across the DNS messages: what it gathers from each in
    /// the audit's pass over them (the one that indexes the answers). `end_ns` is the
    /// capture's end as its records show it (the latest flow end or DNS message).
    fn dns_fold<'c>(&self, _catalog: &'c Catalog, _end_ns: i64) -> Option<Box<dyn DnsFold + 'c>> {
        None
    }
    fn check_capture(&self, _c: &CaptureView<'_>, _cx: &Cx<'_>, _out: &mut Vec<Finding>) {}
    /// Runs last, for the rules that sum up an endpoint (never reached, never tried):
    /// `explained` holds the endpoints the other rules' findings already name, which a
    /// summary does not repeat (one finding per problem).
    fn check_summary(
        &self,
        _c: &CaptureView<'_>,
        _explained: &std::collections::BTreeSet<String>,
        _cx: &Cx<'_>,
        _out: &mut Vec<Finding>,
    ) {
    }
}

/// What a rule gathers across the flows (see [`Rule::flow_fold`]).
pub trait FlowFold {
    /// One flow, in first-frame order, after the per-flow rules judged it.
    fn flow(&mut self, v: &FlowView<'_>, cx: &Cx<'_>);
    /// The findings, once every flow went by; runs where the rule's `check_capture` would.
    fn finish(self: Box<Self>, c: &CaptureView<'_>, cx: &Cx<'_>, out: &mut Vec<Finding>);
}

/// What a rule gathers across the DNS messages (see [`Rule::dns_fold`]).
pub trait DnsFold {
    /// One message, in frame order.
    fn message(&mut self, m: &DnsAnswer);
    /// The findings, once every message went by; runs where the rule's `check_capture`
    /// would.
    fn finish(self: Box<Self>, c: &CaptureView<'_>, cx: &Cx<'_>, out: &mut Vec<Finding>);
}

/// One flow's attribution and outcome, for per-flow output.
#[derive(Debug, Clone, Serialize)]
pub struct FlowVerdict {
    #[serde(flatten)]
    pub flow: FlowRef,
    pub first_ts_ns: i64,
    pub last_ts_ns: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conn_state: Option<crate::flow::ConnState>,
    /// Shared with the flow's attribution and every flow of that name.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "shared_str")]
    pub name: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_source: Option<NameSource>,
    /// Shared by every verdict naming the entry.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "shared_str")]
    pub endpoint: Option<Arc<str>>,
    /// Written by its name (`TLSv1.3`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "version_name"
    )]
    pub tls_version: Option<crate::tls::TlsVersion>,
    pub via_proxy: bool,
    pub succeeded: bool,
}

/// A TLS version by its name.
fn version_name<S: serde::Serializer>(
    v: &Option<crate::tls::TlsVersion>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_some(crate::tls::version_name(*v)),
        None => s.serialize_none(),
    }
}

/// A shared string as a plain one (serde's `rc` feature is not enabled).
fn shared_str<S: serde::Serializer>(v: &Option<Arc<str>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_some(&**v),
        None => s.serialize_none(),
    }
}

/// The verdicts on one capture.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureAudit {
    pub context: AuditContext,
    pub inferred: Inferred,
    pub coverage: Vec<CoverageRow>,
    pub findings: Vec<Finding>,
    /// TCP flows, and how many were attributed to an Arc endpoint.
    pub tcp_flows: usize,
    pub arc_flows: usize,
    pub dns_messages: usize,
    /// What the DNS index left out to stay bounded (answers past the per-address cap,
    /// records the compact messages dropped); reports say so when not zero.
    #[serde(skip_serializing_if = "DnsIndexStats::is_empty")]
    pub dns_bounds: DnsIndexStats,
    /// The Arc connections over time, one lane per endpoint (the HTML report's picture).
    pub timeline: Timeline,
    /// The client addresses of the Arc flows, with how many each sent (the host identity
    /// names the one with most).
    #[serde(skip)]
    pub arc_clients: std::collections::BTreeMap<IpAddr, usize>,
    /// Per-flow verdicts (first-frame order), for NDJSON output; in memory, or partly in a
    /// temporary file for a large capture.
    #[serde(skip)]
    pub flows: Arc<Sorted<FlowVerdict>>,
}

/// Audits one capture's facts. Reading back records a large capture put in a temporary
/// file can fail: that is the error.
pub fn audit_capture(
    file: &str,
    facts: &CaptureFacts,
    given: &Given,
    catalog: &Catalog,
    tags: &ServiceTags,
) -> std::io::Result<CaptureAudit> {
    let parts = Parts {
        flows: &facts.flows,
        dns: &facts.dns,
        host_components: &facts.host_components,
        verdict_memory: facts.memory_bytes,
        end_ns: facts.end_ns,
    };
    audit(file, parts, given, catalog, tags)
}

/// [`audit_capture`] for a caller done with the facts: the DNS messages (and their file)
/// are freed as soon as the last rule has read them, so the per-flow verdicts reuse their
/// memory.
pub fn audit_capture_owned(
    file: &str,
    facts: CaptureFacts,
    given: &Given,
    catalog: &Catalog,
    tags: &ServiceTags,
) -> std::io::Result<CaptureAudit> {
    let CaptureFacts {
        flows,
        dns,
        host_components,
        memory_bytes,
        end_ns,
        ..
    } = facts;
    let parts = Parts {
        flows: &flows,
        dns,
        host_components: &host_components,
        verdict_memory: memory_bytes,
        end_ns,
    };
    audit(file, parts, given, catalog, tags)
}

/// The audit of a capture with no flows and no DNS messages: what a file whose records
/// could not be read back reports besides its error.
pub fn audit_nothing(
    file: &str,
    given: &Given,
    catalog: &Catalog,
    tags: &ServiceTags,
) -> CaptureAudit {
    let none = std::collections::BTreeMap::new();
    let parts = Parts {
        flows: &[][..],
        dns: &[][..],
        host_components: &none,
        verdict_memory: 0,
        end_ns: None,
    };
    match audit(file, parts, given, catalog, tags) {
        Ok(audit) => audit,
        Err(never) => match never {},
    }
}

/// What the audit reads of a capture: the flows, the DNS messages (owned, to be dropped
/// once read, or borrowed) and the host's components.
struct Parts<'f, F: ?Sized, D> {
    flows: &'f F,
    dns: D,
    host_components: &'f std::collections::BTreeMap<u32, String>,
    /// Bytes of per-flow verdicts held in memory before the rest go to a temporary file.
    verdict_memory: usize,
    /// The latest flow end or DNS message of the records (see [`CaptureFacts::end_ns`]).
    end_ns: Option<i64>,
}

/// Frame number that stands for "no DNS answer" in [`Attributions`] (frames count from 1).
const NO_FRAME: u64 = u64::MAX;

/// Which parts of an attribution make it one of a kind: the addresses of its shared parts
/// (the name, entries, region and tags, handed out shared by the name matcher), which
/// [`Attributions`] holds alive so an address names one value, and the source.
type ShapeKey = (usize, Option<NameSource>, usize, usize, usize);

/// The attributions of a capture's flows, compactly: each distinct one (its shared parts,
/// without the DNS answer's frame) once, and per flow its number and that frame, 12 bytes,
/// so the audit of any capture holds little per flow between its passes.
#[derive(Default)]
struct Attributions {
    shapes: Vec<Attribution>,
    index: FxHashMap<ShapeKey, u32>,
    /// Per flow, in order: its shape, and the frame of the DNS answer that named it
    /// ([`NO_FRAME`] when none did).
    shape_of: Vec<u32>,
    dns_frame: Vec<u64>,
}

impl Attributions {
    fn push(&mut self, mut a: Attribution) {
        let frame = a.dns_frame.take().unwrap_or(NO_FRAME);
        let key: ShapeKey = (
            a.name
                .as_ref()
                .map_or(0, |n| Arc::as_ptr(n).cast::<u8>() as usize),
            a.source,
            Arc::as_ptr(&a.entries).cast::<u8>() as usize,
            a.region
                .as_ref()
                .map_or(0, |r| Arc::as_ptr(r).cast::<u8>() as usize),
            Arc::as_ptr(&a.server_tags).cast::<u8>() as usize,
        );
        let shape = match self.index.get(&key) {
            Some(&shape) => shape,
            None => {
                let shape = u32::try_from(self.shapes.len()).unwrap_or(u32::MAX);
                self.index.insert(key, shape);
                self.shapes.push(a);
                shape
            }
        };
        self.shape_of.push(shape);
        self.dns_frame.push(frame);
    }

    /// The shape and DNS answer's frame of the flow at `i`.
    fn get(&self, i: usize) -> Option<(u32, u64)> {
        Some((*self.shape_of.get(i)?, *self.dns_frame.get(i)?))
    }
}

/// Audits one capture whose flows and DNS messages are read in passes (see [`Records`]):
/// twice over the flows, once over the DNS messages, holding 12 bytes per flow between
/// the passes and writing each flow's verdict to a spool.
fn audit<F, D, E>(
    file: &str,
    parts: Parts<'_, F, D>,
    given: &Given,
    catalog: &Catalog,
    tags: &ServiceTags,
) -> Result<CaptureAudit, E>
where
    F: Records<AuditFlow, Error = E> + ?Sized,
    D: Records<DnsAnswer, Error = E>,
{
    let Parts {
        flows,
        dns,
        host_components,
        verdict_memory,
        end_ns,
    } = parts;
    let rules = rules::all();
    let dns_messages = dns.count();
    let mut index = DnsIndex::default();
    // What the rules that look across DNS messages gather, by the rule's place in `rules`.
    let end_ns = end_ns.unwrap_or(i64::MIN);
    let mut dns_folds: Vec<(usize, Box<dyn DnsFold + '_>)> = rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((i, r.dns_fold(catalog, end_ns)?)))
        .collect();
    dns.each(&mut |_, m| {
        index.add(m);
        for (_, fold) in &mut dns_folds {
            fold.message(m);
        }
        ControlFlow::Continue(())
    })?;
    // Nothing reads the DNS messages again (nor their file).
    drop(dns);
    let index = index.finish();
    let names = attribution::NameMatcher::new(catalog);
    let mut attributions = Attributions::default();
    let mut inference = context::Inference::default();
    let mut first_ts_ns: Option<i64> = None;
    let mut last_ts_ns: Option<i64> = None;
    // Where the timeline ends: the latest end of a flow (or its start, when a clock
    // stepped back within it).
    let mut timeline_end_ns: Option<i64> = None;
    flows.each(&mut |_, f| {
        let a = attribution::attribute(f, &index, &names, tags);
        inference.add(f, &a, catalog);
        attributions.push(a);
        first_ts_ns = Some(first_ts_ns.map_or(f.first_ts_ns, |t| t.min(f.first_ts_ns)));
        last_ts_ns = last_ts_ns.max(Some(f.last_ts_ns));
        timeline_end_ns = timeline_end_ns.max(Some(f.last_ts_ns.max(f.first_ts_ns)));
        ControlFlow::Continue(())
    })?;
    let inferred = inference.finish(given);
    let context = AuditContext::merge(given, &inferred);
    // The primary entry depends on the cloud, which the context settles (the user's word,
    // else what the attributed flows show): chosen here, once per kind of attribution.
    let primaries: Vec<Option<&Endpoint>> = attributions
        .shapes
        .iter()
        .map(|a| attribution::choose_primary(catalog, &a.entries, context.cloud))
        .collect();
    // The primary entry of the flow at `i`, borrowed from the catalog.
    let primary_of = |i: usize| -> Option<&Endpoint> {
        let (shape, _) = attributions.get(i)?;
        primaries.get(shape as usize).copied().flatten()
    };
    let view = |i: usize, flow: &AuditFlow, g: &mut dyn FnMut(&FlowView<'_>)| {
        let Some((shape, dns_frame)) = attributions.get(i) else {
            return;
        };
        let (Some(attribution), Some(&primary)) = (
            attributions.shapes.get(shape as usize),
            primaries.get(shape as usize),
        ) else {
            return;
        };
        let owned;
        let attribution = if dns_frame == NO_FRAME {
            attribution
        } else {
            owned = Attribution {
                dns_frame: Some(dns_frame),
                ..attribution.clone()
            };
            &owned
        };
        g(&FlowView {
            flow,
            attribution,
            primary,
            to_proxy: context.is_proxy(flow.server),
        });
    };
    let recommended_suites: Vec<u16> = catalog
        .tls()
        .map(|p| p.cipher_suites.iter().filter_map(|c| c.code()).collect())
        .unwrap_or_default();
    let cx = Cx {
        catalog,
        tags,
        context: &context,
        file,
        host_components,
        recommended_suites: &recommended_suites,
    };
    let mut folder = Folder::default();
    let mut table = Coverage::new(catalog);
    let mut arc_flows = 0;
    // The hosts that sent Arc flows, for the capture's host identity.
    let mut arc_clients: std::collections::BTreeMap<IpAddr, usize> = Default::default();
    let mut timeline = TimelineBuilder::new(first_ts_ns, timeline_end_ns);
    // Entry ids shared by the verdicts naming them (a few entries, thousands of flows).
    let mut ids: FxHashMap<&str, Arc<str>> = FxHashMap::default();
    // The verdicts come in first-frame order (the flows' order), and go where the flows
    // went once past the memory budget.
    let mut verdicts: Spool<FlowVerdict> = Spool::new(verdict_memory, |v| v.flow.first_frame);
    // What the rules that look across flows gather, by the rule's place in `rules`.
    let mut folds: Vec<(usize, Box<dyn FlowFold>)> = rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((i, r.flow_fold()?)))
        .collect();
    {
        let mut sink = FlowFindings {
            folder: &mut folder,
            file,
        };
        flows.each(&mut |i, f| {
            view(i, f, &mut |v| {
                for r in rules {
                    if rules::defers(*r, v) {
                        continue;
                    }
                    r.check_flow(v, &cx, &mut sink);
                }
                for (_, fold) in &mut folds {
                    fold.flow(v, &cx);
                }
                table.add(v);
                arc_flows += usize::from(v.is_arc());
                let verdict = FlowVerdict {
                    flow: FlowRef::of(v.flow),
                    first_ts_ns: v.flow.first_ts_ns,
                    last_ts_ns: v.flow.last_ts_ns,
                    conn_state: v.flow.conn_state,
                    name: v.attribution.name.clone(),
                    name_source: v.attribution.source,
                    endpoint: primary_of(i).map(|e| {
                        ids.entry(e.id.as_str())
                            .or_insert_with(|| Arc::from(e.id.as_str()))
                            .clone()
                    }),
                    tls_version: v.flow.tls.as_ref().and_then(|t| t.negotiated_version),
                    via_proxy: v.to_proxy,
                    succeeded: v.flow.succeeded(),
                };
                if verdict.endpoint.is_some() {
                    *arc_clients.entry(verdict.flow.client.ip()).or_default() += 1;
                }
                // Every rule has judged the flow: its first finding is known.
                timeline.add(&verdict, sink.folder.take_flow_rule(v.flow.frames.first));
                let size = verdict.approx_bytes();
                verdicts.push(verdict, size);
            });
            ControlFlow::Continue(())
        })?;
    }
    let mut table = table.finish(catalog, &context);
    let mut findings = Vec::new();
    let capture = CaptureView {
        arc_flows,
        coverage: &table,
        first_ts_ns,
        last_ts_ns,
    };
    for (i, r) in rules.iter().enumerate() {
        if let Some(at) = folds.iter().position(|(j, _)| *j == i) {
            folds.swap_remove(at).1.finish(&capture, &cx, &mut findings);
        } else if let Some(at) = dns_folds.iter().position(|(j, _)| *j == i) {
            dns_folds
                .swap_remove(at)
                .1
                .finish(&capture, &cx, &mut findings);
        } else {
            r.check_capture(&capture, &cx, &mut findings);
        }
    }
    for f in findings.drain(..) {
        folder.add_whole(f);
    }
    // The summaries come last: an endpoint another finding already explains (a blocked
    // connection, a failed lookup) is neither "never succeeded" nor "not seen".
    let explained = folder.explained();
    let span_ns = first_ts_ns
        .zip(last_ts_ns)
        .map(|(a, b)| b.saturating_sub(a));
    coverage::mark_unseen(&mut table, catalog, span_ns, &explained);
    let capture = CaptureView {
        arc_flows,
        coverage: &table,
        first_ts_ns,
        last_ts_ns,
    };
    for r in rules {
        r.check_summary(&capture, &explained, &cx, &mut findings);
    }
    for f in findings.drain(..) {
        folder.add_whole(f);
    }
    let dns_bounds = index.stats();
    drop(index);
    let mut findings = folder.out;
    // Deterministic order: by first frame, then rule id.
    findings.sort_by(|a, b| {
        let fa = a.frames.first().copied().unwrap_or(u64::MAX);
        let fb = b.frames.first().copied().unwrap_or(u64::MAX);
        (fa, a.rule, &a.host, &a.endpoint).cmp(&(fb, b.rule, &b.host, &b.endpoint))
    });
    let timeline = timeline.finish(&table);
    Ok(CaptureAudit {
        context,
        inferred,
        coverage: table,
        findings,
        tcp_flows: flows.count(),
        arc_flows,
        dns_messages,
        dns_bounds,
        timeline,
        arc_clients,
        flows: Arc::new(verdicts.finish()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occurrence(rule: usize, endpoint: Option<&str>, frame: u64, evidence: &str) -> Finding {
        let mut f = Finding::new(
            rules::all()[rule].meta(),
            "x.pcap",
            evidence.to_string(),
            String::new(),
        );
        f.endpoint = endpoint.map(str::to_string);
        f.frames = vec![frame, frame + 2];
        f.flow = Some(FlowRef {
            transport: crate::wire::Transport::Tcp,
            client: "10.0.0.2:50000".parse().unwrap(),
            server: "20.0.0.1:443".parse().unwrap(),
            first_frame: frame,
        });
        f
    }

    #[test]
    fn one_finding_per_rule_and_endpoint_with_count_range_and_bounded_examples() {
        let mut folder = Folder::default();
        // Out of frame order, with one repeat of identical evidence.
        for (frame, ev) in [
            (50, "e50"),
            (10, "e10"),
            (30, "e30"),
            (70, "e70"),
            (90, "e90"),
        ] {
            folder.add(occurrence(0, Some("public.his"), frame, ev));
        }
        folder.add(occurrence(0, Some("public.his"), 110, "e30"));
        folder.add(occurrence(0, Some("public.arm"), 5, "other endpoint"));
        folder.add(occurrence(1, Some("public.his"), 7, "other rule"));
        assert_eq!(folder.out.len(), 3);
        let his = &folder.out[0];
        assert_eq!(his.count, 6);
        assert_eq!((his.first_frame, his.last_frame), (Some(10), Some(112)));
        // The earliest occurrence is the finding's own; the examples are the next ones.
        assert_eq!(his.evidence, "e10");
        assert_eq!(his.frames, [10, 12]);
        assert_eq!(his.flow.as_ref().map(|r| r.first_frame), Some(10));
        let examples: Vec<&str> = his.examples.iter().map(|e| e.evidence.as_str()).collect();
        assert_eq!(examples, ["e30", "e50", "e70"]);
        assert_eq!(folder.out[1].count, 1);
        assert!(folder.out[1].examples.is_empty());
        // The timeline's rule per flow covers every flow, not only the examples: here the
        // last one added (frame 7, another rule).
        assert_eq!(folder.take_flow_rule(7), Some(rules::all()[1].meta().id));
        assert_eq!(folder.take_flow_rule(7), None);
        assert_eq!(
            folder.explained().into_iter().collect::<Vec<_>>(),
            ["public.arm", "public.his"]
        );
    }

    #[test]
    fn findings_without_endpoint_group_by_name_then_address() {
        let mut folder = Folder::default();
        let mut a = occurrence(0, None, 1, "a");
        a.host = Some("X.example".into());
        let mut b = occurrence(0, None, 9, "b");
        b.host = Some("x.EXAMPLE".into());
        let c = occurrence(0, None, 20, "c");
        folder.add(a);
        folder.add(b);
        folder.add(c);
        let counts: Vec<u64> = folder.out.iter().map(|f| f.count).collect();
        assert_eq!(counts, [2, 1]);
    }

    #[test]
    fn a_different_severity_is_a_different_finding() {
        let mut folder = Folder::default();
        folder.add(occurrence(0, Some("public.arm"), 1, "a"));
        folder.add(occurrence(0, Some("public.arm"), 9, "b").severity(Severity::Info));
        assert_eq!(folder.out.len(), 2);
    }
}
