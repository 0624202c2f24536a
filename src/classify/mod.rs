//! Classification: flow facts + the Arc model + what the user told us -> findings and an
//! endpoint coverage table. Each rule lives in its own file under `rules/` and only reads
//! the views built here; nothing in this stage touches bytes or renders text.
//!
//! It reads only the facts stage's compact records ([`CaptureFacts`]: flows and DNS
//! messages), never the pipeline's flow records or the parsers. The order of work for one
//! capture, in [`audit_capture`]: index the DNS answers, attribute every flow to catalog
//! entries (SNI, CONNECT authority, Host, DNS, service tag), infer the context the user did
//! not give, choose each flow's primary entry in that context, run every rule, and build the
//! coverage table.

mod attribution;
mod context;
mod coverage;
pub mod rules;
mod timeline;

pub use attribution::{Attribution, DnsIndex, NameSource};
pub use context::{AgentOs, AuditContext, Given, Inferred, ProxyAddr};
pub use coverage::{CoverageRow, coverage, is_private, required};
// The facts rules read, re-exported so a rule names one module for what it uses.
pub use crate::facts::{
    AuditFlow, CaptureFacts, CertSummary, DnsAnswer, DnsRecordData, HttpRequestSummary, TlsSummary,
};
pub use timeline::{Lane, MAX_MARKS, Mark, Timeline, timeline};

use serde::Serialize;
use std::net::IpAddr;

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
    /// Further flows with the same verdict (rule, endpoint, name, server address) that
    /// are folded into this finding, and the frame where the last of them started.
    #[serde(skip_serializing_if = "is_zero")]
    pub similar: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similar_last_frame: Option<u64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Findings shown in full per (rule, endpoint, name, server address); the rest are counted
/// in the last one shown. A capture of a misconfigured machine repeats the same failure
/// every few minutes: ten thousand identical findings help nobody and cost memory.
const SHOWN_PER_KIND: u64 = 3;

/// Folds findings as the rules produce them, so a capture repeating one failure ten
/// thousand times never holds ten thousand findings.
#[derive(Default)]
struct Folder {
    shown: std::collections::HashMap<FoldKey, (u64, usize)>,
    out: Vec<Finding>,
}

type FoldKey = (&'static str, Option<String>, Option<String>, Option<IpAddr>);

impl Folder {
    fn add(&mut self, f: Finding) {
        let key: FoldKey = (
            f.rule,
            f.endpoint.clone(),
            f.host.as_ref().map(|h| h.to_ascii_lowercase()),
            f.flow.as_ref().map(|r| r.server.ip()),
        );
        match self.shown.get_mut(&key) {
            Some((n, last)) if *n >= SHOWN_PER_KIND => {
                if let Some(kept) = self.out.get_mut(*last) {
                    kept.similar += 1;
                    kept.similar_last_frame = f.frames.first().copied().or(kept.similar_last_frame);
                }
            }
            Some((n, last)) => {
                *n += 1;
                *last = self.out.len();
                self.out.push(f);
            }
            None => {
                self.shown.insert(key, (1, self.out.len()));
                self.out.push(f);
            }
        }
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
            similar: 0,
            similar_last_frame: None,
        }
    }

    /// Attaches a flow, its attribution and the given frames.
    pub fn on_flow(mut self, v: &FlowView<'_>, frames: &[Option<u64>]) -> Finding {
        self.flow = Some(FlowRef::of(v.flow));
        self.host = v.attribution.name.clone();
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
        self.attribution.primary.as_ref()
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
}

/// The whole capture, for the rules that look across flows.
pub struct CaptureView<'a> {
    pub flows: &'a [FlowView<'a>],
    pub coverage: &'a [CoverageRow],
    /// Every DNS message of the capture, in frame order (rules that look across queries
    /// and answers of one name, e.g. an AAAA NODATA next to a working A answer).
    pub dns: &'a [DnsAnswer],
    pub first_ts_ns: Option<i64>,
    pub last_ts_ns: Option<i64>,
}

/// A rule: one file under `rules/`. Each method has a default that finds nothing, so a
/// rule implements only the level it works at.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check_flow(&self, _v: &FlowView<'_>, _cx: &Cx<'_>, _out: &mut Vec<Finding>) {}
    fn check_capture(&self, _c: &CaptureView<'_>, _cx: &Cx<'_>, _out: &mut Vec<Finding>) {}
}

/// One flow's attribution and outcome, for per-flow output.
#[derive(Debug, Clone, Serialize)]
pub struct FlowVerdict {
    #[serde(flatten)]
    pub flow: FlowRef,
    pub first_ts_ns: i64,
    pub last_ts_ns: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conn_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_source: Option<NameSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<&'static str>,
    pub via_proxy: bool,
    pub succeeded: bool,
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
    /// The Arc connections over time, one lane per endpoint (the HTML report's picture).
    pub timeline: Timeline,
    /// Per-flow verdicts (attributed flows first-frame order), for NDJSON output.
    #[serde(skip)]
    pub flows: Vec<FlowVerdict>,
}

/// Audits one capture's facts.
pub fn audit_capture(
    file: &str,
    facts: &CaptureFacts,
    given: &Given,
    catalog: &Catalog,
    tags: &ServiceTags,
) -> CaptureAudit {
    let flows = facts.flows.as_slice();
    let dns = facts.dns.as_slice();
    let index = DnsIndex::build(dns);
    let names = attribution::NameMatcher::new(catalog);
    let mut attributions: Vec<Attribution> = flows
        .iter()
        .map(|f| attribution::attribute(f, &index, &names, tags))
        .collect();
    let inferred = context::infer(flows, &attributions, catalog, given);
    let context = AuditContext::merge(given, &inferred);
    // The primary entry depends on the cloud, which the context settles (the user's word,
    // else what the attributed flows show): chosen here, once, after it.
    for a in &mut attributions {
        a.primary = attribution::choose_primary(catalog, &a.entries, context.cloud);
    }
    let views: Vec<FlowView<'_>> = flows
        .iter()
        .zip(&attributions)
        .map(|(flow, attribution)| FlowView {
            flow,
            attribution,
            to_proxy: context.is_proxy(flow.server),
        })
        .collect();
    let cx = Cx {
        catalog,
        tags,
        context: &context,
        file,
    };
    let rules = rules::all();
    let mut folder = Folder::default();
    let mut findings = Vec::new();
    for v in &views {
        for r in rules {
            r.check_flow(v, &cx, &mut findings);
        }
        for f in findings.drain(..) {
            folder.add(f);
        }
    }
    let table = coverage(&views, catalog, &context);
    let capture = CaptureView {
        flows: &views,
        coverage: &table,
        dns,
        first_ts_ns: flows.iter().map(|f| f.first_ts_ns).min(),
        last_ts_ns: flows.iter().map(|f| f.last_ts_ns).max(),
    };
    for r in rules {
        r.check_capture(&capture, &cx, &mut findings);
    }
    for f in findings.drain(..) {
        folder.add(f);
    }
    let mut findings = folder.out;
    // Deterministic order: by first frame, then rule id.
    findings.sort_by(|a, b| {
        let fa = a.frames.first().copied().unwrap_or(u64::MAX);
        let fb = b.frames.first().copied().unwrap_or(u64::MAX);
        (fa, a.rule, &a.host, &a.endpoint).cmp(&(fb, b.rule, &b.host, &b.endpoint))
    });
    let arc_flows = views.iter().filter(|v| v.is_arc()).count();
    let mut verdicts: Vec<FlowVerdict> = views
        .iter()
        .map(|v| FlowVerdict {
            flow: FlowRef::of(v.flow),
            first_ts_ns: v.flow.first_ts_ns,
            last_ts_ns: v.flow.last_ts_ns,
            conn_state: v.flow.conn_state.map(|c| c.as_str()),
            name: v.attribution.name.clone(),
            name_source: v.attribution.source,
            endpoint: v.primary().map(|e| e.id.clone()),
            tls_version: v
                .flow
                .tls
                .as_ref()
                .and_then(|t| t.negotiated_version)
                .map(crate::tls::version_name),
            via_proxy: v.to_proxy,
            succeeded: v.flow.succeeded(),
        })
        .collect();
    verdicts.sort_by_key(|v| v.flow.first_frame);
    let timeline = timeline::timeline(&verdicts, &table, &findings);
    CaptureAudit {
        context,
        inferred,
        coverage: table,
        findings,
        tcp_flows: flows.len(),
        arc_flows,
        dns_messages: dns.len(),
        timeline,
        flows: verdicts,
    }
}
