//! Reading a Server-Sent Events stream over HTTP as a browser would: raw bytes, split into
//! events at blank lines, comments (`: ping`) and `retry:` skipped. Every wait is bounded.

use std::time::Duration;

use serde_json::Value;

/// One event as the wire carried it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub data: Value,
}

/// An open stream.
pub struct Stream {
    response: reqwest::Response,
    buffer: String,
}

/// How long a test waits for an event that should come.
pub const PATIENCE: Duration = Duration::from_secs(5);

impl Stream {
    /// Opens `url` with the headers given; asserts a 200 event stream.
    pub async fn open(client: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> Stream {
        let mut request = client.get(url).header("Accept", "text/event-stream");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the stream opens");
        assert_eq!(response.status(), 200, "{url}");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        Stream {
            response,
            buffer: String::new(),
        }
    }

    /// The next event, or `None` if none comes within `within`.
    pub async fn next_within(&mut self, within: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(event) = self.take_event() {
                return Some(event);
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("the stream reads")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    }

    /// The next event; fails the test if none comes in time.
    pub async fn next(&mut self) -> Event {
        self.next_within(PATIENCE)
            .await
            .expect("an event within the patience")
    }

    /// Events until one of `kind` (included); fails the test if it does not come.
    pub async fn until(&mut self, kind: &str) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let event = self.next().await;
            let done = event.kind == kind;
            events.push(event);
            if done {
                return events;
            }
        }
    }

    /// Parses one complete event off the buffer, skipping comments and `retry:` blocks.
    fn take_event(&mut self) -> Option<Event> {
        loop {
            let end = self.buffer.find("\n\n")?;
            let block: String = self.buffer.drain(..end + 2).collect();
            let (mut id, mut kind, mut data) = (None, None, None);
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.parse().ok();
                } else if let Some(v) = line.strip_prefix("event: ") {
                    kind = Some(v.to_string());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = Some(serde_json::from_str(v).expect("JSON data"));
                }
            }
            if let (Some(id), Some(kind), Some(data)) = (id, kind, data) {
                return Some(Event { id, kind, data });
            }
        }
    }
}

/// The kinds of some events, in order.
pub fn kinds(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}
