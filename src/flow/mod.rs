//! TCP and UDP flow tracking. A flow is a bidirectional 5-tuple; the client is the SYN
//! sender, or a guess by the usual port heuristics (said so in the record). For TCP it keeps
//! Zeek's `conn_state` and `history`, counters per direction, the frame numbers of key events,
//! and hands the first bytes of each direction, in stream order, to a [`Dissector`].
//! Knows nothing of TLS, DNS, HTTP or the catalog; hands out [`FlowRecord`]s.
//!
//! The table is bounded: idle flows are finished and emitted, and past `max_flows` the
//! least recently active flows are evicted (and counted), so memory does not grow with the
//! size of the capture. The bytes flows buffer (reassembly and parser buffers) are bounded
//! per flow by `stream_limit` and the parsers' own bounds, released as soon as a direction
//! stops, and bounded across the table by `buffer_budget` (a flow whose bytes would pass it
//! stops buffering, counted in [`FlowStats::budget_cut`]). Idle expiry is a queue ordered
//! by deadline, so a sweep costs O(log n) per flow it finishes, not a scan of the table.
//!
//! Rooms: `record` (what a finished flow looks like), `table` (the table, its bounds, idle
//! sweep, eviction and the end of a flow), `update` (what one TCP segment, UDP datagram or
//! ICMP error does to its flow), `tcp_state` (Zeek's per-endpoint states and history, and
//! when a connection is over) and `reassembly` (the bounded in-order stream prefix).

mod reassembly;
mod record;
mod table;
mod tcp_state;
mod update;

#[cfg(test)]
mod tests;

pub use reassembly::{StreamReassembler, StreamStatus};
pub use record::{
    DirectionCounters, EndReason, FlowRecord, FlowStats, HostDropEvent, HostPath, IcmpEvent,
    KeyFrames, MAX_HOST_COMPONENTS, MAX_HOST_DROPS, TcpFacts,
};
pub use table::{FlowConfig, FlowTable, MAX_FLOW_BUFFERED};
pub use tcp_state::{ConnState, EndpointState, TcpConnState, TcpEnding};

use serde::Serialize;
use std::net::SocketAddr;

pub use crate::wire::Direction;

/// What the flow layer feeds payload to: a per-flow application-layer state.
pub trait Dissector: Default {
    /// The owned facts it hands out when the flow ends.
    type Output: Serialize;
    /// Called once, before the first payload reaches it (the table creates a flow's
    /// dissector lazily: a flow that never carries payload costs none), with the endpoints
    /// as judged then.
    fn begin(&mut self, _client: SocketAddr, _server: SocketAddr, _tcp: bool) {}
    /// The next in-order bytes of a TCP direction; `frame` (at `ts_nanos`) delivered the
    /// last of them.
    fn stream(&mut self, dir: Direction, bytes: &[u8], frame: u64, ts_nanos: i64);
    /// Whether more stream bytes of this direction could still teach it something.
    fn wants_stream(&self, dir: Direction) -> bool;
    /// One UDP datagram's payload.
    fn datagram(&mut self, dir: Direction, payload: &[u8], frame: u64, ts_nanos: i64);
    /// No more stream bytes of this direction will come (the reassembly stopped: limit,
    /// gap, budget, or the dissector said it was done): release what is buffered for it.
    /// Told once per direction (again only if bytes of it were fed since): a second call
    /// must change nothing.
    fn stream_ended(&mut self, _dir: Direction) {}
    /// Bytes this dissector holds in buffers now, counted against the table's budget.
    fn buffered(&self) -> usize {
        0
    }
    /// The flow is over: hand out the facts.
    fn finish(self) -> Self::Output;
}
