//! Whose returns a report rests on (SPEC §13): the published participation sentence and
//! response rates for England and the regions, the returns for an LA with a caveat where
//! an invited provider or LERO did not return, and how many returns the peer comparisons of
//! a provider or LERO are drawn from. Non-responders are named only in the reports of the
//! LAs they serve.

use super::*;
use crate::domain::OrgType;
use crate::metrics::participation::{Participation, Response};

const TYPES: [(OrgType, &str); 3] = [
    (OrgType::Provider, "Treatment providers"),
    (OrgType::Lero, "Lived experience recovery organisations"),
    (OrgType::Commissioner, "Commissioning teams"),
];

fn rate(r: &Response) -> String {
    opt(r.rate(), fmt_pct)
}

pub(super) fn participation(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let Some(p) = b.ctx.metrics.participation.as_ref() else {
        let summary = b.message("participation", context! { known => false })?;
        b.model.participation = ParticipationModel {
            known: false,
            summary,
            caveat: None,
        };
        return Ok(());
    };
    match unit.kind {
        EntityKind::England | EntityKind::Region => area(b, p),
        EntityKind::La => local_authority(b, p),
        _ => {
            let org_type = match unit.kind {
                EntityKind::Lero => OrgType::Lero,
                EntityKind::Commissioner => OrgType::Commissioner,
                _ => OrgType::Provider,
            };
            let r = p.england.of(org_type);
            let summary = b.message(
                "participation",
                context! {
                    known => true,
                    scope => "peers",
                    returned => r.returned,
                    invited => r.invited,
                    rate => rate(&r),
                    peers => unit.kind.peers_label(),
                },
            )?;
            b.model.participation = ParticipationModel {
                known: true,
                summary,
                caveat: None,
            };
            Ok(())
        }
    }
}

fn area(b: &mut Builder, p: &Participation) -> Result<(), RenderError> {
    let unit = b.unit;
    let region = if unit.kind == EntityKind::Region {
        unit.region
    } else {
        None
    };
    let submitted = |org_type: OrgType| -> usize {
        b.year()
            .returns
            .iter()
            .filter(|((r, t), _)| *t == org_type && region.is_none_or(|want| *r == want))
            .map(|(_, n)| n)
            .sum()
    };
    let response = p.area(region);
    let (las_complete, las) = p.las_complete(region);
    let counts = TYPES.map(|(t, _)| submitted(t));
    let summary = b.message(
        "participation",
        context! {
            known => true,
            scope => if region.is_some() { "region" } else { "national" },
            area => unit.name.clone(),
            regions => p.regions_submitting,
            submissions => fmt_count(counts.iter().sum::<usize>() as f64),
            providers => counts[0],
            leros => counts[1],
            commissioners => counts[2],
            invited => response.all.invited,
            returned => response.all.returned,
            rate => rate(&response.all),
            provider_rate => rate(&response.of(OrgType::Provider)),
            lero_rate => rate(&response.of(OrgType::Lero)),
            commissioner_rate => rate(&response.of(OrgType::Commissioner)),
            las_complete,
            las,
        },
    )?;
    let mut table = Table::new(
        "participation_by_type",
        "Returns and response rate by type of organisation",
        &[
            ("type", "Type of organisation"),
            ("invited", "Invited"),
            ("returned", "Returned"),
            ("response_rate", "Response rate"),
        ],
    );
    for (org_type, label) in TYPES {
        let r = response.of(org_type);
        table.row(
            org_type.code(),
            vec![
                label.to_string(),
                fmt_count(r.invited as f64),
                fmt_count(r.returned as f64),
                rate(&r),
            ],
        );
    }
    table.row(
        "all",
        vec![
            "All".to_string(),
            fmt_count(response.all.invited as f64),
            fmt_count(response.all.returned as f64),
            rate(&response.all),
        ],
    );
    b.table(table);
    if region.is_none() {
        let mut table = Table::new(
            "participation_by_region",
            "Response rate by region and type of organisation",
            &[
                ("region", "Region"),
                ("provider", "Treatment providers"),
                ("lero", "LEROs"),
                ("commissioner", "Commissioning teams"),
                ("all", "All"),
                ("las_complete", "LAs with every provider and LERO returned"),
            ],
        );
        let mut categories = Vec::new();
        let mut rates: [Vec<Option<f64>>; 3] = Default::default();
        for (region, t) in &p.regions {
            let (complete, of) = p.las_complete(Some(*region));
            table.row(
                region.code(),
                vec![
                    region.label().to_string(),
                    rate(&t.of(OrgType::Provider)),
                    rate(&t.of(OrgType::Lero)),
                    rate(&t.of(OrgType::Commissioner)),
                    rate(&t.all),
                    format!("{complete} of {of}"),
                ],
            );
            categories.push(Category {
                key: region.code().to_string(),
                label: region.label().to_string(),
            });
            for (i, (org_type, _)) in TYPES.iter().enumerate() {
                rates[i].push(t.of(*org_type).rate());
            }
        }
        b.table(table);
        let [providers, leros, commissioners] = rates;
        b.bars_chart(
            "participation_by_region",
            "Response rate by region",
            "Region",
            "Response rate",
            categories,
            vec![
                Series::new("Treatment providers", providers),
                Series::new("LEROs", leros),
                Series::new("Commissioning teams", commissioners),
            ],
            fmt_pct,
        )?;
    }
    b.model.participation = ParticipationModel {
        known: true,
        summary,
        caveat: None,
    };
    Ok(())
}

fn local_authority(b: &mut Builder, p: &Participation) -> Result<(), RenderError> {
    let unit = b.unit;
    let Some(la) = p.las.get(&unit.id) else {
        return Ok(());
    };
    let mut table = Table::new(
        "returns_for_this_area",
        "Returns for this area",
        &[
            ("organisation", "Organisation"),
            ("type", "Type"),
            ("returned", "Returned"),
            ("last_reported", "Last reported WTE (not in any figure)"),
        ],
    )
    .text_columns(&[1, 2, 3]);
    let mut missing = Vec::new();
    for i in la.commissioners.iter().chain(&la.serving) {
        let invitee = &p.invitees[*i];
        let last = invitee
            .last_reported
            .map(|(year, wte)| format!("{} in {year}", fmt_wte(wte)));
        if !invitee.returned && invitee.org_type != OrgType::Commissioner {
            missing.push(match invitee.last_reported {
                Some((year, wte)) => format!(
                    "{} (last reported {} WTE, in {year})",
                    invitee.org_name,
                    fmt_wte(wte)
                ),
                None => format!("{} (no earlier return)", invitee.org_name),
            });
        }
        table.row(
            invitee.org_id.clone(),
            vec![
                invitee.org_name.clone(),
                match invitee.org_type {
                    OrgType::Commissioner => "Commissioning team",
                    OrgType::Lero => "LERO",
                    OrgType::Provider => "Treatment provider",
                }
                .to_string(),
                if invitee.returned { "Yes" } else { "No" }.to_string(),
                last.unwrap_or_else(|| MISSING.to_string()),
            ],
        );
    }
    let r = &la.serving_response;
    let caveat = if missing.is_empty() {
        None
    } else {
        Some(b.message(
            "returns_caveat",
            context! { returned => r.returned, invited => r.invited, missing },
        )?)
    };
    let summary = format!(
        "{} of the {} providers and LEROs invited to serve the area returned{}.",
        r.returned,
        r.invited,
        match la
            .commissioners
            .iter()
            .map(|i| p.invitees[*i].returned)
            .next()
        {
            Some(true) => ", and so did its commissioning team",
            Some(false) => "; its commissioning team did not",
            None => "",
        }
    );
    b.table(table);
    b.model.participation = ParticipationModel {
        known: true,
        summary,
        caveat,
    };
    Ok(())
}
