//! klog parser tests: header, message shapes, multi-line records, crash
//! output, damage, chunking and splitting, the real metrics-server samples.

use std::borrow::Cow;

use proptest::prelude::*;

use super::*;
use crate::formats::lines::{count_lines, MAX_LINE_BYTES};
use crate::formats::testing::{assert_same, head, parse_whole, Parser};
use crate::formats::Chunk;
use crate::record::{Format, Payload, Position, Record, Severity};
use crate::sink::{Collect, Problem, SkipReason};
use crate::time::{CivilTime, RawTime};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/samples/klog");

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{SAMPLES}/{name}")).expect("sample file")
}

/// A splitter: `klog::split_at`, `klog_json::split_at` or `logfmt::split_at`.
type Splitter = fn(&[u8], usize) -> Option<usize>;

const PARSERS: [(&str, Parser, Splitter); 3] = [
    ("klog", parse, split_at),
    (
        "klog_json",
        crate::formats::klog_json::parse,
        crate::formats::klog_json::split_at,
    ),
    (
        "logfmt",
        crate::formats::logfmt::parse,
        crate::formats::logfmt::split_at,
    ),
];

/// Parse a whole input and check the accounting invariant.
fn parse_all(input: &[u8]) -> Collect {
    parse_all_with(parse, input)
}

fn parse_all_with(parse: Parser, input: &[u8]) -> Collect {
    parse_whole(parse, input)
}

/// Parse `input` as a stream of chunks of about `size` bytes, feeding back
/// what each call leaves unconsumed, as the ingest pipeline does.
fn parse_streamed(input: &[u8], size: usize) -> Collect {
    parse_streamed_with(parse, input, size)
}

fn parse_streamed_with(parse: Parser, input: &[u8], size: usize) -> Collect {
    let mut out = Collect::default();
    let (mut pos, mut line, mut want) = (0usize, 1u64, size);
    loop {
        let end = (pos + want).min(input.len());
        let at_eof = end == input.len();
        let chunk = Chunk {
            bytes: &input[pos..end],
            first_line: line,
            base_offset: pos as u64,
            at_eof,
        };
        let used = parse(chunk, &mut out);
        line += memchr::memchr_iter(b'\n', &input[pos..pos + used]).count() as u64;
        pos += used;
        if at_eof {
            assert_eq!(pos, input.len());
            return out;
        }
        want = if used == 0 { want * 2 } else { size };
    }
}

/// Parse `input` in pieces cut at `split_at` points, each piece on its own.
fn parse_split(input: &[u8], every: usize) -> Collect {
    parse_split_with(parse, split_at, input, every)
}

fn parse_split_with(parse: Parser, split_at: Splitter, input: &[u8], every: usize) -> Collect {
    let mut out = Collect::default();
    let mut starts = vec![0];
    let mut near = every;
    while near < input.len() {
        match split_at(input, near) {
            Some(at) if at > *starts.last().unwrap() => {
                starts.push(at);
                near = at + every;
            }
            _ => break,
        }
    }
    starts.push(input.len());
    for w in starts.windows(2) {
        let chunk = Chunk {
            bytes: &input[w[0]..w[1]],
            first_line: 1 + memchr::memchr_iter(b'\n', &input[..w[0]]).count() as u64,
            base_offset: w[0] as u64,
            at_eof: true,
        };
        parse(chunk, &mut out);
    }
    out
}

fn fields(rec: &Record<'_>) -> Vec<(String, String)> {
    rec.fields
        .iter()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn kv(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// (first line, lines, payload, severity) of every record.
fn shape(out: &Collect) -> Vec<(u64, u32, Payload, Severity)> {
    out.records
        .iter()
        .map(|r| (r.position.line, r.position.lines, r.payload, r.severity))
        .collect()
}

// ---------------------------------------------------------------- header

#[test]
fn header_fields_at_their_columns() {
    let line = br#"I0610 06:13:20.123400    1234 server.go:487] "Kubelet version" kubeletVersion="v1.30.2""#;
    let h = header(line).unwrap();
    assert_eq!(
        (h.severity, h.month, h.day, h.hour, h.minute, h.second, h.micros, h.pid),
        (Severity::Info, 6, 10, 6, 13, 20, 123_400, 1234)
    );
    let text = std::str::from_utf8(line).unwrap();
    assert_eq!(h.origin(text), "server.go:487");
    assert_eq!(
        h.body(text),
        r#""Kubelet version" kubeletVersion="v1.30.2""#
    );
    assert_eq!(
        h.time(),
        RawTime::Civil(CivilTime {
            year: None,
            month: 6,
            day: 10,
            hour: 6,
            minute: 13,
            second: 20,
            nanos: 123_400_000,
            offset: None
        })
    );
}

#[test]
fn header_with_seven_digit_pid_unknown_caller_and_dir_header() {
    let h = header(b"I0610 06:13:21.000001 4194301 kuberuntime_manager.go:262] x").unwrap();
    assert_eq!((h.pid, h.micros), (4_194_301, 1));
    let line = "E1231 23:59:59.999999       1 ???:1] caller unknown";
    let h = header(line.as_bytes()).unwrap();
    assert_eq!((h.severity, h.origin(line)), (Severity::Error, "???:1"));
    let line = "W0102 00:00:00.000000      42 kubelet/kubelet.go:1720] with -add_dir_header";
    let h = header(line.as_bytes()).unwrap();
    assert_eq!(
        (h.severity, h.origin(line)),
        (Severity::Warning, "kubelet/kubelet.go:1720")
    );
    let line = "F0610 06:13:20.000000 12 f.go:9]";
    let h = header(line.as_bytes()).unwrap();
    assert_eq!(
        (h.severity, h.body(line)),
        (Severity::Fatal, ""),
        "empty message at end of line"
    );
}

#[test]
fn header_rejects_near_misses() {
    for line in [
        "D0610 06:13:20.123400    1234 server.go:487] lowercase-free but not a klog letter",
        "I1310 06:13:20.123400    1234 server.go:487] month 13",
        "I0600 06:13:20.123400    1234 server.go:487] day 0",
        "I0610 24:13:20.123400    1234 server.go:487] hour 24",
        "I0610 06:13:20.12340    1234 server.go:487] five micro digits",
        "I0610 06:13:20,123400    1234 server.go:487] comma",
        "I0610 06:13:20.123400server.go:487] no pid",
        "I0610 06:13:20.123400    12345678901 server.go:487] pid of 11 digits",
        "I0610 06:13:20.123400    4294967296 server.go:487] pid over u32",
        "I0610 06:13:20.123400    1234 server go:487] space in file",
        "I0610 06:13:20.123400    1234 :487] empty file",
        "I0610 06:13:20.123400    1234 server.go:] no line number",
        "I0610 06:13:20.123400    1234 server.go:487]no space",
        "I0610 06:13:20.123400    1234 server.go:487 missing bracket",
        "I0610 06:13:20.123400    1234",
        "I0610",
        "",
        "Info: something",
    ] {
        assert_eq!(header(line.as_bytes()), None, "{line}");
    }
}

// -------------------------------------------------------- message shapes

#[test]
fn structured_message_borrows_and_keeps_the_raw_tail() {
    let out = parse_all(
        br#"I0610 06:13:21.000001 4194301 kuberuntime_manager.go:262] "Container runtime initialized" containerRuntime="containerd" version="1.7.18" apiVersion="v1""#,
    );
    let rec = &out.records[0];
    assert_eq!((rec.format, rec.payload), (Format::Klog, Payload::Klog));
    assert_eq!(rec.message, "Container runtime initialized");
    assert_eq!(rec.pid, Some(4_194_301));
    assert_eq!(rec.origin.as_deref(), Some("kuberuntime_manager.go:262"));
    assert_eq!(
        rec.fields,
        Fields::Klog(Cow::Borrowed(
            r#"containerRuntime="containerd" version="1.7.18" apiVersion="v1""#
        ))
    );
    assert_eq!(
        fields(rec),
        kv(&[
            ("containerRuntime", "containerd"),
            ("version", "1.7.18"),
            ("apiVersion", "v1")
        ])
    );
}

#[test]
fn structured_message_borrowing_is_zero_copy() {
    let line = r#"I0610 06:13:20.123400    1234 server.go:487] "Kubelet version" kubeletVersion="v1.30.2""#;
    let h = header(line.as_bytes()).unwrap();
    let parts = decode(&h, line);
    assert!(matches!(parts.message, Cow::Borrowed("Kubelet version")));
    assert!(matches!(parts.fields, Fields::Klog(Cow::Borrowed(_))));
    assert!(matches!(parts.origin, Some(Cow::Borrowed("server.go:487"))));
}

#[test]
fn unstructured_message_is_the_text_as_written() {
    let out = parse_all(
        b"W0610 06:13:20.200000    1234 feature_gate.go:246] Setting GA feature gate KubeletCgroupDriverFromCRI=true. It will be removed in a future release.\n",
    );
    let rec = &out.records[0];
    assert_eq!(
        (rec.payload, rec.severity),
        (Payload::Klog, Severity::Warning)
    );
    assert_eq!(
        rec.message,
        "Setting GA feature gate KubeletCgroupDriverFromCRI=true. It will be removed in a future release."
    );
    assert_eq!(rec.fields, Fields::None);
}

#[test]
fn quoted_message_with_escapes_and_quote_shapes_that_are_not_structured() {
    let out = parse_all(
        concat!(
            "I0610 06:13:20.000000 1 a.go:1] \"say \\\"hi\\\"\\n\\tnow\"\n",
            "I0610 06:13:20.000000 1 a.go:2] \"quoted\"word after\n",
            "I0610 06:13:20.000000 1 a.go:3] \"unterminated quote\n",
            "I0610 06:13:20.000000 1 a.go:4] \"only message\"\n",
        )
        .as_bytes(),
    );
    let messages: Vec<_> = out.records.iter().map(|r| r.message.as_ref()).collect();
    assert_eq!(
        messages,
        vec![
            "say \"hi\"\n\tnow",
            "\"quoted\"word after",
            "\"unterminated quote",
            "only message"
        ]
    );
    assert!(out.records.iter().all(|r| r.fields == Fields::None));
}

#[test]
fn incident_command_failed_line() {
    let out = parse_all(
        br#"E0610 06:13:20.300000    1234 run.go:74] "command failed" err="failed to parse kubelet flag: unknown flag: --container-runtime""#,
    );
    let rec = &out.records[0];
    assert_eq!(rec.severity, Severity::Error);
    assert_eq!(rec.message, "command failed");
    assert_eq!(
        rec.fields.get("err").as_deref(),
        Some("failed to parse kubelet flag: unknown flag: --container-runtime")
    );
    assert_eq!(rec.origin.as_deref(), Some("run.go:74"));
}

#[test]
fn incident_lines_keep_their_inner_phrases() {
    let input = concat!(
        "E0610 06:14:02.000000    1234 kubelet.go:2900] \"Container runtime network not ready\" networkReady=\"NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized\"\n",
        "E0610 06:14:03.000000    1234 kubelet.go:1900] \"Failed creating a mirror pod for\" err=\"Internal error occurred: failed calling webhook \\\"pod-identity-webhook.amazonaws.com\\\": no endpoints available for service \\\"pod-identity-webhook\\\"\" pod=\"kube-system/etcd-manager-main-ip-10-0-0-1\"\n",
        "W0610 06:14:04.000000    1234 codec.go:99] \"Using lenient decoding as strict decoding failed\" err=\"strict decoding error: unknown field \\\"x\\\"\"\n",
    );
    let out = parse_all(input.as_bytes());
    assert_eq!(
        out.records[0].fields.get("networkReady").as_deref(),
        Some("NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized")
    );
    assert_eq!(
        fields(&out.records[1]),
        kv(&[
            ("err", "Internal error occurred: failed calling webhook \"pod-identity-webhook.amazonaws.com\": no endpoints available for service \"pod-identity-webhook\""),
            ("pod", "kube-system/etcd-manager-main-ip-10-0-0-1"),
        ])
    );
    assert_eq!(
        out.records[2].fields.get("err").as_deref(),
        Some("strict decoding error: unknown field \"x\"")
    );
}

#[test]
fn old_klog_values_in_a_record() {
    let out = parse_all(
        b"E0610 06:13:20.000000       1 kuberuntime_container.go:100] \"Failed\" err=\"boom\" containerID={Type:containerd ID:4f1c} labels=map[app:web tier:front] pod=\"default/app\"\n",
    );
    assert_eq!(
        fields(&out.records[0]),
        kv(&[
            ("err", "boom"),
            ("containerID", "{Type:containerd ID:4f1c}"),
            ("labels", "map[app:web tier:front]"),
            ("pod", "default/app"),
        ])
    );
}

// ---------------------------------------------------- multi-line records

#[test]
fn multi_line_value_block_is_one_record_with_the_pairs_after_it() {
    let input = concat!(
        "E0610 06:14:02.000000    1234 pod_workers.go:1298] \"Error syncing pod, skipping\" err=<\n",
        "\tfailed to \"StartContainer\" for \"app\" with ErrImageNeverPull: \"Container image \\\"registry.local/app:v1.29.3\\\" is not present with pull policy of Never\"\n",
        " > pod=\"default/app-6d9f7c9b8-kq2wz\" podUID=\"2c1f8a7e-0c5e-4a6b-9a57-3f1f0b7b9d11\"\n",
        "I0610 06:14:03.000000    1234 kubelet.go:1] \"next\"\n",
    );
    let out = parse_all(input.as_bytes());
    assert_eq!(
        shape(&out),
        vec![
            (1, 3, Payload::Klog, Severity::Error),
            (4, 1, Payload::Klog, Severity::Info)
        ]
    );
    let rec = &out.records[0];
    assert_eq!(rec.message, "Error syncing pod, skipping");
    assert_eq!(
        fields(rec),
        kv(&[
            ("err", "failed to \"StartContainer\" for \"app\" with ErrImageNeverPull: \"Container image \\\"registry.local/app:v1.29.3\\\" is not present with pull policy of Never\""),
            ("pod", "default/app-6d9f7c9b8-kq2wz"),
            ("podUID", "2c1f8a7e-0c5e-4a6b-9a57-3f1f0b7b9d11"),
        ])
    );
}

#[test]
fn observed_panic_with_multi_line_stacktrace_value() {
    let input = concat!(
        "E0610 06:14:02.000000       1 runtime.go:142] \"Observed a panic\" panic=\"boom\" panicGoValue=\"\\\"boom\\\"\" stacktrace=<\n",
        "\tgoroutine 1 [running]:\n",
        "\tk8s.io/apimachinery/pkg/util/runtime.logPanic()\n",
        "\t\truntime.go:132 +0x1\n",
        " >\n",
    );
    let out = parse_all(input.as_bytes());
    assert_eq!(shape(&out), vec![(1, 5, Payload::Klog, Severity::Error)]);
    assert_eq!(
        out.records[0].fields.get("stacktrace").as_deref(),
        Some("goroutine 1 [running]:\nk8s.io/apimachinery/pkg/util/runtime.logPanic()\n\truntime.go:132 +0x1")
    );
}

#[test]
fn trace_continuation_lines_join_their_record() {
    let input = concat!(
        "I0610 06:13:25.861000       1 trace.go:236] Trace[1462345678]: \"List\" accept:application/json,audit-id:0f3c (10-Jun-2024 06:13:24.627) (total time: 1233ms):\n",
        "Trace[1462345678]: ---\"Writing http response done\" count:512 1230ms (06:13:25.860)\n",
        "Trace[1462345678]: [1.233s] [1.233s] END\n",
    );
    let out = parse_all(input.as_bytes());
    assert_eq!(shape(&out), vec![(1, 3, Payload::Klog, Severity::Info)]);
    assert_eq!(
        out.records[0].message,
        "Trace[1462345678]: \"List\" accept:application/json,audit-id:0f3c (10-Jun-2024 06:13:24.627) (total time: 1233ms):\nTrace[1462345678]: ---\"Writing http response done\" count:512 1230ms (06:13:25.860)\nTrace[1462345678]: [1.233s] [1.233s] END"
    );
}

#[test]
fn multi_line_records_borrow_from_the_input() {
    use crate::sink::{Emit, Skip};
    struct Borrowed(Vec<bool>);
    impl Emit for Borrowed {
        fn record(&mut self, r: Record<'_>) {
            let fields_borrowed = match &r.fields {
                Fields::Klog(c) => matches!(c, Cow::Borrowed(_)),
                _ => true,
            };
            self.0
                .push(matches!(r.message, Cow::Borrowed(_)) && fields_borrowed);
        }
        fn skip(&mut self, _: Skip<'_>) {}
    }
    let input = concat!(
        "I0610 06:13:25.861000       1 trace.go:236] Trace[1]: \"List\"\n",
        "Trace[1]: [1.233s] [1.233s] END\n",
        "E0610 06:14:02.000000    1234 p.go:1] \"Error\" err=<\n",
        "\tline\n",
        " > pod=\"x\"\n",
        "panic: boom\n",
    );
    let mut sink = Borrowed(Vec::new());
    parse(Chunk::whole(input.as_bytes()), &mut sink);
    assert_eq!(sink.0, vec![true, true, true]);
}

#[test]
fn blank_lines_join_only_when_a_continuation_follows() {
    let input = concat!(
        "I0610 06:13:20.000000 1 a.go:1] first\n",
        "\n",
        "continued after a blank\n",
        "\n",
        "\n",
        "I0610 06:13:21.000000 1 a.go:2] second\n",
        "\n",
    );
    let out = parse_all(input.as_bytes());
    assert_eq!(
        shape(&out),
        vec![
            (1, 3, Payload::Klog, Severity::Info),
            (6, 1, Payload::Klog, Severity::Info)
        ]
    );
    assert_eq!(out.records[0].message, "first\n\ncontinued after a blank");
    let blanks: Vec<_> = out
        .skips
        .iter()
        .map(|s| (s.position.line, s.reason))
        .collect();
    assert_eq!(
        blanks,
        vec![
            (4, SkipReason::Blank),
            (5, SkipReason::Blank),
            (7, SkipReason::Blank)
        ]
    );
}

#[test]
fn lines_before_any_header_form_a_text_record() {
    let input = concat!(
        "\tk8s.io/kubernetes/pkg/kubelet/kubelet.go:1720 +0x1c5\n",
        "created by k8s.io/kubernetes/pkg/kubelet.(*podWorkers).UpdatePod in goroutine 180\n",
        "I0610 06:13:20.000000 1 a.go:1] after\n",
    );
    let out = parse_all(input.as_bytes());
    assert_eq!(
        shape(&out),
        vec![
            (1, 2, Payload::Text, Severity::Info),
            (3, 1, Payload::Klog, Severity::Info)
        ]
    );
    assert_eq!(out.records[0].format, Format::Klog);
    assert_eq!(out.records[0].time, RawTime::None);
}

// ---------------------------------------------------------- crash output

#[test]
fn go_runtime_panic_from_the_spec() {
    let input = concat!(
        "F0610 06:13:20.000000    1234 server.go:1] \"last words\"\n",
        "panic: runtime error: invalid memory address or nil pointer dereference\n",
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1f2e3d4]\n",
        "\n",
        "goroutine 217 [running]:\n",
        "k8s.io/kubernetes/pkg/kubelet.(*Kubelet).syncPod(0xc000a1b000, {0x2a1b3c0, 0xc001234560}, 0x0, 0xc0005f6c00, ...)\n",
        "\tk8s.io/kubernetes/pkg/kubelet/kubelet.go:1720 +0x1c5\n",
        "created by k8s.io/kubernetes/pkg/kubelet.(*podWorkers).UpdatePod in goroutine 180\n",
        "\tk8s.io/kubernetes/pkg/kubelet/pod_workers.go:947 +0x8a6\n",
    );
    let out = parse_all(input.as_bytes());
    assert_eq!(
        shape(&out),
        vec![
            (1, 1, Payload::Klog, Severity::Fatal),
            (2, 2, Payload::Text, Severity::Error),
            (5, 5, Payload::Text, Severity::Info),
        ]
    );
    assert_eq!(
        out.records[1].message,
        "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1f2e3d4]"
    );
    assert!(out.records[2]
        .message
        .starts_with("goroutine 217 [running]:\n"));
    assert!(out.records[2]
        .message
        .ends_with("pod_workers.go:947 +0x8a6"));
    assert_eq!(out.skipped(SkipReason::Blank), 1);
}

#[test]
fn fatal_error_sigquit_and_repanic_shapes() {
    let input = concat!(
        "fatal error: concurrent map writes\n",
        "goroutine 5 gp=0xc000002380 m=0 mp=0x3b0f4a0 [running]:\n",
        "runtime.throw()\n",
        "SIGQUIT: quit\n",
        "PC=0x46e2a1 m=0 sigcode=0\n",
        "panic: boom [recovered]\n",
        "\tpanic: boom\n",
    );
    let out = parse_all(input.as_bytes());
    assert_eq!(
        shape(&out),
        vec![
            (1, 1, Payload::Text, Severity::Fatal),
            (2, 2, Payload::Text, Severity::Info),
            (4, 2, Payload::Text, Severity::Info),
            (6, 2, Payload::Text, Severity::Error),
        ]
    );
}

#[test]
fn metrics_server_crash_sample_error_usage_and_panic() {
    let input = sample("troubleshoot-metrics-server-previous.log");
    let out = parse_all(&input);
    assert_eq!(count_lines(&input), 83);
    assert_eq!(
        shape(&out),
        vec![
            (1, 1, Payload::Text, Severity::Error),
            (2, 76, Payload::Text, Severity::Info),
            (79, 1, Payload::Text, Severity::Error),
            (81, 3, Payload::Text, Severity::Info),
        ]
    );
    assert_eq!(
        out.records[0].message,
        "Error: unable to load configmap based request-header-client-ca-file: Get \"https://10.43.0.1:443/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication\": dial tcp 10.43.0.1:443: i/o timeout"
    );
    assert!(out.records[1]
        .message
        .starts_with("Usage:\n   [flags]\n\nMetrics server flags:\n"));
    assert!(out.records[1].message.ends_with("--vmodule moduleSpec               comma-separated list of pattern=N settings for file-filtered logging"));
    assert!(out.records[2]
        .message
        .starts_with("panic: unable to load configmap"));
    assert_eq!(
        out.records[3].message,
        "goroutine 1 [running]:\nmain.main()\n\t/go/src/sigs.k8s.io/metrics-server/cmd/metrics-server/metrics-server.go:39 +0xec"
    );
    let skips: Vec<_> = out
        .skips
        .iter()
        .map(|s| (s.position.line, s.reason))
        .collect();
    assert_eq!(
        skips,
        vec![(78, SkipReason::Blank), (80, SkipReason::Blank)]
    );
    assert!(out
        .records
        .iter()
        .all(|r| r.time == RawTime::None && r.format == Format::Klog));
    assert!(out.problems.is_empty());
    assert!(
        sniff(&input),
        "a crash before logging started is still a klog stream"
    );
}

#[test]
fn metrics_server_running_sample() {
    let input = sample("troubleshoot-metrics-server.log");
    let out = parse_all(&input);
    assert_eq!(out.records.len(), 22);
    assert!(out.skips.is_empty() && out.problems.is_empty());
    assert!(out
        .records
        .iter()
        .all(|r| r.severity == Severity::Info && r.pid == Some(1) && r.position.lines == 1));
    let first = &out.records[0];
    assert_eq!(first.message, "Starting RequestHeaderAuthRequestController");
    assert_eq!(
        first.origin.as_deref(),
        Some("requestheader_controller.go:169")
    );
    assert_eq!(
        first.time,
        RawTime::Civil(CivilTime {
            year: None,
            month: 12,
            day: 21,
            hour: 9,
            minute: 43,
            second: 29,
            nanos: 498_401_000,
            offset: None
        })
    );
    assert_eq!(
        out.records[10].message,
        "Caches are synced for client-ca::kube-system::extension-apiserver-authentication::requestheader-client-ca-file ",
        "the trailing space klog wrote is kept"
    );
    let probe = &out.records[9];
    assert_eq!(probe.message, "Failed probe");
    assert_eq!(
        fields(probe),
        kv(&[
            ("probe", "metric-storage-ready"),
            ("err", "not metrics to serve")
        ])
    );
    assert_eq!(
        probe.position,
        Position {
            line: 10,
            offset: probe.position.offset,
            lines: 1
        }
    );
    assert!(sniff(&input));
}

// ---------------------------------------------------------------- damage

#[test]
fn invalid_utf8_is_replaced_and_reported() {
    let input = b"I0610 06:13:20.000000 1 a.go:1] \"bad \xff byte\" k=\"v\xfe\"\n";
    let out = parse_all(input);
    assert_eq!(out.records[0].message, "bad \u{FFFD} byte");
    assert_eq!(out.records[0].fields.get("k").as_deref(), Some("v\u{FFFD}"));
    assert_eq!(
        out.problems,
        vec![(out.records[0].position, Problem::InvalidUtf8)]
    );
}

#[test]
fn invalid_utf8_in_the_file_name_still_parses_the_header() {
    let input = b"I0610 06:13:20.000000 1 f\xffo.go:1] msg\n";
    let out = parse_all(input);
    assert_eq!(out.records[0].payload, Payload::Klog);
    assert_eq!(out.records[0].origin.as_deref(), Some("f\u{FFFD}o.go:1"));
    assert_eq!(out.records[0].message, "msg");
}

#[test]
fn crlf_line_ends_are_removed_from_single_and_multi_line_records() {
    let input = b"I0610 06:13:20.000000 1 a.go:1] \"m\" err=<\r\n\tx\r\n\ty\r\n > k=1\r\nI0610 06:13:20.000000 1 a.go:2] plain\r\n";
    let out = parse_all(input);
    assert_eq!(out.records.len(), 2);
    assert_eq!(fields(&out.records[0]), kv(&[("err", "x\ny"), ("k", "1")]));
    assert_eq!(out.records[0].position.lines, 4);
    assert_eq!(out.records[1].message, "plain");
}

#[test]
fn too_long_line_is_skipped_and_ends_the_record() {
    let mut input = b"I0610 06:13:20.000000 1 a.go:1] before\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 1));
    input.extend_from_slice(b"\nafter the long line\n");
    let out = parse_all(&input);
    assert_eq!(
        shape(&out),
        vec![
            (1, 1, Payload::Klog, Severity::Info),
            (3, 1, Payload::Text, Severity::Info)
        ]
    );
    assert_eq!(out.skipped(SkipReason::TooLong), 1);
    assert_eq!(out.skips[0].position.line, 2);
}

#[test]
fn nul_padding_before_a_header_is_skipped_and_nul_lines_are_binary() {
    let input = b"I0610 06:13:20.000000 1 a.go:1] before crash\n\0\0\0\0\n\0\0\0I0610 06:20:00.000000 2 a.go:1] after reboot\n";
    let out = parse_all(input);
    assert_eq!(
        shape(&out),
        vec![
            (1, 1, Payload::Klog, Severity::Info),
            (3, 1, Payload::Klog, Severity::Info)
        ]
    );
    assert_eq!(out.records[1].message, "after reboot");
    assert_eq!(out.records[1].pid, Some(2));
    assert_eq!(out.records[1].position.offset, 50 + 3);
    assert_eq!(out.skipped(SkipReason::Binary), 1);
}

#[test]
fn continuation_cap_on_lines_starts_a_new_record() {
    let mut input = b"E0610 06:13:20.000000 1 a.go:1] Observed a panic\n".to_vec();
    for i in 0..MAX_RECORD_LINES + 5 {
        input.extend_from_slice(format!("\tframe {i}\n").as_bytes());
    }
    let out = parse_all(&input);
    assert_eq!(
        shape(&out),
        vec![
            (1, MAX_RECORD_LINES, Payload::Klog, Severity::Error),
            (
                MAX_RECORD_LINES as u64 + 1,
                6,
                Payload::Text,
                Severity::Info
            ),
        ]
    );
    assert_eq!(
        out.problems,
        vec![(out.records[0].position, Problem::Truncated)]
    );
}

#[test]
fn continuation_cap_on_bytes_starts_a_new_record() {
    let mut input = b"I0610 06:13:20.000000 1 a.go:1] big\n".to_vec();
    let line = vec![b'y'; 300_000];
    for _ in 0..4 {
        input.extend_from_slice(&line);
        input.push(b'\n');
    }
    let out = parse_all(&input);
    assert_eq!(
        shape(&out),
        vec![
            (1, 4, Payload::Klog, Severity::Info),
            (5, 1, Payload::Text, Severity::Info)
        ]
    );
    assert!(out.records[0].message.len() <= MAX_RECORD_BYTES);
    assert_eq!(out.problems.len(), 1);
}

#[test]
fn a_flood_of_blank_lines_does_not_keep_a_record_pending() {
    let mut input = b"I0610 06:13:20.000000 1 a.go:1] open\n".to_vec();
    input.extend(std::iter::repeat_n(b'\n', 2 * MAX_RECORD_LINES as usize));
    let mut out = Collect::default();
    let chunk = head(&input);
    assert_eq!(
        parse(chunk, &mut out),
        input.len(),
        "all consumed before EOF"
    );
    assert_eq!(shape(&out), vec![(1, 1, Payload::Klog, Severity::Info)]);
    assert_eq!(out.skipped(SkipReason::Blank), 2 * MAX_RECORD_LINES as u64);
    // A continuation after more blank lines than a record may hold is text.
    input.extend_from_slice(b"late continuation\n");
    let out = parse_all(&input);
    assert_eq!(
        shape(&out),
        vec![
            (1, 1, Payload::Klog, Severity::Info),
            (
                2 * MAX_RECORD_LINES as u64 + 2,
                1,
                Payload::Text,
                Severity::Info
            )
        ]
    );
}

#[test]
fn logrus_lines_mixed_into_klog_are_whole_records() {
    let input = concat!(
        "I0610 06:13:20.000000 1 a.go:1] klog\n",
        "time=\"2024-06-10T08:00:00Z\" level=warning msg=\"k3s says\"\n",
        "time=not a logrus line\n",
    );
    let out = parse_all(input.as_bytes());
    assert_eq!(
        shape(&out),
        vec![
            (1, 1, Payload::Klog, Severity::Info),
            (2, 1, Payload::Logfmt, Severity::Warning),
            (3, 1, Payload::Text, Severity::Info),
        ]
    );
    assert!(out.records.iter().all(|r| r.format == Format::Klog));
}

// ------------------------------------------------- chunking and splitting

fn mixed_input() -> Vec<u8> {
    let mut input = Vec::new();
    input.extend_from_slice(b"leading text\n");
    for i in 0..40 {
        input.extend_from_slice(
            format!(
                "I0610 06:13:{:02}.000000 1 a.go:{i}] \"m{i}\" k=\"v\"\n",
                i % 60
            )
            .as_bytes(),
        );
        if i % 7 == 0 {
            input.extend_from_slice(b"E0610 06:14:02.000000 1 p.go:1] \"Error\" err=<\n\tline a\n\n\tline b\n > pod=\"x\"\n");
        }
        if i % 11 == 0 {
            input.extend_from_slice(
                b"\n\npanic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\tmain.go:1 +0x1\n\n",
            );
        }
        if i % 13 == 0 {
            input.extend_from_slice(b"Usage:\n  kubelet [flags]\n\nFlags:\n  --v int\n\n\n");
        }
    }
    input.extend_from_slice(b"trailing continuation without newline");
    input
}

#[test]
fn streamed_chunks_give_the_same_records_as_one_chunk() {
    let input = mixed_input();
    let whole = parse_all(&input);
    for size in [1, 7, 33, 64, 100, 257, 1000, 4096] {
        assert_same(
            &whole,
            &parse_streamed(&input, size),
            &format!("chunk size {size}"),
        );
    }
}

#[test]
fn split_points_are_record_starts_and_pieces_parse_the_same() {
    let input = mixed_input();
    let whole = parse_all(&input);
    for every in [1, 50, 200, 999] {
        assert_same(
            &whole,
            &parse_split(&input, every),
            &format!("split every {every}"),
        );
    }
    // Every split point starts a record of the whole parse.
    let starts: Vec<u64> = whole.records.iter().map(|r| r.position.offset).collect();
    let mut near = 0;
    while let Some(at) = split_at(&input, near) {
        assert!(
            starts.contains(&(at as u64)),
            "split at {at} is a record start"
        );
        near = at + 1;
    }
}

#[test]
fn split_at_skips_continuation_lines() {
    let input = b"I0610 06:13:20.000000 1 a.go:1] \"m\" err=<\n\tI0610 06:13:20.000000 1 fake.go:1] inside\n > k=1\ncontinued\nI0610 06:13:21.000000 1 a.go:2] next\n";
    let next = input.len() - b"I0610 06:13:21.000000 1 a.go:2] next\n".len();
    assert_eq!(split_at(input, 0), Some(0));
    assert_eq!(split_at(input, 1), Some(next));
    assert_eq!(split_at(input, next), Some(next));
    assert_eq!(split_at(input, next + 1), None);
    assert_eq!(split_at(b"only continuation\nlines\n", 3), None);
}

#[test]
fn unfinished_record_is_left_for_the_next_chunk() {
    let input = b"I0610 06:13:20.000000 1 a.go:1] one\nI0610 06:13:20.000000 1 a.go:2] two\n\tmore";
    let mut out = Collect::default();
    let chunk = head(input);
    let used = parse(chunk, &mut out);
    assert_eq!(used, 36, "the second record may still continue");
    assert_eq!(out.records.len(), 1);
    let mut out = Collect::default();
    let used = parse(head(b"I0610 06:13:20.000000 1 a.go:2] two\n\n"), &mut out);
    assert_eq!(
        (used, out.records.len()),
        (0, 0),
        "a blank line does not end the record yet"
    );
}

// ------------------------------------------------------------------ sniff

#[test]
fn sniff_accepts_klog_and_crash_before_logging_only() {
    assert!(sniff(
        b"I0610 06:13:20.123400    1234 server.go:487] \"Kubelet version\"\n"
    ));
    assert!(sniff(b"\n\nW0610 06:13:20.123400    1234 server.go:487] x"));
    assert!(sniff(
        b"Error: unknown flag: --container-runtime\nUsage:\n  kubelet [flags]\n"
    ));
    assert!(sniff(b"panic: boom\n\ngoroutine 1 [running]:\n"));
    assert!(!sniff(b"Error: something\nand then text\n"));
    assert!(!sniff(b"Usage:\n  tool [flags]\n"));
    assert!(!sniff(
        b"Jun 10 06:13:20 node-a kubelet[1234]: I0610 06:13:20.123400 1234 server.go:487] x\n"
    ));
    assert!(!sniff(
        b"2024-06-10T06:13:20.123456789Z stderr F I0610 06:13:20.123400 1 server.go:487] x\n"
    ));
    assert!(!sniff(b"time=\"2024-06-10T08:00:00Z\" level=info msg=x\n"));
    assert!(!sniff(b"hello\nI0610 06:13:20.123400 1 server.go:487] x\n"));
    assert!(!sniff(b""));
}

// -------------------------------------------------------------- proptests

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_and_keep_the_accounting(input in proptest::collection::vec(any::<u8>(), 0..600)) {
        for (_, parse, _) in PARSERS {
            let out = parse_all_with(parse, &input);
            prop_assert!(out.records.iter().all(|r| r.position.lines >= 1));
        }
        let mut rec = Record::default();
        crate::formats::payload::decode(String::from_utf8_lossy(&input), &mut rec);
    }

    #[test]
    fn klog_like_streams_parse_the_same_in_chunks(
        picks in proptest::collection::vec(0usize..14, 0..40),
        size in 1usize..120,
    ) {
        const LINES: [&str; 14] = [
            "I0610 06:13:20.000000 1 a.go:1] \"m\" k=\"v\"\n",
            "E0610 06:13:20.000000 1 a.go:2] \"e\" err=<\n",
            "\tblock line\n",
            " > pod=\"x\"\n",
            "\n",
            "panic: boom\n",
            "goroutine 1 [running]:\n",
            "text line\n",
            "Error: bad flag\n",
            "time=\"2024-06-10T08:00:00Z\" level=info msg=x\n",
            "\0\0I0610 06:13:20.000000 1 a.go:3] after nul\n",
            "\r\n",
            "{\"ts\":1718000000123.4,\"msg\":\"j\",\"v\":0}\n",
            "{\"msg\":\"cut\n",
        ];
        let input: Vec<u8> = picks.iter().flat_map(|&i| LINES[i].bytes()).collect();
        for (name, parse, split_at) in PARSERS {
            let whole = parse_all_with(parse, &input);
            let streamed = parse_streamed_with(parse, &input, size);
            prop_assert_eq!(&whole.records, &streamed.records, "{}", name);
            prop_assert_eq!(&whole.skips, &streamed.skips, "{}", name);
            prop_assert_eq!(&whole.problems, &streamed.problems, "{}", name);
            let split = parse_split_with(parse, split_at, &input, size);
            prop_assert_eq!(&whole.records, &split.records, "{}", name);
            prop_assert_eq!(&whole.skips, &split.skips, "{}", name);
        }
    }

    #[test]
    fn pairs_never_panic(raw in "\\PC{0,200}", noisy in "[a-z=\"<>\\[\\]{}\\\\ \t\n\r]{0,120}") {
        let _ = pairs(&raw).count();
        let _ = pairs(&noisy).count();
        let _ = crate::formats::logfmt::pairs(&raw).count();
        let _ = crate::formats::logfmt::pairs(&noisy).count();
        let _ = unquote(&raw);
        let _ = unquote(&noisy);
    }

    #[test]
    fn pairs_round_trip_quoted_values(key in "[a-zA-Z][a-zA-Z0-9]{0,8}", value in "\\PC{0,40}") {
        let raw = format!("{key}={} next=1", go_quote(&value));
        let got: Vec<_> = pairs(&raw).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        prop_assert_eq!(got, vec![(key, value), ("next".to_string(), "1".to_string())]);
    }
}

/// `strconv.Quote` for the round-trip property: escapes `"`, `\\`, and
/// control characters; printable text stays as it is.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ------------------------------------------------------------- throughput

/// Nanoseconds this thread has run on a CPU (Linux schedstat), so that the
/// figures are not inflated by other processes sharing the cores; wall
/// clock elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Run `f` and return (wall seconds, CPU seconds when known).
fn timed(f: impl FnOnce()) -> (f64, f64) {
    let cpu0 = thread_cpu_ns();
    let t = std::time::Instant::now();
    f();
    let wall = t.elapsed().as_secs_f64();
    let cpu = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) => (b - a) as f64 / 1e9,
        _ => wall,
    };
    (wall, cpu)
}

/// Typical kubelet lines, about 50 MB. Run with
/// `cargo test --release --lib formats::klog::tests::throughput -- --ignored --nocapture`.
/// Prints wall-clock and thread-CPU figures (best of 3 runs each).
#[test]
#[ignore]
fn throughput() {
    use crate::formats::payload;
    use crate::sink::{Emit, Skip};

    struct Count(usize, usize);
    impl Emit for Count {
        fn record(&mut self, r: Record<'_>) {
            self.0 += 1;
            self.1 += r.message.len();
        }
        fn skip(&mut self, _: Skip<'_>) {}
    }

    let templates = [
        r#"I0610 06:13:20.123400    1234 kubelet.go:2436] "SyncLoop (PLEG): event for pod" pod="kube-system/coredns-7db6d8ff4d-x2x9q" event={"ID":"2c1f8a7e-0c5e-4a6b-9a57-3f1f0b7b9d11","Type":"ContainerStarted","Data":"4f3c"}"#,
        r#"I0610 06:13:20.223400    1234 kuberuntime_manager.go:1050] "Creating PodSandbox for pod" pod="default/app-6d9f7c9b8-kq2wz""#,
        r#"E0610 06:13:20.300000    1234 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"app\" with CrashLoopBackOff" pod="default/app-6d9f7c9b8-kq2wz" podUID="2c1f8a7e-0c5e-4a6b-9a57-3f1f0b7b9d11""#,
        r#"W0610 06:13:20.400000    1234 reflector.go:547] k8s.io/client-go/informers/factory.go:160: failed to list *v1.Service: Get "https://10.0.0.1:6443/api/v1/services?limit=500": dial tcp 10.0.0.1:6443: connect: connection refused"#,
        r#"I0610 06:13:20.500000    1234 prober.go:107] "Probe failed" probeType="Readiness" pod="kube-system/metrics-server-668d979685-wttxd" podUID="8e0e" containerName="metrics-server" probeResult="failure" output="HTTP probe failed with statuscode: 500""#,
    ];
    let mut input = Vec::with_capacity(52 << 20);
    let mut n = 0;
    while input.len() < 50 << 20 {
        input.extend_from_slice(templates[n % templates.len()].as_bytes());
        input.push(b'\n');
        n += 1;
    }
    let mb = input.len() as f64 / 1e6;
    let text = std::str::from_utf8(&input).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Hot cache: the same 1000 lines (about 200 KB) over and over, as in a
    // journal parser that has just scanned the line it hands to decode.
    let hot = &lines[..1000];
    let rounds = lines.len() / hot.len();
    let hot_n = rounds * hot.len();

    let best = |f: &dyn Fn()| {
        (0..3)
            .map(|_| timed(f))
            .fold((f64::MAX, f64::MAX), |(w, c), (w2, c2)| {
                (w.min(w2), c.min(c2))
            })
    };
    let report = |what: &str, (wall, cpu): (f64, f64), count: usize, bytes: f64| {
        println!(
            "{what:<40} wall {:>5.0} ns/line {:>6.0} MB/s | cpu {:>5.0} ns/line {:>6.0} MB/s",
            wall * 1e9 / count as f64,
            bytes / wall,
            cpu * 1e9 / count as f64,
            bytes / cpu,
        );
    };

    let parse_t = best(&|| {
        let mut sink = Count(0, 0);
        parse(Chunk::whole(&input), &mut sink);
        assert_eq!(sink.0, n);
    });
    let decode_t = best(&|| {
        let mut kept = 0usize;
        for line in &lines {
            let mut rec = Record::default();
            payload::decode(Cow::Borrowed(line), &mut rec);
            kept += rec.message.len();
        }
        assert!(kept > 0);
    });
    let hot_header_t = best(&|| {
        let mut micros = 0u64;
        for _ in 0..rounds {
            for line in hot {
                micros +=
                    header(std::hint::black_box(line.as_bytes())).map_or(0, |h| h.micros as u64);
            }
        }
        assert!(micros > 0);
    });
    let hot_decode_t = best(&|| {
        let mut kept = 0usize;
        for _ in 0..rounds {
            for line in hot {
                let mut rec = Record::default();
                payload::decode(Cow::Borrowed(std::hint::black_box(line)), &mut rec);
                kept += rec.message.len();
            }
        }
        assert!(kept > 0);
    });
    let fields_t = best(&|| {
        let mut seen = 0usize;
        for line in &lines {
            let mut rec = Record::default();
            payload::decode(Cow::Borrowed(line), &mut rec);
            seen += rec.fields.iter().count();
        }
        assert!(seen > 0);
    });
    let hot_mb = mb * hot_n as f64 / n as f64;
    println!(
        "{mb:.1} MB, {n} lines, {:.0} bytes/line",
        input.len() as f64 / n as f64
    );
    report("klog::parse (50 MB file)", parse_t, n, mb);
    report("payload::decode (50 MB of lines)", decode_t, n, mb);
    report("payload::decode (hot cache)", hot_decode_t, hot_n, hot_mb);
    report("klog::header only (hot cache)", hot_header_t, hot_n, hot_mb);
    report("payload::decode + all fields decoded", fields_t, n, mb);
}

#[test]
fn sniff_accepts_cat_captures_that_start_with_systemd_lines() {
    let head = b"Stopping kubelet.service - kubelet: The Kubernetes Node Agent...\n\
Started kubelet.service - kubelet: The Kubernetes Node Agent.\n\
I0610 06:27:56.032110    1093 server.go:415] \"Kubelet version\" kubeletVersion=\"v1.26.9\"\n\
I0610 06:27:56.032160    1093 server.go:417] \"Golang settings\" GOGC=\"\"\n\
I0610 06:27:56.032170    1093 server.go:420] \"Starting\"\n";
    assert!(super::sniff(head));
    let mostly_plain = b"Stopping kubelet.service\nStarted kubelet.service\nI0610 06:27:56.032110    1093 server.go:415] \"x\"\nplain\nplain\nplain\nplain\nplain\nplain\nplain\n";
    assert!(!super::sniff(mostly_plain));
}
