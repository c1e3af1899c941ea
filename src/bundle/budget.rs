//! The memory budget: how many decompressed (or copied) bytes one `open`
//! may hold.
//!
//! Mapped files cost nothing here (the kernel pages them in and out); what
//! counts is every byte we own: decompressed gzip data, members of compressed
//! tarballs, stdin, small files read instead of mapped, and a fixed overhead
//! per archive member so that an archive of millions of empty members cannot
//! exhaust memory through bookkeeping alone.

/// Bytes charged for the bookkeeping of one archive member or file.
pub(super) const PER_ENTRY_OVERHEAD: u64 = 256;

#[derive(Debug)]
pub(super) struct Budget {
    limit: u64,
    used: u64,
}

impl Budget {
    pub(super) fn new(limit: u64) -> Budget {
        Budget { limit, used: 0 }
    }

    pub(super) fn limit(&self) -> u64 {
        self.limit
    }

    pub(super) fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }

    /// Take `n` bytes if they fit; nothing is taken otherwise.
    pub(super) fn try_take(&mut self, n: u64) -> bool {
        if n <= self.remaining() {
            self.used += n;
            true
        } else {
            false
        }
    }

    /// Take `n` bytes that are already held (bytes handed to us by the caller).
    pub(super) fn force_take(&mut self, n: u64) {
        self.used = self.used.saturating_add(n);
    }

    /// Give back bytes that were taken and then dropped.
    pub(super) fn give_back(&mut self, n: u64) {
        self.used = self.used.saturating_sub(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_only_what_fits() {
        let mut b = Budget::new(100);
        assert!(b.try_take(60));
        assert!(!b.try_take(41));
        assert_eq!(b.remaining(), 40);
        assert!(b.try_take(40));
        assert_eq!(b.remaining(), 0);
        b.give_back(10);
        assert_eq!(b.remaining(), 10);
        b.force_take(50);
        assert_eq!(b.remaining(), 0);
        assert_eq!(b.limit(), 100);
    }
}
