//! The content in service, and changing it without a restart. [`Services`] is one
//! consistent snapshot (the content, the models trained on it, the reply composer);
//! [`LiveServices`] holds the current one behind an atomic pointer. A turn takes the
//! snapshot once and finishes on it, so a reload never changes content under a request in
//! flight; new requests see the new snapshot. A reload that fails (a broken file) changes
//! nothing: the last good content keeps serving.

mod model_files;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};

use crate::content::{Catalog, ContentError, ContentErrors};
use crate::nlu::{ModelCache, NoModelCache, Understanding};
use crate::reply::Composer;

pub use model_files::ModelFiles;
pub use watch::spawn_watcher;

/// Loaded content and what was trained and compiled from it.
#[derive(Clone)]
pub struct Services {
    pub catalog: Arc<Catalog>,
    pub understanding: Arc<Understanding>,
    pub composer: Arc<Composer>,
}

/// Why content could not be loaded.
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
        Self::load_cached(content_dir, &NoModelCache)
    }

    /// Loads the content under `content_dir`, and the models from `models` where it
    /// holds them for this content (training the others).
    pub fn load_cached(content_dir: &Path, models: &dyn ModelCache) -> Result<Services, LoadError> {
        let started = Instant::now();
        let catalog = Catalog::load(content_dir)?;
        let loaded = started.elapsed();
        let understanding = Understanding::train_cached(&catalog, models)?;
        let composer = Composer::new(&catalog);
        crate::memory::return_freed_memory();
        tracing::info!(
            version = %catalog.version(),
            load_ms = loaded.as_millis() as u64,
            models_ms = (started.elapsed() - loaded).as_millis() as u64,
            "content loaded and models ready"
        );
        Ok(Services {
            catalog: Arc::new(catalog),
            understanding: Arc::new(understanding),
            composer: Arc::new(composer),
        })
    }
}

/// What the last reload attempt came to.
#[derive(Clone, Debug)]
pub struct ReloadOutcome {
    pub at: DateTime<Utc>,
    /// The version in service after the attempt.
    pub version: String,
    /// Whether the attempt changed the content in service.
    pub changed: bool,
    /// The problems that made the attempt fail; empty if it succeeded.
    pub errors: Vec<ContentError>,
}

impl ReloadOutcome {
    pub fn succeeded(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The content in service, swappable at run time.
pub struct LiveServices {
    current: ArcSwap<Services>,
    content_dir: PathBuf,
    loaded_at: Mutex<DateTime<Utc>>,
    last_reload: Mutex<Option<ReloadOutcome>>,
    /// One reload at a time: two would train twice and race to swap.
    reloading: tokio::sync::Mutex<()>,
    /// Where reloads keep and find trained models.
    models: Arc<dyn ModelCache>,
}

impl LiveServices {
    pub fn new(services: Services, content_dir: PathBuf) -> LiveServices {
        LiveServices {
            current: ArcSwap::from_pointee(services),
            content_dir,
            loaded_at: Mutex::new(Utc::now()),
            last_reload: Mutex::new(None),
            reloading: tokio::sync::Mutex::new(()),
            models: Arc::new(NoModelCache),
        }
    }

    /// Reloads keep their trained models in `models` (and find them there).
    pub fn with_model_cache(mut self, models: Arc<dyn ModelCache>) -> LiveServices {
        self.models = models;
        self
    }

    /// The snapshot to serve one request with, start to finish.
    pub fn current(&self) -> Arc<Services> {
        self.current.load_full()
    }

    pub fn content_dir(&self) -> &Path {
        &self.content_dir
    }

    pub fn loaded_at(&self) -> DateTime<Utc> {
        *self.loaded_at.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn last_reload(&self) -> Option<ReloadOutcome> {
        self.last_reload
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Loads, checks and trains the content from disk (off the async threads) and swaps it
    /// in if it is good; if not, keeps serving what was there and reports why.
    pub async fn reload(&self) -> ReloadOutcome {
        let _one_at_a_time = self.reloading.lock().await;
        let dir = self.content_dir.clone();
        let models = Arc::clone(&self.models);
        let loaded =
            tokio::task::spawn_blocking(move || Services::load_cached(&dir, models.as_ref())).await;
        let before = self.current().catalog.version().as_str().to_string();
        let outcome = match loaded {
            Ok(Ok(services)) => {
                let version = services.catalog.version().as_str().to_string();
                let changed = version != before;
                if changed {
                    self.current.store(Arc::new(services));
                    *self.loaded_at.lock().unwrap_or_else(|e| e.into_inner()) = Utc::now();
                    tracing::info!(from = %before, to = %version, "content reloaded");
                }
                ReloadOutcome {
                    at: Utc::now(),
                    version,
                    changed,
                    errors: Vec::new(),
                }
            }
            Ok(Err(error)) => {
                let errors = match error {
                    LoadError::Content(errors) => errors.0,
                    LoadError::Training(e) => {
                        vec![ContentError::new(&self.content_dir, 1, e.to_string())]
                    }
                };
                for error in &errors {
                    tracing::error!(%error, "content reload rejected");
                }
                tracing::warn!(version = %before, "still serving the last good content");
                ReloadOutcome {
                    at: Utc::now(),
                    version: before,
                    changed: false,
                    errors,
                }
            }
            Err(panicked) => ReloadOutcome {
                at: Utc::now(),
                version: before,
                changed: false,
                errors: vec![ContentError::new(
                    &self.content_dir,
                    1,
                    format!("loading stopped unexpectedly: {panicked}"),
                )],
            },
        };
        *self.last_reload.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome.clone());
        outcome
    }
}
