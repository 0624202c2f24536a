#!/usr/bin/python3
"""Minimal DNS responder that answers every query with a fixed RCODE and no records.

Used as the dead-ish upstream of dnsmasq for the SERVFAIL sample (dnsmasq relays the
upstream's SERVFAIL to the Arc host). usage: dnsrcode.py ADDR RCODE
"""
import socket
import sys


def main():
    addr, rcode = sys.argv[1], int(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        q, peer = s.recvfrom(4096)
        if len(q) < 12:
            continue
        flags = 0x8000 | (q[2] & 0x79) << 8 | 0x0080 | rcode  # QR, opcode+RD copied, RA
        # Echo the question section only: qdcount kept, an/ns/ar zero. An EDNS OPT in the
        # query's additional section is dropped with it.
        end = 12
        while end < len(q) and q[end] != 0:
            end += q[end] + 1
        end += 5
        s.sendto(q[:2] + flags.to_bytes(2, "big") + q[4:6] + b"\0" * 6 + q[12:end], peer)


if __name__ == "__main__":
    main()
