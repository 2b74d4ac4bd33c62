//! Trained models kept in the data dir (`<data-dir>/models/`), one file per model, so that
//! a restart with unchanged content is ready in a second instead of training again.
//!
//! A file starts with one line, `frontline-model <model version> <content version>
//! <SHA-256 of the rest>`, and the rest is the model as JSON. A file is used only when the
//! line names the model version of this code and the content in service, and the rest has
//! that checksum; then [`crate::nlu::IntentModel::restore`] checks the model itself. A
//! file that fails any check is trained over, never trusted. Files are written whole and
//! renamed into place, so a crash mid-write leaves the old file or none.

use std::io::{BufRead, BufReader, Read, Write};
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

    /// Reads a model, checking the checksum as the bytes stream through the parser: the
    /// file is never held whole in memory (it is megabytes, and memory freed at start-up
    /// stays resident). The snapshot is returned only once the checksum matched.
    fn read(&self, key: &ModelKey) -> Result<ModelSnapshot, String> {
        let file = std::fs::File::open(self.path(key)).map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(file);
        let mut header = String::new();
        reader
            .read_line(&mut header)
            .map_err(|_| "the header is not text")?;
        let expected = format!("{MAGIC} {} {} ", key.model_version, key.content_version);
        let Some(checksum) = header.trim_end_matches('\n').strip_prefix(&expected) else {
            return Err("it is of other content or another model version".into());
        };
        let mut body = Checksummed {
            inner: reader,
            hasher: Sha256::new(),
        };
        let parsed: Result<ModelSnapshot, _> = serde_json::from_reader(&mut body);
        if checksum != format!("{:x}", body.hasher.finalize()) {
            return Err("its checksum does not match: the file is damaged".into());
        }
        parsed.map_err(|e| format!("it does not parse: {e}"))
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

/// A reader that hashes what is read through it.
struct Checksummed<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Checksummed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
