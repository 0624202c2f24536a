//! Compact, owned summaries of one flow, kept per capture until the audit runs: only the
//! fields the rules read, so a capture of a million flows does not hold a million full
//! records (ClientHello extension lists, JA3 strings, every certificate field).

use rustc_hash::FxHashMap;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::flow::{ConnState, HostDropEvent, IcmpEvent, KeyFrames};
use crate::pipeline::Flow;
use crate::tls::{Alert, CertificateInfo, TlsVersion};
use crate::wire::{AppProtocol, Transport};

/// Most certificates kept per flow: the leaf and its issuers are what interception shows.
const MAX_CERTS: usize = 4;

/// Longest request target kept (bytes): enough for any Arc or proxy URL; a 64 KiB target
/// is an attack on memory, not evidence.
pub const MAX_TARGET: usize = 2048;
/// Longest host, SNI or DNS name kept (bytes; a DNS name is at most 253).
pub const MAX_NAME: usize = 256;
/// Longest distinguished name or common name kept (bytes).
pub const MAX_DN: usize = 1024;
/// Longest HTTP reason phrase kept (bytes).
pub const MAX_REASON: usize = 256;
/// Most DNS SANs kept per certificate.
pub const MAX_SANS: usize = 64;

/// `s` cut to at most `max` bytes (at a character boundary, with "…" to say so), counting
/// each cut in `truncated`.
fn cap(s: &str, max: usize, truncated: &mut u64) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    *truncated += 1;
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// [`cap`] of a string the caller owns: moved when it is within the bound.
fn cap_owned(s: String, max: usize, truncated: &mut u64) -> String {
    if s.len() <= max {
        s
    } else {
        cap(&s, max, truncated)
    }
}

/// The parts of a record that a flow owns and the record can take over (see
/// [`AuditFlow::from_flow_taking`]), `None` where the flow has none.
struct Owned {
    sni: Option<String>,
    /// The offered suites, GREASE left out.
    suites: Option<Vec<u16>>,
    history: Option<String>,
}

fn cap_opt(s: &Option<String>, max: usize, truncated: &mut u64) -> Option<String> {
    s.as_deref().map(|s| cap(s, max, truncated))
}

/// The certificate facts the interception rule reads.
#[derive(Debug, Clone, Serialize)]
pub struct CertSummary {
    /// Distinguished names as printed, for evidence.
    pub subject: String,
    pub issuer: String,
    /// The first common name of each, read from the parsed name (never split out of the
    /// printed string, where a CN holding ", " would be cut short).
    pub subject_cn: Option<String>,
    pub issuer_cn: Option<String>,
    pub san_dns: Vec<String>,
    pub self_signed: bool,
}

/// The TLS facts the rules read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsSummary {
    pub client_hello_frame: Option<u64>,
    pub sni: Option<String>,
    /// Highest version the client offers (supported_versions, else legacy_version).
    pub client_max_version: Option<TlsVersion>,
    /// The versions offered, GREASE left out (supported_versions, else legacy_version).
    /// Shared between the records of one capture (a few stacks offer the same lists).
    #[serde(serialize_with = "shared_list")]
    pub client_versions: Arc<[TlsVersion]>,
    pub offered_suites: Vec<u16>,
    /// The ClientHello's JA4 fingerprint (TCP): which TLS stack made the connection, so
    /// what a stack offers is said once per stack rather than once per connection. Shared
    /// between the records of one capture (a few stacks make thousands of connections).
    #[serde(serialize_with = "shared_str")]
    pub ja4: Option<Arc<str>>,
    pub server_hello_frame: Option<u64>,
    pub negotiated_version: Option<TlsVersion>,
    pub cipher_suite: Option<u16>,
    pub hello_retry: bool,
    pub alerts: Vec<Alert>,
    pub first_alert_frame: Option<u64>,
    /// The leaf and its issuers, shared between the records of one capture that saw the
    /// same chain (a server sends one chain to every connection).
    #[serde(serialize_with = "shared_certs")]
    pub certificates: Arc<[CertSummary]>,
    pub certificate_frame: Option<u64>,
    pub server_application_data: bool,
    pub client_application_data: bool,
}

/// An HTTP request head the rules read (never the Proxy-Authorization value: only whether
/// it was there).
#[derive(Debug, Clone, Serialize)]
pub struct HttpRequestSummary {
    pub method: String,
    pub target: String,
    pub host: Option<String>,
    pub proxy_authorization: bool,
    pub frame: u64,
}

/// An HTTP response head.
#[derive(Debug, Clone, Serialize)]
pub struct HttpResponseSummary {
    pub status: u16,
    pub reason: String,
    pub frame: u64,
}

/// Bytes a record's list of offered versions took inline when each record owned it (a
/// `Vec`), added to the size of the structs in [`AuditFlow::approx_bytes`]: sharing the list
/// leaves the estimate, and so which flows the budget keeps, as it was.
const OWNED_VERSIONS_EXTRA: usize =
    std::mem::size_of::<Vec<TlsVersion>>() - std::mem::size_of::<Arc<[TlsVersion]>>();

/// One flow, compacted for the audit.
#[derive(Debug, Clone, Serialize)]
pub struct AuditFlow {
    pub transport: Transport,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub client_guessed: bool,
    pub first_ts_ns: i64,
    pub last_ts_ns: i64,
    pub frames: KeyFrames,
    pub conn_state: Option<ConnState>,
    pub history: String,
    pub syn_retransmissions: u32,
    pub client_bytes: u64,
    pub server_bytes: u64,
    pub server_packets: u64,
    pub protocol: Option<AppProtocol>,
    pub tls: Option<TlsSummary>,
    /// ICMP errors, host components and drops, HTTP heads: one box, absent when the flow
    /// has none of them (most flows), so each record does not carry five empty vectors
    /// inline. Read through [`AuditFlow::icmp`], [`AuditFlow::requests`] and the like.
    #[serde(flatten)]
    pub rare: Option<Box<RareParts>>,
}

/// The parts of a flow few flows have (see [`AuditFlow::rare`]).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RareParts {
    pub icmp: Vec<IcmpEvent>,
    /// Host components its packets crossed, in the order first seen (Windows Packet
    /// Monitor captures; bounded by `flow::MAX_HOST_COMPONENTS`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub host_components: Vec<u32>,
    /// Drops of its packets reported on the capturing host (bounded by
    /// `flow::MAX_HOST_DROPS`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub host_drops: Vec<HostDropEvent>,
    pub requests: Vec<HttpRequestSummary>,
    pub responses: Vec<HttpResponseSummary>,
}

impl RareParts {
    /// Boxed when any part is present, else `None`.
    pub fn boxed(self) -> Option<Box<RareParts>> {
        let empty = self.icmp.is_empty()
            && self.host_components.is_empty()
            && self.host_drops.is_empty()
            && self.requests.is_empty()
            && self.responses.is_empty();
        (!empty).then(|| Box::new(self))
    }
}

impl AuditFlow {
    /// ICMP errors that quoted the flow.
    pub fn icmp(&self) -> &[IcmpEvent] {
        self.rare.as_deref().map_or(&[], |r| &r.icmp)
    }

    /// Host components its packets crossed (Windows Packet Monitor captures).
    pub fn host_components(&self) -> &[u32] {
        self.rare.as_deref().map_or(&[], |r| &r.host_components)
    }

    /// Drops of its packets reported on the capturing host.
    pub fn host_drops(&self) -> &[HostDropEvent] {
        self.rare.as_deref().map_or(&[], |r| &r.host_drops)
    }

    /// Its HTTP request heads.
    pub fn requests(&self) -> &[HttpRequestSummary] {
        self.rare.as_deref().map_or(&[], |r| &r.requests)
    }

    /// Its HTTP response heads.
    pub fn responses(&self) -> &[HttpResponseSummary] {
        self.rare.as_deref().map_or(&[], |r| &r.responses)
    }

    /// The frame where the flow's attempt shows best: its ClientHello, else its first HTTP
    /// request, else its SYN, else its first packet.
    pub fn attempt_frame(&self) -> u64 {
        self.tls
            .as_ref()
            .and_then(|t| t.client_hello_frame)
            .or_else(|| self.requests().first().map(|r| r.frame))
            .or(self.frames.syn)
            .unwrap_or(self.frames.first)
    }

    /// The CONNECT request of a proxied flow, if any.
    pub fn connect(&self) -> Option<&HttpRequestSummary> {
        self.requests()
            .iter()
            .find(|r| r.method.eq_ignore_ascii_case("CONNECT"))
    }

    /// The proxy's answer to the CONNECT (the first response after it).
    pub fn connect_response(&self) -> Option<&HttpResponseSummary> {
        let c = self.connect()?;
        self.responses().iter().find(|r| r.frame >= c.frame)
    }

    /// A packet of it was dropped on the capturing host and the flow never achieved
    /// anything: the drop is where it died (`dropped-on-host`, which the other blocked rules
    /// leave the flow to).
    pub fn dropped_on_host(&self) -> bool {
        !self.host_drops().is_empty() && !self.succeeded()
    }

    /// The server side sent a RST (Zeek history `r`).
    pub fn server_reset(&self) -> bool {
        self.history.contains('r')
    }

    /// The client side sent a RST (Zeek history `R`).
    pub fn client_reset(&self) -> bool {
        self.history.contains('R')
    }

    /// The TLS handshake got an answer and no fatal alert followed.
    pub fn tls_ok(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| {
            t.server_hello_frame.is_some() && !t.alerts.iter().any(|a| a.level == 2)
        })
    }

    /// The flow achieved something: a TLS handshake, or an HTTP response that is not a
    /// proxy refusal.
    pub fn succeeded(&self) -> bool {
        if self.connect().is_some() {
            let ok = self
                .connect_response()
                .is_some_and(|r| (200..300).contains(&r.status));
            return ok && (self.tls.is_none() || self.tls_ok());
        }
        if self.tls.is_some() {
            return self.tls_ok();
        }
        self.responses().iter().any(|r| r.status < 400)
    }

    /// Estimated bytes this record holds (the struct and its heap parts), for the facts
    /// stage's record budget.
    ///
    /// Shared parts (certificate chains, JA4) are counted in every record that holds them,
    /// as when each record owned its copy: which flows the budget keeps does not depend on
    /// how many records share a chain.
    pub fn approx_bytes(&self) -> usize {
        let tls = self.tls.as_ref().map_or(0, |t| {
            std::mem::size_of::<TlsSummary>()
                + OWNED_VERSIONS_EXTRA
                + t.sni.as_ref().map_or(0, String::len)
                + t.ja4.as_deref().map_or(0, str::len)
                + t.client_versions.len() * 2
                + t.offered_suites.len() * 2
                + t.alerts.len() * std::mem::size_of::<Alert>()
                + t.certificates
                    .iter()
                    .map(|c| {
                        std::mem::size_of::<CertSummary>()
                            + c.subject.len()
                            + c.issuer.len()
                            + c.subject_cn.as_ref().map_or(0, String::len)
                            + c.issuer_cn.as_ref().map_or(0, String::len)
                            + c.san_dns.iter().map(|n| n.len() + 24).sum::<usize>()
                    })
                    .sum::<usize>()
        });
        let http = self
            .requests()
            .iter()
            .map(|r| {
                std::mem::size_of::<HttpRequestSummary>()
                    + r.method.len()
                    + r.target.len()
                    + r.host.as_ref().map_or(0, String::len)
            })
            .sum::<usize>()
            + self
                .responses()
                .iter()
                .map(|r| std::mem::size_of::<HttpResponseSummary>() + r.reason.len())
                .sum::<usize>();
        std::mem::size_of::<AuditFlow>()
            + OWNED_VERSIONS_EXTRA
            + self.history.len()
            + self
                .rare
                .as_ref()
                .map_or(0, |_| std::mem::size_of::<RareParts>())
            + std::mem::size_of_val(self.icmp())
            + self.host_components().len() * 4
            + std::mem::size_of_val(self.host_drops())
            + tls
            + http
    }

    /// Builds the summary of a finished flow, strings cut at their bounds (each cut
    /// counted in `truncated`), sharing certificate chains and JA4 strings with the records
    /// `interner` has seen.
    pub fn from_flow_shared(f: &Flow, truncated: &mut u64, interner: &mut Interner) -> AuditFlow {
        let ch = f.app.tls.as_ref().and_then(|t| t.client_hello.as_ref());
        let owned = Owned {
            sni: ch.and_then(|c| c.sni.clone()),
            suites: ch.map(|c| {
                // Sized once (GREASE is one or two of them), not grown.
                let mut v = Vec::with_capacity(c.cipher_suites.len());
                v.extend(
                    c.cipher_suites
                        .iter()
                        .copied()
                        .filter(|s| !crate::tls::is_grease(*s)),
                );
                v
            }),
            history: f.tcp.as_ref().map(|t| t.history.clone()),
        };
        AuditFlow::build(f, owned, truncated, interner)
    }

    /// [`AuditFlow::from_flow_shared`] of a flow the caller is done with: the SNI, the
    /// offered suites and the TCP history move into the record instead of being copied
    /// (three allocations per TLS flow), and are left empty in `f`. Borrowed, not taken by
    /// value: a flow record is over a kilobyte, and moving it cost as much as the copies.
    pub fn from_flow_taking(
        f: &mut Flow,
        truncated: &mut u64,
        interner: &mut Interner,
    ) -> AuditFlow {
        let history = f.tcp.as_mut().map(|t| std::mem::take(&mut t.history));
        let (sni, suites) = match f.app.tls.as_mut().and_then(|t| t.client_hello.as_mut()) {
            Some(c) => {
                let mut suites = std::mem::take(&mut c.cipher_suites);
                suites.retain(|s| !crate::tls::is_grease(*s));
                (c.sni.take(), Some(suites))
            }
            None => (None, None),
        };
        let owned = Owned {
            sni,
            suites,
            history,
        };
        AuditFlow::build(f, owned, truncated, interner)
    }

    /// The record of `f`, with the parts in `owned` (taken out of `f` or copied from it).
    fn build(f: &Flow, owned: Owned, truncated: &mut u64, interner: &mut Interner) -> AuditFlow {
        let Owned {
            sni,
            suites,
            history,
        } = owned;
        let t_ = truncated;
        let tls = f.app.tls.as_ref().map(|t| {
            let ch = t.client_hello.as_ref();
            let sh = t.server_hello.as_ref();
            TlsSummary {
                client_hello_frame: ch.map(|c| c.frame),
                sni: sni.map(|s| cap_owned(s, MAX_NAME, t_)),
                client_max_version: ch.map(|c| {
                    c.supported_versions
                        .iter()
                        .copied()
                        .filter(|v| !v.is_grease())
                        .max()
                        .unwrap_or(c.legacy_version)
                }),
                client_versions: match ch {
                    None => interner.versions(&[]),
                    Some(c) if c.supported_versions.is_empty() => {
                        interner.versions(&[c.legacy_version])
                    }
                    Some(c) => interner.versions(&c.supported_versions),
                },
                offered_suites: suites.unwrap_or_default(),
                ja4: ch
                    .filter(|c| !c.ja4.is_empty())
                    .map(|c| interner.ja4(&c.ja4)),
                server_hello_frame: sh.map(|s| s.frame),
                negotiated_version: sh.map(|s| s.negotiated_version),
                cipher_suite: sh.map(|s| s.cipher_suite),
                hello_retry: t.hello_retry_request.is_some(),
                alerts: t.alerts.clone(),
                first_alert_frame: t.first_alert_frame,
                certificates: interner.chain(&t.certificates, t_),
                certificate_frame: t.certificate_frame,
                server_application_data: t.server_application_data,
                client_application_data: t.client_application_data,
            }
        });
        let (requests, responses) = match &f.app.http {
            Some(h) => (
                h.requests
                    .iter()
                    .map(|r| HttpRequestSummary {
                        method: cap(&r.method, MAX_NAME, t_),
                        target: cap(&r.target, MAX_TARGET, t_),
                        host: cap_opt(&r.host, MAX_NAME, t_),
                        proxy_authorization: r.proxy_authorization,
                        frame: r.frame,
                    })
                    .collect(),
                h.responses
                    .iter()
                    .map(|r| HttpResponseSummary {
                        status: r.status,
                        reason: cap(&r.reason, MAX_REASON, t_),
                        frame: r.frame,
                    })
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        AuditFlow {
            transport: f.transport,
            client: f.client,
            server: f.server,
            client_guessed: f.client_guessed,
            first_ts_ns: f.first_ts_ns,
            last_ts_ns: f.last_ts_ns,
            frames: f.frames.clone(),
            conn_state: f.tcp.as_ref().map(|t| t.conn_state),
            history: history.unwrap_or_default(),
            syn_retransmissions: f.tcp.as_ref().map_or(0, |t| t.syn_retransmissions),
            client_bytes: f.client_counters.payload_bytes,
            server_bytes: f.server_counters.payload_bytes,
            server_packets: f.server_counters.packets,
            protocol: f.app.protocol,
            tls,
            rare: RareParts {
                icmp: f.icmp.clone(),
                host_components: f
                    .host
                    .as_ref()
                    .map(|h| h.components.clone())
                    .unwrap_or_default(),
                host_drops: f.host.as_ref().map(|h| h.drops.clone()).unwrap_or_default(),
                requests,
                responses,
            }
            .boxed(),
        }
    }
}

/// Certificate chains and JA4 strings already summarised in this capture, so records of
/// the same server chain or TLS stack share one copy: the kept records were about 2 KB each,
/// most of it the chain's names. Bounded: cleared when [`Interner::ENTRIES`] is reached.
#[derive(Debug, Default)]
pub struct Interner {
    /// Chains by the hash of their certificates' addresses ([`chain_hash`]); a bucket lists
    /// the chains of one hash (almost always one), so a lookup builds no key.
    chains: FxHashMap<u64, Vec<ChainEntry>>,
    chain_entries: usize,
    /// The empty chain (a TLS 1.3 handshake shows none), shared like the others: an
    /// `Arc<[_]>` is an allocation even when empty.
    no_chain: Option<Arc<[CertSummary]>>,
    ja4: FxHashMap<Arc<str>, ()>,
    /// Offered version lists, GREASE left out, by the list as sent (GREASE included).
    versions: FxHashMap<Vec<TlsVersion>, Arc<[TlsVersion]>>,
}

/// A chain as the certificate cache handed it out, with its summary and the cuts made in
/// it. Compared by identity: the cache gives one `Arc` per distinct DER, and the entry holds
/// the `Arc`s, so an address is never reused for another certificate while the entry lives.
#[derive(Debug)]
struct ChainEntry {
    certs: Vec<Arc<CertificateInfo>>,
    summary: Arc<[CertSummary]>,
    cuts: u64,
}

/// The hash of a chain by its certificates' addresses.
fn chain_hash(certs: &[Arc<CertificateInfo>]) -> u64 {
    use std::hash::Hasher as _;
    let mut h = rustc_hash::FxHasher::default();
    for c in certs {
        std::ptr::hash(Arc::as_ptr(c), &mut h);
    }
    h.finish()
}

/// The same certificates, by identity.
fn same_chain(a: &[Arc<CertificateInfo>], b: &[Arc<CertificateInfo>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| Arc::ptr_eq(a, b))
}

impl Interner {
    /// Entries of each table before it is cleared (a capture has a few distinct chains and
    /// stacks; a hostile one with many only loses the sharing, never correctness).
    pub const ENTRIES: usize = 512;

    /// The summary of the first [`MAX_CERTS`] certificates of `certs`, strings cut at their
    /// bounds; each cut is counted in `truncated`, for every flow, as when built per flow.
    fn chain(&mut self, certs: &[Arc<CertificateInfo>], truncated: &mut u64) -> Arc<[CertSummary]> {
        let certs = &certs[..certs.len().min(MAX_CERTS)];
        if certs.is_empty() {
            return Arc::clone(self.no_chain.get_or_insert_with(|| Arc::from([])));
        }
        let hash = chain_hash(certs);
        if let Some(e) = self
            .chains
            .get(&hash)
            .and_then(|b| b.iter().find(|e| same_chain(&e.certs, certs)))
        {
            *truncated += e.cuts;
            return Arc::clone(&e.summary);
        }
        let mut cuts = 0;
        let chain: Arc<[CertSummary]> = certs.iter().map(|c| summarise(c, &mut cuts)).collect();
        *truncated += cuts;
        if self.chain_entries >= Self::ENTRIES {
            self.chains.clear();
            self.chain_entries = 0;
        }
        self.chain_entries += 1;
        self.chains.entry(hash).or_default().push(ChainEntry {
            certs: certs.to_vec(),
            summary: Arc::clone(&chain),
            cuts,
        });
        chain
    }

    /// `offered` without its GREASE values, shared.
    fn versions(&mut self, offered: &[TlsVersion]) -> Arc<[TlsVersion]> {
        if let Some(v) = self.versions.get(offered) {
            return Arc::clone(v);
        }
        let v: Arc<[TlsVersion]> = offered.iter().copied().filter(|v| !v.is_grease()).collect();
        if self.versions.len() >= Self::ENTRIES {
            self.versions.clear();
        }
        self.versions.insert(offered.to_vec(), Arc::clone(&v));
        v
    }

    fn ja4(&mut self, ja4: &str) -> Arc<str> {
        if let Some((k, ())) = self.ja4.get_key_value(ja4) {
            return Arc::clone(k);
        }
        let k: Arc<str> = Arc::from(ja4);
        if self.ja4.len() >= Self::ENTRIES {
            self.ja4.clear();
        }
        self.ja4.insert(Arc::clone(&k), ());
        k
    }
}

/// One certificate's facts for the rules, strings cut at their bounds.
fn summarise(c: &CertificateInfo, t_: &mut u64) -> CertSummary {
    CertSummary {
        subject: cap(&c.subject, MAX_DN, t_),
        issuer: cap(&c.issuer, MAX_DN, t_),
        subject_cn: cap_opt(&c.subject_cn, MAX_DN, t_),
        issuer_cn: cap_opt(&c.issuer_cn, MAX_DN, t_),
        san_dns: {
            if c.san_dns.len() > MAX_SANS {
                *t_ += 1;
            }
            c.san_dns
                .iter()
                .take(MAX_SANS)
                .map(|n| cap(n, MAX_NAME, t_))
                .collect()
        },
        self_signed: c.self_signed,
    }
}

/// Writes a shared chain as a plain list, as when each record owned its copy.
fn shared_certs<S: serde::Serializer>(certs: &Arc<[CertSummary]>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(certs.iter())
}

/// Writes a shared list as a plain one, as when each record owned its copy.
fn shared_list<S: serde::Serializer, T: Serialize>(v: &Arc<[T]>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter())
}

fn shared_str<S: serde::Serializer>(v: &Option<Arc<str>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_some(&**v),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record budget estimates a record from these sizes (`approx_bytes`): a change
    /// here changes which flows a tight budget keeps, so it should be deliberate. The
    /// estimate counts shared lists as owned ones (`OWNED_VERSIONS_EXTRA`).
    #[test]
    fn record_sizes_as_the_budget_counts_them() {
        assert_eq!(
            std::mem::size_of::<TlsSummary>() + OWNED_VERSIONS_EXTRA,
            TLS_SUMMARY_BUDGETED
        );
        assert_eq!(
            std::mem::size_of::<AuditFlow>() + OWNED_VERSIONS_EXTRA,
            AUDIT_FLOW_BUDGETED
        );
    }

    /// The rarely present parts are one box, counted (with its size) only when present.
    #[test]
    fn record_sizes_inline() {
        assert_eq!(std::mem::size_of::<AuditFlow>(), 424);
        assert_eq!(std::mem::size_of::<RareParts>(), 120);
    }

    const TLS_SUMMARY_BUDGETED: usize = 208;
    const AUDIT_FLOW_BUDGETED: usize = 432;
}
