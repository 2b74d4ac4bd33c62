//! Instructions per parse and per turn, counted by callgrind: the stable speed figure.
//! Wall-clock time moves with whatever else the machine does; the number of instructions
//! a parse executes does not, so CI can fail a change that makes it 10% more expensive
//! (`scripts/instructions`, which runs this under `valgrind --tool=callgrind` and compares
//! with `benches/instructions.baseline`).
//!
//! The program runs in phases; callgrind dumps its counts each time
//! [`callgrind_phase_boundary`] is entered (`--dump-before`), so the set-up (loading
//! content, restoring the models) is counted apart from the measured work:
//!   1. set-up and warm-up;  2. `PARSES` parses of the demo message (`/v1/parse`'s work);
//!   3. `CONVERSATIONS` three-turn conversations through the turn service on SQLite.
//!
//! Run alone (without valgrind) it does the same work once and prints nothing of note:
//! `cargo test --all-targets` runs it that way, so it stays working.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use frontline::conversations::{Conversations, TurnLimits};
use frontline::dialogue::TurnRequest;
use frontline::domain::{Channel, ConversationId, Customer, Locale, MessageText};
use frontline::live::{LiveServices, ModelFiles, Services};
use frontline::nlu::Utterance;
use frontline::store::{Database, SqliteStore};

/// The README's demo message: a time, a place, an amount, two clauses.
const DEMO: &str = "昨天下午三点在人民路支行的ATM取两千块,钱没出来卡里却扣了";
const PARSES: usize = 100;
const CONVERSATIONS: usize = 20;
/// One conversation: the complaint, then the time and the place the bot asks for.
const TURNS: [&str; 3] = [
    "昨天下午三点在人民路支行的ATM取两千块,钱没出来卡里却扣了,气死我了!",
    "对,就是这样",
    "卡号6222021234567890123,电话13812345678",
];

/// Callgrind dumps its counts on entering this function (see the module comment).
#[inline(never)]
fn callgrind_phase_boundary(phase: &str) {
    black_box(phase);
}

fn request(text: &str) -> TurnRequest {
    TurnRequest {
        text: Some(MessageText::parse(text.to_string()).unwrap()),
        dtmf: None,
        event: None,
        asr_confidence: None,
        channel: Channel::Web,
        locale: Locale::ZhCn,
        customer: Customer::default(),
        chosen: None,
        spoken: false,
    }
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The models come from a cache (trained by a first run without valgrind): training
    // under callgrind would take minutes and is not what is measured.
    let models = std::env::var_os("FRONTLINE_INSTRUCTIONS_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("frontline-instructions"));
    let services = Services::load_cached(&root, &ModelFiles::in_data_dir(&models)).unwrap();
    let understanding = services.understanding.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let store = runtime
        .block_on(SqliteStore::open(data_dir.path()))
        .unwrap();
    let conversations = Conversations::new(
        Arc::new(LiveServices::new(services, root.clone())),
        Arc::new(Database::Sqlite(store)),
        frontline::handoff::Outbox::default(),
        TurnLimits {
            max_turns_per_conversation: u32::MAX,
            max_concurrent_turns: 64,
        },
    );
    let parse =
        || understanding.understand(&Utterance::new(black_box(DEMO), Locale::ZhCn).whole_only());
    let converse = |n: usize| {
        let id = ConversationId::parse(&format!("instructions-{n}")).unwrap();
        for text in TURNS {
            runtime
                .block_on(conversations.take_turn(id.clone(), request(black_box(text))))
                .unwrap();
        }
    };
    // Warm-up: lazily built tables, the first statements prepared.
    black_box(parse());
    converse(usize::MAX);

    callgrind_phase_boundary("parse");
    for _ in 0..PARSES {
        black_box(parse());
    }
    callgrind_phase_boundary("turn");
    for n in 0..CONVERSATIONS {
        converse(n);
    }
    callgrind_phase_boundary("end");
    println!(
        "phases: parse x{PARSES}, turn x{}",
        CONVERSATIONS * TURNS.len()
    );
}
