//! Loading a whole content tree into a checked [`Catalog`]. Loading either yields content
//! that every later stage can trust, or every problem found, as `path:line: message`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::acts::ConversationAct;
use super::calendar::{BankCalendar, CALENDAR_FILE};
use super::dictionary::{DictionaryWord, parse_dictionary};
use super::error::{ContentError, ContentErrors};
use super::faq::{self, FACTS_FILE, FAQ_DIR, Faq, FaqMatching, MATCHING_FILE};
use super::intent::Intent;
use super::knowledge::Article;
use super::lexicon::Lexicon;
use super::notice::{NOTICES_DIR, Notice, parse_notice_file};
use super::out_of_scope::OutOfScope;
use super::templates::{self, ReplyTemplates};
use super::version::ContentVersion;
use crate::domain::{IntentId, KnowledgeId, Locale};

/// Folder names under the content root.
pub const INTENTS_DIR: &str = "intents";
pub const KNOWLEDGE_DIR: &str = "knowledge-base";
pub const TEMPLATES_DIR: &str = "templates";

const OUT_OF_SCOPE_FILE: &str = "_out_of_scope.yaml";
const LEXICON_FILE: &str = "_lexicon.yaml";
const DICTIONARY_FILE: &str = "_dictionary.txt";
const REPLIES_FILE: &str = "_replies.yaml";
const IVR_FILE: &str = "_ivr.yaml";
const WECHAT_FILE: &str = "_wechat.yaml";

/// All the content of one locale.
#[derive(Clone, Debug)]
pub struct LocaleContent {
    pub locale: Locale,
    /// Sorted by id.
    pub intents: Vec<Intent>,
    pub out_of_scope: OutOfScope,
    pub lexicon: Lexicon,
    pub dictionary: Vec<DictionaryWord>,
    pub knowledge: BTreeMap<KnowledgeId, Article>,
    /// Questions and answers for what no intent claims (empty when the locale has none).
    pub faq: Faq,
    pub templates: ReplyTemplates,
    /// Crisis notices written by content staff (`knowledge-base/<locale>/notices/`), in
    /// force between their times; the API publishes more (`notices::NoticeBoard`).
    pub notices: Vec<Notice>,
}

/// The id of the knowledge-base article every template may cite as `{{bank.…}}`.
pub const BANK_PROFILE: &str = "bank_profile";

impl LocaleContent {
    pub fn intent(&self, id: &IntentId) -> Option<&Intent> {
        self.intents
            .binary_search_by(|i| i.id.cmp(id))
            .ok()
            .map(|at| &self.intents[at])
    }
}

/// The checked content of every locale.
#[derive(Clone, Debug)]
pub struct Catalog {
    root: PathBuf,
    locales: BTreeMap<Locale, LocaleContent>,
    /// The bank's working days, for every locale.
    calendar: BankCalendar,
    version: ContentVersion,
}

impl Catalog {
    /// Loads `root/intents`, `root/knowledge-base` (and, later, `root/templates`).
    pub fn load(root: &Path) -> Result<Catalog, ContentErrors> {
        let mut errors = ContentErrors::default();
        let mut version = ContentVersion::builder();
        let mut locales = BTreeMap::new();
        for locale in Locale::ALL {
            if let Some(content) = load_locale(root, locale, &mut version, &mut errors) {
                locales.insert(locale, content);
            }
        }
        check_locales_agree(root, &locales, &mut errors);
        let calendar = load_calendar(root, &mut version, &mut errors);
        errors.into_result(Catalog {
            root: root.to_path_buf(),
            locales,
            calendar,
            version: version.finish(),
        })
    }

    /// The content of a locale. Every supported locale is present in a loaded catalog.
    pub fn locale(&self, locale: Locale) -> &LocaleContent {
        &self.locales[&locale]
    }

    pub fn locales(&self) -> impl Iterator<Item = &LocaleContent> {
        self.locales.values()
    }

    /// The bank's working days.
    pub fn calendar(&self) -> &BankCalendar {
        &self.calendar
    }

    pub fn version(&self) -> &ContentVersion {
        &self.version
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// The bank calendar; a content tree without one counts weekends only (`frontline check`
/// warns).
fn load_calendar(
    root: &Path,
    version: &mut super::version::VersionBuilder,
    errors: &mut ContentErrors,
) -> BankCalendar {
    let path = root.join(CALENDAR_FILE);
    if !path.exists() {
        return BankCalendar::weekends_only();
    }
    let Some(source) = read(&path, version, errors) else {
        return BankCalendar::weekends_only();
    };
    match BankCalendar::parse(&path, &source) {
        Ok(calendar) => calendar,
        Err(found) => {
            for error in found.iter() {
                errors.push(error.clone());
            }
            BankCalendar::weekends_only()
        }
    }
}

/// Reads a file, recording it in the version and reporting failure as a content error.
fn read(
    path: &Path,
    version: &mut super::version::VersionBuilder,
    errors: &mut ContentErrors,
) -> Option<String> {
    match fs::read_to_string(path) {
        Ok(text) => {
            version.add(path, &text);
            Some(text)
        }
        Err(e) => {
            errors.push(ContentError::new(path, 1, format!("cannot read: {e}")));
            None
        }
    }
}

/// Sorted entries of a directory that content staff may keep notes in: hidden files and
/// READMEs are skipped.
fn content_files(dir: &Path, errors: &mut ContentErrors) -> Vec<PathBuf> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(ContentError::new(
                dir,
                1,
                format!("cannot read folder: {e}"),
            ));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            !name.starts_with('.') && !name.eq_ignore_ascii_case("README.md")
        })
        .collect();
    files.sort();
    files
}

fn load_locale(
    root: &Path,
    locale: Locale,
    version: &mut super::version::VersionBuilder,
    errors: &mut ContentErrors,
) -> Option<LocaleContent> {
    let intents_dir = root.join(INTENTS_DIR).join(locale.as_str());
    let mut intents = Vec::new();
    let mut out_of_scope = None;
    let mut lexicon = Lexicon::default();
    let mut dictionary = Vec::new();
    let before = errors.len();

    for path in content_files(&intents_dir, errors) {
        let Some((name, text)) = read_named(&path, version, errors) else {
            continue;
        };
        let outcome = match name.as_str() {
            OUT_OF_SCOPE_FILE => OutOfScope::parse(&path, &text).map(|o| out_of_scope = Some(o)),
            LEXICON_FILE => Lexicon::parse(&path, &text).map(|l| lexicon = l),
            DICTIONARY_FILE => parse_dictionary(&path, &text).map(|d| dictionary = d),
            _ if name.starts_with('_') => Err(ContentErrors(vec![ContentError::new(
                &path,
                1,
                format!(
                    "unknown special file: expected {OUT_OF_SCOPE_FILE}, {LEXICON_FILE} or {DICTIONARY_FILE}"
                ),
            )])),
            _ if name.ends_with(".yaml") => Intent::parse(&path, &text).map(|i| intents.push(i)),
            _ => Err(ContentErrors(vec![ContentError::new(
                &path,
                1,
                "not an intent file: intent files end in `.yaml`",
            )])),
        };
        if let Err(e) = outcome {
            errors.0.extend(e.0);
        }
    }
    if out_of_scope.is_none() && intents_dir.is_dir() {
        errors.push(ContentError::new(
            &intents_dir.join(OUT_OF_SCOPE_FILE),
            1,
            "missing: every locale needs its out-of-scope examples and threshold",
        ));
    }

    let (knowledge, faq, notice_files) = load_knowledge(
        &root.join(KNOWLEDGE_DIR).join(locale.as_str()),
        version,
        errors,
    );
    for intent in &intents {
        for (id, line) in &intent.knowledge {
            if !knowledge.contains_key(id) {
                errors.push(ContentError::new(
                    &intents_dir.join(format!("{}.yaml", intent.id)),
                    *line,
                    format!("unknown knowledge-base article `{id}` (no {KNOWLEDGE_DIR}/{locale}/{id}.md)"),
                ));
            }
        }
    }
    intents.sort_by(|a: &Intent, b| a.id.cmp(&b.id));
    if intents_dir.is_dir() {
        for act in ConversationAct::ALL {
            if !intents.iter().any(|i| i.act == Some(act)) {
                errors.push(ContentError::new(
                    &intents_dir.join(format!("{}.yaml", act.intent_id())),
                    1,
                    format!(
                        "missing: every locale needs the built-in intent `{}`, which the dialogue's rules answer",
                        act.intent_id()
                    ),
                ));
            }
        }
    }
    let templates = load_templates(
        &root.join(TEMPLATES_DIR).join(locale.as_str()),
        &intents,
        version,
        errors,
    );
    if errors.len() > before {
        return None;
    }
    let mut content = LocaleContent {
        locale,
        intents,
        out_of_scope: out_of_scope?,
        lexicon,
        dictionary,
        knowledge,
        faq,
        templates,
        notices: Vec::new(),
    };
    content.notices = load_notices(&notice_files, &content, version, errors);
    (errors.len() == before).then_some(content)
}

/// `notices/`: one notice per file, checked against the locale's content (its intents,
/// forbidden phrases and phone limit) and against each other (no two in force at once for
/// an intent with different policies).
fn load_notices(
    files: &[PathBuf],
    content: &LocaleContent,
    version: &mut super::version::VersionBuilder,
    errors: &mut ContentErrors,
) -> Vec<Notice> {
    let mut notices: Vec<Notice> = Vec::new();
    for path in files {
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            errors.push(ContentError::new(
                path,
                1,
                "not a notice: notices are `<id>.yaml`",
            ));
            continue;
        }
        let Some(text) = read(path, version, errors) else {
            continue;
        };
        match parse_notice_file(path, &text, content) {
            Ok(notice) => {
                if let Some(problem) = notices.iter().find_map(|other| notice.conflict_with(other))
                {
                    errors.push(ContentError::new(
                        path,
                        1,
                        format!("{}: {}", problem.field, problem.message),
                    ));
                } else {
                    notices.push(notice);
                }
            }
            Err(e) => errors.0.extend(e.0),
        }
    }
    notices
}

/// A content file's name and text; `None` (with the error recorded) if it cannot be read.
fn read_named(
    path: &Path,
    version: &mut super::version::VersionBuilder,
    errors: &mut ContentErrors,
) -> Option<(String, String)> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    Some((name, read(path, version, errors)?))
}

/// The articles of a locale, its FAQ (the `faq` folder), and its notices' files (the
/// `notices` folder, read once the rest of the locale is loaded).
fn load_knowledge(
    dir: &Path,
    version: &mut super::version::VersionBuilder,
    errors: &mut ContentErrors,
) -> (BTreeMap<KnowledgeId, Article>, Faq, Vec<PathBuf>) {
    let mut articles = BTreeMap::new();
    let mut faq = Faq::default();
    let mut notices = Vec::new();
    for path in content_files(dir, errors) {
        if path.is_dir() && path.file_name().and_then(|n| n.to_str()) == Some(FAQ_DIR) {
            faq = load_faq(&path, version, errors);
            continue;
        }
        if path.is_dir() && path.file_name().and_then(|n| n.to_str()) == Some(NOTICES_DIR) {
            notices = content_files(&path, errors);
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            errors.push(ContentError::new(
                &path,
                1,
                "not an article: articles end in `.md`",
            ));
            continue;
        }
        let Some(text) = read(&path, version, errors) else {
            continue;
        };
        match Article::parse(&path, &text) {
            Ok(article) => {
                articles.insert(article.id.clone(), article);
            }
            Err(e) => errors.0.extend(e.0),
        }
    }
    (articles, faq, notices)
}

/// `faq/`: the facts first (the answers use them), the matching settings, then one file
/// per topic.
fn load_faq(
    dir: &Path,
    version: &mut super::version::VersionBuilder,
    errors: &mut ContentErrors,
) -> Faq {
    let files = content_files(dir, errors);
    let mut facts = BTreeMap::new();
    let mut matching = FaqMatching::default();
    let mut topics = Vec::new();
    let special = |path: &Path, name: &str| path.file_name().and_then(|n| n.to_str()) == Some(name);
    if let Some(path) = files.iter().find(|p| special(p, FACTS_FILE))
        && let Some(text) = read(path, version, errors)
    {
        match faq::parse_facts(path, &text) {
            Ok(found) => facts = found,
            Err(e) => errors.0.extend(e.0),
        }
    }
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == FACTS_FILE {
            continue;
        }
        if name.starts_with('_') && name != MATCHING_FILE || !name.ends_with(".yaml") {
            errors.push(ContentError::new(
                path,
                1,
                format!("not an FAQ file: expected <topic>.yaml, {FACTS_FILE} or {MATCHING_FILE}"),
            ));
            continue;
        }
        let Some(text) = read(path, version, errors) else {
            continue;
        };
        let parsed = if name == MATCHING_FILE {
            faq::parse_matching(path, &text).map(|m| matching = m)
        } else {
            faq::parse_topic(path, &text, &facts).map(|entries| topics.push(entries))
        };
        if let Err(e) = parsed {
            errors.0.extend(e.0);
        }
    }
    faq::assemble(topics, matching, errors)
}

/// `_replies.yaml` and one file per intent: every intent must be able to answer.
fn load_templates(
    dir: &Path,
    intents: &[Intent],
    version: &mut super::version::VersionBuilder,
    errors: &mut ContentErrors,
) -> ReplyTemplates {
    let mut out = ReplyTemplates::default();
    let mut seen_replies = false;
    for path in content_files(dir, errors) {
        let Some((name, text)) = read_named(&path, version, errors) else {
            continue;
        };
        if name == REPLIES_FILE {
            seen_replies = true;
            match templates::parse_system(&path, &text) {
                Ok((system, forbidden)) => {
                    out.system = system;
                    out.forbidden = forbidden;
                }
                Err(e) => errors.0.extend(e.0),
            }
            continue;
        }
        if name == IVR_FILE {
            match super::ivr::IvrSettings::parse(&path, &text, |id| {
                intents.iter().any(|i| &i.id == id)
            }) {
                Ok(ivr) => out.ivr = ivr,
                Err(e) => errors.0.extend(e.0),
            }
            continue;
        }
        if name == WECHAT_FILE {
            match super::wechat::WechatSettings::parse(&path, &text, |id| {
                intents.iter().any(|i| &i.id == id)
            }) {
                Ok(wechat) => out.wechat = wechat,
                Err(e) => errors.0.extend(e.0),
            }
            continue;
        }
        let stem = name.strip_suffix(".yaml");
        let Some(intent) = stem.and_then(|s| intents.iter().find(|i| i.id.as_str() == s)) else {
            errors.push(ContentError::new(
                &path,
                1,
                format!("no intent `{}`: template files are named after an intent id, or {REPLIES_FILE}", stem.unwrap_or(&name)),
            ));
            continue;
        };
        match templates::parse_intent(&path, &text) {
            Ok(t) => {
                out.intents.insert(intent.id.clone(), t);
            }
            Err(e) => errors.0.extend(e.0),
        }
    }
    if !seen_replies && dir.is_dir() {
        errors.push(ContentError::new(
            &dir.join(REPLIES_FILE),
            1,
            "missing: the replies every conversation needs",
        ));
    }
    for (label, meaning) in &out.system.quick_reply_means {
        if !intents.iter().any(|i| i.id == meaning.intent) {
            errors.push(ContentError::new(
                &dir.join(REPLIES_FILE),
                meaning.line,
                format!(
                    "quick reply `{label}` means `{}`, which is no intent",
                    meaning.intent
                ),
            ));
        }
    }
    for intent in intents {
        let answers = out.intents.get(&intent.id).map(|t| &t.follow_ups);
        for worry in intent.follow_ups.keys() {
            if answers.is_some_and(|a| a.get(worry).is_none_or(|p| p.is_empty())) {
                errors.push(ContentError::new(
                    &dir.join(format!("{}.yaml", intent.id)),
                    1,
                    format!("follow-up `{worry}` has no answer in `follow_ups`"),
                ));
            }
        }
        for worry in answers.into_iter().flat_map(|a| a.keys()) {
            if !intent.follow_ups.contains_key(worry) {
                errors.push(ContentError::new(
                    &dir.join(format!("{}.yaml", intent.id)),
                    1,
                    format!("follow-up `{worry}` is not declared in the intent file"),
                ));
            }
        }
        match out.intents.get(&intent.id) {
            None => errors.push(ContentError::new(
                &dir.join(format!("{}.yaml", intent.id)),
                1,
                format!("missing: intent `{}` has no reply templates", intent.id),
            )),
            Some(t) if !intent.slots.is_empty() && t.restate.is_empty() => {
                errors.push(ContentError::new(
                    &dir.join(format!("{}.yaml", intent.id)),
                    1,
                    "`restate` is needed: the intent has slots to confirm",
                ))
            }
            Some(t) if intent.commitment.is_some() && t.commitment.is_empty() => {
                errors.push(ContentError::new(
                    &dir.join(format!("{}.yaml", intent.id)),
                    1,
                    "`commitment` is needed: the intent's process has a time limit",
                ))
            }
            _ => {}
        }
    }
    out
}

/// Every locale must offer the same intents with the same slots: a customer switching
/// language must not fall into a hole.
fn check_locales_agree(
    root: &Path,
    locales: &BTreeMap<Locale, LocaleContent>,
    errors: &mut ContentErrors,
) {
    let Some(reference) = locales.get(&Locale::ZhCn) else {
        return;
    };
    for (locale, content) in locales {
        if *locale == Locale::ZhCn {
            continue;
        }
        let file = |l: Locale, id: &IntentId| {
            root.join(INTENTS_DIR)
                .join(l.as_str())
                .join(format!("{id}.yaml"))
        };
        for intent in &reference.intents {
            match content.intent(&intent.id) {
                None => errors.push(ContentError::new(
                    &file(*locale, &intent.id),
                    1,
                    format!(
                        "missing: intent `{}` exists in {} but not in {locale}",
                        intent.id,
                        Locale::ZhCn
                    ),
                )),
                Some(other) => {
                    let names =
                        |i: &Intent| i.slots.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
                    if names(intent) != names(other) {
                        errors.push(ContentError::new(
                            &file(*locale, &intent.id),
                            1,
                            format!(
                                "slots {:?} differ from {}'s {:?}",
                                names(other).iter().map(|n| n.as_str()).collect::<Vec<_>>(),
                                Locale::ZhCn,
                                names(intent).iter().map(|n| n.as_str()).collect::<Vec<_>>()
                            ),
                        ));
                    }
                }
            }
        }
        for intent in &content.intents {
            if reference.intent(&intent.id).is_none() {
                errors.push(ContentError::new(
                    &file(*locale, &intent.id),
                    1,
                    format!("intent `{}` has no {} version", intent.id, Locale::ZhCn),
                ));
            }
        }
    }
}
