//! Which scope each endpoint needs. One table, so a new endpoint is either listed here or
//! closed: anything under `/v1/` or `/admin/` that the table does not know needs the admin
//! scope. `/metrics` is outside `/v1` but counts what customers ask about: it needs a key
//! too (Prometheus sends it as a bearer token).

use super::Scope;

/// What a request to a path needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Pages, the widget script, health checks and the API description.
    Public,
    /// A key with this scope.
    Key(Scope),
    /// Authenticated by the caller's own scheme (the Twilio signature).
    OwnSignature,
}

/// The access rule for `path` (already normalised: no trailing slash).
pub fn access_for(path: &str) -> Access {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v1", "parse"] => Access::Key(Scope::Parse),
        ["v1", "conversations", ..] => Access::Key(Scope::Conversations),
        ["v1", "ivr", "twilio"] => Access::OwnSignature,
        ["v1", "ivr", ..] => Access::Key(Scope::Ivr),
        ["v1", "handoffs", ..] => Access::Key(Scope::Handoffs),
        ["v1", "analytics"] => Access::Key(Scope::Analytics),
        ["metrics"] => Access::Key(Scope::Metrics),
        ["v1" | "admin", ..] => Access::Key(Scope::Admin),
        _ => Access::Public,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_path_needs_its_scope_and_unknown_ones_need_admin() {
        assert_eq!(access_for("/v1/parse"), Access::Key(Scope::Parse));
        assert_eq!(
            access_for("/v1/conversations/abc/messages"),
            Access::Key(Scope::Conversations)
        );
        assert_eq!(
            access_for("/v1/handoffs/h-1/ack"),
            Access::Key(Scope::Handoffs)
        );
        assert_eq!(access_for("/v1/ivr/vxml"), Access::Key(Scope::Ivr));
        assert_eq!(access_for("/v1/ivr/twilio"), Access::OwnSignature);
        assert_eq!(access_for("/admin/reload"), Access::Key(Scope::Admin));
        assert_eq!(access_for("/v1/analytics"), Access::Key(Scope::Analytics));
        assert_eq!(access_for("/v1/analytics/extra"), Access::Key(Scope::Admin));
        assert_eq!(access_for("/metrics"), Access::Key(Scope::Metrics));
        assert_eq!(access_for("/analytics"), Access::Public);
        assert_eq!(access_for("/widget.js"), Access::Public);
        assert_eq!(access_for("/readyz"), Access::Public);
        assert_eq!(access_for("/openapi.json"), Access::Public);
    }
}
