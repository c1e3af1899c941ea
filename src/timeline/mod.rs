//! The merged timeline: every input read in order and merged by UTC time.
//!
//! Each input is read block by block ([`crate::ingest::stream`]); records
//! that pass the [`Filter`] are kept (owned) only until they are written.
//! A block is sorted by time before it joins the merge, which absorbs the
//! small disorder real logs have (journal text shows source time in receive
//! order; CRI streams interleave). A record that is earlier than what its
//! input already delivered is written when reached and counted as late,
//! never dropped; the count is reported.

pub mod filter;
pub mod merge;
pub mod print;

pub use filter::Filter;
pub use merge::{merge, MergeSummary};
