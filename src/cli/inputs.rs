//! `kubeautopsy inputs`: what is in the bundle and how well it was read.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};

use clap::{Args, ValueEnum};
use serde::Serialize;

use kubeautopsy::formats::detect::Detected;
use kubeautopsy::ingest::{self, scan::Discard, stats::BasisCounts, InputStats};
use kubeautopsy::time::{format_rfc3339, YearSource, ZoneSource};

use super::{completion_code, report_problems, BundleArgs, CliError};

#[derive(Args)]
pub struct InputsArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

#[derive(Serialize)]
struct InputRow<'a> {
    file: &'a str,
    format: String,
    node: Option<&'a str>,
    source: Option<&'a str>,
    bytes: usize,
    #[serde(flatten)]
    stats: &'a InputStats,
    first: Option<String>,
    last: Option<String>,
    balanced: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    roots: &'a [String],
    layout: &'static str,
    collection_time: Option<String>,
    collection_from: Option<String>,
    year_from: String,
    zones: BTreeMap<String, String>,
    inputs: Vec<InputRow<'a>>,
    problems: Vec<BTreeMap<&'static str, &'a str>>,
}

pub fn run(args: &InputsArgs) -> Result<u8, CliError> {
    let (bundle, plan, options) = args.bundle.load()?;
    let scanned = ingest::scan(&bundle, &plan, &options, |_| Discard);
    let collection = plan.evidence.collection();
    let context = plan.evidence.context_for(None);
    let year_from = match &context.year {
        YearSource::Override(y) => format!("--year {y}"),
        YearSource::Reference { unix_ns, from } => {
            format!("at or before {} ({from})", format_rfc3339(*unix_ns))
        }
        YearSource::Unknown => "unknown: no dated evidence in the bundle; pass --year".to_string(),
    };
    let mut zones = BTreeMap::new();
    zones.insert("(default)".to_string(), zone_text(&context.zone_source));
    for (node, (_, from)) in &plan.evidence.zones {
        zones.insert(
            node.clone().unwrap_or_else(|| "(bundle)".into()),
            from.clone(),
        );
    }
    let rows: Vec<InputRow<'_>> = plan
        .inputs
        .iter()
        .zip(&scanned.stats)
        .map(|(p, stats)| {
            let input = plan.input(&bundle, p);
            InputRow {
                file: &input.display_path,
                format: match p.detected {
                    Detected::Text(f) => f.name().to_string(),
                    Detected::Binary => "binary".into(),
                    Detected::Empty => "empty".into(),
                },
                node: input.node.as_deref(),
                source: input.source.as_deref(),
                bytes: input.data.len(),
                stats,
                first: stats.first_ns.map(format_rfc3339),
                last: stats.last_ns.map(format_rfc3339),
                balanced: stats.balanced(),
            }
        })
        .collect();
    let report = Report {
        roots: &bundle.roots,
        layout: bundle.layout.name(),
        collection_time: collection.as_ref().map(|c| format_rfc3339(c.unix_ns)),
        collection_from: collection.map(|c| c.from),
        year_from,
        zones,
        inputs: rows,
        problems: bundle
            .problems
            .iter()
            .map(|p| BTreeMap::from([("path", p.path.as_str()), ("message", p.message.as_str())]))
            .collect(),
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report).map_err(io::Error::other)?;
            writeln!(out)?;
        }
        OutputFormat::Text => write_text(&mut out, &report)?,
    }
    out.flush()?;
    report_problems(&bundle);
    Ok(completion_code(&bundle, &plan))
}

fn zone_text(source: &ZoneSource) -> String {
    match source {
        ZoneSource::Override => "--tz".into(),
        ZoneSource::Evidence(from) => from.clone(),
        ZoneSource::Assumed => "UTC (assumed: no zone evidence; pass --tz)".into(),
    }
}

fn write_text(out: &mut dyn Write, r: &Report<'_>) -> io::Result<()> {
    writeln!(
        out,
        "bundle:      {} (layout: {})",
        r.roots.join(", "),
        r.layout
    )?;
    match (&r.collection_time, &r.collection_from) {
        (Some(t), Some(from)) => writeln!(out, "collected:   {t} (from {from})")?,
        _ => writeln!(out, "collected:   unknown")?,
    }
    writeln!(out, "years:       {}", r.year_from)?;
    for (node, zone) in &r.zones {
        writeln!(out, "zone:        {node}: {zone}")?;
    }
    let totals = r.inputs.iter().fold((0u64, 0u64, 0u64), |t, i| {
        (
            t.0 + i.stats.lines_read,
            t.1 + i.stats.records,
            t.2 + i.stats.damaged_lines(),
        )
    });
    writeln!(
        out,
        "inputs:      {} files, {} lines, {} records, {} damaged lines, {} unreadable",
        r.inputs.len(),
        totals.0,
        totals.1,
        totals.2,
        r.problems.len()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<15} {:<12} {:>9} {:>9} {:<26} {:<20} {:<20} {:<28} FILE",
        "FORMAT", "NODE", "LINES", "RECORDS", "SKIPPED", "FIRST (UTC)", "LAST (UTC)", "TIME"
    )?;
    for i in &r.inputs {
        let skipped = if i.stats.skipped.is_empty() {
            "-".to_string()
        } else {
            i.stats
                .skipped
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            out,
            "{:<15} {:<12} {:>9} {:>9} {:<26} {:<20} {:<20} {:<28} {}",
            i.format,
            i.node.unwrap_or("-"),
            i.stats.lines_read,
            i.stats.records,
            skipped,
            i.first.as_deref().map_or("-", |t| &t[..19]),
            i.last.as_deref().map_or("-", |t| &t[..19]),
            basis_summary(&i.stats.time_basis),
            i.file,
        )?;
    }
    let damaged: Vec<_> = r
        .inputs
        .iter()
        .filter(|i| !i.stats.damage.is_empty())
        .collect();
    if !damaged.is_empty() {
        writeln!(
            out,
            "\ndamage (first {} per file):",
            kubeautopsy::ingest::stats::DAMAGE_SAMPLES
        )?;
        for i in damaged {
            for d in &i.stats.damage {
                writeln!(out, "  {}:{}: {} {}", i.file, d.line, d.what, d.detail)?;
            }
        }
    }
    let unbalanced: Vec<_> = r.inputs.iter().filter(|i| !i.balanced).collect();
    for i in unbalanced {
        writeln!(
            out,
            "  {}: accounting mismatch: {} lines read, {} in records, {} skipped",
            i.file,
            i.stats.lines_read,
            i.stats.record_lines,
            i.stats.skipped_lines()
        )?;
    }
    if !r.problems.is_empty() {
        writeln!(out, "\nunreadable:")?;
        for p in &r.problems {
            writeln!(out, "  {}: {}", p["path"], p["message"])?;
        }
    }
    Ok(())
}

/// `exact 120, inferred-year 3` -> the dominant basis and a `+` when mixed.
fn basis_summary(basis: &BasisCounts) -> String {
    let kinds = basis.iter().count();
    match basis.iter().max_by_key(|(_, n)| *n) {
        None => "-".into(),
        Some((b, _)) if kinds == 1 => b.name().into(),
        Some((b, _)) => format!("{} (+{} more)", b.name(), kinds - 1),
    }
}
