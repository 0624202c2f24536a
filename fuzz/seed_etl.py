#!/usr/bin/env python3
"""Seeds for the `etl` fuzz target (see fuzz/fuzz_targets/etl.rs for the selector byte).

Usage: seed_etl.py CORPUS_DIR [ETL_FILE...]
Every ETL file given (the real Packet Monitor file, and the files tests/etl_windows.rs writes
when ETL_FUZZ_SEEDS is set, which already carry selector 0) becomes: the whole file (selector
0), the events of each plain buffer (1), and each compressed buffer's stream behind its u16
decompressed length (2 for Plain LZ77, 3 for LZ77+Huffman) when that length fits.
"""
import os
import struct
import sys


def buffers(data):
    at = 0
    while at + 0x48 <= len(data):
        size = struct.unpack_from("<I", data, at)[0]
        if size < 0x48 or at + size > len(data):
            return
        state, end = struct.unpack_from("<II", data, at + 0x2C)
        flag = struct.unpack_from("<H", data, at + 0x34)[0]
        yield data[at : at + size], state & 0xFFFF, end, flag
        at += size


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0
    for path in sys.argv[2:]:
        data = open(path, "rb").read()
        if data[:1] == b"\0" and path.startswith(out):
            data = data[1:]
        else:
            open(os.path.join(out, "file-" + os.path.basename(path)), "wb").write(b"\0" + data)
        for buf, state, end, flag in buffers(data):
            n += 1
            if flag & 0x40:
                plain_len = end - 0x48
                if 0 <= plain_len <= 0xFFFF and state in (3, 4):
                    sel = b"\x02" if state == 3 else b"\x03"
                    seed = sel + struct.pack("<H", plain_len) + buf[0x48:]
                    open(os.path.join(out, f"stream-{n}"), "wb").write(seed)
            elif end <= len(buf):
                open(os.path.join(out, f"events-{n}"), "wb").write(b"\x01" + buf[0x48:end])


main()
