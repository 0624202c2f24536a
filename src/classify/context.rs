//! What the audit knows about the machine's setup: what the user said ([`Given`]), what
//! the capture shows ([`Inferred`]: the cloud from the endpoints seen, the region from
//! his/gas names, a proxy from CONNECT traffic), and the two merged ([`AuditContext`]),
//! the user's word winning. Where the capture contradicts the user's word (a region no Arc
//! name carries while others do, Arc flows tunnelled through a proxy the user did not name),
//! the merge records a [`Contradiction`] with its evidence for the `context-contradicted`
//! rule; a given cloud contradicted by the endpoints seen is `wrong-cloud`'s, flow by flow.

use rustc_hash::FxHashSet;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use super::FlowRef;
use super::attribution::{Attribution, NameSource};
use crate::facts::AuditFlow;
use crate::model::{Catalog, Cloud, Feature, split_authority};

/// Most proxies a report lists (given or seen; the first in address order): the rest are
/// counted ("and 3 more"). A capture with 160,000 CONNECT targets made a 2.7 MB context line.
pub const MAX_PROXIES_LISTED: usize = 8;

/// Most distinct regions and proxies the Arc flows are tracked under ([`Observed`]). Azure
/// has about 60 regions; past this many, a name's `<region>` label is an attacker's or a
/// typo's, and its flows are counted in [`Observed::untracked_flows`] instead.
pub const MAX_TRACKED: usize = 256;

/// Most proxy contradictions reported one by one (the most flows first); the rest are
/// summed up in the last one's evidence.
pub const MAX_PROXY_CONTRADICTIONS: usize = 4;

/// `a, b, c` and, when `more` is not zero, ` and 12 more`.
pub fn listed<T: std::fmt::Display>(items: &[T], sep: &str, more: usize) -> String {
    let mut s = items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep);
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The agent's operating system (the cipher-suite policy of agent 1.56+ is Windows').
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentOs {
    Windows,
    Linux,
}

/// A proxy as configured: `host:port`, the host an address or a name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ProxyAddr {
    pub host: String,
    pub port: u16,
}

impl ProxyAddr {
    /// Parses `host:port` or `[v6]:port`.
    pub fn parse(s: &str) -> Option<ProxyAddr> {
        let (host, port) = split_authority(s)?;
        Some(ProxyAddr { host, port: port? })
    }

    fn matches(&self, addr: SocketAddr) -> bool {
        self.port == addr.port()
            && self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip == addr.ip())
    }

    /// This proxy may be the one at `addr`: the same address and port, or a name (which the
    /// audit cannot resolve) with the same port.
    fn may_be(&self, addr: SocketAddr) -> bool {
        self.matches(addr)
            || (self.port == addr.port() && self.host.parse::<std::net::IpAddr>().is_err())
    }
}

impl std::fmt::Display for ProxyAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// What the user told us.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Given {
    pub cloud: Option<Cloud>,
    pub region: Option<String>,
    pub proxies: Vec<ProxyAddr>,
    pub private_link: bool,
    pub features: BTreeSet<Feature>,
    pub agent_os: Option<AgentOs>,
}

/// A value the capture suggested, with the reason.
#[derive(Debug, Clone, Serialize)]
pub struct InferredValue<T> {
    pub value: T,
    pub evidence: String,
}

/// What the capture shows about the setup.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inferred {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<InferredValue<Cloud>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<InferredValue<String>>,
    /// The proxies CONNECT requests went to, the first [`MAX_PROXIES_LISTED`] in address
    /// order; `proxies_not_listed` counts the rest.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proxies: Vec<InferredValue<SocketAddr>>,
    #[serde(skip_serializing_if = "is_zero")]
    pub proxies_not_listed: usize,
    /// Every proxy CONNECT requests went to (a set: `is_proxy` is asked once per flow).
    #[serde(skip)]
    pub proxy_set: FxHashSet<SocketAddr>,
    /// What the Arc flows show whatever the user said: the evidence a given region or
    /// proxy is checked against (reports show the contradictions, not this).
    #[serde(skip)]
    pub observed: Observed,
}

/// Where one observed value was seen: the Arc flows that show it.
#[derive(Debug, Clone)]
pub struct Sighting {
    pub flows: usize,
    /// The first of those flows.
    pub first: FlowRef,
    /// The first flow of each distinct name, up to [`Sighting::EXAMPLES`]: the name, how it
    /// was seen (`SNI`) and the frame where the flow's attempt starts.
    pub examples: Vec<(String, &'static str, u64)>,
    /// Some flow showed it in its own bytes (SNI, CONNECT, Host), not only through a DNS
    /// answer for its address.
    pub on_the_wire: bool,
    /// How many of the flows completed (TLS handshake, or a 2xx CONNECT answer and TLS).
    pub succeeded: usize,
}

impl Sighting {
    /// Enough examples to show his and gas side by side without listing a long capture.
    const EXAMPLES: usize = 3;

    fn new(f: &AuditFlow, a: &Attribution, how: &'static str, frame: u64) -> Sighting {
        let mut s = Sighting {
            flows: 0,
            first: FlowRef::of(f),
            examples: Vec::new(),
            on_the_wire: false,
            succeeded: 0,
        };
        s.add(f, a, how, frame);
        s
    }

    /// Counts flow `f`, whose name shows the value `how` (`SNI`, `CONNECT request`) in
    /// `frame`.
    fn add(&mut self, f: &AuditFlow, a: &Attribution, how: &'static str, frame: u64) {
        self.flows += 1;
        self.on_the_wire |= a.source != Some(NameSource::Dns);
        self.succeeded += usize::from(f.succeeded());
        let name = a.name.as_deref().unwrap_or_default();
        if self.examples.len() < Self::EXAMPLES && !self.examples.iter().any(|e| e.0 == name) {
            self.examples.push((name.to_string(), how, frame));
        }
    }

    /// The first flow's name.
    pub fn name(&self) -> &str {
        self.examples.first().map_or("", |e| e.0.as_str())
    }

    /// The examples in words: `westeurope.his.arc.azure.com (SNI, frame 92), ...`.
    fn examples_text(&self) -> String {
        self.examples
            .iter()
            .map(|(n, how, frame)| format!("{n} ({how}, frame {frame})"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn frames(&self) -> impl Iterator<Item = u64> + '_ {
        self.examples.iter().map(|e| e.2)
    }
}

/// The regions and proxies the Arc flows of a capture show, whether or not the user gave
/// them.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Region (lower case) -> the flows whose name carries it (`<region>.his.arc.azure.com`).
    pub regions: BTreeMap<String, Sighting>,
    /// Proxy address -> the Arc flows that sent it a CONNECT.
    pub arc_proxies: BTreeMap<SocketAddr, Sighting>,
    /// Arc flows whose region came after [`MAX_TRACKED`] others: counted, not tracked.
    pub untracked_region_flows: usize,
    /// Arc flows whose proxy came after [`MAX_TRACKED`] others: counted, not tracked.
    pub untracked_proxy_flows: usize,
}

/// Counts flow `f` under `key`, a new key only while the map holds fewer than
/// [`MAX_TRACKED`]; false when it was left out. The key is borrowed and copied only when
/// new: this runs on every Arc flow.
fn sight<K, Q>(
    map: &mut BTreeMap<K, Sighting>,
    key: &Q,
    f: &AuditFlow,
    a: &Attribution,
    how: &'static str,
    frame: u64,
) -> bool
where
    K: Ord + std::borrow::Borrow<Q>,
    Q: Ord + ToOwned<Owned = K> + ?Sized,
{
    if let Some(s) = map.get_mut(key) {
        s.add(f, a, how, frame);
        return true;
    }
    if map.len() >= MAX_TRACKED {
        return false;
    }
    map.insert(key.to_owned(), Sighting::new(f, a, how, frame));
    true
}

/// `s` in lower case, borrowed when it has no upper case (most names and regions).
fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(s.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Which given value the capture contradicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContradictionKind {
    Region,
    Proxy,
}

/// A value the user gave that the capture shows to be otherwise.
#[derive(Debug, Clone)]
pub struct Contradiction {
    pub kind: ContradictionKind,
    /// What was given (`eastus`, `10.9.9.9:3128`).
    pub given: String,
    /// What the capture shows instead (`westeurope`, `10.1.0.8:3128`).
    pub seen: String,
    /// The first flow that shows it and its name.
    pub flow: FlowRef,
    pub name: String,
    /// Frames that prove it: the first attempt of each flow group named in `evidence`.
    pub frames: Vec<u64>,
    /// The facts, in a sentence.
    pub evidence: String,
    /// Seen in the flows' own bytes (SNI, CONNECT request), not only through DNS answers.
    pub on_the_wire: bool,
}

/// How a flow's name was seen, in words for evidence.
fn source_words(a: &Attribution) -> &'static str {
    match a.source {
        Some(NameSource::Sni) => "SNI",
        Some(NameSource::ConnectAuthority) => "CONNECT authority",
        Some(NameSource::HttpHost) => "Host header",
        Some(NameSource::CertificateSan) => "server certificate's name",
        Some(NameSource::Dns) => "DNS answer for its address",
        Some(NameSource::ServiceTag) | None => "address",
    }
}

/// The given region and proxies against what the Arc flows show.
fn contradictions(given: &Given, observed: &Observed) -> Vec<Contradiction> {
    let mut out = Vec::new();
    // A region is contradicted only when Arc names carry regions and none is the given one:
    // a capture without his/gas traffic says nothing about the region.
    if let Some(region) = &given.region
        && !observed.regions.is_empty()
        && !observed.regions.contains_key(region)
        && let Some((seen, first)) = observed
            .regions
            .iter()
            .max_by_key(|(r, s)| (s.flows, std::cmp::Reverse(*r)))
    {
        // The regions with the most flows first, at most MAX_PROXIES_LISTED of them named.
        let mut by_flows: Vec<(&String, &Sighting)> = observed.regions.iter().collect();
        by_flows.sort_by_key(|(r, s)| (std::cmp::Reverse(s.flows), *r));
        let more = by_flows.len().saturating_sub(MAX_PROXIES_LISTED);
        let mut named: Vec<String> = by_flows
            .iter()
            .take(MAX_PROXIES_LISTED)
            .map(|(r, s)| {
                format!(
                    "{r} in {} flow(s) ({} completed): {}",
                    s.flows,
                    s.succeeded,
                    s.examples_text()
                )
            })
            .collect();
        if more > 0 {
            named.push(format!("{more} other region(s)"));
        }
        if observed.untracked_region_flows > 0 {
            named.push(format!(
                "{} flow(s) of further regions (past {MAX_TRACKED}, not told apart)",
                observed.untracked_region_flows
            ));
        }
        out.push(Contradiction {
            kind: ContradictionKind::Region,
            given: region.clone(),
            seen: seen.clone(),
            flow: first.first.clone(),
            name: first.name().to_string(),
            frames: by_flows
                .iter()
                .take(MAX_PROXIES_LISTED)
                .flat_map(|(_, s)| s.frames())
                .collect(),
            evidence: format!(
                "--region {region}, but the Arc flows' names carry {}; none carries {region}",
                named.join("; ")
            ),
            on_the_wire: observed.regions.values().any(|s| s.on_the_wire),
        });
    }
    // Arc flows tunnelled through a proxy the user did not name: the configured proxy is
    // not the one used. A given proxy never seen while Arc flows go direct is
    // `proxy-bypass`'s finding, not this one.
    if !given.proxies.is_empty() {
        let listed = listed(
            &given.proxies[..given.proxies.len().min(MAX_PROXIES_LISTED)],
            ", ",
            given.proxies.len().saturating_sub(MAX_PROXIES_LISTED),
        );
        let mut unlisted: Vec<(&SocketAddr, &Sighting)> = observed
            .arc_proxies
            .iter()
            .filter(|(addr, _)| !given.proxies.iter().any(|p| p.may_be(**addr)))
            .collect();
        // One contradiction per proxy, the most used first; past MAX_PROXY_CONTRADICTIONS
        // the rest are summed up in the last one (each is one more proxy, not one more
        // problem).
        unlisted.sort_by_key(|(addr, s)| (std::cmp::Reverse(s.flows), **addr));
        let rest: Vec<(&SocketAddr, &Sighting)> = unlisted
            .split_off(unlisted.len().min(MAX_PROXY_CONTRADICTIONS))
            .into_iter()
            .collect();
        let n = unlisted.len();
        for (i, (addr, s)) in unlisted.into_iter().enumerate() {
            let mut also = String::new();
            if i + 1 == n && !rest.is_empty() {
                also.push_str(&format!(
                    "; besides, {} more unlisted proxies took {} Arc flow(s)",
                    rest.len(),
                    rest.iter().map(|(_, s)| s.flows).sum::<usize>()
                ));
            }
            if i + 1 == n && observed.untracked_proxy_flows > 0 {
                also.push_str(&format!(
                    "; {} more Arc flow(s) went to further proxies (past {MAX_TRACKED}, not told apart)",
                    observed.untracked_proxy_flows
                ));
            }
            out.push(Contradiction {
                kind: ContradictionKind::Proxy,
                given: listed.clone(),
                seen: addr.to_string(),
                flow: s.first.clone(),
                name: s.name().to_string(),
                frames: s.frames().collect(),
                evidence: format!(
                    "--proxy {listed}, but {} Arc flow(s) sent CONNECT to {addr} instead ({} completed): {}{also}",
                    s.flows,
                    s.succeeded,
                    s.examples_text(),
                ),
                on_the_wire: true,
            });
        }
    }
    out
}

/// The context the rules use.
#[derive(Debug, Clone, Serialize)]
pub struct AuditContext {
    /// The machine's cloud: given, else inferred, else public.
    pub cloud: Cloud,
    pub cloud_source: &'static str,
    pub region: Option<String>,
    /// A proxy was configured by the user (proxy-bypass findings need this).
    pub proxy_configured: bool,
    pub proxies: Vec<ProxyAddr>,
    /// Proxies seen answering CONNECT in the capture: the first [`MAX_PROXIES_LISTED`] in
    /// address order (for display), `proxies_seen_not_listed` the rest.
    pub proxies_seen: Vec<SocketAddr>,
    #[serde(skip_serializing_if = "is_zero")]
    pub proxies_seen_not_listed: usize,
    /// Every proxy address given or seen, for [`AuditContext::is_proxy`] (a set, never
    /// iterated into a report).
    #[serde(skip)]
    proxy_set: FxHashSet<SocketAddr>,
    pub private_link: bool,
    pub features: BTreeSet<Feature>,
    pub agent_os: Option<AgentOs>,
    /// Given values the capture contradicts (the `context-contradicted` rule reports them).
    #[serde(skip)]
    pub contradictions: Vec<Contradiction>,
}

impl AuditContext {
    pub fn merge(given: &Given, inferred: &Inferred) -> AuditContext {
        let (cloud, cloud_source) = match (given.cloud, &inferred.cloud) {
            (Some(c), _) => (c, "given"),
            (None, Some(i)) => (i.value, "inferred"),
            (None, None) => (Cloud::Public, "default"),
        };
        AuditContext {
            cloud,
            cloud_source,
            region: given
                .region
                .clone()
                .or_else(|| inferred.region.as_ref().map(|r| r.value.clone())),
            proxy_configured: !given.proxies.is_empty(),
            proxies: given.proxies.clone(),
            proxies_seen: inferred.proxies.iter().map(|p| p.value).collect(),
            proxies_seen_not_listed: inferred.proxies_not_listed,
            proxy_set: given
                .proxies
                .iter()
                .filter_map(|p| {
                    let ip = p.host.parse::<std::net::IpAddr>().ok()?;
                    Some(SocketAddr::new(ip, p.port))
                })
                .chain(inferred.proxy_set.iter().copied())
                .collect(),
            private_link: given.private_link,
            features: given.features.clone(),
            agent_os: given.agent_os,
            contradictions: contradictions(given, &inferred.observed),
        }
    }

    /// The flow's server is a proxy (configured, or seen answering CONNECT).
    pub fn is_proxy(&self, server: SocketAddr) -> bool {
        self.proxy_set.contains(&server)
    }

    /// The given proxies in words, at most [`MAX_PROXIES_LISTED`] (`10.1.0.8:3128,proxy:8080
    /// and 2 more`).
    pub fn proxies_text(&self) -> String {
        let shown: Vec<String> = self
            .proxies
            .iter()
            .take(MAX_PROXIES_LISTED)
            .map(|p| format!("{}:{}", p.host, p.port))
            .collect();
        listed(
            &shown,
            ",",
            self.proxies.len().saturating_sub(MAX_PROXIES_LISTED),
        )
    }

    /// The proxies seen in words, at most [`MAX_PROXIES_LISTED`] (`10.1.0.8:3128 and 159999
    /// more`).
    pub fn proxies_seen_text(&self) -> String {
        listed(&self.proxies_seen, ",", self.proxies_seen_not_listed)
    }
}

/// Infers cloud, region and proxies from the attributed flows, one flow at a time in
/// first-frame order (the audit's pass over the flows), so no list of every flow is
/// needed. Bounded: regions and proxies are tracked up to [`MAX_TRACKED`], listed up to
/// [`MAX_PROXIES_LISTED`].
#[derive(Default)]
pub struct Inference {
    inferred: Inferred,
    clouds: BTreeMap<Cloud, (usize, String)>,
    regions: BTreeMap<String, (usize, String)>,
    /// Every proxy goes into the set; the first MAX_PROXIES_LISTED in address order are
    /// described (a sorted map of that size, the rest only counted).
    proxies: BTreeMap<SocketAddr, (usize, u64)>,
}

impl Inference {
    /// Counts one attributed flow.
    pub fn add(&mut self, f: &AuditFlow, a: &Attribution, catalog: &Catalog) {
        self.sightings(f, a, catalog);
        if f.connect().is_some() {
            self.inferred.proxy_set.insert(f.server);
            if let Some(e) = self.proxies.get_mut(&f.server) {
                e.0 += 1;
            } else {
                self.proxies.insert(f.server, (1, f.frames.first));
                if self.proxies.len() > MAX_PROXIES_LISTED {
                    self.proxies.pop_last();
                }
            }
        }
    }

    /// The regions, proxies and clouds the flow's name and CONNECT show.
    fn sightings(&mut self, f: &AuditFlow, a: &Attribution, catalog: &Catalog) {
        let inferred = &mut self.inferred;
        if a.source == Some(NameSource::ServiceTag) {
            return;
        }
        let name = a.name.as_deref().unwrap_or_default();
        let region = a.region.as_deref().map(lower);
        if let Some(r) = &region
            && !sight(
                &mut inferred.observed.regions,
                r.as_ref(),
                f,
                a,
                source_words(a),
                f.attempt_frame(),
            )
        {
            inferred.observed.untracked_region_flows += 1;
        }
        if !a.entries.is_empty()
            && let Some(connect) = f.connect()
        {
            let how = "CONNECT request";
            if !sight(
                &mut inferred.observed.arc_proxies,
                &f.server,
                f,
                a,
                how,
                connect.frame,
            ) {
                inferred.observed.untracked_proxy_flows += 1;
            }
        }
        let mut flow_clouds = a
            .entries
            .iter()
            .filter_map(|&i| catalog.entries().get(i))
            .map(|e| e.cloud);
        // A name shared by several clouds (login.microsoftonline.com serves public and
        // 21Vianet tables alike) says nothing about which one.
        if let Some(c) = flow_clouds.next()
            && flow_clouds.all(|other| other == c)
        {
            self.clouds
                .entry(c)
                .or_insert_with(|| (0, name.to_string()))
                .0 += 1;
        }
        if let Some(r) = &region {
            // Bounded like `observed.regions`: a region past MAX_TRACKED others is not
            // counted (a real capture names a handful).
            if let Some(e) = self.regions.get_mut(r.as_ref()) {
                e.0 += 1;
            } else if self.regions.len() < MAX_TRACKED {
                self.regions.insert(r.to_string(), (1, name.to_string()));
            }
        }
    }

    /// What the flows counted show, where the user did not say.
    pub fn finish(self, given: &Given) -> Inferred {
        let Inference {
            mut inferred,
            clouds,
            regions,
            proxies,
        } = self;
        if given.cloud.is_none()
            && let Some((cloud, (n, example))) = clouds.iter().max_by_key(|(_, (n, _))| *n)
        {
            inferred.cloud = Some(InferredValue {
                value: *cloud,
                evidence: format!(
                    "{n} flow(s) to {} endpoints, e.g. {example}",
                    cloud.as_str()
                ),
            });
        }
        if given.region.is_none()
            && let Some((region, (n, example))) = regions.iter().max_by_key(|(_, (n, _))| *n)
        {
            inferred.region = Some(InferredValue {
                value: region.clone(),
                evidence: format!("{n} flow(s) name it, e.g. {example}"),
            });
        }
        inferred.proxies_not_listed = inferred.proxy_set.len().saturating_sub(proxies.len());
        for (addr, (n, frame)) in proxies {
            inferred.proxies.push(InferredValue {
                value: addr,
                evidence: format!(
                    "{n} CONNECT request(s) sent to it, the first in the flow at frame {frame}"
                ),
            });
        }
        inferred
    }
}
