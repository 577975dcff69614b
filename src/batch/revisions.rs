//! The revisions policy (SPEC §7): which changed reports are reissued and which keep their
//! issued file with the drift of their comparators recorded.
//!
//! A report's figures are its own or its comparators' ([`crate::render::model::Column`]'s
//! `comparator`). Its own content has a fingerprint of its own
//! ([`crate::render::model::ReportModel::own_content`]); when that, or the templates, moved,
//! the report is reissued. When only comparators moved, each changed figure is measured
//! from the value in the issued version against [`Policy`]: one material change reissues
//! the report with every change since its issued version; otherwise it is kept.

use super::manifest::ManifestEntry;
use crate::render::{Change, FigureKey, ReportKind, ReportPlan};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

/// The shipped policy, documented line by line.
pub const DEFAULT_POLICY: &str = include_str!("revisions.toml");

/// When a comparator's change is material (`--revisions FILE`; see `revisions.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub comparators: Thresholds,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub rate_points: f64,
    pub relative_percent: f64,
    pub last_digit_steps: u32,
    pub rank_places: u32,
    pub quartile_change: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read the revisions policy {path}: {message}")]
    Read { path: String, message: String },
    #[error("the revisions policy {path}: {message}")]
    Invalid { path: String, message: String },
}

impl Default for Policy {
    fn default() -> Policy {
        toml::from_str(DEFAULT_POLICY).expect("the shipped revisions policy parses")
    }
}

impl Policy {
    /// The policy in `path`, or the shipped one.
    pub fn load(path: Option<&Path>) -> Result<Policy, PolicyError> {
        let Some(path) = path else {
            return Ok(Policy::default());
        };
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| PolicyError::Read {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        // A policy is a few lines; anything larger is not one.
        if meta.len() > 64 * 1024 {
            return Err(PolicyError::Invalid {
                path: shown,
                message: format!("{} bytes is not a policy file (at most 64 KiB)", meta.len()),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Read {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let policy: Policy = toml::from_str(&text).map_err(|e| PolicyError::Invalid {
            path: shown.clone(),
            message: e.message().to_string(),
        })?;
        let t = &policy.comparators;
        let valid = |x: f64| x.is_finite() && x >= 0.0;
        if !valid(t.rate_points) || !valid(t.relative_percent) {
            return Err(PolicyError::Invalid {
                path: shown,
                message: "rate_points and relative_percent must be numbers of 0 or more".into(),
            });
        }
        Ok(policy)
    }

    /// Why the change of a comparator from `old` to `new` (as printed) is material; None
    /// when it is not.
    pub fn material(&self, old: &str, new: &str) -> Option<String> {
        let t = &self.comparators;
        if old == new {
            return None;
        }
        match (Printed::of(old), Printed::of(new)) {
            (Printed::Rank(a), Printed::Rank(b)) => {
                let places = a.rank.abs_diff(b.rank);
                if t.quartile_change && a.quartile.is_some() && a.quartile != b.quartile {
                    Some("the quartile changed".into())
                } else if places >= t.rank_places as usize {
                    Some(format!("the rank moved {places} places"))
                } else {
                    None
                }
            }
            (Printed::Percent(a), Printed::Percent(b)) => {
                let points = (b - a).abs();
                // Printed to one decimal place: compare in tenths of a point.
                (round_tenths(points) >= round_tenths(t.rate_points)).then(|| {
                    format!(
                        "moved {} percentage points",
                        crate::format::fmt_ratio(points)
                    )
                })
            }
            (Printed::Number(a), Printed::Number(b)) => {
                let step = 10f64.powi(-(decimals(old).max(decimals(new)) as i32));
                let steps = ((b - a).abs() / step).round();
                if steps < f64::from(t.last_digit_steps) {
                    return None;
                }
                if a == 0.0 {
                    return Some("was 0".to_string());
                }
                let percent = (b - a).abs() / a.abs() * 100.0;
                (percent >= t.relative_percent - 1e-9)
                    .then(|| format!("moved {}%", crate::format::fmt_ratio(percent)))
            }
            (Printed::Withheld, Printed::Withheld) => None,
            (Printed::Withheld, _) => Some("no longer withheld".into()),
            (_, Printed::Withheld) => Some("now withheld".into()),
            // Words, or a figure that changed its kind: not measurable, so material.
            _ => Some("changed".into()),
        }
    }
}

/// Digits printed after the decimal point.
fn decimals(printed: &str) -> usize {
    printed.trim().split_once('.').map_or(0, |(_, after)| {
        after.chars().take_while(char::is_ascii_digit).count()
    })
}

fn round_tenths(x: f64) -> i64 {
    (x * 10.0).round() as i64
}

/// A printed figure, read back for measuring a change.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Printed {
    Percent(f64),
    Number(f64),
    Rank(RankPrinted),
    /// Withheld by disclosure control, not available, or not shown.
    Withheld,
    Words,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct RankPrinted {
    rank: usize,
    quartile: Option<u8>,
}

impl Printed {
    fn of(text: &str) -> Printed {
        let text = text.trim();
        if text.is_empty()
            || text == crate::format::MISSING
            || text.starts_with('<')
            || text.starts_with("(not")
            || text.starts_with("(no longer")
        {
            return Printed::Withheld;
        }
        // "25 of 363" or "228 of 363 (quartile 2)".
        if let Some((rank, rest)) = text.split_once(" of ") {
            if let Ok(rank) = rank.parse::<usize>() {
                let quartile = rest
                    .split_once("(quartile ")
                    .and_then(|(_, q)| q.trim_end_matches(')').parse().ok());
                return Printed::Rank(RankPrinted { rank, quartile });
            }
        }
        let number = |t: &str| {
            t.trim_start_matches('+')
                .replace(',', "")
                .parse::<f64>()
                .ok()
        };
        if let Some(p) = text.strip_suffix('%').and_then(number) {
            return Printed::Percent(p);
        }
        number(text).map_or(Printed::Words, Printed::Number)
    }
}

/// How a build treats reports whose printed content changed (`--reissue`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Reissue {
    /// The revisions policy: own changes and material comparator changes.
    #[default]
    Policy,
    /// Every report whose printed content changed (the exact rule).
    All,
}

impl std::str::FromStr for Reissue {
    type Err = String;
    fn from_str(text: &str) -> Result<Reissue, String> {
        match text {
            "policy" | "material" => Ok(Reissue::Policy),
            "all" => Ok(Reissue::All),
            other => Err(format!("'{other}': write `policy` or `all`")),
        }
    }
}

/// Why a report is reissued.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Why {
    /// The templates, fonts or program changed what every report shows.
    Layout,
    /// One of its own figures, its withheld cells, its queries or what it says about
    /// itself changed.
    Own,
    /// A comparator changed materially.
    Material,
    /// Only comparators moved, within the policy, but `--reissue all` was asked for.
    All,
    /// The issued version's files are missing or altered and cannot be restored from the
    /// kept versions.
    Lost,
}

impl Why {
    pub fn words(&self) -> &'static str {
        match self {
            Why::Layout => "wording or layout",
            Why::Own => "own figures",
            Why::Material => "material comparator change",
            Why::All => "comparators (--reissue all)",
            Why::Lost => "issued files missing",
        }
    }
}

/// What a build does (or, dry, would do) with one report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// A first version.
    New,
    Reissue(Why),
    /// Kept as issued; its comparators drifted immaterially.
    Drift,
    Unchanged,
    Failed,
}

impl Action {
    pub fn code(&self) -> &'static str {
        match self {
            Action::New => "new",
            Action::Reissue(_) => "reissue",
            Action::Drift => "drift",
            Action::Unchanged => "unchanged",
            Action::Failed => "failed",
        }
    }
}

/// One report's decision, with the figure that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub kind: ReportKind,
    pub id: String,
    pub title: String,
    pub action: Action,
    /// The changed figure that decided it: the first own change, or the first material
    /// one; for drift, the first drifted figure in companion order, as an example.
    pub change: Option<Change>,
    /// Why that figure's change is material, in words.
    pub detail: String,
    /// Printed figures that differ from the issued version.
    pub changed: usize,
}

impl Decision {
    pub fn of(plan: &ReportPlan, action: Action) -> Decision {
        Decision {
            kind: plan.kind,
            id: plan.id.clone(),
            title: plan.title.clone(),
            action,
            change: None,
            detail: String::new(),
            changed: 0,
        }
    }

    /// The reason in words: "own figures: Workforce size…: Headcount, You 22 → 25".
    pub fn reason(&self) -> String {
        let what = match &self.action {
            Action::New => return "first issue".into(),
            Action::Reissue(why) => why.words(),
            Action::Drift => "comparators drifted within the policy",
            Action::Unchanged => return "nothing printed changed".into(),
            Action::Failed => return self.detail.clone(),
        };
        match &self.change {
            Some(c) if self.detail.is_empty() => {
                format!("{what}: {} {} → {}", c.figure, c.old, c.new)
            }
            Some(c) => format!(
                "{what}: {} {} → {} ({})",
                c.figure, c.old, c.new, self.detail
            ),
            None => what.to_string(),
        }
    }
}

/// The policy's verdict on a report whose content differs from its issued version.
pub struct Verdict {
    pub action: Action,
    pub change: Option<Change>,
    pub detail: String,
}

/// Judges a report whose fingerprint differs from its issued version `issued`. `changes`
/// are the printed figures that differ from the issued version; `comparators` the new
/// report's comparator figures; `layout` the fingerprint of templates, fonts and program.
pub fn judge(
    issued: &ManifestEntry,
    own_fingerprint: &str,
    layout: &str,
    changes: &[Change],
    comparators: &Comparators,
    policy: &Policy,
    reissue: Reissue,
) -> Verdict {
    let reissue_for = |why: Why, change: Option<&Change>, detail: String| Verdict {
        action: Action::Reissue(why),
        change: change.cloned(),
        detail,
    };
    let own_change = changes.iter().find(|c| !comparators.all.contains(&c.key));
    // Issued before the policy: there is no own fingerprint to compare, so the exact rule.
    if issued.own_fingerprint.is_empty() || issued.layout_fingerprint.is_empty() {
        return reissue_for(Why::Own, own_change.or(changes.first()), String::new());
    }
    if issued.layout_fingerprint != layout {
        return reissue_for(Why::Layout, changes.first(), String::new());
    }
    if issued.own_fingerprint != own_fingerprint || own_change.is_some() {
        return reissue_for(Why::Own, own_change, String::new());
    }
    // The lowest and highest of a peer group are each one other organisation's value: never
    // material, whatever they moved by.
    for change in changes
        .iter()
        .filter(|c| !comparators.single_values.contains(&c.key))
    {
        if let Some(detail) = policy.material(&change.old, &change.new) {
            return reissue_for(Why::Material, Some(change), detail);
        }
    }
    if reissue == Reissue::All {
        return reissue_for(Why::All, changes.first(), String::new());
    }
    Verdict {
        action: Action::Drift,
        change: changes.first().cloned(),
        detail: String::new(),
    }
}

/// A report's comparator figures, by the keys its data companion gives them.
#[derive(Debug, Clone, Default)]
pub struct Comparators {
    /// Every comparator figure.
    pub all: BTreeSet<FigureKey>,
    /// Those that are one other organisation's value each (a peer group's lowest and
    /// highest): never material.
    pub single_values: BTreeSet<FigureKey>,
}

/// The comparator figures of a report.
pub fn comparator_keys(rendered: &crate::render::model::Rendered) -> Comparators {
    let mut keys = Comparators::default();
    for table in rendered.tables() {
        for row in &table.rows {
            for column in table.columns.iter().skip(1) {
                if row.comparator || column.comparator {
                    let key = FigureKey {
                        table: table.id.clone(),
                        row: row.key.clone(),
                        column: column.key.clone(),
                    };
                    if row.single_value {
                        keys.single_values.insert(key.clone());
                    }
                    keys.all.insert(key);
                }
            }
        }
    }
    keys
}

/// A build's decisions, counted (the summary a build and a dry run print, and the batch
/// index shows).
#[derive(Debug, Clone, Default)]
pub struct Decisions {
    pub all: Vec<Decision>,
}

impl Decisions {
    pub fn count(&self, code: &str) -> usize {
        self.all.iter().filter(|d| d.action.code() == code).count()
    }

    pub fn reissued_for(&self, why: &Why) -> usize {
        self.all
            .iter()
            .filter(|d| d.action == Action::Reissue(why.clone()))
            .count()
    }

    /// "12 reissued (3 own figures, 9 material comparator change), 230 kept with drift
    /// recorded, 312 unchanged".
    pub fn line(&self) -> String {
        let whys = [Why::Layout, Why::Own, Why::Material, Why::All, Why::Lost];
        let parts: Vec<String> = whys
            .iter()
            .filter_map(|w| {
                let n = self.reissued_for(w);
                (n > 0).then(|| format!("{n} {}", w.words()))
            })
            .collect();
        let reissued = self.count("reissue");
        let mut line = format!("{reissued} reissued");
        if !parts.is_empty() {
            line.push_str(&format!(" ({})", parts.join(", ")));
        }
        line.push_str(&format!(
            ", {} kept with comparator drift recorded, {} unchanged",
            self.count("drift"),
            self.count("unchanged")
        ));
        let new = self.count("new");
        if new > 0 {
            line.push_str(&format!(", {new} issued for the first time"));
        }
        let failed = self.count("failed");
        if failed > 0 {
            line.push_str(&format!(", {failed} failed"));
        }
        line
    }

    /// The decisions as CSV (the file `--summary` writes): one row per report, in plan
    /// order's kind-then-id order.
    pub fn csv(&self) -> Vec<u8> {
        let mut all = self.all.clone();
        all.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
        let rows: Vec<Vec<String>> = all
            .iter()
            .map(|d| {
                let (figure, old, new) = d.change.as_ref().map_or_else(
                    || (String::new(), String::new(), String::new()),
                    |c| (c.figure.clone(), c.old.clone(), c.new.clone()),
                );
                [
                    d.id.clone(),
                    d.kind.code().to_string(),
                    d.title.clone(),
                    d.action.code().to_string(),
                    match &d.action {
                        Action::Reissue(why) => why.words().to_string(),
                        _ => String::new(),
                    },
                    d.changed.to_string(),
                    figure,
                    old,
                    new,
                    d.detail.clone(),
                ]
                .iter()
                .map(|c| crate::export::spreadsheet_safe(c))
                .collect()
            })
            .collect();
        crate::export::csv_bytes(
            &[
                "report_id",
                "kind",
                "title",
                "action",
                "reason",
                "figures_changed",
                "figure",
                "old_value",
                "new_value",
                "why_material",
            ],
            &rows,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_reads_and_measures_as_documented() {
        let p = Policy::default();
        assert_eq!(p.comparators.rate_points, 0.5);
        // Rates in percentage points, from the printed values.
        assert_eq!(p.material("16.4%", "16.3%"), None);
        assert_eq!(p.material("16.4%", "16.0%"), None);
        assert!(p.material("16.4%", "15.9%").is_some());
        assert!(p.material("16.4%", "16.9%").is_some());
        // Counts and WTE: 1% of the issued value, and two steps of the last printed digit.
        assert_eq!(p.material("1,000", "1,009"), None);
        assert!(p.material("1,000", "1,010").is_some());
        assert_eq!(p.material("51.8", "52.1"), None);
        assert!(p.material("51.8", "52.4").is_some());
        assert_eq!(p.material("92", "93"), None, "one step can be rounding");
        assert!(p.material("92", "94").is_some());
        assert_eq!(p.material("5.0", "5.1"), None);
        assert!(p.material("5.0", "5.2").is_some());
        assert_eq!(p.material("0", "1"), None);
        assert!(p.material("0", "2").is_some());
        // Ranks: three places, or a change of quartile.
        assert_eq!(p.material("25 of 363", "27 of 363"), None);
        assert!(p.material("25 of 363", "28 of 363").is_some());
        assert_eq!(p.material("25 of 363", "24 of 362"), None);
        assert_eq!(
            p.material("228 of 363 (quartile 2)", "229 of 363 (quartile 3)"),
            Some("the quartile changed".into())
        );
        // Withheld and shown, and words.
        assert!(p.material("<5", "6").is_some());
        assert!(p.material("6.1%", "–").is_some());
        assert_eq!(p.material("–", "<5"), None);
        assert!(p.material("Yes", "No").is_some());
        assert_eq!(p.material("Yes", "Yes"), None);
    }

    #[test]
    fn a_policy_file_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("revisions.toml");
        std::fs::write(
            &path,
            "[comparators]\nrate_points = 1.0\nrelative_percent = 5\nlast_digit_steps = 2\nrank_places = 10\nquartile_change = false\n",
        )
        .unwrap();
        let p = Policy::load(Some(&path)).unwrap();
        assert_eq!(p.material("16.4%", "15.5%"), None);
        assert_eq!(
            p.material("228 of 363 (quartile 2)", "229 of 363 (quartile 3)"),
            None
        );
        std::fs::write(&path, "[comparators]\nrate_point = 1.0\n").unwrap();
        let err = Policy::load(Some(&path)).unwrap_err().to_string();
        assert!(err.contains("rate_point"), "{err}");
        std::fs::write(
            &path,
            "[comparators]\nrate_points = -1\nrelative_percent = 1\nlast_digit_steps = 2\nrank_places = 3\nquartile_change = true\n",
        )
        .unwrap();
        assert!(Policy::load(Some(&path)).is_err());
    }
}
