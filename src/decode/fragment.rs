//! IPv4 and IPv6 fragment reassembly, bounded in sets, bytes, pieces and time. Fragments are
//! grouped by (source, destination, identification, protocol); overlapping bytes keep the
//! first copy seen (first-wins, as the captured host most likely did not see the later one
//! yet either). Completed datagrams land in one buffer that the decoder lends to the packet.

use std::net::IpAddr;

use super::ip::FragmentInfo;
use super::{DecodeLimits, DecodeStats, SkipReason};

/// Largest reassembled upper-layer payload: the IP length fields are 16 bits, so no
/// legitimate (non-jumbo) datagram carries more.
const MAX_DATAGRAM: u32 = 65_535;
/// Disjoint byte ranges kept per datagram. A 64 KiB datagram in 1480-byte fragments has 45;
/// the bound stops a crafted stream of tiny, non-adjacent fragments from making each
/// insertion cost a long scan.
const MAX_PIECES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FragmentKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
    pub protocol: u8,
}

#[derive(Debug)]
struct FragmentSet {
    key: FragmentKey,
    /// Timestamp of the first fragment seen: the set times out relative to it (as Linux's
    /// ipfrag_time does), so a trickle of duplicates cannot keep it alive.
    first_ts: i64,
    data: Vec<u8>,
    /// Sorted, disjoint, non-adjacent byte ranges [start, end) already filled.
    covered: Vec<(u32, u32)>,
    /// Length of the datagram, known once the last fragment arrived.
    total: Option<u32>,
}

impl FragmentSet {
    fn complete(&self) -> bool {
        matches!((self.total, self.covered.as_slice()), (Some(t), [(0, end)]) if *end == t)
    }

    /// Copies the parts of `bytes` (starting at `start`) not covered yet; records coverage.
    fn fill(&mut self, start: u32, bytes: &[u8]) {
        let end = start + bytes.len() as u32;
        let mut cursor = start;
        for &(a, b) in &self.covered {
            if b <= cursor {
                continue;
            }
            if a >= end {
                break;
            }
            if a > cursor {
                copy_range(&mut self.data, bytes, start, cursor, a);
            }
            cursor = cursor.max(b);
        }
        if cursor < end {
            copy_range(&mut self.data, bytes, start, cursor, end);
        }
        // Merge [start, end) into the coverage, coalescing touching ranges.
        let mut merged = (start, end);
        let mut out = Vec::with_capacity(self.covered.len() + 1);
        let mut placed = false;
        for &(a, b) in &self.covered {
            if b < merged.0 {
                out.push((a, b));
            } else if a > merged.1 {
                if !placed {
                    out.push(merged);
                    placed = true;
                }
                out.push((a, b));
            } else {
                merged = (merged.0.min(a), merged.1.max(b));
            }
        }
        if !placed {
            out.push(merged);
        }
        self.covered = out;
    }
}

fn copy_range(data: &mut [u8], bytes: &[u8], base: u32, from: u32, to: u32) {
    let (f, t) = ((from - base) as usize, (to - base) as usize);
    if let (Some(dst), Some(src)) = (data.get_mut(from as usize..to as usize), bytes.get(f..t)) {
        dst.copy_from_slice(src);
    }
}

/// Pending fragment sets (oldest first) and the buffer of the last completed datagram.
#[derive(Debug)]
pub(crate) struct Reassembler {
    limits: DecodeLimits,
    sets: Vec<FragmentSet>,
    /// Sum of the sets' data lengths, kept at or below `limits.max_fragment_bytes`.
    bytes: usize,
    /// The last reassembled upper-layer payload, lent to the packet returned for it.
    pub(crate) out: Vec<u8>,
}

impl Reassembler {
    pub(crate) fn new(limits: DecodeLimits) -> Self {
        Reassembler {
            limits,
            sets: Vec::new(),
            bytes: 0,
            out: Vec::new(),
        }
    }

    pub(crate) fn pending_sets(&self) -> usize {
        self.sets.len()
    }

    pub(crate) fn pending_bytes(&self) -> usize {
        self.bytes
    }

    fn drop_set(&mut self, index: usize) -> FragmentSet {
        let set = self.sets.remove(index);
        self.bytes = self.bytes.saturating_sub(set.data.len());
        set
    }

    /// Drops every pending set, counting them as abandoned (end of file).
    pub(crate) fn abandon_all(&mut self, stats: &mut DecodeStats) {
        stats.fragment_sets_abandoned += self.sets.len() as u64;
        self.sets.clear();
        self.bytes = 0;
    }

    /// Stores one fragment. `Ok(true)`: the datagram is complete and its upper-layer payload
    /// is in `self.out`. `Ok(false)` never happens; pending is `Err(FragmentPending)` so the
    /// frame is counted like any other skip.
    pub(crate) fn insert(
        &mut self,
        key: FragmentKey,
        info: FragmentInfo,
        payload: &[u8],
        ts_nanos: i64,
        stats: &mut DecodeStats,
    ) -> Result<(), SkipReason> {
        self.expire(ts_nanos, stats);

        let len = u32::try_from(payload.len()).map_err(|_| SkipReason::FragmentTooLarge)?;
        let end = info
            .offset
            .checked_add(len)
            .filter(|&e| e <= MAX_DATAGRAM)
            .ok_or(SkipReason::FragmentTooLarge)?;
        // RFC 791 / 8200: every fragment but the last carries a multiple of 8 bytes.
        if info.more && (len == 0 || len % 8 != 0) {
            return Err(SkipReason::FragmentBadLength);
        }

        let index = match self.sets.iter().position(|s| s.key == key) {
            Some(i) => i,
            None => {
                if self.sets.len() >= self.limits.max_fragment_sets.max(1) {
                    self.drop_set(0);
                    stats.fragment_sets_evicted += 1;
                }
                self.sets.push(FragmentSet {
                    key,
                    first_ts: ts_nanos,
                    data: Vec::new(),
                    covered: Vec::new(),
                    total: None,
                });
                self.sets.len() - 1
            }
        };

        // First wins for the datagram's length too: bytes past a known end are ignored.
        let end = match self.sets[index].total {
            Some(total) => end.min(total),
            None => end,
        };
        let index = self.make_room(index, end as usize, stats)?;

        let set = &mut self.sets[index];
        if info.offset < end {
            let used = (end - info.offset) as usize;
            set.fill(info.offset, &payload[..used]);
        }
        if !info.more && set.total.is_none() {
            let highest = set.covered.last().map_or(0, |&(_, b)| b);
            // A "last" fragment ending before bytes already held contradicts them; first wins.
            if end >= highest {
                set.total = Some(end);
            }
        }
        if set.covered.len() > MAX_PIECES {
            self.drop_set(index);
            return Err(SkipReason::FragmentTooManyPieces);
        }
        if !set.complete() {
            return Err(SkipReason::FragmentPending);
        }
        let mut set = self.drop_set(index);
        let total = set.total.unwrap_or(0) as usize;
        set.data.truncate(total);
        self.out = set.data;
        stats.fragments_reassembled += 1;
        Ok(())
    }

    /// Grows set `index` to hold `end` bytes within the byte budget, evicting the oldest other
    /// sets as needed. Returns the set's (possibly shifted) index.
    fn make_room(
        &mut self,
        mut index: usize,
        end: usize,
        stats: &mut DecodeStats,
    ) -> Result<usize, SkipReason> {
        let have = self.sets[index].data.len();
        if end <= have {
            return Ok(index);
        }
        let grow = end - have;
        while self.bytes + grow > self.limits.max_fragment_bytes {
            if self.sets.len() <= 1 {
                self.drop_set(index);
                stats.fragment_sets_evicted += 1;
                return Err(SkipReason::FragmentOverBudget);
            }
            let victim = if index == 0 { 1 } else { 0 };
            self.drop_set(victim);
            stats.fragment_sets_evicted += 1;
            if victim < index {
                index -= 1;
            }
        }
        let data = &mut self.sets[index].data;
        data.reserve_exact(grow);
        data.resize(end, 0);
        self.bytes += grow;
        Ok(index)
    }

    /// Drops sets whose first fragment is older than the timeout. Scans all sets rather than
    /// the oldest few, since capture timestamps need not be monotonic.
    fn expire(&mut self, now: i64, stats: &mut DecodeStats) {
        let timeout = self.limits.fragment_timeout_nanos;
        let before = self.sets.len();
        let mut freed = 0usize;
        self.sets.retain(|s| {
            let keep = now.saturating_sub(s.first_ts) <= timeout;
            if !keep {
                freed += s.data.len();
            }
            keep
        });
        self.bytes = self.bytes.saturating_sub(freed);
        stats.fragment_sets_timed_out += (before - self.sets.len()) as u64;
    }
}
