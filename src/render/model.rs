//! One report's template data: the typed model that Rust computes and the Typst templates
//! present (`data.json` in the typesetting world). Rust decides every figure, its printed
//! form, the charts and the generated sentences; the templates decide what a reader sees
//! around them — sections, headings, prose, captions, which tables and charts appear.
//!
//! Everything here is keyed by stable ids (`tables.workforce_size`, `charts.wte_peers`,
//! `figures.vacancy_rate`), so that rewording a template never re-keys the data companion.
//! The README's "Template data" section documents every field; [`SCHEMA_VERSION`] changes
//! whenever a field is renamed or removed.

use super::messages::Messages;
use super::{RenderError, ReportKind, ReportPlan};
use crate::charts::{self, GroupedBars, HexCell, HexMap, PeerChart, StackedShares, TrendChart};
use crate::domain::{
    Dimension, DimensionFamily, OrgType, Region, RoleGroup, Sector, StrategyGroup, NOT_KNOWN,
};
use crate::format::{fmt_count, fmt_pct, fmt_ratio, fmt_wte, opt, ordinal, Format, MISSING};
use crate::input::census::{CensusMeta, PlanYear};
use crate::input::finding::{Finding, Severity};
use crate::input::reference;
use crate::metrics::catalogue::{MeasureId, Quantity, Scope, MEASURES};
use crate::metrics::comparison::Change;
use crate::metrics::diversity::{self, MIN_CELL, MIN_UNIT_HEADCOUNT};
use crate::metrics::parts::Part;
use crate::metrics::{EntityKind, Metrics, Unit, YearMetrics};
use minijinja::context;
use serde::Serialize;
use std::collections::BTreeMap;

mod area;
mod builder;
mod depth;
mod estimates;
mod expansion;
mod findings;
mod icb;
mod la;
mod participant;
mod participation;
mod shared;
mod staff_profile;
mod trend;

use area::area;
use builder::*;
use expansion::{fmt_percent_points, plan_ambitions, workbook_plan};
use la::local_authority;
use participant::participant;
use shared::vacancies;
use staff_profile::diversity_content;
use trend::trend_content;

/// The version of the template data's layout. Templates may check `data.schema`.
pub const SCHEMA_VERSION: u32 = 1;

/// Hex-map bands: local authorities split into this many equal groups.
pub const HEX_BANDS: usize = 5;

/// What every report of a build shares.
pub struct ReportContext<'a> {
    pub metrics: &'a Metrics,
    /// The census year's title and dates (the model reads no census rows: every figure it
    /// prints comes from the metrics stage).
    pub meta: &'a CensusMeta,
    pub findings: &'a [Finding],
    pub messages: &'a Messages,
    /// The template set's logo (`/assets/logo.svg` or `.png`), when it has one.
    pub logo: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportModel {
    pub schema: u32,
    pub meta: Meta,
    pub thresholds: Thresholds,
    pub figures: BTreeMap<String, Figure>,
    pub key_messages: Vec<String>,
    pub tables: BTreeMap<String, Table>,
    pub charts: BTreeMap<String, Chart>,
    /// The seven MDT disciplines and whether each has staff in post.
    pub mdt: Vec<Presence>,
    pub diversity: DiversityModel,
    pub trend: TrendModel,
    /// Regional and national reports: the headline figures with their change since the
    /// last census (also table `at_a_glance`).
    pub glance: Vec<Glance>,
    /// Where reference figures come from (the population comparators), one line each.
    pub sources: Vec<String>,
    /// Whose returns the report rests on.
    pub participation: ParticipationModel,
    /// The definition of every catalogue measure the report prints, in catalogue order (the
    /// Definitions section).
    pub definitions: Vec<Definition>,
    /// Set when the report is issued (after fingerprinting): the "What changed" list.
    pub changes: Option<Changes>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub id: String,
    /// `provider`, `lero`, `la`, `region` or `national`.
    pub kind: ReportKind,
    pub participant: String,
    pub census_title: String,
    pub census_year: u16,
    pub snapshot: String,
    pub published: String,
    /// Set when the report is issued: its version and the date it carries.
    pub version: u32,
    pub issued: String,
    /// The region's name, for units in one.
    pub region: Option<String>,
    /// Peers in words: "providers", "local authorities"; and one of them.
    pub peers: String,
    pub peer: String,
    /// Organisations left out of every figure because validation found errors.
    pub blocked_count: usize,
    /// The expansion plan year shown for this census (e.g. `2023-24`).
    pub plan_year: String,
    pub assumptions_label: String,
    /// Path of the logo in the template set, if it has one.
    pub logo: Option<String>,
    pub program_version: String,
    /// Where the census year's ICB lookup comes from (ICB reports; may be empty).
    pub icb_source: String,
}

/// Numbers the templates print in prose, from the constants that apply them.
#[derive(Debug, Clone, Serialize)]
pub struct Thresholds {
    pub diversity_min_unit: u64,
    pub diversity_min_cell: u64,
    pub mdt_disciplines: usize,
    pub hex_bands: usize,
    /// The national strategy's growth ambition (WTE by 2024-25) by strategy group code.
    pub ambitions: BTreeMap<&'static str, u32>,
    /// Usable returns of a type and sector a region needs to be its own median's pool.
    pub estimate_min_pool: usize,
}

/// One headline figure: its value, how it prints, where it stands among peers and how it
/// changed since last year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub label: String,
    pub value: Option<f64>,
    pub display: String,
    pub peers: Option<PeerPosition>,
    pub previous: Option<PreviousYear>,
    /// A proportion of people against its benchmark, by its 95% interval (SPEC §15).
    pub comparison: Option<FigureComparison>,
}

/// A proportion of people against its benchmark, as the sentences print it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureComparison {
    /// `similar`, `higher` or `lower`.
    pub standing: &'static str,
    /// "similar to", "higher than", "lower than".
    pub words: &'static str,
    /// "the overall rate of all providers", "England's rate".
    pub benchmark: String,
    pub benchmark_display: String,
    /// The 95% interval: "10.8% to 60.3%".
    pub interval: String,
    /// "3 of 10 people".
    pub people: String,
}

/// Whose returns a report rests on (SPEC §13).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ParticipationModel {
    /// False when the census has no list of invited organisations.
    pub known: bool,
    /// The participation sentences (national, regional), the LA's returns in one sentence,
    /// how many returns a provider's or LERO's comparisons rest on, or why participation
    /// is not known.
    pub summary: String,
    /// An LA report: said where its attributed WTE is first stated, when an invited
    /// provider or LERO serving it did not return.
    pub caveat: Option<String>,
}

/// A measure's label and definition, from the measure catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Definition {
    pub key: &'static str,
    pub term: &'static str,
    pub definition: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerPosition {
    pub median: String,
    pub q1: String,
    pub q3: String,
    /// 1 = highest.
    pub rank: usize,
    pub rank_ordinal: String,
    pub n: usize,
    /// 1 = the lowest quarter … 4 = the highest.
    pub quartile: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviousYear {
    pub year: u16,
    pub display: String,
    /// `up`, `down` or `unchanged`.
    pub direction: &'static str,
    /// The size of the change: percentage points for rates, else in the figure's unit.
    pub change: String,
    /// The change as a percentage of last year's value (not for rates).
    pub change_pct: Option<String>,
    /// A proportion of people whose change could be chance: Newcombe's 95% interval for the
    /// difference of the two years holds zero (SPEC §15). The sentences then give both
    /// values and call the change neither up nor down.
    pub chance: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub key: String,
    pub label: String,
    pub numeric: bool,
    /// Figures of someone else (peer medians and ranks, the region's and England's
    /// values) printed for comparison: their drift alone need not reissue the report (see
    /// `batch::revisions`).
    #[serde(skip)]
    pub comparator: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Stable within its table: a code (metric, role group, LA, organisation), not a label.
    pub key: String,
    /// One cell per column; the first names the row.
    pub cells: Vec<String>,
    /// Rows that share a group (e.g. the peer group of a distribution) are printed under
    /// one group heading instead of repeating it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A total of the rows above it (printed in bold).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total: bool,
    /// Every figure of the row is a comparator (a peer distribution's quartiles, another
    /// region's rates).
    #[serde(skip)]
    pub comparator: bool,
    /// Every figure of the row is one other organisation's value (the lowest or highest of
    /// a peer group): the least stable figure there is, and not one a reader acts on, so its
    /// change is recorded as drift and never reissues the report (SPEC §7).
    #[serde(skip)]
    pub single_value: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub id: String,
    /// The default caption; the templates print their own.
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Table {
    /// A table whose first column names the rows and the rest hold values; `columns` as
    /// (key, label).
    pub fn new(id: &str, caption: &str, columns: &[(&str, &str)]) -> Table {
        Table {
            id: id.to_string(),
            caption: caption.to_string(),
            columns: columns
                .iter()
                .enumerate()
                .map(|(i, (key, label))| Column {
                    key: key.to_string(),
                    label: label.to_string(),
                    numeric: i > 0,
                    comparator: false,
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Marks the columns at these positions as text (left-aligned).
    fn text_columns(mut self, positions: &[usize]) -> Table {
        for p in positions {
            if let Some(c) = self.columns.get_mut(*p) {
                c.numeric = false;
            }
        }
        self
    }

    pub fn row(&mut self, key: impl Into<String>, cells: Vec<String>) {
        self.rows.push(Row {
            key: key.into(),
            cells,
            group: None,
            total: false,
            comparator: false,
            single_value: false,
        });
    }

    /// Marks the columns with these keys as comparators.
    pub fn comparator_columns(mut self, keys: &[&str]) -> Table {
        for c in &mut self.columns {
            if keys.contains(&c.key.as_str()) {
                c.comparator = true;
            }
        }
        self
    }

    /// Marks the rows with these keys as comparators.
    pub fn comparator_rows(&mut self, keys: &[&str]) {
        for r in &mut self.rows {
            if keys.contains(&r.key.as_str()) {
                r.comparator = true;
            }
        }
    }

    /// Marks the rows with these keys as one other organisation's value each (and so
    /// comparators).
    pub fn single_value_rows(&mut self, keys: &[&str]) {
        self.comparator_rows(keys);
        for r in &mut self.rows {
            if keys.contains(&r.key.as_str()) {
                r.single_value = true;
            }
        }
    }
}

/// A chart: its SVG is served at `file`; `table` holds the figures it draws.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub id: String,
    pub file: String,
    pub alt: String,
    /// The default caption; the templates print their own.
    pub caption: String,
    pub table: Table,
}

#[derive(Debug, Clone, Serialize)]
pub struct Presence {
    pub group: RoleGroup,
    pub label: String,
    pub present: bool,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct DiversityModel {
    /// False when the unit is too small for a breakdown (see `thresholds`).
    pub shown: bool,
    /// The dimensions shown, each with chart `diversity_<code>` and table `diversity_<code>`.
    pub dimensions: Vec<DimensionModel>,
    /// The comparators' names, in the order of the chart's series.
    pub comparators: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionModel {
    /// `diversity` (who the staff are) or `employment` (contract, working pattern, length
    /// of service): the templates print them in different sections.
    pub family: DimensionFamily,
    pub code: String,
    pub label: String,
    pub chart: String,
    pub table: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct TrendModel {
    pub years: Vec<u16>,
    /// Why an LA's earlier figures are for another area or code (a generated sentence).
    pub note: Option<String>,
    /// Regional and national reports: the same sentence for each LA in the area whose
    /// boundary or code changed.
    pub boundary_notes: Vec<String>,
}

/// One headline figure at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct Glance {
    pub key: String,
    pub label: String,
    pub value: String,
    /// "up 1,234 (9.6%) from 12,887 in 2023"; None in the first census year present.
    pub change: Option<String>,
}

/// What differs from the previous version of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    pub version: u32,
    /// True when no figure changed: the wording or layout did.
    pub wording_only: bool,
    pub figures: Vec<ChangeLine>,
    /// Changes beyond those listed (all are in changes.csv).
    pub more: usize,
    /// Why the report was reissued, in a sentence (the revisions policy's reason).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeLine {
    pub figure: String,
    pub old: String,
    pub new: String,
}

/// A built report's content: the model and the SVG of each chart, by chart id.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub model: ReportModel,
    pub svgs: Vec<(String, String)>,
}

impl ReportModel {
    /// The report's own content: everything it shows except what comes from its
    /// comparators — peer positions, comparator cells and series, the sentences that
    /// compare it with others (key messages, chart descriptions, how many returns a
    /// participant's comparisons rest on) and organisations left out elsewhere. Its
    /// fingerprint changes when the report's own figures, its disclosure-controlled cells,
    /// its validation queries or anything it says about itself change, and not when only
    /// others' figures moved (SPEC §7, revisions).
    pub fn own_content(&self) -> ReportModel {
        let mut own = self.clone();
        own.key_messages.clear();
        own.changes = None;
        for figure in own.figures.values_mut() {
            // Its position among peers and its benchmark (the peers' overall rate, or
            // England's) move with others' figures.
            figure.peers = None;
            figure.comparison = None;
        }
        fn blank(table: &mut Table) {
            for row in &mut table.rows {
                for (cell, column) in row.cells.iter_mut().zip(&table.columns) {
                    if row.comparator || column.comparator {
                        cell.clear();
                    }
                }
            }
        }
        own.tables.values_mut().for_each(blank);
        for chart in own.charts.values_mut() {
            chart.alt.clear();
            blank(&mut chart.table);
        }
        if matches!(
            own.meta.kind,
            ReportKind::Provider | ReportKind::Lero | ReportKind::La
        ) {
            own.meta.blocked_count = 0;
            own.figures.remove("blocked_organisations");
        }
        if matches!(own.meta.kind, ReportKind::Provider | ReportKind::Lero) {
            own.participation.summary.clear();
        }
        own
    }
}

impl Rendered {
    /// Every table the report holds, its charts' data tables after the rest: the data
    /// companion's content.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.model
            .tables
            .values()
            .chain(self.model.charts.values().map(|c| &c.table))
    }
}

/// Every peer group's values, sorted and anonymous, as (peer group, measure, position,
/// value) rows: the bars of every peer chart. Written once per build (`peer-values.csv`)
/// rather than into each report's companion, which would make the output grow with the
/// square of the number of participants.
pub fn peer_values(year: &YearMetrics) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for ((kind, metric), d) in &year.peers {
        let format = format_of(*metric);
        for (i, v) in d.values.iter().enumerate() {
            rows.push(vec![
                kind.peers_label().to_string(),
                metric.measure().label.to_string(),
                (i + 1).to_string(),
                format(*v),
            ]);
        }
    }
    rows
}

// ---- report content ------------------------------------------------------------------------

/// Builds the template data for one planned report (version and changes are set later, when
/// the report is issued).
pub fn build(ctx: &ReportContext, plan: &ReportPlan) -> Result<Rendered, RenderError> {
    let year = &ctx.metrics.current;
    let unit = year
        .unit(plan.kind.entity(), plan.kind.unit_id(&plan.id))
        .ok_or_else(|| RenderError::NoFigures(plan.id.clone()))?;
    let census = ctx.meta;
    let meta = Meta {
        id: plan.id.clone(),
        kind: plan.kind,
        participant: unit.name.clone(),
        census_title: census.title.clone(),
        census_year: census.year,
        snapshot: census.snapshot_date.long(),
        published: census.published.long(),
        version: 0,
        issued: String::new(),
        region: unit
            .region
            .filter(|_| unit.kind != EntityKind::Region)
            .map(|r| r.label().to_string()),
        peers: unit.kind.peers_label().to_string(),
        peer: unit.kind.peer_label().to_string(),
        blocked_count: year.blocked.len(),
        plan_year: PlanYear::for_census(census.year).to_string(),
        assumptions_label: ctx.metrics.assumptions_label.clone(),
        logo: ctx.logo.clone(),
        program_version: env!("CARGO_PKG_VERSION").to_string(),
        icb_source: census.icb_source.clone(),
    };
    let mut b = Builder {
        ctx,
        unit,
        model: ReportModel {
            schema: SCHEMA_VERSION,
            meta,
            thresholds: Thresholds {
                diversity_min_unit: MIN_UNIT_HEADCOUNT as u64,
                diversity_min_cell: MIN_CELL,
                mdt_disciplines: crate::metrics::mdt::MDT_GROUPS.len(),
                hex_bands: HEX_BANDS,
                ambitions: StrategyGroup::ALL
                    .iter()
                    .map(|g| (g.code(), g.ambition_wte().round() as u32))
                    .collect(),
                estimate_min_pool: crate::metrics::estimate::MIN_REGIONAL_POOL,
            },
            figures: BTreeMap::new(),
            key_messages: Vec::new(),
            tables: BTreeMap::new(),
            charts: BTreeMap::new(),
            mdt: Vec::new(),
            diversity: DiversityModel::default(),
            trend: TrendModel::default(),
            glance: Vec::new(),
            sources: Vec::new(),
            participation: ParticipationModel::default(),
            definitions: MEASURES
                .iter()
                .filter(|m| m.applies(unit.kind))
                .map(|m| Definition {
                    key: m.key,
                    term: m.label,
                    definition: m.definition,
                })
                .collect(),
            changes: None,
        },
        svgs: Vec::new(),
    };
    common_figures(&mut b);
    participation::participation(&mut b)?;
    match plan.kind {
        ReportKind::Provider | ReportKind::Lero => participant(&mut b)?,
        ReportKind::La => local_authority(&mut b)?,
        ReportKind::Region | ReportKind::National => {
            area(&mut b)?;
            depth::content(&mut b)?;
        }
        ReportKind::Icb => icb::icb(&mut b)?,
    }
    // A footprint's diversity is not apportioned from its LAs.
    if plan.kind != ReportKind::Icb {
        diversity_content(&mut b)?;
    }
    trend_content(&mut b)?;
    queries(&mut b, plan);
    figures_table(&mut b);
    Ok(Rendered {
        model: b.model,
        svgs: b.svgs,
    })
}

/// Every catalogue measure that applies to the unit, with peers and last year's figure where
/// the measure has peers, and the count of organisations left out.
fn common_figures(b: &mut Builder) {
    let unit = b.unit;
    for measure in MEASURES.iter().filter(|m| m.applies(unit.kind)) {
        b.metric_figure(measure.id);
    }
    b.figure(
        "blocked_organisations",
        "Organisations left out for validation errors",
        Some(b.year().blocked.len() as f64),
        Quantity::Count,
    );
    b.mdt_presence();
}

/// Every figure of `figures` as a table, so that the data companion holds the figures the
/// templates print in prose.
fn figures_table(b: &mut Builder) {
    let mut table = Table::new(
        "figures",
        "Headline figures",
        &[
            ("figure", "Figure"),
            ("value", "Value"),
            ("peer_median", "Peer median"),
            ("rank", "Rank (1 = highest)"),
            ("previous", "Last census"),
        ],
    )
    .comparator_columns(&["peer_median", "rank"]);
    for (key, f) in &b.model.figures {
        table.row(
            key.clone(),
            vec![
                f.label.clone(),
                f.display.clone(),
                f.peers.as_ref().map_or("–".into(), |p| p.median.clone()),
                f.peers
                    .as_ref()
                    .map_or("–".into(), |p| format!("{} of {}", p.rank, p.n)),
                f.previous
                    .as_ref()
                    .map_or("–".into(), |p| p.display.clone()),
            ],
        );
    }
    // Organisations left out elsewhere are context for a participant's or an LA's report;
    // for an ICB footprint, a region and England, they are missing from the report's own
    // figures.
    if !matches!(
        b.unit.kind,
        EntityKind::Icb | EntityKind::Region | EntityKind::England
    ) {
        table.comparator_rows(&["blocked_organisations"]);
    }
    b.table(table);
}

/// The validation findings on the participant's own return (for an LA, its commissioning
/// team's), as table `queries` when there are any.
fn queries(b: &mut Builder, plan: &ReportPlan) {
    let unit = b.unit;
    let owners: Vec<&str> = match plan.kind {
        ReportKind::Provider | ReportKind::Lero => vec![unit.id.as_str()],
        ReportKind::La => unit
            .area
            .iter()
            .flat_map(|a| &a.commissioners)
            .map(String::as_str)
            .collect(),
        ReportKind::Icb | ReportKind::Region | ReportKind::National => return,
    };
    let findings: Vec<&Finding> = b
        .ctx
        .findings
        .iter()
        .filter(|f| f.org_id.as_deref().is_some_and(|id| owners.contains(&id)))
        .collect();
    if findings.is_empty() {
        return;
    }
    let mut table = Table::new(
        "queries",
        "Outstanding data queries",
        &[
            ("severity", "Severity"),
            ("where", "Where"),
            ("query", "Query"),
        ],
    )
    .text_columns(&[1, 2]);
    // Keyed by rule and place, so a query answered elsewhere does not re-key the others.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings {
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "query",
        };
        let key = format!("{} {}", f.rule.id(), f.location());
        let n = seen.entry(key.clone()).or_insert(0);
        *n += 1;
        let key = if *n == 1 { key } else { format!("{key} #{n}") };
        table.row(key, vec![severity.into(), f.location(), f.message.clone()]);
    }
    b.table(table);
}

#[cfg(test)]
mod tests {
    use super::area::capitalised;
    use super::*;

    #[test]
    fn a_change_reads_in_points_for_rates_and_in_units_and_percent_otherwise() {
        let p = previous_year(MeasureId::VacancyRate, 2023, 0.08, 0.091);
        assert_eq!(
            (p.direction, p.change.as_str(), p.change_pct),
            ("up", "1.1", None)
        );
        let p = previous_year(MeasureId::Wte, 2023, 200.0, 150.0);
        assert_eq!(
            (p.direction, p.change.as_str(), p.change_pct.as_deref()),
            ("down", "50.0", Some("25%"))
        );
        let p = previous_year(MeasureId::Wte, 2023, 0.0, 0.01);
        assert_eq!((p.direction, p.change_pct), ("unchanged", None));
    }

    #[test]
    fn group_names_are_capitalised() {
        assert_eq!(capitalised("local authorities"), "Local authorities");
        assert_eq!(capitalised(""), "");
    }
}
