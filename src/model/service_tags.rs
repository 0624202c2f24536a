//! Microsoft's "Azure IP Ranges and Service Tags" files, indexed for address lookups.
//!
//! The files are loaded as published (`ServiceTags_Public_YYYYMMDD.json` and the Government and
//! China ones); nothing is compiled in because the ranges change every week. All prefixes of all
//! loaded files are indexed as a prefix forest per address family (see `PrefixForest`): a
//! binary search finds the innermost prefix holding an address, and its at most 129 ancestors
//! hold the other tags. The index is linear in the files' (prefix, tag) pairs however the
//! prefixes nest, and built in O(n log n). Regional tags (`AzureArcInfrastructure.WestEurope`)
//! are ordinary tags in the files and are indexed too.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{Cloud, ModelError, parse_json, read_capped};

mod prefix;
use prefix::Prefix;

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
    address_prefixes: Vec<RawText<'a>>,
}

/// A string borrowed from the file unless it has escapes. `#[serde(borrow)]` on a
/// `Vec<Cow<str>>` does not reach the elements (each would be copied into its own
/// allocation, one per prefix); on a field of an element type it does.
#[derive(Deserialize)]
#[serde(transparent)]
struct RawText<'a>(#[serde(borrow)] Cow<'a, str>);

/// One parsed file before indexing.
struct ParsedFile {
    info: TagFileInfo,
    /// Each tag's name and its prefixes, `prefixes[range]`.
    tags: Vec<(String, std::ops::Range<usize>)>,
    prefixes: Vec<Prefix>,
}

/// Marks "no prefix": an address range no tag covers, or a prefix with no enclosing one.
const NO_NODE: u32 = u32::MAX;
/// Longest chain of distinct nested prefixes: one per prefix length, /0 to /128 for IPv6
/// (IPv4 needs 33). A lookup never walks further than this.
const MAX_DEPTH: usize = 129;
/// Longest answer stored ready-made per prefix. Real addresses have a handful of tags, and
/// their lookups become one slice; the bound keeps the copies to at most 16 per prefix, so the
/// index stays linear when a wide prefix holds thousands of tags.
const MAX_FLAT: usize = 16;

/// One distinct prefix of one address family.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// The innermost distinct prefix strictly containing this one, or [`NO_NODE`].
    parent: u32,
    /// Tags listing this prefix: `ServiceTags::members[first..end]`, sorted by tag id.
    first: u32,
    end: u32,
    /// The whole answer for an address whose innermost prefix is this one (its tags and its
    /// ancestors', merged), `members[flat.0..flat.1]`, kept only when it has at most
    /// [`MAX_FLAT`] tags; `flat.0 == NO_NODE` otherwise.
    flat: (u32, u32),
}

/// The prefixes of one address family as a forest, plus a flat search array over it.
///
/// CIDR prefixes form a laminar family (two prefixes are nested or disjoint), so each distinct
/// prefix has one innermost enclosing prefix (its parent) and a chain of ancestors at most
/// [`MAX_DEPTH`] long. The elementary intervals `starts[i]..starts[i+1]` (at most two per
/// prefix, plus one) each point at the innermost prefix covering them, and a lookup is a binary
/// search plus a walk up the parents. Every tag is stored once per prefix that lists it (plus
/// at most [`MAX_FLAT`] ready-made answer entries per prefix), so the index is linear in the
/// (prefix, tag) pairs of the file, whatever their nesting. The previous design stored the
/// full tag set of every interval, which is quadratic for a wide prefix holding many narrow
/// ones (4 GB for a 12.5 MB file); a segment or interval tree would also do, but neither uses
/// the nesting that CIDR guarantees, and both need more than a parent index per prefix.
#[derive(Debug, Clone, Default)]
struct PrefixForest<T> {
    starts: Vec<T>,
    /// Innermost prefix covering each interval, or [`NO_NODE`] for a gap.
    innermost: Vec<u32>,
    nodes: Vec<Node>,
}

impl<T: Ord + Copy> PrefixForest<T> {
    fn innermost_of(&self, x: T) -> u32 {
        let i = self.starts.partition_point(|&s| s <= x);
        match i.checked_sub(1).and_then(|i| self.innermost.get(i)) {
            Some(&n) => n,
            None => NO_NODE,
        }
    }
}

/// Builds one family's forest from inclusive ranges `(first, last, tag)` that are CIDR prefixes
/// (so nested or disjoint); `top` is the family's highest address. The ranges come sorted by
/// first address, then last address descending (outer prefixes before the inner ones that start
/// at the same address), then tag, each once. Tag lists are appended to `members`. O(n) time
/// and space after the caller's O(n log n) sort.
fn build_forest(
    ranges: impl ExactSizeIterator<Item = (u128, u128, u32)>,
    top: u128,
    members: &mut Vec<u32>,
) -> PrefixForest<u128> {
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);

    let mut spans: Vec<(u128, u128)> = Vec::with_capacity(ranges.len());
    let mut nodes: Vec<Node> = Vec::with_capacity(ranges.len());
    members.reserve(ranges.len());
    for (first, last, tag) in ranges {
        if spans.last() != Some(&(first, last)) {
            spans.push((first, last));
            let at = to_u32(members.len());
            nodes.push(Node {
                parent: NO_NODE,
                first: at,
                end: at,
                flat: (NO_NODE, NO_NODE),
            });
        }
        members.push(tag);
        if let Some(n) = nodes.last_mut() {
            n.end = to_u32(members.len());
        }
    }

    let mut forest = PrefixForest {
        starts: Vec::with_capacity(spans.len() * 2 + 1),
        innermost: Vec::with_capacity(spans.len() * 2 + 1),
        nodes: Vec::new(),
    };
    // Prefixes enclosing the current position, outermost first.
    let mut open: Vec<usize> = Vec::new();
    for (id, &(first, last)) in spans.iter().enumerate() {
        close_before(&mut open, &spans, Some(first), top, &mut forest);
        debug_assert!(
            open.last()
                .and_then(|&o| spans.get(o))
                .is_none_or(|&(_, outer_last)| last <= outer_last),
            "CIDR prefixes are nested or disjoint"
        );
        if let Some(n) = nodes.get_mut(id) {
            n.parent = open.last().map_or(NO_NODE, |&o| to_u32(o));
        }
        forest.enter(first, to_u32(id));
        open.push(id);
    }
    close_before(&mut open, &spans, None, top, &mut forest);
    flatten(&mut nodes, members);
    nodes.shrink_to_fit();
    forest.starts.shrink_to_fit();
    forest.innermost.shrink_to_fit();
    forest.nodes = nodes;
    forest
}

/// Stores the merged answer of each prefix whose chain holds at most [`MAX_FLAT`] tags.
/// A parent precedes its children in `nodes` (sorted by start, wider first), so its answer is
/// ready when theirs is made; a chain over the bound stays over it for every prefix inside.
fn flatten(nodes: &mut [Node], members: &mut Vec<u32>) {
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut merged: Vec<u32> = Vec::with_capacity(2 * MAX_FLAT);
    for id in 0..nodes.len() {
        let Some(&n) = nodes.get(id) else { break };
        let inherited = if n.parent == NO_NODE {
            Some((0, 0))
        } else {
            nodes
                .get(n.parent as usize)
                .map(|p| p.flat)
                .filter(|&(first, _)| first != NO_NODE)
        };
        let Some((pf, pe)) = inherited else { continue };
        let own = members.get(n.first as usize..n.end as usize).unwrap_or(&[]);
        let above = members.get(pf as usize..pe as usize).unwrap_or(&[]);
        if own.len() > MAX_FLAT {
            continue;
        }
        merge_sorted(own, above, &mut merged);
        if merged.len() <= MAX_FLAT {
            let first = to_u32(members.len());
            members.extend_from_slice(&merged);
            if let Some(n) = nodes.get_mut(id) {
                n.flat = (first, to_u32(members.len()));
            }
        }
    }
}

/// `a` and `b` (each sorted, each tag once) merged into `out`, sorted, each tag once: a
/// prefix's own tags and its parent's answer, without a sort per prefix.
fn merge_sorted(a: &[u32], b: &[u32], out: &mut Vec<u32>) {
    out.clear();
    let (mut a, mut b) = (a, b);
    while let (Some(&x), Some(&y)) = (a.first(), b.first()) {
        out.push(x.min(y));
        if x <= y {
            a = a.get(1..).unwrap_or(&[]);
        }
        if y <= x {
            b = b.get(1..).unwrap_or(&[]);
        }
    }
    out.extend_from_slice(a);
    out.extend_from_slice(b);
}

/// Closes the open prefixes that end before `pos` (all of them when `pos` is `None`), each
/// handing its remaining addresses back to its parent.
fn close_before(
    open: &mut Vec<usize>,
    spans: &[(u128, u128)],
    pos: Option<u128>,
    top: u128,
    forest: &mut PrefixForest<u128>,
) {
    while let Some(&o) = open.last() {
        let Some(&(_, last)) = spans.get(o) else {
            break;
        };
        if pos.is_some_and(|p| last >= p) {
            break;
        }
        open.pop();
        if last < top {
            let parent = open
                .last()
                .map_or(NO_NODE, |&p| u32::try_from(p).unwrap_or(NO_NODE));
            forest.enter(last + 1, parent);
        }
    }
}

impl PrefixForest<u128> {
    /// Records that from `pos` on the innermost prefix is `node`. Positions arrive in
    /// non-decreasing order; a later entry at the same position replaces the earlier one, and
    /// an entry equal to the one before it is merged into it.
    fn enter(&mut self, pos: u128, node: u32) {
        if self.starts.last() == Some(&pos) {
            self.starts.pop();
            self.innermost.pop();
        }
        if self.innermost.last().copied().unwrap_or(NO_NODE) != node {
            self.starts.push(pos);
            self.innermost.push(node);
        }
    }

    /// The same forest with IPv4 positions, which all fit a u32 (`top` is `u32::MAX`).
    fn into_v4(self) -> PrefixForest<u32> {
        let (starts, innermost) = self
            .starts
            .into_iter()
            .zip(self.innermost)
            .filter_map(|(s, n)| Some((u32::try_from(s).ok()?, n)))
            .unzip();
        PrefixForest {
            starts,
            innermost,
            nodes: self.nodes,
        }
    }
}

/// Tags containing one address, in tag-id order (name, then file position), each once.
///
/// A merge of the sorted tag lists on the address's chain of prefixes that keeps no per-list
/// state, so a lookup neither allocates nor copies a cursor per level: each step walks the
/// chain (at most [`MAX_DEPTH`] prefixes, a handful in real files) and takes the smallest tag
/// id above the last one reported, by binary search in each list.
struct TagIter<'a> {
    st: &'a ServiceTags,
    /// The address family's prefixes.
    nodes: &'a [Node],
    /// Innermost prefix containing the address, or [`NO_NODE`].
    innermost: u32,
    /// Last tag id reported.
    after: Option<u32>,
    /// The innermost prefix's ready-made answer, when it has one ([`Node::flat`]).
    flat: Option<std::slice::Iter<'a, u32>>,
}

impl<'a> Iterator for TagIter<'a> {
    type Item = TagRef<'a>;

    #[inline]
    fn next(&mut self) -> Option<TagRef<'a>> {
        loop {
            // The common case: the answer was merged when the index was built.
            if let Some(list) = &mut self.flat {
                let t = *list.next()?;
                match self.st.tag_ref(t) {
                    Some(r) => return Some(r),
                    None => continue,
                }
            }
            let mut next: Option<u32> = None;
            let mut node = self.innermost;
            // Parents are strictly wider prefixes, so the chain ends within MAX_DEPTH steps;
            // the bound only guards against a malformed forest.
            for _ in 0..MAX_DEPTH {
                let Some(n) = self.nodes.get(node as usize) else {
                    break;
                };
                let list = self
                    .st
                    .members
                    .get(n.first as usize..n.end as usize)
                    .unwrap_or(&[]);
                let i = self.after.map_or(0, |a| list.partition_point(|&m| m <= a));
                if let Some(&m) = list.get(i) {
                    next = Some(next.map_or(m, |b| b.min(m)));
                }
                node = n.parent;
            }
            let t = next?;
            self.after = Some(t);
            if let Some(r) = self.st.tag_ref(t) {
                return Some(r);
            }
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
    /// Tag ids of every distinct prefix, one run per prefix (see [`Node`]).
    members: Vec<u32>,
    v4: PrefixForest<u32>,
    v6: PrefixForest<u128>,
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

        // Each (prefix, tag) pair as one sort key ordered like the forest wants its ranges:
        // by first address, outer prefixes (shorter, so ending later) before the inner ones
        // that start at the same address, then by tag. An IPv4 pair fits one u128, an IPv6 one
        // (address, length and tag); both compare faster than the range's two ends and the tag.
        let v4_pairs = kept
            .iter()
            .flat_map(|f| &f.prefixes)
            .filter(|p| matches!(p, Prefix::V4 { .. }))
            .count();
        let total: usize = kept.iter().map(|f| f.prefixes.len()).sum();
        let mut k4: Vec<u128> = Vec::with_capacity(v4_pairs);
        let mut k6: Vec<(u128, u64)> = Vec::with_capacity(total - v4_pairs);
        for (fi, f) in kept.iter().enumerate() {
            for (name, range) in &f.tags {
                let Some(&id) = id_of.get(&(name.as_str(), fi)) else {
                    continue;
                };
                for p in f.prefixes.get(range.clone()).unwrap_or(&[]) {
                    match *p {
                        Prefix::V4 { network, len } => k4.push(
                            u128::from(network) << 64 | u128::from(len) << 32 | u128::from(id),
                        ),
                        Prefix::V6 { network, len } => {
                            k6.push((network, u64::from(len) << 32 | u64::from(id)))
                        }
                    }
                }
            }
        }
        // The stable sort finds runs already in order and merges them: each tag's prefixes
        // are published in address order, so it costs less than `sort_unstable` here
        // (7.2 M instead of 9.2 M instructions for the snapshot). A prefix listed twice by the
        // same tag counts once.
        k4.sort();
        k4.dedup();
        k6.sort();
        k6.dedup();
        // The fields packed above, unpacked by truncation (each fits its type by construction).
        let low32 = |k: u64| u32::try_from(k & u64::from(u32::MAX)).unwrap_or(u32::MAX);
        let r4 = k4.iter().map(|&k| {
            let (high, low) = ((k >> 64) as u64, k as u64);
            let network = u32::try_from(high).unwrap_or(u32::MAX);
            let len = u8::try_from(low >> 32).unwrap_or(u8::MAX);
            let (first, last) = Prefix::V4 { network, len }.range();
            (first, last, low32(low))
        });
        let r6 = k6.iter().map(|&(network, low)| {
            let len = u8::try_from(low >> 32).unwrap_or(u8::MAX);
            let (first, last) = Prefix::V6 { network, len }.range();
            (first, last, low32(low))
        });

        let mut members = Vec::new();
        let v4 = build_forest(r4, u128::from(u32::MAX), &mut members).into_v4();
        let v6 = build_forest(r6, u128::MAX, &mut members);
        // Built by appending: give back the growth slack, the index lives for the whole run.
        members.shrink_to_fit();
        drop(id_of);
        ServiceTags {
            files: kept.into_iter().map(|f| f.info).collect(),
            superseded,
            tags,
            members,
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

    /// Every tag whose prefixes contain `addr`, sorted by name then by the file's position,
    /// each once. Allocation-free: O(log n) to find the innermost prefix, then per answer a walk
    /// over the at most 129 enclosing prefixes, a binary search in each.
    pub fn lookup_iter(&self, addr: IpAddr) -> impl Iterator<Item = TagRef<'_>> + '_ {
        let (nodes, innermost) = match addr {
            IpAddr::V4(a) => (&self.v4.nodes, self.v4.innermost_of(u32::from(a))),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                // ::ffff:a.b.c.d is how dual-stack sockets show IPv4 peers.
                Some(v4) => (&self.v4.nodes, self.v4.innermost_of(u32::from(v4))),
                None => (&self.v6.nodes, self.v6.innermost_of(u128::from(a))),
            },
        };
        let flat = nodes
            .get(innermost as usize)
            .filter(|n| n.flat.0 != NO_NODE)
            .map(|n| {
                self.members
                    .get(n.flat.0 as usize..n.flat.1 as usize)
                    .unwrap_or(&[])
                    .iter()
            });
        TagIter {
            st: self,
            nodes,
            innermost,
            after: None,
            flat,
        }
    }

    fn tag_ref(&self, id: u32) -> Option<TagRef<'_>> {
        let (name, file) = self.tags.get(id as usize)?;
        let cloud = self.files.get(*file)?.cloud.as_str();
        Some(TagRef { name, cloud })
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

    /// Number of elementary address ranges in the index (IPv4, IPv6): stretches with one
    /// innermost prefix (or none), at most two per distinct prefix plus one. For diagnostics.
    pub fn range_counts(&self) -> (usize, usize) {
        (self.v4.starts.len(), self.v6.starts.len())
    }

    /// Entries the index holds (range bounds, distinct prefixes, tag memberships): linear in
    /// the (prefix, tag) pairs of the files whatever their nesting. For tests and diagnostics.
    pub fn index_entries(&self) -> usize {
        self.v4.starts.len()
            + self.v6.starts.len()
            + self.v4.nodes.len()
            + self.v6.nodes.len()
            + self.members.len()
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
    let total: usize = raw
        .values
        .iter()
        .map(|v| v.properties.address_prefixes.len())
        .sum();
    let mut prefixes = Vec::with_capacity(total);
    let mut tags = Vec::with_capacity(raw.values.len());
    for (i, v) in raw.values.into_iter().enumerate() {
        if v.name.trim().is_empty() {
            return Err(invalid(
                format!("values[{i}].name"),
                "empty tag name".into(),
            ));
        }
        let first = prefixes.len();
        for (j, RawText(p)) in v.properties.address_prefixes.iter().enumerate() {
            let net = prefix::parse(p).ok_or_else(|| {
                invalid(
                    format!("values[{i}].properties.addressPrefixes[{j}]"),
                    format!("`{p}` is not an IPv4 or IPv6 prefix"),
                )
            })?;
            prefixes.push(net);
        }
        tags.push((v.name.into_owned(), first..prefixes.len()));
    }
    Ok(ParsedFile {
        info: TagFileInfo {
            path: path.to_path_buf(),
            cloud: raw.cloud.to_string(),
            cloud_id: Cloud::from_service_tag_name(&raw.cloud),
            change_number: raw.change_number,
            tags: tags.len(),
            prefixes: prefixes.len(),
        },
        tags,
        prefixes,
    })
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
    fn siblings_parents_and_shared_ends() {
        // 10.0.0.0/8 and 10.255.0.0/16 end together; 10.0.0.0/24 and 10.0.1.0/24 are adjacent
        // siblings with the same tag; one prefix listed by two tags and twice by one.
        let text = file(
            "Public",
            1,
            &[
                value("A", &["10.0.0.0/8", "10.0.0.0/8"]),
                value("B", &["10.255.0.0/16", "10.0.0.0/24", "10.0.1.0/24"]),
                value("C", &["10.0.1.0/24", "10.0.1.7/32"]),
                value("D", &["0.0.0.0/0"]),
            ]
            .join(","),
        );
        let st = ServiceTags::from_json(&text, Path::new("t.json")).unwrap();
        assert_eq!(names(&st, "9.0.0.0"), ["D"]);
        assert_eq!(names(&st, "10.0.0.9"), ["A", "B", "D"]);
        assert_eq!(names(&st, "10.0.1.9"), ["A", "B", "C", "D"]);
        assert_eq!(names(&st, "10.0.1.7"), ["A", "B", "C", "D"]);
        assert_eq!(names(&st, "10.0.2.0"), ["A", "D"]);
        assert_eq!(names(&st, "10.255.255.255"), ["A", "B", "D"]);
        assert_eq!(names(&st, "11.0.0.0"), ["D"]);
        assert_eq!(names(&st, "255.255.255.255"), ["D"]);
        assert!(names(&st, "::1").is_empty());
    }

    #[test]
    fn deepest_chains_merge_in_tag_order() {
        // Every IPv6 prefix length /0../128 on one address, tags named against the nesting
        // order so the merge has to reorder them; every IPv4 length too.
        let v6: Vec<String> = (0..=128)
            .map(|l| value(&format!("T{:03}", 128 - l), &[&format!("2001:db8::1/{l}")]))
            .collect();
        let v4: Vec<String> = (0..=32)
            .map(|l| value(&format!("F{l:02}"), &[&format!("192.0.2.1/{l}")]))
            .collect();
        let text = file("Public", 1, &[v6, v4].concat().join(","));
        let st = ServiceTags::from_json(&text, Path::new("t.json")).unwrap();
        let got = names(&st, "2001:db8::1");
        let want: Vec<String> = (0..=128).map(|i| format!("T{i:03}")).collect();
        assert_eq!(got, want);
        assert_eq!(names(&st, "2001:db8::2").len(), 127);
        assert_eq!(names(&st, "192.0.2.1").len(), 33);
        assert_eq!(names(&st, "::ffff:192.0.2.1").len(), 33);
        assert_eq!(names(&st, "8.8.8.8"), ["F00"]);
    }

    #[test]
    fn many_narrow_prefixes_inside_many_wide_tags_stay_linear() {
        // The shape that made the old interval sweep quadratic: n wide tags on one prefix,
        // n narrow prefixes inside it, each its own tag.
        let shape = |n: usize| {
            let wide = (0..n).map(|i| value(&format!("W{i:05}"), &["10.0.0.0/8"]));
            let narrow = (0..n).map(|i| {
                let a = std::net::Ipv4Addr::from(0x0a00_0000u32 + 2 * i as u32 + 1);
                value(&format!("N{i:05}"), &[&format!("{a}/32")])
            });
            let text = file(
                "Public",
                1,
                &wide.chain(narrow).collect::<Vec<_>>().join(","),
            );
            ServiceTags::from_json(&text, Path::new("t.json")).unwrap()
        };
        let (small, big) = (shape(500), shape(2000));
        assert_eq!(small.lookup("10.0.0.1".parse().unwrap()).len(), 501);
        assert_eq!(big.lookup("10.0.0.2".parse().unwrap()).len(), 2000);
        // Four times the prefixes, about four times the entries (not sixteen).
        let ratio = big.index_entries() as f64 / small.index_entries() as f64;
        assert!(ratio < 4.5, "{ratio}");
        assert!(big.index_entries() < 10 * 4000, "{}", big.index_entries());
    }

    #[test]
    fn host_bits_are_ignored_and_escapes_accepted() {
        let text =
            file("Public", 1, &value("A", &["10.0.0.77/24"])).replace("\"A\"", "\"A\\u002eB\"");
        let st = ServiceTags::from_json(&text, Path::new("t.json")).unwrap();
        assert_eq!(names(&st, "10.0.0.1"), ["A.B"]);
        // An escape inside a prefix (`\/` is legal JSON) makes it a copy, not an error.
        let text = file("Public", 1, &value("A", &["10.0.0.77/24"])).replace("7/24", "7\\/24");
        assert!(text.contains("\\/"));
        let st = ServiceTags::from_json(&text, Path::new("t.json")).unwrap();
        assert_eq!(names(&st, "10.0.0.1"), ["A"]);
    }
}
