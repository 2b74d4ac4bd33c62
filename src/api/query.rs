//! Query strings of the list and report endpoints, parsed into their parameter types with
//! the API's error for anything malformed.

use actix_web::{HttpRequest, web};
use serde::de::DeserializeOwned;

use super::ApiError;

/// The request's query string as `T`, or a 400 that names what is wrong.
pub fn parse_query<T: DeserializeOwned>(request: &HttpRequest) -> Result<T, ApiError> {
    web::Query::<T>::from_query(request.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::InvalidField(e.to_string()))
}
