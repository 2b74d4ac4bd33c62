//! Building the service: content loaded and checked, models trained, the HTTP server bound.

pub use crate::live::{LoadError, Services};

use std::net::SocketAddr;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::{App, HttpServer, dev::Server, http::header, middleware, web};
use anyhow::Context;

use crate::api::{self, AppState};
use crate::conversations::Conversations;
use crate::handoff::{self, Outbox};
use crate::live::{self, LiveServices};
use crate::settings::Settings;
use crate::store::SqliteStore;

/// Browser calls from other origins: only from the configured ones (the bank's pages that
/// embed the widget). A request from any other origin is still answered as usual but
/// without CORS headers, so the browser keeps the answer from that page; JSON bodies need
/// a preflight, which is refused, so such a page cannot send a message at all.
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST"])
        .allowed_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .block_on_origin_mismatch(false)
        .max_age(3600)
}

/// A bound, not yet running, HTTP server.
pub struct Application {
    server: Server,
    address: SocketAddr,
}

impl Application {
    /// Binds the listen address (port 0 picks a free port, which tests use).
    pub async fn build(settings: &Settings, services: Services) -> anyhow::Result<Application> {
        let store = SqliteStore::open(&settings.data_dir)
            .await
            .with_context(|| {
                format!(
                    "cannot open the store under {}",
                    settings.data_dir.display()
                )
            })?;
        let store = Arc::new(store);
        let outbox = Outbox::new(settings.webhooks.clone());
        // Deliveries left over from a previous run (a crash, a restart) resume at once.
        handoff::spawn_workers(store.clone(), &outbox, settings.delivery)
            .context("cannot build the webhook client")?;
        let live = Arc::new(LiveServices::new(services, settings.content_dir.clone()));
        if let Some(every) = settings.content_poll {
            live::spawn_watcher(live.clone(), every);
        }
        let conversations = Conversations::new(live.clone(), store, outbox);
        let state = web::Data::new(AppState {
            live,
            conversations: Arc::new(conversations),
            twilio_auth_token: settings.twilio_auth_token.clone(),
            public_url: settings.public_url.clone(),
        });
        let origins = settings.cors_origins.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(cors(&origins))
                .wrap(middleware::NormalizePath::trim())
                .configure(api::configure)
        })
        .bind(settings.addr)
        .with_context(|| format!("cannot listen on {}", settings.addr))?;
        let address = server.addrs()[0];
        Ok(Application {
            server: server.run(),
            address,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until the process is asked to stop (SIGINT, SIGTERM); in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
