//! Dissection: decides from the first bytes of each direction whether a flow carries TLS,
//! HTTP (a CONNECT tunnel included, whose TLS is then read too) or DNS over TCP, feeds the
//! matching parser, and reads DNS and spots QUIC in UDP datagrams. Knows the parsers' APIs
//! and nothing of the catalog: it only records what the bytes say, per flow ([`AppFacts`]).
//! Compacting those facts for the audit is the `facts` stage's job.

use serde::Serialize;
use std::net::SocketAddr;

use crate::dns::{self, DnsMessage, DnsTcpStream};
use crate::flow::{Direction, Dissector};
use crate::http::{self, Feed, HttpFacts, HttpStream};
use crate::tls::{self, TlsFacts, TlsStream};
use crate::wire::AppProtocol;

/// Most DNS messages kept per flow (a resolver flow can carry thousands; the audit needs
/// the answers, and a bound keeps memory flat).
const MAX_DNS_PER_FLOW: usize = 256;

/// Bytes to collect before deciding what a TCP direction carries ("CONNECT " is eight).
const SNIFF_BYTES: usize = 8;

/// A DNS message with where it was seen.
#[derive(Debug, Clone, Serialize)]
pub struct DnsEvent {
    pub frame: u64,
    pub ts_ns: i64,
    pub direction: Direction,
    pub message: DnsMessage,
}

/// What one flow's payload revealed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AppFacts {
    /// What the bytes were recognised as, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<AppProtocol>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpFacts>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<DnsEvent>,
    /// DNS payloads that did not parse, with the reason (bounded like `dns`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_errors: Vec<String>,
    /// DNS messages beyond the per-flow bound, counted only.
    #[serde(skip_serializing_if = "is_zero")]
    pub dns_dropped: u64,
    /// UDP datagrams that look like QUIC long-header packets (not analysed yet).
    #[serde(skip_serializing_if = "is_zero")]
    pub quic_packets: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

enum Stream {
    Sniffing(Vec<u8>),
    /// Not a protocol we parse from its first byte; each later segment is checked for the
    /// start of a TLS hello (STARTTLS, SOCKS, MySQL and PostgreSQL upgrades, ...), until
    /// the reassembly limit.
    Scan,
    /// Read by this direction's reader in the dissector's [`TlsState`].
    Tls,
    Http(Box<HttpStream>),
    Dns(Box<DnsTcpStream>),
    Done,
}

impl Default for Stream {
    fn default() -> Self {
        Stream::Sniffing(Vec::new())
    }
}

/// A TLS connection's facts and its two directions' readers, in one allocation made when
/// either direction turns out to carry TLS (three per TLS flow before).
struct TlsState {
    facts: TlsFacts,
    c2s: TlsStream,
    s2c: TlsStream,
}

impl TlsState {
    fn reader(&mut self, dir: Direction) -> &mut TlsStream {
        match dir {
            Direction::ClientToServer => &mut self.c2s,
            Direction::ServerToClient => &mut self.s2c,
        }
    }
}

/// What a flow's datagrams and DNS streams teach before it ends (the part of [`AppFacts`]
/// filled as bytes arrive; TLS and HTTP facts join at the end).
#[derive(Default)]
struct Running {
    protocol: Option<AppProtocol>,
    dns: Vec<DnsEvent>,
    dns_errors: Vec<String>,
    dns_dropped: u64,
    quic_packets: u64,
}

/// The [`Dissector`] the pipeline uses. Small (about 200 bytes) until TLS shows up: the
/// TLS facts (near 800 bytes) and readers are boxed and made for TLS flows only, since every
/// flow with payload holds one of these while it is open.
///
/// `HELLO_DETAILS` is [`tls::Extract::hello_details`] for every TLS stream it reads: a
/// parameter of the type, since the flow table makes its dissectors with `Default`.
#[derive(Default)]
pub struct AppDissector<const HELLO_DETAILS: bool = true> {
    c2s: Stream,
    s2c: Stream,
    dns_port: bool,
    tcp: bool,
    facts: Running,
    tls: Option<Box<TlsState>>,
    tls_seen: bool,
    http: HttpFacts,
    http_seen: bool,
    client_connect: bool,
}

fn is_dns_port(p: u16) -> bool {
    matches!(p, 53 | 5353 | 5355)
}

impl<const HELLO_DETAILS: bool> AppDissector<HELLO_DETAILS> {
    /// A fresh TLS reader for one direction, keeping what this dissector extracts.
    fn tls_reader(dir: Direction) -> TlsStream {
        TlsStream::with_extract(
            dir,
            tls::Extract {
                hello_details: HELLO_DETAILS,
            },
        )
    }

    /// Starts reading TLS in one direction (from its start, or where a tunnel or an upgrade
    /// begins): a fresh reader, sharing the connection's facts.
    fn tls_stream(&mut self, dir: Direction) -> Stream {
        self.tls_seen = true;
        match &mut self.tls {
            Some(state) => *state.reader(dir) = Self::tls_reader(dir),
            None => {
                self.tls = Some(Box::new(TlsState {
                    facts: TlsFacts::default(),
                    c2s: Self::tls_reader(Direction::ClientToServer),
                    s2c: Self::tls_reader(Direction::ServerToClient),
                }))
            }
        }
        Stream::Tls
    }

    /// Frees what a direction's TLS reader buffers, once it reads no more (its facts stay).
    fn release_tls_reader(&mut self, dir: Direction) {
        if let Some(state) = &mut self.tls {
            *state.reader(dir) = Self::tls_reader(dir);
        }
    }

    fn stream_mut(&mut self, dir: Direction) -> &mut Stream {
        match dir {
            Direction::ClientToServer => &mut self.c2s,
            Direction::ServerToClient => &mut self.s2c,
        }
    }

    fn record_dns(
        &mut self,
        dir: Direction,
        frame: u64,
        ts: i64,
        r: Result<DnsMessage, dns::DnsError>,
    ) {
        if self.facts.dns.len() + self.facts.dns_errors.len() >= MAX_DNS_PER_FLOW {
            self.facts.dns_dropped += 1;
            return;
        }
        match r {
            Ok(message) => self.facts.dns.push(DnsEvent {
                frame,
                ts_ns: ts,
                direction: dir,
                message,
            }),
            Err(e) => self.facts.dns_errors.push(format!("frame {frame}: {e}")),
        }
        self.facts.protocol.get_or_insert(AppProtocol::Dns);
    }

    /// The HTTP heads read so far are as large as the bytes they came from (a 16 KiB target
    /// is kept whole until the facts stage cuts it): counted with the buffers.
    fn http_heads(&self) -> usize {
        self.http
            .requests
            .iter()
            .map(|r| {
                r.method.capacity()
                    + r.target.capacity()
                    + r.version.capacity()
                    + r.host.as_ref().map_or(0, String::capacity)
                    + r.user_agent.as_ref().map_or(0, String::capacity)
            })
            .sum::<usize>()
            + self
                .http
                .responses
                .iter()
                .map(|r| {
                    r.reason.capacity()
                        + r.version.capacity()
                        + r.proxy_authenticate
                            .iter()
                            .map(String::capacity)
                            .sum::<usize>()
                })
                .sum::<usize>()
    }

    /// Feeds bytes to a direction, switching parsers when a CONNECT tunnel opens.
    fn feed(&mut self, dir: Direction, bytes: &[u8], frame: u64, ts: i64) {
        let mut stream = std::mem::replace(self.stream_mut(dir), Stream::Done);
        if let Stream::Scan = stream
            && tls_hello_starts(dir, bytes)
        {
            stream = self.tls_stream(dir);
        }
        // Rare path: a direction whose first segment was shorter than the sniff window.
        let joined;
        let mut data = bytes;
        if let Stream::Sniffing(buf) = &mut stream {
            if !buf.is_empty() {
                buf.extend_from_slice(bytes);
                joined = std::mem::take(buf);
                data = &joined;
            }
            match self.decide(dir, data) {
                // A short preamble that ended where this segment starts a TLS hello (a
                // PostgreSQL 'S', a SOCKS reply): parse from this segment on.
                Some(Stream::Scan) if tls_hello_starts(dir, bytes) => {
                    stream = self.tls_stream(dir);
                    data = bytes;
                }
                Some(next) => stream = next,
                None => {
                    if data.len() < SNIFF_BYTES {
                        *self.stream_mut(dir) = Stream::Sniffing(data.to_vec());
                    }
                    return;
                }
            }
        }
        while !data.is_empty() {
            match self.feed_one(dir, &mut stream, data, frame, ts) {
                Some(off) if off < data.len() => {
                    data = &data[off..];
                    stream = self.tls_stream(dir);
                }
                Some(_) => {
                    stream = self.tls_stream(dir);
                    break;
                }
                None => break,
            }
        }
        *self.stream_mut(dir) = stream;
    }

    /// Chooses a parser from the first bytes; None while undecided.
    fn decide(&mut self, dir: Direction, first: &[u8]) -> Option<Stream> {
        if first.is_empty() {
            return None;
        }
        if tls::looks_like_tls(first) {
            return Some(self.tls_stream(dir));
        }
        let client = dir == Direction::ClientToServer;
        if (client && http::looks_like_http_request(first))
            || (!client && http::looks_like_http_response(first))
        {
            self.http_seen = true;
            let mut s = HttpStream::new(client);
            if !client && self.client_connect {
                s.expect_connect_response();
            }
            return Some(Stream::Http(Box::new(s)));
        }
        if self.dns_port && self.tcp {
            return Some(Stream::Dns(Box::new(DnsTcpStream::new())));
        }
        if first.len() >= SNIFF_BYTES {
            return Some(Stream::Scan);
        }
        None
    }

    /// Feeds one parser; returns the offset where a CONNECT tunnel starts, if it did.
    fn feed_one(
        &mut self,
        dir: Direction,
        stream: &mut Stream,
        bytes: &[u8],
        frame: u64,
        ts: i64,
    ) -> Option<usize> {
        match stream {
            Stream::Tls => {
                let more = self.tls.as_mut().is_some_and(|state| {
                    let TlsState { facts, c2s, s2c } = &mut **state;
                    let reader = match dir {
                        Direction::ClientToServer => c2s,
                        Direction::ServerToClient => s2c,
                    };
                    reader.feed(bytes, frame, facts);
                    reader.wants_more()
                });
                if !more {
                    *stream = Stream::Done;
                    self.release_tls_reader(dir);
                }
                None
            }
            Stream::Http(h) => {
                let feed = h.feed(bytes, frame, &mut self.http);
                if dir == Direction::ClientToServer
                    && self
                        .http
                        .requests
                        .iter()
                        .any(|r| r.method.eq_ignore_ascii_case("CONNECT"))
                {
                    self.client_connect = true;
                    if let Stream::Http(s2c) = &mut self.s2c {
                        s2c.expect_connect_response();
                    }
                }
                match feed {
                    Feed::Tunnel { offset } => Some(offset),
                    Feed::Done => {
                        *stream = Stream::Done;
                        None
                    }
                    Feed::NeedMore => {
                        if !h.wants_more() {
                            *stream = Stream::Done;
                        }
                        None
                    }
                }
            }
            Stream::Dns(d) => {
                let mut out = Vec::new();
                d.feed(bytes, &mut out);
                for r in out {
                    self.record_dns(dir, frame, ts, r);
                }
                if !d.wants_more() {
                    *stream = Stream::Done;
                }
                None
            }
            Stream::Sniffing(_) | Stream::Scan | Stream::Done => None,
        }
    }
}

/// Bytes one direction's parser holds in its buffers (`tls`: that direction's TLS reader).
#[inline]
fn stream_buffered(s: &Stream, tls: Option<&TlsStream>) -> usize {
    match s {
        Stream::Sniffing(b) => b.capacity(),
        Stream::Tls => tls.map_or(0, TlsStream::buffered),
        Stream::Http(h) => h.buffered(),
        // DNS over TCP holds at most one 64 KiB message per direction (its own bound), on
        // DNS ports only.
        Stream::Dns(_) | Stream::Scan | Stream::Done => 0,
    }
}

/// A segment that opens with a TLS handshake record holding a ClientHello (from the
/// client) or a ServerHello (from the server): TLS starting after a plaintext preamble.
fn tls_hello_starts(dir: Direction, b: &[u8]) -> bool {
    let hello = match dir {
        Direction::ClientToServer => 1,
        Direction::ServerToClient => 2,
    };
    b.len() >= 6 && b[0] == 0x16 && b[1] == 3 && b[2] <= 4 && b[5] == hello
}

/// A QUIC long-header packet: header form and fixed bits set, a version field.
fn looks_like_quic(p: &[u8]) -> bool {
    p.len() >= 7 && p[0] & 0xc0 == 0xc0
}

impl<const HELLO_DETAILS: bool> Dissector for AppDissector<HELLO_DETAILS> {
    type Output = AppFacts;

    fn begin(&mut self, client: SocketAddr, server: SocketAddr, tcp: bool) {
        self.tcp = tcp;
        self.dns_port = is_dns_port(server.port()) || is_dns_port(client.port());
    }

    fn stream(&mut self, dir: Direction, bytes: &[u8], frame: u64, ts_nanos: i64) {
        self.feed(dir, bytes, frame, ts_nanos);
    }

    fn wants_stream(&self, dir: Direction) -> bool {
        let s = match dir {
            Direction::ClientToServer => &self.c2s,
            Direction::ServerToClient => &self.s2c,
        };
        match s {
            Stream::Done => false,
            Stream::Tls => self.tls.as_ref().is_some_and(|state| match dir {
                Direction::ClientToServer => state.c2s.wants_more(),
                Direction::ServerToClient => state.s2c.wants_more(),
            }),
            Stream::Http(h) => h.wants_more(),
            Stream::Dns(d) => d.wants_more(),
            Stream::Sniffing(_) | Stream::Scan => true,
        }
    }

    fn stream_ended(&mut self, dir: Direction) {
        // The reassembly stopped for good: every parser's facts are already in `facts`,
        // `tls` or `http`; what the stream holds is buffers only.
        if let Stream::Tls = std::mem::replace(self.stream_mut(dir), Stream::Done) {
            self.release_tls_reader(dir);
        }
    }

    fn buffered(&self) -> usize {
        // Asked after every packet of an open flow: the two streams first, the HTTP heads
        // only on a flow that has them.
        let (c2s, s2c) = match &self.tls {
            Some(state) => (Some(&state.c2s), Some(&state.s2c)),
            None => (None, None),
        };
        let streams = stream_buffered(&self.c2s, c2s) + stream_buffered(&self.s2c, s2c);
        if self.http_seen {
            streams + self.http_heads()
        } else {
            streams
        }
    }

    fn datagram(&mut self, dir: Direction, payload: &[u8], frame: u64, ts_nanos: i64) {
        if self.dns_port {
            let r = dns::parse_message(payload);
            self.record_dns(dir, frame, ts_nanos, r);
        } else if looks_like_quic(payload) {
            self.facts.quic_packets += 1;
            self.facts.protocol.get_or_insert(AppProtocol::Quic);
        }
    }

    fn finish(self) -> AppFacts {
        let Running {
            protocol,
            dns,
            dns_errors,
            dns_dropped,
            quic_packets,
        } = self.facts;
        let mut facts = AppFacts {
            protocol,
            tls: None,
            http: None,
            dns,
            dns_errors,
            dns_dropped,
            quic_packets,
        };
        let connect = self
            .http
            .requests
            .iter()
            .any(|r| r.method.eq_ignore_ascii_case("CONNECT"));
        if self.http_seen {
            facts.protocol = Some(if connect {
                AppProtocol::HttpConnect
            } else {
                AppProtocol::Http
            });
            facts.http = Some(self.http);
        }
        if self.tls_seen {
            if facts.protocol.is_none() {
                facts.protocol = Some(AppProtocol::Tls);
            }
            facts.tls = Some(self.tls.map(|t| t.facts).unwrap_or_default());
        }
        facts
    }
}
