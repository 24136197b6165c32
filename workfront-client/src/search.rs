//! A typed query builder for `{objCode}/search` and `{objCode}/count`.
//!
//! ```
//! use workfront_client::search::{Search, Modifier};
//!
//! let query = Search::new("user")
//!     .filter("emailAddr", Modifier::Cieq, "Jane@Example.com")
//!     .filter_in("isActive", ["true"])
//!     .fields(["ID", "emailAddr", "accessLevel:name"])
//!     .sort_asc("lastName");
//! let pairs = query.query_pairs();
//! assert!(pairs.contains(&("emailAddr_Mod".into(), "cieq".into())));
//! assert!(pairs.contains(&("fields".into(), "ID,emailAddr,accessLevel:name".into())));
//! ```

/// Filter modifiers (`{field}_Mod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// Equal (case-sensitive); the default when no `_Mod` is sent.
    Eq,
    /// Not equal.
    Ne,
    /// Equal, ignoring case.
    Cieq,
    /// Not equal, ignoring case.
    Cine,
    /// Contains (case-sensitive).
    Contains,
    /// Contains, ignoring case.
    Cicontains,
    /// Does not contain.
    Notcontains,
    /// SQL-like pattern with `%`.
    Like,
    /// `like`, ignoring case.
    Cilike,
    /// One of several values (repeat the field).
    In,
    /// None of several values.
    Notin,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
    /// Between the value and `{field}_Range`.
    Between,
    /// Null or absent.
    Isnull,
    /// Not null.
    Notnull,
}

impl Modifier {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::Eq => "eq",
            Modifier::Ne => "ne",
            Modifier::Cieq => "cieq",
            Modifier::Cine => "cine",
            Modifier::Contains => "contains",
            Modifier::Cicontains => "cicontains",
            Modifier::Notcontains => "notcontains",
            Modifier::Like => "like",
            Modifier::Cilike => "cilike",
            Modifier::In => "in",
            Modifier::Notin => "notin",
            Modifier::Gt => "gt",
            Modifier::Gte => "gte",
            Modifier::Lt => "lt",
            Modifier::Lte => "lte",
            Modifier::Between => "between",
            Modifier::Isnull => "isnull",
            Modifier::Notnull => "notnull",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        use Modifier::*;
        [
            Eq,
            Ne,
            Cieq,
            Cine,
            Contains,
            Cicontains,
            Notcontains,
            Like,
            Cilike,
            In,
            Notin,
            Gt,
            Gte,
            Lt,
            Lte,
            Between,
            Isnull,
            Notnull,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(text))
    }
}

/// One filter clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Field name, e.g. `emailAddr`.
    pub field: String,
    /// How to compare.
    pub modifier: Modifier,
    /// Values (several for `in` / `notin`, two for `between`).
    pub values: Vec<String>,
}

/// A search or count query.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Search {
    obj_code: String,
    filters: Vec<Filter>,
    fields: Vec<String>,
    sort: Vec<(String, bool)>,
}

impl Search {
    /// A query over `obj_code` (`user`, `group`, `accesslevel`, `role`, ...).
    pub fn new(obj_code: impl Into<String>) -> Self {
        Self {
            obj_code: obj_code.into(),
            filters: Vec::new(),
            fields: Vec::new(),
            sort: Vec::new(),
        }
    }

    /// The object code.
    pub fn obj_code(&self) -> &str {
        &self.obj_code
    }

    /// Adds `field <modifier> value`.
    pub fn filter(
        mut self,
        field: impl Into<String>,
        modifier: Modifier,
        value: impl Into<String>,
    ) -> Self {
        self.filters.push(Filter {
            field: field.into(),
            modifier,
            values: vec![value.into()],
        });
        self
    }

    /// Adds `field in (values...)`.
    pub fn filter_in<I, S>(mut self, field: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.filters.push(Filter {
            field: field.into(),
            modifier: Modifier::In,
            values: values.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Adds `low <= field <= high`.
    pub fn between(
        mut self,
        field: impl Into<String>,
        low: impl Into<String>,
        high: impl Into<String>,
    ) -> Self {
        self.filters.push(Filter {
            field: field.into(),
            modifier: Modifier::Between,
            values: vec![low.into(), high.into()],
        });
        self
    }

    /// Adds `field is null` (or `is not null` with `null = false`).
    pub fn null(mut self, field: impl Into<String>, null: bool) -> Self {
        self.filters.push(Filter {
            field: field.into(),
            modifier: if null {
                Modifier::Isnull
            } else {
                Modifier::Notnull
            },
            values: Vec::new(),
        });
        self
    }

    /// The fields to return (`accessLevel:name` style references work).
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields.extend(fields.into_iter().map(Into::into));
        self
    }

    /// Sorts ascending by `field` (after earlier sorts).
    pub fn sort_asc(mut self, field: impl Into<String>) -> Self {
        self.sort.push((field.into(), true));
        self
    }

    /// Sorts descending by `field`.
    pub fn sort_desc(mut self, field: impl Into<String>) -> Self {
        self.sort.push((field.into(), false));
        self
    }

    /// The query string pairs (without paging).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        for filter in &self.filters {
            let field = &filter.field;
            match filter.modifier {
                Modifier::Between => {
                    if let [low, high, ..] = filter.values.as_slice() {
                        pairs.push((field.clone(), low.clone()));
                        pairs.push((format!("{field}_Range"), high.clone()));
                    }
                }
                _ => {
                    for value in &filter.values {
                        pairs.push((field.clone(), value.clone()));
                    }
                }
            }
            if filter.modifier != Modifier::Eq {
                pairs.push((format!("{field}_Mod"), filter.modifier.as_str().to_owned()));
            }
        }
        for (i, (field, ascending)) in self.sort.iter().enumerate() {
            let key = if i == 0 {
                format!("{field}_Sort")
            } else {
                format!("{field}_{}_Sort", i + 1)
            };
            pairs.push((key, if *ascending { "asc" } else { "desc" }.to_owned()));
        }
        if !self.fields.is_empty() {
            pairs.push(("fields".into(), self.fields.join(",")));
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_modifier_round_trips() {
        for text in [
            "eq",
            "ne",
            "cieq",
            "cine",
            "contains",
            "cicontains",
            "notcontains",
            "like",
            "cilike",
            "in",
            "notin",
            "gt",
            "gte",
            "lt",
            "lte",
            "between",
            "isnull",
            "notnull",
        ] {
            assert_eq!(Modifier::parse(text).map(Modifier::as_str), Some(text));
        }
        assert_eq!(Modifier::parse("bogus"), None);
    }

    #[test]
    fn query_pairs_shape() {
        let pairs = Search::new("user")
            .filter("emailAddr", Modifier::Eq, "a@x.com")
            .filter_in("ID", ["1", "2"])
            .between("lastUpdateDate", "2024-01-01", "2024-02-01")
            .null("homeGroupID", true)
            .sort_desc("lastName")
            .sort_asc("firstName")
            .fields(["ID", "accessLevel:name"])
            .query_pairs();
        let expected: Vec<(String, String)> = [
            ("emailAddr", "a@x.com"),
            ("ID", "1"),
            ("ID", "2"),
            ("ID_Mod", "in"),
            ("lastUpdateDate", "2024-01-01"),
            ("lastUpdateDate_Range", "2024-02-01"),
            ("lastUpdateDate_Mod", "between"),
            ("homeGroupID_Mod", "isnull"),
            ("lastName_Sort", "desc"),
            ("firstName_2_Sort", "asc"),
            ("fields", "ID,accessLevel:name"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
        assert_eq!(pairs, expected);
    }
}
