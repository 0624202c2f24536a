//! TCP and UDP flow tracking. A flow is a bidirectional 5-tuple; the client is the SYN
//! sender, or a guess by the usual port heuristics (said so in the record). For TCP it keeps
//! Zeek's `conn_state` and `history`, counters per direction, the frame numbers of key events,
//! and hands the first bytes of each direction, in stream order, to a [`Dissector`].
//! Knows nothing of TLS, DNS, HTTP or the catalog; hands out [`FlowRecord`]s.
//!
//! The table is bounded: idle flows are finished and emitted, and past `max_flows` the
//! least recently active flows are evicted (and counted), so memory does not grow with the
//! size of the capture.

mod reassembly;
mod tcp_state;

pub use reassembly::{StreamReassembler, StreamStatus};
pub use tcp_state::{ConnState, EndpointState, TcpConnState};

use rustc_hash::FxHashMap;
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};

use crate::decode::{IcmpMessage, Packet, TcpFlags, Transport};

/// Which way a payload travels, relative to the flow's client and server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

/// What the flow layer feeds payload to: a per-flow application-layer state.
pub trait Dissector: Default {
    /// The owned facts it hands out when the flow ends.
    type Output: Serialize;
    /// Called once when the flow is created, with the endpoints as first judged.
    fn begin(&mut self, _client: SocketAddr, _server: SocketAddr, _tcp: bool) {}
    /// The next in-order bytes of a TCP direction; `frame` (at `ts_nanos`) delivered the
    /// last of them.
    fn stream(&mut self, dir: Direction, bytes: &[u8], frame: u64, ts_nanos: i64);
    /// Whether more stream bytes of this direction could still teach it something.
    fn wants_stream(&self, dir: Direction) -> bool;
    /// One UDP datagram's payload.
    fn datagram(&mut self, dir: Direction, payload: &[u8], frame: u64, ts_nanos: i64);
    /// The flow is over: hand out the facts.
    fn finish(self) -> Self::Output;
}

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
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            stream_limit: 64 * 1024,
            tcp_idle_nanos: 300 * 1_000_000_000,
            tcp_closed_linger_nanos: 5 * 1_000_000_000,
            udp_idle_nanos: 60 * 1_000_000_000,
            max_flows: 200_000,
        }
    }
}

/// Why a flow was emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndReason {
    /// Both sides closed (or one reset) and the flow fell silent.
    Closed,
    /// No packet for the idle timeout.
    Idle,
    /// The table was full and this flow was the least recently active.
    Evicted,
    /// A new SYN reused the 5-tuple of a finished connection.
    Reused,
    /// The capture ended with the flow still open.
    EndOfCapture,
}

/// Frame numbers (1-based, per file) of a flow's key transport events.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KeyFrames {
    pub first: u64,
    pub last: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syn: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syn_ack: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_fin: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_rst: Option<u64>,
}

/// Counters for one direction.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct DirectionCounters {
    pub packets: u64,
    pub payload_bytes: u64,
}

/// An ICMP error that quoted this flow.
#[derive(Debug, Clone, Serialize)]
pub struct IcmpEvent {
    pub frame: u64,
    /// The router or host that sent the ICMP message.
    pub from: IpAddr,
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
}

/// TCP-specific facts of a flow.
#[derive(Debug, Clone, Serialize)]
pub struct TcpFacts {
    pub conn_state: ConnState,
    pub history: String,
    /// SYNs from the client beyond the first with the same sequence number.
    pub syn_retransmissions: u32,
    /// Data segments that did not advance the sequence space (Zeek's count).
    pub retransmissions: u32,
    pub client_stream: StreamStatus,
    pub server_stream: StreamStatus,
    /// Bytes of each direction handed to the dissectors.
    pub client_stream_bytes: u32,
    pub server_stream_bytes: u32,
}

/// One finished flow: transport facts plus whatever the dissector learnt.
#[derive(Debug, Clone, Serialize)]
pub struct FlowRecord<A> {
    /// "tcp" or "udp".
    pub transport: &'static str,
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// True when no SYN told who the client was and the port heuristic decided.
    pub client_guessed: bool,
    /// First and last packet, nanoseconds since the Unix epoch.
    pub first_ts_ns: i64,
    pub last_ts_ns: i64,
    pub frames: KeyFrames,
    pub client_counters: DirectionCounters,
    pub server_counters: DirectionCounters,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpFacts>,
    /// For UDP: Zeek's conn_state (S0, SF, SHR, OTH).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp_conn_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub icmp: Vec<IcmpEvent>,
    pub end_reason: EndReason,
    pub app: A,
}

/// Table-wide counters, for the per-file statistics.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct FlowStats {
    pub tcp_flows: u64,
    pub udp_flows: u64,
    pub evicted: u64,
    pub icmp_matched: u64,
    pub icmp_unmatched: u64,
    /// Most flows held at once.
    pub peak_flows: u64,
}

/// Canonical key: the two endpoints in sorted order plus the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FlowKey {
    lo: SocketAddr,
    hi: SocketAddr,
    proto: u8,
}

impl FlowKey {
    fn new(a: SocketAddr, b: SocketAddr, proto: u8) -> (FlowKey, bool) {
        if a <= b {
            (
                FlowKey {
                    lo: a,
                    hi: b,
                    proto,
                },
                true,
            )
        } else {
            (
                FlowKey {
                    lo: b,
                    hi: a,
                    proto,
                },
                false,
            )
        }
    }
}

struct Flow<D> {
    /// The originator, as Zeek calls the client.
    orig: SocketAddr,
    resp: SocketAddr,
    guessed: bool,
    first_ts: i64,
    last_ts: i64,
    frames: KeyFrames,
    orig_counters: DirectionCounters,
    resp_counters: DirectionCounters,
    tcp: Option<Box<TcpFlow>>,
    icmp: Vec<IcmpEvent>,
    dissector: D,
}

struct TcpFlow {
    state: TcpConnState,
    orig_stream: StreamReassembler,
    resp_stream: StreamReassembler,
    first_syn_seq: Option<u32>,
    syn_retransmissions: u32,
    retransmissions: u32,
}

/// Ports that servers listen on, for guessing the client when no SYN was seen. Like Zeek's
/// likely_server_ports: well-known ports plus the proxies and brokers the agent meets.
fn likely_server_port(port: u16) -> bool {
    port < 1024 || matches!(port, 1080 | 3128 | 5671 | 5672 | 8080 | 8443 | 8000 | 8888)
}

/// Most ICMP events kept per flow: one is evidence, a storm is not more evidence.
const MAX_ICMP_PER_FLOW: usize = 8;

/// The flow table of one capture file.
pub struct FlowTable<D: Dissector> {
    cfg: FlowConfig,
    flows: FxHashMap<FlowKey, Flow<D>>,
    stats: FlowStats,
    now: i64,
    last_sweep: i64,
    packets_since_sweep: u32,
}

impl<D: Dissector> FlowTable<D> {
    pub fn new(cfg: FlowConfig) -> Self {
        FlowTable {
            cfg,
            flows: FxHashMap::default(),
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
            Transport::Tcp(seg) => {
                let src = SocketAddr::new(pkt.src, seg.src_port);
                let dst = SocketAddr::new(pkt.dst, seg.dst_port);
                self.tcp(src, dst, &seg, frame, ts, emit);
            }
            Transport::Udp(dg) => {
                let src = SocketAddr::new(pkt.src, dg.src_port);
                let dst = SocketAddr::new(pkt.dst, dg.dst_port);
                self.udp(src, dst, dg.payload, frame, ts, emit);
            }
            Transport::Icmp(msg) => self.icmp(pkt.src, &msg, frame),
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
            if let Some(flow) = self.flows.remove(&key) {
                self.stats.evicted += 1;
                emit(finish(flow, EndReason::Evicted));
            }
        }
    }

    fn insert(&mut self, key: FlowKey, flow: Flow<D>, emit: &mut dyn FnMut(FlowRecord<D::Output>)) {
        self.make_room(emit);
        if flow.tcp.is_some() {
            self.stats.tcp_flows += 1;
        } else {
            self.stats.udp_flows += 1;
        }
        self.flows.insert(key, flow);
        self.stats.peak_flows = self.stats.peak_flows.max(self.flows.len() as u64);
    }

    fn new_flow(
        orig: SocketAddr,
        resp: SocketAddr,
        guessed: bool,
        ts: i64,
        frame: u64,
        tcp: bool,
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
            dissector: {
                let mut d = D::default();
                d.begin(orig, resp, tcp);
                d
            },
        }
    }

    fn tcp(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        seg: &crate::decode::TcpSegment<'_>,
        frame: u64,
        ts: i64,
        emit: &mut dyn FnMut(FlowRecord<D::Output>),
    ) {
        let (key, _) = FlowKey::new(src, dst, 6);
        let syn_only = seg.flags.has(TcpFlags::SYN) && !seg.flags.has(TcpFlags::ACK);

        // A fresh SYN on the 5-tuple of a connection that is over starts a new flow.
        if syn_only
            && let Some(flow) = self.flows.get(&key)
            && let Some(t) = &flow.tcp
        {
            let over = matches!(
                t.state.orig_state(),
                EndpointState::Closed | EndpointState::Reset
            ) || matches!(
                t.state.resp_state(),
                EndpointState::Closed | EndpointState::Reset
            );
            if over
                && t.first_syn_seq != Some(seg.seq)
                && let Some(old) = self.flows.remove(&key)
            {
                emit(finish(old, EndReason::Reused));
            }
        }

        if !self.flows.contains_key(&key) {
            let (orig, resp, guessed) = if syn_only {
                (src, dst, false)
            } else {
                // Partial connection: guess the server by its port, as Zeek does.
                let flip = likely_server_port(src.port())
                    && (!likely_server_port(dst.port())
                        || (!seg.flags.has(TcpFlags::SYN) && src.port() < dst.port()));
                if flip {
                    (dst, src, true)
                } else {
                    (src, dst, true)
                }
            };
            let mut flow = Self::new_flow(orig, resp, guessed, ts, frame, true);
            let mut state = TcpConnState::default();
            if orig != src {
                state.mark_flipped();
            }
            flow.tcp = Some(Box::new(TcpFlow {
                state,
                orig_stream: StreamReassembler::default(),
                resp_stream: StreamReassembler::default(),
                first_syn_seq: None,
                syn_retransmissions: 0,
                retransmissions: 0,
            }));
            self.insert(key, flow, emit);
        }
        let limit = self.cfg.stream_limit;
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        let Some(t) = flow.tcp.as_deref_mut() else {
            return;
        };
        let mut is_orig = src == flow.orig;
        flow.last_ts = flow.last_ts.max(ts);
        flow.frames.last = frame;

        let outcome = t.state.segment(
            is_orig,
            seg.flags,
            seg.seq,
            seg.ack,
            seg.window,
            seg.payload.len() as u32,
        );
        if outcome.flipped {
            // SYN/SYN-ACK reversal: the other side was the client after all.
            std::mem::swap(&mut flow.orig, &mut flow.resp);
            std::mem::swap(&mut flow.orig_counters, &mut flow.resp_counters);
            std::mem::swap(&mut t.orig_stream, &mut t.resp_stream);
            is_orig = !is_orig;
        }
        if outcome.retransmission {
            t.retransmissions = t.retransmissions.saturating_add(1);
        }
        let counters = if is_orig {
            &mut flow.orig_counters
        } else {
            &mut flow.resp_counters
        };
        counters.packets += 1;
        counters.payload_bytes += seg.payload.len() as u64;

        let f = seg.flags;
        if f.has(TcpFlags::SYN) {
            if f.has(TcpFlags::ACK) {
                flow.frames.syn_ack.get_or_insert(frame);
            } else if is_orig {
                flow.frames.syn.get_or_insert(frame);
                match t.first_syn_seq {
                    None => t.first_syn_seq = Some(seg.seq),
                    Some(s) if s == seg.seq => {
                        t.syn_retransmissions = t.syn_retransmissions.saturating_add(1)
                    }
                    Some(_) => {}
                }
            }
            let stream = if is_orig {
                &mut t.orig_stream
            } else {
                &mut t.resp_stream
            };
            stream.syn(seg.seq);
        }
        if f.has(TcpFlags::FIN) {
            flow.frames.first_fin.get_or_insert(frame);
        }
        if f.has(TcpFlags::RST) {
            flow.frames.first_rst.get_or_insert(frame);
        }
        if f.has(TcpFlags::ACK) {
            let peer = if is_orig {
                &mut t.resp_stream
            } else {
                &mut t.orig_stream
            };
            peer.acked(seg.ack);
        }

        // Payload of a RST is not part of the stream (RFC 9293 3.5.3; Zeek agrees).
        if !seg.payload.is_empty() && !f.has(TcpFlags::RST) {
            let dir = if is_orig {
                Direction::ClientToServer
            } else {
                Direction::ServerToClient
            };
            let stream = if is_orig {
                &mut t.orig_stream
            } else {
                &mut t.resp_stream
            };
            if stream.is_active() {
                let dissector = &mut flow.dissector;
                if !dissector.wants_stream(dir) {
                    stream.complete();
                } else {
                    // Data on a SYN (TCP Fast Open) starts after the SYN's sequence number.
                    let data_seq = seg.seq.wrapping_add(u32::from(f.has(TcpFlags::SYN)));
                    stream.segment(data_seq, seg.payload, limit, &mut |bytes| {
                        dissector.stream(dir, bytes, frame, ts);
                        dissector.wants_stream(dir)
                    });
                }
            }
        }
    }

    fn udp(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        payload: &[u8],
        frame: u64,
        ts: i64,
        emit: &mut dyn FnMut(FlowRecord<D::Output>),
    ) {
        let (key, _) = FlowKey::new(src, dst, 17);
        if !self.flows.contains_key(&key) {
            // The first sender is the client, unless it sends from a server port to a
            // client port (a response whose query we missed).
            let flip = likely_server_port(src.port()) && !likely_server_port(dst.port());
            let (orig, resp) = if flip { (dst, src) } else { (src, dst) };
            let flow = Self::new_flow(orig, resp, flip, ts, frame, false);
            self.insert(key, flow, emit);
        }
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        let is_orig = src == flow.orig;
        flow.last_ts = flow.last_ts.max(ts);
        flow.frames.last = frame;
        let counters = if is_orig {
            &mut flow.orig_counters
        } else {
            &mut flow.resp_counters
        };
        counters.packets += 1;
        counters.payload_bytes += payload.len() as u64;
        let dir = if is_orig {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        flow.dissector.datagram(dir, payload, frame, ts);
    }

    fn icmp(&mut self, from: IpAddr, msg: &IcmpMessage, frame: u64) {
        let Some(q) = msg.quoted else {
            return;
        };
        let a = SocketAddr::new(q.src, q.src_port);
        let b = SocketAddr::new(q.dst, q.dst_port);
        let (key, _) = FlowKey::new(a, b, q.protocol);
        match self.flows.get_mut(&key) {
            Some(flow) => {
                self.stats.icmp_matched += 1;
                if flow.icmp.len() < MAX_ICMP_PER_FLOW {
                    flow.icmp.push(IcmpEvent {
                        frame,
                        from,
                        v6: msg.v6,
                        icmp_type: msg.icmp_type,
                        code: msg.code,
                    });
                }
            }
            None => self.stats.icmp_unmatched += 1,
        }
    }

    /// Finishes flows that have been idle long enough.
    fn sweep(&mut self, emit: &mut dyn FnMut(FlowRecord<D::Output>)) {
        self.packets_since_sweep = 0;
        self.last_sweep = self.now;
        let now = self.now;
        let cfg = &self.cfg;
        let mut done: Vec<(u64, FlowKey, EndReason)> = Vec::new();
        for (k, f) in &self.flows {
            let idle = now.saturating_sub(f.last_ts);
            let reason = match &f.tcp {
                Some(t) => {
                    let closed = matches!(
                        (t.state.orig_state(), t.state.resp_state()),
                        (EndpointState::Closed, EndpointState::Closed)
                    ) || t.state.orig_state() == EndpointState::Reset
                        || t.state.resp_state() == EndpointState::Reset;
                    if closed && idle > cfg.tcp_closed_linger_nanos {
                        Some(EndReason::Closed)
                    } else if idle > cfg.tcp_idle_nanos {
                        Some(EndReason::Idle)
                    } else {
                        None
                    }
                }
                None => (idle > cfg.udp_idle_nanos).then_some(EndReason::Idle),
            };
            if let Some(r) = reason {
                done.push((f.frames.first, *k, r));
            }
        }
        // Emit in a deterministic order, whatever the hash map's.
        done.sort_unstable_by_key(|&(first, _, _)| first);
        for (_, k, r) in done {
            if let Some(f) = self.flows.remove(&k) {
                emit(finish(f, r));
            }
        }
    }

    /// End of capture: emits every remaining flow, oldest first.
    pub fn finish_all(mut self, emit: &mut dyn FnMut(FlowRecord<D::Output>)) -> FlowStats {
        let mut rest: Vec<Flow<D>> = self.flows.drain().map(|(_, f)| f).collect();
        rest.sort_unstable_by_key(|f| f.frames.first);
        for f in rest {
            let reason = match &f.tcp {
                Some(t)
                    if matches!(
                        (t.state.orig_state(), t.state.resp_state()),
                        (EndpointState::Closed, EndpointState::Closed)
                    ) =>
                {
                    EndReason::Closed
                }
                _ => EndReason::EndOfCapture,
            };
            emit(finish(f, reason));
        }
        self.stats
    }
}

fn finish<D: Dissector>(mut flow: Flow<D>, reason: EndReason) -> FlowRecord<D::Output> {
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
        transport: if tcp.is_some() { "tcp" } else { "udp" },
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
        end_reason: reason,
        app: flow.dissector.finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{TcpSegment, UdpDatagram};

    /// Collects stream bytes per direction; wants at most 8 bytes of each.
    #[derive(Default)]
    struct Collect {
        c2s: Vec<u8>,
        s2c: Vec<u8>,
        datagrams: usize,
    }

    impl Dissector for Collect {
        type Output = (String, String, usize);
        fn stream(&mut self, dir: Direction, bytes: &[u8], _frame: u64, _ts: i64) {
            match dir {
                Direction::ClientToServer => self.c2s.extend_from_slice(bytes),
                Direction::ServerToClient => self.s2c.extend_from_slice(bytes),
            }
        }
        fn wants_stream(&self, dir: Direction) -> bool {
            match dir {
                Direction::ClientToServer => self.c2s.len() < 8,
                Direction::ServerToClient => self.s2c.len() < 8,
            }
        }
        fn datagram(&mut self, _: Direction, _: &[u8], _: u64, _: i64) {
            self.datagrams += 1;
        }
        fn finish(self) -> Self::Output {
            (
                String::from_utf8_lossy(&self.c2s).into_owned(),
                String::from_utf8_lossy(&self.s2c).into_owned(),
                self.datagrams,
            )
        }
    }

    const C: &str = "10.0.0.1";
    const S: &str = "20.0.0.2";

    #[allow(clippy::too_many_arguments)]
    fn tcp<'a>(
        src: &str,
        sp: u16,
        dst: &str,
        dp: u16,
        flags: u8,
        seq: u32,
        ack: u32,
        payload: &'a [u8],
    ) -> Packet<'a> {
        Packet {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            ip_ttl: 64,
            transport: Transport::Tcp(TcpSegment {
                src_port: sp,
                dst_port: dp,
                seq,
                ack,
                flags: TcpFlags(flags),
                window: 512,
                payload,
            }),
        }
    }

    fn run(pkts: &[Packet<'_>], cfg: FlowConfig) -> Vec<FlowRecord<(String, String, usize)>> {
        let mut table = FlowTable::<Collect>::new(cfg);
        let mut out = Vec::new();
        for (i, p) in pkts.iter().enumerate() {
            table.packet(p, i as u64 + 1, i as i64 * 1_000_000, &mut |r| out.push(r));
        }
        table.finish_all(&mut |r| out.push(r));
        out
    }

    const SYN: u8 = TcpFlags::SYN;
    const ACK: u8 = TcpFlags::ACK;
    const FIN: u8 = TcpFlags::FIN;
    const RST: u8 = TcpFlags::RST;

    #[test]
    fn handshake_out_of_order_data_and_close() {
        let pkts = [
            tcp(C, 40000, S, 443, SYN, 100, 0, b""),
            tcp(S, 443, C, 40000, SYN | ACK, 900, 101, b""),
            tcp(C, 40000, S, 443, ACK, 101, 901, b""),
            tcp(C, 40000, S, 443, ACK, 104, 901, b"def"),
            tcp(C, 40000, S, 443, ACK, 101, 901, b"abc"),
            tcp(S, 443, C, 40000, ACK, 901, 107, b"0123456789"),
            tcp(C, 40000, S, 443, FIN | ACK, 107, 911, b""),
            tcp(S, 443, C, 40000, FIN | ACK, 911, 108, b""),
            tcp(C, 40000, S, 443, ACK, 108, 912, b""),
        ];
        let out = run(&pkts, FlowConfig::default());
        assert_eq!(out.len(), 1);
        let r = &out[0];
        assert_eq!(r.client, "10.0.0.1:40000".parse().unwrap());
        assert!(!r.client_guessed);
        let t = r.tcp.as_ref().unwrap();
        assert_eq!(t.conn_state, ConnState::Sf);
        assert_eq!(r.app.0, "abcdef");
        assert_eq!(r.app.1, "0123456789");
        assert_eq!(t.server_stream, StreamStatus::Complete);
        assert_eq!(r.frames.syn, Some(1));
        assert_eq!(r.frames.syn_ack, Some(2));
        assert_eq!(r.frames.first_fin, Some(7));
        assert_eq!(r.client_counters.payload_bytes, 6);
    }

    #[test]
    fn syn_retransmissions_counted_and_s0() {
        let pkts = [
            tcp(C, 40001, S, 443, SYN, 5, 0, b""),
            tcp(C, 40001, S, 443, SYN, 5, 0, b""),
            tcp(C, 40001, S, 443, SYN, 5, 0, b""),
        ];
        let out = run(&pkts, FlowConfig::default());
        let t = out[0].tcp.as_ref().unwrap();
        assert_eq!(t.syn_retransmissions, 2);
        assert_eq!(t.conn_state, ConnState::S0);
    }

    #[test]
    fn midstream_flow_guesses_client_by_port() {
        let pkts = [tcp(S, 443, C, 40002, ACK, 5, 9, b"xyz")];
        let out = run(&pkts, FlowConfig::default());
        assert!(out[0].client_guessed);
        assert_eq!(out[0].server.port(), 443);
        assert_eq!(out[0].tcp.as_ref().unwrap().history, "^d");
    }

    #[test]
    fn port_reuse_after_reset_starts_new_flow() {
        let pkts = [
            tcp(C, 40003, S, 443, SYN, 5, 0, b""),
            tcp(S, 443, C, 40003, RST | ACK, 0, 6, b""),
            tcp(C, 40003, S, 443, SYN, 7000, 0, b""),
        ];
        let out = run(&pkts, FlowConfig::default());
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].end_reason, EndReason::Reused);
        assert_eq!(out[0].tcp.as_ref().unwrap().conn_state, ConnState::Rej);
    }

    #[test]
    fn table_is_bounded_and_evicts() {
        let cfg = FlowConfig {
            max_flows: 100,
            ..FlowConfig::default()
        };
        let mut table = FlowTable::<Collect>::new(cfg);
        let mut emitted = 0;
        for i in 0..10_000u32 {
            let p = tcp(C, (i % 60000) as u16 + 1, S, 443, SYN, i, 0, b"");
            let p = Packet {
                src: std::net::IpAddr::V4(std::net::Ipv4Addr::from(i)),
                ..p
            };
            table.packet(&p, u64::from(i) + 1, 0, &mut |_| emitted += 1);
            assert!(table.len() <= 100);
        }
        let stats = table.finish_all(&mut |_| emitted += 1);
        assert_eq!(emitted, 10_000);
        assert!(stats.evicted >= 9_900);
    }

    #[test]
    fn udp_flow_and_icmp_match() {
        let q = Packet {
            src: C.parse().unwrap(),
            dst: S.parse().unwrap(),
            ip_ttl: 64,
            transport: Transport::Udp(UdpDatagram {
                src_port: 5353,
                dst_port: 53,
                payload: b"q",
            }),
        };
        let icmp = Packet {
            src: "192.0.2.1".parse().unwrap(),
            dst: C.parse().unwrap(),
            ip_ttl: 64,
            transport: Transport::Icmp(IcmpMessage {
                v6: false,
                icmp_type: 3,
                code: 3,
                quoted: Some(crate::decode::QuotedDatagram {
                    src: C.parse().unwrap(),
                    dst: S.parse().unwrap(),
                    protocol: 17,
                    src_port: 5353,
                    dst_port: 53,
                }),
            }),
        };
        let out = run(&[q, icmp], FlowConfig::default());
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].udp_conn_state, Some("S0"));
        assert_eq!(out[0].icmp.len(), 1);
        assert_eq!(out[0].app.2, 1);
    }

    #[test]
    fn idle_flows_are_emitted_before_the_end() {
        let mut table = FlowTable::<Collect>::new(FlowConfig::default());
        let mut out = Vec::new();
        let p = tcp(C, 1234, S, 443, SYN, 1, 0, b"");
        table.packet(&p, 1, 0, &mut |r| out.push(r));
        let p2 = tcp(C, 1235, S, 443, SYN, 1, 0, b"");
        table.packet(&p2, 2, 400 * 1_000_000_000, &mut |r| out.push(r));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].end_reason, EndReason::Idle);
    }
}
