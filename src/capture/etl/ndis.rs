//! Packet fragment events (id 1001) of Microsoft-Windows-NDIS-PacketCapture
//! (2ed6006e-4729-4609-b423-3ee7bcd678ef), the provider `netsh trace start capture=yes` enables.
//! Layout and keywords as microsoft/etl2pcapng (MIT) reads them: user data MiniportIfIndex u32,
//! LowerIfIndex u32, FragmentSize u32, then the fragment; the event's keywords give the medium
//! (0x10000 native 802.11, 0x200 wireless WAN = bare IP, else Ethernet), the direction (bit 32
//! send, bit 33 receive) and the packet's first and last fragment (0x40000000 / 0x80000000: one
//! event carries both since Windows 8.1; older systems split a packet over several events,
//! joined here up to [`MAX_PACKET_LEN`] bytes). No real file of this provider was at hand:
//! checked only against the documented layout (see docs/windows.md).

use super::u32_at;
use crate::capture::{HostDirection, PacketOrigin};

/// The provider GUID as stored (first three fields little-endian).
pub(super) const GUID: [u8; 16] = [
    0x6e, 0x00, 0xd6, 0x2e, 0x29, 0x47, 0x09, 0x46, 0xb4, 0x23, 0x3e, 0xe7, 0xbc, 0xd6, 0x78, 0xef,
];
pub(super) const EVENT_FRAGMENT: u16 = 1001;
const KW_MEDIA_WIRELESS_WAN: u64 = 0x200;
const KW_MEDIA_NATIVE_802_11: u64 = 0x1_0000;
const KW_PACKET_START: u64 = 0x4000_0000;
const KW_PACKET_END: u64 = 0x8000_0000;
const KW_SEND: u64 = 0x1_0000_0000;
const KW_RECEIVE: u64 = 0x2_0000_0000;
/// Fixed part before the fragment.
const FIXED_LEN: usize = 12;
/// Largest packet assembled from several fragment events (etl2pcapng's MAX_PACKET_SIZE).
pub(super) const MAX_PACKET_LEN: usize = 65535;

/// One fragment event's content.
pub(super) struct Fragment<'a> {
    pub bytes: &'a [u8],
    pub linktype: u32,
    pub origin: PacketOrigin,
    /// First fragment of a packet (a new packet starts: drop what was pending).
    pub start: bool,
    /// Last fragment: the packet is complete.
    pub end: bool,
}

/// Reads a fragment event's user data; `None` when FragmentSize disagrees with the event.
pub(super) fn fragment(data: &[u8], keywords: u64) -> Option<Fragment<'_>> {
    let head = data.get(..FIXED_LEN)?;
    // LowerIfIndex names the layer the fragment was captured at (etl2pcapng's interface); the
    // miniport index is the adapter below and is the same for every layer over it.
    let lower_if_index = u32_at(head, 4);
    let size = usize::try_from(u32_at(head, 8)).ok()?;
    let bytes = data.get(FIXED_LEN..)?;
    if bytes.len() != size {
        return None;
    }
    let linktype = if keywords & KW_MEDIA_NATIVE_802_11 != 0 {
        super::LINKTYPE_IEEE802_11
    } else if keywords & KW_MEDIA_WIRELESS_WAN != 0 {
        super::LINKTYPE_RAW
    } else {
        super::LINKTYPE_ETHERNET
    };
    let direction = match (keywords & KW_SEND != 0, keywords & KW_RECEIVE != 0) {
        (true, false) => Some(HostDirection::Tx),
        (false, true) => Some(HostDirection::Rx),
        _ => None,
    };
    Some(Fragment {
        bytes,
        linktype,
        origin: PacketOrigin {
            component: Some(lower_if_index),
            direction,
            ..PacketOrigin::default()
        },
        start: keywords & KW_PACKET_START != 0,
        end: keywords & KW_PACKET_END != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(lower: u32, frag: &[u8]) -> Vec<u8> {
        let mut d = 7u32.to_le_bytes().to_vec();
        d.extend_from_slice(&lower.to_le_bytes());
        d.extend_from_slice(&(frag.len() as u32).to_le_bytes());
        d.extend_from_slice(frag);
        d
    }

    #[test]
    fn keywords_give_medium_direction_and_fragment_bounds() {
        let d = data(12, b"abc");
        let f = fragment(&d, KW_PACKET_START | KW_PACKET_END | KW_SEND).expect("fragment");
        assert_eq!(f.bytes, b"abc");
        assert_eq!(f.linktype, super::super::LINKTYPE_ETHERNET);
        assert_eq!(f.origin.component, Some(12));
        assert_eq!(f.origin.direction, Some(HostDirection::Tx));
        assert!(f.start && f.end);
        let f = fragment(&d, KW_RECEIVE | KW_MEDIA_NATIVE_802_11).expect("fragment");
        assert_eq!(f.linktype, super::super::LINKTYPE_IEEE802_11);
        assert_eq!(f.origin.direction, Some(HostDirection::Rx));
        assert!(!f.start && !f.end);
        let f = fragment(&d, KW_MEDIA_WIRELESS_WAN).expect("fragment");
        assert_eq!(f.linktype, super::super::LINKTYPE_RAW);
        assert_eq!(f.origin.direction, None);
        // FragmentSize past or short of the event: not a fragment.
        assert!(fragment(&d[..d.len() - 1], 0).is_none());
        let mut long = d.clone();
        long.push(0);
        assert!(fragment(&long, 0).is_none());
        assert!(fragment(&d[..8], 0).is_none());
    }
}
