//! `dns-failure` (blocked): DNS did not give the machine an address for an Arc name.
//!
//! What: looking across every DNS message of the capture, for each question that names a
//! catalog entry:
//! - an error answer (NXDOMAIN, SERVFAIL, REFUSED or any other non-zero RCODE): one finding
//!   per name and RCODE, listing the answer frames;
//! - otherwise, when no A/AAAA query of the name ever got an address: answers that were
//!   NOERROR but empty, or queries that got no response at all (asked at least
//!   [`UNANSWERED_GRACE_NS`] before the capture ends). An empty AAAA answer next to an A
//!   answer with addresses is normal for an IPv4-only name and is not reported.
//!
//! Why: the agent can only connect to what it can resolve. NXDOMAIN for an Arc name means a
//! DNS server (often a conditional forwarder or a private DNS zone for Private Link) claims
//! the name does not exist; SERVFAIL and REFUSED mean the resolver could not or would not
//! answer, typically because it cannot forward to the internet; silence means DNS itself is
//! blocked.
//!
//! Example: A and AAAA queries for `gbl.his.arc.azure.com` to `10.1.0.53:53`, both answered
//! NXDOMAIN in frames 2 and 4.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::classify::{
    CaptureView, Cx, DnsAnswer, DnsFold, DnsRecordData, Family, Finding, Rule, RuleMeta,
    Severity,
};
use crate::dns::{Rcode, type_name};
use crate::model::{Catalog, Profile};

pub struct DnsFailure;

static META: RuleMeta = RuleMeta {
    id: "dns-failure",
    family: Family::Blocked,
    severity: Severity::Medium,
    summary: "DNS lookup of an Arc endpoint failed (NXDOMAIN, SERVFAIL, REFUSED, no address, no answer)",
    why: "The agent cannot connect to a name it cannot resolve; a resolver that fails or denies Arc names (missing forwarder, wrong private DNS zone, blocked DNS) breaks the endpoint before any connection is attempted.",
    check: "The machine's DNS servers and their forwarders for the name (nslookup NAME on the machine); for Private Link, the privatelink zones and their records; that outbound DNS is allowed.",
    requirement: "Arc network requirements (2026-04-01): the host names of the Azure Arc-enabled servers table must be reachable, which needs them resolved",
    example: "A and AAAA queries for `gbl.his.arc.azure.com` to `10.1.0.53:53`, both answered NXDOMAIN in frames 2 and 4.",
};

/// Most frames listed per finding: enough to point at the pattern, bounded for a capture
/// with thousands of retries.
const MAX_FRAMES: usize = 16;

/// A query asked this close to the end of the capture may simply have its answer cut off.
const UNANSWERED_GRACE_NS: i64 = 2_000_000_000;

const QTYPE_A: u16 = 1;
const QTYPE_AAAA: u16 = 28;

/// What the capture shows for one Arc name.
#[derive(Default)]
struct NameState {
    /// The name as first seen (case kept).
    shown: String,
    /// Error answers by RCODE: the rcode, frames, query types, resolvers.
    errors: BTreeMap<u16, ErrorAnswers>,
    /// Some answer to this name carried an address.
    address: bool,
    /// NOERROR answers to A/AAAA queries without any address.
    empty: Vec<u64>,
    empty_count: usize,
    /// A/AAAA queries with no response, asked early enough to have had one.
    unanswered: Vec<u64>,
    unanswered_count: usize,
    resolvers: Vec<SocketAddr>,
}

struct ErrorAnswers {
    rcode: Rcode,
    frames: Vec<u64>,
    count: usize,
    qtypes: Vec<u16>,
}

fn push_capped<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if v.len() < MAX_FRAMES && !v.contains(&x) {
        v.push(x);
    }
}

/// Lower case, one trailing dot dropped: the key names are compared by (borrowed when the
/// name is already lower case, as most are: this runs on every DNS message).
fn key_of(name: &str) -> Cow<'_, str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// The per-name states of every Arc name asked or answered, gathered one DNS message at a
/// time in the audit's pass over them (see `Rule::dns_fold`). `end_ns` is the capture's
/// end as its records show it: a query asked too close to it is not called unanswered.
struct Names<'c> {
    catalog: &'c Catalog,
    end_ns: i64,
    /// Each name's state by the name's number (one hash lookup per message; `None`: not an
    /// Arc name); ordered by name once at the end.
    index: rustc_hash::FxHashMap<String, Option<usize>>,
    states: Vec<(String, NameState)>,
}

impl Names<'_> {
    fn add(&mut self, m: &DnsAnswer) {
        let Some(q) = m.qname.as_deref() else {
            return;
        };
        let key = key_of(q);
        let i = match self.index.get(key.as_ref()) {
            Some(&i) => i,
            None => {
                let i = (!self.catalog.match_host(q).is_empty()).then(|| {
                    self.states.push((
                        key.to_string(),
                        NameState {
                            shown: q.strip_suffix('.').unwrap_or(q).to_string(),
                            ..NameState::default()
                        },
                    ));
                    self.states.len() - 1
                });
                self.index.insert(key.into_owned(), i);
                i
            }
        };
        let Some((_, st)) = i.and_then(|i| self.states.get_mut(i)) else {
            return;
        };
        let addr_query = m.qtype == QTYPE_A || m.qtype == QTYPE_AAAA;
        if m.is_response {
            push_capped(&mut st.resolvers, m.resolver);
            if m.rcode != Rcode::NoError {
                let e = st.errors.entry(m.rcode.code()).or_insert(ErrorAnswers {
                    rcode: m.rcode,
                    frames: Vec::new(),
                    count: 0,
                    qtypes: Vec::new(),
                });
                e.count += 1;
                push_capped(&mut e.frames, m.frame);
                push_capped(&mut e.qtypes, m.qtype);
            } else if m
                .answers
                .iter()
                .any(|(_, d)| matches!(d, DnsRecordData::A(_)))
            {
                st.address = true;
            } else if addr_query {
                st.empty_count += 1;
                push_capped(&mut st.empty, m.frame);
            }
        } else if addr_query
            && self.end_ns.saturating_sub(m.ts_ns) >= UNANSWERED_GRACE_NS
            // Paired with its response by the facts stage.
            && !m.answered
        {
            st.unanswered_count += 1;
            push_capped(&mut st.unanswered, m.frame);
            push_capped(&mut st.resolvers, m.resolver);
        }
    }

    fn finish(self) -> BTreeMap<String, NameState> {
        self.states.into_iter().collect()
    }
}

/// The per-name states of the messages `dns`, as the audit's pass gathers them.
#[cfg(test)]
fn collect(dns: &[DnsAnswer], catalog: &Catalog, end_ns: i64) -> BTreeMap<String, NameState> {
    let mut names = Names {
        catalog,
        end_ns,
        index: Default::default(),
        states: Vec::new(),
    };
    for m in dns {
        names.add(m);
    }
    names.finish()
}

fn list<T: std::fmt::Display>(v: &[T], total: usize) -> String {
    let mut s = v
        .iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if total > v.len() {
        s.push_str(&format!(" (and {} more)", total - v.len()));
    }
    s
}

/// The entry to name in the finding: the context's cloud, standard profile first.
fn endpoint_id(catalog: &Catalog, name: &str, cx: &Cx<'_>) -> Option<String> {
    let m = catalog.match_host(name);
    m.iter()
        .min_by_key(|h| {
            (
                u8::from(h.entry.cloud != cx.context.cloud),
                u8::from(h.entry.profile != Profile::Standard),
            )
        })
        .map(|h| h.entry.id.clone())
}

impl Rule for DnsFailure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn dns_fold<'c>(&self, catalog: &'c Catalog, end_ns: i64) -> Option<Box<dyn DnsFold + 'c>> {
        Some(Box::new(Names {
            catalog,
            end_ns,
            index: Default::default(),
            states: Vec::new(),
        }))
    }
}

impl DnsFold for Names<'_> {
    fn message(&mut self, m: &DnsAnswer) {
        self.add(m);
    }

    fn finish(self: Box<Self>, _c: &CaptureView<'_>, cx: &Cx<'_>, out: &mut Vec<Finding>) {
        for st in (*self).finish().into_values() {
            let endpoint = endpoint_id(cx.catalog, &st.shown, cx);
            let resolvers = list(&st.resolvers, st.resolvers.len());
            let mut found = Vec::new();
            for e in st.errors.values() {
                let qtypes: Vec<String> = e.qtypes.iter().map(|&t| type_name(t)).collect();
                let mut evidence = format!(
                    "{} (rcode {}) for {} ({}) from {resolvers} in frame(s) {}",
                    e.rcode.name(),
                    e.rcode.code(),
                    st.shown,
                    qtypes.join(", "),
                    list(&e.frames, e.count)
                );
                let explanation = match e.rcode {
                    Rcode::NXDomain => {
                        "The resolver says the name does not exist: a DNS server on the way (forwarder, private zone) answers for it wrongly."
                    }
                    Rcode::ServFail => {
                        "The resolver failed to resolve the name: it cannot reach the servers it forwards to."
                    }
                    Rcode::Refused => {
                        "The resolver refused to answer for the name: it has no forwarder for it or denies recursion to this machine."
                    }
                    _ => "The resolver answered the query with an error.",
                };
                let mut f = Finding::new(&META, cx.file, String::new(), explanation.to_string());
                if st.address {
                    // Another query of the same name got an address: the agent can still
                    // connect, the error is worth knowing but not what blocks it.
                    evidence.push_str("; other queries for the name got an address");
                    f = f.severity(Severity::Low);
                }
                f.evidence = evidence;
                f.frames = e.frames.clone();
                found.push(f);
            }
            if st.errors.is_empty()
                && !st.address
                && (!st.empty.is_empty() || !st.unanswered.is_empty())
            {
                let mut parts = Vec::new();
                if !st.empty.is_empty() {
                    parts.push(format!(
                        "NOERROR without any A/AAAA record in frame(s) {}",
                        list(&st.empty, st.empty_count)
                    ));
                }
                if !st.unanswered.is_empty() {
                    parts.push(format!(
                        "no response to the A/AAAA query in frame(s) {}",
                        list(&st.unanswered, st.unanswered_count)
                    ));
                }
                let mut f = Finding::new(
                    &META,
                    cx.file,
                    format!(
                        "no address for {} from {resolvers}: {}",
                        st.shown,
                        parts.join("; ")
                    ),
                    if st.empty.is_empty() {
                        "DNS queries for the name went unanswered: DNS is blocked or the resolver is down."
                    } else {
                        "The resolver answers for the name but gives no address for it."
                    }
                    .to_string(),
                );
                let mut frames: Vec<u64> = st.empty.iter().chain(&st.unanswered).copied().collect();
                frames.sort_unstable();
                f.frames = frames;
                found.push(f);
            }
            for mut f in found {
                f.host = Some(st.shown.clone());
                f.endpoint = endpoint.clone();
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    fn msg(
        frame: u64,
        response: bool,
        rcode: Rcode,
        name: &str,
        qtype: u16,
        addr: bool,
    ) -> DnsAnswer {
        DnsAnswer {
            frame,
            ts_ns: frame as i64 * 1_000_000_000,
            resolver: "10.1.0.53:53".parse().unwrap(),
            client: "10.1.0.4:5000".parse().unwrap(),
            id: 7 + qtype,
            is_response: response,
            rcode,
            qname: Some(name.to_string()),
            qtype,
            answers: if addr {
                vec![(
                    name.to_string(),
                    DnsRecordData::A(IpAddr::V4(Ipv4Addr::new(20, 50, 1, 197))),
                )]
            } else {
                Vec::new()
            },
            records_dropped: 0,
            answered: false,
        }
    }

    #[test]
    fn empty_aaaa_next_to_a_answer_is_fine() {
        let n = "westeurope.his.arc.azure.com";
        let mut dns = [
            msg(1, false, Rcode::NoError, n, 1, false),
            msg(2, true, Rcode::NoError, n, 1, true),
            msg(3, false, Rcode::NoError, n, 28, false),
            msg(4, true, Rcode::NoError, n, 28, false),
        ];
        crate::facts::pair_queries(&mut dns);
        let st = collect(&dns, Catalog::builtin(), 100_000_000_000);
        let s = &st[n];
        assert!(s.address && s.errors.is_empty() && s.unanswered.is_empty());
        assert_eq!(s.empty, vec![4]);
    }

    #[test]
    fn errors_grouped_by_rcode_and_names_outside_the_catalog_ignored() {
        let dns = [
            msg(2, true, Rcode::NXDomain, "gbl.his.arc.azure.com.", 1, false),
            msg(4, true, Rcode::NXDomain, "GBL.his.arc.azure.com", 28, false),
            msg(6, true, Rcode::ServFail, "example.org", 1, false),
        ];
        let st = collect(&dns, Catalog::builtin(), 0);
        assert_eq!(st.len(), 1);
        let e = &st["gbl.his.arc.azure.com"].errors[&3];
        assert_eq!(
            (e.count, e.frames.clone(), e.qtypes.clone()),
            (2, vec![2, 4], vec![1, 28])
        );
    }

    #[test]
    fn unanswered_only_when_the_capture_went_on() {
        let n = "pas.windows.net";
        let dns = [msg(1, false, Rcode::NoError, n, 1, false)];
        // Capture ends 0.5 s after the query: no verdict.
        assert!(
            collect(&dns, Catalog::builtin(), 1_500_000_000)[n]
                .unanswered
                .is_empty()
        );
        assert_eq!(
            collect(&dns, Catalog::builtin(), 5_000_000_000)[n].unanswered,
            vec![1]
        );
    }

    #[test]
    fn frame_lists_are_capped() {
        let n = "pas.windows.net";
        let dns: Vec<DnsAnswer> = (0..100)
            .map(|i| msg(i, true, Rcode::Refused, n, 1, false))
            .collect();
        let st = collect(&dns, Catalog::builtin(), 0);
        let e = &st[n].errors[&5];
        assert_eq!((e.frames.len(), e.count), (MAX_FRAMES, 100));
        assert!(list(&e.frames, e.count).ends_with("(and 84 more)"));
    }
}
