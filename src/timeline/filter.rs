//! Which records the user asked to see.

use regex::Regex;

use crate::bundle::Input;
use crate::record::Record;
use crate::time::TimeBasis;

/// `timeline` selection options. Empty lists accept everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Inclusive lower bound, ns since the epoch.
    pub since_ns: Option<i64>,
    /// Exclusive upper bound, ns since the epoch.
    pub until_ns: Option<i64>,
    /// Node names (exact, case-insensitive).
    pub nodes: Vec<String>,
    /// Substrings of the component, unit, layout source or file path.
    pub sources: Vec<String>,
    /// Regular expression over the message and the raw fields.
    pub grep: Option<Regex>,
    /// Keep records that have no time at all (placed after the timed ones).
    pub untimed: bool,
    /// Write one record per entry when several captures of the bundle hold it.
    pub fold_duplicates: bool,
}

impl Filter {
    /// Is this (normalised) record selected?
    pub fn accepts(&self, record: &Record<'_>, input: &Input) -> bool {
        let untimed = record.resolved.basis == TimeBasis::None;
        if untimed && !self.untimed {
            return false;
        }
        if !untimed {
            let t = record.resolved.unix_ns;
            if self.since_ns.is_some_and(|s| t < s) || self.until_ns.is_some_and(|u| t >= u) {
                return false;
            }
        }
        if !self.nodes.is_empty() {
            let node = record.node.as_deref().unwrap_or("");
            if !self.nodes.iter().any(|n| n.eq_ignore_ascii_case(node)) {
                return false;
            }
        }
        if !self.sources.is_empty() {
            let candidates = [
                record.component.as_deref(),
                record.unit.as_deref(),
                input.source.as_deref(),
                Some(input.display_path.as_str()),
            ];
            let hit = self
                .sources
                .iter()
                .any(|s| candidates.iter().flatten().any(|c| c.contains(s.as_str())));
            if !hit {
                return false;
            }
        }
        if let Some(re) = &self.grep {
            if !re.is_match(&record.message) && !record.fields.iter().any(|(_, v)| re.is_match(&v))
            {
                return false;
            }
        }
        true
    }
}
