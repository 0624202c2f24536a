//! Events of the Packet Monitor provider (Microsoft-Windows-PktMon,
//! 4d4f80d9-c8bd-4d73-bb5b-19c90402c5ac): packet events (id 160) and drop events (id 170) become
//! frames with their [`PacketOrigin`]; component-information events (id 20) become the file's
//! component list. Layouts and value maps come from Microsoft's Network Monitor parser for the
//! provider (NetMon_Parsers_for_PacketMon, `PktMon_FramePayload`, `PktMon_FrameDropPayload`,
//! `PktMon_ComponentInfo`); docs/windows.md says which fields were checked against a real file.
//! Other ids (properties, counters, filters, the header-only "NblParsed" events 120..=150, the
//! metadata events 180/190 and the "Duplicate Drop" event 240) carry no packet and are skipped.

use super::{u16_at, u32_at};
use crate::capture::summary::HostComponent;
use crate::capture::{HostDirection, HostDrop, PacketOrigin};

/// The provider GUID as stored (first three fields little-endian).
pub(super) const GUID: [u8; 16] = [
    0xd9, 0x80, 0x4f, 0x4d, 0xbd, 0xc8, 0x73, 0x4d, 0xbb, 0x5b, 0x19, 0xc9, 0x04, 0x02, 0xc5, 0xac,
];
/// Component information: Id u16, Type u16, Name and Description (NUL-terminated UTF-16).
pub(super) const EVENT_COMPONENT: u16 = 20;
/// A packet seen at a component ("PktGroupId %1, PktNumber %2, ...").
pub(super) const EVENT_PACKET: u16 = 160;
/// A packet dropped at a component ("Drop: PktGroupId %1, ..., DropReason %9, DropLocation
/// %10"): the same fixed fields as a packet event.
pub(super) const EVENT_DROP: u16 = 170;
/// Fixed part before the packet: PktGroupId u64, PktNumber, AppearanceCount, DirTag,
/// PacketType, ComponentId, EdgeId, FilterId (u16 each), DropReason, DropLocation (u32 each),
/// OriginalPayloadSize, LoggedPayloadSize (u16 each).
pub(super) const FIXED_LEN: usize = 34;

/// The fixed fields of a packet or drop event.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fixed {
    pub group_id: u64,
    pub dir_tag: u16,
    pub packet_type: u16,
    pub component: u16,
    pub edge: u16,
    pub drop_reason: u32,
    pub drop_location: u32,
    pub original_size: u16,
    pub logged_size: u16,
}

/// The fixed fields of `data` (the event's user data), when the logged size accounts for every
/// byte after them; anything else is not a packet event this reader understands.
pub(super) fn fixed(data: &[u8]) -> Option<Fixed> {
    let head = data.get(..FIXED_LEN)?;
    let f = Fixed {
        group_id: u64::from_le_bytes(*head.first_chunk::<8>()?),
        dir_tag: u16_at(head, 12),
        packet_type: u16_at(head, 14),
        component: u16_at(head, 16),
        edge: u16_at(head, 18),
        drop_reason: u32_at(head, 22),
        drop_location: u32_at(head, 26),
        original_size: u16_at(head, 30),
        logged_size: u16_at(head, 32),
    };
    (FIXED_LEN + usize::from(f.logged_size) == data.len()).then_some(f)
}

/// LINKTYPE_* of a PacketType (PKTMON_PACKET_TYPE: 1 Ethernet, 2 WiFi, 3 MBB). MBB (mobile
/// broadband) frames are bare IP packets (ndis.sys symbols name the value PktMonPayload_IP);
/// WiFi frames' 802.11 layout in Packet Monitor is unchecked, so they are not delivered.
pub(super) fn linktype(packet_type: u16) -> Option<u32> {
    match packet_type {
        1 => Some(super::LINKTYPE_ETHERNET),
        3 => Some(super::LINKTYPE_RAW),
        _ => None,
    }
}

/// Where the packet was seen. DirTag (value map PktMon_PacketDirectionTag): 3 Rx and 4 Tx are
/// the directions of the stack; 1 In, 2 Out, 5 Ingress and 6 Egress are relative to one
/// component and say nothing about up or down the stack, so they give no direction.
pub(super) fn origin(f: &Fixed, drop: bool) -> PacketOrigin {
    PacketOrigin {
        group_id: Some(f.group_id),
        component: Some(u32::from(f.component)),
        edge: Some(f.edge),
        direction: match f.dir_tag {
            3 => Some(HostDirection::Rx),
            4 => Some(HostDirection::Tx),
            _ => None,
        },
        drop: drop.then_some(HostDrop {
            reason: f.drop_reason,
            location: f.drop_location,
        }),
    }
}

/// Longest component name or description kept, in characters.
const MAX_TEXT_CHARS: usize = 256;

/// A NUL-terminated UTF-16LE string at the start of `b`, and the bytes after it.
fn utf16z(b: &[u8]) -> Option<(String, &[u8])> {
    let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    let len = units.clone().position(|u| u == 0)?;
    let text: String = char::decode_utf16(units.take(len))
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .take(MAX_TEXT_CHARS)
        .collect();
    Some((text, b.get(2 * (len + 1)..)?))
}

/// A component-information event's user data: Id, Type, Name, Description.
pub(super) fn component(data: &[u8]) -> Option<HostComponent> {
    let id = u16::from_le_bytes(*data.first_chunk::<2>()?);
    let kind = u16_at(data, 2);
    let (name, rest) = utf16z(data.get(4..)?)?;
    let (description, _) = utf16z(rest)?;
    Some(HostComponent {
        id,
        kind,
        kind_name: component_kind_name(kind),
        name,
        description,
    })
}

/// Value map PktMon_ComponentType of the Network Monitor parser. The real file also has types
/// 10 (http.sys), 11 (tcpip.sys "TCP/IPv4 - L3/L4") and 13 (tcpip.sys "IPSEC"), which the map
/// does not name; they stay numeric.
fn component_kind_name(kind: u16) -> Option<&'static str> {
    Some(match kind {
        1 => "NDIS",
        2 => "Miniport",
        3 => "Filter",
        4 => "Protocol",
        5 => "VmsVmNic",
        6 => "VmsMiniport",
        7 => "VmsExtMiniport",
        8 => "VmsProtocolNic",
        9 => "NetVsc Miniport",
        _ => return None,
    })
}

/// Drop reason codes and names (see the file's header for the source).
const DROP_REASONS: &str = include_str!("drop_reasons.tsv");

/// The documented name of a Packet Monitor drop reason code (`HostDrop::reason`), if any.
pub fn drop_reason_name(code: u32) -> Option<&'static str> {
    DROP_REASONS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .find(|(c, _)| c.parse() == Ok(code))
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drop_reason_table_is_well_formed() {
        let mut last = None;
        for line in DROP_REASONS.lines().filter(|l| !l.starts_with('#')) {
            let (code, name) = line.split_once('\t').expect("code<TAB>name");
            let code: u32 = code.parse().expect("numeric code");
            assert!(last < Some(code), "codes ascending and unique: {line}");
            assert!(!name.trim().is_empty() && name.trim() == name, "{line}");
            last = Some(code);
        }
        assert_eq!(drop_reason_name(8), Some("Filtered"));
        assert_eq!(drop_reason_name(104), Some("Unsupported EtherType"));
        assert_eq!(drop_reason_name(39), None);
    }

    #[test]
    fn fixed_fields_and_origin() {
        let mut d = vec![0u8; FIXED_LEN + 2];
        d[..8].copy_from_slice(&0x105a26u64.to_le_bytes());
        d[12..14].copy_from_slice(&4u16.to_le_bytes());
        d[14..16].copy_from_slice(&1u16.to_le_bytes());
        d[16..18].copy_from_slice(&61u16.to_le_bytes());
        d[18..20].copy_from_slice(&2u16.to_le_bytes());
        d[22..26].copy_from_slice(&8u32.to_le_bytes());
        d[26..30].copy_from_slice(&77u32.to_le_bytes());
        d[32..34].copy_from_slice(&2u16.to_le_bytes());
        let f = fixed(&d).expect("fixed");
        let o = origin(&f, true);
        assert_eq!(o.group_id, Some(0x105a26));
        assert_eq!(o.component, Some(61));
        assert_eq!(o.edge, Some(2));
        assert_eq!(o.direction, Some(HostDirection::Tx));
        assert_eq!(
            o.drop,
            Some(HostDrop {
                reason: 8,
                location: 77
            })
        );
        assert_eq!(origin(&f, false).drop, None);
        // A logged size that disagrees with the event's length: not a packet event.
        assert!(fixed(&d[..FIXED_LEN + 1]).is_none());
        assert!(fixed(&d[..10]).is_none());
    }

    #[test]
    fn component_event_as_in_the_real_file() {
        let mut d = vec![0x4b, 0, 0x0a, 0];
        for s in ["http.sys", "HTTP"] {
            d.extend(s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes));
        }
        let c = component(&d).expect("component");
        assert_eq!((c.id, c.kind, c.kind_name), (75, 10, None));
        assert_eq!(
            (c.name.as_str(), c.description.as_str()),
            ("http.sys", "HTTP")
        );
        // Unterminated strings are not a component.
        assert!(component(&d[..d.len() - 2]).is_none());
        assert!(component(&d[..3]).is_none());
    }
}
