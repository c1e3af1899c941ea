//! Tests of the generator itself: determinism, size targeting, presence of
//! every format, export framing, and one instant seen through several formats.

use super::*;
use std::path::Path;

fn cfg(dir: &Path, size: u64, seed: u64) -> Config {
    Config {
        out: dir.to_path_buf(),
        size,
        seed,
        nodes: 3,
        pack: Pack::Dir,
        start: clock::parse_rfc3339("2024-06-10T06:00:00Z").unwrap(),
        scenario: Scenario::RemovedFlag,
    }
}

fn hash(files: &[(String, Vec<u8>)]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (p, b) in files {
        for &x in p.as_bytes().iter().chain(b.iter()) {
            h ^= x as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let (a, b, d) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let ra = generate(&cfg(a.path(), 400_000, 1)).unwrap();
    let rb = generate(&cfg(b.path(), 400_000, 1)).unwrap();
    let rd = generate(&cfg(d.path(), 400_000, 2)).unwrap();
    let (fa, fb, fd) = (
        files_under(&ra.top),
        files_under(&rb.top),
        files_under(&rd.top),
    );
    assert_eq!(fa.len(), fb.len());
    assert_eq!(hash(&fa), hash(&fb));
    assert_ne!(hash(&fa), hash(&fd));
}

#[test]
fn two_mib_lands_within_five_percent() {
    let dir = tempfile::tempdir().unwrap();
    let target = 2 * 1024 * 1024;
    let r = generate(&cfg(dir.path(), target, 7)).unwrap();
    let on_disk: u64 = files_under(&r.top).iter().map(|f| f.1.len() as u64).sum();
    assert_eq!(on_disk, r.bytes);
    let dev = (on_disk as f64 - target as f64).abs() / target as f64;
    assert!(
        dev < 0.05,
        "wrote {on_disk} bytes for a {target} target ({:.1}% off)",
        dev * 100.0
    );
}

/// Content-shape checks, one per format the corpus promises.
#[test]
fn every_format_is_present() {
    let dir = tempfile::tempdir().unwrap();
    let r = generate(&cfg(dir.path(), 600_000, 1)).unwrap();
    let files = files_under(&r.top);
    let text = |f: &(String, Vec<u8>)| String::from_utf8_lossy(&f.1).into_owned();
    let any = |name: &str, pred: &dyn Fn(&str, &str) -> bool| {
        assert!(
            files.iter().any(|f| pred(&f.0, &text(f))),
            "no file shows {name}"
        );
    };
    any("journal export with binary _SELINUX_CONTEXT", &|p, t| {
        p.ends_with("node-export.txt")
            && t.starts_with("__CURSOR=s=")
            && t.contains("_SELINUX_CONTEXT\n")
    });
    any("journal json with a byte-array MESSAGE", &|p, t| {
        p.ends_with("node-json.txt")
            && t.contains("\"MESSAGE\":[")
            && t.contains("\"__REALTIME_TIMESTAMP\":\"")
    });
    any(
        "journal short with boot marker and ░░ catalog",
        &|p, t| {
            p.ends_with("journalctl-kubelet.txt")
                && t.contains("-- Boot ")
                && t.contains("░░ Subject: ")
                && t.contains("status=1/FAILURE")
        },
    );
    any(
        "journal short with -- catalog and Logs begin header",
        &|p, t| {
            p.ends_with("_--catalog_--boot")
                && t.starts_with("-- Logs begin at ")
                && t.contains("\n-- Subject: ")
        },
    );
    any("journal short-precise", &|p, t| {
        p.ends_with("journald/kubelet.txt")
            && t.lines().any(|l| l.len() > 22 && l.as_bytes()[15] == b'.')
    });
    any("journal short-iso", &|p, t| {
        p.ends_with("journald/runtime.txt")
            && t.contains("T")
            && (t.contains("+0000 ") || t.contains("+00:00 ") || t.contains("+0200 "))
    });
    any("journal short multi-line continuation", &|p, t| {
        p.contains("journalctl_--no-pager")
            && t.lines()
                .any(|l| l.starts_with("          ") && l.trim_start().starts_with("Stack trace"))
    });
    any("klog text file with err=< and a panic", &|p, t| {
        p.ends_with("kubelet-log.txt")
            && t.contains("err=<\n\t")
            && t.contains("goroutine ")
            && t.contains("panic: runtime error")
    });
    any("klog JSON lines", &|p, t| {
        p.ends_with("metrics-server.log") && t.starts_with("{\"ts\":1")
    });
    any("containerd logrus (9 digits)", &|_, t| {
        t.contains("level=info msg=\"StartContainer for")
            || t.lines().any(|l| {
                l.contains("time=\"2024-06-10T")
                    && l.as_bytes().get(l.find("time=\"").unwrap_or(0) + 36) == Some(&b'Z')
            })
    });
    any("CRI-O logrus", &|p, t| {
        p.ends_with("runtime.txt") && t.contains(" crio[") && t.contains("level=info msg=\"")
    });
    any("k3s logrus", &|_, t| {
        t.contains(" stderr F time=\"2024-06-10T")
            && t.contains("level=info msg=\"Cluster-Http-Server")
    });
    any("CRI containerd file", &|p, t| {
        p.contains("var/log/pods/")
            && p.ends_with(".log")
            && t.contains(" stderr F ")
            && t.lines().next().is_some_and(|l| {
                l.contains("Z stderr") || l.contains("Z stdout") || l.contains("+02:00 std")
            })
    });
    any("CRI-O conmon file with P partial", &|p, t| {
        p.contains("var/log/pods/") && t.contains("+00:00 stdout P ")
            || t.contains("+00:00 stderr P ")
    });
    any("docker json-file", &|p, t| {
        p.ends_with("-json.log") && t.starts_with("{\"log\":\"") && t.contains("\\u0026")
    });
    any("kubectl get events -o json List", &|p, t| {
        p.ends_with("get-events-A-o-json.json")
            && t.contains("\"kind\": \"List\"")
            && t.contains("    \"items\": [")
            && t.contains("\"series\": {")
    });
    any("kubectl get events -o yaml", &|p, t| {
        p.ends_with(".yaml") && t.starts_with("apiVersion: v1\nitems:\n- ")
    });
    any("troubleshoot EventList", &|p, t| {
        p.starts_with("cluster-resources/events/") && t.contains("\"kind\": \"EventList\"")
    });
    any("events table default", &|p, t| {
        p.ends_with("get-events-n-shop.txt") && t.starts_with("LAST SEEN")
    });
    any("events table -A", &|p, t| {
        p.ends_with("get-events-A.txt")
            && t.starts_with("NAMESPACE ")
            && t.lines().next().unwrap_or("").contains(" LAST SEEN ")
    });
    any("events table wide", &|p, t| {
        p.ends_with("get-events-A-o-wide.txt")
            && t.lines().next().unwrap_or("").contains("FIRST SEEN")
    });
    any("describe pod Events:", &|p, t| {
        p.contains("describe-pod-") && t.contains("\nEvents:\n  Type ")
    });
    any("get pods -o wide -A", &|p, t| {
        p.ends_with("get-pods-A-o-wide.txt")
            && t.contains("NOMINATED NODE")
            && t.contains("Terminating")
    });
    any("get nodes -o wide", &|p, t| {
        p.ends_with("get-nodes-o-wide.txt")
            && t.contains("NotReady")
            && t.contains("CONTAINER-RUNTIME")
    });
    any("sos date in the node zone", &|p, t| {
        p.ends_with("/date") && t.contains("CEST 2024")
    });
    any("plain kubeadm flags", &|p, t| {
        p.ends_with("kubeadm-flags.env") && t.contains("--container-runtime=remote")
    });
    any("sos manifest", &|p, t| {
        p.ends_with("sos_reports/manifest.json") && t.contains("start_time")
    });
    assert!(r
        .top
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("support-bundle-2024-06-10T10_15_00"));
}

/// Walk an export stream with the state machine the spec prescribes.
fn export_entries(bytes: &[u8]) -> Vec<Vec<(String, Vec<u8>)>> {
    let mut entries = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let nl = i + bytes[i..]
            .iter()
            .position(|&b| b == b'\n')
            .expect("line end");
        let line = &bytes[i..nl];
        if line.is_empty() {
            entries.push(std::mem::take(&mut cur));
            i = nl + 1;
            continue;
        }
        match line.iter().position(|&b| b == b'=') {
            Some(eq) => {
                cur.push((
                    String::from_utf8(line[..eq].to_vec()).unwrap(),
                    line[eq + 1..].to_vec(),
                ));
                i = nl + 1;
            }
            None => {
                let len = u64::from_le_bytes(bytes[nl + 1..nl + 9].try_into().unwrap()) as usize;
                let data = bytes[nl + 9..nl + 9 + len].to_vec();
                assert_eq!(
                    bytes[nl + 9 + len],
                    b'\n',
                    "binary field not followed by LF"
                );
                cur.push((String::from_utf8(line.to_vec()).unwrap(), data));
                i = nl + 10 + len;
            }
        }
    }
    assert!(cur.is_empty(), "stream ends inside an entry");
    entries
}

#[test]
fn export_binary_fields_are_framed() {
    let dir = tempfile::tempdir().unwrap();
    let r = generate(&cfg(dir.path(), 500_000, 3)).unwrap();
    let mut binary_multiline = 0;
    for (p, b) in files_under(&r.top)
        .iter()
        .filter(|f| f.0.ends_with("node-export.txt"))
    {
        let entries = export_entries(b);
        assert!(!entries.is_empty(), "{p} is empty");
        for e in &entries {
            assert_eq!(e[0].0, "__CURSOR");
            assert!(
                e.iter()
                    .any(|(k, v)| k == "_SELINUX_CONTEXT" && v == b"unconfined\n")
                    || e.iter().any(|(k, v)| k == "_TRANSPORT" && v == b"kernel")
            );
            if e.iter().any(|(k, v)| k == "MESSAGE" && v.contains(&b'\n')) {
                binary_multiline += 1;
            }
        }
    }
    assert!(
        binary_multiline > 0,
        "no multi-line binary MESSAGE in any export"
    );
}

/// The broken node's first "command failed" seen through export (µs epoch),
/// its short journal text (Europe/Berlin) and the klog header (UTC).
#[test]
fn one_instant_across_formats() {
    let dir = tempfile::tempdir().unwrap();
    let r = generate(&cfg(dir.path(), 500_000, 1)).unwrap();
    let files = files_under(&r.top);
    let export = files
        .iter()
        .find(|f| f.0 == "host-collectors/worker-1/journald/node-export.txt")
        .unwrap();
    let entry = export_entries(&export.1)
        .into_iter()
        .find(|e| {
            e.iter().any(|(k, v)| {
                k == "MESSAGE"
                    && String::from_utf8_lossy(v).contains("unknown flag: --container-runtime")
            })
        })
        .expect("command failed in export");
    let get = |k: &str| {
        entry
            .iter()
            .find(|f| f.0 == k)
            .map(|f| String::from_utf8(f.1.clone()).unwrap())
            .unwrap()
    };
    let rt: i64 = get("__REALTIME_TIMESTAMP").parse().unwrap();
    let msg = get("MESSAGE");
    // klog header: UTC, no year.
    let mut klog = Vec::new();
    clock::klog(&mut klog, rt);
    assert_eq!(
        &msg[1..12],
        &String::from_utf8(klog).unwrap()[..11],
        "klog header {msg} vs realtime {rt}"
    );
    // short text in the node's zone (CEST = UTC+2 in June).
    let mut short = Vec::new();
    clock::journal_short(&mut short, rt, clock::Zone::Berlin);
    let short = String::from_utf8(short).unwrap();
    let text = files
        .iter()
        .find(|f| f.0 == "host-collectors/worker-1/run-host/journalctl-kubelet.txt")
        .unwrap();
    let text = String::from_utf8_lossy(&text.1);
    let line = text
        .lines()
        .find(|l| l.contains(&msg))
        .expect("same line in short text");
    assert!(
        line.starts_with(&format!("{short} worker-1 kubelet[")),
        "{line} vs {short}"
    );
    let utc_hour: u32 = msg[6..8].parse().unwrap();
    let local_hour: u32 = short[7..9].parse().unwrap();
    assert_eq!((utc_hour + 2) % 24, local_hour);
}

#[test]
fn sizes_parse() {
    assert_eq!(parse_size("1GiB"), Some(1 << 30));
    assert_eq!(parse_size("200MiB"), Some(200 << 20));
    assert_eq!(parse_size("500KB"), Some(500_000));
    assert_eq!(parse_size("12"), Some(12));
    assert_eq!(parse_size("lots"), None);
}
