//! The example index: every training example indexed by tantivy, searched with BM25 for
//! the examples nearest to a message. Nearest examples catch phrasings that the linear
//! model underweights, and they explain a match ("looks like example …").
//!
//! The index never changes once built, so neither does what one term adds to one
//! example's BM25 score. Those contributions are computed once, with tantivy's own
//! weights and field norms, into a table from term to (example, score); a search adds up
//! the rows of the message's terms in the order tantivy's own scoring would (so the scores
//! are bit for bit the same), without reading postings or building weights per query.
//! The tantivy index itself is dropped after the table is built. In a profile of
//! `/v1/parse`, reading postings and weighting terms per query was a third of a parse.

use std::collections::HashMap;

use tantivy::postings::Postings;
use tantivy::query::Bm25Weight;
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{DocSet, Index, ReloadPolicy, Score, SegmentReader, TERMINATED, TantivyDocument};

const TOKENIZER: &str = "frontline_terms";

/// Terms found in more than one in this many examples are too common to search for…
const COMMON_TERM_SHARE: u64 = 20;
/// …unless the index is small enough that every term is cheap.
const COMMON_TERM_MIN_DOCS: u64 = 200;

/// A search hit: the class of the example and its BM25 score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub class: u32,
    pub score: f32,
}

pub struct ExampleIndex {
    /// Each searchable term's BM25 contribution to every example that has it, in example
    /// order. Terms too common to search for are left out.
    contributions: HashMap<String, Vec<(u32, Score)>>,
    /// Class of each example (in tantivy's document order: segment by segment).
    classes: Vec<u32>,
}

impl ExampleIndex {
    /// Indexes examples given as their terms, with their class.
    pub fn build<'a>(
        examples: impl IntoIterator<Item = (&'a [String], u32)>,
    ) -> tantivy::Result<ExampleIndex> {
        let mut schema = Schema::builder();
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs);
        let terms = schema.add_text_field(
            "terms",
            TextOptions::default().set_indexing_options(indexing),
        );
        let class = schema.add_u64_field("class", FAST);
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(
            TOKENIZER,
            TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
        );
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        for (example_terms, example_class) in examples {
            let mut document = TantivyDocument::default();
            document.add_text(terms, example_terms.join(" "));
            document.add_u64(class, u64::from(example_class));
            writer.add_document(document)?;
        }
        writer.commit()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let segments = searcher.segment_readers();
        let mut classes = Vec::new();
        // Where each segment's documents start in the one numbering of the table.
        let mut first_doc = Vec::with_capacity(segments.len());
        for segment in segments {
            first_doc.push(classes.len() as u32);
            let column = segment.fast_fields().u64("class")?;
            classes.extend(
                (0..segment.max_doc()).map(|doc| column.first(doc).unwrap_or_default() as u32),
            );
        }
        let contributions = contributions(segments, &first_doc, terms, searcher.num_docs())?;
        Ok(ExampleIndex {
            contributions,
            classes,
        })
    }

    /// The `limit` examples nearest to a message, best first: the sum of each query
    /// term's BM25 score, as tantivy's own scoring computes it.
    ///
    /// Scored term at a time into one score per example: with a few thousand short
    /// examples this is several times cheaper than a `BooleanQuery` with top-k pruning,
    /// whose block-WAND re-sorts its term scorers at every step (in a profile of
    /// `/v1/parse` that sorting alone was a tenth of all the time).
    pub fn nearest(&self, terms: &[String], limit: usize) -> Vec<Hit> {
        let mut unique: Vec<&String> = terms.iter().filter(|t| !t.contains(' ')).collect();
        unique.sort_unstable();
        unique.dedup();
        if unique.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut scores: Vec<Score> = vec![0.0; self.classes.len()];
        for term in unique {
            for &(doc, score) in self.contributions.get(term.as_str()).into_iter().flatten() {
                scores[doc as usize] += score;
            }
        }
        // Only the best `limit` are wanted: kept sorted while the scores are scanned, so
        // the examples that score at all (most of them, for a message with common words)
        // are never collected.
        let best_first =
            |a: &(Score, u32), b: &(Score, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let mut hits: Vec<(Score, u32)> = Vec::with_capacity(limit + 1);
        for (doc, &score) in scores.iter().enumerate() {
            if score <= 0.0 {
                continue;
            }
            let item = (score, doc as u32);
            if hits.len() == limit {
                match hits.last() {
                    Some(worst) if best_first(&item, worst).is_lt() => {
                        hits.pop();
                    }
                    _ => continue,
                }
            }
            let at = hits.partition_point(|kept| best_first(kept, &item).is_lt());
            hits.insert(at, item);
        }
        hits.into_iter()
            .map(|(score, doc)| Hit {
                class: self.classes[doc as usize],
                score,
            })
            .collect()
    }
}

impl ExampleIndex {
    /// The BM25 score of the examples of `class` for these terms, as [`ExampleIndex::nearest`]
    /// would give it (the best of them): how an example scores against its own terms.
    pub fn score_of_class(&self, terms: &[String], class: u32) -> f32 {
        let mut unique: Vec<&String> = terms.iter().filter(|t| !t.contains(' ')).collect();
        unique.sort_unstable();
        unique.dedup();
        let mut scores: Vec<(u32, Score)> = Vec::new();
        for term in unique {
            for &(doc, score) in self.contributions.get(term.as_str()).into_iter().flatten() {
                if self.classes[doc as usize] != class {
                    continue;
                }
                match scores.iter_mut().find(|(d, _)| *d == doc) {
                    Some((_, sum)) => *sum += score,
                    None => scores.push((doc, score)),
                }
            }
        }
        scores.into_iter().map(|(_, s)| s).fold(0.0, Score::max)
    }
}

/// Every searchable term's BM25 contribution to each document that has it, computed as
/// tantivy's `Bm25Weight` scores a posting: the term's weight over the whole index, the
/// document's field norm and the term's frequency in it.
fn contributions(
    segments: &[SegmentReader],
    first_doc: &[u32],
    field: Field,
    total_docs: u64,
) -> tantivy::Result<HashMap<String, Vec<(u32, Score)>>> {
    let mut contributions: HashMap<String, Vec<(u32, Score)>> = HashMap::new();
    if total_docs == 0 {
        return Ok(contributions);
    }
    let inverted: Vec<_> = segments
        .iter()
        .map(|s| s.inverted_index(field))
        .collect::<tantivy::Result<_>>()?;
    let total_tokens: u64 = inverted.iter().map(|i| i.total_num_tokens()).sum();
    let average_fieldnorm = total_tokens as Score / total_docs as Score;
    // A term's document frequency over all segments, as a query would weigh it.
    let mut doc_freq: HashMap<Vec<u8>, u64> = HashMap::new();
    for index in &inverted {
        let mut stream = index.terms().stream()?;
        while stream.advance() {
            *doc_freq.entry(stream.key().to_vec()).or_default() +=
                u64::from(stream.value().doc_freq);
        }
    }
    // A term in a large share of all examples (`我`, `的`) adds almost nothing to BM25 but
    // walks a long posting list: it is not searched for.
    let common_above = (total_docs / COMMON_TERM_SHARE).max(COMMON_TERM_MIN_DOCS);
    for (segment, index) in inverted.iter().enumerate() {
        let norms = segments[segment].get_fieldnorms_reader(field)?;
        let mut stream = index.terms().stream()?;
        while stream.advance() {
            let frequency = doc_freq[stream.key()];
            let Ok(text) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if frequency > common_above {
                continue;
            }
            let weight =
                Bm25Weight::for_one_term_without_explain(frequency, total_docs, average_fieldnorm);
            let mut postings =
                index.read_postings_from_terminfo(stream.value(), IndexRecordOption::WithFreqs)?;
            let row = contributions.entry(text.to_string()).or_default();
            let mut doc = postings.doc();
            while doc != TERMINATED {
                row.push((
                    first_doc[segment] + doc,
                    weight.score(norms.fieldnorm_id(doc), postings.term_freq()),
                ));
                doc = postings.advance();
            }
        }
    }
    Ok(contributions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn the_nearest_example_comes_first() {
        let a = terms("atm 吞 钞");
        let b = terms("挂失 银行卡");
        let index = ExampleIndex::build([(a.as_slice(), 0), (b.as_slice(), 1)]).unwrap();
        let hits = index.nearest(&terms("银行卡 挂失 怎么 办"), 5);
        assert_eq!(hits[0].class, 1);
        assert!(index.nearest(&terms("无关"), 5).is_empty());
    }
}
