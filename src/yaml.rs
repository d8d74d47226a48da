//! Every call into the YAML library lives here, so that `serde_yaml` (deprecated
//! upstream) can be swapped for another parser in one place.
//!
//! YAML documents are turned into `serde_json::Value`, the one tree type the rest of
//! feedwright reads front matter and config from.

use serde_json::{Map, Number, Value};

/// A YAML syntax error, with the 1-based line and column inside the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// Parses one YAML document into a JSON-like tree. Mapping keys that are not strings
/// (numbers, booleans, dates) become their text; tagged values lose their tag.
pub fn parse(text: &str) -> Result<Value, YamlError> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let loc = e.location();
        // serde_yaml appends " at line N column M" to its message; the place is
        // reported separately, so keep only the description.
        let mut message = e.to_string();
        if let Some(i) = message.find(" at line ") {
            message.truncate(i);
        }
        YamlError {
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message,
        }
    })?;
    Ok(to_json(value))
}

fn to_json(value: serde_yaml::Value) -> Value {
    match value {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                n.as_f64()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect())
        }
        serde_yaml::Value::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match to_json(k) {
                    Value::String(s) => s,
                    Value::Null => "null".to_string(),
                    other => other.to_string(),
                };
                out.insert(key, to_json(v));
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(tagged) => to_json(tagged.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_has_line_inside_document() {
        let err = parse("title: a\ntags: [x\nfoo: bar\n").unwrap_err();
        assert!(err.line.is_some());
    }

    #[test]
    fn non_string_keys_become_text() {
        let v = parse("2019: a\ntrue: b\n").unwrap();
        assert_eq!(v["2019"], "a");
        assert_eq!(v["true"], "b");
    }
}
