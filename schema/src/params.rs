//! Workload parameter values (`work-group-size = 64`), as the config sets them and every point
//! stores them: one value, or in a config a list of values to sweep over.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A scalar workload parameter value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => write!(f, "{x}"),
            ParamValue::Str(s) => f.write_str(s),
        }
    }
}

/// A parameter as written: one value, or a list of values to sweep over.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamSetting {
    /// One value.
    One(ParamValue),
    /// A list of values to sweep over, one point each.
    Sweep(Vec<ParamValue>),
}

/// Reads a [`ParamValue`], or with `sweep` also a list of them (a [`ParamSetting`]); errors say
/// what a parameter may be instead of naming serde's untagged enums.
struct ParamVisitor {
    sweep: bool,
}

impl<'de> serde::de::Visitor<'de> for ParamVisitor {
    type Value = ParamSetting;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sweep {
            f.write_str(
                "a parameter value (true/false, a number or a string) or a list of them to sweep",
            )
        } else {
            f.write_str("a parameter value: true/false, a number or a string")
        }
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<ParamSetting, E> {
        Ok(ParamSetting::One(ParamValue::Bool(v)))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ParamSetting, E> {
        Ok(ParamSetting::One(ParamValue::Int(v)))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ParamSetting, E> {
        Ok(ParamSetting::One(match i64::try_from(v) {
            Ok(i) => ParamValue::Int(i),
            Err(_) => ParamValue::Float(v as f64),
        }))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ParamSetting, E> {
        Ok(ParamSetting::One(ParamValue::Float(v)))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ParamSetting, E> {
        Ok(ParamSetting::One(ParamValue::Str(v.to_string())))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<ParamSetting, A::Error> {
        if !self.sweep {
            return Err(serde::de::Error::invalid_type(
                serde::de::Unexpected::Seq,
                &self,
            ));
        }
        let mut values = Vec::new();
        while let Some(v) = seq.next_element::<ParamValue>()? {
            values.push(v);
        }
        Ok(ParamSetting::Sweep(values))
    }
}

impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(ParamVisitor { sweep: false })? {
            ParamSetting::One(v) => Ok(v),
            ParamSetting::Sweep(_) => unreachable!("refused by the visitor"),
        }
    }
}

impl<'de> Deserialize<'de> for ParamSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ParamVisitor { sweep: true })
    }
}

impl ParamSetting {
    /// The values the setting stands for: one, or every value of the sweep.
    pub fn values(&self) -> Vec<ParamValue> {
        match self {
            ParamSetting::One(v) => vec![v.clone()],
            ParamSetting::Sweep(v) => v.clone(),
        }
    }
}
