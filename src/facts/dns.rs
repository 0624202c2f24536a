//! Compact DNS messages of a capture, and the pairing of each query with its response, so
//! rules ask "was this query answered" of a field instead of matching messages themselves.
//!
//! Bounded: a message keeps at most [`MAX_RECORDS_KEPT`] answer records naming at most
//! [`MAX_NAMES_KEPT`] distinct names (owners and CNAME targets). A real answer is a CNAME
//! chain of a few names and a few addresses; a hostile one (hundreds of records, each with
//! its own 250-byte owner) would otherwise cost 64 KB per message. What is left out is
//! counted in [`DnsAnswer::records_dropped`].

use rustc_hash::FxHashSet;
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};

use crate::dns::{Rcode, RecordData};
use crate::pipeline::Flow;

/// The record data the audit keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum DnsRecordData {
    A(IpAddr),
    Cname(String),
}

/// One DNS message, compacted.
#[derive(Debug, Clone, Serialize)]
pub struct DnsAnswer {
    pub frame: u64,
    pub ts_ns: i64,
    /// The resolver (the server of the DNS flow) and the asking host.
    pub resolver: SocketAddr,
    pub client: SocketAddr,
    pub id: u16,
    pub is_response: bool,
    pub rcode: Rcode,
    pub qname: Option<String>,
    pub qtype: u16,
    /// Answer-section records: owner name and A/AAAA/CNAME data.
    pub answers: Vec<(String, DnsRecordData)>,
    /// Answer records of the message left out of `answers` (past [`MAX_RECORDS_KEPT`], or
    /// naming a name past [`MAX_NAMES_KEPT`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub records_dropped: u32,
    /// For a query: some response of the capture has the same client, resolver, id, query
    /// type and name (see [`pair_queries`]). Always false for a response.
    pub answered: bool,
}

/// Most answer records kept per message.
pub const MAX_RECORDS_KEPT: usize = 32;
/// Most distinct names (the question, owners, CNAME targets; compared ignoring case) kept
/// per message.
pub const MAX_NAMES_KEPT: usize = 16;

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The answer section compacted within [`MAX_RECORDS_KEPT`] and [`MAX_NAMES_KEPT`], and
/// how many records were left out.
/// The question counts as one of the names: the chain an answer resolves (question first)
/// then has at most [`MAX_NAMES_KEPT`] names.
fn compact_answers(
    question: Option<&str>,
    records: &[crate::dns::ResourceRecord],
) -> (Vec<(String, DnsRecordData)>, u32) {
    let mut kept: Vec<(String, DnsRecordData)> = Vec::new();
    // Distinct names so far, compared ignoring ASCII case: at most MAX_NAMES_KEPT (and the
    // two a record may add), so a scan is cheap. They borrow from the message and live on
    // the stack: no lower-case copy per name and record.
    let mut names = [""; MAX_NAMES_KEPT + 2];
    let mut len = 0;
    if let Some(q) = question {
        names[0] = q;
        len = 1;
    }
    let mut dropped = 0u32;
    for rr in records {
        let target = match &rr.data {
            RecordData::A(_) | RecordData::Aaaa(_) => None,
            RecordData::Cname(c) => Some(c.as_str()),
            RecordData::Other { .. } => continue,
        };
        // The names this record would add (its owner, then a CNAME's target).
        let before = len;
        for n in std::iter::once(rr.name.as_str()).chain(target) {
            if !names[..len].iter().any(|k| k.eq_ignore_ascii_case(n)) {
                names[len] = n;
                len += 1;
            }
        }
        if kept.len() >= MAX_RECORDS_KEPT || len > MAX_NAMES_KEPT {
            len = before;
            dropped = dropped.saturating_add(1);
            continue;
        }
        let d = match (&rr.data, target) {
            (RecordData::A(a), _) => DnsRecordData::A(IpAddr::V4(*a)),
            (RecordData::Aaaa(a), _) => DnsRecordData::A(IpAddr::V6(*a)),
            (_, Some(t)) => DnsRecordData::Cname(t.to_string()),
            (_, None) => continue,
        };
        if kept.is_empty() {
            // One allocation for every record that can be kept, instead of growing.
            let usable = records
                .iter()
                .filter(|r| !matches!(r.data, RecordData::Other { .. }))
                .count();
            kept.reserve_exact(usable.min(MAX_RECORDS_KEPT));
        }
        kept.push((rr.name.clone(), d));
    }
    (kept, dropped)
}

impl DnsAnswer {
    /// Bytes the message takes in memory, about: the struct and its strings (what the
    /// spool's memory budget counts).
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<DnsAnswer>()
            + self.qname.as_ref().map_or(0, String::len)
            + self
                .answers
                .iter()
                .map(|(owner, d)| {
                    std::mem::size_of::<(String, DnsRecordData)>()
                        + owner.len()
                        + match d {
                            DnsRecordData::A(_) => 0,
                            DnsRecordData::Cname(t) => t.len(),
                        }
                })
                .sum::<usize>()
    }

    /// Every DNS message of a finished flow (not yet paired with each other: see [`pair_queries`]),
    /// as an iterator, for a caller that appends them to its own list (no vector per flow).
    pub(crate) fn of_flow(f: &Flow) -> impl ExactSizeIterator<Item = DnsAnswer> + '_ {
        f.app.dns.iter().map(|e| {
            let m = &e.message;
            let q = m.questions.first();
            let (answers, records_dropped) =
                compact_answers(q.map(|q| q.name.as_str()), &m.answers);
            DnsAnswer {
                frame: e.frame,
                ts_ns: e.ts_ns,
                resolver: f.server,
                client: f.client,
                id: m.id,
                is_response: m.is_response,
                rcode: m.rcode,
                qname: q.map(|q| q.name.clone()),
                qtype: q.map_or(0, |q| q.qtype),
                answers,
                records_dropped,
                answered: false,
            }
        })
    }
}

/// A question name as pairing compares it: ASCII case ignored, one trailing dot dropped.
/// Borrowed from the message, so pairing a capture's messages allocates no key strings.
#[derive(Debug, Clone, Copy)]
struct NameKey<'a>(&'a str);

impl<'a> NameKey<'a> {
    fn new(name: &'a str) -> Self {
        NameKey(name.strip_suffix('.').unwrap_or(name))
    }
}

impl PartialEq for NameKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for NameKey<'_> {}

impl std::hash::Hash for NameKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        // Consistent with `eq`: names equal ignoring ASCII case hash the same bytes.
        for b in self.0.bytes() {
            h.write_u8(b.to_ascii_lowercase());
        }
        h.write_usize(self.0.len());
    }
}

/// What ties a query to its response: the two ends, the transaction id, the question.
type PairKey<'a> = (SocketAddr, SocketAddr, u16, u16, NameKey<'a>);

fn pair_key(m: &DnsAnswer) -> Option<PairKey<'_>> {
    let name = m.qname.as_deref()?;
    Some((m.client, m.resolver, m.id, m.qtype, NameKey::new(name)))
}

/// Messages of one flow paired by comparing each query with each response.
const SMALL_FLOW: usize = 8;

/// Marks every query in `dns` that some response in `dns` answers. The facts stage pairs
/// the messages of one flow (a query and its response have the same two ends, so the same
/// flow), so no list of the capture's messages is needed. A response anywhere in the flow
/// counts (not only a later one): captures taken on a busy host reorder frames, and a query
/// id is reused rarely enough for the two ends and the question. One pass over the
/// responses, so pairing is a lookup per query, not a scan (a TCP connection to a resolver
/// can carry thousands of messages).
pub fn pair_queries(dns: &mut [DnsAnswer]) {
    // A flow of a few messages (a query and its answer, for each address type) is paired
    // by comparing them, without a set.
    if dns.len() <= SMALL_FLOW {
        let mut answered = [false; SMALL_FLOW];
        for (m, slot) in dns.iter().zip(answered.iter_mut()) {
            *slot = !m.is_response
                && pair_key(m).is_some_and(|k| {
                    dns.iter()
                        .filter(|r| r.is_response)
                        .any(|r| pair_key(r) == Some(k))
                });
        }
        for (m, answered) in dns.iter_mut().zip(answered) {
            if !m.is_response {
                m.answered = answered;
            }
        }
        return;
    }
    let answered: Vec<bool> = {
        let responses: FxHashSet<PairKey<'_>> = dns
            .iter()
            .filter(|m| m.is_response)
            .filter_map(pair_key)
            .collect();
        dns.iter()
            .map(|m| !m.is_response && pair_key(m).is_some_and(|k| responses.contains(&k)))
            .collect()
    };
    for (m, answered) in dns.iter_mut().zip(answered) {
        if !m.is_response {
            m.answered = answered;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(frame: u64, response: bool, name: &str, qtype: u16, id: u16) -> DnsAnswer {
        DnsAnswer {
            frame,
            ts_ns: frame as i64,
            resolver: "10.1.0.53:53".parse().unwrap(),
            client: "10.1.0.4:5000".parse().unwrap(),
            id,
            is_response: response,
            rcode: Rcode::NoError,
            qname: Some(name.to_string()),
            qtype,
            answers: Vec::new(),
            records_dropped: 0,
            answered: false,
        }
    }

    /// Few messages are paired by comparison, many through a set: both give what comparing
    /// every query with every response gives, over random flows of 1 to 20 messages.
    #[test]
    fn small_and_large_flows_pair_alike() {
        let mut rng = crate::testing::XorShift(0x9e37_79b9_7f4a_7c15);
        let mut next = move || rng.next();
        let names = ["a.example", "A.example.", "b.example"];
        for _ in 0..2_000 {
            let n = 1 + (next() % 20) as usize;
            let mut dns: Vec<DnsAnswer> = (0..n)
                .map(|i| {
                    let r = next();
                    msg(
                        i as u64,
                        r % 2 == 0,
                        names[(r >> 8) as usize % names.len()],
                        [1, 28][(r >> 16) as usize % 2],
                        (r >> 24) as u16 % 3,
                    )
                })
                .collect();
            let want: Vec<bool> = dns
                .iter()
                .map(|q| {
                    !q.is_response
                        && dns.iter().any(|r| {
                            r.is_response && pair_key(r).is_some() && pair_key(r) == pair_key(q)
                        })
                })
                .collect();
            pair_queries(&mut dns);
            let got: Vec<bool> = dns.iter().map(|m| m.answered).collect();
            assert_eq!(got, want, "{n} messages");
        }
    }

    #[test]
    fn queries_pair_by_ends_id_type_and_name() {
        let mut dns = [
            msg(1, false, "gbl.his.arc.azure.com", 1, 7),
            // Same query answered under another spelling of the name.
            msg(2, true, "GBL.his.arc.azure.com.", 1, 7),
            // Another type: not the answer to an AAAA query.
            msg(3, false, "gbl.his.arc.azure.com", 28, 8),
            msg(4, true, "gbl.his.arc.azure.com", 1, 8),
            // Another id.
            msg(5, false, "pas.windows.net", 1, 9),
            msg(6, true, "pas.windows.net", 1, 10),
        ];
        pair_queries(&mut dns);
        let answered: Vec<bool> = dns.iter().map(|m| m.answered).collect();
        assert_eq!(answered, [true, false, false, false, false, false]);
    }

    #[test]
    fn a_message_keeps_a_bounded_answer_section_and_counts_the_rest() {
        use crate::dns::ResourceRecord;
        let rr = |name: String, data: RecordData| ResourceRecord {
            name,
            rtype: 1,
            class: 1,
            ttl: 60,
            data,
        };
        let q = "q.example";
        // 40 records with their own owners: the question and 15 owners make 16 names.
        let owned: Vec<ResourceRecord> = (0..40)
            .map(|i| {
                rr(
                    format!("o{i}.q.example"),
                    RecordData::A([10, 0, 0, i].into()),
                )
            })
            .collect();
        let (kept, dropped) = compact_answers(Some(q), &owned);
        assert_eq!((kept.len(), dropped), (MAX_NAMES_KEPT - 1, 40 - 15));
        // 40 records of one owner: MAX_RECORDS_KEPT of them.
        let same: Vec<ResourceRecord> = (0..40)
            .map(|i| rr(q.to_string(), RecordData::A([10, 0, 0, i].into())))
            .collect();
        let (kept, dropped) = compact_answers(Some(q), &same);
        assert_eq!((kept.len(), dropped), (MAX_RECORDS_KEPT, 40 - 32));
    }

    #[test]
    fn a_query_without_a_question_is_never_answered() {
        let mut q = msg(1, false, "x", 1, 1);
        q.qname = None;
        let mut r = msg(2, true, "x", 1, 1);
        r.qname = None;
        let mut dns = [q, r];
        pair_queries(&mut dns);
        assert!(!dns[0].answered);
    }
}
