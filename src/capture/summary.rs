//! What the reader learnt about a capture besides its frames: format, compression, sections,
//! interfaces, statistics blocks and blocks it skipped. Plain owned data for the report; every
//! list here is capped so a hostile file cannot grow it without bound.

use serde::Serialize;

/// Container format, recognised by its magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaptureFormat {
    /// libpcap, microsecond timestamps (magic a1b2c3d4).
    Pcap,
    /// libpcap, nanosecond timestamps (magic a1b23c4d).
    PcapNs,
    /// Alexey Kuznetsov's "modified pcap" (magic a1b2cd34, 24-byte record headers).
    ModifiedPcap,
    /// pcapng (section header block 0a0d0d0a).
    Pcapng,
    /// Windows Event Trace Log (Packet Monitor), recognised by its first WMI buffer header.
    Etl,
}

/// Byte order of a pcap file or of one pcapng section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ByteOrder {
    Little,
    Big,
}

/// Compression wrapped around the capture, recognised by its magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Zstd,
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        })
    }
}

/// The global header of a classic pcap file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PcapHeader {
    pub version_major: u16,
    pub version_minor: u16,
    pub snaplen: u32,
    /// The raw 32-bit link-type field, FCS bits included.
    pub network: u32,
    /// LINKTYPE_* value: the low 16 bits of `network`, as libpcap reads it.
    pub linktype: u32,
    /// FCS length in 16-bit words when the header says one is present (libpcap
    /// LT_FCS_LENGTH_PRESENT, bit 26; length in bits 28-31).
    pub fcs_words: Option<u8>,
}

/// One pcapng section header block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionInfo {
    /// Byte offset of the section header block.
    pub offset: u64,
    pub byte_order: ByteOrder,
    pub version_major: u16,
    pub version_minor: u16,
    /// `shb_hardware`, `shb_os`, `shb_userappl`: what took the capture, cut to
    /// [`super::MAX_NAME_LEN`] bytes and made UTF-8 lossily. Absent when the writer left
    /// them out (most converters do).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hardware: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_application: Option<String>,
    /// `opt_comment`s of the section header, the first [`MAX_OPTION_VALUES`], each cut as
    /// above. A collector may name the machine here (`host=web-01`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<String>,
}

/// Most values of one repeatable option (comments, addresses) kept per block: a section or
/// interface names its machine in the first few; a hostile file repeating an option
/// thousands of times must not grow the summary.
pub const MAX_OPTION_VALUES: usize = 8;

/// One pcapng interface description block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfaceInfo {
    /// 0-based index of the section the interface belongs to.
    pub section: u32,
    /// Interface id within its section (the value EPBs refer to).
    pub id: u32,
    /// Byte offset of the interface description block.
    pub offset: u64,
    pub linktype: u32,
    /// 0 means "no limit", as in the pcapng spec.
    pub snaplen: u32,
    /// Raw `if_tsresol` byte (default 6: microseconds; high bit set: power of 2).
    pub tsresol: u8,
    /// `if_tsoffset` in seconds (default 0).
    pub tsoffset_secs: i64,
    /// `if_name`, cut to [`super::MAX_NAME_LEN`] bytes and made UTF-8 lossily.
    pub name: Option<String>,
    /// `if_description`, cut the same way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `if_IPv4addr` and `if_IPv6addr`: the interface's own addresses (the first
    /// [`MAX_OPTION_VALUES`]), without their masks or prefix lengths.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<std::net::IpAddr>,
    /// `if_MACaddr`, as `02:00:0a:01:00:04`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

/// Counters from one pcapng interface statistics block (absent options stay `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfaceStats {
    pub section: u32,
    pub interface_id: u32,
    pub offset: u64,
    pub ts_nanos: i64,
    pub if_recv: Option<u64>,
    pub if_drop: Option<u64>,
    pub filter_accept: Option<u64>,
    pub os_drop: Option<u64>,
    pub usr_deliv: Option<u64>,
}

/// How many pcapng blocks of each kind were seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BlockCounts {
    pub section_header: u64,
    pub interface_description: u64,
    pub enhanced_packet: u64,
    pub simple_packet: u64,
    pub obsolete_packet: u64,
    pub name_resolution: u64,
    pub interface_statistics: u64,
    pub decryption_secrets: u64,
    pub custom: u64,
    /// Any other block type (systemd journal, sysdig events, vendor blocks...), skipped.
    pub other: u64,
}

/// A well-framed pcapng packet block the reader skipped because its content was unusable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedBlock {
    pub offset: u64,
    pub block_type: u32,
    pub reason: String,
}

/// One Windows Packet Monitor component, from its component-information event in an ETL file
/// (event id 20): what a frame's `origin.component` refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostComponent {
    /// ComponentId, as packet and drop events give it.
    pub id: u16,
    /// The component type code, and its name where Packet Monitor's value map has one
    /// (1 NDIS, 2 Miniport, 3 Filter, 4 Protocol, ...).
    pub kind: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind_name: Option<&'static str>,
    /// The driver (`netvsc.sys`, `wfplwfs.sys`, `tcpip.sys`...).
    pub name: String,
    /// What the component is (`Microsoft Hyper-V Network Adapter #2`, `TCP/IPv4 - L3/L4`...).
    pub description: String,
}

/// Everything the capture stage learnt about one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaptureSummary {
    /// The input as named in messages (path or "-").
    pub input: String,
    /// `None` when the input was not recognised as a capture.
    pub format: Option<CaptureFormat>,
    /// pcap: the file's byte order; pcapng: the first section's (see `sections` for the rest).
    pub byte_order: Option<ByteOrder>,
    pub compression: Compression,
    /// Frames delivered to the sink.
    pub frames: u64,
    /// The earliest and the latest frame timestamp (ns since the epoch), as capinfos'
    /// "first/last packet time": the capture's own time span. `None` without frames. The
    /// minimum and maximum rather than the first and last record, since frames of a
    /// multi-interface pcapng are not always in time order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_ts_ns: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ts_ns: Option<i64>,
    /// Bytes read from the decompressed stream (the whole stream when reading completed).
    pub bytes_read: u64,
    /// Distinct link types of the file header / all interfaces, ascending.
    pub linktypes: Vec<u32>,
    /// pcap only.
    pub pcap_header: Option<PcapHeader>,
    /// pcapng only; capped at [`super::MAX_SUMMARY_ITEMS`] (see `section_count`).
    pub sections: Vec<SectionInfo>,
    pub section_count: u64,
    /// pcapng only; capped at [`super::MAX_SUMMARY_ITEMS`] (see `interface_count`).
    pub interfaces: Vec<InterfaceInfo>,
    pub interface_count: u64,
    /// pcapng interface statistics blocks, capped at [`super::MAX_SUMMARY_ITEMS`].
    pub interface_stats: Vec<InterfaceStats>,
    pub blocks: BlockCounts,
    /// pcapng packet blocks skipped (unknown interface, captured length beyond the block).
    pub skipped_blocks: u64,
    /// The first few of them, capped at [`super::MAX_SUMMARY_SKIPPED`].
    pub skipped: Vec<SkippedBlock>,
    /// ETL (Packet Monitor) only: the components the file describes, one per id, in file
    /// order; capped at [`super::MAX_SUMMARY_ITEMS`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<HostComponent>,
}

impl CaptureSummary {
    /// Widens the time span to cover a frame stamped `ts_nanos`.
    pub(crate) fn add_frame_time(&mut self, ts_nanos: i64) {
        self.first_ts_ns = Some(self.first_ts_ns.map_or(ts_nanos, |t| t.min(ts_nanos)));
        self.last_ts_ns = Some(self.last_ts_ns.map_or(ts_nanos, |t| t.max(ts_nanos)));
    }

    /// The capture's time span in nanoseconds, never overflowing (a pcapng `if_tsoffset`
    /// can put frames at both ends of the i64 range).
    pub fn duration_ns(&self) -> Option<i64> {
        Some(self.last_ts_ns?.saturating_sub(self.first_ts_ns?))
    }

    pub(crate) fn add_linktype(&mut self, linktype: u32) {
        // Sorted insert: a handful of entries, and only on headers, never per frame. A file with
        // thousands of interfaces of distinct types is bounded by the 16-bit link-type space.
        if let Err(pos) = self.linktypes.binary_search(&linktype) {
            self.linktypes.insert(pos, linktype);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_span_covers_frames_out_of_order_and_never_overflows() {
        let mut s = CaptureSummary::default();
        assert_eq!(s.duration_ns(), None);
        for ts in [5, 3, 9] {
            s.add_frame_time(ts);
        }
        assert_eq!((s.first_ts_ns, s.last_ts_ns), (Some(3), Some(9)));
        assert_eq!(s.duration_ns(), Some(6));
        // if_tsoffset can put frames at both ends of the range.
        s.add_frame_time(i64::MIN);
        s.add_frame_time(i64::MAX);
        assert_eq!(s.duration_ns(), Some(i64::MAX));
    }
}
