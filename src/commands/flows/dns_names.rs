//! Names of server addresses from the DNS answers of one capture, for the `flows` table's
//! flows whose own payload names nothing (a SYN that got no answer carries no SNI). Reads
//! DNS records only; the audit's attribution (classify) names flows for its verdicts its
//! own way and is not used here.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::dns::{Rcode, RecordData};
use crate::pipeline::Flow;

/// At most this many (address, name) answers are kept per capture: a DNS server's capture
/// can hold millions of answers, and a name for a table is not worth unbounded memory.
const MAX_ANSWERS: usize = 1 << 16;

/// The names DNS gave each address in one capture, with when it said so.
#[derive(Debug, Default)]
pub(super) struct DnsNames {
    by_address: HashMap<IpAddr, Vec<(i64, String)>>,
    answers: usize,
}

impl DnsNames {
    /// Learns the A and AAAA answers of the flow's DNS responses, under the name the
    /// client asked for (the first question, before any CNAME), as the client would have
    /// used them.
    pub(super) fn learn(&mut self, flow: &Flow) {
        for ev in &flow.app.dns {
            let m = &ev.message;
            if !m.is_response || m.rcode != Rcode::NoError {
                continue;
            }
            let Some(q) = m.questions.first() else {
                continue;
            };
            for rr in &m.answers {
                let addr = match rr.data {
                    RecordData::A(a) => IpAddr::V4(a),
                    RecordData::Aaaa(a) => IpAddr::V6(a),
                    _ => continue,
                };
                let seen = self.by_address.entry(addr).or_default();
                if seen.iter().any(|(t, n)| *t == ev.ts_ns && *n == q.name) {
                    continue;
                }
                if self.answers >= MAX_ANSWERS {
                    return;
                }
                seen.push((ev.ts_ns, q.name.clone()));
                self.answers += 1;
            }
        }
    }

    /// The name of the latest answer for `addr` given at or before `ts_ns` (a flow's first
    /// packet): the name the client had looked up when it connected.
    pub(super) fn name_of(&self, addr: IpAddr, ts_ns: i64) -> Option<String> {
        self.by_address
            .get(&addr)?
            .iter()
            .filter(|(t, _)| *t <= ts_ns)
            // Latest first; among answers of one instant, the first learned.
            .min_by_key(|(t, _)| std::cmp::Reverse(*t))
            .map(|(_, n)| n.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_one_answered_before_the_flow() {
        let mut d = DnsNames::default();
        let a: IpAddr = "13.69.109.180".parse().unwrap();
        d.by_address.insert(
            a,
            vec![(10, "first.example".into()), (20, "second.example".into())],
        );
        assert_eq!(d.name_of(a, 5), None);
        assert_eq!(d.name_of(a, 10).as_deref(), Some("first.example"));
        assert_eq!(d.name_of(a, 25).as_deref(), Some("second.example"));
        assert_eq!(d.name_of("10.0.0.1".parse().unwrap(), 25), None);
    }
}
