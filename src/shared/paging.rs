//! Server-side pagination as the contract writes it: `?page&limit` in, `pagination` out.

use serde::{Deserialize, Serialize};

use super::errors::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pagination {
    pub page: u64,
    pub limit: u64,
    pub total: u64,
    pub pages: u64,
}

/// A page request, parsed: `page` from 1, `limit` from 1 to `MAX_LIMIT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub limit: u64,
}

impl PageRequest {
    pub const MAX_LIMIT: u64 = 100;

    pub fn parse(
        page: Option<&str>,
        limit: Option<&str>,
        default_limit: u64,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut number = |field: &str, raw: Option<&str>, default: u64, max: u64| match raw.map(str::trim) {
            None | Some("") => default,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new(
                        field,
                        format!("{field} must be a whole number from 1 to {max}"),
                    ));
                    default
                }
            },
        };
        let page = number("page", page, 1, u64::MAX / 1024);
        let limit = number("limit", limit, default_limit, Self::MAX_LIMIT);
        if errors.is_empty() {
            Ok(Self { page, limit })
        } else {
            Err(errors)
        }
    }

    pub fn offset(self) -> u64 {
        (self.page - 1).saturating_mul(self.limit)
    }

    pub fn of(self, total: u64) -> Pagination {
        Pagination {
            page: self.page,
            limit: self.limit,
            total,
            pages: total.div_ceil(self.limit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bounds_and_page_count() {
        assert_eq!(
            PageRequest::parse(None, None, 10).unwrap(),
            PageRequest { page: 1, limit: 10 }
        );
        let p = PageRequest::parse(Some("3"), Some("20"), 10).unwrap();
        assert_eq!((p.offset(), p.of(41).pages), (40, 3));
        assert_eq!(
            PageRequest::parse(Some("0"), Some("500"), 10).unwrap_err().len(),
            2
        );
        assert_eq!(
            PageRequest::parse(Some("x"), None, 10).unwrap_err()[0].field,
            "page"
        );
        assert_eq!(PageRequest::parse(None, None, 10).unwrap().of(0).pages, 0);
    }
}
