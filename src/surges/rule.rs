//! When a count is a surge: the last hour against the same hour of the days before. Pure
//! arithmetic, so that the thresholds are tested without a clock or a store.

/// How a surge is told from a busy hour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SurgeRule {
    /// The last hour must reach this many times the baseline…
    pub factor: f64,
    /// …and at least this many conversations (a quiet intent going from 0 to 2 is noise).
    pub min_count: u64,
    /// The baseline: the same hour on this many days before.
    pub baseline_days: u32,
}

impl Default for SurgeRule {
    fn default() -> SurgeRule {
        SurgeRule {
            factor: 3.0,
            min_count: 10,
            baseline_days: 7,
        }
    }
}

/// What one intent's (or intent and city's) last hour is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Level {
    /// At or past the threshold: raise an alert (unless one is open).
    Surging,
    /// Below the threshold, above half of it: an open alert stays open. The band keeps
    /// an hour hovering at the threshold from raising and clearing every round.
    Elevated,
    /// Below half the threshold: an open alert is cleared.
    Normal,
}

impl SurgeRule {
    /// The average of the same hour over the days before (days without traffic count 0).
    pub fn baseline(&self, before: u64) -> f64 {
        before as f64 / f64::from(self.baseline_days.max(1))
    }

    /// The count at which an hour surges, given its baseline.
    pub fn threshold(&self, baseline: f64) -> f64 {
        (self.factor * baseline).max(self.min_count as f64)
    }

    pub fn level(&self, count: u64, baseline: f64) -> Level {
        let threshold = self.threshold(baseline);
        let count = count as f64;
        if count >= threshold {
            Level::Surging
        } else if count * 2.0 >= threshold {
            Level::Elevated
        } else {
            Level::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_surges_past_the_factor_and_the_minimum_together() {
        let rule = SurgeRule::default();
        // Usually 2 an hour: 6 is three times that but below the minimum of 10.
        assert_eq!(rule.level(6, 2.0), Level::Elevated);
        // Usually 4: 12 is both.
        assert_eq!(rule.level(12, 4.0), Level::Surging);
        // Usually 5: 12 is past the minimum but not three times 5.
        assert_eq!(rule.level(12, 5.0), Level::Elevated);
        // A new intent (nothing before) surges at the minimum.
        assert_eq!(rule.level(10, 0.0), Level::Surging);
        assert_eq!(rule.level(9, 0.0), Level::Elevated);
    }

    #[test]
    fn an_alert_clears_only_below_half_the_threshold() {
        let rule = SurgeRule::default();
        assert_eq!(rule.level(5, 1.0), Level::Elevated);
        assert_eq!(rule.level(4, 1.0), Level::Normal);
    }

    #[test]
    fn the_baseline_is_the_average_of_the_days_before() {
        let rule = SurgeRule::default();
        assert_eq!(rule.baseline(14), 2.0);
        assert_eq!(rule.baseline(0), 0.0);
    }
}
