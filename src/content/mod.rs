//! Content staff's files, loaded into checked, typed structures. Handlers and the matcher
//! never re-check content: what [`Catalog::load`] returns is valid.

mod acts;
mod calendar;
mod catalog;
mod dictionary;
mod error;
mod faq;
mod intent;
mod ivr;
mod knowledge;
mod lexicon;
mod notice;
mod out_of_scope;
mod templates;
mod version;
mod wechat;

pub use acts::ConversationAct;
pub use calendar::{BankCalendar, CALENDAR_FILE};
pub use catalog::{
    BANK_PROFILE, Catalog, INTENTS_DIR, KNOWLEDGE_DIR, LocaleContent, TEMPLATES_DIR,
};
pub use dictionary::DictionaryWord;
pub use error::{ContentError, ContentErrors};
pub use faq::{FAQ_DIR, Faq, FaqEntry, FaqMatching, MIN_QUESTIONS, faq_schema};
pub use intent::{
    Commitment, Example, HandoffPolicy, HandoffWhen, Intent, IntentKind, Slot, Urgency,
    intent_schema,
};
pub use ivr::{IvrSettings, PromptLimit};
pub use knowledge::Article;
pub use lexicon::{Lexicon, RiskKind};
pub use notice::{
    AppliesTo, NOTICES_DIR, Notice, NoticeDraft, NoticeId, NoticePolicy, NoticeProblem, Statement,
    notice_schema,
};
pub use out_of_scope::OutOfScope;
pub use templates::{
    Conditions, IntentTemplates, Part, QuickReplyMeaning, ReplyTemplates, Rule, Strength,
    SystemPart, SystemTemplates, TemplateText,
};
pub use version::ContentVersion;
pub use wechat::{MAX_REPLY_BYTES, WechatSettings};
