//! A short fingerprint of the content in service, so operators can tell which version a
//! running instance holds (`/readyz`, later `/admin/content`).

use std::fmt;
use std::path::Path;

use serde::Serialize;

/// 64-bit FNV-1a over every file's path and text, in hex. Not cryptographic: it tells
/// versions apart, it does not authenticate them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ContentVersion(String);

impl ContentVersion {
    pub fn builder() -> VersionBuilder {
        VersionBuilder(FNV_OFFSET)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContentVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Accumulates files in the order they are read (which is sorted, so stable).
pub struct VersionBuilder(u64);

impl VersionBuilder {
    pub fn add(&mut self, path: &Path, text: &str) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        for byte in name.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
    }

    pub fn finish(self) -> ContentVersion {
        ContentVersion(format!("{:016x}", self.0))
    }
}
