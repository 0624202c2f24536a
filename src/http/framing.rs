//! Framing of one direction's HTTP/1.x bytes: accumulates a head up to the blank line that
//! ends it, hands it to `syntax` to read, then skips a Content-Length body, stops at a body it
//! cannot frame, or hands the bytes after a CONNECT's 2xx to the caller as the tunnel. Knows
//! the bounds ([`MAX_HEAD_LEN`], [`MAX_HEADS`]); what a start line or header means is
//! `syntax`'s.

use memchr::memchr_iter;

use super::syntax::{
    Framing, HeadParts, auth_schemes, body_framing, credential_scheme, is_tchar, lossy, split_head,
    split_request_line, split_status_line,
};
use super::{HttpError, HttpFacts, HttpRequest, HttpResponse, MAX_HEAD_LEN, MAX_HEADS};

/// Longest method token accepted while deciding whether bytes can start a request line.
const MAX_METHOD_LEN: usize = 20;

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

    /// Bytes held in the head buffer (capacity, what the allocator holds).
    pub fn buffered(&self) -> usize {
        self.head.capacity()
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
