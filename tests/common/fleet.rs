//! Fleets of captures for the fleet tests: each host is one or more samples of
//! `samples/` (classic pcap, Ethernet) rewritten onto the host's own client address (IPv4
//! headers, the IPv4 header an ICMP error quotes, and every IPv4/TCP/UDP/ICMP checksum
//! fixed) and written as pcapng whose section header names the host (`host=NAME`
//! comment, hardware, OS and application) and whose interface carries the address and a
//! MAC. A mix of healthy and broken samples, so the matrix is not uniform; deterministic,
//! so two builds are byte-identical. Used by tests/fleet.rs and by the browser and engine
//! tests that need hundreds of hosts.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// The address every sample's Arc host has (samples/README.md).
pub const SAMPLE_CLIENT: Ipv4Addr = Ipv4Addr::new(10, 1, 0, 4);

/// The samples hosts are made of, in turn: healthy ones and one of each kind of trouble.
pub const FLEET_SAMPLES: &[&str] = &[
    "healthy-agent.pcap",
    "healthy-agent.pcap",
    "healthy-agent-go-legacy.pcap",
    "fw-drop.pcap",
    "healthy-agent.pcap",
    "syn-refused.pcap",
    "proxy-connect-denied.pcap",
    "healthy-agent.pcap",
    "fw-reject-icmp-admin.pcap",
    "tls10-refused.pcap",
    "weak-3des.pcap",
    "healthy-agent.pcap",
    "rst-after-clienthello.pcap",
    "dns-nxdomain.pcap",
    "handshake-stall.pcap",
    "heartbeat-regular.pcap",
    "gas-not-contacted.pcap",
];

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// The name of host `i` (`host-007`) and its client address (10.20.x.y, unique below
/// 62,500 hosts).
pub fn host_of(i: usize) -> (String, Ipv4Addr) {
    let a = Ipv4Addr::new(10, 20, (i / 250) as u8, (i % 250 + 1) as u8);
    (format!("host-{i:03}"), a)
}

/// Writes the captures of `hosts` hosts into `dir` and returns their paths, sorted. Host
/// `i` takes sample `i` of [`FLEET_SAMPLES`] (in turn); every seventh host has a second
/// capture, of the healthy agent, so several captures of one machine make one host.
pub fn build_fleet(dir: &Path, hosts: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for i in 0..hosts {
        let (name, addr) = host_of(i);
        let mut samples = vec![FLEET_SAMPLES[i % FLEET_SAMPLES.len()]];
        if i % 7 == 3 {
            samples.push("healthy-agent.pcap");
        }
        for (k, sample) in samples.iter().enumerate() {
            let pcap = std::fs::read(samples_dir().join(sample))
                .unwrap_or_else(|e| panic!("samples/{sample}: {e}"));
            let bytes = host_capture(&pcap, &name, addr);
            let stem = sample.trim_end_matches(".pcap");
            let path = dir.join(format!("{name}-{k}-{stem}.pcapng"));
            std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push(path);
        }
    }
    out.sort();
    out
}

/// One sample (a classic little-endian pcap of Ethernet frames) as host `name` at `addr`:
/// a pcapng file with the host named in its section header.
pub fn host_capture(pcap: &[u8], name: &str, addr: Ipv4Addr) -> Vec<u8> {
    assert_eq!(
        pcap.get(..4),
        Some(&[0xd4, 0xc3, 0xb2, 0xa1][..]),
        "a little-endian µs pcap"
    );
    assert_eq!(pcap.get(20..24), Some(&[1, 0, 0, 0][..]), "Ethernet");
    let mut ng = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    option(&mut shb, 1, format!("host={name}").as_bytes());
    option(&mut shb, 2, b"Standard PC (Q35 + ICH9, 2009)");
    option(&mut shb, 3, b"Linux 6.1.0-28-amd64");
    option(&mut shb, 4, b"arcaudit fleet test");
    option(&mut shb, 0, b"");
    block(&mut ng, 0x0a0d_0d0a, &shb);
    let mut idb = Vec::new();
    idb.extend_from_slice(&1u16.to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&0u32.to_le_bytes());
    option(&mut idb, 2, b"eth0");
    let mut v4 = addr.octets().to_vec();
    v4.extend_from_slice(&[255, 255, 255, 0]);
    option(&mut idb, 4, &v4);
    let o = addr.octets();
    option(&mut idb, 6, &[0x02, 0x00, o[0], o[1], o[2], o[3]]);
    option(&mut idb, 0, b"");
    block(&mut ng, 1, &idb);
    let mut at = 24;
    while let Some(head) = pcap.get(at..at + 16) {
        let le = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        let (secs, usecs, caplen, orig) = (le(0), le(4), le(8) as usize, le(12));
        let Some(frame) = pcap.get(at + 16..at + 16 + caplen) else {
            panic!("pcap record at {at} runs past the file");
        };
        let mut frame = frame.to_vec();
        rewrite_frame(&mut frame, SAMPLE_CLIENT, addr);
        let ts = u64::from(secs) * 1_000_000 + u64::from(usecs);
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(caplen as u32).to_le_bytes());
        epb.extend_from_slice(&orig.to_le_bytes());
        epb.extend_from_slice(&frame);
        while !epb.len().is_multiple_of(4) {
            epb.push(0);
        }
        block(&mut ng, 6, &epb);
        at += 16 + caplen;
    }
    ng
}

fn option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

fn block(out: &mut Vec<u8>, block_type: u32, body: &[u8]) {
    let len = (body.len() + 12) as u32;
    out.extend_from_slice(&block_type.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&len.to_le_bytes());
}

/// The Internet checksum of `data` with `sum` already added (RFC 1071).
fn checksum(mut sum: u32, data: &[u8]) -> u16 {
    for pair in data.chunks(2) {
        let word = u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]);
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Replaces `from` by `to` in an IPv4 header's addresses; true when it did.
fn swap_addresses(ip: &mut [u8], from: Ipv4Addr, to: Ipv4Addr) -> bool {
    let mut changed = false;
    for at in [12, 16] {
        if ip.get(at..at + 4) == Some(&from.octets()[..]) {
            ip[at..at + 4].copy_from_slice(&to.octets());
            changed = true;
        }
    }
    changed
}

fn fix_ip_checksum(ip: &mut [u8], ihl: usize) {
    ip[10] = 0;
    ip[11] = 0;
    let c = checksum(0, &ip[..ihl]);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
}

/// Rewrites the client address of one Ethernet frame and fixes the checksums it covers.
fn rewrite_frame(frame: &mut [u8], from: Ipv4Addr, to: Ipv4Addr) {
    if frame.get(12..14) != Some(&[0x08, 0x00][..]) {
        return;
    }
    let ip = &mut frame[14..];
    let ihl = usize::from(ip.first().map_or(0, |b| b & 0x0f)) * 4;
    if ihl < 20 || ip.len() < ihl {
        return;
    }
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]])).min(ip.len());
    let proto = ip[9];
    let fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff != 0;
    let changed = swap_addresses(ip, from, to);
    if changed {
        fix_ip_checksum(ip, ihl);
    }
    let (src, dst) = (
        [ip[12], ip[13], ip[14], ip[15]],
        [ip[16], ip[17], ip[18], ip[19]],
    );
    let (header, payload) = ip[..total].split_at_mut(ihl);
    let _ = header;
    match proto {
        // TCP and UDP checksums cover the addresses (pseudo-header).
        6 | 17 if changed && !fragment => {
            let at = if proto == 6 { 16 } else { 6 };
            if payload.len() < at + 2 || (proto == 17 && payload[6..8] == [0, 0]) {
                return;
            }
            payload[at] = 0;
            payload[at + 1] = 0;
            let mut sum = 0u32;
            for w in [src, dst] {
                sum += u32::from(u16::from_be_bytes([w[0], w[1]]));
                sum += u32::from(u16::from_be_bytes([w[2], w[3]]));
            }
            sum += u32::from(proto) + payload.len() as u32;
            let mut c = checksum(sum, payload);
            if proto == 17 && c == 0 {
                c = 0xffff;
            }
            payload[at..at + 2].copy_from_slice(&c.to_be_bytes());
        }
        // An ICMP error quotes the packet it answers: its addresses too.
        1 if payload.len() >= 28 && matches!(payload[0], 3 | 4 | 5 | 11 | 12) => {
            let quoted = &mut payload[8..];
            let qihl = usize::from(quoted[0] & 0x0f) * 4;
            if qihl >= 20 && quoted.len() >= qihl && swap_addresses(quoted, from, to) {
                fix_ip_checksum(quoted, qihl);
            }
            payload[2] = 0;
            payload[3] = 0;
            let c = checksum(0, payload);
            payload[2..4].copy_from_slice(&c.to_be_bytes());
        }
        _ => {}
    }
}
