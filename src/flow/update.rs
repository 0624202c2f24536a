//! What one packet does to its flow: a TCP segment drives the connection state, the
//! counters, the key frames and the stream reassembly into the dissector; a UDP datagram goes
//! to the dissector whole; an ICMP error is attached to the flow it quotes. Finding, creating
//! and ending flows is `table`'s.

use std::net::{IpAddr, SocketAddr};

use super::record::{
    EndReason, FlowRecord, HostDropEvent, IcmpEvent, MAX_HOST_COMPONENTS, MAX_HOST_DROPS,
};
use super::record::{FlowStats, KeyFrames};
use super::table::{
    Flow, FlowConfig, FlowKey, MAX_ICMP_PER_FLOW, TcpFlow, direction_bit, end_stream, finish,
    likely_server_port, touch,
};
use super::{Direction, Dissector, FlowTable, StreamReassembler, TcpConnState, TcpEnding};
use crate::decode::{self, IcmpMessage, Packet, TcpFlags, TcpSegment};

impl<D: Dissector> FlowTable<D> {
    pub(super) fn tcp(
        &mut self,
        src_ip: IpAddr,
        dst_ip: IpAddr,
        seg: &TcpSegment<'_>,
        frame: u64,
        ts: i64,
        emit: &mut dyn FnMut(FlowRecord<D::Output>),
    ) {
        let key = FlowKey::of(src_ip, seg.src_port, dst_ip, seg.dst_port, 6);
        let syn_only = seg.flags.has(TcpFlags::SYN) && !seg.flags.has(TcpFlags::ACK);
        // Every packet of an open flow but a SYN that may start a new one: one lookup, and
        // the flow stays in hand for the update and the bookkeeping after it.
        if let Some(flow) = self.flows.get_mut(&key)
            && !(syn_only && reuses(flow, seg))
        {
            let is_orig = sent_by_orig(flow, src_ip, seg.src_port);
            let recount = tcp_segment(
                flow,
                &self.cfg,
                self.held_total,
                &mut self.stats,
                is_orig,
                seg,
                frame,
                ts,
            );
            touch(
                &self.cfg,
                &mut self.expiry,
                &mut self.held_total,
                &mut self.stats,
                &key,
                flow,
                recount,
            );
            return;
        }
        let src = SocketAddr::new(src_ip, seg.src_port);
        let dst = SocketAddr::new(dst_ip, seg.dst_port);

        // A fresh SYN on the 5-tuple of a connection that is over starts a new flow.
        if syn_only
            && self.flows.get(&key).is_some_and(|f| reuses(f, seg))
            && let Some(old) = self.remove(&key)
        {
            emit(finish(old, EndReason::Reused));
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
            let mut flow = Self::new_flow(orig, resp, guessed, ts, frame);
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
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        let is_orig = sent_by_orig(flow, src_ip, seg.src_port);
        let recount = tcp_segment(
            flow,
            &self.cfg,
            self.held_total,
            &mut self.stats,
            is_orig,
            seg,
            frame,
            ts,
        );
        touch(
            &self.cfg,
            &mut self.expiry,
            &mut self.held_total,
            &mut self.stats,
            &key,
            flow,
            recount,
        );
    }

    pub(super) fn udp(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        payload: &[u8],
        frame: u64,
        ts: i64,
        emit: &mut dyn FnMut(FlowRecord<D::Output>),
    ) {
        let key = FlowKey::new(src, dst, 17);
        if !self.flows.contains_key(&key) {
            // The first sender is the client, unless it sends from a server port to a
            // client port (a response whose query we missed).
            let flip = likely_server_port(src.port()) && !likely_server_port(dst.port());
            let (orig, resp) = if flip { (dst, src) } else { (src, dst) };
            let flow = Self::new_flow(orig, resp, flip, ts, frame);
            self.insert(key, flow, emit);
        }
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        datagram(flow, src, payload, frame, ts);
        touch(
            &self.cfg,
            &mut self.expiry,
            &mut self.held_total,
            &mut self.stats,
            &key,
            flow,
            true,
        );
    }

    pub(super) fn icmp(&mut self, from: IpAddr, msg: &IcmpMessage, frame: u64) {
        let Some(q) = msg.quoted else {
            return;
        };
        let a = SocketAddr::new(q.src, q.src_port);
        let b = SocketAddr::new(q.dst, q.dst_port);
        let key = FlowKey::new(a, b, q.protocol);
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

    /// Notes where on the capturing host a packet of an open flow was seen: the component
    /// (Windows Packet Monitor's id) and, for a drop report, the reason and location codes.
    /// Called for every copy of a packet, the collapsed ones too; a packet of no open flow
    /// (ICMP, or a flow already finished) is ignored. Bounded per flow.
    pub fn host_seen(
        &mut self,
        pkt: &Packet<'_>,
        frame: u64,
        component: Option<u32>,
        drop: Option<(u32, u32)>,
    ) {
        let (src, dst, proto) = match pkt.transport {
            decode::Transport::Tcp(s) => (s.src_port, s.dst_port, 6),
            decode::Transport::Udp(d) => (d.src_port, d.dst_port, 17),
            decode::Transport::Icmp(_) => return,
        };
        let src = SocketAddr::new(pkt.src, src);
        let key = FlowKey::new(src, SocketAddr::new(pkt.dst, dst), proto);
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        let host = flow.host.get_or_insert_with(Box::default);
        if let Some(c) = component
            && !host.components.contains(&c)
            && host.components.len() < MAX_HOST_COMPONENTS
        {
            host.components.push(c);
        }
        if let Some((reason, location)) = drop {
            if host.drops.len() < MAX_HOST_DROPS {
                host.drops.push(HostDropEvent {
                    frame,
                    component,
                    reason,
                    location,
                    from_client: src == flow.orig,
                });
            } else {
                host.more_drops += 1;
            }
        }
    }
}

/// Whether a packet from `ip`:`port` was sent by the flow's originator: the same test as
/// comparing `SocketAddr`s (decoded addresses carry no flow label or scope), without
/// building one per packet.
#[inline(always)]
fn sent_by_orig<D>(flow: &Flow<D>, ip: IpAddr, port: u16) -> bool {
    flow.orig.port() == port && flow.orig.ip() == ip
}

/// A SYN without ACK on an open flow's 5-tuple starts a new connection when the old one is
/// no longer open and the sequence number is new. Looser than "over": after one side's FIN a
/// SYN with a new sequence number is already a new connection (the FIN that closed the other
/// side may be missing).
fn reuses<D>(flow: &Flow<D>, seg: &TcpSegment<'_>) -> bool {
    flow.tcp
        .as_deref()
        .is_some_and(|t| t.state.ending() != TcpEnding::Open && t.first_syn_seq != Some(seg.seq))
}

/// What one TCP segment does to its flow: connection state, counters, key frames, and the
/// stream reassembly into the dissector. `held_total` is the table's buffered bytes before
/// this segment, checked against the budget before feeding. False when the segment reached
/// neither reassembly nor dissector (both directions had stopped buffering before it), so
/// the bytes they hold need no recount.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn tcp_segment<D: Dissector>(
    flow: &mut Flow<D>,
    cfg: &FlowConfig,
    held_total: usize,
    stats: &mut FlowStats,
    is_orig: bool,
    seg: &TcpSegment<'_>,
    frame: u64,
    ts: i64,
) -> bool {
    let Some(t) = flow.tcp.as_deref_mut() else {
        return true;
    };
    let settled = !t.orig_stream.is_active() && !t.resp_stream.is_active();
    let mut told = false;
    let mut is_orig = is_orig;
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
    if f.0 & (TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST) != 0 {
        control_flags(
            flow.tcp.as_deref_mut(),
            &mut flow.frames,
            is_orig,
            seg,
            frame,
        );
    }
    if f.has(TcpFlags::ACK)
        && let Some(t) = flow.tcp.as_deref_mut()
    {
        let peer = if is_orig {
            &mut t.resp_stream
        } else {
            &mut t.orig_stream
        };
        peer.acked(seg.ack);
        if !peer.is_active() {
            // A gap the ACK revealed: nothing more of that direction will come.
            let dir = if is_orig {
                Direction::ServerToClient
            } else {
                Direction::ClientToServer
            };
            told |= end_stream(&mut flow.dissector, &mut flow.ended, dir);
        }
    }

    // Payload of a RST is not part of the stream (RFC 9293 3.5.3; Zeek agrees). Once both
    // directions stopped buffering (most segments of a capture), nothing more to do.
    if !settled && !seg.payload.is_empty() && !f.has(TcpFlags::RST) {
        payload(flow, cfg, held_total, stats, is_orig, seg, frame, ts);
    }
    // Settled before it, and no dissector call since: nothing buffered can have changed.
    !settled || told
}

/// The key frames and SYN bookkeeping of a segment with SYN, FIN or RST (out of line: few
/// segments carry them).
#[inline(never)]
fn control_flags(
    t: Option<&mut TcpFlow>,
    frames: &mut KeyFrames,
    is_orig: bool,
    seg: &TcpSegment<'_>,
    frame: u64,
) {
    let f = seg.flags;
    if f.has(TcpFlags::SYN)
        && let Some(t) = t
    {
        if f.has(TcpFlags::ACK) {
            frames.syn_ack.get_or_insert(frame);
        } else if is_orig {
            frames.syn.get_or_insert(frame);
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
        frames.first_fin.get_or_insert(frame);
    }
    if f.has(TcpFlags::RST) {
        frames.first_rst.get_or_insert(frame);
    }
}

/// A segment's payload into its direction's reassembly and on to the dissector, unless the
/// budget is spent or the direction stopped (out of line: only the first segments of a flow
/// get here with a direction still buffering).
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn payload<D: Dissector>(
    flow: &mut Flow<D>,
    cfg: &FlowConfig,
    held_total: usize,
    stats: &mut FlowStats,
    is_orig: bool,
    seg: &TcpSegment<'_>,
    frame: u64,
    ts: i64,
) {
    let Some(t) = flow.tcp.as_deref_mut() else {
        return;
    };
    let f = seg.flags;
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
    if stream.is_active() && held_total >= cfg.buffer_budget {
        // The budget is spent: this direction gets nothing more buffered (checked
        // before feeding, so the total passes the budget by one segment at most).
        stream.cut_for_budget();
        end_stream(&mut flow.dissector, &mut flow.ended, dir);
        if !flow.budget_cut {
            flow.budget_cut = true;
            stats.budget_cut += 1;
        }
    }
    if stream.is_active() {
        let (orig, resp) = (flow.orig, flow.resp);
        let dissector = flow.dissector.get_or_insert_with(|| {
            let mut d = Box::<D>::default();
            d.begin(orig, resp, true);
            d
        });
        if !dissector.wants_stream(dir) {
            stream.complete();
        } else {
            // Data on a SYN (TCP Fast Open) starts after the SYN's sequence number.
            let data_seq = seg.seq.wrapping_add(u32::from(f.has(TcpFlags::SYN)));
            let ended = &mut flow.ended;
            stream.segment(data_seq, seg.payload, cfg.stream_limit, &mut |bytes| {
                *ended &= !direction_bit(dir);
                dissector.stream(dir, bytes, frame, ts);
                dissector.wants_stream(dir)
            });
        }
        if !stream.is_active() {
            // Limit, gap or done: release the parser's buffers for this direction
            // now rather than when the flow ends.
            end_stream(&mut flow.dissector, &mut flow.ended, dir);
        }
    }
}

/// What one UDP datagram does to its flow: counters, and the payload to the dissector whole.
fn datagram<D: Dissector>(
    flow: &mut Flow<D>,
    src: SocketAddr,
    payload: &[u8],
    frame: u64,
    ts: i64,
) {
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
    let (orig, resp) = (flow.orig, flow.resp);
    flow.dissector
        .get_or_insert_with(|| {
            let mut d = Box::<D>::default();
            d.begin(orig, resp, false);
            d
        })
        .datagram(dir, payload, frame, ts);
}
