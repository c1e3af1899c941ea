//! Command-line interface. Parsing arguments, opening the bundle and mapping
//! outcomes to exit codes happen here; all real work is in the library.
//!
//! Exit codes (stable, for automation):
//! - 0: ran, every input was read;
//! - 1: a root cause was found (`analyze`, later);
//! - 2: ran, but some input was unreadable or unsupported (listed on stderr);
//! - 3: could not run (bad arguments, nothing to read, output error).

mod inputs;
mod timeline;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use kubeautopsy::bundle::{self, Bundle};
use kubeautopsy::ingest::{self, Options, Plan};
use kubeautopsy::time::parse_zone;

pub const EXIT_OK: u8 = 0;
pub const EXIT_INPUT_PROBLEMS: u8 = 2;
pub const EXIT_CANNOT_RUN: u8 = 3;

#[derive(Parser)]
#[command(
    name = "kubeautopsy",
    version,
    about = "Why did this Kubernetes upgrade break? Reads a support bundle and tells you."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every file found in the bundle with its format, node, counts, skips and time range.
    Inputs(inputs::InputsArgs),
    /// Print the merged, time-ordered timeline of every record in the bundle.
    Timeline(timeline::TimelineArgs),
}

/// Options shared by every command that reads a bundle.
#[derive(Args, Clone)]
pub struct BundleArgs {
    /// Bundle paths: directories, .tar, .tar.gz/.tgz, .gz or plain files; `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Year for stamps that have none (klog headers, journal `short`), instead of inferring it from the bundle.
    #[arg(long, value_name = "YYYY")]
    pub year: Option<i16>,
    /// Zone for stamps that have none (IANA name like Europe/Berlin, UTC, or +02:00), instead of the bundle's evidence.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Most decompressed bytes held in memory for compressed inputs (e.g. 4GiB).
    #[arg(long, value_name = "BYTES", default_value = "4GiB", value_parser = parse_bytes)]
    pub max_memory: u64,
}

impl BundleArgs {
    pub fn options(&self) -> Result<Options, String> {
        let zone = match &self.tz {
            Some(text) => Some((
                parse_zone(text)
                    .ok_or_else(|| format!("--tz {text:?} is not a zone name or offset"))?,
                text.clone(),
            )),
            None => None,
        };
        let mut options = Options {
            year: self.year,
            zone,
            ..Options::default()
        };
        options.open.max_memory = self.max_memory;
        Ok(options)
    }

    /// Open the bundle and plan its ingest.
    pub fn load(&self) -> Result<(Bundle, Plan, Options), String> {
        let options = self.options()?;
        let bundle = bundle::open(&self.paths, &options.open);
        if bundle.inputs.is_empty() && !bundle.problems.is_empty() {
            report_problems(&bundle);
            return Err("nothing could be read from the given paths".into());
        }
        let plan = ingest::plan(&bundle, &options);
        Ok((bundle, plan, options))
    }
}

/// `4GiB`, `512MiB`, `100MB`, `1024`.
fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 4GiB"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        "t" | "tb" => 1_000_000_000_000,
        "tib" => 1 << 40,
        other => return Err(format!("unknown size unit {other:?}")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// Tell the user, on stderr, which inputs could not be read.
pub fn report_problems(bundle: &Bundle) {
    let mut err = io::stderr().lock();
    for p in &bundle.problems {
        let _ = writeln!(err, "kubeautopsy: {}: {}", p.path, p.message);
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inputs(args) => inputs::run(&args),
        Command::Timeline(args) => timeline::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("kubeautopsy: {e}");
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

/// Errors of a command: anything that stops it from running.
#[derive(Debug)]
pub enum CliError {
    Io(io::Error),
    Usage(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Io(e) => write!(f, "cannot write output: {e}"),
            CliError::Usage(m) => f.write_str(m),
        }
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Io(e)
    }
}

impl From<String> for CliError {
    fn from(m: String) -> Self {
        CliError::Usage(m)
    }
}

/// `| head` closing the pipe is a normal way to stop reading: exit quietly.
fn is_broken_pipe(e: &CliError) -> bool {
    matches!(e, CliError::Io(io) if io.kind() == io::ErrorKind::BrokenPipe)
}

/// Exit code for a run that completed: 2 when some input could not be used.
pub fn completion_code(bundle: &Bundle, plan: &Plan) -> u8 {
    let unusable = plan
        .inputs
        .iter()
        .any(|p| matches!(p.detected, kubeautopsy::formats::detect::Detected::Binary));
    if !bundle.problems.is_empty() || unusable {
        EXIT_INPUT_PROBLEMS
    } else {
        EXIT_OK
    }
}
