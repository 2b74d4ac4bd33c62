//! Paging of list endpoints: `page` (1-based) and `per_page`, checked the same way
//! everywhere. Stores return one row more than asked, which tells whether a next page exists.

use super::ApiError;

/// Page size when the client does not say, and the most it may ask for.
const DEFAULT_PER_PAGE: u32 = 50;
const MAX_PER_PAGE: u32 = 200;

/// A checked page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

impl Paging {
    pub fn check(page: Option<u32>, per_page: Option<u32>) -> Result<Paging, ApiError> {
        let page = page.unwrap_or(1);
        if page == 0 {
            return Err(ApiError::InvalidField("page starts at 1".into()));
        }
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::InvalidField(format!(
                "per_page must be between 1 and {MAX_PER_PAGE}"
            )));
        }
        Ok(Paging { page, per_page })
    }

    /// Cuts the extra row off `rows` and says which page comes next, if any.
    pub fn finish<T>(&self, rows: &mut Vec<T>) -> Option<u32> {
        let more = rows.len() > self.per_page as usize;
        rows.truncate(self.per_page as usize);
        more.then_some(self.page + 1)
    }
}

/// A list's `status` filter: absent or `all` means every status; anything else must be one
/// of the list's statuses, and the error names them (`choices`, e.g. `open, fulfilled`).
pub fn status_filter<S: std::str::FromStr>(
    raw: Option<&str>,
    choices: &str,
) -> Result<Option<S>, ApiError> {
    match raw {
        None | Some("all") => Ok(None),
        Some(other) => other.parse().map(Some).map_err(|_| {
            ApiError::InvalidField(format!("status `{other}`: expected {choices} or all"))
        }),
    }
}
