//! The example index: every training example in an in-memory tantivy index, searched with
//! BM25 for the examples nearest to a message. Nearest examples catch phrasings that the
//! linear model underweights, and they explain a match ("looks like example …").

use tantivy::postings::{Postings, TermInfo};
use tantivy::query::Bm25Weight;
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{DocSet, Index, IndexReader, ReloadPolicy, Score, TERMINATED, TantivyDocument, Term};

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
    reader: IndexReader,
    terms: Field,
    /// Class of each document, per segment, read once from the fast field.
    classes: Vec<Vec<u32>>,
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
        let mut classes = Vec::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("class")?;
            classes.push(
                (0..segment.max_doc())
                    .map(|doc| column.first(doc).unwrap_or_default() as u32)
                    .collect(),
            );
        }
        Ok(ExampleIndex {
            reader,
            terms,
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
        if unique.is_empty() {
            return Vec::new();
        }
        self.score_terms(&unique, limit).unwrap_or_default()
    }

    fn score_terms(&self, unique: &[&String], limit: usize) -> tantivy::Result<Vec<Hit>> {
        let searcher = self.reader.searcher();
        let total_docs = searcher.num_docs();
        if total_docs == 0 {
            return Ok(Vec::new());
        }
        let total_tokens: u64 = searcher
            .segment_readers()
            .iter()
            .map(|s| s.inverted_index(self.terms).map(|i| i.total_num_tokens()))
            .sum::<tantivy::Result<u64>>()?;
        let average_fieldnorm = total_tokens as Score / total_docs as Score;
        let common_above = (total_docs / COMMON_TERM_SHARE).max(COMMON_TERM_MIN_DOCS);
        let segments = searcher.segment_readers();
        let inverted: Vec<_> = segments
            .iter()
            .map(|s| s.inverted_index(self.terms))
            .collect::<tantivy::Result<_>>()?;
        let norms: Vec<_> = segments
            .iter()
            .map(|s| s.get_fieldnorms_reader(self.terms))
            .collect::<tantivy::Result<_>>()?;
        let mut scores: Vec<Vec<Score>> = segments
            .iter()
            .map(|s| vec![0.0; s.max_doc() as usize])
            .collect();
        for text in unique {
            let term = Term::from_field_text(self.terms, text);
            let infos: Vec<Option<TermInfo>> = inverted
                .iter()
                .map(|index| index.get_term_info(&term))
                .collect::<std::io::Result<_>>()?;
            let doc_freq: u64 = infos.iter().flatten().map(|i| u64::from(i.doc_freq)).sum();
            // A term in a large share of all examples (`我`, `的`) adds almost nothing to
            // BM25 but walks a long posting list: leave it out.
            if doc_freq == 0 || doc_freq > common_above {
                continue;
            }
            let weight =
                Bm25Weight::for_one_term_without_explain(doc_freq, total_docs, average_fieldnorm);
            for (segment, info) in infos.iter().enumerate() {
                let Some(info) = info else { continue };
                let norms = &norms[segment];
                let mut postings = inverted[segment]
                    .read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
                let scores = &mut scores[segment];
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    scores[doc as usize] +=
                        weight.score(norms.fieldnorm_id(doc), postings.term_freq());
                    doc = postings.advance();
                }
            }
        }
        let mut hits: Vec<(Score, u32, u32)> = scores
            .iter()
            .enumerate()
            .flat_map(|(segment, scores)| {
                scores
                    .iter()
                    .enumerate()
                    .filter(|(_, score)| **score > 0.0)
                    .map(move |(doc, score)| (*score, segment as u32, doc as u32))
            })
            .collect();
        hits.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
        hits.truncate(limit);
        Ok(hits
            .into_iter()
            .map(|(score, segment, doc)| Hit {
                class: self.classes[segment as usize][doc as usize],
                score,
            })
            .collect())
    }
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
