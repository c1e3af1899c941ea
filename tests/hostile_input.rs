//! Whatever bytes a customer's bundle holds, ingest neither panics nor
//! loses track of a line: every input's lines are accounted for.

use kubeautopsy::bundle::{self, OpenOptions};
use kubeautopsy::ingest::{self, scan::Discard, InputStats, Options};
use proptest::prelude::*;

fn ingest_bytes(name: &str, bytes: Vec<u8>) -> Vec<InputStats> {
    let options = Options {
        chunk_bytes: 4096,
        ..Options::default()
    };
    let bundle = bundle::open_bytes(name, bytes, &OpenOptions::default());
    let plan = ingest::plan(&bundle, &options);
    ingest::scan(&bundle, &plan, &options, |_| Discard).stats
}

fn assert_balanced(stats: &[InputStats]) {
    for s in stats {
        assert!(
            s.balanced(),
            "lines read {} != record lines {} + skipped {}",
            s.lines_read,
            s.record_lines,
            s.skipped_lines()
        );
    }
}

#[test]
fn a_100_megabyte_line_is_skipped_as_too_long_and_the_rest_is_read() {
    let mut bytes = b"I0610 06:13:20.000000    1234 server.go:487] \"Kubelet version\" kubeletVersion=\"v1.27.6\"\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 100 << 20));
    bytes.extend_from_slice(b"\nI0610 06:13:21.000000    1234 server.go:488] \"after\"\n");
    let stats = ingest_bytes("kubelet.log", bytes);
    assert_balanced(&stats);
    assert_eq!(stats[0].records, 2);
    assert_eq!(
        stats[0]
            .skipped
            .get(&kubeautopsy::sink::SkipReason::TooLong),
        Some(&1)
    );
}

#[test]
fn invalid_utf8_and_crlf_are_kept_and_reported() {
    let bytes = b"Jun 10 06:13:20 node-a kubelet[1]: caf\xe9 \xff\r\nJun 10 06:13:21 node-a kubelet[1]: ok\r\n".to_vec();
    let stats = ingest_bytes("journal", bytes);
    assert_balanced(&stats);
    assert_eq!(stats[0].records, 2);
    assert_eq!(
        stats[0]
            .problems
            .get(&kubeautopsy::sink::Problem::InvalidUtf8),
        Some(&1)
    );
}

#[test]
fn nul_bytes_make_a_file_binary_not_a_crash() {
    let stats = ingest_bytes("x.log", b"abc\0def\nmore\n".to_vec());
    assert_balanced(&stats);
    assert_eq!(stats[0].records, 0);
    assert_eq!(stats[0].damaged_lines(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_balanced(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        assert_balanced(&ingest_bytes("input", bytes));
    }

    /// Lines shaped like real formats, shuffled and cut anywhere: the chunked
    /// parallel scan must still account for every line.
    #[test]
    fn format_like_lines_cut_anywhere_stay_balanced(picks in proptest::collection::vec(0usize..8, 1..200), cut in 0usize..20000) {
        const LINES: [&str; 8] = [
            "Jun 10 08:13:20.123456 node-a kubelet[1234]: E0610 06:13:20.123400    1234 run.go:74] \"command failed\" err=\"x\"",
            "2024-06-10T06:13:20.1234Z stdout P partial",
            "2024-06-10T06:13:20.1234Z stdout F rest",
            "I0610 06:13:20.123400    1234 server.go:487] \"Kubelet version\" kubeletVersion=\"v1.30.2\"",
            "\tcontinuation line",
            "time=\"2024-06-10T08:00:00.000120000Z\" level=info msg=\"StartContainer\"",
            "-- Boot 3c4d5e6f708192a3b4c5d6e7f8091a2b --",
            "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"2024-06-10T06:13:20.1234Z\"}",
        ];
        let text: String = picks.iter().map(|&i| format!("{}\n", LINES[i])).collect();
        let cut = cut.min(text.len());
        assert_balanced(&ingest_bytes("mixed", text.as_bytes()[..cut].to_vec()));
    }
}
