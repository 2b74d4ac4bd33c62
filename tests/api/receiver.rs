//! A real webhook receiver for the delivery tests: an HTTP server on loopback that
//! verifies each request's signature with the shared secret, records it, and misbehaves on
//! demand (answers 500, answers slowly, or is not listening yet).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, dev::ServerHandle, web};
use serde_json::Value;

pub const SECRET: &str = "whsec-test-5b1f";

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub idempotency_key: String,
    pub handoff_id: String,
    pub priority: String,
    pub signature_ok: bool,
    /// What the receiver answered (or was about to, for a slow answer).
    pub answered: u16,
    /// The body as received.
    pub body: String,
}

#[derive(Default)]
struct Behaviour {
    received: Mutex<Vec<Received>>,
    /// The next this many requests get a 500.
    fail_next: AtomicU32,
    /// The next this many requests are answered after `slow_ms`.
    slow_next: AtomicU32,
    slow_ms: AtomicU64,
}

/// A receiver, running or about to run on a reserved address.
pub struct Receiver {
    pub address: SocketAddr,
    behaviour: Arc<Behaviour>,
    handle: Mutex<Option<ServerHandle>>,
}

/// A loopback address nobody listens on yet.
pub fn free_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

impl Receiver {
    /// A receiver listening at once.
    pub fn start() -> Arc<Receiver> {
        let receiver = Receiver::reserve(free_address());
        receiver.listen();
        receiver
    }

    /// A receiver that will listen on `address` once `listen` is called: until then the
    /// destination is down (connection refused).
    pub fn reserve(address: SocketAddr) -> Arc<Receiver> {
        Arc::new(Receiver {
            address,
            behaviour: Arc::new(Behaviour::default()),
            handle: Mutex::new(None),
        })
    }

    pub fn listen(&self) {
        let behaviour = self.behaviour.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::from(behaviour.clone()))
                .route("/hooks/handoffs", web::post().to(receive))
        })
        .workers(2)
        .bind(self.address)
        .expect("the receiver binds its address")
        .run();
        *self.handle.lock().unwrap() = Some(server.handle());
        tokio::spawn(server);
    }

    pub fn url(&self) -> String {
        format!("http://{}/hooks/handoffs", self.address)
    }

    pub fn fail_next(&self, requests: u32) {
        self.behaviour.fail_next.store(requests, Ordering::SeqCst);
    }

    pub fn slow_next(&self, requests: u32, delay: Duration) {
        self.behaviour
            .slow_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
        self.behaviour.slow_next.store(requests, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.behaviour.received.lock().unwrap().clone()
    }

    /// Keys the receiver accepted with a 200, each with the handoff it carried.
    pub fn delivered(&self) -> BTreeMap<String, String> {
        self.received()
            .into_iter()
            .filter(|r| r.answered == 200)
            .map(|r| (r.idempotency_key, r.handoff_id))
            .collect()
    }

    /// Waits until every handoff in `expected` was accepted; panics with what is missing.
    pub async fn wait_for(&self, expected: &BTreeSet<String>, limit: Duration) {
        if let Err(missing) = self.try_wait_for(expected, limit).await {
            panic!("{missing}");
        }
    }

    /// Waits until every handoff in `expected` was accepted; `Err` says what is missing.
    pub async fn try_wait_for(
        &self,
        expected: &BTreeSet<String>,
        limit: Duration,
    ) -> Result<(), String> {
        let started = Instant::now();
        loop {
            let delivered: BTreeSet<String> = self.delivered().into_values().collect();
            let missing: Vec<&String> = expected.difference(&delivered).collect();
            if missing.is_empty() {
                return Ok(());
            }
            if started.elapsed() > limit {
                return Err(format!(
                    "{} of {} handoffs never delivered within {limit:?}, e.g. {:?}; \
                     the receiver saw {} requests",
                    missing.len(),
                    expected.len(),
                    missing.iter().take(3).collect::<Vec<_>>(),
                    self.received().len()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The receiver's own checks: every signature verified, and every request with one
    /// key carried the same handoff (so deduplicating by key is safe).
    pub fn assert_signed_and_consistent(&self) {
        let received = self.received();
        assert!(
            received.iter().all(|r| r.signature_ok),
            "a request failed signature verification"
        );
        let mut by_key: BTreeMap<&str, &str> = BTreeMap::new();
        for r in &received {
            let first = by_key.entry(&r.idempotency_key).or_insert(&r.handoff_id);
            assert_eq!(
                *first, r.handoff_id,
                "one idempotency key carried two handoffs"
            );
        }
    }

    pub async fn stop(&self) {
        let handle = self.handle.lock().unwrap().take();
        if let Some(handle) = handle {
            handle.stop(false).await;
        }
    }
}

/// Decrements `counter` if positive; true if it was.
fn take(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

async fn receive(
    behaviour: web::Data<Behaviour>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let now = chrono::Utc::now().timestamp();
    let signature_ok = frontline::handoff::verify(
        SECRET.as_bytes(),
        &header("X-Frontline-Signature"),
        &body,
        now,
        300,
    )
    .is_ok();
    let document: Value = serde_json::from_slice(&body).unwrap_or_default();
    let answered = if take(&behaviour.fail_next) { 500 } else { 200 };
    let slow = take(&behaviour.slow_next);
    behaviour.received.lock().unwrap().push(Received {
        idempotency_key: header("Idempotency-Key"),
        handoff_id: document["id"].as_str().unwrap_or_default().to_string(),
        priority: document["priority"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        signature_ok,
        answered,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if slow {
        let delay = behaviour.slow_ms.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if answered == 200 {
        HttpResponse::Ok().finish()
    } else {
        HttpResponse::InternalServerError().finish()
    }
}
