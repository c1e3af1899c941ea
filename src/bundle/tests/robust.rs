//! Random bytes and randomly damaged archives: opening never panics, every
//! name stays printable, and every member kept is a real part of the input.

use proptest::prelude::*;

use super::support::*;
use crate::bundle::{open_bytes, Bundle, OpenOptions};

fn small() -> OpenOptions {
    OpenOptions {
        max_memory: 1 << 20,
        max_depth: 3,
    }
}

fn printable(b: &Bundle) {
    for i in &b.inputs {
        assert!(
            !i.display_path.chars().any(char::is_control),
            "{:?}",
            i.display_path
        );
        assert!(
            !i.inner_path.chars().any(char::is_control),
            "{:?}",
            i.inner_path
        );
        assert!(!i.inner_path.starts_with('/') && !i.inner_path.split('/').any(|c| c == ".."));
    }
    for p in &b.problems {
        assert!(!p.path.chars().any(char::is_control), "{:?}", p.path);
    }
}

/// A small bundle with links, a nested gzip member and a nested tarball.
fn sample_tar() -> Vec<u8> {
    let nested = Tar::new()
        .file("inner/kubelet.log", b"I0610 x\n")
        .finish_gz();
    Tar::new()
        .file(
            "sb/cluster-resources/events/default.json",
            b"{\"items\": []}",
        )
        .file(
            "sb/cluster-resources/pods/logs/ns/p/c.log",
            b"line one\nline two\n",
        )
        .symlink(
            "sb/all-logs/p/c.log",
            "../../cluster-resources/pods/logs/ns/p/c.log",
        )
        .file(
            "sb/rotated/0.log.gz",
            &gz(b"2024-06-10T10:00:00Z stdout F x\n"),
        )
        .file("sb/nested.tar.gz", &nested)
        .hardlink("sb/hard.log", "sb/cluster-resources/pods/logs/ns/p/c.log")
        .finish()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let b = open_bytes("random", bytes, &small());
        printable(&b);
    }

    #[test]
    fn damaged_tarballs_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
        compress in any::<bool>(),
    ) {
        let mut bytes = sample_tar();
        if compress {
            bytes = gz(&bytes);
        }
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let keep = cut.index(bytes.len() + 1);
        bytes.truncate(keep.max(1));
        let b = open_bytes("damaged.tar", bytes, &small());
        printable(&b);
        prop_assert!(b.inputs.len() <= 6);
    }
}

#[test]
fn undamaged_sample_tar_is_read_whole() {
    let b = open_bytes("sample.tar", sample_tar(), &small());
    assert_eq!(b.problems, vec![]);
    assert_eq!(
        names(&b),
        vec![
            "sample.tar!/sb/cluster-resources/events/default.json",
            "sample.tar!/sb/cluster-resources/pods/logs/ns/p/c.log",
            "sample.tar!/sb/nested.tar.gz!/inner/kubelet.log",
            "sample.tar!/sb/rotated/0.log.gz",
        ]
    );
}
