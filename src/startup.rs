//! Building the service: content loaded and checked, models trained, the HTTP server bound.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use actix_web::{App, HttpServer, dev::Server, middleware, web};
use anyhow::Context;

use crate::api::{self, AppState};
use crate::content::{Catalog, ContentErrors};
use crate::conversations::Conversations;
use crate::handoff::{self, Outbox};
use crate::nlu::Understanding;
use crate::settings::Settings;
use crate::store::SqliteStore;

/// Loaded content and what was trained on it.
#[derive(Clone)]
pub struct Services {
    pub catalog: Arc<Catalog>,
    pub understanding: Arc<Understanding>,
}

/// Why the service could not start from its content.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Content(#[from] ContentErrors),
    #[error("training failed: {0}")]
    Training(#[from] crate::nlu::TrainError),
}

impl Services {
    /// Loads the content under `content_dir` and trains the models.
    pub fn load(content_dir: &Path) -> Result<Services, LoadError> {
        let started = Instant::now();
        let catalog = Catalog::load(content_dir)?;
        let loaded = started.elapsed();
        let understanding = Understanding::train(&catalog)?;
        tracing::info!(
            version = %catalog.version(),
            load_ms = loaded.as_millis() as u64,
            train_ms = (started.elapsed() - loaded).as_millis() as u64,
            "content loaded and models trained"
        );
        Ok(Services {
            catalog: Arc::new(catalog),
            understanding: Arc::new(understanding),
        })
    }
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
        let conversations = Conversations::new(
            services.catalog.clone(),
            services.understanding.clone(),
            store,
            outbox,
        );
        let state = web::Data::new(AppState {
            catalog: services.catalog,
            understanding: services.understanding,
            conversations: Arc::new(conversations),
            twilio_auth_token: settings.twilio_auth_token.clone(),
            public_url: settings.public_url.clone(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
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
