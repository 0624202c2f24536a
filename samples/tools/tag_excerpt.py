#!/usr/bin/python3
"""Excerpt of a Microsoft service-tag file for the addresses of a sample (stdlib only).

Keeps the file's changeNumber and cloud, and of every tag that covers one of the given
addresses only the prefixes that cover it; everything else is left out. An audit that
loads the excerpt therefore finds, for these addresses, exactly the tags the full file
gives (and for an address in no tag, none), while the committed file stays a few
hundred bytes instead of 4 MB.

usage: tag_excerpt.py FULL.json OUT.json ADDRESS...
"""
import ipaddress
import json
import sys


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    full, out, addrs = sys.argv[1], sys.argv[2], [ipaddress.ip_address(a) for a in sys.argv[3:]]
    with open(full, encoding="utf-8-sig") as f:
        doc = json.load(f)
    values = []
    for v in doc["values"]:
        props = v["properties"]
        keep = [p for p in props["addressPrefixes"]
                if any(a in ipaddress.ip_network(p) for a in addrs)]
        if keep:
            values.append({
                "name": v["name"],
                "id": v["id"],
                "properties": {
                    "changeNumber": props.get("changeNumber"),
                    "region": props.get("region", ""),
                    "platform": props.get("platform", ""),
                    "systemService": props.get("systemService", ""),
                    "addressPrefixes": keep,
                },
            })
    excerpt = {"changeNumber": doc["changeNumber"], "cloud": doc["cloud"], "values": values}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(excerpt, f, indent=1, sort_keys=False)
        f.write("\n")
    for a in addrs:
        tags = [v["name"] for v in values
                if any(a in ipaddress.ip_network(p) for p in v["properties"]["addressPrefixes"])]
        print("%s: %s" % (a, ", ".join(tags) or "no tag"))


if __name__ == "__main__":
    main()
