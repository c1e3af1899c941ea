//! The bundled example (`corpora/example`, written by gen-corpus) read end to
//! end: every file accounted for, and the incident's lines from different
//! sources and zones landing on the same UTC instants.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

fn kubeautopsy(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubeautopsy"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("kubeautopsy runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
    )
}

#[test]
fn every_file_is_read_without_damage_and_every_line_is_accounted_for() {
    let (code, stdout) = kubeautopsy(&["inputs", "--format", "json", "corpora/example"]);
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["layout"], "troubleshoot");
    let inputs = report["inputs"].as_array().unwrap();
    assert!(inputs.len() > 150);
    for input in inputs {
        assert_eq!(input["balanced"], true, "{}", input["file"]);
        let damaged: u64 = ["malformed", "binary", "too-long", "truncated", "unreadable"]
            .iter()
            .filter_map(|r| input["skipped"][r].as_u64())
            .sum();
        assert_eq!(damaged, 0, "{}", input["file"]);
    }
    let formats: BTreeSet<&str> = inputs
        .iter()
        .map(|i| i["format"].as_str().unwrap())
        .collect();
    for expected in [
        "cri",
        "describe",
        "docker-json",
        "events-json",
        "events-table",
        "events-yaml",
        "journal-export",
        "journal-json",
        "journal-text",
        "klog",
        "klog-json",
        "plain",
        "resource-table",
    ] {
        assert!(
            formats.contains(expected),
            "{expected} missing from {formats:?}"
        );
    }
    // worker-1's journal text is in Europe/Berlin; its sosreport `date` says so.
    assert!(report["zones"]["worker-1"]
        .as_str()
        .unwrap()
        .starts_with("CEST"));
}

#[test]
fn the_kubelet_failure_has_one_utc_time_in_export_json_and_local_text_journals() {
    let (code, stdout) = kubeautopsy(&[
        "timeline",
        "--format",
        "ndjson",
        "--keep-duplicates",
        "--node",
        "worker-1",
        "--grep",
        "unknown flag: --container-runtime",
        "corpora/example",
    ]);
    assert_eq!(code, 0);
    let records: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let times = |format: &str, unit: i64| -> BTreeSet<i64> {
        records
            .iter()
            .filter(|r| r["format"] == format)
            .map(|r| r["time_ns"].as_i64().unwrap() / unit)
            .collect()
    };
    let export = times("journal-export", 1);
    let export_seconds = times("journal-export", 1_000_000_000);
    let json = times("journal-json", 1);
    let text_seconds = times("journal-text", 1_000_000_000);
    assert!(export.len() >= 5 && !json.is_empty() && !text_seconds.is_empty());
    assert!(
        json.is_subset(&export),
        "JSON and export captures carry the same realtime stamps"
    );
    assert!(
        text_seconds.is_subset(&export_seconds),
        "the Berlin-zoned short journal resolves to the export's UTC seconds: {text_seconds:?} vs {export_seconds:?}"
    );
    assert!(records
        .iter()
        .all(|r| r["severity"] == "error" && r["component"] == "kubelet"));
}

#[test]
fn captures_of_one_entry_in_several_files_are_written_once() {
    let args = [
        "timeline",
        "--format",
        "ndjson",
        "--node",
        "worker-1",
        "--grep",
        "unknown flag: --container-runtime",
        "corpora/example",
    ];
    let (code, folded) = kubeautopsy(&args);
    assert_eq!(code, 0);
    let mut all = args.to_vec();
    all.insert(1, "--keep-duplicates");
    let (_, kept) = kubeautopsy(&all);
    let seconds = |out: &str| -> Vec<i64> {
        out.lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["time_ns"]
                    .as_i64()
                    .unwrap()
                    / 1_000_000_000
            })
            .collect()
    };
    let (folded, kept) = (seconds(&folded), seconds(&kept));
    assert!(
        kept.len() > folded.len(),
        "the example holds several captures of each failure"
    );
    let distinct: BTreeSet<i64> = kept.iter().copied().collect();
    // One record per crash-loop iteration: every failure second is still there, and
    // no failure appears twice within a second.
    assert!(distinct
        .iter()
        .all(|s| folded.iter().any(|f| (f - s).abs() <= 1)));
    assert!(folded.windows(2).all(|w| w[1] - w[0] >= 1), "{folded:?}");
}
