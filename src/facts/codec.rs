//! How the facts' records are written to a [spool](super::spool)'s file and read back:
//! the [`Spooled`] encodings of [`AuditFlow`] and [`DnsAnswer`] and of every type they hold.
//!
//! The encoding is written by hand and private to the process (the spool's file is unnamed
//! and gone when the audit ends; no other program reads it), so it is compact rather than
//! self-describing: integers as LEB128 varints (signed ones zigzagged, so small negatives
//! stay short), ports, DNS ids, TLS versions and cipher suites as two fixed bytes (their
//! usual values would take three as varints), strings and lists after their length, an
//! `Option` and an enum variant as a tag byte. A record's later timestamp and frame numbers
//! are written as differences from its first, which are small. A TLS alert's names are not
//! written: they are the parser's names of its two numbers ([`alert_level_name`],
//! [`alert_description_name`]) and are rebuilt from them on reading.
//!
//! Decoding never panics and never trusts a length: each is checked against the bytes left
//! before anything is allocated, and bytes that are no record's encoding (cut short, a tag
//! out of range, a varint past 64 bits, a string that is not UTF-8) decode to `None`.
//! Decoded records own their parts: lists that records shared in memory (certificate
//! chains, JA4 strings, offered versions) come back as one copy per record.
//!
//! Every struct is destructured whole in its encoder (no `..`) and built with every field
//! named in its decoder, and every enum is matched without a wildcard, so a field or variant
//! added to a record fails to compile here instead of being silently left out of the spool.
//! Knows the records' types; knows nothing of the spool's file or of which records it holds.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::sync::Arc;

use super::spool::Spooled;
use super::{
    AuditFlow, CertSummary, DnsAnswer, DnsRecordData, HttpRequestSummary, HttpResponseSummary,
    RareParts, TlsSummary,
};
use crate::dns::Rcode;
use crate::flow::{ConnState, HostDropEvent, IcmpEvent, KeyFrames};
use crate::tls::{Alert, TlsVersion, alert_description_name, alert_level_name};
use crate::wire::{AppProtocol, Direction, Transport};

impl Spooled for AuditFlow {
    type Shared = FlowShared;

    fn encode(&self, shared: &mut FlowShared, out: &mut Vec<u8>) {
        out.reserve(flow_hint(self));
        self.put(out);
        if let Some(t) = &self.tls {
            shared.put(t, out);
        }
    }

    fn decode(input: &mut &[u8], shared: &FlowShared) -> Option<Self> {
        let mut r = *input;
        let mut f = AuditFlow::get(&mut r)?;
        if let Some(t) = &mut f.tls {
            shared.get(t, &mut r)?;
        }
        *input = r;
        Some(f)
    }
}

impl Spooled for DnsAnswer {
    type Shared = ();

    fn encode(&self, _: &mut (), out: &mut Vec<u8>) {
        out.reserve(dns_hint(self));
        self.put(out);
    }

    fn decode(input: &mut &[u8], _: &()) -> Option<Self> {
        get_whole(input)
    }
}

/// Most distinct values of each kind [`FlowShared`] holds (chains, which can be tens of
/// KiB each, fewer); past them a value is written inline in each record (a capture of
/// thousands of distinct certificate chains stays bounded, only slower to read back).
const MAX_SHARED: usize = 1024;
const MAX_SHARED_CHAINS: usize = 256;

/// The parts of a TLS record that many records of a capture share (the facts' interner
/// hands out one copy of each): a server's certificate chain, a client stack's JA4 and
/// offered versions. A spool writes each once, here in memory, and a record refers to it
/// by number, so reading a record back copies no chain and no fingerprint. Keyed by the
/// shared value's address, which the table keeps alive (so an address names one value).
pub struct FlowShared {
    chains: Table<[CertSummary]>,
    ja4s: Table<str>,
    versions: Table<[TlsVersion]>,
}

impl Default for FlowShared {
    fn default() -> Self {
        FlowShared {
            chains: Table::new(MAX_SHARED_CHAINS),
            ja4s: Table::new(MAX_SHARED),
            versions: Table::new(MAX_SHARED),
        }
    }
}

/// One kind of shared value, numbered in the order first written, at most `most`.
struct Table<T: ?Sized> {
    values: Vec<Arc<T>>,
    ids: rustc_hash::FxHashMap<usize, u32>,
    most: usize,
}

/// Tag of a shared value written inline (the table was full), else its number follows.
const INLINE: u8 = 0;
const NUMBERED: u8 = 1;

impl<T: ?Sized> Table<T> {
    fn new(most: usize) -> Table<T> {
        Table {
            values: Vec::new(),
            ids: rustc_hash::FxHashMap::default(),
            most,
        }
    }

    /// Writes `v` as its number (numbering it on first sight), or, past [`MAX_SHARED`]
    /// values, as `inline` writes it.
    fn put(&mut self, v: &Arc<T>, out: &mut Vec<u8>, inline: impl FnOnce(&mut Vec<u8>)) {
        let key = Arc::as_ptr(v).cast::<u8>() as usize;
        let id = match self.ids.get(&key) {
            Some(&id) => Some(id),
            None if self.values.len() < self.most => {
                let id = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
                self.ids.insert(key, id);
                self.values.push(v.clone());
                Some(id)
            }
            None => None,
        };
        match id {
            Some(id) => {
                out.push(NUMBERED);
                id.put(out);
            }
            None => {
                out.push(INLINE);
                inline(out);
            }
        }
    }

    /// Reads a value [`Table::put`] wrote: by number, or inline through `inline`.
    fn get(
        &self,
        r: &mut &[u8],
        inline: impl FnOnce(&mut &[u8]) -> Option<Arc<T>>,
    ) -> Option<Arc<T>> {
        match u8::get(r)? {
            NUMBERED => self
                .values
                .get(usize::try_from(u32::get(r)?).ok()?)
                .cloned(),
            INLINE => inline(r),
            _ => None,
        }
    }
}

impl FlowShared {
    /// Writes the shared parts of `t`.
    fn put(&mut self, t: &TlsSummary, out: &mut Vec<u8>) {
        self.chains
            .put(&t.certificates, out, |out| t.certificates.put(out));
        match &t.ja4 {
            Some(ja4) => {
                out.push(1);
                self.ja4s.put(ja4, out, |out| ja4.put(out));
            }
            None => out.push(0),
        }
        self.versions
            .put(&t.client_versions, out, |out| t.client_versions.put(out));
    }

    /// Reads the shared parts [`FlowShared::put`] wrote into `t`.
    fn get(&self, t: &mut TlsSummary, r: &mut &[u8]) -> Option<()> {
        t.certificates = self.chains.get(r, get)?;
        t.ja4 = match u8::get(r)? {
            0 => None,
            1 => Some(self.ja4s.get(r, get)?),
            _ => return None,
        };
        t.client_versions = self
            .versions
            .get(r, |r| get_u16s(r, TlsVersion).map(Arc::from))?;
        Some(())
    }
}

/// A value with an encoding: the records and each type they hold.
pub(crate) trait Codec: Sized {
    /// Appends the encoding of `self`.
    fn put(&self, out: &mut Vec<u8>);
    /// Reads one value from the front of `r`, advancing it; `None` when the bytes are not
    /// one value's encoding (`r` is then left anywhere: [`get_whole`] restores it).
    fn get(r: &mut &[u8]) -> Option<Self>;
}

/// One value from the front of `input`, which is advanced only when the value decodes.
pub(crate) fn get_whole<T: Codec>(input: &mut &[u8]) -> Option<T> {
    let mut r = *input;
    let v = T::get(&mut r)?;
    *input = r;
    Some(v)
}

/// [`Codec::get`], for `let` bindings whose type the record they build tells.
pub(crate) fn get<T: Codec>(r: &mut &[u8]) -> Option<T> {
    T::get(r)
}

/// Bytes of a record's encoding, near enough for one `reserve` to cover it: a fixed part
/// generous for its numbers, plus its strings and lists.
fn flow_hint(f: &AuditFlow) -> usize {
    let tls = f.tls.as_ref().map_or(0, |t| {
        96 + t.sni.as_ref().map_or(0, String::len)
            + t.ja4.as_deref().map_or(0, str::len)
            + 2 * (t.client_versions.len() + t.offered_suites.len())
            + 16 * t.alerts.len()
            + t.certificates
                .iter()
                .map(|c| {
                    8 + c.subject.len()
                        + c.issuer.len()
                        + c.subject_cn.as_ref().map_or(0, String::len)
                        + c.issuer_cn.as_ref().map_or(0, String::len)
                        + c.san_dns.iter().map(|n| n.len() + 2).sum::<usize>()
                })
                .sum::<usize>()
    });
    let rare = f.rare.as_deref().map_or(0, |r| {
        8 + 24 * r.icmp.len()
            + 5 * r.host_components.len()
            + 24 * r.host_drops.len()
            + r.requests
                .iter()
                .map(|q| {
                    24 + q.method.len() + q.target.len() + q.host.as_ref().map_or(0, String::len)
                })
                .sum::<usize>()
            + r.responses
                .iter()
                .map(|s| 16 + s.reason.len())
                .sum::<usize>()
    });
    128 + f.history.len() + tls + rare
}

/// [`flow_hint`] of a DNS message.
fn dns_hint(d: &DnsAnswer) -> usize {
    96 + d.qname.as_ref().map_or(0, String::len)
        + d.answers
            .iter()
            .map(|(name, data)| {
                20 + name.len()
                    + match data {
                        DnsRecordData::A(_) => 0,
                        DnsRecordData::Cname(c) => c.len(),
                    }
            })
            .sum::<usize>()
}

// ---- Integers, strings, bytes ----

/// Appends `v` as an unsigned LEB128 varint (1 to 10 bytes).
fn put_uvar(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads an unsigned LEB128 varint; `None` when cut short or past 64 bits.
fn get_uvar(r: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for i in 0..10 {
        let (&b, rest) = r.split_first()?;
        *r = rest;
        // The tenth byte carries the 64th bit only, and ends the varint.
        if i == 9 && b > 1 {
            return None;
        }
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Reads `n` bytes, `None` when fewer are left.
fn get_bytes<'a>(r: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if n > r.len() {
        return None;
    }
    let (head, rest) = r.split_at(n);
    *r = rest;
    Some(head)
}

/// Reads a length, `None` when more bytes are claimed than are left (each unit at least one
/// byte), so nothing is allocated for a length that cannot be real.
fn get_len(r: &mut &[u8]) -> Option<usize> {
    let n = usize::try_from(get_uvar(r)?).ok()?;
    (n <= r.len()).then_some(n)
}

/// Reads a length-prefixed UTF-8 string, borrowed from the input.
fn get_str<'a>(r: &mut &'a [u8]) -> Option<&'a str> {
    let n = get_len(r)?;
    std::str::from_utf8(get_bytes(r, n)?).ok()
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_uvar(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// `n` bytes read into an array.
fn get_array<const N: usize>(r: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = r.split_first_chunk::<N>()?;
    *r = rest;
    Some(*head)
}

impl Codec for u8 {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let (&b, rest) = r.split_first()?;
        *r = rest;
        Some(b)
    }
}

impl Codec for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        match u8::get(r)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

/// Two fixed bytes: the u16s of a record are ports, ids, TLS versions, cipher suites and
/// HTTP statuses, most of which would take three bytes as varints.
impl Codec for u16 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        get_array(r).map(u16::from_be_bytes)
    }
}

impl Codec for u32 {
    fn put(&self, out: &mut Vec<u8>) {
        put_uvar(out, u64::from(*self));
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        u32::try_from(get_uvar(r)?).ok()
    }
}

impl Codec for u64 {
    fn put(&self, out: &mut Vec<u8>) {
        put_uvar(out, *self);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        get_uvar(r)
    }
}

/// Zigzag, so a small negative difference is as short as a small positive one.
impl Codec for i64 {
    fn put(&self, out: &mut Vec<u8>) {
        put_uvar(out, ((*self << 1) ^ (*self >> 63)) as u64);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let u = get_uvar(r)?;
        Some((u >> 1) as i64 ^ -((u & 1) as i64))
    }
}

impl Codec for String {
    fn put(&self, out: &mut Vec<u8>) {
        put_str(out, self);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        get_str(r).map(str::to_owned)
    }
}

impl Codec for Arc<str> {
    fn put(&self, out: &mut Vec<u8>) {
        put_str(out, self);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        get_str(r).map(Arc::from)
    }
}

// ---- Containers ----

impl<T: Codec> Codec for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.put(out);
            }
        }
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        match u8::get(r)? {
            0 => Some(None),
            1 => T::get(r).map(Some),
            _ => None,
        }
    }
}

/// Bytes a decoded list is given up front at most: far above any real list of a record
/// (64 SANs, a hundred cipher suites), so those are allocated once, while a hostile count
/// (each item is at least one byte, so up to the bytes left) cannot make one allocation
/// many times the input's size.
const PREALLOC_BYTES: usize = 64 << 10;

fn put_slice<T: Codec>(out: &mut Vec<u8>, items: &[T]) {
    put_uvar(out, items.len() as u64);
    for item in items {
        item.put(out);
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        put_slice(out, self);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let n = get_len(r)?;
        let mut v = Vec::with_capacity(n.min(PREALLOC_BYTES / std::mem::size_of::<T>().max(1)));
        for _ in 0..n {
            v.push(T::get(r)?);
        }
        Some(v)
    }
}

/// A list of two-byte values written by [`put_slice`] (cipher suites, versions), read back
/// from one slice of the input instead of value by value: the longest lists a record holds.
fn get_u16s<T>(r: &mut &[u8], of: fn(u16) -> T) -> Option<Vec<T>> {
    let n = get_len(r)?;
    let bytes = get_bytes(r, n.checked_mul(2)?)?;
    let mut v = Vec::with_capacity(n);
    for c in bytes.chunks_exact(2) {
        v.push(of(u16::from_be_bytes(c.try_into().ok()?)));
    }
    Some(v)
}

impl<T: Codec> Codec for Arc<[T]> {
    fn put(&self, out: &mut Vec<u8>) {
        put_slice(out, self);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        Vec::<T>::get(r).map(Arc::from)
    }
}

impl<T: Codec> Codec for Box<T> {
    fn put(&self, out: &mut Vec<u8>) {
        (**self).put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        T::get(r).map(Box::new)
    }
}

impl<A: Codec, B: Codec> Codec for (A, B) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        Some((A::get(r)?, B::get(r)?))
    }
}

// ---- Addresses ----

impl Codec for IpAddr {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            IpAddr::V4(a) => {
                out.push(4);
                out.extend_from_slice(&a.octets());
            }
            IpAddr::V6(a) => {
                out.push(6);
                out.extend_from_slice(&a.octets());
            }
        }
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        match u8::get(r)? {
            4 => get_array::<4>(r).map(|a| IpAddr::V4(Ipv4Addr::from(a))),
            6 => get_array::<16>(r).map(|a| IpAddr::V6(Ipv6Addr::from(a))),
            _ => None,
        }
    }
}

/// An IPv6 socket address keeps its flow label and scope id, so a link-local address reads
/// back with the interface it was scoped to.
impl Codec for SocketAddr {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            SocketAddr::V4(a) => {
                out.push(4);
                out.extend_from_slice(&a.ip().octets());
                a.port().put(out);
            }
            SocketAddr::V6(a) => {
                out.push(6);
                out.extend_from_slice(&a.ip().octets());
                a.port().put(out);
                a.flowinfo().put(out);
                a.scope_id().put(out);
            }
        }
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        match u8::get(r)? {
            4 => {
                let ip = Ipv4Addr::from(get_array::<4>(r)?);
                Some(SocketAddr::V4(SocketAddrV4::new(ip, get(r)?)))
            }
            6 => {
                let ip = Ipv6Addr::from(get_array::<16>(r)?);
                let port = get(r)?;
                let flowinfo = get(r)?;
                let scope_id = get(r)?;
                Some(SocketAddr::V6(SocketAddrV6::new(
                    ip, port, flowinfo, scope_id,
                )))
            }
            _ => None,
        }
    }
}

// ---- Enums ----

/// The encoding of a field-less enum: one tag byte per variant. The encoder's `match`
/// names every variant and has no wildcard, so a variant added to the enum fails to
/// compile here until it is given a tag (and a tag given twice is an unreachable pattern,
/// which clippy's `-D warnings` refuses).
macro_rules! tagged {
    ($ty:ident { $($variant:ident = $tag:literal),+ $(,)? }) => {
        impl Codec for $ty {
            fn put(&self, out: &mut Vec<u8>) {
                out.push(match self {
                    $($ty::$variant => $tag,)+
                });
            }

            fn get(r: &mut &[u8]) -> Option<Self> {
                Some(match u8::get(r)? {
                    $($tag => $ty::$variant,)+
                    _ => return None,
                })
            }
        }
    };
}

tagged!(Transport { Tcp = 0, Udp = 1 });
tagged!(Direction {
    ClientToServer = 0,
    ServerToClient = 1,
});
tagged!(AppProtocol {
    Tls = 0,
    Http = 1,
    HttpConnect = 2,
    Dns = 3,
    Quic = 4,
});
tagged!(ConnState {
    S0 = 0,
    S1 = 1,
    Sf = 2,
    Rej = 3,
    S2 = 4,
    S3 = 5,
    Rsto = 6,
    Rstr = 7,
    Rstos0 = 8,
    Rstrh = 9,
    Sh = 10,
    Shr = 11,
    Oth = 12,
    Rstoh = 13,
});

/// Tag of [`Rcode::Unknown`], whose code follows; any other tag is an assigned code (all
/// below 255), read back with [`Rcode::from_u16`]. `Unknown` keeps its own tag so that an
/// `Unknown` holding an assigned code (which `from_u16` never makes) still reads back as
/// itself.
const RCODE_UNKNOWN: u8 = 255;

impl Codec for Rcode {
    fn put(&self, out: &mut Vec<u8>) {
        match *self {
            Rcode::Unknown(code) => {
                out.push(RCODE_UNKNOWN);
                code.put(out);
            }
            assigned => out.push(assigned.code() as u8),
        }
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        match u8::get(r)? {
            RCODE_UNKNOWN => Some(Rcode::Unknown(get(r)?)),
            code => match Rcode::from_u16(u16::from(code)) {
                // Never written: an unassigned code has the Unknown tag.
                Rcode::Unknown(_) => None,
                assigned => Some(assigned),
            },
        }
    }
}

impl Codec for TlsVersion {
    fn put(&self, out: &mut Vec<u8>) {
        let TlsVersion(v) = self;
        v.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        get(r).map(TlsVersion)
    }
}

impl Codec for DnsRecordData {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            DnsRecordData::A(ip) => {
                out.push(0);
                ip.put(out);
            }
            DnsRecordData::Cname(name) => {
                out.push(1);
                name.put(out);
            }
        }
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        match u8::get(r)? {
            0 => get(r).map(DnsRecordData::A),
            1 => get(r).map(DnsRecordData::Cname),
            _ => None,
        }
    }
}

// ---- The flow record's parts ----

/// Frame numbers after the first are written as their distance from it (wrapping, so any
/// value reads back): a flow's key frames are close together, its first frame is not.
impl Codec for KeyFrames {
    fn put(&self, out: &mut Vec<u8>) {
        let KeyFrames {
            first,
            last,
            syn,
            syn_ack,
            first_fin,
            first_rst,
        } = self;
        let first = *first;
        let after = |f: &Option<u64>| f.map(|f| f.wrapping_sub(first));
        first.put(out);
        last.wrapping_sub(first).put(out);
        after(syn).put(out);
        after(syn_ack).put(out);
        after(first_fin).put(out);
        after(first_rst).put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let first: u64 = get(r)?;
        let after = |r: &mut &[u8]| -> Option<Option<u64>> {
            Some(Option::<u64>::get(r)?.map(|d| first.wrapping_add(d)))
        };
        let last = first.wrapping_add(get(r)?);
        let syn = after(r)?;
        let syn_ack = after(r)?;
        let first_fin = after(r)?;
        let first_rst = after(r)?;
        Some(KeyFrames {
            first,
            last,
            syn,
            syn_ack,
            first_fin,
            first_rst,
        })
    }
}

/// The names are not written: the parser made them from the numbers, and so does reading.
impl Codec for Alert {
    fn put(&self, out: &mut Vec<u8>) {
        let Alert {
            level,
            level_name: _,
            description,
            description_name: _,
            sender,
            frame,
        } = self;
        level.put(out);
        description.put(out);
        sender.put(out);
        frame.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let level = get(r)?;
        let description = get(r)?;
        let sender = get(r)?;
        let frame = get(r)?;
        Some(Alert {
            level,
            level_name: alert_level_name(level),
            description,
            description_name: alert_description_name(description),
            sender,
            frame,
        })
    }
}

impl Codec for CertSummary {
    fn put(&self, out: &mut Vec<u8>) {
        let CertSummary {
            subject,
            issuer,
            subject_cn,
            issuer_cn,
            san_dns,
            self_signed,
        } = self;
        subject.put(out);
        issuer.put(out);
        subject_cn.put(out);
        issuer_cn.put(out);
        san_dns.put(out);
        self_signed.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let subject = get(r)?;
        let issuer = get(r)?;
        let subject_cn = get(r)?;
        let issuer_cn = get(r)?;
        let san_dns = get(r)?;
        let self_signed = get(r)?;
        Some(CertSummary {
            subject,
            issuer,
            subject_cn,
            issuer_cn,
            san_dns,
            self_signed,
        })
    }
}

impl Codec for TlsSummary {
    fn put(&self, out: &mut Vec<u8>) {
        let TlsSummary {
            client_hello_frame,
            sni,
            client_max_version,
            // The parts records share go through the spool's table, after the record
            // (`FlowShared`): written by the record's `Spooled::encode`, not here.
            client_versions: _,
            offered_suites,
            ja4: _,
            server_hello_frame,
            negotiated_version,
            cipher_suite,
            hello_retry,
            alerts,
            first_alert_frame,
            certificates: _,
            certificate_frame,
            server_application_data,
            client_application_data,
        } = self;
        client_hello_frame.put(out);
        sni.put(out);
        client_max_version.put(out);
        offered_suites.put(out);
        server_hello_frame.put(out);
        negotiated_version.put(out);
        cipher_suite.put(out);
        hello_retry.put(out);
        alerts.put(out);
        first_alert_frame.put(out);
        certificate_frame.put(out);
        server_application_data.put(out);
        client_application_data.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let client_hello_frame = get(r)?;
        let sni = get(r)?;
        let client_max_version = get(r)?;
        let offered_suites = get_u16s(r, |s| s)?;
        let server_hello_frame = get(r)?;
        let negotiated_version = get(r)?;
        let cipher_suite = get(r)?;
        let hello_retry = get(r)?;
        let alerts = get(r)?;
        let first_alert_frame = get(r)?;
        let certificate_frame = get(r)?;
        let server_application_data = get(r)?;
        let client_application_data = get(r)?;
        Some(TlsSummary {
            client_hello_frame,
            sni,
            client_max_version,
            // Filled from the spool's table by the record's `Spooled::decode`.
            client_versions: Arc::default(),
            offered_suites,
            ja4: None,
            server_hello_frame,
            negotiated_version,
            cipher_suite,
            hello_retry,
            alerts,
            first_alert_frame,
            certificates: Arc::default(),
            certificate_frame,
            server_application_data,
            client_application_data,
        })
    }
}

impl Codec for IcmpEvent {
    fn put(&self, out: &mut Vec<u8>) {
        let IcmpEvent {
            frame,
            from,
            v6,
            icmp_type,
            code,
        } = self;
        frame.put(out);
        from.put(out);
        v6.put(out);
        icmp_type.put(out);
        code.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let frame = get(r)?;
        let from = get(r)?;
        let v6 = get(r)?;
        let icmp_type = get(r)?;
        let code = get(r)?;
        Some(IcmpEvent {
            frame,
            from,
            v6,
            icmp_type,
            code,
        })
    }
}

impl Codec for HostDropEvent {
    fn put(&self, out: &mut Vec<u8>) {
        let HostDropEvent {
            frame,
            component,
            reason,
            location,
            from_client,
        } = self;
        frame.put(out);
        component.put(out);
        reason.put(out);
        location.put(out);
        from_client.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let frame = get(r)?;
        let component = get(r)?;
        let reason = get(r)?;
        let location = get(r)?;
        let from_client = get(r)?;
        Some(HostDropEvent {
            frame,
            component,
            reason,
            location,
            from_client,
        })
    }
}

impl Codec for HttpRequestSummary {
    fn put(&self, out: &mut Vec<u8>) {
        let HttpRequestSummary {
            method,
            target,
            host,
            proxy_authorization,
            frame,
        } = self;
        method.put(out);
        target.put(out);
        host.put(out);
        proxy_authorization.put(out);
        frame.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let method = get(r)?;
        let target = get(r)?;
        let host = get(r)?;
        let proxy_authorization = get(r)?;
        let frame = get(r)?;
        Some(HttpRequestSummary {
            method,
            target,
            host,
            proxy_authorization,
            frame,
        })
    }
}

impl Codec for HttpResponseSummary {
    fn put(&self, out: &mut Vec<u8>) {
        let HttpResponseSummary {
            status,
            reason,
            frame,
        } = self;
        status.put(out);
        reason.put(out);
        frame.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let status = get(r)?;
        let reason = get(r)?;
        let frame = get(r)?;
        Some(HttpResponseSummary {
            status,
            reason,
            frame,
        })
    }
}

impl Codec for RareParts {
    fn put(&self, out: &mut Vec<u8>) {
        let RareParts {
            icmp,
            host_components,
            host_drops,
            requests,
            responses,
        } = self;
        icmp.put(out);
        host_components.put(out);
        host_drops.put(out);
        requests.put(out);
        responses.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let icmp = get(r)?;
        let host_components = get(r)?;
        let host_drops = get(r)?;
        let requests = get(r)?;
        let responses = get(r)?;
        Some(RareParts {
            icmp,
            host_components,
            host_drops,
            requests,
            responses,
        })
    }
}

// ---- The records ----

/// The last timestamp is written as its distance from the first (a flow's lifetime, short).
impl Codec for AuditFlow {
    fn put(&self, out: &mut Vec<u8>) {
        let AuditFlow {
            transport,
            client,
            server,
            client_guessed,
            first_ts_ns,
            last_ts_ns,
            frames,
            conn_state,
            history,
            syn_retransmissions,
            client_bytes,
            server_bytes,
            server_packets,
            protocol,
            tls,
            rare,
        } = self;
        transport.put(out);
        client.put(out);
        server.put(out);
        client_guessed.put(out);
        first_ts_ns.put(out);
        last_ts_ns.wrapping_sub(*first_ts_ns).put(out);
        frames.put(out);
        conn_state.put(out);
        history.put(out);
        syn_retransmissions.put(out);
        client_bytes.put(out);
        server_bytes.put(out);
        server_packets.put(out);
        protocol.put(out);
        tls.put(out);
        rare.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let transport = get(r)?;
        let client = get(r)?;
        let server = get(r)?;
        let client_guessed = get(r)?;
        let first_ts_ns: i64 = get(r)?;
        let last_ts_ns = first_ts_ns.wrapping_add(get(r)?);
        let frames = get(r)?;
        let conn_state = get(r)?;
        let history = get(r)?;
        let syn_retransmissions = get(r)?;
        let client_bytes = get(r)?;
        let server_bytes = get(r)?;
        let server_packets = get(r)?;
        let protocol = get(r)?;
        let tls = get(r)?;
        let rare = get(r)?;
        Some(AuditFlow {
            transport,
            client,
            server,
            client_guessed,
            first_ts_ns,
            last_ts_ns,
            frames,
            conn_state,
            history,
            syn_retransmissions,
            client_bytes,
            server_bytes,
            server_packets,
            protocol,
            tls,
            rare,
        })
    }
}

impl Codec for DnsAnswer {
    fn put(&self, out: &mut Vec<u8>) {
        let DnsAnswer {
            frame,
            ts_ns,
            resolver,
            client,
            id,
            is_response,
            rcode,
            qname,
            qtype,
            answers,
            records_dropped,
            answered,
        } = self;
        frame.put(out);
        ts_ns.put(out);
        resolver.put(out);
        client.put(out);
        id.put(out);
        is_response.put(out);
        rcode.put(out);
        qname.put(out);
        qtype.put(out);
        answers.put(out);
        records_dropped.put(out);
        answered.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        let frame = get(r)?;
        let ts_ns = get(r)?;
        let resolver = get(r)?;
        let client = get(r)?;
        let id = get(r)?;
        let is_response = get(r)?;
        let rcode = get(r)?;
        let qname = get(r)?;
        let qtype = get(r)?;
        let answers = get(r)?;
        let records_dropped = get(r)?;
        let answered = get(r)?;
        Some(DnsAnswer {
            frame,
            ts_ns,
            resolver,
            client,
            id,
            is_response,
            rcode,
            qname,
            qtype,
            answers,
            records_dropped,
            answered,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn json<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string(v).expect("serializes")
    }

    /// The encoding of `v` and the table of what it shares.
    fn encoded<T: Spooled>(v: &T) -> (Vec<u8>, T::Shared) {
        let mut out = Vec::new();
        let mut shared = T::Shared::default();
        v.encode(&mut shared, &mut out);
        (out, shared)
    }

    /// Every record of every sample reads back as it was written, field for field (JSON
    /// for what reports show, `Debug` for what JSON leaves out), one after the other in
    /// one buffer that reading consumes exactly.
    #[test]
    fn every_record_of_every_sample_round_trips() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("samples/")
            .map(|e| e.expect("entry").path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("pcap" | "pcapng")
                )
            })
            .collect();
        paths.sort();
        let (mut flows_n, mut flow_bytes, mut dns_n, mut dns_bytes) = (0, 0, 0, 0);
        for path in &paths {
            let facts = crate::facts::facts_of_file(path, crate::facts::FactsLimits::default());
            let (facts_flows, facts_dns) = (
                facts.flows.to_vec().expect("in memory"),
                facts.dns.to_vec().expect("in memory"),
            );
            let mut buf = Vec::new();
            let mut shared = FlowShared::default();
            // One reserve covers each record (the hints are not below the encodings).
            for f in &facts_flows {
                let before = buf.len();
                f.encode(&mut shared, &mut buf);
                assert!(buf.len() - before <= flow_hint(f), "{}", path.display());
            }
            let after_flows = buf.len();
            for d in &facts_dns {
                let before = buf.len();
                d.encode(&mut (), &mut buf);
                assert!(buf.len() - before <= dns_hint(d), "{}", path.display());
            }
            flows_n += facts_flows.len();
            flow_bytes += after_flows;
            dns_n += facts_dns.len();
            dns_bytes += buf.len() - after_flows;

            let mut input = buf.as_slice();
            let flows: Vec<AuditFlow> = (0..facts_flows.len())
                .map(|i| {
                    AuditFlow::decode(&mut input, &shared).unwrap_or_else(|| panic!("flow {i}"))
                })
                .collect();
            let dns: Vec<DnsAnswer> = (0..facts_dns.len())
                .map(|i| DnsAnswer::decode(&mut input, &()).unwrap_or_else(|| panic!("dns {i}")))
                .collect();
            assert!(
                input.is_empty(),
                "{}: {} bytes left",
                path.display(),
                input.len()
            );
            assert_eq!(
                json(&(&facts_flows, &facts_dns)),
                json(&(&flows, &dns)),
                "{}",
                path.display()
            );
            assert_eq!(
                format!("{:?}", (&facts_flows, &facts_dns)),
                format!("{:?}", (&flows, &dns)),
                "{}",
                path.display()
            );
        }
        assert!(paths.len() >= 10, "only {} samples", paths.len());
        eprintln!(
            "{} samples: {flows_n} flows, {} bytes each on average; {dns_n} DNS messages, {} bytes each",
            paths.len(),
            flow_bytes / flows_n.max(1),
            dns_bytes / dns_n.max(1),
        );
    }

    fn v6(s: &str, scope_id: u32) -> SocketAddr {
        let a: SocketAddrV6 = s.parse().expect("address");
        SocketAddr::V6(SocketAddrV6::new(*a.ip(), a.port(), 0x000c_afe1, scope_id))
    }

    fn alert(level: u8, description: u8, sender: Direction, frame: u64) -> Alert {
        Alert {
            level,
            level_name: alert_level_name(level),
            description,
            description_name: alert_description_name(description),
            sender,
            frame,
        }
    }

    fn cert(cn: &str, issuer: &str) -> CertSummary {
        CertSummary {
            subject: format!("CN={cn}, O=Contoso"),
            issuer: format!("CN={issuer}"),
            subject_cn: Some(cn.to_string()),
            issuer_cn: Some(issuer.to_string()),
            san_dns: vec![cn.to_string(), format!("*.{cn}"), "ünïcödé.example".into()],
            self_signed: cn == issuer,
        }
    }

    /// A flow with every `Option` set and every list filled, values chosen at the edges of
    /// their encodings (negative and wrapping differences, the largest integers).
    fn full_flow() -> AuditFlow {
        AuditFlow {
            transport: Transport::Tcp,
            client: v6("[fe80::1:2]:50123", 7),
            server: "[2603:1030::5]:443".parse().expect("address"),
            client_guessed: true,
            first_ts_ns: 1_765_000_000_123_456_789,
            last_ts_ns: -5,
            frames: KeyFrames {
                first: 1_000_000,
                last: 1_000_040,
                syn: Some(999_999),
                syn_ack: Some(u64::MAX),
                first_fin: Some(1_000_030),
                first_rst: Some(0),
            },
            conn_state: Some(ConnState::Rstos0),
            history: "ShADadfR".into(),
            syn_retransmissions: u32::MAX,
            client_bytes: u64::MAX,
            server_bytes: 0,
            server_packets: 1 << 40,
            protocol: Some(AppProtocol::HttpConnect),
            tls: Some(TlsSummary {
                client_hello_frame: Some(1_000_003),
                sni: Some("gbl.his.arc.azure.com".into()),
                client_max_version: Some(TlsVersion::TLS_1_3),
                client_versions: Arc::from([TlsVersion(0x0a0a), TlsVersion::TLS_1_3]),
                offered_suites: vec![0x1301, 0x1302, 0xc02b, 0xffff, 0],
                ja4: Some(Arc::from("t13d1516h2_8daaf6152771_02713d6af862")),
                server_hello_frame: Some(1_000_005),
                negotiated_version: Some(TlsVersion::TLS_1_2),
                cipher_suite: Some(0xc030),
                hello_retry: true,
                alerts: vec![
                    alert(2, 40, Direction::ServerToClient, 1_000_006),
                    alert(1, 0, Direction::ClientToServer, 1_000_007),
                    alert(7, 250, Direction::ClientToServer, 1_000_008),
                ],
                first_alert_frame: Some(1_000_006),
                certificates: Arc::from([
                    cert(
                        "gbl.his.arc.azure.com",
                        "Microsoft Azure RSA TLS Issuing CA 04",
                    ),
                    cert("Fiddler Root", "Fiddler Root"),
                ]),
                certificate_frame: Some(1_000_005),
                server_application_data: true,
                client_application_data: true,
            }),
            rare: RareParts {
                icmp: vec![
                    IcmpEvent {
                        frame: 12,
                        from: "10.0.0.1".parse().expect("address"),
                        v6: false,
                        icmp_type: 3,
                        code: 13,
                    },
                    IcmpEvent {
                        frame: 13,
                        from: "fe80::1".parse().expect("address"),
                        v6: true,
                        icmp_type: 1,
                        code: 4,
                    },
                ],
                host_components: vec![1, 0x7fff_ffff, u32::MAX],
                host_drops: vec![
                    HostDropEvent {
                        frame: 14,
                        component: Some(3),
                        reason: 0xdead_beef,
                        location: 7,
                        from_client: true,
                    },
                    HostDropEvent {
                        frame: 15,
                        component: None,
                        reason: 0,
                        location: u32::MAX,
                        from_client: false,
                    },
                ],
                requests: vec![HttpRequestSummary {
                    method: "CONNECT".into(),
                    target: "gbl.his.arc.azure.com:443".into(),
                    host: Some("gbl.his.arc.azure.com:443".into()),
                    proxy_authorization: true,
                    frame: 1_000_001,
                }],
                responses: vec![HttpResponseSummary {
                    status: 407,
                    reason: "Proxy Authentication Required".into(),
                    frame: 1_000_002,
                }],
            }
            .boxed(),
        }
    }

    fn full_dns() -> DnsAnswer {
        DnsAnswer {
            frame: 77,
            ts_ns: i64::MIN,
            resolver: "168.63.129.16:53".parse().expect("address"),
            client: v6("[fe80::4]:5353", u32::MAX),
            id: 0xbeef,
            is_response: true,
            rcode: Rcode::Unknown(16),
            qname: Some("gbl.his.arc.azure.com".into()),
            qtype: 28,
            answers: vec![
                (
                    "gbl.his.arc.azure.com".into(),
                    DnsRecordData::Cname("gbl.his.arc.trafficmanager.net".into()),
                ),
                (
                    "gbl.his.arc.trafficmanager.net".into(),
                    DnsRecordData::A("20.50.1.2".parse().expect("address")),
                ),
                (
                    "gbl.his.arc.trafficmanager.net".into(),
                    DnsRecordData::A("2603:1030::7".parse().expect("address")),
                ),
            ],
            records_dropped: 9,
            answered: true,
        }
    }

    /// Decodes `bytes` as one `T`, all of it.
    fn decode_all<T: Spooled>((bytes, shared): &(Vec<u8>, T::Shared)) -> Option<T> {
        let mut input = bytes.as_slice();
        let v = T::decode(&mut input, shared)?;
        assert!(input.is_empty(), "{} bytes left", input.len());
        Some(v)
    }

    /// What the samples never fill (rare parts, IPv6 scope ids, certificates, alerts, the
    /// integers' extremes) reads back too.
    #[test]
    fn a_record_with_every_part_filled_round_trips() {
        let f = full_flow();
        assert!(encoded(&f).0.len() <= flow_hint(&f));
        let back: AuditFlow = decode_all(&encoded(&f)).expect("decodes");
        assert_eq!(format!("{f:?}"), format!("{back:?}"));
        let d = full_dns();
        assert!(encoded(&d).0.len() <= dns_hint(&d));
        let back: DnsAnswer = decode_all(&encoded(&d)).expect("decodes");
        assert_eq!(format!("{d:?}"), format!("{back:?}"));
        // A flow with nothing optional, too.
        let mut bare = full_flow();
        bare.tls = None;
        bare.rare = None;
        bare.conn_state = None;
        bare.protocol = None;
        bare.frames = KeyFrames::default();
        let back: AuditFlow = decode_all(&encoded(&bare)).expect("decodes");
        assert_eq!(format!("{bare:?}"), format!("{back:?}"));
    }

    /// Each variant of each enum reads back as itself (a tag given twice, or a decoder
    /// arm left out, would show here).
    #[test]
    fn every_variant_round_trips() {
        fn same<T: Codec + std::fmt::Debug>(v: T) {
            let mut out = Vec::new();
            v.put(&mut out);
            let mut r = out.as_slice();
            let back = T::get(&mut r).map(|b| format!("{b:?}"));
            assert_eq!(back, Some(format!("{v:?}")));
            assert!(r.is_empty());
        }
        for s in [
            ConnState::S0,
            ConnState::S1,
            ConnState::Sf,
            ConnState::Rej,
            ConnState::S2,
            ConnState::S3,
            ConnState::Rsto,
            ConnState::Rstr,
            ConnState::Rstos0,
            ConnState::Rstrh,
            ConnState::Sh,
            ConnState::Shr,
            ConnState::Oth,
            ConnState::Rstoh,
        ] {
            same(s);
        }
        for p in [
            AppProtocol::Tls,
            AppProtocol::Http,
            AppProtocol::HttpConnect,
            AppProtocol::Dns,
            AppProtocol::Quic,
        ] {
            same(p);
        }
        same(Transport::Udp);
        same(Direction::ClientToServer);
        // Every assigned code has a one-byte tag of its own (the encoder writes it `as u8`).
        for code in 0..=u16::MAX {
            if !matches!(Rcode::from_u16(code), Rcode::Unknown(_)) {
                assert!(code < u16::from(RCODE_UNKNOWN), "rcode {code}");
            }
        }
        for code in (0..=20).chain([255, 256, 3841, 4095, u16::MAX]) {
            same(Rcode::from_u16(code));
            same(Rcode::Unknown(code));
        }
        for v in [0, 1, 127, 128, 16_383, 16_384, u64::MAX - 1, u64::MAX] {
            same(v);
        }
        for v in [0, -1, 1, i64::MIN, i64::MAX] {
            same(v);
        }
    }

    /// Every proper prefix of a record is refused (and leaves the input where it was), and
    /// randomly mutated records decode to something or nothing, never a panic.
    #[test]
    fn cut_or_mutated_bytes_never_panic() {
        fn check<T: Spooled + std::fmt::Debug>((bytes, shared): (Vec<u8>, T::Shared), seed: u64) {
            for n in 0..bytes.len() {
                let mut input = &bytes[..n];
                assert!(
                    T::decode(&mut input, &shared).is_none(),
                    "prefix of {n} bytes"
                );
                assert_eq!(input.len(), n, "input advanced on a refused decode");
            }
            let mut rng = crate::testing::XorShift(seed);
            for _ in 0..3000 {
                let mut b = bytes.to_vec();
                for _ in 0..=rng.next() % 4 {
                    let at = (rng.next() % b.len() as u64) as usize;
                    b[at] ^= (rng.next() as u8).max(1);
                }
                let mut input = b.as_slice();
                let _ = T::decode(&mut input, &shared).map(|v| format!("{v:?}"));
            }
        }
        check::<AuditFlow>(encoded(&full_flow()), 0x9e37_79b9_7f4a_7c15);
        check::<DnsAnswer>(encoded(&full_dns()), 0x2545_f491_4f6c_dd1d);
    }

    /// Lengths and counts beyond the bytes left are refused before anything is allocated,
    /// and so are varints past 64 bits and strings that are not UTF-8.
    #[test]
    fn impossible_lengths_and_values_are_refused() {
        // A list claiming u64::MAX items.
        let mut b = Vec::new();
        put_uvar(&mut b, u64::MAX);
        b.extend_from_slice(&[0; 32]);
        assert!(Vec::<String>::get(&mut b.as_slice()).is_none());
        // A string claiming more bytes than there are.
        let mut b = Vec::new();
        put_uvar(&mut b, 5);
        b.extend_from_slice(b"abcd");
        assert!(String::get(&mut b.as_slice()).is_none());
        // Eleven continuation bytes; a tenth byte above the 64th bit.
        assert!(get_uvar(&mut [0xff; 11].as_slice()).is_none());
        let mut ten = [0xff; 10];
        ten[9] = 0x02;
        assert!(get_uvar(&mut ten.as_slice()).is_none());
        ten[9] = 0x01;
        assert_eq!(get_uvar(&mut ten.as_slice()), Some(u64::MAX));
        // Not UTF-8; a bool that is neither 0 nor 1; a tag out of range.
        assert!(String::get(&mut [2, 0xc3, 0x28].as_slice()).is_none());
        assert!(bool::get(&mut [2].as_slice()).is_none());
        assert!(ConnState::get(&mut [14].as_slice()).is_none());
        assert!(Option::<u64>::get(&mut [2, 0].as_slice()).is_none());
        // A u32 written as a wider varint.
        let mut b = Vec::new();
        put_uvar(&mut b, u64::from(u32::MAX) + 1);
        assert!(u32::get(&mut b.as_slice()).is_none());
    }
}
