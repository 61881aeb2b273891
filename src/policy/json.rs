//! Writing JSON strings by hand, escaped exactly as serde_json escapes them.

/// Appends `text` as a JSON string.
pub(super) fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let mut clean_from = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[clean_from..i]);
        if escaped.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        } else {
            out.push_str(escaped);
        }
        clean_from = i + 1;
    }
    out.push_str(&text[clean_from..]);
    out.push('"');
}

/// Appends `"a","b",...` (the inside of a JSON list of strings).
pub(super) fn push_json_strings<'s>(out: &mut String, items: impl IntoIterator<Item = &'s str>) {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(out, item);
    }
}

/// Whether `text` needs any escaping inside a JSON string (branch-free, so it vectorizes).
#[inline]
pub(super) fn needs_escaping(text: &str) -> bool {
    text.bytes().fold(false, |found, b| found | (b == b'"') | (b == b'\\') | (b < 0x20))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped_like_serde_json() {
        for text in
            ["plain", "q\"uote", "back\\slash", "nl\n tab\t cr\r", "\u{1}\u{1f}\u{8}\u{c}", "ä/é/*", "\u{7f}</script>"]
        {
            let mut ours = String::new();
            push_json_string(&mut ours, text);
            assert_eq!(ours, serde_json::to_string(text).unwrap(), "{text:?}");
            assert_eq!(needs_escaping(text), ours.len() != text.len() + 2, "{text:?}");
        }
    }
}
