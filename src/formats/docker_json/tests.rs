//! Docker json-file reader tests: the real samples (TTY output, fluent-bit
//! partial-line and nested-escaping fixtures), the constructed lines of
//! `cri-log.md` §4, damage, streaming and splitting.
//!
//! Framing is checked with a pass-through payload decoder (`raw`).

use std::borrow::Cow;

use proptest::prelude::*;

use super::*;
use crate::formats::lines::count_lines;
use crate::formats::testing::{chunk_at, parse_streamed, parse_whole, raw, same};
use crate::sink::{Collect, Emit};
use crate::time::CivilTime;

/// `parse_with` and the pass-through decoder `raw`, as a `Parser`.
fn parse_raw(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    parse_with(chunk, out, raw)
}

/// Parse a whole input; checks that everything is consumed and accounted.
fn run(input: &[u8]) -> Collect {
    parse_whole(parse_raw, input)
}

/// First `input[..cut]` as a non-final chunk, then the unconsumed rest at eof.
fn run_streamed(input: &[u8], cut: usize) -> Collect {
    parse_streamed(parse_raw, input, cut)
}

/// `input[..at]` and `input[at..]` parsed independently, each to its end.
fn run_split(input: &[u8], at: usize) -> Collect {
    let mut out = Collect::default();
    parse_raw(Chunk::whole(&input[..at]), &mut out);
    parse_raw(chunk_at(input, at, true), &mut out);
    out
}

fn summary(out: &Collect) -> Vec<(u64, u32, &str)> {
    out.records
        .iter()
        .map(|r| (r.position.line, r.position.lines, r.message.as_ref()))
        .collect()
}

fn utc(second: u8, nanos: u32) -> RawTime {
    RawTime::Civil(CivilTime {
        year: Some(2024),
        month: 6,
        day: 10,
        hour: 6,
        minute: 13,
        second,
        nanos,
        offset: Some(0),
    })
}

macro_rules! sample {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/samples/cri-log/",
            $name
        ))
    };
}

const PLASO: &[u8] = sample!("plaso-docker-container-json.log");

#[test]
fn tty_sample_keeps_escapes_as_text_and_drops_the_crlf() {
    let out = run(PLASO);
    assert_eq!(out.records.len(), 10);
    for r in &out.records {
        assert_eq!(
            r.message,
            "\u{1b}]0;root@e7d0b7ea5ccf: /home/plaso\u{7}root@e7d0b7ea5ccf:/home/plaso# ls"
        );
        assert_eq!((r.format, r.position.lines), (Format::DockerJson, 1));
    }
}

#[test]
fn tty_sample_times_have_one_to_nine_digits_and_the_zone_less_one_is_reported() {
    let out = run(PLASO);
    let at = |second, nanos, offset| {
        RawTime::Civil(CivilTime {
            year: Some(2016),
            month: 1,
            day: 7,
            hour: 16,
            minute: 49,
            second,
            nanos,
            offset,
        })
    };
    let times: Vec<_> = out.records.iter().map(|r| r.time).collect();
    assert_eq!(
        times,
        [
            at(10, 0, None),
            at(10, 200_000_000, Some(0)),
            at(10, 230_000_000, Some(0)),
            at(10, 237_000_000, Some(0)),
            at(10, 237_200_000, Some(0)),
            at(10, 237_220_000, Some(0)),
            at(10, 237_222_000, Some(0)),
            at(10, 237_222_700, Some(0)),
            at(10, 237_222_720, Some(0)),
            at(10, 237_222_729, Some(0)),
        ]
    );
    assert_eq!(
        out.problems,
        [(out.records[0].position, Problem::BadTimestamp)]
    );
}

#[test]
fn fluent_bit_split_line_pieces_join_until_the_newline() {
    let out = run(sample!("fluent-bit-dockermode_splitted_line.log"));
    assert_eq!(
        summary(&out),
        [
            (1, 3, "2020-03-24 Single line"),
            (4, 3, "2020-03-24 Another single line")
        ]
    );
    assert!(out.records.iter().all(|r| r.time == RawTime::None));
    assert!(out.problems.is_empty());
}

#[test]
fn fluent_bit_multiple_lines_stay_one_record_each() {
    let out = run(sample!("fluent-bit-dockermode_multiple_lines.log"));
    assert_eq!(
        summary(&out),
        [
            (1, 1, "2020-03-24 Multiple lines: "),
            (2, 1, "first bullet point"),
            (3, 1, "second bullet point"),
            (4, 1, "third bullet point"),
            (5, 1, "fourth bullet point"),
            (6, 1, "2020-03-24 Single line"),
        ]
    );
}

#[test]
fn fluent_bit_split_line_among_full_lines() {
    let out = run(sample!("fluent-bit-dockermode_splitted_multiple_lines.log"));
    assert_eq!(
        summary(&out),
        [
            (1, 1, "2020-03-24 Multiple lines: "),
            (2, 1, "first bullet point"),
            (3, 1, "second bullet point"),
            (4, 3, "third bullet point"),
            (7, 1, "fourth bullet point"),
            (8, 1, "2020-03-24 Single line"),
        ]
    );
}

#[test]
fn nested_quoted_text_is_unescaped_exactly_once() {
    let out = run(sample!("fluent-bit-core_unescaping_text.log"));
    assert_eq!(
        summary(&out),
        [(
            1,
            1,
            r#"Text with embedded quoted "text with embedded quoted \"text with embedded quoted \\\"text\\\"\"""#
        )]
    );
    assert_eq!(
        out.records[0].time,
        RawTime::Civil(CivilTime {
            year: Some(2019),
            month: 4,
            day: 1,
            hour: 17,
            minute: 58,
            second: 33,
            nanos: 598_656_444,
            offset: Some(0),
        })
    );
}

#[test]
fn nested_stringified_json_is_unescaped_exactly_once() {
    let out = run(sample!("fluent-bit-core_unescaping_json.log"));
    assert_eq!(
        summary(&out),
        [(
            1,
            1,
            r#"{"stringified-json":"{\"stringified-json\":\"{\\\"stringified-json\\\":\\\"\\\"}\"}","text":"quoted \"text with embedded quoted \\\"text\\\"\""}"#
        )]
    );
}

#[test]
fn spec_lines_unescape_html_characters_and_join_the_long_line() {
    let out = run(concat!(
        r#"{"log":"I0610 06:13:20.123099       1 server.go:69] \u003cnil\u003e \u0026 more\n","stream":"stderr","time":"2024-06-10T06:13:20.1234Z"}"#, "\n",
        r#"{"log":"first 16 KiB of a long line ...","stream":"stdout","time":"2024-06-10T06:13:21.5Z"}"#, "\n",
        r#"{"log":"... rest of the long line\n","stream":"stdout","time":"2024-06-10T06:13:21.5Z"}"#, "\n",
    ).as_bytes());
    assert_eq!(
        summary(&out),
        [
            (
                1,
                1,
                "I0610 06:13:20.123099       1 server.go:69] <nil> & more"
            ),
            (
                2,
                2,
                "first 16 KiB of a long line ...... rest of the long line"
            ),
        ]
    );
    let times: Vec<_> = out.records.iter().map(|r| r.time).collect();
    assert_eq!(times, [utc(20, 123_400_000), utc(21, 500_000_000)]);
}

#[test]
fn log_borrows_from_the_input_when_the_line_end_is_its_only_escape() {
    let log = |json: &'static str| {
        decode_line(json)
            .map(|e| (e.log, e.last))
            .unwrap_or((None, false))
    };
    let borrowed = |s: &'static str, last| (Some(Cow::Borrowed(s)), last);
    let owned = |s: &str, last| (Some(Cow::<str>::Owned(s.to_string())), last);
    assert!(matches!(
        log(r#"{"log":"plain text\n","stream":"stdout"}"#),
        (Some(Cow::Borrowed("plain text")), true)
    ));
    assert!(matches!(
        log(r#"{"log":"tty\r\n"}"#),
        (Some(Cow::Borrowed("tty")), true)
    ));
    assert!(matches!(
        log(r#"{"log":"a piece"}"#),
        (Some(Cow::Borrowed("a piece")), false)
    ));
    assert_eq!(
        log(r#"{"log":"plain text\n"}"#),
        borrowed("plain text", true)
    );
    assert!(matches!(
        log(r#"{"log":"\u003cnil\u003e\n"}"#),
        (Some(Cow::Owned(s)), true) if s == "<nil>"
    ));
    // An escaped backslash before `n` is not a line end.
    assert_eq!(log(r#"{"log":"path C:\\n"}"#), owned("path C:\\n", false));
    assert_eq!(
        log(r#"{"log":"cr inside a piece\r"}"#),
        owned("cr inside a piece\r", false)
    );
    assert_eq!(log(r#"{"log":"\n"}"#), borrowed("", true));
    assert_eq!(log(r#"{"stream":"stdout"}"#), (None, true));
}

#[test]
fn pieces_join_per_stream_with_the_other_stream_interleaved() {
    let out = run(concat!(
        r#"{"log":"out-1 ","stream":"stdout","time":"2024-06-10T06:13:20Z"}"#,
        "\n",
        r#"{"log":"err\n","stream":"stderr","time":"2024-06-10T06:13:21Z"}"#,
        "\n",
        r#"{"log":"out-2\n","stream":"stdout","time":"2024-06-10T06:13:20Z"}"#,
        "\n",
        r#"{"log":"no newline before the end","stream":"stderr","time":"2024-06-10T06:13:22Z"}"#,
        "\n",
    )
    .as_bytes());
    assert_eq!(
        summary(&out),
        [
            (2, 1, "err"),
            (1, 2, "out-1 out-2"),
            (4, 1, "no newline before the end")
        ]
    );
}

#[test]
fn attrs_are_ignored_and_a_missing_log_is_an_empty_line() {
    let out = run(concat!(
        r#"{"log":"x\n","stream":"stdout","attrs":{"io.kubernetes.pod.name":"p","tag":"a"},"time":"2024-06-10T06:13:20Z"}"#, "\n",
        r#"{"stream":"stdout","time":"2024-06-10T06:13:21Z"}"#, "\n",
        r#"{"log":"open ","stream":"stderr","time":"2024-06-10T06:13:22Z"}"#, "\n",
        r#"{"stream":"stderr","time":"2024-06-10T06:13:23Z"}"#, "\n",
    ).as_bytes());
    assert_eq!(summary(&out), [(1, 1, "x"), (2, 1, ""), (3, 2, "open ")]);
    assert_eq!(out.records[1].time, utc(21, 0));
}

#[test]
fn malformed_lines_are_skipped_with_an_excerpt() {
    let input = concat!(
        "not json at all\n",
        r#"{"log":"cut"#,
        "\n",
        r#"{"log":123}"#,
        "\n",
        r#"{"other":1}"#,
        "\n",
        "[1,2]\n",
        r#"{"log":"ok\n"} trailing"#,
        "\n",
        r#"{"log":"fine\n"}"#,
        "\n",
    );
    let out = run(input.as_bytes());
    assert_eq!(summary(&out), [(7, 1, "fine")]);
    assert_eq!(out.skipped(SkipReason::Malformed), 6);
    assert_eq!(
        out.skips[3].detail,
        r#"not a json-file record (no log, stream or time key): {"other":1}"#
    );
    assert!(out.skips[0].detail.ends_with("): not json at all"));
    let long = format!("{{\"log\":{}", "x".repeat(200));
    assert_eq!(excerpt(long.as_bytes()).chars().count(), EXCERPT_CHARS + 1);
}

#[test]
fn invalid_utf8_is_replaced_and_reported() {
    let out =
        run(b"{\"log\":\"caf\xe9\\n\",\"stream\":\"stdout\",\"time\":\"2024-06-10T06:13:20Z\"}\n");
    assert_eq!(summary(&out), [(1, 1, "caf\u{fffd}")]);
    assert_eq!(
        out.problems,
        [(out.records[0].position, Problem::InvalidUtf8)]
    );
}

#[test]
fn an_unreadable_time_is_reported_and_left_out() {
    let out = run(br#"{"log":"x\n","stream":"stdout","time":"yesterday"}"#);
    assert_eq!(out.records[0].time, RawTime::None);
    assert_eq!(
        out.problems,
        [(out.records[0].position, Problem::BadTimestamp)]
    );
}

#[test]
fn blank_crlf_too_long_and_truncated_lines() {
    let mut input = b"{\"log\":\"crlf file\\n\",\"stream\":\"stdout\"}\r\n\r\n".to_vec();
    input.extend_from_slice(b"{\"log\":\"");
    input.resize(input.len() + MAX_LINE_BYTES, b'x');
    input.extend_from_slice(b"\\n\"}\n{\"log\":\"cut in the mid");
    let out = run(&input);
    assert_eq!(summary(&out), [(1, 1, "crlf file")]);
    let skips: Vec<_> = out
        .skips
        .iter()
        .map(|s| (s.position.line, s.reason))
        .collect();
    assert_eq!(
        skips,
        [
            (2, SkipReason::Blank),
            (3, SkipReason::TooLong),
            (4, SkipReason::Malformed)
        ]
    );
}

fn mixed_input() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(PLASO);
    v.extend_from_slice(sample!("fluent-bit-dockermode_splitted_multiple_lines.log"));
    v.extend_from_slice(br#"{"log":"a ","stream":"stdout","time":"2024-06-10T06:13:20Z"}"#);
    v.extend_from_slice(b"\ngarbage\n\n");
    v.extend_from_slice(br#"{"log":"e1 ","stream":"stderr","time":"2024-06-10T06:13:20Z"}"#);
    v.push(b'\n');
    v.extend_from_slice(br#"{"log":"b\n","stream":"stdout","time":"2024-06-10T06:13:21Z"}"#);
    v.push(b'\n');
    v.extend_from_slice(
        br#"{"log":"\u003ce2\u003e","stream":"stderr","time":"2024-06-10T06:13:21Z"}"#,
    );
    v
}

#[test]
fn streaming_in_two_chunks_gives_the_same_result_for_every_cut() {
    let input = mixed_input();
    let whole = run(&input);
    assert_eq!(whole.records.len(), 18);
    for cut in 0..=input.len() {
        assert!(
            same(&whole, &run_streamed(&input, cut)),
            "cut at byte {cut}"
        );
    }
}

#[test]
fn split_points_never_fall_inside_a_partial_line() {
    let input = mixed_input();
    let whole = run(&input);
    let mut found = 0;
    for near in 0..=input.len() {
        if let Some(at) = split_at(&input, near) {
            found += 1;
            assert!(at >= near && at < input.len());
            assert!(same(&whole, &run_split(&input, at)), "split at {at}");
        }
    }
    assert!(found > 10);
    // Inside the fluent-bit "third " "bullet " "point\n" group, the next safe
    // start is the "fourth bullet point" line.
    let fluent = sample!("fluent-bit-dockermode_splitted_multiple_lines.log");
    let find = |word: &[u8]| fluent.windows(word.len()).position(|w| w == word);
    let third = PLASO.len() + find(b"third ").unwrap_or(0);
    let fourth = PLASO.len() + find(b"fourth").unwrap_or(0) - r#"{"log":""#.len();
    assert_eq!(split_at(&input, third + 1), Some(fourth));
}

#[test]
fn sniff_accepts_json_file_logs() {
    assert!(sniff(PLASO));
    assert!(sniff(sample!("fluent-bit-dockermode_splitted_line.log")));
    assert!(sniff(sample!("fluent-bit-core_unescaping_json.log")));
    assert!(sniff(
        br#"{"stream":"stdout","time":"2024-06-10T06:13:20Z"}
{"log":"x\n","stream":"stdout","time":"2024-06-10T06:13:20Z"}
"#
    ));
}

#[test]
fn sniff_rejects_other_json_and_text() {
    let rejected: [&[u8]; 7] = [
        br#"{"__CURSOR":"s=1","MESSAGE":"x","log":"y"}"#,
        br#"{"ts":1718000000.1,"caller":"x.go:1","msg":"hi","v":0}"#,
        br#"{"apiVersion":"v1","kind":"EventList","items":[]}"#,
        br#"{"log":"x\n"} trailing garbage"#,
        b"2024-06-10T06:13:20Z stdout F x\n",
        b"plain text\n",
        b"",
    ];
    for head in rejected {
        assert!(!sniff(head), "{:?}", String::from_utf8_lossy(head));
    }
}

fn arb_line() -> impl Strategy<Value = Vec<u8>> {
    let text = proptest::collection::vec(
        prop_oneof![
            Just("a"),
            Just(" "),
            Just("\\n"),
            Just("\\r"),
            Just("\\u003c"),
            Just("\\\"")
        ],
        0..5,
    );
    prop_oneof![
        8 => (0..3u8, text, any::<bool>()).prop_map(|(stream, parts, nl)| {
            let stream = match stream {
                0 => r#","stream":"stdout""#,
                1 => r#","stream":"stderr""#,
                _ => "",
            };
            format!(
                r#"{{"log":"{}{}"{},"time":"2024-06-10T06:13:20Z"}}"#,
                parts.concat(),
                if nl { "\\n" } else { "" },
                stream
            )
            .into_bytes()
        }),
        1 => Just(b"garbage".to_vec()),
        1 => Just(Vec::new()),
    ]
}

fn arb_file() -> impl Strategy<Value = Vec<u8>> {
    (proptest::collection::vec(arb_line(), 0..20), any::<bool>()).prop_map(|(lines, last_nl)| {
        let mut v = lines.join(&b'\n');
        if last_nl && !v.is_empty() {
            v.push(b'\n');
        }
        v
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_are_accounted(input in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut out = Collect::default();
        prop_assert_eq!(parse(Chunk::whole(&input), &mut out), input.len());
        prop_assert_eq!(out.lines_accounted(), count_lines(&input));
        let _ = split_at(&input, input.len() / 2);
        let _ = sniff(&input);
    }

    #[test]
    fn generated_files_stream_and_split_like_one_pass(input in arb_file(), cut in any::<prop::sample::Index>(), near in any::<prop::sample::Index>()) {
        let whole = run(&input);
        prop_assert!(same(&whole, &run_streamed(&input, cut.index(input.len() + 1))));
        if let Some(at) = split_at(&input, near.index(input.len() + 1)) {
            prop_assert!(same(&whole, &run_split(&input, at)));
        }
    }
}

/// Throughput on ~50 MB of typical lines; run with
/// `cargo test --release --lib throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let lines = [
        concat!(
            r#"{"log":"I0610 06:13:20.123099       1 server_linux.go:69] \"Using iptables proxy\" ipFamily=\"IPv4\"\n","stream":"stderr","time":"2024-06-10T06:13:20.123456789Z"}"#,
            "\n"
        ),
        concat!(
            r#"{"log":"10.0.2.1:59838 - - [Tue, 16 Apr 2024 06:21:39 UTC] GET /readiness HTTP/1.1 kube-probe/1.27\n","stream":"stdout","time":"2024-06-10T06:13:20.1234Z"}"#,
            "\n"
        ),
        concat!(
            r#"{"log":"{\"level\":\"info\",\"ts\":\"2024-06-10T06:13:21.500Z\",\"msg\":\"published local member\"}\n","stream":"stdout","time":"2024-06-10T06:13:21.5Z"}"#,
            "\n"
        ),
    ];
    crate::formats::cri::join::bench::report("docker-json", &lines, parse);
}
