#!/usr/bin/env bash
# Throughput and peak memory of `arcaudit flows` and `arcaudit audit` beside tshark on the 1.6 GB benchmark
# capture made by ../shared/bench/make_bench_capture.sh. A benchmark, not a test: it prints
# numbers and ratios; nothing here fails on a slow machine.
#
#   benches/compare_tshark.sh [WORKDIR]     (default WORKDIR: /tmp/arcaudit-bench)
#
# Needs: hyperfine, /usr/bin/time (package "time"), tshark; installs them with apt-get
# when missing and run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared="$here/../shared/bench"
work=${1:-/tmp/arcaudit-bench}
mkdir -p "$work"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need hyperfine || ! [ -x /usr/bin/time ] || ! need tshark; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine time tshark >/dev/null
  else
    echo "install hyperfine, time and tshark first" >&2; exit 1
  fi
fi

[ -f "$work/bench.pcap" ] || "$shared/make_bench_capture.sh" "$work"
cargo build --release --manifest-path "$here/Cargo.toml" >/dev/null
bin="$here/target/release/arcaudit"
size=$(stat -c %s "$work/bench.pcap")
cat "$work/bench.pcap" "$work/bench.pcapng" > /dev/null   # page cache

echo "== time (one core for arcaudit: --threads 1)"
hyperfine -N --warmup 1 --runs 5 --export-json "$work/hyperfine.json" \
  "$bin flows --threads 1 --quiet --format ndjson $work/bench.pcap" \
  "$bin flows --threads 1 --quiet --format ndjson $work/bench.pcapng" \
  "$bin audit --threads 1 --quiet --fail-on never --format json $work/bench.pcap" \
  "cat $work/bench.pcap"
echo "== audit of two files: one thread, then two (both cores)"
hyperfine -N --runs 3 \
  "$bin audit --threads 1 --quiet --fail-on never $work/bench.pcap $work/bench.pcapng" \
  "$bin audit --threads 2 --quiet --fail-on never $work/bench.pcap $work/bench.pcapng"
hyperfine -N --runs 1 --export-json "$work/hyperfine-tshark.json" \
  "$shared/tshark_hello.sh $work/bench.pcap"

echo "== peak RSS"
for f in bench.pcap bench.pcapng; do
  /usr/bin/time -v "$bin" flows --threads 1 --quiet --format ndjson "$work/$f" 2> "$work/time-$f.txt" > /dev/null
  grep -E "Maximum resident" "$work/time-$f.txt" | sed "s|^|flows $f: |"
done
/usr/bin/time -v "$bin" audit --threads 1 --quiet --fail-on never "$work/bench.pcap" 2> "$work/time-audit.txt" > /dev/null
grep -E "Maximum resident" "$work/time-audit.txt" | sed "s|^|audit bench.pcap: |"
/usr/bin/time -v "$shared/tshark_hello.sh" "$work/bench.pcap" 2> "$work/time-tshark.txt" > /dev/null
grep -E "Maximum resident" "$work/time-tshark.txt" | sed "s|^|tshark: |"

python3 - "$work" "$size" <<'PY'
import json, sys
work, size = sys.argv[1], int(sys.argv[2])
runs = json.load(open(f"{work}/hyperfine.json"))["results"]
tshark = json.load(open(f"{work}/hyperfine-tshark.json"))["results"][0]["median"]
for r in runs:
    mbps = size / r["median"] / 1e6
    print(f"{r['command'][:70]:70s} {mbps:8.0f} MB/s  {tshark / r['median']:6.1f}x tshark")
print(f"{'tshark_hello.sh':70s} {size / tshark / 1e6:8.0f} MB/s")
PY
