#!/usr/bin/python3
"""Turns a classic pcap taken on the Arc host into what Windows Packet Monitor's
`pktmon etl2pcap` writes: a pcapng in which every packet appears once per network-stack
component it crossed, each copy with Packet Monitor's per-packet comment (its text format:
"PktGroupId N, PktNumber 1, Appearance K, Direction Tx , Type Ethernet , Component C, Edge E,
Filter 1, OriginalSize L, LoggedSize L"; a drop starts with "Drop: " and adds DropReason and
DropLocation). Standard library only.

Paths (component ids as a Windows Server VM shows them in `pktmon list`):
  sent by the host:     12 TCPIP -> 34 WFP Native MAC Layer LightWeight Filter -> 78 NIC
  received by the host: 78 NIC -> 34 filter -> 12 TCPIP
Above the NIC Packet Monitor logs the destination MAC as zeros (as in the real PktMon.cap
of ../shared/corpus/g_windows/demikernel), so the copies differ in the link header only.

--drop-syn PORT: every SYN the host sends to PORT is dropped at component 34 (its last
appearance is a drop report: reason 909, NL_InspectionDrop, the IP layer's inspection
discard that WFP filters cause; location 0xE0004142), as a WFP block of the connection shows.
--drop-to ADDR: only those to ADDR (as written in IN.pcap, after rewrite.py).
--no-comments: the same copies without comments (older pktmon, like PktMon.cap).

usage: pktmon_pcapng.py IN.pcap OUT.pcapng [--host 10.1.0.4] [--drop-syn 443 [--drop-to ADDR]]
                        [--no-comments]
"""
import argparse
import ipaddress
import struct

TX_PATH = [(12, 1), (34, 2), (78, 1)]
RX_PATH = [(78, 1), (34, 1), (12, 1)]
WFP = 34
DROP_REASON = 909
DROP_LOCATION = 0xE0004142
FIRST_GROUP = 562949953421500


def read_pcap(path):
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit(f"{path}: not a classic pcap")
    nanos = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit(f"{path}: link type {linktype}, Ethernet expected")
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        yield sec * 1_000_000_000 + (frac if nanos else frac * 1000), orig, pkt


def ip_fields(pkt):
    """(src, dst, protocol, tcp flags or None, dst port or None) of an Ethernet/IPv4 frame."""
    if len(pkt) < 34 or pkt[12:14] != b"\x08\x00":
        return None
    ihl = (pkt[14] & 0x0F) * 4
    proto = pkt[23]
    src = ipaddress.ip_address(pkt[26:30])
    dst = ipaddress.ip_address(pkt[30:34])
    l4 = 14 + ihl
    flags = pkt[l4 + 13] if proto == 6 and len(pkt) >= l4 + 14 else None
    dport = struct.unpack(">H", pkt[l4 + 2:l4 + 4])[0] if proto in (6, 17) and len(pkt) >= l4 + 4 else None
    return src, dst, proto, flags, dport


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def option(code, value):
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--host", default="10.1.0.4")
    ap.add_argument("--drop-syn", type=int)
    ap.add_argument("--drop-to", type=ipaddress.ip_address)
    ap.add_argument("--no-comments", action="store_true")
    a = ap.parse_args()
    host = ipaddress.ip_address(a.host)
    out = bytearray()
    out += block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    # Ethernet, no snaplen, nanosecond timestamps (if_tsresol 9).
    out += block(1, struct.pack("<HHI", 1, 0, 0) + option(9, b"\x09") + option(0, b""))
    group = FIRST_GROUP
    for ts, orig, pkt in read_pcap(a.inp):
        f = ip_fields(pkt)
        tx = f is not None and f[0] == host
        path = TX_PATH if tx else RX_PATH
        drop_here = (
            a.drop_syn is not None and tx and f[2] == 6 and f[3] is not None
            and f[3] & 0x12 == 0x02 and f[4] == a.drop_syn
            and (a.drop_to is None or f[1] == a.drop_to)
        )
        if drop_here:
            path = path[: [c for c, _ in path].index(WFP) + 1]
        for k, (comp, edge) in enumerate(path, start=1):
            copy = pkt
            if comp != 78:
                copy = b"\0" * 6 + pkt[6:]
            is_drop = drop_here and comp == WFP
            text = (
                f"PktGroupId {group}, PktNumber 1, Appearance {k}, "
                f"Direction {'Tx' if tx else 'Rx'} , Type Ethernet , Component {comp}, "
                f"Edge {edge}, Filter 1, "
            )
            if is_drop:
                text = "Drop: " + text + f"DropReason {DROP_REASON} , DropLocation {DROP_LOCATION:#010X}, "
            text += f"OriginalSize {orig}, LoggedSize {len(copy)}"
            t = ts + (k - 1) * 1000  # copies 1 us apart
            opts = b"" if a.no_comments else option(1, text.encode()) + option(0, b"")
            body = struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, len(copy), orig)
            body += copy + b"\0" * (-len(copy) % 4) + opts
            out += block(6, body)
        group += 1
    open(a.out, "wb").write(out)


if __name__ == "__main__":
    main()
