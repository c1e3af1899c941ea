//! The real troubleshoot.sh bundle from the fixtures (see its SOURCES.md):
//! 121 members, 19 of them relative symlinks, no directory entries.

use std::path::PathBuf;

use super::support::*;
use crate::bundle::{open, InputData, Layout, TimeHint};

fn sample_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/samples/bundles/troubleshoot-support-bundle.tar.gz")
}

const METRICS: &str =
    "support-bundle/cluster-resources/pods/logs/kube-system/metrics-server-668d979685-wttxd/metrics-server.log";
/// Newest member mtime of the sample: 2022-12-21T16:44:51Z.
const NEWEST_MEMBER_NS: i64 = 1_671_641_091_000_000_000;

#[test]
fn troubleshoot_sample_as_tar_gz() {
    let path = sample_path();
    let bundle = open(std::slice::from_ref(&path), &options());
    let shown = path.to_string_lossy().into_owned();

    assert_eq!(bundle.layout, Layout::Troubleshoot);
    assert_eq!(bundle.roots, vec![shown.clone()]);
    assert_eq!(bundle.problems, vec![]);
    // 121 members - 19 symlinks: every link points at a regular member and adds nothing.
    assert_eq!(bundle.inputs.len(), 102);
    assert!(bundle
        .inputs
        .iter()
        .all(|i| !i.inner_path.starts_with("support-bundle/all-logs/")
            && i.inner_path != "support-bundle/static-hi.log"));

    let metrics = by_inner(&bundle, METRICS);
    assert_eq!(metrics.display_path, format!("{shown}!/{METRICS}"));
    assert_eq!(
        metrics.source.as_deref(),
        Some("kube-system/metrics-server-668d979685-wttxd/metrics-server")
    );
    assert_eq!(metrics.node, None);
    assert_eq!(metrics.data.len(), 2759);
    assert!(matches!(metrics.data, InputData::Memory(_)));
    assert_eq!(metrics.mtime_ns, Some(1_671_641_090_000_000_000));
    assert!(!metrics.tailed);

    let previous = by_inner(
        &bundle,
        "support-bundle/cluster-resources/pods/logs/kube-system/metrics-server-668d979685-wttxd/metrics-server-previous.log",
    );
    assert_eq!(
        previous.source.as_deref(),
        Some("kube-system/metrics-server-668d979685-wttxd/metrics-server")
    );
    assert_eq!(
        by_inner(
            &bundle,
            "support-bundle/cluster-resources/events/default.json"
        )
        .source
        .as_deref(),
        Some("events")
    );
    assert_eq!(
        by_inner(&bundle, "support-bundle/cluster-resources/nodes.json")
            .source
            .as_deref(),
        Some("nodes")
    );
    assert_eq!(
        by_inner(
            &bundle,
            "support-bundle/cluster-resources/pods/kube-system.json"
        )
        .source
        .as_deref(),
        Some("pods")
    );
    assert_eq!(
        by_inner(&bundle, "support-bundle/version.yaml").source,
        None
    );

    assert_eq!(
        bundle.collection_hints[0],
        TimeHint {
            unix_ns: NEWEST_MEMBER_NS,
            exact: true,
            from: format!("newest member modification time in {shown}"),
            kind: crate::bundle::HintKind::ArchiveMember,
        }
    );
    assert_eq!(
        bundle.collection_hints.len(),
        2,
        "then the file's own mtime"
    );
    assert_eq!(bundle.zone_hints, vec![]);

    let mut sorted = names(&bundle);
    sorted.sort();
    assert_eq!(sorted, names(&bundle), "inputs are sorted by display path");
}

#[test]
fn troubleshoot_sample_as_plain_tar_is_zero_copy() {
    let mut tar = Vec::new();
    let compressed = std::fs::read(sample_path()).unwrap();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&compressed[..]), &mut tar)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.tar");
    std::fs::write(&path, &tar).unwrap();

    let bundle = open(&[path], &options());
    assert_eq!(bundle.layout, Layout::Troubleshoot);
    assert_eq!(bundle.inputs.len(), 102);
    assert_eq!(bundle.problems, vec![]);
    let metrics = by_inner(&bundle, METRICS);
    match &metrics.data {
        InputData::Mapped { map, range } => {
            assert_eq!(range.len(), 2759);
            assert_eq!(&map[range.clone()], metrics.data.bytes());
            assert_eq!(&tar[range.clone()], metrics.data.bytes());
        }
        other => panic!("expected a mapped range, got {other:?}"),
    }
    assert!(metrics.data.bytes().starts_with(b"I1221"));
}

#[cfg(unix)]
#[test]
fn troubleshoot_sample_unpacked_keeps_one_copy_per_symlinked_file() {
    let dir = tempfile::tempdir().unwrap();
    let compressed = std::fs::read(sample_path()).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(&compressed[..]))
        .unpack(dir.path())
        .unwrap();
    let root = dir.path().join("support-bundle");

    let bundle = open(std::slice::from_ref(&root), &options());
    assert_eq!(bundle.layout, Layout::Troubleshoot);
    assert_eq!(bundle.problems, vec![]);
    assert_eq!(bundle.inputs.len(), 102);
    let inner = METRICS.strip_prefix("support-bundle/").unwrap();
    let metrics = by_inner(&bundle, inner);
    assert_eq!(
        metrics.display_path,
        format!("{}/{inner}", root.to_string_lossy())
    );
    assert_eq!(
        metrics.source.as_deref(),
        Some("kube-system/metrics-server-668d979685-wttxd/metrics-server")
    );
    assert!(bundle
        .inputs
        .iter()
        .all(|i| !i.inner_path.starts_with("all-logs/")));
}
