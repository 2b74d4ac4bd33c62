//! Trained models kept in the data dir (`<data-dir>/models/`), one file per model, so that
//! a restart with unchanged content is ready in a second instead of training again.
//!
//! A file starts with one line, `frontline-model <model version> <content version>
//! <SHA-256 of the rest>`, and the rest is the model as JSON. A file is used only when the
//! line names the model version of this code and the content in service, and the rest has
//! that checksum; then [`crate::nlu::IntentModel::restore`] checks the model itself. A
//! file that fails any check is trained over, never trusted. Files are written whole and
//! renamed into place, so a crash mid-write leaves the old file or none.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::nlu::{ModelCache, ModelKey, ModelSnapshot};

const MAGIC: &str = "frontline-model";

/// The models folder of a data dir.
pub struct ModelFiles {
    dir: PathBuf,
}

impl ModelFiles {
    pub fn in_data_dir(data_dir: &Path) -> ModelFiles {
        ModelFiles {
            dir: data_dir.join("models"),
        }
    }

    fn path(&self, key: &ModelKey) -> PathBuf {
        self.dir.join(format!("{key}.model"))
    }

    fn read(&self, key: &ModelKey) -> Result<ModelSnapshot, String> {
        let bytes = std::fs::read(self.path(key)).map_err(|e| e.to_string())?;
        let split = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("no header line")?;
        let (header, body) = (&bytes[..split], &bytes[split + 1..]);
        let header = std::str::from_utf8(header).map_err(|_| "the header is not text")?;
        let expected = format!("{MAGIC} {} {} ", key.model_version, key.content_version);
        let Some(checksum) = header.strip_prefix(&expected) else {
            return Err("it is of other content or another model version".into());
        };
        if checksum != format!("{:x}", Sha256::digest(body)) {
            return Err("its checksum does not match: the file is damaged".into());
        }
        serde_json::from_slice(body).map_err(|e| format!("it does not parse: {e}"))
    }

    fn write(&self, key: &ModelKey, snapshot: &ModelSnapshot) -> std::io::Result<()> {
        let body = serde_json::to_vec(snapshot).map_err(std::io::Error::other)?;
        let header = format!(
            "{MAGIC} {} {} {:x}\n",
            key.model_version,
            key.content_version,
            Sha256::digest(&body)
        );
        std::fs::create_dir_all(&self.dir)?;
        let path = self.path(key);
        let partial = path.with_extension(format!("partial-{}", std::process::id()));
        let mut file = std::fs::File::create(&partial)?;
        file.write_all(header.as_bytes())?;
        file.write_all(&body)?;
        file.sync_all()?;
        std::fs::rename(&partial, &path)
    }
}

impl ModelCache for ModelFiles {
    fn get(&self, key: &ModelKey) -> Option<ModelSnapshot> {
        match self.read(key) {
            Ok(snapshot) => Some(snapshot),
            Err(why) => {
                let path = self.path(key);
                if path.exists() {
                    tracing::warn!(file = %path.display(), %why, "saved model not used");
                }
                None
            }
        }
    }

    fn put(&self, key: &ModelKey, snapshot: &ModelSnapshot) {
        if let Err(e) = self.write(key, snapshot) {
            // Not fatal: the model serves from memory; the next start trains again.
            tracing::warn!(dir = %self.dir.display(), error = %e, "could not save the model");
        }
    }
}
