//! A large read buffer over any `Read`, refilled by moving the unread tail to the front. The
//! format walkers parse headers in place and hand out slices of it, so a frame costs no
//! allocation and no copy. Memory: [`CHUNK_LEN`] normally, growing (by doubling, and only when the
//! buffer is full of real data) to hold one record of at most the caller's bound; a lying length
//! at the end of a short file therefore never allocates what it claims.

use std::io::{self, Read};

/// Normal buffer size. Measured on seed.pcap (59 MB, page cache): 256 KiB stays in L2 while the
/// walker reads what `read` just copied in, and ran ~7 GB/s from a file against ~5.3 GB/s with a
/// 4 MiB buffer that spills to DRAM; the per-refill cost (one tail copy of less than a record,
/// a read call) is still negligible at this size.
pub(crate) const CHUNK_LEN: usize = 256 << 10;

pub(crate) struct Chunks<R> {
    reader: R,
    pub(crate) buf: Vec<u8>,
    /// First unconsumed byte in `buf`.
    pub(crate) start: usize,
    /// End of valid data in `buf`.
    pub(crate) end: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// A read error met after data that still holds whole records: reported on the next fill
    /// that needs more, so the frames before the damage are delivered first.
    pending: Option<io::Error>,
}

impl<R: Read> Chunks<R> {
    pub(crate) fn new(reader: R) -> Self {
        Self::with_capacity(reader, CHUNK_LEN)
    }

    pub(crate) fn with_capacity(reader: R, len: usize) -> Self {
        Chunks {
            reader,
            buf: vec![0; len.max(64)],
            start: 0,
            end: 0,
            base: 0,
            eof: false,
            pending: None,
        }
    }

    /// Stream offset of the first unconsumed byte.
    #[inline]
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Unconsumed bytes.
    #[inline]
    pub(crate) fn available(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    #[inline]
    pub(crate) fn left(&self) -> usize {
        self.end - self.start
    }

    #[inline]
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
    }

    /// Total bytes read from the stream so far.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.base + self.end as u64
    }

    /// Makes at least `need` unconsumed bytes available. `Ok(false)` when the stream ends first
    /// (what there is stays available). The caller bounds `need`.
    pub(crate) fn fill(&mut self, need: usize) -> io::Result<bool> {
        if self.left() >= need {
            return Ok(true);
        }
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start as u64;
            self.end -= self.start;
            self.start = 0;
        }
        // Keep reading past `need` until the buffer is half full, so small reads (pipes,
        // decompressors) do not turn into one refill per record.
        let want = need.max(self.buf.len() / 2);
        while self.end < want && !self.eof {
            if self.end == self.buf.len() {
                // Only reached when `need` exceeds the buffer and the buffer is full of data that
                // was really read: grow towards `need`, never beyond it.
                let new_len = self.buf.len().saturating_mul(2).min(need).max(self.end + 1);
                self.buf.resize(new_len, 0);
            }
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if self.left() >= need {
                        self.pending = Some(e);
                        self.eof = true;
                        break;
                    }
                    return Err(e);
                }
            }
        }
        Ok(self.left() >= need)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most 3 bytes per call, like a slow pipe.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = out.len().min(3).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn fill_compacts_and_grows_only_with_real_data() {
        let data: Vec<u8> = (0..200u8).collect();
        let mut c = Chunks::with_capacity(Trickle(&data), 64);
        assert!(c.fill(40).unwrap());
        assert_eq!(&c.available()[..40], &data[..40]);
        c.consume(40);
        assert_eq!(c.offset(), 40);
        // Needs more than the buffer: grows to what is needed.
        assert!(c.fill(100).unwrap());
        assert_eq!(c.offset(), 40);
        assert_eq!(&c.available()[..100], &data[40..140]);
        assert!(c.buf.len() <= 128);
        c.consume(100);
        // A lying need at the end: false, and the buffer did not grow to it.
        assert!(!c.fill(1 << 20).unwrap());
        assert_eq!(c.left(), 60);
        assert!(c.buf.len() < 1024);
        assert_eq!(c.bytes_read(), 200);
    }
}
