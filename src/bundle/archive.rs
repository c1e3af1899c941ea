//! Reading tar members, from bytes we already hold (a mapped file, a member
//! of a mapped tarball, memory) or from a stream (a gzip decompressor).
//!
//! Held bytes are never copied for ordinary members: a member is the range
//! `raw_file_position .. + size` of the same bytes, so a mapped tarball gives
//! zero-copy inputs. Streamed members are read into memory, within the
//! budget. Both readers stop at the first damage, keep what came before it and
//! record a problem naming the archive and the byte offset; turning the
//! members into inputs (names, links, nesting) is the `members` module's job.

use std::io::{self, Cursor, Read};
use std::sync::Arc;

use tar::{Archive, EntryType};

use super::blob::Origin;
use super::budget::PER_ENTRY_OVERHEAD;
use super::collect::Collector;
use super::magic::TAR_BLOCK;
use super::paths;
use super::InputData;

/// One tar entry, before its name is trusted.
#[derive(Debug)]
pub(super) struct Member {
    /// The raw name, lossily decoded (long names and PAX paths applied).
    pub name: String,
    pub kind: MemberKind,
    pub mtime_ns: Option<i64>,
    /// Byte offset of the entry's header in the (decompressed) archive.
    pub offset: u64,
}

#[derive(Debug)]
pub(super) enum MemberKind {
    File(InputData),
    /// Raw link target as written.
    Symlink(String),
    /// Target member name (relative to the archive root).
    Hardlink(String),
    Directory,
    /// FIFO or device: no content to read, skipped with a problem.
    Special(&'static str),
    /// PAX global header and similar metadata entries.
    Metadata,
    /// An entry type we do not know (the type byte).
    Unknown(u8),
}

/// What [`classify`] makes of an entry header.
enum Shape {
    Data,
    Other(MemberKind),
}

fn classify(entry_type: EntryType, link: Option<String>) -> Shape {
    match entry_type {
        EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => Shape::Data,
        EntryType::Symlink => Shape::Other(MemberKind::Symlink(link.unwrap_or_default())),
        EntryType::Link => Shape::Other(MemberKind::Hardlink(link.unwrap_or_default())),
        EntryType::Directory => Shape::Other(MemberKind::Directory),
        EntryType::Fifo => Shape::Other(MemberKind::Special("a FIFO")),
        EntryType::Char => Shape::Other(MemberKind::Special("a character device")),
        EntryType::Block => Shape::Other(MemberKind::Special("a block device")),
        EntryType::XGlobalHeader => Shape::Other(MemberKind::Metadata),
        // GNU volume label: names the tape, not a file.
        other if other.as_byte() == b'V' => Shape::Other(MemberKind::Metadata),
        other => Shape::Other(MemberKind::Unknown(other.as_byte())),
    }
}

fn mtime_ns(header: &tar::Header) -> Option<i64> {
    let secs = i64::try_from(header.mtime().ok()?).ok()?;
    secs.checked_mul(1_000_000_000)
}

fn round_up_block(n: u64) -> u64 {
    n.div_ceil(TAR_BLOCK as u64)
        .saturating_mul(TAR_BLOCK as u64)
}

/// Members of a tar whose bytes we hold. File members are sub-ranges of
/// `data` (zero-copy for mapped data; copied for data in memory, since an
/// `Arc<[u8]>` cannot be shared by range).
pub(super) fn read_held(c: &mut Collector, data: &InputData, origin: &Origin) -> Vec<Member> {
    let bytes = data.bytes();
    let total = bytes.len() as u64;
    let mut members = Vec::new();
    let mut archive = Archive::new(Cursor::new(bytes));
    let entries = match archive.entries_with_seek() {
        Ok(e) => e,
        Err(e) => {
            c.problem(
                None,
                &origin.display,
                format!("Cannot read the tar archive: {e}."),
            );
            return members;
        }
    };
    // Where the next header is expected: the offset named when damage is found.
    let mut next_header: u64 = 0;
    let mut clean_end = true;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                c.problem(
                    None,
                    &origin.display,
                    format!(
                        "The tar archive is truncated or corrupt at byte {next_header} ({e}); the {} members before it were kept.",
                        members.len()
                    ),
                );
                clean_end = false;
                break;
            }
        };
        if !c.budget.try_take(PER_ENTRY_OVERHEAD) {
            stop_for_memory(c, origin, members.len());
            clean_end = false;
            break;
        }
        let offset = entry.raw_header_position();
        let start = entry.raw_file_position();
        let size = entry.size();
        next_header = start.saturating_add(round_up_block(size));
        let header = entry.header().clone();
        let name = paths::display_bytes(&entry.path_bytes());
        let link = entry
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned());
        let mtime = mtime_ns(&header);
        let kind = match classify(header.entry_type(), link) {
            Shape::Other(kind) => kind,
            Shape::Data if header.entry_type().is_gnu_sparse() => {
                // Sparse data is not contiguous in the archive: read it.
                match read_member(c, &mut entry, size) {
                    ReadMember::Whole(d) => MemberKind::File(d),
                    ReadMember::Partial(d, e) => {
                        c.problem(
                            None,
                            &origin.display,
                            format!("The sparse member {name} could not be read completely ({e}); the bytes read were kept."),
                        );
                        MemberKind::File(d)
                    }
                    ReadMember::TooBig => {
                        stop_for_memory(c, origin, members.len());
                        clean_end = false;
                        break;
                    }
                }
            }
            Shape::Data => {
                let end = start.saturating_add(size);
                if end > total {
                    let kept = total.saturating_sub(start);
                    c.problem(
                        None,
                        &origin.display,
                        format!(
                            "The tar archive is truncated at byte {total}: member {name} is missing its last {} bytes (kept the first {kept}).",
                            end - total
                        ),
                    );
                    clean_end = false;
                    if let Some(file) = sub_range(c, data, start.min(total), total) {
                        members.push(Member {
                            name,
                            kind: MemberKind::File(file),
                            mtime_ns: mtime,
                            offset,
                        });
                    }
                    break;
                }
                match sub_range(c, data, start, end) {
                    Some(file) => MemberKind::File(file),
                    None => {
                        stop_for_memory(c, origin, members.len());
                        clean_end = false;
                        break;
                    }
                }
            }
        };
        members.push(Member {
            name,
            kind,
            mtime_ns: mtime,
            offset,
        });
    }
    if clean_end && !members.is_empty() && next_header >= total {
        c.problem(
            None,
            &origin.display,
            format!(
                "The tar archive ends at byte {total} without its end-of-archive marker; it may be truncated after its last member."
            ),
        );
    }
    members
}

/// The bytes `start..end` of `data` as an input: a sub-range of a map, or a
/// copy of memory (charged to the budget; `None` when it does not fit).
fn sub_range(c: &mut Collector, data: &InputData, start: u64, end: u64) -> Option<InputData> {
    if end <= start {
        return Some(InputData::Empty);
    }
    let (s, e) = (start as usize, end as usize);
    match data {
        InputData::Mapped { map, range } => Some(InputData::Mapped {
            map: Arc::clone(map),
            range: range.start + s..range.start + e,
        }),
        InputData::Memory(bytes) => {
            if !c.budget.try_take((e - s) as u64) {
                return None;
            }
            Some(InputData::Memory(Arc::from(&bytes[s..e])))
        }
        InputData::Empty => Some(InputData::Empty),
    }
}

fn stop_for_memory(c: &mut Collector, origin: &Origin, kept: usize) {
    let limit = c.budget.limit();
    c.problem(
        None,
        &origin.display,
        format!(
            "Reading stopped: the archive's members exceed the memory limit of {limit} bytes (max_memory); the {kept} members before this point were kept."
        ),
    );
}

enum ReadMember {
    Whole(InputData),
    Partial(InputData, io::Error),
    TooBig,
}

/// Read one member's content into memory, charging the budget as it grows.
fn read_member(c: &mut Collector, reader: &mut impl Read, size: u64) -> ReadMember {
    if size > c.budget.remaining() {
        return ReadMember::TooBig;
    }
    let mut buf = Vec::with_capacity(size.min(1 << 20) as usize);
    let result = reader.take(size).read_to_end(&mut buf);
    c.budget.force_take(buf.len() as u64);
    let data = if buf.is_empty() {
        InputData::Empty
    } else {
        InputData::Memory(Arc::from(buf))
    };
    match result {
        Ok(_) => ReadMember::Whole(data),
        Err(e) => ReadMember::Partial(data, e),
    }
}

/// How reading a streamed archive ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StreamEnd {
    /// At the end-of-archive marker (or the end of the data).
    Clean,
    /// At damage (already reported).
    Damaged,
    /// At the memory limit (already reported): the rest was not decompressed.
    OutOfMemory,
}

/// Members of a tar arriving as a stream. Contents are read into memory; a
/// member that does not fit in the remaining budget stops the archive (this
/// is what bounds a decompression bomb).
pub(super) fn read_stream(
    c: &mut Collector,
    reader: impl Read,
    origin: &Origin,
) -> (Vec<Member>, StreamEnd) {
    let mut members = Vec::new();
    let mut end = StreamEnd::Clean;
    let mut archive = Archive::new(reader);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            c.problem(
                None,
                &origin.display,
                format!("Cannot read the tar archive: {e}."),
            );
            return (members, StreamEnd::Damaged);
        }
    };
    let mut next_header: u64 = 0;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                c.problem(
                    None,
                    &origin.display,
                    format!(
                        "The tar archive is truncated or corrupt at byte {next_header} of its decompressed data ({e}); the {} members before it were kept.",
                        members.len()
                    ),
                );
                end = StreamEnd::Damaged;
                break;
            }
        };
        if !c.budget.try_take(PER_ENTRY_OVERHEAD) {
            stop_for_memory(c, origin, members.len());
            end = StreamEnd::OutOfMemory;
            break;
        }
        let offset = entry.raw_header_position();
        let size = entry.size();
        next_header = entry
            .raw_file_position()
            .saturating_add(round_up_block(size));
        let header = entry.header().clone();
        let name = paths::display_bytes(&entry.path_bytes());
        let link = entry
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned());
        let mtime = mtime_ns(&header);
        let kind = match classify(header.entry_type(), link) {
            Shape::Other(kind) => kind,
            Shape::Data => match read_member(c, &mut entry, size) {
                ReadMember::Whole(d) => MemberKind::File(d),
                ReadMember::Partial(d, e) => {
                    let kept = d.len();
                    c.problem(
                        None,
                        &origin.display,
                        format!(
                            "The archive's data ends inside member {name} ({e}); kept the first {kept} of its {size} bytes."
                        ),
                    );
                    members.push(Member {
                        name,
                        kind: MemberKind::File(d),
                        mtime_ns: mtime,
                        offset,
                    });
                    end = StreamEnd::Damaged;
                    break;
                }
                ReadMember::TooBig => {
                    stop_for_memory(c, origin, members.len());
                    end = StreamEnd::OutOfMemory;
                    break;
                }
            },
        };
        members.push(Member {
            name,
            kind,
            mtime_ns: mtime,
            offset,
        });
    }
    (members, end)
}
