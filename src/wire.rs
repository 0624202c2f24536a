//! Wire values every stage names: which way bytes travel ([`Direction`]), which transport
//! carries a flow ([`Transport`]) and which application protocol the dissectors recognised
//! ([`AppProtocol`]).
//!
//! The bottom of the crate: it imports nothing from it, so `flow`, the parsers (`tls`, `dns`,
//! `http`) and everything above can share one type without importing each other. It owns the
//! values and their spelling in reports, nothing else: telling TCP from UDP is `decode`'s
//! job, recognising TLS or HTTP in a stream the dissection stage's.

use serde::Serialize;
use std::fmt;

/// Which way a payload travels, relative to the flow's client and server. Serialized in
/// snake_case (`"client_to_server"`) wherever it appears in JSON (flows schema 2); `Debug`
/// (`ClientToServer`) stays what TLS parse errors are prefixed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

/// The transport protocol of a flow. Serialized and displayed as `tcp` / `udp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

/// `pad`, not `write_str`: table renderers align the column with `{:<5}`.
impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The application protocol a flow's bytes were recognised as. Serialized and displayed as
/// `tls`, `http`, `http-connect` (a proxy CONNECT, whatever is tunnelled), `dns`, `quic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppProtocol {
    Tls,
    Http,
    HttpConnect,
    Dns,
    Quic,
}

impl AppProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            AppProtocol::Tls => "tls",
            AppProtocol::Http => "http",
            AppProtocol::HttpConnect => "http-connect",
            AppProtocol::Dns => "dns",
            AppProtocol::Quic => "quic",
        }
    }
}

impl fmt::Display for AppProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap_or_default()
    }

    #[test]
    fn spelled_as_before_the_enums() {
        assert_eq!(json(&Transport::Tcp), "\"tcp\"");
        assert_eq!(json(&Transport::Udp), "\"udp\"");
        assert_eq!(json(&Direction::ServerToClient), "\"server_to_client\"");
        assert_eq!(format!("{:<5}|", Transport::Udp), "udp  |");
        for p in [
            AppProtocol::Tls,
            AppProtocol::Http,
            AppProtocol::HttpConnect,
            AppProtocol::Dns,
            AppProtocol::Quic,
        ] {
            assert_eq!(json(&p), format!("\"{p}\""));
        }
        assert_eq!(AppProtocol::HttpConnect.as_str(), "http-connect");
    }
}
