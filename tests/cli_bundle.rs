//! The `inputs` and `timeline` commands on a multi-node bundle packed as a
//! tarball, run as a user would run them.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use flate2::write::GzEncoder;
use serde_json::Value;

const KUBELET_JOURNAL: &str = "\
-- Logs begin at Mon 2024-06-10 06:00:00 UTC, end at Mon 2024-06-10 06:20:00 UTC. --
Jun 10 06:13:18.000001 worker-1 systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent.
Jun 10 06:13:19.123456 worker-1 kubelet[1234]: I0610 06:13:19.123400    1234 server.go:487] \"Kubelet version\" kubeletVersion=\"v1.27.6\"
Jun 10 06:13:20.300001 worker-1 kubelet[1234]: E0610 06:13:20.300000    1234 run.go:74] \"command failed\" err=\"failed to parse kubelet flag: unknown flag: --container-runtime\"
Jun 10 06:13:20.400000 worker-1 systemd[1]: kubelet.service: Main process exited, code=exited, status=1/FAILURE
Jun 10 06:13:30.500000 worker-1 systemd[1]: kubelet.service: Scheduled restart job, restart counter is at 1.
";

const PROXY_CRI: &str = "\
2024-06-10T06:13:21.1234Z stderr F I0610 06:13:21.123099       1 server_linux.go:69] \"Using iptables proxy\"
2024-06-10T06:13:22Z stderr F W0610 06:13:22.000000       1 proxier.go:245] \"Missing br-netfilter module\"
";

fn export_entry(realtime_us: u64, message: &str) -> String {
    format!(
        "__CURSOR=s=0f1e;i=1;b=3c4d;m=1;t=1;x=1\n__REALTIME_TIMESTAMP={realtime_us}\n_BOOT_ID=3c4d5e6f708192a3b4c5d6e7f8091a2b\nPRIORITY=6\nSYSLOG_IDENTIFIER=kubelet\n_PID=99\n_HOSTNAME=cp-1\n_SYSTEMD_UNIT=kubelet.service\nMESSAGE={message}\n\n"
    )
}

const EVENTS_JSON: &str = r#"{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "count": 3,
            "firstTimestamp": "2024-06-10T06:13:40Z",
            "involvedObject": {"kind": "Node", "name": "worker-1", "uid": "worker-1"},
            "kind": "Event",
            "lastTimestamp": "2024-06-10T06:15:00Z",
            "message": "Node worker-1 status is now: NodeNotReady",
            "metadata": {"name": "worker-1.17d7a1c2b3e4f5a6", "namespace": "default"},
            "reason": "NodeNotReady",
            "source": {"component": "node-controller"},
            "type": "Normal"
        }
    ],
    "kind": "List",
    "metadata": {"resourceVersion": ""}
}
"#;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubeautopsy"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("kubeautopsy runs")
}

/// A bundle with two nodes, four formats, as a .tar.gz.
fn bundle_tarball(dir: &Path) -> PathBuf {
    let export: String = [
        export_entry(1_718_000_000_000_000, "I0610 06:13:20.000000      99 server.go:487] \"Kubelet version\" kubeletVersion=\"v1.27.6\""),
        export_entry(1_718_000_400_000_000, "I0610 06:20:00.000000      99 kubelet.go:2453] \"SyncLoop ADD\" source=\"api\""),
    ]
    .concat();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("bundle/worker-1/journal.log", KUBELET_JOURNAL.as_bytes().to_vec()),
        ("bundle/worker-1/var/log/pods/kube-system_kube-proxy-x7k2p_1b6f0c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e/kube-proxy/0.log", PROXY_CRI.as_bytes().to_vec()),
        ("bundle/cp-1/kubelet.export", export.into_bytes()),
        ("bundle/cluster/events.json", EVENTS_JSON.as_bytes().to_vec()),
    ];
    let path = dir.join("bundle.tar.gz");
    let gz = GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(1_718_014_500); // 2024-06-10T10:15:00Z: the collection time
        header.set_cksum();
        tar.append_data(&mut header, name, data.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    path
}

fn ndjson(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn inputs_lists_every_file_with_format_counts_and_balanced_accounting() {
    let dir = tempfile::tempdir().unwrap();
    let tarball = bundle_tarball(dir.path());
    let out = run(&["inputs", "--format", "json", tarball.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let inputs = report["inputs"].as_array().unwrap();
    let format_of = |suffix: &str| {
        let row = inputs
            .iter()
            .find(|i| i["file"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} listed"));
        (
            row["format"].as_str().unwrap().to_string(),
            row["records"].as_u64().unwrap(),
            row["balanced"].as_bool().unwrap(),
        )
    };
    assert_eq!(
        format_of("worker-1/journal.log"),
        ("journal-text".into(), 5, true)
    );
    assert_eq!(format_of("kube-proxy/0.log"), ("cri".into(), 2, true));
    assert_eq!(
        format_of("cp-1/kubelet.export"),
        ("journal-export".into(), 2, true)
    );
    assert_eq!(
        format_of("cluster/events.json"),
        ("events-json".into(), 1, true)
    );
    assert!(report["collection_time"]
        .as_str()
        .unwrap()
        .starts_with("2024-06-10T10:15:00"));
}

#[test]
fn timeline_merges_nodes_in_utc_order_and_infers_the_year() {
    let dir = tempfile::tempdir().unwrap();
    let tarball = bundle_tarball(dir.path());
    let out = run(&["timeline", "--format", "ndjson", tarball.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = ndjson(&out);
    assert_eq!(records.len(), 10, "5 journal + 2 cri + 2 export + 1 event");
    let times: Vec<i64> = records
        .iter()
        .map(|r| r["time_ns"].as_i64().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "ordered by time: {times:?}"
    );

    let failure = records
        .iter()
        .find(|r| r["message"] == "command failed")
        .expect("the kubelet failure");
    assert_eq!(failure["time"], "2024-06-10T06:13:20.300001000Z");
    assert_eq!(failure["time_basis"], "inferred-year+assumed-zone");
    assert_eq!(failure["node"], "worker-1");
    assert_eq!(failure["component"], "kubelet");
    assert_eq!(failure["severity"], "error");
    assert_eq!(
        failure["fields"]["err"],
        "failed to parse kubelet flag: unknown flag: --container-runtime"
    );
    assert!(failure["file"]
        .as_str()
        .unwrap()
        .ends_with("bundle.tar.gz!/bundle/worker-1/journal.log"));
    assert_eq!(failure["line"], 4);

    let proxy = records
        .iter()
        .find(|r| r["message"] == "Using iptables proxy")
        .expect("the CRI line");
    assert_eq!(proxy["time_basis"], "exact");
    assert_eq!(
        proxy["component"],
        "kube-system/kube-proxy-x7k2p/kube-proxy"
    );

    let event = records
        .iter()
        .find(|r| r["event"]["reason"] == "NodeNotReady")
        .expect("the event");
    assert_eq!(event["time"], "2024-06-10T06:15:00.000000000Z");
    assert_eq!(event["event"]["count"], 3);
    assert_eq!(event["node"], "worker-1");
}

#[test]
fn timeline_filters_by_node_source_grep_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let t = bundle_tarball(dir.path());
    let t = t.to_str().unwrap();
    let lines = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["timeline"];
        all.extend_from_slice(args);
        all.push(t);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let hits = lines(&["--node", "worker-1", "--grep", "unknown flag"]);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(
        hits[0].contains("worker-1")
            && hits[0].contains(" E ")
            && hits[0].contains("command failed")
    );
    assert_eq!(lines(&["--node", "cp-1"]).len(), 2);
    assert_eq!(lines(&["--source", "kube-proxy"]).len(), 2);
    assert_eq!(
        lines(&[
            "--since",
            "2024-06-10T06:13:20Z",
            "--until",
            "2024-06-10T06:13:21Z"
        ])
        .len(),
        3
    );
}

#[test]
fn unreadable_inputs_are_named_counted_and_set_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kubelet.log"), "I0610 06:13:20.000000    1234 server.go:487] \"Kubelet version\" kubeletVersion=\"v1.27.6\"\n").unwrap();
    std::fs::write(
        dir.path().join("core.bin"),
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
    )
    .unwrap();
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&b"Jun 10 06:13:20 node-a kubelet[1]: hello\n".repeat(200))
        .unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(dir.path().join("rotated.log.gz"), &gz[..gz.len() / 2]).unwrap();
    let out = run(&["inputs", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rotated.log.gz"),
        "stderr names the truncated file: {stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("binary") && stdout.contains("core.bin"));
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("klog") && l.contains("kubelet.log")),
        "{stdout}"
    );
}

#[test]
fn stdin_is_read_with_a_dash() {
    let mut child = bin()
        .args(["timeline", "--format", "ndjson", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(PROXY_CRI.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let records = ndjson(&out);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["format"], "cri");
}

#[test]
fn a_closed_pipe_is_a_clean_exit() {
    let dir = tempfile::tempdir().unwrap();
    let big: String = (0..200_000)
        .map(|i| {
            format!(
                "2024-06-10T06:13:{:02}.{:06}Z stdout F line {i}\n",
                i % 60,
                i
            )
        })
        .collect();
    std::fs::write(dir.path().join("0.log"), big).unwrap();
    let mut child = bin()
        .args(["timeline", dir.path().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
