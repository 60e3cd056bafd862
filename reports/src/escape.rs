//! Escaping of user-supplied text for every output: HTML and SVG, Markdown, CSV fields, and file
//! names derived from user names (which must never leave the output directory).

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

/// Escapes text for Markdown (GitHub-flavoured, also inside table cells): markup characters are
/// backslash-escaped, `<`, `>` and `&` become entities so no HTML is interpreted, and line breaks
/// become spaces so a table row stays one line.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '$' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or leading or
/// trailing spaces, with quotes doubled.
pub fn csv_field(text: &str) -> String {
    let needs =
        text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ');
    if needs {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Whether `name` is a plain file name that stays inside the directory it is joined to: ASCII
/// letters, digits, `.`, `-` and `_`, not starting with a dot, no separators.
pub fn is_safe_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
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
    fn escapes_markdown() {
        assert_eq!(
            markdown("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(markdown("a|b*c_d\ne"), "a\\|b\\*c\\_d e");
        assert_eq!(markdown("[x](javascript:y)"), "\\[x\\](javascript:y)");
        assert_eq!(markdown("`code` \\"), "\\`code\\` \\\\");
    }

    #[test]
    fn quotes_csv_fields() {
        assert_eq!(csv_field("pi"), "pi");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field(" pad"), "\" pad\"");
        assert_eq!(
            csv_field("<img src=x onerror=alert(1)>"),
            "<img src=x onerror=alert(1)>"
        );
    }

    #[test]
    fn safe_file_names() {
        assert!(is_safe_file_name("suite-pi.html"));
        assert!(!is_safe_file_name("../x.html"));
        assert!(!is_safe_file_name("a/b"));
        assert!(!is_safe_file_name(".hidden"));
        assert!(!is_safe_file_name(""));
        assert!(!is_safe_file_name(".."));
    }

    #[test]
    fn slugs_stay_inside_the_directory() {
        assert_eq!(slug("../../etc/passwd"), "______etc_passwd");
        assert_eq!(slug("pi"), "pi");
        assert!(slug("..").starts_with('x'));
        assert!(!slug("/").contains('/'));
    }
}
