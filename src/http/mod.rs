//! HTTP/1.x message heads (RFC 9112) from one direction's in-order stream bytes -> owned
//! [`HttpFacts`]: request lines with Host, User-Agent and whether Proxy-Authorization was sent,
//! and status lines. Built for CONNECT proxies (where the tunnel starts) and plain requests.
//!
//! A pure parser: it knows nothing of flows, ports or the Arc endpoint catalog, and it never
//! parses bodies. The caller owns one [`HttpStream`] per direction, tells the server side when
//! the client sent CONNECT ([`HttpStream::expect_connect_response`]) and hands the bytes after
//! [`Feed::Tunnel`] to the TLS parser.
//!
//! Decisions:
//! - Request bodies are skipped by Content-Length so pipelined requests parse; a chunked (or
//!   any Transfer-Encoding) body, a response body that runs until the connection closes, a
//!   101 Switching Protocols, and more than [`MAX_HEADS`] heads all stop the direction
//!   ([`Feed::Done`]) without an error: the audit needs the heads, not the payloads.
//! - A head is bounded by [`MAX_HEAD_LEN`] bytes; a larger one stops the direction and is
//!   recorded as [`HttpError::HeadTooLarge`]. Bytes that cannot start a request line (client)
//!   or a status line (server) are refused within the first few bytes, so binary data never
//!   buffers a full 16 KiB.
//! - The Proxy-Authorization value is a credential and is never stored: only its presence and,
//!   when it is one of the well-known schemes, the scheme name.
//! - Wire strings are decoded with `from_utf8_lossy` and kept otherwise as sent (control
//!   characters included): escaping is the renderer's business.
//! - Lines may end in CRLF or a bare LF, and empty lines before a request line are ignored
//!   (RFC 9112 2.2); lines without a colon and obsolete folded lines are ignored.
//! - After a CONNECT the client side keeps listening: another request (a retry after a 407,
//!   or plain HTTP inside the tunnel) is parsed; anything else ends the direction quietly.
//!   The start line is checked as soon as its LF arrives, so a tunnelled SMTP or TLS stream
//!   is refused at once instead of being buffered.
//! - 1xx interim responses (except 101) are skipped and not recorded. A HEAD response's
//!   Content-Length is taken as a body length: the server side cannot know the method.

use memchr::memchr_iter;
use serde::Serialize;
use thiserror::Error;

/// Largest request or response head accepted. Real heads are well under 8 KiB (common server
/// limits are 8-16 KiB); 16 KiB bounds the buffer held per direction.
pub const MAX_HEAD_LEN: usize = 16 * 1024;
/// Heads parsed per direction before giving up: bounds the facts a long keep-alive connection
/// can produce; a proxy handshake needs a handful.
pub const MAX_HEADS: usize = 256;
/// Authentication schemes kept per response (from Proxy-Authenticate).
const MAX_AUTH_SCHEMES: usize = 8;
/// Longest method token accepted while deciding whether bytes can start a request line.
const MAX_METHOD_LEN: usize = 20;

/// Why a direction stopped parsing. Each variant says which direction and in which frame.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HttpError {
    #[error("{} head still open in frame {frame} exceeds {limit} bytes", side(*from_client))]
    HeadTooLarge {
        from_client: bool,
        frame: u64,
        limit: usize,
    },
    #[error("bytes in frame {frame} do not form an HTTP request line")]
    BadRequestLine { frame: u64 },
    #[error("bytes in frame {frame} do not form an HTTP status line")]
    BadStatusLine { frame: u64 },
    #[error("{} head in frame {frame} has an invalid or conflicting Content-Length", side(*from_client))]
    BadContentLength { from_client: bool, frame: u64 },
}

fn side(from_client: bool) -> &'static str {
    if from_client { "request" } else { "response" }
}

/// The heads of one flow; both directions' streams may push into the same value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HttpFacts {
    pub requests: Vec<HttpRequest>,
    pub responses: Vec<HttpResponse>,
    /// At most one per direction: an error stops that direction.
    pub errors: Vec<HttpError>,
}

/// One request head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpRequest {
    pub method: String,
    /// Request target as sent: authority-form for CONNECT ("host:443"), origin-form ("/path")
    /// or absolute-form ("http://host/path") for others.
    pub target: String,
    pub version: String,
    pub host: Option<String>,
    pub user_agent: Option<String>,
    /// A Proxy-Authorization header was present. Its value is never stored.
    pub proxy_authorization: bool,
    /// The scheme of that header when it is a well-known one ("Basic", "Digest", "NTLM",
    /// "Negotiate", "Bearer"), "other" otherwise: a bare token could be the credential itself.
    pub proxy_authorization_scheme: Option<String>,
    /// Frame of the packet that completed the head (as tshark reports reassembled PDUs).
    pub frame: u64,
}

/// One final (or 101) response head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpResponse {
    pub version: String,
    pub status: u16,
    pub reason: String,
    /// Scheme names offered by Proxy-Authenticate (e.g. a 407 offering "Negotiate", "NTLM").
    pub proxy_authenticate: Vec<String>,
    /// Frame of the packet that completed the head.
    pub frame: u64,
}

/// What the caller should do after [`HttpStream::feed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// All bytes were consumed; feed the next ones.
    NeedMore,
    /// This direction stopped parsing (see [`HttpStream::wants_more`]); the rest is not needed.
    Done,
    /// The head is complete; bytes after it (from this offset of THIS call's `bytes`) belong
    /// to the body or the tunnel.
    Tunnel { offset: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Accumulating a head in `head`.
    Head,
    /// Skipping this many body bytes (Content-Length).
    Body { remaining: u64 },
    /// Client side after a CONNECT head that ended the feed: the next bytes are either the
    /// tunnel or, after a 407, another request on the same connection.
    AfterConnect,
    /// Tunnel established or parsing stopped; nothing more to do.
    Stopped,
}

/// HTTP/1.x heads from ONE direction's in-order stream bytes.
#[derive(Debug, Clone)]
pub struct HttpStream {
    from_client: bool,
    state: State,
    /// The head being accumulated; at most [`MAX_HEAD_LEN`] bytes.
    head: Vec<u8>,
    /// Prefix of `head` already searched for the blank line.
    scanned: usize,
    /// The start line in `head` is complete and was found valid.
    start_line_checked: bool,
    heads: usize,
    /// CONNECT requests the client sent that no final response answered yet.
    pending_connects: u32,
    /// The last request asked for a protocol upgrade: non-HTTP bytes after it are expected.
    upgrade_requested: bool,
    /// The last request was a CONNECT: non-HTTP bytes after it are the tunnel.
    last_was_connect: bool,
}

impl HttpStream {
    pub fn new(direction_is_client: bool) -> Self {
        HttpStream {
            from_client: direction_is_client,
            state: State::Head,
            head: Vec::new(),
            scanned: 0,
            start_line_checked: false,
            heads: 0,
            pending_connects: 0,
            upgrade_requested: false,
            last_was_connect: false,
        }
    }

    /// Server side: the client sent CONNECT, so a 2xx final response starts the tunnel.
    /// Call once per CONNECT request.
    pub fn expect_connect_response(&mut self) {
        self.pending_connects = self.pending_connects.saturating_add(1);
    }

    /// False once the direction stopped (tunnel, error, bound, or a body we do not follow).
    pub fn wants_more(&self) -> bool {
        self.state != State::Stopped
    }

    /// Feeds the next in-order bytes of this direction; `frame` is the capture frame they came
    /// in. Completed heads are pushed to `out`.
    pub fn feed(&mut self, bytes: &[u8], frame: u64, out: &mut HttpFacts) -> Feed {
        let mut pos = 0usize;
        loop {
            let rest = bytes.get(pos..).unwrap_or_default();
            match self.state {
                State::Stopped => return Feed::Done,
                State::Body { remaining } => {
                    let available = u64::try_from(rest.len()).unwrap_or(u64::MAX);
                    let skip = remaining.min(available);
                    // skip <= rest.len(), so it fits in usize.
                    pos += usize::try_from(skip).unwrap_or(rest.len());
                    if skip == remaining {
                        self.state = State::Head;
                    } else {
                        self.state = State::Body {
                            remaining: remaining - skip,
                        };
                        return Feed::NeedMore;
                    }
                }
                State::AfterConnect => match rest.first() {
                    None => return Feed::NeedMore,
                    Some(&b) if is_tchar(b) || b == b'\r' || b == b'\n' => {
                        self.state = State::Head;
                    }
                    Some(_) => {
                        self.state = State::Stopped;
                        return Feed::Done;
                    }
                },
                State::Head => {
                    if self.head.is_empty() {
                        // RFC 9112 2.2: ignore empty lines before a request line.
                        let blank = rest
                            .iter()
                            .take_while(|&&b| b == b'\r' || b == b'\n')
                            .count();
                        pos += blank;
                    }
                    let rest = bytes.get(pos..).unwrap_or_default();
                    if rest.is_empty() {
                        return Feed::NeedMore;
                    }
                    let before = self.head.len();
                    let room = MAX_HEAD_LEN.saturating_sub(before);
                    let chunk = rest.get(..room.min(rest.len())).unwrap_or_default();
                    self.head.extend_from_slice(chunk);
                    if !self.plausible_start() || !self.plausible_first_line(before) {
                        return self.refuse(frame, out);
                    }
                    match self.head_end() {
                        Some(end) => {
                            // `end` > `before`: earlier feeds did not contain the blank line.
                            pos += end.saturating_sub(before);
                            self.head.truncate(end);
                            if let Some(feed) = self.finish_head(frame, bytes, pos, out) {
                                return feed;
                            }
                        }
                        None if self.head.len() >= MAX_HEAD_LEN => {
                            out.errors.push(HttpError::HeadTooLarge {
                                from_client: self.from_client,
                                frame,
                                limit: MAX_HEAD_LEN,
                            });
                            return self.stop();
                        }
                        None => return Feed::NeedMore,
                    }
                }
            }
        }
    }

    fn stop(&mut self) -> Feed {
        self.state = State::Stopped;
        self.head = Vec::new();
        Feed::Done
    }

    /// Bytes that cannot start a head: an error, unless a tunnel or an upgrade explains them.
    fn refuse(&mut self, frame: u64, out: &mut HttpFacts) -> Feed {
        let expected_other_protocol =
            self.heads > 0 && (self.upgrade_requested || self.last_was_connect);
        if !expected_other_protocol {
            out.errors.push(if self.from_client {
                HttpError::BadRequestLine { frame }
            } else {
                HttpError::BadStatusLine { frame }
            });
        }
        self.stop()
    }

    /// Whether the bytes gathered so far can begin a request line (client) or a status line
    /// (server). Decided within the first [`MAX_METHOD_LEN`] + 1 bytes.
    fn plausible_start(&self) -> bool {
        if self.from_client {
            let probe = &self.head[..self.head.len().min(MAX_METHOD_LEN + 1)];
            match probe.iter().position(|&b| b == b' ') {
                Some(0) => false,
                Some(space) => probe[..space].iter().all(|&b| is_tchar(b)),
                None => probe.len() <= MAX_METHOD_LEN && probe.iter().all(|&b| is_tchar(b)),
            }
        } else {
            let n = self.head.len().min(5);
            self.head[..n] == b"HTTP/"[..n]
        }
    }

    /// Once the start line is complete, it must parse: this refuses a tunnelled protocol
    /// (SMTP, say) line by line instead of buffering it up to [`MAX_HEAD_LEN`].
    /// `appended_from` is where this feed's bytes start in `head`; until the start line is
    /// checked, earlier bytes held no LF.
    fn plausible_first_line(&mut self, appended_from: usize) -> bool {
        if self.start_line_checked {
            return true;
        }
        let tail = self.head.get(appended_from..).unwrap_or_default();
        let Some(newline) = memchr::memchr(b'\n', tail) else {
            return true;
        };
        let line = self.head.get(..appended_from + newline).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.start_line_checked = if self.from_client {
            split_request_line(line).is_some()
        } else {
            split_status_line(line).is_some()
        };
        self.start_line_checked
    }

    /// End (exclusive) of the head in `head`: just after the empty line that closes it.
    fn head_end(&mut self) -> Option<usize> {
        // The terminators ("\n\n", "\n\r\n") are at most 3 bytes: resume 2 bytes back.
        let from = self.scanned.saturating_sub(2);
        self.scanned = self.head.len();
        let tail = self.head.get(from..)?;
        for newline in memchr_iter(b'\n', tail) {
            let at = from + newline;
            match self.head.get(at + 1..at + 3) {
                Some([b'\n', _]) => return Some(at + 2),
                Some([b'\r', b'\n']) => return Some(at + 3),
                None if self.head.get(at + 1) == Some(&b'\n') => return Some(at + 2),
                _ => {}
            }
        }
        None
    }

    /// A complete head is in `head`. Returns the feed result to hand back now, or `None` to
    /// go on with the bytes after it (`bytes[pos..]`).
    fn finish_head(
        &mut self,
        frame: u64,
        bytes: &[u8],
        pos: usize,
        out: &mut HttpFacts,
    ) -> Option<Feed> {
        let head = std::mem::take(&mut self.head);
        self.scanned = 0;
        self.start_line_checked = false;
        self.heads += 1;
        let parts = split_head(&head);
        let at_bound = self.heads >= MAX_HEADS;
        let feed = if self.from_client {
            self.finish_request(&parts, frame, bytes.len() > pos, pos, out)
        } else {
            self.finish_response(&parts, frame, pos, out)
        };
        if at_bound {
            // Keep a Tunnel answer for this last head, but stop the direction either way.
            let last = self.stop();
            return Some(feed.unwrap_or(last));
        }
        feed
    }

    fn finish_request(
        &mut self,
        head: &HeadParts<'_>,
        frame: u64,
        more_bytes: bool,
        pos: usize,
        out: &mut HttpFacts,
    ) -> Option<Feed> {
        let Some((method, target, version)) = split_request_line(head.start_line) else {
            return Some(self.refuse(frame, out));
        };
        let mut request = HttpRequest {
            method: lossy(method),
            target: lossy(target),
            version: lossy(version),
            host: None,
            user_agent: None,
            proxy_authorization: false,
            proxy_authorization_scheme: None,
            frame,
        };
        let mut upgrade = false;
        for &(name, value) in &head.headers {
            if name.eq_ignore_ascii_case(b"host") {
                request.host.get_or_insert_with(|| lossy(value));
            } else if name.eq_ignore_ascii_case(b"user-agent") {
                request.user_agent.get_or_insert_with(|| lossy(value));
            } else if name.eq_ignore_ascii_case(b"proxy-authorization") {
                // The value is a credential: keep only that it was there and its scheme.
                if !request.proxy_authorization {
                    request.proxy_authorization_scheme = Some(credential_scheme(value).to_string());
                }
                request.proxy_authorization = true;
            } else if name.eq_ignore_ascii_case(b"upgrade") {
                upgrade = true;
            }
        }
        let is_connect = method == b"CONNECT";
        out.requests.push(request);
        self.upgrade_requested = upgrade;
        self.last_was_connect = is_connect;
        if is_connect {
            // RFC 9110 9.3.6: the tunnel may start right after the head, even before the 2xx.
            // Bytes already here are tunnel data; if none, the next ones may still be another
            // request (a 407 challenge answered on the same connection).
            self.state = if more_bytes {
                State::Stopped
            } else {
                State::AfterConnect
            };
            return Some(Feed::Tunnel { offset: pos });
        }
        match body_framing(&head.headers) {
            Framing::Invalid => {
                out.errors.push(HttpError::BadContentLength {
                    from_client: true,
                    frame,
                });
                Some(self.stop())
            }
            // RFC 9112 6.3: a request with neither header has no body.
            Framing::None => None,
            Framing::Length(remaining) => {
                self.state = State::Body { remaining };
                None
            }
            Framing::Encoded => Some(self.stop()),
        }
    }

    fn finish_response(
        &mut self,
        head: &HeadParts<'_>,
        frame: u64,
        pos: usize,
        out: &mut HttpFacts,
    ) -> Option<Feed> {
        let Some((version, status, reason)) = split_status_line(head.start_line) else {
            return Some(self.refuse(frame, out));
        };
        // Interim responses precede the final one and carry no body (RFC 9110 15.2).
        if (100..200).contains(&status) && status != 101 {
            return None;
        }
        let mut proxy_authenticate = Vec::new();
        for &(name, value) in &head.headers {
            if name.eq_ignore_ascii_case(b"proxy-authenticate") {
                auth_schemes(value, &mut proxy_authenticate);
            }
        }
        out.responses.push(HttpResponse {
            version: lossy(version),
            status,
            reason: lossy(reason),
            proxy_authenticate,
            frame,
        });
        if status == 101 {
            return Some(self.stop()); // another protocol follows
        }
        if self.pending_connects > 0 {
            self.pending_connects -= 1;
            if (200..300).contains(&status) {
                // RFC 9110 9.3.6: a 2xx to CONNECT has no body; the tunnel starts here.
                self.state = State::Stopped;
                return Some(Feed::Tunnel { offset: pos });
            }
        }
        if status == 204 || status == 304 {
            return None;
        }
        match body_framing(&head.headers) {
            Framing::Invalid => {
                out.errors.push(HttpError::BadContentLength {
                    from_client: false,
                    frame,
                });
                Some(self.stop())
            }
            Framing::Length(remaining) => {
                self.state = State::Body { remaining };
                None
            }
            // Chunked, or a body delimited by the connection's close (RFC 9112 6.3 rule 8).
            Framing::Encoded | Framing::None => Some(self.stop()),
        }
    }
}

/// A head split into its start line and header fields (names and values trimmed).
struct HeadParts<'a> {
    start_line: &'a [u8],
    headers: Vec<(&'a [u8], &'a [u8])>,
}

fn split_head(head: &[u8]) -> HeadParts<'_> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let start_line = lines.next().unwrap_or_default();
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            continue; // obs-fold continuation (RFC 9112 5.2): not needed for our fields
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            let (name, value) = line.split_at(colon);
            headers.push((trim(name), trim(value.get(1..).unwrap_or_default())));
        }
    }
    HeadParts {
        start_line,
        headers,
    }
}

/// method SP request-target SP HTTP-version (RFC 9112 3). Repeated spaces are tolerated, and
/// extra words between target and version are ignored, as tshark does
/// ("CONNECT host:25 / HTTP/1.0" has target "host:25").
fn split_request_line(line: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let method = words.next()?;
    let target = words.next()?;
    let version = words.next_back()?;
    let valid = line.first() != Some(&b' ')
        && method.iter().all(|&b| is_tchar(b))
        && version.starts_with(b"HTTP/");
    valid.then_some((method, target, version))
}

/// HTTP-version SP 3DIGIT [SP reason-phrase] (RFC 9112 4; the space before an empty reason
/// is often missing).
fn split_status_line(line: &[u8]) -> Option<(&[u8], u16, &[u8])> {
    let space = line.iter().position(|&b| b == b' ')?;
    let version = line.get(..space)?;
    if !version.starts_with(b"HTTP/") {
        return None;
    }
    let rest = line.get(space + 1..)?;
    let digits = rest.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let status = digits
        .iter()
        .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
    let reason = match rest.get(3..) {
        None | Some([]) => &[][..],
        Some([b' ', reason @ ..]) => reason,
        Some(_) => return None, // "2000" or "200x"
    };
    Some((version, status, reason))
}

enum Framing {
    None,
    Length(u64),
    /// A Transfer-Encoding: the body length is not known without decoding it.
    Encoded,
    Invalid,
}

/// RFC 9112 6.1-6.3: Transfer-Encoding wins over Content-Length; several Content-Length
/// values must agree (a list of equal values is allowed), else the framing is invalid (the
/// request smuggling case).
fn body_framing(headers: &[(&[u8], &[u8])]) -> Framing {
    if headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case(b"transfer-encoding"))
    {
        return Framing::Encoded;
    }
    let mut length: Option<u64> = None;
    for (_, value) in headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(b"content-length"))
    {
        for item in value.split(|&b| b == b',') {
            let Some(n) = parse_decimal(trim(item)) else {
                return Framing::Invalid;
            };
            if length.is_some_and(|seen| seen != n) {
                return Framing::Invalid;
            }
            length = Some(n);
        }
    }
    length.map_or(Framing::None, Framing::Length)
}

fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &d| {
        if d.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        } else {
            None
        }
    })
}

/// Scheme names of the challenges in a Proxy-Authenticate value, e.g. `Negotiate, NTLM` or
/// `Basic realm="proxy", charset="UTF-8"`: every comma-separated element whose first word is a
/// bare token (auth-params contain `=`, which is not a token character).
fn auth_schemes(value: &[u8], into: &mut Vec<String>) {
    for element in value.split(|&b| b == b',') {
        let word = trim(element)
            .split(|&b| b == b' ' || b == b'\t')
            .next()
            .unwrap_or_default();
        if word.is_empty() || word.len() > 32 || !word.iter().all(|&b| is_tchar(b)) {
            continue;
        }
        let scheme = lossy(word);
        if into.len() < MAX_AUTH_SCHEMES && !into.iter().any(|s| s.eq_ignore_ascii_case(&scheme)) {
            into.push(scheme);
        }
    }
}

/// The scheme of a Proxy-Authorization value, only from a fixed list: anything else may be a
/// bare credential and is reported as "other".
fn credential_scheme(value: &[u8]) -> &'static str {
    let word = value
        .split(|&b| b == b' ' || b == b'\t')
        .next()
        .unwrap_or_default();
    ["Basic", "Digest", "NTLM", "Negotiate", "Bearer"]
        .into_iter()
        .find(|known| word.eq_ignore_ascii_case(known.as_bytes()))
        .unwrap_or("other")
}

fn trim(bytes: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    bytes.get(start..end).unwrap_or_default()
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// RFC 9110 5.6.2 token characters.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Methods recognised by [`looks_like_http_request`]: RFC 9110, PATCH and the WebDAV ones a
/// Windows or Linux host may send. A generic token would match too much binary data.
const KNOWN_METHODS: &[&[u8]] = &[
    b"GET",
    b"HEAD",
    b"POST",
    b"PUT",
    b"DELETE",
    b"CONNECT",
    b"OPTIONS",
    b"TRACE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
];

/// Whether a direction's first bytes start an HTTP/1.x request: a known method and a space.
pub fn looks_like_http_request(first: &[u8]) -> bool {
    KNOWN_METHODS
        .iter()
        .any(|method| first.starts_with(method) && first.get(method.len()) == Some(&b' '))
}

/// Whether a direction's first bytes start an HTTP/1.x response ("HTTP/1.").
pub fn looks_like_http_response(first: &[u8]) -> bool {
    first.starts_with(b"HTTP/1.")
}

#[cfg(test)]
mod tests;
