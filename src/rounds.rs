//! Rounds in the background: the commitments' follow-up, the surge watch and the audit
//! retention each run one every so often on every instance, the first at once (whatever
//! fell due while no instance ran is done on start); a failed round is logged and the
//! next one tries again.

use std::future::Future;
use std::time::Duration;

/// Runs `round` every `every` until the process ends; `what` names it in the log.
pub fn spawn_every<F, Fut, T, E>(every: Duration, what: &'static str, mut round: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, E>> + Send,
    E: std::fmt::Display,
{
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(error) = round().await {
                tracing::error!(%error, "{what} round failed; retried next round");
            }
        }
    });
}
