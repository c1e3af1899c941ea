//! Go double-quoted string literals (`strconv.Quote` output), as klog and
//! logrus write them.
//!
//! Scanning and unescaping are separate: `scan` finds the closing quote
//! with `memchr` and notes whether it passed a backslash (the common klog
//! message has none, so this is one SIMD scan and the value is borrowed);
//! only then does [`unescape`] run and allocate. A raw newline ends the scan: `strconv.Quote` never writes
//! one, so a newline before the closing quote means the literal is damaged
//! (a cut line), and the caller falls back to raw text instead of swallowing
//! the following lines.
//!
//! Unescaping is lenient where Go's `strconv.Unquote` is strict: an unknown
//! or incomplete escape is kept as written, and `\x..` / octal escapes that
//! do not form valid UTF-8 become U+FFFD. Damaged input therefore still
//! yields text.

use std::borrow::Cow;

/// Byte length of the Go string literal at the start of `s`, both quotes
/// included, and whether it contains an escape. `None` when `s` does not
/// start with `"` or the literal is not closed before the end of its line.
fn scan(s: &[u8]) -> Option<(usize, bool)> {
    if s.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    let mut escaped = false;
    loop {
        let found = memchr::memchr3(b'"', b'\\', b'\n', s.get(i..)?)?;
        let at = i + found;
        match s.get(at)? {
            b'"' => return Some((at + 1, escaped)),
            // An escape: skip the backslash and the byte it escapes.
            b'\\' => {
                escaped = true;
                i = at + 2;
            }
            _ => return None,
        }
    }
}

/// Split a Go string literal off the start of `s`: the unescaped value and
/// the text after the closing quote. `None` when `s` does not start with a
/// closed literal.
pub fn split_quoted(s: &str) -> Option<(Cow<'_, str>, &str)> {
    let (len, escaped) = scan(s.as_bytes())?;
    let inner = s.get(1..len - 1)?;
    let rest = s.get(len..)?;
    let value = if escaped {
        unescape(inner)
    } else {
        Cow::Borrowed(inner)
    };
    Some((value, rest))
}

/// Unquote a complete Go string literal (`"a\"b"` → `a"b`). Borrowed when
/// the literal has no escapes. `None` when `s` is not exactly one closed
/// literal.
pub fn unquote(s: &str) -> Option<Cow<'_, str>> {
    match split_quoted(s)? {
        (value, "") => Some(value),
        _ => None,
    }
}

/// Resolve the escapes of a literal's inner text.
pub(crate) fn unescape(inner: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
        return Cow::Borrowed(inner);
    }
    let bytes = inner.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(found) = bytes.get(i..).and_then(|b| memchr::memchr(b'\\', b)) {
        out.extend_from_slice(bytes.get(i..i + found).unwrap_or_default());
        let at = i + found;
        i = at + escape(bytes.get(at..).unwrap_or_default(), &mut out);
    }
    out.extend_from_slice(bytes.get(i..).unwrap_or_default());
    Cow::Owned(match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Decode the escape at the start of `s` (which starts with `\`) into
/// `out`; returns how many bytes of `s` it used.
fn escape(s: &[u8], out: &mut Vec<u8>) -> usize {
    let simple = |b: u8| -> Option<u8> {
        Some(match b {
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            b'\\' => b'\\',
            b'\'' => b'\'',
            b'"' => b'"',
            _ => return None,
        })
    };
    let Some(&kind) = s.get(1) else {
        out.push(b'\\');
        return 1;
    };
    if let Some(b) = simple(kind) {
        out.push(b);
        return 2;
    }
    let decoded = match kind {
        b'x' => hex(s.get(2..4)).map(|v| {
            out.push(v as u8);
            4
        }),
        b'0'..=b'7' => octal(s.get(1..4)).map(|v| {
            out.push(v);
            4
        }),
        b'u' => hex(s.get(2..6)).map(|v| {
            push_char(v, out);
            6
        }),
        b'U' => hex(s.get(2..10)).map(|v| {
            push_char(v, out);
            10
        }),
        _ => None,
    };
    decoded.unwrap_or_else(|| {
        // Unknown or cut escape: keep the backslash, continue after it.
        out.push(b'\\');
        1
    })
}

fn hex(digits: Option<&[u8]>) -> Option<u32> {
    digits?.iter().try_fold(0u32, |acc, &b| {
        let d = (b as char).to_digit(16)?;
        Some(acc * 16 + d)
    })
}

fn octal(digits: Option<&[u8]>) -> Option<u8> {
    let v = digits?.iter().try_fold(0u32, |acc, &b| match b {
        b'0'..=b'7' => Some(acc * 8 + (b - b'0') as u32),
        _ => None,
    })?;
    u8::try_from(v).ok()
}

fn push_char(code: u32, out: &mut Vec<u8>) {
    let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_without_escapes_is_borrowed() {
        let v = unquote(r#""Kubelet version""#).unwrap();
        assert!(matches!(v, Cow::Borrowed("Kubelet version")));
    }

    #[test]
    fn every_go_escape_is_decoded() {
        let v =
            unquote(r#""q\" b\\ n\n t\t r\r a\a v\v f\f b\b x\x41 o\101 u\u00e9 U\U0001F600 s\'""#)
                .unwrap();
        assert_eq!(
            v,
            "q\" b\\ n\n t\t r\r a\u{7} v\u{b} f\u{c} b\u{8} xA oA u\u{e9} U\u{1F600} s'"
        );
    }

    #[test]
    fn byte_escapes_that_are_not_utf8_become_replacement() {
        assert_eq!(unquote(r#""\xff\xfe ok""#).unwrap(), "\u{FFFD}\u{FFFD} ok");
        assert_eq!(unquote(r#""\ud800""#).unwrap(), "\u{FFFD}");
    }

    #[test]
    fn unknown_and_cut_escapes_are_kept_as_written() {
        assert_eq!(unquote(r#""a\qb""#).unwrap(), "a\\qb");
        assert_eq!(unquote(r#""\x4""#).unwrap(), "\\x4");
        assert_eq!(unquote(r#""\u12""#).unwrap(), "\\u12");
        assert_eq!(unquote(r#""\777""#).unwrap(), "\\777");
    }

    #[test]
    fn split_returns_the_text_after_the_closing_quote() {
        let (v, rest) = split_quoted(r#""a \"b\"" k=v"#).unwrap();
        assert_eq!((v.as_ref(), rest), ("a \"b\"", " k=v"));
    }

    #[test]
    fn unclosed_or_multi_line_literals_are_rejected() {
        assert_eq!(unquote(r#""open"#), None);
        assert_eq!(unquote(r#""ends in backslash\""#), None);
        assert_eq!(unquote("\"a\nb\""), None);
        assert_eq!(unquote(r#""a" trailing"#), None);
        assert_eq!(unquote("bare"), None);
        assert_eq!(unquote(""), None);
        assert_eq!(scan(b"\"\\"), None);
        assert_eq!(scan(br#""a\"b" x"#), Some((6, true)));
        assert_eq!(scan(br#""ab" x"#), Some((4, false)));
    }
}
