//! Zeek's TCP endpoint state machine, `history` string and `conn_state`, computed from the
//! headers of each segment alone. Mirrors Zeek's TCPSessionAdapter closely so that our
//! `conn_state` and `history` can be compared with Zeek's conn.log line for line.
//! Knows nothing of payload contents or reassembly.

use serde::Serialize;

use crate::decode::TcpFlags;

/// Where a connection stands towards its end ([`TcpConnState::ending`]). The flow table asks
/// three questions of it: is it over (idle sweep: `Closed` or `Reset`), may a new SYN start a
/// new flow on its 5-tuple (anything but `Open`), did it end cleanly at the end of the
/// capture (`Closed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpEnding {
    /// Neither side closed or reset.
    Open,
    /// One side sent FIN (and it was seen through); the other has not.
    HalfClosed,
    /// Both sides closed.
    Closed,
    /// Either side reset.
    Reset,
}

/// Zeek's per-endpoint TCP state (`TCP_ENDPOINT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EndpointState {
    #[default]
    Inactive,
    SynSent,
    SynAckSent,
    Partial,
    Established,
    Closed,
    Reset,
}

/// Out-of-order ranges remembered per side for gap detection; beyond this, later holes
/// may be reported late or not at all, which only affects the `g` history letter.
const MAX_AHEAD_RANGES: usize = 32;

/// Zeek drops sequence deltas larger than this as implausible (TOO_LARGE_SEQ_DELTA).
const TOO_LARGE_SEQ_DELTA: i32 = 1_048_576;

/// The history string is capped: a pathological flow must not grow it without bound.
/// Zeek's repeated letters are logarithmic, so real flows stay far below this.
const MAX_HISTORY: usize = 64;

// History masks, one bit per kind of event (Zeek's HIST_*), shifted by 16 for the responder.
const HIST_SYN: u32 = 0x1;
const HIST_FIN: u32 = 0x2;
const HIST_RST: u32 = 0x4;
const HIST_FIN_RST: u32 = 0x8;
const HIST_ACK: u32 = 0x10;
const HIST_DATA: u32 = 0x20;
const HIST_MULTI_FLAG: u32 = 0x100;

fn seq_delta(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// A counter whose history letter is repeated at 1, 10, 100, ... occurrences (Zeek's
/// ScaledHistoryEntry), so a storm of retransmissions cannot flood the history.
#[derive(Debug, Clone, Copy)]
struct Scaled {
    count: u32,
    threshold: u32,
}

impl Default for Scaled {
    fn default() -> Self {
        Scaled {
            count: 0,
            threshold: 1,
        }
    }
}

impl Scaled {
    /// Counts one event; true when the history letter should be added.
    fn bump(&mut self) -> bool {
        self.count = self.count.saturating_add(1);
        if self.count == self.threshold {
            self.threshold = self.threshold.saturating_mul(10);
            true
        } else {
            false
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Endpoint {
    state: EndpointState,
    prev_state: EndpointState,
    start_seq: u32,
    last_seq: u32,
    ack_seq: u32,
    hist_last_syn: Option<u32>,
    hist_last_fin: Option<u32>,
    hist_last_rst: Option<u32>,
    fin_count: u32,
    did_close: bool,
    rxmit: Scaled,
    zero_window: Scaled,
    gaps: Scaled,
    /// Sequence number up to which this side's data was seen without a hole.
    covered_to: u32,
    /// Data seen beyond a hole, as (start, end) sequence ranges; bounded.
    covered_ahead: Vec<(u32, u32)>,
}

impl Endpoint {
    fn set_state(&mut self, s: EndpointState) {
        if s != self.state {
            self.prev_state = self.state;
            self.state = s;
        }
    }

    fn init_seqs(&mut self, start: u32, last: u32) {
        self.start_seq = start;
        self.ack_seq = start;
        self.last_seq = last;
        self.covered_to = start.wrapping_add(1);
        self.covered_ahead.clear();
    }

    /// Records that sequence range [seq, end) was seen, for gap detection.
    fn cover(&mut self, seq: u32, end: u32) {
        if seq_delta(end, self.covered_to) <= 0 {
            return;
        }
        if seq_delta(seq, self.covered_to) > 0 {
            if self.covered_ahead.len() < MAX_AHEAD_RANGES {
                self.covered_ahead.push((seq, end));
            }
            return;
        }
        self.covered_to = end;
        // Ranges seen ahead that now join up.
        let mut grew = true;
        while grew {
            grew = false;
            let mut i = 0;
            while i < self.covered_ahead.len() {
                let (s, e) = self.covered_ahead[i];
                if seq_delta(s, self.covered_to) <= 0 {
                    if seq_delta(e, self.covered_to) > 0 {
                        self.covered_to = e;
                        grew = true;
                    }
                    self.covered_ahead.swap_remove(i);
                } else {
                    i += 1;
                }
            }
        }
    }

    /// The peer acknowledged `ack`, beyond what was seen: count the hole once and move on,
    /// as Zeek's reassembler does when it trims to an acknowledged sequence number.
    fn skip_to(&mut self, ack: u32) {
        self.covered_to = ack;
        self.covered_ahead.retain(|&(_, e)| seq_delta(e, ack) > 0);
    }

    /// Bytes of sequence space used, as Zeek's TCP_Endpoint::Size().
    fn size(&self, peer: &Endpoint) -> u64 {
        if self.prev_state == EndpointState::SynSent
            && self.state == EndpointState::Reset
            && peer.state == EndpointState::Inactive
        {
            return 0;
        }
        if self.state == EndpointState::Inactive {
            return 0;
        }
        let last = self.last_seq.wrapping_sub(self.start_seq);
        let ack = self.ack_seq.wrapping_sub(self.start_seq);
        // Neither the SYN nor the FIN occupies a byte of data.
        let size = u64::from(last.max(ack)).saturating_sub(1);
        if self.fin_count > 0 {
            size.saturating_sub(1)
        } else {
            size
        }
    }
}

/// One TCP connection's state, as Zeek tracks it. `orig` is the originator.
#[derive(Debug, Clone, Default)]
pub struct TcpConnState {
    orig: Endpoint,
    resp: Endpoint,
    history: String,
    hist_seen: u32,
    flipped: bool,
    history_truncated: bool,
}

/// What the caller must know after a segment: the roles were flipped (SYN/SYN-ACK reversal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SegmentOutcome {
    pub flipped: bool,
    pub retransmission: bool,
}

impl TcpConnState {
    /// Marks the connection as having had its roles flipped before the first packet was
    /// processed (the first packet came from the responder): Zeek's `^` history prefix.
    pub fn mark_flipped(&mut self) {
        if !self.flipped {
            self.flipped = true;
            self.push_history('^');
        }
    }

    pub fn history(&self) -> &str {
        &self.history
    }

    pub fn orig_state(&self) -> EndpointState {
        self.orig.state
    }

    pub fn resp_state(&self) -> EndpointState {
        self.resp.state
    }

    /// How far the connection has got towards its end, from both endpoints' states: the one
    /// place that judges it. [`is_over`](Self::is_over) is the usual question.
    pub fn ending(&self) -> TcpEnding {
        use EndpointState::{Closed, Reset};
        match (self.orig.state, self.resp.state) {
            (Reset, _) | (_, Reset) => TcpEnding::Reset,
            (Closed, Closed) => TcpEnding::Closed,
            (Closed, _) | (_, Closed) => TcpEnding::HalfClosed,
            _ => TcpEnding::Open,
        }
    }

    /// The connection is over: both sides closed, or either reset. Nothing it carries after
    /// this belongs to it, so once it falls silent it is finished.
    pub fn is_over(&self) -> bool {
        matches!(self.ending(), TcpEnding::Closed | TcpEnding::Reset)
    }

    /// Sizes of the originator's and responder's byte streams in sequence space.
    pub fn sizes(&self) -> (u64, u64) {
        (self.orig.size(&self.resp), self.resp.size(&self.orig))
    }

    fn push_history(&mut self, c: char) {
        if self.history.len() < MAX_HISTORY {
            self.history.push(c);
        } else {
            self.history_truncated = true;
        }
    }

    /// Zeek's Connection::CheckHistory: adds the letter the first time; true if seen before.
    fn check_history(&mut self, is_orig: bool, mask: u32, code: char) -> bool {
        let (mask, code) = if is_orig {
            (mask, code)
        } else {
            (mask << 16, code.to_ascii_lowercase())
        };
        if self.hist_seen & mask == 0 {
            self.hist_seen |= mask;
            self.push_history(code);
            false
        } else {
            true
        }
    }

    fn add_history(&mut self, is_orig: bool, code: char) {
        let c = if is_orig {
            code
        } else {
            code.to_ascii_lowercase()
        };
        self.push_history(c);
    }

    fn ep(&mut self, is_orig: bool) -> (&mut Endpoint, &mut Endpoint) {
        if is_orig {
            (&mut self.orig, &mut self.resp)
        } else {
            (&mut self.resp, &mut self.orig)
        }
    }

    /// Processes one segment's header. `len` is the payload length on the wire.
    #[inline]
    pub fn segment(
        &mut self,
        is_orig: bool,
        flags: TcpFlags,
        seq: u32,
        ack: u32,
        window: u16,
        len: u32,
    ) -> SegmentOutcome {
        if self.steady(is_orig, flags, seq, ack, window, len) {
            return SegmentOutcome::default();
        }
        self.segment_full(is_orig, flags, seq, ack, window, len)
    }

    /// The segment most of a capture is made of: an ACK (with or without data, no SYN, FIN
    /// or RST, a window above zero) between two endpoints already past `Inactive`, whose
    /// history letter this side has already earned, that is neither a retransmission nor
    /// acknowledges data the capture missed. For it, [`segment_full`](Self::segment_full)
    /// only moves the peer's `ack_seq`, this side's `last_seq` and its covered range: done
    /// here without the general path's branches. Returns false, having changed nothing,
    /// for any other segment.
    #[inline]
    fn steady(
        &mut self,
        is_orig: bool,
        flags: TcpFlags,
        seq: u32,
        ack: u32,
        window: u16,
        len: u32,
    ) -> bool {
        if flags.0 & (TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST | TcpFlags::ACK)
            != TcpFlags::ACK
            || window == 0
        {
            return false;
        }
        let letter = if len > 0 { HIST_DATA } else { HIST_ACK };
        let mask = if is_orig { letter } else { letter << 16 };
        if self.hist_seen & mask == 0 {
            return false;
        }
        let (me, peer) = if is_orig {
            (&mut self.orig, &mut self.resp)
        } else {
            (&mut self.resp, &mut self.orig)
        };
        if me.state == EndpointState::Inactive || peer.state == EndpointState::Inactive {
            return false;
        }
        let seq_end = seq.wrapping_add(len);
        let delta_last = seq_delta(seq_end, me.last_seq);
        let trusted = me.state != EndpointState::Reset;
        // A retransmission (history 'T') or an ACK past what the peer was seen to send
        // (a gap, 'G'): the general path.
        if (trusted && delta_last <= 0 && len > 0) || seq_delta(ack, peer.covered_to) > 0 {
            return false;
        }
        let d = seq_delta(ack, peer.ack_seq);
        if !(ack == 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0 {
            peer.ack_seq = ack;
        }
        if trusted && delta_last > 0 {
            me.last_seq = seq_end;
        }
        if len > 0 {
            me.cover(seq, seq_end);
        }
        true
    }

    /// Any segment: Zeek's endpoint initialisation, history, sequence bookkeeping, state
    /// machine and gap detection, in Zeek's order.
    fn segment_full(
        &mut self,
        is_orig: bool,
        flags: TcpFlags,
        seq: u32,
        ack: u32,
        window: u16,
        len: u32,
    ) -> SegmentOutcome {
        let syn = flags.has(TcpFlags::SYN);
        let fin = flags.has(TcpFlags::FIN);
        let rst = flags.has(TcpFlags::RST);
        let ackf = flags.has(TcpFlags::ACK);
        let mut outcome = SegmentOutcome::default();

        let mut seg_len = len
            .wrapping_add(u32::from(syn))
            .wrapping_add(u32::from(fin));
        if rst {
            seg_len = seg_len.wrapping_sub(len);
        }
        let seq_end = seq.wrapping_add(seg_len);

        // init_endpoint
        {
            let (endpoint, _) = self.ep(is_orig);
            match endpoint.state {
                EndpointState::Inactive => {
                    if syn {
                        endpoint.init_seqs(seq, seq_end);
                    } else {
                        endpoint.init_seqs(seq.wrapping_sub(1), seq);
                    }
                }
                EndpointState::SynSent | EndpointState::SynAckSent => {
                    if syn && seq != endpoint.start_seq {
                        endpoint.init_seqs(seq, seq_end);
                    }
                }
                EndpointState::Established | EndpointState::Partial => {
                    if syn {
                        endpoint.init_seqs(seq, seq_end);
                    }
                }
                EndpointState::Reset => {
                    if syn && endpoint.prev_state == EndpointState::Inactive {
                        endpoint.init_seqs(seq, seq_end);
                    }
                }
                EndpointState::Closed => {}
            }
        }

        let rel_seq = {
            let (endpoint, _) = self.ep(is_orig);
            seq.wrapping_sub(endpoint.start_seq)
        };
        self.update_history(is_orig, flags, rel_seq, len);

        // Zero windows matter unless they come with or after a RST or after the peer's FIN.
        {
            let (endpoint, peer) = self.ep(is_orig);
            if window == 0
                && !rst
                && peer.state != EndpointState::Closed
                && endpoint.state != EndpointState::Reset
                && endpoint.zero_window.bump()
            {
                self.add_history(is_orig, 'W');
            }
        }

        let mut rel_ack_for_gap: Option<u32> = None;
        if ackf {
            let (_, peer) = self.ep(is_orig);
            if peer.state == EndpointState::Inactive {
                // Start the peer's numbering as though we had seen its SYN.
                let base = ack.wrapping_sub(1);
                peer.init_seqs(base, base);
            } else if !rst {
                let d = seq_delta(ack, peer.ack_seq);
                if !(ack == 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0 {
                    peer.ack_seq = ack;
                }
                if !fin {
                    rel_ack_for_gap = Some(ack);
                }
            }
        }

        // update_last_seq
        let delta_last = {
            let (endpoint, _) = self.ep(is_orig);
            let delta_last = seq_delta(seq_end, endpoint.last_seq);
            if (syn || rst) && !(-TOO_LARGE_SEQ_DELTA..=TOO_LARGE_SEQ_DELTA).contains(&delta_last) {
                // Implausible jump: ignored, as Zeek does.
            } else if fin && endpoint.last_seq == endpoint.start_seq.wrapping_add(1) {
                endpoint.last_seq = seq_end;
            } else if endpoint.state == EndpointState::Reset {
                // Sequence numbers after a RST are not trusted.
            } else if delta_last > 0 {
                endpoint.last_seq = seq_end;
            } else if len > 0 {
                outcome.retransmission = true;
            }
            delta_last
        };
        if outcome.retransmission {
            let bump = {
                let (endpoint, _) = self.ep(is_orig);
                endpoint.rxmit.bump()
            };
            if bump {
                self.add_history(is_orig, 'T');
            }
        }
        if fin {
            let (endpoint, _) = self.ep(is_orig);
            endpoint.fin_count = endpoint.fin_count.saturating_add(1);
        }
        if !rst && (len > 0 || fin) {
            let data_seq = seq.wrapping_add(u32::from(syn));
            let (endpoint, _) = self.ep(is_orig);
            endpoint.cover(data_seq, seq_end);
        }

        if self.update_state_machine(is_orig, flags, seq, len, delta_last) {
            outcome.flipped = true;
        }

        // An ACK beyond everything the peer was seen to send reveals data the capture missed.
        if let Some(ack) = rel_ack_for_gap {
            let peer_is_orig = if outcome.flipped { is_orig } else { !is_orig };
            let (peer, other) = if peer_is_orig {
                (&mut self.orig, &self.resp)
            } else {
                (&mut self.resp, &self.orig)
            };
            let partial =
                peer.state == EndpointState::Partial || other.state == EndpointState::Partial;
            if peer.state != EndpointState::Inactive && seq_delta(ack, peer.covered_to) > 0 {
                peer.skip_to(ack);
                if !partial && peer.gaps.bump() {
                    self.add_history(peer_is_orig, 'G');
                }
            }
        }
        outcome
    }

    fn update_history(&mut self, is_orig: bool, flags: TcpFlags, rel_seq: u32, len: u32) {
        let syn = flags.has(TcpFlags::SYN);
        let fin = flags.has(TcpFlags::FIN);
        let rst = flags.has(TcpFlags::RST);
        let bits = u8::from(syn) + u8::from(fin) + u8::from(rst);
        if bits > 1 {
            if fin && rst {
                self.check_history(is_orig, HIST_FIN_RST, 'I');
            } else {
                self.check_history(is_orig, HIST_MULTI_FLAG, 'Q');
            }
        } else if bits == 1 {
            if syn {
                let code = if flags.has(TcpFlags::ACK) { 'H' } else { 'S' };
                let last = self.ep(is_orig).0.hist_last_syn;
                if self.check_history(is_orig, HIST_SYN, code) && last != Some(rel_seq) {
                    self.add_history(is_orig, code);
                }
                self.ep(is_orig).0.hist_last_syn = Some(rel_seq);
            }
            if fin {
                let end = rel_seq.wrapping_add(len);
                let last = self.ep(is_orig).0.hist_last_fin;
                if self.check_history(is_orig, HIST_FIN, 'F') && last != Some(end) {
                    self.add_history(is_orig, 'F');
                }
                self.ep(is_orig).0.hist_last_fin = Some(end);
            }
            if rst {
                let last = self.ep(is_orig).0.hist_last_rst;
                if self.check_history(is_orig, HIST_RST, 'R') && last != Some(rel_seq) {
                    self.add_history(is_orig, 'R');
                }
                self.ep(is_orig).0.hist_last_rst = Some(rel_seq);
            }
        } else if len > 0 {
            self.check_history(is_orig, HIST_DATA, 'D');
        } else if flags.has(TcpFlags::ACK) {
            self.check_history(is_orig, HIST_ACK, 'A');
        }
    }

    /// Zeek's UpdateStateMachine. Returns true when the roles were flipped.
    fn update_state_machine(
        &mut self,
        is_orig: bool,
        flags: TcpFlags,
        seq: u32,
        len: u32,
        delta_last: i32,
    ) -> bool {
        use EndpointState::*;
        let syn = flags.has(TcpFlags::SYN);
        let fin = flags.has(TcpFlags::FIN);
        let rst = flags.has(TcpFlags::RST);
        let ackf = flags.has(TcpFlags::ACK);
        let mut flipped = false;
        let state = self.ep(is_orig).0.state;
        match state {
            Inactive => {
                if syn {
                    if is_orig {
                        let (endpoint, _) = self.ep(is_orig);
                        endpoint.set_state(if ackf { SynAckSent } else { SynSent });
                    } else {
                        let (endpoint, peer) = self.ep(is_orig);
                        if !ackf && peer.state == SynAckSent && seq == endpoint.start_seq {
                            // SYN/SYN-ACK reversal: the "originator" answered our SYN.
                            peer.set_state(Established);
                            flipped = true;
                        }
                        if peer.state == SynSent {
                            peer.set_state(Established);
                        }
                        endpoint.set_state(Established);
                    }
                }
                if fin {
                    let (endpoint, _) = self.ep(is_orig);
                    endpoint.set_state(Closed);
                }
                if rst {
                    let (endpoint, _) = self.ep(is_orig);
                    endpoint.set_state(Reset);
                }
                let (endpoint, peer) = self.ep(is_orig);
                if endpoint.state == Inactive {
                    let orig_syn_sent = if is_orig {
                        endpoint.state == SynSent
                    } else {
                        peer.state == SynSent
                    };
                    if !is_orig && len == 0 && orig_syn_sent {
                        // An ACK of the SYN before the SYN-ACK: not a partial connection.
                    } else if ackf && peer.state == Established {
                        endpoint.set_state(Established);
                    } else {
                        endpoint.set_state(Partial);
                    }
                }
            }
            SynSent | SynAckSent => {
                let (endpoint, _) = self.ep(is_orig);
                if fin {
                    endpoint.set_state(Closed);
                }
                if rst {
                    endpoint.set_state(Reset);
                }
            }
            Established | Partial => {
                let (endpoint, peer) = self.ep(is_orig);
                if syn && endpoint.state == Partial && peer.state == Inactive && !ackf {
                    endpoint.set_state(SynSent);
                }
                if fin && !rst {
                    endpoint.set_state(Closed);
                    if peer.state == Reset && peer.prev_state == Closed {
                        // A FIN followed by a RST is a normal close after all.
                        peer.set_state(Closed);
                    }
                }
                if rst {
                    endpoint.set_state(Reset);
                }
            }
            Closed => {
                let (endpoint, peer) = self.ep(is_orig);
                let _ = delta_last;
                if rst && peer.state != Closed {
                    endpoint.set_state(Reset);
                }
            }
            Reset => {}
        }
        if fin || rst {
            let (endpoint, _) = self.ep(is_orig);
            endpoint.did_close = true;
        }
        if flipped {
            std::mem::swap(&mut self.orig, &mut self.resp);
            self.flipped = !self.flipped;
        }
        flipped
    }

    /// Zeek's `conn_state` for this connection.
    pub fn conn_state(&self) -> ConnState {
        use EndpointState::*;
        let os = self.orig.state;
        let rs = self.resp.state;
        let o_inactive = matches!(os, Inactive | Partial);
        let r_inactive = matches!(rs, Inactive | Partial);
        let (osize, rsize) = self.sizes();
        if rs == Reset {
            if matches!(os, SynSent | SynAckSent) || (os == Reset && osize == 0 && rsize == 0) {
                ConnState::Rej
            } else if o_inactive {
                ConnState::Rstrh
            } else {
                ConnState::Rstr
            }
        } else if os == Reset {
            if r_inactive {
                if history_is_s0_then_reset(&self.history) {
                    ConnState::Rstos0
                } else {
                    ConnState::Rstoh
                }
            } else {
                ConnState::Rsto
            }
        } else if rs == Closed && os == Closed {
            ConnState::Sf
        } else if os == Closed {
            if r_inactive {
                ConnState::Sh
            } else {
                ConnState::S2
            }
        } else if rs == Closed {
            if o_inactive {
                ConnState::Shr
            } else {
                ConnState::S3
            }
        } else if os == SynSent && rs == Inactive {
            ConnState::S0
        } else if os == Established && rs == Established {
            ConnState::S1
        } else {
            ConnState::Oth
        }
    }
}

/// `/\^?S[^HAFGIQ]*R.*/`: the originator sent a SYN, then a RST, with no answer between.
fn history_is_s0_then_reset(h: &str) -> bool {
    let h = h.strip_prefix('^').unwrap_or(h);
    let Some(rest) = h.strip_prefix('S') else {
        return false;
    };
    for c in rest.chars() {
        if c == 'R' {
            return true;
        }
        if "HAFGIQ".contains(c) {
            return false;
        }
    }
    false
}

/// Zeek's connection states (conn.log `conn_state`), serialised as Zeek spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    S0,
    S1,
    Sf,
    Rej,
    S2,
    S3,
    Rsto,
    Rstr,
    Rstos0,
    Rstrh,
    Sh,
    Shr,
    Oth,
    Rstoh,
}

impl ConnState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::S0 => "S0",
            ConnState::S1 => "S1",
            ConnState::Sf => "SF",
            ConnState::Rej => "REJ",
            ConnState::S2 => "S2",
            ConnState::S3 => "S3",
            ConnState::Rsto => "RSTO",
            ConnState::Rstr => "RSTR",
            ConnState::Rstos0 => "RSTOS0",
            ConnState::Rstrh => "RSTRH",
            ConnState::Sh => "SH",
            ConnState::Shr => "SHR",
            ConnState::Oth => "OTH",
            ConnState::Rstoh => "RSTOH",
        }
    }
}

impl Serialize for ConnState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for ConnState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u8 = TcpFlags::SYN;
    const A: u8 = TcpFlags::ACK;
    const F: u8 = TcpFlags::FIN;
    const R: u8 = TcpFlags::RST;
    const P: u8 = TcpFlags::PSH;

    fn run(steps: &[(bool, u8, u32, u32, u32)]) -> TcpConnState {
        let mut c = TcpConnState::default();
        for &(o, f, seq, ack, len) in steps {
            c.segment(o, TcpFlags(f), seq, ack, 1000, len);
        }
        c
    }

    #[test]
    fn full_handshake_and_fin_close_is_sf() {
        let c = run(&[
            (true, S, 100, 0, 0),
            (false, S | A, 500, 101, 0),
            (true, A, 101, 501, 0),
            (true, A | P, 101, 501, 10),
            (false, A | P, 501, 111, 20),
            (true, F | A, 111, 521, 0),
            (false, F | A, 521, 112, 0),
            (true, A, 112, 522, 0),
        ]);
        assert_eq!(c.conn_state(), ConnState::Sf);
        assert_eq!(c.history(), "ShADdFf");
        assert_eq!(c.sizes(), (10, 20));
    }

    #[test]
    fn ending_open_half_closed_closed_and_reset() {
        let open = [
            (true, S, 100, 0, 0),
            (false, S | A, 500, 101, 0),
            (true, A, 101, 501, 0),
        ];
        let c = run(&open);
        assert_eq!((c.ending(), c.is_over()), (TcpEnding::Open, false));
        let mut half = open.to_vec();
        half.push((true, F | A, 101, 501, 0));
        let c = run(&half);
        assert_eq!((c.ending(), c.is_over()), (TcpEnding::HalfClosed, false));
        let mut closed = half.clone();
        closed.extend([(false, F | A, 501, 102, 0), (true, A, 102, 502, 0)]);
        let c = run(&closed);
        assert_eq!((c.ending(), c.is_over()), (TcpEnding::Closed, true));
        let c = run(&[(true, S, 7, 0, 0), (false, R | A, 0, 8, 0)]);
        assert_eq!((c.ending(), c.is_over()), (TcpEnding::Reset, true));
    }

    #[test]
    fn unanswered_syn_is_s0_with_one_letter_for_retransmits() {
        let c = run(&[(true, S, 7, 0, 0), (true, S, 7, 0, 0), (true, S, 7, 0, 0)]);
        assert_eq!(c.conn_state(), ConnState::S0);
        assert_eq!(c.history(), "S");
    }

    #[test]
    fn refused_syn_is_rej() {
        let c = run(&[(true, S, 7, 0, 0), (false, R | A, 0, 8, 0)]);
        assert_eq!(c.conn_state(), ConnState::Rej);
        assert_eq!(c.history(), "Sr");
    }

    #[test]
    fn reset_by_responder_after_data_is_rstr() {
        let c = run(&[
            (true, S, 100, 0, 0),
            (false, S | A, 500, 101, 0),
            (true, A, 101, 501, 0),
            (true, A | P, 101, 501, 300),
            (false, R | A, 501, 401, 0),
        ]);
        assert_eq!(c.conn_state(), ConnState::Rstr);
        assert_eq!(c.history(), "ShADr");
    }

    #[test]
    fn syn_then_originator_reset_is_rstos0() {
        let c = run(&[(true, S, 100, 0, 0), (true, R, 101, 0, 0)]);
        assert_eq!(c.conn_state(), ConnState::Rstos0);
    }

    #[test]
    fn retransmitted_data_adds_t_logarithmically() {
        let mut steps = vec![
            (true, S, 100, 0, 0),
            (false, S | A, 500, 101, 0),
            (true, A, 101, 501, 0),
            (true, A | P, 101, 501, 10),
        ];
        for _ in 0..10 {
            steps.push((true, A | P, 101, 501, 10));
        }
        let c = run(&steps);
        assert_eq!(c.history(), "ShADTT");
        assert_eq!(c.conn_state(), ConnState::S1);
    }

    #[test]
    fn only_responder_data_without_handshake_is_oth_or_shr() {
        let c = run(&[(false, A | P, 500, 101, 10), (false, F | A, 510, 101, 0)]);
        assert_eq!(c.conn_state(), ConnState::Shr);
        assert_eq!(c.history(), "df");
    }

    #[test]
    fn half_open_then_orig_fin_is_sh() {
        let c = run(&[(true, S, 100, 0, 0), (true, F, 101, 0, 0)]);
        assert_eq!(c.conn_state(), ConnState::Sh);
    }

    #[test]
    fn history_is_bounded() {
        let mut c = TcpConnState::default();
        for i in 0..10_000u32 {
            c.segment(i % 2 == 0, TcpFlags(S), i * 7919, 0, 0, 0);
        }
        assert!(c.history().len() <= MAX_HISTORY);
    }
}
