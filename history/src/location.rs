//! Where a history lives: a SQLite file path or a PostgreSQL URL, told apart by the URL scheme,
//! and the URL as shown to people (never with its password).

use crate::store::HistoryError;
use std::fmt;
use std::path::PathBuf;

/// A history database named by `--db` or `PARBENCH_DB`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An embedded SQLite file (the default).
    Sqlite(PathBuf),
    /// A PostgreSQL server: `postgres://user[:password]@host[:port]/database[?options]` (or
    /// `postgresql://`). Kept as given; shown only through [`redact_url`].
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL, or else a SQLite path.
    pub fn parse(text: &str) -> Location {
        let lower = text.trim_start().to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Location::Postgres(text.trim().to_string())
        } else {
            Location::Sqlite(PathBuf::from(text))
        }
    }

    /// The error for a backend this build does not include.
    pub(crate) fn unsupported(&self) -> HistoryError {
        let (backend, feature) = match self {
            Location::Sqlite(_) => ("SQLite", "sqlite"),
            Location::Postgres(_) => ("PostgreSQL", "postgres"),
        };
        HistoryError::Unsupported {
            db: self.to_string(),
            backend,
            feature,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&redact_url(url)),
        }
    }
}

/// `url` with its password (in the user info, or a `password=` parameter) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = url[..rest_start].to_string();
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    match tail.find('?') {
        Some(q) => {
            out.push_str(&tail[..q + 1]);
            let params: Vec<String> = tail[q + 1..]
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(tail),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_are_told_apart() {
        assert_eq!(
            Location::parse("bench.db"),
            Location::Sqlite("bench.db".into())
        );
        assert_eq!(
            Location::parse("/srv/postgres://x"),
            Location::Sqlite("/srv/postgres://x".into())
        );
        assert!(matches!(
            Location::parse("postgresql://u@h/db"),
            Location::Postgres(_)
        ));
        assert!(matches!(
            Location::parse("POSTGRES://u@h/db"),
            Location::Postgres(_)
        ));
    }

    #[test]
    fn passwords_never_show() {
        for (url, shown) in [
            (
                "postgres://u:s3cret@h:5432/db",
                "postgres://u:***@h:5432/db",
            ),
            ("postgres://u:p@ss:w@rd@h/db", "postgres://u:***@h/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("postgres://h/db", "postgres://h/db"),
            (
                "postgresql://h/db?user=u&password=s3cret&sslmode=disable",
                "postgresql://h/db?user=u&password=***&sslmode=disable",
            ),
            ("postgres://u:s3cret@h", "postgres://u:***@h"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
            assert_eq!(Location::parse(url).to_string(), shown);
        }
    }
}
