//! An ETL writer for tests and benchmarks, following the layouts the reader documents
//! (src/capture/etl/, docs/windows.md): a header buffer with the log-file header event, then
//! event buffers stored plain, [MS-XCA] Plain LZ77 or LZ77+Huffman compressed, holding Packet
//! Monitor packet, drop and component events and NDIS-PacketCapture fragment events. Packet
//! Monitor cannot run here; this writes what the reader was checked to read in the real file.
//! The compressors are small and honest (greedy matches) rather than good: they exist so the
//! reader's decoders see literals and matches, not to save bytes.
#![allow(dead_code)]

use std::collections::HashMap;

const BUFFER_HEADER_LEN: usize = 0x48;
const EVENT_HEADER_LEN: usize = 0x50;
/// Events per buffer before it is closed: a buffer's decompressed events stay well under the
/// 64 KiB of one LZ77+Huffman block and of the buffers Packet Monitor writes.
const BUFFER_CAPACITY: usize = 60 << 10;
/// FILETIME of the Unix epoch.
const FILETIME_UNIX_EPOCH: i64 = 116_444_736_000_000_000;

pub const PKTMON_GUID: [u8; 16] = [
    0xd9, 0x80, 0x4f, 0x4d, 0xbd, 0xc8, 0x73, 0x4d, 0xbb, 0x5b, 0x19, 0xc9, 0x04, 0x02, 0xc5, 0xac,
];
pub const NDIS_GUID: [u8; 16] = [
    0x6e, 0x00, 0xd6, 0x2e, 0x29, 0x47, 0x09, 0x46, 0xb4, 0x23, 0x3e, 0xe7, 0xbc, 0xd6, 0x78, 0xef,
];
/// NDIS-PacketCapture keywords (etl2pcapng's names).
pub const KW_MEDIA_WIRELESS_WAN: u64 = 0x200;
pub const KW_MEDIA_NATIVE_802_11: u64 = 0x1_0000;
pub const KW_PACKET_START: u64 = 0x4000_0000;
pub const KW_PACKET_END: u64 = 0x8000_0000;
pub const KW_SEND: u64 = 0x1_0000_0000;
pub const KW_RECEIVE: u64 = 0x2_0000_0000;

/// How event buffers are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    /// COMPRESSION_FORMAT_XPRESS (3), as the real Packet Monitor file.
    Lz77,
    /// COMPRESSION_FORMAT_XPRESS_HUFF (4).
    Huffman,
}

/// The file's clock (the log-file header's ClockType).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// ClockType 2: event timestamps are FILETIME.
    SystemTime,
    /// ClockType 1: QueryPerformanceCounter at 10 MHz, the header event at `sync_qpc` ticks
    /// being `start_unix_ns`.
    Qpc { sync_qpc: i64, start_unix_ns: i64 },
}

/// One Packet Monitor packet or drop event.
#[derive(Debug, Clone, Copy)]
pub struct PktmonPacket<'a> {
    pub group_id: u64,
    pub component: u16,
    pub edge: u16,
    /// 3 Rx, 4 Tx (PktMon_PacketDirectionTag).
    pub dir_tag: u16,
    /// 1 Ethernet, 3 MBB (bare IP).
    pub packet_type: u16,
    /// `Some((reason, location))` writes a drop event (id 170), else a packet event (160).
    pub drop: Option<(u32, u32)>,
    pub data: &'a [u8],
}

pub struct EtlWriter {
    compression: Compression,
    clock: Clock,
    out: Vec<u8>,
    events: Vec<u8>,
    /// Byte offset of every buffer written, for tests that damage one.
    buffer_offsets: Vec<usize>,
}

fn put<const N: usize>(b: &mut [u8], at: usize, v: [u8; N]) {
    b[at..at + N].copy_from_slice(&v);
}

impl EtlWriter {
    pub fn new(compression: Compression, clock: Clock) -> EtlWriter {
        let mut w = EtlWriter {
            compression,
            clock,
            out: Vec::new(),
            events: Vec::new(),
            buffer_offsets: Vec::new(),
        };
        w.header_buffer();
        w
    }

    fn state(&self) -> u32 {
        match self.compression {
            Compression::None => 0,
            Compression::Lz77 => 3,
            Compression::Huffman => 4,
        }
    }

    /// The first buffer: the system trace header (type 2, flags 0xc0, HookId 0) and a
    /// TRACE_LOGFILE_HEADER with 8-byte pointers.
    fn header_buffer(&mut self) {
        let mut e = vec![0u8; 0x20 + 0x118];
        put(&mut e, 0, 2u16.to_le_bytes());
        e[2] = 2;
        e[3] = 0xc0;
        let size = e.len() as u16;
        put(&mut e, 4, size.to_le_bytes());
        let p = 0x20;
        let (clock_type, start_ft, sync) = match self.clock {
            Clock::SystemTime => (2u32, FILETIME_UNIX_EPOCH, 0),
            Clock::Qpc {
                sync_qpc,
                start_unix_ns,
            } => (1, start_unix_ns / 100 + FILETIME_UNIX_EPOCH, sync_qpc),
        };
        put(&mut e, 0x10, sync.to_le_bytes());
        // LogFileMode: EVENT_TRACE_COMPRESSED_MODE when the buffers are compressed.
        let mode: u32 = if self.compression == Compression::None {
            0x1
        } else {
            0x0401_0001
        };
        put(&mut e, p + 0x20, mode.to_le_bytes());
        put(&mut e, p + 0x2c, 8u32.to_le_bytes());
        put(&mut e, p + 0x100, 10_000_000i64.to_le_bytes());
        put(&mut e, p + 0x108, start_ft.to_le_bytes());
        put(&mut e, p + 0x110, clock_type.to_le_bytes());
        self.events = e;
        self.events.resize(self.events.len().next_multiple_of(8), 0);
        self.flush_plain();
    }

    /// An event timestamp in the file's clock for `unix_ns` (a multiple of 100 ns).
    pub fn timestamp(&self, unix_ns: i64) -> i64 {
        match self.clock {
            Clock::SystemTime => unix_ns / 100 + FILETIME_UNIX_EPOCH,
            Clock::Qpc {
                sync_qpc,
                start_unix_ns,
            } => sync_qpc + (unix_ns - start_unix_ns) / 100,
        }
    }

    /// Adds any event (already laid out), closing the buffer first when it is full.
    pub fn raw_event(&mut self, event: &[u8]) {
        if !self.events.is_empty() && self.events.len() + event.len() > BUFFER_CAPACITY {
            self.flush();
        }
        self.events.extend_from_slice(event);
        self.events.resize(self.events.len().next_multiple_of(8), 0);
    }

    /// An EVENT_HEADER event (HeaderType 0x13) of `provider` with `user_data`.
    pub fn event(
        &self,
        unix_ns: i64,
        provider: [u8; 16],
        id: u16,
        keywords: u64,
        user_data: &[u8],
    ) -> Vec<u8> {
        let mut e = vec![0u8; EVENT_HEADER_LEN];
        let size = u16::try_from(EVENT_HEADER_LEN + user_data.len()).expect("event under 64 KiB");
        put(&mut e, 0, size.to_le_bytes());
        e[2] = 0x13;
        e[3] = 0xc0;
        put(&mut e, 0x10, self.timestamp(unix_ns).to_le_bytes());
        put(&mut e, 0x18, provider);
        put(&mut e, 0x28, id.to_le_bytes());
        e[0x2c] = 4; // level: informational, as in the real file
        put(&mut e, 0x30, keywords.to_le_bytes());
        e.extend_from_slice(user_data);
        e
    }

    pub fn pktmon_packet(&mut self, unix_ns: i64, p: &PktmonPacket<'_>) {
        let mut d = vec![0u8; 34];
        put(&mut d, 0, p.group_id.to_le_bytes());
        put(&mut d, 8, 1u16.to_le_bytes()); // PktNumber
        put(&mut d, 10, 1u16.to_le_bytes()); // AppearanceCount
        put(&mut d, 12, p.dir_tag.to_le_bytes());
        put(&mut d, 14, p.packet_type.to_le_bytes());
        put(&mut d, 16, p.component.to_le_bytes());
        put(&mut d, 18, p.edge.to_le_bytes());
        put(&mut d, 20, 1u16.to_le_bytes()); // FilterId
        let (reason, location) = p.drop.unwrap_or((0, 0));
        put(&mut d, 22, reason.to_le_bytes());
        put(&mut d, 26, location.to_le_bytes());
        let len = u16::try_from(p.data.len()).expect("packet under 64 KiB");
        put(&mut d, 30, len.to_le_bytes());
        put(&mut d, 32, len.to_le_bytes());
        d.extend_from_slice(p.data);
        let id = if p.drop.is_some() { 170 } else { 160 };
        let e = self.event(unix_ns, PKTMON_GUID, id, 0x10, &d);
        self.raw_event(&e);
    }

    /// A component-information event (id 20).
    pub fn pktmon_component(&mut self, id: u16, kind: u16, name: &str, description: &str) {
        let mut d = id.to_le_bytes().to_vec();
        d.extend_from_slice(&kind.to_le_bytes());
        for s in [name, description] {
            d.extend(s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes));
        }
        let e = self.event(0, PKTMON_GUID, 20, 0x2, &d);
        self.raw_event(&e);
    }

    /// An NDIS-PacketCapture packet fragment event (id 1001).
    pub fn ndis_fragment(&mut self, unix_ns: i64, lower_if: u32, keywords: u64, data: &[u8]) {
        let mut d = 1u32.to_le_bytes().to_vec(); // MiniportIfIndex
        d.extend_from_slice(&lower_if.to_le_bytes());
        d.extend_from_slice(&(data.len() as u32).to_le_bytes());
        d.extend_from_slice(data);
        let e = self.event(unix_ns, NDIS_GUID, 1001, keywords, &d);
        self.raw_event(&e);
    }

    /// A buffer header: size, State, data end, flag.
    fn buffer_header(size: usize, state: u32, end: usize, flag: u16) -> Vec<u8> {
        let mut h = vec![0u8; BUFFER_HEADER_LEN];
        put(&mut h, 0, (size as u32).to_le_bytes());
        put(&mut h, 0x2c, state.to_le_bytes());
        put(&mut h, 0x30, (end as u32).to_le_bytes());
        put(&mut h, 0x34, flag.to_le_bytes());
        h
    }

    /// Closes the current buffer as an uncompressed one: data up to `Offset`, then 0xff fill
    /// up to a 512-byte boundary, as a half-full ETW buffer.
    fn flush_plain(&mut self) {
        let end = BUFFER_HEADER_LEN + self.events.len();
        let size = end.next_multiple_of(512);
        self.buffer_offsets.push(self.out.len());
        self.out
            .extend_from_slice(&Self::buffer_header(size, self.state(), end, 0x1));
        self.out.append(&mut self.events);
        self.out.resize(self.out.len() + size - end, 0xff);
    }

    fn flush(&mut self) {
        if self.events.is_empty() {
            return;
        }
        let stored = match self.compression {
            Compression::None => return self.flush_plain(),
            Compression::Lz77 => lz77_compress(&self.events),
            Compression::Huffman => huffman_compress(&self.events),
        };
        let end = BUFFER_HEADER_LEN + self.events.len();
        let size = BUFFER_HEADER_LEN + stored.len();
        self.buffer_offsets.push(self.out.len());
        self.out
            .extend_from_slice(&Self::buffer_header(size, self.state(), end, 0x40));
        self.out.extend_from_slice(&stored);
        self.events.clear();
    }

    pub fn finish(self) -> Vec<u8> {
        self.finish_with_offsets().0
    }

    /// The file and the byte offset of each of its buffers (the header buffer first).
    pub fn finish_with_offsets(mut self) -> (Vec<u8>, Vec<usize>) {
        self.flush();
        (self.out, self.buffer_offsets)
    }
}

/// Greedy matches: the longest match (at most `max_len`) starting at the most recent earlier
/// position with the same 3 bytes, within `max_offset`.
fn greedy(data: &[u8], max_offset: usize, max_len: usize) -> Vec<(usize, usize)> {
    // (offset, length) per item; offset 0 = literal.
    let mut items = Vec::new();
    let mut last: HashMap<[u8; 3], usize> = HashMap::new();
    let mut i = 0;
    while i < data.len() {
        let mut item = (0, 1);
        if let Some(key) = data.get(i..i + 3).map(|k| [k[0], k[1], k[2]])
            && let Some(&j) = last.get(&key)
            && i - j <= max_offset
        {
            let len = (0..max_len.min(data.len() - i))
                .take_while(|&k| data[j + k] == data[i + k])
                .count();
            if len >= 3 {
                item = (i - j, len);
            }
        }
        for k in i..i + item.1 {
            if let Some(key) = data.get(k..k + 3) {
                last.insert([key[0], key[1], key[2]], k);
            }
        }
        items.push(item);
        i += item.1;
    }
    items
}

/// [MS-XCA] Plain LZ77: a 32-bit flag word (bit 31 first; 1 = match) before each 32 items;
/// matches of length 3..=9 (no length extension) and offset up to 8192.
pub fn lz77_compress(data: &[u8]) -> Vec<u8> {
    let items = greedy(data, 8192, 9);
    let mut out = Vec::new();
    let mut pos = 0;
    for group in items.chunks(32) {
        let mut flags = 0u32;
        let mut body = Vec::new();
        for (n, &(offset, len)) in group.iter().enumerate() {
            if offset == 0 {
                body.push(data[pos]);
            } else {
                flags |= 1 << (31 - n);
                let m = (((offset - 1) << 3) | (len - 3)) as u16;
                body.extend_from_slice(&m.to_le_bytes());
            }
            pos += len;
        }
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&body);
    }
    out
}

/// [MS-XCA] LZ77+Huffman, one block (at most 65536 bytes out): every one of the 512 symbols
/// gets a 9-bit code (a complete canonical table, so symbol n is n in 9 bits); matches of
/// length 3..=17 (no extra length bytes, so the bit stream is all there is) and offset up to
/// 65535 with their offset bits. The stream ends with the words the decoder prefetches.
pub fn huffman_compress(data: &[u8]) -> Vec<u8> {
    assert!(data.len() <= 65536, "one block only");
    let mut out = vec![0x99u8; 256];
    let mut bits = BitWriter::default();
    let mut pos = 0;
    for (offset, len) in greedy(data, 65535, 17) {
        if offset == 0 {
            bits.put(u32::from(data[pos]), 9);
        } else {
            let offset_bits = usize::BITS - 1 - offset.leading_zeros();
            let symbol = 256 + 16 * offset_bits as usize + (len - 3);
            bits.put(symbol as u32, 9);
            bits.put((offset - (1 << offset_bits)) as u32, offset_bits);
        }
        pos += len;
    }
    out.extend_from_slice(&bits.finish());
    out
}

#[derive(Default)]
struct BitWriter {
    acc: u64,
    n: u32,
    words: Vec<u16>,
    total_bits: u64,
}

impl BitWriter {
    fn put(&mut self, value: u32, n: u32) {
        if n == 0 {
            return;
        }
        self.acc = (self.acc << n) | u64::from(value & ((1 << n) - 1));
        self.n += n;
        self.total_bits += u64::from(n);
        while self.n >= 16 {
            self.words.push((self.acc >> (self.n - 16)) as u16);
            self.n -= 16;
        }
    }

    /// The words, padded so the decoder's refills (one word ahead, at least two) stay inside.
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.words.push((self.acc << (16 - self.n)) as u16);
        }
        let needed = (self.total_bits.div_ceil(16) as usize + 1).max(2);
        self.words.resize(needed, 0);
        self.words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }
}
