//! Pages the binary serves itself: the agent console (`/agent`), the managers' analytics
//! (`/analytics`), the script and stylesheet those two share (`/console/common.js`,
//! `/console/common.css`), the chat widget
//! (`/widget.js`, `/widget.css`) and the demo bank page that embeds it (`/`). Plain files compiled into
//! the binary, so the README's run command serves them on a fresh machine with no build
//! step; a strict Content-Security-Policy keeps them to their own scripts and this API.

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};

const CONSOLE_COMMON_CSS: &str = include_str!("../../static/console/common.css");
const CONSOLE_COMMON_JS: &str = include_str!("../../static/console/common.js");
const AGENT_HTML: &str = include_str!("../../static/agent/index.html");
const AGENT_CSS: &str = include_str!("../../static/agent/agent.css");
const AGENT_JS: &str = include_str!("../../static/agent/agent.js");
const ANALYTICS_HTML: &str = include_str!("../../static/analytics/index.html");
const ANALYTICS_CSS: &str = include_str!("../../static/analytics/analytics.css");
const ANALYTICS_JS: &str = include_str!("../../static/analytics/analytics.js");
const WIDGET_JS: &str = include_str!("../../static/widget/widget.js");
const WIDGET_CSS: &str = include_str!("../../static/widget/widget.css");
const DEMO_HTML: &str = include_str!("../../static/demo/index.html");
const DEMO_CSS: &str = include_str!("../../static/demo/demo.css");

/// Own scripts, styles and API only; never framed by another site.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'";

fn file(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((CONTENT_SECURITY_POLICY, PAGE_POLICY))
        .insert_header((X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Small files; a new release must show at once.
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(body)
}

pub async fn console_css() -> HttpResponse {
    file("text/css; charset=utf-8", CONSOLE_COMMON_CSS)
}

pub async fn console_js() -> HttpResponse {
    file("text/javascript; charset=utf-8", CONSOLE_COMMON_JS)
}

pub async fn agent_console() -> HttpResponse {
    file("text/html; charset=utf-8", AGENT_HTML)
}

pub async fn analytics_page() -> HttpResponse {
    file("text/html; charset=utf-8", ANALYTICS_HTML)
}

pub async fn analytics_css() -> HttpResponse {
    file("text/css; charset=utf-8", ANALYTICS_CSS)
}

pub async fn analytics_js() -> HttpResponse {
    file("text/javascript; charset=utf-8", ANALYTICS_JS)
}

pub async fn agent_css() -> HttpResponse {
    file("text/css; charset=utf-8", AGENT_CSS)
}

pub async fn agent_js() -> HttpResponse {
    file("text/javascript; charset=utf-8", AGENT_JS)
}

pub async fn widget_js() -> HttpResponse {
    file("text/javascript; charset=utf-8", WIDGET_JS)
}

pub async fn widget_css() -> HttpResponse {
    file("text/css; charset=utf-8", WIDGET_CSS)
}

pub async fn demo_page() -> HttpResponse {
    file("text/html; charset=utf-8", DEMO_HTML)
}

pub async fn demo_css() -> HttpResponse {
    file("text/css; charset=utf-8", DEMO_CSS)
}
