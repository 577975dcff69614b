//! The tables of a publication workbook, declared: each one's title, description, rows and
//! columns, in order ([`declare`]); [`sheet`] builds any of them from the metrics export.
//!
//! A row names itself (its label cells), says which area (and census year) its figures are
//! for, and fills in the parts of the figure names that vary by row (`{role}`, `{group}`, …).
//! A column has a heading, a figure name in the metrics export and a number format; in a
//! table with one column per area, the column says the area.

use super::{labels_phrase, text, Cell, Figures, MeasureColumn, NumberFormat, TableSheet};
use super::{HEADLINES, TREND_MEASURES};
use crate::domain::{Dimension, DimensionFamily, Region, Role, RoleGroup, Sector, StrategyGroup};
use crate::metrics::catalogue::{self, MeasureId};
use crate::metrics::{EntityKind, Metrics};

/// An area a workbook covers: England or a region.
#[derive(Debug, Clone)]
pub(super) struct Area {
    pub(super) kind: EntityKind,
    pub(super) id: String,
    pub(super) name: String,
}

impl Area {
    pub(super) fn england() -> Area {
        Area {
            kind: EntityKind::England,
            id: "england".into(),
            name: "England".into(),
        }
    }

    pub(super) fn region(region: Region) -> Area {
        Area {
            kind: EntityKind::Region,
            id: region.code().into(),
            name: region.label().into(),
        }
    }
}

/// One row: its label cells, the area and census year of its figures, and the words that
/// complete its columns' figure names.
struct RowSpec {
    labels: Vec<Cell>,
    area: Option<Area>,
    year: Option<u16>,
    vars: Vec<(&'static str, String)>,
    /// The format of columns that take the row's (the peer spread: each measure its own).
    format: Option<NumberFormat>,
}

impl RowSpec {
    fn new(labels: Vec<Cell>) -> RowSpec {
        RowSpec {
            labels,
            area: None,
            year: None,
            vars: Vec::new(),
            format: None,
        }
    }

    fn of(mut self, area: &Area) -> RowSpec {
        self.area = Some(area.clone());
        self
    }

    fn with(mut self, name: &'static str, value: impl Into<String>) -> RowSpec {
        self.vars.push((name, value.into()));
        self
    }
}

/// One column of figures.
struct ColumnSpec {
    heading: String,
    /// The figure's name in the metrics export; `{name}` is completed from the row.
    figure: String,
    /// None: the row's format.
    format: Option<NumberFormat>,
    /// Set in a table with one column per area.
    area: Option<Area>,
}

fn col(heading: impl Into<String>, figure: impl Into<String>, format: NumberFormat) -> ColumnSpec {
    ColumnSpec {
        heading: heading.into(),
        figure: figure.into(),
        format: Some(format),
        area: None,
    }
}

/// A catalogue measure's column: its short label (with its note), key and format.
fn measure_col(column: &MeasureColumn) -> ColumnSpec {
    let (heading, key, format) = column.spec();
    col(heading, key, format)
}

/// One column per area: `{area} <what>`, the same figure for each.
fn area_cols(areas: &[Area], what: &str, figure: &str, format: NumberFormat) -> Vec<ColumnSpec> {
    areas
        .iter()
        .map(|a| ColumnSpec {
            area: Some(a.clone()),
            ..col(format!("{} {what}", a.name), figure, format)
        })
        .collect()
}

/// A table of the workbook, declared.
pub(super) struct TableSpec {
    title: String,
    description: String,
    /// The headings of the rows' label cells.
    labels: Vec<String>,
    rows: Vec<RowSpec>,
    columns: Vec<ColumnSpec>,
    /// A row is left out unless the export has this figure for it (a role that holds no
    /// cases has no caseload row).
    only_if: Option<String>,
}

impl TableSpec {
    fn new(title: String, description: impl Into<String>, labels: &[&str]) -> TableSpec {
        TableSpec {
            title,
            description: description.into(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            rows: Vec::new(),
            columns: Vec::new(),
            only_if: None,
        }
    }

    fn rows(mut self, rows: impl IntoIterator<Item = RowSpec>) -> TableSpec {
        self.rows.extend(rows);
        self
    }

    fn columns(mut self, columns: impl IntoIterator<Item = ColumnSpec>) -> TableSpec {
        self.columns.extend(columns);
        self
    }
}

/// `template` with each `{name}` replaced by the row's value.
fn fill(template: &str, vars: &[(&'static str, String)]) -> String {
    let mut name = template.to_string();
    for (var, value) in vars {
        name = name.replace(&format!("{{{var}}}"), value);
    }
    name
}

/// Table `n` of a workbook whose figures are for census year `year`.
pub(super) fn sheet(n: usize, spec: &TableSpec, figures: &Figures, year: u16) -> TableSheet {
    let headers = spec
        .labels
        .iter()
        .cloned()
        .chain(spec.columns.iter().map(|c| c.heading.clone()))
        .collect();
    let rows = spec
        .rows
        .iter()
        .filter(|row| {
            spec.only_if.as_ref().is_none_or(|probe| {
                row.area
                    .as_ref()
                    .is_some_and(|a| figures.has(a.kind, &a.id, &fill(probe, &row.vars)))
            })
        })
        .map(|row| {
            let mut cells = row.labels.clone();
            cells.extend(spec.columns.iter().map(|c| {
                let area = c
                    .area
                    .as_ref()
                    .or(row.area.as_ref())
                    .expect("a figure's area comes from its row or its column");
                let format = c.format.or(row.format).unwrap_or(NumberFormat::OneDecimal);
                figures.cell_in(
                    row.year.unwrap_or(year),
                    area.kind,
                    &area.id,
                    &fill(&c.figure, &row.vars),
                    format,
                )
            }));
            cells
        })
        .collect();
    TableSheet {
        name: format!("Table_{n}"),
        title: format!("Table {n}: {}", spec.title),
        description: spec.description.clone(),
        headers,
        rows,
    }
}

/// What every table of one workbook shares: the area it is for (England or a region), the
/// areas its tables compare (England and every region, or the region and England) and the
/// census year.
pub(super) struct Scope<'a> {
    pub(super) metrics: &'a Metrics,
    pub(super) area: Area,
    pub(super) areas: Vec<Area>,
}

impl Scope<'_> {
    /// The region a regional workbook is for (None for England's).
    fn region(&self) -> Option<Region> {
        Region::ALL
            .iter()
            .copied()
            .find(|r| r.code() == self.area.id)
    }

    /// "England, 2024": where and when, for table titles.
    fn where_(&self) -> String {
        format!("{}, {}", self.area.name, self.metrics.current.year)
    }
}

/// One row per area, named.
fn by_area(areas: &[Area]) -> Vec<RowSpec> {
    areas
        .iter()
        .map(|a| RowSpec::new(vec![text(a.name.clone())]).of(a))
        .collect()
}

/// One row per LA or ICB of `kind` in `region` (every one when None): its code, name and
/// region.
fn units_in(metrics: &Metrics, kind: EntityKind, region: Option<Region>) -> Vec<RowSpec> {
    metrics
        .current
        .units_of(kind)
        .filter(|u| region.is_none_or(|r| u.region == Some(r)))
        .map(|u| {
            let area = Area {
                kind,
                id: u.id.clone(),
                name: u.name.clone(),
            };
            RowSpec::new(vec![
                text(u.id.clone()),
                text(u.name.clone()),
                text(u.region.map_or("", |r| r.label())),
            ])
            .of(&area)
        })
        .collect()
}

/// Every table of the workbook, in order.
pub(super) fn declare(w: &Scope) -> Vec<TableSpec> {
    let mut tables = vec![headlines(w), local_authorities(w)];
    tables.extend(participation(w));
    tables.extend([
        wte_by_role_group(w),
        wte_by_role(w),
        wte_by_sector(w),
        roles_by_setting(w),
        rates_by_role_group(w),
        caseloads(w),
        commissioning_teams(w),
        settings(w),
    ]);
    tables.extend(profile(w));
    tables.push(trends(w));
    tables.extend(icbs(w));
    tables.extend(estimates(w));
    tables.extend(strategy(w));
    tables.push(peer_spread(w));
    tables
}

fn headlines(w: &Scope) -> TableSpec {
    let areas = w.areas.as_slice();
    let where_ = w.where_();
    TableSpec::new(
        format!("Headline workforce figures, {where_} [note 1]"),
        format!(
            "One row per area: {}. The same figures as the census reports.",
            labels_phrase(&HEADLINES)
        ),
        &["Area"],
    )
    .rows(by_area(areas))
    .columns(HEADLINES.iter().map(measure_col))
}

/// Local authorities.
fn local_authorities(w: &Scope) -> TableSpec {
    let metrics = w.metrics;
    let where_ = w.where_();
    let region = w.region();
    const LA_MEASURES: [MeasureColumn; 7] = [
        super::column(MeasureId::Population18Plus, None),
        super::column(MeasureId::AdultsInTreatment, None),
        super::column(MeasureId::AttributedWte, Some(2)),
        super::column(MeasureId::WtePer100kAdults, None),
        super::column(MeasureId::InTreatmentPerDawWte, None),
        super::column(MeasureId::CommissioningWte, None),
        super::column(MeasureId::MdtCoverage, None),
    ];
    let coverage = metrics.participation.is_some();
    TableSpec::new(
        format!("Local authorities: workforce, treatment and MDT calculator gap, {where_} [note 2]"),
        "One row per upper-tier local authority. A negative gap is a shortfall against the illustrative MDT assumptions.",
        &["LA code", "Local authority", "Region"],
    )
    .rows(units_in(metrics, EntityKind::La, region))
    .columns(LA_MEASURES.iter().map(measure_col))
    .columns(crate::metrics::mdt::MDT_GROUPS.iter().map(|g| {
        col(
            format!("MDT gap: {} (WTE) [note 5]", g.label()),
            format!("mdt.{}.gap_wte", g.code()),
            NumberFormat::OneDecimal,
        )
    }))
    .columns(coverage.then(|| {
        col(
            "Providers and LEROs returned, of those invited to serve it [note 6]",
            "participation.serving.response_rate",
            NumberFormat::Percent,
        )
    }))
}

/// Participation: who was invited and who returned, by area and type.
fn participation(w: &Scope) -> Option<TableSpec> {
    let areas = w.areas.as_slice();
    let where_ = w.where_();
    let coverage = w.metrics.participation.is_some();
    if !coverage {
        return None;
    }
    let types = [
        ("provider", "Treatment providers"),
        ("lero", "Lived experience recovery organisations"),
        ("commissioner", "Commissioning teams"),
        ("all", "All"),
    ];
    Some(
        TableSpec::new(
            format!("Participation: organisations invited, returns and response rate, {where_} [note 6]"),
            "One row per area and type of organisation. Every other table but the estimates is a sum of the returns received.",
            &["Area", "Type of organisation"],
        )
        .rows(areas.iter().flat_map(|a| {
            types.iter().map(move |(code, label)| {
                RowSpec::new(vec![text(a.name.clone()), text(*label)])
                    .of(a)
                    .with("type", *code)
            })
        }))
        .columns([
            col("Invited", "participation.{type}.invited", NumberFormat::Count),
            col("Returned", "participation.{type}.returned", NumberFormat::Count),
            col(
                "Response rate [note 6]",
                "participation.{type}.response_rate",
                NumberFormat::Percent,
            ),
        ]),
    )
}

/// WTE by role group, role and sector: one column per area.
fn wte_by_role_group(w: &Scope) -> TableSpec {
    let areas = w.areas.as_slice();
    let where_ = w.where_();
    TableSpec::new(
        format!("WTE by role group, {where_}"),
        "One row per role group; one column per area.",
        &["Role group"],
    )
    .rows(
        RoleGroup::ALL
            .iter()
            .map(|g| RowSpec::new(vec![text(g.label())]).with("group", g.code())),
    )
    .columns(area_cols(
        areas,
        "WTE",
        "wte.group.{group}",
        NumberFormat::OneDecimal,
    ))
}

fn wte_by_role(w: &Scope) -> TableSpec {
    let areas = w.areas.as_slice();
    let where_ = w.where_();
    TableSpec::new(
        format!("WTE by role, {where_}"),
        "One row per role, with its role group; one column per area.",
        &["Role group", "Role"],
    )
    .rows(Role::ALL.iter().map(|r| {
        RowSpec::new(vec![text(r.group().label()), text(r.label())]).with("role", r.code())
    }))
    .columns(area_cols(
        areas,
        "WTE",
        "wte.role.{role}",
        NumberFormat::OneDecimal,
    ))
}

fn wte_by_sector(w: &Scope) -> TableSpec {
    let areas = w.areas.as_slice();
    let where_ = w.where_();
    TableSpec::new(
        format!("Provider and LERO WTE by sector, {where_} [note 2]"),
        "One row per sector; one column per area.",
        &["Sector"],
    )
    .rows(
        Sector::ALL
            .iter()
            .map(|s| RowSpec::new(vec![text(s.label())]).with("sector", s.code())),
    )
    .columns(area_cols(
        areas,
        "WTE",
        "wte.sector.{sector}",
        NumberFormat::OneDecimal,
    ))
}

/// The national report's depth, for each area.
fn roles_by_setting(w: &Scope) -> TableSpec {
    let areas = w.areas.as_slice();
    let where_ = w.where_();
    let settings = crate::domain::Setting::ALL;
    TableSpec::new(
        format!("WTE and headcount by role and setting, {where_} [note 2]"),
        "One row per area and role; one column per setting (providers by sector, LEROs, commissioning teams) for WTE, then for headcount.",
        &["Area", "Role group", "Role"],
    )
    .rows(areas.iter().flat_map(|a| {
        Role::ALL.iter().map(move |r| {
            RowSpec::new(vec![
                text(a.name.clone()),
                text(r.group().label()),
                text(r.label()),
            ])
            .of(a)
            .with("role", r.code())
        })
    }))
    .columns(
        [
            ("WTE", "wte", NumberFormat::OneDecimal),
            ("headcount", "headcount", NumberFormat::Count),
        ]
        .iter()
        .flat_map(|(heading, measure, format)| {
            settings.iter().map(move |s| {
                col(
                    format!("{} {heading}", s.label()),
                    format!("setting.{}.role.{{role}}.{measure}", s.code()),
                    *format,
                )
            })
        }),
    )
}

fn rates_by_role_group(w: &Scope) -> TableSpec {
    let areas = w.areas.as_slice();
    let where_ = w.where_();
    let rates = [
        super::column(MeasureId::VacancyRate, Some(3)),
        super::column(MeasureId::AgencyShare, Some(3)),
        super::column(MeasureId::StarterRate, Some(3)),
        super::column(MeasureId::LeaverRate, Some(3)),
    ];
    TableSpec::new(
        format!("Vacancy, agency, starter and leaver rates by role group, {where_}"),
        "One row per area and role group.",
        &["Area", "Role group"],
    )
    .rows(areas.iter().flat_map(|a| {
        RoleGroup::ALL.iter().map(move |g| {
            RowSpec::new(vec![text(a.name.clone()), text(g.label())])
                .of(a)
                .with("group", g.code())
        })
    }))
    .columns(rates.iter().map(|c| {
        col(
            c.heading(),
            format!("group.{{group}}.{}", c.measure.measure().key),
            NumberFormat::Percent,
        )
    }))
}

fn caseloads(w: &Scope) -> TableSpec {
    let areas = w.areas.as_slice();
    let where_ = w.where_();
    let mut caseloads = TableSpec::new(
        format!("Open cases per WTE by role, with the spread across organisations, {where_}"),
        "One row per area and caseload-holding role. The quartiles are across the providers and LEROs whose staff in that role hold cases.",
        &["Area", "Role"],
    )
    .rows(areas.iter().flat_map(|a| {
        Role::ALL.iter().map(move |r| {
            RowSpec::new(vec![text(a.name.clone()), text(r.label())])
                .of(a)
                .with("role", r.code())
        })
    }))
    .columns(
        [
            ("cases", "Open cases", NumberFormat::Count),
            ("wte", "WTE holding cases", NumberFormat::OneDecimal),
            ("per_wte", "Open cases per WTE", NumberFormat::OneDecimal),
            (
                "organisations",
                "Organisations with the role holding cases",
                NumberFormat::Count,
            ),
            ("q1", "Lower quartile across organisations", NumberFormat::OneDecimal),
            ("median", "Median across organisations", NumberFormat::OneDecimal),
            ("q3", "Upper quartile across organisations", NumberFormat::OneDecimal),
        ]
        .map(|(m, heading, format)| col(heading, format!("caseload.{{role}}.{m}"), format)),
    );
    caseloads.only_if = Some("caseload.{role}.cases".into());
    caseloads
}

fn commissioning_teams(w: &Scope) -> TableSpec {
    let areas = w.areas.as_slice();
    let where_ = w.where_();
    let commissioning = MeasureId::CommissioningWte.measure();
    TableSpec::new(
        format!("Local authority commissioning teams, {where_}"),
        "One row per area.",
        &["Area"],
    )
    .rows(by_area(areas))
    .columns([
        col(
            commissioning.short,
            commissioning.key,
            NumberFormat::OneDecimal,
        ),
        col(
            "Vacant WTE",
            "commissioning.wte_vacant",
            NumberFormat::OneDecimal,
        ),
        col(
            "Vacancy rate [note 3]",
            "commissioning.vacancy_rate",
            NumberFormat::Percent,
        ),
        col(
            "Local authorities",
            "commissioning.las",
            NumberFormat::Count,
        ),
        col(
            "Local authorities returning a commissioning team",
            "commissioning.las_reporting",
            NumberFormat::Count,
        ),
        col(
            "Local authorities with no commissioning analyst",
            "commissioning.las_without_analyst",
            NumberFormat::Count,
        ),
        col(
            "Local authorities with no commissioning coordinator",
            "commissioning.las_without_coordinator",
            NumberFormat::Count,
        ),
        col(
            "Local authorities with neither",
            "commissioning.las_without_either",
            NumberFormat::Count,
        ),
    ])
}

fn settings(w: &Scope) -> TableSpec {
    let areas = w.areas.as_slice();
    let where_ = w.where_();
    let settings = crate::domain::Setting::ALL;
    TableSpec::new(
        format!("Organisations, staff and volunteers by setting, {where_}"),
        "One row per area and setting: providers by sector, lived experience recovery organisations (LEROs) and local authority commissioning teams.",
        &["Area", "Setting"],
    )
    .rows(areas.iter().flat_map(|a| {
        settings.iter().map(move |s| {
            RowSpec::new(vec![text(a.name.clone()), text(s.label())])
                .of(a)
                .with("setting", s.code())
        })
    }))
    .columns(
        [
            ("organisations", "Organisations", NumberFormat::Count),
            ("headcount", "Headcount", NumberFormat::Count),
            ("wte", "WTE", NumberFormat::OneDecimal),
            ("volunteers", "Volunteers", NumberFormat::Count),
        ]
        .map(|(m, heading, format)| col(heading, format!("setting.{{setting}}.{m}"), format)),
    )
}

/// Diversity, then contracts, working patterns and length of service (SPEC §12).
fn profile(w: &Scope) -> Vec<TableSpec> {
    let areas = w.areas.as_slice();
    let where_ = w.where_();
    let mut tables = Vec::new();
    for (family, title) in [
        (
            DimensionFamily::Diversity,
            "Staff diversity: share of known responses",
        ),
        (
            DimensionFamily::Employment,
            "Contracts, working patterns and length of service: share of known responses",
        ),
    ] {
        tables.push(
            TableSpec::new(
                format!("{title}, {where_} [note 4]"),
                "One row per category of each dimension; the not-known row is the share of all responses.",
                &["Dimension", "Category"],
            )
            .rows(
                Dimension::ALL
                    .iter()
                    .filter(|d| d.family() == family)
                    .flat_map(|d| {
                        d.categories().iter().map(move |(code, label)| {
                            RowSpec::new(vec![text(d.label()), text(*label)])
                                .with("dimension", d.code())
                                .with("category", *code)
                        })
                    }),
            )
            .columns(area_cols(
                areas,
                "share",
                "share.{dimension}.{category}",
                NumberFormat::Percent,
            )),
        );
    }
    tables
}

/// Trends: each headline measure in every census year present.
fn trends(w: &Scope) -> TableSpec {
    let metrics = w.metrics;
    let areas = w.areas.as_slice();
    let area = &w.area;
    let year = w.metrics.current.year;
    let years: Vec<u16> = metrics
        .history
        .iter()
        .map(|m| m.year)
        .chain([year])
        .collect();
    TableSpec::new(
        format!(
            "Trends in headline figures by census year, {} [note 7]",
            area.name
        ),
        "One row per area and census year present.",
        &["Area", "Census year"],
    )
    .rows(areas.iter().flat_map(|a| {
        years.iter().map(move |y| RowSpec {
            year: Some(*y),
            ..RowSpec::new(vec![
                text(a.name.clone()),
                Cell::Number(f64::from(*y), NumberFormat::Count),
            ])
            .of(a)
        })
    }))
    .columns(TREND_MEASURES.iter().map(measure_col))
}

/// Strategy progress.
fn strategy(w: &Scope) -> Option<TableSpec> {
    let metrics = w.metrics;
    let area = &w.area;
    let where_ = w.where_();
    if !metrics.strategy.contains_key(&area.id) {
        return None;
    }
    Some(
        TableSpec::new(
            format!("Growth of the strategy groups since the 2022 baseline, {where_}"),
            "The national strategy's ambition is for England as a whole; it does not apply to a region [z].",
            &["Group"],
        )
        .rows(StrategyGroup::ALL.iter().map(|g| {
            RowSpec::new(vec![text(g.label())])
                .of(area)
                .with("group", g.code())
        }))
        .columns([
            col("2022 WTE", "strategy.{group}.baseline_wte", NumberFormat::OneDecimal),
            col("WTE now", "strategy.{group}.current_wte", NumberFormat::OneDecimal),
            col("Growth as returned (WTE)", "strategy.{group}.growth_wte", NumberFormat::OneDecimal),
            col(
                "Growth like for like (WTE) [note 8]",
                "strategy.{group}.like_for_like_growth_wte",
                NumberFormat::OneDecimal,
            ),
            col(
                "Growth estimated (WTE) [note 8]",
                "strategy.{group}.estimated_growth_wte",
                NumberFormat::OneDecimal,
            ),
            col(
                "National ambition (WTE)",
                "strategy.{group}.ambition_wte",
                NumberFormat::Count,
            ),
        ]),
    )
}

/// Integrated care board footprints (with an ICB lookup): one row per ICB of the workbook's
/// area, its figures its LAs' weighted by their shares of adults in it.
fn icbs(w: &Scope) -> Option<TableSpec> {
    let metrics = w.metrics;
    let region = w.region();
    let rows = units_in(metrics, EntityKind::Icb, region);
    if rows.is_empty() {
        return None;
    }
    const ICB_MEASURES: [MeasureColumn; 8] = [
        super::column(MeasureId::Population18Plus, None),
        super::column(MeasureId::AdultsInTreatment, None),
        super::column(MeasureId::AttributedWte, Some(2)),
        super::column(MeasureId::WtePer100kAdults, None),
        super::column(MeasureId::InTreatmentPerDawWte, None),
        super::column(MeasureId::VacancyRate, None),
        super::column(MeasureId::LeaverRate, None),
        super::column(MeasureId::MdtCoverage, None),
    ];
    Some(
        TableSpec::new(
            format!("Integrated care board footprints, {} [note 9]", w.where_()),
            "One row per integrated care board footprint (by the region most of its adults live in). Each local authority counts in a footprint in proportion to the share of its adults living in it.",
            &["ICB code", "Integrated care board", "Region"],
        )
        .rows(rows)
        .columns(ICB_MEASURES.iter().map(measure_col)),
    )
}

/// The workforce as returned and as estimated, and the change since the last census like for
/// like, one row per area (and per LA of a region's workbook).
fn estimates(w: &Scope) -> Option<TableSpec> {
    let metrics = w.metrics;
    let year = metrics.current.year;
    metrics.estimates.year(year)?;
    let where_ = w.where_();
    let region = w.region();
    let las = metrics
        .current
        .units_of(EntityKind::La)
        .filter(|u| region.is_some_and(|r| u.region == Some(r)))
        .map(|u| Area {
            kind: EntityKind::La,
            id: u.id.clone(),
            name: u.name.clone(),
        })
        .collect::<Vec<_>>();
    let like = !metrics.history.is_empty();
    Some(
        TableSpec::new(
            format!("Workforce as returned and as estimated, and like-for-like change, {where_} [note 8]"),
            "One row per area. An LA's figures are its attributed provider and LERO workforce; a region's and England's also count commissioning teams. Like-for-like change is since the last census, over the organisations with a usable return in both years.",
            &["Area"],
        )
        .rows(by_area(&w.areas))
        .rows(by_area(&las))
        .columns([
            col("WTE returned", "wte", NumberFormat::OneDecimal),
            col("WTE imputed", "estimate.imputed_wte", NumberFormat::OneDecimal),
            col("WTE estimated", "estimate.wte", NumberFormat::OneDecimal),
            col("Share of the estimate imputed", "estimate.imputed_share", NumberFormat::Percent),
            col(
                "Organisations imputed",
                "estimate.imputed_organisations",
                NumberFormat::Count,
            ),
            col("Headcount estimated", "estimate.headcount", NumberFormat::Count),
        ])
        .columns(like.then(|| {
            [
                col(
                    "Like-for-like WTE, last census",
                    "like_for_like.wte.previous",
                    NumberFormat::OneDecimal,
                ),
                col(
                    "Like-for-like WTE, this census",
                    "like_for_like.wte.current",
                    NumberFormat::OneDecimal,
                ),
                col(
                    "Like-for-like change (WTE)",
                    "like_for_like.wte.change",
                    NumberFormat::OneDecimal,
                ),
                col(
                    "Organisations matched in both years",
                    "like_for_like.organisations",
                    NumberFormat::Count,
                ),
            ]
        }).into_iter().flatten()),
    )
}

/// Peer distributions (England's figures: they compare every participant).
fn peer_spread(w: &Scope) -> TableSpec {
    let year = w.metrics.current.year;
    let england = Area::england();
    let mut peers = TableSpec::new(
        format!("Spread of each measure across peers, England, {year}"),
        "One row per peer group and measure: providers, lived experience recovery organisations and local authorities.",
        &["Peer group", "Measure"],
    )
    .rows(
        [EntityKind::Provider, EntityKind::Lero, EntityKind::La]
            .iter()
            .flat_map(|kind| {
                catalogue::peer_measures()
                    .filter(|m| m.applies(*kind))
                    .map(|m| RowSpec {
                        format: Some(super::format_of(m.id)),
                        ..RowSpec::new(vec![
                            text(kind.peers_label()),
                            text(m.label),
                        ])
                        .of(&england)
                        .with("base", format!("{}.{}", kind.code(), m.key))
                    })
            }),
    )
    .columns(
        [
            ("Lowest", "min"),
            ("Lower quartile", "q1"),
            ("Median", "median"),
            ("Upper quartile", "q3"),
            ("Highest", "max"),
        ]
        .map(|(heading, stat)| ColumnSpec {
            format: None,
            ..col(heading, format!("{{base}}.{stat}"), NumberFormat::OneDecimal)
        }),
    )
    .columns([col("Number of peers", "{base}.n", NumberFormat::Count)]);
    peers.only_if = Some("{base}.n".into());
    peers
}
