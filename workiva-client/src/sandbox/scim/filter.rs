//! SCIM filters (RFC 7644 §3.4.2.2): parsed into a tree, matched against a
//! resource.

use serde_json::Value;

/// A parsed filter expression.
pub(super) enum Filter {
    Compare {
        path: String,
        op: String,
        value: Value,
    },
    Present(String),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

/// Splits a filter into tokens, keeping quoted strings whole.
fn tokenize(text: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            if i >= chars.len() {
                return Err("unterminated string".into());
            }
            i += 1;
            tokens.push(chars[start..i].iter().collect());
        } else if c == '(' || c == ')' {
            tokens.push(c.to_string());
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '(' && chars[i] != ')'
            {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<String>,
    pos: usize,
}

impl Parser {
    fn next(&mut self) -> Option<String> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }
    fn peek_is(&self, word: &str) -> bool {
        self.tokens
            .get(self.pos)
            .is_some_and(|t| t.eq_ignore_ascii_case(word))
    }
    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek_is("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.term()?;
        while self.peek_is("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }
    fn term(&mut self) -> Result<Filter, String> {
        let first = self.next().ok_or("filter ends early")?;
        if first == "(" {
            let inner = self.or()?;
            return match self.next().as_deref() {
                Some(")") => Ok(inner),
                _ => Err("missing ')'".into()),
            };
        }
        let op = self.next().ok_or("missing operator")?.to_ascii_lowercase();
        if op == "pr" {
            return Ok(Filter::Present(first));
        }
        if !["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"].contains(&op.as_str()) {
            return Err(format!("unknown operator {op:?}"));
        }
        let raw = self.next().ok_or("missing value")?;
        let value: Value =
            serde_json::from_str(&raw).map_err(|_| format!("invalid value {raw}"))?;
        Ok(Filter::Compare {
            path: first,
            op,
            value,
        })
    }
}

pub(super) fn parse_filter(text: &str) -> Result<Filter, String> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        pos: 0,
    };
    let filter = parser.or()?;
    if parser.pos < parser.tokens.len() {
        return Err(format!("unexpected {:?}", parser.tokens[parser.pos]));
    }
    Ok(filter)
}

/// Values at an attribute path (case-insensitive names; multi-valued
/// attributes fan out).
fn values_at<'a>(resource: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![resource];
    for part in path.split('.') {
        let mut next = Vec::new();
        for value in current {
            let items: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for item in items {
                if let Some(map) = item.as_object()
                    && let Some((_, v)) = map.iter().find(|(k, _)| k.eq_ignore_ascii_case(part))
                {
                    next.push(v);
                }
            }
        }
        current = next;
    }
    current
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        })
        .collect()
}

pub(super) fn matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::And(a, b) => matches(a, resource) && matches(b, resource),
        Filter::Or(a, b) => matches(a, resource) || matches(b, resource),
        Filter::Present(path) => values_at(resource, path).iter().any(|v| !v.is_null()),
        Filter::Compare { path, op, value } => {
            let case_exact = path.eq_ignore_ascii_case("id");
            let norm = |v: &Value| match v {
                Value::String(s) if !case_exact => Value::String(s.to_lowercase()),
                other => other.clone(),
            };
            let wanted = norm(value);
            values_at(resource, path).into_iter().map(norm).any(|have| {
                match (op.as_str(), &have, &wanted) {
                    ("eq", a, b) => a == b,
                    ("ne", a, b) => a != b,
                    ("co", Value::String(a), Value::String(b)) => a.contains(b.as_str()),
                    ("sw", Value::String(a), Value::String(b)) => a.starts_with(b.as_str()),
                    ("ew", Value::String(a), Value::String(b)) => a.ends_with(b.as_str()),
                    ("gt", Value::String(a), Value::String(b)) => a > b,
                    ("ge", Value::String(a), Value::String(b)) => a >= b,
                    ("lt", Value::String(a), Value::String(b)) => a < b,
                    ("le", Value::String(a), Value::String(b)) => a <= b,
                    _ => false,
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn filters_parse_and_match() {
        let user = json!({"userName": "Jane@Example.com", "emails": [{"value": "jane@example.com"}], "active": true,
            "name": {"givenName": "Jane"}, "meta": {"lastModified": "2024-05-01T00:00:00.000Z"}});
        for (text, expected) in [
            (r#"userName eq "jane@example.com""#, true),
            (r#"emails.value eq "JANE@example.com""#, true),
            (r#"name.givenName sw "ja" and active eq true"#, true),
            (r#"userName eq "x" or emails pr"#, true),
            (r#"(userName eq "x") or (name.givenName co "zz")"#, false),
            (r#"meta.lastModified ge "2024-01-01T00:00:00Z""#, true),
        ] {
            let filter = parse_filter(text).unwrap();
            assert_eq!(matches(&filter, &user), expected, "{text}");
        }
        for bad in [
            "userName eq",
            "userName zz \"a\"",
            "userName eq \"open",
            "(userName eq \"a\"",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
    }
}
