//! Bounded reassembly of the first bytes of one TCP direction. Segments arrive in capture
//! order; bytes leave in stream order, each byte once. Out-of-order segments wait (bounded),
//! retransmissions and overlaps are trimmed (the first copy wins, as most stacks do),
//! sequence numbers wrap, and a hole that is never filled ends the buffering with a gap.
//! Knows nothing of what the bytes mean.

use serde::Serialize;
use std::collections::BTreeMap;

/// SYN sequence numbers remembered per direction before the data picks one.
const MAX_ISNS: usize = 4;

/// Why a direction's reassembly stopped, or that it is still going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum StreamStatus {
    /// Still accepting bytes (or no payload seen at all).
    #[default]
    Active,
    /// The consumer had what it needed (handshake facts extracted).
    Complete,
    /// A hole at this stream offset was never filled: bytes after it were not delivered.
    Gap { at: u32 },
    /// The prefix limit was reached.
    Limit,
    /// The table's budget of buffered bytes (all flows together) was spent: this
    /// direction's buffers were released to stay inside it (counted in the table's stats).
    Budget,
}

/// One direction's reassembly state.
#[derive(Debug, Clone, Default)]
pub struct StreamReassembler {
    /// Sequence number of stream offset 0 (the byte after the SYN), fixed by the first data.
    base: Option<u32>,
    /// Initial sequence numbers of the SYNs seen before any data (most recent last, the
    /// first `n_isns`). Some middleboxes answer retransmitted SYNs with SYN-ACKs of
    /// different ISNs; the data decides which one was real. Inline, so a SYN-only flow
    /// allocates nothing here.
    isns: [u32; MAX_ISNS],
    n_isns: u8,
    /// Next stream offset to deliver.
    next: u32,
    /// Out-of-order data waiting for the hole before it, by stream offset.
    pending: BTreeMap<u32, Vec<u8>>,
    pending_bytes: usize,
    status: StreamStatus,
}

impl StreamReassembler {
    /// Sets stream offset 0 from a SYN's sequence number.
    pub fn syn(&mut self, isn: u32) {
        if self.base.is_some() || self.isns().contains(&isn) {
            return;
        }
        let n = usize::from(self.n_isns);
        if n == MAX_ISNS {
            self.isns.copy_within(1.., 0);
            self.isns[MAX_ISNS - 1] = isn;
        } else {
            self.isns[n] = isn;
            self.n_isns += 1;
        }
    }

    fn isns(&self) -> &[u32] {
        &self.isns[..usize::from(self.n_isns)]
    }

    /// Offset 0 for a stream whose first data segment starts at `seq`: the SYN whose ISN
    /// puts that data nearest after it, else (no SYN seen) the segment itself.
    fn choose_base(&self, seq: u32, limit: u32) -> u32 {
        self.isns()
            .iter()
            .map(|isn| isn.wrapping_add(1))
            .filter(|b| seq.wrapping_sub(*b) < limit)
            .min_by_key(|b| seq.wrapping_sub(*b))
            .or_else(|| self.isns().last().map(|isn| isn.wrapping_add(1)))
            .unwrap_or(seq)
    }

    pub fn status(&self) -> StreamStatus {
        self.status
    }

    /// Bytes delivered so far.
    pub fn delivered(&self) -> u32 {
        self.next
    }

    pub fn is_active(&self) -> bool {
        self.status == StreamStatus::Active
    }

    /// Stops buffering: the consumer needs nothing more.
    pub fn complete(&mut self) {
        if self.status == StreamStatus::Active {
            self.status = StreamStatus::Complete;
        }
        self.drop_pending();
    }

    /// Bytes held waiting for a hole to fill (at most the prefix limit).
    pub fn held(&self) -> usize {
        self.pending_bytes
    }

    /// The table's budget is spent: stop here and release what waits.
    pub fn cut_for_budget(&mut self) {
        if self.status == StreamStatus::Active {
            self.status = StreamStatus::Budget;
        }
        self.drop_pending();
    }

    fn drop_pending(&mut self) {
        // A fresh map, so the nodes' memory goes back too.
        self.pending = BTreeMap::new();
        self.pending_bytes = 0;
    }

    fn gap(&mut self) {
        if self.status == StreamStatus::Active {
            self.status = StreamStatus::Gap { at: self.next };
        }
        self.drop_pending();
    }

    /// The flow ended: anything still waiting sits behind a hole.
    pub fn finish(&mut self) {
        if !self.pending.is_empty() {
            self.gap();
        }
    }

    /// The peer acknowledged `ack`: if that is beyond what we delivered while later data
    /// waits, the hole will never be filled from this capture.
    pub fn acked(&mut self, ack: u32) {
        if self.status != StreamStatus::Active || self.pending.is_empty() {
            return;
        }
        if let Some(base) = self.base {
            let rel = ack.wrapping_sub(base) as i32;
            if rel > 0 && rel as u32 > self.next {
                self.gap();
            }
        }
    }

    /// Offers a segment's payload. In-order bytes (including any pending ones it unblocks)
    /// are passed to `deliver`, which returns false once it wants no more.
    pub fn segment(
        &mut self,
        seq: u32,
        payload: &[u8],
        limit: u32,
        deliver: &mut dyn FnMut(&[u8]) -> bool,
    ) {
        if self.status != StreamStatus::Active || payload.is_empty() {
            return;
        }
        let base = match self.base {
            Some(b) => b,
            None => {
                let b = self.choose_base(seq, limit);
                self.base = Some(b);
                b
            }
        };
        let rel = seq.wrapping_sub(base) as i32;
        // Bytes from before offset 0 (a retransmitted SYN's data, garbage): trim them.
        let (off, payload) = if rel < 0 {
            let skip = rel.unsigned_abs() as usize;
            if skip >= payload.len() {
                return;
            }
            (0u32, &payload[skip..])
        } else {
            (rel as u32, payload)
        };
        if off >= limit {
            if off == self.next {
                self.status = StreamStatus::Limit;
                self.drop_pending();
            }
            return;
        }
        let room = (limit - off) as usize;
        let payload = &payload[..payload.len().min(room)];
        let end = off.saturating_add(payload.len() as u32);
        if end <= self.next {
            return; // retransmission of delivered bytes
        }
        if off <= self.next {
            let fresh = &payload[(self.next - off) as usize..];
            self.next = end;
            if !deliver(fresh) {
                self.complete();
                return;
            }
            self.drain(deliver);
        } else {
            // Out of order: keep it until the hole fills, within the same prefix bound.
            if self.pending_bytes + payload.len() > limit as usize {
                self.gap();
                return;
            }
            let slot = self.pending.entry(off).or_default();
            if slot.len() < payload.len() {
                self.pending_bytes += payload.len() - slot.len();
                *slot = payload.to_vec();
            }
        }
        if self.status == StreamStatus::Active && self.next >= limit {
            self.status = StreamStatus::Limit;
            self.drop_pending();
        }
    }

    fn drain(&mut self, deliver: &mut dyn FnMut(&[u8]) -> bool) {
        while let Some((&off, _)) = self.pending.first_key_value() {
            if off > self.next {
                break;
            }
            let Some((off, data)) = self.pending.pop_first() else {
                break;
            };
            self.pending_bytes -= data.len();
            let end = off + data.len() as u32;
            if end <= self.next {
                continue;
            }
            let fresh = &data[(self.next - off) as usize..];
            self.next = end;
            if !deliver(fresh) {
                self.complete();
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(r: &mut StreamReassembler, seq: u32, data: &[u8], out: &mut Vec<u8>) {
        r.segment(seq, data, 64, &mut |b| {
            out.extend_from_slice(b);
            true
        });
    }

    #[test]
    fn in_order_out_of_order_and_retransmissions() {
        let mut r = StreamReassembler::default();
        let mut out = Vec::new();
        r.syn(999);
        collect(&mut r, 1006, b"world", &mut out);
        assert!(out.is_empty());
        collect(&mut r, 1000, b"hello,", &mut out);
        assert_eq!(out, b"hello,world");
        collect(&mut r, 1000, b"hello,", &mut out);
        collect(&mut r, 1003, b"lo,wor", &mut out);
        assert_eq!(out, b"hello,world");
        collect(&mut r, 1009, b"ld!", &mut out);
        assert_eq!(out, b"hello,world!");
    }

    #[test]
    fn data_picks_among_syn_acks_with_different_isns() {
        let mut r = StreamReassembler::default();
        let mut out = Vec::new();
        r.syn(97_572_840);
        r.syn(3_212_050_950);
        collect(&mut r, 97_572_841, b"hello", &mut out);
        assert_eq!(out, b"hello");
    }

    #[test]
    fn sequence_wraparound() {
        let mut r = StreamReassembler::default();
        let mut out = Vec::new();
        r.syn(u32::MAX - 2);
        collect(&mut r, u32::MAX - 1, b"ab", &mut out);
        collect(&mut r, 0, b"cd", &mut out);
        assert_eq!(out, b"abcd");
    }

    #[test]
    fn syn_data_fast_open() {
        let mut r = StreamReassembler::default();
        let mut out = Vec::new();
        r.syn(41);
        collect(&mut r, 42, b"tfo", &mut out);
        assert_eq!(out, b"tfo");
    }

    #[test]
    fn gap_at_finish_and_by_ack() {
        let mut r = StreamReassembler::default();
        let mut out = Vec::new();
        r.syn(0);
        collect(&mut r, 1, b"abc", &mut out);
        collect(&mut r, 10, b"zzz", &mut out);
        r.finish();
        assert_eq!(r.status(), StreamStatus::Gap { at: 3 });

        let mut r = StreamReassembler::default();
        r.syn(0);
        collect(&mut r, 1, b"abc", &mut out);
        collect(&mut r, 10, b"zzz", &mut out);
        r.acked(13);
        assert_eq!(r.status(), StreamStatus::Gap { at: 3 });
    }

    #[test]
    fn limit_stops_buffering() {
        let mut r = StreamReassembler::default();
        let mut out = Vec::new();
        r.syn(0);
        collect(&mut r, 1, &[7u8; 100], &mut out);
        assert_eq!(out.len(), 64);
        assert_eq!(r.status(), StreamStatus::Limit);
    }

    #[test]
    fn consumer_saying_done_completes() {
        let mut r = StreamReassembler::default();
        r.syn(0);
        r.segment(1, b"abc", 64, &mut |_| false);
        assert_eq!(r.status(), StreamStatus::Complete);
        r.segment(4, b"def", 64, &mut |_| panic!("no delivery after complete"));
    }

    #[test]
    fn pending_is_bounded() {
        let mut r = StreamReassembler::default();
        r.syn(0);
        for i in 0..1000u32 {
            r.segment(100 + i * 2, b"x", 64, &mut |_| true);
        }
        assert!(r.pending_bytes <= 64);
    }
}
