//! Lazy tokenizer of klog structured pairs (`err="x" pod="ns/name" n=3`).
//!
//! The record keeps the raw tail after the quoted message
//! ([`Fields::Klog`](crate::record::Fields::Klog)); this iterator decodes
//! it only when a consumer asks. Values are dispatched on their first byte,
//! as `klog.md` §3 prescribes:
//!
//! - `"` → Go string literal (borrowed unless it has escapes);
//! - `<` + newline → multi-line block: TAB-prefixed lines up to the ` >`
//!   line, whose remainder holds further pairs (borrowed when the block has
//!   one line, joined with `\n` otherwise);
//! - `{` / `[` → balanced JSON (string-aware), kept as raw text;
//! - anything else → a bare token. Old klog (≤ v2.30) printed structs,
//!   maps and slices with `%+v`, so a bare value may contain spaces
//!   (`map[a:1 b:2]`, `&Pod{Name:x Status:y}`); a bare value therefore
//!   extends over following words until the next ` word=` on the same line.
//!
//! Damaged tails never stop the iteration early: a word without `=` is
//! skipped, an unclosed quote takes the rest of its line raw, an unclosed
//! block takes what it has.

use std::borrow::Cow;

use super::quote::split_quoted;

/// Decoded `key=value` pairs of a klog structured tail.
pub fn pairs(raw: &str) -> KlogPairs<'_> {
    KlogPairs { rest: raw }
}

/// Iterator returned by [`pairs`].
#[derive(Debug, Clone)]
pub struct KlogPairs<'a> {
    rest: &'a str,
}

impl<'a> Iterator for KlogPairs<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let s = self.rest.trim_start_matches(is_space);
            if s.is_empty() {
                self.rest = s;
                return None;
            }
            let key_len = s
                .bytes()
                .position(|b| b == b'=' || is_space_byte(b))
                .unwrap_or(s.len());
            let Some(after) = s.get(key_len..).and_then(|a| a.strip_prefix('=')) else {
                // A word that is not a pair: skip it.
                self.rest = s.get(key_len.max(1)..).unwrap_or("");
                self.rest = skip_word(self.rest);
                continue;
            };
            if key_len == 0 {
                // `=value` without a key.
                self.rest = skip_word(after);
                continue;
            }
            let key = s.get(..key_len).unwrap_or("");
            let (value, rest) = value(after);
            self.rest = rest;
            return Some((Cow::Borrowed(key), value));
        }
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_word(s: &str) -> &str {
    let end = s.bytes().position(is_space_byte).unwrap_or(s.len());
    s.get(end..).unwrap_or("")
}

/// Offset of the end of the line `s` starts in (the `\n` or the end).
fn line_end(s: &str) -> usize {
    memchr::memchr(b'\n', s.as_bytes()).unwrap_or(s.len())
}

/// The value at the start of `s` and the text after it.
fn value(s: &str) -> (Cow<'_, str>, &str) {
    match s.as_bytes().first() {
        None => (Cow::Borrowed(""), s),
        Some(b) if is_space_byte(*b) => (Cow::Borrowed(""), s),
        Some(b'"') => quoted(s),
        Some(b'<') if opens_block(s) => block(s),
        Some(b'{' | b'[') => match balanced_len(s) {
            Some(len) => split(s, len),
            None => bare(s),
        },
        Some(_) => bare(s),
    }
}

fn split(s: &str, at: usize) -> (Cow<'_, str>, &str) {
    match (s.get(..at), s.get(at..)) {
        (Some(v), Some(rest)) => (Cow::Borrowed(v), rest),
        _ => (Cow::Borrowed(s), ""),
    }
}

/// A Go string literal; unclosed: the rest of the line, raw.
fn quoted(s: &str) -> (Cow<'_, str>, &str) {
    match split_quoted(s) {
        Some(found) => found,
        None => split(s, line_end(s)),
    }
}

/// `<` followed by a line end (or nothing: a block cut by its wrapper).
fn opens_block(s: &str) -> bool {
    matches!(
        s.as_bytes(),
        [b'<'] | [b'<', b'\n', ..] | [b'<', b'\r', b'\n', ..] | [b'<', b'\r']
    )
}

/// A multi-line block: `<` NL, TAB-prefixed lines, then a line starting
/// with ` >` whose remainder is returned as the rest. An empty line inside
/// the block counts as an empty value line (some tools strip a lone TAB).
fn block(s: &str) -> (Cow<'_, str>, &str) {
    let mut rest = match s.find('\n') {
        Some(nl) => s.get(nl + 1..).unwrap_or(""),
        None => "",
    };
    let mut value: Option<Cow<'_, str>> = None;
    loop {
        if rest.is_empty() {
            break;
        }
        if let Some(after) = rest.strip_prefix(" >") {
            rest = after;
            break;
        }
        let end = line_end(rest);
        let line = rest.get(..end).unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let content = match line.strip_prefix('\t') {
            Some(c) => c,
            None if line.is_empty() => line,
            // Not part of the block: the block was cut; stop before this line.
            None => break,
        };
        value = Some(match value {
            None => Cow::Borrowed(content),
            Some(v) => {
                let mut owned = v.into_owned();
                owned.push('\n');
                owned.push_str(content);
                Cow::Owned(owned)
            }
        });
        rest = rest.get(end + 1..).unwrap_or("");
    }
    (value.unwrap_or(Cow::Borrowed("")), rest)
}

/// Length of the balanced `{..}` / `[..]` at the start of `s`, respecting
/// JSON strings; `None` when it does not close on its line.
fn balanced_len(s: &str) -> Option<usize> {
    let mut depth: u32 = 0;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                b'\n' => return None,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'\n' => return None,
            _ => {}
        }
    }
    None
}

/// A bare value: up to the next space, extended over following words of
/// the same line until one looks like `key=` (old `%+v` values).
fn bare(s: &str) -> (Cow<'_, str>, &str) {
    let line = line_end(s);
    let mut end = s.bytes().position(is_space_byte).unwrap_or(s.len());
    while end < line {
        let gap = s
            .get(end..line)
            .map_or(0, |t| t.len() - t.trim_start_matches([' ', '\t']).len());
        let next = end + gap;
        match s.get(next..line) {
            Some(word) if !word.is_empty() && !word.starts_with('\r') && !starts_pair(word) => {
                end = next + word.bytes().position(is_space_byte).unwrap_or(word.len());
            }
            _ => break,
        }
    }
    split(s, end)
}

/// Does `s` start with `key=` where key is an identifier-like word?
fn starts_pair(s: &str) -> bool {
    let mut bytes = s.bytes();
    if !matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_') {
        return false;
    }
    for b in bytes {
        match b {
            b'=' => return true,
            b if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/') => {}
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(raw: &str) -> Vec<(String, String)> {
        pairs(raw)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn kv(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn quoted_values_are_unescaped_and_borrowed_without_escapes() {
        let raw = r#"err="failed to parse kubelet flag: unknown flag: --container-runtime" reason="say \"hi\"\n""#;
        let mut it = pairs(raw);
        let (k, v) = it.next().unwrap();
        assert_eq!(k, "err");
        assert!(matches!(
            v,
            Cow::Borrowed("failed to parse kubelet flag: unknown flag: --container-runtime")
        ));
        let (k, v) = it.next().unwrap();
        assert_eq!((k.as_ref(), v.as_ref()), ("reason", "say \"hi\"\n"));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn new_style_value_encodings() {
        assert_eq!(
            decoded(
                r#"pod="kube-system/coredns-7db6d8ff4d-x2x9q" node="node-a" pods=["ns/a","ns/b"] restartCount=3 ready=true obj=null containerID={"Type":"containerd","ID":"4f = x"} ports=[80,443] data="\u0001\x02" missing="(MISSING)""#
            ),
            kv(&[
                ("pod", "kube-system/coredns-7db6d8ff4d-x2x9q"),
                ("node", "node-a"),
                ("pods", r#"["ns/a","ns/b"]"#),
                ("restartCount", "3"),
                ("ready", "true"),
                ("obj", "null"),
                ("containerID", r#"{"Type":"containerd","ID":"4f = x"}"#),
                ("ports", "[80,443]"),
                ("data", "\u{1}\u{2}"),
                ("missing", "(MISSING)"),
            ])
        );
    }

    #[test]
    fn json_values_respect_brackets_inside_strings() {
        assert_eq!(
            decoded(r#"spec={"a":"}]{[","b":[1,{"c":"\"}"}]} next=1"#),
            kv(&[
                ("spec", r#"{"a":"}]{[","b":[1,{"c":"\"}"}]}"#),
                ("next", "1")
            ])
        );
    }

    #[test]
    fn old_style_values_with_spaces_extend_to_the_next_pair() {
        assert_eq!(
            decoded(
                r#"err="x" containerID={Type:containerd ID:4f} labels=map[app:web tier:front] args=[a b c] status=&PodStatus{Phase:Running Reason:} ptr=0xc000123456 pod="default/x""#
            ),
            kv(&[
                ("err", "x"),
                ("containerID", "{Type:containerd ID:4f}"),
                ("labels", "map[app:web tier:front]"),
                ("args", "[a b c]"),
                ("status", "&PodStatus{Phase:Running Reason:}"),
                ("ptr", "0xc000123456"),
                ("pod", "default/x"),
            ])
        );
    }

    #[test]
    fn unbalanced_old_style_struct_falls_back_to_lookahead() {
        assert_eq!(
            decoded(r#"v={Msg:it"s open} n=1"#),
            kv(&[("v", r#"{Msg:it"s open}"#), ("n", "1")])
        );
    }

    #[test]
    fn multi_line_block_then_more_pairs_on_the_closing_line() {
        let raw = "err=<\n\tfailed to \"StartContainer\"\n\tsecond line\n > pod=\"default/app\" podUID=\"2c1f\"";
        assert_eq!(
            decoded(raw),
            kv(&[
                ("err", "failed to \"StartContainer\"\nsecond line"),
                ("pod", "default/app"),
                ("podUID", "2c1f"),
            ])
        );
    }

    #[test]
    fn single_line_block_is_borrowed_and_crlf_is_stripped() {
        let mut it = pairs("stacktrace=<\r\n\tgoroutine 1 [running]:\r\n >\r\n");
        let (k, v) = it.next().unwrap();
        assert_eq!(k, "stacktrace");
        assert!(matches!(v, Cow::Borrowed("goroutine 1 [running]:")));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn cut_blocks_yield_what_they_have() {
        // A wrapper that splits lines leaves only the opener.
        assert_eq!(decoded("err=<"), kv(&[("err", "")]));
        // A block whose closing line never came.
        assert_eq!(
            decoded("err=<\n\tline one\nforeign line x=1"),
            kv(&[("err", "line one"), ("x", "1")])
        );
        // Empty line inside a block.
        assert_eq!(decoded("err=<\n\ta\n\n\tb\n >"), kv(&[("err", "a\n\nb")]));
    }

    #[test]
    fn damaged_tails_yield_what_they_can() {
        // Words without `=` are skipped; an old-style bare value absorbs
        // words up to the next `key=`; an unclosed quote keeps its line raw.
        assert_eq!(
            decoded(r#"junk =orphan k=v =x x="unclosed value y=2"#),
            kv(&[("k", "v =x"), ("x", "\"unclosed value y=2")])
        );
        assert_eq!(
            decoded("empty= next=1"),
            kv(&[("empty", ""), ("next", "1")])
        );
        assert_eq!(decoded("   "), kv(&[]));
        assert_eq!(decoded("=== = =x"), kv(&[]));
    }

    #[test]
    fn bare_value_does_not_extend_across_lines() {
        assert_eq!(decoded("n=1\ntrailing words"), kv(&[("n", "1")]));
    }
}
