//! TF-IDF: turns hashed feature counts into L2-normalised sparse vectors over the
//! vocabulary seen in training. Features never seen in training carry no weight.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::features::Feature;

/// A sparse vector, indices ascending.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SparseVector {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseVector {
    pub fn dot(&self, dense: &[f32]) -> f32 {
        self.indices
            .iter()
            .zip(&self.values)
            .map(|(&i, &v)| dense[i as usize] * v)
            .sum()
    }

    pub fn add_scaled_to(&self, dense: &mut [f32], scale: f32) {
        for (&i, &v) in self.indices.iter().zip(&self.values) {
            dense[i as usize] += scale * v;
        }
    }

    pub fn squared_norm(&self) -> f32 {
        self.values.iter().map(|v| v * v).sum()
    }
}

/// Feature keys are already well-mixed 64-bit hashes: hashing them again is wasted work.
#[derive(Default)]
pub struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

type FeatureIndex = HashMap<u64, u32, BuildHasherDefault<PassThroughHasher>>;

/// The vocabulary and inverse document frequencies learnt from training examples.
pub struct Vectorizer {
    index: FeatureIndex,
    idf: Vec<f32>,
    /// The highest idf: what an unseen feature weighs in [`Vectorizer::known_share`].
    rarest: f32,
}

fn rarest(idf: &[f32]) -> f32 {
    idf.iter().copied().fold(1.0f32, f32::max)
}

impl Vectorizer {
    pub fn fit<'a>(documents: impl IntoIterator<Item = &'a [Feature]>) -> Vectorizer {
        let mut index = FeatureIndex::default();
        let mut document_frequency: Vec<u32> = Vec::new();
        let mut documents_seen = 0u32;
        for features in documents {
            documents_seen += 1;
            for &(hash, _) in features {
                let next = index.len() as u32;
                let at = *index.entry(hash).or_insert(next);
                if at as usize == document_frequency.len() {
                    document_frequency.push(0);
                }
                document_frequency[at as usize] += 1;
            }
        }
        let n = documents_seen as f32;
        let idf = document_frequency
            .into_iter()
            .map(|df| ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0)
            .collect::<Vec<f32>>();
        Vectorizer {
            index,
            rarest: rarest(&idf),
            idf,
        }
    }

    /// The vocabulary in index order (feature hash of each index) and its idf: what a
    /// saved model keeps.
    pub fn parts(&self) -> (Vec<u64>, &[f32]) {
        let mut hashes = vec![0u64; self.idf.len()];
        for (&hash, &at) in &self.index {
            hashes[at as usize] = hash;
        }
        (hashes, &self.idf)
    }

    /// A vectorizer from [`Vectorizer::parts`]; `None` when they do not fit together.
    pub fn from_parts(hashes: &[u64], idf: Vec<f32>) -> Option<Vectorizer> {
        if hashes.len() != idf.len() {
            return None;
        }
        let mut index = FeatureIndex::default();
        index.reserve(hashes.len());
        for (at, &hash) in hashes.iter().enumerate() {
            if index.insert(hash, at as u32).is_some() {
                return None;
            }
        }
        Some(Vectorizer {
            index,
            rarest: rarest(&idf),
            idf,
        })
    }

    /// Number of features in the vocabulary.
    pub fn len(&self) -> usize {
        self.idf.len()
    }

    /// How much of a message's weight (sublinear term frequency × idf) falls on features
    /// of the vocabulary, 0–1; an unseen feature weighs as the rarest seen one. A message
    /// whose words the training never used is mostly unseen, however well its few known
    /// features match (what [`Vectorizer::transform`] alone cannot tell).
    pub fn known_share(&self, features: &[Feature]) -> f32 {
        let rarest = self.rarest;
        let (mut known, mut all) = (0f32, 0f32);
        for &(hash, count) in features {
            let tf = 1.0 + count.ln();
            match self.index.get(&hash) {
                Some(&i) => {
                    known += tf * self.idf[i as usize];
                    all += tf * self.idf[i as usize];
                }
                None => all += tf * rarest,
            }
        }
        if all > 0.0 { known / all } else { 0.0 }
    }

    /// Sublinear term frequency × idf, L2-normalised.
    pub fn transform(&self, features: &[Feature]) -> SparseVector {
        let mut pairs: Vec<(u32, f32)> = features
            .iter()
            .filter_map(|&(hash, count)| {
                self.index
                    .get(&hash)
                    .map(|&i| (i, (1.0 + count.ln()) * self.idf[i as usize]))
            })
            .collect();
        pairs.sort_unstable_by_key(|p| p.0);
        let norm = pairs.iter().map(|p| p.1 * p.1).sum::<f32>().sqrt();
        let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
        SparseVector {
            indices: pairs.iter().map(|p| p.0).collect(),
            values: pairs.iter().map(|p| p.1 * scale).collect(),
        }
    }
}
