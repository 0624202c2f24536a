#!/usr/bin/env python3
"""Builds the service-tag snapshot compiled into arcaudit (src/model/tag_snapshot/).

Input: Microsoft's published "Azure IP Ranges and Service Tags" files, one per cloud
(ServiceTags_Public_YYYYMMDD.json, ServiceTags_AzureGovernment_..., ServiceTags_China_...),
by default the copies in ../shared/corpus/service-tags.

Output, per cloud: ServiceTags_<Cloud>_<YYYYMMDD>.json.zst beside this script, in the
published schema (changeNumber, cloud, values[].name, values[].properties.addressPrefixes)
reduced to the tags the audit reads:
  - every tag the Arc catalog names (src/model/catalog.json: any string that is a tag name in
    the file), with its regional variants (AzureArcInfrastructure.WestEurope, ...);
  - the services' own tags, where the endpoints really live (SERVICE_TAGS below), regional
    variants too;
  - AzureCloud (every Azure address of that cloud), without its regional variants.
Old snapshot files are removed, so exactly one file per cloud is embedded, and files.rs
(which names them for include_bytes!) is rewritten.

The output is deterministic for the same inputs (sorted tags, prefixes as published, zstd
level 19 without a checksum or dictionary), so a regenerated snapshot only changes when
Microsoft's data does.

    python3 src/model/tag_snapshot/make.py [DIR_WITH_SERVICETAGS_FILES]
"""
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
CATALOG = os.path.join(ROOT, "src", "model", "catalog.json")

# Where the services behind Arc endpoints live, beyond the tags the network page names:
# the guest notification service's Service Bus namespaces, extension downloads from Storage,
# guest configuration, and content behind Azure Front Door.
SERVICE_TAGS = [
    "AzureActiveDirectory",
    "AzureArcInfrastructure",
    "AzureFrontDoor.Frontend",
    "AzureKeyVault",
    "AzureMonitor",
    "AzureResourceManager",
    "AzureTrafficManager",
    "GuestAndHybridManagement",
    "ServiceBus",
    "Storage",
    "WindowsAdminCenter",
]
WHOLE_CLOUD = "AzureCloud"
FILE_RE = re.compile(r"^ServiceTags_(Public|AzureGovernment|China)_(\d{8})\.json$")


def catalog_strings():
    out = set()

    def walk(v):
        if isinstance(v, str):
            out.add(v)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)

    with open(CATALOG, encoding="utf-8") as f:
        walk(json.load(f))
    return out


def wanted(name, bases):
    if name == WHOLE_CLOUD:
        return True
    if name.startswith(WHOLE_CLOUD + "."):
        return False
    return any(name == b or name.startswith(b + ".") for b in bases)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "corpus", "service-tags")
    files = sorted(f for f in glob.glob(os.path.join(src, "ServiceTags_*.json")) if FILE_RE.match(os.path.basename(f)))
    if not files:
        sys.exit(f"no ServiceTags_<Cloud>_<YYYYMMDD>.json in {src}")
    newest = {}
    for f in files:
        cloud, date = FILE_RE.match(os.path.basename(f)).groups()
        if cloud not in newest or date > newest[cloud][0]:
            newest[cloud] = (date, f)
    names = catalog_strings()
    for old in glob.glob(os.path.join(HERE, "ServiceTags_*.json.zst")):
        os.remove(old)
    listing = []
    for cloud, (date, path) in sorted(newest.items()):
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
        all_names = {v["name"] for v in data["values"]}
        bases = sorted(set(SERVICE_TAGS) | {n for n in names if n in all_names})
        values = []
        prefixes = 0
        for v in sorted(data["values"], key=lambda v: v["name"]):
            if not wanted(v["name"], bases):
                continue
            p = v["properties"]["addressPrefixes"]
            prefixes += len(p)
            values.append({"name": v["name"], "properties": {"addressPrefixes": p}})
        out = {"changeNumber": data["changeNumber"], "cloud": data["cloud"], "values": values}
        text = json.dumps(out, separators=(",", ":"), sort_keys=True).encode()
        dest = os.path.join(HERE, f"ServiceTags_{cloud}_{date}.json.zst")
        zst = subprocess.run(["zstd", "-19", "--no-check", "-q", "-c"], input=text, check=True, capture_output=True).stdout
        with open(dest, "wb") as f:
            f.write(zst)
        listing.append((cloud, date, os.path.basename(dest)))
        print(f"{os.path.relpath(dest, ROOT)}: {len(values)} tags, {prefixes} prefixes, "
              f"{len(text)} bytes of JSON, {len(zst)} compressed (from {os.path.basename(path)}, "
              f"changeNumber {data['changeNumber']})")
    with open(os.path.join(HERE, "files.rs"), "w", encoding="utf-8") as f:
        f.write("// Written by make.py beside this file: the embedded snapshot, one file per cloud.\n")
        f.write("// (cloud as published, publication date YYYY-MM-DD, zstd-compressed JSON)\n")
        f.write("&[\n")
        for cloud, date, name in listing:
            f.write(f'    ("{cloud}", "{date[:4]}-{date[4:6]}-{date[6:]}", include_bytes!("{name}")),\n')
        f.write("]\n")


if __name__ == "__main__":
    main()
