//! Microsoft's "Azure IP Ranges and Service Tags" files, indexed for address lookups.
//!
//! The files are loaded as published (`ServiceTags_Public_YYYYMMDD.json` and the Government and
//! China ones); nothing is compiled in because the ranges change every week. All prefixes of all
//! loaded files are flattened into sorted, non-overlapping address ranges, each pointing at the
//! (interned) set of tags that cover it, so a lookup is one binary search. Regional tags
//! (`AzureArcInfrastructure.WestEurope`) are ordinary tags in the files and are indexed too.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{Cloud, ModelError, parse_json, read_capped};

/// Where to download each cloud's file (Microsoft Download Center).
pub const SERVICE_TAG_DOWNLOADS: [(&str, &str); 3] = [
    (
        "Public",
        "https://www.microsoft.com/download/details.aspx?id=56519",
    ),
    (
        "AzureGovernment",
        "https://www.microsoft.com/download/details.aspx?id=57063",
    ),
    (
        "China",
        "https://www.microsoft.com/download/details.aspx?id=57062",
    ),
];

/// The Public file is about 4 MB; 64 MiB leaves room for growth and stops a wrong path (a
/// multi-gigabyte capture) from being read into memory.
const MAX_TAG_FILE_BYTES: u64 = 64 << 20;
/// Marks a range no tag covers.
const NO_SET: u32 = u32::MAX;

/// What was loaded from one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagFileInfo {
    pub path: PathBuf,
    /// The file's `cloud` field as published (`Public`, `AzureGovernment`, `China`).
    pub cloud: String,
    /// The same, mapped to a [`Cloud`] when it is one of the three.
    pub cloud_id: Option<Cloud>,
    /// The file's `changeNumber`: which weekly edition it is.
    pub change_number: u64,
    pub tags: usize,
    pub prefixes: usize,
}

/// A tag an address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TagRef<'a> {
    /// Tag name as published (`AzureArcInfrastructure.WestEurope`).
    pub name: &'a str,
    /// Cloud of the file it comes from.
    pub cloud: &'a str,
}

#[derive(Deserialize)]
struct RawFile<'a> {
    #[serde(rename = "changeNumber")]
    change_number: u64,
    #[serde(borrow)]
    cloud: Cow<'a, str>,
    #[serde(borrow)]
    values: Vec<RawValue<'a>>,
}

#[derive(Deserialize)]
struct RawValue<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    properties: RawProperties<'a>,
}

#[derive(Deserialize)]
struct RawProperties<'a> {
    #[serde(rename = "addressPrefixes", borrow)]
    address_prefixes: Vec<Cow<'a, str>>,
}

/// One parsed file before indexing.
struct ParsedFile {
    info: TagFileInfo,
    tags: Vec<(String, Vec<IpNet>)>,
}

/// Sorted, non-overlapping ranges: `starts[i]..starts[i+1]` is covered by tag set `sets[i]`.
#[derive(Debug, Clone, Default)]
struct RangeIndex<T> {
    starts: Vec<T>,
    sets: Vec<u32>,
}

impl<T: Ord + Copy> RangeIndex<T> {
    fn set_of(&self, x: T) -> u32 {
        let i = self.starts.partition_point(|&s| s <= x);
        match i.checked_sub(1).and_then(|i| self.sets.get(i)) {
            Some(&s) => s,
            None => NO_SET,
        }
    }
}

/// Service-tag ranges of one or more files, indexed by address.
#[derive(Debug, Clone, Default)]
pub struct ServiceTags {
    files: Vec<TagFileInfo>,
    superseded: Vec<TagFileInfo>,
    /// (name, index into `files`), sorted by name then cloud: the order lookups report in.
    tags: Vec<(String, usize)>,
    /// Interned tag sets, flattened: set `k` is `members[bounds[k].0 .. bounds[k].1]`.
    members: Vec<u32>,
    bounds: Vec<(u32, u32)>,
    v4: RangeIndex<u32>,
    v6: RangeIndex<u128>,
}

impl ServiceTags {
    /// An index with no files: every lookup answers nothing.
    pub fn empty() -> ServiceTags {
        ServiceTags::default()
    }

    /// Loads one file.
    pub fn load(path: &Path) -> Result<ServiceTags, ModelError> {
        ServiceTags::load_all(&[path.to_path_buf()])
    }

    /// Loads several files (typically Public, AzureGovernment, China). When two files are for
    /// the same cloud, the one with the higher changeNumber is used and the other is listed in
    /// [`ServiceTags::superseded`].
    pub fn load_all(paths: &[PathBuf]) -> Result<ServiceTags, ModelError> {
        let mut parsed = Vec::with_capacity(paths.len());
        for p in paths {
            let text = read_capped(p, MAX_TAG_FILE_BYTES)?;
            parsed.push(parse_file(&text, p)?);
        }
        Ok(ServiceTags::build(parsed))
    }

    /// Parses one file's text; `path` names it in errors and in [`TagFileInfo`].
    pub fn from_json(text: &str, path: &Path) -> Result<ServiceTags, ModelError> {
        Ok(ServiceTags::build(vec![parse_file(text, path)?]))
    }

    fn build(mut parsed: Vec<ParsedFile>) -> ServiceTags {
        // One file per cloud: the newest edition wins; ties keep the first given.
        let mut superseded = Vec::new();
        let mut kept: Vec<ParsedFile> = Vec::new();
        for f in parsed.drain(..) {
            match kept
                .iter_mut()
                .find(|k| k.info.cloud.eq_ignore_ascii_case(&f.info.cloud))
            {
                Some(k) if f.info.change_number > k.info.change_number => {
                    superseded.push(std::mem::replace(k, f).info);
                }
                Some(_) => superseded.push(f.info),
                None => kept.push(f),
            }
        }

        let mut tags: Vec<(String, usize)> = Vec::new();
        for (fi, f) in kept.iter().enumerate() {
            tags.extend(f.tags.iter().map(|(n, _)| (n.clone(), fi)));
        }
        tags.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        tags.dedup();
        let id_of: FxHashMap<(&str, usize), u32> = tags
            .iter()
            .enumerate()
            .filter_map(|(i, (n, f))| Some(((n.as_str(), *f), u32::try_from(i).ok()?)))
            .collect();

        let mut r4 = Vec::new();
        let mut r6 = Vec::new();
        for (fi, f) in kept.iter().enumerate() {
            for (name, nets) in &f.tags {
                let Some(&id) = id_of.get(&(name.as_str(), fi)) else {
                    continue;
                };
                for net in nets {
                    match net {
                        IpNet::V4(n) => r4.push((
                            u128::from(u32::from(n.network())),
                            u128::from(u32::from(n.broadcast())),
                            id,
                        )),
                        IpNet::V6(n) => {
                            r6.push((u128::from(n.network()), u128::from(n.broadcast()), id))
                        }
                    }
                }
            }
        }

        let mut interner = Interner::default();
        let (s4, sets4) = sweep(r4, tags.len(), &mut interner);
        let (s6, sets6) = sweep(r6, tags.len(), &mut interner);
        let v4 = RangeIndex {
            // Every value came from a u32 above, so the conversion cannot fail.
            starts: s4
                .into_iter()
                .filter_map(|s| u32::try_from(s).ok())
                .collect(),
            sets: sets4,
        };
        let v6 = RangeIndex {
            starts: s6,
            sets: sets6,
        };
        drop(id_of);
        ServiceTags {
            files: kept.into_iter().map(|f| f.info).collect(),
            superseded,
            tags,
            members: interner.members,
            bounds: interner.bounds,
            v4,
            v6,
        }
    }

    /// The files in use, in the order given.
    pub fn files(&self) -> &[TagFileInfo] {
        &self.files
    }

    /// Files dropped because a newer edition for the same cloud was also given.
    pub fn superseded(&self) -> &[TagFileInfo] {
        &self.superseded
    }

    /// Whether no file is loaded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Every tag whose prefixes contain `addr`, sorted by name then by the file's position.
    /// Allocation-free.
    pub fn lookup_iter(&self, addr: IpAddr) -> impl Iterator<Item = TagRef<'_>> + '_ {
        let set = match addr {
            IpAddr::V4(a) => self.v4.set_of(u32::from(a)),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                // ::ffff:a.b.c.d is how dual-stack sockets show IPv4 peers.
                Some(v4) => self.v4.set_of(u32::from(v4)),
                None => self.v6.set_of(u128::from(a)),
            },
        };
        let slice: &[u32] = match self.bounds.get(set as usize) {
            Some(&(a, b)) => self.members.get(a as usize..b as usize).unwrap_or(&[]),
            None => &[],
        };
        slice.iter().filter_map(move |&t| {
            let (name, file) = self.tags.get(t as usize)?;
            let cloud = self.files.get(*file)?.cloud.as_str();
            Some(TagRef { name, cloud })
        })
    }

    /// [`ServiceTags::lookup_iter`], collected.
    pub fn lookup(&self, addr: IpAddr) -> Vec<TagRef<'_>> {
        self.lookup_iter(addr).collect()
    }

    /// Whether `addr` lies in `tag` (exact name, ASCII case-insensitive) in any loaded file.
    pub fn contains(&self, addr: IpAddr, tag: &str) -> bool {
        self.lookup_iter(addr)
            .any(|t| t.name.eq_ignore_ascii_case(tag))
    }

    /// Whether `addr` lies in `tag` in the file of `cloud`.
    pub fn contains_in(&self, addr: IpAddr, cloud: Cloud, tag: &str) -> bool {
        self.lookup_iter(addr).any(|t| {
            t.name.eq_ignore_ascii_case(tag)
                && t.cloud.eq_ignore_ascii_case(cloud.service_tag_name())
        })
    }

    /// Number of distinct address ranges in the index (IPv4, IPv6), for diagnostics.
    pub fn range_counts(&self) -> (usize, usize) {
        (self.v4.starts.len(), self.v6.starts.len())
    }
}

fn parse_file(text: &str, path: &Path) -> Result<ParsedFile, ModelError> {
    let source_name = path.display().to_string();
    let invalid = |p: String, message: String| ModelError::Invalid {
        source_name: source_name.clone(),
        path: p,
        message,
    };
    let raw: RawFile<'_> = parse_json(text, &source_name).map_err(|e| {
        // JSON of another kind (a catalog, a report) is not a damaged service-tag file:
        // say what it is not rather than which field serde missed first.
        let top: Option<std::collections::BTreeMap<String, serde::de::IgnoredAny>> =
            serde_json::from_str(text).ok();
        let looks_like_tags = top.is_some_and(|m| {
            ["changeNumber", "cloud", "values"]
                .iter()
                .all(|k| m.contains_key(*k))
        });
        if looks_like_tags || serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
            e
        } else {
            invalid(
                ".".into(),
                "not a service-tag file (expected the \"Azure IP Ranges and Service Tags\" JSON, with changeNumber, cloud and values)".into(),
            )
        }
    })?;
    if raw.cloud.trim().is_empty() {
        return Err(invalid("cloud".into(), "empty cloud name".into()));
    }
    let mut tags = Vec::with_capacity(raw.values.len());
    let mut prefixes = 0usize;
    for (i, v) in raw.values.iter().enumerate() {
        if v.name.trim().is_empty() {
            return Err(invalid(
                format!("values[{i}].name"),
                "empty tag name".into(),
            ));
        }
        let mut nets = Vec::with_capacity(v.properties.address_prefixes.len());
        for (j, p) in v.properties.address_prefixes.iter().enumerate() {
            let net: IpNet = p.trim().parse().map_err(|_| {
                invalid(
                    format!("values[{i}].properties.addressPrefixes[{j}]"),
                    format!("`{p}` is not an IPv4 or IPv6 prefix"),
                )
            })?;
            // Host bits set (10.0.0.1/24) happen in hand-edited files; the range is the same.
            nets.push(net.trunc());
        }
        prefixes = prefixes.saturating_add(nets.len());
        tags.push((v.name.to_string(), nets));
    }
    Ok(ParsedFile {
        info: TagFileInfo {
            path: path.to_path_buf(),
            cloud: raw.cloud.to_string(),
            cloud_id: Cloud::from_service_tag_name(&raw.cloud),
            change_number: raw.change_number,
            tags: tags.len(),
            prefixes,
        },
        tags,
    })
}

#[derive(Default)]
struct Interner {
    ids: FxHashMap<Vec<u32>, u32>,
    members: Vec<u32>,
    bounds: Vec<(u32, u32)>,
}

impl Interner {
    fn intern(&mut self, set: Vec<u32>) -> u32 {
        if set.is_empty() {
            return NO_SET;
        }
        if let Some(&id) = self.ids.get(&set) {
            return id;
        }
        // Sizes are bounded by the file's prefix count, far below u32::MAX (64 MiB cap).
        let start = u32::try_from(self.members.len()).unwrap_or(u32::MAX);
        self.members.extend_from_slice(&set);
        let end = u32::try_from(self.members.len()).unwrap_or(u32::MAX);
        let id = u32::try_from(self.bounds.len()).unwrap_or(NO_SET);
        self.bounds.push((start, end));
        self.ids.insert(set, id);
        id
    }
}

/// Turns possibly overlapping inclusive ranges `(first, last, tag)` into elementary intervals.
/// Returns interval starts and the tag set of each; a set of [`NO_SET`] marks a gap.
fn sweep(
    ranges: Vec<(u128, u128, u32)>,
    ntags: usize,
    interner: &mut Interner,
) -> (Vec<u128>, Vec<u32>) {
    // (position, +1 opens / -1 closes, tag). `last + 1` overflows only for a range ending at
    // the top of the address space, which then simply never closes.
    let mut events: Vec<(u128, i8, u32)> = Vec::with_capacity(ranges.len() * 2);
    for (first, last, tag) in ranges {
        events.push((first, 1, tag));
        if let Some(after) = last.checked_add(1) {
            events.push((after, -1, tag));
        }
    }
    events.sort_unstable();
    let mut counts = vec![0u32; ntags];
    let mut active: BTreeSet<u32> = BTreeSet::new();
    let mut starts = Vec::new();
    let mut sets = Vec::new();
    let mut i = 0;
    while let Some(&(pos, _, _)) = events.get(i) {
        while let Some(&(p, delta, tag)) = events.get(i) {
            if p != pos {
                break;
            }
            if let Some(c) = counts.get_mut(tag as usize) {
                if delta > 0 {
                    *c = c.saturating_add(1);
                    active.insert(tag);
                } else {
                    *c = c.saturating_sub(1);
                    if *c == 0 {
                        active.remove(&tag);
                    }
                }
            }
            i += 1;
        }
        let set = interner.intern(active.iter().copied().collect());
        if sets.last() != Some(&set) {
            starts.push(pos);
            sets.push(set);
        }
    }
    (starts, sets)
}

/// `ServiceTags_*.json` files directly inside each of `dirs` (not recursive), sorted by path,
/// each listed once.
pub fn discover_service_tag_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = BTreeSet::new();
    for dir in dirs {
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in rd.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let lower = name.to_ascii_lowercase();
            if lower.starts_with("servicetags_")
                && lower.ends_with(".json")
                && entry.path().is_file()
            {
                let p = entry.path();
                found.insert(std::fs::canonicalize(&p).unwrap_or(p));
            }
        }
    }
    found.into_iter().collect()
}

/// Building one index from texts already in memory: the embedded snapshot
/// ([`super::tag_snapshot`]) decompresses its files and hands them here, so they go through
/// the same parser and checks as a file the user gives.
impl ServiceTags {
    /// Parses each `(name, text)` as one published file and builds one index; `name` stands
    /// for the path in errors and in [`TagFileInfo::path`].
    pub(crate) fn from_texts(files: &[(PathBuf, String)]) -> Result<ServiceTags, ModelError> {
        let mut parsed = Vec::with_capacity(files.len());
        for (name, text) in files {
            parsed.push(parse_file(text, name)?);
        }
        Ok(ServiceTags::build(parsed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(cloud: &str, change: u64, values: &str) -> String {
        format!(r#"{{"changeNumber":{change},"cloud":"{cloud}","values":[{values}]}}"#)
    }

    fn value(name: &str, prefixes: &[&str]) -> String {
        let list: Vec<String> = prefixes.iter().map(|p| format!("\"{p}\"")).collect();
        format!(
            r#"{{"name":"{name}","id":"{name}","properties":{{"changeNumber":1,"region":"","regionId":0,"platform":"Azure","systemService":"","addressPrefixes":[{}],"networkFeatures":null}}}}"#,
            list.join(",")
        )
    }

    fn names(st: &ServiceTags, a: &str) -> Vec<String> {
        st.lookup(a.parse().unwrap())
            .iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    fn sample() -> ServiceTags {
        let text = file(
            "Public",
            7,
            &[
                value("AzureCloud", &["10.0.0.0/8", "2001:db8::/32"]),
                value("AzureCloud.westeurope", &["10.1.0.0/16"]),
                value(
                    "AzureArcInfrastructure",
                    &["10.1.2.0/24", "10.1.2.128/25", "2001:db8:1::/48"],
                ),
                value(
                    "Edge",
                    &[
                        "255.255.255.255/32",
                        "0.0.0.0/32",
                        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
                    ],
                ),
            ]
            .join(","),
        );
        ServiceTags::from_json(&text, Path::new("t.json")).unwrap()
    }

    #[test]
    fn nested_and_overlapping_prefixes() {
        let st = sample();
        assert_eq!(
            names(&st, "10.1.2.200"),
            [
                "AzureArcInfrastructure",
                "AzureCloud",
                "AzureCloud.westeurope"
            ]
        );
        assert_eq!(
            names(&st, "10.1.3.0"),
            ["AzureCloud", "AzureCloud.westeurope"]
        );
        assert_eq!(
            names(&st, "10.1.1.255"),
            ["AzureCloud", "AzureCloud.westeurope"]
        );
        assert_eq!(names(&st, "10.255.255.255"), ["AzureCloud"]);
        assert!(names(&st, "11.0.0.0").is_empty());
        assert!(names(&st, "9.255.255.255").is_empty());
        assert_eq!(
            names(&st, "2001:db8:1:ffff::1"),
            ["AzureArcInfrastructure", "AzureCloud"]
        );
        assert_eq!(names(&st, "2001:db8:2::1"), ["AzureCloud"]);
        assert!(names(&st, "2001:db9::").is_empty());
        assert_eq!(
            names(&st, "::ffff:10.1.2.3"),
            [
                "AzureArcInfrastructure",
                "AzureCloud",
                "AzureCloud.westeurope"
            ]
        );
        assert!(st.contains("10.1.2.3".parse().unwrap(), "azurearcinfrastructure"));
        assert!(st.contains_in(
            "10.1.2.3".parse().unwrap(),
            Cloud::Public,
            "AzureArcInfrastructure"
        ));
        assert!(!st.contains_in(
            "10.1.2.3".parse().unwrap(),
            Cloud::China,
            "AzureArcInfrastructure"
        ));
        assert_eq!(st.files()[0].change_number, 7);
        assert_eq!((st.files()[0].tags, st.files()[0].prefixes), (4, 9));
    }

    #[test]
    fn edges_of_the_address_space() {
        let st = sample();
        assert_eq!(names(&st, "255.255.255.255"), ["Edge"]);
        assert_eq!(names(&st, "0.0.0.0"), ["Edge"]);
        assert!(names(&st, "0.0.0.1").is_empty());
        assert!(names(&st, "255.255.255.254").is_empty());
        assert_eq!(
            names(&st, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            ["Edge"]
        );
        assert!(
            ServiceTags::empty()
                .lookup("10.0.0.1".parse().unwrap())
                .is_empty()
        );
    }

    #[test]
    fn several_clouds_and_editions() {
        let a = file(
            "Public",
            1,
            &value("AzureArcInfrastructure", &["10.0.0.0/24"]),
        );
        let b = file(
            "AzureGovernment",
            5,
            &value("AzureArcInfrastructure", &["10.0.0.0/25"]),
        );
        let c = file(
            "Public",
            2,
            &value("AzureArcInfrastructure", &["10.0.1.0/24"]),
        );
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = [
            ("ServiceTags_Public_1.json", a),
            ("ServiceTags_AzureGovernment_5.json", b),
            ("ServiceTags_Public_2.json", c),
        ]
        .into_iter()
        .map(|(n, t)| {
            let p = dir.path().join(n);
            std::fs::write(&p, t).unwrap();
            p
        })
        .collect();
        let st = ServiceTags::load_all(&paths).unwrap();
        assert_eq!(
            st.files()
                .iter()
                .map(|f| (f.cloud.as_str(), f.change_number))
                .collect::<Vec<_>>(),
            [("Public", 2), ("AzureGovernment", 5)]
        );
        assert_eq!(st.superseded().len(), 1);
        let hits = st.lookup("10.0.0.1".parse().unwrap());
        assert_eq!(
            hits,
            [TagRef {
                name: "AzureArcInfrastructure",
                cloud: "AzureGovernment"
            }]
        );
        let hits = st.lookup("10.0.1.1".parse().unwrap());
        assert_eq!(
            hits,
            [TagRef {
                name: "AzureArcInfrastructure",
                cloud: "Public"
            }]
        );
        std::fs::write(dir.path().join("servicetags_x.txt"), "").unwrap();
        std::fs::write(dir.path().join("other.json"), "").unwrap();
        let found = discover_service_tag_files(&[
            dir.path().to_path_buf(),
            dir.path().to_path_buf(),
            dir.path().join("missing"),
        ]);
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn malformed_files_name_the_place() {
        let cases = [
            (
                file("Public", 1, &value("A", &["10.0.0.0/33"])),
                "values[0].properties.addressPrefixes[0]",
            ),
            (
                file(
                    "Public",
                    1,
                    &[
                        value("A", &["10.0.0.0/8"]),
                        value("B", &["10.0.0.0/8", "fe80::/200"]),
                    ]
                    .join(","),
                ),
                "values[1].properties.addressPrefixes[1]",
            ),
            (
                file("Public", 1, &value("A", &["banana"])),
                "values[0].properties.addressPrefixes[0]",
            ),
            (
                file("Public", 1, &value("A", &["10.0.0.0/8"])).replace(
                    r#""changeNumber":1,"cloud""#,
                    r#""changeNumber":"1","cloud""#,
                ),
                "changeNumber",
            ),
            (
                file("Public", 1, &value("A", &["10.0.0.0/8"])).replace(
                    r#""addressPrefixes":["10.0.0.0/8"]"#,
                    r#""addressPrefixes":"10.0.0.0/8""#,
                ),
                "values[0].properties.addressPrefixes",
            ),
            (
                file("Public", 1, &value("A", &["10.0.0.0/8"])).replace(r#""name":"A","#, ""),
                "values[0]",
            ),
            (
                file("Public", 1, &value("A", &["10.0.0.0/8"])).replace(r#","cloud":"Public""#, ""),
                ".",
            ),
            (file("", 1, &value("A", &["10.0.0.0/8"])), "cloud"),
        ];
        for (text, path) in cases {
            let err = ServiceTags::from_json(&text, Path::new("tags.json")).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!("tags.json: at {path}:")),
                "{msg} (wanted {path})"
            );
        }
        for text in [
            "",
            "{",
            "[]",
            "null",
            "{\"changeNumber\":1,\"cloud\":\"x\",\"values\":[1]}",
        ] {
            assert!(
                ServiceTags::from_json(text, Path::new("t.json")).is_err(),
                "{text:?}"
            );
        }
        let err = ServiceTags::load(Path::new("/nonexistent/ServiceTags_Public.json")).unwrap_err();
        assert!(
            err.to_string()
                .contains("/nonexistent/ServiceTags_Public.json")
        );
    }

    #[test]
    fn host_bits_are_ignored_and_escapes_accepted() {
        let text =
            file("Public", 1, &value("A", &["10.0.0.77/24"])).replace("\"A\"", "\"A\\u002eB\"");
        let st = ServiceTags::from_json(&text, Path::new("t.json")).unwrap();
        assert_eq!(names(&st, "10.0.0.1"), ["A.B"]);
    }
}
