//! Surge alerts through the real server on a clock the test moves: a week of ordinary
//! ATM complaints at one hour, then a rush of them from one city in that hour today. The
//! surge is raised once (for the city, the place it comes from), delivered once to a real
//! webhook receiver, shown on `/metrics` and `GET /v1/analytics/surges` with the masked
//! conversations behind it, and cleared when the hour is quiet again. The same volume
//! spread evenly over the days raises nothing.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use frontline::handoff::{DeliveryConfig, check_webhooks};

use crate::commitments::accepted;
use crate::deliveries::{fast_delivery, webhook};
use crate::helpers::{TimedApp, spawn_app_at};
use crate::operations::{scrape, value};
use crate::receiver::Receiver;

/// 10:00 in Beijing on 1 December 2026: the hour watched is 09:00–10:00.
pub fn watched_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap()
}

pub async fn watching_app(dir: &std::path::Path, receiver: &Receiver) -> TimedApp {
    watching_app_on(dir, receiver, None).await
}

/// The same on a shared database (`None`: SQLite under `dir`).
async fn watching_app_on(
    dir: &std::path::Path,
    receiver: &Receiver,
    database: Option<frontline::store::DatabaseUrl>,
) -> TimedApp {
    let hooks = vec![webhook("ops", receiver, &[])];
    let delivery: DeliveryConfig = fast_delivery();
    spawn_app_at(dir, watched_at() - TimeDelta::days(8), |settings| {
        settings.webhooks = check_webhooks(&hooks, &delivery, |_| None).unwrap();
        settings.delivery = delivery.check().unwrap();
        settings.surges.min_count = 6;
        settings.database_url = database;
    })
    .await
}

/// `per_day[k]` ATM complaints in the watched hour `k` days before today (index 0: today),
/// each a new conversation (ids start with `tag`), spread over the hour; customers in Hangzhou when `city`.
pub async fn replay(timed: &TimedApp, tag: &str, per_day: &[u32], city: bool) {
    for (days_before, &count) in per_day.iter().enumerate() {
        for n in 0..count {
            let at = watched_at() - TimeDelta::days(days_before as i64) - TimeDelta::minutes(55)
                + TimeDelta::minutes(i64::from(n) * 50 / i64::from(count.max(1)));
            timed.hand.set(at);
            let text = if city {
                "杭州西湖边的ATM吞了我的钱,卡号6222021234567890123"
            } else {
                "ATM吞了我的钱"
            };
            let reply = timed
                .app
                .say_zh(&format!("{tag}-{days_before}-{n}"), text)
                .await;
            assert_eq!(reply["intent"]["id"], "atm_cash_retention", "{reply}");
        }
    }
    timed.hand.set(watched_at());
}

#[tokio::test]
async fn a_rush_of_complaints_from_one_city_raises_one_alert_until_it_falls_back() {
    let receiver = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let timed = watching_app(dir.path(), &receiver).await;
    // One a day in that hour for a week, from anywhere; eight today, from Hangzhou.
    replay(&timed, "usual", &[0, 1, 1, 1, 1, 1, 1, 1], false).await;
    replay(&timed, "rush", &[8], true).await;

    let round = timed.surges.tick().await.unwrap();
    assert_eq!(round.raised.len(), 1, "{round:?}");
    let surge = &round.raised[0];
    assert_eq!(surge.intent.as_str(), "atm_cash_retention");
    assert_eq!(
        surge.city.as_deref(),
        Some("杭州"),
        "the intent surges everywhere because it surges in Hangzhou: one alert, the city's"
    );
    assert_eq!(surge.count, 8);
    assert_eq!(surge.baseline, 0.0, "none from Hangzhou before");

    // Raised once per surge: more complaints, more rounds, no second alert.
    replay(&timed, "more", &[9], true).await;
    for _ in 0..3 {
        assert!(timed.surges.tick().await.unwrap().raised.is_empty());
    }

    let bodies = accepted(&receiver, 1).await;
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(bodies[0]["event"], "surge.raised");
    assert_eq!(bodies[0]["surge"]["intent"], "atm_cash_retention");
    assert_eq!(bodies[0]["surge"]["city"], "杭州");
    assert_eq!(bodies[0]["surge"]["conversations"], 8);
    assert_eq!(
        bodies[0]["surge"]["conversation_ids"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    receiver.assert_signed_and_consistent();

    // Operators see it on /metrics…
    let metrics = scrape(&timed.app).await;
    assert_eq!(value(&metrics, "frontline_surge_alerts_open", &[]), 1.0);
    assert_eq!(
        value(
            &metrics,
            "frontline_surge_alerts",
            &[("intent", "atm_cash_retention"), ("city", "杭州")]
        ),
        1.0
    );
    // …and the analytics page's source lists the conversations behind it, masked.
    let open = timed.app.get("/v1/analytics/surges").await;
    assert_eq!(open.status, 200, "{}", open.body);
    let listed = &open.body["surges"][0];
    assert_eq!(listed["city"], "杭州", "{}", open.body);
    let excerpts = listed["excerpts"].as_array().unwrap();
    assert!(excerpts.len() >= 8, "{excerpts:?}");
    for excerpt in excerpts {
        let text = excerpt["text"].as_str().unwrap();
        assert!(text.contains("ATM"), "{text}");
        assert!(
            !text.contains("6222021234567890123"),
            "the card number is masked: {text}"
        );
    }

    // Two hours later the hour is quiet: cleared once, told once.
    timed.hand.set(watched_at() + TimeDelta::hours(2));
    let round = timed.surges.tick().await.unwrap();
    assert_eq!(round.cleared.len(), 1, "{round:?}");
    assert!(timed.surges.tick().await.unwrap().cleared.is_empty());
    let bodies = accepted(&receiver, 2).await;
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert_eq!(bodies[1]["event"], "surge.cleared");
    assert!(bodies[1]["surge"]["cleared_at"].is_string());
    let metrics = scrape(&timed.app).await;
    assert_eq!(value(&metrics, "frontline_surge_alerts_open", &[]), 0.0);
    let open = timed.app.get("/v1/analytics/surges").await;
    assert_eq!(open.body["surges"], serde_json::json!([]));
}

#[tokio::test]
async fn the_same_volume_spread_evenly_over_the_days_raises_nothing() {
    let receiver = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let timed = watching_app(dir.path(), &receiver).await;
    // Sixteen complaints from Hangzhou, two in the watched hour of each of eight days.
    replay(&timed, "even", &[2; 8], true).await;

    let round = timed.surges.tick().await.unwrap();
    assert_eq!(round.raised, Vec::new());
    let deliveries = timed.app.get("/admin/deliveries").await;
    assert_eq!(deliveries.status, 200, "{}", deliveries.body);
    assert_eq!(
        deliveries.body["deliveries"],
        serde_json::json!([]),
        "nothing was enqueued for the receiver"
    );
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn a_busy_hour_of_thanks_and_requests_for_a_person_raises_nothing() {
    let receiver = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let timed = watching_app(dir.path(), &receiver).await;
    timed.hand.set(watched_at() - TimeDelta::minutes(30));
    for n in 0..12 {
        let reply = timed.app.say_zh(&format!("thanks-{n}"), "谢谢").await;
        assert_eq!(reply["intent"]["id"], "thanks", "{reply}");
    }
    timed.hand.set(watched_at());
    let round = timed.surges.tick().await.unwrap();
    assert_eq!(
        round.raised,
        Vec::new(),
        "conversation acts rise with any busy hour"
    );
}

/// Two instances on one PostgreSQL database look at the same hour at the same moment:
/// one alert, one delivery.
#[tokio::test]
async fn two_instances_raise_one_alert_for_one_surge() {
    let database = crate::postgres::TestDatabase::create().await;
    let receiver = Receiver::start();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = watching_app_on(dir_a.path(), &receiver, Some(database.url.clone())).await;
    let b = watching_app_on(dir_b.path(), &receiver, Some(database.url.clone())).await;
    replay(&a, "rush", &[8], true).await;
    b.hand.set(watched_at());
    let (from_a, from_b) = tokio::join!(a.surges.tick(), b.surges.tick());
    let raised = from_a.unwrap().raised.len() + from_b.unwrap().raised.len();
    assert_eq!(raised, 1, "one instance raises it, the other finds it open");
    let deliveries = a.app.get("/admin/deliveries").await;
    assert_eq!(
        deliveries.body["deliveries"].as_array().unwrap().len(),
        1,
        "one delivery enqueued: {}",
        deliveries.body
    );
    let bodies = accepted(&receiver, 1).await;
    assert_eq!(bodies[0]["event"], "surge.raised");
    assert_eq!(bodies[0]["surge"]["city"], "杭州");
}
