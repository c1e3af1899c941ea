//! End-to-end ingest on a generated bundle: open, detect, sample evidence,
//! parse every input in parallel chunks, resolve times, count.
//!
//! The corpus comes from `gen-corpus` (see benches/README.md). Set
//! `KUBEAUTOPSY_BENCH_CORPUS` to a generated bundle directory; without it
//! the bench uses the small example bundle in `corpora/example`.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use kubeautopsy::bundle;
use kubeautopsy::ingest::{self, scan::Discard, Options};

fn pipeline(c: &mut Criterion) {
    let path = std::env::var_os("KUBEAUTOPSY_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpora/example"));
    let options = Options::default();
    let bundle = bundle::open(&[path.clone()], &options.open);
    let bytes: u64 = bundle.inputs.iter().map(|i| i.data.len() as u64).sum();
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function(format!("scan {}", path.display()), |b| {
        b.iter(|| {
            let plan = ingest::plan(&bundle, &options);
            let out = ingest::scan(&bundle, &plan, &options, |_| Discard);
            out.stats.iter().map(|s| s.records).sum::<u64>()
        })
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
