//! The builder every report's content is made with: figures, tables, charts and key
//! messages, and the helpers they share.
use super::*;

/// A series of a bar or line chart: its name and one value per category (None: no value).
pub(super) struct Series {
    pub(super) name: String,
    pub(super) values: Vec<Option<f64>>,
    /// Someone else's values (the region's, England's) drawn for comparison.
    pub(super) comparator: bool,
}

impl Series {
    pub(super) fn new(name: impl Into<String>, values: Vec<Option<f64>>) -> Series {
        Series {
            name: name.into(),
            values,
            comparator: false,
        }
    }

    /// A comparator's series (see [`Column::comparator`]).
    pub(super) fn comparator(name: impl Into<String>, values: Vec<Option<f64>>) -> Series {
        Series {
            comparator: true,
            ..Series::new(name, values)
        }
    }
}

/// A category of a bar chart: its stable key and its label.
pub(super) struct Category {
    pub(super) key: String,
    pub(super) label: String,
}

impl Category {
    pub(super) fn group(group: RoleGroup) -> Category {
        Category {
            key: group.code().into(),
            label: group.label().into(),
        }
    }
}

// ---- the builder -------------------------------------------------------------------------

pub(super) struct Builder<'a> {
    pub(super) ctx: &'a ReportContext<'a>,
    pub(super) unit: &'a Unit,
    pub(super) model: ReportModel,
    pub(super) svgs: Vec<(String, String)>,
}

impl<'a> Builder<'a> {
    pub(super) fn year(&self) -> &'a YearMetrics {
        &self.ctx.metrics.current
    }

    pub(super) fn message(
        &self,
        name: &str,
        context: minijinja::Value,
    ) -> Result<String, RenderError> {
        Ok(self.ctx.messages.render(name, context)?)
    }

    pub(super) fn table(&mut self, table: Table) {
        self.model.tables.insert(table.id.clone(), table);
    }

    pub(super) fn chart(
        &mut self,
        id: &str,
        svg: String,
        alt: String,
        caption: &str,
        mut table: Table,
    ) {
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

    pub(super) fn figure(
        &mut self,
        key: &str,
        label: &str,
        value: Option<f64>,
        quantity: Quantity,
    ) {
        self.model.figures.insert(
            key.to_string(),
            Figure {
                label: label.to_string(),
                value,
                display: value.map_or_else(|| MISSING.to_string(), |v| quantity.display(v)),
                peers: None,
                previous: None,
                comparison: None,
            },
        );
    }

    /// A catalogue measure of the unit: value, position among peers where it has them, its
    /// benchmark where it is a proportion of people, change since the previous census.
    pub(super) fn metric_figure(&mut self, metric: MeasureId) {
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
            let old = p.value(metric)?;
            let mut previous = previous_year(metric, p.year, old, value?);
            if let (Some(now), Some(then)) = (metric.measure().counts(unit), p.counts.get(&metric))
            {
                previous.chance = Change::between(now, *then).is_some_and(|c| c.is_chance());
            }
            Some(previous)
        });
        let comparison = self
            .year()
            .comparison(unit, metric)
            .map(|c| FigureComparison {
                standing: c.standing.code(),
                words: c.standing.words(),
                benchmark: c.benchmark.words,
                benchmark_display: format(c.benchmark.value),
                interval: format!(
                    "{} to {}",
                    format(c.interval.lower),
                    format(c.interval.upper)
                ),
                people: format!("{} of {} people", people(c.observed), people(c.n)),
            });
        self.model.figures.insert(
            metric.key().to_string(),
            Figure {
                label: metric.measure().label.to_string(),
                value,
                display: opt(value, format),
                peers,
                previous,
                comparison,
            },
        );
    }

    pub(super) fn key_messages(&mut self, metrics: &[MeasureId]) -> Result<(), RenderError> {
        let unit = self.unit;
        let subject = match unit.kind {
            EntityKind::England => "England's".to_string(),
            EntityKind::Provider | EntityKind::Lero => "Your".to_string(),
            _ => format!("{}'s", unit.name),
        };
        for metric in metrics {
            let Some(figure) = self.model.figures.get(metric.key()) else {
                continue;
            };
            if figure.value.is_none() {
                continue;
            }
            let text = self.message(
                "key_message",
                context! {
                    subject => subject.clone(),
                    metric => metric.measure().in_sentence(),
                    value => figure.display.clone(),
                    peers => figure.peers.clone(),
                    peer_group => unit.kind.peers_label(),
                    previous => figure.previous.clone(),
                    comparison => figure.comparison.clone(),
                    is_rate => (metric.measure().quantity == Quantity::Share),
                },
            )?;
            self.model.key_messages.push(text);
        }
        Ok(())
    }

    /// Peer chart for the unit on `metric`, with alt text and a distribution table.
    pub(super) fn peer_chart(
        &mut self,
        id: &str,
        metric: MeasureId,
        caption: &str,
    ) -> Result<(), RenderError> {
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
            axis_label: metric.measure().label,
            format,
        })?;
        let rank = you.map(|v| d.rank(v));
        let alt = self.message(
            "peer_alt",
            context! { metric => metric.measure().in_sentence(), n => d.values.len(), peers => unit.kind.peers_label(), you => you.map(format), rank, rank_ordinal => rank.map(ordinal), median => format(d.median), q1 => format(d.q1), q3 => format(d.q3), comparison => self.model.figures.get(metric.key()).and_then(|f| f.comparison.clone()) },
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
        // Where the unit stands and the peers' distribution move with every peer; the lowest
        // and highest are each one other organisation's value.
        table.comparator_rows(&["rank", "q1", "median", "q3"]);
        table.single_value_rows(&["min", "max"]);
        self.chart(id, svg, alt, caption, table);
        Ok(())
    }

    /// A funnel plot of a proportion of people across a peer group (SPEC §15): every peer's
    /// rate against its denominator, the overall rate and its 95% and 99.8% control limits,
    /// the reader's own point highlighted where it is one of the group. A peer of fewer
    /// than 10 people is not drawn (its rate and size could identify a leaver); the
    /// reader's own point always is.
    pub(super) fn funnel_chart(
        &mut self,
        id: &str,
        group: EntityKind,
        metric: MeasureId,
        caption: &str,
    ) -> Result<(), RenderError> {
        use crate::stats::{funnel_limits, Level};
        let unit = self.unit;
        let year = self.year();
        let measure = metric.measure();
        let Some(centre) = year.overall_rate(group, metric) else {
            return Ok(());
        };
        let threshold = MIN_UNIT_HEADCOUNT;
        let mut points = Vec::new();
        let mut hidden = 0;
        let (mut above, mut below) = (0, 0);
        for peer in year.units_of(group) {
            let Some((o, n)) = measure.counts(peer) else {
                continue;
            };
            let rate = o / n;
            if let Some(limits) = funnel_limits(centre, n, Level::P998) {
                above += usize::from(rate > limits.upper);
                below += usize::from(rate < limits.lower);
            }
            if n < threshold && peer.id != unit.id {
                hidden += 1;
            } else if peer.id != unit.id {
                points.push((n, rate));
            }
        }
        let n_peers = points.len() + hidden + usize::from(unit.kind == group);
        let you = (unit.kind == group)
            .then(|| measure.counts(unit))
            .flatten()
            .map(|(o, n)| (n, o / n));
        let denominator = match measure.method {
            crate::metrics::catalogue::Method::Ratio { denominator, .. } => {
                crate::metrics::catalogue::words_of(denominator)
            }
            _ => "people".into(),
        };
        let format = format_of(metric);
        let svg = charts::funnel_chart(&charts::FunnelChart {
            points: &points,
            you,
            centre,
            axis_label: measure.label,
            x_label: &super::area::capitalised(&denominator),
            format,
        })?;
        let limits = |level| you.and_then(|(n, _)| funnel_limits(centre, n, level));
        let position = you.map(|(_, rate)| {
            let inside = |level| limits(level).is_some_and(|l| l.contains(rate));
            if inside(Level::P95) {
                "inside the 95% limits"
            } else if inside(Level::P998) {
                "outside the 95% limits but inside the 99.8% limits"
            } else {
                "beyond the 99.8% limits"
            }
        });
        let alt = self.message(
            "funnel_alt",
            context! { metric => measure.in_sentence(), denominator => denominator.clone(), n => n_peers, peers => group.peers_label(), centre => format(centre), hidden, threshold => threshold as u64, you => you.map(|y| format(y.1)), you_n => you.map(|y| fmt_count(y.0)), you_position => position, above, below },
        )?;
        // Each limit in a cell of its own, as a figure: the revisions policy measures its
        // drift like any other rate's.
        let bound = |level, upper: bool| {
            limits(level).map_or("–".to_string(), |l| {
                format(if upper { l.upper } else { l.lower })
            })
        };
        let mut table = Table::new("", "", &[("figure", "Figure"), ("value", "Value")]);
        if let Some((n, rate)) = you {
            table.row("you", vec!["Your rate".into(), format(rate)]);
            table.row(
                "you_n",
                vec![super::area::capitalised(&denominator), fmt_count(n)],
            );
        }
        table.row(
            "overall",
            vec![
                format!("Overall rate of all {}", group.peers_label()),
                format(centre),
            ],
        );
        for (key, label, level) in [("95", "95%", Level::P95), ("998", "99.8%", Level::P998)] {
            for (end, upper) in [("lower", false), ("upper", true)] {
                table.row(
                    format!("{end}{key}"),
                    vec![
                        format!("{label} limit at your size, {end}"),
                        bound(level, upper),
                    ],
                );
            }
        }
        table.row(
            "above998",
            vec!["Above the 99.8% limit".into(), above.to_string()],
        );
        table.row(
            "below998",
            vec!["Below the 99.8% limit".into(), below.to_string()],
        );
        table.row(
            "hidden",
            vec![
                format!("Not drawn: fewer than {threshold} people"),
                hidden.to_string(),
            ],
        );
        table.comparator_rows(&[
            "overall", "lower95", "upper95", "lower998", "upper998", "above998", "below998",
            "hidden",
        ]);
        self.chart(id, svg, alt, caption, table);
        Ok(())
    }

    /// Horizontal bars comparing series by category, with their data table.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn bars_chart(
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
        mark_comparator_series(&mut table, &series);
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

    pub(super) fn trend_chart(
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
        mark_comparator_series(&mut table, &series);
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
    pub(super) fn skill_mix_chart(&mut self) -> Result<(), RenderError> {
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
                groups
                    .iter()
                    .map(|g| u.group_share_of_wte(*g, Scope::All).unwrap_or(0.0))
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
        // The region's and England's rows after the unit's own.
        for column in table.columns.iter_mut().skip(2) {
            column.comparator = true;
        }
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
    pub(super) fn own_name(&self) -> String {
        match self.unit.kind {
            EntityKind::Provider | EntityKind::Lero => "You".to_string(),
            _ => self.unit.name.clone(),
        }
    }

    /// The unit, then its region (when it is in one) and England, with their names.
    pub(super) fn with_comparators(&self, own: String) -> Vec<(String, &'a Unit)> {
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
    pub(super) fn position_table(
        &mut self,
        id: &str,
        caption: &str,
        own: &str,
        metrics: &[MeasureId],
    ) {
        // A proportion of people is also compared with its peers' overall rate by its 95%
        // interval: similar, higher or lower (a change of word is material under the
        // revisions policy).
        let compared = metrics.iter().any(|m| m.measure().interval);
        let mut columns = vec![
            ("measure", "Measure"),
            ("value", own),
            ("peer_median", "Peer median"),
            ("rank", "Rank"),
        ];
        if compared {
            columns.push(("compared", "Against all peers' rate"));
        }
        let mut table = Table::new(id, caption, &columns).comparator_columns(&[
            "peer_median",
            "rank",
            "compared",
        ]);
        for metric in metrics {
            let figure = self.model.figures.get(metric.key());
            let mut cells = vec![metric.measure().label.to_string()];
            match figure {
                Some(f) => {
                    cells.push(f.display.clone());
                    cells.push(f.peers.as_ref().map_or("–".into(), |p| p.median.clone()));
                    cells.push(f.peers.as_ref().map_or("–".into(), |p| {
                        format!("{} of {} (quartile {})", p.rank, p.n, p.quartile)
                    }));
                    if compared {
                        cells.push(
                            f.comparison
                                .as_ref()
                                .map_or("–".into(), |c| c.standing.to_string()),
                        );
                    }
                }
                None => cells.resize(columns.len(), "–".into()),
            }
            table.row(metric.key(), cells);
        }
        self.table(table);
    }

    /// Share of delivery WTE by role group, against England.
    pub(super) fn role_group_chart(&mut self) -> Result<(), RenderError> {
        let unit = self.unit;
        let england = self.year().england();
        let groups: Vec<RoleGroup> = RoleGroup::ALL
            .iter()
            .copied()
            .filter(|g| *g != RoleGroup::Commissioning)
            .filter(|g| unit.group_wte(*g) > 0.0 || england.group_wte(*g) > 0.0)
            .collect();
        // Shares of the delivery workforce: commissioning teams are reported on their own.
        let share = |u: &Unit, g: RoleGroup| u.group_share_of_wte(g, Scope::Delivery);
        let series = vec![
            Series::new(
                self.own_name(),
                groups.iter().map(|g| share(unit, *g)).collect(),
            ),
            Series::comparator(
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

    /// The MDT calculator's required against actual WTE by discipline (an LA or an ICB).
    pub(super) fn mdt_calculator(
        &mut self,
        area: &crate::metrics::AreaFigures,
    ) -> Result<(), RenderError> {
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
        self.target_against_actual(
            "mdt_calculator",
            &lines,
            "Required",
            "MDT calculator: required and actual WTE by discipline",
        )
    }

    pub(super) fn mdt_presence(&mut self) {
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
    pub(super) fn target_against_actual(
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
pub(super) struct TargetLine {
    pub(super) group: RoleGroup,
    /// The 2021-22 baseline, where the table shows one.
    pub(super) baseline: Option<f64>,
    pub(super) target: f64,
    pub(super) actual: f64,
}

/// The format of a peer-compared metric, from its measure's quantity.
pub fn format_of(metric: MeasureId) -> Format {
    use crate::metrics::catalogue::Quantity;
    match metric.measure().quantity {
        Quantity::Count => fmt_count,
        Quantity::Wte => fmt_wte,
        Quantity::Share => fmt_pct,
        Quantity::Ratio => fmt_ratio,
    }
}

/// A table column of a catalogue measure: its key and short label.
pub(super) fn col(id: MeasureId) -> (&'static str, &'static str) {
    let m = id.measure();
    (m.key, m.short)
}

/// A table column of a catalogue measure over every role of a region or England,
/// commissioning teams included: its short label says so ("Vacancy rate (all roles)"), so it
/// reads apart from the providers' and LEROs' own rate beside it in the same report.
pub(super) fn col_all_roles(id: MeasureId) -> (String, String) {
    let m = id.measure();
    (
        m.key.to_string(),
        format!("{} ({})", m.short, Scope::All.words()),
    )
}

/// The series columns (`series_<n>`, after the category column) of comparator series.
fn mark_comparator_series(table: &mut Table, series: &[Series]) {
    for (column, s) in table.columns.iter_mut().skip(1).zip(series) {
        column.comparator = s.comparator;
    }
}

pub(super) fn table_with(columns: &[(String, String)]) -> Table {
    let refs: Vec<(&str, &str)> = columns
        .iter()
        .map(|(k, l)| (k.as_str(), l.as_str()))
        .collect();
    Table::new("", "", &refs)
}

/// Changes smaller than this (in percentage points for rates, else in the figure's unit)
/// read as "unchanged": they vanish when printed to one decimal place.
pub(super) const UNCHANGED_BELOW: f64 = 0.05;

/// A count of people: whole, or to one decimal place where apportioned (an LA's).
fn people(n: f64) -> String {
    if n.fract() == 0.0 {
        fmt_count(n)
    } else {
        fmt_wte(n)
    }
}

pub(super) fn previous_year(metric: MeasureId, year: u16, before: f64, now: f64) -> PreviousYear {
    let format = format_of(metric);
    let diff = now - before;
    let (size, change, change_pct) = if metric.measure().quantity == Quantity::Share {
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
        chance: false,
    }
}
