//! HTML escaping for the report page and its timeline picture: every string that is not
//! ours goes through [`h`] before it reaches the page, as text or as a double-quoted
//! attribute value. Which strings are ours is the caller's to know.

use crate::report::escape_text;

/// Escapes text for HTML text and double-quoted attribute values.
pub fn h(s: &str) -> String {
    let visible = escape_text(s);
    let mut out = String::with_capacity(visible.len() + 16);
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_strings_cannot_make_markup() {
        assert_eq!(
            h("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(h("a\u{1b}[31m\nb"), "a\\x1b[31m\\x0ab");
        assert_eq!(h("gbl.his.arc.azure.com"), "gbl.his.arc.azure.com");
    }
}
