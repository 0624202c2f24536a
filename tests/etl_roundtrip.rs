//! Round trip of the ETL reader's two decompressors ([MS-XCA] Plain LZ77 and LZ77+Huffman,
//! src/capture/etl/) against the test writer's compressors (tests/common/etl.rs): random and
//! repetitive packets written as Packet Monitor events in compressed buffers must come back
//! byte for byte. The decoders' own unit tests check them against the specification's examples
//! and against the straightforward decoders they replaced; this checks them through the reader
//! on the streams a compressor actually writes (literal runs, matches of every distance the
//! writer emits, overlapping ones included, several buffers per file).

#[path = "common/etl.rs"]
mod etl;

use arcaudit::capture::{Input, read_from};
use etl::{Clock, Compression, EtlWriter, PktmonPacket};

/// xorshift64: reproducible cases without a dependency.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One packet: random bytes, a short pattern repeated (overlapping matches of small distance),
/// a run of one byte, copies of earlier packets with a few changes (long-distance matches), or
/// a mix of these.
fn packet(noise: &mut Noise, earlier: &[Vec<u8>]) -> Vec<u8> {
    let len = match noise.below(4) {
        0 => 1 + noise.below(64),
        1 | 2 => 40 + noise.below(1500),
        _ => 1500 + noise.below(9000),
    };
    let mut p = Vec::with_capacity(len);
    while p.len() < len {
        let piece = 1 + noise.below(len - p.len());
        match noise.below(5) {
            0 => p.extend((0..piece).map(|_| noise.next() as u8)),
            1 => {
                let period = 1 + noise.below(20);
                let pattern: Vec<u8> = (0..period).map(|_| noise.next() as u8).collect();
                p.extend(pattern.iter().cycle().take(piece));
            }
            2 => p.extend(std::iter::repeat_n(noise.next() as u8, piece)),
            3 if !earlier.is_empty() => {
                let e = &earlier[noise.below(earlier.len())];
                let mut copy: Vec<u8> = e.iter().copied().take(piece).collect();
                for _ in 0..noise.below(4) {
                    if !copy.is_empty() {
                        let i = noise.below(copy.len());
                        copy[i] = noise.next() as u8;
                    }
                }
                p.extend(copy);
            }
            _ => p.extend((0..piece).map(|i| (i % 251) as u8)),
        }
    }
    p.truncate(len);
    p
}

fn round_trip(compression: Compression, cases: usize, seed: u64) {
    let mut noise = Noise(seed);
    for case in 0..cases {
        let count = 1 + noise.below(40);
        let mut packets: Vec<Vec<u8>> = Vec::new();
        for _ in 0..count {
            let p = packet(&mut noise, &packets);
            packets.push(p);
        }
        let mut w = EtlWriter::new(compression, Clock::SystemTime);
        for (i, p) in packets.iter().enumerate() {
            w.pktmon_packet(
                1_768_467_600_000_000_000 + i as i64 * 1000,
                &PktmonPacket {
                    group_id: i as u64,
                    component: 59,
                    edge: 1,
                    dir_tag: 3,
                    packet_type: 1,
                    drop: None,
                    data: p,
                },
            );
        }
        let file = w.finish();
        let mut seen = Vec::new();
        let o = read_from(&Input::Path("rt.etl".into()), &file[..], |f| {
            seen.push(f.data.to_vec())
        });
        assert!(
            o.error.is_none(),
            "{compression:?} case {case}: {:?}",
            o.error
        );
        assert!(
            seen == packets,
            "{compression:?} case {case}: frames differ"
        );
    }
}

#[test]
fn plain_lz77_buffers_give_back_the_packets_written() {
    round_trip(Compression::Lz77, 200, 0x0123_4567_89ab_cdef);
}

#[test]
fn lz77_huffman_buffers_give_back_the_packets_written() {
    round_trip(Compression::Huffman, 200, 0xfedc_ba98_7654_3210);
}
