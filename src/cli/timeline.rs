//! `kubeautopsy timeline`: every record of the bundle, merged by UTC time.

use std::io::{self, BufWriter, Write};

use clap::{Args, ValueEnum};
use regex::Regex;

use kubeautopsy::timeline::{self, print, Filter};

use super::{completion_code, report_problems, BundleArgs, CliError};

#[derive(Args)]
pub struct TimelineArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Only records at or after this time (RFC 3339, or `YYYY-MM-DD[THH:MM[:SS]]` in UTC).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Only records before this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Only records of this node (repeatable).
    #[arg(long, value_name = "NODE")]
    node: Vec<String>,
    /// Only records whose component, unit, source or file path contains this text (repeatable).
    #[arg(long, value_name = "TEXT")]
    source: Vec<String>,
    /// Only records whose message or a field value matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    grep: Option<String>,
    /// Also print records that have no time at all (after the timed ones).
    #[arg(long)]
    untimed: bool,
    /// Keep every capture of an entry: by default, records of different files with the same
    /// node, component and message less than a second apart are written once.
    #[arg(long)]
    keep_duplicates: bool,
    /// Append the file and line of each record (text format).
    #[arg(long)]
    show_source: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Ndjson,
}

pub fn run(args: &TimelineArgs) -> Result<u8, CliError> {
    let filter = Filter {
        since_ns: args.since.as_deref().map(parse_time).transpose()?,
        until_ns: args.until.as_deref().map(parse_time).transpose()?,
        nodes: args.node.clone(),
        sources: args.source.clone(),
        grep: args
            .grep
            .as_deref()
            .map(Regex::new)
            .transpose()
            .map_err(|e| format!("--grep: {e}"))?,
        untimed: args.untimed,
        fold_duplicates: !args.keep_duplicates,
    };
    let (bundle, plan, _options) = args.bundle.load()?;
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let summary = timeline::merge(&bundle, &plan, &filter, |record, input| match args.format {
        OutputFormat::Text => print::write_text(&mut out, record, input, args.show_source),
        OutputFormat::Ndjson => print::write_ndjson(&mut out, record, input),
    })?;
    out.flush()?;
    let mut err = io::stderr().lock();
    if summary.late > 0 {
        let _ = writeln!(
            err,
            "kubeautopsy: {} records were out of order in their own file and were printed late",
            summary.late
        );
    }
    if summary.duplicates_folded > 0 {
        let _ = writeln!(
            err,
            "kubeautopsy: {} records were other captures of entries already shown (--keep-duplicates shows them)",
            summary.duplicates_folded
        );
    }
    if summary.untimed_left_out > 0 {
        let _ = writeln!(
            err,
            "kubeautopsy: {} records have no time and were left out (--untimed shows them)",
            summary.untimed_left_out
        );
    }
    report_problems(&bundle);
    Ok(completion_code(&bundle, &plan))
}

/// RFC 3339 with offset, or a UTC civil time `YYYY-MM-DD[THH:MM[:SS]]`.
fn parse_time(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Ok(ts.as_nanosecond() as i64);
    }
    let civil = t
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| {
            t.parse::<jiff::civil::Date>()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })
        .map_err(|_| {
            format!("{text:?} is not a time (use RFC 3339 or YYYY-MM-DD[THH:MM[:SS]], UTC)")
        })?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_nanosecond() as i64)
        .map_err(|e| format!("{text:?}: {e}"))
}
