//! Participation and coverage (SPEC §13): who was invited, who returned, response rates by
//! type, region and LA, and each non-responder's last reported WTE from an earlier census.
//! The last WTE is context only: it is never added into a figure and nothing is imputed.

use super::{EntityKind, YearMetrics};
use crate::domain::{OrgType, Region};
use crate::input::census::{Census, ExpectedParticipant};
use crate::stats::ratio;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Invited and returned organisations of one kind, in one place.
#[derive(Debug, Default, Clone, Copy, PartialEq, Serialize)]
pub struct Response {
    pub invited: usize,
    pub returned: usize,
}

impl Response {
    /// returned ÷ invited; None when nobody was invited.
    pub fn rate(&self) -> Option<f64> {
        ratio(self.returned as f64, self.invited as f64)
    }

    fn add(&mut self, returned: bool) {
        self.invited += 1;
        self.returned += usize::from(returned);
    }
}

/// Response by organisation type, and in all.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct ByType {
    pub by_type: BTreeMap<OrgType, Response>,
    pub all: Response,
}

impl ByType {
    fn add(&mut self, org_type: OrgType, returned: bool) {
        self.by_type.entry(org_type).or_default().add(returned);
        self.all.add(returned);
    }

    pub fn of(&self, org_type: OrgType) -> Response {
        self.by_type.get(&org_type).copied().unwrap_or_default()
    }
}

/// One invited organisation, returned or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invitee {
    pub org_id: String,
    pub org_name: String,
    pub org_type: OrgType,
    pub region: Region,
    pub la_codes: Vec<String>,
    pub contact: String,
    pub returned: bool,
    /// A non-responder's last reported WTE: (census year, WTE in post), when it returned in
    /// an earlier census year found beside this one.
    pub last_reported: Option<(u16, f64)>,
    /// Its line in `expected_participants.csv`.
    pub line: usize,
}

/// An LA's coverage: its commissioning team and the providers and LEROs invited to serve it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaCoverage {
    pub la_code: String,
    pub la_name: String,
    pub region: Region,
    /// Indexes into [`Participation::invitees`].
    pub commissioners: Vec<usize>,
    pub serving: Vec<usize>,
    pub response: Response,
    /// Providers and LEROs only.
    pub serving_response: Response,
}

impl LaCoverage {
    /// True when every invited provider and LERO serving the LA returned.
    pub fn complete(&self) -> bool {
        self.serving_response.returned == self.serving_response.invited
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Participation {
    /// Returns by type: every organisation with rows in the census files, invited or not.
    pub submissions: BTreeMap<OrgType, usize>,
    /// Regions with at least one return.
    pub regions_submitting: usize,
    pub invitees: Vec<Invitee>,
    pub england: ByType,
    pub regions: BTreeMap<Region, ByType>,
    pub las: BTreeMap<String, LaCoverage>,
    /// Returns from organisations not on the list: (org_id, org_name).
    pub not_invited: Vec<(String, String)>,
}

impl Participation {
    /// From the invited list and the returns; `earlier` gives non-responders' last WTE.
    pub fn of(census: &Census, expected: &[ExpectedParticipant], earlier: &[YearMetrics]) -> Self {
        let returned: BTreeSet<&str> = census
            .organisations
            .iter()
            .map(|o| o.org_id.as_str())
            .collect();
        let invited: BTreeSet<&str> = expected.iter().map(|e| e.org_id.as_str()).collect();
        let mut submissions = BTreeMap::new();
        let mut regions_with_returns = BTreeSet::new();
        for org in &census.organisations {
            *submissions.entry(org.org_type).or_insert(0) += 1;
            regions_with_returns.insert(org.region);
        }
        let last_reported = |id: &str, org_type: OrgType| -> Option<(u16, f64)> {
            earlier.iter().rev().find_map(|y| {
                y.unit(EntityKind::of_org(org_type), id)
                    .map(|u| (y.year, u.totals.wte))
            })
        };
        let invitees: Vec<Invitee> = expected
            .iter()
            .map(|e| {
                let did = returned.contains(e.org_id.as_str());
                Invitee {
                    org_id: e.org_id.clone(),
                    org_name: e.org_name.clone(),
                    org_type: e.org_type,
                    region: e.region,
                    la_codes: e.la_codes.clone(),
                    contact: e.contact.clone(),
                    returned: did,
                    last_reported: if did {
                        None
                    } else {
                        last_reported(&e.org_id, e.org_type)
                    },
                    line: e.line,
                }
            })
            .collect();
        let mut england = ByType::default();
        let mut regions: BTreeMap<Region, ByType> = Region::ALL
            .iter()
            .map(|r| (*r, ByType::default()))
            .collect();
        let mut las: BTreeMap<String, LaCoverage> = census
            .local_authorities
            .iter()
            .map(|la| {
                (
                    la.la_code.clone(),
                    LaCoverage {
                        la_code: la.la_code.clone(),
                        la_name: la.la_name.clone(),
                        region: la.region,
                        commissioners: Vec::new(),
                        serving: Vec::new(),
                        response: Response::default(),
                        serving_response: Response::default(),
                    },
                )
            })
            .collect();
        for (i, invitee) in invitees.iter().enumerate() {
            england.add(invitee.org_type, invitee.returned);
            regions
                .entry(invitee.region)
                .or_default()
                .add(invitee.org_type, invitee.returned);
            for code in &invitee.la_codes {
                let Some(la) = las.get_mut(code) else {
                    continue;
                };
                la.response.add(invitee.returned);
                if invitee.org_type == OrgType::Commissioner {
                    la.commissioners.push(i);
                } else {
                    la.serving.push(i);
                    la.serving_response.add(invitee.returned);
                }
            }
        }
        let not_invited = census
            .organisations
            .iter()
            .filter(|o| !invited.contains(o.org_id.as_str()))
            .map(|o| (o.org_id.clone(), o.org_name.clone()))
            .collect();
        Participation {
            submissions,
            regions_submitting: regions_with_returns.len(),
            invitees,
            england,
            regions,
            las,
            not_invited,
        }
    }

    /// The response of England (`region` None) or of one region.
    pub fn area(&self, region: Option<Region>) -> &ByType {
        match region {
            Some(r) => &self.regions[&r],
            None => &self.england,
        }
    }

    /// The invitees that did not return.
    pub fn non_responders(&self) -> impl Iterator<Item = &Invitee> {
        self.invitees.iter().filter(|i| !i.returned)
    }

    /// How many LAs have every invited provider and LERO returned, of the LAs with any
    /// invited (in one region, or all).
    pub fn las_complete(&self, region: Option<Region>) -> (usize, usize) {
        let las: Vec<&LaCoverage> = self
            .las
            .values()
            .filter(|la| region.is_none_or(|r| la.region == r))
            .filter(|la| la.serving_response.invited > 0)
            .collect();
        (las.iter().filter(|la| la.complete()).count(), las.len())
    }
}
