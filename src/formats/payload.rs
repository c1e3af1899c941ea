//! Stub: decoding of a message's own format (klog, logfmt, JSON) inside a wrapper.

use std::borrow::Cow;

use crate::record::Record;

/// Recognise the payload of `text` and fill `rec`'s payload, message,
/// severity (when the payload states one), fields and origin.
pub fn decode<'a>(text: Cow<'a, str>, rec: &mut Record<'a>) {
    rec.message = text;
}
