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
//!
//! Rooms: `framing` (the per-direction state machine: where a head ends, bodies skipped by
//! Content-Length, the CONNECT tunnel, the bounds) and `syntax` (what a head says: start
//! lines, header fields, Content-Length rules, authentication schemes, and the first-bytes
//! tests the dissector asks).

mod framing;
mod syntax;

use serde::Serialize;
use thiserror::Error;

pub use framing::{Feed, HttpStream};
pub use syntax::{looks_like_http_request, looks_like_http_response};

/// Largest request or response head accepted. Real heads are well under 8 KiB (common server
/// limits are 8-16 KiB); 16 KiB bounds the buffer held per direction.
pub const MAX_HEAD_LEN: usize = 16 * 1024;
/// Heads parsed per direction before giving up: bounds the facts a long keep-alive connection
/// can produce; a proxy handshake needs a handful.
pub const MAX_HEADS: usize = 256;

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

#[cfg(test)]
mod tests;
