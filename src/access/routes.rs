//! What a request to a path needs. Each endpoint states its own rule in the API's route
//! table; this module holds the vocabulary and the rule for everything else: a path the
//! table does not know is closed under `/v1/` and `/admin/` (the admin scope, so that a
//! probe learns nothing) and public elsewhere (it ends in a 404).

use super::Scope;

/// What a request to a path needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Pages, the widget script, health checks and the API description.
    Public,
    /// A key with this scope.
    Key(Scope),
    /// A key with this scope; a *public* key (one bound to origins) may also come as
    /// `?key=`, for `EventSource`, which cannot set headers. A server-side key in a URL is
    /// refused: URLs end up in logs.
    KeyOrPublicInQuery(Scope),
    /// Authenticated by the caller's own scheme (the Twilio signature).
    OwnSignature,
}

/// The access rule for a path no route matched.
pub fn access_for_unrouted(path: &str) -> Access {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v1" | "admin", ..] => Access::Key(Scope::Admin),
        _ => Access::Public,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_api_paths_need_admin_and_others_are_public() {
        assert_eq!(
            access_for_unrouted("/v1/analytics/extra"),
            Access::Key(Scope::Admin)
        );
        assert_eq!(access_for_unrouted("/admin/x"), Access::Key(Scope::Admin));
        assert_eq!(access_for_unrouted("/nothing"), Access::Public);
    }
}
