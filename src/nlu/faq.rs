//! Finding the knowledge base's FAQ entry a message asks about. Every question variant is
//! indexed by tantivy on the same terms as the intent examples (normalised, segmented,
//! character pairs); a message's BM25 hits are turned into a score between 0 and 1 that
//! one threshold can be calibrated on, whatever the length of the message:
//!
//! - how much of the variant the message covers: its BM25 score over the variant's score
//!   against itself;
//! - how much of the message the variant covers: the share of the message's term weight
//!   (inverse document frequency; a term the FAQ never uses weighs as the rarest) that the
//!   variant contains. "我在网点排队,有没有复印机" shares `网点` with the branch questions
//!   but not `复印机`, so it stays low.
//!
//! That lexical score is the geometric mean of the two. It is mixed with the message's
//! cosine similarity to each entry's centroid (TF-IDF over the same features as the
//! intent model, summed over the entry's questions and its answer): a held-out wording
//! shares more with all the ways an entry is asked, and with its answer, than with any
//! one of them. The similarity is lowered by the share of the message's weight that no
//! question or answer uses. A message written exactly as a variant is that entry,
//! whatever else is close.

use std::collections::HashMap;

use serde::Serialize;

use super::features::{Analyser, Analysis};
use super::retrieval::ExampleIndex;
use super::vectorize::Vectorizer;
use crate::content::{Faq, FaqMatching};
use crate::domain::FaqId;

/// At most this many entries are offered as choices, and reported by `/v1/parse`.
pub const MAX_FAQ_CANDIDATES: usize = 3;

/// Hits read from the index before they are grouped by entry.
const HITS: usize = 40;

/// An FAQ entry with how well the message matches it (0–1).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ScoredFaq {
    pub id: FaqId,
    #[serde(serialize_with = "super::four_decimals")]
    pub score: f32,
}

/// What the FAQ makes of a message.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum FaqReading {
    /// No entry is close enough to answer.
    #[default]
    Nothing,
    /// One entry, clearly.
    Answer(ScoredFaq),
    /// Two or three entries, too close to tell apart: the customer chooses.
    Choices(Vec<ScoredFaq>),
}

impl FaqReading {
    /// The entry the message is taken to ask, when there is one.
    pub fn answer(&self) -> Option<&ScoredFaq> {
        match self {
            FaqReading::Answer(entry) => Some(entry),
            _ => None,
        }
    }
}

/// The FAQ of one locale, indexed for one analyser.
pub struct FaqMatcher {
    index: ExampleIndex,
    /// The entry of each question (the index's class is the question's number).
    entry_of: Vec<u32>,
    entries: Vec<FaqId>,
    /// Each question's BM25 score against itself.
    self_scores: Vec<f32>,
    /// Each question's unique terms.
    question_terms: Vec<Vec<u32>>,
    /// Each term's weight: its inverse document frequency over the questions.
    /// Every term of the questions, numbered: a question's terms are kept as sorted
    /// numbers, so that what a message shares with one is a merge, not string lookups.
    term_ids: HashMap<String, u32>,
    /// Each numbered term's weight.
    weights: Vec<f32>,
    /// The weight of a term no question uses.
    unseen_weight: f32,
    /// Questions as their normalised text: a message written exactly so is that entry.
    exact: HashMap<String, u32>,
    matching: FaqMatching,
    /// TF-IDF over the questions and answers.
    vectorizer: Vectorizer,
    /// Each entry's centroid, by feature: row `f`, `centroids[offsets[f]..offsets[f + 1]]`,
    /// holds (entry, weight) of every entry whose centroid has feature `f`.
    offsets: Vec<u32>,
    centroids: Vec<(u32, f32)>,
}

/// How much the centroids decide against the nearest single question (BM25): measured
/// with `frontline eval --faq` on the bundled content (1,920 zh-CN variants then), the
/// centroids rank held-out wordings best and the nearest question adds a little (zh-CN
/// hit@1 72.5% with the centroids alone, 73.5% at this mix, 52.0% with BM25 alone).
const CENTROID_SHARE: f32 = 0.9;
/// An answer says in other words what its questions ask: it counts as much as all of
/// its questions together in the entry's centroid (measured like the share above, with
/// the centroids alone: 0.3: 72.5%, 1.0: 74.6%).
const ANSWER_WEIGHT: f32 = 1.0;
/// How strongly words the FAQ never uses lower a message's similarity (the square root
/// of the known share of its weight).
const KNOWN_SHARE_POWER: f32 = 0.5;

/// Each entry's centroid: the sum of its questions' TF-IDF vectors and its answer's
/// (weighted), L2-normalised; returned inverted, by feature, as row offsets and entries.
fn centroids(
    vectorizer: &Vectorizer,
    questions: &[(Analysis, u32)],
    answers: &[Analysis],
    answer_weight: f32,
) -> (Vec<u32>, Vec<(u32, f32)>) {
    let mut sums: Vec<HashMap<u32, f32>> = vec![HashMap::new(); answers.len()];
    let mut add = |entry: usize, analysis: &Analysis, weight: f32| {
        let x = vectorizer.transform(&analysis.features);
        for (&i, &v) in x.indices.iter().zip(&x.values) {
            *sums[entry].entry(i).or_default() += weight * v;
        }
    };
    for (analysis, entry) in questions {
        add(*entry as usize, analysis, 1.0);
    }
    for (entry, analysis) in answers.iter().enumerate() {
        add(entry, analysis, answer_weight);
    }
    // (feature, entry, weight), sorted by feature then entry.
    let mut cells: Vec<(u32, u32, f32)> = Vec::new();
    for (entry, sum) in sums.into_iter().enumerate() {
        // In feature order, so that the norm is summed the same way at every start.
        let mut features: Vec<(u32, f32)> = sum.into_iter().collect();
        features.sort_unstable_by_key(|f| f.0);
        let norm = features.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm <= 0.0 {
            continue;
        }
        cells.extend(
            features
                .into_iter()
                .map(|(f, v)| (f, entry as u32, v / norm)),
        );
    }
    cells.sort_unstable_by_key(|c| (c.0, c.1));
    let mut offsets = vec![0u32; vectorizer.len() + 1];
    for &(feature, _, _) in &cells {
        offsets[feature as usize + 1] += 1;
    }
    for f in 0..vectorizer.len() {
        offsets[f + 1] += offsets[f];
    }
    (offsets, cells.into_iter().map(|(_, e, v)| (e, v)).collect())
}

impl FaqMatcher {
    /// Indexes every question variant of `faq`, read by `analyser`.
    pub fn build(faq: &Faq, analyser: &Analyser) -> tantivy::Result<FaqMatcher> {
        let mut analysed: Vec<(Analysis, u32)> = Vec::new();
        let mut exact = HashMap::new();
        for (number, entry) in faq.entries.iter().enumerate() {
            for question in &entry.questions {
                let analysis = analyser.analyse(&question.text);
                exact.entry(compact(&analysis)).or_insert(number as u32);
                analysed.push((analysis, number as u32));
            }
        }
        let answers: Vec<Analysis> = faq
            .entries
            .iter()
            .map(|e| analyser.analyse(&e.answer))
            .collect();
        let vectorizer = Vectorizer::fit(
            analysed
                .iter()
                .map(|(a, _)| a.features.as_slice())
                .chain(answers.iter().map(|a| a.features.as_slice())),
        );
        let (offsets, centroids) = centroids(&vectorizer, &analysed, &answers, ANSWER_WEIGHT);
        let index = ExampleIndex::build(
            analysed
                .iter()
                .enumerate()
                .map(|(question, (analysis, _))| (analysis.terms.as_slice(), question as u32)),
        )?;
        let mut term_ids: HashMap<String, u32> = HashMap::new();
        let mut frequency: Vec<u32> = Vec::new();
        let question_terms: Vec<Vec<u32>> = analysed
            .iter()
            .map(|(a, _)| {
                let mut ids: Vec<u32> = searchable(&a.terms)
                    .map(|term| {
                        let next = term_ids.len() as u32;
                        *term_ids.entry(term.to_string()).or_insert(next)
                    })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                for &id in &ids {
                    if id as usize >= frequency.len() {
                        frequency.resize(id as usize + 1, 0);
                    }
                    frequency[id as usize] += 1;
                }
                ids
            })
            .collect();
        let total = question_terms.len().max(1) as f32;
        let idf = |df: f32| (1.0 + (total - df + 0.5) / (df + 0.5)).ln();
        let weights = frequency.iter().map(|&df| idf(df as f32)).collect();
        let self_scores = analysed
            .iter()
            .enumerate()
            .map(|(question, (analysis, _))| index.score_of_class(&analysis.terms, question as u32))
            .collect();
        Ok(FaqMatcher {
            index,
            entry_of: analysed.iter().map(|(_, entry)| *entry).collect(),
            entries: faq.entries.iter().map(|e| e.id.clone()).collect(),
            self_scores,
            question_terms,
            term_ids,
            weights,
            unseen_weight: idf(0.0),
            exact,
            matching: faq.matching,
            vectorizer,
            offsets,
            centroids,
        })
    }

    /// The best entries for a message, best first, at most `limit`, each with its score.
    pub fn rank(&self, analysis: &Analysis, limit: usize) -> Vec<ScoredFaq> {
        if let Some(&entry) = self.exact.get(&compact(analysis)) {
            return vec![ScoredFaq {
                id: self.entries[entry as usize].clone(),
                score: 1.0,
            }];
        }
        let mut terms: Vec<&str> = searchable(&analysis.terms).collect();
        terms.sort_unstable();
        terms.dedup();
        // The message's terms the questions know, as sorted numbers; the others weigh as
        // the rarest.
        let mut known: Vec<u32> = terms
            .iter()
            .filter_map(|t| self.term_ids.get(*t).copied())
            .collect();
        known.sort_unstable();
        let unseen = terms.len() - known.len();
        let message_weight: f32 = known
            .iter()
            .map(|&id| self.weights[id as usize])
            .sum::<f32>()
            + unseen as f32 * self.unseen_weight;
        if message_weight <= 0.0 {
            return Vec::new();
        }
        let mut lexical = vec![0f32; self.entries.len()];
        for hit in self.index.nearest(&analysis.terms, HITS) {
            let question = hit.class as usize;
            let own = self.self_scores[question];
            if own <= 0.0 {
                continue;
            }
            let of_question = (hit.score / own).min(1.0);
            let shared = self.shared_weight(&known, &self.question_terms[question]);
            let of_message = (shared / message_weight).min(1.0);
            let score = (of_question * of_message).sqrt();
            let entry = self.entry_of[question] as usize;
            lexical[entry] = lexical[entry].max(score);
        }
        let x = self.vectorizer.transform(&analysis.features);
        let mut similar = vec![0f32; self.entries.len()];
        for (&feature, &value) in x.indices.iter().zip(&x.values) {
            let row = self.offsets[feature as usize] as usize
                ..self.offsets[feature as usize + 1] as usize;
            for &(entry, weight) in &self.centroids[row] {
                similar[entry as usize] += value * weight;
            }
        }
        let known = self
            .vectorizer
            .known_share(&analysis.features)
            .powf(KNOWN_SHARE_POWER);
        let mix = CENTROID_SHARE;
        let mut best: Vec<(u32, f32)> = lexical
            .iter()
            .zip(&similar)
            .enumerate()
            .map(|(entry, (l, c))| (entry as u32, mix * c.min(1.0) * known + (1.0 - mix) * l))
            .filter(|(_, score)| *score > 0.0)
            .collect();
        let best_first = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if best.len() > limit && limit > 0 {
            best.select_nth_unstable_by(limit - 1, best_first);
            best.truncate(limit);
        }
        best.sort_unstable_by(best_first);
        best.into_iter()
            .map(|(entry, score)| ScoredFaq {
                id: self.entries[entry as usize].clone(),
                score,
            })
            .collect()
    }

    /// The weight of the terms in both sorted lists.
    fn shared_weight(&self, message: &[u32], question: &[u32]) -> f32 {
        let (mut i, mut j, mut sum) = (0, 0, 0f32);
        while i < message.len() && j < question.len() {
            match message[i].cmp(&question[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += self.weights[message[i] as usize];
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    /// What the FAQ makes of a message ranked as `ranked`: one answer, a choice, or
    /// nothing, by the content's threshold.
    pub fn read(&self, ranked: &[ScoredFaq]) -> FaqReading {
        self.read_with(ranked, self.matching)
    }

    /// [`FaqMatcher::read`] with other settings: what `frontline eval --faq` sweeps.
    pub fn read_with(&self, ranked: &[ScoredFaq], matching: FaqMatching) -> FaqReading {
        let Some(best) = ranked.first().filter(|b| b.score >= matching.threshold) else {
            return FaqReading::Nothing;
        };
        let close: Vec<ScoredFaq> = ranked
            .iter()
            .take(MAX_FAQ_CANDIDATES)
            .filter(|c| c.score >= best.score * matching.choices_within)
            .cloned()
            .collect();
        if close.len() > 1 {
            FaqReading::Choices(close)
        } else {
            FaqReading::Answer(best.clone())
        }
    }
}

/// The terms the index searches for (phrases of several words are not).
fn searchable(terms: &[String]) -> impl Iterator<Item = &str> {
    terms
        .iter()
        .filter(|t| !t.contains(' '))
        .map(String::as_str)
}

/// The message's words run together: what "written exactly as a variant" compares.
fn compact(analysis: &Analysis) -> String {
    analysis
        .words
        .iter()
        .flat_map(|w| w.chars())
        .filter(|c| c.is_alphanumeric())
        .collect()
}
