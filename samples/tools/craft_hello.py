#!/usr/bin/python3
"""Send a hand-built TLS ClientHello over a real TCP connection and record the answer.

For samples that no TLS library will produce: hostile SNI bytes (markup, ANSI escapes,
newlines), and offers of long-dead cipher suites (EXPORT, RC4, NULL, 3DES). The hello
is well-formed TLS; only the chosen values are unusual. Reads whatever the server sends
back for a moment, then closes (FIN). Randoms are derived from --seed so the hello
bytes are the same on every run.

usage: craft_hello.py HOST PORT --sni-hex HEX [--suites 0x0003,0x000a] [--tls13]
"""
import argparse
import hashlib
import socket
import struct
import time


def u8(b):
    return struct.pack("!B", len(b)) + b


def u16(b):
    return struct.pack("!H", len(b)) + b


def ext(kind, body):
    return struct.pack("!H", kind) + u16(body)


def client_hello(sni, suites, tls13, seed):
    rnd = hashlib.sha256(b"random" + seed).digest()
    sid = hashlib.sha256(b"session" + seed).digest() if tls13 else b""
    exts = b""
    if sni is not None:
        exts += ext(0, u16(b"\x00" + u16(sni)))  # server_name: host_name entry
    exts += ext(11, u8(b"\x00"))  # ec_point_formats: uncompressed
    exts += ext(10, u16(struct.pack("!HHH", 0x001D, 0x0017, 0x0018)))  # x25519, p256, p384
    sigalgs = [0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0201]
    exts += ext(13, u16(b"".join(struct.pack("!H", s) for s in sigalgs)))
    if tls13:
        exts += ext(43, u8(struct.pack("!HH", 0x0304, 0x0303)))  # supported_versions
        # A fixed x25519 public value: the server answers; the handshake cannot finish,
        # which is fine for a capture of the hello and the server's first flight.
        share = hashlib.sha256(b"share" + seed).digest()
        exts += ext(51, u16(struct.pack("!HH", 0x001D, 32) + share))
    body = struct.pack("!H", 0x0303) + rnd + u8(sid)
    body += u16(b"".join(struct.pack("!H", s) for s in suites))
    body += u8(b"\x00") + u16(exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + u16(hs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--sni-hex", help="SNI bytes as hex (to carry any byte)")
    p.add_argument("--suites", default="0x1302,0x1301,0xc030,0xc02f")
    p.add_argument("--tls13", action="store_true")
    p.add_argument("--seed", default="arcaudit")
    p.add_argument("--wait", type=float, default=1.0)
    a = p.parse_args()
    sni = bytes.fromhex(a.sni_hex) if a.sni_hex else None
    suites = [int(x, 16) for x in a.suites.split(",")]
    hello = client_hello(sni, suites, a.tls13, a.seed.encode())
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.create_connection((a.host, a.port), timeout=5)
    s.sendall(hello)
    got = b""
    end = time.time() + a.wait
    s.settimeout(0.2)
    while time.time() < end:
        try:
            c = s.recv(65536)
        except socket.timeout:
            continue
        if not c:
            break
        got += c
    print("craft_hello: sent %d bytes, received %d bytes, first: %s"
          % (len(hello), len(got), got[:7].hex()))
    s.close()


if __name__ == "__main__":
    main()
