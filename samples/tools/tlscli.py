#!/usr/bin/python3
"""Python ssl (OpenSSL 3.0) TLS client for the sample captures: one GET, read to close.

usage: tlscli.py IP PORT SNI --cafile CA [--min 1.2] [--max 1.3] [--ciphers STR]
"""
import argparse
import socket
import ssl

V = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("ip")
    p.add_argument("port", type=int)
    p.add_argument("sni")
    p.add_argument("--cafile", required=True)
    p.add_argument("--min", default="1.2")
    p.add_argument("--max", default="1.3")
    p.add_argument("--ciphers")
    a = p.parse_args()
    ctx = ssl.create_default_context(cafile=a.cafile)
    ctx.minimum_version, ctx.maximum_version = V[a.min], V[a.max]
    if a.ciphers:
        ctx.set_ciphers(a.ciphers)
    raw = socket.create_connection((a.ip, a.port), timeout=5)
    with ctx.wrap_socket(raw, server_hostname=a.sni) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: python-ssl\r\n\r\n" % a.sni.encode())
        data = b""
        try:
            while True:
                c = s.recv(4096)
                if not c:
                    break
                data += c
        except ssl.SSLError:
            pass
        print("tlscli: %s %s, %d bytes" % (s.version(), s.cipher()[0], len(data)))


if __name__ == "__main__":
    main()
