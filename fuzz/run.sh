#!/usr/bin/env bash
# Runs fuzz targets one after another (default: all), each for $SECS seconds (default 600),
# logging to fuzz/logs/<target>.log and appending one summary line per run to
# fuzz/logs/runs.tsv: target, seconds, executions, corpus files, crash artifacts.
# Stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass -Zsanitizer=address (see
# docs/fuzzing.md); set SANITIZER=none to build without ASan instead.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
secs="${SECS:-600}"
san="${SANITIZER:-address}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(capture_reader decode reassembly tls_stream tls_certificate dns http pipeline side_files etl)
mkdir -p logs
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    before=$(ls "artifacts/$t" | wc -l)
    start=$(date +%s)
    RUSTC_BOOTSTRAP=1 cargo fuzz run -s "$san" -a "$t" "corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
        -print_final_stats=1 > "logs/$t.log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' | tail -1)
    crashes=$(( $(ls "artifacts/$t" | wc -l) - before ))
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$took" "${execs:-?}" "$(ls "corpus/$t" | wc -l)" \
        "$crashes" "rc=$rc" | tee -a logs/runs.tsv
done
