//! `template-data`: one report's template data, charts, template set and fonts written to a
//! folder, so that the typst CLI renders the same report while a template author edits
//! (`typst watch`).

use super::RunError;
use crate::batch;
use crate::export::write_atomic;
use crate::input::pipeline;
use crate::render::typeset::FONTS;
use crate::render::{self, model::ReportContext, Issue, ReportKind, Templates};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct PreviewRequest {
    pub data: PathBuf,
    /// The report's id.
    pub id: String,
    pub out: PathBuf,
    pub assumptions: Option<PathBuf>,
    pub templates: Option<PathBuf>,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Preview {
    pub id: String,
    pub kind: ReportKind,
    pub out: PathBuf,
}

impl Preview {
    /// The typst CLI command that renders the report from the folder.
    pub fn command(&self) -> String {
        let out = self.out.display();
        format!(
            "typst compile --root {out} --font-path {out}/fonts --ignore-system-fonts {out}/{}.typ {out}/{}.pdf",
            self.kind.code(),
            self.kind.code()
        )
    }

    /// The typst command line that makes the same report's HTML edition there (its charts
    /// stay beside it as `charts/<id>.svg` rather than inside it).
    pub fn html_command(&self) -> String {
        let out = self.out.display();
        format!(
            "typst compile --features html --format html --root {out} --font-path {out}/fonts --ignore-system-fonts {out}/{}.typ {out}/{}.html",
            self.kind.code(),
            self.kind.code()
        )
    }
}

/// Writes `data.json`, `charts/<id>.svg`, every template file and the fonts to
/// `request.out`. The report is shown as version 1, issued on the census published date.
pub fn write(request: &PreviewRequest) -> Result<Preview, RunError> {
    let assumptions = super::assumptions(request.assumptions.as_deref())?;
    let templates = Templates::load(request.templates.as_deref())?;
    let run = pipeline::open(&request.data).map_err(RunError::Unreadable)?;
    let metrics = run.metrics(&assumptions)?;
    let plan = batch::plan::one(&metrics, run.census(), &run.validation.blocked, &request.id)
        .ok_or_else(|| RunError::NoReport(request.id.clone()))?;
    let ctx = ReportContext {
        metrics: &metrics,
        meta: &run.census().meta,
        findings: &run.validation.findings,
        messages: &templates.messages,
        logo: templates.set.logo().map(str::to_string),
    };
    let mut rendered = render::model::build(&ctx, &plan).map_err(RunError::Render)?;
    let issue = Issue {
        version: 1,
        date: run.census().meta.published,
        changes: Vec::new(),
        wording_only: false,
        reason: None,
    };
    issue.apply(&mut rendered.model);
    let json = serde_json::to_vec_pretty(&rendered.model)
        .map_err(|e| RunError::Batch(batch::BatchError::Json(e)))?;
    let out = &request.out;
    let write = |path: PathBuf, bytes: &[u8]| {
        write_atomic(&path, bytes).map_err(|e| RunError::Batch(e.into()))
    };
    write(
        out.join("data.json"),
        &templates.typesetter.displayable(json),
    )?;
    for (id, svg) in &rendered.svgs {
        write(
            out.join("charts")
                .join(format!("{}.svg", crate::export::file_stem(id))),
            svg.as_bytes(),
        )?;
    }
    templates
        .set
        .write_to(out)
        .map_err(|e| RunError::Batch(e.into()))?;
    for (name, bytes) in FONTS {
        write(out.join("fonts").join(name), bytes)?;
    }
    Ok(Preview {
        id: plan.id,
        kind: plan.kind,
        out: out.clone(),
    })
}
