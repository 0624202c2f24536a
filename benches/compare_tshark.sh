#!/usr/bin/env bash
# Throughput and peak memory of `arcaudit flows` and `arcaudit audit` beside tshark on the 1.6 GB
# benchmark capture made by ../shared/bench/make_bench_capture.sh, all in one run, and the
# scaling of `audit` across files from one core to two. A benchmark, not a test: it prints a
# table and ratios; nothing here fails on a slow machine.
#
#   benches/compare_tshark.sh [WORKDIR] [RUNS]   (defaults: /tmp/arcaudit-bench, 3)
#
# Every figure comes from /usr/bin/time (GNU time) around one process: CPU time is user +
# system (the kernel's copy of the file into our buffer is part of the work), MB/s are
# capture bytes / seconds, peak RSS is the kernel's maxrss. arcaudit runs RUNS times and its
# median (by CPU time) is shown; tshark once (it takes minutes and gigabytes). The machine
# load at the start and the end is printed beside the table: quote ratios, not absolute
# times, from a shared machine.
#
# Scaling: bench.pcap cut into 4 parts at record boundaries (each about 400 MB), audited as
# one run with --threads 1 and --threads 2; the speed-up is the ratio of the fastest wall
# times (a run whose second core another process took says nothing about our threads; every
# wall time is printed beside it). Memory: both commands again on the first 200 MB.
# docs/performance.md holds the last table and where the time goes.
#
# Needs: GNU time (package "time"), tshark, python3; installs the first two with apt-get when
# missing and run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared="$here/../shared/bench"
work=${1:-/tmp/arcaudit-bench}
runs=${2:-3}
mkdir -p "$work"

need() { command -v "$1" >/dev/null 2>&1; }
if ! [ -x /usr/bin/time ] || ! need tshark; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time tshark >/dev/null
  else
    echo "install time and tshark first" >&2; exit 1
  fi
fi

cap="$work/bench.pcap"
[ -f "$cap" ] || "$shared/make_bench_capture.sh" "$work"
rm -f "$work/bench.pcapng"   # made by the script beside bench.pcap; not measured here
if ! [ -f "$work/part3.pcap" ] || ! [ -f "$work/prefix200.pcap" ]; then
  python3 - "$cap" "$work" <<'PY'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
size = os.path.getsize(src)
with open(src, "rb") as f:
    head = f.read(24)
    le = head[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
    for i in range(4):
        with open(f"{out}/part{i}.pcap", "wb") as o:
            o.write(head)
            written = 24
            while True:
                rec = f.read(16)
                if len(rec) < 16:
                    break
                incl = struct.unpack("<I" if le else ">I", rec[8:12])[0]
                o.write(rec)
                o.write(f.read(incl))
                written += 16 + incl
                if i < 3 and written >= size // 4:
                    break
    # The first 200 MB, cut at a record boundary: does peak memory follow the file's size?
    f.seek(24)
    with open(f"{out}/prefix200.pcap", "wb") as o:
        o.write(head)
        written = 24
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            incl = struct.unpack("<I" if le else ">I", rec[8:12])[0]
            if written + 16 + incl > 200_000_000:
                break
            o.write(rec)
            o.write(f.read(incl))
            written += 16 + incl
PY
fi

bin=${ARCAUDIT_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --manifest-path "$here/Cargo.toml" >/dev/null
  bin="$here/target/release/arcaudit"
fi
size=$(stat -c %s "$cap")
parts_size=$(cat "$work"/part?.pcap | wc -c)
cat "$cap" "$work"/part?.pcap > /dev/null   # page cache

# measure NAME BYTES CMD...: one line "name bytes wall user sys maxrss_kb" in $work/times.tsv
measure() {
  local name=$1 bytes=$2
  shift 2
  /usr/bin/time -o "$work/time.txt" -f "%e %U %S %M" "$@" > /dev/null
  echo "$name $bytes $(cat "$work/time.txt")" >> "$work/times.tsv"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$work/times.tsv"
for _ in $(seq "$runs"); do
  measure "arcaudit flows (ndjson)" "$size" "$bin" flows --threads 1 --quiet --format ndjson "$cap"
  measure "arcaudit audit (json)" "$size" "$bin" audit --threads 1 --quiet --fail-on never --format json "$cap"
  measure "audit 4 parts, --threads 1" "$parts_size" "$bin" audit --threads 1 --quiet --fail-on never --format json "$work"/part?.pcap
  measure "audit 4 parts, --threads 2" "$parts_size" "$bin" audit --threads 2 --quiet --fail-on never --format json "$work"/part?.pcap
done
prefix="$work/prefix200.pcap"
measure "flows, 200 MB prefix" "$(stat -c %s "$prefix")" "$bin" flows --threads 1 --quiet --format ndjson "$prefix"
measure "audit, 200 MB prefix" "$(stat -c %s "$prefix")" "$bin" audit --threads 1 --quiet --fail-on never --format json "$prefix"
measure "tshark_hello.sh" "$size" "$shared/tshark_hello.sh" "$cap"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$work/times.tsv" "$load_before" "$load_after" "$(nproc)" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    *name, size, wall, user, sys_, rss = line.split()
    rows.setdefault(" ".join(name), []).append(
        (float(user) + float(sys_), float(wall), float(user), float(sys_), int(rss), int(size)))

def median(runs):
    runs = sorted(runs)
    return runs[(len(runs) - 1) // 2]

table = {name: median(runs) for name, runs in rows.items()}
tshark = table["tshark_hello.sh"]
print(f"load average before {sys.argv[2]}, after {sys.argv[3]}; {sys.argv[4]} cores")
print()
print("| program | MB/s of CPU time | CPU s (user + sys) | MB/s wall | wall s | peak RSS MiB | CPU time vs tshark |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name in ["arcaudit flows (ndjson)", "arcaudit audit (json)", "tshark_hello.sh"]:
    cpu, wall, user, sys_, rss, size = table[name]
    print(f"| {name} | {size / cpu / 1e6:,.0f} | {cpu:.2f} ({user:.2f} + {sys_:.2f}) "
          f"| {size / wall / 1e6:,.0f} | {wall:.2f} | {rss / 1024:,.0f} | {tshark[0] / cpu:,.0f}x |")
# Scaling by the fastest wall time of each: on a shared machine a run whose second core was
# taken by another process says nothing about our threads (every run is in times.tsv).
one = min(rows["audit 4 parts, --threads 1"], key=lambda r: r[1])
two = min(rows["audit 4 parts, --threads 2"], key=lambda r: r[1])
walls = lambda name: ", ".join(f"{r[1]:.2f}" for r in rows[name])
print()
print(f"audit of 4 parts ({one[5] / 1e6:,.0f} MB), fastest of {len(rows['audit 4 parts, --threads 1'])}: "
      f"--threads 1 {one[1]:.2f} s wall ({one[0]:.2f} s CPU, {one[4] / 1024:,.0f} MiB), "
      f"--threads 2 {two[1]:.2f} s wall ({two[0]:.2f} s CPU, {two[4] / 1024:,.0f} MiB): "
      f"{one[1] / two[1]:.2f}x on 2 threads")
print(f"  all walls, --threads 1: {walls('audit 4 parts, --threads 1')}; "
      f"--threads 2: {walls('audit 4 parts, --threads 2')}")
for cmd in ["flows", "audit"]:
    small = table[f"{cmd}, 200 MB prefix"]
    big = table[f"arcaudit {cmd} ({'ndjson' if cmd == 'flows' else 'json'})"]
    print(f"peak RSS of {cmd}: {small[4] / 1024:,.0f} MiB on the 200 MB prefix, "
          f"{big[4] / 1024:,.0f} MiB on the whole {big[5] / 1e9:.1f} GB")
PY
