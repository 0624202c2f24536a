//! Why a frame was not turned into a [`Packet`](super::Packet). Each reason has a stable name
//! (its `Display`) that ends up as a key of [`DecodeStats::skipped`](super::DecodeStats) and in
//! reports, so users can grep for it. Renaming one is a breaking change.

use std::fmt::{self, Write as _};

/// The reason a frame was skipped. `Display` gives the stable, grep-able name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, thiserror::Error)]
pub enum SkipReason {
    #[error("empty-frame")]
    EmptyFrame,
    #[error("unsupported-linktype-{0}")]
    UnsupportedLinktype(u32),
    #[error("truncated-ethernet")]
    TruncatedEthernet,
    #[error("truncated-vlan")]
    TruncatedVlan,
    /// More stacked VLAN tags than [`super::link::MAX_VLAN_TAGS`].
    #[error("vlan-stack-too-deep")]
    VlanStackTooDeep,
    #[error("truncated-pppoe")]
    TruncatedPppoe,
    /// A PPPoE session frame whose PPP protocol is neither IPv4 nor IPv6 (LCP, IPCP, ...).
    #[error("non-ip-ppp-0x{0:04x}")]
    NonIpPpp(u16),
    #[error("truncated-mpls")]
    TruncatedMpls,
    /// More stacked MPLS labels than [`super::link::MAX_MPLS_LABELS`].
    #[error("mpls-stack-too-deep")]
    MplsStackTooDeep,
    /// Below the MPLS stack is neither IPv4 nor IPv6 (e.g. a pseudowire control word).
    #[error("non-ip-mpls-payload")]
    NonIpMplsPayload,
    /// An EtherType (or SLL protocol) that carries no IP: ARP, LLDP, IPX, PPPoE discovery, ...
    #[error("non-ip-ethertype-0x{0:04x}")]
    NonIpEthertype(u16),
    /// An IEEE 802.3 frame whose type field is a length (LLC/SNAP: STP, CDP, ...).
    #[error("non-ip-llc")]
    NonIpLlc,
    #[error("truncated-sll")]
    TruncatedSll,
    #[error("truncated-sll2")]
    TruncatedSll2,
    #[error("truncated-null")]
    TruncatedNull,
    /// A BSD null/loopback frame whose address family is not an IP one.
    #[error("non-ip-address-family-{0}")]
    NonIpAddressFamily(u32),
    /// The IP version nibble is not the one the link layer announced (or neither 4 nor 6).
    #[error("bad-ip-version-{0}")]
    BadIpVersion(u8),
    #[error("truncated-ipv4")]
    TruncatedIpv4,
    /// IHL below 5 (20 bytes) or beyond the captured bytes.
    #[error("bad-ipv4-header-length")]
    BadIpv4HeaderLength,
    /// Total length smaller than the header.
    #[error("bad-ipv4-total-length")]
    BadIpv4TotalLength,
    #[error("truncated-ipv6")]
    TruncatedIpv6,
    #[error("truncated-ipv6-extension")]
    TruncatedIpv6Extension,
    /// The extension header chain ends with No Next Header (59): nothing to decode.
    #[error("ipv6-no-next-header")]
    Ipv6NoNextHeader,
    /// A fragment header inside a reassembled IPv6 datagram (RFC 8200 forbids it).
    #[error("ipv6-nested-fragment")]
    Ipv6NestedFragment,
    /// An IP protocol other than TCP, UDP and ICMP of the right family (GRE, ESP, SCTP, ...).
    #[error("unsupported-ip-protocol-{0}")]
    UnsupportedIpProtocol(u8),
    /// A fragment was stored; its datagram is not complete yet.
    #[error("fragment-pending")]
    FragmentPending,
    /// A fragment that was cut by the snap length: reassembling it would leave a hole.
    #[error("fragment-truncated")]
    FragmentTruncated,
    /// A non-final fragment whose length is not a multiple of 8 bytes.
    #[error("fragment-bad-length")]
    FragmentBadLength,
    /// A fragment that would put the datagram past 65 535 bytes.
    #[error("fragment-too-large")]
    FragmentTooLarge,
    /// A datagram cut into more pieces than the reassembler keeps track of; its set is dropped.
    #[error("fragment-too-many-pieces")]
    FragmentTooManyPieces,
    /// A datagram that does not fit the reassembly byte budget even alone; its set is dropped.
    #[error("fragment-over-budget")]
    FragmentOverBudget,
    #[error("truncated-tcp")]
    TruncatedTcp,
    /// TCP data offset below 5 (20 bytes).
    #[error("bad-tcp-data-offset")]
    BadTcpDataOffset,
    #[error("truncated-udp")]
    TruncatedUdp,
    /// UDP length field below 8.
    #[error("bad-udp-length")]
    BadUdpLength,
    #[error("truncated-icmp")]
    TruncatedIcmp,
    #[error("truncated-icmpv6")]
    TruncatedIcmpv6,
}

/// Formats a reason's name on the stack, so counting a skip allocates only the first time a
/// reason is seen (the longest name, `unsupported-linktype-4294967295`, is 31 bytes).
pub(crate) struct NameBuf {
    buf: [u8; 48],
    len: usize,
}

impl NameBuf {
    pub(crate) fn of(reason: SkipReason) -> Self {
        let mut name = NameBuf {
            buf: [0; 48],
            len: 0,
        };
        // Writing cannot fail short of overflow, which write_str turns into truncation.
        let _ = write!(name, "{reason}");
        name
    }

    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("unnamed")
    }
}

impl fmt::Write for NameBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len() - self.len;
        // Names are ASCII, so cutting at any byte keeps the buffer valid UTF-8.
        let take = s.len().min(room);
        self.buf[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_fit_the_buffer() {
        assert_eq!(
            NameBuf::of(SkipReason::UnsupportedLinktype(u32::MAX)).as_str(),
            "unsupported-linktype-4294967295"
        );
        assert_eq!(
            NameBuf::of(SkipReason::NonIpEthertype(0x0806)).as_str(),
            "non-ip-ethertype-0x0806"
        );
        assert_eq!(
            NameBuf::of(SkipReason::NonIpPpp(0xc021)).as_str(),
            "non-ip-ppp-0xc021"
        );
        assert_eq!(
            NameBuf::of(SkipReason::NonIpAddressFamily(u32::MAX)).as_str(),
            "non-ip-address-family-4294967295"
        );
        assert_eq!(
            NameBuf::of(SkipReason::FragmentPending).as_str(),
            "fragment-pending"
        );
    }
}
