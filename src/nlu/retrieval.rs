//! The example index: every training example in an in-memory tantivy index, searched with
//! BM25 for the examples nearest to a message. Nearest examples catch phrasings that the
//! linear model underweights, and they explain a match ("looks like example …").

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

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

    /// The `limit` examples nearest to a message, best first.
    pub fn nearest(&self, terms: &[String], limit: usize) -> Vec<Hit> {
        let mut unique: Vec<&String> = terms.iter().filter(|t| !t.contains(' ')).collect();
        unique.sort();
        unique.dedup();
        if unique.is_empty() {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let common_above = (searcher.num_docs() / COMMON_TERM_SHARE).max(COMMON_TERM_MIN_DOCS);
        let clauses: Vec<(Occur, Box<dyn Query>)> = unique
            .into_iter()
            .map(|t| Term::from_field_text(self.terms, t))
            // A term in a large share of all examples (`我`, `的`) adds almost nothing to
            // BM25 but walks a long posting list: leave it out.
            .filter(|term| searcher.doc_freq(term).is_ok_and(|df| df <= common_above))
            .map(|term| {
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                )
            })
            .collect();
        if clauses.is_empty() {
            return Vec::new();
        }
        let query = BooleanQuery::new(clauses);
        let top = searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())
            .unwrap_or_default();
        top.into_iter()
            .map(
                |(
                    score,
                    DocAddress {
                        segment_ord,
                        doc_id,
                    },
                )| Hit {
                    class: self.classes[segment_ord as usize][doc_id as usize],
                    score,
                },
            )
            .collect()
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
