//! Who a flow talks to. In order of trust: the TLS SNI; the CONNECT authority of a proxied
//! flow; the HTTP Host header; the server certificate's DNS names (TLS 1.2 and older send
//! it in the clear; a client that sends no SNI still gets one); a DNS answer seen before the
//! flow for its server address (following CNAME chains, respecting time); and last, the
//! service tag of the address, which is attribution by address only and said so.

use rustc_hash::FxHashMap;
use serde::Serialize;
use std::net::IpAddr;
use std::sync::Arc;

use crate::dns::Rcode;
use crate::facts::{AuditFlow, DnsAnswer, DnsRecordData};
use crate::model::{Catalog, Cloud, Endpoint, Profile, ServiceTags, split_authority};

/// Where the name of a flow came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameSource {
    Sni,
    ConnectAuthority,
    HttpHost,
    Dns,
    /// No SNI: a DNS name (subject alternative name) of the server's certificate, the first
    /// one the catalog knows, else the first.
    CertificateSan,
    /// No name: the server address lies in a service tag the catalog names.
    ServiceTag,
}

/// The answer to "who does this flow talk to". A capture names the same few hosts and
/// servers thousands of times: the name, the entries it matched, its region and the
/// server's tags are shared between the flows that have them ([`NameMatcher`] hands them
/// out), not copied per flow.
#[derive(Debug, Clone, Default)]
pub struct Attribution {
    /// The name (as seen) the flow was attributed by.
    pub name: Option<Arc<str>>,
    pub source: Option<NameSource>,
    /// Indices into the catalog of every entry the name matched (all clouds, profiles).
    pub entries: Arc<[usize]>,
    /// Region carried by the name (`westeurope` in `westeurope.his.arc.azure.com`).
    pub region: Option<Arc<str>>,
    /// Service tags of the server address (when tag files are loaded).
    pub server_tags: Arc<[String]>,
    /// For DNS attribution: the frame of the answer used.
    pub dns_frame: Option<u64>,
}

/// Most answers (A/AAAA records of NOERROR responses) indexed per address; later ones (in
/// frame order) are counted in [`DnsIndexStats::answers_dropped`]. A name re-resolved every
/// minute for a day gives 1,440 answers for one address.
pub const MAX_ANSWERS_PER_ADDRESS: usize = 4096;

/// Most names in an answer's chain (question, owners, CNAME targets). The compact messages
/// keep no more (`facts::dns::MAX_NAMES_KEPT`, the same 16); kept here too so the index is
/// bounded whatever it is given.
pub const MAX_NAMES_PER_ANSWER: usize = 16;

/// What the DNS index left out to stay bounded, counted (reports say so when not zero).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DnsIndexStats {
    /// Answers for an address past [`MAX_ANSWERS_PER_ADDRESS`].
    pub answers_dropped: u64,
    /// Answer records the compact messages had already left out (see
    /// [`crate::facts::DnsAnswer::records_dropped`]).
    pub records_dropped: u64,
}

impl DnsIndexStats {
    pub fn is_empty(&self) -> bool {
        self.answers_dropped == 0 && self.records_dropped == 0
    }
}

/// One indexed answer: when, in which frame, and the chain of names it resolved.
#[derive(Debug, Clone, Copy)]
struct IndexedAnswer {
    ts: i64,
    frame: u64,
    chain: u32,
}

/// DNS answers by address, in time order, with the names each answer resolved. Names are
/// stored once (a name table, chains of ids into it, each distinct chain once); an address
/// holds 16 bytes per answer, sorted by time, so a lookup is a binary search. Bounded: a
/// chain has at most [`MAX_NAMES_PER_ANSWER`] names, an address at most [`MAX_ANSWERS_PER_ADDRESS`] answers.
#[derive(Debug, Default)]
pub struct DnsIndex {
    names: Vec<Box<str>>,
    name_ids: FxHashMap<Box<str>, u32>,
    /// Chains as ranges into `chain_ids`; `chain_of` interns them.
    chains: Vec<(u32, u32)>,
    chain_ids: Vec<u32>,
    chain_of: FxHashMap<Box<[u32]>, u32>,
    by_addr: FxHashMap<IpAddr, Vec<IndexedAnswer>>,
    stats: DnsIndexStats,
    /// The chain of the message being added (reused between messages).
    scratch: Vec<u32>,
}

impl DnsIndex {
    /// The index of `answers` (the tests' way in; the audit adds messages one by one).
    #[cfg(test)]
    pub fn build(answers: &[DnsAnswer]) -> DnsIndex {
        let mut ix = DnsIndex::default();
        for a in answers {
            ix.add(a);
        }
        ix.finish()
    }

    /// Indexes one message; messages come in frame order (the per-address bound keeps the
    /// earliest answers). [`DnsIndex::finish`] makes the index ready for lookups.
    pub fn add(&mut self, a: &DnsAnswer) {
        self.stats.records_dropped += u64::from(a.records_dropped);
        if !a.is_response || a.rcode != Rcode::NoError {
            return;
        }
        if !a
            .answers
            .iter()
            .any(|(_, d)| matches!(d, DnsRecordData::A(_)))
        {
            return;
        }
        // The question first, then every name in the CNAME chain: any of them may be the
        // one the catalog knows (an Arc name that CNAMEs to a Traffic Manager name).
        // Compact messages hold at most MAX_NAMES_KEPT names, so these scans are short.
        let mut spelled: Vec<&str> = Vec::new();
        fn push<'a>(n: &'a str, spelled: &mut Vec<&'a str>) {
            if spelled.len() < MAX_NAMES_PER_ANSWER
                && !spelled.iter().any(|s| s.eq_ignore_ascii_case(n))
            {
                spelled.push(n);
            }
        }
        if let Some(q) = &a.qname {
            push(q, &mut spelled);
        }
        for (owner, d) in &a.answers {
            push(owner, &mut spelled);
            if let DnsRecordData::Cname(t) = d {
                push(t, &mut spelled);
            }
        }
        let mut chain = std::mem::take(&mut self.scratch);
        chain.clear();
        for n in &spelled {
            let id = self.intern_name(n);
            chain.push(id);
        }
        let chain_id = self.intern_chain(&chain);
        self.scratch = chain;
        for (_, d) in &a.answers {
            if let DnsRecordData::A(ip) = d {
                let v = self.by_addr.entry(*ip).or_default();
                if v.len() >= MAX_ANSWERS_PER_ADDRESS {
                    self.stats.answers_dropped += 1;
                    continue;
                }
                v.push(IndexedAnswer {
                    ts: a.ts_ns,
                    frame: a.frame,
                    chain: chain_id,
                });
            }
        }
    }

    /// Puts each address's answers in time order, for lookups.
    pub fn finish(mut self) -> DnsIndex {
        for v in self.by_addr.values_mut() {
            v.sort_by_key(|e| (e.ts, e.frame));
            v.shrink_to_fit();
        }
        self.scratch = Vec::new();
        self
    }

    fn intern_name(&mut self, n: &str) -> u32 {
        if let Some(&id) = self.name_ids.get(n) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(n.into());
        self.name_ids.insert(n.into(), id);
        id
    }

    fn intern_chain(&mut self, chain: &[u32]) -> u32 {
        if let Some(&id) = self.chain_of.get(chain) {
            return id;
        }
        let id = u32::try_from(self.chains.len()).unwrap_or(u32::MAX);
        let start = u32::try_from(self.chain_ids.len()).unwrap_or(u32::MAX);
        self.chain_ids.extend_from_slice(chain);
        let end = u32::try_from(self.chain_ids.len()).unwrap_or(u32::MAX);
        self.chains.push((start, end));
        self.chain_of.insert(chain.into(), id);
        id
    }

    /// The latest answer for `addr` given at or before `ts`: (frame, names, question
    /// first). A binary search over the address's answers.
    pub fn names_for(&self, addr: IpAddr, ts: i64) -> Option<(u64, Vec<&str>)> {
        let v = self.by_addr.get(&addr)?;
        // Answers are sorted by (time, frame): the last one at or before `ts`.
        let i = v.partition_point(|e| e.ts <= ts).checked_sub(1)?;
        let e = v.get(i)?;
        let (start, end) = *self.chains.get(e.chain as usize)?;
        let ids = self.chain_ids.get(start as usize..end as usize)?;
        let names = ids
            .iter()
            .filter_map(|&id| self.names.get(id as usize).map(|n| &**n))
            .collect();
        Some((e.frame, names))
    }

    /// What was left out to stay bounded.
    pub fn stats(&self) -> DnsIndexStats {
        self.stats
    }

    /// Distinct names and answers held (for tests of the bounds).
    pub fn sizes(&self) -> (usize, usize) {
        (self.names.len(), self.by_addr.values().map(Vec::len).sum())
    }
}

fn host_of(authority: &str) -> Option<String> {
    split_authority(authority).map(|(h, _)| h)
}

/// Catalog entries a name matches. A pattern with a path (`www.microsoft.com/pkiops/certs`)
/// stands for that path only: it matches only when the HTTP request path is known and under
/// it, never on the name alone (every Microsoft web page shares that host name).
fn matches_path(catalog: &Catalog, name: &str, path: Option<&str>) -> (Vec<usize>, Option<String>) {
    let m: Vec<_> = catalog
        .match_host(name)
        .into_iter()
        .filter(|h| match (&h.pattern.path, path) {
            (None, _) => true,
            (Some(p), Some(req)) => req
                .to_ascii_lowercase()
                .starts_with(&p.to_ascii_lowercase()),
            (Some(_), None) => false,
        })
        .collect();
    let region = m.iter().find_map(|h| h.region.clone());
    let mut idx: Vec<usize> = m.iter().map(|h| h.index).collect();
    idx.sort_unstable();
    idx.dedup();
    (idx, region)
}

/// A name as spelled, the catalog entries (indices) it matched, and the region it carries.
type NameMatch = (Arc<str>, Arc<[usize]>, Option<Arc<str>>);

/// The entries (indices) a name matched and the region it carries: a memo's value.
type Matched = (Arc<[usize]>, Option<Arc<str>>);

/// A server address's service tags, and the catalog entries those tags attribute a flow
/// to when nothing names it.
type TagMatch = (Arc<[String]>, Arc<[usize]>);

/// Name lookups against the catalog and service-tag lookups of server addresses for one
/// capture, remembered and handed out shared: a capture names the same few hosts and
/// servers thousands of times. Bounded: each memo is emptied when it reaches
/// `MEMO_ENTRIES`.
pub struct NameMatcher<'c> {
    pub catalog: &'c Catalog,
    /// Name as spelled -> its entries and region.
    memo: std::cell::RefCell<FxHashMap<Arc<str>, Matched>>,
    tags: std::cell::RefCell<FxHashMap<IpAddr, TagMatch>>,
    /// Shared empty lists, so a flow without entries or tags allocates nothing.
    no_entries: Arc<[usize]>,
    no_tags: Arc<[String]>,
}

const MEMO_ENTRIES: usize = 4096;

impl<'c> NameMatcher<'c> {
    pub fn new(catalog: &'c Catalog) -> Self {
        NameMatcher {
            catalog,
            memo: std::cell::RefCell::new(FxHashMap::default()),
            tags: std::cell::RefCell::new(FxHashMap::default()),
            no_entries: Arc::from([]),
            no_tags: Arc::from([]),
        }
    }

    fn matches(&self, name: &str) -> NameMatch {
        if let Some((n, (entries, region))) = self.memo.borrow().get_key_value(name) {
            return (n.clone(), entries.clone(), region.clone());
        }
        let (entries, region) = matches_path(self.catalog, name, None);
        let r: NameMatch = (
            Arc::from(name),
            if entries.is_empty() {
                self.no_entries.clone()
            } else {
                Arc::from(entries)
            },
            region.map(Arc::from),
        );
        let mut m = self.memo.borrow_mut();
        if m.len() >= MEMO_ENTRIES {
            m.clear();
        }
        m.insert(r.0.clone(), (r.1.clone(), r.2.clone()));
        r
    }

    /// The service tags of `ip` and the entries they attribute (see [`attribute`]).
    fn server_tags(&self, tags: &ServiceTags, ip: IpAddr) -> TagMatch {
        if tags.is_empty() {
            return (self.no_tags.clone(), self.no_entries.clone());
        }
        if let Some((t, e)) = self.tags.borrow().get(&ip) {
            return (t.clone(), e.clone());
        }
        let names: Vec<String> = tags.lookup_iter(ip).map(|t| t.name.to_string()).collect();
        let r: TagMatch = if names.is_empty() {
            (self.no_tags.clone(), self.no_entries.clone())
        } else {
            let tagged = tagged_entries(self.catalog, &names);
            (Arc::from(names), Arc::from(tagged))
        };
        let mut m = self.tags.borrow_mut();
        if m.len() >= MEMO_ENTRIES {
            m.clear();
        }
        m.insert(ip, r.clone());
        r
    }
}

/// The catalog entries whose attributing service tags hold an address with these tags
/// (a tag, or a regional variant of it: `AzureArcInfrastructure.WestEurope`).
fn tagged_entries(catalog: &Catalog, server_tags: &[String]) -> Vec<usize> {
    let attributing = catalog.attributing_tags();
    catalog
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.service_tags.iter().any(|t| {
                attributing.contains(t)
                    && server_tags.iter().any(|s| {
                        s == t
                            || s.strip_prefix(t.as_str())
                                .is_some_and(|r| r.starts_with('.'))
                    })
            })
        })
        .map(|(i, _)| i)
        .collect()
}

/// The path of a request target (`/pkiops/certs/x.crt`, or the path of an absolute URL).
fn request_path(target: &str) -> &str {
    let t = target.split_once("://").map_or(target, |(_, rest)| rest);
    match t.find('/') {
        Some(i) if !target.starts_with('/') => &t[i..],
        _ => t,
    }
}

/// The entry to name first among `entries`: the cloud's, standard profile before ESU.
pub fn choose_primary<'c>(
    catalog: &'c Catalog,
    entries: &[usize],
    cloud: Cloud,
) -> Option<&'c Endpoint> {
    let all = catalog.entries();
    let rank = |e: &Endpoint| {
        let cloud_rank = u8::from(e.cloud != cloud);
        let profile_rank = u8::from(e.profile != Profile::Standard);
        (cloud_rank, profile_rank)
    };
    entries
        .iter()
        .filter_map(|&i| all.get(i))
        .min_by_key(|e| rank(e))
}

/// Attributes one flow: its name, where the name came from, and the catalog entries it
/// matches. The primary entry is left for the caller, who knows the context's cloud.
pub fn attribute(
    f: &AuditFlow,
    dns: &DnsIndex,
    names: &NameMatcher<'_>,
    tags: &ServiceTags,
) -> Attribution {
    let catalog = names.catalog;
    let (server_tags, tagged) = names.server_tags(tags, f.server.ip());
    let connect_host = f.connect().and_then(|c| host_of(&c.target));
    let plain = f
        .requests()
        .iter()
        .find(|r| !r.method.eq_ignore_ascii_case("CONNECT"));
    let http_host = plain.and_then(|r| r.host.as_deref().and_then(host_of));
    let candidates: [(Option<&str>, NameSource, Option<&str>); 3] = [
        (
            f.tls.as_ref().and_then(|t| t.sni.as_deref()),
            NameSource::Sni,
            None,
        ),
        (connect_host.as_deref(), NameSource::ConnectAuthority, None),
        (
            http_host.as_deref(),
            NameSource::HttpHost,
            plain.map(|r| request_path(&r.target)),
        ),
    ];
    let mut found: Option<(NameMatch, NameSource)> = None;
    for (name, source, path) in candidates {
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            let m = match path {
                Some(p) => {
                    let (entries, region) = matches_path(catalog, name, Some(p));
                    (Arc::from(name), Arc::from(entries), region.map(Arc::from))
                }
                None => names.matches(name),
            };
            found = Some((m, source));
            break;
        }
    }
    if found.is_none()
        && let Some(sans) = f
            .tls
            .as_ref()
            .and_then(|t| t.certificates.first())
            .map(|leaf| leaf.san_dns.as_slice())
            .filter(|sans| !sans.is_empty())
    {
        // The certificate speaks for this connection, where a DNS answer speaks for an
        // address other names may share (a CDN front end), so it comes first.
        let known = sans.iter().find_map(|n| {
            let m = names.matches(n);
            (!m.1.is_empty()).then_some(m)
        });
        let m = known.unwrap_or_else(|| {
            let first = sans.first().map(String::as_str).unwrap_or_default();
            (Arc::from(first), names.no_entries.clone(), None)
        });
        found = Some((m, NameSource::CertificateSan));
    }
    let mut dns_frame = None;
    if found.is_none()
        && let Some((frame, chain)) = dns.names_for(f.server.ip(), f.first_ts_ns)
    {
        // The first name of the chain the catalog knows, else the question.
        let known = chain.iter().find_map(|n| {
            let m = names.matches(n);
            (!m.1.is_empty()).then_some(m)
        });
        let m = known.unwrap_or_else(|| {
            let first = chain.first().copied().unwrap_or_default();
            (Arc::from(first), names.no_entries.clone(), None)
        });
        found = Some((m, NameSource::Dns));
        dns_frame = Some(frame);
    }
    let (name, source, entries, region) = match found {
        Some(((name, entries, region), source)) => (Some(name), Some(source), entries, region),
        None if f.transport == crate::wire::Transport::Tcp && !tagged.is_empty() => {
            (None, Some(NameSource::ServiceTag), tagged, None)
        }
        None => (None, None, names.no_entries.clone(), None),
    };
    Attribution {
        name,
        source,
        entries,
        region,
        server_tags,
        dns_frame,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TCP flow to `server` on 443 with a TLS 1.2 handshake carrying `sni` and a leaf
    /// certificate naming `sans`.
    fn tls_flow(server: &str, sni: Option<&str>, sans: &[&str]) -> AuditFlow {
        AuditFlow {
            transport: crate::wire::Transport::Tcp,
            client: "10.1.0.4:50000".parse().unwrap(),
            server: server.parse().unwrap(),
            client_guessed: false,
            first_ts_ns: 10,
            last_ts_ns: 20,
            frames: crate::flow::KeyFrames::default(),
            conn_state: None,
            history: String::new(),
            syn_retransmissions: 0,
            client_bytes: 0,
            server_bytes: 0,
            server_packets: 0,
            protocol: None,
            tls: Some(crate::facts::TlsSummary {
                sni: sni.map(str::to_string),
                certificates: vec![crate::facts::CertSummary {
                    subject: String::new(),
                    issuer: String::new(),
                    subject_cn: None,
                    issuer_cn: None,
                    san_dns: sans.iter().map(|s| s.to_string()).collect(),
                    self_signed: false,
                }]
                .into(),
                ..Default::default()
            }),
            rare: None,
        }
    }

    #[test]
    fn without_sni_the_certificate_names_the_flow() {
        let c = Catalog::builtin();
        let names = NameMatcher::new(c);
        let tags = ServiceTags::empty();
        let dns = DnsIndex::default();
        // The first SAN the catalog knows wins over an earlier unknown one.
        let f = tls_flow(
            "192.0.2.10:443",
            None,
            &["www.example.com", "westeurope.his.arc.azure.com"],
        );
        let a = attribute(&f, &dns, &names, &tags);
        assert_eq!(a.source, Some(NameSource::CertificateSan));
        assert_eq!(a.name.as_deref(), Some("westeurope.his.arc.azure.com"));
        assert!(!a.entries.is_empty());
        // None known: the first SAN names the flow, attributed to nothing.
        let f = tls_flow(
            "192.0.2.10:443",
            None,
            &["www.example.com", "a.example.org"],
        );
        let a = attribute(&f, &dns, &names, &tags);
        assert_eq!(a.name.as_deref(), Some("www.example.com"));
        assert!(a.entries.is_empty());
        // The SNI stays first.
        let f = tls_flow(
            "192.0.2.10:443",
            Some("management.azure.com"),
            &["westeurope.his.arc.azure.com"],
        );
        let a = attribute(&f, &dns, &names, &tags);
        assert_eq!(a.source, Some(NameSource::Sni));
    }

    #[test]
    fn without_sni_or_certificate_an_earlier_dns_answer_names_the_flow() {
        let c = Catalog::builtin();
        let names = NameMatcher::new(c);
        let answer = DnsAnswer {
            frame: 1,
            ts_ns: 5,
            resolver: "10.1.0.53:53".parse().unwrap(),
            client: "10.1.0.4:40000".parse().unwrap(),
            id: 7,
            is_response: true,
            rcode: Rcode::NoError,
            qname: Some("management.azure.com".into()),
            qtype: 1,
            answers: vec![(
                "management.azure.com".into(),
                DnsRecordData::A("192.0.2.10".parse().unwrap()),
            )],
            records_dropped: 0,
            answered: false,
        };
        let dns = DnsIndex::build(&[answer]);
        let mut f = tls_flow("192.0.2.10:443", None, &[]);
        f.tls = None;
        let a = attribute(&f, &dns, &names, &ServiceTags::empty());
        assert_eq!(a.source, Some(NameSource::Dns));
        assert_eq!(a.name.as_deref(), Some("management.azure.com"));
        assert!(!a.entries.is_empty());
        assert_eq!(a.dns_frame, Some(1));
        // An answer given after the flow started does not name it.
        f.first_ts_ns = 1;
        let a = attribute(&f, &dns, &names, &ServiceTags::empty());
        assert_eq!(a.name, None);
    }

    fn response(frame: u64, ts: i64, q: &str, records: Vec<(String, DnsRecordData)>) -> DnsAnswer {
        DnsAnswer {
            frame,
            ts_ns: ts,
            resolver: "10.1.0.53:53".parse().unwrap(),
            client: "10.1.0.4:40000".parse().unwrap(),
            id: 7,
            is_response: true,
            rcode: Rcode::NoError,
            qname: Some(q.into()),
            qtype: 1,
            answers: records,
            records_dropped: 0,
            answered: false,
        }
    }

    #[test]
    fn the_dns_index_stores_each_name_once_and_finds_answers_by_time() {
        let ip: IpAddr = "192.0.2.10".parse().unwrap();
        let a = |owner: &str| (owner.to_string(), DnsRecordData::A(ip));
        let cname = |o: &str, t: &str| (o.to_string(), DnsRecordData::Cname(t.to_string()));
        // Out of time order on purpose: the index sorts.
        let answers = vec![
            response(30, 300, "b.example", vec![a("b.example")]),
            response(
                10,
                100,
                "gbl.his.arc.azure.com",
                vec![
                    cname("gbl.his.arc.azure.com", "tm.example"),
                    a("tm.example"),
                ],
            ),
            response(
                20,
                200,
                "GBL.his.arc.azure.com",
                vec![
                    cname("GBL.his.arc.azure.com", "TM.example"),
                    a("TM.example"),
                ],
            ),
        ];
        let ix = DnsIndex::build(&answers);
        assert_eq!(ix.names_for(ip, 99), None);
        assert_eq!(
            ix.names_for(ip, 100),
            Some((10, vec!["gbl.his.arc.azure.com", "tm.example"]))
        );
        assert_eq!(ix.names_for(ip, 299).map(|(f, _)| f), Some(20));
        assert_eq!(ix.names_for(ip, i64::MAX), Some((30, vec!["b.example"])));
        // Five spellings, each stored once; three answers for the address.
        assert_eq!(ix.sizes(), (5, 3));
        assert!(ix.stats().is_empty());
    }

    #[test]
    fn the_dns_index_is_bounded_and_counts_what_it_left_out() {
        let ip: IpAddr = "192.0.2.10".parse().unwrap();
        // One answer naming 40 owners (the compact messages would keep 16; the index
        // bounds itself anyway), then more answers for one address than it keeps.
        let many: Vec<(String, DnsRecordData)> = (0..40)
            .map(|i| (format!("o{i}.example"), DnsRecordData::A(ip)))
            .collect();
        let mut answers = vec![response(1, 1, "q.example", many)];
        let extra = MAX_ANSWERS_PER_ADDRESS + 10 - 40;
        answers.extend((0..extra).map(|i| {
            let t = 2 + i as i64;
            response(
                2 + i as u64,
                t,
                "q.example",
                vec![("q.example".into(), DnsRecordData::A(ip))],
            )
        }));
        let ix = DnsIndex::build(&answers);
        let (_, names) = ix.names_for(ip, 1).unwrap();
        assert_eq!(names.len(), MAX_NAMES_PER_ANSWER);
        assert_eq!(names[0], "q.example");
        assert_eq!(ix.sizes().1, MAX_ANSWERS_PER_ADDRESS);
        assert_eq!(ix.stats().answers_dropped, 10);
    }

    #[test]
    fn request_paths() {
        assert_eq!(request_path("/pkiops/certs/a.crt"), "/pkiops/certs/a.crt");
        assert_eq!(
            request_path("http://www.microsoft.com/pkiops/certs/a.crt"),
            "/pkiops/certs/a.crt"
        );
        assert_eq!(request_path("*"), "*");
    }

    #[test]
    fn path_patterns_need_the_path() {
        let c = Catalog::builtin();
        assert!(
            NameMatcher::new(c)
                .matches("www.microsoft.com")
                .1
                .is_empty()
        );
        assert!(
            !matches_path(c, "www.microsoft.com", Some("/pkiops/certs/x.crt"))
                .0
                .is_empty()
        );
        assert!(
            matches_path(c, "www.microsoft.com", Some("/en-us/"))
                .0
                .is_empty()
        );
    }
}
