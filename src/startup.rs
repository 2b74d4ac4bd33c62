//! Building the service: content loaded and checked, models trained, the HTTP server bound.

pub use crate::live::{LoadError, Services};

use std::net::SocketAddr;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::{App, HttpServer, dev::Server, http::header, middleware, web};
use anyhow::Context;

use crate::access::KeyRing;
use crate::api::{self, AppState, Gate};
use crate::conversations::{Conversations, TurnLimits};
use crate::domain::Clock;
use crate::handoff::{self, FollowUp, Outbox};
use crate::live::{self, LiveServices};
use crate::metrics::Metrics;
use crate::notices::NoticeBoard;
use crate::retention::AuditRetention;
use crate::settings::Settings;
use crate::store::{Database, EventNotifier};
use crate::surges::SurgeWatch;

/// Browser calls from other origins: only from the configured ones (the bank's pages that
/// embed the widget). A request from any other origin is still answered as usual but
/// without CORS headers, so the browser keeps the answer from that page; JSON bodies need
/// a preflight, which is refused, so such a page cannot send a message at all.
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::ACCEPT,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-conversation-token"),
            header::HeaderName::from_static("last-event-id"),
        ])
        .block_on_origin_mismatch(false)
        .max_age(3600)
}

/// Headers on every response: no MIME sniffing, no referrer leaking conversation URLs, no
/// framing of our pages by others, no powerful browser features. (HSTS belongs to the TLS
/// terminator in front.) Pages add their own Content-Security-Policy.
fn security_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ))
}

/// Where to listen: as configured, except that without API keys the API is open, so it is
/// kept to this machine (loopback, same port).
fn listen_address(configured: SocketAddr, keys: &KeyRing) -> SocketAddr {
    if !keys.is_empty() || configured.ip().is_loopback() {
        return configured;
    }
    let loopback = match configured {
        SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
        SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
    };
    SocketAddr::new(loopback, configured.port())
}

/// A bound, not yet running, HTTP server.
pub struct Application {
    server: Server,
    address: SocketAddr,
    follow_up: FollowUp<Database>,
    surges: SurgeWatch<Database>,
    retention: AuditRetention<Database>,
}

impl Application {
    /// Binds the listen address (port 0 picks a free port, which tests use).
    pub async fn build(settings: &Settings, services: Services) -> anyhow::Result<Application> {
        Application::build_with_clock(settings, services, Clock::system()).await
    }

    /// The same, telling time by `clock` (in the configured bank time zone): tests move it
    /// instead of sleeping.
    pub async fn build_with_clock(
        settings: &Settings,
        services: Services,
        clock: Clock,
    ) -> anyhow::Result<Application> {
        let clock = clock.in_zone(settings.bank_zone);
        let store = Database::open(settings.database_url.as_ref(), &settings.data_dir)
            .await
            .with_context(|| match &settings.database_url {
                Some(url) => format!("cannot open the store at {url:?}"),
                None => format!(
                    "cannot open the store under {}",
                    settings.data_dir.display()
                ),
            })?;
        tracing::info!(store = store.kind(), "store open");
        let store = Arc::new(store);
        let outbox = Outbox::new(settings.webhooks.clone());
        let metrics = Arc::new(Metrics::new());
        // Deliveries left over from a previous run (a crash, a restart) resume at once.
        handoff::spawn_workers(store.clone(), &outbox, settings.delivery, metrics.clone())
            .context("cannot build the webhook client")?;
        let live = Arc::new(
            LiveServices::new(services, settings.content_dir.clone())
                .with_model_cache(Arc::new(live::ModelFiles::in_data_dir(&settings.data_dir))),
        );
        if let Some(every) = settings.content_poll {
            live::spawn_watcher(live.clone(), every);
        }
        let limits = TurnLimits {
            max_turns_per_conversation: settings.limits.max_turns_per_conversation,
            max_concurrent_turns: settings.limits.max_concurrent_turns,
        };
        // Event streams are woken after each commit here, and with PostgreSQL also when
        // another instance announces events.
        let notifier = Arc::new(EventNotifier::default());
        store.listen(&notifier);
        // Promises falling due are followed up from every instance (the store keeps each
        // event to one).
        let follow_up = FollowUp::new(store.clone(), outbox.clone(), clock.clone());
        if let Some(every) = settings.commitments.poll() {
            follow_up.clone().spawn(every);
        }
        // Surges of an intent are watched from every instance (the store keeps one alert
        // open per intent and city).
        let surges = SurgeWatch::new(
            store.clone(),
            outbox.clone(),
            clock.clone(),
            settings.surges.rule().context("the [surges] table")?,
            live.clone(),
        );
        if let Some(every) = settings.surges.poll() {
            surges.clone().spawn(every);
        }
        // Audit records past their retention are deleted from every instance.
        let retention = AuditRetention::new(
            store.clone(),
            clock.clone(),
            metrics.clone(),
            settings.audit.retention_days,
        );
        if let Some(every) = settings.audit.poll() {
            retention.clone().spawn(every);
        }
        // Crisis notices: the files' with the content, the published ones read now and
        // then every few seconds (another instance may publish).
        let notices = Arc::new(NoticeBoard::new(store.clone(), live.clone(), clock.clone()));
        notices
            .refresh()
            .await
            .context("cannot read the published notices")?;
        if let Some(every) = settings.notices.poll() {
            notices.clone().spawn_refresh(every);
        }
        let conversations = Conversations::new(live.clone(), store.clone(), outbox, limits)
            .with_notices(notices.clone())
            .with_metrics(metrics.clone())
            .with_notifier(notifier)
            .with_clock(clock.clone())
            .with_due_soon_lead(settings.commitments.due_soon_working_hours);
        let keys = KeyRing::new(&settings.api_keys).context("the API keys")?;
        let addr = listen_address(settings.addr, &keys);
        if keys.is_empty() {
            tracing::warn!(
                "no API keys configured: the API is open without authentication, so it listens on loopback only ({addr}); add [[api_keys]] (frontline keys new) to serve other machines"
            );
        } else {
            tracing::info!(
                keys = settings.api_keys.len(),
                "API keys required on /v1 and /admin"
            );
        }
        let gate = web::Data::new(Gate::new(keys, settings.limits));
        let wechat = Arc::new(crate::wechat::Accounts::new(
            settings.wechat.clone(),
            reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .context("cannot build the WeChat API client")?,
        ));
        let state = web::Data::new(AppState {
            live,
            conversations: Arc::new(conversations),
            store,
            twilio_auth_token: settings.twilio_auth_token.clone(),
            public_url: settings.public_url.clone(),
            metrics,
            notices: Some(notices),
            wechat,
        });
        let origins = settings.cors_origins.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(gate.clone())
                .wrap(middleware::from_fn(api::guard))
                .wrap(cors(&origins))
                .wrap(security_headers())
                .wrap(middleware::from_fn(api::record_metrics))
                .wrap(middleware::NormalizePath::trim())
                .configure(api::configure)
        })
        .bind(addr)
        .with_context(|| format!("cannot listen on {addr}"))?;
        let address = server.addrs()[0];
        Ok(Application {
            server: server.run(),
            address,
            follow_up,
            surges,
            retention,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The commitments' follow-up of this instance: tests run a round with a moved clock.
    pub fn follow_up(&self) -> FollowUp<Database> {
        self.follow_up.clone()
    }

    /// The surge watch of this instance: tests run a round with a moved clock.
    pub fn surges(&self) -> SurgeWatch<Database> {
        self.surges.clone()
    }

    /// The audit retention of this instance: tests run a round with a moved clock.
    pub fn retention(&self) -> AuditRetention<Database> {
        self.retention.clone()
    }

    /// Serves until the process is asked to stop (SIGINT, SIGTERM); in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
