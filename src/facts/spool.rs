//! A bounded store for the facts of one capture: records are kept in memory up to a budget,
//! then written in sorted runs to an unnamed temporary file and read back, merged in key
//! order, as often as the audit needs them. The audit of a capture of any size then holds
//! a bounded number of records at once instead of all of them.
//!
//! A [`Spool`] collects records; each time the records in memory pass the budget they are
//! sorted by key (stably) and appended to the file as one run. [`Spool::finish`] sorts the
//! last run, which stays in memory, and gives a [`Sorted`]: a k-way merge of the runs that
//! yields every record in exactly the order a stable sort of all of them in push order
//! would (ties go to the earlier run, and the in-memory run is the latest).
//!
//! The file is made with [`tempfile::tempfile`]: it has no name (`O_TMPFILE` or unlinked
//! at once on Unix, delete-on-close on Windows), so the OS removes it when the handle is
//! closed, that is when the `Sorted` is dropped, and also when the process crashes. A spool
//! that cannot create or write its file keeps everything in memory instead (a correct
//! audit beats a bounded one) and says why in [`Sorted::spill_error`].
//!
//! Memory: while pushing, the in-memory run (at most the budget plus one record) and a
//! 64 KiB write buffer. While merging R runs from the file: R read buffers of at most
//! [`READ_BUFFER`] bytes each (a buffer grows to hold a larger record), one decoded record
//! per run, and the in-memory last run. With a budget of a few MiB and a capture of a few
//! hundred MiB of records, R stays in the tens: under a MiB of buffers.
//!
//! On disk a run is its records, each as a `u32` little-endian length and then the
//! record's [`Spooled::encode`] bytes; a table in memory says where each run starts, how
//! many bytes and how many records it holds. The file is never read by another program.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;

/// A value a spool can write to its file and read back. The encoding is private to the
/// process that wrote it (never a file format another program reads), so it only has to
/// round-trip; decoding refuses malformed bytes instead of panicking.
pub trait Spooled: Sized {
    /// What many records share (a server's certificate chain, a client's fingerprint),
    /// kept once per spool in memory and written as a number in each record that holds it:
    /// encoding fills it, decoding reads it. `()` for a type that shares nothing.
    type Shared: Default + Send + Sync;
    /// Appends the encoding of `self` to `out`.
    fn encode(&self, shared: &mut Self::Shared, out: &mut Vec<u8>);
    /// Reads one value from the front of `input` and advances it past the value; `None`
    /// when the bytes are not one value's encoding.
    fn decode(input: &mut &[u8], shared: &Self::Shared) -> Option<Self>;
}

/// Bytes of a run read from the file at once during the merge. Small, because the merge
/// holds one per run; large enough that a read brings in dozens of records.
pub const READ_BUFFER: usize = 32 << 10;

/// Bytes buffered while a run is written, so a spill is a few large writes, not one per
/// record, without holding the whole run's encoding in memory.
const WRITE_BUFFER: usize = 64 << 10;

/// Bytes of the length before each record in the file.
const LEN_PREFIX: usize = 4;

/// Where one sorted run lies in the file.
#[derive(Debug, Clone, Copy)]
struct RunInfo {
    offset: u64,
    bytes: u64,
    count: usize,
}

/// Collects records up to a memory budget, spilling sorted runs to an unnamed temporary
/// file past it; [`finish`](Spool::finish) turns it into a [`Sorted`] to read back.
pub struct Spool<T: Spooled> {
    memory: usize,
    key: fn(&T) -> u64,
    /// The current run, in push order (sorted in place only when finished).
    run: Vec<T>,
    /// The callers' estimate of the bytes of `run`.
    run_bytes: usize,
    /// How the file is made: [`tempfile::tempfile`] except in tests of failures.
    create: fn() -> io::Result<File>,
    file: Option<File>,
    runs: Vec<RunInfo>,
    /// Bytes written to the file: where the next run starts.
    written: u64,
    /// Records in the file.
    spilled: usize,
    /// Reused for each record's length and encoding while spilling.
    scratch: Vec<u8>,
    /// Why spilling stopped; set once, after which everything stays in memory.
    spill_error: Option<String>,
    /// What the written records share, for reading them back.
    shared: T::Shared,
}

impl<T: Spooled> Spool<T> {
    /// `memory` = bytes of records kept in memory before a run is written out (the caller
    /// passes an estimate per record to [`push`](Spool::push)); `key` orders the records
    /// (first frame).
    pub fn new(memory: usize, key: fn(&T) -> u64) -> Spool<T> {
        Spool {
            memory,
            key,
            run: Vec::new(),
            run_bytes: 0,
            create: tempfile::tempfile,
            file: None,
            runs: Vec::new(),
            written: 0,
            spilled: 0,
            scratch: Vec::new(),
            spill_error: None,
            shared: T::Shared::default(),
        }
    }

    /// Adds a record of about `bytes` bytes. When the in-memory run exceeds the budget it
    /// is sorted by key (stably) and appended to the temporary file, created on the first
    /// spill. If creating or writing the file fails, the spool stops spilling for good and
    /// keeps everything in memory, remembering the error for [`Sorted::spill_error`].
    pub fn push(&mut self, item: T, bytes: usize) {
        self.run.push(item);
        self.run_bytes = self.run_bytes.saturating_add(bytes);
        if self.run_bytes > self.memory
            && self.spill_error.is_none()
            && let Err(e) = self.spill()
        {
            self.spill_error = Some(e.to_string());
            // A file that holds no complete run is of no use; close it (the OS removes it).
            if self.runs.is_empty() {
                self.file = None;
            }
        }
    }

    /// Records pushed.
    pub fn len(&self) -> usize {
        self.spilled + self.run.len()
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Finishes writing: sorts the last run, which stays in memory (it is at most the
    /// budget plus one record, or everything if spilling failed).
    pub fn finish(mut self) -> Sorted<T> {
        self.run.sort_by_cached_key(self.key);
        Sorted {
            key: self.key,
            len: self.spilled + self.run.len(),
            memory: self.run,
            file: self.file.map(SpillFile::new),
            runs: self.runs,
            spill_error: self.spill_error,
            shared: self.shared,
        }
    }

    /// Appends the current run to the file in key order (stably). On an error the run
    /// stays in memory as pushed (the final stable sort then orders it with the records
    /// pushed after it) and the file's table is unchanged, so bytes of a half-written run
    /// are never read.
    fn spill(&mut self) -> io::Result<()> {
        let run_index = self.runs.len();
        let context = |what: &str, e: io::Error| {
            io::Error::new(
                e.kind(),
                format!("spool: {what} run {run_index} of the temporary file: {e}"),
            )
        };
        // The run is written in key order through a sorted list of positions, so the
        // records themselves (hundreds of bytes each) are never moved.
        let key = self.key;
        let mut order: Vec<(u64, usize)> = self
            .run
            .iter()
            .enumerate()
            .map(|(i, r)| (key(r), i))
            .collect();
        // Positions are distinct, so an unstable sort leaves equal keys in push order.
        order.sort_unstable();
        if self.file.is_none() {
            let file = (self.create)().map_err(|e| context("creating the file for", e))?;
            self.file = Some(file);
        }
        let Some(file) = &self.file else {
            return Ok(());
        };
        let mut out = BufWriter::with_capacity(WRITE_BUFFER, file);
        let mut bytes: u64 = 0;
        for &(_, i) in &order {
            let Some(record) = self.run.get(i) else {
                continue;
            };
            self.scratch.clear();
            self.scratch.extend_from_slice(&[0; LEN_PREFIX]);
            record.encode(&mut self.shared, &mut self.scratch);
            let len = u32::try_from(self.scratch.len() - LEN_PREFIX).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("spool: a record of run {run_index} encodes to over 4 GiB"),
                )
            })?;
            self.scratch[..LEN_PREFIX].copy_from_slice(&len.to_le_bytes());
            out.write_all(&self.scratch)
                .map_err(|e| context("writing", e))?;
            bytes += self.scratch.len() as u64;
        }
        out.flush().map_err(|e| context("writing", e))?;
        self.runs.push(RunInfo {
            offset: self.written,
            bytes,
            count: self.run.len(),
        });
        self.written += bytes;
        self.spilled += self.run.len();
        self.run.clear();
        self.run_bytes = 0;
        Ok(())
    }
}

/// The spill file, read at offsets. Unix reads with `pread` (no shared cursor), so several
/// threads may merge the same [`Sorted`] at once; elsewhere one seek-and-read at a time.
struct SpillFile {
    file: File,
    #[cfg(not(unix))]
    cursor: std::sync::Mutex<()>,
}

impl SpillFile {
    fn new(file: File) -> SpillFile {
        SpillFile {
            file,
            #[cfg(not(unix))]
            cursor: std::sync::Mutex::new(()),
        }
    }

    #[cfg(unix)]
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
    }

    #[cfg(not(unix))]
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        seek_read_exact(&self.file, &self.cursor, buf, offset)
    }
}

/// Positioned read through the handle's cursor, for platforms without `pread`; the lock
/// keeps another thread's seek from landing between this seek and its read.
#[cfg(any(not(unix), test))]
fn seek_read_exact(
    file: &File,
    cursor: &std::sync::Mutex<()>,
    buf: &mut [u8],
    offset: u64,
) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    // A poisoned lock only means another reader panicked; the cursor is re-set anyway.
    let _guard = cursor.lock().unwrap_or_else(|p| p.into_inner());
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// Every record of a finished [`Spool`], readable in key order any number of
/// times. Owns the spill file: dropping it closes the file, which the OS then removes.
pub struct Sorted<T: Spooled> {
    key: fn(&T) -> u64,
    /// The last run, sorted: the latest of the runs.
    memory: Vec<T>,
    file: Option<SpillFile>,
    runs: Vec<RunInfo>,
    len: usize,
    spill_error: Option<String>,
    /// What the records in the file share (see [`Spooled::Shared`]).
    shared: T::Shared,
}

impl<T: Spooled> std::fmt::Debug for Sorted<T> {
    /// How many records, and where (the records themselves are in passes, not in a list).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sorted")
            .field("len", &self.len)
            .field("runs_on_disk", &self.runs.len())
            .field("in_memory", &self.memory.len())
            .finish()
    }
}

impl<T: Spooled> Sorted<T> {
    /// Records held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether some records are on disk (for reports and tests).
    pub fn spilled(&self) -> bool {
        !self.runs.is_empty()
    }

    /// Why the spool stopped writing to its file (and kept the rest in memory), if it did.
    pub fn spill_error(&self) -> Option<&str> {
        self.spill_error.as_deref()
    }

    /// Every record, in key order, copied out (tests and small callers; the audit reads
    /// the records in passes instead).
    pub fn to_vec(&self) -> io::Result<Vec<T>>
    where
        T: Clone,
    {
        let mut v = Vec::with_capacity(self.len);
        self.for_each(|_, r| v.push(r.clone()))?;
        Ok(v)
    }

    /// Calls `f` on every record in key order, exactly the order a stable sort by key of
    /// all records in push order gives, with the record's position in that order (0, 1,
    /// 2, ...). Reading the file back can fail (the error names the run and byte offset);
    /// a record that does not decode is an [`io::ErrorKind::InvalidData`] error.
    pub fn for_each(&self, mut f: impl FnMut(usize, &T)) -> io::Result<()> {
        self.try_for_each(|i, r| {
            f(i, r);
            ControlFlow::Continue(())
        })
    }

    /// Same as [`for_each`](Sorted::for_each), but stops after the first record for which
    /// `f` returns `Break` (for `any`-style passes).
    pub fn try_for_each(&self, mut f: impl FnMut(usize, &T) -> ControlFlow<()>) -> io::Result<()> {
        let file = match &self.file {
            Some(file) if !self.runs.is_empty() => file,
            // Nothing on disk, the common case of a small capture: no encoding, no merge.
            _ => {
                for (i, record) in self.memory.iter().enumerate() {
                    if f(i, record).is_break() {
                        break;
                    }
                }
                return Ok(());
            }
        };
        let key = self.key;
        let mem_run = self.runs.len();
        let mut readers: Vec<RunReader> = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, info)| RunReader::new(i, info))
            .collect();
        // The next record of each file run; the heap holds (key, run) of each run that has
        // one, so the smallest key wins and, among equal keys, the earliest run.
        let mut heads: Vec<Option<T>> = Vec::with_capacity(readers.len());
        let mut heap = BinaryHeap::with_capacity(readers.len() + 1);
        for (i, reader) in readers.iter_mut().enumerate() {
            let head = reader.next::<T>(file, &self.shared)?;
            if let Some(record) = &head {
                heap.push(Reverse((key(record), i)));
            }
            heads.push(head);
        }
        let mut mem_next = 0;
        if let Some(record) = self.memory.first() {
            heap.push(Reverse((key(record), mem_run)));
        }
        let mut position = 0;
        while let Some(mut top) = heap.peek_mut() {
            let Reverse((_, run)) = *top;
            let (flow, next_key) = if run == mem_run {
                let Some(record) = self.memory.get(mem_next) else {
                    std::collections::binary_heap::PeekMut::pop(top);
                    continue;
                };
                mem_next += 1;
                (f(position, record), self.memory.get(mem_next).map(key))
            } else {
                let Some(record) = heads[run].take() else {
                    std::collections::binary_heap::PeekMut::pop(top);
                    continue;
                };
                let flow = f(position, &record);
                // Dropped before the next is decoded: one decoded record per run at most.
                drop(record);
                if flow.is_break() {
                    return Ok(());
                }
                let next = readers[run].next::<T>(file, &self.shared)?;
                let next_key = next.as_ref().map(key);
                heads[run] = next;
                (flow, next_key)
            };
            if flow.is_break() {
                return Ok(());
            }
            position += 1;
            match next_key {
                Some(k) => top.0 = (k, run),
                None => {
                    std::collections::binary_heap::PeekMut::pop(top);
                }
            }
        }
        Ok(())
    }
}

/// Reads one run's records in order through a small buffer that grows only for a record
/// larger than it.
struct RunReader {
    run: usize,
    /// File offset of the first byte not yet read into `buf`.
    next: u64,
    /// File offset where the run ends.
    end: u64,
    buf: Vec<u8>,
    /// `buf[start..filled]` is read and not yet decoded.
    start: usize,
    filled: usize,
    /// Records not yet decoded.
    left: usize,
}

impl RunReader {
    fn new(run: usize, info: &RunInfo) -> RunReader {
        let size = usize::try_from(info.bytes).map_or(READ_BUFFER, |b| b.min(READ_BUFFER));
        RunReader {
            run,
            next: info.offset,
            end: info.offset.saturating_add(info.bytes),
            buf: vec![0; size],
            start: 0,
            filled: 0,
            left: info.count,
        }
    }

    /// File offset of the first byte not yet decoded.
    fn offset(&self) -> u64 {
        self.next - (self.filled - self.start) as u64
    }

    fn invalid(&self, what: &str) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "spool: run {} of the temporary file, byte offset {}: {what}",
                self.run,
                self.offset()
            ),
        )
    }

    /// The run's next record, `None` after its last.
    fn next<T: Spooled>(&mut self, file: &SpillFile, shared: &T::Shared) -> io::Result<Option<T>> {
        if self.left == 0 {
            if self.start < self.filled || self.next < self.end {
                return Err(self.invalid("bytes after the run's last record"));
            }
            return Ok(None);
        }
        self.fill(file, LEN_PREFIX)?;
        let mut prefix = [0; LEN_PREFIX];
        prefix.copy_from_slice(&self.buf[self.start..self.start + LEN_PREFIX]);
        let len = u32::from_le_bytes(prefix) as usize;
        let remaining = (self.filled - self.start - LEN_PREFIX) as u64 + (self.end - self.next);
        if len as u64 > remaining {
            return Err(self.invalid(&format!(
                "a record of {len} bytes where the run has {remaining} left"
            )));
        }
        self.fill(file, LEN_PREFIX + len)?;
        let body = self.start + LEN_PREFIX;
        let mut input = &self.buf[body..body + len];
        let record = match T::decode(&mut input, shared) {
            Some(record) if input.is_empty() => record,
            Some(_) => return Err(self.invalid("a record shorter than its length says")),
            None => return Err(self.invalid("a record that does not decode")),
        };
        self.start = body + len;
        self.left -= 1;
        Ok(Some(record))
    }

    /// Makes `buf[start..]` hold at least `need` bytes, reading on from the file.
    fn fill(&mut self, file: &SpillFile, need: usize) -> io::Result<()> {
        let have = self.filled - self.start;
        if have >= need {
            return Ok(());
        }
        let more = (need - have) as u64;
        if self.end - self.next < more {
            return Err(self.invalid("the run ends inside a record"));
        }
        self.buf.copy_within(self.start..self.filled, 0);
        self.start = 0;
        self.filled = have;
        if self.buf.len() < need {
            self.buf.resize(need, 0);
        }
        // Read as much of the run as fits (at least `more`, which is within the run).
        let room = (self.buf.len() - have) as u64;
        let want = room.min(self.end - self.next) as usize;
        file.read_exact_at(&mut self.buf[have..have + want], self.next)
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "spool: run {} of the temporary file, reading {want} bytes at byte offset {}: {e}",
                        self.run, self.next
                    ),
                )
            })?;
        self.next += want as u64;
        self.filled = have + want;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::io::{Seek, SeekFrom};

    /// A record for the tests: `seq` is the push order, so a wrong tie order shows.
    #[derive(Debug, Clone, PartialEq)]
    struct Rec {
        key: u64,
        seq: u64,
        payload: String,
    }

    fn take<const N: usize>(input: &mut &[u8]) -> Option<[u8; N]> {
        let (head, rest) = input.split_first_chunk::<N>()?;
        *input = rest;
        Some(*head)
    }

    impl Spooled for Rec {
        type Shared = ();
        fn encode(&self, _: &mut (), out: &mut Vec<u8>) {
            out.extend_from_slice(&self.key.to_le_bytes());
            out.extend_from_slice(&self.seq.to_le_bytes());
            out.extend_from_slice(&(self.payload.len() as u32).to_le_bytes());
            out.extend_from_slice(self.payload.as_bytes());
        }
        fn decode(input: &mut &[u8], _: &()) -> Option<Rec> {
            let key = u64::from_le_bytes(take(input)?);
            let seq = u64::from_le_bytes(take(input)?);
            let len = u32::from_le_bytes(take(input)?) as usize;
            let bytes = input.get(..len)?;
            let payload = String::from_utf8(bytes.to_vec()).ok()?;
            *input = &input[len..];
            Some(Rec { key, seq, payload })
        }
    }

    fn rec_key(r: &Rec) -> u64 {
        r.key
    }

    /// The caller's estimate of a record's bytes, as `push` is given it.
    fn rec_bytes(r: &Rec) -> usize {
        24 + r.payload.len()
    }

    use crate::testing::XorShift as Rng;

    fn records(rng: &mut Rng, n: usize, keys: u64) -> Vec<Rec> {
        (0..n as u64)
            .map(|seq| {
                let len = rng.below(40) as usize;
                Rec {
                    key: rng.below(keys),
                    seq,
                    payload: "x".repeat(len),
                }
            })
            .collect()
    }

    fn stable_sorted(v: &[Rec]) -> Vec<Rec> {
        let mut v = v.to_vec();
        v.sort_by_key(rec_key);
        v
    }

    fn spool_of(v: &[Rec], memory: usize) -> Sorted<Rec> {
        let mut spool = Spool::new(memory, rec_key);
        for r in v {
            spool.push(r.clone(), rec_bytes(r));
        }
        assert_eq!(spool.len(), v.len());
        spool.finish()
    }

    fn collect(sorted: &Sorted<Rec>) -> io::Result<Vec<Rec>> {
        let mut out = Vec::new();
        sorted.for_each(|i, r| {
            assert_eq!(i, out.len(), "positions count 0, 1, 2, ...");
            out.push(r.clone());
        })?;
        Ok(out)
    }

    #[test]
    fn merge_equals_a_stable_sort_for_any_number_of_runs() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut runs_seen = Vec::new();
        for case in 0..48 {
            let n = match case % 6 {
                0 => 0,
                1 => 1 + rng.below(5) as usize,
                _ => rng.below(5000) as usize,
            };
            let keys = [1, 2, 10, 1000, u64::MAX][rng.below(5) as usize];
            let input = records(&mut rng, n, keys);
            let total: usize = input.iter().map(rec_bytes).sum();
            // No spill, one spilled run, several, about a hundred.
            let memory = match case % 4 {
                0 => usize::MAX,
                1 => total * 2 / 3,
                2 => total / 6,
                _ => total / 100,
            };
            let sorted = spool_of(&input, memory);
            let expected = stable_sorted(&input);
            assert_eq!(sorted.len(), n);
            assert_eq!(sorted.is_empty(), n == 0);
            assert_eq!(sorted.spill_error(), None);
            assert_eq!(collect(&sorted).unwrap(), expected, "case {case}");
            assert_eq!(collect(&sorted).unwrap(), expected, "case {case}, again");
            runs_seen.push(sorted.runs.len());
        }
        assert!(runs_seen.contains(&0));
        assert!(runs_seen.contains(&1));
        assert!(runs_seen.iter().any(|&r| (3..=10).contains(&r)));
        assert!(runs_seen.iter().any(|&r| r >= 90), "{runs_seen:?}");
    }

    #[test]
    fn a_spool_that_never_spills_equals_a_stable_sort() {
        let mut rng = Rng(7);
        for n in [0, 1, 2, 100, 4999] {
            let input = records(&mut rng, n, 5);
            let sorted = spool_of(&input, usize::MAX);
            assert_eq!(sorted.len(), n);
            assert!(!sorted.spilled());
            assert_eq!(collect(&sorted).unwrap(), stable_sorted(&input));
        }
    }

    #[test]
    fn a_zero_budget_spills_every_record_in_its_own_run() {
        let input = records(&mut Rng(3), 50, 4);
        let sorted = spool_of(&input, 0);
        assert_eq!(sorted.runs.len(), 50);
        assert!(sorted.memory.is_empty());
        assert_eq!(collect(&sorted).unwrap(), stable_sorted(&input));
    }

    #[test]
    fn a_record_larger_than_the_read_buffer_is_read_whole() {
        let mut input = records(&mut Rng(11), 300, 3);
        input[17].payload = "y".repeat(3 * READ_BUFFER + 5);
        input[200].payload = "z".repeat(READ_BUFFER);
        let sorted = spool_of(&input, 2000);
        assert!(sorted.spilled());
        assert_eq!(collect(&sorted).unwrap(), stable_sorted(&input));
    }

    #[test]
    fn try_for_each_stops_at_break() {
        let input = records(&mut Rng(5), 1000, 10);
        let expected = stable_sorted(&input);
        for sorted in [spool_of(&input, usize::MAX), spool_of(&input, 2000)] {
            let mut seen = Vec::new();
            sorted
                .try_for_each(|i, r| {
                    seen.push((i, r.clone()));
                    if i == 41 {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .unwrap();
            assert_eq!(seen.len(), 42);
            let want: Vec<_> = expected.iter().take(42).cloned().enumerate().collect();
            assert_eq!(seen, want);
        }
    }

    fn spilled_sample() -> (Vec<Rec>, Sorted<Rec>) {
        let input = records(&mut Rng(13), 400, 20);
        let sorted = spool_of(&input, 1500);
        assert!(sorted.runs.len() >= 3);
        (input, sorted)
    }

    fn overwrite(sorted: &Sorted<Rec>, offset: u64, bytes: &[u8]) {
        let mut file = &sorted.file.as_ref().unwrap().file;
        file.seek(SeekFrom::Start(offset)).unwrap();
        file.write_all(bytes).unwrap();
    }

    fn first_len(sorted: &Sorted<Rec>) -> u32 {
        let mut prefix = [0; 4];
        sorted
            .file
            .as_ref()
            .unwrap()
            .read_exact_at(&mut prefix, 0)
            .unwrap();
        u32::from_le_bytes(prefix)
    }

    #[test]
    fn a_truncated_spill_file_is_an_error_naming_the_run() {
        let (_, sorted) = spilled_sample();
        let last = *sorted.runs.last().unwrap();
        let file = &sorted.file.as_ref().unwrap().file;
        file.set_len(last.offset + last.bytes / 2).unwrap();
        let e = collect(&sorted).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
        assert!(e.to_string().contains("run"), "{e}");
    }

    #[test]
    fn a_length_past_the_run_is_invalid_data() {
        let (_, sorted) = spilled_sample();
        overwrite(&sorted, 0, &u32::MAX.to_le_bytes());
        let e = collect(&sorted).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("byte offset 0"), "{e}");
    }

    #[test]
    fn a_record_that_does_not_decode_or_is_short_is_invalid_data() {
        // One byte less than the record: it does not decode within its length.
        let (_, sorted) = spilled_sample();
        let len = first_len(&sorted);
        overwrite(&sorted, 0, &(len - 1).to_le_bytes());
        let e = collect(&sorted).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        // One byte more: the record decodes and leaves a byte over.
        let (_, sorted) = spilled_sample();
        let len = first_len(&sorted);
        overwrite(&sorted, 0, &(len + 1).to_le_bytes());
        let e = collect(&sorted).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        // A payload that is not UTF-8: the record's own decode refuses it.
        let (_, sorted) = spilled_sample();
        let len = first_len(&sorted);
        assert!(len > 20, "the first record has a payload");
        // Length prefix 4, key 8, seq 8, payload length 4: the payload starts at byte 24.
        overwrite(&sorted, 24, &[0xff]);
        let e = collect(&sorted).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        assert!(e.to_string().contains("does not decode"), "{e}");
    }

    #[test]
    fn garbage_in_the_spill_file_is_an_error_not_a_panic() {
        for seed in 1..40 {
            let (_, sorted) = spilled_sample();
            let mut rng = Rng(seed);
            let bytes = sorted.runs.last().map_or(0, |r| r.offset + r.bytes);
            let garbage: Vec<u8> = (0..bytes).map(|_| rng.next() as u8).collect();
            overwrite(&sorted, 0, &garbage);
            assert!(collect(&sorted).is_err(), "seed {seed}");
        }
    }

    fn fail_to_create() -> io::Result<File> {
        Err(io::Error::other("no temporary directory"))
    }

    fn read_only() -> io::Result<File> {
        File::open(std::env::current_exe()?)
    }

    #[test]
    fn a_spool_that_cannot_spill_keeps_everything_in_memory() {
        let input = records(&mut Rng(17), 2000, 30);
        for create in [fail_to_create as fn() -> io::Result<File>, read_only] {
            let mut spool = Spool::new(500, rec_key);
            spool.create = create;
            for r in &input {
                spool.push(r.clone(), rec_bytes(r));
            }
            let sorted = spool.finish();
            assert!(!sorted.spilled());
            assert!(sorted.file.is_none(), "a file without a run is closed");
            let error = sorted.spill_error().unwrap();
            assert!(error.contains("run 0"), "{error}");
            assert_eq!(sorted.len(), input.len());
            assert_eq!(collect(&sorted).unwrap(), stable_sorted(&input));
        }
    }

    #[test]
    fn a_failed_later_spill_keeps_the_runs_written_before() {
        // Runs 0 and 1 are written; then the handle is swapped for a read-only one, so
        // run 2 fails and everything from there on stays in memory.
        let input = records(&mut Rng(19), 3000, 25);
        let mut spool = Spool::new(2000, rec_key);
        let mut pushed = 0;
        while spool.runs.len() < 2 {
            let r = &input[pushed];
            spool.push(r.clone(), rec_bytes(r));
            pushed += 1;
        }
        let real = spool.file.take().unwrap();
        spool.file = Some(read_only().unwrap());
        for r in &input[pushed..] {
            spool.push(r.clone(), rec_bytes(r));
        }
        assert!(spool.spill_error.as_deref().unwrap().contains("run 2"));
        spool.file = Some(real);
        let sorted = spool.finish();
        assert_eq!(sorted.runs.len(), 2);
        assert!(sorted.spilled());
        assert_eq!(collect(&sorted).unwrap(), stable_sorted(&input));
    }

    thread_local! {
        /// Records of type `Counted` made by `decode` and not yet dropped, on this thread.
        static DECODED_LIVE: Cell<usize> = const { Cell::new(0) };
    }

    /// A record that counts its decoded copies, to see what the merge holds at once.
    struct Counted {
        key: u64,
        decoded: bool,
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            if self.decoded {
                DECODED_LIVE.with(|c| c.set(c.get() - 1));
            }
        }
    }

    impl Spooled for Counted {
        type Shared = ();
        fn encode(&self, _: &mut (), out: &mut Vec<u8>) {
            out.extend_from_slice(&self.key.to_le_bytes());
        }
        fn decode(input: &mut &[u8], _: &()) -> Option<Counted> {
            let key = u64::from_le_bytes(take(input)?);
            DECODED_LIVE.with(|c| c.set(c.get() + 1));
            Some(Counted { key, decoded: true })
        }
    }

    #[test]
    fn spilling_bounds_the_records_held_in_memory() {
        let mut rng = Rng(23);
        let memory = 100 * 16;
        let mut spool = Spool::new(memory, |c: &Counted| c.key);
        for _ in 0..10_000 {
            let key = rng.below(50);
            spool.push(
                Counted {
                    key,
                    decoded: false,
                },
                16,
            );
            assert!(
                spool.run_bytes <= memory,
                "the run is spilled past the budget"
            );
            assert!(spool.run.len() <= 100);
        }
        let sorted = spool.finish();
        let runs = sorted.runs.len();
        assert!(runs >= 90, "{runs}");
        assert!(sorted.memory.len() <= 100);
        let (mut most, mut count, mut last) = (0, 0, 0);
        sorted
            .for_each(|_, c| {
                most = most.max(DECODED_LIVE.with(Cell::get));
                assert!(c.key >= last);
                last = c.key;
                count += 1;
            })
            .unwrap();
        assert_eq!(count, 10_000);
        assert!(
            most <= runs,
            "at most one decoded record per run: {most} of {runs}"
        );
        assert_eq!(
            DECODED_LIVE.with(Cell::get),
            0,
            "all dropped after the merge"
        );
    }

    #[test]
    fn the_seek_fallback_reads_at_an_offset() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"0123456789").unwrap();
        let cursor = std::sync::Mutex::new(());
        let mut buf = [0; 3];
        seek_read_exact(&file, &cursor, &mut buf, 4).unwrap();
        assert_eq!(&buf, b"456");
        let e = seek_read_exact(&file, &cursor, &mut buf, 9).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn sorted_can_go_to_other_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Sorted<Rec>>();
        let (input, sorted) = spilled_sample();
        let expected = stable_sorted(&input);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| assert_eq!(collect(&sorted).unwrap(), expected));
            }
        });
    }
}
