//! Ingest: from a bundle to normalised records, in parallel.
//!
//! 1. [`plan`] detects every input's format and builds the time context
//!    each input is resolved with, from evidence across the whole bundle
//!    (collection time, exact stamps sampled from the ends of inputs, zones).
//! 2. [`scan`] parses every input, large ones in newline-aligned chunks,
//!    all in parallel (rayon), pushing normalised records into a consumer
//!    per chunk. Order is not preserved: statistics and matching don't need it.
//! 3. [`stream`] reads one input in order, block by block, for the timeline's
//!    merge; memory stays bounded by the block size, not the input size.

pub mod normalize;
pub mod plan;
pub mod sample;
pub mod scan;
pub mod stats;
pub mod stream;

pub use plan::{plan, Plan, PlannedInput};
pub use scan::{scan, ScanOutput};
pub use stats::InputStats;

use jiff::tz::TimeZone;

use crate::bundle::OpenOptions;

/// What the user can set about ingest.
#[derive(Clone)]
pub struct Options {
    /// `--year`: the year of every year-less stamp.
    pub year: Option<i16>,
    /// `--tz`: the zone of every zone-less stamp, and its text.
    pub zone: Option<(TimeZone, String)>,
    /// Inputs larger than this are parsed in parallel chunks of about this size.
    pub chunk_bytes: usize,
    pub open: OpenOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            year: None,
            zone: None,
            chunk_bytes: 8 << 20,
            open: OpenOptions::default(),
        }
    }
}
