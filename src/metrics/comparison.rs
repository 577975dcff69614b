//! Comparisons that hold for small numbers (SPEC §15). A proportion of people carries a
//! Wilson score interval; a unit is "similar to" its benchmark when the benchmark lies inside
//! its 95% interval, otherwise "higher than" or "lower than". The benchmark of an
//! organisation or an LA is its peer group's overall rate (all peers' numerator over all
//! peers' denominator: the funnel plot's centre line); a region's is England's value. A
//! change since the last census is "up" or "down" only when Newcombe's 95% interval for the
//! difference of the two years' proportions leaves out zero.

use super::catalogue::MeasureId;
use super::{EntityKind, Unit, YearMetrics};
use crate::stats::{newcombe, wilson, Interval, Level};
use serde::Serialize;

/// How a figure stands against its benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Similar,
    Higher,
    Lower,
}

impl Standing {
    /// The benchmark against the unit's 95% interval.
    pub fn of(interval: Interval, benchmark: f64) -> Standing {
        if benchmark < interval.lower {
            Standing::Higher
        } else if benchmark > interval.upper {
            Standing::Lower
        } else {
            Standing::Similar
        }
    }

    /// "similar to", "higher than", "lower than".
    pub fn words(self) -> &'static str {
        match self {
            Standing::Similar => "similar to",
            Standing::Higher => "higher than",
            Standing::Lower => "lower than",
        }
    }

    /// "similar", "higher", "lower": a table cell.
    pub fn code(self) -> &'static str {
        match self {
            Standing::Similar => "similar",
            Standing::Higher => "higher",
            Standing::Lower => "lower",
        }
    }

    /// -1, 0 or 1 in the metrics export.
    pub fn sign(self) -> f64 {
        match self {
            Standing::Similar => 0.0,
            Standing::Higher => 1.0,
            Standing::Lower => -1.0,
        }
    }
}

/// What a unit's figure is compared with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Benchmark {
    pub value: f64,
    /// In a sentence: "the overall rate of all providers", "England's rate".
    pub words: String,
}

/// A figure with an interval, against its benchmark.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub standing: Standing,
    pub benchmark: Benchmark,
    /// The unit's 95% interval.
    pub interval: Interval,
    /// The people counted and the people it is of (fractional for an LA: apportioned).
    pub observed: f64,
    pub n: f64,
}

impl YearMetrics {
    /// A peer group's overall rate of a measure with intervals: all its units' numerators
    /// over all their denominators.
    pub fn overall_rate(&self, kind: EntityKind, id: MeasureId) -> Option<f64> {
        let (o, n) = self.overall.get(&(kind, id))?;
        crate::stats::ratio(*o, *n)
    }

    /// What a unit's measure is compared with: its peer group's overall rate (organisations
    /// and LAs), or England's value (regions); none for England.
    pub fn benchmark(&self, unit: &Unit, id: MeasureId) -> Option<Benchmark> {
        match unit.kind {
            EntityKind::England => None,
            EntityKind::Region => Some(Benchmark {
                value: id.value(self.england())?,
                words: "England's rate".into(),
            }),
            kind => Some(Benchmark {
                value: self.overall_rate(kind, id)?,
                words: format!("the overall rate of all {}", kind.peers_label()),
            }),
        }
    }

    /// The unit's measure against its benchmark, for a measure with intervals.
    pub fn comparison(&self, unit: &Unit, id: MeasureId) -> Option<Comparison> {
        let (observed, n) = id.measure().counts(unit)?;
        let interval = wilson(observed, n, Level::P95)?;
        let benchmark = self.benchmark(unit, id)?;
        Some(Comparison {
            standing: Standing::of(interval, benchmark.value),
            benchmark,
            interval,
            observed,
            n,
        })
    }
}

/// A change between two census years' proportions of people.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// `up` or `down` when Newcombe's 95% interval for the difference leaves out zero; else
    /// `could be chance`.
    pub direction: &'static str,
    /// Newcombe's 95% interval for now − before.
    pub interval: Interval,
}

impl Change {
    /// `now` and `before` as (people counted, people it is of).
    pub fn between(now: (f64, f64), before: (f64, f64)) -> Option<Change> {
        let interval = newcombe(now.0, now.1, before.0, before.1, Level::P95)?;
        let direction = if interval.lower > 0.0 {
            "up"
        } else if interval.upper < 0.0 {
            "down"
        } else {
            "could be chance"
        };
        Some(Change {
            direction,
            interval,
        })
    }

    pub fn is_chance(&self) -> bool {
        self.direction == "could be chance"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_leavers_of_ten_are_similar_to_a_rate_of_nineteen_per_cent() {
        // The case that prompted this: 3 of 10 people, 95% interval 10.8% to 60.3%.
        let i = wilson(3.0, 10.0, Level::P95).unwrap();
        assert_eq!(Standing::of(i, 0.189), Standing::Similar);
        assert_eq!(Standing::of(i, 0.05), Standing::Higher);
        assert_eq!(Standing::of(i, 0.70), Standing::Lower);
        // 30 of 100 is not: 21.9% to 39.6%.
        let i = wilson(30.0, 100.0, Level::P95).unwrap();
        assert_eq!(Standing::of(i, 0.189), Standing::Higher);
    }

    #[test]
    fn a_change_is_up_or_down_only_beyond_chance() {
        // 0 of 10 in 2023, 3 of 10 in 2024: up 30 points, but it could be chance.
        let c = Change::between((3.0, 10.0), (0.0, 10.0)).unwrap();
        assert!(c.is_chance(), "{c:?}");
        // 300 of 1,000 against 100 of 1,000 is not.
        assert_eq!(
            Change::between((300.0, 1000.0), (100.0, 1000.0))
                .unwrap()
                .direction,
            "up"
        );
        assert_eq!(
            Change::between((100.0, 1000.0), (300.0, 1000.0))
                .unwrap()
                .direction,
            "down"
        );
    }
}
