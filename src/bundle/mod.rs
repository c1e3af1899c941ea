//! TEMPORARY minimal implementation of the bundle API (directories and plain
//! files only), replaced by the full module (archives, layouts, hostile input).

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct OpenOptions {
    pub max_memory: u64,
    pub max_depth: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            max_memory: 4 << 30,
            max_depth: 3,
        }
    }
}

pub enum InputData {
    Mapped {
        map: Arc<memmap2::Mmap>,
        range: Range<usize>,
    },
    Memory(Arc<[u8]>),
    Empty,
}

impl InputData {
    pub fn bytes(&self) -> &[u8] {
        match self {
            InputData::Mapped { map, range } => &map[range.clone()],
            InputData::Memory(m) => m,
            InputData::Empty => &[],
        }
    }
    pub fn len(&self) -> usize {
        self.bytes().len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub struct Input {
    pub display_path: String,
    pub inner_path: String,
    pub data: InputData,
    pub mtime_ns: Option<i64>,
    pub node: Option<String>,
    pub source: Option<String>,
    pub tailed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Plain,
}

impl Layout {
    pub fn name(self) -> &'static str {
        "plain"
    }
}

pub struct TimeHint {
    pub unix_ns: i64,
    pub exact: bool,
    pub from: String,
}

pub struct BundleProblem {
    pub path: String,
    pub message: String,
}

pub struct Bundle {
    pub roots: Vec<String>,
    pub layout: Layout,
    pub inputs: Vec<Input>,
    pub problems: Vec<BundleProblem>,
    pub collection_hints: Vec<TimeHint>,
    pub zone_hints: Vec<(Option<String>, String, String)>,
}

pub fn open(paths: &[PathBuf], _options: &OpenOptions) -> Bundle {
    let mut b = Bundle {
        roots: vec![],
        layout: Layout::Plain,
        inputs: vec![],
        problems: vec![],
        collection_hints: vec![],
        zone_hints: vec![],
    };
    for root in paths {
        b.roots.push(root.display().to_string());
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let inner = path
                .strip_prefix(root)
                .unwrap_or(path)
                .to_string_lossy()
                .into_owned();
            let data =
                match std::fs::File::open(path).and_then(|f| unsafe { memmap2::Mmap::map(&f) }) {
                    Ok(m) if m.is_empty() => InputData::Empty,
                    Ok(m) => {
                        let len = m.len();
                        InputData::Mapped {
                            map: Arc::new(m),
                            range: 0..len,
                        }
                    }
                    Err(e) => {
                        b.problems.push(BundleProblem {
                            path: path.display().to_string(),
                            message: e.to_string(),
                        });
                        continue;
                    }
                };
            b.inputs.push(Input {
                display_path: path.display().to_string(),
                inner_path: inner,
                data,
                mtime_ns: None,
                node: None,
                source: None,
                tailed: false,
            });
        }
    }
    b
}

pub fn open_bytes(name: &str, bytes: Vec<u8>, _options: &OpenOptions) -> Bundle {
    let data = if bytes.is_empty() {
        InputData::Empty
    } else {
        InputData::Memory(bytes.into())
    };
    Bundle {
        roots: vec![name.to_string()],
        layout: Layout::Plain,
        inputs: vec![Input {
            display_path: name.into(),
            inner_path: name.into(),
            data,
            mtime_ns: None,
            node: None,
            source: None,
            tailed: false,
        }],
        problems: vec![],
        collection_hints: vec![],
        zone_hints: vec![],
    }
}
