//! Statistics shared by validation (outlier rule) and metrics: order statistics for peer
//! distributions, and the intervals that say how far a rate of a few people can be trusted
//! (SPEC §15): the normal quantile, Wilson score intervals, Newcombe's interval for a
//! difference of two proportions, and funnel-plot control limits.

/// The q-th quantile (0 ≤ q ≤ 1) of already sorted values by linear interpolation between
/// closest ranks (Hyndman–Fan type 7, the default of R and numpy). None when empty.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let weight = position - below as f64;
    Some(sorted[below] + (sorted[above] - sorted[below]) * weight)
}

/// Sorts finite values ascending, dropping NaN and infinities.
pub fn sorted_finite(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut out: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    out.sort_by(f64::total_cmp);
    out
}

/// `numerator / denominator`, or None where the denominator is zero (no NaN or inf escapes).
pub fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    let value = numerator / denominator;
    (denominator != 0.0 && value.is_finite()).then_some(value)
}

/// The standard normal quantile: the z with P(Z ≤ z) = p, for 0 < p < 1 (Acklam's rational
/// approximation, relative error under 1.2e-9: z(0.975) = 1.959964, z(0.999) = 3.090232).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.02425;
    let tail = |q: f64| {
        let r = (-2.0 * q.ln()).sqrt();
        (((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5])
            / ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1.0)
    };
    if p < LOW {
        tail(p)
    } else if p > 1.0 - LOW {
        -tail(1.0 - p)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// A two-sided confidence level: 95% or 99.8%, as OHID's comparisons use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Level {
    P95,
    P998,
}

impl Level {
    pub const ALL: [Level; 2] = [Level::P95, Level::P998];

    /// The share of the normal distribution inside the interval.
    pub fn coverage(self) -> f64 {
        match self {
            Level::P95 => 0.95,
            Level::P998 => 0.998,
        }
    }

    /// The normal quantile for the level: 1.96 for 95%, 3.09 for 99.8%.
    pub fn z(self) -> f64 {
        normal_quantile(1.0 - (1.0 - self.coverage()) / 2.0)
    }

    /// Its name in the metrics export: `95`, `998`.
    pub fn code(self) -> &'static str {
        match self {
            Level::P95 => "95",
            Level::P998 => "998",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::P95 => "95%",
            Level::P998 => "99.8%",
        }
    }
}

/// A confidence interval for a proportion.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
}

impl Interval {
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }
}

/// The Wilson score interval for `observed` of `n` people at `level`:
/// (2O + z² ∓ z·√(z² + 4·O·q)) / (2·(n + z²)), q = 1 − O/n. None without people, or when
/// O is outside 0..=n. O and n may be fractional (an LA's apportioned counts).
pub fn wilson(observed: f64, n: f64, level: Level) -> Option<Interval> {
    if !n.is_finite() || n <= 0.0 || !(0.0..=n).contains(&observed) {
        return None;
    }
    let z = level.z();
    let q = 1.0 - observed / n;
    let centre = 2.0 * observed + z * z;
    let spread = z * (z * z + 4.0 * observed * q).sqrt();
    let denominator = 2.0 * (n + z * z);
    Some(Interval {
        lower: ((centre - spread) / denominator).max(0.0),
        upper: ((centre + spread) / denominator).min(1.0),
    })
}

/// Newcombe's hybrid score interval (his method 10) for the difference p₁ − p₂ of two
/// independent proportions, from their Wilson intervals at `level`.
pub fn newcombe(o1: f64, n1: f64, o2: f64, n2: f64, level: Level) -> Option<Interval> {
    let (a, b) = (wilson(o1, n1, level)?, wilson(o2, n2, level)?);
    let (p1, p2) = (o1 / n1, o2 / n2);
    let d = p1 - p2;
    Some(Interval {
        lower: d - ((p1 - a.lower).powi(2) + (b.upper - p2).powi(2)).sqrt(),
        upper: d + ((a.upper - p1).powi(2) + (p2 - b.lower).powi(2)).sqrt(),
    })
}

/// A funnel plot's control limits around the overall rate `centre` for a denominator of `n`:
/// p̄ ± z·√(p̄(1−p̄)/n), clipped to 0–1.
pub fn funnel_limits(centre: f64, n: f64, level: Level) -> Option<Interval> {
    if !n.is_finite() || n <= 0.0 || !(0.0..=1.0).contains(&centre) {
        return None;
    }
    let half = level.z() * (centre * (1.0 - centre) / n).sqrt();
    Some(Interval {
        lower: (centre - half).max(0.0),
        upper: (centre + half).min(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn normal_quantiles_match_the_tables() {
        assert!(near(normal_quantile(0.975), 1.959_963_985, 1e-8));
        assert!(near(normal_quantile(0.999), 3.090_232_306, 1e-8));
        assert!(near(normal_quantile(0.5), 0.0, 1e-12));
        assert!(near(normal_quantile(0.01), -2.326_347_874, 1e-8));
        assert!(near(Level::P95.z(), 1.959_963_985, 1e-8));
        assert!(near(Level::P998.z(), 3.090_232_306, 1e-8));
    }

    #[test]
    fn wilson_intervals_match_published_values() {
        // Newcombe (1998), Statistics in Medicine 17:857-872, table I, and the Wilson
        // intervals OHID's Fingertips tools print, to four decimal places.
        let at = |o, n, level| {
            let i = wilson(o, n, level).unwrap();
            ((i.lower * 1e4).round() / 1e4, (i.upper * 1e4).round() / 1e4)
        };
        assert_eq!(at(0.0, 10.0, Level::P95), (0.0, 0.2775));
        assert_eq!(at(3.0, 10.0, Level::P95), (0.1078, 0.6032));
        assert_eq!(at(50.0, 100.0, Level::P95), (0.4038, 0.5962));
        assert_eq!(at(81.0, 263.0, Level::P95), (0.2553, 0.3662));
        assert_eq!(at(15.0, 148.0, Level::P95), (0.0624, 0.1605));
        assert_eq!(at(10.0, 10.0, Level::P95), (0.7225, 1.0));
        // 99.8%: the same formula with z = 3.0902; by hand for 3 of 10:
        // (6 + 9.5495 ∓ 3.0902·√(9.5495 + 8.4)) / (2·19.5495) = 2.4571 / 39.0991 = 0.0628
        // and 28.6419 / 39.0991 = 0.7325.
        assert_eq!(at(3.0, 10.0, Level::P998), (0.0628, 0.7325));
        assert_eq!(at(50.0, 100.0, Level::P998), (0.3524, 0.6476));
        assert_eq!(at(0.0, 10.0, Level::P998), (0.0, 0.4885));
        assert!(wilson(1.0, 0.0, Level::P95).is_none());
        assert!(wilson(11.0, 10.0, Level::P95).is_none());
        // Fractional counts (an LA's apportioned staff) are allowed.
        assert!(wilson(2.5, 10.5, Level::P95).is_some());
    }

    #[test]
    fn newcombe_matches_his_worked_example() {
        // Newcombe (1998b), Statistics in Medicine 17:873-890, example (a): 56/70 − 48/80
        // = 0.2000, method 10: 0.0524 to 0.3339.
        let i = newcombe(56.0, 70.0, 48.0, 80.0, Level::P95).unwrap();
        assert!(
            near(i.lower, 0.0524, 5e-5) && near(i.upper, 0.3339, 5e-5),
            "{i:?}"
        );
        // Example (b): 9/10 − 3/10 = 0.6000, 0.1705 to 0.8090.
        let i = newcombe(9.0, 10.0, 3.0, 10.0, Level::P95).unwrap();
        assert!(
            near(i.lower, 0.1705, 5e-5) && near(i.upper, 0.8090, 5e-5),
            "{i:?}"
        );
        // 0 of 10 then 3 of 10: the interval holds zero, so "could be chance".
        let i = newcombe(3.0, 10.0, 0.0, 10.0, Level::P95).unwrap();
        assert!(i.lower < 0.0 && i.upper > 0.0, "{i:?}");
    }

    #[test]
    fn funnel_limits_by_hand() {
        // p̄ = 0.2, n = 100: 0.2 ± 1.96·√(0.0016) = 0.2 ± 0.0784.
        let i = funnel_limits(0.2, 100.0, Level::P95).unwrap();
        assert!(near(i.lower, 0.121_601_4, 1e-6) && near(i.upper, 0.278_398_6, 1e-6));
        // 99.8%: ± 3.0902·0.04 = 0.1236.
        let i = funnel_limits(0.2, 100.0, Level::P998).unwrap();
        assert!(near(i.lower, 0.076_391, 1e-6) && near(i.upper, 0.323_609, 1e-6));
        // Small denominators are clipped to 0-100%.
        let i = funnel_limits(0.2, 2.0, Level::P998).unwrap();
        assert_eq!((i.lower, i.upper), (0.0, 1.0));
        assert!(funnel_limits(0.2, 0.0, Level::P95).is_none());
    }

    #[test]
    fn quantiles_match_hand_computation() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.5), Some(2.5));
        assert_eq!(quantile_sorted(&v, 0.25), Some(1.75));
        assert_eq!(quantile_sorted(&v, 0.75), Some(3.25));
        assert_eq!(quantile_sorted(&v, 0.0), Some(1.0));
        assert_eq!(quantile_sorted(&v, 1.0), Some(4.0));
        assert_eq!(quantile_sorted(&[7.0], 0.25), Some(7.0));
        assert_eq!(quantile_sorted(&[], 0.5), None);
    }

    #[test]
    fn ratios_never_leak_nan_or_inf() {
        assert_eq!(ratio(1.0, 4.0), Some(0.25));
        assert_eq!(ratio(1.0, 0.0), None);
        assert_eq!(ratio(0.0, 0.0), None);
        assert_eq!(
            sorted_finite([3.0, f64::NAN, 1.0, f64::INFINITY]),
            vec![1.0, 3.0]
        );
    }
}
