//! One module per input format, and the registry that picks one for a file.
//!
//! Every format module offers the same three functions:
//!
//! - `parse(chunk, out) -> usize`: emit every complete record of the chunk
//!   and return the bytes consumed. When `chunk.at_eof` is false the module
//!   may leave an incomplete tail unconsumed; it will be handed back with
//!   more bytes. At end of input everything must be consumed and accounted
//!   (records or skips), so that `lines read == record lines + skipped lines`.
//! - `split_at(bytes, near) -> Option<usize>`: an offset at or after `near`
//!   where a record starts and parsing can begin with no state, so that a
//!   large file can be parsed in parallel chunks. `None` when the format
//!   cannot be split (whole-document JSON/YAML).
//! - `sniff(head) -> bool`: does the beginning of a file look like this format.
//!
//! Parsers never allocate per line on the common path: records borrow from
//! the chunk, and structured fields of text formats are tokenised lazily.

pub mod detect;
pub mod lines;
pub mod payload;

pub mod cri;
pub mod docker_json;
pub mod journal_export;
pub mod journal_json;
pub mod journal_text;
pub mod klog;
pub mod klog_json;
pub mod kube_age;
pub mod kube_describe;
pub mod kube_events;
pub mod kube_table;
pub mod logfmt;
pub mod plain;
#[cfg(test)]
pub(crate) mod testing;

use crate::record::Format;
use crate::sink::Emit;

/// A piece of one input handed to a parser.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    pub bytes: &'a [u8],
    /// Line number (1-based) of `bytes[0]` in the whole input.
    pub first_line: u64,
    /// Byte offset of `bytes[0]` in the whole input.
    pub base_offset: u64,
    /// True when the chunk ends where the input ends.
    pub at_eof: bool,
}

impl<'a> Chunk<'a> {
    /// A whole input in one chunk.
    pub fn whole(bytes: &'a [u8]) -> Chunk<'a> {
        Chunk {
            bytes,
            first_line: 1,
            base_offset: 0,
            at_eof: true,
        }
    }

    pub fn lines(&self) -> lines::Lines<'a> {
        lines::Lines::new(self.bytes, self.first_line, self.base_offset, self.at_eof)
    }
}

/// Parse a chunk with the parser of `format`.
pub fn parse(format: Format, chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    match format {
        Format::JournalExport => journal_export::parse(chunk, out),
        Format::JournalJson => journal_json::parse(chunk, out),
        Format::JournalText => journal_text::parse(chunk, out),
        Format::Klog => klog::parse(chunk, out),
        Format::KlogJson => klog_json::parse(chunk, out),
        Format::Logfmt => logfmt::parse(chunk, out),
        Format::Cri => cri::parse(chunk, out),
        Format::DockerJson => docker_json::parse(chunk, out),
        Format::EventsJson => kube_events::parse_json(chunk, out),
        Format::EventsYaml => kube_events::parse_yaml(chunk, out),
        Format::EventsTable => kube_table::parse_events(chunk, out),
        Format::Describe => kube_describe::parse(chunk, out),
        Format::ResourceTable => kube_table::parse_resources(chunk, out),
        Format::Plain => plain::parse(chunk, out),
    }
}

/// Where a large input of `format` may be split for parallel parsing.
pub fn split_at(format: Format, bytes: &[u8], near: usize) -> Option<usize> {
    match format {
        Format::JournalExport => journal_export::split_at(bytes, near),
        Format::JournalJson => journal_json::split_at(bytes, near),
        Format::JournalText => journal_text::split_at(bytes, near),
        Format::Klog => klog::split_at(bytes, near),
        Format::KlogJson => klog_json::split_at(bytes, near),
        Format::Logfmt => logfmt::split_at(bytes, near),
        Format::Cri => cri::split_at(bytes, near),
        Format::DockerJson => docker_json::split_at(bytes, near),
        Format::Plain => plain::split_at(bytes, near),
        Format::EventsJson
        | Format::EventsYaml
        | Format::EventsTable
        | Format::Describe
        | Format::ResourceTable => None,
    }
}

/// The first `\n` at or after `near`, plus one: the start of the next line.
/// For formats where every line stands alone.
pub fn next_line_start(bytes: &[u8], near: usize) -> Option<usize> {
    if near == 0 {
        return Some(0);
    }
    let from = near.min(bytes.len()).saturating_sub(1);
    memchr::memchr(b'\n', &bytes[from..])
        .map(|i| from + i + 1)
        .filter(|&p| p < bytes.len())
}
