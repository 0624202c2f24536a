//! The flow table of one capture file: which flows are open, their bounds (`max_flows`,
//! idle timeouts), the periodic idle sweep, eviction of the least recently active, and the
//! end of a flow into a [`FlowRecord`]. What a packet does to its flow is in `update`.

use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use super::record::{
    DirectionCounters, EndReason, FlowRecord, FlowStats, HostPath, IcmpEvent, KeyFrames, TcpFacts,
};
use super::{Direction, Dissector, StreamReassembler, TcpConnState, TcpEnding};
use crate::decode::{self, Packet};
use crate::wire::Transport;

/// Bounds and timeouts of the flow table.
#[derive(Debug, Clone)]
pub struct FlowConfig {
    /// Bytes of each direction's stream to reassemble (64 KiB: ClientHello with a
    /// post-quantum key share, ServerHello and a certificate chain fit comfortably).
    pub stream_limit: u32,
    /// A TCP flow idle this long is finished (Zeek's tcp_inactivity_timeout is 5 minutes).
    pub tcp_idle_nanos: i64,
    /// A TCP flow both of whose sides closed or reset is finished after this much silence.
    pub tcp_closed_linger_nanos: i64,
    /// A UDP flow idle this long is finished (Zeek: 1 minute).
    pub udp_idle_nanos: i64,
    /// Most flows kept at once; past this the least recently active are evicted.
    pub max_flows: usize,
    /// Bytes all flows together may hold in reassembly and parser buffers. One flow holds
    /// at most [`MAX_FLOW_BUFFERED`] (with the default `stream_limit`); past the budget a
    /// flow that would buffer more stops buffering (counted, never silent).
    pub buffer_budget: usize,
}

/// Most bytes one flow buffers with the default 64 KiB `stream_limit`: per direction the
/// out-of-order reassembly data (`stream_limit`), and the TLS parser's record (16 KiB +
/// 2 KiB + 5) and handshake message (64 KiB + 4, plus one record body); the HTTP head
/// bound (64 KiB) is smaller than the TLS pair. About 330 KiB for both directions.
pub const MAX_FLOW_BUFFERED: usize = 2 * (64 * 1024 + 2 * (18 * 1024 + 5) + 64 * 1024 + 4);

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            stream_limit: 64 * 1024,
            tcp_idle_nanos: 300 * 1_000_000_000,
            tcp_closed_linger_nanos: 5 * 1_000_000_000,
            udp_idle_nanos: 60 * 1_000_000_000,
            max_flows: 200_000,
            buffer_budget: 64 << 20,
        }
    }
}

/// Canonical key: the two endpoints in a fixed order plus the protocol, packed into plain
/// integers. Hashing and comparing it are a few word operations (a `SocketAddr` pair was two
/// enums, compared and hashed field by field, on every packet's lookups). Identity is the same
/// as the `SocketAddr` pair's: the address family is part of it (an IPv4 address and its
/// IPv4-mapped IPv6 form stay apart); flow label and scope are always 0 in decoded packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct FlowKey {
    lo: u128,
    hi: u128,
    /// `lo`'s port in the high half, `hi`'s in the low.
    ports: u32,
    /// The protocol, and bit 8 / bit 9 for `lo` / `hi` being IPv6.
    meta: u16,
}

/// One endpoint as the key orders it: (is IPv6, address bits, port).
#[inline]
fn endpoint_bits(a: &SocketAddr) -> (bool, u128, u16) {
    match a {
        SocketAddr::V4(v4) => (false, u128::from(v4.ip().to_bits()), v4.port()),
        SocketAddr::V6(v6) => (true, v6.ip().to_bits(), v6.port()),
    }
}

impl FlowKey {
    #[inline]
    pub(super) fn new(a: SocketAddr, b: SocketAddr, proto: u8) -> FlowKey {
        FlowKey::of(a.ip(), a.port(), b.ip(), b.port(), proto)
    }

    /// The key of two endpoints given as address and port (as a decoded packet has them),
    /// equal to [`FlowKey::new`] of the two socket addresses.
    #[inline]
    pub(super) fn of(a: IpAddr, a_port: u16, b: IpAddr, b_port: u16, proto: u8) -> FlowKey {
        if let (IpAddr::V4(x), IpAddr::V4(y)) = (a, b) {
            // Two IPv4 endpoints (most packets): address and port packed into one integer
            // order as the (family, address, port) tuple below does, in one comparison.
            let x = (u64::from(x.to_bits()) << 16) | u64::from(a_port);
            let y = (u64::from(y.to_bits()) << 16) | u64::from(b_port);
            let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
            return FlowKey {
                lo: u128::from(lo >> 16),
                hi: u128::from(hi >> 16),
                ports: ((lo as u32 & 0xffff) << 16) | (hi as u32 & 0xffff),
                meta: u16::from(proto),
            };
        }
        FlowKey::any(
            SocketAddr::new(a, a_port),
            SocketAddr::new(b, b_port),
            proto,
        )
    }

    /// The key of any two endpoints (IPv6, or one of each family).
    pub(super) fn any(a: SocketAddr, b: SocketAddr, proto: u8) -> FlowKey {
        let a = endpoint_bits(&a);
        let b = endpoint_bits(&b);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        FlowKey {
            lo: lo.1,
            hi: hi.1,
            ports: (u32::from(lo.2) << 16) | u32::from(hi.2),
            meta: u16::from(proto) | (u16::from(lo.0) << 8) | (u16::from(hi.0) << 9),
        }
    }
}

/// One open flow, as the table holds it until it ends.
pub(super) struct Flow<D> {
    /// The originator, as Zeek calls the client.
    pub(super) orig: SocketAddr,
    pub(super) resp: SocketAddr,
    pub(super) guessed: bool,
    pub(super) first_ts: i64,
    pub(super) last_ts: i64,
    pub(super) frames: KeyFrames,
    pub(super) orig_counters: DirectionCounters,
    pub(super) resp_counters: DirectionCounters,
    pub(super) tcp: Option<Box<TcpFlow>>,
    pub(super) icmp: Vec<IcmpEvent>,
    /// Host components and drops (Windows Packet Monitor captures only; boxed so other
    /// captures pay one pointer).
    pub(super) host: Option<Box<HostPath>>,
    /// Created with the first payload: a flow without payload (a SYN flood) costs none.
    pub(super) dissector: Option<Box<D>>,
    /// Bytes this flow holds in buffers, as last counted into the table's total.
    pub(super) held: usize,
    /// Its buffering was stopped by the table's budget (counted once per flow).
    pub(super) budget_cut: bool,
    /// The directions whose end the dissector has been told of and that it was not fed
    /// since (bit 0 client to server, bit 1 server to client): telling it again would change
    /// nothing, and every ACK of a finished flow would otherwise tell it.
    pub(super) ended: u8,
    /// When the idle sweep finishes it unless another packet comes.
    pub(super) deadline: i64,
    /// Its key in the table's expiry queue, with `frames.first` (unique among open flows):
    /// never later than `deadline`. A packet that only pushes the deadline later leaves the
    /// entry where it is (no queue work per packet); the sweep moves a stale entry forward
    /// when it reaches it.
    pub(super) queued: i64,
}

/// The TCP part of an open flow.
pub(super) struct TcpFlow {
    pub(super) state: TcpConnState,
    pub(super) orig_stream: StreamReassembler,
    pub(super) resp_stream: StreamReassembler,
    pub(super) first_syn_seq: Option<u32>,
    pub(super) syn_retransmissions: u32,
    pub(super) retransmissions: u32,
}

/// Ports that servers listen on, for guessing the client when no SYN was seen. Like Zeek's
/// likely_server_ports: well-known ports plus the proxies and brokers the agent meets.
pub(super) fn likely_server_port(port: u16) -> bool {
    port < 1024 || matches!(port, 1080 | 3128 | 5671 | 5672 | 8080 | 8443 | 8000 | 8888)
}

/// Most ICMP events kept per flow: one is evidence, a storm is not more evidence.
pub(super) const MAX_ICMP_PER_FLOW: usize = 8;

/// The flow table of one capture file.
pub struct FlowTable<D: Dissector> {
    pub(super) cfg: FlowConfig,
    pub(super) flows: FxHashMap<FlowKey, Flow<D>>,
    /// Open flows by (deadline, first frame): the sweep pops what is due, in O(log n) each.
    pub(super) expiry: BTreeMap<(i64, u64), FlowKey>,
    /// Bytes held in buffers by all open flows (the sum of their `held`).
    pub(super) held_total: usize,
    pub(super) stats: FlowStats,
    now: i64,
    last_sweep: i64,
    packets_since_sweep: u32,
}

impl<D: Dissector> FlowTable<D> {
    pub fn new(cfg: FlowConfig) -> Self {
        FlowTable {
            cfg,
            flows: FxHashMap::default(),
            expiry: BTreeMap::new(),
            held_total: 0,
            stats: FlowStats::default(),
            now: i64::MIN,
            last_sweep: i64::MIN,
            packets_since_sweep: 0,
        }
    }

    pub fn stats(&self) -> FlowStats {
        self.stats
    }

    /// Flows currently held.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Processes one decoded packet; finished flows are passed to `emit`.
    pub fn packet(
        &mut self,
        pkt: &Packet<'_>,
        frame: u64,
        ts: i64,
        emit: &mut dyn FnMut(FlowRecord<D::Output>),
    ) {
        // Timestamps may go backwards in a capture; time for expiry only moves forward.
        if ts > self.now {
            self.now = ts;
        }
        self.packets_since_sweep += 1;
        if self.packets_since_sweep >= 8192
            || self.now.saturating_sub(self.last_sweep) >= 10_000_000_000
        {
            self.sweep(emit);
        }
        match pkt.transport {
            // The segment is read where the decoder left it; socket addresses are built only
            // for a new flow (copying the decoded packet into them cost store-forwarding
            // stalls on every packet).
            decode::Transport::Tcp(ref seg) => self.tcp(pkt.src, pkt.dst, seg, frame, ts, emit),
            decode::Transport::Udp(dg) => {
                let src = SocketAddr::new(pkt.src, dg.src_port);
                let dst = SocketAddr::new(pkt.dst, dg.dst_port);
                self.udp(src, dst, dg.payload, frame, ts, emit);
            }
            decode::Transport::Icmp(msg) => self.icmp(pkt.src, &msg, frame),
        }
    }

    fn make_room(&mut self, emit: &mut dyn FnMut(FlowRecord<D::Output>)) {
        if self.flows.len() < self.cfg.max_flows {
            return;
        }
        // Evict the least recently active tenth in one go, so a flood costs O(n) per
        // n/10 new flows rather than O(n) per flow.
        let mut by_age: Vec<(i64, u64, FlowKey)> = self
            .flows
            .iter()
            .map(|(k, f)| (f.last_ts, f.frames.first, *k))
            .collect();
        by_age.sort_unstable_by_key(|&(ts, first, _)| (ts, first));
        let n = (self.cfg.max_flows / 10).max(1);
        for (_, _, key) in by_age.into_iter().take(n) {
            if let Some(flow) = self.remove(&key) {
                self.stats.evicted += 1;
                emit(finish(flow, EndReason::Evicted));
            }
        }
    }

    /// Takes a flow out of the table and its indexes.
    pub(super) fn remove(&mut self, key: &FlowKey) -> Option<Flow<D>> {
        let flow = self.flows.remove(key)?;
        self.expiry.remove(&(flow.queued, flow.frames.first));
        self.held_total = self.held_total.saturating_sub(flow.held);
        Some(flow)
    }

    /// When a flow is due for the sweep: the earliest idle time at which `sweep_reason`
    /// gives a reason (saturating: a flow near the end of time never expires, as before).
    #[inline(always)]
    fn deadline_of(cfg: &FlowConfig, flow: &Flow<D>) -> i64 {
        let timeout = match &flow.tcp {
            Some(t) if t.state.is_over() => cfg.tcp_closed_linger_nanos.min(cfg.tcp_idle_nanos),
            Some(_) => cfg.tcp_idle_nanos,
            None => cfg.udp_idle_nanos,
        };
        flow.last_ts.saturating_add(timeout.max(0))
    }

    pub(super) fn insert(
        &mut self,
        key: FlowKey,
        flow: Flow<D>,
        emit: &mut dyn FnMut(FlowRecord<D::Output>),
    ) {
        self.make_room(emit);
        if flow.tcp.is_some() {
            self.stats.tcp_flows += 1;
        } else {
            self.stats.udp_flows += 1;
        }
        let mut flow = flow;
        flow.deadline = Self::deadline_of(&self.cfg, &flow);
        flow.queued = flow.deadline;
        self.expiry.insert((flow.queued, flow.frames.first), key);
        self.flows.insert(key, flow);
        self.stats.peak_flows = self.stats.peak_flows.max(self.flows.len() as u64);
    }

    pub(super) fn new_flow(
        orig: SocketAddr,
        resp: SocketAddr,
        guessed: bool,
        ts: i64,
        frame: u64,
    ) -> Flow<D> {
        Flow {
            orig,
            resp,
            guessed,
            first_ts: ts,
            last_ts: ts,
            frames: KeyFrames {
                first: frame,
                last: frame,
                ..KeyFrames::default()
            },
            orig_counters: DirectionCounters::default(),
            resp_counters: DirectionCounters::default(),
            tcp: None,
            icmp: Vec::new(),
            host: None,
            dissector: None,
            held: 0,
            budget_cut: false,
            ended: 0,
            deadline: i64::MAX,
            queued: i64::MAX,
        }
    }

    /// Finishes flows that have been idle long enough: those whose deadline passed, popped
    /// from the front of the expiry queue (each flow once), emitted by first frame.
    fn sweep(&mut self, emit: &mut dyn FnMut(FlowRecord<D::Output>)) {
        self.packets_since_sweep = 0;
        self.last_sweep = self.now;
        let now = self.now;
        let mut done: Vec<(u64, FlowKey, EndReason)> = Vec::new();
        while let Some((&(deadline, first), &k)) = self.expiry.first_key_value() {
            if deadline >= now {
                break;
            }
            self.expiry.pop_first();
            let Some(f) = self.flows.get_mut(&k) else {
                continue;
            };
            if f.deadline >= now {
                // A stale entry: packets since it was queued pushed the deadline later.
                f.queued = f.deadline;
                self.expiry.insert((f.deadline, first), k);
                continue;
            }
            match sweep_reason(&self.cfg, f, now) {
                Some(r) => done.push((first, k, r)),
                // Cannot happen (the deadline is the first time a reason holds); keep the
                // flow queued at its true deadline rather than lose it.
                None => {
                    let d = Self::deadline_of(&self.cfg, f).max(now);
                    f.deadline = d;
                    f.queued = d;
                    self.expiry.insert((d, first), k);
                    break;
                }
            }
        }
        // Emit in a deterministic order, whatever the queue's.
        done.sort_unstable_by_key(|&(first, _, _)| first);
        for (_, k, r) in done {
            if let Some(mut f) = self.flows.remove(&k) {
                // Already out of the queue; only the buffer total needs it.
                self.held_total = self.held_total.saturating_sub(f.held);
                f.held = 0;
                emit(finish(f, r));
            }
        }
    }

    /// End of capture: emits every remaining flow, oldest first.
    pub fn finish_all(mut self, emit: &mut dyn FnMut(FlowRecord<D::Output>)) -> FlowStats {
        let mut rest: Vec<Flow<D>> = self.flows.drain().map(|(_, f)| f).collect();
        rest.sort_unstable_by_key(|f| f.frames.first);
        for f in rest {
            // Only a connection both sides closed counts as closed here: a reset one still
            // in the table was not silent for the linger time, so the capture cut it off
            // (what `end_reason` has always said; see `TcpEnding`).
            let reason = match &f.tcp {
                Some(t) if t.state.ending() == TcpEnding::Closed => EndReason::Closed,
                _ => EndReason::EndOfCapture,
            };
            emit(finish(f, reason));
        }
        self.stats
    }
}

/// Tells the flow's dissector, if it has one, that no more bytes of `dir` will come, unless
/// it was told since it was last fed that direction's bytes. True when it was told now.
#[inline]
pub(super) fn end_stream<D: Dissector>(
    dissector: &mut Option<Box<D>>,
    ended: &mut u8,
    dir: Direction,
) -> bool {
    let bit = direction_bit(dir);
    match dissector.as_deref_mut() {
        Some(d) if *ended & bit == 0 => {
            *ended |= bit;
            d.stream_ended(dir);
            true
        }
        _ => false,
    }
}

/// `dir`'s bit in [`Flow::ended`].
#[inline]
pub(super) fn direction_bit(dir: Direction) -> u8 {
    match dir {
        Direction::ClientToServer => 1,
        Direction::ServerToClient => 2,
    }
}

/// After a packet changed a flow: records its new deadline (the queue entry moves only when
/// the deadline moved earlier), and accounts the bytes it buffers against the budget (stopping
/// its buffering if the budget is spent). Takes the table's parts beside the flow, so the
/// packet path finds the flow once and keeps it. `recount` false says the packet reached
/// neither reassembly nor dissector, so the bytes they buffer are still `flow.held` (the
/// data segments of a flow whose dissector has what it wanted skip asking it).
#[inline(always)]
pub(super) fn touch<D: Dissector>(
    cfg: &FlowConfig,
    expiry: &mut BTreeMap<(i64, u64), FlowKey>,
    held_total: &mut usize,
    stats: &mut FlowStats,
    key: &FlowKey,
    flow: &mut Flow<D>,
    recount: bool,
) {
    let deadline = FlowTable::<D>::deadline_of(cfg, flow);
    flow.deadline = deadline;
    // Most packets: the deadline only moved later and nothing was fed. Decided here, in the
    // packet path; the rest is a call.
    if deadline >= flow.queued && !recount {
        return;
    }
    touch_rest(cfg, expiry, held_total, stats, key, flow, recount, deadline);
}

/// [`touch`] when the queue entry moves or the buffered bytes need a recount.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn touch_rest<D: Dissector>(
    cfg: &FlowConfig,
    expiry: &mut BTreeMap<(i64, u64), FlowKey>,
    held_total: &mut usize,
    stats: &mut FlowStats,
    key: &FlowKey,
    flow: &mut Flow<D>,
    recount: bool,
    deadline: i64,
) {
    // Only a deadline moved earlier (a connection now closed lingers less than an open
    // one idles; a timestamp that went backwards) needs the queue entry moved.
    if deadline < flow.queued {
        expiry.remove(&(flow.queued, flow.frames.first));
        flow.queued = deadline;
        expiry.insert((deadline, flow.frames.first), *key);
    }
    if !recount {
        return;
    }
    let mut held = flow_held(flow);
    if held == flow.held {
        return;
    }
    let others = held_total.saturating_sub(flow.held);
    if held > flow.held && others.saturating_add(held) > cfg.buffer_budget {
        if let Some(t) = flow.tcp.as_deref_mut() {
            t.orig_stream.cut_for_budget();
            t.resp_stream.cut_for_budget();
        }
        end_stream(
            &mut flow.dissector,
            &mut flow.ended,
            Direction::ClientToServer,
        );
        end_stream(
            &mut flow.dissector,
            &mut flow.ended,
            Direction::ServerToClient,
        );
        if !flow.budget_cut {
            flow.budget_cut = true;
            stats.budget_cut += 1;
        }
        held = flow_held(flow);
    }
    flow.held = held;
    *held_total = others.saturating_add(held);
}

/// Why the idle sweep at `now` finishes a flow, if it does.
fn sweep_reason<D>(cfg: &FlowConfig, f: &Flow<D>, now: i64) -> Option<EndReason> {
    let idle = now.saturating_sub(f.last_ts);
    match &f.tcp {
        Some(t) => {
            if t.state.is_over() && idle > cfg.tcp_closed_linger_nanos {
                Some(EndReason::Closed)
            } else if idle > cfg.tcp_idle_nanos {
                Some(EndReason::Idle)
            } else {
                None
            }
        }
        None => (idle > cfg.udp_idle_nanos).then_some(EndReason::Idle),
    }
}

/// Bytes a flow holds in buffers now.
fn flow_held<D: Dissector>(f: &Flow<D>) -> usize {
    let streams = f
        .tcp
        .as_deref()
        .map_or(0, |t| t.orig_stream.held() + t.resp_stream.held());
    streams + f.dissector.as_deref().map_or(0, |d| d.buffered())
}

/// Ends a flow: its owned record, with the dissector's facts.
pub(super) fn finish<D: Dissector>(mut flow: Flow<D>, reason: EndReason) -> FlowRecord<D::Output> {
    let is_tcp = flow.tcp.is_some();
    let (tcp, udp_conn_state) = match flow.tcp.take() {
        Some(mut t) => {
            t.orig_stream.finish();
            t.resp_stream.finish();
            let facts = TcpFacts {
                conn_state: t.state.conn_state(),
                history: t.state.history().to_string(),
                syn_retransmissions: t.syn_retransmissions,
                retransmissions: t.retransmissions,
                client_stream: t.orig_stream.status(),
                server_stream: t.resp_stream.status(),
                client_stream_bytes: t.orig_stream.delivered(),
                server_stream_bytes: t.resp_stream.delivered(),
            };
            (Some(facts), None)
        }
        None => {
            let o = flow.orig_counters.packets > 0;
            let r = flow.resp_counters.packets > 0;
            let s = match (o, r) {
                (true, true) => "SF",
                (true, false) => "S0",
                (false, true) => "SHR",
                (false, false) => "OTH",
            };
            (None, Some(s))
        }
    };
    FlowRecord {
        transport: if tcp.is_some() {
            Transport::Tcp
        } else {
            Transport::Udp
        },
        client: flow.orig,
        server: flow.resp,
        client_guessed: flow.guessed,
        first_ts_ns: flow.first_ts,
        last_ts_ns: flow.last_ts,
        frames: flow.frames,
        client_counters: flow.orig_counters,
        server_counters: flow.resp_counters,
        tcp,
        udp_conn_state,
        icmp: flow.icmp,
        host: flow.host.map(|h| *h),
        end_reason: reason,
        app: match flow.dissector {
            Some(d) => d.finish(),
            // No payload ever came: the facts of a dissector that saw nothing.
            None => {
                let mut d = D::default();
                d.begin(flow.orig, flow.resp, is_tcp);
                d.finish()
            }
        },
    }
}
