//! Container output as the node stores it (CRI files under `/var/log/pods`,
//! Docker json-file) and as the API returns it (bare `kubectl logs` text).
//!
//! CRI timestamps follow the runtime: containerd writes Go `RFC3339Nano`
//! (trimmed fraction, `Z` or the node's offset), conmon (CRI-O) a fixed
//! 9-digit fraction and a numeric offset. containerd splits lines longer than
//! 16 KiB into `P` records; conmon splits wherever a read ended, which we
//! model as rare random splits, sometimes with the other stream's record in
//! between. The kubelet rotates a running container's file at
//! `containerLogMaxSize` and gzips the previous rotation, keeping five files.

use std::io::{self, Read, Write};

use crate::clock::{self, Frac, Micros, Zone, SEC};
use crate::model::*;
use crate::noise::Workbench;
use crate::out::{FileOut, Tree};
use crate::rng::Rng;

const CONTAINERD_MAX_LINE: usize = 16 * 1024;
const KEEP_FILES: usize = 5;

/// How the files of one container instance are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Containerd,
    Crio,
    Docker,
}

/// Where one instance's output goes.
pub struct Target {
    /// The node-side file (`…/<restart>.log` or the Docker json log).
    pub path: String,
    pub kind: LogKind,
    pub zone: Zone,
    /// API copy (`kubectl logs`, no timestamps) of the instance's last lines.
    pub bare: Option<String>,
    pub rotate_at: u64,
}

struct Rotating {
    path: String,
    file: Option<FileOut>,
    rotated: Vec<(String, u64)>,
    zone: Zone,
    rotate_at: u64,
}

impl Rotating {
    fn rotate(&mut self, tree: &mut Tree, t: Micros) -> io::Result<()> {
        let f = self.file.take().unwrap();
        let len = f.written();
        f.finish()?;
        // The kubelet checks every 10 s; the suffix is its local clock.
        let at = (t / (10 * SEC) + 1) * 10 * SEC;
        let name = format!("{}.{}", self.path, clock::rotation_suffix(at, self.zone));
        tree.rename(&self.path, &name)?;
        if let Some((prev, plen)) = self.rotated.last().cloned() {
            if !prev.ends_with(".gz") {
                let gz = format!("{prev}.gz");
                let mut raw = Vec::with_capacity(plen as usize);
                std::fs::File::open(tree.root().join(&prev))?.read_to_end(&mut raw)?;
                let mut out = tree.create(&gz)?;
                let mut enc = flate2::write::GzEncoder::new(&mut out, flate2::Compression::fast());
                enc.write_all(&raw)?;
                enc.finish()?;
                let glen = out.written();
                out.finish()?;
                tree.remove(&prev, plen)?;
                *self.rotated.last_mut().unwrap() = (gz, glen);
            }
        }
        self.rotated.push((name, len));
        while self.rotated.len() > KEEP_FILES - 1 {
            let (old, olen) = self.rotated.remove(0);
            tree.remove(&old, olen)?;
        }
        self.file = Some(tree.create(&self.path)?);
        Ok(())
    }
}

/// Write one container instance's output; returns logical bytes written.
#[allow(clippy::too_many_arguments)]
pub fn write_instance(
    tree: &mut Tree,
    target: &Target,
    inst: &Instance,
    bench: &mut Workbench,
    from: Micros,
    until: Micros,
    budget: u64,
    rng: &mut Rng,
) -> io::Result<u64> {
    let mut out = Rotating {
        path: target.path.clone(),
        file: Some(tree.create(&target.path)?),
        rotated: Vec::new(),
        zone: target.zone,
        rotate_at: target.rotate_at,
    };
    let mut bare = match &target.bare {
        Some(p) => Some(tree.create(p)?),
        None => None,
    };
    // `kubectl logs` keeps the tail (500 lines); a short instance fits whole.
    let bare_from = if until - from > 30 * 60 * SEC {
        until - 10 * 60 * SEC
    } else {
        from
    };
    let mut story: Vec<(Micros, Stream, Vec<u8>)> = Vec::new();
    if inst.start >= from {
        story.extend(bench.start_lines(inst.start + 300_000));
    }
    story.extend(
        inst.story
            .iter()
            .filter(|l| l.0 >= from && l.0 <= until)
            .cloned(),
    );
    story.sort_by_key(|l| l.0);
    let story_bytes: u64 = story.iter().map(|l| l.2.len() as u64 + 40).sum();
    // Every instance shows a few lines of its own, however small the bundle.
    let noise_budget = budget.saturating_sub(story_bytes).max(700);

    let mut written: u64 = 0;
    let mut noise_written: u64 = 0;
    let mut ema = 0.0f64;
    let mut t = from.max(inst.start) + 500_000;
    let mut si = 0;
    let mut line = Vec::with_capacity(512);
    let mut rec = Vec::with_capacity(1024);
    let mut noise_on = noise_budget > 0 && t < until;
    let mut last_rt: Micros = 0;
    let split_p = if target.kind == LogKind::Crio {
        0.004
    } else {
        0.0
    };
    loop {
        let (lt, stream, from_story) = match story.get(si) {
            Some(s) if !noise_on || s.0 <= t => {
                line.clear();
                line.extend_from_slice(&s.2);
                si += 1;
                (s.0, s.1, true)
            }
            _ if noise_on => {
                line.clear();
                let st = bench.line(&mut line, t);
                (t, st, false)
            }
            _ => break,
        };
        if out.file.as_ref().unwrap().written() >= out.rotate_at && lt < until {
            out.rotate(tree, lt)?;
        }
        rec.clear();
        // The runtime stamps when it read the pipe: never earlier than the previous read.
        let rt = (lt + rng.range(30, 900) as Micros).max(last_rt);
        last_rt = rt;
        let n = record(&mut rec, target, rt, stream, &line, rng, split_p, bench);
        out.file.as_mut().unwrap().write_all(&rec)?;
        written += n;
        if let Some(b) = bare.as_mut() {
            if lt >= bare_from {
                b.write_all(&line)?;
                b.write_all(b"\n")?;
            }
        }
        if !from_story {
            noise_written += n;
            ema = if ema == 0.0 {
                n as f64
            } else {
                ema * 0.99 + n as f64 * 0.01
            };
            let records_left = noise_budget.saturating_sub(noise_written) as f64 / ema.max(1.0);
            if records_left < 1.0 || t >= until {
                noise_on = false;
            } else {
                let mean = (until - t) as f64 / records_left;
                t += ((mean * -(1.0 - rng.unit()).ln()) as Micros).clamp(1, (until - t).max(1));
            }
        }
    }
    if inst.ends_partial {
        rec.clear();
        let content = b"{\"ts\":1718003000000.1,\"caller\":\"scraper/scraper.go:140\",\"msg\":\"Scraping metrics from no";
        cri_prefix(&mut rec, target, until - 200, Stream::Stderr, b'P');
        rec.extend_from_slice(content);
        rec.push(b'\n');
        out.file.as_mut().unwrap().write_all(&rec)?;
        if let Some(b) = bare.as_mut() {
            b.write_all(content)?;
        }
        written += rec.len() as u64;
    }
    out.file.take().unwrap().finish()?;
    if let Some(b) = bare {
        b.finish()?;
    }
    Ok(written)
}

fn cri_prefix(rec: &mut Vec<u8>, target: &Target, t: Micros, stream: Stream, tag: u8) {
    match target.kind {
        LogKind::Crio => clock::rfc3339(rec, t, target.zone, Frac::Nano, false),
        _ => clock::rfc3339(rec, t, target.zone, Frac::NanoTrim, true),
    }
    rec.push(b' ');
    rec.extend_from_slice(stream.name().as_bytes());
    rec.push(b' ');
    rec.push(tag);
    rec.push(b' ');
}

/// Encode one line of output into `rec` (maybe several records); returns bytes.
#[allow(clippy::too_many_arguments)]
fn record(
    rec: &mut Vec<u8>,
    target: &Target,
    t: Micros,
    stream: Stream,
    content: &[u8],
    rng: &mut Rng,
    split_p: f64,
    bench: &mut Workbench,
) -> u64 {
    let rt = t;
    match target.kind {
        LogKind::Docker => {
            // 16 KiB pieces share the first piece's time; only the last has "\n".
            let pieces: Vec<&[u8]> = content.chunks(16 * 1024).collect();
            let pieces = if pieces.is_empty() {
                vec![&content[..0]]
            } else {
                pieces
            };
            for (i, p) in pieces.iter().enumerate() {
                let last = i + 1 == pieces.len();
                rec.extend_from_slice(b"{\"log\":");
                let mut v = p.to_vec();
                if last {
                    v.push(b'\n');
                }
                crate::text::json_str(rec, &v, true);
                rec.extend_from_slice(b",\"stream\":\"");
                rec.extend_from_slice(stream.name().as_bytes());
                rec.extend_from_slice(b"\",\"time\":\"");
                clock::rfc3339(rec, rt, Zone::Utc, Frac::NanoTrim, true);
                rec.extend_from_slice(b"\"}\n");
            }
        }
        LogKind::Containerd if content.len() > CONTAINERD_MAX_LINE => {
            let chunks: Vec<&[u8]> = content.chunks(CONTAINERD_MAX_LINE).collect();
            for (i, c) in chunks.iter().enumerate() {
                cri_prefix(
                    rec,
                    target,
                    rt,
                    stream,
                    if i + 1 == chunks.len() { b'F' } else { b'P' },
                );
                rec.extend_from_slice(c);
                rec.push(b'\n');
            }
        }
        _ if content.len() > 12 && rng.chance(split_p) => {
            let at = rng.range(4, content.len() as u64 - 4) as usize;
            cri_prefix(rec, target, rt, stream, b'P');
            rec.extend_from_slice(&content[..at]);
            rec.push(b'\n');
            if rng.chance(0.5) {
                // The other pipe's record lands between the two halves.
                let mut other = Vec::new();
                let st = bench.line(&mut other, t);
                let st = if st == stream {
                    if stream == Stream::Stdout {
                        Stream::Stderr
                    } else {
                        Stream::Stdout
                    }
                } else {
                    st
                };
                cri_prefix(rec, target, rt, st, b'F');
                rec.extend_from_slice(&other);
                rec.push(b'\n');
            }
            cri_prefix(rec, target, rt + 40, stream, b'F');
            rec.extend_from_slice(&content[at..]);
            rec.push(b'\n');
        }
        _ => {
            cri_prefix(rec, target, rt, stream, b'F');
            rec.extend_from_slice(content);
            rec.push(b'\n');
        }
    }
    rec.len() as u64
}
