#!/usr/bin/python3
"""Offline rewrite of a classic pcap made in the sample namespaces (stdlib only).

The captures are taken between network namespaces on this machine, with test
addresses; this maps them to the addresses a real Arc host would see (10.1.0.4 for
the host, Azure service-tag addresses for the endpoints) without ever sending a
packet to those addresses. It rewrites, for IPv4:
  * the IP source and destination, and the header checksum;
  * DNS answers' A records (UDP port 53), so the names resolve to the mapped addresses;
  * the IP header quoted inside ICMP errors, and the ICMP checksum;
  * TCP and UDP checksums (this also repairs checksums left partial by veth offload);
and shifts the timestamps so the first packet is at --epoch (relative timing is kept).
Link types: EN10MB (1), LINUX_SLL (113), LINUX_SLL2 (276), RAW (101).

usage: rewrite.py IN OUT --map OLD=NEW[,OLD=NEW...] [--epoch SECONDS]
"""
import argparse
import ipaddress
import struct


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def l3_offset(linktype, frame):
    """Offset of the IP header and its ethertype, or (None, None)."""
    if linktype == 1:
        off, et = 14, struct.unpack("!H", frame[12:14])[0]
        while et == 0x8100 and len(frame) >= off + 4:
            et = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
        return off, et
    if linktype == 113:
        return 16, struct.unpack("!H", frame[14:16])[0]
    if linktype == 276:
        return 20, struct.unpack("!H", frame[0:2])[0]
    if linktype == 101:
        return 0, 0x0800 if frame[0] >> 4 == 4 else 0x86DD
    return None, None


def map4(addr, m):
    return m.get(addr, addr)


def rewrite_dns(payload, m):
    """Replace A-record rdata (rdlength 4) in a DNS message by walking its records."""
    p = bytearray(payload)
    if len(p) < 12:
        return bytes(p)
    qd, an, ns, ar = struct.unpack("!HHHH", p[4:12])
    i = 12

    def skip_name(i):
        while i < len(p):
            n = p[i]
            if n == 0:
                return i + 1
            if n & 0xC0 == 0xC0:
                return i + 2
            i += n + 1
        return len(p)

    for _ in range(qd):
        i = skip_name(i) + 4
    for _ in range(an + ns + ar):
        i = skip_name(i)
        if i + 10 > len(p):
            break
        rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", p[i:i + 10])
        i += 10
        if rtype == 1 and rdlen == 4 and i + 4 <= len(p):
            p[i:i + 4] = map4(bytes(p[i:i + 4]), m)
        i += rdlen
    return bytes(p)


def fix_l4(proto, src, dst, seg, pseudo_v6=False):
    seg = bytearray(seg)
    if pseudo_v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), proto)
    else:
        pseudo = src + dst + struct.pack("!xBH", proto, len(seg))
    if proto == 6 and len(seg) >= 20:
        seg[16:18] = b"\0\0"
        seg[16:18] = struct.pack("!H", csum(pseudo + bytes(seg)))
    elif proto == 17 and len(seg) >= 8:
        seg[6:8] = b"\0\0"
        c = csum(pseudo + bytes(seg))
        seg[6:8] = struct.pack("!H", c or 0xFFFF)
    elif proto == 58 and len(seg) >= 4:
        seg[2:4] = b"\0\0"
        seg[2:4] = struct.pack("!H", csum(pseudo + bytes(seg)))
    return bytes(seg)


def rewrite_ip4(pkt, m):
    ihl = (pkt[0] & 0x0F) * 4
    total = struct.unpack("!H", pkt[2:4])[0]
    hdr = bytearray(pkt[:ihl])
    src, dst = map4(bytes(hdr[12:16]), m), map4(bytes(hdr[16:20]), m)
    hdr[12:16], hdr[16:20] = src, dst
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", csum(bytes(hdr)))
    proto = hdr[9]
    seg = pkt[ihl:total] if total <= len(pkt) else pkt[ihl:]
    trailer = pkt[ihl + len(seg):]
    frag = struct.unpack("!H", pkt[6:8])[0] & 0x3FFF
    if frag:
        return bytes(hdr) + seg + trailer
    if proto == 17 and len(seg) >= 8:
        sport, dport = struct.unpack("!HH", seg[:4])
        if 53 in (sport, dport):
            seg = seg[:8] + rewrite_dns(seg[8:], m)
    if proto == 1 and len(seg) >= 8 + 20 and seg[0] in (3, 4, 5, 11, 12):
        inner = bytearray(seg[8:])
        iihl = (inner[0] & 0x0F) * 4
        if len(inner) >= iihl:
            inner[12:16] = map4(bytes(inner[12:16]), m)
            inner[16:20] = map4(bytes(inner[16:20]), m)
            inner[10:12] = b"\0\0"
            inner[10:12] = struct.pack("!H", csum(bytes(inner[:iihl])))
            itotal = struct.unpack("!H", inner[2:4])[0]
            if itotal == len(inner) and inner[9] in (6, 17):
                # The whole original datagram is quoted (Linux quotes up to 576 bytes):
                # its TCP/UDP checksum covers the mapped addresses, so redo it too.
                inner[iihl:] = fix_l4(inner[9], bytes(inner[12:16]), bytes(inner[16:20]),
                                      bytes(inner[iihl:]))
        seg = bytearray(seg[:8] + bytes(inner))
        seg[2:4] = b"\0\0"
        seg[2:4] = struct.pack("!H", csum(bytes(seg)))
        seg = bytes(seg)
    elif proto in (6, 17):
        seg = fix_l4(proto, src, dst, seg)
    return bytes(hdr) + seg + trailer


def rewrite_ip6(pkt):
    nxt = pkt[6]
    plen = struct.unpack("!H", pkt[4:6])[0]
    if nxt in (6, 17, 58) and 40 + plen <= len(pkt):
        seg = fix_l4(nxt, pkt[8:24], pkt[24:40], pkt[40:40 + plen], pseudo_v6=True)
        return pkt[:40] + seg + pkt[40 + plen:]
    return pkt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--map", default="")
    ap.add_argument("--epoch", type=int, default=1768467600)  # 2026-01-15T09:00:00Z
    a = ap.parse_args()
    m = {}
    for pair in filter(None, a.map.split(",")):
        old, new = pair.split("=")
        m[ipaddress.IPv4Address(old).packed] = ipaddress.IPv4Address(new).packed
    data = open(a.inp, "rb").read()
    magic = data[:4]
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        raise SystemExit("%s: expected a little-endian classic pcap" % a.inp)
    nano = magic == b"\x4d\x3c\xb2\xa1"
    linktype = struct.unpack("<I", data[20:24])[0]
    out = [data[:24]]
    pos = 24
    shift = None
    while pos + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack("<IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if shift is None:
            shift = a.epoch - sec
        sec += shift
        off, et = l3_offset(linktype, frame)
        if off is not None and len(frame) > off:
            try:
                if et == 0x0800:
                    frame = frame[:off] + rewrite_ip4(frame[off:], m)
                elif et == 0x86DD:
                    frame = frame[:off] + rewrite_ip6(frame[off:])
            except (struct.error, IndexError):
                pass  # leave a frame we cannot parse as it was
        out.append(struct.pack("<IIII", sec, frac, len(frame), orig) + frame)
    _ = nano
    open(a.out, "wb").write(b"".join(out))


if __name__ == "__main__":
    main()
