//! Reading one input in order, a block at a time, for the timeline merge.
//!
//! A block is handed to the parser with `at_eof = false`, so a record cut
//! by the block end is left unconsumed and parsed again with the next
//! block. Memory per input is one block of records, whatever the input size.

use crate::bundle::Input;
use crate::formats::detect::Detected;
use crate::formats::{self, Chunk};
use crate::record::Format;
use crate::sink::Emit;

use super::normalize::{Normalizer, Normalizing};
use super::PlannedInput;

/// Bytes parsed per block when streaming an input.
pub const DEFAULT_BLOCK: usize = 1 << 20;

/// An in-order reader of one input.
pub struct InputStream<'b> {
    bytes: &'b [u8],
    format: Option<Format>,
    /// The format cannot be split (JSON/YAML documents, tables): parse it in one block.
    whole_document: bool,
    normalizer: Normalizer<'b>,
    pos: usize,
    line: u64,
    block: usize,
}

impl<'b> InputStream<'b> {
    pub fn new(planned: &'b PlannedInput, input: &'b Input, block: usize) -> InputStream<'b> {
        let format = match planned.detected {
            Detected::Text(f) => Some(f),
            _ => None,
        };
        InputStream {
            bytes: input.data.bytes(),
            format,
            whole_document: format
                .is_some_and(|f| formats::split_at(f, input.data.bytes(), 1).is_none()),
            normalizer: Normalizer::new(
                &planned.context,
                input.node.as_deref(),
                input.source.as_deref(),
            ),
            pos: 0,
            line: 1,
            block: block.max(4096),
        }
    }

    pub fn is_done(&self) -> bool {
        self.format.is_none() || self.pos >= self.bytes.len()
    }

    /// Parse the next block into `out`. Returns false once the input is exhausted.
    pub fn next_block(&mut self, out: &mut dyn Emit) -> bool {
        let Some(format) = self.format else {
            return false;
        };
        if self.pos >= self.bytes.len() {
            return false;
        }
        let mut size = if self.whole_document && self.pos == 0 {
            self.bytes.len()
        } else {
            self.block
        };
        loop {
            let end = self.pos.saturating_add(size).min(self.bytes.len());
            let at_eof = end == self.bytes.len();
            let chunk = Chunk {
                bytes: &self.bytes[self.pos..end],
                first_line: self.line,
                base_offset: self.pos as u64,
                at_eof,
            };
            let mut sink = Normalizing {
                normalizer: &mut self.normalizer,
                inner: out,
            };
            let consumed = formats::parse(format, chunk, &mut sink);
            if consumed == 0 && !at_eof {
                // A record longer than the block: try again with a larger one.
                size = size.saturating_mul(2);
                continue;
            }
            let consumed = if at_eof { end - self.pos } else { consumed };
            self.line += memchr::memchr_iter(b'\n', &self.bytes[self.pos..self.pos + consumed])
                .count() as u64;
            self.pos += consumed;
            return true;
        }
    }
}
