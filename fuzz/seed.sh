#!/usr/bin/env bash
# Builds the seed corpora in fuzz/corpus/<target>/ from the shared capture corpus
# (default ../../shared/corpus relative to this script, or $1). fuzz/corpus is git-ignored:
# seeds are derived at run time and never committed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${1:-$here/../../shared/corpus}"
[ -d "$src" ] || { echo "no corpus at $src" >&2; exit 1; }
out="$here/corpus"
mkdir -p "$out"/{capture_reader,decode,reassembly,tls_stream,tls_certificate,dns,http,pipeline,side_files}
# Small captures only (libFuzzer's -max_len is what matters, and big seeds slow every run).
find "$src" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.pcap.gz' \) \
    -size -64k | sort > "$out/.captures"
exec python3 "$here/seed.py" "$out" "$out/.captures" "$src"
