//! Byte-fixture tests for the decode stage: every link type, tag stacks, IP options and
//! extension headers, fragment reassembly and its bounds, ICMP quoting, and truncated or
//! impossible lengths at every layer.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::link::{MAX_MPLS_LABELS, MAX_VLAN_TAGS, linktype};
use super::*;

// ---------------------------------------------------------------- fixture builders

const SRC4: [u8; 4] = [10, 0, 0, 1];
const DST4: [u8; 4] = [20, 0, 0, 2];
const SRC6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const DST6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

fn tcp_with_options(sport: u16, dport: u16, flags: u8, options: &[u8], payload: &[u8]) -> Vec<u8> {
    assert_eq!(options.len() % 4, 0);
    let mut v = Vec::new();
    v.extend_from_slice(&sport.to_be_bytes());
    v.extend_from_slice(&dport.to_be_bytes());
    v.extend_from_slice(&0x0102_0304u32.to_be_bytes());
    v.extend_from_slice(&0x0506_0708u32.to_be_bytes());
    v.push((((20 + options.len()) / 4) as u8) << 4);
    v.push(flags);
    v.extend_from_slice(&64240u16.to_be_bytes());
    v.extend_from_slice(&[0xde, 0xad, 0, 0]); // checksum (not verified), urgent pointer
    v.extend_from_slice(options);
    v.extend_from_slice(payload);
    v
}

fn tcp(payload: &[u8]) -> Vec<u8> {
    tcp_with_options(
        49152,
        443,
        TcpFlags::PSH | TcpFlags::ACK,
        &[2, 4, 5, 0xb4],
        payload,
    )
}

fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&sport.to_be_bytes());
    v.extend_from_slice(&dport.to_be_bytes());
    v.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(payload);
    v
}

/// IPv4 header with options, fragment fields, and payload.
fn ipv4_full(protocol: u8, options: &[u8], id: u16, frag: u16, payload: &[u8]) -> Vec<u8> {
    assert_eq!(options.len() % 4, 0);
    let header_len = 20 + options.len();
    let mut v = vec![0x40 | (header_len / 4) as u8, 0];
    v.extend_from_slice(&((header_len + payload.len()) as u16).to_be_bytes());
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(&frag.to_be_bytes());
    v.push(61); // TTL
    v.push(protocol);
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&SRC4);
    v.extend_from_slice(&DST4);
    v.extend_from_slice(options);
    v.extend_from_slice(payload);
    v
}

fn ipv4(protocol: u8, payload: &[u8]) -> Vec<u8> {
    ipv4_full(protocol, &[], 0x1234, 0x4000, payload)
}

/// IPv6 header; `payload` starts with whatever `next` announces (extension headers included).
fn ipv6(next: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x60, 0, 0, 0];
    v.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    v.push(next);
    v.push(57); // hop limit
    v.extend_from_slice(&SRC6);
    v.extend_from_slice(&DST6);
    v.extend_from_slice(payload);
    v
}

/// A generic extension header (hop-by-hop, routing, destination options) of `units` 8-byte
/// units beyond the first, followed by `rest`.
fn ext(next: u8, units: u8, rest: &[u8]) -> Vec<u8> {
    let mut v = vec![next, units];
    v.resize(8 * (usize::from(units) + 1), 0);
    v.extend_from_slice(rest);
    v
}

fn frag6(next: u8, offset: u16, more: bool, id: u32, rest: &[u8]) -> Vec<u8> {
    let mut v = vec![next, 0];
    v.extend_from_slice(&(offset | u16::from(more)).to_be_bytes());
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(rest);
    v
}

fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    v.extend_from_slice(&ethertype.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn vlan(tpid_then_inner: &[u16], payload: &[u8]) -> Vec<u8> {
    // tpid_then_inner: [outer TPID, next TPID..., final EtherType]
    let mut v = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    v.extend_from_slice(&tpid_then_inner[0].to_be_bytes());
    for (i, next) in tpid_then_inner[1..].iter().enumerate() {
        v.extend_from_slice(&(100 + i as u16).to_be_bytes());
        v.extend_from_slice(&next.to_be_bytes());
    }
    v.extend_from_slice(payload);
    v
}

fn pppoe(ppp_protocol: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x11, 0x00, 0x12, 0x34];
    v.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(&ppp_protocol.to_be_bytes());
    v.extend_from_slice(payload);
    eth(0x8864, &v)
}

fn mpls(labels: usize, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..labels {
        let bottom = u8::from(i + 1 == labels);
        v.extend_from_slice(&[0x00, 0x01, bottom, 64]);
    }
    v.extend_from_slice(payload);
    eth(0x8847, &v)
}

fn sll(protocol: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    v.extend_from_slice(&protocol.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn sll2(protocol: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = protocol.to_be_bytes().to_vec();
    v.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
    v.extend_from_slice(payload);
    v
}

fn with_prefix(prefix: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut v = prefix.to_vec();
    v.extend_from_slice(payload);
    v
}

// ---------------------------------------------------------------- helpers

fn decoder() -> Decoder {
    Decoder::new(DecodeLimits::default())
}

#[derive(Debug, PartialEq)]
enum Seen {
    Tcp {
        src: IpAddr,
        dst: IpAddr,
        ports: (u16, u16),
        payload: Vec<u8>,
    },
    Udp {
        src: IpAddr,
        dst: IpAddr,
        ports: (u16, u16),
        payload: Vec<u8>,
    },
    Icmp(IcmpMessage),
    Skip(SkipReason),
}

fn seen(d: &mut Decoder, lt: u32, data: &[u8], ts: i64) -> Seen {
    match d.decode(lt, data, ts) {
        Some(p) => match p.transport {
            Transport::Tcp(t) => Seen::Tcp {
                src: p.src,
                dst: p.dst,
                ports: (t.src_port, t.dst_port),
                payload: t.payload.to_vec(),
            },
            Transport::Udp(u) => Seen::Udp {
                src: p.src,
                dst: p.dst,
                ports: (u.src_port, u.dst_port),
                payload: u.payload.to_vec(),
            },
            Transport::Icmp(i) => Seen::Icmp(i),
        },
        None => Seen::Skip(d.last_skip().expect("a skipped frame has a reason")),
    }
}

fn one(lt: u32, data: &[u8]) -> Seen {
    seen(&mut decoder(), lt, data, 0)
}

fn v4() -> (IpAddr, IpAddr) {
    (
        IpAddr::V4(Ipv4Addr::from(SRC4)),
        IpAddr::V4(Ipv4Addr::from(DST4)),
    )
}

fn v6() -> (IpAddr, IpAddr) {
    (
        IpAddr::V6(Ipv6Addr::from(SRC6)),
        IpAddr::V6(Ipv6Addr::from(DST6)),
    )
}

fn tcp4(payload: &[u8]) -> Seen {
    let (src, dst) = v4();
    Seen::Tcp {
        src,
        dst,
        ports: (49152, 443),
        payload: payload.to_vec(),
    }
}

fn tcp6(payload: &[u8]) -> Seen {
    let (src, dst) = v6();
    Seen::Tcp {
        src,
        dst,
        ports: (49152, 443),
        payload: payload.to_vec(),
    }
}

fn udp4(ports: (u16, u16), payload: &[u8]) -> Seen {
    let (src, dst) = v4();
    Seen::Udp {
        src,
        dst,
        ports,
        payload: payload.to_vec(),
    }
}

fn udp6(ports: (u16, u16), payload: &[u8]) -> Seen {
    let (src, dst) = v6();
    Seen::Udp {
        src,
        dst,
        ports,
        payload: payload.to_vec(),
    }
}

fn skip(r: SkipReason) -> Seen {
    Seen::Skip(r)
}

// ---------------------------------------------------------------- link layers

#[test]
fn ethernet_ipv4_tcp_fields() {
    let frame = eth(0x0800, &ipv4(6, &tcp(b"hello")));
    let mut d = decoder();
    let p = d.decode(linktype::ETHERNET, &frame, 7).expect("decodes");
    assert_eq!((p.src, p.dst), v4());
    assert_eq!(p.ip_ttl, 61);
    let Transport::Tcp(t) = p.transport else {
        panic!("not tcp")
    };
    assert_eq!((t.src_port, t.dst_port), (49152, 443));
    assert_eq!((t.seq, t.ack, t.window), (0x0102_0304, 0x0506_0708, 64240));
    assert!(t.flags.has(TcpFlags::PSH) && t.flags.has(TcpFlags::ACK));
    assert!(!t.flags.has(TcpFlags::SYN));
    assert_eq!(t.payload, b"hello");
    assert_eq!(d.stats().decoded, 1);
    assert_eq!(d.stats().frames, 1);
    assert!(d.stats().skipped.is_empty());
}

#[test]
fn ethernet_ipv6_udp() {
    let frame = eth(0x86dd, &ipv6(17, &udp(5353, 53, b"q")));
    assert_eq!(one(linktype::ETHERNET, &frame), udp6((5353, 53), b"q"));
}

#[test]
fn ethernet_padding_is_trimmed_to_ip_length() {
    // A bare SYN is 54 bytes; Ethernet pads it to 60 (plus maybe an FCS).
    let syn = tcp_with_options(49152, 443, TcpFlags::SYN, &[], b"");
    let mut frame = eth(0x0800, &ipv4(6, &syn));
    frame.resize(64, 0xee);
    assert_eq!(one(linktype::ETHERNET, &frame), tcp4(b""));
    // Same for IPv6 (payload length) and for UDP inside it.
    let mut frame = eth(0x86dd, &ipv6(17, &udp(1, 2, b"ab")));
    frame.resize(frame.len() + 9, 0xee);
    assert_eq!(one(linktype::ETHERNET, &frame), udp6((1, 2), b"ab"));
}

#[test]
fn udp_payload_trimmed_to_udp_length() {
    let mut dgram = udp(1, 2, b"abcd");
    dgram[4..6].copy_from_slice(&10u16.to_be_bytes()); // claims 2 payload bytes of 4
    assert_eq!(one(linktype::IPV4, &ipv4(17, &dgram)), udp4((1, 2), b"ab"));
}

#[test]
fn snapped_segment_gives_captured_payload() {
    let frame = eth(0x0800, &ipv4(6, &tcp(&[7u8; 1000])));
    let snapped = &frame[..14 + 20 + 24 + 30];
    assert_eq!(one(linktype::ETHERNET, snapped), tcp4(&[7u8; 30]));
    let frame6 = eth(0x86dd, &ipv6(6, &tcp(&[7u8; 1000])));
    assert_eq!(
        one(linktype::ETHERNET, &frame6[..14 + 40 + 24 + 5]),
        tcp6(&[7u8; 5])
    );
}

#[test]
fn tso_total_length_zero_takes_the_frame() {
    let mut ip = ipv4(6, &tcp(&[1u8; 3000]));
    ip[2..4].copy_from_slice(&[0, 0]);
    assert_eq!(one(linktype::RAW, &ip), tcp4(&[1u8; 3000]));
}

#[test]
fn vlan_and_qinq_stacks() {
    let ip = ipv4(6, &tcp(b"v"));
    for tags in [
        vec![0x8100, 0x0800],
        vec![0x88a8, 0x8100, 0x0800],
        vec![0x9100, 0x8100, 0x0800],
        vec![0x88a8, 0x88a8, 0x8100, 0x0800],
    ] {
        assert_eq!(
            one(linktype::ETHERNET, &vlan(&tags, &ip)),
            tcp4(b"v"),
            "{tags:x?}"
        );
    }
    let ip6 = ipv6(6, &tcp(b"v"));
    assert_eq!(
        one(linktype::ETHERNET, &vlan(&[0x8100, 0x86dd], &ip6)),
        tcp6(b"v")
    );
    // VLAN then ARP.
    assert_eq!(
        one(linktype::ETHERNET, &vlan(&[0x8100, 0x0806], &[0u8; 28])),
        skip(SkipReason::NonIpEthertype(0x0806))
    );
    // Exactly the bound is accepted, one more is not.
    let mut tags = vec![0x8100u16; MAX_VLAN_TAGS];
    tags.push(0x0800);
    assert_eq!(one(linktype::ETHERNET, &vlan(&tags, &ip)), tcp4(b"v"));
    let mut tags = vec![0x8100u16; MAX_VLAN_TAGS + 1];
    tags.push(0x0800);
    assert_eq!(
        one(linktype::ETHERNET, &vlan(&tags, &ip)),
        skip(SkipReason::VlanStackTooDeep)
    );
}

#[test]
fn deep_vlan_stack_and_zero_length_frames() {
    let mut tags = vec![0x8100u16; 500];
    tags.push(0x0800);
    let frame = vlan(&tags, &ipv4(6, &tcp(b"x")));
    let mut d = decoder();
    assert!(d.decode(linktype::ETHERNET, &frame, 0).is_none());
    assert_eq!(d.last_skip(), Some(SkipReason::VlanStackTooDeep));
    // A stack of tags that runs off the end of the frame.
    let frame = vlan(&vec![0x8100u16; 300], &[]);
    assert!(
        d.decode(linktype::ETHERNET, &frame[..frame.len() - 1], 0)
            .is_none()
    );
    for lt in [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 105] {
        assert!(d.decode(lt, &[], 0).is_none());
        assert_eq!(d.last_skip(), Some(SkipReason::EmptyFrame), "linktype {lt}");
    }
    assert_eq!(d.stats().skipped["empty-frame"], 11);
    assert_eq!(d.stats().skipped["vlan-stack-too-deep"], 2);
}

#[test]
fn pppoe_session() {
    assert_eq!(
        one(linktype::ETHERNET, &pppoe(0x0021, &ipv4(6, &tcp(b"p")))),
        tcp4(b"p")
    );
    assert_eq!(
        one(linktype::ETHERNET, &pppoe(0x0057, &ipv6(6, &tcp(b"p")))),
        tcp6(b"p")
    );
    assert_eq!(
        one(linktype::ETHERNET, &pppoe(0xc021, &[1, 2, 3, 4])),
        skip(SkipReason::NonIpPpp(0xc021))
    );
    let frame = pppoe(0x0021, &[]);
    assert_eq!(
        one(linktype::ETHERNET, &frame[..frame.len() - 1]),
        skip(SkipReason::TruncatedPppoe)
    );
    // PPPoE discovery is not IP.
    assert_eq!(
        one(linktype::ETHERNET, &eth(0x8863, &[0x11, 0x09, 0, 0, 0, 0])),
        skip(SkipReason::NonIpEthertype(0x8863))
    );
}

#[test]
fn mpls_label_stacks() {
    assert_eq!(
        one(linktype::ETHERNET, &mpls(1, &ipv4(6, &tcp(b"m")))),
        tcp4(b"m")
    );
    assert_eq!(
        one(linktype::ETHERNET, &mpls(3, &ipv6(6, &tcp(b"m")))),
        tcp6(b"m")
    );
    // Ethernet pseudowire with a control word (first nibble 0).
    assert_eq!(
        one(linktype::ETHERNET, &mpls(2, &[0, 0, 0, 0, 1, 2, 3])),
        skip(SkipReason::NonIpMplsPayload)
    );
    assert_eq!(
        one(linktype::ETHERNET, &mpls(2, &[])),
        skip(SkipReason::TruncatedMpls)
    );
    let frame = mpls(1, &[]);
    assert_eq!(
        one(linktype::ETHERNET, &frame[..frame.len() - 2]),
        skip(SkipReason::TruncatedMpls)
    );
    assert_eq!(
        one(
            linktype::ETHERNET,
            &mpls(MAX_MPLS_LABELS + 1, &ipv4(6, &tcp(b"m")))
        ),
        skip(SkipReason::MplsStackTooDeep)
    );
    // VLAN, then MPLS.
    let mut labelled = vec![0, 1, 1, 64];
    labelled.extend_from_slice(&ipv4(6, &tcp(b"m")));
    assert_eq!(
        one(linktype::ETHERNET, &vlan(&[0x8100, 0x8847], &labelled)),
        tcp4(b"m")
    );
}

#[test]
fn linux_cooked_sll_and_sll2() {
    let ip = ipv4(6, &tcp(b"s"));
    assert_eq!(one(linktype::LINUX_SLL, &sll(0x0800, &ip)), tcp4(b"s"));
    assert_eq!(
        one(linktype::LINUX_SLL, &sll(0x86dd, &ipv6(6, &tcp(b"s")))),
        tcp6(b"s")
    );
    assert_eq!(
        one(
            linktype::LINUX_SLL,
            &sll(0x8100, &[0, 5, 0x08, 0x00])
                .into_iter()
                .chain(ip.clone())
                .collect::<Vec<_>>()
        ),
        tcp4(b"s")
    );
    assert_eq!(
        one(linktype::LINUX_SLL, &sll(0x0806, &[0; 28])),
        skip(SkipReason::NonIpEthertype(0x0806))
    );
    assert_eq!(
        one(linktype::LINUX_SLL, &sll(0x0800, &[])[..15]),
        skip(SkipReason::TruncatedSll)
    );
    assert_eq!(one(linktype::LINUX_SLL2, &sll2(0x0800, &ip)), tcp4(b"s"));
    assert_eq!(
        one(linktype::LINUX_SLL2, &sll2(0x86dd, &ipv6(6, &tcp(b"s")))),
        tcp6(b"s")
    );
    assert_eq!(
        one(linktype::LINUX_SLL2, &sll2(0x0800, &[])[..19]),
        skip(SkipReason::TruncatedSll2)
    );
    assert_eq!(
        one(linktype::LINUX_SLL2, &[0x08]),
        skip(SkipReason::TruncatedSll2)
    );
}

#[test]
fn raw_ip_linktypes() {
    let ip = ipv4(6, &tcp(b"r"));
    let ip6 = ipv6(6, &tcp(b"r"));
    // Classic pcap's FCS bits above the link type (0x30000001: Ethernet with a 4-byte FCS).
    let mut with_fcs = eth(0x0800, &ip);
    with_fcs.extend_from_slice(&[0xaa, 0xbb, 0xcc, 0xdd]);
    assert_eq!(one(0x3000_0001, &with_fcs), tcp4(b"r"));
    assert_eq!(
        one(0x3000_0069, &ip),
        skip(SkipReason::UnsupportedLinktype(0x3000_0069))
    );
    for lt in [12, 14, 101] {
        assert_eq!(one(lt, &ip), tcp4(b"r"));
        assert_eq!(one(lt, &ip6), tcp6(b"r"));
    }
    assert_eq!(one(228, &ip), tcp4(b"r"));
    assert_eq!(one(229, &ip6), tcp6(b"r"));
    assert_eq!(one(228, &ip6), skip(SkipReason::BadIpVersion(6)));
    assert_eq!(one(229, &ip), skip(SkipReason::BadIpVersion(4)));
    assert_eq!(one(101, &[0x50; 40]), skip(SkipReason::BadIpVersion(5)));
    // Ethernet says IPv4 but the header says 6.
    assert_eq!(
        one(linktype::ETHERNET, &eth(0x0800, &ip6)),
        skip(SkipReason::BadIpVersion(6))
    );
}

#[test]
fn bsd_null_in_both_byte_orders_and_loop() {
    let ip = ipv4(6, &tcp(b"n"));
    let ip6 = ipv6(6, &tcp(b"n"));
    assert_eq!(one(0, &with_prefix(2u32.to_le_bytes(), &ip)), tcp4(b"n"));
    assert_eq!(one(0, &with_prefix(2u32.to_be_bytes(), &ip)), tcp4(b"n"));
    for af in [24u32, 28, 30] {
        assert_eq!(one(0, &with_prefix(af.to_le_bytes(), &ip6)), tcp6(b"n"));
        assert_eq!(one(0, &with_prefix(af.to_be_bytes(), &ip6)), tcp6(b"n"));
        assert_eq!(one(108, &with_prefix(af.to_be_bytes(), &ip6)), tcp6(b"n"));
    }
    assert_eq!(one(108, &with_prefix(2u32.to_be_bytes(), &ip)), tcp4(b"n"));
    // LOOP is always network order: a little-endian 2 is family 0x02000000.
    assert_eq!(
        one(108, &with_prefix(2u32.to_le_bytes(), &ip)),
        skip(SkipReason::NonIpAddressFamily(0x0200_0000))
    );
    assert_eq!(
        one(0, &with_prefix(7u32.to_le_bytes(), &ip)),
        skip(SkipReason::NonIpAddressFamily(7))
    );
    assert_eq!(one(0, &[2, 0, 0]), skip(SkipReason::TruncatedNull));
    // An EtherType in place of the family, as in pcapplusplus's NullLoopback.pcap.
    assert_eq!(one(0, &with_prefix([0x0f, 0, 0x08, 0], &ip)), tcp4(b"n"));
    assert_eq!(one(0, &with_prefix([0x86, 0xdd, 0, 0], &ip6)), tcp6(b"n"));
    // Family and IP version disagree.
    assert_eq!(
        one(0, &with_prefix(2u32.to_le_bytes(), &ip6)),
        skip(SkipReason::BadIpVersion(6))
    );
}

#[test]
fn non_ip_frames_are_counted_by_reason() {
    let mut d = decoder();
    let arp = eth(0x0806, &[0u8; 28]);
    let lldp = eth(0x88cc, &[0u8; 20]);
    let stp = eth(38, &[0x42, 0x42, 0x03, 0, 0]);
    let ipx = eth(0x8137, &[0xff; 30]);
    for f in [&arp, &arp, &lldp, &stp, &ipx] {
        assert!(d.decode(linktype::ETHERNET, f, 0).is_none());
    }
    assert!(d.decode(105, &[0u8; 30], 0).is_none());
    assert!(d.decode(linktype::ETHERNET, &[0u8; 13], 0).is_none());
    let gre = ipv4(47, &[0u8; 8]);
    let esp = ipv4(50, &[0u8; 16]);
    let sctp = ipv6(132, &[0u8; 16]);
    let icmp_in_v6 = ipv6(1, &[8, 0, 0, 0, 0, 0, 0, 0]);
    for f in [&gre, &esp, &sctp, &icmp_in_v6] {
        assert!(d.decode(linktype::RAW, f, 0).is_none());
    }
    let s = d.stats();
    let want: Vec<(&str, u64)> = vec![
        ("non-ip-ethertype-0x0806", 2),
        ("non-ip-ethertype-0x8137", 1),
        ("non-ip-ethertype-0x88cc", 1),
        ("non-ip-llc", 1),
        ("truncated-ethernet", 1),
        ("unsupported-ip-protocol-1", 1),
        ("unsupported-ip-protocol-132", 1),
        ("unsupported-ip-protocol-47", 1),
        ("unsupported-ip-protocol-50", 1),
        ("unsupported-linktype-105", 1),
    ];
    let got: Vec<(&str, u64)> = s.skipped.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(got, want);
    assert_eq!(s.frames, 11);
    assert_eq!(s.decoded, 0);
    assert_eq!(s.skipped_total(), 11);
    let json = serde_json::to_string(s).expect("serializes");
    assert!(
        json.starts_with(r#"{"frames":11,"decoded":0,"skipped":{"non-ip-ethertype-0x0806":2,"#)
    );
}

// ---------------------------------------------------------------- IP

#[test]
fn ipv4_options_and_bad_lengths() {
    let opts = [0x94, 0x04, 0, 0, 1, 1, 1, 0]; // router alert, NOP NOP NOP EOL
    assert_eq!(one(101, &ipv4_full(6, &opts, 1, 0, &tcp(b"o"))), tcp4(b"o"));
    let max_opts = [1u8; 40]; // IHL 15
    assert_eq!(
        one(101, &ipv4_full(17, &max_opts, 1, 0, &udp(1, 2, b"o"))),
        udp4((1, 2), b"o")
    );

    let good = ipv4(6, &tcp(b"o"));
    let mut bad = good.clone();
    bad[0] = 0x44; // IHL 4 < 5
    assert_eq!(one(101, &bad), skip(SkipReason::BadIpv4HeaderLength));
    let mut bad = good.clone();
    bad[0] = 0x4f; // IHL 15 = 60 bytes, beyond this 45-byte datagram
    assert_eq!(one(101, &bad), skip(SkipReason::BadIpv4HeaderLength));
    let mut bad = good.clone();
    bad[2..4].copy_from_slice(&19u16.to_be_bytes());
    assert_eq!(one(101, &bad), skip(SkipReason::BadIpv4TotalLength));
    assert_eq!(one(101, &good[..19]), skip(SkipReason::TruncatedIpv4));
    // A link header with nothing behind it.
    assert_eq!(one(1, &eth(0x0800, &[])), skip(SkipReason::TruncatedIpv4));
    assert_eq!(one(1, &eth(0x86dd, &[])), skip(SkipReason::TruncatedIpv6));
    // Total length shorter than the TCP header: the segment is cut by the IP length.
    let mut bad = good.clone();
    bad[2..4].copy_from_slice(&30u16.to_be_bytes());
    assert_eq!(one(101, &bad), skip(SkipReason::TruncatedTcp));
}

#[test]
fn ipv6_extension_headers() {
    let seg = tcp(b"e");
    // Hop-by-hop, routing, destination options, then TCP.
    let chain = ext(43, 0, &ext(60, 1, &ext(6, 0, &seg)));
    assert_eq!(one(101, &ipv6(0, &chain)), tcp6(b"e"));
    // AH (length in 4-byte units minus 2: 4 means 24 bytes), then UDP.
    let mut ah = vec![17, 4];
    ah.resize(24, 0xaa);
    ah.extend_from_slice(&udp(9, 10, b"a"));
    assert_eq!(one(101, &ipv6(51, &ah)), udp6((9, 10), b"a"));
    // ESP stops the walk: encrypted.
    assert_eq!(
        one(101, &ipv6(0, &ext(50, 0, &[0u8; 16]))),
        skip(SkipReason::UnsupportedIpProtocol(50))
    );
    assert_eq!(
        one(101, &ipv6(60, &ext(59, 0, &[]))),
        skip(SkipReason::Ipv6NoNextHeader)
    );
    // Extension header longer than the payload.
    assert_eq!(
        one(101, &ipv6(0, &[6, 3, 0, 0, 0, 0, 0, 0])),
        skip(SkipReason::TruncatedIpv6Extension)
    );
    assert_eq!(
        one(101, &ipv6(0, &[6])),
        skip(SkipReason::TruncatedIpv6Extension)
    );
    assert_eq!(
        one(101, &ipv6(44, &[6, 0, 0])),
        skip(SkipReason::TruncatedIpv6Extension)
    );
    // An atomic fragment (offset 0, M=0) is a whole datagram (RFC 6946).
    assert_eq!(
        one(101, &ipv6(44, &frag6(6, 0, false, 9, &seg))),
        tcp6(b"e")
    );
    assert_eq!(
        one(101, &ipv6(6, &seg)[..39]),
        skip(SkipReason::TruncatedIpv6)
    );
    // Payload length claims less than the TCP header.
    let mut short = ipv6(6, &seg);
    short[4..6].copy_from_slice(&10u16.to_be_bytes());
    assert_eq!(one(101, &short), skip(SkipReason::TruncatedTcp));
}

// ---------------------------------------------------------------- fragments

/// Splits `payload` into IPv4 fragments of `piece` bytes (a multiple of 8).
fn frags4(protocol: u8, id: u16, payload: &[u8], piece: usize) -> Vec<Vec<u8>> {
    let chunks: Vec<&[u8]> = payload.chunks(piece).collect();
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let more = if i + 1 < n { 0x2000 } else { 0 };
            let offset = (i * piece / 8) as u16;
            eth(0x0800, &ipv4_full(protocol, &[], id, more | offset, c))
        })
        .collect()
}

fn frags6(next: u8, id: u32, payload: &[u8], piece: usize) -> Vec<Vec<u8>> {
    let chunks: Vec<&[u8]> = payload.chunks(piece).collect();
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let offset = (i * piece) as u16;
            eth(0x86dd, &ipv6(44, &frag6(next, offset, i + 1 < n, id, c)))
        })
        .collect()
}

fn big_payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

#[test]
fn ipv4_fragments_in_order_and_out_of_order() {
    let data = big_payload(3000);
    let seg = tcp(&data);
    let pieces = frags4(6, 77, &seg, 1480);
    assert_eq!(pieces.len(), 3);
    let mut d = decoder();
    assert_eq!(
        seen(&mut d, 1, &pieces[0], 1),
        skip(SkipReason::FragmentPending)
    );
    assert_eq!(
        seen(&mut d, 1, &pieces[1], 2),
        skip(SkipReason::FragmentPending)
    );
    assert_eq!(seen(&mut d, 1, &pieces[2], 3), tcp4(&data));
    assert_eq!(d.stats().fragments_reassembled, 1);
    assert_eq!(d.stats().skipped["fragment-pending"], 2);
    assert_eq!(d.pending_fragments(), (0, 0));

    // Reverse order, and interleaved with an unrelated datagram.
    let other = frags4(17, 78, &udp(1, 2, &big_payload(2000)), 1024);
    let mut d = decoder();
    assert_eq!(
        seen(&mut d, 1, &pieces[2], 1),
        skip(SkipReason::FragmentPending)
    );
    assert_eq!(
        seen(&mut d, 1, &other[0], 1),
        skip(SkipReason::FragmentPending)
    );
    assert_eq!(
        seen(&mut d, 1, &pieces[1], 1),
        skip(SkipReason::FragmentPending)
    );
    assert_eq!(seen(&mut d, 1, &pieces[0], 1), tcp4(&data));
    assert_eq!(
        seen(&mut d, 1, &other[1], 1),
        udp4((1, 2), &big_payload(2000))
    );
    assert_eq!(d.stats().fragments_reassembled, 2);
}

#[test]
fn ipv4_fragments_duplicates_and_overlaps_first_wins() {
    let data = big_payload(40);
    let seg = udp(7, 8, &data); // 48 bytes
    let mut d = decoder();
    let f = |frag: u16, bytes: &[u8]| eth(0x0800, &ipv4_full(17, &[], 5, frag, bytes));
    assert_eq!(
        seen(&mut d, 1, &f(0x2000, &seg[..24]), 0),
        skip(SkipReason::FragmentPending)
    );
    // Duplicate of the first piece.
    assert_eq!(
        seen(&mut d, 1, &f(0x2000, &seg[..24]), 0),
        skip(SkipReason::FragmentPending)
    );
    // Overlap: bytes 16..32 with different contents; 16..24 must keep the first copy.
    let mut forged = seg[16..32].to_vec();
    forged.iter_mut().for_each(|b| *b = 0xff);
    assert_eq!(
        seen(&mut d, 1, &f(0x2000 | 2, &forged), 0),
        skip(SkipReason::FragmentPending)
    );
    // The last piece overlaps 24..32 again with true bytes, which lose to the forged ones.
    let got = seen(&mut d, 1, &f(3, &seg[24..]), 0);
    let mut want = data.clone();
    want[16..24].iter_mut().for_each(|b| *b = 0xff); // bytes 24..32 of the datagram
    assert_eq!(got, udp4((7, 8), &want));
    assert_eq!(d.stats().skipped["fragment-pending"], 3);
}

#[test]
fn fragments_incomplete_then_timed_out() {
    let seg = tcp(&big_payload(2000));
    let pieces = frags4(6, 9, &seg, 1024);
    let limits = DecodeLimits {
        fragment_timeout_nanos: 1_000,
        ..DecodeLimits::default()
    };
    let mut d = Decoder::new(limits);
    assert!(d.decode(1, &pieces[0], 0).is_none());
    assert_eq!(d.pending_fragments().0, 1);
    // The rest arrives too late: the first piece is gone, so the datagram stays incomplete.
    assert!(d.decode(1, &pieces[1], 5_000).is_none());
    assert_eq!(d.stats().fragment_sets_timed_out, 1);
    assert_eq!(d.pending_fragments().0, 1);
    let stats = d.finish();
    assert_eq!(stats.fragment_sets_abandoned, 1);
    assert_eq!(stats.fragments_reassembled, 0);
    assert_eq!(d.pending_fragments(), (0, 0));
}

#[test]
fn too_many_fragment_sets_evicts_the_oldest() {
    let limits = DecodeLimits {
        max_fragment_sets: 4,
        ..DecodeLimits::default()
    };
    let mut d = Decoder::new(limits);
    let seg = tcp(&big_payload(100));
    let sets: Vec<_> = (0..6).map(|id| frags4(6, id, &seg, 64)).collect();
    for s in &sets {
        assert!(d.decode(1, &s[0], 0).is_none());
    }
    assert_eq!(d.stats().fragment_sets_evicted, 2);
    assert_eq!(d.pending_fragments().0, 4);
    // Sets 0 and 1 were evicted; 2..6 complete.
    for s in &sets[2..] {
        assert!(d.decode(1, &s[1], 0).is_some());
    }
    assert_eq!(d.stats().fragments_reassembled, 4);
    // The last piece of set 0 finds nothing to complete: it opens a new set and waits.
    assert!(d.decode(1, &sets[0][1], 0).is_none());
    assert_eq!(d.last_skip(), Some(SkipReason::FragmentPending));
    assert_eq!(d.pending_fragments().0, 1);
    assert_eq!(d.stats().fragment_sets_evicted, 2);
}

#[test]
fn fragment_byte_budget() {
    let limits = DecodeLimits {
        max_fragment_bytes: 3000,
        ..DecodeLimits::default()
    };
    let mut d = Decoder::new(limits);
    let a = frags4(6, 1, &tcp(&big_payload(4000)), 1480);
    let b = frags4(6, 2, &tcp(&big_payload(4000)), 1480);
    assert!(d.decode(1, &a[0], 0).is_none());
    assert!(d.decode(1, &a[1], 0).is_none()); // 2960 bytes held
    assert!(d.decode(1, &b[0], 0).is_none()); // evicts set a
    assert_eq!(d.stats().fragment_sets_evicted, 1);
    assert!(d.pending_fragments().1 <= 3000);
    // A datagram that cannot fit even alone.
    assert!(d.decode(1, &b[2], 0).is_none());
    assert_eq!(d.last_skip(), Some(SkipReason::FragmentOverBudget));
    assert_eq!(d.pending_fragments(), (0, 0));
}

#[test]
fn fragment_sanity_checks() {
    let mut d = decoder();
    // Non-final fragment whose length is not a multiple of 8.
    let f = eth(0x0800, &ipv4_full(6, &[], 1, 0x2000, &[0u8; 12]));
    assert_eq!(seen(&mut d, 1, &f, 0), skip(SkipReason::FragmentBadLength));
    // Ends beyond 65 535 bytes.
    let f = eth(0x0800, &ipv4_full(6, &[], 1, 0x1fff, &[0u8; 16]));
    assert_eq!(seen(&mut d, 1, &f, 0), skip(SkipReason::FragmentTooLarge));
    // Cut by the snap length.
    let f = eth(0x0800, &ipv4_full(6, &[], 1, 0x2000, &[0u8; 64]));
    assert_eq!(
        seen(&mut d, 1, &f[..60], 0),
        skip(SkipReason::FragmentTruncated)
    );
    // A reassembled datagram too short for its TCP header.
    let a = eth(0x0800, &ipv4_full(6, &[], 3, 0x2000, &[0u8; 8]));
    let b = eth(0x0800, &ipv4_full(6, &[], 3, 1, &[0u8; 4]));
    assert_eq!(seen(&mut d, 1, &a, 0), skip(SkipReason::FragmentPending));
    assert_eq!(seen(&mut d, 1, &b, 0), skip(SkipReason::TruncatedTcp));
    assert_eq!(d.stats().fragments_reassembled, 1);
    // Many tiny, non-adjacent pieces: the set is dropped at the bound.
    let mut last = None;
    for i in 0..300u16 {
        let f = eth(0x0800, &ipv4_full(6, &[], 4, 0x2000 | (i * 2), &[0u8; 8]));
        last = Some(seen(&mut d, 1, &f, 0));
    }
    assert_eq!(d.stats().skipped["fragment-too-many-pieces"], 1);
    assert_eq!(last, Some(skip(SkipReason::FragmentPending)));
}

#[test]
fn ipv6_fragments() {
    let data = big_payload(2500);
    let seg = tcp(&data);
    let pieces = frags6(6, 0xdead_beef, &seg, 1232);
    assert_eq!(pieces.len(), 3);
    let mut d = decoder();
    assert_eq!(
        seen(&mut d, 1, &pieces[1], 0),
        skip(SkipReason::FragmentPending)
    );
    assert_eq!(
        seen(&mut d, 1, &pieces[0], 0),
        skip(SkipReason::FragmentPending)
    );
    assert_eq!(seen(&mut d, 1, &pieces[2], 0), tcp6(&data));
    // In order, with a destination options header inside the fragmentable part and a
    // hop-by-hop header before the fragment header.
    let inner = ext(17, 0, &udp(53, 5353, &big_payload(1500)));
    let pieces = frags6(60, 7, &inner, 1000);
    let mut d = decoder();
    let n = pieces.len();
    for (i, p) in pieces.iter().enumerate() {
        // Insert a hop-by-hop header in front of the fragment header.
        let ip = &p[14..];
        let mut with_hbh = ipv6(0, &ext(44, 0, &ip[40..]));
        with_hbh[4..6].copy_from_slice(&((ip.len() - 40 + 8) as u16).to_be_bytes());
        let got = seen(&mut d, 1, &eth(0x86dd, &with_hbh), 0);
        if i + 1 < n {
            assert_eq!(got, skip(SkipReason::FragmentPending));
        } else {
            assert_eq!(got, udp6((53, 5353), &big_payload(1500)));
        }
    }
    // A fragment header inside the reassembled datagram.
    let nested = frag6(6, 0, true, 1, &[0u8; 24]);
    let pieces = frags6(44, 8, &nested, 16);
    let mut d = decoder();
    let mut last = None;
    for p in &pieces {
        last = Some(seen(&mut d, 1, p, 0));
    }
    assert_eq!(last, Some(skip(SkipReason::Ipv6NestedFragment)));
}

// ---------------------------------------------------------------- ICMP

#[test]
fn icmp_unreachable_quotes_tcp_and_udp() {
    let (src, dst) = v4();
    // A port unreachable for a UDP datagram we sent: the quote is its IP header + 8 bytes.
    let quoted_udp = &ipv4(17, &udp(5353, 53, b"query"))[..28];
    let mut msg = vec![3, 3, 0, 0, 0, 0, 0, 0];
    msg.extend_from_slice(quoted_udp);
    let want = QuotedDatagram {
        src,
        dst,
        protocol: 17,
        src_port: 5353,
        dst_port: 53,
    };
    assert_eq!(
        one(101, &ipv4(1, &msg)),
        Seen::Icmp(IcmpMessage {
            v6: false,
            icmp_type: 3,
            code: 3,
            quoted: Some(want)
        })
    );
    // Time exceeded for TCP, with IP options in the quote.
    let quoted_tcp = ipv4_full(6, &[1, 1, 1, 0], 1, 0, &tcp(b""));
    let mut msg = vec![11, 0, 0, 0, 0, 0, 0, 0];
    msg.extend_from_slice(&quoted_tcp[..24 + 8]);
    let Seen::Icmp(m) = one(101, &ipv4(1, &msg)) else {
        panic!("not icmp")
    };
    assert_eq!(
        m.quoted.map(|q| (q.protocol, q.src_port, q.dst_port)),
        Some((6, 49152, 443))
    );
    // Echo request: not an error, nothing quoted.
    let Seen::Icmp(m) = one(101, &ipv4(1, &[8, 0, 0, 0, 0, 1, 0, 1, 9, 9])) else {
        panic!("not icmp")
    };
    assert_eq!((m.icmp_type, m.quoted), (8, None));
    // Quote cut before the ports.
    let mut msg = vec![3, 1, 0, 0, 0, 0, 0, 0];
    msg.extend_from_slice(&quoted_udp[..22]);
    let Seen::Icmp(m) = one(101, &ipv4(1, &msg)) else {
        panic!("not icmp")
    };
    assert_eq!(m.quoted, None);
    // Quote of a non-first fragment: no ports to report.
    let mut frag = quoted_udp.to_vec();
    frag[6..8].copy_from_slice(&0x0010u16.to_be_bytes());
    let mut msg = vec![3, 1, 0, 0, 0, 0, 0, 0];
    msg.extend_from_slice(&frag);
    let Seen::Icmp(m) = one(101, &ipv4(1, &msg)) else {
        panic!("not icmp")
    };
    assert_eq!(m.quoted, None);
    // Quoted GRE: protocol without ports.
    let mut msg = vec![3, 2, 0, 0, 0, 0, 0, 0];
    msg.extend_from_slice(&ipv4(47, &[0u8; 8]));
    let Seen::Icmp(m) = one(101, &ipv4(1, &msg)) else {
        panic!("not icmp")
    };
    assert_eq!(m.quoted.map(|q| (q.protocol, q.src_port)), Some((47, 0)));
    // Garbage instead of an IP header.
    let mut msg = vec![3, 2, 0, 0, 0, 0, 0, 0];
    msg.extend_from_slice(&[0x41; 30]);
    let Seen::Icmp(m) = one(101, &ipv4(1, &msg)) else {
        panic!("not icmp")
    };
    assert_eq!(m.quoted, None);
    assert_eq!(
        one(101, &ipv4(1, &[3, 3, 0, 0])),
        skip(SkipReason::TruncatedIcmp)
    );
}

#[test]
fn icmpv6_errors_quote_tcp_and_udp() {
    let (src, dst) = v6();
    for (icmp_type, inner, want) in [
        (1u8, ipv6(6, &tcp(b"")), (6u8, 49152u16, 443u16)),
        (2, ipv6(17, &udp(5353, 53, b"q")), (17, 5353, 53)),
        (3, ipv6(0, &ext(17, 0, &udp(1, 2, b""))), (17, 1, 2)),
        (4, ipv6(6, &tcp(b"")), (6, 49152, 443)),
    ] {
        let mut msg = vec![icmp_type, 0, 0, 0, 0, 0, 5, 0xdc];
        msg.extend_from_slice(&inner);
        let got = one(101, &ipv6(58, &msg));
        assert_eq!(
            got,
            Seen::Icmp(IcmpMessage {
                v6: true,
                icmp_type,
                code: 0,
                quoted: Some(QuotedDatagram {
                    src,
                    dst,
                    protocol: want.0,
                    src_port: want.1,
                    dst_port: want.2
                })
            })
        );
    }
    // Echo reply: no quote. ICMPv6 inside IPv4: unsupported.
    let Seen::Icmp(m) = one(101, &ipv6(58, &[129, 0, 0, 0, 0, 1, 0, 1])) else {
        panic!("not icmpv6")
    };
    assert_eq!((m.v6, m.icmp_type, m.quoted), (true, 129, None));
    assert_eq!(
        one(101, &ipv4(58, &[1, 0, 0, 0, 0, 0, 0, 0])),
        skip(SkipReason::UnsupportedIpProtocol(58))
    );
    // Quote truncated inside the IPv6 header.
    let mut msg = vec![1, 4, 0, 0, 0, 0, 0, 0];
    msg.extend_from_slice(&ipv6(6, &tcp(b""))[..30]);
    let Seen::Icmp(m) = one(101, &ipv6(58, &msg)) else {
        panic!("not icmpv6")
    };
    assert_eq!(m.quoted, None);
    assert_eq!(
        one(101, &ipv6(58, &[1, 4, 0])),
        skip(SkipReason::TruncatedIcmpv6)
    );
}

// ---------------------------------------------------------------- transport edge cases

#[test]
fn tcp_and_udp_bad_lengths() {
    let seg = tcp(b"t");
    assert_eq!(
        one(101, &ipv4(6, &seg[..19])),
        skip(SkipReason::TruncatedTcp)
    );
    let mut bad = seg.clone();
    bad[12] = 0x40; // data offset 4
    assert_eq!(one(101, &ipv4(6, &bad)), skip(SkipReason::BadTcpDataOffset));
    let mut bad = seg.clone();
    bad[12] = 0xf0; // 60-byte header in a 25-byte segment
    assert_eq!(one(101, &ipv4(6, &bad)), skip(SkipReason::TruncatedTcp));
    // Options cut by the snap length.
    let frame = eth(0x0800, &ipv4(6, &seg));
    assert_eq!(
        one(1, &frame[..14 + 20 + 22]),
        skip(SkipReason::TruncatedTcp)
    );

    assert_eq!(
        one(101, &ipv4(17, &[0, 1, 0, 2, 0, 8, 0])),
        skip(SkipReason::TruncatedUdp)
    );
    let mut bad = udp(1, 2, b"u");
    bad[4..6].copy_from_slice(&7u16.to_be_bytes());
    assert_eq!(one(101, &ipv4(17, &bad)), skip(SkipReason::BadUdpLength));
    // UDP length larger than the datagram: take what there is.
    let mut long = udp(1, 2, b"u");
    long[4..6].copy_from_slice(&500u16.to_be_bytes());
    assert_eq!(one(101, &ipv4(17, &long)), udp4((1, 2), b"u"));
    // Length 0 (jumbogram/GSO): take what there is.
    let mut zero = udp(1, 2, b"uu");
    zero[4..6].copy_from_slice(&[0, 0]);
    assert_eq!(one(101, &ipv4(17, &zero)), udp4((1, 2), b"uu"));
}

// ---------------------------------------------------------------- never panic

/// Every prefix of every fixture, under every link type, decodes or is skipped with a
/// counted reason; the counts add up.
#[test]
fn every_truncation_at_every_layer_is_counted_not_panicked() {
    let seg = tcp(b"payload");
    let mut icmp = vec![3, 3, 0, 0, 0, 0, 0, 0];
    icmp.extend_from_slice(&ipv4(17, &udp(1, 2, b""))[..28]);
    let mut icmp6 = vec![1, 4, 0, 0, 0, 0, 0, 0];
    icmp6.extend_from_slice(&ipv6(60, &ext(6, 0, &seg)));
    let ips = vec![
        ipv4(6, &seg),
        ipv4_full(17, &[1, 1, 1, 1], 3, 0, &udp(1, 2, b"x")),
        ipv4(1, &icmp),
        ipv4_full(6, &[], 3, 0x2000, &seg[..24]),
        ipv6(6, &seg),
        ipv6(0, &ext(43, 0, &ext(51, 1, &ext(17, 0, &udp(1, 2, b"x"))))),
        ipv6(58, &icmp6),
        ipv6(44, &frag6(6, 0, true, 1, &seg[..24])),
    ];
    let mut frames: Vec<(u32, Vec<u8>)> = Vec::new();
    for ip in &ips {
        let af = if ip[0] >> 4 == 4 { 2u32 } else { 30 };
        let et = if ip[0] >> 4 == 4 { 0x0800 } else { 0x86dd };
        let ppp = if ip[0] >> 4 == 4 { 0x0021 } else { 0x0057 };
        frames.push((1, eth(et, ip)));
        frames.push((1, vlan(&[0x88a8, 0x8100, et], ip)));
        frames.push((1, pppoe(ppp, ip)));
        frames.push((1, mpls(2, ip)));
        frames.push((113, sll(et, ip)));
        frames.push((276, sll2(et, ip)));
        frames.push((0, with_prefix(af.to_le_bytes(), ip)));
        frames.push((0, with_prefix(af.to_be_bytes(), ip)));
        frames.push((108, with_prefix(af.to_be_bytes(), ip)));
        frames.push((101, ip.clone()));
    }
    let mut d = decoder();
    for (lt, frame) in &frames {
        for len in 0..frame.len() {
            let _ = d.decode(*lt, &frame[..len], 0);
        }
        // The whole frame decodes, or (for the first fragments among the fixtures) waits.
        if d.decode(*lt, frame, 0).is_none() {
            assert_eq!(
                d.last_skip(),
                Some(SkipReason::FragmentPending),
                "{lt} {frame:x?}"
            );
        }
    }
    let s = d.finish();
    assert_eq!(s.frames, s.decoded + s.skipped_total());
    assert!(s.decoded > 0);
    for reason in [
        "truncated-ethernet",
        "truncated-vlan",
        "truncated-pppoe",
        "truncated-mpls",
        "truncated-sll",
        "truncated-sll2",
        "truncated-null",
        "truncated-ipv4",
        "truncated-ipv6",
        "truncated-ipv6-extension",
        "truncated-tcp",
        "truncated-udp",
        "truncated-icmp",
        "truncated-icmpv6",
        "empty-frame",
    ] {
        assert!(
            s.skipped.contains_key(reason),
            "no {reason} in {:?}",
            s.skipped
        );
    }
}

/// Pseudo-random bytes under every link type, and random corruption of valid frames.
#[test]
fn random_bytes_never_panic() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let linktypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];
    let base = eth(0x0800, &ipv4(6, &tcp(b"abc")));
    let base6 = eth(
        0x86dd,
        &ipv6(0, &ext(44, 0, &frag6(6, 8, true, 3, &[0u8; 16]))),
    );
    let limits = DecodeLimits {
        max_fragment_sets: 8,
        max_fragment_bytes: 4096,
        fragment_timeout_nanos: 1000,
    };
    let mut d = Decoder::new(limits);
    for i in 0..20_000i64 {
        let len = (next() % 120) as usize;
        let mut buf: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Bias towards plausible headers so deeper layers get exercised.
        if i % 3 == 0 && !buf.is_empty() {
            buf[0] = if i % 2 == 0 { 0x45 } else { 0x60 };
        }
        let lt = linktypes[(next() % linktypes.len() as u64) as usize];
        let _ = d.decode(lt, &buf, i);
        let mut corrupt = if i % 2 == 0 {
            base.clone()
        } else {
            base6.clone()
        };
        let at = (next() as usize) % corrupt.len();
        corrupt[at] = next() as u8;
        let _ = d.decode(1, &corrupt, i);
        assert!(d.pending_fragments().0 <= 8 && d.pending_fragments().1 <= 4096);
    }
    let s = d.stats();
    assert_eq!(s.frames, 40_000);
    assert_eq!(s.frames, s.decoded + s.skipped_total());
}
