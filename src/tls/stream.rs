//! The per-direction record reader: detects TLS, splits records, reassembles handshake messages
//! across records and `feed()` calls, and decides when a direction has turned encrypted.

use super::cert::parse_certificate_message;
use super::fingerprint::fill_client_fingerprints;
use super::hello::{
    Extract, parse_client_hello, parse_server_hello, parse_sslv2_client_hello,
    parse_sslv2_server_hello,
};
use super::names::{alert_description_name, alert_level_name};
use super::version::TlsVersion;
use super::{
    Alert, Direction, MAX_LATER_HELLOS, MAX_PLAUSIBLE_RECORD, TlsError, TlsFacts, looks_like_tls,
};

/// Largest record body accepted: 2^14 + 2048, the TLSCiphertext limit of RFC 5246 6.2.3. A
/// longer length means we are not reading TLS (or lost sync), so the direction stops.
pub const MAX_RECORD_BODY: usize = MAX_PLAUSIBLE_RECORD;

/// Largest handshake message reassembled: 64 KiB. Hellos are a few hundred bytes (post-quantum
/// key shares ~1.5 KB); certificate chains are typically 3-8 KB. A longer message stops the
/// direction with an error rather than buffer without bound.
pub const MAX_HANDSHAKE_MESSAGE: usize = 64 * 1024;

/// Errors and alerts kept per connection; the rest are counted only.
const MAX_KEPT: usize = 16;

const CT_CHANGE_CIPHER_SPEC: u8 = 20;
const CT_ALERT: u8 = 21;
const CT_HANDSHAKE: u8 = 22;
const CT_APPLICATION_DATA: u8 = 23;
const CT_HEARTBEAT: u8 = 24;

const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
const HS_CERTIFICATE: u8 = 11;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the first 5 bytes to say whether this is TLS at all.
    Detect,
    /// Reading SSLv3/TLS records.
    Records,
    /// Reading one SSLv2-format message.
    Sslv2,
    /// Nothing more will be read: not TLS, a fatal alert, lost sync or a bound hit.
    Done,
}

/// Parser state for one direction of one TCP connection. Memory: `pending` holds at most one
/// record (5 + [`MAX_RECORD_BODY`] bytes, or an SSLv2 record of at most 32 KiB) and `handshake`
/// at most one handshake message ([`MAX_HANDSHAKE_MESSAGE`] + 4) plus one record body.
#[derive(Debug, Clone)]
pub struct TlsStream {
    direction: Direction,
    /// What the hellos keep.
    extract: Extract,
    phase: Phase,
    /// Bytes of the current record (header first) until it is complete.
    pending: Vec<u8>,
    /// Handshake-protocol bytes carried over until a whole message is present.
    handshake: Vec<u8>,
    /// Version field of the record that started the buffered handshake message.
    handshake_record_version: TlsVersion,
    /// Body bytes of the current record still to be skipped unread.
    skip: usize,
    /// This direction sent ChangeCipherSpec.
    ccs_seen: bool,
    /// This direction's records are encrypted from here on: only headers are read.
    encrypted: bool,
}

impl TlsStream {
    pub fn new(direction: Direction) -> Self {
        TlsStream::with_extract(direction, Extract::default())
    }

    /// A reader whose hellos keep what `extract` says.
    pub fn with_extract(direction: Direction, extract: Extract) -> Self {
        TlsStream {
            direction,
            extract,
            phase: Phase::Detect,
            pending: Vec::new(),
            handshake: Vec::new(),
            handshake_record_version: TlsVersion(0),
            skip: 0,
            ccs_seen: false,
            encrypted: false,
        }
    }

    /// The next in-order bytes of this direction (contiguous with the previous call). `frame`
    /// is the capture frame number that delivered the last of these bytes; a message completed
    /// by this call is stamped with it.
    pub fn feed(&mut self, bytes: &[u8], frame: u64, facts: &mut TlsFacts) {
        let mut input = bytes;
        while !input.is_empty() {
            input = match self.phase {
                Phase::Done => return,
                Phase::Detect => self.detect(input),
                Phase::Records => self.records(input, frame, facts),
                Phase::Sslv2 => self.sslv2(input, frame, facts),
            };
        }
    }

    /// False once nothing more is to be learnt from this direction: encrypted traffic started
    /// (after the hellos and certificate), a fatal alert, not TLS at all, lost record sync or a
    /// bound hit. Bytes fed afterwards are still cheap: once encrypted, only record headers are
    /// read (counting encrypted alerts and application data); when done, nothing.
    pub fn wants_more(&self) -> bool {
        self.phase != Phase::Done && !self.encrypted
    }

    /// Bytes held in this direction's buffers (capacity, what the allocator holds).
    #[inline]
    pub fn buffered(&self) -> usize {
        self.pending.capacity() + self.handshake.capacity()
    }

    fn detect<'a>(&mut self, input: &'a [u8]) -> &'a [u8] {
        if self.pending.is_empty()
            && let Some(head) = input.first_chunk::<5>()
            && head[0] & 0x80 == 0
        {
            // The common case, a whole record header at the start: decide on it where it is
            // and let `records` read it again in place (no copy into `pending`).
            if looks_like_tls(head) {
                self.phase = Phase::Records;
                return input;
            }
            self.finish();
            return &[];
        }
        let n = 5usize.saturating_sub(self.pending.len()).min(input.len());
        let (head, rest) = input.split_at(n);
        self.pending.extend_from_slice(head);
        if !looks_like_tls(&self.pending) {
            self.finish();
            return &[];
        }
        if self.pending.len() >= 5 {
            self.phase = if self.pending[0] & 0x80 != 0 {
                Phase::Sslv2
            } else {
                Phase::Records
            };
        }
        rest
    }

    fn finish(&mut self) {
        self.phase = Phase::Done;
        self.pending = Vec::new();
        self.handshake = Vec::new();
    }

    fn fail(&mut self, facts: &mut TlsFacts, err: TlsError) {
        push_error(facts, self.direction, &err);
        self.finish();
    }

    /// Moves up to `want` total bytes into `pending`; true when it holds them all.
    fn fill(&mut self, input: &mut &[u8], want: usize) -> bool {
        let n = want.saturating_sub(self.pending.len()).min(input.len());
        let (head, rest) = input.split_at(n);
        self.pending.extend_from_slice(head);
        *input = rest;
        self.pending.len() >= want
    }

    fn records<'a>(&mut self, mut input: &'a [u8], frame: u64, facts: &mut TlsFacts) -> &'a [u8] {
        while self.phase == Phase::Records && !input.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(input.len());
                self.skip -= n;
                input = &input[n..];
                continue;
            }
            // A record header that starts in this input is read where it is; only one cut by
            // the end of the input goes through `pending`.
            let header: [u8; 5] = match input.first_chunk::<5>() {
                Some(h) if self.pending.is_empty() => {
                    input = &input[5..];
                    *h
                }
                _ => {
                    if !self.fill(&mut input, 5) {
                        break;
                    }
                    let Some(h) = self.pending.first_chunk::<5>() else {
                        break;
                    };
                    *h
                }
            };
            let content_type = header[0];
            let version = u16::from_be_bytes([header[1], header[2]]);
            let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
            if !(CT_CHANGE_CIPHER_SPEC..=CT_HEARTBEAT).contains(&content_type) {
                self.fail(
                    facts,
                    TlsError::BadRecordType {
                        frame,
                        content_type,
                    },
                );
                break;
            }
            if version >> 8 != 3 {
                self.fail(facts, TlsError::BadRecordVersion { frame, version });
                break;
            }
            if length > MAX_RECORD_BODY {
                let max = MAX_RECORD_BODY;
                self.fail(facts, TlsError::RecordTooLong { frame, length, max });
                break;
            }
            let needs_body = match content_type {
                CT_HANDSHAKE => !self.encrypted,
                // A plaintext alert is exactly level + description; anything longer carries a
                // MAC or AEAD tag, i.e. is encrypted.
                CT_ALERT => length == 2,
                _ => false,
            };
            if !needs_body {
                self.on_unread_record(content_type, frame, facts);
                self.pending.clear();
                self.skip = length;
                continue;
            }
            if self.pending.is_empty() {
                if let Some(body) = input.get(..length) {
                    // The whole record is in this input: no copy.
                    input = &input[length..];
                    self.on_record(content_type, TlsVersion(version), body, frame, facts);
                    continue;
                }
                // The record is cut by the end of the input: room for all of it at once
                // (grown from the header's 8 bytes, it was two allocations and a copy).
                self.pending.reserve_exact(5 + length);
                self.pending.extend_from_slice(&header);
            } else {
                self.pending
                    .reserve_exact((5 + length).saturating_sub(self.pending.len()));
            }
            if !self.fill(&mut input, 5 + length) {
                break;
            }
            let record = std::mem::take(&mut self.pending);
            self.on_record(
                content_type,
                TlsVersion(version),
                &record[5..],
                frame,
                facts,
            );
            if self.phase != Phase::Done {
                // Keep the allocation for the next record.
                self.pending = record;
                self.pending.clear();
            }
        }
        input
    }

    fn on_unread_record(&mut self, content_type: u8, frame: u64, facts: &mut TlsFacts) {
        let client = self.direction == Direction::ClientToServer;
        match content_type {
            CT_CHANGE_CIPHER_SPEC => {
                self.ccs_seen = true;
                if client {
                    facts.client_change_cipher_spec = true;
                } else {
                    facts.server_change_cipher_spec = true;
                }
            }
            CT_APPLICATION_DATA => {
                self.encrypted = true;
                if client {
                    facts.client_application_data = true;
                } else {
                    facts.server_application_data = true;
                }
            }
            CT_ALERT => {
                facts.first_alert_frame.get_or_insert(frame);
                let counter = if client {
                    &mut facts.client_encrypted_alerts
                } else {
                    &mut facts.server_encrypted_alerts
                };
                *counter = counter.saturating_add(1);
            }
            // Encrypted handshake records (TLS <= 1.2 Finished, renegotiation) and heartbeats.
            _ => {}
        }
    }

    fn on_record(
        &mut self,
        content_type: u8,
        version: TlsVersion,
        body: &[u8],
        frame: u64,
        facts: &mut TlsFacts,
    ) {
        if content_type == CT_ALERT {
            let (level, description) = (body[0], body[1]);
            facts.alert_count = facts.alert_count.saturating_add(1);
            facts.first_alert_frame.get_or_insert(frame);
            if facts.alerts.len() < MAX_KEPT {
                facts.alerts.push(Alert {
                    level,
                    level_name: alert_level_name(level),
                    description,
                    description_name: alert_description_name(description),
                    sender: self.direction,
                    frame,
                });
            }
            // After a fatal alert the connection is closed (RFC 5246 7.2.2).
            if level == 2 {
                self.finish();
            }
            return;
        }
        // Handshake record.
        if self.ccs_seen && !plaintext_after_ccs(facts, body) {
            // TLS <= 1.2: what follows ChangeCipherSpec (Finished) is encrypted.
            self.encrypted = true;
            return;
        }
        if self.handshake.is_empty() {
            // Nothing carried over: the messages this record holds whole are read where they
            // are; only an incomplete tail is kept for the next record.
            self.handshake_record_version = version;
            match handle_messages(body, version, self.direction, self.extract, frame, facts) {
                Ok(off) => self.handshake.extend_from_slice(&body[off..]),
                Err(err) => self.fail(facts, err),
            }
            return;
        }
        self.handshake.extend_from_slice(body);
        self.take_messages(version, frame, facts);
    }

    /// Handles every complete handshake message in the buffer, keeps an incomplete tail.
    fn take_messages(&mut self, record_version: TlsVersion, frame: u64, facts: &mut TlsFacts) {
        let off = match handle_messages(
            &self.handshake,
            self.handshake_record_version,
            self.direction,
            self.extract,
            frame,
            facts,
        ) {
            Ok(off) => off,
            Err(err) => {
                self.fail(facts, err);
                return;
            }
        };
        self.handshake.drain(..off);
        if !self.handshake.is_empty() && off > 0 {
            // The tail started in the record we just read.
            self.handshake_record_version = record_version;
        }
    }

    fn sslv2<'a>(&mut self, mut input: &'a [u8], frame: u64, facts: &mut TlsFacts) -> &'a [u8] {
        // Two-byte header form: high bit set, 15-bit length (at most 32 767 bytes).
        let length = (usize::from(self.pending[0] & 0x7f) << 8) | usize::from(self.pending[1]);
        if !self.fill(&mut input, 2 + length) {
            return input;
        }
        let record = std::mem::take(&mut self.pending);
        let msg = &record[2..];
        match msg.first() {
            Some(1) => {
                match parse_sslv2_client_hello(msg, frame) {
                    Ok(mut ch) => {
                        fill_client_fingerprints(&mut ch, None, self.extract);
                        if facts.client_hello.is_none() {
                            facts.client_hello = Some(ch);
                        }
                    }
                    Err(what) => {
                        push_error(facts, self.direction, &TlsError::Malformed { frame, what })
                    }
                }
                // A v3/TLS server answers in records and the client goes on in records; an
                // SSLv2 server makes the client send CLIENT-MASTER-KEY, which `detect` refuses.
                self.phase = Phase::Detect;
            }
            Some(4) => {
                match parse_sslv2_server_hello(msg, frame) {
                    Ok(sh) => {
                        if facts.server_hello.is_none() {
                            facts.server_hello = Some(sh);
                        }
                    }
                    Err(what) => {
                        push_error(facts, self.direction, &TlsError::Malformed { frame, what })
                    }
                }
                // Everything after an SSLv2 SERVER-HELLO is encrypted.
                self.finish();
            }
            _ => self.finish(),
        }
        input
    }
}

/// Whether a handshake record sent after this direction's ChangeCipherSpec is still plaintext.
/// In TLS 1.3 the CCS is a middlebox-compatibility dummy and the second ClientHello/ServerHello
/// after a HelloRetryRequest comes in plaintext handshake records; in TLS <= 1.2 the record is
/// the encrypted Finished. When the other direction has not told us the version yet, the shape
/// decides: a plausible ClientHello/ServerHello header with a 3.x legacy version.
fn plaintext_after_ccs(facts: &TlsFacts, body: &[u8]) -> bool {
    if facts.hello_retry_request.is_some() {
        return true;
    }
    if let Some(sh) = &facts.server_hello {
        return sh.negotiated_version.is_tls13();
    }
    match body {
        [t, l0, l1, l2, 3, minor, ..] => {
            let length = (usize::from(*l0) << 16) | (usize::from(*l1) << 8) | usize::from(*l2);
            matches!(*t, HS_CLIENT_HELLO | HS_SERVER_HELLO)
                && *minor <= 4
                && (38..=MAX_HANDSHAKE_MESSAGE).contains(&length)
        }
        _ => false,
    }
}

/// Handles every complete handshake message at the start of `buf` (all sent in records of
/// `record_version`); returns the length of what it handled, or the error that stops the
/// direction (after the messages before it were handled).
fn handle_messages(
    buf: &[u8],
    record_version: TlsVersion,
    direction: Direction,
    extract: Extract,
    frame: u64,
    facts: &mut TlsFacts,
) -> Result<usize, TlsError> {
    let mut off = 0usize;
    while let Some(head) = buf.get(off..off + 4) {
        let msg_type = head[0];
        let length =
            (usize::from(head[1]) << 16) | (usize::from(head[2]) << 8) | usize::from(head[3]);
        if length > MAX_HANDSHAKE_MESSAGE {
            let max = MAX_HANDSHAKE_MESSAGE;
            return Err(TlsError::HandshakeTooLong {
                frame,
                msg_type,
                length,
                max,
            });
        }
        let Some(body) = buf.get(off + 4..off + 4 + length) else {
            break;
        };
        handle_message(
            msg_type,
            body,
            record_version,
            direction,
            extract,
            frame,
            facts,
        );
        off += 4 + length;
    }
    Ok(off)
}

fn handle_message(
    msg_type: u8,
    body: &[u8],
    record_version: TlsVersion,
    direction: Direction,
    extract: Extract,
    frame: u64,
    facts: &mut TlsFacts,
) {
    let problems = match msg_type {
        HS_CLIENT_HELLO => {
            let (mut ch, wire, problems) = parse_client_hello(body, record_version, frame, extract);
            if let Some(ch) = &mut ch {
                fill_client_fingerprints(ch, Some(&wire), extract);
            }
            if facts.client_hello.is_none() {
                facts.client_hello = ch;
            } else if let Some(ch) = ch
                && facts.later_client_hellos.len() < MAX_LATER_HELLOS
            {
                facts.later_client_hellos.push(ch);
            }
            problems
        }
        HS_SERVER_HELLO => {
            let (sh, problems) = parse_server_hello(body, record_version, frame, extract);
            if let Some(sh) = sh {
                if sh.is_hello_retry_request && facts.hello_retry_request.is_none() {
                    facts.hello_retry_request = Some(sh);
                } else if !sh.is_hello_retry_request && facts.server_hello.is_none() {
                    facts.server_hello = Some(sh);
                } else if facts.later_server_hellos.len() < MAX_LATER_HELLOS {
                    facts.later_server_hellos.push(sh);
                }
            }
            problems
        }
        HS_CERTIFICATE if facts.certificate_frame.is_none() => {
            let (certs, total, problems) = parse_certificate_message(body);
            facts.certificates = certs;
            facts.certificate_count = total;
            facts.certificate_frame = Some(frame);
            problems
        }
        _ => Vec::new(),
    };
    for what in problems {
        push_error(facts, direction, &TlsError::Malformed { frame, what });
    }
}

fn push_error(facts: &mut TlsFacts, direction: Direction, err: &TlsError) {
    if facts.errors.len() < MAX_KEPT {
        facts.errors.push(format!("{direction:?}: {err}"));
    }
}
