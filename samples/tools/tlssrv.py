#!/usr/bin/python3
"""Small TLS/TCP test server for arcaudit's sample captures (Python ssl = OpenSSL 3.0).

Modes:
  http   TLS handshake, read one HTTP request, answer a short JSON body, close_notify + FIN
  plain  no TLS: read one HTTP request, answer it (port-80 samples)
  stall  accept, read the ClientHello, never answer (client gives up)
  rst    accept, read the ClientHello, then close with RST (SO_LINGER 0), like an SNI filter
Runs until killed; every connection is served in its own thread.
"""
import argparse
import socket
import ssl
import struct
import threading
import time

VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 16384:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def answer(conn, req, name):
    first = req.split(b"\r\n", 1)[0].decode("latin-1", "replace")
    body = ('{"server":"%s","request":"%s"}\n' % (name, first.replace('"', "'"))).encode()
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body) + body
    )


def serve(args, ctx, raw):
    try:
        if args.mode == "stall":
            raw.recv(16384)
            time.sleep(args.stall)
            raw.close()
            return
        if args.mode == "rst":
            raw.recv(16384)
            time.sleep(0.05)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raw.close()
            return
        if args.mode == "plain":
            req = read_request(raw)
            if req:
                answer(raw, req, args.name)
            raw.shutdown(socket.SHUT_WR)
            raw.recv(1024)
            raw.close()
            return
        conn = ctx.wrap_socket(raw, server_side=True)
        req = read_request(conn)
        if req:
            answer(conn, req, args.name)
        # Clean close without a race: a client that closes after the response (curl)
        # sends close_notify + FIN first and gets a plain FIN back; a client that waits
        # for the server (s_client -quiet) gets close_notify after a second, answers with
        # its own, and only then do both sides send FIN. Either way no data meets a
        # closed socket, so no RST.
        conn.settimeout(1.0)
        try:
            if conn.recv(1024) == b"":
                conn.close()
                return
        except (socket.timeout, ssl.SSLError, OSError):
            pass
        conn.settimeout(5.0)
        try:
            conn = conn.unwrap()  # send close_notify, wait for the peer's
        except (ssl.SSLError, OSError):
            pass
        conn.close()
    except (ssl.SSLError, OSError) as e:
        print("tlssrv %s: %s" % (args.bind, e), flush=True)
        try:
            raw.close()
        except OSError:
            pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bind", required=True, help="address (v4 or v6)")
    p.add_argument("--port", type=int, default=443)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--name", default="test")
    p.add_argument("--mode", default="http", choices=["http", "plain", "stall", "rst"])
    p.add_argument("--min", default="1.2")
    p.add_argument("--max", default="1.3")
    p.add_argument("--ciphers", help="TLS<=1.2 cipher string")
    p.add_argument("--stall", type=float, default=30.0)
    args = p.parse_args()
    ctx = None
    if args.mode == "http":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        if args.ciphers:
            ctx.set_ciphers(args.ciphers)
        ctx.minimum_version = VERSIONS[args.min]
        ctx.maximum_version = VERSIONS[args.max]
        ctx.options |= ssl.OP_NO_TICKET  # keep captures short: no session tickets
        ctx.num_tickets = 0
    fam = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.bind, args.port))
    s.listen(16)
    while True:
        raw, _ = s.accept()
        threading.Thread(target=serve, args=(args, ctx, raw), daemon=True).start()


if __name__ == "__main__":
    main()
