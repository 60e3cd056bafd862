//! Placeholders in the arguments of a command suite: `{workers}`, `{size}`, … substituted inside
//! one argument (never splitting it or adding shell syntax), `{{` and `}}` for literal braces, and
//! POSIX shell quoting for `shell = true`.

use std::fmt;

/// One piece of a template: literal text or a placeholder name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(String),
}

/// A string with `{name}` placeholders, parsed once (see [`Template::parse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

/// Why a template is malformed: a message and the byte offset in the template where it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset in the template.
    pub offset: usize,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn valid_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

impl Template {
    /// Parses `text`: `{name}` is a placeholder (letters, digits, `-`, `_`), `{{` a literal `{`
    /// and `}}` a literal `}`. An unclosed or empty placeholder, or a lone `}`, is an error.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|&(_, n)| n) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|&(_, n)| n) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for (_, n) in chars.by_ref() {
                        if n == '}' {
                            closed = true;
                            break;
                        }
                        name.push(n);
                    }
                    if !closed {
                        return Err(TemplateError {
                            offset: at,
                            message: format!(
                                "unclosed placeholder `{{{name}`: write `{{name}}`, or `{{{{` for a literal brace"
                            ),
                        });
                    }
                    if name.is_empty() || !name.chars().all(valid_name_char) {
                        return Err(TemplateError {
                            offset: at,
                            message: format!(
                                "`{{{name}}}` is not a placeholder (names are letters, digits, `-` and `_`); write `{{{{` and `}}}}` for literal braces"
                            ),
                        });
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Var(name));
                }
                '}' => {
                    return Err(TemplateError {
                        offset: at,
                        message: "a `}` that closes no placeholder; write `}}` for a literal brace"
                            .into(),
                    });
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template {
            source: text.to_string(),
            pieces,
        })
    }

    /// The text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The placeholder names used, in order of appearance (with repeats).
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(name) => Some(name.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// Whether the template uses placeholder `name`.
    pub fn uses(&self, name: &str) -> bool {
        self.placeholders().any(|p| p == name)
    }

    /// The first placeholder not in `known`, if any.
    pub fn unknown_placeholder<'a>(&'a self, known: &[&str]) -> Option<&'a str> {
        self.placeholders().find(|p| !known.contains(p))
    }

    /// Substitutes every placeholder with `value(name)` verbatim (arguments, environment
    /// values). Unknown names become the empty string; validate with
    /// [`unknown_placeholder`](Self::unknown_placeholder) first.
    pub fn render(&self, value: &dyn Fn(&str) -> Option<String>) -> String {
        self.render_with(value, |v| v)
    }

    /// Like [`render`](Self::render), but every substituted value is shell-quoted, so a value
    /// is one word of a POSIX shell whatever characters it holds (`shell = true`).
    pub fn render_shell(&self, value: &dyn Fn(&str) -> Option<String>) -> String {
        self.render_with(value, |v| shell_quote(&v))
    }

    fn render_with(
        &self,
        value: &dyn Fn(&str) -> Option<String>,
        wrap: impl Fn(String) -> String,
    ) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(name) => out.push_str(&wrap(value(name).unwrap_or_default())),
            }
        }
        out
    }
}

/// Quotes `value` as one word of a POSIX shell: single quotes around it, each `'` inside
/// written as `'\''`. Words of only safe characters stay as they are.
pub fn shell_quote(value: &str) -> String {
    let safe = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@%".contains(c));
    if safe {
        return value.to_string();
    }
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// The known name closest to `name` (at most two edits away), for "did you mean" hints.
pub fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "workers" => Some("4".into()),
            "size" => Some("1000".into()),
            "tag" => Some("a b'; rm -rf / $(id) `x` | > *".into()),
            _ => None,
        }
    }

    #[test]
    fn placeholders_are_substituted_inside_one_argument() {
        let t = Template::parse("--threads={workers}x{size}").unwrap();
        assert_eq!(t.render(&vars), "--threads=4x1000");
        assert_eq!(t.placeholders().collect::<Vec<_>>(), ["workers", "size"]);
        assert!(t.uses("size") && !t.uses("seed"));
        // Values are inserted verbatim: no splitting, no interpretation.
        let t = Template::parse("{tag}").unwrap();
        assert_eq!(t.render(&vars), "a b'; rm -rf / $(id) `x` | > *");
    }

    #[test]
    fn braces_escape_and_errors_say_what_to_write() {
        let t = Template::parse("{{\"n\": {size}}}").unwrap();
        assert_eq!(t.render(&vars), "{\"n\": 1000}");
        assert_eq!(t.unknown_placeholder(&["size"]), None);

        let e = Template::parse("--n {size").unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("unclosed placeholder"), "{e}");
        let e = Template::parse("a}b").unwrap_err();
        assert_eq!(e.offset, 1);
        assert!(e.message.contains("`}}`"), "{e}");
        let e = Template::parse("{}").unwrap_err();
        assert!(e.message.contains("not a placeholder"), "{e}");
        let e = Template::parse("{a b}").unwrap_err();
        assert!(e.message.contains("not a placeholder"), "{e}");

        let t = Template::parse("{wrkers}").unwrap();
        assert_eq!(t.unknown_placeholder(&["workers", "size"]), Some("wrkers"));
        assert_eq!(closest("wrkers", &["workers", "size"]), Some("workers"));
        assert_eq!(closest("zzzzzz", &["workers", "size"]), None);
    }

    #[test]
    fn shell_rendering_quotes_every_value_into_one_word() {
        let t = Template::parse("spin --tag {tag} --n {size}").unwrap();
        assert_eq!(
            t.render_shell(&vars),
            r"spin --tag 'a b'\''; rm -rf / $(id) `x` | > *' --n 1000"
        );
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("plain-1.5"), "plain-1.5");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[cfg(unix)]
    #[test]
    fn a_quoted_value_is_one_word_of_a_real_shell() {
        let value = vars("tag").unwrap();
        let script = format!(
            "set -- {}; printf '%s|' \"$#\"; printf '%s' \"$1\"",
            shell_quote(&value)
        );
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("1|{value}"));
    }
}
