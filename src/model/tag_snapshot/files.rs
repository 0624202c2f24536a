// Written by make.py beside this file: the embedded snapshot, one file per cloud.
// (cloud as published, publication date YYYY-MM-DD, zstd-compressed JSON)
&[
    ("AzureGovernment", "2026-07-20", include_bytes!("ServiceTags_AzureGovernment_20260720.json.zst")),
    ("China", "2026-07-20", include_bytes!("ServiceTags_China_20260720.json.zst")),
    ("Public", "2025-10-28", include_bytes!("ServiceTags_Public_20251028.json.zst")),
]
