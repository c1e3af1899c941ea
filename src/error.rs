//! The library's error type. Per-line damage is never an error: it is
//! counted and reported (see [`crate::sink`]). Errors are for whole inputs
//! that cannot be opened and for invalid options.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: corrupt input at byte {offset}: {reason}")]
    Corrupt {
        path: String,
        offset: u64,
        reason: String,
    },
    #[error("invalid option: {0}")]
    Option(String),
}

pub type Result<T> = std::result::Result<T, Error>;
