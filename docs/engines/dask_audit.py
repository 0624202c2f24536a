#!/usr/bin/env python3
"""Fleet audit on Dask: the map step (one `arcaudit audit --format json` per capture) runs on
Dask workers, the reduce step (`arcaudit merge`) on the client. The merged fleet report is the
one a single `arcaudit audit --fleet` over the same captures gives (see docs/engines.md).

Dask schedules; arcaudit does the work: each task is one arcaudit process on one capture,
whose JSON report comes back to the client as text. Workers must see the captures at the
paths given (shared storage) and have the arcaudit binary at --arcaudit.

    dask_audit.py --arcaudit target/release/arcaudit --workers 2 samples/*.pcap
    dask_audit.py --scheduler tcp://10.0.0.5:8786 --arcaudit /opt/arcaudit /mnt/captures/*
"""

import argparse
import os
import subprocess
import sys
import tempfile

# Exit codes of `arcaudit audit` that still come with a complete JSON report: 0 (clean),
# 1 (findings), 2 (an input could not be read; the report says which). Anything else (3:
# usage error, a signal) means there is no report to merge.
REPORTED = (0, 1, 2)


def audit_one(arcaudit, capture, extra):
    """The map step, run on a worker: (worker process id, the JSON audit report of one
    capture as bytes)."""
    cmd = [arcaudit, "audit", "--format", "json", *extra, capture]
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode not in REPORTED or not done.stdout:
        err = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"{capture}: arcaudit exited {done.returncode}: {err}")
    return os.getpid(), done.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arcaudit", required=True, help="the arcaudit binary, as workers see it")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="address of a running Dask scheduler")
    where.add_argument("--workers", type=int, default=2,
                       help="start a local cluster of this many worker processes (default 2)")
    p.add_argument("--format", default="json", help="format of the merged report (merge --format)")
    p.add_argument("--audit-arg", action="append", default=[],
                   help="an argument passed to every `arcaudit audit` (repeat for several)")
    p.add_argument("--merge-arg", action="append", default=[],
                   help="an argument passed to `arcaudit merge` (repeat for several)")
    p.add_argument("captures", nargs="+")
    args = p.parse_args()

    from dask.distributed import Client, LocalCluster

    if args.scheduler:
        client = Client(args.scheduler)
        cluster = None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(audit_one, [args.arcaudit] * len(args.captures), args.captures,
                             [args.audit_arg] * len(args.captures), pure=False)
        results = client.gather(futures)
        reports = [text for _, text in results]
        workers = {pid for pid, _ in results}
        print(f"dask_audit: {len(reports)} captures audited by {len(workers)} worker processes",
              file=sys.stderr)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    # The reduce step: merge sorts what it reads, so the order the reports arrive in (or
    # their file names) does not change the result.
    with tempfile.TemporaryDirectory(prefix="arcaudit-dask-") as tmp:
        paths = []
        for i, text in enumerate(reports):
            path = os.path.join(tmp, f"report-{i:06}.json")
            with open(path, "wb") as f:
                f.write(text)
            paths.append(path)
        merged = subprocess.run([args.arcaudit, "merge", "--format", args.format,
                                 *args.merge_arg, *paths], check=False)
    return merged.returncode


if __name__ == "__main__":
    sys.exit(main())
