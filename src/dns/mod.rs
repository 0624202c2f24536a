//! DNS messages (RFC 1035 wire format, RFC 6891 extended RCODE) -> owned [`DnsMessage`] facts.
//!
//! A pure parser: it knows nothing of flows, ports or the Arc endpoint catalog. The caller hands
//! it one UDP payload ([`parse_message`]) or one TCP direction's in-order stream bytes
//! ([`DnsTcpStream`], RFC 1035 4.2.2 two-byte length framing). Matching names against the
//! catalog, case folding and deciding what an answer means is left to later stages.
//!
//! Decisions, each bounded because the input is hostile:
//! - Names keep the case they were sent in, have no trailing dot, and the root is `"."`.
//!   Label bytes outside printable ASCII are written `\DDD` (decimal, as dig does), and a literal
//!   `.` or `\` inside a label is written `\.` / `\\`, so a name can never carry control
//!   characters and two different wire names never render the same.
//! - Compression pointers may point anywhere inside the message (RFC 1035 only says "prior",
//!   but tolerating forward pointers costs nothing once loops are caught): a pointer target seen
//!   twice is a loop, more than [`MAX_POINTER_HOPS`] pointers in one name is an error, and the
//!   name's wire length is capped at 255 bytes (RFC 1035 2.3.4). Label types 0x40 and 0x80
//!   (RFC 6891 deprecated extended labels) are errors.
//! - At most [`MAX_RECORDS_PER_SECTION`] entries per section are kept; the rest are walked over
//!   (so later sections still parse) and counted in [`DnsMessage::records_dropped`].
//! - A message whose header or questions fail to parse is an error. Once the header and the
//!   questions parse, a failure in the answer/authority/additional sections does not discard
//!   them: the message is returned with the records read so far, `truncated_at` set to the
//!   byte offset where parsing stopped and `error` saying why. Cut-off UDP responses and
//!   stream-prefix reassembly (which keeps only the start of a stream) both produce these.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Serialize, Serializer};
use thiserror::Error;

/// Entries kept per section. Real responses carry a few dozen at most; 256 bounds the memory of
/// one message (256 x 4 sections x a name of at most ~1 KiB escaped) whatever the counts say.
pub const MAX_RECORDS_PER_SECTION: usize = 256;
/// Pointers followed in one name. A legal name has at most 127 labels, so a longer chain of
/// pointers cannot be needed; it also bounds the work per name.
pub const MAX_POINTER_HOPS: usize = 128;
/// RFC 1035 2.3.4: a name is at most 255 bytes in wire form (length octets included).
const MAX_NAME_WIRE_LEN: usize = 255;
const HEADER_LEN: usize = 12;
/// Fewest bytes a question takes (the root name, type and class).
const MIN_QUESTION_LEN: usize = 5;
/// Fewest bytes a resource record takes (the root name, type, class, TTL and RDLENGTH).
const MIN_RECORD_LEN: usize = 11;

/// Record (and query) types this crate names in code (IANA DNS RR TYPEs). [`type_name`]
/// knows the mnemonics of many more, for reports.
pub mod rtype {
    /// An IPv4 address (RFC 1035 3.4.1).
    pub const A: u16 = 1;
    pub const NS: u16 = 2;
    /// An alias: the canonical name in RDATA (RFC 1035 3.3.1).
    pub const CNAME: u16 = 5;
    pub const SOA: u16 = 6;
    pub const PTR: u16 = 12;
    pub const TXT: u16 = 16;
    /// An IPv6 address (RFC 3596).
    pub const AAAA: u16 = 28;
    pub const SRV: u16 = 33;
    /// EDNS(0) pseudo-record (RFC 6891): carries the upper 8 bits of the extended RCODE in
    /// its TTL.
    pub const OPT: u16 = 41;
    pub const SVCB: u16 = 64;
    pub const HTTPS: u16 = 65;
    pub const ANY: u16 = 255;
}

/// Why a DNS message (or a part of it) could not be parsed. Every variant carries the byte
/// offset, from the start of the message, where parsing failed.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DnsError {
    #[error("{what} at byte {offset} needs {needed} bytes but the message ends at byte {len}")]
    Truncated {
        what: &'static str,
        offset: usize,
        needed: usize,
        len: usize,
    },
    #[error(
        "label at byte {offset} has reserved label type bits 0x{bits:02x} (labels are at most 63 bytes)"
    )]
    BadLabelType { offset: usize, bits: u8 },
    #[error("name starting at byte {offset} is longer than 255 bytes in wire form")]
    NameTooLong { offset: usize },
    #[error(
        "compression pointer at byte {offset} points to byte {target}, beyond the message end {len}"
    )]
    PointerOutOfBounds {
        offset: usize,
        target: usize,
        len: usize,
    },
    #[error("compression pointer at byte {offset} loops back to byte {target}")]
    PointerLoop { offset: usize, target: usize },
    #[error(
        "name starting at byte {offset} follows more than {MAX_POINTER_HOPS} compression pointers"
    )]
    TooManyPointers { offset: usize },
    #[error("{} record at byte {offset} has RDLENGTH {len}, expected {expected}", type_name(*rtype))]
    BadRdataLength {
        offset: usize,
        rtype: u16,
        len: u16,
        expected: u16,
    },
    #[error("{} record at byte {offset}: the name in its RDATA runs past RDLENGTH {len}", type_name(*rtype))]
    RdataOverrun { offset: usize, rtype: u16, len: u16 },
}

impl DnsError {
    /// Byte offset from the start of the message where parsing failed.
    pub fn offset(&self) -> usize {
        match *self {
            DnsError::Truncated { offset, .. }
            | DnsError::BadLabelType { offset, .. }
            | DnsError::NameTooLong { offset }
            | DnsError::PointerOutOfBounds { offset, .. }
            | DnsError::PointerLoop { offset, .. }
            | DnsError::TooManyPointers { offset }
            | DnsError::BadRdataLength { offset, .. }
            | DnsError::RdataOverrun { offset, .. } => offset,
        }
    }
}

/// Response code: the header's 4 bits, extended to 12 bits by an OPT record (RFC 6891 6.1.3).
/// Serialized as its [`Rcode::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rcode {
    NoError,
    FormErr,
    ServFail,
    NXDomain,
    NotImp,
    Refused,
    YXDomain,
    YXRRSet,
    NXRRSet,
    NotAuth,
    NotZone,
    DsoTypeNI,
    BadVers,
    Unknown(u16),
}

impl Rcode {
    pub fn from_u16(code: u16) -> Self {
        match code {
            0 => Rcode::NoError,
            1 => Rcode::FormErr,
            2 => Rcode::ServFail,
            3 => Rcode::NXDomain,
            4 => Rcode::NotImp,
            5 => Rcode::Refused,
            6 => Rcode::YXDomain,
            7 => Rcode::YXRRSet,
            8 => Rcode::NXRRSet,
            9 => Rcode::NotAuth,
            10 => Rcode::NotZone,
            11 => Rcode::DsoTypeNI,
            16 => Rcode::BadVers,
            other => Rcode::Unknown(other),
        }
    }

    /// The numeric code (as tshark's `dns.flags.rcode` shows it).
    pub fn code(self) -> u16 {
        match self {
            Rcode::NoError => 0,
            Rcode::FormErr => 1,
            Rcode::ServFail => 2,
            Rcode::NXDomain => 3,
            Rcode::NotImp => 4,
            Rcode::Refused => 5,
            Rcode::YXDomain => 6,
            Rcode::YXRRSet => 7,
            Rcode::NXRRSet => 8,
            Rcode::NotAuth => 9,
            Rcode::NotZone => 10,
            Rcode::DsoTypeNI => 11,
            Rcode::BadVers => 16,
            Rcode::Unknown(code) => code,
        }
    }

    /// IANA mnemonic ("NoError", "NXDomain", ...) or "RCODE<n>" for unassigned codes.
    pub fn name(self) -> String {
        match self.mnemonic() {
            Some(name) => name.to_string(),
            None => format!("RCODE{}", self.code()),
        }
    }

    /// The IANA mnemonic of an assigned code, without allocating.
    fn mnemonic(self) -> Option<&'static str> {
        Some(match self {
            Rcode::NoError => "NoError",
            Rcode::FormErr => "FormErr",
            Rcode::ServFail => "ServFail",
            Rcode::NXDomain => "NXDomain",
            Rcode::NotImp => "NotImp",
            Rcode::Refused => "Refused",
            Rcode::YXDomain => "YXDomain",
            Rcode::YXRRSet => "YXRRSet",
            Rcode::NXRRSet => "NXRRSet",
            Rcode::NotAuth => "NotAuth",
            Rcode::NotZone => "NotZone",
            Rcode::DsoTypeNI => "DSOTYPENI",
            Rcode::BadVers => "BADVERS",
            Rcode::Unknown(_) => return None,
        })
    }
}

impl Serialize for Rcode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Every message of `flows` output writes one: the usual codes without a String.
        match self.mnemonic() {
            Some(name) => serializer.serialize_str(name),
            None => serializer.serialize_str(&self.name()),
        }
    }
}

/// Mnemonic of a record type ("A", "AAAA", "CNAME", "HTTPS", ...) or "TYPE<n>" (RFC 3597).
pub fn type_name(rtype: u16) -> String {
    let name = match rtype {
        rtype::A => "A",
        rtype::NS => "NS",
        3 => "MD",
        4 => "MF",
        rtype::CNAME => "CNAME",
        rtype::SOA => "SOA",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        10 => "NULL",
        11 => "WKS",
        rtype::PTR => "PTR",
        13 => "HINFO",
        14 => "MINFO",
        15 => "MX",
        rtype::TXT => "TXT",
        17 => "RP",
        18 => "AFSDB",
        24 => "SIG",
        25 => "KEY",
        rtype::AAAA => "AAAA",
        29 => "LOC",
        rtype::SRV => "SRV",
        35 => "NAPTR",
        36 => "KX",
        37 => "CERT",
        39 => "DNAME",
        rtype::OPT => "OPT",
        42 => "APL",
        43 => "DS",
        44 => "SSHFP",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        49 => "DHCID",
        50 => "NSEC3",
        51 => "NSEC3PARAM",
        52 => "TLSA",
        53 => "SMIMEA",
        55 => "HIP",
        59 => "CDS",
        60 => "CDNSKEY",
        61 => "OPENPGPKEY",
        62 => "CSYNC",
        63 => "ZONEMD",
        rtype::SVCB => "SVCB",
        rtype::HTTPS => "HTTPS",
        99 => "SPF",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILB",
        254 => "MAILA",
        rtype::ANY => "ANY",
        256 => "URI",
        257 => "CAA",
        32769 => "DLV",
        other => return format!("TYPE{other}"),
    };
    name.to_string()
}

/// One entry of the question section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    pub name: String,
    pub qtype: u16,
    pub qclass: u16,
}

/// The RDATA the audit needs decoded; everything else keeps only its length. Empty RDATA is
/// always `Other { len: 0 }`, whatever the type (DNS UPDATE uses it to delete RRsets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum RecordData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Cname(String),
    Other { len: u16 },
}

/// One resource record of the answer, authority or additional section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceRecord {
    pub name: String,
    pub rtype: u16,
    /// CLASS; for OPT this is the sender's UDP payload size (RFC 6891 6.1.2).
    pub class: u16,
    pub ttl: u32,
    pub data: RecordData,
}

/// A parsed DNS message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsMessage {
    pub id: u16,
    pub is_response: bool,
    pub opcode: u8,
    pub rcode: Rcode,
    pub authoritative: bool,
    /// The TC header bit (the server cut the message), not our own `truncated_at`.
    pub truncated: bool,
    pub recursion_desired: bool,
    pub recursion_available: bool,
    pub questions: Vec<Question>,
    pub answers: Vec<ResourceRecord>,
    pub authority: Vec<ResourceRecord>,
    pub additional: Vec<ResourceRecord>,
    /// Entries walked over but not kept because a section had more than
    /// [`MAX_RECORDS_PER_SECTION`] (questions included).
    pub records_dropped: u32,
    /// Byte offset where the record sections stopped parsing, when they did not parse to the
    /// end; the sections hold what was read before that point. `None` for a complete message.
    pub truncated_at: Option<usize>,
    /// Why the record sections stopped at `truncated_at`.
    pub error: Option<DnsError>,
}

/// Parses one DNS message (a UDP payload, or one TCP frame without its length prefix).
///
/// Errors when the header or the question section cannot be parsed; a failure later on
/// returns a partial message (see [`DnsMessage::truncated_at`]).
pub fn parse_message(bytes: &[u8]) -> Result<DnsMessage, DnsError> {
    let mut r = Reader { msg: bytes, pos: 0 };
    let header = r.take(HEADER_LEN, "header")?;
    let flags = be16(header, 2);
    let counts = [
        be16(header, 4),
        be16(header, 6),
        be16(header, 8),
        be16(header, 10),
    ];
    let mut message = DnsMessage {
        id: be16(header, 0),
        is_response: flags & 0x8000 != 0,
        opcode: ((flags >> 11) & 0x0F) as u8,
        rcode: Rcode::from_u16(flags & 0x000F),
        authoritative: flags & 0x0400 != 0,
        truncated: flags & 0x0200 != 0,
        recursion_desired: flags & 0x0100 != 0,
        recursion_available: flags & 0x0080 != 0,
        // Sized from the counts up front (one allocation per section, not a growing one),
        // never beyond what the bytes left could hold: a question takes at least 5 bytes.
        questions: Vec::with_capacity(
            usize::from(counts[0])
                .min(MAX_RECORDS_PER_SECTION)
                .min(bytes.len() / MIN_QUESTION_LEN),
        ),
        answers: Vec::new(),
        authority: Vec::new(),
        additional: Vec::new(),
        records_dropped: 0,
        truncated_at: None,
        error: None,
    };

    for index in 0..usize::from(counts[0]) {
        if index < MAX_RECORDS_PER_SECTION {
            let name = r.name()?;
            let fixed = r.take(4, "question type and class")?;
            message.questions.push(Question {
                name,
                qtype: be16(fixed, 0),
                qclass: be16(fixed, 2),
            });
        } else {
            r.skip_name()?;
            r.take(4, "question type and class")?;
            message.records_dropped = message.records_dropped.saturating_add(1);
        }
    }

    let sections = [
        (counts[1], &mut message.answers),
        (counts[2], &mut message.authority),
        (counts[3], &mut message.additional),
    ];
    let mut dropped = 0u32;
    'sections: for (count, records) in sections {
        records.reserve_exact(
            usize::from(count)
                .min(MAX_RECORDS_PER_SECTION)
                .min(r.remaining() / MIN_RECORD_LEN),
        );
        for index in 0..usize::from(count) {
            let keep = index < MAX_RECORDS_PER_SECTION;
            match r.record(keep) {
                Ok(Some(record)) => records.push(record),
                Ok(None) => dropped = dropped.saturating_add(1),
                Err(error) => {
                    message.truncated_at = Some(error.offset());
                    message.error = Some(error);
                    break 'sections;
                }
            }
        }
    }
    message.records_dropped = message.records_dropped.saturating_add(dropped);

    // RFC 6891 6.1.3: the OPT TTL's top byte holds the upper 8 bits of a 12-bit RCODE.
    if let Some(opt) = message.additional.iter().find(|rr| rr.rtype == rtype::OPT) {
        let upper = (opt.ttl >> 24) as u16;
        message.rcode = Rcode::from_u16((upper << 4) | (flags & 0x000F));
    }
    Ok(message)
}

fn be16(bytes: &[u8], at: usize) -> u16 {
    match bytes.get(at..at.saturating_add(2)) {
        Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]),
        _ => 0,
    }
}

/// A cursor over the whole message; names need the whole message for compression pointers.
struct Reader<'a> {
    msg: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DnsError> {
        let end = self.pos.checked_add(n).filter(|&end| end <= self.msg.len());
        match end.and_then(|end| self.msg.get(self.pos..end)) {
            Some(slice) => {
                self.pos += n;
                Ok(slice)
            }
            None => Err(DnsError::Truncated {
                what,
                offset: self.pos,
                needed: n,
                len: self.msg.len(),
            }),
        }
    }

    fn remaining(&self) -> usize {
        self.msg.len().saturating_sub(self.pos)
    }

    fn name(&mut self) -> Result<String, DnsError> {
        let (name, end) = read_name(self.msg, self.pos)?;
        self.pos = end;
        Ok(name)
    }

    /// Walks over a name in place without following pointers (for entries not kept).
    fn skip_name(&mut self) -> Result<(), DnsError> {
        loop {
            let len = self.take(1, "name label length")?[0];
            match len & 0xC0 {
                0x00 if len == 0 => return Ok(()),
                0x00 => {
                    self.take(usize::from(len), "name label")?;
                }
                0xC0 => {
                    self.take(1, "compression pointer")?;
                    return Ok(());
                }
                bits => {
                    return Err(DnsError::BadLabelType {
                        offset: self.pos - 1,
                        bits,
                    });
                }
            }
        }
    }

    /// Reads one resource record; `keep == false` walks over it and returns `None`.
    fn record(&mut self, keep: bool) -> Result<Option<ResourceRecord>, DnsError> {
        let start = self.pos;
        let name = if keep {
            self.name()?
        } else {
            self.skip_name()?;
            String::new()
        };
        let fixed = self.take(10, "record type, class, TTL and RDLENGTH")?;
        let rtype = be16(fixed, 0);
        let class = be16(fixed, 2);
        let ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
        let rdlength = be16(fixed, 8);
        let rdata_start = self.pos;
        let rdata = self.take(usize::from(rdlength), "RDATA")?;
        if !keep {
            return Ok(None);
        }
        let bad_length = |expected: u16| DnsError::BadRdataLength {
            offset: start,
            rtype,
            len: rdlength,
            expected,
        };
        let data = match rtype {
            // RFC 2136 2.5.2-2.5.4: UPDATE deletes RRsets with empty RDATA of any type.
            _ if rdlength == 0 => RecordData::Other { len: 0 },
            rtype::A => match <[u8; 4]>::try_from(rdata) {
                Ok(octets) => RecordData::A(Ipv4Addr::from(octets)),
                Err(_) => return Err(bad_length(4)),
            },
            rtype::AAAA => match <[u8; 16]>::try_from(rdata) {
                Ok(octets) => RecordData::Aaaa(Ipv6Addr::from(octets)),
                Err(_) => return Err(bad_length(16)),
            },
            rtype::CNAME => {
                // The name is read against the whole message (it may point backwards) but its
                // in-place part must stay inside RDATA.
                let (target, end) = read_name(self.msg, rdata_start)?;
                if end > self.pos {
                    return Err(DnsError::RdataOverrun {
                        offset: start,
                        rtype,
                        len: rdlength,
                    });
                }
                RecordData::Cname(target)
            }
            _ => RecordData::Other { len: rdlength },
        };
        Ok(Some(ResourceRecord {
            name,
            rtype,
            class,
            ttl,
            data,
        }))
    }
}

/// Reads the possibly compressed name starting at `start`. Returns its text and the offset just
/// past its in-place part (after the first pointer, or after the root label).
fn read_name(msg: &[u8], start: usize) -> Result<(String, usize), DnsError> {
    let mut pos = start;
    let mut end_in_place: Option<usize> = None;
    // Wire length counted as RFC 1035 does: every length octet, every label byte, the root.
    let mut wire_len = 1usize;
    let mut visited = [0usize; MAX_POINTER_HOPS];
    let mut hops = 0usize;
    // Room for a usual name up front (Arc names are 20 to 60 characters): one allocation
    // instead of four growing ones.
    // Written as bytes, all printable ASCII (see `push_label`), made a string once at the end.
    let mut text: Vec<u8> = Vec::with_capacity(64);
    loop {
        let Some(&len) = msg.get(pos) else {
            return Err(DnsError::Truncated {
                what: "name label length",
                offset: pos,
                needed: 1,
                len: msg.len(),
            });
        };
        match len & 0xC0 {
            0x00 if len == 0 => {
                if text.is_empty() {
                    text.push(b'.');
                }
                let text = String::from_utf8(text)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                return Ok((text, end_in_place.unwrap_or(pos + 1)));
            }
            0x00 => {
                let len = usize::from(len);
                wire_len += 1 + len;
                if wire_len > MAX_NAME_WIRE_LEN {
                    return Err(DnsError::NameTooLong { offset: start });
                }
                let label_start = pos + 1;
                let Some(label) = msg.get(label_start..label_start + len) else {
                    return Err(DnsError::Truncated {
                        what: "name label",
                        offset: label_start,
                        needed: len,
                        len: msg.len(),
                    });
                };
                if !text.is_empty() {
                    text.push(b'.');
                }
                push_label(&mut text, label);
                pos = label_start + len;
            }
            0xC0 => {
                let Some(&low) = msg.get(pos + 1) else {
                    return Err(DnsError::Truncated {
                        what: "compression pointer",
                        offset: pos,
                        needed: 2,
                        len: msg.len(),
                    });
                };
                let target = (usize::from(len & 0x3F) << 8) | usize::from(low);
                if target >= msg.len() {
                    return Err(DnsError::PointerOutOfBounds {
                        offset: pos,
                        target,
                        len: msg.len(),
                    });
                }
                if visited[..hops].contains(&target) {
                    return Err(DnsError::PointerLoop {
                        offset: pos,
                        target,
                    });
                }
                if hops == MAX_POINTER_HOPS {
                    return Err(DnsError::TooManyPointers { offset: start });
                }
                visited[hops] = target;
                hops += 1;
                end_in_place.get_or_insert(pos + 2);
                pos = target;
            }
            bits => return Err(DnsError::BadLabelType { offset: pos, bits }),
        }
    }
}

/// Appends one label in presentation form: printable ASCII as is, `.` and `\` escaped with a
/// backslash, every other byte as `\DDD` so that hostile names carry no control characters.
fn push_label(text: &mut Vec<u8>, label: &[u8]) {
    // The usual label (letters, digits, hyphens) needs no escape: copied in one go.
    if label
        .iter()
        .all(|&b| b.is_ascii_graphic() && b != b'.' && b != b'\\')
    {
        text.extend_from_slice(label);
        return;
    }
    for &byte in label {
        match byte {
            b'.' | b'\\' => text.extend_from_slice(&[b'\\', byte]),
            0x21..=0x7E => text.push(byte),
            _ => text.extend_from_slice(&[
                b'\\',
                b'0' + byte / 100,
                b'0' + (byte / 10) % 10,
                b'0' + byte % 10,
            ]),
        }
    }
}

/// DNS over TCP (RFC 1035 4.2.2): one direction's in-order stream bytes, each message prefixed
/// by its two-byte length. Holds at most one incomplete message (<= 65,537 bytes).
#[derive(Debug, Clone, Default)]
pub struct DnsTcpStream {
    /// Bytes of the current incomplete frame, length prefix included.
    pending: Vec<u8>,
    messages: usize,
}

/// Messages parsed per stream direction before the stream stops asking for more: a zone
/// transfer or a long-lived DoT-less resolver connection could otherwise grow the caller's
/// output without bound.
pub const MAX_TCP_MESSAGES: usize = 4096;

impl DnsTcpStream {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next in-order bytes; every completed message (or its parse error) is pushed
    /// to `out`. A zero-length frame yields a `Truncated` error for the header.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Result<DnsMessage, DnsError>>) {
        let mut input = bytes;
        while self.wants_more() {
            if self.pending.is_empty() {
                if input.is_empty() {
                    return;
                }
                // Fast path: whole frames straight from the caller's buffer, no copy.
                if let Some(&[hi, lo]) = input.get(..2) {
                    let frame_end = 2 + usize::from(u16::from_be_bytes([hi, lo]));
                    if let Some(body) = input.get(2..frame_end) {
                        out.push(parse_message(body));
                        self.messages += 1;
                        input = input.get(frame_end..).unwrap_or_default();
                        continue;
                    }
                }
                // Less than one frame left: input.len() < 2 + 65,535 here.
                self.pending.extend_from_slice(input);
                input = &[];
            }
            let Some(&[hi, lo]) = self.pending.get(..2) else {
                // Complete the length prefix first; the next turn reads the frame length.
                let Some((first, rest)) = input.split_first() else {
                    return;
                };
                self.pending.push(*first);
                input = rest;
                continue;
            };
            let frame_end = 2 + usize::from(u16::from_be_bytes([hi, lo]));
            let missing = frame_end.saturating_sub(self.pending.len());
            let (head, rest) = input.split_at(missing.min(input.len()));
            self.pending.extend_from_slice(head);
            input = rest;
            if self.pending.len() != frame_end {
                return; // input exhausted mid-frame
            }
            out.push(parse_message(self.pending.get(2..).unwrap_or_default()));
            self.messages += 1;
            self.pending.clear();
        }
    }

    /// False once [`MAX_TCP_MESSAGES`] messages were parsed; the caller may stop feeding.
    pub fn wants_more(&self) -> bool {
        self.messages < MAX_TCP_MESSAGES
    }
}

#[cfg(test)]
mod tests;
