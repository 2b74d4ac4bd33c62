//! One intent as content staff write it (`intents/<locale>/<id>.yaml`), and the checked
//! form the rest of the program uses.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::acts::ConversationAct;
use super::error::{ContentError, ContentErrors};
use crate::domain::{
    EntityKind, FollowUpId, HandoffReason, IntentId, KnowledgeId, Priority, SlotName, TraitName,
};

/// What a message of this intent is, which decides how the reply opens.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum IntentKind {
    /// Something went wrong for the customer: soothe first.
    Complaint,
    /// Something to get done (report a loss, reset a password).
    Request,
    /// A calm question: a plain answer, no forced apology.
    Inquiry,
    /// Greeting, thanks, goodbye, yes, no: not a demand of its own.
    Conversation,
}

/// How pressing an intent is for the bank.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    #[default]
    Normal,
    High,
    Urgent,
}

/// When an intent sends the customer to a human, beyond the general rules.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HandoffWhen {
    #[default]
    Never,
    Immediately,
    OnCue,
    WhenUnresolved,
}

/// The intent's own handoff policy.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffPolicy {
    #[serde(default)]
    pub when: HandoffWhen,
    #[serde(default)]
    pub priority: Priority,
    /// The reason the handoff reports; by default `urgent_intent` for urgent intents and
    /// `policy` otherwise.
    #[serde(default)]
    pub reason: Option<HandoffReason>,
    /// Phrases that, with `when: on_cue`, send the customer to a human.
    #[serde(default)]
    pub cues: Vec<String>,
}

/// The time within which the bank's process does what the reply promises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commitment {
    WorkingDays(u32),
    Hours(u32),
}

/// Something the bot must learn from the customer before it can register the case.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    pub name: SlotName,
    pub entity: EntityKind,
    /// The question that asks for it, one thing at a time.
    pub question: String,
}

/// A training example with the line it came from (so that `frontline check` can point at it).
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub text: String,
    pub line: usize,
}

/// A checked intent of one locale.
#[derive(Clone, Debug, PartialEq)]
pub struct Intent {
    pub id: IntentId,
    pub title: String,
    /// How the bot names the problem to the customer; see [`Intent::spoken_title`].
    pub customer_title: Option<String>,
    pub kind: IntentKind,
    pub urgency: Urgency,
    pub examples: Vec<Example>,
    pub keywords: Vec<String>,
    /// Words that state this intent's problem (not only its topic); see
    /// [`Intent::problem_words`].
    pub problem_phrases: Vec<String>,
    pub slots: Vec<Slot>,
    pub knowledge: Vec<(KnowledgeId, usize)>,
    pub commitment: Option<Commitment>,
    pub handoff: HandoffPolicy,
    pub next_steps: Vec<String>,
    pub disclosures: Vec<String>,
    /// Worries raised once the case is registered, and the phrases that raise each.
    pub follow_ups: BTreeMap<FollowUpId, Vec<String>>,
    /// Traits of the case the customer's words show: trait → value → phrases.
    pub traits: BTreeMap<TraitName, BTreeMap<TraitName, Vec<String>>>,
    /// The conversational act the dialogue's rules see in this intent (yes, no, …),
    /// resolved once at load.
    pub act: Option<ConversationAct>,
}

/// One intent of the catalogue, in one locale: `intents/<locale>/<id>.yaml`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Frontline intent")]
struct IntentFile {
    /// The intent id (lower_snake_case), equal to the file name.
    #[schemars(with = "String", regex(pattern = r"^[a-z][a-z0-9_]{0,63}$"))]
    id: Spanned<String>,
    /// What staff and agents see.
    title: String,
    /// How the bot names the problem to the customer (`ATM 吞钞的事`, `the transfer that
    /// hasn't arrived`): the title is for staff and reads like a form. The title serves
    /// when this is absent.
    #[serde(default)]
    customer_title: Option<String>,
    kind: IntentKind,
    #[serde(default)]
    urgency: Urgency,
    /// What customers really write: at least 30 in zh-CN, 12 in en; varied.
    #[schemars(with = "Vec<String>", length(min = 1))]
    examples: Spanned<Vec<Spanned<String>>>,
    /// Words that point strongly at this intent.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    keywords: Vec<Spanned<String>>,
    /// Words that state the problem itself (`没到账`, `被冻了`), not only its topic
    /// (`转账`, `网点`): a clause of a longer message opens this intent as a further
    /// demand only when it contains one. Without them, the keywords serve. Not used to
    /// learn the intent, so they can be tuned without changing what a whole message means.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    problem_phrases: Vec<Spanned<String>>,
    /// What the bot must learn before it can register the case, asked one at a time.
    #[serde(default)]
    slots: Vec<SlotFile>,
    /// Knowledge-base articles (`knowledge-base/<locale>/<id>.md`) the replies cite.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    knowledge: Vec<Spanned<String>>,
    /// The time within which the bank's process does what the reply promises.
    #[schemars(with = "Option<CommitmentFile>")]
    commitment: Option<Spanned<CommitmentFile>>,
    /// When this intent goes to a human, beyond the general rules.
    #[serde(default)]
    #[schemars(with = "Option<HandoffPolicy>")]
    handoff: Option<Spanned<HandoffPolicy>>,
    /// What the agent should do first, shown in the handoff summary.
    #[serde(default)]
    next_steps: Vec<String>,
    /// Phrases every guidance variant must contain (regulatory disclosures).
    #[serde(default)]
    disclosures: Vec<String>,
    /// Worries customers raise once the case is registered (how long, the credit record,
    /// whether the card still works), each with the phrases that raise it; the answers are
    /// the template file's `follow_ups`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    follow_ups: BTreeMap<FollowUpId, Vec<String>>,
    /// What the customer's words tell about the case without a question (a withdrawal
    /// or a deposit): each trait's values with the phrases that show them. Templates
    /// branch on them (`{{#if (eq traits.operation "deposit")}}`), so a restatement
    /// says back exactly what the customer said.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, BTreeMap<String, Vec<String>>>")]
    traits: BTreeMap<TraitName, BTreeMap<TraitName, Vec<String>>>,
}

/// The JSON Schema of intent files, for editors that validate YAML while staff type.
pub fn intent_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(IntentFile)).unwrap_or_default()
}

/// A slot: something the bot asks for.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct SlotFile {
    /// lower_snake_case name, used in templates as `{{slots.<name>}}`.
    #[schemars(with = "String")]
    name: Spanned<String>,
    /// The entity type that fills it.
    entity: EntityKind,
    /// The question that asks for it.
    #[schemars(with = "String")]
    question: Spanned<String>,
}

/// Exactly one of `working_days` or `hours`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CommitmentFile {
    working_days: Option<u32>,
    hours: Option<u32>,
}

impl Intent {
    /// Parses and checks one intent file. `source` is its text, `path` is for messages.
    pub fn parse(path: &Path, source: &str) -> Result<Intent, ContentErrors> {
        let file: IntentFile = serde_saphyr::from_str(source)
            .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
        let mut errors = ContentErrors::default();
        let line = |s: &Spanned<String>| s.referenced.line() as usize;

        let id = match IntentId::parse(&file.id.value) {
            Ok(id) => {
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default();
                if stem != id.as_str() {
                    errors.push(ContentError::new(
                        path,
                        line(&file.id),
                        format!("id `{id}` does not match the file name `{stem}.yaml`"),
                    ));
                }
                Some(id)
            }
            Err(e) => {
                errors.push(ContentError::new(path, line(&file.id), e.to_string()));
                None
            }
        };

        let examples = checked_texts(path, &file.examples.value, "example", &mut errors);
        if examples.is_empty() {
            errors.push(ContentError::new(
                path,
                file.examples.referenced.line() as usize,
                "an intent needs at least one example",
            ));
        }
        let keywords = checked_texts(path, &file.keywords, "keyword", &mut errors)
            .into_iter()
            .map(|e| e.text)
            .collect();
        let problem_phrases =
            checked_texts(path, &file.problem_phrases, "problem phrase", &mut errors)
                .into_iter()
                .map(|e| e.text)
                .collect();
        let slots = checked_slots(path, file.slots, &mut errors);

        let knowledge = file
            .knowledge
            .iter()
            .filter_map(|k| match KnowledgeId::parse(&k.value) {
                Ok(id) => Some((id, line(k))),
                Err(e) => {
                    errors.push(ContentError::new(path, line(k), e.to_string()));
                    None
                }
            })
            .collect();

        let commitment = file.commitment.and_then(|c| {
            let at = c.referenced.line() as usize;
            match (c.value.working_days, c.value.hours) {
                (Some(days), None) if days > 0 => Some(Commitment::WorkingDays(days)),
                (None, Some(hours)) if hours > 0 => Some(Commitment::Hours(hours)),
                _ => {
                    errors.push(ContentError::new(
                        path,
                        at,
                        "commitment needs exactly one of `working_days` or `hours`, greater than 0",
                    ));
                    None
                }
            }
        });

        let handoff = match file.handoff {
            Some(h) => {
                if h.value.when == HandoffWhen::OnCue && h.value.cues.is_empty() {
                    errors.push(ContentError::new(
                        path,
                        h.referenced.line() as usize,
                        "handoff `when: on_cue` needs at least one cue",
                    ));
                }
                let cue_means_something =
                    matches!(h.value.when, HandoffWhen::OnCue | HandoffWhen::Immediately);
                if !h.value.cues.is_empty() && !cue_means_something {
                    errors.push(ContentError::new(
                        path,
                        h.referenced.line() as usize,
                        "handoff `cues` only apply with `when: on_cue` or `when: immediately`",
                    ));
                }
                h.value
            }
            None => HandoffPolicy::default(),
        };

        let intent = id.map(|id| Intent {
            act: ConversationAct::of(&id),
            id,
            title: file.title,
            customer_title: file.customer_title.filter(|t| !t.trim().is_empty()),
            kind: file.kind,
            urgency: file.urgency,
            examples,
            keywords,
            problem_phrases,
            slots,
            knowledge,
            commitment,
            handoff,
            next_steps: file.next_steps,
            disclosures: file.disclosures,
            follow_ups: file.follow_ups,
            traits: file.traits,
        });
        match intent {
            Some(intent) => errors.into_result(intent),
            None => Err(errors),
        }
    }

    /// Whether a message of this intent is a demand to track in the ledger. Greetings,
    /// thanks, yes and no are not; neither is asking for a human, which is a request for
    /// another channel, not a banking need.
    pub fn is_demand(&self) -> bool {
        self.kind != IntentKind::Conversation
            && self.handoff.reason != Some(HandoffReason::CustomerRequest)
    }

    /// The name of the problem in what the customer reads or hears: the customer title,
    /// else the staff title.
    pub fn spoken_title(&self) -> &str {
        self.customer_title.as_deref().unwrap_or(&self.title)
    }

    /// The words by which a clause states this intent's problem: its problem phrases, or
    /// its keywords when it has none.
    pub fn problem_words(&self) -> &Vec<String> {
        if self.problem_phrases.is_empty() {
            &self.keywords
        } else {
            &self.problem_phrases
        }
    }

    /// The slot of this intent with the given name.
    pub fn slot(&self, name: &SlotName) -> Option<&Slot> {
        self.slots.iter().find(|s| &s.name == name)
    }
}

/// Trims texts and refuses empty ones and exact repeats (after trimming).
fn checked_texts(
    path: &Path,
    texts: &[Spanned<String>],
    what: &str,
    errors: &mut ContentErrors,
) -> Vec<Example> {
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(texts.len());
    for spanned in texts {
        let line = spanned.referenced.line() as usize;
        let text = spanned.value.trim();
        if text.is_empty() {
            errors.push(ContentError::new(path, line, format!("empty {what}")));
            continue;
        }
        if let Some(first) = seen.insert(text.to_string(), line) {
            errors.push(ContentError::new(
                path,
                line,
                format!("duplicate {what} `{text}` (first on line {first})"),
            ));
            continue;
        }
        out.push(Example {
            text: text.to_string(),
            line,
        });
    }
    out
}

fn checked_slots(path: &Path, slots: Vec<SlotFile>, errors: &mut ContentErrors) -> Vec<Slot> {
    let mut out: Vec<Slot> = Vec::with_capacity(slots.len());
    for slot in slots {
        let line = slot.name.referenced.line() as usize;
        let name = match SlotName::parse(&slot.name.value) {
            Ok(name) => name,
            Err(e) => {
                errors.push(ContentError::new(path, line, e.to_string()));
                continue;
            }
        };
        if out.iter().any(|s| s.name == name) {
            errors.push(ContentError::new(
                path,
                line,
                format!("slot `{name}` is listed twice"),
            ));
            continue;
        }
        let question = slot.question.value.trim().to_string();
        if question.is_empty() {
            errors.push(ContentError::new(
                path,
                slot.question.referenced.line() as usize,
                format!("slot `{name}` needs a question"),
            ));
            continue;
        }
        // A question may say back what is known (`这笔{{#if (eq traits.operation
        // "deposit")}}存款{{else}}取款{{/if}}`): it is a template like the replies.
        if let Err(e) = handlebars::Template::compile(&question) {
            errors.push(ContentError::new(
                path,
                slot.question.referenced.line() as usize,
                format!("slot `{name}`: question does not compile: {}", e.reason()),
            ));
            continue;
        }
        if matches!(slot.entity, EntityKind::CardNumber | EntityKind::IdNumber) {
            errors.push(ContentError::new(
                path,
                line,
                format!(
                    "slot `{name}` asks for a full {}: the bot never collects it (ask for card_tail instead)",
                    slot.entity
                ),
            ));
            continue;
        }
        out.push(Slot {
            name,
            entity: slot.entity,
            question,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Result<Intent, ContentErrors> {
        Intent::parse(Path::new("intents/zh-CN/atm_cash_retention.yaml"), source)
    }

    const GOOD: &str = "id: atm_cash_retention\ntitle: t\nkind: complaint\nexamples:\n  - ATM吞了我的钱\n  - 取款没出钞\nslots:\n  - name: amount\n    entity: amount\n    question: 多少钱?\ncommitment:\n  working_days: 3\n";

    #[test]
    fn a_well_formed_file_is_accepted() {
        let intent = parse(GOOD).unwrap();
        assert_eq!(intent.examples.len(), 2);
        assert_eq!(intent.examples[1].line, 6);
        assert_eq!(intent.commitment, Some(Commitment::WorkingDays(3)));
    }

    #[test]
    fn errors_point_at_the_line_and_say_what_is_wrong() {
        let source = GOOD.replace("  - 取款没出钞", "  - ATM吞了我的钱");
        let errors = parse(&source).unwrap_err().to_string();
        assert_eq!(
            errors,
            "intents/zh-CN/atm_cash_retention.yaml:6: duplicate example `ATM吞了我的钱` (first on line 5)"
        );
        let errors = parse(&GOOD.replace("kind: complaint", "kind: moan"))
            .unwrap_err()
            .to_string();
        assert!(
            errors.starts_with("intents/zh-CN/atm_cash_retention.yaml:3: unknown variant `moan`"),
            "{errors}"
        );
        let errors = parse(&GOOD.replace("id: atm_cash_retention", "id: atm_cash"))
            .unwrap_err()
            .to_string();
        assert!(
            errors.contains(":1: id `atm_cash` does not match the file name"),
            "{errors}"
        );
    }

    #[test]
    fn unknown_fields_are_refused_with_their_line() {
        let errors = parse(&format!("{GOOD}colour: red\n"))
            .unwrap_err()
            .to_string();
        assert!(errors.contains(":13: unknown field `colour`"), "{errors}");
    }
}
