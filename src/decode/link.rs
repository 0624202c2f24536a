//! Link layers: strips Ethernet (with VLAN/QinQ tags, PPPoE sessions and MPLS label stacks),
//! Linux cooked SLL/SLL2, raw IP and BSD null/loopback headers down to the IP header. Knows
//! nothing of IP beyond the version nibble it may have to look at.

use super::SkipReason;

/// LINKTYPE_* values (https://www.tcpdump.org/linktypes.html).
pub mod linktype {
    pub const NULL: u32 = 0;
    pub const ETHERNET: u32 = 1;
    /// DLT_RAW as most BSDs and Linux number it in pcap files written by old libpcaps.
    pub const DLT_RAW_12: u32 = 12;
    /// DLT_RAW as OpenBSD numbers it.
    pub const DLT_RAW_14: u32 = 14;
    pub const RAW: u32 = 101;
    pub const LOOP: u32 = 108;
    pub const LINUX_SLL: u32 = 113;
    pub const IPV4: u32 = 228;
    pub const IPV6: u32 = 229;
    pub const LINUX_SLL2: u32 = 276;
}

/// Which IP version the link layer announced for the bytes it hands over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    V4,
    V6,
    /// Raw IP without a type field: the version nibble decides.
    Any,
}

/// Stacked VLAN tags accepted before giving up. Real networks use one or two (QinQ); a few
/// more appear in lab and provider setups. The bound keeps a crafted frame from costing
/// more than a handful of iterations.
pub const MAX_VLAN_TAGS: usize = 8;
/// MPLS labels accepted before giving up; real stacks are 1-4 deep (RFC 3032 sets no limit).
pub const MAX_MPLS_LABELS: usize = 16;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
/// Pre-standard QinQ outer tag used by some switches.
const ETHERTYPE_QINQ_OLD: u16 = 0x9100;
const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
const ETHERTYPE_MPLS_UNICAST: u16 = 0x8847;
const ETHERTYPE_MPLS_MULTICAST: u16 = 0x8848;

const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

/// BSD address families: AF_INET is 2 everywhere; AF_INET6 differs per OS
/// (24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS), and a capture may come from any of them.
const AF_INET: u32 = 2;
const AF_INET6_BSD: u32 = 24;
const AF_INET6_FREEBSD: u32 = 28;
const AF_INET6_DARWIN: u32 = 30;

#[inline]
fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

/// Returns the bytes starting at the IP header and the IP version announced by the link.
#[inline]
pub(crate) fn ip_payload(linktype: u32, data: &[u8]) -> Result<(&[u8], Family), SkipReason> {
    if data.is_empty() {
        return Err(SkipReason::EmptyFrame);
    }
    // Classic pcap keeps FCS information in the top bits of the link type field (bit 28 says
    // an FCS is present, bits 29-31 its length); link types themselves are 16 bits. The FCS
    // needs no handling: it is trailing bytes that the IP length trims.
    match linktype & 0xffff {
        linktype::ETHERNET => {
            let ethertype = be16(data, 12).ok_or(SkipReason::TruncatedEthernet)?;
            ethertype_payload(ethertype, &data[14..])
        }
        linktype::RAW | linktype::DLT_RAW_12 | linktype::DLT_RAW_14 => Ok((data, Family::Any)),
        linktype::IPV4 => Ok((data, Family::V4)),
        linktype::IPV6 => Ok((data, Family::V6)),
        linktype::LINUX_SLL => {
            // SLL: packet type, ARPHRD type, address length, 8 address bytes, protocol.
            let protocol = be16(data, 14).ok_or(SkipReason::TruncatedSll)?;
            ethertype_payload(protocol, &data[16..])
        }
        linktype::LINUX_SLL2 => {
            // SLL2 puts the protocol first; the header is 20 bytes.
            let protocol = be16(data, 0).ok_or(SkipReason::TruncatedSll2)?;
            let rest = data.get(20..).ok_or(SkipReason::TruncatedSll2)?;
            ethertype_payload(protocol, rest)
        }
        linktype::NULL | linktype::LOOP => {
            let af = data.get(..4).ok_or(SkipReason::TruncatedNull)?;
            let af = [af[0], af[1], af[2], af[3]];
            let af = if linktype & 0xffff == linktype::LOOP {
                u32::from_be_bytes(af)
            } else {
                // NULL stores the family in the writer's byte order, which the file does not
                // record; families are small, so a value above 0xffff means the other order.
                let le = u32::from_le_bytes(af);
                if le > 0xffff { le.swap_bytes() } else { le }
            };
            let family = match af {
                AF_INET => Family::V4,
                AF_INET6_BSD | AF_INET6_FREEBSD | AF_INET6_DARWIN => Family::V6,
                // Some writers put an EtherType in one half of the field instead of a family
                // (Wireshark accepts it too; pcapplusplus's NullLoopback.pcap has one).
                other => match (be16(data, 2), be16(data, 0)) {
                    (Some(ETHERTYPE_IPV4), _) | (_, Some(ETHERTYPE_IPV4)) => Family::V4,
                    (Some(ETHERTYPE_IPV6), _) | (_, Some(ETHERTYPE_IPV6)) => Family::V6,
                    _ => return Err(SkipReason::NonIpAddressFamily(other)),
                },
            };
            Ok((&data[4..], family))
        }
        _ => Err(SkipReason::UnsupportedLinktype(linktype)),
    }
}

/// Follows an EtherType through VLAN tags, PPPoE and MPLS to an IP header.
#[inline]
fn ethertype_payload(mut ethertype: u16, mut rest: &[u8]) -> Result<(&[u8], Family), SkipReason> {
    let mut tags = 0usize;
    loop {
        match ethertype {
            ETHERTYPE_IPV4 => return Ok((rest, Family::V4)),
            ETHERTYPE_IPV6 => return Ok((rest, Family::V6)),
            ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD => {
                tags += 1;
                if tags > MAX_VLAN_TAGS {
                    return Err(SkipReason::VlanStackTooDeep);
                }
                // Tag control information (2 bytes), then the inner EtherType.
                ethertype = be16(rest, 2).ok_or(SkipReason::TruncatedVlan)?;
                rest = &rest[4..];
            }
            ETHERTYPE_PPPOE_SESSION => return pppoe_payload(rest),
            ETHERTYPE_MPLS_UNICAST | ETHERTYPE_MPLS_MULTICAST => return mpls_payload(rest),
            // Values up to 1500 are 802.3 lengths, not types: an LLC header follows.
            0..=1500 => return Err(SkipReason::NonIpLlc),
            other => return Err(SkipReason::NonIpEthertype(other)),
        }
    }
}

/// RFC 2516 session header (version/type, code, session id, length), then the PPP protocol.
fn pppoe_payload(rest: &[u8]) -> Result<(&[u8], Family), SkipReason> {
    let protocol = be16(rest, 6).ok_or(SkipReason::TruncatedPppoe)?;
    let ip = &rest[8..];
    match protocol {
        PPP_IPV4 => Ok((ip, Family::V4)),
        PPP_IPV6 => Ok((ip, Family::V6)),
        other => Err(SkipReason::NonIpPpp(other)),
    }
}

/// RFC 3032 label stack: 4-byte entries until the bottom-of-stack bit; the payload type is
/// not signalled, so the first nibble decides (as every analyser does).
fn mpls_payload(mut rest: &[u8]) -> Result<(&[u8], Family), SkipReason> {
    for _ in 0..MAX_MPLS_LABELS {
        let entry = rest.get(..4).ok_or(SkipReason::TruncatedMpls)?;
        let bottom = entry[2] & 0x01 != 0;
        rest = &rest[4..];
        if bottom {
            return match rest.first().map(|b| b >> 4) {
                Some(4) => Ok((rest, Family::V4)),
                Some(6) => Ok((rest, Family::V6)),
                Some(_) => Err(SkipReason::NonIpMplsPayload),
                None => Err(SkipReason::TruncatedMpls),
            };
        }
    }
    Err(SkipReason::MplsStackTooDeep)
}
