//! `explain`: how one figure of one report was made. The figure as the report prints it, its
//! definition from the measure catalogue, and the arithmetic from the input files: each
//! contribution to a sum with the file and line it comes from, a ratio's numerator and
//! denominator, a peer-compared figure's place among its (anonymous) peers and last census's
//! figure. A figure withheld by disclosure control stays withheld unless the analyst asks.

use super::RunError;
use crate::batch;
use crate::domain::{Dimension, OrgType, NOT_KNOWN};
use crate::input::census::Census;
use crate::input::load;
use crate::input::pipeline;
use crate::metrics::breakdown;
use crate::metrics::catalogue::{self, AreaInput, Measure, Method, Quantity, Term};
use crate::metrics::diversity::{MIN_CELL, MIN_UNIT_HEADCOUNT};
use crate::metrics::export::number_text;
use crate::metrics::mdt::MDT_GROUPS;
use crate::metrics::parts::Part as WorkforcePart;
use crate::metrics::{EntityKind, Metrics, Unit, YearMetrics};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ExplainRequest {
    pub data: PathBuf,
    /// The report's id: org_id, LA code, region slug or `england`.
    pub id: String,
    /// The measure's key, as in the metrics export.
    pub measure: String,
    pub assumptions: Option<PathBuf>,
    /// Show a figure withheld by disclosure control, and the counts behind it.
    pub unsuppressed: bool,
}

/// One figure, explained.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub report: String,
    pub entity_kind: &'static str,
    pub name: String,
    pub year: u16,
    pub measure: &'static str,
    /// The part of the workforce the figure is made on, by its export name (`group.nursing`),
    /// for a figure of a table by role group, role or setting; None for the unit's own.
    pub part: Option<String>,
    pub label: &'static str,
    pub definition: &'static str,
    pub quantity: Quantity,
    /// The value as computed (None where there is none, or where it is withheld and the
    /// analyst did not ask for it).
    pub value: Option<f64>,
    /// The figure exactly as the report prints it.
    pub display: String,
    /// A withheld figure, shown because the analyst asked (`--unsuppressed`).
    pub unsuppressed_display: Option<String>,
    /// Why a figure is withheld (disclosure control), if it is.
    pub withheld: Option<String>,
    /// The arithmetic in one line, e.g. `vacant WTE ÷ (WTE in post + vacant WTE)`.
    pub formula: String,
    pub parts: Vec<Part>,
    pub peers: Option<Peers>,
    pub previous: Option<Previous>,
    /// A proportion of people: its Wilson score intervals at 95% and 99.8%, each in a line.
    pub intervals: Vec<String>,
    /// A proportion of people against its benchmark, in a line.
    pub comparison: Option<String>,
}

/// A term of the arithmetic: its value and what it is made of.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// `sum`, `numerator` or `denominator`.
    pub role: &'static str,
    pub what: String,
    pub value: Option<f64>,
    pub contributions: Vec<Contribution>,
}

/// One contribution to a sum.
#[derive(Debug, Clone, Serialize)]
pub struct Contribution {
    /// The file and line the figure comes from, e.g. `workforce.csv line 12`.
    pub source: String,
    pub what: String,
    pub value: f64,
    /// The share it is multiplied by (an organisation's share of service in an LA).
    pub share: Option<f64>,
    /// Where the share comes from.
    pub share_source: Option<String>,
    /// value × share (or the value).
    pub amount: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Peers {
    pub group: &'static str,
    pub n: usize,
    pub q1: String,
    pub median: String,
    pub q3: String,
    /// 1 = highest.
    pub rank: usize,
    /// 1 = the lowest quarter … 4 = the highest.
    pub quartile: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct Previous {
    pub year: u16,
    pub value: f64,
    pub display: String,
    pub change: String,
    /// A proportion of people: whether the change is beyond chance, by Newcombe's interval.
    pub chance: Option<String>,
}

/// Loads the census, computes its figures and explains one.
pub fn explain(request: &ExplainRequest) -> Result<Explanation, RunError> {
    if let Some(figure) = EstimateFigure::find(&request.measure) {
        let assumptions = super::assumptions(request.assumptions.as_deref())?;
        let run = pipeline::open(&request.data)?;
        let metrics = run.metrics(&assumptions)?;
        let plan = batch::plan::one(&metrics, run.census(), &run.validation.blocked, &request.id)
            .ok_or_else(|| RunError::NoReport(request.id.clone()))?;
        let unit = metrics
            .current
            .unit(plan.kind.entity(), plan.kind.unit_id(&plan.id))
            .ok_or_else(|| RunError::NoReport(request.id.clone()))?;
        if !matches!(
            unit.kind,
            EntityKind::La | EntityKind::Region | EntityKind::England
        ) {
            return Err(RunError::NotApplicable {
                measure: figure.key.into(),
                kind: unit.kind.code().into(),
                applies: "la, region, england".into(),
            });
        }
        return Ok(explain_estimate(&run, &metrics, unit, &plan.id, figure));
    }
    let (measure, part) = resolve(&request.measure).ok_or_else(|| {
        let keys: Vec<&str> = catalogue::MEASURES
            .iter()
            .map(|m| m.key)
            .chain(ESTIMATE_FIGURES.iter().map(|f| f.key))
            .collect();
        RunError::UnknownMeasure(request.measure.clone(), keys.join(", "))
    })?;
    let assumptions = super::assumptions(request.assumptions.as_deref())?;
    let run = pipeline::open(&request.data)?;
    let metrics = run.metrics(&assumptions)?;
    // An ICB footprint (SPEC §17) by its code; every other unit by its report's id.
    let (unit, report) = match metrics.current.unit(EntityKind::Icb, &request.id) {
        Some(icb) => (icb, request.id.clone()),
        None => {
            let plan =
                batch::plan::one(&metrics, run.census(), &run.validation.blocked, &request.id)
                    .ok_or_else(|| RunError::NoReport(request.id.clone()))?;
            let unit = metrics
                .current
                .unit(plan.kind.entity(), plan.kind.unit_id(&plan.id))
                .ok_or_else(|| RunError::NoReport(request.id.clone()))?;
            (unit, plan.id)
        }
    };
    explain_part(
        run.census(),
        &metrics,
        unit,
        &report,
        measure,
        part,
        request.unsuppressed,
    )
}

/// A measure's key (`vacancy_rate`), or a measure on part of the workforce by its export name
/// (`group.nursing.vacancy_rate`, `setting.nhs.regulated_share`).
fn resolve(key: &str) -> Option<(&'static Measure, Option<WorkforcePart>)> {
    if let Some(m) = catalogue::find(key) {
        return Some((m, None));
    }
    catalogue::MEASURES.iter().find_map(|m| {
        let prefix = key.strip_suffix(m.key)?.strip_suffix('.')?;
        Some((m, Some(WorkforcePart::parse(prefix)?)))
    })
}

/// Whether a measure can be made on part of a workforce: a sum or ratio of workforce sums
/// over all roles (and volunteers, for a setting).
fn partable(measure: &Measure) -> bool {
    let ok = |t: &Term| {
        matches!(
            t,
            Term::Sum(_, catalogue::Scope::All)
                | Term::Less(_, catalogue::Scope::All)
                | Term::Volunteers
        )
    };
    match measure.method {
        Method::Term(t) => ok(&t),
        Method::Sum(terms) => terms.iter().all(ok),
        Method::Ratio {
            numerator,
            denominator,
            ..
        } => numerator.iter().chain(denominator).all(ok),
        Method::MdtDisciplines | Method::KnownShare { .. } => false,
    }
}

/// Explains a measure of a unit whose figures are already computed.
pub fn explain_unit(
    census: &Census,
    metrics: &Metrics,
    unit: &Unit,
    report: &str,
    measure: &'static Measure,
    unsuppressed: bool,
) -> Result<Explanation, RunError> {
    explain_part(census, metrics, unit, report, measure, None, unsuppressed)
}

/// Explains a measure of a unit, or of part of its workforce (a role group, a role, a
/// setting), whose figures are already computed.
pub fn explain_part(
    census: &Census,
    metrics: &Metrics,
    unit: &Unit,
    report: &str,
    measure: &'static Measure,
    part: Option<WorkforcePart>,
    unsuppressed: bool,
) -> Result<Explanation, RunError> {
    if let Some(p) = part {
        if !partable(measure) || p.totals(unit).is_none() {
            return Err(RunError::NotApplicable {
                measure: format!("{}.{}", p.key(), measure.key),
                kind: unit.kind.code().to_string(),
                applies: "the measures that are sums or rates of workforce rows, by role group or role for every report, by setting for regions and England".into(),
            });
        }
    }
    if !measure.applies(unit.kind) && part.is_none() {
        return Err(RunError::NotApplicable {
            measure: measure.key.to_string(),
            kind: unit.kind.code().to_string(),
            applies: measure
                .applies_to
                .iter()
                .map(|k| k.code())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let year = &metrics.current;
    let sources = Sources { census, year, part };
    let of_unit = |unit: &Unit| match part {
        Some(p) => unit.part_value(p, measure.id),
        None => measure.value(unit),
    };
    let mut value = of_unit(unit);
    let mut withheld = None;
    let formula = measure.method.words();
    let parts = match measure.method {
        Method::Term(term) => vec![sources.part("sum", term, unit)],
        Method::Sum(terms) => terms
            .iter()
            .map(|t| sources.part("term", *t, unit))
            .collect(),
        Method::Ratio {
            numerator,
            denominator,
            ..
        } => {
            let mut parts: Vec<Part> = numerator
                .iter()
                .map(|t| sources.part("numerator", *t, unit))
                .collect();
            parts.extend(
                denominator
                    .iter()
                    .map(|t| sources.part("denominator", *t, unit)),
            );
            parts
        }
        Method::MdtDisciplines => vec![Part {
            role: "sum",
            what: "MDT disciplines with WTE in post".into(),
            value,
            contributions: MDT_GROUPS
                .iter()
                .map(|g| {
                    let wte = unit.group_wte(*g);
                    Contribution {
                        source: "workforce.csv (every row of the role group)".into(),
                        what: format!("{}: {} WTE", g.label(), number_text(wte)),
                        value: f64::from(u8::from(wte > 0.0)),
                        share: None,
                        share_source: None,
                        amount: f64::from(u8::from(wte > 0.0)),
                    }
                })
                .collect(),
        }],
        Method::KnownShare {
            dimension,
            category,
        } => {
            let (part, reason) = known_share_part(unit, dimension, category, unsuppressed);
            if value.is_none() {
                withheld = reason;
                if unsuppressed {
                    value = part.value;
                }
            }
            vec![part]
        }
    };
    let shown = if withheld.is_some() && !unsuppressed {
        None
    } else {
        value
    };
    let display = measure.display(of_unit(unit));
    let unsuppressed_display = withheld
        .as_ref()
        .and(shown)
        .map(|v| measure.quantity.display(v));
    Ok(Explanation {
        report: report.to_string(),
        entity_kind: unit.kind.code(),
        name: unit.name.clone(),
        year: year.year,
        measure: measure.key,
        part: part.map(WorkforcePart::key),
        label: measure.label,
        definition: measure.definition,
        quantity: measure.quantity,
        value: shown,
        display,
        unsuppressed_display,
        withheld,
        formula,
        parts,
        intervals: if part.is_none() {
            intervals(unit, measure)
        } else {
            Vec::new()
        },
        comparison: part
            .is_none()
            .then(|| comparison(year, unit, measure))
            .flatten(),
        // A part's figure has no peer distribution, and its change is in the export only.
        peers: part.is_none().then(|| peers(year, unit, measure)).flatten(),
        previous: part
            .is_none()
            .then(|| previous(metrics, unit, measure))
            .flatten(),
    })
}

/// The Wilson score intervals of a proportion of people, with how they were made.
fn intervals(unit: &Unit, measure: &Measure) -> Vec<String> {
    let Some((o, n)) = measure.counts(unit) else {
        return Vec::new();
    };
    crate::stats::Level::ALL
        .iter()
        .filter_map(|level| {
            let i = measure.interval(unit, *level)?;
            let z = level.z();
            Some(format!(
                "{} interval {} to {} (Wilson score for {} of {} people, z = {:.3}: (2O + z² ∓ z·√(z² + 4·O·(1 − O/n))) / (2·(n + z²)))",
                level.label(),
                measure.quantity.display(i.lower),
                measure.quantity.display(i.upper),
                number_text(o),
                number_text(n),
                z
            ))
        })
        .collect()
}

/// A proportion of people against its benchmark, in words.
fn comparison(year: &YearMetrics, unit: &Unit, measure: &Measure) -> Option<String> {
    let c = year.comparison(unit, measure.id)?;
    let inside = if c.standing == crate::metrics::comparison::Standing::Similar {
        "inside"
    } else {
        "outside"
    };
    Some(format!(
        "{} {} {} ({}: it lies {inside} the 95% interval)",
        measure.quantity.display(measure.value(unit)?),
        c.standing.words(),
        c.benchmark.words,
        measure.quantity.display(c.benchmark.value)
    ))
}

/// Where a term's contributions come from.
struct Sources<'a> {
    census: &'a Census,
    year: &'a YearMetrics,
    /// The part of the workforce the figure is made on, if not the whole.
    part: Option<WorkforcePart>,
}

impl Sources<'_> {
    fn part(&self, role: &'static str, term: Term, unit: &Unit) -> Part {
        let (what, value) = match (self.part, term) {
            (None, Term::Less(..)) => (format!("{}, subtracted", term.words()), term.value(unit)),
            (None, _) => (term.words(), term.value(unit)),
            (Some(p), Term::Sum(field, _)) => (
                format!("{} in {}", field.words(), p.words()),
                p.totals(unit).map(|t| field.of(&t)),
            ),
            (Some(p), Term::Less(field, _)) => (
                format!("{} in {}, subtracted", field.words(), p.words()),
                p.totals(unit).map(|t| -field.of(&t)),
            ),
            (Some(p), _) => (
                format!("{} in {}", term.words(), p.words()),
                p.volunteers(unit),
            ),
        };
        Part {
            role,
            what,
            value,
            contributions: self.contributions(term, unit),
        }
    }

    /// An organisation's sums that count towards the figure: all of them, those of the part's
    /// roles, or (for a setting) all of them when the organisation is of that setting.
    fn org_totals(&self, org: &Unit, scope: catalogue::Scope) -> Option<crate::metrics::Totals> {
        let in_setting = |s| breakdown::setting_of(org) == Some(s);
        match self.part {
            None => Some(scope.totals(org)),
            Some(p @ (WorkforcePart::Group(_) | WorkforcePart::Role(_))) => p.totals(org),
            Some(WorkforcePart::Setting(s)) => in_setting(s).then_some(org.totals),
            Some(WorkforcePart::SettingRole(s, r)) => {
                in_setting(s).then(|| org.by_role.get(&r).copied().unwrap_or_default())
            }
        }
    }

    /// A setting's organisations are those based in the region (or England), as the
    /// breakdown counts them.
    fn by_setting(&self) -> bool {
        matches!(
            self.part,
            Some(WorkforcePart::Setting(_) | WorkforcePart::SettingRole(..))
        )
    }

    fn org_unit(&self, org_id: &str) -> Option<&Unit> {
        let org = self.census.organisation(org_id)?;
        self.year.unit(EntityKind::of_org(org.org_type), org_id)
    }

    fn service_line(&self, org_id: &str, la_code: &str) -> Option<String> {
        self.census
            .service_areas
            .iter()
            .find(|a| a.org_id == org_id && a.la_code == la_code)
            .map(|a| format!("{} line {}", load::SERVICE_AREAS, a.line))
    }

    fn org_line(&self, org_id: &str) -> String {
        self.census
            .organisation(org_id)
            .map_or_else(String::new, |o| {
                format!("{} line {}", load::ORGANISATIONS, o.line)
            })
    }

    fn member_las<'b>(&'b self, unit: &'b Unit) -> impl Iterator<Item = &'b Unit> + 'b {
        unit.area
            .iter()
            .flat_map(|a| a.members.iter())
            .filter_map(|code| self.year.unit(EntityKind::La, code))
            .chain(
                (unit.kind == EntityKind::England)
                    .then(|| self.year.units_of(EntityKind::La))
                    .into_iter()
                    .flatten(),
            )
    }

    /// The organisations serving an LA, or an area's LAs, with their shares summed: (org,
    /// share, where the share comes from).
    fn apportioned(&self, unit: &Unit) -> Vec<(&Unit, f64, String)> {
        match unit.kind {
            EntityKind::La => unit
                .area
                .iter()
                .flat_map(|a| a.serving.iter())
                .filter_map(|s| {
                    let org = self.org_unit(&s.org_id)?;
                    let source = self.service_line(&s.org_id, &unit.id).unwrap_or_default();
                    Some((org, s.share, source))
                })
                .collect(),
            _ => {
                let mut shares: std::collections::BTreeMap<&str, (f64, usize)> = Default::default();
                for la in self.member_las(unit) {
                    for s in la.area.iter().flat_map(|a| a.serving.iter()) {
                        let entry = shares.entry(s.org_id.as_str()).or_default();
                        entry.0 += s.share;
                        entry.1 += 1;
                    }
                }
                shares
                    .into_iter()
                    .filter_map(|(id, (share, n))| {
                        let org = self.org_unit(id)?;
                        Some((org, share, format!("{} ({n} LA(s))", load::SERVICE_AREAS)))
                    })
                    .collect()
            }
        }
    }

    /// The organisations based in a region (or all, for England) whose figures are included.
    fn based_in<'b>(&'b self, unit: &'b Unit) -> impl Iterator<Item = &'b Unit> + 'b {
        self.census
            .organisations
            .iter()
            .filter(move |o| unit.kind == EntityKind::England || Some(o.region) == unit.region)
            .filter_map(|o| self.org_unit(&o.org_id))
    }

    /// The commissioning teams of an LA or of an area's LAs.
    fn commissioners(&self, unit: &Unit) -> Vec<&Unit> {
        let las: Vec<&str> = match unit.kind {
            EntityKind::La => vec![unit.id.as_str()],
            _ => self.member_las(unit).map(|u| u.id.as_str()).collect(),
        };
        self.census
            .organisations
            .iter()
            .filter(|o| o.org_type == OrgType::Commissioner)
            .filter(|o| o.la_code.as_deref().is_some_and(|c| las.contains(&c)))
            .filter_map(|o| self.year.unit(EntityKind::Commissioner, &o.org_id))
            .collect()
    }

    fn contributions(&self, term: Term, unit: &Unit) -> Vec<Contribution> {
        if let Term::Less(field, scope) = term {
            // The same contributions as the sum, each subtracted.
            return self
                .contributions(Term::Sum(field, scope), unit)
                .into_iter()
                .map(|c| Contribution {
                    value: -c.value,
                    amount: -c.amount,
                    ..c
                })
                .collect();
        }
        let plain = |source: String, what: String, value: f64| Contribution {
            source,
            what,
            value,
            share: None,
            share_source: None,
            amount: value,
        };
        let shared = |org: &Unit, value: f64, share: f64, share_source: String| Contribution {
            source: self.org_line(&org.id),
            what: format!("{} {}", org.id, org.name),
            value,
            share: Some(share),
            share_source: Some(share_source),
            amount: value * share,
        };
        let is_org = matches!(
            unit.kind,
            EntityKind::Provider | EntityKind::Lero | EntityKind::Commissioner
        );
        if unit.kind == EntityKind::Icb {
            // Each LA of the footprint, weighted by its share of adults in the ICB.
            return self
                .census
                .icb_lookup
                .iter()
                .flatten()
                .filter(|row| row.icb_code == unit.id)
                .filter_map(|row| {
                    let la = self.year.unit(EntityKind::La, &row.la_code)?;
                    let value = match term {
                        Term::Less(..) => return None,
                        _ => term.value(la).unwrap_or(0.0),
                    };
                    Some(Contribution {
                        source: self.la_line(&la.id),
                        what: format!("{} {}", la.id, la.name),
                        value,
                        share: Some(row.share),
                        share_source: Some(format!("{} line {}", load::ICB_LOOKUP, row.line)),
                        amount: value * row.share,
                    })
                })
                .collect();
        }
        match term {
            Term::Sum(field, scope) if is_org => self
                .census
                .workforce
                .iter()
                .filter(|r| r.org_id == unit.id && scope.includes(r.role.group()))
                .filter(|r| self.part.is_none_or(|p| p.includes(r.role)))
                .map(|r| {
                    let value = field.of_row(r);
                    plain(
                        format!("{} line {}", load::WORKFORCE, r.line),
                        format!("{} ({})", r.role.label(), field.column()),
                        value,
                    )
                })
                .collect(),
            Term::Sum(field, scope) if self.by_setting() => self
                .based_in(unit)
                .filter_map(|o| {
                    let t = self.org_totals(o, scope)?;
                    Some(plain(
                        self.org_line(&o.id),
                        format!("{} {}", o.id, o.name),
                        field.of(&t),
                    ))
                })
                .collect(),
            Term::Sum(field, scope) => {
                let mut out: Vec<Contribution> = self
                    .apportioned(unit)
                    .into_iter()
                    .filter_map(|(org, share, source)| {
                        let t = self.org_totals(org, scope)?;
                        Some(shared(org, field.of(&t), share, source))
                    })
                    .collect();
                // Regions and England count their commissioning teams too.
                if unit.kind != EntityKind::La
                    && scope.includes(crate::domain::RoleGroup::Commissioning)
                {
                    out.extend(self.commissioners(unit).into_iter().filter_map(|c| {
                        let t = self.org_totals(c, scope)?;
                        Some(plain(
                            self.org_line(&c.id),
                            format!("{} {} (commissioning team)", c.id, c.name),
                            field.of(&t),
                        ))
                    }));
                }
                out
            }
            Term::Volunteers if is_org => vec![plain(
                self.org_line(&unit.id),
                "volunteers_headcount".into(),
                unit.volunteers,
            )],
            Term::Volunteers if unit.kind == EntityKind::La => self
                .apportioned(unit)
                .into_iter()
                .map(|(org, share, source)| shared(org, org.volunteers, share, source))
                .collect(),
            // Regions and England count volunteers where their organisation is based.
            Term::Volunteers => self
                .based_in(unit)
                .filter(|o| self.org_totals(o, catalogue::Scope::All).is_some())
                .filter(|o| o.volunteers > 0.0)
                .map(|o| {
                    plain(
                        self.org_line(&o.id),
                        format!("{} {}", o.id, o.name),
                        o.volunteers,
                    )
                })
                .collect(),
            Term::AttributedWte if unit.kind == EntityKind::La => self
                .apportioned(unit)
                .into_iter()
                .map(|(org, share, source)| shared(org, org.totals.wte, share, source))
                .collect(),
            Term::AttributedWte | Term::CommissioningWte | Term::Area(_)
                if unit.kind != EntityKind::La =>
            {
                self.member_las(unit)
                    .map(|la| {
                        plain(
                            self.la_line(&la.id),
                            format!("{} {}", la.id, la.name),
                            term.value(la).unwrap_or(0.0),
                        )
                    })
                    .collect()
            }
            Term::CommissioningWte => self
                .commissioners(unit)
                .into_iter()
                .map(|c| {
                    plain(
                        self.org_line(&c.id),
                        format!("{} {}", c.id, c.name),
                        c.totals.wte,
                    )
                })
                .collect(),
            Term::Area(input) => vec![plain(
                self.la_line(&unit.id),
                input_words(input),
                term.value(unit).unwrap_or(0.0),
            )],
            // Subtracted sums were answered above; an LA's attributed WTE has no term here.
            Term::AttributedWte | Term::Less(..) => Vec::new(),
        }
    }

    fn la_line(&self, code: &str) -> String {
        self.census
            .local_authorities
            .iter()
            .find(|la| la.la_code == code)
            .map_or_else(String::new, |la| {
                format!("{} line {}", load::LOCAL_AUTHORITIES, la.line)
            })
    }
}

fn input_words(input: AreaInput) -> String {
    input.column().to_string()
}

/// A diversity category's share: the counts behind it, or why it is withheld.
fn known_share_part(
    unit: &Unit,
    dimension: Dimension,
    category: &str,
    unsuppressed: bool,
) -> (Part, Option<String>) {
    let published = unit.known_share(dimension, category).is_some();
    let counts: Vec<(&'static str, &'static str, u64)> = dimension
        .categories()
        .iter()
        .map(|(code, label)| {
            let n = unit
                .diversity
                .get(&(dimension, *code))
                .copied()
                .unwrap_or(0.0);
            (*code, *label, n.round().max(0.0) as u64)
        })
        .collect();
    let known: u64 = counts
        .iter()
        .filter(|c| c.0 != NOT_KNOWN)
        .map(|c| c.2)
        .sum();
    let n = counts.iter().find(|c| c.0 == category).map_or(0, |c| c.2);
    let view = crate::metrics::diversity::view(&unit.diversity, unit.totals.headcount);
    let any_withheld = view.suppressed
        || view
            .dimensions
            .iter()
            .filter(|d| d.dimension == dimension)
            .any(|d| d.cells.iter().any(|c| c.count.is_none()));
    let reason = if unit.totals.headcount.round() < MIN_UNIT_HEADCOUNT {
        format!("the unit has fewer than {MIN_UNIT_HEADCOUNT} people, so no breakdown is shown")
    } else {
        format!(
            "a group of fewer than {MIN_CELL} people, or one that would reveal such a group, is withheld"
        )
    };
    let contributions = if unsuppressed {
        counts
            .iter()
            .map(|(code, label, n)| Contribution {
                source: format!("{} (summed over organisations)", load::DEMOGRAPHICS),
                what: format!(
                    "{label}{}",
                    if *code == NOT_KNOWN {
                        " (not counted in the denominator)"
                    } else {
                        ""
                    }
                ),
                value: *n as f64,
                share: None,
                share_source: None,
                amount: *n as f64,
            })
            .collect()
    } else {
        Vec::new()
    };
    let value = (known > 0).then(|| n as f64 / known as f64);
    // The counts could reveal a withheld group, so they are shown only when none is withheld
    // or when the analyst asks.
    let what = if any_withheld && !unsuppressed {
        format!(
            "people answering '{category}', of the people whose answer is known (counts withheld)"
        )
    } else {
        format!("{n} people answering '{category}', of {known} whose answer is known")
    };
    (
        Part {
            role: "share",
            what,
            value: value.filter(|_| unsuppressed || published),
            contributions,
        },
        (!published).then_some(reason),
    )
}

fn peers(year: &YearMetrics, unit: &Unit, measure: &Measure) -> Option<Peers> {
    let metric = measure.id.with_peers()?;
    let value = metric.value(unit)?;
    let d = year.peers.get(&(unit.kind, metric))?;
    let show = |v| measure.quantity.display(v);
    Some(Peers {
        group: unit.kind.peers_label(),
        n: d.values.len(),
        q1: show(d.q1),
        median: show(d.median),
        q3: show(d.q3),
        rank: d.rank(value),
        quartile: d.quartile(value),
    })
}

/// Last census's figure, where the report gives it: a peer-compared figure from the unit's
/// trend (which follows LAs through boundary changes), or a region's or England's headline.
fn previous(metrics: &Metrics, unit: &Unit, measure: &Measure) -> Option<Previous> {
    let now = measure.value(unit)?;
    let by_history = || -> Option<(u16, f64)> {
        let y = metrics.history.last()?;
        Some((y.year, measure.value(y.unit(unit.kind, &unit.id)?)?))
    };
    let (year, before) = match unit.kind {
        // Regions and England: the headline "at a glance", by the same id last year.
        EntityKind::Region | EntityKind::England => by_history()?,
        _ => {
            let trend = metrics.trends.get(&(unit.kind, unit.id.clone()))?;
            let p = trend.points.iter().rev().nth(1)?;
            (p.year, p.value(measure.id)?)
        }
    };
    // Regions and England as at a glance, the change said to be chance where it may be.
    let at_a_glance = || {
        let y = metrics.history.last()?;
        measure.change_since(y.year, y.unit(unit.kind, &unit.id)?, unit)
    };
    let change = match unit.kind {
        EntityKind::Region | EntityKind::England => at_a_glance(),
        _ => None,
    }
    .unwrap_or_else(|| measure.quantity.change_words(year, before, now));
    let mut chance = None;
    // A proportion of people: up or down only beyond chance (Newcombe's interval).
    let counts_before = metrics
        .trends
        .get(&(unit.kind, unit.id.clone()))
        .and_then(|t| t.points.iter().rev().nth(1))
        .filter(|p| p.year == year)
        .and_then(|p| p.counts.get(&measure.id).copied());
    if let (Some(now_counts), Some(then)) = (measure.counts(unit), counts_before) {
        if let Some(c) = crate::metrics::comparison::Change::between(now_counts, then) {
            let points = |x: f64| crate::format::fmt_ratio(x * 100.0);
            chance = Some(format!(
                "Newcombe's 95% interval for the difference is {} to {} percentage points, so {}",
                points(c.interval.lower),
                points(c.interval.upper),
                if c.is_chance() {
                    "the change could be chance"
                } else {
                    "the change is beyond chance"
                }
            ));
        }
    }
    Some(Previous {
        year,
        value: before,
        display: measure.quantity.display(before),
        change,
        chance,
    })
}

impl Explanation {
    /// The explanation as text for the terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        match &self.part {
            None => line(format!(
                "{} ({}): {} ({} report {}), census {}",
                self.label, self.measure, self.name, self.entity_kind, self.report, self.year
            )),
            Some(part) => line(format!(
                "{} ({part}.{}): {}, {} ({} report {}), census {}",
                self.label,
                self.measure,
                WorkforcePart::parse(part).map_or_else(String::new, WorkforcePart::words),
                self.name,
                self.entity_kind,
                self.report,
                self.year
            )),
        }
        line(format!("  As printed: {}", self.display));
        if let Some(shown) = &self.unsuppressed_display {
            line(format!("  Unsuppressed: {shown}"));
        }
        if let Some(v) = self.value {
            line(format!("  Value: {}", number_text(v)));
        }
        if let Some(why) = &self.withheld {
            line(format!("  Withheld by disclosure control: {why}."));
            if self.value.is_some() {
                line("  UNSUPPRESSED on request: not for publication.".into());
            } else {
                line("  (census-reports explain --unsuppressed shows the counts, for analysts only.)".into());
            }
        }
        line(format!("  Definition: {}", self.definition));
        line(format!("  How it is made: {}", self.formula));
        for part in &self.parts {
            line(format!(
                "    {} — {} = {}",
                part.role,
                part.what,
                part.value.map_or_else(|| "none".to_string(), number_text)
            ));
            for c in &part.contributions {
                let share = match (c.share, &c.share_source) {
                    (Some(s), Some(src)) => format!(
                        " × share {} ({src}) = {}",
                        number_text(s),
                        number_text(c.amount)
                    ),
                    _ => String::new(),
                };
                line(format!(
                    "      {:<28} {}: {}{share}",
                    c.source,
                    c.what,
                    number_text(c.value)
                ));
            }
        }
        if let Some(p) = &self.peers {
            line(format!(
                "  Among {} (n = {}): median {}, middle half {} to {}; rank {} of {} (1 = highest), quartile {} (1 = lowest)",
                p.group, p.n, p.median, p.q1, p.q3, p.rank, p.n, p.quartile
            ));
        }
        for interval in &self.intervals {
            line(format!("  {interval}"));
        }
        if let Some(c) = &self.comparison {
            line(format!("  Compared: {c}"));
        }
        if let Some(p) = &self.previous {
            line(format!("  Last census: {}", p.change));
            if let Some(chance) = &p.chance {
                line(format!("  {chance}"));
            }
        }
        out
    }
}

/// The figures of estimates and like-for-like change (SPEC §16) `explain` knows, by their
/// export names. They are not catalogue measures: they are totals of returns and imputations,
/// for LAs, regions and England only.
#[derive(Debug, Clone, Copy)]
pub struct EstimateFigure {
    pub key: &'static str,
    pub label: &'static str,
    pub definition: &'static str,
    pub quantity: Quantity,
}

pub const ESTIMATE_FIGURES: [EstimateFigure; 8] = [
    EstimateFigure {
        key: "estimate.wte",
        label: "Estimated WTE",
        definition: "WTE in post as returned plus the WTE imputed for each invited organisation without a usable return (not returned, or blocked by validation): its return from the nearest other census year scaled by the like-for-like change of its type in its region, else the median of this year's returns of its type and sector.",
        quantity: Quantity::Wte,
    },
    EstimateFigure {
        key: "estimate.headcount",
        label: "Estimated headcount",
        definition: "Headcount as returned plus the headcount imputed for each invited organisation without a usable return, by the same cascade as estimated WTE.",
        quantity: Quantity::Count,
    },
    EstimateFigure {
        key: "estimate.imputed_wte",
        label: "Imputed WTE",
        definition: "The WTE imputed for the invited organisations without a usable return, each apportioned to LAs by its return's shares of service, or equally over its invited LAs.",
        quantity: Quantity::Wte,
    },
    EstimateFigure {
        key: "estimate.imputed_organisations",
        label: "Organisations imputed",
        definition: "Invited organisations without a usable return that count in the area and were imputed.",
        quantity: Quantity::Count,
    },
    EstimateFigure {
        key: "like_for_like.wte.change",
        label: "Like-for-like change in WTE",
        definition: "The change in WTE since the last census over the organisations with a usable return in both years; for an LA, its providers and LEROs apportioned by each year's shares of service.",
        quantity: Quantity::Wte,
    },
    EstimateFigure {
        key: "like_for_like.wte.previous",
        label: "Like-for-like WTE at the last census",
        definition: "WTE at the last census of the organisations with a usable return in both years.",
        quantity: Quantity::Wte,
    },
    EstimateFigure {
        key: "like_for_like.wte.current",
        label: "Like-for-like WTE now",
        definition: "WTE now of the organisations with a usable return in both years.",
        quantity: Quantity::Wte,
    },
    EstimateFigure {
        key: "like_for_like.organisations",
        label: "Organisations matched in both years",
        definition: "Organisations with a usable return in both this census and the last that count in the area.",
        quantity: Quantity::Count,
    },
];

impl EstimateFigure {
    pub fn find(key: &str) -> Option<EstimateFigure> {
        ESTIMATE_FIGURES.iter().copied().find(|f| f.key == key)
    }
}

/// An estimate's imputed contributions, each with its rule and the year it came from, or a
/// like-for-like change's matched organisations in both years.
fn explain_estimate(
    run: &pipeline::CensusRun,
    metrics: &Metrics,
    unit: &Unit,
    report: &str,
    figure: EstimateFigure,
) -> Explanation {
    use crate::metrics::estimate;
    let year = metrics.current.year;
    let e = &metrics.estimates;
    let weight_in = |org_type: OrgType, region: crate::domain::Region, shares: &[(String, f64)]| {
        match unit.kind {
            EntityKind::England => Some(1.0),
            EntityKind::Region => (region.code() == unit.id).then_some(1.0),
            _ if org_type == OrgType::Commissioner => None,
            _ => shares.iter().find(|(la, _)| *la == unit.id).map(|s| s.1),
        }
    };
    let mut parts = Vec::new();
    let (value, formula) = if figure.key.starts_with("estimate.") {
        let estimate = e.year(year);
        let imputed = estimate
            .map(|y| y.area(unit.kind, &unit.id))
            .unwrap_or_default();
        let lines: BTreeMap<&str, usize> = run
            .census()
            .expected
            .iter()
            .flatten()
            .map(|x| (x.org_id.as_str(), x.line))
            .collect();
        let headcount = figure.key == "estimate.headcount";
        let contributions: Vec<Contribution> = estimate
            .map(|y| y.imputed.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|i| {
                let share = weight_in(i.org_type, i.region, &i.shares)?;
                let value = if headcount {
                    i.amount.headcount
                } else {
                    i.amount.wte
                };
                let partial = unit.kind == EntityKind::La;
                Some(Contribution {
                    source: format!(
                        "{} line {}",
                        load::EXPECTED_PARTICIPANTS,
                        lines.get(i.org_id.as_str()).copied().unwrap_or(0)
                    ),
                    what: format!("{} {}: {}", i.org_id, i.org_name, i.rule.words()),
                    value,
                    share: partial.then_some(share),
                    share_source: partial.then(|| {
                        if i.shares_from_return {
                            match &i.rule {
                                estimate::Rule::Carried { from, .. } => {
                                    format!("{}, {from}", load::SERVICE_AREAS)
                                }
                                _ => load::SERVICE_AREAS.to_string(),
                            }
                        } else {
                            format!("equal over its {} invited LAs", i.shares.len())
                        }
                    }),
                    amount: value * share,
                })
            })
            .collect();
        let reported = if headcount {
            unit.totals.headcount
        } else {
            unit.totals.wte
        };
        let imputed_amount = if headcount {
            imputed.amount.headcount
        } else {
            imputed.amount.wte
        };
        match figure.key {
            "estimate.imputed_wte" => {
                parts.push(Part {
                    role: "sum",
                    what: "WTE imputed for invited organisations without a usable return".into(),
                    value: Some(imputed.amount.wte),
                    contributions,
                });
                (
                    Some(imputed.amount.wte),
                    "sum of the imputed WTE counting in the area".to_string(),
                )
            }
            "estimate.imputed_organisations" => {
                let n = imputed.organisations() as f64;
                parts.push(Part {
                    role: "count",
                    what: format!(
                        "organisations imputed ({} carried forward, {} by the median)",
                        imputed.carried, imputed.median
                    ),
                    value: Some(n),
                    contributions,
                });
                (
                    Some(n),
                    "count of the imputed organisations counting in the area".to_string(),
                )
            }
            _ => {
                let what = if headcount {
                    "headcount"
                } else {
                    "WTE in post"
                };
                parts.push(Part {
                    role: "sum",
                    what: format!(
                        "{what} as returned (explain {report} {})",
                        if headcount { "headcount" } else { "wte" }
                    ),
                    value: Some(reported),
                    contributions: Vec::new(),
                });
                parts.push(Part {
                    role: "sum",
                    what: format!(
                        "{what} imputed for invited organisations without a usable return"
                    ),
                    value: Some(imputed_amount),
                    contributions,
                });
                (
                    Some(reported + imputed_amount),
                    format!("{what} as returned + {what} imputed"),
                )
            }
        }
    } else {
        let previous = metrics.history.last().map(|y| y.year);
        let like = previous.and_then(|p| e.like_for_like(p, year, unit.kind, &unit.id));
        let matched = previous
            .map(|p| estimate::matched(&e.panel, p, year))
            .unwrap_or_default();
        let side = |y: u16| -> Vec<Contribution> {
            let Some(returns) = e.panel.years.get(&y) else {
                return Vec::new();
            };
            matched
                .iter()
                .filter_map(|id| {
                    let r = returns.get(*id)?;
                    let share = weight_in(r.org_type, r.region, &r.shares)?;
                    let wte: f64 = r.by_role.values().map(|(w, _)| w).sum();
                    let partial = unit.kind == EntityKind::La;
                    Some(Contribution {
                        source: format!("{} ({y})", load::WORKFORCE),
                        what: id.to_string(),
                        value: wte,
                        share: partial.then_some(share),
                        share_source: partial.then(|| format!("{}, {y}", load::SERVICE_AREAS)),
                        amount: wte * share,
                    })
                })
                .collect()
        };
        let value = like.map(|l| match figure.key {
            "like_for_like.wte.previous" => l.previous.wte,
            "like_for_like.wte.current" => l.current.wte,
            "like_for_like.organisations" => l.organisations as f64,
            _ => l.wte_change(),
        });
        if let (Some(p), Some(l)) = (previous, like) {
            if figure.key != "like_for_like.wte.current" {
                parts.push(Part {
                    role: "previous",
                    what: format!(
                        "WTE in {p} of the {} organisations matched in both years",
                        l.organisations
                    ),
                    value: Some(l.previous.wte),
                    contributions: side(p),
                });
            }
            if figure.key != "like_for_like.wte.previous" {
                parts.push(Part {
                    role: "current",
                    what: format!("WTE in {year} of the same organisations"),
                    value: Some(l.current.wte),
                    contributions: side(year),
                });
            }
        }
        let formula = match figure.key {
            "like_for_like.organisations" => {
                "count of the organisations with a usable return in both years"
            }
            "like_for_like.wte.previous" | "like_for_like.wte.current" => {
                "sum of the WTE of the organisations with a usable return in both years"
            }
            _ => "WTE now − WTE at the last census, over the organisations with a usable return in both",
        };
        (value, formula.to_string())
    };
    Explanation {
        report: report.to_string(),
        entity_kind: unit.kind.code(),
        name: unit.name.clone(),
        year,
        measure: figure.key,
        part: None,
        label: figure.label,
        definition: figure.definition,
        quantity: figure.quantity,
        value,
        display: value.map_or_else(|| "–".to_string(), |v| figure.quantity.display(v)),
        unsuppressed_display: None,
        withheld: None,
        formula,
        parts,
        peers: None,
        previous: None,
        intervals: Vec::new(),
        comparison: None,
    }
}
