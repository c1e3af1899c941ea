//! CRI reader tests: the constructed examples of `cri-log.md`, the real
//! samples, damage, streaming and splitting.
//!
//! Framing is checked with a pass-through payload decoder (`raw`), so that
//! messages are the exact container content whatever the payload decoder
//! later makes of klog or JSON lines.

use proptest::prelude::*;

use super::join::{MAX_JOINED_BYTES, STALE_LINES};
use super::*;
use crate::formats::lines::count_lines;
use crate::formats::testing::{chunk_at, head, parse_streamed, parse_whole, raw, same};
use crate::record::Position;
use crate::sink::{Collect, Emit};

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

/// (first line, lines, message) of each record, in emission order.
fn summary(out: &Collect) -> Vec<(u64, u32, &str)> {
    out.records
        .iter()
        .map(|r| (r.position.line, r.position.lines, r.message.as_ref()))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn civil(
    year: i16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    nanos: u32,
    offset: Option<i32>,
) -> RawTime {
    RawTime::Civil(CivilTime {
        year: Some(year),
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset,
    })
}

/// The constructed containerd file of cri-log.md §2, verbatim.
const SPEC_EXAMPLE: &str = concat!(
    "2024-06-10T06:13:20.1234Z stderr F I0610 06:13:20.123099       1 server_linux.go:69] \"Using iptables proxy\"\n",
    "2024-06-10T06:13:20.124Z stdout P {\"level\":\"info\",\"msg\":\"a very long\n",
    "2024-06-10T06:13:20.124Z stderr F W0610 06:13:20.123900       1 proxier.go:245] \"Missing br-netfilter module\"\n",
    "2024-06-10T06:13:20.124Z stdout F  json object split by the runtime\"}\n",
    "2024-06-10T06:13:21Z stdout F \n",
);

const PLASO: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/samples/cri-log/plaso-cri.log"
));

#[test]
fn spec_example_joins_stdout_pieces_across_interleaved_stderr() {
    let out = run(SPEC_EXAMPLE.as_bytes());
    assert_eq!(
        summary(&out),
        [
            (
                1,
                1,
                "I0610 06:13:20.123099       1 server_linux.go:69] \"Using iptables proxy\""
            ),
            (
                3,
                1,
                "W0610 06:13:20.123900       1 proxier.go:245] \"Missing br-netfilter module\""
            ),
            (
                2,
                2,
                "{\"level\":\"info\",\"msg\":\"a very long json object split by the runtime\"}"
            ),
            (5, 1, ""),
        ]
    );
    let times: Vec<_> = out.records.iter().map(|r| r.time).collect();
    assert_eq!(
        times,
        [
            civil(2024, 6, 10, 6, 13, 20, 123_400_000, Some(0)),
            civil(2024, 6, 10, 6, 13, 20, 124_000_000, Some(0)),
            civil(2024, 6, 10, 6, 13, 20, 124_000_000, Some(0)),
            civil(2024, 6, 10, 6, 13, 21, 0, Some(0)),
        ]
    );
    let joined = &out.records[2];
    assert_eq!(
        joined.position,
        Position {
            line: 2,
            offset: 108,
            lines: 2
        }
    );
    assert!(out.records.iter().all(|r| r.format == Format::Cri));
    assert!(out.skips.is_empty() && out.problems.is_empty());
}

#[test]
fn plaso_sample_completes_the_stdout_partial_with_the_next_stdout_full_line() {
    // Line 1 is a stdout P; the stderr F on line 2 must not complete it. The
    // next stdout F is line 6 (the sample glues a textbook example onto a
    // real log, hence the 8-year gap): the joining rule joins 1 and 6.
    let out = run(PLASO);
    assert_eq!(out.records.len(), 16);
    let s = summary(&out);
    assert_eq!(s[0], (2, 1, "log content 2"));
    assert_eq!(
        s[4],
        (
            1,
            2,
            "log content 110.0.2.1:59838 - - [Tue, 16 Apr 2024 06:21:39 UTC] \"GET /readiness HTTP/1.1\" kube-probe/1.27"
        )
    );
    assert_eq!(
        out.records[4].time,
        civil(2016, 10, 6, 0, 17, 9, 669_794_202, Some(0))
    );
    assert_eq!(
        s[15],
        (
            17,
            1,
            "10.0.2.1:38936 - - [Tue, 16 Apr 2024 06:25:44 UTC] \"GET /healthz HTTP/1.1\" kube-probe/1.27"
        )
    );
    assert!(out.records.iter().all(|r| r.format == Format::Cri));
    assert!(out.skips.is_empty() && out.problems.is_empty());
}

#[test]
fn plaso_sample_reads_every_fraction_length() {
    let out = run(PLASO);
    let nanos: Vec<(u64, u32)> = out
        .records
        .iter()
        .map(|r| match r.time {
            RawTime::Civil(c) => (r.position.line, c.nanos),
            other => panic!("line {} has time {other:?}", r.position.line),
        })
        .collect();
    assert_eq!(
        nanos,
        [
            (2, 669_794_203),
            (3, 494_902_976),
            (4, 494_952_270),
            (5, 494_958_332),
            (1, 669_794_202),
            (7, 90_000_000),
            (8, 887_000_000),
            (9, 95_200_000),
            (10, 94_660_000),
            (11, 95_116_000),
            (12, 94_754_730),
            (13, 94_571_660),
            (14, 94_443_628),
            (15, 95_207_860),
            (16, 94_238_892),
            (17, 94_383_157),
        ]
    );
}

#[test]
fn the_edited_dot_zero_fraction_of_the_plaso_sample_is_accepted() {
    // Line 6 of plaso-cri.log; Go never writes `.0Z`.
    let line = b"2024-04-16T06:21:39.0Z stdout F 10.0.2.1:59838 - - x";
    assert_eq!(
        frame(line),
        Frame::Piece {
            time: Some(CivilTime {
                year: Some(2024),
                month: 4,
                day: 16,
                hour: 6,
                minute: 21,
                second: 39,
                nanos: 0,
                offset: Some(0),
            }),
            stream: Stream::Stdout,
            partial: false,
            content: b"10.0.2.1:59838 - - x",
        }
    );
}

#[test]
fn cri_o_times_have_nine_digits_and_a_numeric_offset() {
    let out = run(concat!(
        "2024-06-10T06:13:20.123400000+00:00 stdout F hello\n",
        "2024-06-10T08:13:20.000000001+02:00 stderr F world\n",
        "2024-06-10T01:13:20.5-05:00 stdout F containerd in a local zone\n",
    )
    .as_bytes());
    let got: Vec<_> = out
        .records
        .iter()
        .map(|r| (r.time, r.message.as_ref()))
        .collect();
    assert_eq!(
        got,
        [
            (civil(2024, 6, 10, 6, 13, 20, 123_400_000, Some(0)), "hello"),
            (civil(2024, 6, 10, 8, 13, 20, 1, Some(7200)), "world"),
            (
                civil(2024, 6, 10, 1, 13, 20, 500_000_000, Some(-5 * 3600)),
                "containerd in a local zone"
            ),
        ]
    );
}

#[test]
fn empty_content_with_or_without_the_space_after_the_tag() {
    let out = run(b"2024-06-10T06:13:21Z stdout F \n2024-06-10T06:13:22Z stderr F\n");
    assert_eq!(summary(&out), [(1, 1, ""), (2, 1, "")]);
    assert!(out.records.iter().all(|r| r.format == Format::Cri));
}

#[test]
fn only_the_tag_before_the_colon_counts_and_content_keeps_its_spaces() {
    let out = run(concat!(
        "2024-06-10T06:13:20Z stdout P:x one \n",
        "2024-06-10T06:13:20Z stdout F:x:y  two  three \n",
    )
    .as_bytes());
    assert_eq!(summary(&out), [(1, 2, "one  two  three ")]);
}

#[test]
fn three_pieces_join_and_the_first_piece_gives_the_time() {
    let out = run(concat!(
        "2024-06-10T06:13:20.1Z stdout P aaa\n",
        "2024-06-10T06:13:20.2Z stdout P bbb\n",
        "2024-06-10T06:13:20.3Z stdout F ccc\n",
    )
    .as_bytes());
    assert_eq!(summary(&out), [(1, 3, "aaabbbccc")]);
    assert_eq!(
        out.records[0].time,
        civil(2024, 6, 10, 6, 13, 20, 100_000_000, Some(0))
    );
}

#[test]
fn partial_lines_of_both_streams_open_at_once_join_separately() {
    let out = run(concat!(
        "2024-06-10T06:13:20Z stdout P out-1 \n",
        "2024-06-10T06:13:20Z stderr P err-1 \n",
        "2024-06-10T06:13:20Z stderr F err-2\n",
        "2024-06-10T06:13:20Z stdout F out-2\n",
        "2024-06-10T06:13:20Z stderr P tail without end\n",
    )
    .as_bytes());
    assert_eq!(
        summary(&out),
        [
            (2, 2, "err-1 err-2"),
            (1, 2, "out-1 out-2"),
            (5, 1, "tail without end")
        ]
    );
}

#[test]
fn timestamped_output_without_stream_or_tag_keeps_its_time() {
    let out = run(concat!(
        "2024-06-10T06:13:20.123400000Z I0610 06:13:20.123099       1 server.go:69] \"Using iptables proxy\"\n",
        "2024-06-10T06:13:21.000000000Z \n",
        "2024-06-10T06:13:22.500000000Z\n",
        "2024-06-10T06:13:23.000000000Z stdin F not a stream\n",
    )
    .as_bytes());
    assert_eq!(
        summary(&out),
        [
            (
                1,
                1,
                "I0610 06:13:20.123099       1 server.go:69] \"Using iptables proxy\""
            ),
            (2, 1, ""),
            (3, 1, ""),
            (4, 1, "stdin F not a stream"),
        ]
    );
    assert_eq!(
        out.records[0].time,
        civil(2024, 6, 10, 6, 13, 20, 123_400_000, Some(0))
    );
    assert_eq!(
        out.records[2].time,
        civil(2024, 6, 10, 6, 13, 22, 500_000_000, Some(0))
    );
    assert!(out.records.iter().all(|r| r.format == Format::Cri));
}

#[test]
fn lines_that_are_neither_become_plain_records_without_time() {
    let input = concat!(
        "unable to retrieve container logs for containerd://0123abcd\n",
        "   \n",
        "2024-06-10T06:1\n",
        "2024-06-10 06:13:20 stdout F space instead of T\n",
        "2024-06-10T06:13:20Z stdout F real\n",
        "hello world\n",
    );
    let out = run(input.as_bytes());
    let got: Vec<_> = out
        .records
        .iter()
        .map(|r| (r.position.line, r.format, r.time, r.message.as_ref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                1,
                Format::Plain,
                RawTime::None,
                "unable to retrieve container logs for containerd://0123abcd"
            ),
            (3, Format::Plain, RawTime::None, "2024-06-10T06:1"),
            (
                4,
                Format::Plain,
                RawTime::None,
                "2024-06-10 06:13:20 stdout F space instead of T"
            ),
            (
                5,
                Format::Cri,
                civil(2024, 6, 10, 6, 13, 20, 0, Some(0)),
                "real"
            ),
            (6, Format::Plain, RawTime::None, "hello world"),
        ]
    );
    assert_eq!(out.skips.len(), 1);
    assert_eq!(
        (out.skips[0].position.line, out.skips[0].reason),
        (2, SkipReason::Blank)
    );
}

#[test]
fn a_cri_line_with_an_unreadable_time_keeps_its_framing_and_reports_it() {
    let out = run(concat!(
        "2024-13-10T06:13:20Z stdout P bad month, \n",
        "2024-06-10T06:13:21Z stdout F continued\n",
    )
    .as_bytes());
    assert_eq!(summary(&out), [(1, 2, "bad month, continued")]);
    assert_eq!(out.records[0].time, RawTime::None);
    assert_eq!(
        out.problems,
        [(
            Position {
                line: 1,
                offset: 0,
                lines: 1
            },
            Problem::BadTimestamp
        )]
    );
}

#[test]
fn invalid_utf8_is_replaced_and_reported() {
    let out = run(b"2024-06-10T06:13:20Z stdout F caf\xe9 au lait\n\xff\xfe bare\n");
    assert_eq!(
        summary(&out),
        [
            (1, 1, "caf\u{fffd} au lait"),
            (2, 1, "\u{fffd}\u{fffd} bare")
        ]
    );
    let lines: Vec<_> = out.problems.iter().map(|(p, k)| (p.line, *k)).collect();
    assert_eq!(
        lines,
        [(1, Problem::InvalidUtf8), (2, Problem::InvalidUtf8)]
    );
}

#[test]
fn a_character_split_between_pieces_is_decoded_after_joining() {
    let out = run(b"2024-06-10T06:13:20Z stdout P caf\xc3\n2024-06-10T06:13:20Z stdout F \xa9!\n");
    assert_eq!(summary(&out), [(1, 2, "café!")]);
    assert!(out.problems.is_empty());
}

#[test]
fn crlf_line_ends_are_not_content_but_a_partial_piece_keeps_its_cr() {
    let out = run(concat!(
        "2024-06-10T06:13:20Z stdout F containerd line\r\n",
        "2024-06-10T06:13:20.000000000+00:00 stdout P conmon piece\r\n",
        "2024-06-10T06:13:20.000000000+00:00 stdout F  and the rest\r\n",
        "2024-06-10T06:13:20.000000000+00:00 stdout P crlf split after cr\r\n",
        "2024-06-10T06:13:20.000000000+00:00 stdout F \n",
    )
    .as_bytes());
    assert_eq!(
        summary(&out),
        [
            (1, 1, "containerd line"),
            (2, 2, "conmon piece\r and the rest"),
            (4, 2, "crlf split after cr"),
        ]
    );
}

#[test]
fn a_too_long_line_is_skipped_and_ends_the_partial_line_of_its_stream() {
    let mut input = b"2024-06-10T06:13:20Z stdout P head\n".to_vec();
    input.extend_from_slice(b"2024-06-10T06:13:20Z stdout F ");
    input.resize(input.len() + MAX_LINE_BYTES, b'x');
    input.extend_from_slice(b"\n2024-06-10T06:13:21Z stdout F tail\n");
    let out = run(&input);
    assert_eq!(summary(&out), [(1, 1, "head"), (3, 1, "tail")]);
    assert_eq!(out.skips.len(), 1);
    assert_eq!(
        (out.skips[0].position.line, out.skips[0].reason),
        (2, SkipReason::TooLong)
    );
    assert_eq!(
        out.problems,
        [(out.records[0].position, Problem::Truncated)]
    );
}

#[test]
fn a_truncated_last_line_is_still_a_record() {
    let out = run(
        b"2024-06-10T06:13:20Z stdout F complete\n2024-06-10T06:13:21Z stdout F cut off mid-li",
    );
    assert_eq!(
        summary(&out),
        [(1, 1, "complete"), (2, 1, "cut off mid-li")]
    );
    let out = run(b"2024-06-10T06:13:20Z stdout F complete\n2024-06-10T06:1");
    assert_eq!(out.records[1].format, Format::Plain);
    assert_eq!(out.records[1].message, "2024-06-10T06:1");
}

#[test]
fn a_partial_line_silent_for_too_long_is_closed_as_it_is() {
    let stderr_line = "2024-06-10T06:13:20Z stderr F noise\n";
    let input = |noise: u64| {
        let mut s = String::from("2024-06-10T06:13:20Z stdout P a\n");
        for _ in 0..noise {
            s.push_str(stderr_line);
        }
        s.push_str("2024-06-10T06:13:21Z stdout F b\n");
        s
    };
    let within = run(input(STALE_LINES - 1).as_bytes());
    let last = within
        .records
        .last()
        .map(|r| (r.position.line, r.position.lines, r.message.as_ref()));
    assert_eq!(last, Some((1, 2, "ab")));

    let stale = run(input(STALE_LINES).as_bytes());
    let ours: Vec<_> = summary(&stale)
        .into_iter()
        .filter(|(_, _, m)| *m != "noise")
        .collect();
    assert_eq!(ours, [(1, 1, "a"), (STALE_LINES + 2, 1, "b")]);
}

#[test]
fn a_joined_line_is_cut_at_the_record_size_limit() {
    let piece = |tag: &str, body: &str| format!("2024-06-10T06:13:20Z stdout {tag} {body}\n");
    let chunk = "x".repeat(16 * 1024);
    let pieces_to_limit = MAX_JOINED_BYTES / chunk.len();
    let mut input = String::new();
    for _ in 0..pieces_to_limit + 1 {
        input.push_str(&piece("P", &chunk));
    }
    input.push_str(&piece("F", "end"));
    let out = run(input.as_bytes());
    let got: Vec<_> = out
        .records
        .iter()
        .map(|r| (r.position.line, r.position.lines, r.message.len()))
        .collect();
    assert_eq!(
        got,
        [
            (1, pieces_to_limit as u32, MAX_JOINED_BYTES),
            (pieces_to_limit as u64 + 1, 2, chunk.len() + "end".len()),
        ]
    );
    assert_eq!(
        out.problems,
        [(out.records[0].position, Problem::Truncated)]
    );
}

/// Every shape at once, for the streaming and splitting tests.
fn mixed_input() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(SPEC_EXAMPLE.as_bytes());
    v.extend_from_slice(b"2024-06-10T06:13:22Z stdout P caf\xc3\r\n");
    v.extend_from_slice(b"unable to retrieve container logs for containerd://0123abcd\n\n");
    v.extend_from_slice(b"2024-06-10T06:13:22Z stderr P e1 \n");
    v.extend_from_slice(b"2024-06-10T06:13:22Z stdout F \xa9 done\r\n");
    v.extend_from_slice(b"2024-06-10T06:13:23.000000000Z timestamped\n");
    v.extend_from_slice(b"2024-13-10T06:13:22Z stderr F e2\n");
    v.extend_from_slice(&PLASO[..400]);
    v.extend_from_slice(b"\n2024-06-10T06:13:24Z stdout P trailing partial\n");
    v.extend_from_slice(b"2024-06-10T06:13:24Z stderr F no newline at the end");
    v
}

#[test]
fn streaming_in_two_chunks_gives_the_same_result_for_every_cut() {
    let input = mixed_input();
    let whole = run(&input);
    assert_eq!(whole.records.len(), 15);
    for cut in 0..=input.len() {
        let streamed = run_streamed(&input, cut);
        assert!(same(&whole, &streamed), "cut at byte {cut}");
    }
}

#[test]
fn a_chunk_that_ends_inside_a_partial_line_stops_before_it() {
    let input = SPEC_EXAMPLE.as_bytes();
    let line4 = SPEC_EXAMPLE.match_indices('\n').nth(2).map(|(i, _)| i + 1);
    let mut out = Collect::default();
    let head = head(&input[..line4.unwrap_or(0)]);
    // Lines 1-3 are complete, but line 2 opened a stdout P: only line 1 is safe.
    assert_eq!(parse_with(head, &mut out, raw), 108);
    assert_eq!(
        summary(&out),
        [(
            1,
            1,
            "I0610 06:13:20.123099       1 server_linux.go:69] \"Using iptables proxy\""
        )]
    );
}

#[test]
fn split_points_never_fall_inside_a_partial_line() {
    let input = mixed_input();
    let whole = run(&input);
    let mut found = 0;
    for near in 0..=input.len() + 1 {
        let Some(at) = split_at(&input, near) else {
            continue;
        };
        found += 1;
        assert!(at >= near && at < input.len(), "near {near} gave {at}");
        assert!(at == 0 || input[at - 1] == b'\n');
        assert!(same(&whole, &run_split(&input, at)), "split at {at}");
    }
    assert!(found > 10);
    // Inside the §2 example, between the stdout P (line 2) and its F (line 4),
    // the next safe start is line 5.
    let line = |n: usize| {
        SPEC_EXAMPLE
            .match_indices('\n')
            .nth(n - 2)
            .map(|(i, _)| i + 1)
    };
    assert_eq!(split_at(&input, line(2).unwrap_or(0) + 1), line(5));
    assert_eq!(split_at(&input, line(3).unwrap_or(0)), line(5));
}

#[test]
fn split_after_a_stale_partial_line_is_allowed() {
    let mut input = String::from("2024-06-10T06:13:20Z stdout P orphan\n");
    for _ in 0..STALE_LINES + 10 {
        input.push_str("2024-06-10T06:13:20Z stderr F noise\n");
    }
    let line_len = "2024-06-10T06:13:20Z stderr F noise\n".len();
    let first_len = "2024-06-10T06:13:20Z stdout P orphan\n".len();
    let at = split_at(input.as_bytes(), first_len + 1);
    // The orphan is closed before line STALE_LINES + 2 is read.
    assert_eq!(at, Some(first_len + STALE_LINES as usize * line_len));
    let at = at.unwrap_or(0);
    assert!(same(
        &run(input.as_bytes()),
        &run_split(input.as_bytes(), at)
    ));
}

#[test]
fn a_stream_not_seen_in_a_byte_limited_lookback_is_not_assumed_closed() {
    use super::join::LOOKBACK_BYTES;
    // A stdout P, then enough long stderr lines that the lookback window
    // (bounded in bytes) no longer reaches it, though it is far from stale.
    let noise = format!("2024-06-10T06:13:20Z stderr F {}\n", "n".repeat(4000));
    let count = LOOKBACK_BYTES / noise.len() + 50;
    assert!((count as u64) < STALE_LINES);
    let mut input = String::from("2024-06-10T06:13:20Z stdout P opened early, \n");
    for _ in 0..count {
        input.push_str(&noise);
    }
    let closing = "2024-06-10T06:13:21Z stdout F closed late\n";
    input.push_str(closing);
    input.push_str(&noise);
    let bytes = input.as_bytes();
    let after_close = input.len() - noise.len();
    assert_eq!(
        split_at(bytes, after_close - closing.len() - 1),
        Some(after_close)
    );
    let whole = run(bytes);
    assert!(same(&whole, &run_split(bytes, after_close)));
    let joined = whole.records.iter().find(|r| r.position.line == 1);
    assert_eq!(
        joined.map(|r| (r.position.lines, r.message.as_ref())),
        Some((2, "opened early, closed late"))
    );
}

#[test]
fn sniff_accepts_cri_and_timestamped_container_logs() {
    assert!(sniff(SPEC_EXAMPLE.as_bytes()));
    assert!(sniff(PLASO));
    assert!(sniff(
        b"2024-06-10T06:13:20.123400000+00:00 stdout F hello\n"
    ));
    assert!(sniff(
        b"2024-06-10T08:00:00.123400000Z I0610 08:00:00.123400       1 main.go:1] hi\n2024-06-10T08:00:01.000000000Z next\n"
    ));
    // A head cut in the middle of its first line (a byte-tailed copy).
    assert!(sniff(
        &[b"06:13:20 noise\n".as_slice(), &PLASO[..PLASO.len() - 1]].concat()
    ));
}

#[test]
fn sniff_rejects_other_formats() {
    let rejected: [&[u8]; 9] = [
        b"2024-06-10T08:13:20+0000 cp1 kubelet[1234]: I0610 08:13:20.123456    1234 kubelet.go:1] \"x\"\n",
        b"2024-06-10T08:13:20.123456+00:00 cp1 kubelet[1234]: started\n",
        b"time=\"2024-06-10T08:13:20Z\" level=info msg=\"x\"\n",
        b"I0610 08:13:20.123456    1234 kubelet.go:1] \"x\"\n",
        b"hello world\nsecond line\n",
        b"{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"2024-06-10T06:13:20Z\"}\n",
        b"2024-06-10 08:00:00,123 INFO started\n",
        b"Jun 10 08:13:20 cp1 kubelet[1234]: x\n",
        b"",
    ];
    for head in rejected {
        assert!(!sniff(head), "{:?}", String::from_utf8_lossy(head));
    }
}

/// One generated line: stream, tag, content, or a line of another shape.
fn arb_line() -> impl Strategy<Value = Vec<u8>> {
    let content = proptest::collection::vec(
        prop_oneof![
            Just(b'a'),
            Just(b' '),
            Just(b'\r'),
            Just(0xc3u8),
            Just(0xa9u8)
        ],
        0..6,
    );
    prop_oneof![
        8 => (any::<bool>(), any::<bool>(), content).prop_map(|(err, partial, c)| {
            let mut l = format!(
                "2024-06-10T06:13:20Z {} {} ",
                if err { "stderr" } else { "stdout" },
                if partial { "P" } else { "F" }
            )
            .into_bytes();
            l.extend_from_slice(&c);
            l
        }),
        1 => Just(b"2024-06-10T06:13:20.000000000Z stamped".to_vec()),
        1 => Just(b"garbage".to_vec()),
        1 => Just(Vec::new()),
    ]
}

fn arb_file() -> impl Strategy<Value = Vec<u8>> {
    (proptest::collection::vec(arb_line(), 0..24), any::<bool>()).prop_map(|(lines, last_nl)| {
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
        let streamed = run_streamed(&input, cut.index(input.len() + 1));
        prop_assert!(same(&whole, &streamed));
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
        "2024-06-10T06:13:20.123456789Z stderr F I0610 06:13:20.123099       1 server_linux.go:69] \"Using iptables proxy\" ipFamily=\"IPv4\"\n",
        "2024-06-10T06:13:20.1234Z stdout F 10.0.2.1:59838 - - [Tue, 16 Apr 2024 06:21:39 UTC] \"GET /readiness HTTP/1.1\" kube-probe/1.27\n",
        "2024-06-10T06:13:21.5Z stdout F {\"level\":\"info\",\"ts\":\"2024-06-10T06:13:21.500Z\",\"caller\":\"etcdserver/server.go:2042\",\"msg\":\"published local member\"}\n",
    ];
    join::bench::report("cri", &lines, parse);
}
