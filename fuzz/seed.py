"""Derives per-target seeds from small capture files (called by seed.sh).

capture_reader: the files as they are, plus some prefixed with b"G"/b"Z" (the target
gzip/zstd-wraps the rest). pipeline: the files as they are. decode: the first frames of
each classic pcap in the target's recipe format. tls_stream/http: TCP payloads of TLS/HTTP
conversations (tshark) in the common::Chunks format. dns: UDP DNS messages.
tls_certificate: certificate DER from TLS Certificate messages. side_files (when the corpus
folder is given as a third argument): cut-down copies of its service-tag files (selector byte
0x00) and the built-in catalog (0x01), each under libFuzzer's -max_len.
"""
import hashlib
import json
import os
import struct
import subprocess
import sys
from collections import defaultdict

out, listing = sys.argv[1], sys.argv[2]
files = [l.strip() for l in open(listing) if l.strip()]
counts = defaultdict(int)
for t in os.listdir(out):  # seeds from an earlier run count towards the caps
    if os.path.isdir(os.path.join(out, t)):
        counts[t] = len(os.listdir(os.path.join(out, t)))
LIMIT = 400  # seeds per target (tshark-derived ones: TSHARK_CAP)


def put(target, data):
    if counts[target] >= LIMIT or not data:
        return
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(out, target, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        counts[target] += 1


def chunks(pieces):
    """common::Chunks encoding: header byte (0x80 = server), length (127 + u16 BE if long)."""
    b = bytearray()
    for server, p in pieces:
        p = p[:65535]
        if len(p) < 127:
            b.append((0x80 if server else 0) | len(p))
        else:
            b.append((0x80 if server else 0) | 127)
            b += struct.pack(">H", len(p))
        b += p
    return bytes(b)


LINKTYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276]


def pcap_frames(path, maxn=24):
    try:
        d = open(path, "rb").read()
    except OSError:
        return None, []
    if len(d) < 24:
        return None, []
    magic = d[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None, []
    lt = struct.unpack(e + "I", d[20:24])[0] & 0x0FFFFFFF
    off, frames = 24, []
    while off + 16 <= len(d) and len(frames) < maxn:
        incl = struct.unpack(e + "I", d[off + 8 : off + 12])[0]
        frames.append(d[off + 16 : off + 16 + incl])
        off += 16 + incl
    return lt, frames


def tshark(path, filt, fields):
    cmd = ["tshark", "-r", path, "-Y", filt, "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return []
    return [l.split("\t") for l in r.stdout.splitlines()]


def streams(path, filt):
    by = defaultdict(list)
    for row in tshark(path, filt + " && tcp.len > 0", ["tcp.stream", "tcp.srcport", "tcp.payload"]):
        if len(row) < 3 or not row[2]:
            continue
        try:
            payload = bytes.fromhex(row[2].replace(":", ""))
        except ValueError:
            continue
        by[row[0]].append((row[1], payload))
    for pkts in by.values():
        client_port = pkts[0][0]
        yield chunks([(sp != client_port, p) for sp, p in pkts])


TSHARK_CAP = 60  # stop running tshark for a target once it has this many seeds


def wants(*targets):
    return any(counts[t] < TSHARK_CAP for t in targets)


# Pass 1, no tshark: raw captures and decode recipes.
for path in files:
    data = open(path, "rb").read()
    put("capture_reader", data)
    put("pipeline", data)
    if counts["capture_reader"] % 5 == 0:
        put("capture_reader", b"G" + data)
        put("capture_reader", b"Z" + data)
    lt, frames = pcap_frames(path)
    if lt is not None and lt in LINKTYPES and frames:
        rec = bytearray([0x35])
        for fr in frames:
            rec += bytes([LINKTYPES.index(lt), 1]) + struct.pack("<H", min(len(fr), 0x3FFF)) + fr[:0x3FFF]
        put("decode", bytes(rec))

# Pass 2: application payloads via tshark, until each target has enough seeds.
for path in files:
    low = path.lower()
    if ("tls" in low or "ssl" in low or "ja4" in low) and wants("tls_stream", "tls_certificate"):
        by = defaultdict(list)
        for row in tshark(path, "tls", ["tcp.stream", "tcp.srcport", "tcp.payload",
                                        "tls.handshake.certificate"]):
            row += [""] * (4 - len(row))
            if row[2]:
                try:
                    payload = bytes.fromhex(row[2].replace(":", ""))
                except ValueError:
                    continue
                by[row[0]].append((row[1], payload))
            for h in row[3].split(","):
                try:
                    put("tls_certificate", bytes.fromhex(h.replace(":", "")))
                except ValueError:
                    pass
        for pkts in by.values():
            client_port = pkts[0][0]
            put("tls_stream", chunks([(sp != client_port, p) for sp, p in pkts]))
    if "dns" in low and wants("dns"):
        for row in tshark(path, "dns && udp", ["udp.payload"]):
            try:
                put("dns", bytes.fromhex(row[0].replace(":", "")))
            except ValueError:
                pass
        for s in streams(path, "dns"):
            put("dns", s)
    if ("http" in low or "proxy" in low) and wants("http"):
        for s in streams(path, "http || tcp.port == 3128 || tcp.port == 8080"):
            put("http", s)

# Side files: the fuzz target's first byte modulo 3 picks the loader (0: service tags,
# 1: catalog, 2: a --suppress list).
if len(sys.argv) > 3:
    tags_dir = os.path.join(sys.argv[3], "service-tags")
    for name in sorted(os.listdir(tags_dir)) if os.path.isdir(tags_dir) else []:
        if not name.lower().endswith(".json"):
            continue
        with open(os.path.join(tags_dir, name), encoding="utf-8") as f:
            doc = json.load(f)
        values = doc.get("values", [])
        # Several cuts per file: few tags with many prefixes, many tags with few, and the
        # Arc tags (nested inside AzureCloud) together with AzureCloud.
        picks = [values[:4], values[:40], [v for v in values if "Arc" in v.get("name", "")
                                           or v.get("name") == "AzureCloud"]]
        for keep in (3, 24):
            for vs in picks:
                cut = dict(doc, values=[dict(v, properties=dict(
                    v["properties"], addressPrefixes=v["properties"]["addressPrefixes"][:keep]))
                    for v in vs])
                data = json.dumps(cut, separators=(",", ":")).encode()
                if len(data) < 60000:
                    put("side_files", b"\x00" + data)
catalog = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "model", "catalog.json")
if os.path.exists(catalog):
    with open(catalog, "rb") as f:
        data = f.read()
    if len(data) < 65000:
        put("side_files", b"\x01" + data)

# --suppress lists: valid ones (rule ids with and without an endpoint id or a name the
# catalog knows, comments, blank lines) and the errors (unknown rule, unknown endpoint, a
# third word, a control character).
for text in [
    "syn-unanswered\n",
    "# accepted while the proxy is replaced\nsyn-unanswered public.his\n\nreset-after-client-hello gbl.his.arc.azure.com # ok\n",
    "tls-interception public.arm\nsyn-unanswered   public.login\t\n",
    "syn-unansered\n",
    "syn-unanswered nowhere.example\n",
    "syn-unanswered public.his extra\n",
    "syn-unanswered \x1b[2Jevil\r\n",
]:
    put("side_files", b"\x02" + text.encode())

for t in sorted(counts):
    print(f"{t}: {counts[t]} seeds")
