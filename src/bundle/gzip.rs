//! Gzip data: decompressed once, into memory, within the budget.
//!
//! Concatenated gzip members (`cat a.gz b.gz`) are one stream. Zero padding
//! after the last member (tape-blocked tarballs) is accepted silently; other
//! trailing bytes are reported. A truncated or corrupt stream keeps what was
//! decompressed before the damage, with a problem saying how much.

use std::io::{self, Read};
use std::sync::Arc;

use flate2::bufread::GzDecoder;

use super::archive;
use super::blob::{self, Origin};
use super::collect::{Collector, GroupKind};
use super::magic::{self, TAR_BLOCK};
use super::members;
use super::InputData;

/// Why decompression stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Failure {
    /// The compressed data ended inside a member.
    Truncated,
    /// The compressed data is damaged (the decoder's message).
    Corrupt(String),
    /// More output than the memory limit allows: a bomb or an oversized file.
    OverLimit,
}

enum State<'a> {
    Member(Box<GzDecoder<&'a [u8]>>),
    /// Between members: what follows the last complete member.
    Between(&'a [u8]),
    Done,
}

/// A reader over gzip bytes that handles member concatenation, stops at
/// `cap` output bytes, and remembers why it stopped.
pub(super) struct GzipReader<'a> {
    state: State<'a>,
    produced: u64,
    cap: u64,
    failure: Option<Failure>,
    trailing_bytes: usize,
}

impl<'a> GzipReader<'a> {
    pub(super) fn new(compressed: &'a [u8], cap: u64) -> GzipReader<'a> {
        GzipReader {
            state: State::Member(Box::new(GzDecoder::new(compressed))),
            produced: 0,
            cap,
            failure: None,
            trailing_bytes: 0,
        }
    }

    /// Decompressed bytes handed out so far.
    pub(super) fn produced(&self) -> u64 {
        self.produced
    }

    pub(super) fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }

    /// Non-zero bytes found after the last gzip member (ignored).
    pub(super) fn trailing_bytes(&self) -> usize {
        self.trailing_bytes
    }

    fn fail(&mut self, e: &io::Error) {
        if self.failure.is_none() {
            self.failure = Some(if e.kind() == io::ErrorKind::UnexpectedEof {
                Failure::Truncated
            } else {
                Failure::Corrupt(e.to_string())
            });
        }
    }
}

impl Read for GzipReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Ok(0),
                State::Member(mut decoder) => {
                    let room = self.cap.saturating_sub(self.produced);
                    // At the cap, probe for one more byte: only real excess is a failure.
                    let want = buf
                        .len()
                        .min(usize::try_from(room).unwrap_or(usize::MAX).max(1));
                    match decoder.read(&mut buf[..want]) {
                        Ok(0) => self.state = State::Between(decoder.into_inner()),
                        Ok(_) if room == 0 => {
                            self.failure = Some(Failure::OverLimit);
                            return Err(io::Error::other(
                                "decompressed data exceeds the memory limit",
                            ));
                        }
                        Ok(n) => {
                            self.produced += n as u64;
                            self.state = State::Member(decoder);
                            return Ok(n);
                        }
                        Err(e) => {
                            self.fail(&e);
                            return Err(e);
                        }
                    }
                }
                State::Between(rest) => {
                    if rest.starts_with(&[0x1f, 0x8b]) {
                        self.state = State::Member(Box::new(GzDecoder::new(rest)));
                        continue;
                    }
                    let zeros = rest.iter().take_while(|&&b| b == 0).count();
                    if zeros < rest.len() {
                        if zeros > 0 {
                            self.state = State::Between(&rest[zeros..]);
                            continue;
                        }
                        self.trailing_bytes = rest.len();
                    }
                    return Ok(0);
                }
            }
        }
    }
}

/// Read until `buf` is full or the reader ends; errors end the read (the
/// reader remembers them).
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    got
}

/// Open gzip data: a compressed tarball is read member by member; anything
/// else is decompressed into memory and looked at again (it may be another
/// container, or the file itself).
pub(super) fn open(c: &mut Collector, data: &InputData, origin: &Origin) {
    let mut reader = GzipReader::new(data.bytes(), c.options.max_memory);
    let mut head = vec![0u8; TAR_BLOCK];
    let got = fill(&mut reader, &mut head);
    head.truncate(got);

    if got == TAR_BLOCK && magic::is_tar_header(&head) {
        let group = c.add_group(
            GroupKind::Archive,
            origin.name(),
            &origin.display,
            origin.parent_link(),
        );
        let (found, end) =
            archive::read_stream(c, io::Cursor::new(head).chain(&mut reader), origin);
        if end == archive::StreamEnd::Clean {
            // The tar reader stops at the end-of-archive marker; what follows
            // (padding, the gzip trailer) is read to notice truncation there.
            let _ = io::copy(&mut reader, &mut io::sink());
        }
        report(c, &reader, origin, "the members read before it were kept");
        members::add(c, found, origin, group);
        return;
    }

    // A single compressed file.
    if !c.budget.try_take(head.len() as u64) {
        over_limit(c, origin, head.len() as u64);
        return;
    }
    let mut out = head;
    let mut taken = out.len() as u64;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = fill(&mut reader, &mut chunk);
        if n == 0 {
            break;
        }
        if !c.budget.try_take(n as u64) {
            c.budget.give_back(taken);
            over_limit(c, origin, taken + n as u64);
            return;
        }
        taken += n as u64;
        out.extend_from_slice(&chunk[..n]);
    }
    if reader.failure() == Some(&Failure::OverLimit) {
        c.budget.give_back(taken);
        over_limit(c, origin, taken);
        return;
    }
    report(
        c,
        &reader,
        origin,
        "the bytes decompressed before it were kept",
    );
    let content = if out.is_empty() {
        InputData::Empty
    } else {
        InputData::Memory(Arc::from(out))
    };
    blob::open(c, content, origin.inside());
}

/// Problems for a stream that stopped early or had trailing bytes.
fn report(c: &mut Collector, reader: &GzipReader<'_>, origin: &Origin, kept: &str) {
    let n = reader.produced();
    match reader.failure() {
        None => {}
        Some(Failure::Truncated) => c.problem(
            None,
            &origin.display,
            format!("Truncated gzip stream after {n} bytes; {kept}."),
        ),
        Some(Failure::Corrupt(e)) => c.problem(
            None,
            &origin.display,
            format!("Corrupt gzip stream after {n} bytes ({e}); {kept}."),
        ),
        Some(Failure::OverLimit) => c.problem(
            None,
            &origin.display,
            format!(
                "Decompression stopped after {n} bytes: the memory limit (max_memory) was reached; {kept}."
            ),
        ),
    }
    let trailing = reader.trailing_bytes();
    if trailing > 0 {
        c.problem(
            None,
            &origin.display,
            format!("Ignored {trailing} bytes of non-gzip data after the end of the gzip stream."),
        );
    }
}

fn over_limit(c: &mut Collector, origin: &Origin, at: u64) {
    let limit = c.budget.limit();
    c.problem(
        None,
        &origin.display,
        format!(
            "Skipped: decompressing it needs more than the memory left (stopped at {at} bytes; max_memory is {limit} bytes)."
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read_all(r: &mut GzipReader<'_>) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let ok = r.read_to_end(&mut out).is_ok();
        (out, ok)
    }

    #[test]
    fn concatenated_members_and_zero_padding_are_one_stream() {
        let mut bytes = gz(b"first\n");
        bytes.extend(gz(b"second\n"));
        bytes.extend([0u8; 700]);
        let mut r = GzipReader::new(&bytes, 1 << 20);
        let (out, ok) = read_all(&mut r);
        assert!(ok);
        assert_eq!(out, b"first\nsecond\n");
        assert_eq!(r.failure(), None);
        assert_eq!(r.trailing_bytes(), 0);
    }

    #[test]
    fn trailing_garbage_is_counted() {
        let mut bytes = gz(b"data");
        bytes.extend(b"\0\0junk!");
        let mut r = GzipReader::new(&bytes, 1 << 20);
        let (out, ok) = read_all(&mut r);
        assert!(ok);
        assert_eq!(out, b"data");
        assert_eq!(r.trailing_bytes(), 5);
    }

    #[test]
    fn truncation_keeps_the_decompressed_prefix() {
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let bytes = gz(&text);
        let mut r = GzipReader::new(&bytes[..bytes.len() / 2], 1 << 30);
        let (out, ok) = read_all(&mut r);
        assert!(!ok);
        assert_eq!(r.failure(), Some(&Failure::Truncated));
        assert!(!out.is_empty() && out.len() < text.len());
        assert_eq!(out[..], text[..out.len()]);
        assert_eq!(r.produced(), out.len() as u64);
    }

    #[test]
    fn output_stops_at_the_cap() {
        let bytes = gz(&vec![0u8; 100_000]);
        let mut r = GzipReader::new(&bytes, 1000);
        let (out, ok) = read_all(&mut r);
        assert!(!ok);
        assert_eq!(out.len(), 1000);
        assert_eq!(r.failure(), Some(&Failure::OverLimit));

        let exact = gz(&[7u8; 1000]);
        let mut r = GzipReader::new(&exact, 1000);
        let (out, ok) = read_all(&mut r);
        assert!(ok, "exactly the cap is not over it");
        assert_eq!(out.len(), 1000);
    }
}
