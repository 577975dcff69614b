//! Builds one report's data document — sections of text, figures and tables — with its
//! charts and generated sentences. The Typst templates lay the document out; nothing here
//! writes markup, so every string from the census stays data.

use super::messages::Messages;
use super::{RenderError, ReportKind, ReportPlan};
use crate::census::Census;
use crate::charts::{self, GroupedBars, HexMap, PeerChart, StackedShares, TrendChart};
use crate::domain::{Dimension, OrgType, Region, RoleGroup, Sector};
use crate::finding::{Finding, Severity};
use crate::metrics::diversity;
use crate::metrics::{EntityKind, Metric, Metrics, Unit, YearMetrics};
use crate::reference;
use minijinja::context;
use serde::Serialize;

/// What every report of a build shares.
pub struct ReportContext<'a> {
    pub metrics: &'a Metrics,
    pub census: &'a Census,
    pub findings: &'a [Finding],
    pub messages: &'a Messages,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportDoc {
    pub meta: Meta,
    pub key_messages: Vec<String>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub title: String,
    pub participant: String,
    pub kind_label: String,
    pub id: String,
    pub census_title: String,
    pub census_short: String,
    pub snapshot: String,
    pub date: String,
    pub version_line: String,
    pub author: String,
    pub keywords: Vec<String>,
    pub confidentiality: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub heading: String,
    /// The printed section number; set by [`number_blocks`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub number: String,
    pub blocks: Vec<Block>,
}

impl Section {
    pub fn new(heading: impl Into<String>, blocks: Vec<Block>) -> Section {
        Section {
            heading: heading.into(),
            number: String::new(),
            blocks,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Text {
        text: String,
    },
    Note {
        text: String,
    },
    List {
        items: Vec<String>,
    },
    Subheading {
        text: String,
        /// e.g. "7.1"; set by [`number_blocks`].
        number: String,
    },
    Figure {
        chart: usize,
        alt: String,
        caption: String,
        /// e.g. "Figure 3"; set by [`number_blocks`].
        label: String,
    },
    Table(Table),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub caption: String,
    /// The printed number, e.g. "Table 3" or "Table A1"; set by [`number_blocks`] and
    /// [`Doc::finish`]. Empty in the data companion.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label: String,
    pub columns: Vec<String>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(caption: impl Into<String>, columns: &[&str]) -> Table {
        let mut table = Table::with_columns(columns.iter().map(|c| c.to_string()).collect());
        table.caption = caption.into();
        table
    }

    /// A table without a caption whose first column is text and the others numbers.
    pub fn with_columns(columns: Vec<String>) -> Table {
        Table {
            caption: String::new(),
            label: String::new(),
            numeric: columns.iter().enumerate().map(|(i, _)| i > 0).collect(),
            columns,
            rows: Vec::new(),
        }
    }

    /// The table's name in the data companion and the change log: its caption, with the
    /// appendix number (`A1. …`) for an appendix table. Main-text table numbers are left out
    /// because they shift when a section (such as "What changed") is added.
    pub fn companion_name(&self) -> String {
        match self.label.strip_prefix("Table A") {
            Some(number) => format!("A{number}. {}", self.caption),
            None => self.caption.clone(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// A built report: its data document, its charts, and every table (for the data companion).
#[derive(Debug, Clone)]
pub struct Rendered {
    pub doc: ReportDoc,
    pub charts: Vec<String>,
    /// Every table the report prints (in the text and the appendix).
    pub tables: Vec<Table>,
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

// ---- number formats ----------------------------------------------------------------------

fn grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs() + 0.0);
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(a, b)| (a, Some(b)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    let negative = value < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0');
    if negative {
        format!("-{out}")
    } else {
        out
    }
}

pub fn fmt_count(v: f64) -> String {
    grouped(v, 0)
}
pub fn fmt_wte(v: f64) -> String {
    grouped(v, 1)
}
pub fn fmt_pct(v: f64) -> String {
    format!("{}%", grouped(v * 100.0, 1))
}
pub fn fmt_ratio(v: f64) -> String {
    grouped(v, 1)
}

fn format_of(metric: Metric) -> fn(f64) -> String {
    match metric {
        Metric::Headcount => fmt_count,
        m if m.is_rate() => fmt_pct,
        Metric::Wte => fmt_wte,
        _ => fmt_ratio,
    }
}

fn opt(value: Option<f64>, format: fn(f64) -> String) -> String {
    value.map_or_else(|| "–".to_string(), format)
}

fn peers_label(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Provider => "providers",
        EntityKind::Lero => "lived experience recovery organisations",
        EntityKind::Commissioner => "commissioning teams",
        EntityKind::La => "local authorities",
        EntityKind::Region => "regions",
        EntityKind::England => "England",
    }
}

// ---- the builder -------------------------------------------------------------------------

struct Doc<'a> {
    ctx: &'a ReportContext<'a>,
    sections: Vec<Section>,
    charts: Vec<String>,
    appendix: Vec<Table>,
}

impl<'a> Doc<'a> {
    fn new(ctx: &'a ReportContext<'a>) -> Doc<'a> {
        Doc {
            ctx,
            sections: Vec::new(),
            charts: Vec::new(),
            appendix: Vec::new(),
        }
    }

    fn section(&mut self, heading: &str) {
        self.sections.push(Section::new(heading, Vec::new()));
    }

    fn push(&mut self, block: Block) {
        if self.sections.is_empty() {
            self.section("Overview");
        }
        if let Some(section) = self.sections.last_mut() {
            section.blocks.push(block);
        }
    }

    fn text(&mut self, text: impl Into<String>) {
        self.push(Block::Text { text: text.into() });
    }

    fn note(&mut self, text: impl Into<String>) {
        self.push(Block::Note { text: text.into() });
    }

    fn subheading(&mut self, text: impl Into<String>) {
        self.push(Block::Subheading {
            text: text.into(),
            number: String::new(),
        });
    }

    fn table(&mut self, table: Table) {
        self.push(Block::Table(table));
    }

    /// A chart in the text, with its data table in the appendix.
    fn figure(&mut self, svg: String, alt: String, caption: &str, mut table: Table) {
        let number = self.appendix.len() + 1;
        table.caption = format!("Data for: {caption}");
        self.appendix.push(table);
        let chart = self.charts.len();
        self.charts.push(svg);
        self.push(Block::Figure {
            chart,
            alt,
            caption: format!("{caption} (data: appendix table A{number})"),
            label: String::new(),
        });
    }

    fn message(&self, name: &str, context: minijinja::Value) -> Result<String, RenderError> {
        Ok(self.ctx.messages.render(name, context)?)
    }

    /// This year's figures, borrowed from the context rather than from the builder, so that
    /// sections can read them while adding blocks.
    fn year(&self) -> &'a YearMetrics {
        &self.ctx.metrics.current
    }

    /// Peer chart for `unit` on `metric`, with alt text and a distribution table.
    fn peer_figure(
        &mut self,
        unit: &Unit,
        metric: Metric,
        caption: &str,
    ) -> Result<(), RenderError> {
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
        let peers = peers_label(unit.kind);
        let rank = you.map(|v| d.rank(v));
        let alt = self.message(
            "peer_alt",
            context! { metric => metric.label().to_lowercase(), n => d.values.len(), peers, you => you.map(format), rank, median => format(d.median), q1 => format(d.q1), q3 => format(d.q3) },
        )?;
        let mut table = Table::new("", &["Figure", "Value"]);
        table.row(vec!["Your value".into(), opt(you, format)]);
        table.row(vec![
            "Your rank (1 = highest)".into(),
            rank.map_or("–".into(), |r| format!("{r} of {}", d.values.len())),
        ]);
        for (label, value) in [
            ("Lowest", d.min),
            ("Lower quartile", d.q1),
            ("Median", d.median),
            ("Upper quartile", d.q3),
            ("Highest", d.max),
        ] {
            table.row(vec![label.into(), format(value)]);
        }
        self.figure(svg, alt, caption, table);
        Ok(())
    }

    /// Horizontal bars comparing series by category.
    fn bars_figure(
        &mut self,
        caption: &str,
        category_name: &str,
        measure: &str,
        categories: Vec<String>,
        series: Vec<(String, Vec<Option<f64>>)>,
        format: fn(f64) -> String,
    ) -> Result<(), RenderError> {
        let svg = charts::grouped_bars(&GroupedBars {
            categories: &categories,
            series: &series,
            axis_label: measure,
            format,
        })?;
        let mut columns = vec![category_name.to_string()];
        columns.extend(series.iter().map(|s| s.0.clone()));
        let mut table = Table::with_columns(columns);
        let mut highlights = Vec::new();
        for (i, category) in categories.iter().enumerate() {
            let mut row = vec![category.clone()];
            row.extend(
                series
                    .iter()
                    .map(|s| opt(s.1.get(i).copied().flatten(), format)),
            );
            table.rows.push(row);
        }
        for (name, values) in &series {
            let best = values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i, v)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((i, v)) = best {
                highlights.push(format!("{name}: highest {} ({})", categories[i], format(v)));
            }
        }
        let names: Vec<String> = series.iter().map(|s| s.0.clone()).collect();
        let alt = self.message(
            "bars_alt",
            context! { measure, category_name, series => names, highlights },
        )?;
        self.figure(svg, alt, caption, table);
        Ok(())
    }

    fn trend_figure(
        &mut self,
        caption: &str,
        measure: &str,
        years: &[u16],
        series: Vec<(String, Vec<Option<f64>>)>,
        format: fn(f64) -> String,
    ) -> Result<(), RenderError> {
        let svg = charts::trend_chart(&TrendChart {
            years,
            series: &series,
            axis_label: measure,
            format,
        })?;
        let mut columns = vec!["Year".to_string()];
        columns.extend(series.iter().map(|s| s.0.clone()));
        let mut table = Table::with_columns(columns);
        for (i, year) in years.iter().enumerate() {
            let mut row = vec![year.to_string()];
            row.extend(
                series
                    .iter()
                    .map(|s| opt(s.1.get(i).copied().flatten(), format)),
            );
            table.rows.push(row);
        }
        let lines: Vec<String> = series
            .iter()
            .map(|(name, values)| {
                let shown: Vec<String> = years
                    .iter()
                    .zip(values)
                    .map(|(y, v)| format!("{} in {y}", opt(*v, format)))
                    .collect();
                format!("{name}: {}", shown.join(", "))
            })
            .collect();
        let year_names: Vec<String> = years.iter().map(|y| y.to_string()).collect();
        let alt = self.message(
            "trend_alt",
            context! { measure, years => year_names, lines },
        )?;
        self.figure(svg, alt, caption, table);
        Ok(())
    }

    fn skill_mix_figure(&mut self, rows: Vec<(String, &Unit)>) -> Result<(), RenderError> {
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
                    .map(|g| {
                        if total > 0.0 {
                            u.group_wte(*g) / total
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let svg = charts::stacked_shares(&StackedShares {
            rows: &names,
            categories: &categories,
            shares: &shares,
        })?;
        let mut columns = vec!["Role group".to_string()];
        columns.extend(names.iter().cloned());
        let mut table = Table::with_columns(columns);
        for (k, category) in categories.iter().enumerate() {
            let mut row = vec![category.clone()];
            row.extend(shares.iter().map(|s| fmt_pct(s[k])));
            table.rows.push(row);
        }
        let largest: Vec<String> = names
            .iter()
            .zip(&shares)
            .filter_map(|(name, s)| {
                let (k, v) = s.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
                Some(format!(
                    "{name}: largest group {} at {}",
                    categories[k],
                    fmt_pct(*v)
                ))
            })
            .collect();
        let alt = self.message("stacked_alt", context! { rows => names, largest })?;
        self.figure(svg, alt, "Skill mix: share of WTE by role group", table);
        Ok(())
    }

    fn finish(self, meta: Meta, key_messages: Vec<String>) -> Rendered {
        let mut sections = self.sections;
        let mut tables: Vec<Table> = sections
            .iter()
            .flat_map(|s| s.blocks.iter())
            .filter_map(|b| match b {
                Block::Table(t) => Some(t.clone()),
                _ => None,
            })
            .collect();
        let mut appendix = Section::new("Appendix: data tables", Vec::new());
        appendix.blocks.push(Block::Text { text: "Every chart in this report is drawn from one of the tables below. The same figures are in the report's data companion (a CSV file published beside it).".into() });
        for (i, table) in self.appendix.iter().enumerate() {
            let mut table = table.clone();
            table.caption = table.caption.trim_start_matches("Data for: ").to_string();
            table.label = format!("Table A{}", i + 1);
            tables.push(table.clone());
            appendix.blocks.push(Block::Table(table));
        }
        sections.push(appendix);
        sections.push(definitions());
        Rendered {
            doc: ReportDoc {
                meta,
                key_messages,
                sections,
            },
            charts: self.charts,
            tables,
        }
    }
}

/// Numbers the sections ("1"), subheadings ("7.1"), figures ("Figure 3") and main-text tables
/// ("Table 4") in reading order. Appendix tables keep their "Table A1" labels. Numbering here
/// rather than with typst counters lets typst lay a report out without a second pass for
/// the counters; only the contents page numbers need one.
pub fn number_blocks(sections: &mut [Section]) {
    let (mut figures, mut tables) = (0, 0);
    for (i, section) in sections.iter_mut().enumerate() {
        section.number = (i + 1).to_string();
        let mut subheadings = 0;
        for block in &mut section.blocks {
            match block {
                Block::Subheading { number, .. } => {
                    subheadings += 1;
                    *number = format!("{}.{subheadings}", i + 1);
                }
                Block::Figure { label, .. } => {
                    figures += 1;
                    *label = format!("Figure {figures}");
                }
                Block::Table(table) if !table.label.starts_with("Table A") => {
                    tables += 1;
                    table.label = format!("Table {tables}");
                }
                _ => {}
            }
        }
    }
}

fn definitions() -> Section {
    let mut table = Table::new("Definitions", &["Term", "Definition"]);
    table.numeric = vec![false, false];
    for (term, definition) in [
        ("Headcount", "People in post on the census snapshot date, counting each person once per role."),
        ("WTE", "Whole-time equivalent: 1.0 is one full-time post."),
        ("Vacancy rate", "Vacant WTE divided by in-post plus vacant WTE."),
        ("Agency share", "Agency WTE divided by in-post WTE."),
        ("Leaver and starter rates", "People who left (or started) in the 12 months before the snapshot, divided by headcount."),
        ("Regulated share", "WTE in regulated professions (nurses, doctors, psychologists, social workers, pharmacists) divided by all WTE."),
        ("Caseload per WTE", "Open cases held divided by the WTE of roles that hold cases."),
        ("Attributed WTE", "For a local authority: each provider's and LERO's WTE multiplied by the share of its workforce it reports serving that authority."),
        ("Quartiles", "Peers sorted by value and split into four equal groups; the median is the middle value. Rank 1 is the highest value."),
        ("Disclosure control", "Units of fewer than 10 people show no diversity breakdown; groups of 1 to 4 people are shown as <5 with their share withheld, and a second group is withheld where the first could be worked out."),
    ] {
        table.row(vec![term.into(), definition.into()]);
    }
    Section::new("Definitions", vec![Block::Table(table)])
}

// ---- report content ------------------------------------------------------------------------

/// Builds the document for one planned report.
pub fn build(
    ctx: &ReportContext,
    plan: &ReportPlan,
    version_line: &str,
) -> Result<Rendered, RenderError> {
    let year = &ctx.metrics.current;
    let unit = match plan.kind {
        ReportKind::Provider => year.unit(EntityKind::Provider, &plan.id),
        ReportKind::Lero => year.unit(EntityKind::Lero, &plan.id),
        ReportKind::La => year.unit(EntityKind::La, &plan.id),
        ReportKind::Region => year.unit(EntityKind::Region, &plan.id),
        ReportKind::National => year.unit(EntityKind::England, "england"),
    }
    .ok_or_else(|| RenderError::NoFigures(plan.id.clone()))?;
    let meta = meta(ctx, plan, unit, version_line);
    let mut doc = Doc::new(ctx);
    about(&mut doc, plan, unit);
    // Key messages follow "About this report"; their sentences need the figures first.
    doc.section("Key messages");
    let key_messages = match plan.kind {
        ReportKind::Provider | ReportKind::Lero => participant(&mut doc, unit)?,
        ReportKind::La => local_authority(&mut doc, unit)?,
        ReportKind::Region | ReportKind::National => area(&mut doc, unit)?,
    };
    if let Some(section) = doc
        .sections
        .iter_mut()
        .find(|s| s.heading == "Key messages")
    {
        section.blocks.push(Block::List {
            items: key_messages.clone(),
        });
    }
    diversity_section(&mut doc, unit)?;
    trends_section(&mut doc, unit)?;
    queries_section(&mut doc, plan, unit);
    Ok(doc.finish(meta, key_messages))
}

fn meta(ctx: &ReportContext, plan: &ReportPlan, unit: &Unit, version_line: &str) -> Meta {
    let census = &ctx.census.meta;
    Meta {
        title: format!("{}: {} ({})", unit.name, plan.kind.label(), census.title),
        participant: unit.name.clone(),
        kind_label: plan.kind.label().to_string(),
        id: plan.id.clone(),
        census_title: census.title.clone(),
        census_short: format!("Workforce census {}", census.year),
        snapshot: census.snapshot_date.long(),
        date: census.published.long(),
        version_line: version_line.to_string(),
        author: "Drug and alcohol treatment and recovery workforce census".into(),
        keywords: vec!["workforce census".into(), plan.kind.code().into(), census.year.to_string()],
        confidentiality: match plan.kind {
            ReportKind::Region | ReportKind::National => "For publication. Figures for fewer than 5 people are withheld.".into(),
            _ => "For the named participant. Other participants appear only as anonymous peers; figures for fewer than 5 people are withheld.".into(),
        },
    }
}

fn about(doc: &mut Doc, plan: &ReportPlan, unit: &Unit) {
    let census = &doc.ctx.census.meta;
    doc.section("About this report");
    let who = match plan.kind {
        ReportKind::Provider | ReportKind::Lero => format!("{} as returned to the census", unit.name),
        ReportKind::La => format!("the drug and alcohol workforce serving {}: each provider's and lived experience recovery organisation's staff counted in proportion to the share of its workforce it reports serving the area, plus the council's commissioning team", unit.name),
        ReportKind::Region => format!("the drug and alcohol workforce of the {} region, set against England", unit.name),
        ReportKind::National => "the drug and alcohol treatment and recovery workforce of England: providers, lived experience recovery organisations and local authority commissioning teams".into(),
    };
    doc.text(format!("This report describes {who}, on the census snapshot date of {}. It was produced from the validated returns of the {}.", census.snapshot_date.long(), census.title));
    if matches!(
        plan.kind,
        ReportKind::Provider | ReportKind::Lero | ReportKind::La
    ) {
        doc.text(format!("Comparisons are with all other {} in England. They are never named: each appears only as an anonymous bar.", peers_label(unit.kind)));
        doc.note("How to read a peer chart: every grey bar is one peer, sorted from the lowest value on the left to the highest on the right. Your bar is drawn in dark blue with a black outline and labelled \"You\". The solid line is the median (half of peers are above it); the dashed lines are the lower and upper quartiles, between which the middle half of peers lie. The table under each chart's number in the appendix gives the same figures.");
    }
    let blocked = doc.year().blocked.len();
    if blocked > 0 {
        doc.text(format!("{blocked} organisation(s) could not be included because their returns had errors still to be resolved; national and peer figures leave them out."));
    }
}

/// Key messages and sections for a provider or LERO.
fn participant(doc: &mut Doc, unit: &Unit) -> Result<Vec<String>, RenderError> {
    let england = doc.year().england();
    let key = key_messages(
        doc,
        unit,
        &[
            Metric::Wte,
            Metric::VacancyRate,
            Metric::LeaverRate,
            Metric::AgencyShare,
            Metric::CaseloadPerWte,
        ],
    )?;

    doc.section("Workforce size");
    let t = &unit.totals;
    doc.text(format!(
        "{} people ({} WTE) were in post, supported by {} volunteers.",
        fmt_count(t.headcount),
        fmt_wte(t.wte),
        fmt_count(unit.volunteers)
    ));
    let mut table = Table::new(
        "Workforce size against peers",
        &["Measure", "You", "Peer median", "Your rank"],
    );
    for metric in [Metric::Headcount, Metric::Wte] {
        table.row(position_row(doc.year(), unit, metric));
    }
    table.row(vec![
        "Volunteers".into(),
        fmt_count(unit.volunteers),
        "–".into(),
        "–".into(),
    ]);
    doc.table(table);
    doc.peer_figure(
        unit,
        Metric::Wte,
        &format!("WTE in post: you and every other {}", singular(unit.kind)),
    )?;
    role_group_figure(doc, unit, england, "England")?;

    vacancies_section(doc, unit)?;
    caseload_section(doc, unit)?;

    doc.section("Skill mix and multidisciplinary team");
    mdt_coverage(doc, unit);
    let region = unit
        .region
        .and_then(|r| doc.year().unit(EntityKind::Region, r.code()));
    let mut rows = vec![("You".to_string(), unit)];
    if let Some(region) = &region {
        rows.push((format!("{} region", region.name), region));
    }
    rows.push(("England".to_string(), england));
    doc.skill_mix_figure(rows)?;
    Ok(key)
}

fn singular(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Provider => "provider",
        EntityKind::Lero => "lived experience recovery organisation",
        EntityKind::La => "local authority",
        _ => "peer",
    }
}

fn position_row(year: &YearMetrics, unit: &Unit, metric: Metric) -> Vec<String> {
    let format = format_of(metric);
    let median = year.peers.get(&(unit.kind, metric)).map(|d| d.median);
    let rank = year
        .position(unit, metric)
        .map_or("–".into(), |(rank, q, n)| {
            format!("{rank} of {n} (quartile {q})")
        });
    vec![
        metric.label().into(),
        opt(metric.value(unit), format),
        opt(median, format),
        rank,
    ]
}

fn key_messages(doc: &Doc, unit: &Unit, metrics: &[Metric]) -> Result<Vec<String>, RenderError> {
    let year = doc.year();
    let trend = doc.ctx.metrics.trends.get(&(unit.kind, unit.id.clone()));
    let previous = trend.and_then(|t| t.points.iter().rev().nth(1));
    let mut out = Vec::new();
    for metric in metrics {
        let Some(value) = metric.value(unit) else {
            continue;
        };
        let format = format_of(*metric);
        let position = year.position(unit, *metric);
        let d = year.peers.get(&(unit.kind, *metric));
        let before = previous.and_then(|p| match metric {
            Metric::Headcount => Some(p.headcount),
            Metric::Wte => Some(p.wte),
            Metric::VacancyRate => p.vacancy_rate,
            Metric::LeaverRate => p.leaver_rate,
            Metric::StarterRate => p.starter_rate,
            Metric::AgencyShare => p.agency_share,
            Metric::CaseloadPerWte => p.caseload_per_wte,
            Metric::WtePer100kAdults => p.wte_per_100k_adults,
            _ => None,
        });
        let change = before.map(|b| change_text(*metric, b, value));
        out.push(doc.message(
            "key_message",
            context! {
                subject => if unit.kind == EntityKind::England { "England's".to_string() } else if matches!(unit.kind, EntityKind::Provider | EntityKind::Lero) { "Your".to_string() } else { format!("{}'s", unit.name) },
                metric => metric.label().to_lowercase().replace("wte", "WTE"),
                value => format(value),
                quartile => position.map(|p| p.1),
                n => position.map(|p| p.2),
                peers => peers_label(unit.kind),
                median => d.map(|d| format(d.median)),
                previous => before.map(format),
                previous_year => previous.map(|p| p.year),
                change,
            },
        )?);
    }
    Ok(out)
}

fn change_text(metric: Metric, before: f64, now: f64) -> String {
    let diff = now - before;
    if metric.is_rate() {
        let points = diff * 100.0;
        if points.abs() < 0.05 {
            "unchanged".into()
        } else {
            format!(
                "{} {} percentage points",
                if points > 0.0 { "up" } else { "down" },
                grouped(points.abs(), 1)
            )
        }
    } else if diff.abs() < 0.05 {
        "unchanged".into()
    } else {
        let pct = if before != 0.0 {
            format!(" ({}%)", grouped((diff / before * 100.0).abs(), 0))
        } else {
            String::new()
        };
        format!(
            "{} {}{pct}",
            if diff > 0.0 { "up" } else { "down" },
            format_of(metric)(diff.abs())
        )
    }
}

fn role_group_figure(
    doc: &mut Doc,
    unit: &Unit,
    comparator: &Unit,
    comparator_name: &str,
) -> Result<(), RenderError> {
    // Shares of the delivery workforce: commissioning teams are reported on their own.
    let groups: Vec<RoleGroup> = RoleGroup::ALL
        .iter()
        .copied()
        .filter(|g| *g != RoleGroup::Commissioning)
        .filter(|g| unit.group_wte(*g) > 0.0 || comparator.group_wte(*g) > 0.0)
        .collect();
    let delivery = |u: &Unit| u.totals.wte - u.group_wte(RoleGroup::Commissioning);
    let share = |u: &Unit, g: RoleGroup| crate::stats::ratio(u.group_wte(g), delivery(u));
    let you = if matches!(unit.kind, EntityKind::Provider | EntityKind::Lero) {
        "You".to_string()
    } else {
        unit.name.clone()
    };
    let series = vec![
        (you, groups.iter().map(|g| share(unit, *g)).collect()),
        (
            comparator_name.to_string(),
            groups.iter().map(|g| share(comparator, *g)).collect(),
        ),
    ];
    let categories = groups.iter().map(|g| g.label().to_string()).collect();
    doc.bars_figure(
        "Share of delivery WTE by role group",
        "Role group",
        "Share of WTE",
        categories,
        series,
        fmt_pct,
    )
}

fn vacancies_section(doc: &mut Doc, unit: &Unit) -> Result<(), RenderError> {
    doc.section("Vacancies, agency staff, starters and leavers");
    let t = &unit.totals;
    doc.text(format!(
        "{} WTE were vacant and {} WTE filled by agency staff. In the 12 months before the snapshot {} people started and {} left.",
        fmt_wte(t.wte_vacant),
        fmt_wte(t.wte_agency),
        fmt_count(t.starters),
        fmt_count(t.leavers)
    ));
    let mut table = Table::new(
        "Vacancies and turnover against peers",
        &["Measure", "You", "Peer median", "Your rank"],
    );
    for metric in [
        Metric::VacancyRate,
        Metric::AgencyShare,
        Metric::StarterRate,
        Metric::LeaverRate,
    ] {
        table.row(position_row(doc.year(), unit, metric));
    }
    doc.table(table);
    doc.peer_figure(
        unit,
        Metric::VacancyRate,
        "Vacancy rate: you and your peers",
    )?;
    doc.peer_figure(unit, Metric::LeaverRate, "Leaver rate: you and your peers")?;
    Ok(())
}

fn caseload_section(doc: &mut Doc, unit: &Unit) -> Result<(), RenderError> {
    doc.section("Caseloads");
    let rows: Vec<_> = unit
        .by_role
        .iter()
        .filter(|(_, t)| t.caseload_wte > 0.0)
        .collect();
    if rows.is_empty() {
        doc.text("No role here reported holding a caseload.");
        return Ok(());
    }
    let mut table = Table::new(
        "Open cases by role",
        &["Role", "Open cases", "WTE holding cases", "Cases per WTE"],
    );
    for (role, t) in rows {
        table.row(vec![
            role.label().into(),
            fmt_count(t.cases),
            fmt_wte(t.caseload_wte),
            opt(t.caseload_per_wte(), fmt_ratio),
        ]);
    }
    doc.table(table);
    doc.peer_figure(
        unit,
        Metric::CaseloadPerWte,
        "Open cases per caseload-holding WTE: you and your peers",
    )
}

fn mdt_coverage(doc: &mut Doc, unit: &Unit) {
    let present: Vec<String> = unit
        .mdt_present()
        .iter()
        .map(|(g, here)| {
            format!(
                "{}: {}",
                g.label(),
                if *here { "present" } else { "not present" }
            )
        })
        .collect();
    doc.text(format!(
        "{} of the 7 disciplines of a multidisciplinary team have staff in post:",
        unit.mdt_coverage()
    ));
    doc.push(Block::List { items: present });
}

fn local_authority(doc: &mut Doc, unit: &Unit) -> Result<Vec<String>, RenderError> {
    let england = doc.year().england();
    let area = unit
        .area
        .clone()
        .ok_or_else(|| RenderError::NoFigures(unit.id.clone()))?;
    let key = key_messages(
        doc,
        unit,
        &[
            Metric::WtePer100kAdults,
            Metric::InTreatmentPerDawWte,
            Metric::VacancyRate,
            Metric::LeaverRate,
        ],
    )?;

    doc.section("Workforce serving the area");
    doc.text(format!(
        "Providers and lived experience recovery organisations attribute {} WTE to {}, {} per 100,000 adults. {} adults and {} children and young people were in treatment.",
        fmt_wte(area.attributed_wte),
        unit.name,
        opt(area.wte_per_100k_adults, fmt_ratio),
        fmt_count(area.adults_in_treatment),
        fmt_count(area.young_people_in_treatment)
    ));
    let mut table = Table::new(
        "The area's workforce against other local authorities",
        &["Measure", "This area", "LA median", "Rank"],
    );
    for metric in [
        Metric::Wte,
        Metric::WtePer100kAdults,
        Metric::InTreatmentPerDawWte,
    ] {
        table.row(position_row(doc.year(), unit, metric));
    }
    doc.table(table);
    doc.peer_figure(
        unit,
        Metric::WtePer100kAdults,
        "WTE per 100,000 adults: this area and every other local authority",
    )?;
    doc.peer_figure(
        unit,
        Metric::InTreatmentPerDawWte,
        "Adults in treatment per drug and alcohol worker WTE",
    )?;
    role_group_figure(doc, unit, england, "England")?;

    doc.section("Providers serving the area");
    let mut table = Table::new(
        "Organisations serving the area",
        &[
            "Organisation",
            "Type",
            "Share of its workforce",
            "Attributed WTE",
        ],
    );
    for s in &area.serving {
        let kind = if s.org_type == OrgType::Lero {
            "LERO"
        } else {
            "Provider"
        };
        table.row(vec![
            s.org_name.clone(),
            kind.into(),
            fmt_pct(s.share),
            fmt_wte(s.attributed_wte),
        ]);
    }
    table.numeric = vec![false, false, true, true];
    doc.table(table);

    doc.section("Commissioning team");
    let teams: Vec<&Unit> = doc
        .year()
        .units_of(EntityKind::Commissioner)
        .filter(|c| {
            doc.ctx
                .census
                .organisation(&c.id)
                .and_then(|o| o.la_code.as_deref())
                == Some(unit.id.as_str())
        })
        .collect();
    if teams.is_empty() {
        doc.text("No commissioning-team return is included for this area.");
    } else {
        let mut table = Table::new(
            "Commissioning team",
            &["Team", "Headcount", "WTE", "Vacancy rate"],
        );
        table.numeric = vec![false, true, true, true];
        for team in &teams {
            table.row(vec![
                team.name.clone(),
                fmt_count(team.totals.headcount),
                fmt_wte(team.totals.wte),
                opt(team.totals.vacancy_rate(), fmt_pct),
            ]);
        }
        doc.table(table);
    }

    vacancies_section(doc, unit)?;

    doc.section("Skill mix, MDT coverage and the MDT calculator");
    mdt_coverage(doc, unit);
    let region = unit
        .region
        .and_then(|r| doc.year().unit(EntityKind::Region, r.code()));
    let mut rows = vec![(unit.name.clone(), unit)];
    if let Some(region) = &region {
        rows.push((format!("{} region", region.name), region));
    }
    rows.push(("England".to_string(), england));
    doc.skill_mix_figure(rows)?;
    doc.subheading("MDT workforce calculator");
    doc.text(format!(
        "The calculator estimates the WTE each discipline needs for {} adults and {} young people in treatment. Assumptions: {}.",
        fmt_count(area.adults_in_treatment),
        fmt_count(area.young_people_in_treatment),
        doc.ctx.metrics.assumptions_label
    ));
    let lines: Vec<(RoleGroup, Option<f64>, f64, f64)> = area
        .mdt
        .iter()
        .map(|l| (l.group, None, l.required_wte, l.actual_wte))
        .collect();
    target_against_actual(
        doc,
        &lines,
        ("Required", "Discipline"),
        "MDT calculator: required and actual WTE by discipline",
        "MDT calculator result".to_string(),
    )?;

    doc.section("Expansion plan against the census");
    if area.expansion.is_empty() {
        doc.text("No expansion plan was returned for this area for the census year.");
    } else {
        let plan_year = crate::census::PlanYear::for_census(doc.ctx.census.meta.year);
        doc.text(format!("The area's workforce expansion plan for {plan_year}, by role group, against the WTE attributed to it in the census."));
        let lines: Vec<(RoleGroup, Option<f64>, f64, f64)> = area
            .expansion
            .iter()
            .map(|l| {
                (
                    l.category,
                    Some(l.baseline_fte.unwrap_or(f64::NAN)),
                    l.planned_fte,
                    l.actual_wte,
                )
            })
            .collect();
        target_against_actual(
            doc,
            &lines,
            ("Planned", "Role group"),
            "Expansion plan and census actual by role group",
            format!("Expansion plan {plan_year} and census actual"),
        )?;
    }
    Ok(key)
}

/// A target (MDT requirement or expansion plan) against actual WTE by role group: paired
/// bars and a table with the gap. `lines`: (group, baseline if the table has that column
/// (NaN when not given), target, actual).
fn target_against_actual(
    doc: &mut Doc,
    lines: &[(RoleGroup, Option<f64>, f64, f64)],
    (target, category_name): (&str, &str),
    caption: &str,
    table_caption: String,
) -> Result<(), RenderError> {
    let categories = lines.iter().map(|l| l.0.label().to_string()).collect();
    let series = vec![
        (
            target.to_string(),
            lines.iter().map(|l| Some(l.2)).collect(),
        ),
        (
            "Actual".to_string(),
            lines.iter().map(|l| Some(l.3)).collect(),
        ),
    ];
    doc.bars_figure(caption, category_name, "WTE", categories, series, fmt_wte)?;
    let with_baseline = lines.iter().any(|l| l.1.is_some());
    let target_column = format!("{target} WTE");
    let mut columns = vec![category_name];
    if with_baseline {
        columns.push("Baseline 2021-22");
    }
    columns.extend([target_column.as_str(), "Actual WTE", "Gap"]);
    let mut table = Table::new(table_caption, &columns);
    for (group, baseline, target, actual) in lines {
        let mut row = vec![group.label().to_string()];
        if with_baseline {
            row.push(opt(baseline.filter(|b| b.is_finite()), fmt_wte));
        }
        row.extend([fmt_wte(*target), fmt_wte(*actual), fmt_wte(actual - target)]);
        table.row(row);
    }
    doc.table(table);
    Ok(())
}

/// Regional and national reports.
fn area(doc: &mut Doc, unit: &Unit) -> Result<Vec<String>, RenderError> {
    let year = doc.year();
    let england = year.england();
    let area = unit
        .area
        .clone()
        .ok_or_else(|| RenderError::NoFigures(unit.id.clone()))?;
    let mut key = key_messages(
        doc,
        unit,
        &[Metric::Wte, Metric::VacancyRate, Metric::LeaverRate],
    )?;
    if let Some(lines) = doc.ctx.metrics.strategy.get(&unit.id) {
        for l in lines {
            let ambition = if l.ambition_wte > 0.0 {
                format!(
                    ", against the national ambition of +{}",
                    fmt_count(l.ambition_wte)
                )
            } else {
                String::new()
            };
            key.push(format!(
                "{} grew by {} WTE since {} (from {} to {}){ambition}.",
                l.group.label(),
                fmt_wte(l.growth_wte),
                l.baseline_year,
                fmt_wte(l.baseline_wte),
                fmt_wte(l.current_wte)
            ));
        }
    }

    doc.section("Headlines");
    let t = &unit.totals;
    doc.text(format!(
        "{} people ({} WTE) worked in drug and alcohol treatment, recovery and commissioning: {} WTE in providers and lived experience recovery organisations and {} WTE in commissioning teams. {} volunteers supported them.",
        fmt_count(t.headcount),
        fmt_wte(t.wte),
        fmt_wte(area.attributed_wte),
        fmt_wte(area.commissioning_wte),
        fmt_count(unit.volunteers)
    ));
    let mut table = Table::new("Headline figures", &["Measure", &unit.name, "England"]);
    let both = |f: &dyn Fn(&Unit) -> String| (f(unit), f(england));
    for (label, (a, b)) in [
        ("Headcount", both(&|u| fmt_count(u.totals.headcount))),
        ("WTE in post", both(&|u| fmt_wte(u.totals.wte))),
        (
            "WTE per 100,000 adults",
            both(&|u| opt(Metric::WtePer100kAdults.value(u), fmt_ratio)),
        ),
        (
            "Adults in treatment per drug and alcohol worker WTE",
            both(&|u| opt(Metric::InTreatmentPerDawWte.value(u), fmt_ratio)),
        ),
        (
            "Vacancy rate",
            both(&|u| opt(u.totals.vacancy_rate(), fmt_pct)),
        ),
        (
            "Leaver rate",
            both(&|u| opt(u.totals.leaver_rate(), fmt_pct)),
        ),
        (
            "Agency share",
            both(&|u| opt(u.totals.agency_share(), fmt_pct)),
        ),
        ("Volunteers", both(&|u| fmt_count(u.volunteers))),
    ] {
        table.row(vec![label.into(), a, b]);
    }
    if unit.kind == EntityKind::England {
        table.columns.truncate(2);
        table.numeric.truncate(2);
        for row in &mut table.rows {
            row.truncate(2);
        }
    }
    doc.table(table);

    if unit.kind == EntityKind::England {
        doc.section("Regions");
        let regions: Vec<&Unit> = Region::ALL
            .iter()
            .filter_map(|r| year.unit(EntityKind::Region, r.code()))
            .collect();
        let mut table = Table::new(
            "Workforce by region",
            &[
                "Region",
                "WTE",
                "WTE per 100,000 adults",
                "Vacancy rate",
                "Leaver rate",
            ],
        );
        for r in &regions {
            table.row(vec![
                r.name.clone(),
                fmt_wte(r.totals.wte),
                opt(Metric::WtePer100kAdults.value(r), fmt_ratio),
                opt(r.totals.vacancy_rate(), fmt_pct),
                opt(r.totals.leaver_rate(), fmt_pct),
            ]);
        }
        doc.table(table);
        let categories = regions.iter().map(|r| r.name.clone()).collect();
        let series = vec![(
            "WTE per 100,000 adults".to_string(),
            regions
                .iter()
                .map(|r| Metric::WtePer100kAdults.value(r))
                .collect(),
        )];
        doc.bars_figure(
            "WTE per 100,000 adults by region",
            "Region",
            "WTE per 100,000 adults",
            categories,
            series,
            fmt_ratio,
        )?;
        hex_map_figure(doc)?;
    } else {
        doc.section("Local authorities in the region");
        let mut table = Table::new(
            "Local authorities",
            &[
                "Local authority",
                "Attributed WTE",
                "WTE per 100,000 adults",
                "Adults in treatment per D&A worker WTE",
                "Vacancy rate",
            ],
        );
        for code in &area.members {
            if let Some(la) = year.unit(EntityKind::La, code) {
                let a = la.area.as_ref();
                table.row(vec![
                    la.name.clone(),
                    fmt_wte(la.totals.wte),
                    opt(a.and_then(|a| a.wte_per_100k_adults), fmt_ratio),
                    opt(a.and_then(|a| a.in_treatment_per_daw_wte), fmt_ratio),
                    opt(la.totals.vacancy_rate(), fmt_pct),
                ]);
            }
        }
        doc.table(table);
    }

    doc.section("Sectors and role groups");
    let mut table = Table::new(
        "Provider and LERO WTE by sector",
        &["Sector", "WTE", "Share"],
    );
    let delivery: f64 = unit.by_sector.values().sum();
    for sector in Sector::ALL {
        let wte: f64 = unit
            .by_sector
            .iter()
            .filter(|((_, s), _)| s == sector)
            .map(|(_, w)| w)
            .sum();
        table.row(vec![
            sector.label().into(),
            fmt_wte(wte),
            opt(crate::stats::ratio(wte, delivery), fmt_pct),
        ]);
    }
    doc.table(table);
    let comparator = if unit.kind == EntityKind::England {
        None
    } else {
        Some(england)
    };
    match comparator {
        Some(e) => role_group_figure(doc, unit, e, "England")?,
        None => {
            let groups: Vec<RoleGroup> = RoleGroup::ALL.to_vec();
            let categories = groups.iter().map(|g| g.label().to_string()).collect();
            let series = vec![(
                "WTE".to_string(),
                groups.iter().map(|g| Some(unit.group_wte(*g))).collect(),
            )];
            doc.bars_figure(
                "WTE by role group",
                "Role group",
                "WTE",
                categories,
                series,
                fmt_wte,
            )?;
        }
    }

    if let Some(lines) = doc.ctx.metrics.strategy.get(&unit.id).cloned() {
        doc.section("Strategy progress");
        doc.text("The national drug strategy aimed for 800 more medical and mental health professionals and 950 more drug and alcohol and criminal justice workers by 2024-25, from the 2021-22 baseline (the 2022 census).");
        let mut table = Table::new(
            "Growth of the strategy groups since the 2022 baseline",
            &[
                "Group",
                "2022 WTE",
                "Now WTE",
                "Growth",
                "National ambition",
            ],
        );
        for l in &lines {
            let ambition = if l.ambition_wte > 0.0 {
                format!("+{}", fmt_count(l.ambition_wte))
            } else {
                "–".into()
            };
            table.row(vec![
                l.group.label().into(),
                fmt_wte(l.baseline_wte),
                fmt_wte(l.current_wte),
                fmt_wte(l.growth_wte),
                ambition,
            ]);
        }
        doc.table(table);
        let categories = lines.iter().map(|l| l.group.label().to_string()).collect();
        let mut series = vec![(
            "Growth since 2022".to_string(),
            lines
                .iter()
                .map(|l| Some(l.growth_wte.max(0.0)))
                .collect::<Vec<_>>(),
        )];
        if unit.kind == EntityKind::England {
            series.push((
                "National ambition".to_string(),
                lines.iter().map(|l| Some(l.ambition_wte)).collect(),
            ));
        }
        doc.bars_figure(
            "Strategy groups: growth since 2022",
            "Group",
            "WTE",
            categories,
            series,
            fmt_wte,
        )?;
    }

    if unit.kind == EntityKind::England {
        doc.section("Distributions across peers");
        let mut table = Table::new(
            "Peer distributions",
            &[
                "Peer group",
                "Measure",
                "Lower quartile",
                "Median",
                "Upper quartile",
                "Count",
            ],
        );
        table.numeric = vec![false, false, true, true, true, true];
        for ((kind, metric), d) in &year.peers {
            if *kind == EntityKind::Commissioner {
                continue;
            }
            let f = format_of(*metric);
            table.row(vec![
                peers_label(*kind).into(),
                metric.label().into(),
                f(d.q1),
                f(d.median),
                f(d.q3),
                d.values.len().to_string(),
            ]);
        }
        doc.table(table);
    }
    Ok(key)
}

fn hex_map_figure(doc: &mut Doc) -> Result<(), RenderError> {
    let year = doc.year();
    let layout = reference::local_authorities(doc.ctx.census.meta.year);
    let values: Vec<(String, i32, i32, Option<f64>)> = layout
        .iter()
        .map(|la| {
            (
                la.la_name.clone(),
                la.hex_q,
                la.hex_r,
                year.unit(EntityKind::La, &la.la_code)
                    .and_then(|u| Metric::WtePer100kAdults.value(u)),
            )
        })
        .collect();
    let Some(d) = year.peers.get(&(EntityKind::La, Metric::WtePer100kAdults)) else {
        return Ok(());
    };
    let breaks: Vec<f64> = (1..5)
        .map(|k| crate::stats::quantile_sorted(&d.values, k as f64 / 5.0).unwrap_or(0.0))
        .collect();
    let class = |v: f64| breaks.iter().filter(|b| v > **b).count();
    let cells: Vec<(i32, i32, Option<usize>)> = values
        .iter()
        .map(|(_, q, r, v)| (*q, *r, v.map(class)))
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
    let mut sorted: Vec<&(String, i32, i32, Option<f64>)> =
        values.iter().filter(|v| v.3.is_some()).collect();
    sorted.sort_by(|a, b| {
        b.3.unwrap_or(0.0)
            .total_cmp(&a.3.unwrap_or(0.0))
            .then(a.0.cmp(&b.0))
    });
    let name = |v: &&(String, i32, i32, Option<f64>)| format!("{} ({})", v.0, opt(v.3, fmt_ratio));
    let highest: Vec<String> = sorted.iter().take(3).map(name).collect();
    let lowest: Vec<String> = sorted.iter().rev().take(3).map(name).collect();
    let missing = values.len() - sorted.len();
    let alt = doc.message(
        "hex_alt",
        context! { n => values.len(), measure => "WTE per 100,000 adults", low => fmt_ratio(d.min), high => fmt_ratio(d.max), england => opt(Metric::WtePer100kAdults.value(year.england()), fmt_ratio), median => fmt_ratio(d.median), missing => if missing > 0 { Some(missing) } else { None }, highest => highest.join(", "), lowest => lowest.join(", ") },
    )?;
    let mut table = Table::new(
        "",
        &[
            "Local authority",
            "WTE per 100,000 adults",
            "Band (1 = lowest)",
        ],
    );
    let mut rows: Vec<_> = values.iter().collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, _, _, v) in rows {
        table.row(vec![
            name.clone(),
            opt(*v, fmt_ratio),
            v.map_or("–".into(), |v| (class(v) + 1).to_string()),
        ]);
    }
    doc.figure(
        svg,
        alt,
        "Hex map of local authorities: WTE per 100,000 adults",
        table,
    );
    Ok(())
}

fn diversity_section(doc: &mut Doc, unit: &Unit) -> Result<(), RenderError> {
    doc.section("Diversity");
    let year = doc.year();
    let view = diversity::view(&unit.diversity, unit.totals.headcount);
    if let Some(reason) = &view.suppressed {
        doc.note(reason.clone());
        return Ok(());
    }
    let region = unit
        .region
        .filter(|_| unit.kind != EntityKind::Region)
        .and_then(|r| year.unit(EntityKind::Region, r.code()));
    let england = year.england();
    let mut comparators: Vec<(String, diversity::DiversityView)> = Vec::new();
    let own = match unit.kind {
        EntityKind::Provider | EntityKind::Lero => "You".to_string(),
        _ => unit.name.clone(),
    };
    if let Some(r) = &region {
        comparators.push((
            format!("{} region", r.name),
            diversity::view(&r.diversity, r.totals.headcount),
        ));
    }
    if unit.kind != EntityKind::England {
        comparators.push((
            "England".into(),
            diversity::view(&england.diversity, england.totals.headcount),
        ));
    }
    doc.text("Shares are of the people whose answer is known; the not-known share is of everyone. Groups of fewer than 5 people are shown as <5.");
    for dimension in Dimension::ALL {
        let Some(mine) = view.dimensions.iter().find(|d| d.dimension == *dimension) else {
            continue;
        };
        let cells: Vec<&diversity::Cell> = mine
            .cells
            .iter()
            .filter(|c| c.category != crate::domain::NOT_KNOWN)
            .collect();
        let categories: Vec<String> = cells.iter().map(|c| c.label.to_string()).collect();
        let mut series = vec![(
            own.clone(),
            cells.iter().map(|c| c.share).collect::<Vec<_>>(),
        )];
        for (name, v) in &comparators {
            let other = v.dimensions.iter().find(|d| d.dimension == *dimension);
            series.push((
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
        doc.subheading(dimension.label());
        doc.bars_figure(
            &format!("{}: share of known responses", dimension.label()),
            "Category",
            "Share of known responses",
            categories,
            series,
            fmt_pct,
        )?;
        let mut table = Table::new(
            format!("{}: people", dimension.label()),
            &["Category", "People", "Share"],
        );
        for c in &mine.cells {
            table.row(vec![
                c.label.to_string(),
                c.count_text(),
                opt(c.share, fmt_pct),
            ]);
        }
        doc.table(table);
    }
    Ok(())
}

fn trends_section(doc: &mut Doc, unit: &Unit) -> Result<(), RenderError> {
    doc.section("Trends");
    let Some(trend) = doc
        .ctx
        .metrics
        .trends
        .get(&(unit.kind, unit.id.clone()))
        .cloned()
    else {
        return Ok(());
    };
    if let Some(note) = &trend.note {
        doc.note(note.clone());
    }
    if trend.points.len() < 2 {
        doc.text(
            "This is the first census year with figures for this unit, so there is no trend yet.",
        );
        return Ok(());
    }
    let years: Vec<u16> = trend.points.iter().map(|p| p.year).collect();
    doc.trend_figure(
        "WTE in post by census year",
        "WTE",
        &years,
        vec![(
            "WTE".into(),
            trend.points.iter().map(|p| Some(p.wte)).collect(),
        )],
        fmt_wte,
    )?;
    doc.trend_figure(
        "Vacancy and leaver rates by census year",
        "Rate",
        &years,
        vec![
            (
                "Vacancy rate".into(),
                trend.points.iter().map(|p| p.vacancy_rate).collect(),
            ),
            (
                "Leaver rate".into(),
                trend.points.iter().map(|p| p.leaver_rate).collect(),
            ),
        ],
        fmt_pct,
    )?;
    Ok(())
}

fn queries_section(doc: &mut Doc, plan: &ReportPlan, unit: &Unit) {
    let census = doc.ctx.census;
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
        _ => return,
    };
    doc.section("Outstanding data queries");
    let findings: Vec<&Finding> = doc
        .ctx
        .findings
        .iter()
        .filter(|f| f.org_id.as_deref().is_some_and(|id| owners.contains(&id)))
        .collect();
    if findings.is_empty() {
        doc.text("There are no outstanding queries on this return.");
        return;
    }
    doc.text("The census team would be grateful for answers to these queries; the figures in this report use the data as returned.");
    let mut table = Table::new("Outstanding data queries", &["Severity", "Where", "Query"]);
    table.numeric = vec![false, false, false];
    for f in findings {
        let severity = if f.severity == Severity::Error {
            "error"
        } else {
            "query"
        };
        table.row(vec![severity.into(), f.location(), f.message.clone()]);
    }
    doc.table(table);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(fmt_count(11851.0), "11,851");
        assert_eq!(fmt_wte(1234567.25), "1,234,567.2");
        assert_eq!(fmt_pct(0.0912), "9.1%");
        assert_eq!(fmt_wte(-0.01), "0.0");
        assert_eq!(fmt_wte(-12.5), "-12.5");
        assert_eq!(fmt_count(999.0), "999");
    }

    #[test]
    fn sections_subheadings_figures_and_tables_are_numbered_in_reading_order() {
        let figure = || Block::Figure {
            chart: 0,
            alt: "alt".into(),
            caption: "c".into(),
            label: String::new(),
        };
        let subheading = |text: &str| Block::Subheading {
            text: text.into(),
            number: String::new(),
        };
        let mut appendix_table = Table::new("Peers", &["Figure", "Value"]);
        appendix_table.label = "Table A1".into();
        let mut sections = vec![
            Section::new(
                "Size",
                vec![Block::Table(Table::new("a", &["x"])), figure()],
            ),
            Section::new(
                "Diversity",
                vec![
                    subheading("Age"),
                    figure(),
                    Block::Table(Table::new("b", &["x"])),
                    subheading("Gender"),
                ],
            ),
            Section::new("Appendix", vec![Block::Table(appendix_table)]),
        ];
        number_blocks(&mut sections);
        let labels: Vec<String> = sections
            .iter()
            .flat_map(|s| {
                std::iter::once(s.number.clone()).chain(s.blocks.iter().map(|b| match b {
                    Block::Table(t) => t.label.clone(),
                    Block::Figure { label, .. } => label.clone(),
                    Block::Subheading { number, .. } => number.clone(),
                    _ => String::new(),
                }))
            })
            .collect();
        assert_eq!(
            labels,
            [
                "1", "Table 1", "Figure 1", "2", "2.1", "Figure 2", "Table 2", "2.2", "3",
                "Table A1"
            ]
        );
        let Block::Table(appendix) = &sections[2].blocks[0] else {
            unreachable!()
        };
        assert_eq!(appendix.companion_name(), "A1. Peers");
        let Block::Table(main) = &sections[0].blocks[0] else {
            unreachable!()
        };
        assert_eq!(
            main.companion_name(),
            "a",
            "main-text numbers shift between versions"
        );
    }
}
