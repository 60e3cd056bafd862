//! Escaping of user-supplied text for every output that is not a maud template (HTML markup is
//! escaped by maud, see [`crate::html`]): control characters in whole HTML and SVG documents and
//! on a terminal, Markdown, CSV cells, and file names derived from user names (which must never
//! leave the output directory).

/// Whether `c` is a control character that must not reach a terminal, a Markdown file or an
/// XML document as it is (ANSI escapes, NUL, C1 controls); line breaks and tabs are not.
pub(crate) fn is_hostile_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\t' | '\r')
}

/// Control characters made visible: `U+001B` for ESC.
pub(crate) fn visible_control(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// Text for a terminal: control characters (ANSI escape sequences, NUL, carriage returns,
/// C1 controls) from configs and results files are shown as `U+001B` instead of being
/// interpreted; line breaks and tabs stay.
pub fn terminal(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| is_hostile_control(c) || c == '\r') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hostile_control(c) || c == '\r' {
            out.push_str(&visible_control(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A whole HTML or SVG document with control characters (which XML forbids) shown as
/// `U+001B`: the last line of defence for text that reached a page unescaped (plot labels are
/// drawn by plotters, which escapes markup but not control characters).
pub fn document(text: String) -> String {
    if !text.chars().any(is_hostile_control) {
        return text;
    }
    text.chars()
        .map(|c| {
            if is_hostile_control(c) {
                visible_control(c)
            } else {
                c.to_string()
            }
        })
        .collect()
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
            c if is_hostile_control(c) => out.push_str(&visible_control(c)),
            c => out.push(c),
        }
    }
    out
}

/// A CSV cell's text, safe from spreadsheet formulas: text that a spreadsheet would run as a
/// formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return and is not a number)
/// gets a leading `'`, as OWASP advises against CSV injection; numbers, negative ones included,
/// stay numbers. Quoting is the `csv` crate's job (see [`crate::csv`]).
pub fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    let formula =
        text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    if formula {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
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
            &parbench_analysis::digest::sha256_hex(text.as_bytes())[..8]
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn control_characters_never_pass_as_they_are() {
        let hostile = "pi\u{1b}[2J\u{1b}]0;owned\u{7}\0\u{9b}x";
        for out in [
            terminal(hostile).into_owned(),
            document(hostile.to_string()),
            markdown(hostile),
        ] {
            assert!(!out.chars().any(is_hostile_control), "{out:?}");
            assert!(out.contains("U+001B"), "{out}");
            assert!(out.contains("U+0000"), "{out}");
            assert!(out.contains("U+009B"), "{out}");
        }
        assert_eq!(terminal("a\tb\nc"), "a\tb\nc");
        assert_eq!(terminal("over\rwrite"), "overU+000Dwrite");
        assert!(matches!(terminal("plain"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn csv_text_never_starts_a_formula() {
        assert_eq!(csv_text("pi"), "pi");
        assert_eq!(csv_text("a,b"), "a,b");
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("+1+cmd"), "'+1+cmd");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("-2+3"), "'-2+3");
        assert_eq!(csv_text("\tx"), "'\tx");
        assert_eq!(csv_text("-0.25"), "-0.25");
        assert_eq!(csv_text("-1e-9"), "-1e-9");
        assert_eq!(
            csv_text("<img src=x onerror=alert(1)>"),
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
