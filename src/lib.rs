//! kubeautopsy: why did this Kubernetes upgrade break? Read a support bundle,
//! build one UTC timeline, and (in later stages) name the root cause.
//!
//! The pipeline, in the order data flows (see `ARCHITECTURE.md`):
//!
//! 1. [`bundle`]: find the inputs in directories, tarballs, `.gz` files, stdin;
//!    recognise the bundle layout, the node and source of each file.
//! 2. [`formats`]: detect each input's format and parse it into [`record::Record`]s.
//! 3. [`time`]: resolve every record's time to UTC from evidence in the bundle.
//! 4. [`ingest`]: run 1-3 in parallel over all inputs, with per-input statistics.
//! 5. [`timeline`]: merge the per-input streams into one ordered timeline.

pub mod bundle;
pub mod error;
pub mod formats;
pub mod ingest;
pub mod record;
pub mod sink;
pub mod time;
pub mod timeline;

pub use error::{Error, Result};
