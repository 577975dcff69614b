//! The measure catalogue: every headline measure declared once, with its key, labels, unit,
//! precision, definition, the units it applies to and how it is computed. The metrics export,
//! the report model, the data companions, the publication workbooks, the reports'
//! Definitions and `explain` all read it; a measure is named in code by its [`MeasureId`], so
//! an unknown measure is a compile error.

use super::{EntityKind, Totals, Unit};
use crate::domain::{Dimension, RoleGroup};
use crate::format;
use crate::stats::{ratio, wilson, Interval, Level};
use serde::Serialize;

/// What a measure counts, which fixes how it prints and how a publication cell stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// People, cases and other whole counts: `11,851`.
    Count,
    /// Whole-time equivalent to one decimal place: `1,234.5`.
    Wte,
    /// A share of 1, printed as a percentage to one decimal place: `8.3%`.
    Share,
    /// A ratio to one decimal place: `35.1`.
    Ratio,
}

impl Quantity {
    /// The figure as the reports print it.
    pub fn display(self, value: f64) -> String {
        match self {
            Quantity::Count => format::fmt_count(value),
            Quantity::Wte => format::fmt_wte(value),
            Quantity::Share => format::fmt_pct(value),
            Quantity::Ratio => format::fmt_ratio(value),
        }
    }

    /// Decimal places of the stored value a publication cell holds: what it shows, so that a
    /// reader who copies or sums cells works with the published figures (a share keeps three
    /// places: 0.083 shows as 8.3%).
    pub fn publication_decimals(self) -> usize {
        match self {
            Quantity::Count => 0,
            Quantity::Wte | Quantity::Ratio => 1,
            Quantity::Share => 3,
        }
    }

    /// The value rounded to its publication precision, by the same decimal rounding as the
    /// printed figure (so a cell holds exactly the digits the reports print).
    pub fn published(self, value: f64) -> f64 {
        let text = match self {
            // The printed percentage's digits, moved two places: 8.3% is stored as 0.083.
            Quantity::Share => format!("{:.1}e-2", value * 100.0 + 0.0),
            _ => format!("{:.*}", self.publication_decimals(), value + 0.0),
        };
        text.parse::<f64>().unwrap_or(value) + 0.0
    }

    /// "up 1,234 (9.6%) from 12,887 in 2023" or "down 1.2 percentage points from 9.4% in 2023".
    pub fn change_words(self, year: u16, before: f64, now: f64) -> String {
        let quantity = self;
        let show = |v| quantity.display(v);
        let diff = now - before;
        let size = if quantity == Quantity::Share {
            diff * 100.0
        } else {
            diff
        };
        if size.abs() < 0.05 {
            return format!("unchanged from {year}");
        }
        let direction = if size > 0.0 { "up" } else { "down" };
        match quantity {
            Quantity::Share => format!(
                "{direction} {} percentage points from {} in {year}",
                format::fmt_ratio(size.abs()),
                show(before)
            ),
            _ => {
                let pct = if before != 0.0 {
                    format!(" ({}%)", format::fmt_ratio((diff / before * 100.0).abs()))
                } else {
                    String::new()
                };
                format!(
                    "{direction} {}{pct} from {} in {year}",
                    show(diff.abs()),
                    show(before)
                )
            }
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Quantity::Count => "count",
            Quantity::Wte => "whole-time equivalent",
            Quantity::Share => "percentage",
            Quantity::Ratio => "ratio",
        }
    }
}

/// An additive quantity of the workforce rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Headcount,
    Wte,
    WteVacant,
    WteAgency,
    Leavers,
    Starters,
    Cases,
    CaseloadWte,
    RegulatedWte,
}

impl Field {
    pub fn of(self, t: &Totals) -> f64 {
        match self {
            Field::Headcount => t.headcount,
            Field::Wte => t.wte,
            Field::WteVacant => t.wte_vacant,
            Field::WteAgency => t.wte_agency,
            Field::Leavers => t.leavers,
            Field::Starters => t.starters,
            Field::Cases => t.cases,
            Field::CaseloadWte => t.caseload_wte,
            Field::RegulatedWte => t.regulated_wte,
        }
    }

    /// The quantity in one `workforce.csv` row.
    pub fn of_row(self, row: &crate::input::census::WorkforceRow) -> f64 {
        match self {
            Field::Headcount => f64::from(row.headcount),
            Field::Wte => row.wte_in_post,
            Field::WteVacant => row.wte_vacant,
            Field::WteAgency => row.wte_agency,
            Field::Leavers => f64::from(row.leavers_12m),
            Field::Starters => f64::from(row.starters_12m),
            Field::Cases => f64::from(row.caseload.unwrap_or(0)),
            Field::CaseloadWte => row.caseload.map_or(0.0, |_| row.wte_in_post),
            Field::RegulatedWte if row.role.regulated() => row.wte_in_post,
            Field::RegulatedWte => 0.0,
        }
    }

    /// The `workforce.csv` column (or columns) the quantity is read from.
    pub fn column(self) -> &'static str {
        match self {
            Field::Headcount => "headcount",
            Field::Wte => "wte_in_post",
            Field::WteVacant => "wte_vacant",
            Field::WteAgency => "wte_agency",
            Field::Leavers => "leavers_12m",
            Field::Starters => "starters_12m",
            Field::Cases => "caseload",
            Field::CaseloadWte => "wte_in_post of rows with a caseload",
            Field::RegulatedWte => "wte_in_post of regulated roles",
        }
    }

    /// What the quantity is, in words.
    pub fn words(self) -> &'static str {
        match self {
            Field::Headcount => "people in post",
            Field::Wte => "WTE in post",
            Field::WteVacant => "vacant WTE",
            Field::WteAgency => "agency WTE",
            Field::Leavers => "leavers in the last 12 months",
            Field::Starters => "starters in the last 12 months",
            Field::Cases => "open cases",
            Field::CaseloadWte => "WTE of caseload-holding staff",
            Field::RegulatedWte => "WTE in regulated professions",
        }
    }
}

/// Which roles a sum covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every role of the unit (an LA's figures are its attributed delivery workforce).
    All,
    /// Providers' and LEROs' roles: every role group but commissioning.
    Delivery,
    /// One role group.
    Group(RoleGroup),
}

impl Scope {
    pub fn totals(self, unit: &Unit) -> Totals {
        match self {
            Scope::All => unit.totals,
            Scope::Delivery => Totals::sum(
                unit.by_role
                    .iter()
                    .filter(|(r, _)| r.group() != RoleGroup::Commissioning)
                    .map(|(_, t)| t),
            ),
            Scope::Group(group) => unit.group_totals(group),
        }
    }

    pub fn includes(self, group: RoleGroup) -> bool {
        match self {
            Scope::All => true,
            Scope::Delivery => group != RoleGroup::Commissioning,
            Scope::Group(g) => g == group,
        }
    }

    pub fn words(self) -> String {
        match self {
            Scope::All => "all roles".into(),
            Scope::Delivery => "provider and LERO roles (commissioning teams apart)".into(),
            Scope::Group(g) => format!("the {} role group", g.label().to_lowercase()),
        }
    }
}

/// A figure of `local_authorities.csv`, summed over an area's LAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaInput {
    Population18Plus,
    AdultsInTreatment,
    YoungPeopleInTreatment,
}

impl AreaInput {
    pub fn column(self) -> &'static str {
        match self {
            AreaInput::Population18Plus => "population_18plus",
            AreaInput::AdultsInTreatment => "adults_in_treatment",
            AreaInput::YoungPeopleInTreatment => "young_people_in_treatment",
        }
    }
}

/// One term of a sum or of a ratio's numerator or denominator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    /// A quantity of `workforce.csv`, summed over the unit's rows (an LA's apportioned by
    /// each organisation's share of service).
    Sum(Field, Scope),
    /// Volunteers' headcount from `organisations.csv` (an LA's apportioned).
    Volunteers,
    /// Provider and LERO WTE of an area (commissioning teams apart).
    AttributedWte,
    /// Commissioning teams' WTE of an area.
    CommissioningWte,
    /// A figure of `local_authorities.csv`.
    Area(AreaInput),
    /// A quantity of `workforce.csv` summed like [`Term::Sum`] and subtracted (starters
    /// less leavers).
    Less(Field, Scope),
}

impl Term {
    pub fn value(self, unit: &Unit) -> Option<f64> {
        match self {
            Term::Sum(field, scope) => Some(field.of(&scope.totals(unit))),
            Term::Less(field, scope) => Some(-field.of(&scope.totals(unit))),
            Term::Volunteers => Some(unit.volunteers),
            Term::AttributedWte => unit.area.as_ref().map(|a| a.attributed_wte),
            Term::CommissioningWte => unit.area.as_ref().map(|a| a.commissioning_wte),
            Term::Area(input) => unit.area.as_ref().map(|a| match input {
                AreaInput::Population18Plus => a.population_18plus,
                AreaInput::AdultsInTreatment => a.adults_in_treatment,
                AreaInput::YoungPeopleInTreatment => a.young_people_in_treatment,
            }),
        }
    }

    /// The term in words; a subtracted term is worded as what is subtracted (see
    /// [`words_of`] for how terms are joined).
    pub fn words(self) -> String {
        match self {
            Term::Sum(field, Scope::All) | Term::Less(field, Scope::All) => {
                field.words().to_string()
            }
            Term::Sum(field, scope) | Term::Less(field, scope) => {
                format!("{} in {}", field.words(), scope.words())
            }
            Term::Volunteers => "volunteers".into(),
            Term::AttributedWte => "provider and LERO WTE".into(),
            Term::CommissioningWte => "commissioning team WTE".into(),
            Term::Area(AreaInput::Population18Plus) => "adults aged 18 and over".into(),
            Term::Area(AreaInput::AdultsInTreatment) => "adults in treatment".into(),
            Term::Area(AreaInput::YoungPeopleInTreatment) => {
                "children and young people in treatment".into()
            }
        }
    }
}

/// Terms in words, joined by their signs: "starters in the last 12 months − leavers in the
/// last 12 months", in brackets when there is more than one.
pub fn words_of(terms: &[Term]) -> String {
    let mut text = String::new();
    for (i, term) in terms.iter().enumerate() {
        match (i, term) {
            (0, Term::Less(..)) => text.push_str("− "),
            (0, _) => {}
            (_, Term::Less(..)) => text.push_str(" − "),
            _ => text.push_str(" + "),
        }
        text.push_str(&term.words());
    }
    if terms.len() > 1 {
        format!("({text})")
    } else {
        text
    }
}

/// How a measure is computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// One term, as it stands.
    Term(Term),
    /// The sum of the terms (a subtracted term counting negative).
    Sum(&'static [Term]),
    /// The sum of the numerator's terms (times `scale`) over the sum of the denominator's.
    Ratio {
        numerator: &'static [Term],
        denominator: &'static [Term],
        scale: f64,
    },
    /// How many of the seven MDT disciplines have any WTE in post.
    MdtDisciplines,
    /// One category's share of the people whose answer is known (`demographics.csv`), under
    /// disclosure control.
    KnownShare {
        dimension: Dimension,
        category: &'static str,
    },
}

impl Method {
    /// The arithmetic in one line, e.g. `vacant WTE ÷ (WTE in post + vacant WTE)`.
    pub fn words(&self) -> String {
        match *self {
            Method::Term(term) => term.words(),
            Method::Sum(terms) => words_of(terms),
            Method::Ratio {
                numerator,
                denominator,
                scale,
            } => {
                let scaled = if scale == 1.0 {
                    String::new()
                } else {
                    format!(" × {}", format::fmt_count(scale))
                };
                format!(
                    "{}{scaled} ÷ {}",
                    words_of(numerator),
                    words_of(denominator)
                )
            }
            Method::MdtDisciplines => "disciplines with any WTE in post, of the seven".into(),
            Method::KnownShare {
                dimension,
                category,
            } => format!(
                "people answering '{category}' ÷ people whose {} is known",
                dimension.label().to_lowercase()
            ),
        }
    }

    /// A term, or a ratio of sums of terms, from each term's value; None for the methods
    /// that are not made of terms, or when a term or the denominator has no value.
    fn evaluate(&self, value: impl Fn(&Term) -> Option<f64>) -> Option<f64> {
        let sum = |terms: &[Term]| -> Option<f64> {
            let mut values = terms.iter().map(&value);
            let first = values.next()??;
            values.try_fold(first, |acc, v| Some(acc + v?))
        };
        match *self {
            Method::Term(term) => value(&term),
            Method::Sum(terms) => sum(terms),
            Method::Ratio {
                numerator,
                denominator,
                scale,
            } => {
                let (n, d) = (sum(numerator)?, sum(denominator)?);
                // Scaled only where a scale is declared, so sums stay bit-for-bit the same.
                if scale == 1.0 {
                    ratio(n, d)
                } else {
                    ratio(n * scale, d)
                }
            }
            Method::MdtDisciplines | Method::KnownShare { .. } => None,
        }
    }
}

/// Who a measure is published for.
pub const EVERY_UNIT: &[EntityKind] = &[
    EntityKind::Provider,
    EntityKind::Lero,
    EntityKind::Commissioner,
    EntityKind::La,
    EntityKind::Icb,
    EntityKind::Region,
    EntityKind::England,
];
pub const AREAS: &[EntityKind] = &[
    EntityKind::La,
    EntityKind::Icb,
    EntityKind::Region,
    EntityKind::England,
];
pub const REGIONS_AND_ENGLAND: &[EntityKind] = &[EntityKind::Region, EntityKind::England];

/// A measure's name in code. Adding one means adding its declaration to [`MEASURES`]; the
/// catalogue's test checks every id has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum MeasureId {
    Headcount,
    Wte,
    WteVacant,
    WteAgency,
    Leavers,
    Starters,
    VacancyRate,
    AgencyShare,
    LeaverRate,
    StarterRate,
    NetStaffChange,
    NetStaffChangeRate,
    RegulatedShare,
    CaseloadPerWte,
    Volunteers,
    MdtCoverage,
    Population18Plus,
    AdultsInTreatment,
    YoungPeopleInTreatment,
    AttributedWte,
    CommissioningWte,
    WtePer100kAdults,
    InTreatmentPerDawWte,
    DeliveryVacancyRate,
    CommissioningVacancyRate,
    DeliveryLeaverRate,
    DeliveryStarterRate,
    VolunteerShare,
    PermanentShare,
    FullTimeShare,
    Under1YearShare,
}

/// One measure, declared once.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Measure {
    #[serde(skip)]
    pub id: MeasureId,
    /// The name in the metrics export, the template data and on the command line.
    pub key: &'static str,
    pub label: &'static str,
    /// For narrow columns and chart axes.
    pub short: &'static str,
    pub quantity: Quantity,
    /// What the figure is, in a sentence a reader of the reports understands.
    pub definition: &'static str,
    pub applies_to: &'static [EntityKind],
    /// Whether the measure gets peer distributions, ranks and quartiles (for the kinds it
    /// applies to that have peers: providers, LEROs, commissioners and LAs).
    pub peers: bool,
    /// A count of people over a count of people (leavers over headcount, a category of a
    /// profile dimension over the people whose answer is known): it gets Wilson score
    /// intervals at 95% and 99.8%, and comparisons that respect them (SPEC §15). A rate over
    /// WTE gets none: WTE is not a count of people or events.
    pub interval: bool,
    /// Where the measure's row stands among a unit's rows in the metrics export.
    pub export: ExportPlace,
    pub method: Method,
}

/// Where a measure's row stands among a unit's rows in the metrics export, so that the
/// export (and every table read from it) keeps its order when a measure is added: a new
/// measure says where it belongs, and is exported from its declaration alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportPlace {
    /// With the unit's workforce sums, before its WTE by role and role group.
    Workforce,
    /// After the WTE by role group: the team and the area's own inputs.
    Profile,
    /// An area's ratios, after its WTE by sector.
    AreaRatios,
    /// A region's or England's, after its breakdown by setting, role group and caseload.
    Breakdown,
}

use Field as F;
use MeasureId as M;
use Quantity as Q;
use Scope as S;
use Term as T;

/// Every measure, in the metrics export's order.
pub const MEASURES: &[Measure] = &[
    Measure {
        id: M::Headcount,
        key: "headcount",
        label: "Headcount",
        short: "Headcount",
        quantity: Q::Count,
        definition: "People in post on the census snapshot date, counting each person once per role; for a local authority, apportioned by each organisation's share of service.",
        applies_to: EVERY_UNIT,
        peers: true,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Term(T::Sum(F::Headcount, S::All)),
    },
    Measure {
        id: M::Wte,
        key: "wte",
        label: "WTE in post",
        short: "WTE",
        quantity: Q::Wte,
        definition: "Whole-time equivalent in post: 1.0 is one full-time post. For a local authority, the providers' and LEROs' WTE attributed to it; for a region or England, everyone including commissioning teams.",
        applies_to: EVERY_UNIT,
        peers: true,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Term(T::Sum(F::Wte, S::All)),
    },
    Measure {
        id: M::WteVacant,
        key: "wte_vacant",
        label: "Vacant WTE",
        short: "Vacant WTE",
        quantity: Q::Wte,
        definition: "Whole-time equivalent of posts vacant on the snapshot date.",
        applies_to: EVERY_UNIT,
        peers: false,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Term(T::Sum(F::WteVacant, S::All)),
    },
    Measure {
        id: M::WteAgency,
        key: "wte_agency",
        label: "Agency WTE",
        short: "Agency WTE",
        quantity: Q::Wte,
        definition: "Whole-time equivalent in post filled by agency staff.",
        applies_to: EVERY_UNIT,
        peers: false,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Term(T::Sum(F::WteAgency, S::All)),
    },
    Measure {
        id: M::Leavers,
        key: "leavers_12m",
        label: "Leavers in 12 months",
        short: "Leavers",
        quantity: Q::Count,
        definition: "People who left in the 12 months before the snapshot date.",
        applies_to: EVERY_UNIT,
        peers: false,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Term(T::Sum(F::Leavers, S::All)),
    },
    Measure {
        id: M::Starters,
        key: "starters_12m",
        label: "Starters in 12 months",
        short: "Starters",
        quantity: Q::Count,
        definition: "People who started in the 12 months before the snapshot date.",
        applies_to: EVERY_UNIT,
        peers: false,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Term(T::Sum(F::Starters, S::All)),
    },
    Measure {
        id: M::VacancyRate,
        key: "vacancy_rate",
        label: "Vacancy rate",
        short: "Vacancy rate",
        quantity: Q::Share,
        definition: "Vacant WTE divided by in-post plus vacant WTE. It carries no confidence interval: WTE is not a count of people.",
        applies_to: EVERY_UNIT,
        peers: true,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Ratio {
            numerator: &[T::Sum(F::WteVacant, S::All)],
            denominator: &[T::Sum(F::Wte, S::All), T::Sum(F::WteVacant, S::All)],
            scale: 1.0,
        },
    },
    Measure {
        id: M::AgencyShare,
        key: "agency_share",
        label: "Agency share of WTE",
        short: "Agency share",
        quantity: Q::Share,
        definition: "Agency WTE divided by in-post WTE. It carries no confidence interval: WTE is not a count of people.",
        applies_to: EVERY_UNIT,
        peers: true,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Ratio {
            numerator: &[T::Sum(F::WteAgency, S::All)],
            denominator: &[T::Sum(F::Wte, S::All)],
            scale: 1.0,
        },
    },
    Measure {
        id: M::LeaverRate,
        key: "leaver_rate",
        label: "Leaver rate (12 months)",
        short: "Leaver rate",
        quantity: Q::Share,
        definition: "People who left in the 12 months before the snapshot, divided by headcount. A count of people, so it carries a 95% interval (Wilson score): it is called higher or lower than its benchmark only when the benchmark lies outside it.",
        applies_to: EVERY_UNIT,
        peers: true,
        interval: true,
        export: ExportPlace::Workforce,
        method: Method::Ratio {
            numerator: &[T::Sum(F::Leavers, S::All)],
            denominator: &[T::Sum(F::Headcount, S::All)],
            scale: 1.0,
        },
    },
    Measure {
        id: M::StarterRate,
        key: "starter_rate",
        label: "Starter rate (12 months)",
        short: "Starter rate",
        quantity: Q::Share,
        definition: "People who started in the 12 months before the snapshot, divided by headcount. A count of people, so it carries a 95% interval (Wilson score): it is called higher or lower than its benchmark only when the benchmark lies outside it.",
        applies_to: EVERY_UNIT,
        peers: true,
        interval: true,
        export: ExportPlace::Workforce,
        method: Method::Ratio {
            numerator: &[T::Sum(F::Starters, S::All)],
            denominator: &[T::Sum(F::Headcount, S::All)],
            scale: 1.0,
        },
    },
    Measure {
        id: M::NetStaffChange,
        key: "net_staff_change",
        label: "Net change in staff (12 months)",
        short: "Net change in staff",
        quantity: Q::Count,
        definition: "People who started in the 12 months before the snapshot less the people who left; for a local authority, apportioned by each organisation's share of service.",
        applies_to: EVERY_UNIT,
        peers: false,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Sum(&[T::Sum(F::Starters, S::All), T::Less(F::Leavers, S::All)]),
    },
    Measure {
        id: M::NetStaffChangeRate,
        key: "net_staff_change_rate",
        label: "Net change in staff as a share of headcount",
        short: "Net change rate",
        quantity: Q::Share,
        definition: "Starters less leavers in the 12 months before the snapshot, divided by headcount.",
        applies_to: EVERY_UNIT,
        peers: false,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Ratio {
            numerator: &[T::Sum(F::Starters, S::All), T::Less(F::Leavers, S::All)],
            denominator: &[T::Sum(F::Headcount, S::All)],
            scale: 1.0,
        },
    },
    Measure {
        id: M::RegulatedShare,
        key: "regulated_share",
        label: "Regulated professions' share of WTE",
        short: "Regulated share",
        quantity: Q::Share,
        definition: "WTE in regulated professions (nurses, doctors, psychologists, social workers, pharmacists) divided by all WTE in post. It carries no confidence interval: WTE is not a count of people.",
        applies_to: EVERY_UNIT,
        peers: true,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Ratio {
            numerator: &[T::Sum(F::RegulatedWte, S::All)],
            denominator: &[T::Sum(F::Wte, S::All)],
            scale: 1.0,
        },
    },
    Measure {
        id: M::CaseloadPerWte,
        key: "caseload_per_wte",
        label: "Open cases per caseload-holding WTE",
        short: "Cases per WTE",
        quantity: Q::Ratio,
        definition: "Open cases held divided by the WTE of the roles that hold cases.",
        applies_to: EVERY_UNIT,
        peers: true,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Ratio {
            numerator: &[T::Sum(F::Cases, S::All)],
            denominator: &[T::Sum(F::CaseloadWte, S::All)],
            scale: 1.0,
        },
    },
    Measure {
        id: M::Volunteers,
        key: "volunteers",
        label: "Volunteers",
        short: "Volunteers",
        quantity: Q::Count,
        definition: "Volunteers (headcount) working with the organisations; for a local authority, apportioned by each organisation's share of service.",
        applies_to: EVERY_UNIT,
        peers: false,
        interval: false,
        export: ExportPlace::Workforce,
        method: Method::Term(T::Volunteers),
    },
    Measure {
        id: M::MdtCoverage,
        key: "mdt_coverage",
        label: "MDT disciplines present",
        short: "MDT disciplines",
        quantity: Q::Count,
        definition: "How many of the seven disciplines of a multidisciplinary team have any WTE in post.",
        applies_to: EVERY_UNIT,
        peers: false,
        interval: false,
        export: ExportPlace::Profile,
        method: Method::MdtDisciplines,
    },
    Measure {
        id: M::Population18Plus,
        key: "population_18plus",
        label: "Population aged 18 and over",
        short: "Adults (18+)",
        quantity: Q::Count,
        definition: "Resident population aged 18 and over (mid-year estimate supplied with the census).",
        applies_to: AREAS,
        peers: false,
        interval: false,
        export: ExportPlace::Profile,
        method: Method::Term(T::Area(AreaInput::Population18Plus)),
    },
    Measure {
        id: M::AdultsInTreatment,
        key: "adults_in_treatment",
        label: "Adults in treatment",
        short: "Adults in treatment",
        quantity: Q::Count,
        definition: "Adults in drug and alcohol treatment in the year (NDTMS).",
        applies_to: AREAS,
        peers: false,
        interval: false,
        export: ExportPlace::Profile,
        method: Method::Term(T::Area(AreaInput::AdultsInTreatment)),
    },
    Measure {
        id: M::YoungPeopleInTreatment,
        key: "young_people_in_treatment",
        label: "Children and young people in treatment",
        short: "Young people in treatment",
        quantity: Q::Count,
        definition: "Children and young people in drug and alcohol treatment in the year (NDTMS).",
        applies_to: AREAS,
        peers: false,
        interval: false,
        export: ExportPlace::Profile,
        method: Method::Term(T::Area(AreaInput::YoungPeopleInTreatment)),
    },
    Measure {
        id: M::AttributedWte,
        key: "attributed_wte",
        label: "Provider and LERO WTE",
        short: "Provider and LERO WTE",
        quantity: Q::Wte,
        definition: "For a local authority: each provider's and LERO's WTE multiplied by the share of its workforce it reports serving that authority. For a region or England: the sum over its authorities (commissioning teams apart).",
        applies_to: AREAS,
        peers: false,
        interval: false,
        export: ExportPlace::Profile,
        method: Method::Term(T::AttributedWte),
    },
    Measure {
        id: M::CommissioningWte,
        key: "commissioning_wte",
        label: "Commissioning team WTE",
        short: "Commissioning WTE",
        quantity: Q::Wte,
        definition: "WTE in post in the local authorities' commissioning teams.",
        applies_to: AREAS,
        peers: false,
        interval: false,
        export: ExportPlace::Profile,
        method: Method::Term(T::CommissioningWte),
    },
    Measure {
        id: M::WtePer100kAdults,
        key: "wte_per_100k_adults",
        label: "Provider and LERO WTE per 100,000 adults",
        short: "WTE per 100,000 adults",
        quantity: Q::Ratio,
        definition: "Provider and LERO WTE attributed to the area, per 100,000 residents aged 18 and over.",
        applies_to: AREAS,
        peers: true,
        interval: false,
        export: ExportPlace::AreaRatios,
        method: Method::Ratio {
            numerator: &[T::AttributedWte],
            denominator: &[T::Area(AreaInput::Population18Plus)],
            scale: 100_000.0,
        },
    },
    Measure {
        id: M::InTreatmentPerDawWte,
        key: "in_treatment_per_daw_wte",
        label: "Adults in treatment per drug and alcohol worker WTE",
        short: "Adults in treatment per D&A worker WTE",
        quantity: Q::Ratio,
        definition: "Adults in treatment divided by the WTE in post of drug and alcohol workers.",
        applies_to: AREAS,
        peers: true,
        interval: false,
        export: ExportPlace::AreaRatios,
        method: Method::Ratio {
            numerator: &[T::Area(AreaInput::AdultsInTreatment)],
            denominator: &[T::Sum(F::Wte, S::Group(RoleGroup::DrugAlcoholWorkers))],
            scale: 1.0,
        },
    },
    Measure {
        id: M::DeliveryVacancyRate,
        key: "delivery_vacancy_rate",
        label: "Vacancy rate in providers and LEROs",
        short: "Vacancy rate (providers and LEROs)",
        quantity: Q::Share,
        definition: "Providers' and LEROs' vacant WTE divided by their in-post plus vacant WTE.",
        applies_to: REGIONS_AND_ENGLAND,
        peers: false,
        interval: false,
        export: ExportPlace::Breakdown,
        method: Method::Ratio {
            numerator: &[T::Sum(F::WteVacant, S::Delivery)],
            denominator: &[T::Sum(F::Wte, S::Delivery), T::Sum(F::WteVacant, S::Delivery)],
            scale: 1.0,
        },
    },
    Measure {
        id: M::CommissioningVacancyRate,
        key: "commissioning_vacancy_rate",
        label: "Vacancy rate in commissioning teams",
        short: "Commissioning vacancy rate",
        quantity: Q::Share,
        definition: "Commissioning teams' vacant WTE divided by their in-post plus vacant WTE.",
        applies_to: REGIONS_AND_ENGLAND,
        peers: false,
        interval: false,
        export: ExportPlace::Breakdown,
        method: Method::Ratio {
            numerator: &[T::Sum(F::WteVacant, S::Group(RoleGroup::Commissioning))],
            denominator: &[
                T::Sum(F::Wte, S::Group(RoleGroup::Commissioning)),
                T::Sum(F::WteVacant, S::Group(RoleGroup::Commissioning)),
            ],
            scale: 1.0,
        },
    },
    Measure {
        id: M::DeliveryLeaverRate,
        key: "delivery_leaver_rate",
        label: "Leaver rate (turnover) in providers and LEROs",
        short: "Leaver rate (providers and LEROs)",
        quantity: Q::Share,
        definition: "Providers' and LEROs' leavers in the 12 months before the snapshot, divided by their headcount.",
        applies_to: REGIONS_AND_ENGLAND,
        peers: false,
        interval: true,
        export: ExportPlace::Breakdown,
        method: Method::Ratio {
            numerator: &[T::Sum(F::Leavers, S::Delivery)],
            denominator: &[T::Sum(F::Headcount, S::Delivery)],
            scale: 1.0,
        },
    },
    Measure {
        id: M::DeliveryStarterRate,
        key: "delivery_starter_rate",
        label: "Starter rate in providers and LEROs",
        short: "Starter rate (providers and LEROs)",
        quantity: Q::Share,
        definition: "Providers' and LEROs' starters in the 12 months before the snapshot, divided by their headcount.",
        applies_to: REGIONS_AND_ENGLAND,
        peers: false,
        interval: true,
        export: ExportPlace::Breakdown,
        method: Method::Ratio {
            numerator: &[T::Sum(F::Starters, S::Delivery)],
            denominator: &[T::Sum(F::Headcount, S::Delivery)],
            scale: 1.0,
        },
    },
    Measure {
        id: M::VolunteerShare,
        key: "volunteer_share",
        label: "Volunteers' share of everyone working",
        short: "Volunteers' share",
        quantity: Q::Share,
        definition: "Volunteers divided by volunteers plus staff in post (headcount).",
        applies_to: REGIONS_AND_ENGLAND,
        peers: false,
        interval: true,
        export: ExportPlace::Breakdown,
        method: Method::Ratio {
            numerator: &[T::Volunteers],
            denominator: &[T::Sum(F::Headcount, S::All), T::Volunteers],
            scale: 1.0,
        },
    },
    Measure {
        id: M::PermanentShare,
        key: "permanent_share",
        label: "Staff on permanent contracts",
        short: "Permanent",
        quantity: Q::Share,
        definition: "People on permanent contracts as a share of the people whose contract type is known.",
        applies_to: REGIONS_AND_ENGLAND,
        peers: false,
        interval: true,
        export: ExportPlace::Breakdown,
        method: Method::KnownShare {
            dimension: Dimension::Contract,
            category: "permanent",
        },
    },
    Measure {
        id: M::FullTimeShare,
        key: "full_time_share",
        label: "Staff working full time",
        short: "Full time",
        quantity: Q::Share,
        definition: "People working full time as a share of the people whose working pattern is known.",
        applies_to: REGIONS_AND_ENGLAND,
        peers: false,
        interval: true,
        export: ExportPlace::Breakdown,
        method: Method::KnownShare {
            dimension: Dimension::WorkingPattern,
            category: "full_time",
        },
    },
    Measure {
        id: M::Under1YearShare,
        key: "under_1_year_share",
        label: "Staff in post under a year",
        short: "Under a year in post",
        quantity: Q::Share,
        definition: "People in post with their employer for under a year as a share of the people whose length of service is known.",
        applies_to: REGIONS_AND_ENGLAND,
        peers: false,
        interval: true,
        export: ExportPlace::Breakdown,
        method: Method::KnownShare {
            dimension: Dimension::LengthOfService,
            category: "under_1_year",
        },
    },
];

impl MeasureId {
    /// The measure's declaration.
    pub fn measure(self) -> &'static Measure {
        // The catalogue lists the ids in declaration order; the test below keeps it so.
        &MEASURES[self as usize]
    }

    /// The measure's key (`vacancy_rate`).
    pub fn key(self) -> &'static str {
        self.measure().key
    }

    /// The measure's value for a unit (see [`Measure::value`]).
    pub fn value(self, unit: &Unit) -> Option<f64> {
        self.measure().value(unit)
    }

    /// The measure, where it has peer distributions.
    pub fn with_peers(self) -> Option<MeasureId> {
        self.measure().peers.then_some(self)
    }
}

/// The measures that get peer distributions, ranks and quartiles, in catalogue order.
pub fn peer_measures() -> impl Iterator<Item = &'static Measure> {
    MEASURES.iter().filter(|m| m.peers)
}

/// The measure a key names, if any (for the command line and the template data).
pub fn find(key: &str) -> Option<&'static Measure> {
    MEASURES.iter().find(|m| m.key == key)
}

impl Measure {
    pub fn applies(&self, kind: EntityKind) -> bool {
        self.applies_to.contains(&kind)
    }

    /// The measure's value for a unit; None where it does not apply, has no denominator or
    /// is withheld by disclosure control.
    pub fn value(&self, unit: &Unit) -> Option<f64> {
        if !self.applies(unit.kind) {
            return None;
        }
        match self.method {
            Method::MdtDisciplines => Some(unit.mdt_coverage() as f64),
            Method::KnownShare {
                dimension,
                category,
            } => unit.known_share(dimension, category),
            _ => self.method.evaluate(|term| term.value(unit)),
        }
    }

    /// The measure applied to a set of totals (an organisation's rows, a role group's);
    /// None for a measure that is not made of workforce sums over all roles.
    pub fn of_totals(&self, t: &Totals) -> Option<f64> {
        self.of_part(t, None)
    }

    /// The measure on part of a workforce (see `parts.rs`): its sums, and its volunteers
    /// where the part has them; None for a measure that is not made of these.
    pub fn of_part(&self, t: &Totals, volunteers: Option<f64>) -> Option<f64> {
        self.method.evaluate(|term| match term {
            Term::Sum(field, Scope::All) => Some(field.of(t)),
            Term::Less(field, Scope::All) => Some(-field.of(t)),
            Term::Volunteers => volunteers,
            _ => None,
        })
    }

    /// The numerator and denominator a proportion of people is made of, for a measure with
    /// intervals: (people counted, people in the denominator); None where the figure is
    /// withheld or has no denominator.
    pub fn counts(&self, unit: &Unit) -> Option<(f64, f64)> {
        if !self.interval || !self.applies(unit.kind) {
            return None;
        }
        match self.method {
            Method::Ratio {
                numerator,
                denominator,
                ..
            } => {
                let sum = |terms: &[Term]| -> Option<f64> {
                    terms.iter().map(|t| t.value(unit)).sum::<Option<f64>>()
                };
                let (o, n) = (sum(numerator)?, sum(denominator)?);
                (n > 0.0).then_some((o, n))
            }
            Method::KnownShare {
                dimension,
                category,
            } => unit.known_counts(dimension, category),
            _ => None,
        }
    }

    /// The Wilson score interval of a measure with intervals, at `level`.
    pub fn interval(&self, unit: &Unit, level: Level) -> Option<Interval> {
        let (o, n) = self.counts(unit)?;
        wilson(o, n, level)
    }

    /// The change of a unit's figure since an earlier census year, in words ("down 0.8
    /// percentage points from 7.3% in 2023"); for a proportion of people whose change
    /// Newcombe's 95% interval does not tell apart from chance, followed by "; this could be
    /// chance" (SPEC §15).
    pub fn change_since(&self, year: u16, before: &Unit, now: &Unit) -> Option<String> {
        let (then, value) = (self.value(before)?, self.value(now)?);
        let words = self.quantity.change_words(year, then, value);
        let chance = match (self.counts(now), self.counts(before)) {
            (Some(a), Some(b)) => {
                super::comparison::Change::between(a, b).is_some_and(|c| c.is_chance())
            }
            _ => false,
        };
        Some(if chance && !words.starts_with("unchanged") {
            format!("{words}; this could be chance")
        } else {
            words
        })
    }

    /// The label inside a sentence: its first letter lower case unless the first word is an
    /// abbreviation ("vacancy rate", "provider and LERO WTE", "WTE in post").
    pub fn in_sentence(&self) -> String {
        let mut chars = self.label.chars();
        match (chars.next(), chars.next()) {
            (Some(first), Some(second)) if !second.is_uppercase() => first
                .to_lowercase()
                .chain(self.label[first.len_utf8()..].chars())
                .collect(),
            _ => self.label.to_string(),
        }
    }

    /// The value as the reports print it ("–" where there is none).
    pub fn display(&self, value: Option<f64>) -> String {
        value.map_or_else(|| format::MISSING.to_string(), |v| self.quantity.display(v))
    }

    /// True when a missing value means the figure was withheld by disclosure control.
    pub fn can_be_withheld(&self) -> bool {
        matches!(self.method, Method::KnownShare { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_finds_its_own_declaration() {
        for (i, m) in MEASURES.iter().enumerate() {
            assert_eq!(m.id as usize, i, "{} is out of order", m.key);
            assert_eq!(m.id.measure().key, m.key);
            assert_eq!(find(m.key).map(|f| f.id), Some(m.id));
        }
        let keys: std::collections::BTreeSet<_> = MEASURES.iter().map(|m| m.key).collect();
        assert_eq!(keys.len(), MEASURES.len(), "keys are unique");
        assert!(find("vacancy_rte").is_none());
        assert_eq!(
            MeasureId::WtePer100kAdults.measure().in_sentence(),
            "provider and LERO WTE per 100,000 adults"
        );
        assert_eq!(MeasureId::Wte.measure().in_sentence(), "WTE in post");
        assert_eq!(
            MeasureId::VacancyRate.measure().in_sentence(),
            "vacancy rate"
        );
    }

    #[test]
    fn rates_of_totals_by_hand() {
        let t = Totals {
            headcount: 20.0,
            wte: 16.0,
            wte_vacant: 4.0,
            wte_agency: 2.0,
            leavers: 5.0,
            starters: 6.0,
            cases: 400.0,
            caseload_wte: 10.0,
            regulated_wte: 4.0,
        };
        let of = |id: MeasureId, t: &Totals| id.measure().of_totals(t);
        assert_eq!(of(MeasureId::VacancyRate, &t), Some(0.2));
        assert_eq!(of(MeasureId::AgencyShare, &t), Some(0.125));
        assert_eq!(of(MeasureId::LeaverRate, &t), Some(0.25));
        assert_eq!(of(MeasureId::StarterRate, &t), Some(0.3));
        assert_eq!(of(MeasureId::RegulatedShare, &t), Some(0.25));
        assert_eq!(of(MeasureId::CaseloadPerWte, &t), Some(40.0));
        assert_eq!(of(MeasureId::Headcount, &t), Some(20.0));
        let empty = Totals::default();
        assert_eq!(of(MeasureId::VacancyRate, &empty), None);
        assert_eq!(of(MeasureId::CaseloadPerWte, &empty), None);
        // Starters less leavers: 6 − 5 = 1, over 20 people.
        assert_eq!(of(MeasureId::NetStaffChange, &t), Some(1.0));
        assert_eq!(of(MeasureId::NetStaffChangeRate, &t), Some(0.05));
        assert_eq!(
            MeasureId::NetStaffChangeRate.measure().method.words(),
            "(starters in the last 12 months − leavers in the last 12 months) ÷ people in post"
        );
        // Not a sum over the given rows: no value from totals alone.
        assert_eq!(of(MeasureId::WtePer100kAdults, &t), None);
    }

    #[test]
    fn published_values_hold_the_printed_digits() {
        assert_eq!(Quantity::Share.published(0.0828122162), 0.083);
        assert_eq!(Quantity::Share.display(0.083), "8.3%");
        assert_eq!(Quantity::Ratio.published(30.1512628023), 30.2);
        assert_eq!(Quantity::Count.published(11850.6), 11851.0);
        assert_eq!(Quantity::Wte.published(-0.04), 0.0);
        assert_eq!(Quantity::Wte.published(96.849), 96.8);
    }
}
