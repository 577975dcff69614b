//! One report's template data: the typed model that Rust computes and the Typst templates
//! present (`data.json` in the typesetting world). Rust decides every figure, its printed
//! form, the charts and the generated sentences; the templates decide what a reader sees
//! around them — sections, headings, prose, captions, which tables and charts appear.
//!
//! Everything here is keyed by stable ids (`tables.workforce_size`, `charts.wte_peers`,
//! `figures.vacancy_rate`), so that rewording a template never re-keys the data companion.
//! The README's "Template data" section documents every field; [`SCHEMA_VERSION`] changes
//! whenever a field is renamed or removed.

use super::format::{fmt_count, fmt_pct, fmt_ratio, fmt_wte, format_of, opt, ordinal, Format};
use super::messages::Messages;
use super::{RenderError, ReportKind, ReportPlan};
use crate::census::{Census, PlanYear};
use crate::charts::{self, GroupedBars, HexMap, PeerChart, StackedShares, TrendChart};
use crate::domain::{
    Dimension, DimensionFamily, OrgType, Region, RoleGroup, Sector, StrategyGroup, NOT_KNOWN,
};
use crate::finding::{Finding, Severity};
use crate::metrics::diversity::{self, MIN_CELL, MIN_UNIT_HEADCOUNT};
use crate::metrics::{EntityKind, Metric, Metrics, TrendPoint, Unit, YearMetrics};
use crate::reference;
use minijinja::context;
use serde::Serialize;
use std::collections::BTreeMap;

mod depth;

/// The version of the template data's layout. Templates may check `data.schema`.
pub const SCHEMA_VERSION: u32 = 1;

/// Hex-map bands: local authorities split into this many equal groups.
pub const HEX_BANDS: usize = 5;

/// What every report of a build shares.
pub struct ReportContext<'a> {
    pub metrics: &'a Metrics,
    pub census: &'a Census,
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
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub key: String,
    pub label: String,
    pub numeric: bool,
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
        });
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
                peers_label(*kind).to_string(),
                metric.label().to_string(),
                (i + 1).to_string(),
                format(*v),
            ]);
        }
    }
    rows
}

pub fn peers_label(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Provider => "providers",
        EntityKind::Lero => "lived experience recovery organisations",
        EntityKind::Commissioner => "commissioning teams",
        EntityKind::La => "local authorities",
        EntityKind::Region => "regions",
        EntityKind::England => "England",
    }
}

fn peer_label(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Provider => "provider",
        EntityKind::Lero => "lived experience recovery organisation",
        EntityKind::Commissioner => "commissioning team",
        EntityKind::La => "local authority",
        EntityKind::Region => "region",
        EntityKind::England => "England",
    }
}

/// A series of a bar or line chart: its name and one value per category (None: no value).
struct Series {
    name: String,
    values: Vec<Option<f64>>,
}

impl Series {
    fn new(name: impl Into<String>, values: Vec<Option<f64>>) -> Series {
        Series {
            name: name.into(),
            values,
        }
    }
}

/// A category of a bar chart: its stable key and its label.
struct Category {
    key: String,
    label: String,
}

impl Category {
    fn group(group: RoleGroup) -> Category {
        Category {
            key: group.code().into(),
            label: group.label().into(),
        }
    }
}

// ---- the builder -------------------------------------------------------------------------

struct Builder<'a> {
    ctx: &'a ReportContext<'a>,
    unit: &'a Unit,
    model: ReportModel,
    svgs: Vec<(String, String)>,
}

impl<'a> Builder<'a> {
    fn year(&self) -> &'a YearMetrics {
        &self.ctx.metrics.current
    }

    fn message(&self, name: &str, context: minijinja::Value) -> Result<String, RenderError> {
        Ok(self.ctx.messages.render(name, context)?)
    }

    fn table(&mut self, table: Table) {
        self.model.tables.insert(table.id.clone(), table);
    }

    fn chart(&mut self, id: &str, svg: String, alt: String, caption: &str, mut table: Table) {
        table.id = id.to_string();
        table.caption = caption.to_string();
        self.model.charts.insert(
            id.to_string(),
            Chart {
                id: id.to_string(),
                file: format!("/charts/{id}.svg"),
                alt,
                caption: caption.to_string(),
                table,
            },
        );
        self.svgs.push((id.to_string(), svg));
    }

    fn figure(&mut self, key: &str, label: &str, value: Option<f64>, format: Format) {
        self.model.figures.insert(
            key.to_string(),
            Figure {
                label: label.to_string(),
                value,
                display: opt(value, format),
                peers: None,
                previous: None,
            },
        );
    }

    /// A peer-compared metric of the unit: value, position among peers, change since the
    /// previous census.
    fn metric_figure(&mut self, metric: Metric) {
        let unit = self.unit;
        let format = format_of(metric);
        let value = metric.value(unit);
        let d = self.year().peers.get(&(unit.kind, metric));
        let peers = value.zip(d).map(|(v, d)| {
            let rank = d.rank(v);
            PeerPosition {
                median: format(d.median),
                q1: format(d.q1),
                q3: format(d.q3),
                rank,
                rank_ordinal: ordinal(rank),
                n: d.values.len(),
                quartile: d.quartile(v),
            }
        });
        let trend = self.ctx.metrics.trends.get(&(unit.kind, unit.id.clone()));
        let before = trend.and_then(|t| t.points.iter().rev().nth(1));
        let previous = before.and_then(|p| {
            let old = trend_value(p, metric)?;
            Some(previous_year(metric, p.year, old, value?))
        });
        self.model.figures.insert(
            metric.code().to_string(),
            Figure {
                label: metric.label().to_string(),
                value,
                display: opt(value, format),
                peers,
                previous,
            },
        );
    }

    fn key_messages(&mut self, metrics: &[Metric]) -> Result<(), RenderError> {
        let unit = self.unit;
        let subject = match unit.kind {
            EntityKind::England => "England's".to_string(),
            EntityKind::Provider | EntityKind::Lero => "Your".to_string(),
            _ => format!("{}'s", unit.name),
        };
        for metric in metrics {
            let Some(figure) = self.model.figures.get(metric.code()) else {
                continue;
            };
            if figure.value.is_none() {
                continue;
            }
            let text = self.message(
                "key_message",
                context! {
                    subject => subject.clone(),
                    metric => metric.label().to_lowercase().replace("wte", "WTE"),
                    value => figure.display.clone(),
                    peers => figure.peers.clone(),
                    peer_group => peers_label(unit.kind),
                    previous => figure.previous.clone(),
                    is_rate => metric.is_rate(),
                },
            )?;
            self.model.key_messages.push(text);
        }
        Ok(())
    }

    /// Peer chart for the unit on `metric`, with alt text and a distribution table.
    fn peer_chart(&mut self, id: &str, metric: Metric, caption: &str) -> Result<(), RenderError> {
        let unit = self.unit;
        let Some(d) = self.year().peers.get(&(unit.kind, metric)) else {
            return Ok(());
        };
        let format = format_of(metric);
        let you = metric.value(unit);
        let svg = charts::peer_chart(&PeerChart {
            values: &d.values,
            you,
            median: d.median,
            q1: d.q1,
            q3: d.q3,
            axis_label: metric.label(),
            format,
        })?;
        let rank = you.map(|v| d.rank(v));
        let alt = self.message(
            "peer_alt",
            context! { metric => metric.label().to_lowercase(), n => d.values.len(), peers => peers_label(unit.kind), you => you.map(format), rank, rank_ordinal => rank.map(ordinal), median => format(d.median), q1 => format(d.q1), q3 => format(d.q3) },
        )?;
        let mut table = Table::new("", "", &[("figure", "Figure"), ("value", "Value")]);
        table.row("you", vec!["Your value".into(), opt(you, format)]);
        table.row(
            "rank",
            vec![
                "Your rank (1 = highest)".into(),
                rank.map_or("–".into(), |r| format!("{r} of {}", d.values.len())),
            ],
        );
        for (key, label, value) in [
            ("min", "Lowest", d.min),
            ("q1", "Lower quartile", d.q1),
            ("median", "Median", d.median),
            ("q3", "Upper quartile", d.q3),
            ("max", "Highest", d.max),
        ] {
            table.row(key, vec![label.into(), format(value)]);
        }
        self.chart(id, svg, alt, caption, table);
        Ok(())
    }

    /// Horizontal bars comparing series by category, with their data table.
    #[allow(clippy::too_many_arguments)]
    fn bars_chart(
        &mut self,
        id: &str,
        caption: &str,
        category_name: &str,
        measure: &str,
        categories: Vec<Category>,
        series: Vec<Series>,
        format: Format,
    ) -> Result<(), RenderError> {
        let labels: Vec<String> = categories.iter().map(|c| c.label.clone()).collect();
        let pairs: Vec<(String, Vec<Option<f64>>)> = series
            .iter()
            .map(|s| (s.name.clone(), s.values.clone()))
            .collect();
        let svg = charts::grouped_bars(&GroupedBars {
            categories: &labels,
            series: &pairs,
            axis_label: measure,
            format,
        })?;
        let mut columns: Vec<(String, String)> = vec![("category".into(), category_name.into())];
        columns.extend(
            series
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("series_{}", i + 1), s.name.clone())),
        );
        let mut table = table_with(&columns);
        for (i, category) in categories.iter().enumerate() {
            let mut cells = vec![category.label.clone()];
            cells.extend(
                series
                    .iter()
                    .map(|s| opt(s.values.get(i).copied().flatten(), format)),
            );
            table.row(category.key.clone(), cells);
        }
        let highest: Vec<minijinja::Value> = series
            .iter()
            .filter_map(|s| {
                let (i, v) = s
                    .values
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| v.map(|v| (i, v)))
                    .max_by(|a, b| a.1.total_cmp(&b.1))?;
                Some(context! { series => s.name.clone(), category => labels[i].clone(), value => format(v) })
            })
            .collect();
        let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
        let alt = self.message(
            "bars_alt",
            context! { measure, category_name, series => names, highest },
        )?;
        self.chart(id, svg, alt, caption, table);
        Ok(())
    }

    fn trend_chart(
        &mut self,
        id: &str,
        caption: &str,
        measure: &str,
        years: &[u16],
        series: Vec<Series>,
        format: Format,
    ) -> Result<(), RenderError> {
        let pairs: Vec<(String, Vec<Option<f64>>)> = series
            .iter()
            .map(|s| (s.name.clone(), s.values.clone()))
            .collect();
        let svg = charts::trend_chart(&TrendChart {
            years,
            series: &pairs,
            axis_label: measure,
            format,
        })?;
        let mut columns: Vec<(String, String)> = vec![("year".into(), "Year".into())];
        columns.extend(
            series
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("series_{}", i + 1), s.name.clone())),
        );
        let mut table = table_with(&columns);
        for (i, year) in years.iter().enumerate() {
            let mut cells = vec![year.to_string()];
            cells.extend(
                series
                    .iter()
                    .map(|s| opt(s.values.get(i).copied().flatten(), format)),
            );
            table.row(year.to_string(), cells);
        }
        let lines: Vec<minijinja::Value> = series
            .iter()
            .map(|s| {
                let points: Vec<minijinja::Value> = years
                    .iter()
                    .zip(&s.values)
                    .map(|(y, v)| context! { year => y, value => opt(*v, format) })
                    .collect();
                context! { name => s.name.clone(), points }
            })
            .collect();
        let alt = self.message("trend_alt", context! { measure, years, lines })?;
        self.chart(id, svg, alt, caption, table);
        Ok(())
    }

    /// Share of WTE by role group for the unit, its region and England, as stacked bars.
    fn skill_mix_chart(&mut self) -> Result<(), RenderError> {
        let rows = self.with_comparators(self.own_name());
        let groups: Vec<RoleGroup> = RoleGroup::ALL
            .iter()
            .copied()
            .filter(|g| rows.iter().any(|(_, u)| u.group_wte(*g) > 0.0))
            .collect();
        let categories: Vec<String> = groups.iter().map(|g| g.label().to_string()).collect();
        let shares: Vec<Vec<f64>> = rows
            .iter()
            .map(|(_, u)| {
                let total: f64 = groups.iter().map(|g| u.group_wte(*g)).sum();
                groups
                    .iter()
                    .map(|g| crate::stats::ratio(u.group_wte(*g), total).unwrap_or(0.0))
                    .collect()
            })
            .collect();
        let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let svg = charts::stacked_shares(&StackedShares {
            rows: &names,
            categories: &categories,
            shares: &shares,
        })?;
        let mut columns: Vec<(String, String)> = vec![("group".into(), "Role group".into())];
        columns.extend(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (format!("series_{}", i + 1), n.clone())),
        );
        let mut table = table_with(&columns);
        for (k, group) in groups.iter().enumerate() {
            let mut cells = vec![group.label().to_string()];
            cells.extend(shares.iter().map(|s| fmt_pct(s[k])));
            table.row(group.code(), cells);
        }
        let largest: Vec<minijinja::Value> = names
            .iter()
            .zip(&shares)
            .filter_map(|(name, s)| {
                let (k, v) = s.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
                Some(context! { name => name.clone(), group => categories[k].clone(), share => fmt_pct(*v) })
            })
            .collect();
        let alt = self.message("stacked_alt", context! { rows => names, largest })?;
        self.chart(
            "skill_mix",
            svg,
            alt,
            "Skill mix: share of WTE by role group",
            table,
        );
        Ok(())
    }

    /// "You" for an organisation; the area's name otherwise.
    fn own_name(&self) -> String {
        match self.unit.kind {
            EntityKind::Provider | EntityKind::Lero => "You".to_string(),
            _ => self.unit.name.clone(),
        }
    }

    /// The unit, then its region (when it is in one) and England, with their names.
    fn with_comparators(&self, own: String) -> Vec<(String, &'a Unit)> {
        let year = self.year();
        let mut rows = vec![(own, self.unit)];
        if self.unit.kind != EntityKind::Region {
            if let Some(region) = self
                .unit
                .region
                .and_then(|r| year.unit(EntityKind::Region, r.code()))
            {
                rows.push((format!("{} region", region.name), region));
            }
        }
        if self.unit.kind != EntityKind::England {
            rows.push(("England".to_string(), year.england()));
        }
        rows
    }

    /// The unit's rows of a "you against peers" table.
    fn position_table(&mut self, id: &str, caption: &str, own: &str, metrics: &[Metric]) {
        let mut table = Table::new(
            id,
            caption,
            &[
                ("measure", "Measure"),
                ("value", own),
                ("peer_median", "Peer median"),
                ("rank", "Rank"),
            ],
        );
        for metric in metrics {
            let figure = self.model.figures.get(metric.code());
            let (display, median, rank) = match figure {
                Some(f) => (
                    f.display.clone(),
                    f.peers.as_ref().map_or("–".into(), |p| p.median.clone()),
                    f.peers.as_ref().map_or("–".into(), |p| {
                        format!("{} of {} (quartile {})", p.rank, p.n, p.quartile)
                    }),
                ),
                None => ("–".into(), "–".into(), "–".into()),
            };
            table.row(
                metric.code(),
                vec![metric.label().into(), display, median, rank],
            );
        }
        self.table(table);
    }

    /// Share of delivery WTE by role group, against England.
    fn role_group_chart(&mut self) -> Result<(), RenderError> {
        let unit = self.unit;
        let england = self.year().england();
        let groups: Vec<RoleGroup> = RoleGroup::ALL
            .iter()
            .copied()
            .filter(|g| *g != RoleGroup::Commissioning)
            .filter(|g| unit.group_wte(*g) > 0.0 || england.group_wte(*g) > 0.0)
            .collect();
        // Shares of the delivery workforce: commissioning teams are reported on their own.
        let delivery = |u: &Unit| u.totals.wte - u.group_wte(RoleGroup::Commissioning);
        let share = |u: &Unit, g: RoleGroup| crate::stats::ratio(u.group_wte(g), delivery(u));
        let series = vec![
            Series::new(
                self.own_name(),
                groups.iter().map(|g| share(unit, *g)).collect(),
            ),
            Series::new(
                "England",
                groups.iter().map(|g| share(england, *g)).collect(),
            ),
        ];
        let categories = groups.iter().map(|g| Category::group(*g)).collect();
        self.bars_chart(
            "role_group_shares",
            "Share of delivery WTE by role group",
            "Role group",
            "Share of WTE",
            categories,
            series,
            fmt_pct,
        )
    }

    fn mdt_presence(&mut self) {
        self.model.mdt = self
            .unit
            .mdt_present()
            .into_iter()
            .map(|(group, present)| Presence {
                group,
                label: group.label().to_string(),
                present,
            })
            .collect();
    }

    /// A target (MDT requirement or expansion plan) against actual WTE by role group:
    /// paired bars and a table with the gap.
    fn target_against_actual(
        &mut self,
        id: &str,
        lines: &[TargetLine],
        target: &str,
        caption: &str,
    ) -> Result<(), RenderError> {
        let categories = lines.iter().map(|l| Category::group(l.group)).collect();
        let series = vec![
            Series::new(target, lines.iter().map(|l| Some(l.target)).collect()),
            Series::new("Actual", lines.iter().map(|l| Some(l.actual)).collect()),
        ];
        self.bars_chart(
            id,
            caption,
            "Role group",
            "WTE",
            categories,
            series,
            fmt_wte,
        )?;
        let with_baseline = lines.iter().any(|l| l.baseline.is_some());
        let target_label = format!("{target} WTE");
        let mut columns = vec![("group", "Role group")];
        if with_baseline {
            columns.push(("baseline", "Baseline 2021-22"));
        }
        columns.extend([
            ("target", target_label.as_str()),
            ("actual", "Actual WTE"),
            ("gap", "Gap"),
        ]);
        let mut table = Table::new(id, caption, &columns);
        for line in lines {
            let mut cells = vec![line.group.label().to_string()];
            if with_baseline {
                cells.push(opt(line.baseline, fmt_wte));
            }
            cells.extend([
                fmt_wte(line.target),
                fmt_wte(line.actual),
                fmt_wte(line.actual - line.target),
            ]);
            table.row(line.group.code(), cells);
        }
        self.table(table);
        Ok(())
    }
}

/// A target against actual WTE for one role group.
struct TargetLine {
    group: RoleGroup,
    /// The 2021-22 baseline, where the table shows one.
    baseline: Option<f64>,
    target: f64,
    actual: f64,
}

fn table_with(columns: &[(String, String)]) -> Table {
    let refs: Vec<(&str, &str)> = columns
        .iter()
        .map(|(k, l)| (k.as_str(), l.as_str()))
        .collect();
    Table::new("", "", &refs)
}

fn trend_value(p: &TrendPoint, metric: Metric) -> Option<f64> {
    match metric {
        Metric::Headcount => Some(p.headcount),
        Metric::Wte => Some(p.wte),
        Metric::VacancyRate => p.vacancy_rate,
        Metric::LeaverRate => p.leaver_rate,
        Metric::StarterRate => p.starter_rate,
        Metric::AgencyShare => p.agency_share,
        Metric::CaseloadPerWte => p.caseload_per_wte,
        Metric::WtePer100kAdults => p.wte_per_100k_adults,
        _ => None,
    }
}

/// Changes smaller than this (in percentage points for rates, else in the figure's unit)
/// read as "unchanged": they vanish when printed to one decimal place.
const UNCHANGED_BELOW: f64 = 0.05;

fn previous_year(metric: Metric, year: u16, before: f64, now: f64) -> PreviousYear {
    let format = format_of(metric);
    let diff = now - before;
    let (size, change, change_pct) = if metric.is_rate() {
        let points = diff * 100.0;
        (points, fmt_ratio(points.abs()), None)
    } else {
        let pct = (before != 0.0).then(|| format!("{}%", fmt_count((diff / before * 100.0).abs())));
        (diff, format(diff.abs()), pct)
    };
    let direction = if size.abs() < UNCHANGED_BELOW {
        "unchanged"
    } else if size > 0.0 {
        "up"
    } else {
        "down"
    };
    PreviousYear {
        year,
        display: format(before),
        direction,
        change,
        change_pct,
    }
}

// ---- report content ------------------------------------------------------------------------

/// Builds the template data for one planned report (version and changes are set later, when
/// the report is issued).
pub fn build(ctx: &ReportContext, plan: &ReportPlan) -> Result<Rendered, RenderError> {
    let year = &ctx.metrics.current;
    let unit = year
        .unit(plan.kind.entity(), plan.kind.unit_id(&plan.id))
        .ok_or_else(|| RenderError::NoFigures(plan.id.clone()))?;
    let census = &ctx.census.meta;
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
        peers: peers_label(unit.kind).to_string(),
        peer: peer_label(unit.kind).to_string(),
        blocked_count: year.blocked.len(),
        plan_year: PlanYear::for_census(census.year).to_string(),
        assumptions_label: ctx.metrics.assumptions_label.clone(),
        logo: ctx.logo.clone(),
        program_version: env!("CARGO_PKG_VERSION").to_string(),
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
            changes: None,
        },
        svgs: Vec::new(),
    };
    common_figures(&mut b);
    match plan.kind {
        ReportKind::Provider | ReportKind::Lero => participant(&mut b)?,
        ReportKind::La => local_authority(&mut b)?,
        ReportKind::Region | ReportKind::National => {
            area(&mut b)?;
            depth::content(&mut b)?;
        }
    }
    diversity_content(&mut b)?;
    trend_content(&mut b)?;
    queries(&mut b, plan);
    figures_table(&mut b);
    Ok(Rendered {
        model: b.model,
        svgs: b.svgs,
    })
}

fn common_figures(b: &mut Builder) {
    let unit = b.unit;
    let t = &unit.totals;
    for metric in Metric::ALL {
        if metric.applies_to(unit.kind) {
            b.metric_figure(metric);
        }
    }
    b.figure("volunteers", "Volunteers", Some(unit.volunteers), fmt_count);
    b.figure(
        "blocked_organisations",
        "Organisations left out for validation errors",
        Some(b.year().blocked.len() as f64),
        fmt_count,
    );
    b.figure("wte_vacant", "Vacant WTE", Some(t.wte_vacant), fmt_wte);
    b.figure("wte_agency", "Agency WTE", Some(t.wte_agency), fmt_wte);
    b.figure(
        "starters_12m",
        "Starters in 12 months",
        Some(t.starters),
        fmt_count,
    );
    b.figure(
        "leavers_12m",
        "Leavers in 12 months",
        Some(t.leavers),
        fmt_count,
    );
    b.figure(
        "mdt_coverage",
        "MDT disciplines present",
        Some(unit.mdt_coverage() as f64),
        fmt_count,
    );
    if let Some(area) = &unit.area {
        b.figure(
            "population_18plus",
            "Adults (18+)",
            Some(area.population_18plus),
            fmt_count,
        );
        b.figure(
            "adults_in_treatment",
            "Adults in treatment",
            Some(area.adults_in_treatment),
            fmt_count,
        );
        b.figure(
            "young_people_in_treatment",
            "Children and young people in treatment",
            Some(area.young_people_in_treatment),
            fmt_count,
        );
        b.figure(
            "attributed_wte",
            "Provider and LERO WTE",
            Some(area.attributed_wte),
            fmt_wte,
        );
        b.figure(
            "commissioning_wte",
            "Commissioning WTE",
            Some(area.commissioning_wte),
            fmt_wte,
        );
    }
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
    );
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
    b.table(table);
}

/// Tables, charts and key messages for a provider or LERO.
fn participant(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    b.key_messages(&[
        Metric::Wte,
        Metric::VacancyRate,
        Metric::LeaverRate,
        Metric::AgencyShare,
        Metric::CaseloadPerWte,
    ])?;
    b.position_table(
        "workforce_size",
        "Workforce size against peers",
        "You",
        &[Metric::Headcount, Metric::Wte],
    );
    if let Some(table) = b.model.tables.get_mut("workforce_size") {
        table.row(
            "volunteers",
            vec![
                "Volunteers".into(),
                fmt_count(unit.volunteers),
                "–".into(),
                "–".into(),
            ],
        );
    }
    b.peer_chart("wte_peers", Metric::Wte, "WTE in post: you and your peers")?;
    b.role_group_chart()?;
    vacancies(b, "You")?;
    caseloads(b)?;
    b.skill_mix_chart()
}

fn vacancies(b: &mut Builder, own: &str) -> Result<(), RenderError> {
    b.position_table(
        "vacancies",
        "Vacancies and turnover against peers",
        own,
        &[
            Metric::VacancyRate,
            Metric::AgencyShare,
            Metric::StarterRate,
            Metric::LeaverRate,
        ],
    );
    b.peer_chart(
        "vacancy_rate_peers",
        Metric::VacancyRate,
        "Vacancy rate: you and your peers",
    )?;
    b.peer_chart(
        "leaver_rate_peers",
        Metric::LeaverRate,
        "Leaver rate: you and your peers",
    )
}

fn caseloads(b: &mut Builder) -> Result<(), RenderError> {
    let rows: Vec<_> = b
        .unit
        .by_role
        .iter()
        .filter(|(_, t)| t.caseload_wte > 0.0)
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let mut table = Table::new(
        "caseloads",
        "Open cases by role",
        &[
            ("role", "Role"),
            ("cases", "Open cases"),
            ("caseload_wte", "WTE holding cases"),
            ("cases_per_wte", "Cases per WTE"),
        ],
    );
    for (role, t) in rows {
        table.row(
            role.code(),
            vec![
                role.label().into(),
                fmt_count(t.cases),
                fmt_wte(t.caseload_wte),
                opt(t.caseload_per_wte(), fmt_ratio),
            ],
        );
    }
    b.table(table);
    b.peer_chart(
        "caseload_peers",
        Metric::CaseloadPerWte,
        "Open cases per caseload-holding WTE: you and your peers",
    )
}

fn local_authority(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let area = unit
        .area
        .as_ref()
        .ok_or_else(|| RenderError::NoFigures(unit.id.clone()))?;
    b.key_messages(&[
        Metric::WtePer100kAdults,
        Metric::InTreatmentPerDawWte,
        Metric::VacancyRate,
        Metric::LeaverRate,
    ])?;
    b.position_table(
        "area_workforce",
        "The area's workforce against other local authorities",
        "This area",
        &[
            Metric::Wte,
            Metric::WtePer100kAdults,
            Metric::InTreatmentPerDawWte,
        ],
    );
    b.peer_chart(
        "wte_per_100k_peers",
        Metric::WtePer100kAdults,
        "WTE per 100,000 adults: this area and every other local authority",
    )?;
    b.peer_chart(
        "in_treatment_per_daw_peers",
        Metric::InTreatmentPerDawWte,
        "Adults in treatment per drug and alcohol worker WTE",
    )?;
    b.role_group_chart()?;

    let mut table = Table::new(
        "serving_organisations",
        "Organisations serving the area",
        &[
            ("organisation", "Organisation"),
            ("type", "Type"),
            ("share", "Share of its workforce"),
            ("attributed_wte", "Attributed WTE"),
        ],
    )
    .text_columns(&[1]);
    for s in &area.serving {
        let kind = match s.org_type {
            OrgType::Lero => "LERO",
            _ => "Provider",
        };
        table.row(
            s.org_id.clone(),
            vec![
                s.org_name.clone(),
                kind.into(),
                fmt_pct(s.share),
                fmt_wte(s.attributed_wte),
            ],
        );
    }
    b.table(table);

    let teams: Vec<&Unit> = b
        .year()
        .units_of(EntityKind::Commissioner)
        .filter(|c| {
            b.ctx
                .census
                .organisation(&c.id)
                .and_then(|o| o.la_code.as_deref())
                == Some(unit.id.as_str())
        })
        .collect();
    if !teams.is_empty() {
        let mut table = Table::new(
            "commissioning_team",
            "Commissioning team",
            &[
                ("team", "Team"),
                ("headcount", "Headcount"),
                ("wte", "WTE"),
                ("vacancy_rate", "Vacancy rate"),
            ],
        );
        for team in teams {
            table.row(
                team.id.clone(),
                vec![
                    team.name.clone(),
                    fmt_count(team.totals.headcount),
                    fmt_wte(team.totals.wte),
                    opt(team.totals.vacancy_rate(), fmt_pct),
                ],
            );
        }
        b.table(table);
    }

    vacancies(b, "This area")?;
    b.skill_mix_chart()?;
    let lines: Vec<TargetLine> = area
        .mdt
        .iter()
        .map(|l| TargetLine {
            group: l.group,
            baseline: None,
            target: l.required_wte,
            actual: l.actual_wte,
        })
        .collect();
    b.target_against_actual(
        "mdt_calculator",
        &lines,
        "Required",
        "MDT calculator: required and actual WTE by discipline",
    )?;
    if !area.expansion.is_empty() {
        let lines: Vec<TargetLine> = area
            .expansion
            .iter()
            .map(|l| TargetLine {
                group: l.category,
                baseline: l.baseline_fte,
                target: l.planned_fte,
                actual: l.actual_wte,
            })
            .collect();
        b.target_against_actual(
            "expansion_plan",
            &lines,
            "Planned",
            "Expansion plan and census actual by role group",
        )?;
    }
    if !area.plan.is_empty() {
        workbook_plan(b, area)?;
    }
    if !area.continuity.planned.is_empty() || !area.continuity.actual.is_empty() {
        b.trend_chart(
            "continuity_of_care",
            "Continuity of care for prison leavers: local plan, actual and national ambition, by financial year",
            "Per cent engaging within 3 weeks",
            &PLAN_YEARS,
            vec![
                Series::new(
                    "Local plan",
                    PLAN_YEARS
                        .iter()
                        .map(|y| area.continuity.planned.get(&PlanYear { start: *y }).copied())
                        .collect(),
                ),
                Series::new(
                    "Actual",
                    PLAN_YEARS
                        .iter()
                        .map(|y| area.continuity.actual.get(&PlanYear { start: *y }).copied())
                        .collect(),
                ),
                Series::new(
                    "National ambition",
                    PLAN_YEARS
                        .iter()
                        .enumerate()
                        .map(|(i, _)| Some(national_continuity(i)))
                        .collect(),
                ),
            ],
            fmt_percent_points,
        )?;
    }
    Ok(())
}

/// The LAs' plans summed against the strategy's ambitions: planned growth from the 2021-22
/// baseline to 2024-25 for the two strategy groups (+800 and +950 WTE nationally), and how
/// many LAs plan continuity of care of at least 75% for 2024-25.
fn plan_ambitions(b: &mut Builder, area: &crate::metrics::AreaFigures) {
    let mut table = Table::new(
        "plan_ambitions",
        "The LAs' plans against the national ambitions",
        &[
            ("measure", "Measure"),
            ("planned", "LAs' plans"),
            ("ambition", "National ambition"),
        ],
    );
    for group in [
        StrategyGroup::MedicalMentalHealth,
        StrategyGroup::DrugAlcoholCj,
    ] {
        let growth: f64 = area
            .plan
            .iter()
            .filter(|p| {
                !p.category.is_subset() && p.category.group().strategy_group() == Some(group)
            })
            .map(|p| {
                let at = |y: u16| {
                    p.planned
                        .get(&PlanYear { start: y })
                        .copied()
                        .unwrap_or(0.0)
                };
                at(2024) - at(2021)
            })
            .sum();
        table.row(
            group.code(),
            vec![
                format!(
                    "{}: planned growth, 2021-22 to 2024-25 (FTE)",
                    group.label()
                ),
                fmt_wte(growth),
                format!("+{}", fmt_count(group.ambition_wte())),
            ],
        );
    }
    if let Some((reaching, planning)) = area.continuity_ambition {
        table.row(
            "continuity_of_care",
            vec![
                "LAs planning continuity of care of 75% or more for 2024-25".into(),
                format!("{reaching} of {planning}"),
                "75% (3 in 4 prison leavers)".into(),
            ],
        );
    }
    b.table(table);
}

/// The financial years of the expansion plans, by their first calendar year.
const PLAN_YEARS: [u16; 4] = [2021, 2022, 2023, 2024];

/// The national continuity of care ambition, a straight line from the 2021-22 baseline to
/// 75% in 2024-25, at year `i` of the plan.
fn national_continuity(i: usize) -> f64 {
    use crate::plans::{CONTINUITY_AMBITION, CONTINUITY_BASELINE};
    CONTINUITY_BASELINE + (CONTINUITY_AMBITION - CONTINUITY_BASELINE) * i as f64 / 3.0
}

/// A percentage already in points (37.0 prints as 37.0%).
fn fmt_percent_points(v: f64) -> String {
    format!("{v:.1}%")
}

/// An LA's planning workbook by category: planned FTE for every year, the census WTE of the
/// category's roles, the gap against the census year's plan and the share achieved, with the
/// three subset rows grouped under the drug and alcohol workers; and a chart of the census
/// year's plan against actual.
fn workbook_plan(b: &mut Builder, area: &crate::metrics::AreaFigures) -> Result<(), RenderError> {
    let plan_year = PlanYear::for_census(b.ctx.census.meta.year);
    let mut columns: Vec<(String, String)> = vec![("category".into(), "Workforce category".into())];
    for year in PLAN_YEARS {
        let year = PlanYear { start: year };
        columns.push((format!("planned_{year}"), format!("Planned {year}")));
    }
    columns.push(("actual".into(), "Census WTE".into()));
    columns.push(("gap".into(), format!("Gap against {plan_year}")));
    columns.push(("achieved".into(), "Achieved".into()));
    let mut table = table_with(&columns);
    table.id = "expansion_categories".into();
    table.caption = "Expansion plan by workforce category and census WTE".into();
    for plan in &area.plan {
        let mut cells = vec![plan.category.label().to_string()];
        for year in PLAN_YEARS {
            cells.push(opt(
                plan.planned.get(&PlanYear { start: year }).copied(),
                fmt_wte,
            ));
        }
        let planned_now = plan.planned.get(&plan_year).copied();
        cells.push(fmt_wte(plan.actual_wte));
        cells.push(opt(planned_now.map(|p| plan.actual_wte - p), fmt_wte));
        cells.push(opt(plan.achieved_share, fmt_pct));
        table.row(plan.category.code(), cells);
        if plan.category.is_subset() {
            if let Some(row) = table.rows.last_mut() {
                row.group = Some("Drug and alcohol workers, of which".into());
            }
        }
    }
    b.table(table);
    let lines: Vec<&crate::metrics::CategoryPlan> = area
        .plan
        .iter()
        .filter(|p| !p.category.is_subset() && p.planned.contains_key(&plan_year))
        .collect();
    if !lines.is_empty() {
        b.bars_chart(
            "expansion_categories",
            &format!("Planned FTE for {plan_year} and census WTE by workforce category"),
            "Workforce category",
            "FTE / WTE",
            lines
                .iter()
                .map(|p| Category {
                    key: p.category.code().into(),
                    label: p.category.label().into(),
                })
                .collect(),
            vec![
                Series::new(
                    format!("Planned {plan_year}"),
                    lines
                        .iter()
                        .map(|p| p.planned.get(&plan_year).copied())
                        .collect(),
                ),
                Series::new(
                    "Census WTE",
                    lines.iter().map(|p| Some(p.actual_wte)).collect(),
                ),
            ],
            fmt_wte,
        )?;
    }
    Ok(())
}

/// A row of the headline table: key, label and how to print it for a unit.
type HeadlineRow = (&'static str, &'static str, fn(&Unit) -> String);

/// Regional and national reports.
fn area(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let year = b.year();
    let england = year.england();
    let area = unit
        .area
        .as_ref()
        .ok_or_else(|| RenderError::NoFigures(unit.id.clone()))?;
    let national = unit.kind == EntityKind::England;
    if !area.plan.is_empty() {
        workbook_plan(b, area)?;
        plan_ambitions(b, area);
    }
    b.key_messages(&[Metric::Wte, Metric::VacancyRate, Metric::LeaverRate])?;
    let strategy = b.ctx.metrics.strategy.get(&unit.id);
    for l in strategy.into_iter().flatten() {
        let text = b.message(
            "strategy_message",
            context! {
                group => l.group.label(),
                growth => fmt_wte(l.growth_wte),
                baseline_year => l.baseline_year,
                baseline => fmt_wte(l.baseline_wte),
                current => fmt_wte(l.current_wte),
                ambition => (l.ambition_wte > 0.0).then(|| fmt_count(l.ambition_wte)),
            },
        )?;
        b.model.key_messages.push(text);
    }

    let mut columns = vec![("measure", "Measure"), ("value", unit.name.as_str())];
    if !national {
        columns.push(("england", "England"));
    }
    let mut table = Table::new("headlines", "Headline figures", &columns);
    let figures: [HeadlineRow; 8] = [
        ("headcount", "Headcount", |u| fmt_count(u.totals.headcount)),
        ("wte", "WTE in post", |u| fmt_wte(u.totals.wte)),
        ("wte_per_100k_adults", "WTE per 100,000 adults", |u| {
            opt(Metric::WtePer100kAdults.value(u), fmt_ratio)
        }),
        (
            "in_treatment_per_daw_wte",
            "Adults in treatment per drug and alcohol worker WTE",
            |u| opt(Metric::InTreatmentPerDawWte.value(u), fmt_ratio),
        ),
        ("vacancy_rate", "Vacancy rate", |u| {
            opt(u.totals.vacancy_rate(), fmt_pct)
        }),
        ("leaver_rate", "Leaver rate", |u| {
            opt(u.totals.leaver_rate(), fmt_pct)
        }),
        ("agency_share", "Agency share", |u| {
            opt(u.totals.agency_share(), fmt_pct)
        }),
        ("volunteers", "Volunteers", |u| fmt_count(u.volunteers)),
    ];
    for (key, label, value) in figures {
        let mut cells = vec![label.to_string(), value(unit)];
        if !national {
            cells.push(value(england));
        }
        table.row(key, cells);
    }
    // The national report gives these figures at a glance, with their change.
    if !national {
        b.table(table);
    }

    if national {
        let regions: Vec<&Unit> = Region::ALL
            .iter()
            .filter_map(|r| year.unit(EntityKind::Region, r.code()))
            .collect();
        let mut table = Table::new(
            "regions",
            "Workforce by region",
            &[
                ("region", "Region"),
                ("wte", "WTE"),
                ("wte_per_100k_adults", "WTE per 100,000 adults"),
                ("vacancy_rate", "Vacancy rate"),
                ("leaver_rate", "Leaver rate"),
            ],
        );
        for r in &regions {
            table.row(
                r.id.clone(),
                vec![
                    r.name.clone(),
                    fmt_wte(r.totals.wte),
                    opt(Metric::WtePer100kAdults.value(r), fmt_ratio),
                    opt(r.totals.vacancy_rate(), fmt_pct),
                    opt(r.totals.leaver_rate(), fmt_pct),
                ],
            );
        }
        b.table(table);
        let categories = regions
            .iter()
            .map(|r| Category {
                key: r.id.clone(),
                label: r.name.clone(),
            })
            .collect();
        let series = vec![Series::new(
            "WTE per 100,000 adults",
            regions
                .iter()
                .map(|r| Metric::WtePer100kAdults.value(r))
                .collect(),
        )];
        b.bars_chart(
            "regions_wte_per_100k",
            "WTE per 100,000 adults by region",
            "Region",
            "WTE per 100,000 adults",
            categories,
            series,
            fmt_ratio,
        )?;
        hex_map(b)?;
    } else {
        let mut table = Table::new(
            "local_authorities",
            "Local authorities",
            &[
                ("la", "Local authority"),
                ("attributed_wte", "Attributed WTE"),
                ("wte_per_100k_adults", "WTE per 100,000 adults"),
                (
                    "in_treatment_per_daw_wte",
                    "Adults in treatment per D&A worker WTE",
                ),
                ("vacancy_rate", "Vacancy rate"),
            ],
        );
        for code in &area.members {
            if let Some(la) = year.unit(EntityKind::La, code) {
                let a = la.area.as_ref();
                table.row(
                    code.clone(),
                    vec![
                        la.name.clone(),
                        fmt_wte(la.totals.wte),
                        opt(a.and_then(|a| a.wte_per_100k_adults), fmt_ratio),
                        opt(a.and_then(|a| a.in_treatment_per_daw_wte), fmt_ratio),
                        opt(la.totals.vacancy_rate(), fmt_pct),
                    ],
                );
            }
        }
        b.table(table);
    }

    let mut table = Table::new(
        "sectors",
        "Provider and LERO WTE by sector",
        &[("sector", "Sector"), ("wte", "WTE"), ("share", "Share")],
    );
    let delivery: f64 = unit.by_sector.values().sum();
    for sector in Sector::ALL {
        let wte = unit.sector_wte(*sector);
        table.row(
            sector.code(),
            vec![
                sector.label().into(),
                fmt_wte(wte),
                opt(crate::stats::ratio(wte, delivery), fmt_pct),
            ],
        );
    }
    b.table(table);
    if national {
        let categories = RoleGroup::ALL.iter().map(|g| Category::group(*g)).collect();
        let series = vec![Series::new(
            "WTE",
            RoleGroup::ALL
                .iter()
                .map(|g| Some(unit.group_wte(*g)))
                .collect(),
        )];
        b.bars_chart(
            "role_group_wte",
            "WTE by role group",
            "Role group",
            "WTE",
            categories,
            series,
            fmt_wte,
        )?;
    } else {
        b.role_group_chart()?;
    }

    if let Some(lines) = strategy {
        let mut table = Table::new(
            "strategy",
            "Growth of the strategy groups since the 2022 baseline",
            &[
                ("group", "Group"),
                ("baseline_wte", "2022 WTE"),
                ("current_wte", "Now WTE"),
                ("growth_wte", "Growth"),
                ("ambition_wte", "National ambition"),
            ],
        );
        for l in lines {
            let ambition = if l.ambition_wte > 0.0 {
                format!("+{}", fmt_count(l.ambition_wte))
            } else {
                "–".into()
            };
            table.row(
                l.group.code(),
                vec![
                    l.group.label().into(),
                    fmt_wte(l.baseline_wte),
                    fmt_wte(l.current_wte),
                    fmt_wte(l.growth_wte),
                    ambition,
                ],
            );
        }
        b.table(table);
        let categories = lines
            .iter()
            .map(|l| Category {
                key: l.group.code().into(),
                label: l.group.label().into(),
            })
            .collect();
        let mut series = vec![Series::new(
            "Growth since 2022",
            lines.iter().map(|l| Some(l.growth_wte.max(0.0))).collect(),
        )];
        if national {
            series.push(Series::new(
                "National ambition",
                lines.iter().map(|l| Some(l.ambition_wte)).collect(),
            ));
        }
        b.bars_chart(
            "strategy_growth",
            "Strategy groups: growth since 2022",
            "Group",
            "WTE",
            categories,
            series,
            fmt_wte,
        )?;
    }

    if national {
        let mut table = Table::new(
            "peer_distributions",
            "Peer distributions",
            &[
                ("measure", "Measure"),
                ("q1", "Lower quartile"),
                ("median", "Median"),
                ("q3", "Upper quartile"),
                ("n", "Count"),
            ],
        );
        for ((kind, metric), d) in &year.peers {
            if *kind == EntityKind::Commissioner {
                continue;
            }
            let f = format_of(*metric);
            table.rows.push(Row {
                key: format!("{}.{}", kind.code(), metric.code()),
                cells: vec![
                    metric.label().into(),
                    f(d.q1),
                    f(d.median),
                    f(d.q3),
                    d.values.len().to_string(),
                ],
                group: Some(capitalised(peers_label(*kind))),
                total: false,
            });
        }
        b.table(table);
    }
    Ok(())
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn hex_map(b: &mut Builder) -> Result<(), RenderError> {
    let year = b.year();
    let layout = reference::local_authorities(b.ctx.census.meta.year);
    let Some(d) = year.peers.get(&(EntityKind::La, Metric::WtePer100kAdults)) else {
        return Ok(());
    };
    struct Cell {
        code: String,
        name: String,
        q: i32,
        r: i32,
        value: Option<f64>,
    }
    let values: Vec<Cell> = layout
        .iter()
        .map(|la| Cell {
            code: la.la_code.clone(),
            name: la.la_name.clone(),
            q: la.hex_q,
            r: la.hex_r,
            value: year
                .unit(EntityKind::La, &la.la_code)
                .and_then(|u| Metric::WtePer100kAdults.value(u)),
        })
        .collect();
    let breaks: Vec<f64> = (1..HEX_BANDS)
        .map(|k| {
            crate::stats::quantile_sorted(&d.values, k as f64 / HEX_BANDS as f64).unwrap_or(0.0)
        })
        .collect();
    let band = |v: f64| breaks.iter().filter(|b| v > **b).count();
    let cells: Vec<(i32, i32, Option<usize>)> = values
        .iter()
        .map(|c| (c.q, c.r, c.value.map(band)))
        .collect();
    let mut legend = Vec::new();
    let mut lower = d.min;
    for upper in breaks.iter().chain([&d.max]) {
        legend.push(format!("{} to {}", fmt_ratio(lower), fmt_ratio(*upper)));
        lower = *upper;
    }
    let svg = charts::hex_map(&HexMap {
        cells: &cells,
        legend: &legend,
        title: "WTE per 100,000 adults",
    })?;
    let mut sorted: Vec<&Cell> = values.iter().filter(|c| c.value.is_some()).collect();
    sorted.sort_by(|a, b| {
        b.value
            .unwrap_or(0.0)
            .total_cmp(&a.value.unwrap_or(0.0))
            .then(a.name.cmp(&b.name))
    });
    let named = |c: &&Cell| context! { name => c.name.clone(), value => opt(c.value, fmt_ratio) };
    let highest: Vec<minijinja::Value> = sorted.iter().take(3).map(named).collect();
    let lowest: Vec<minijinja::Value> = sorted.iter().rev().take(3).map(named).collect();
    let missing = values.len() - sorted.len();
    let alt = b.message(
        "hex_alt",
        context! { n => values.len(), bands => HEX_BANDS, measure => "WTE per 100,000 adults", low => fmt_ratio(d.min), high => fmt_ratio(d.max), england => opt(Metric::WtePer100kAdults.value(year.england()), fmt_ratio), median => fmt_ratio(d.median), missing, highest, lowest },
    )?;
    let mut table = Table::new(
        "",
        "",
        &[
            ("la", "Local authority"),
            ("wte_per_100k_adults", "WTE per 100,000 adults"),
            ("band", "Band (1 = lowest)"),
        ],
    );
    let mut rows: Vec<&Cell> = values.iter().collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    for c in rows {
        table.row(
            c.code.clone(),
            vec![
                c.name.clone(),
                opt(c.value, fmt_ratio),
                c.value.map_or("–".into(), |v| (band(v) + 1).to_string()),
            ],
        );
    }
    b.chart(
        "hex_map",
        svg,
        alt,
        "Hex map of local authorities: WTE per 100,000 adults",
        table,
    );
    Ok(())
}

fn diversity_content(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let view = diversity::view(&unit.diversity, unit.totals.headcount);
    if view.suppressed {
        return Ok(());
    }
    let comparators: Vec<(String, diversity::DiversityView)> = b
        .with_comparators(String::new())
        .into_iter()
        .skip(1)
        .map(|(name, u)| (name, diversity::view(&u.diversity, u.totals.headcount)))
        .collect();
    b.model.diversity.shown = true;
    b.model.diversity.comparators = comparators.iter().map(|c| c.0.clone()).collect();
    let own = b.own_name();
    for dimension in Dimension::ALL {
        let Some(mine) = view.dimensions.iter().find(|d| d.dimension == *dimension) else {
            continue;
        };
        let cells: Vec<&diversity::Cell> = mine
            .cells
            .iter()
            .filter(|c| c.category != NOT_KNOWN)
            .collect();
        let categories: Vec<Category> = cells
            .iter()
            .map(|c| Category {
                key: c.category.into(),
                label: c.label.into(),
            })
            .collect();
        let mut series = vec![Series::new(
            own.clone(),
            cells.iter().map(|c| c.share).collect(),
        )];
        for (name, v) in &comparators {
            let other = v.dimensions.iter().find(|d| d.dimension == *dimension);
            series.push(Series::new(
                name.clone(),
                cells
                    .iter()
                    .map(|c| {
                        other
                            .and_then(|o| o.cells.iter().find(|x| x.category == c.category))
                            .and_then(|x| x.share)
                    })
                    .collect(),
            ));
        }
        let id = match dimension.family() {
            DimensionFamily::Diversity => format!("diversity_{}", dimension.code()),
            DimensionFamily::Employment => format!("employment_{}", dimension.code()),
        };
        b.bars_chart(
            &id,
            &format!("{}: share of known responses", dimension.label()),
            "Category",
            "Share of known responses",
            categories,
            series,
            fmt_pct,
        )?;
        let mut table = Table::new(
            &id,
            &format!("{}: people", dimension.label()),
            &[
                ("category", "Category"),
                ("people", "People"),
                ("share", "Share"),
            ],
        );
        for c in &mine.cells {
            table.row(
                c.category,
                vec![
                    c.label.to_string(),
                    c.count
                        .map_or_else(|| format!("<{MIN_CELL}"), |n| fmt_count(n as f64)),
                    opt(c.share, fmt_pct),
                ],
            );
        }
        b.table(table);
        b.model.diversity.dimensions.push(DimensionModel {
            family: dimension.family(),
            code: dimension.code().into(),
            label: dimension.label().into(),
            chart: id.clone(),
            table: id,
        });
    }
    Ok(())
}

fn trend_content(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let Some(trend) = b.ctx.metrics.trends.get(&(unit.kind, unit.id.clone())) else {
        return Ok(());
    };
    if let Some(change) = &trend.boundary_change {
        let note = b.message("trend_note", minijinja::Value::from_serialize(change))?;
        b.model.trend.note = Some(note);
    }
    let years: Vec<u16> = trend.points.iter().map(|p| p.year).collect();
    b.model.trend.years = years.clone();
    if years.len() < 2 {
        return Ok(());
    }
    b.trend_chart(
        "trend_wte",
        "WTE in post by census year",
        "WTE",
        &years,
        vec![Series::new(
            "WTE",
            trend.points.iter().map(|p| Some(p.wte)).collect(),
        )],
        fmt_wte,
    )?;
    b.trend_chart(
        "trend_rates",
        "Vacancy and leaver rates by census year",
        "Rate",
        &years,
        vec![
            Series::new(
                "Vacancy rate",
                trend.points.iter().map(|p| p.vacancy_rate).collect(),
            ),
            Series::new(
                "Leaver rate",
                trend.points.iter().map(|p| p.leaver_rate).collect(),
            ),
        ],
        fmt_pct,
    )
}

/// The validation findings on the participant's own return (for an LA, its commissioning
/// team's), as table `queries` when there are any.
fn queries(b: &mut Builder, plan: &ReportPlan) {
    let census = b.ctx.census;
    let unit = b.unit;
    let owners: Vec<&str> = match plan.kind {
        ReportKind::Provider | ReportKind::Lero => vec![unit.id.as_str()],
        ReportKind::La => census
            .organisations
            .iter()
            .filter(|o| {
                o.org_type == OrgType::Commissioner
                    && o.la_code.as_deref() == Some(unit.id.as_str())
            })
            .map(|o| o.org_id.as_str())
            .collect(),
        ReportKind::Region | ReportKind::National => return,
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
    use super::*;

    #[test]
    fn a_change_reads_in_points_for_rates_and_in_units_and_percent_otherwise() {
        let p = previous_year(Metric::VacancyRate, 2023, 0.08, 0.091);
        assert_eq!(
            (p.direction, p.change.as_str(), p.change_pct),
            ("up", "1.1", None)
        );
        let p = previous_year(Metric::Wte, 2023, 200.0, 150.0);
        assert_eq!(
            (p.direction, p.change.as_str(), p.change_pct.as_deref()),
            ("down", "50.0", Some("25%"))
        );
        let p = previous_year(Metric::Wte, 2023, 0.0, 0.01);
        assert_eq!((p.direction, p.change_pct), ("unchanged", None));
    }

    #[test]
    fn group_names_are_capitalised() {
        assert_eq!(capitalised("local authorities"), "Local authorities");
        assert_eq!(capitalised(""), "");
    }
}
