//! Per-parser throughput: bytes of one format parsed into records *and
//! their fields* per second, on one core. The sink touches every field and
//! the message so lazy decoding is paid for, as a consumer would pay it.
//!
//! Run: `cargo bench --bench parsers`. Figures are recorded in benches/README.md.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use kubeautopsy::formats::{self, Chunk};
use kubeautopsy::record::{Format, Position, Record};
use kubeautopsy::sink::{Emit, Problem, Skip};

/// Decodes every field of every record, as matching would.
#[derive(Default)]
struct TouchFields {
    records: u64,
    bytes: u64,
}

impl Emit for TouchFields {
    fn record(&mut self, record: Record<'_>) {
        self.records += 1;
        self.bytes += record.message.len() as u64;
        for (k, v) in record.fields.iter() {
            self.bytes += (k.len() + v.len()) as u64;
        }
    }
    fn skip(&mut self, _skip: Skip<'_>) {}
    fn problem(&mut self, _position: Position, _problem: Problem) {}
}

/// About `target` bytes of a format, built by repeating representative lines
/// with varying numbers so branch predictors and caches see realistic data.
fn corpus(lines: &[&str], target: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(target + 4096);
    let mut i: u64 = 0;
    while out.len() < target {
        for l in lines {
            let line = l
                .replace("{n}", &format!("{:06}", i % 1_000_000))
                .replace("{s}", &format!("{:02}", i % 60));
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
            i += 1;
        }
    }
    out
}

fn samples() -> Vec<(Format, Vec<u8>)> {
    const SIZE: usize = 16 << 20;
    vec![
        (
            Format::JournalText,
            corpus(
                &[
                    "Jun 10 08:13:{s}.123456 worker-1 kubelet[1234]: I0610 06:13:{s}.{n}    1234 kubelet.go:2453] \"SyncLoop (PLEG): event for pod\" pod=\"kube-system/kube-proxy-x7k2p\" event={\"ID\":\"1b6f\",\"Type\":\"ContainerStarted\"}",
                    "Jun 10 08:13:{s}.223456 worker-1 containerd[871]: time=\"2024-06-10T06:13:{s}.{n}000Z\" level=info msg=\"StartContainer for \\\"3f1c\\\" returns successfully\"",
                    "Jun 10 08:13:{s}.323456 worker-1 kubelet[1234]: E0610 06:13:{s}.{n}    1234 pod_workers.go:1298] \"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" for \\\"app\\\" with CrashLoopBackOff\" pod=\"default/app-6d9f7c9b8-kq2wz\" podUID=\"2c1f8a7e-0c5e-4a6b-9a57-3f1f0b7b9d11\"",
                    "Jun 10 08:13:{s}.423456 worker-1 systemd[1]: kubelet.service: Main process exited, code=exited, status=1/FAILURE",
                ],
                SIZE,
            ),
        ),
        (
            Format::Klog,
            corpus(
                &[
                    "I0610 06:13:{s}.{n}    1234 kubelet.go:2453] \"SyncLoop (PLEG): event for pod\" pod=\"kube-system/kube-proxy-x7k2p\" event={\"ID\":\"1b6f\",\"Type\":\"ContainerStarted\"}",
                    "E0610 06:13:{s}.{n}    1234 pod_workers.go:1298] \"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" for \\\"app\\\" with CrashLoopBackOff\" pod=\"default/app-6d9f7c9b8-kq2wz\"",
                    "W0610 06:13:{s}.{n}    1234 reflector.go:535] k8s.io/client-go/informers/factory.go:150: failed to list *v1.Service: Get \"https://10.0.0.1:6443/api/v1/services\": dial tcp 10.0.0.1:6443: connect: connection refused",
                ],
                SIZE,
            ),
        ),
        (
            Format::Cri,
            corpus(
                &[
                    "2024-06-10T06:13:{s}.{n}123Z stderr F I0610 06:13:{s}.{n}       1 server_linux.go:69] \"Using iptables proxy\"",
                    "2024-06-10T06:13:{s}.{n}Z stdout F {\"level\":\"info\",\"ts\":\"2024-06-10T06:13:{s}.{n}Z\",\"msg\":\"apply request took too long\",\"took\":\"212.5ms\"}",
                    "2024-06-10T06:13:{s}.{n}000+00:00 stdout F 10.42.0.1 - - [10/Jun/2024:06:13:{s} +0000] \"GET /healthz HTTP/1.1\" 200 2 \"-\" \"kube-probe/1.30\"",
                ],
                SIZE,
            ),
        ),
        (
            Format::Logfmt,
            corpus(
                &[
                    "time=\"2024-06-10T06:13:{s}.{n}000Z\" level=info msg=\"StartContainer for \\\"3f1c\\\" returns successfully\"",
                    "time=\"2024-06-10T06:13:{s}.{n}Z\" level=error msg=\"PullImage \\\"registry.example/app:v2\\\" failed\" error=\"rpc error: code = NotFound desc = failed to resolve reference\"",
                ],
                SIZE,
            ),
        ),
        (
            Format::JournalJson,
            corpus(
                &[
                    "{\"__CURSOR\":\"s=0f1e;i=1a2c;b=3c4d;m=2b6f1d0;t=61b9c8a1e3001;x=aa55\",\"__REALTIME_TIMESTAMP\":\"1718000{n}0001\",\"__MONOTONIC_TIMESTAMP\":\"45543888\",\"_BOOT_ID\":\"3c4d5e6f708192a3b4c5d6e7f8091a2b\",\"PRIORITY\":\"6\",\"_SYSTEMD_UNIT\":\"kubelet.service\",\"SYSLOG_IDENTIFIER\":\"kubelet\",\"_PID\":\"1234\",\"_HOSTNAME\":\"worker-1\",\"MESSAGE\":\"I0610 06:13:{s}.{n}    1234 kubelet.go:2453] \\\"SyncLoop (PLEG): event for pod\\\" pod=\\\"kube-system/kube-proxy-x7k2p\\\"\"}",
                ],
                SIZE,
            ),
        ),
        (
            Format::JournalExport,
            corpus(
                &[
                    "__CURSOR=s=0f1e;i=1a2b;b=3c4d;m=2b6f1c0;t=61b9c8a1e2f3a;x=aa55\n__REALTIME_TIMESTAMP=1718000{n}3456\n__MONOTONIC_TIMESTAMP=45543872\n_BOOT_ID=3c4d5e6f708192a3b4c5d6e7f8091a2b\n_TRANSPORT=stdout\nPRIORITY=6\nSYSLOG_IDENTIFIER=kubelet\n_PID=1234\n_HOSTNAME=worker-1\n_SYSTEMD_UNIT=kubelet.service\nMESSAGE=I0610 06:13:{s}.{n}    1234 server.go:487] \"Kubelet version\" kubeletVersion=\"v1.30.2\"\n",
                ],
                SIZE,
            ),
        ),
    ]
}

fn parsers(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse+fields");
    group.sample_size(10);
    for (format, bytes) in samples() {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format.name(), |b| {
            b.iter(|| {
                let mut sink = TouchFields::default();
                formats::parse(format, Chunk::whole(black_box(&bytes)), &mut sink);
                black_box((sink.records, sink.bytes))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parsers);
criterion_main!(benches);
