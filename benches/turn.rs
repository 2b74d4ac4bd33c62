//! Turn latency: one customer message through the conversation service — load from
//! SQLite, understand, plan, word the reply, save in one transaction — in process,
//! without HTTP. Two cases: the first turn of a new conversation (an insert), and the
//! third turn of a conversation that is already going (a load, an update).
//!
//! Run: `cargo bench --bench turn`.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use frontline::conversations::{Conversations, TurnLimits};
use frontline::dialogue::TurnRequest;
use frontline::domain::{Channel, ConversationId, Customer, Locale, MessageText};
use frontline::startup::Services;
use frontline::store::{Database, SqliteStore};

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

fn turns(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let services = Services::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let store = runtime
        .block_on(SqliteStore::open(data_dir.path()))
        .unwrap();
    let live = frontline::live::LiveServices::new(services, PathBuf::from("."));
    let conversations = Conversations::new(
        Arc::new(live),
        Arc::new(Database::Sqlite(store)),
        frontline::handoff::Outbox::default(),
        TurnLimits {
            max_turns_per_conversation: u32::MAX,
            max_concurrent_turns: 64,
        },
    );
    let mut next = 0u64;
    c.bench_function("turn/zh-CN/new-conversation", |b| {
        b.iter(|| {
            next += 1;
            let id = ConversationId::parse(&format!("bench-{next}")).unwrap();
            runtime
                .block_on(conversations.take_turn(
                    id,
                    request(black_box(
                        "昨天下午三点在人民路支行的ATM取两千块,钱没出来卡里却扣了,气死我了!",
                    )),
                ))
                .unwrap()
        })
    });
    c.bench_function("turn/zh-CN/ongoing-conversation", |b| {
        b.iter_batched(
            || {
                // Not timed: a conversation that has just asked where the ATM is.
                next += 1;
                let id = ConversationId::parse(&format!("bench-{next}")).unwrap();
                runtime
                    .block_on(conversations.take_turn(id.clone(), request("ATM吞了我的钱")))
                    .unwrap();
                runtime
                    .block_on(conversations.take_turn(id.clone(), request("昨天下午三点")))
                    .unwrap();
                id
            },
            |id| {
                runtime
                    .block_on(conversations.take_turn(id, request(black_box("人民路支行"))))
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, turns);
criterion_main!(benches);
