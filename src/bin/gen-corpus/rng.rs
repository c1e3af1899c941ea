//! A tiny seeded PRNG (SplitMix64) so that a corpus is a pure function of its
//! parameters. Every component derives its own stream from a label, so adding
//! a line to one format does not shift the random choices of another.

/// SplitMix64: one 64-bit state, good statistical quality, trivially seedable.
#[derive(Debug, Clone)]
pub struct Rng(u64);

/// Alphabet Kubernetes uses for generated name suffixes (no vowels, no 0/1/3).
const K8S_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
const HEX: &[u8] = b"0123456789abcdef";

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6a09_e667_f3bc_c908)
    }

    /// An independent stream for the component named `label`.
    pub fn derive(&self, label: &str) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in label.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let mut r = Rng(self.0 ^ h);
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Index chosen with the given relative weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as u64) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// `n` lowercase hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            let v = self.next_u64();
            for i in 0..16 {
                if s.len() == n {
                    break;
                }
                s.push(HEX[((v >> (i * 4)) & 15) as usize] as char);
            }
        }
        s
    }

    /// A random (version 4 shaped) UUID.
    pub fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-{}{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            ["8", "9", "a", "b"][(self.below(4)) as usize],
            &h[17..20],
            &h[20..32]
        )
    }

    /// A Kubernetes-style random name suffix of `n` characters.
    pub fn k8s_suffix(&mut self, n: usize) -> String {
        (0..n).map(|_| *self.pick(K8S_ALPHABET) as char).collect()
    }
}

/// The SplitMix64 finaliser; also used as a stateless hash of integers.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Append the 32 hex digits of a 128-bit id derived from `seed` (no allocation).
pub fn push_id128(buf: &mut Vec<u8>, seed: u64) {
    for half in [mix(seed), mix(seed ^ 0x5555_5555_5555_5555)] {
        for i in (0..16).rev() {
            buf.push(HEX[((half >> (i * 4)) & 15) as usize]);
        }
    }
}

/// Append `v` in lowercase hex without leading zeros.
pub fn push_hex(buf: &mut Vec<u8>, v: u64) {
    if v == 0 {
        buf.push(b'0');
        return;
    }
    let digits = (64 - v.leading_zeros()).div_ceil(4);
    for i in (0..digits).rev() {
        buf.push(HEX[((v >> (i * 4)) & 15) as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_labels_differ() {
        let a = Rng::new(7);
        let (mut x, mut y) = (a.derive("kubelet"), a.derive("kubelet"));
        assert_eq!(x.next_u64(), y.next_u64());
        let mut z = a.derive("containerd");
        assert_ne!(a.derive("kubelet").next_u64(), z.next_u64());
    }

    #[test]
    fn shapes() {
        let mut r = Rng::new(1);
        let u = r.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(r.hex(64).len(), 64);
        let mut b = Vec::new();
        push_hex(&mut b, 0x1a2b);
        assert_eq!(b, b"1a2b");
    }
}
