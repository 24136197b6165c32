//! Listing users: the query and its pages.

use crate::error::Result;
use crate::time::Timestamp;

/// Filters for listing users; the default lists everyone.
///
/// ```
/// use identity_core::UserQuery;
///
/// let jane = UserQuery::default().with_email("jane@example.com");
/// let changed = UserQuery::default().with_updated_since("2024-06-01T00:00:00Z".parse().unwrap());
/// assert!(jane.updated_since.is_none() && changed.email.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserQuery {
    /// Only users with this email (case-insensitive).
    pub email: Option<String>,
    /// Only users changed at or after this instant, for polling.
    pub updated_since: Option<Timestamp>,
}

impl UserQuery {
    /// Only the user with this email (ignoring case).
    #[must_use]
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Only users changed at or after `since`, for polling.
    #[must_use]
    pub fn with_updated_since(mut self, since: Timestamp) -> Self {
        self.updated_since = Some(since);
        self
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in server order.
    pub items: Vec<T>,
    /// The total the server announced, if it did.
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// The same page with every item converted.
    ///
    /// ```
    /// use identity_core::Page;
    /// let page = Page { items: vec![1, 2], total: Some(7) };
    /// assert_eq!(page.map(|n| n * 10), Page { items: vec![10, 20], total: Some(7) });
    /// ```
    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(convert).collect(),
            total: self.total,
        }
    }

    /// The same page with every item converted by a fallible conversion; the
    /// first failure is the result.
    pub fn try_map<U>(self, convert: impl FnMut(T) -> Result<U>) -> Result<Page<U>> {
        Ok(Page {
            items: self.items.into_iter().map(convert).collect::<Result<_>>()?,
            total: self.total,
        })
    }
}
