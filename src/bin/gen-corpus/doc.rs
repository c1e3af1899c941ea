//! A minimal ordered document model with the JSON and YAML printers kubectl
//! and troubleshoot.sh use, so key order and indentation are exact: kubectl
//! prints unstructured objects with keys sorted (JSON: 4 spaces), typed
//! clients keep Go struct order (troubleshoot: 2 spaces).

use std::io::Write;

#[derive(Debug, Clone)]
pub enum Val {
    Null,
    Num(i64),
    Str(String),
    Arr(Vec<Val>),
    Obj(Vec<(&'static str, Val)>),
}

impl Val {
    pub fn s(v: impl Into<String>) -> Val {
        Val::Str(v.into())
    }

    /// Sort object keys recursively (kubectl's unstructured output).
    pub fn sorted(mut self) -> Val {
        match &mut self {
            Val::Obj(kv) => {
                let mut v: Vec<(&'static str, Val)> = std::mem::take(kv)
                    .into_iter()
                    .map(|(k, v)| (k, v.sorted()))
                    .collect();
                v.sort_by(|a, b| a.0.cmp(b.0));
                Val::Obj(v)
            }
            Val::Arr(a) => Val::Arr(std::mem::take(a).into_iter().map(Val::sorted).collect()),
            _ => self,
        }
    }
}

/// Pretty JSON as Go's `json.MarshalIndent(v, "", indent)`.
pub fn json(b: &mut Vec<u8>, v: &Val, indent: usize, depth: usize) {
    match v {
        Val::Null => b.extend_from_slice(b"null"),
        Val::Num(n) => {
            let _ = write!(b, "{n}");
        }
        Val::Str(s) => crate::text::json_str(b, s.as_bytes(), true),
        Val::Arr(a) if a.is_empty() => b.extend_from_slice(b"[]"),
        Val::Obj(o) if o.is_empty() => b.extend_from_slice(b"{}"),
        Val::Arr(a) => {
            b.extend_from_slice(b"[\n");
            for (i, x) in a.iter().enumerate() {
                pad(b, indent * (depth + 1));
                json(b, x, indent, depth + 1);
                if i + 1 < a.len() {
                    b.push(b',');
                }
                b.push(b'\n');
            }
            pad(b, indent * depth);
            b.push(b']');
        }
        Val::Obj(o) => {
            b.extend_from_slice(b"{\n");
            for (i, (k, x)) in o.iter().enumerate() {
                pad(b, indent * (depth + 1));
                let _ = write!(b, "\"{k}\": ");
                json(b, x, indent, depth + 1);
                if i + 1 < o.len() {
                    b.push(b',');
                }
                b.push(b'\n');
            }
            pad(b, indent * depth);
            b.push(b'}');
        }
    }
}

fn pad(b: &mut Vec<u8>, n: usize) {
    b.resize(b.len() + n, b' ');
}

/// YAML as kubectl (sigs.k8s.io/yaml → go-yaml v2) prints it.
pub fn yaml(b: &mut Vec<u8>, v: &Val, depth: usize) {
    if let Val::Obj(o) = v {
        for (k, x) in o {
            pad(b, depth * 2);
            let _ = write!(b, "{k}:");
            yaml_value(b, x, depth);
        }
    }
}

fn yaml_value(b: &mut Vec<u8>, x: &Val, depth: usize) {
    match x {
        Val::Obj(o) if o.is_empty() => b.extend_from_slice(b" {}\n"),
        Val::Arr(a) if a.is_empty() => b.extend_from_slice(b" []\n"),
        Val::Obj(_) => {
            b.push(b'\n');
            yaml(b, x, depth + 1);
        }
        Val::Arr(a) => {
            b.push(b'\n');
            for item in a {
                pad(b, depth * 2);
                b.extend_from_slice(b"- ");
                match item {
                    Val::Obj(o) => {
                        for (i, (k, y)) in o.iter().enumerate() {
                            if i > 0 {
                                pad(b, depth * 2 + 2);
                            }
                            let _ = write!(b, "{k}:");
                            yaml_value(b, y, depth + 1);
                        }
                    }
                    other => {
                        scalar(b, other);
                        b.push(b'\n');
                    }
                }
            }
        }
        other => {
            b.push(b' ');
            scalar(b, other);
            b.push(b'\n');
        }
    }
}

fn scalar(b: &mut Vec<u8>, v: &Val) {
    match v {
        Val::Null => b.extend_from_slice(b"null"),
        Val::Num(n) => {
            let _ = write!(b, "{n}");
        }
        Val::Str(s) => yaml_str(b, s),
        _ => {}
    }
}

fn yaml_str(b: &mut Vec<u8>, s: &str) {
    let first_ok = s
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'/');
    let safe = s
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b" _./(){}=,-+".contains(&c));
    let special = matches!(
        s,
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
    ) || s.ends_with(' ');
    let looks_time = s.len() >= 10
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[..4].iter().all(u8::is_ascii_digit);
    if first_ok && safe && !special && !looks_time {
        b.extend_from_slice(s.as_bytes());
    } else if !s.contains('\'') && !s.contains('\n') && !looks_time && !s.is_empty() {
        b.push(b'\'');
        b.extend_from_slice(s.as_bytes());
        b.push(b'\'');
    } else {
        crate::text::json_str(b, s.as_bytes(), false);
    }
}

/// A tabwriter table (padding `pad`, last column unpadded).
pub fn table(rows: &[Vec<String>], padding: usize, indent: &str) -> Vec<u8> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut width = vec![0; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let mut b = Vec::new();
    for r in rows {
        b.extend_from_slice(indent.as_bytes());
        for (i, c) in r.iter().enumerate() {
            b.extend_from_slice(c.as_bytes());
            if i + 1 < r.len() {
                pad(&mut b, width[i] - c.chars().count() + padding);
            }
        }
        while b.last() == Some(&b' ') {
            b.pop();
        }
        b.push(b'\n');
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_shapes() {
        let v = Val::Obj(vec![
            ("b", Val::s("2024-06-10T06:00:00Z")),
            (
                "a",
                Val::Arr(vec![Val::Obj(vec![
                    ("x", Val::s("yy")),
                    ("z", Val::Num(1)),
                ])]),
            ),
        ])
        .sorted();
        let mut y = Vec::new();
        yaml(&mut y, &v, 0);
        assert_eq!(
            String::from_utf8(y).unwrap(),
            "a:\n- x: yy\n  z: 1\nb: \"2024-06-10T06:00:00Z\"\n"
        );
        let mut j = Vec::new();
        json(&mut j, &v, 4, 0);
        assert!(String::from_utf8(j)
            .unwrap()
            .starts_with("{\n    \"a\": [\n        {\n"));
    }
}
