//! Before parsing: what each input is, and how its times will be resolved.

use rayon::prelude::*;

use crate::bundle::{Bundle, HintKind, Input};
use crate::formats::detect::{detect, Detected, HEAD_BYTES};
use crate::time::evidence::{Evidence, Instant};
use crate::time::TimeContext;

use super::{sample, Options};

/// One input with its detected format and time context.
#[derive(Debug, Clone)]
pub struct PlannedInput {
    /// Index into `bundle.inputs`.
    pub index: usize,
    pub detected: Detected,
    pub context: TimeContext,
}

/// The plan for a whole bundle.
#[derive(Debug, Clone)]
pub struct Plan {
    pub inputs: Vec<PlannedInput>,
    pub evidence: Evidence,
}

impl Plan {
    pub fn input<'b>(&self, bundle: &'b Bundle, planned: &PlannedInput) -> &'b Input {
        &bundle.inputs[planned.index]
    }
}

/// Detect formats, gather time evidence from the whole bundle, and give
/// every input its time context.
pub fn plan(bundle: &Bundle, options: &Options) -> Plan {
    let detected: Vec<Detected> = bundle
        .inputs
        .par_iter()
        .map(|input| detect(&input.inner_path, head(input.data.bytes())))
        .collect();

    let mut evidence = Evidence {
        year_override: options.year,
        zone_override: options.zone.clone(),
        ..Evidence::default()
    };
    for hint in &bundle.collection_hints {
        let instant = Instant {
            unix_ns: hint.unix_ns,
            from: hint.from.clone(),
        };
        match (hint.kind, hint.exact) {
            (HintKind::FileMtime, _) => evidence.collection_weak.push(instant),
            (_, true) => evidence.collection_exact.push(instant),
            (_, false) => evidence.collection_civil.push(instant),
        }
    }
    for (node, text, from) in &bundle.zone_hints {
        evidence.add_zone_hint(node.clone(), text, from);
    }
    let stamps: Vec<Option<(i64, usize)>> = bundle
        .inputs
        .par_iter()
        .zip(&detected)
        .enumerate()
        .map(|(i, (input, det))| match det {
            Detected::Text(format) => {
                sample::latest_exact_stamp(*format, input.data.bytes()).map(|t| (t, i))
            }
            _ => None,
        })
        .collect();
    for (t, i) in stamps.into_iter().flatten() {
        evidence.offer_stamp(t, &bundle.inputs[i].display_path);
    }

    let inputs = detected
        .into_iter()
        .enumerate()
        .map(|(index, detected)| PlannedInput {
            index,
            detected,
            context: evidence.context_for(bundle.inputs[index].node.as_deref()),
        })
        .collect();
    Plan { inputs, evidence }
}

fn head(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len().min(HEAD_BYTES)]
}
