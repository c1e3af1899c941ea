//! Stub: collect time evidence from a bundle (collection time, zones).
