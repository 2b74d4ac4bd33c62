//! Each phase of the dialogue, one turn at a time, on the bundled content. The messages are
//! given as understood (intent, entities), so these tests pin the dialogue's rules, not the
//! matcher: what the bot plans to say, in which order, and where it then waits.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{NaiveDate, TimeZone, Utc};

use super::{SILENCES_BEFORE_HANDOFF, Speech, TurnInput, take_turn};
use crate::content::{Catalog, LocaleContent};
use crate::dialogue::conversation::{Conversation, ConversationState, Phase};
use crate::dialogue::ledger::DemandStatus;
use crate::dialogue::plan::{Step, TurnPlan};
use crate::domain::{
    Channel, ConversationId, Customer, EmotionLabel, EntityKind, HandoffReason, IntentId, Locale,
    SlotName,
};
use crate::nlu::{Emotion, Entity, MessageUnderstanding};

fn content() -> &'static LocaleContent {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG
        .get_or_init(|| {
            Catalog::load(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the bundled content")
        })
        .locale(Locale::ZhCn)
}

fn today() -> NaiveDate {
    // A Monday, so that working days are plain to count.
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// Noon on [`today`] in Beijing, on a calendar of weekends only.
fn time() -> super::BankTime<'static> {
    static WEEKENDS: OnceLock<crate::content::BankCalendar> = OnceLock::new();
    super::BankTime {
        calendar: WEEKENDS.get_or_init(crate::content::BankCalendar::weekends_only),
        zone: crate::domain::BankZone::china(),
        now: today().and_hms_opt(4, 0, 0).unwrap().and_utc(),
    }
}

fn conversation() -> Conversation {
    Conversation::new(
        ConversationId::parse("phase-test").unwrap(),
        Channel::Web,
        Locale::ZhCn,
        Customer::default(),
        Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap(),
    )
}

fn entity(kind: EntityKind, value: &str) -> Entity {
    Entity {
        kind,
        value: crate::privacy::mask(value),
        text: crate::privacy::mask(value),
        start: 0,
        end: value.chars().count(),
    }
}

/// A message understood as `intent` (or as nothing) with these entities.
fn said(intent: Option<&str>, entities: Vec<Entity>) -> MessageUnderstanding {
    let mut understanding = match intent {
        Some(id) => MessageUnderstanding::chosen(IntentId::parse(id).unwrap()),
        None => MessageUnderstanding::nothing(),
    };
    understanding.whole.entities = entities;
    understanding
}

fn angry(mut understanding: MessageUnderstanding) -> MessageUnderstanding {
    understanding.whole.emotion = Emotion {
        label: EmotionLabel::Angry,
        intensity: 0.6,
    };
    understanding
}

fn turn(
    conversation: &mut Conversation,
    text: &str,
    understanding: MessageUnderstanding,
) -> TurnPlan {
    take_turn(
        conversation,
        &TurnInput {
            text: Some(text),
            understanding,
            time: time(),
            speech: Speech::Understood,
            notices: &[],
        },
        content(),
    )
}

fn silence(conversation: &mut Conversation) -> TurnPlan {
    take_turn(
        conversation,
        &TurnInput {
            text: None,
            understanding: MessageUnderstanding::nothing(),
            time: time(),
            speech: Speech::Silence,
            notices: &[],
        },
        content(),
    )
}

fn phase(conversation: &Conversation) -> Phase {
    match &conversation.state {
        ConversationState::Active { phase } => phase.clone(),
        other => panic!("not active: {other:?}"),
    }
}

fn slot(name: &str) -> SlotName {
    SlotName::parse(name).unwrap()
}

fn id(name: &str) -> IntentId {
    IntentId::parse(name).unwrap()
}

/// The question for the amount of an ATM complaint.
fn ask_amount() -> Step {
    Step::Ask {
        intent: id("atm_cash_retention"),
        slot: slot("amount"),
    }
}

/// An ATM complaint with its time and place, so that only the amount is missing.
fn atm_complaint_missing_the_amount(conversation: &mut Conversation) -> TurnPlan {
    turn(
        conversation,
        "昨天下午三点人民路支行的ATM吞了我的钱",
        angry(said(
            Some("atm_cash_retention"),
            vec![
                entity(EntityKind::Datetime, "2026-11-29T15:00"),
                entity(EntityKind::Location, "人民路支行"),
            ],
        )),
    )
}

/// The same complaint, restated and waiting for a yes.
fn atm_complaint_awaiting_confirmation(conversation: &mut Conversation) {
    atm_complaint_missing_the_amount(conversation);
    turn(
        conversation,
        "两千块",
        said(None, vec![entity(EntityKind::Amount, "2000")]),
    );
    assert_eq!(phase(conversation), Phase::Confirmation { demand: 0 });
}

#[test]
fn listening_a_new_complaint_is_soothed_first_then_the_missing_slot_is_asked() {
    let mut conversation = conversation();
    let plan = atm_complaint_missing_the_amount(&mut conversation);
    assert!(
        matches!(plan.steps.first(), Some(Step::Soothe { .. })),
        "soothing must come first: {:?}",
        plan.steps
    );
    assert_eq!(plan.steps.last(), Some(&ask_amount()));
    assert_eq!(
        phase(&conversation),
        Phase::Slot {
            demand: 0,
            slot: slot("amount")
        }
    );
    assert_eq!(conversation.turn, 1);
}

#[test]
fn slot_an_answer_is_not_soothed_again_and_leads_to_the_restatement() {
    let mut conversation = conversation();
    atm_complaint_missing_the_amount(&mut conversation);
    let plan = turn(
        &mut conversation,
        "两千块",
        said(None, vec![entity(EntityKind::Amount, "2000")]),
    );
    assert_eq!(
        plan.steps,
        vec![Step::Restate { demand: 0 }, Step::Confirm],
        "an answer is restated, never soothed as a new complaint"
    );
    assert_eq!(phase(&conversation), Phase::Confirmation { demand: 0 });
}

#[test]
fn slot_a_message_without_the_answer_is_a_fallback_and_the_question_is_asked_again() {
    let mut conversation = conversation();
    atm_complaint_missing_the_amount(&mut conversation);
    let plan = turn(&mut conversation, "嗯嗯那个", said(None, vec![]));
    assert_eq!(plan.steps, vec![Step::Fallback, ask_amount()]);
    assert_eq!(conversation.fallbacks_in_a_row, 1);
}

#[test]
fn confirmation_a_yes_gives_the_guidance_and_the_deadline_then_offers_more_help() {
    let mut conversation = conversation();
    atm_complaint_awaiting_confirmation(&mut conversation);
    let plan = turn(&mut conversation, "对的", said(Some("affirm"), vec![]));
    let by = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    assert_eq!(
        plan.steps,
        vec![
            Step::Guidance { demand: 0 },
            Step::Commitment { demand: 0, by },
            Step::AnythingElse,
        ]
    );
    assert_eq!(phase(&conversation), Phase::AnythingElse);
    assert_eq!(
        conversation.ledger.get(0).unwrap().status,
        DemandStatus::Addressed
    );
}

#[test]
fn confirmation_a_no_asks_what_was_wrong() {
    let mut conversation = conversation();
    atm_complaint_awaiting_confirmation(&mut conversation);
    let plan = turn(&mut conversation, "不对", said(Some("deny"), vec![]));
    assert_eq!(plan.steps, vec![Step::Correction]);
    assert_eq!(phase(&conversation), Phase::Correction { demand: 0 });
}

#[test]
fn confirmation_a_yes_with_another_amount_is_a_correction_not_a_yes() {
    let mut conversation = conversation();
    atm_complaint_awaiting_confirmation(&mut conversation);
    let plan = turn(
        &mut conversation,
        "是三千块",
        said(Some("affirm"), vec![entity(EntityKind::Amount, "3000")]),
    );
    assert_eq!(plan.steps, vec![Step::Restate { demand: 0 }, Step::Confirm]);
    let amount = &conversation.ledger.get(0).unwrap().slots[&slot("amount")];
    assert_eq!(amount.value.as_str(), "3000");
}

#[test]
fn correction_the_corrected_value_is_restated_for_a_new_yes() {
    let mut conversation = conversation();
    atm_complaint_awaiting_confirmation(&mut conversation);
    turn(&mut conversation, "不对", said(Some("deny"), vec![]));
    let plan = turn(
        &mut conversation,
        "是五百",
        said(None, vec![entity(EntityKind::Amount, "500")]),
    );
    assert_eq!(plan.steps, vec![Step::Restate { demand: 0 }, Step::Confirm]);
    assert_eq!(phase(&conversation), Phase::Confirmation { demand: 0 });
    let amount = &conversation.ledger.get(0).unwrap().slots[&slot("amount")];
    assert_eq!(amount.value.as_str(), "500");
}

#[test]
fn resolution_a_yes_settles_the_demand_and_a_no_goes_to_a_person() {
    let mut helped = conversation();
    let plan = turn(
        &mut helped,
        "手机银行登不上",
        said(Some("mobile_banking_login"), vec![]),
    );
    assert!(
        plan.steps.contains(&Step::ResolvedCheck),
        "{:?}",
        plan.steps
    );
    assert_eq!(phase(&helped), Phase::Resolution { demand: 0 });
    turn(&mut helped, "好了", said(Some("affirm"), vec![]));
    assert_eq!(
        helped.ledger.get(0).unwrap().status,
        DemandStatus::Addressed
    );
    assert_eq!(phase(&helped), Phase::AnythingElse);

    let mut not_helped = conversation();
    turn(
        &mut not_helped,
        "手机银行登不上",
        said(Some("mobile_banking_login"), vec![]),
    );
    let plan = turn(&mut not_helped, "还是不行", said(Some("deny"), vec![]));
    assert_eq!(
        plan.handoff.map(|h| h.reason),
        Some(HandoffReason::Policy),
        "{:?}",
        plan.steps
    );
    assert!(not_helped.handoff().is_some());
}

#[test]
fn goodbye_check_a_goodbye_never_closes_over_an_open_demand() {
    let mut conversation = conversation();
    atm_complaint_missing_the_amount(&mut conversation);
    let plan = turn(&mut conversation, "再见", said(Some("goodbye"), vec![]));
    assert_eq!(
        plan.steps,
        vec![Step::OpenDemands {
            intents: vec![id("atm_cash_retention")]
        }]
    );
    assert_eq!(phase(&conversation), Phase::GoodbyeCheck);

    let plan = turn(&mut conversation, "不用了", said(Some("deny"), vec![]));
    assert_eq!(plan.steps, vec![Step::Goodbye]);
    assert!(conversation.is_closed());
}

#[test]
fn goodbye_check_a_yes_goes_back_to_the_open_demand() {
    let mut conversation = conversation();
    atm_complaint_missing_the_amount(&mut conversation);
    turn(&mut conversation, "再见", said(Some("goodbye"), vec![]));
    let plan = turn(&mut conversation, "好的", said(Some("affirm"), vec![]));
    assert_eq!(plan.steps, vec![ask_amount()]);
}

#[test]
fn asking_for_a_person_hands_off_and_then_the_bot_only_holds_the_line() {
    let mut conversation = conversation();
    let plan = turn(
        &mut conversation,
        "转人工",
        said(Some("human_agent"), vec![]),
    );
    assert_eq!(
        plan.handoff.map(|h| h.reason),
        Some(HandoffReason::CustomerRequest)
    );
    let handoff = conversation.handoff().cloned().expect("handed off");

    let plan = turn(&mut conversation, "人呢", said(Some("human_agent"), vec![]));
    assert_eq!(plan.steps, vec![Step::Holding]);
    assert_eq!(plan.handoff, None, "no second handoff");
    assert_eq!(conversation.handoff(), Some(&handoff));
}

#[test]
fn a_silent_caller_is_reprompted_then_given_the_menu_then_handed_to_a_person() {
    let mut conversation = conversation();
    let first = silence(&mut conversation);
    assert_eq!(first.steps, vec![Step::Silence { menu: false }]);
    let mut last = silence(&mut conversation);
    assert_eq!(last.steps, vec![Step::Silence { menu: true }]);
    for _ in 2..SILENCES_BEFORE_HANDOFF {
        last = silence(&mut conversation);
    }
    assert_eq!(
        last.handoff.map(|h| h.reason),
        Some(HandoffReason::LowConfidence)
    );
}

#[test]
fn two_misunderstood_messages_in_a_row_go_to_a_person() {
    let mut conversation = conversation();
    let first = turn(&mut conversation, "啊啊啊", said(None, vec![]));
    assert_eq!(first.steps, vec![Step::Fallback]);
    assert_eq!(first.handoff, None);
    let second = turn(&mut conversation, "哦哦哦", said(None, vec![]));
    assert_eq!(
        second.handoff.map(|h| h.reason),
        Some(HandoffReason::LowConfidence)
    );
}

#[test]
fn thanks_with_an_open_demand_thanks_back_and_returns_to_it() {
    let mut conversation = conversation();
    atm_complaint_missing_the_amount(&mut conversation);
    conversation.state = ConversationState::Active {
        phase: Phase::Listening,
    };
    let plan = turn(&mut conversation, "谢谢", said(Some("thanks"), vec![]));
    assert!(
        matches!(plan.steps.first(), Some(Step::Answer { .. })),
        "{:?}",
        plan.steps
    );
    assert_eq!(plan.steps.last(), Some(&ask_amount()));
}

#[test]
fn closed_a_new_message_starts_over_from_listening() {
    let mut conversation = conversation();
    turn(&mut conversation, "再见", said(Some("goodbye"), vec![]));
    assert!(conversation.is_closed());
    let plan = turn(
        &mut conversation,
        "手机银行登不上",
        said(Some("mobile_banking_login"), vec![]),
    );
    assert!(plan.steps.contains(&Step::Guidance { demand: 0 }));
}

#[test]
fn anything_else_a_no_closes_and_a_new_demand_is_taken_up() {
    let mut conversation = conversation();
    atm_complaint_awaiting_confirmation(&mut conversation);
    turn(&mut conversation, "对的", said(Some("affirm"), vec![]));
    assert_eq!(phase(&conversation), Phase::AnythingElse);
    let mut more = conversation.clone();

    let plan = turn(&mut conversation, "没有了", said(Some("deny"), vec![]));
    assert_eq!(plan.steps, vec![Step::Goodbye]);
    assert_eq!(
        conversation.state,
        ConversationState::Closed { resolved_by: None }
    );

    turn(&mut more, "还有年费的事", said(Some("fee_dispute"), vec![]));
    assert!(matches!(more.state, ConversationState::Active { .. }));
    assert_eq!(
        more.ledger.all().len(),
        2,
        "the fee dispute is a new demand"
    );
}

#[test]
fn a_follow_up_worry_is_answered_in_the_case_and_the_question_stays_open() {
    let mut conversation = conversation();
    atm_complaint_missing_the_amount(&mut conversation);
    let mut worry = said(None, vec![]);
    worry.whole.follow_ups = vec![(
        id("atm_cash_retention"),
        crate::domain::FollowUpId::parse("how_long").unwrap(),
    )];
    let plan = turn(&mut conversation, "多久能退回来", worry);
    assert_eq!(
        plan.steps,
        vec![
            Step::FollowUp {
                demand: 0,
                worry: crate::domain::FollowUpId::parse("how_long").unwrap(),
                by: NaiveDate::from_ymd_opt(2026, 12, 3),
            },
            ask_amount(),
        ]
    );
    assert_eq!(conversation.fallbacks_in_a_row, 0);
    assert_eq!(conversation.ledger.all().len(), 1, "no new demand");
}

#[test]
fn confirmation_a_detail_is_noted_for_the_agent_and_the_yes_still_awaited() {
    let mut conversation = conversation();
    atm_complaint_awaiting_confirmation(&mut conversation);
    let plan = turn(
        &mut conversation,
        "当时屏幕显示交易失败",
        said(None, vec![]),
    );
    assert_eq!(plan.steps, vec![Step::DetailNoted, Step::Confirm]);
    assert_eq!(phase(&conversation), Phase::Confirmation { demand: 0 });
    let notes = &conversation.ledger.get(0).unwrap().notes;
    assert_eq!(notes.len(), 1);
    assert_eq!(conversation.fallbacks_in_a_row, 0);
}

#[test]
fn a_person_asked_for_inside_a_complaint_is_handed_off_at_once_the_yes_right_after_soothing() {
    let mut conversation = conversation();
    let mut complaint = said(Some("product_loss_risk"), vec![]);
    complaint.whole.cued = vec![id("human_agent")];
    let plan = turn(&mut conversation, "理财亏了两万,转人工", complaint);
    assert_eq!(
        plan.handoff.map(|h| h.reason),
        Some(HandoffReason::CustomerRequest)
    );
    let first_not_soothing = plan
        .steps
        .iter()
        .find(|s| !matches!(s, Step::Soothe { .. } | Step::Reassure { .. }));
    assert!(
        matches!(first_not_soothing, Some(Step::Handoff { .. })),
        "{:?}",
        plan.steps
    );
}

#[test]
fn a_mis_selling_cue_hands_off_after_the_rules_are_said() {
    let mut conversation = conversation();
    let mut loss = said(Some("product_loss_risk"), vec![]);
    loss.whole.cued = vec![id("product_loss_risk")];
    let plan = turn(&mut conversation, "说好保本的结果亏了", loss);
    assert_eq!(plan.handoff.map(|h| h.reason), Some(HandoffReason::Policy));
    let guidance = plan
        .steps
        .iter()
        .position(|s| *s == Step::Guidance { demand: 0 });
    let handoff = plan
        .steps
        .iter()
        .position(|s| matches!(s, Step::Handoff { .. }));
    assert!(guidance.is_some() && guidance < handoff, "{:?}", plan.steps);
}

#[test]
fn words_that_show_a_deposit_are_kept_on_the_case() {
    let mut conversation = conversation();
    let mut deposit = said(Some("atm_cash_retention"), vec![]);
    deposit.whole.traits = vec![(
        id("atm_cash_retention"),
        crate::domain::TraitName::parse("operation").unwrap(),
        crate::domain::TraitName::parse("deposit").unwrap(),
    )];
    turn(&mut conversation, "存钱没入账", deposit);
    let traits = &conversation.ledger.get(0).unwrap().traits;
    assert_eq!(
        traits
            .get(&crate::domain::TraitName::parse("operation").unwrap())
            .map(|v| v.as_str()),
        Some("deposit")
    );
}

#[test]
fn slot_a_bare_number_answers_how_much() {
    let mut conversation = conversation();
    atm_complaint_missing_the_amount(&mut conversation);
    let plan = turn(&mut conversation, "500", said(None, vec![]));
    assert_eq!(phase(&conversation), Phase::Confirmation { demand: 0 });
    assert!(
        plan.steps.contains(&Step::Restate { demand: 0 }),
        "{:?}",
        plan.steps
    );
    let amount = &conversation.ledger.get(0).unwrap().slots[&slot("amount")];
    assert_eq!(amount.value.as_str(), "500");
}

/// A message no intent claims that the FAQ reads as `reading`.
fn asked(reading: crate::nlu::FaqReading) -> MessageUnderstanding {
    let mut understanding = MessageUnderstanding::nothing();
    understanding.whole.faq_candidates = match &reading {
        crate::nlu::FaqReading::Answer(entry) => vec![entry.clone()],
        crate::nlu::FaqReading::Choices(entries) => entries.clone(),
        crate::nlu::FaqReading::Nothing => Vec::new(),
    };
    understanding.whole.faq = reading;
    understanding
}

fn faq_entry(id: &str, score: f32) -> crate::nlu::ScoredFaq {
    crate::nlu::ScoredFaq {
        id: crate::domain::FaqId::parse(id).unwrap(),
        score,
    }
}

#[test]
fn a_plain_question_is_answered_from_the_faq_and_more_help_offered() {
    let mut c = conversation();
    let reading = crate::nlu::FaqReading::Answer(faq_entry("debit_card_activation", 0.8));
    let plan = turn(&mut c, "新卡要激活吗", asked(reading));
    assert_eq!(
        plan.steps,
        vec![
            Step::KnowledgeAnswer {
                entry: crate::domain::FaqId::parse("debit_card_activation").unwrap()
            },
            Step::AnythingElse
        ]
    );
    assert!(!c.ledger.has_open(), "an FAQ answer is not a demand");
}

#[test]
fn an_angry_question_is_soothed_before_it_is_answered() {
    let mut c = conversation();
    let reading = crate::nlu::FaqReading::Answer(faq_entry("debit_card_activation", 0.8));
    let plan = turn(&mut c, "新卡到底要不要激活!", angry(asked(reading)));
    assert!(matches!(plan.steps[0], Step::Soothe { .. }), "{plan:?}");
    assert!(
        matches!(plan.steps[1], Step::KnowledgeAnswer { .. }),
        "{plan:?}"
    );
}

#[test]
fn a_complaint_wins_over_an_faq_entry() {
    let mut c = conversation();
    let mut understanding = said(Some("atm_cash_retention"), vec![]);
    // An FAQ entry scoring well below the intent's confidence…
    understanding.whole.faq = crate::nlu::FaqReading::Answer(faq_entry("atm_usage", 0.3));
    understanding.whole.faq_candidates = vec![faq_entry("atm_usage", 0.3)];
    let plan = turn(&mut c, "ATM吞了我的钱", understanding.clone());
    assert!(
        !plan
            .steps
            .iter()
            .any(|s| matches!(s, Step::KnowledgeAnswer { .. })),
        "{plan:?}"
    );
    // …or close to it, when the customer is upset: a case, not a question.
    let mut c = conversation();
    understanding.whole.faq = crate::nlu::FaqReading::Answer(faq_entry("atm_usage", 0.9));
    understanding.whole.faq_candidates = vec![faq_entry("atm_usage", 0.9)];
    let plan = turn(&mut c, "ATM吞了我的钱!", angry(understanding));
    assert!(
        !plan
            .steps
            .iter()
            .any(|s| matches!(s, Step::KnowledgeAnswer { .. })),
        "{plan:?}"
    );
    assert!(c.ledger.has_open());
}

#[test]
fn close_entries_are_offered_as_choices_and_nothing_close_falls_back() {
    let mut c = conversation();
    let reading = crate::nlu::FaqReading::Choices(vec![
        faq_entry("debit_card_activation", 0.7),
        faq_entry("debit_card_application", 0.68),
    ]);
    let plan = turn(&mut c, "借记卡", asked(reading));
    assert!(
        matches!(&plan.steps[..], [Step::KnowledgeChoices { entries }] if entries.len() == 2),
        "{plan:?}"
    );
    let plan = turn(&mut c, "今天天气", asked(crate::nlu::FaqReading::Nothing));
    assert_eq!(plan.steps, vec![Step::Fallback]);
}

#[test]
fn an_faq_answer_mid_case_returns_to_the_open_case() {
    let mut c = conversation();
    turn(
        &mut c,
        "ATM吞了我的钱",
        said(Some("atm_cash_retention"), vec![]),
    );
    let reading = crate::nlu::FaqReading::Answer(faq_entry("debit_card_activation", 0.8));
    let plan = turn(&mut c, "对了新卡要激活吗", asked(reading));
    assert!(
        matches!(plan.steps[0], Step::KnowledgeAnswer { .. }),
        "{plan:?}"
    );
    assert!(
        plan.steps
            .iter()
            .any(|s| matches!(s, Step::NextDemand { .. } | Step::Ask { .. })),
        "the open case is picked up again: {plan:?}"
    );
}
