//! ClientHello and ServerHello bodies (RFC 5246 7.4.1, RFC 8446 4.1) and the SSLv2-format
//! ClientHello (draft-hickman SSL 2.0, RFC 6101 appendix E.1) parsed into owned values.
//!
//! The fixed part and every extension are read by hand rather than with tls-parser's hello
//! parsers: those reject unknown legacy versions and drop a truncated extension block silently,
//! whereas we want the extension types losslessly in wire order, GREASE kept, and whatever was
//! readable before a lie in a length field. Problems are returned next to the partial hello.

use serde::Serialize;

use super::version::TlsVersion;

/// Extension numbers we look inside (IANA TLS ExtensionType Values).
pub(crate) mod ext {
    pub const SERVER_NAME: u16 = 0;
    pub const SUPPORTED_GROUPS: u16 = 10;
    pub const EC_POINT_FORMATS: u16 = 11;
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    pub const ALPN: u16 = 16;
    pub const SESSION_TICKET: u16 = 35;
    pub const PRE_SHARED_KEY: u16 = 41;
    pub const SUPPORTED_VERSIONS: u16 = 43;
    pub const KEY_SHARE: u16 = 51;
    /// key_share before TLS 1.3 draft 23 moved it to 51.
    pub const KEY_SHARE_DRAFT: u16 = 40;
    pub const ENCRYPTED_CLIENT_HELLO: u16 = 0xfe0d;
}

/// ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// What a client offered in its (first) ClientHello.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientHello {
    /// Version field of the record that carried the hello (often 0x0301 whatever is offered).
    pub record_version: TlsVersion,
    /// ClientHello.legacy_version (client_version before TLS 1.3).
    pub legacy_version: TlsVersion,
    /// supported_versions (extension 43) in wire order, GREASE included; empty when absent.
    pub supported_versions: Vec<TlsVersion>,
    /// Offered suites in wire order, GREASE and SCSVs included (see [`is_grease`](super::is_grease)).
    pub cipher_suites: Vec<u16>,
    pub compression_methods: Vec<u8>,
    /// First host_name of server_name (extension 0), decoded lossily as UTF-8.
    pub sni: Option<String>,
    /// application_layer_protocol_negotiation (extension 16) entries in order, lossy UTF-8.
    pub alpn: Vec<String>,
    /// supported_groups (extension 10) in wire order, GREASE included.
    pub supported_groups: Vec<u16>,
    /// Groups of the key_share entries (extension 51) in wire order.
    pub key_share_groups: Vec<u16>,
    /// signature_algorithms (extension 13) in wire order.
    pub signature_algorithms: Vec<u16>,
    /// ec_point_formats (extension 11).
    pub ec_point_formats: Vec<u8>,
    /// Extension types in wire order, GREASE included.
    pub extensions: Vec<u16>,
    /// encrypted_client_hello (0xfe0d) present: the real SNI is hidden.
    pub ech: bool,
    /// pre_shared_key (41) present: a resumption or PSK attempt.
    pub psk: bool,
    /// session_ticket (35) present.
    pub session_ticket: bool,
    /// Length of legacy_session_id (non-zero in TLS 1.3 middlebox-compatibility mode).
    pub session_id_len: u8,
    /// Sent in the SSLv2 record format (cipher_suites then hold the TLS-compatible specs).
    pub sslv2_format: bool,
    /// For an SSLv2-format hello: every 3-byte cipher spec as sent, in wire order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sslv2_cipher_specs: Vec<u32>,
    /// JA3 string ("771,4865-...,0-23-...,29-23,0") and its MD5 in lowercase hex. These four
    /// are left empty by the parser and filled by the record reader (see `fingerprint`).
    pub ja3: String,
    pub ja3_hash: String,
    /// JA4 (FoxIO, BSD-3-Clause part) over TCP, e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1".
    pub ja4: String,
    /// JA4_r: the same before hashing (sorted lists in clear), for diffing against other tools.
    pub ja4_r: String,
    /// Capture frame that delivered the last byte of the hello.
    pub frame: u64,
    /// Raw bytes of the first ALPN entry when they are not UTF-8 (JA4 needs the bytes, not
    /// the lossy string), for [`ja4`](super::ja4) of a parsed hello (the record reader
    /// reads them from the message); see [`ClientHello::alpn_first`].
    #[serde(skip)]
    pub(crate) alpn_first_raw: Option<Vec<u8>>,
}

impl ClientHello {
    /// The bytes of the first ALPN entry as sent, if any.
    pub(crate) fn alpn_first(&self) -> Option<&[u8]> {
        self.alpn_first_raw
            .as_deref()
            .or_else(|| self.alpn.first().map(String::as_bytes))
    }
}

/// The lists of a ClientHello that the fingerprints read, as the message carries them
/// (big-endian 16-bit values, or bytes), borrowed from it: the record reader computes JA4
/// from these whether or not the hello keeps its own copies (without
/// [`Extract::hello_details`] it keeps neither the extension types nor the signature
/// algorithms). Each is the last well-formed occurrence of its extension, as in the hello.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WireLists<'a> {
    pub(crate) suites: &'a [u8],
    /// The extension block: the types are its headers up to the first that overruns it.
    pub(crate) extensions: &'a [u8],
    pub(crate) groups: &'a [u8],
    pub(crate) point_formats: &'a [u8],
    pub(crate) versions: &'a [u8],
    pub(crate) signature_algorithms: &'a [u8],
    pub(crate) alpn_first: Option<&'a [u8]>,
}

/// What a server chose in a ServerHello (or asked for in a HelloRetryRequest).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerHello {
    pub record_version: TlsVersion,
    pub legacy_version: TlsVersion,
    /// supported_versions (extension 43) when present, else legacy_version.
    pub negotiated_version: TlsVersion,
    pub cipher_suite: u16,
    pub compression: u8,
    /// key_share (51): the server's share group, or the group an HRR asks for.
    pub key_share_group: Option<u16>,
    /// For an SSLv2 SERVER-HELLO: the cipher specs the server supports, 3 bytes each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sslv2_cipher_specs: Vec<u32>,
    /// random equals [`HELLO_RETRY_REQUEST_RANDOM`].
    pub is_hello_retry_request: bool,
    /// Extension types in wire order.
    pub extensions: Vec<u16>,
    /// Protocol chosen via ALPN (16), lossy UTF-8.
    pub alpn: Option<String>,
    pub session_id_len: u8,
    /// An SSLv2 SERVER-HELLO (then cipher_suite is the first spec if TLS-compatible, else 0).
    pub sslv2_format: bool,
    pub frame: u64,
}

/// What the hello parsers keep beyond what the audit reads (the SNI, versions, suites and
/// JA4 of a ClientHello, the version and suite a ServerHello chose are always kept; JA4 is
/// computed from the message's own bytes). Defaults to everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extract {
    /// The ClientHello's extension types, signature algorithms, compression methods, ALPN
    /// names, supported groups, key-share groups and point formats, its JA3, JA3 hash and
    /// JA4_r strings, and the ServerHello's extension list and ALPN choice. Without them
    /// those fields stay empty (`None`): a hello is then a few small allocations, not ten.
    pub hello_details: bool,
}

impl Default for Extract {
    fn default() -> Self {
        Extract {
            hello_details: true,
        }
    }
}

/// Reads big-endian integers and slices without ever panicking: every read is checked and
/// answers `None` past the end.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }
    pub(crate) fn offset(&self) -> usize {
        self.pos
    }
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    pub(crate) fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    pub(crate) fn u24(&mut self) -> Option<usize> {
        self.take(3)
            .map(|b| (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
    /// A vector with a one-byte length prefix.
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
    /// A vector with a two-byte length prefix.
    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
}

/// Big-endian u16 pairs of a byte list; a trailing odd byte is ignored (and reported by callers).
fn u16_list(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

/// Parses a ClientHello body (after the 4-byte handshake header). Returns the hello, possibly
/// partial, its lists as sent (for the fingerprints, whatever `extract` keeps) and the
/// problems met; `None` when not even the cipher suites could be read.
pub(crate) fn parse_client_hello(
    body: &[u8],
    record_version: TlsVersion,
    frame: u64,
    extract: Extract,
) -> (Option<ClientHello>, WireLists<'_>, Vec<String>) {
    let mut problems = Vec::new();
    let mut wire = WireLists::default();
    let mut r = Reader::new(body);
    let mut ch = ClientHello {
        record_version,
        frame,
        ..ClientHello::default()
    };
    let Some(v) = r.u16() else {
        problems.push(format!(
            "ClientHello of {} bytes has no version",
            body.len()
        ));
        return (None, wire, problems);
    };
    ch.legacy_version = TlsVersion(v);
    // random (32 bytes) then legacy_session_id (RFC 8446 allows at most 32; we tolerate more).
    let fixed = r.take(32).and_then(|_| {
        let sid = r.vec8()?;
        Some(sid.len())
    });
    let Some(sid_len) = fixed else {
        problems.push("ClientHello truncated in random or session_id".to_string());
        return (None, wire, problems);
    };
    ch.session_id_len = u8::try_from(sid_len).unwrap_or(u8::MAX);
    let Some(suites) = r.vec16() else {
        problems.push(format!(
            "ClientHello cipher_suites overrun the message at offset {}",
            r.offset()
        ));
        return (None, wire, problems);
    };
    if suites.len() % 2 != 0 {
        problems.push(format!(
            "ClientHello cipher_suites length {} is odd",
            suites.len()
        ));
    }
    ch.cipher_suites = u16_list(suites);
    wire.suites = suites;
    match r.vec8() {
        Some(c) if extract.hello_details => ch.compression_methods = c.to_vec(),
        Some(_) => {}
        None => problems.push("ClientHello compression_methods truncated".to_string()),
    }
    // Extensions are optional before TLS 1.2 (an SSLv3 hello ends here).
    if r.remaining() > 0 {
        match r.vec16() {
            Some(block) => {
                wire.extensions = block;
                parse_client_extensions(block, &mut ch, &mut wire, extract, &mut problems)
            }
            None => problems.push(format!(
                "ClientHello extensions length overruns the message at offset {}",
                r.offset()
            )),
        }
    }
    (Some(ch), wire, problems)
}

/// How many extension headers a block holds, counted up to the first that overruns it:
/// the extension list is then allocated once at its size instead of grown.
fn count_extensions(block: &[u8]) -> usize {
    let mut r = Reader::new(block);
    let mut n = 0;
    while r.remaining() > 0 && r.u16().is_some() && r.vec16().is_some() {
        n += 1;
    }
    n
}

fn parse_client_extensions<'a>(
    block: &'a [u8],
    ch: &mut ClientHello,
    wire: &mut WireLists<'a>,
    extract: Extract,
    problems: &mut Vec<String>,
) {
    let details = extract.hello_details;
    if details {
        ch.extensions.reserve_exact(count_extensions(block));
    }
    let mut r = Reader::new(block);
    while r.remaining() > 0 {
        let (Some(ty), Some(data)) = (r.u16(), r.vec16()) else {
            problems.push(format!(
                "ClientHello extension header or length overruns the block at offset {}",
                r.offset()
            ));
            return;
        };
        if details {
            ch.extensions.push(ty);
        }
        let ok = match ty {
            ext::SERVER_NAME => parse_sni(data, ch),
            ext::ALPN if !details => alpn_count(data).map(|_| {
                wire.alpn_first = alpn_entries(data).next();
            }),
            ext::ALPN => alpn_count(data).map(|n| {
                wire.alpn_first = alpn_entries(data).next();
                let mut alpn = Vec::with_capacity(n);
                ch.alpn_first_raw = None;
                for (i, p) in alpn_entries(data).enumerate() {
                    alpn.push(match String::from_utf8_lossy(p) {
                        std::borrow::Cow::Borrowed(s) => s.to_string(),
                        std::borrow::Cow::Owned(s) => {
                            // JA4 reads the first entry's bytes, which the lossy string
                            // changed: kept apart (a valid one is read from `alpn`).
                            if i == 0 {
                                ch.alpn_first_raw = Some(p.to_vec());
                            }
                            s
                        }
                    });
                }
                ch.alpn = alpn;
            }),
            // Read (and checked) whatever the extraction, kept only with the details: the
            // problems reported stay the same.
            ext::SUPPORTED_GROUPS => Reader::new(data).vec16().map(|l| {
                wire.groups = l;
                if details {
                    ch.supported_groups = u16_list(l);
                }
            }),
            ext::EC_POINT_FORMATS => Reader::new(data).vec8().map(|l| {
                wire.point_formats = l;
                if details {
                    ch.ec_point_formats = l.to_vec();
                }
            }),
            ext::SIGNATURE_ALGORITHMS => Reader::new(data).vec16().map(|l| {
                wire.signature_algorithms = l;
                if details {
                    ch.signature_algorithms = u16_list(l);
                }
            }),
            ext::SUPPORTED_VERSIONS => Reader::new(data).vec8().map(|l| {
                wire.versions = l;
                ch.supported_versions = u16_list(l).into_iter().map(TlsVersion).collect();
            }),
            ext::KEY_SHARE | ext::KEY_SHARE_DRAFT => parse_client_key_share(data, ch, details),
            ext::SESSION_TICKET => {
                ch.session_ticket = true;
                Some(())
            }
            ext::PRE_SHARED_KEY => {
                ch.psk = true;
                Some(())
            }
            ext::ENCRYPTED_CLIENT_HELLO => {
                ch.ech = true;
                Some(())
            }
            _ => Some(()),
        };
        if ok.is_none() {
            problems.push(format!("ClientHello extension {ty} content is malformed"));
        }
    }
}

fn parse_sni(data: &[u8], ch: &mut ClientHello) -> Option<()> {
    // An empty server_name is legal in a ServerHello echo; in a ClientHello it carries a list.
    if data.is_empty() {
        return Some(());
    }
    let list = Reader::new(data).vec16()?;
    let mut r = Reader::new(list);
    while r.remaining() > 0 {
        let name_type = r.u8()?;
        let name = r.vec16()?;
        if name_type == 0 && ch.sni.is_none() {
            ch.sni = Some(String::from_utf8_lossy(name).into_owned());
        }
    }
    Some(())
}

/// How many protocol names an ALPN extension lists; `None` when malformed.
fn alpn_count(data: &[u8]) -> Option<usize> {
    let list = Reader::new(data).vec16()?;
    let mut r = Reader::new(list);
    let mut n = 0;
    while r.remaining() > 0 {
        r.vec8()?;
        n += 1;
    }
    Some(n)
}

/// The protocol names of an ALPN extension, in order; check it with [`alpn_count`] first
/// (a malformed list ends early).
fn alpn_entries(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut r = Reader::new(Reader::new(data).vec16().unwrap_or_default());
    std::iter::from_fn(move || if r.remaining() > 0 { r.vec8() } else { None })
}

fn parse_client_key_share(data: &[u8], ch: &mut ClientHello, keep: bool) -> Option<()> {
    let list = Reader::new(data).vec16()?;
    let mut r = Reader::new(list);
    while r.remaining() > 0 {
        let group = r.u16()?;
        r.vec16()?;
        if keep {
            ch.key_share_groups.push(group);
        }
    }
    Some(())
}

/// Parses a ServerHello body (after the handshake header).
pub(crate) fn parse_server_hello(
    body: &[u8],
    record_version: TlsVersion,
    frame: u64,
    extract: Extract,
) -> (Option<ServerHello>, Vec<String>) {
    let mut problems = Vec::new();
    let mut r = Reader::new(body);
    let mut sh = ServerHello {
        record_version,
        frame,
        ..ServerHello::default()
    };
    // TLS 1.3 drafts (0x7fXX, and Google's 0x7eXX experiments) up to draft 21 drop
    // legacy_session_id and compression from the ServerHello and put the version in clear.
    // Early TLS 1.3 implementations (draft 14 era) also sent 0x0304 in that layout: it is
    // recognised when the bytes after the cipher suite are exactly the extensions' length.
    let early_final = body.len() >= 38
        && body[..2] == [0x03, 0x04]
        && usize::from(u16::from_be_bytes([body[36], body[37]])) == body.len() - 38;
    let draft = matches!(body.first(), Some(0x7f | 0x7e)) || early_final;
    let head = (|| {
        let version = r.u16()?;
        let random = r.take(32)?;
        let sid = if draft { &[][..] } else { r.vec8()? };
        let suite = r.u16()?;
        Some((version, random, sid.len(), suite))
    })();
    let Some((version, random, sid_len, suite)) = head else {
        problems.push(format!(
            "ServerHello of {} bytes truncated before its cipher suite",
            body.len()
        ));
        return (None, problems);
    };
    sh.legacy_version = TlsVersion(version);
    sh.negotiated_version = TlsVersion(version);
    sh.is_hello_retry_request = random == HELLO_RETRY_REQUEST_RANDOM;
    sh.session_id_len = u8::try_from(sid_len).unwrap_or(u8::MAX);
    sh.cipher_suite = suite;
    if !draft {
        match r.u8() {
            Some(c) => sh.compression = c,
            None => problems.push("ServerHello truncated before compression_method".to_string()),
        }
    }
    if r.remaining() > 0 {
        match r.vec16() {
            Some(block) => {
                parse_server_extensions(block, &mut sh, extract.hello_details, &mut problems)
            }
            None => problems.push("ServerHello extensions length overruns the message".to_string()),
        }
    }
    (Some(sh), problems)
}

/// `details`: keep the extension list and the ALPN choice (read and checked either way).
fn parse_server_extensions(
    block: &[u8],
    sh: &mut ServerHello,
    details: bool,
    problems: &mut Vec<String>,
) {
    let mut r = Reader::new(block);
    while r.remaining() > 0 {
        let (Some(ty), Some(data)) = (r.u16(), r.vec16()) else {
            problems.push(format!(
                "ServerHello extension header or length overruns the block at offset {}",
                r.offset()
            ));
            return;
        };
        if details {
            sh.extensions.push(ty);
        }
        let ok = match ty {
            ext::SUPPORTED_VERSIONS => Reader::new(data)
                .u16()
                .map(|v| sh.negotiated_version = TlsVersion(v)),
            // ServerHello: KeyShareEntry (group, key); HelloRetryRequest: the group alone.
            ext::KEY_SHARE | ext::KEY_SHARE_DRAFT => Reader::new(data)
                .u16()
                .map(|g| sh.key_share_group = Some(g)),
            ext::ALPN if !details => alpn_count(data).map(|_| ()),
            ext::ALPN => alpn_count(data).map(|_| {
                sh.alpn = alpn_entries(data)
                    .next()
                    .map(|p| String::from_utf8_lossy(p).into_owned());
            }),
            _ => Some(()),
        };
        if ok.is_none() {
            problems.push(format!("ServerHello extension {ty} content is malformed"));
        }
    }
}

/// Checks the start of an SSLv2-format record: two-byte header with the high bit set, then a
/// CLIENT-HELLO (1) or SERVER-HELLO (4). With fewer bytes it answers whether they could start one.
pub(crate) fn sslv2_plausible(b: &[u8]) -> bool {
    let Some(&b0) = b.first() else { return false };
    if b0 & 0x80 == 0 {
        return false;
    }
    let len = (usize::from(b0 & 0x7f) << 8) | usize::from(b.get(1).copied().unwrap_or(0xff));
    if b.len() >= 2 && len < 9 {
        return false;
    }
    match b.get(2) {
        None => true,
        Some(1) => match (b.get(3), b.get(4)) {
            // SSL 2.0 (0x0002) or an SSLv3/TLS client speaking the v2 format for compatibility.
            (Some(0), Some(2)) | (Some(0), None) | (None, _) => true,
            (Some(3), Some(minor)) => *minor <= 4,
            (Some(3), None) => true,
            _ => false,
        },
        // SERVER-HELLO: session_id_hit (0/1) at offset 3, certificate_type 1 at offset 4.
        Some(4) => b.get(3).is_none_or(|&hit| hit <= 1),
        Some(_) => false,
    }
}

/// Parses an SSLv2 CLIENT-HELLO message (after the 2-byte record header). Cipher specs are
/// 3 bytes; those whose first byte is 0 are TLS suites and are reported as u16.
pub(crate) fn parse_sslv2_client_hello(msg: &[u8], frame: u64) -> Result<ClientHello, String> {
    let mut r = Reader::new(msg);
    let fields = (|| {
        let ty = r.u8()?;
        let version = r.u16()?;
        let specs_len = usize::from(r.u16()?);
        let sid_len = usize::from(r.u16()?);
        let challenge_len = usize::from(r.u16()?);
        let specs = r.take(specs_len)?;
        r.take(sid_len)?;
        r.take(challenge_len)?;
        Some((ty, version, specs, sid_len))
    })();
    let Some((ty, version, specs, sid_len)) = fields else {
        return Err(format!(
            "SSLv2 CLIENT-HELLO of {} bytes is truncated",
            msg.len()
        ));
    };
    if ty != 1 {
        return Err(format!("SSLv2 message type {ty} is not CLIENT-HELLO"));
    }
    if specs.len() % 3 != 0 {
        return Err(format!(
            "SSLv2 cipher_specs length {} is not a multiple of 3",
            specs.len()
        ));
    }
    let mut ch = ClientHello {
        record_version: TlsVersion::SSL_2_0,
        legacy_version: TlsVersion(version),
        sslv2_format: true,
        session_id_len: u8::try_from(sid_len).unwrap_or(u8::MAX),
        frame,
        ..ClientHello::default()
    };
    ch.sslv2_cipher_specs = specs
        .chunks_exact(3)
        .map(|c| u32::from_be_bytes([0, c[0], c[1], c[2]]))
        .collect();
    ch.cipher_suites = specs
        .chunks_exact(3)
        .filter(|c| c[0] == 0)
        .map(|c| u16::from_be_bytes([c[1], c[2]]))
        .collect();
    Ok(ch)
}

/// Parses an SSLv2 SERVER-HELLO (after the record header) into the few fields we can map.
pub(crate) fn parse_sslv2_server_hello(msg: &[u8], frame: u64) -> Result<ServerHello, String> {
    let mut r = Reader::new(msg);
    let fields = (|| {
        let ty = r.u8()?;
        let _session_id_hit = r.u8()?;
        let _cert_type = r.u8()?;
        let version = r.u16()?;
        let cert_len = usize::from(r.u16()?);
        let specs_len = usize::from(r.u16()?);
        let _conn_id_len = r.u16()?;
        r.take(cert_len)?;
        let specs = r.take(specs_len)?;
        Some((ty, version, specs))
    })();
    let Some((ty, version, specs)) = fields else {
        return Err(format!(
            "SSLv2 SERVER-HELLO of {} bytes is truncated",
            msg.len()
        ));
    };
    if ty != 4 {
        return Err(format!("SSLv2 message type {ty} is not SERVER-HELLO"));
    }
    let suite = specs
        .get(..3)
        .filter(|c| c[0] == 0)
        .map_or(0, |c| u16::from_be_bytes([c[1], c[2]]));
    Ok(ServerHello {
        sslv2_cipher_specs: specs
            .chunks_exact(3)
            .map(|c| u32::from_be_bytes([0, c[0], c[1], c[2]]))
            .collect(),
        record_version: TlsVersion::SSL_2_0,
        legacy_version: TlsVersion(version),
        negotiated_version: TlsVersion(version),
        cipher_suite: suite,
        sslv2_format: true,
        frame,
        ..ServerHello::default()
    })
}
