//! Worker-count specifications: a number, a list, or a range expression over `ncpu` such as
//! `"1..=2*ncpu"` or `"1..=16:*2"` (powers of two).

use serde::Deserialize;
use std::collections::BTreeSet;

/// Why a worker-count specification cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkersError {
    /// An empty list.
    #[error("expected at least one worker count")]
    NoCounts,
    /// A count below 1 or above [`MAX_WORKERS`] (the count).
    #[error("worker count {0} is out of range: expected 1 to {MAX_WORKERS}")]
    OutOfRange(i64),
    /// A part of an expression is wrong; `text` is the whole expression.
    #[error("in workers \"{text}\": {source}")]
    In {
        /// The whole expression.
        text: String,
        /// What is wrong in it.
        source: Box<WorkersError>,
    },
    /// An expression that yields no worker count (the expression).
    #[error("workers \"{0}\" is empty")]
    Empty(String),
    /// A step suffix after a single value rather than a range.
    #[error("a step (`:…`) needs a range such as 1..=8:*2")]
    StepWithoutRange,
    /// A range whose end is below its start.
    #[error("the range {lo}..={hi} is empty")]
    EmptyRange {
        /// The start, evaluated.
        lo: i64,
        /// The end, evaluated.
        hi: i64,
    },
    /// A step below 1, or a multiplying step below 2, that would never reach the range's end
    /// (the step, evaluated).
    #[error("step {0} would never reach the end of the range")]
    StepNeverEnds(i64),
    /// Tokens left over after a complete value.
    #[error("unexpected `{token}` in `{text}`")]
    UnexpectedToken {
        /// The first token left over.
        token: String,
        /// The value's text.
        text: String,
    },
    /// A character the expression language does not have.
    #[error("unexpected character `{0}`; expected numbers, `ncpu`, + - * / ( )")]
    UnexpectedCharacter(char),
    /// No value where one was expected (an empty part, an operator first).
    #[error("expected a number or `ncpu`")]
    NoValue,
    /// The expression ends after an operator.
    #[error("expected a number or `ncpu` at the end")]
    MissingValue,
    /// An opening parenthesis without its closing one.
    #[error("expected `)`")]
    MissingParenthesis,
    /// Arithmetic beyond 64-bit integers.
    #[error("overflow")]
    Overflow,
    /// A division by zero.
    #[error("division by zero")]
    DivisionByZero,
    /// A number that does not fit 64 bits.
    #[error("number `{text}` is too large")]
    TooLarge {
        /// The number as written.
        text: String,
        /// The parser's error.
        source: std::num::ParseIntError,
    },
    /// A name other than `ncpu` (the name).
    #[error("unknown name `{0}`; the only name allowed is `ncpu`")]
    UnknownName(String),
}

/// Most workers a single point may use.
pub const MAX_WORKERS: i64 = 4096;

/// Worker counts as written in a config.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkersSpec {
    /// One count: `workers = 4`.
    One(i64),
    /// A range expression: `workers = "1..=2*ncpu"`.
    Expr(String),
    /// A list of counts and expressions: `workers = [1, 2, "ncpu"]`.
    List(Vec<WorkersItem>),
}

/// One entry of a worker-count list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum WorkersItem {
    /// A count.
    Int(i64),
    /// An expression (a value or a range).
    Expr(String),
}

impl<'de> Deserialize<'de> for WorkersSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(i64),
            Expr(String),
            List(Vec<WorkersItem>),
        }
        match Raw::deserialize(d) {
            Ok(Raw::One(v)) => Ok(WorkersSpec::One(v)),
            Ok(Raw::Expr(s)) => Ok(WorkersSpec::Expr(s)),
            Ok(Raw::List(l)) => Ok(WorkersSpec::List(l)),
            Err(_) => Err(serde::de::Error::custom(
                "expected a worker count (2), a list ([1, 2, 4]) or a range such as \"1..=2*ncpu\"",
            )),
        }
    }
}

impl WorkersSpec {
    /// Sorted, de-duplicated worker counts for a machine with `ncpu` logical cores.
    pub fn resolve(&self, ncpu: u32) -> Result<Vec<u32>, WorkersError> {
        let mut out = BTreeSet::new();
        match self {
            WorkersSpec::One(v) => {
                out.insert(check(*v)?);
            }
            WorkersSpec::Expr(s) => out.extend(parse_workers_expr(s, ncpu)?),
            WorkersSpec::List(items) => {
                if items.is_empty() {
                    return Err(WorkersError::NoCounts);
                }
                for item in items {
                    match item {
                        WorkersItem::Int(v) => {
                            out.insert(check(*v)?);
                        }
                        WorkersItem::Expr(s) => out.extend(parse_workers_expr(s, ncpu)?),
                    }
                }
            }
        }
        Ok(out.into_iter().collect())
    }
}

fn check(v: i64) -> Result<u32, WorkersError> {
    if (1..=MAX_WORKERS).contains(&v) {
        Ok(v as u32)
    } else {
        Err(WorkersError::OutOfRange(v))
    }
}

/// Parses `expr`, `a..=b`, `a..b`, optionally followed by `:step` (`:2` adds, `:*2` multiplies),
/// or a comma-separated list of those. Expressions use integers, `ncpu`, `+ - * /` and parentheses.
pub fn parse_workers_expr(text: &str, ncpu: u32) -> Result<Vec<u32>, WorkersError> {
    let mut out = Vec::new();
    for part in text.split(',') {
        out.extend(parse_item(part.trim(), ncpu).map_err(|e| WorkersError::In {
            text: text.to_string(),
            source: Box::new(e),
        })?);
    }
    if out.is_empty() {
        return Err(WorkersError::Empty(text.to_string()));
    }
    Ok(out)
}

fn parse_item(item: &str, ncpu: u32) -> Result<Vec<u32>, WorkersError> {
    let (range, step) = match item.split_once(':') {
        Some((r, s)) => (r.trim(), Some(s.trim())),
        None => (item, None),
    };
    let (lo, hi) = if let Some((a, b)) = range.split_once("..=") {
        (eval(a, ncpu)?, Some(eval(b, ncpu)?))
    } else if let Some((a, b)) = range.split_once("..") {
        (eval(a, ncpu)?, Some(eval(b, ncpu)? - 1))
    } else {
        if step.is_some() {
            return Err(WorkersError::StepWithoutRange);
        }
        (eval(range, ncpu)?, None)
    };
    let Some(hi) = hi else {
        return Ok(vec![check(lo)?]);
    };
    let lo_c = check(lo)?;
    if hi < lo {
        return Err(WorkersError::EmptyRange { lo, hi });
    }
    let hi_c = check(hi)?;
    let (multiply, by) = match step {
        None => (false, 1),
        Some(s) => match s.strip_prefix('*') {
            Some(m) => (true, eval(m, ncpu)?),
            None => (false, eval(s.trim_start_matches('+'), ncpu)?),
        },
    };
    if by < 1 || (multiply && by < 2) {
        return Err(WorkersError::StepNeverEnds(by));
    }
    let mut v = Vec::new();
    let mut cur = lo_c as i64;
    while cur <= hi_c as i64 {
        v.push(cur as u32);
        cur = if multiply { cur * by } else { cur + by };
    }
    Ok(v)
}

/// Evaluates an integer expression over `ncpu` (recursive descent).
fn eval(text: &str, ncpu: u32) -> Result<i64, WorkersError> {
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens: &tokens,
        pos: 0,
        ncpu: ncpu as i64,
    };
    let v = p.expr()?;
    if p.pos != tokens.len() {
        return Err(WorkersError::UnexpectedToken {
            token: tokens[p.pos].clone(),
            text: text.trim().to_string(),
        });
    }
    Ok(v)
}

fn tokenize(text: &str) -> Result<Vec<String>, WorkersError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if "+-*/()".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else {
            return Err(WorkersError::UnexpectedCharacter(c));
        }
    }
    if out.is_empty() {
        return Err(WorkersError::NoValue);
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: &'a [String],
    pos: usize,
    ncpu: i64,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn expr(&mut self) -> Result<i64, WorkersError> {
        let mut v = self.term()?;
        while let Some(op @ ("+" | "-")) = self.peek() {
            let add = op == "+";
            self.pos += 1;
            let r = self.term()?;
            v = if add {
                v.checked_add(r)
            } else {
                v.checked_sub(r)
            }
            .ok_or(WorkersError::Overflow)?;
        }
        Ok(v)
    }

    fn term(&mut self) -> Result<i64, WorkersError> {
        let mut v = self.atom()?;
        while let Some(op @ ("*" | "/")) = self.peek() {
            let mul = op == "*";
            self.pos += 1;
            let r = self.atom()?;
            v = if mul {
                v.checked_mul(r).ok_or(WorkersError::Overflow)?
            } else {
                if r == 0 {
                    return Err(WorkersError::DivisionByZero);
                }
                v / r
            };
        }
        Ok(v)
    }

    fn atom(&mut self) -> Result<i64, WorkersError> {
        let tok = self.peek().ok_or(WorkersError::MissingValue)?.to_string();
        self.pos += 1;
        match tok.as_str() {
            "ncpu" => Ok(self.ncpu),
            "(" => {
                let v = self.expr()?;
                if self.peek() != Some(")") {
                    return Err(WorkersError::MissingParenthesis);
                }
                self.pos += 1;
                Ok(v)
            }
            t if t.chars().all(|c| c.is_ascii_digit()) => {
                t.parse().map_err(|source| WorkersError::TooLarge {
                    text: t.to_string(),
                    source,
                })
            }
            t => Err(WorkersError::UnknownName(t.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_expressions() {
        assert_eq!(
            parse_workers_expr("1..=2*ncpu", 2).unwrap(),
            vec![1, 2, 3, 4]
        );
        assert_eq!(parse_workers_expr("1..ncpu", 4).unwrap(), vec![1, 2, 3]);
        assert_eq!(
            parse_workers_expr("1..=16:*2", 2).unwrap(),
            vec![1, 2, 4, 8, 16]
        );
        assert_eq!(parse_workers_expr("2..=8:3", 2).unwrap(), vec![2, 5, 8]);
        assert_eq!(
            parse_workers_expr("ncpu, (ncpu+2)/2", 6).unwrap(),
            vec![6, 4]
        );
    }

    #[test]
    fn errors_explain() {
        assert!(
            parse_workers_expr("1..=cores", 2)
                .unwrap_err()
                .to_string()
                .contains("unknown name `cores`")
        );
        assert!(
            parse_workers_expr("0..=2", 2)
                .unwrap_err()
                .to_string()
                .contains("out of range")
        );
        assert!(
            parse_workers_expr("3..=1", 2)
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert!(
            parse_workers_expr("1..=8:*1", 2)
                .unwrap_err()
                .to_string()
                .contains("never reach")
        );
        assert!(
            parse_workers_expr("ncpu/0", 2)
                .unwrap_err()
                .to_string()
                .contains("division by zero")
        );
        assert!(
            parse_workers_expr("2:4", 2)
                .unwrap_err()
                .to_string()
                .contains("needs a range")
        );
    }

    #[test]
    fn spec_resolves_sorted_unique() {
        let s = WorkersSpec::List(vec![
            WorkersItem::Int(4),
            WorkersItem::Expr("ncpu".into()),
            WorkersItem::Int(1),
        ]);
        assert_eq!(s.resolve(4).unwrap(), vec![1, 4]);
        assert!(WorkersSpec::One(0).resolve(2).is_err());
        assert!(WorkersSpec::List(vec![]).resolve(2).is_err());
    }
}
