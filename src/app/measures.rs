//! `measures`: the measure catalogue as a Markdown page, so that the documentation of every
//! measure is the catalogue itself (`docs/measures.md` is this command's output, and a test
//! keeps it so).

use crate::metrics::catalogue::{ExportPlace, MEASURES};

/// Every measure of the catalogue, in the metrics export's order, as Markdown.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Measures\n\n\
         Every headline measure, declared once in `src/metrics/catalogue.rs`; this page is the \
         output of `census-reports measures` (a test fails when it is out of date, so run \
         `cargo run --release -- measures > docs/measures.md` after changing the catalogue).\n\n\
         - **Key**: the measure's name in the metrics export, the template data \
         (`data.figures.<key>`) and on the command line (`explain ID KEY`).\n\
         - **Unit**: how it prints (count, WTE to one decimal place, percentage to one decimal \
         place, ratio to one decimal place) and how a publication cell stores it.\n\
         - **Peers**: whether providers, LEROs, commissioners and LAs get its peer \
         distribution, rank and quartile.\n\
         - **Intervals**: a count of people over a count of people, with Wilson score \
         intervals at 95% and 99.8% (`<key>.lower95`, `.upper95`, `.lower998`, `.upper998` in \
         the export) and comparisons that respect them; rates over WTE have none.\n\
         - A measure that is a sum or rate of workforce rows can also be made on part of a \
         unit's workforce, as the tables by role group, role and setting print it: \
         `group.<group>.<key>`, `role.<role>.<key>`, and for regions and England \
         `setting.<setting>.<key>` and `setting.<setting>.role.<role>.<key>` \
         (`explain england group.nursing.vacancy_rate`).\n\n",
    );
    out.push_str(
        "| Key | Label | Unit | For | Peers | Intervals | Definition | How it is made |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for m in MEASURES {
        let units: Vec<&str> = m.applies_to.iter().map(|k| k.code()).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
            m.key,
            m.label,
            m.quantity.words(),
            units.join(", "),
            if m.peers { "yes" } else { "no" },
            if m.interval { "yes" } else { "no" },
            m.definition,
            m.method.words(),
        ));
    }
    out.push_str(
        "\nIn the metrics export a unit's rows run: the workforce measures, WTE by role and role \
         group, the team and area measures, WTE by sector and the area ratios, the plans and \
         the breakdown by setting, then diversity, ranks and quartiles. ",
    );
    let places = [
        (ExportPlace::Workforce, "with the workforce sums"),
        (ExportPlace::Profile, "after the WTE by role group"),
        (ExportPlace::AreaRatios, "after an area's WTE by sector"),
        (
            ExportPlace::Breakdown,
            "after a region's or England's breakdown",
        ),
    ];
    let said: Vec<String> = places
        .iter()
        .map(|(place, words)| {
            let keys: Vec<String> = MEASURES
                .iter()
                .filter(|m| m.export == *place)
                .map(|m| format!("`{}`", m.key))
                .collect();
            format!("{words}: {}", keys.join(", "))
        })
        .collect();
    out.push_str(&format!(
        "Each measure declares its place ({}).\n",
        said.join("; ")
    ));
    out
}
