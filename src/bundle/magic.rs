//! What a blob of bytes is, from its first bytes only.
//!
//! Names lie (a `.log` that is gzip, a `.tar.gz` that is plain text, a rotated
//! log without extension), so containers are recognised by content alone and
//! the name is never consulted here.

/// The verdict for one blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Content {
    Gzip,
    /// A tar archive (ustar/GNU magic, or an old-style header with a valid checksum).
    Tar,
    /// A container we recognise but cannot open yet; the text names it for the user.
    Unsupported(&'static str),
    /// Anything else: an ordinary file for the format detectors.
    Other,
}

/// Size of one tar header block.
pub(super) const TAR_BLOCK: usize = 512;

/// Classify a blob by its leading bytes.
pub(super) fn sniff(head: &[u8]) -> Content {
    if head.starts_with(&[0x1f, 0x8b]) {
        return Content::Gzip;
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        return Content::Unsupported("an xz-compressed file");
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Content::Unsupported("a ZIP archive");
    }
    if head.starts_with(b"age-encryption.org/v1") {
        return Content::Unsupported("an age-encrypted file");
    }
    if head.len() >= 10
        && head.starts_with(b"BZh")
        && (b'1'..=b'9').contains(&head[3])
        && head[4..10] == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
    {
        return Content::Unsupported("a bzip2-compressed file");
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Content::Unsupported("a zstd-compressed file");
    }
    if head.starts_with(&[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c]) {
        return Content::Unsupported("a 7-Zip archive");
    }
    if head.len() >= TAR_BLOCK && is_tar_header(&head[..TAR_BLOCK]) {
        return Content::Tar;
    }
    Content::Other
}

/// True for a 512-byte block that is a tar header: `ustar` magic at offset
/// 257 (POSIX `ustar\0`, GNU `ustar  \0`), or a pre-POSIX header whose
/// checksum field matches the block. The checksum test alone is strong: text
/// or binary data essentially never carries a matching octal checksum at
/// offset 148.
pub(super) fn is_tar_header(block: &[u8]) -> bool {
    if block.len() < TAR_BLOCK || block.iter().all(|&b| b == 0) {
        return false;
    }
    let magic = &block[257..263];
    if magic == b"ustar\0" || magic == b"ustar " {
        // Claims to be tar: a bad checksum is then corruption to report, not text.
        return true;
    }
    checksum_matches(block)
}

/// The header checksum: the sum of all bytes with the checksum field itself
/// counted as spaces, stored as octal digits at offset 148.
fn checksum_matches(block: &[u8]) -> bool {
    let field = &block[148..156];
    let digits: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|b| (b'0'..=b'7').contains(b))
        .collect();
    if digits.is_empty() {
        return false;
    }
    let Some(stored) = digits.iter().try_fold(0u32, |acc, &d| {
        acc.checked_mul(8)?.checked_add(u32::from(d - b'0'))
    }) else {
        return false;
    };
    let sum: u32 = block[..148]
        .iter()
        .chain(std::iter::repeat_n(&b' ', 8))
        .chain(&block[156..TAR_BLOCK])
        .map(|&b| u32::from(b))
        .sum();
    sum == stored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with_one_file() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_cksum();
        b.append_data(&mut h, "a.txt", &b"abc"[..]).unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn recognises_containers_by_magic() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Content::Gzip);
        assert_eq!(sniff(&tar_with_one_file()), Content::Tar);
        assert_eq!(
            sniff(b"\xfd7zXZ\x00\x00\x04"),
            Content::Unsupported("an xz-compressed file")
        );
        assert_eq!(
            sniff(b"PK\x03\x04\x14\x00"),
            Content::Unsupported("a ZIP archive")
        );
        assert_eq!(
            sniff(b"age-encryption.org/v1\n-> X25519 abc\n"),
            Content::Unsupported("an age-encrypted file")
        );
        assert_eq!(
            sniff(b"BZh91AY&SY\x00\x00"),
            Content::Unsupported("a bzip2-compressed file")
        );
        assert_eq!(
            sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0, 0]),
            Content::Unsupported("a zstd-compressed file")
        );
    }

    #[test]
    fn text_and_short_blobs_are_ordinary_files() {
        assert_eq!(sniff(b""), Content::Other);
        assert_eq!(sniff(b"\x1f"), Content::Other);
        assert_eq!(sniff(&[b'x'; 600]), Content::Other);
        assert_eq!(sniff(&[0u8; 1024]), Content::Other);
        assert_eq!(
            sniff(b"BZh9 is how a journal line might start"),
            Content::Other
        );
    }

    #[test]
    fn old_style_header_needs_a_valid_checksum() {
        let mut block = tar_with_one_file()[..512].to_vec();
        block[257..263].copy_from_slice(&[0; 6]);
        // Recompute the checksum for the modified block (v7 header).
        block[148..156].copy_from_slice(b"        ");
        let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
        let field = format!("{sum:06o}\0 ");
        block[148..156].copy_from_slice(field.as_bytes());
        assert!(is_tar_header(&block));
        block[0] ^= 1;
        assert!(!is_tar_header(&block));
    }
}
