//! Escaping of user-supplied text for HTML and SVG (and file names derived from user names).

/// Escapes text for HTML/SVG element content and double- or single-quoted attribute values.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

/// A file-name-safe slug: ASCII letters, digits, `-` and `_` only, never empty, never `.`/`..`,
/// so a name built from user input cannot leave the output directory.
pub fn slug(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    if s.trim_matches('_').is_empty() {
        s = format!(
            "x{}",
            &parbench_harness::config::sha256_hex(text.as_bytes())[..8]
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            html("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(html("a&b \"c\" 'd'"), "a&amp;b &quot;c&quot; &#39;d&#39;");
    }

    #[test]
    fn slugs_stay_inside_the_directory() {
        assert_eq!(slug("../../etc/passwd"), "______etc_passwd");
        assert_eq!(slug("pi"), "pi");
        assert!(slug("..").starts_with('x'));
        assert!(!slug("/").contains('/'));
    }
}
