//! Stub: kubectl relative ages (`3m2s`, `5h12m`, `<unknown>`).

use crate::time::RawTime;

/// Parse one age cell into a relative time.
pub fn parse(_cell: &str) -> Option<RawTime> {
    None
}
