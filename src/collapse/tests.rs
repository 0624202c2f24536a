use super::*;
use crate::capture::{HostDrop, PacketOrigin};

/// An Ethernet frame carrying an IPv4/TCP packet with this IP id and payload byte; `mac`
/// is the destination MAC's last byte (components differ there).
fn eth_tcp(id: u16, payload: u8, mac: u8) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 0, 0, mac, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    let total: u16 = 20 + 20 + 4;
    f.extend_from_slice(&[0x45, 0, (total >> 8) as u8, total as u8]);
    f.extend_from_slice(&id.to_be_bytes());
    f.extend_from_slice(&[0x40, 0, 64, 6, 0, 0, 10, 1, 0, 4, 20, 50, 1, 197]);
    f.extend_from_slice(&[
        0xc3, 0x50, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff,
    ]);
    f.extend_from_slice(&[0, 0, 0, 0, payload, payload, payload, payload]);
    // Ethernet padding that is not part of the datagram.
    f.extend_from_slice(&[mac; 16]);
    f
}

fn frame<'a>(number: u64, ts: i64, data: &'a [u8], origin: Option<PacketOrigin>) -> Frame<'a> {
    Frame {
        number,
        ts_nanos: ts,
        linktype: 1,
        orig_len: data.len() as u32,
        offset: 0,
        data,
        origin,
    }
}

fn at(group: u64, component: u32) -> Option<PacketOrigin> {
    Some(PacketOrigin {
        group_id: Some(group),
        component: Some(component),
        ..PacketOrigin::default()
    })
}

#[test]
fn copies_with_other_link_headers_within_the_window_are_one_packet() {
    let mut c = Collapser::new(false);
    let (a, b) = (eth_tcp(1, 7, 1), eth_tcp(1, 7, 2));
    assert_eq!(c.check(&frame(1, 0, &a, None)), Seen::First);
    assert_eq!(
        c.check(&frame(2, 3_000, &b, None)),
        Seen::Duplicate { first: 1 }
    );
    let s = c.stats();
    assert_eq!((s.duplicates, s.by_content, s.by_group_id), (1, 1, 0));
}

#[test]
fn same_bytes_after_the_window_are_a_retransmission() {
    let mut c = Collapser::new(false);
    let a = eth_tcp(1, 7, 1);
    assert_eq!(c.check(&frame(1, 0, &a, None)), Seen::First);
    assert_eq!(c.check(&frame(2, WINDOW_NANOS + 1, &a, None)), Seen::First);
}

#[test]
fn different_ip_id_or_payload_is_another_packet() {
    let mut c = Collapser::new(false);
    let (a, b, d) = (eth_tcp(1, 7, 1), eth_tcp(2, 7, 1), eth_tcp(1, 8, 1));
    assert_eq!(c.check(&frame(1, 0, &a, None)), Seen::First);
    assert_eq!(c.check(&frame(2, 1, &b, None)), Seen::First);
    assert_eq!(c.check(&frame(3, 2, &d, None)), Seen::First);
    assert_eq!(c.stats().duplicates, 0);
}

#[test]
fn group_id_needs_the_same_group_and_content_but_no_window() {
    let mut c = Collapser::new(false);
    let (a, b) = (eth_tcp(1, 7, 1), eth_tcp(2, 7, 1));
    assert_eq!(c.check(&frame(1, 0, &a, at(10, 1))), Seen::First);
    // Same group, other packet of the group: kept.
    assert_eq!(c.check(&frame(2, 0, &b, at(10, 1))), Seen::First);
    // Same bytes, other group: a new send.
    assert_eq!(c.check(&frame(3, 0, &a, at(11, 1))), Seen::First);
    // Same group and bytes a second later (a slow component): one packet.
    assert_eq!(
        c.check(&frame(4, 1_000_000_000, &a, at(10, 5))),
        Seen::Duplicate { first: 1 }
    );
    let s = c.stats();
    assert_eq!((s.duplicates, s.by_group_id, s.with_origin), (1, 1, 4));
}

#[test]
fn drops_are_counted_and_keep_hands_every_frame_on() {
    let mut c = Collapser::new(true);
    let a = eth_tcp(1, 7, 1);
    let mut dropped = at(3, 9);
    if let Some(o) = dropped.as_mut() {
        o.drop = Some(HostDrop {
            reason: 909,
            location: 1,
        });
    }
    assert_eq!(c.check(&frame(1, 0, &a, at(3, 1))), Seen::First);
    assert_eq!(c.check(&frame(2, 1, &a, dropped)), Seen::First);
    let s = c.stats();
    assert_eq!(
        (s.duplicates, s.host_drops, s.collapsed(), s.kept),
        (1, 1, 0, true)
    );
}

#[test]
fn memory_is_a_fixed_table_and_non_ip_is_never_collapsed() {
    assert!(std::mem::size_of::<Entry>() * SLOTS <= 10 << 10);
    let mut c = Collapser::new(false);
    for i in 0..(SLOTS as u16 * 4) {
        let f = eth_tcp(i, 1, 1);
        assert_eq!(c.check(&frame(u64::from(i) + 1, 0, &f, None)), Seen::First);
    }
    // The last packet is remembered whatever came before.
    let last = eth_tcp(SLOTS as u16 * 4 - 1, 1, 2);
    assert_eq!(
        c.check(&frame(5000, 0, &last, None)),
        Seen::Duplicate {
            first: SLOTS as u64 * 4
        }
    );
    let mut arp = [0xffu8; 60].to_vec();
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    assert_eq!(c.check(&frame(1000, 0, &arp, None)), Seen::First);
    assert_eq!(c.check(&frame(1001, 0, &arp, None)), Seen::First);
    // Truncated or impossible IP lengths do not panic.
    for cut in [14, 15, 16, 17, 30] {
        let f = eth_tcp(5, 5, 5);
        let _ = c.check(&frame(1002, 0, &f[..cut], None));
    }
}

#[test]
fn content_key_covers_length_head_and_tail_of_every_size() {
    // IPv4 datagrams of 20..=120 bytes (total length in the header): the key changes with
    // any byte in the first KEY_HEAD or last KEY_TAIL bytes and with the length, and not
    // with bytes in between or link padding after the datagram.
    for len in 20usize..=120 {
        let mut ip: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        let key = content_key(&ip).expect("an IPv4 datagram has a key");
        let mut padded = ip.clone();
        padded.extend_from_slice(&[0xee; 6]);
        assert_eq!(
            content_key(&padded),
            Some(key),
            "padding changed the key, len {len}"
        );
        for at in 4..len {
            let mut other = ip.clone();
            other[at] ^= 0x01;
            let counted = at < KEY_HEAD || at >= len - KEY_TAIL.min(len);
            assert_eq!(
                content_key(&other) != Some(key),
                counted,
                "byte {at} of {len}: counted {counted}"
            );
        }
        let mut shorter = ip[..len - 1].to_vec();
        shorter[2..4].copy_from_slice(&((len - 1) as u16).to_be_bytes());
        assert_ne!(content_key(&shorter), Some(key), "length {len}");
    }
}
