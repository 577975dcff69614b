//! Stage 4: charts as SVG text, drawn with plotters and placed by the Typst templates.
//!
//! The palette is Okabe–Ito (safe for the common colour-vision deficiencies) and every
//! colour is opaque (transparent objects bloat the PDF). Nothing is said by colour alone:
//! the participant's bar carries a label and an outline, series differ in lightness and
//! marker shape and are labelled directly, and every chart has a data table and alt text.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The font the SVG text names; Typst finds it among the shipped fonts.
pub const FONT: &str = "Open Sans";

pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const SKY: RGBColor = RGBColor(86, 180, 233);
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
pub const PEER_GREY: RGBColor = RGBColor(190, 190, 190);
pub const GRID: RGBColor = RGBColor(225, 225, 225);
pub const INK: RGBColor = RGBColor(34, 34, 34);
pub const MID_GREY: RGBColor = RGBColor(96, 96, 96);
/// The quartile lines' colour: MID_GREY to the eye, but its own value so that the SVG's
/// quartile lines can be found and given a dash pattern (see [`dash_quartile_lines`]).
const QUARTILE_GREY: RGBColor = RGBColor(97, 97, 97);
const QUARTILE_STROKE: &str = "stroke=\"#616161\"";

/// Series colours in order, chosen so neighbours differ in lightness as well as hue.
pub const SERIES: [RGBColor; 4] = [BLUE, ORANGE, RGBColor(150, 150, 150), GREEN];
/// Sequential blues for the hex map, light to dark (five classes).
pub const SEQUENTIAL: [RGBColor; 5] = [
    RGBColor(222, 235, 247),
    RGBColor(158, 202, 225),
    RGBColor(107, 174, 214),
    RGBColor(33, 113, 181),
    RGBColor(8, 48, 107),
];

#[derive(Debug, thiserror::Error)]
#[error("drawing the {chart} chart failed: {message}")]
pub struct ChartError {
    pub chart: &'static str,
    pub message: String,
}

fn fail(chart: &'static str) -> impl Fn(String) -> ChartError {
    move |message| ChartError { chart, message }
}

const WIDTH: u32 = 640;

fn font(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&INK)
}

/// Draws on a fresh SVG canvas and returns the SVG text.
fn svg(
    chart: &'static str,
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), String>,
) -> Result<String, ChartError> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(chart)(e.to_string()))?;
        draw(&root).map_err(fail(chart))?;
        root.present().map_err(|e| fail(chart)(e.to_string()))?;
    }
    Ok(text)
}

fn e<E: std::fmt::Display>(err: E) -> String {
    err.to_string()
}

/// Every peer as an anonymous bar, sorted; the participant's bar highlighted and labelled.
pub struct PeerChart<'a> {
    pub values: &'a [f64],
    /// The participant's value; its bar is the first sorted bar with that value.
    pub you: Option<f64>,
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
    pub axis_label: &'a str,
    pub format: fn(f64) -> String,
}

pub fn peer_chart(c: &PeerChart) -> Result<String, ChartError> {
    peer_chart_lines(c).map(|svg| dash_quartile_lines(&svg))
}

/// Gives the quartile lines an SVG dash pattern. plotters draws a dashed line as one
/// element per dash (over a hundred per chart), each of which typst and the PDF writer then
/// handle on its own; one dashed line is the same picture at a fraction of the cost.
fn dash_quartile_lines(svg: &str) -> String {
    svg.replace(
        QUARTILE_STROKE,
        &format!("{QUARTILE_STROKE} stroke-dasharray=\"6 4\""),
    )
}

fn peer_chart_lines(c: &PeerChart) -> Result<String, ChartError> {
    svg("peer", 300, |root| {
        let n = c.values.len().max(1);
        let max = c
            .values
            .iter()
            .copied()
            .fold(0.0f64, f64::max)
            .max(c.you.unwrap_or(0.0));
        // A few extreme peers would flatten everyone else: the scale stops at three
        // interquartile ranges above the upper quartile (or at you), and taller bars are cut.
        let fence = c.q3 + 3.0 * (c.q3 - c.q1);
        let limit = if max > fence && fence > 0.0 {
            fence.max(c.you.unwrap_or(0.0))
        } else {
            max
        };
        let clipped = c.values.iter().filter(|v| **v > limit).count();
        let top = if limit > 0.0 { limit * 1.18 } else { 1.0 };
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .margin_right(110)
            .x_label_area_size(28)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..n as f64, 0f64..top)
            .map_err(e)?;
        let format = c.format;
        let x_desc = if clipped > 0 {
            format!("{n} peers, lowest to highest; {clipped} bar(s) beyond the scale are cut at the top")
        } else {
            format!("{n} peers, lowest to highest")
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc(x_desc)
            .y_labels(5)
            .y_label_formatter(&|v| tick(format, *v))
            .y_desc(c.axis_label)
            .axis_desc_style(font(13))
            .label_style(font(12))
            .bold_line_style(GRID)
            .max_light_lines(0)
            .axis_style(MID_GREY)
            .draw()
            .map_err(e)?;
        let you_index = c
            .you
            .and_then(|you| c.values.iter().position(|v| (*v - you).abs() < 1e-12));
        if n > 60 {
            // Touching bars drawn as one outline: one shape instead of hundreds of
            // rectangles is much cheaper to typeset and export, and shows no seams.
            let mut outline = Vec::with_capacity(2 * n + 2);
            outline.push((0.0, 0.0));
            for (i, v) in c.values.iter().enumerate() {
                let height = if Some(i) == you_index {
                    0.0
                } else {
                    v.min(top)
                };
                outline.extend([(i as f64, height), (i as f64 + 1.0, height)]);
            }
            outline.push((n as f64, 0.0));
            chart
                .draw_series(std::iter::once(Polygon::new(outline, PEER_GREY.filled())))
                .map_err(e)?;
        } else {
            let gap = 0.15;
            chart
                .draw_series(
                    c.values
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| Some(*i) != you_index)
                        .map(|(i, v)| {
                            Rectangle::new(
                                [(i as f64 + gap, 0.0), (i as f64 + 1.0 - gap, v.min(top))],
                                PEER_GREY.filled(),
                            )
                        }),
                )
                .map_err(e)?;
        }
        let mut label_y = i32::MAX;
        for (value, label, style) in [
            (
                c.q1,
                "Lower quartile",
                ShapeStyle::from(&QUARTILE_GREY).stroke_width(1),
            ),
            (c.median, "Median", ShapeStyle::from(&INK).stroke_width(2)),
            (
                c.q3,
                "Upper quartile",
                ShapeStyle::from(&QUARTILE_GREY).stroke_width(1),
            ),
        ] {
            chart
                .draw_series(LineSeries::new([(0.0, value), (n as f64, value)], style))
                .map_err(e)?;
            let (x, y) = chart.backend_coord(&(n as f64, value));
            // Labels go upwards from the lowest line and never overlap.
            let y = (y - 7).min(label_y - 14);
            label_y = y;
            root.draw(&Text::new(
                format!("{label} {}", format(value)),
                (x + 6, y),
                font(11),
            ))
            .map_err(e)?;
        }
        if let (Some(i), Some(you)) = (you_index, c.you) {
            let (x0, y0) = (i as f64, you);
            let wide = (n as f64 / 120.0).max(0.6);
            let left = (x0 + 0.5 - wide / 2.0).max(0.0);
            chart
                .draw_series([
                    Rectangle::new([(left, 0.0), (left + wide, y0)], BLUE.filled()),
                    Rectangle::new(
                        [(left, 0.0), (left + wide, y0)],
                        ShapeStyle::from(&INK).stroke_width(2),
                    ),
                ])
                .map_err(e)?;
            let (px, py) = chart.backend_coord(&(x0 + 0.5, y0));
            let anchor = if i as f64 > n as f64 * 0.7 {
                HPos::Right
            } else {
                HPos::Left
            };
            root.draw(&PathElement::new(
                [(px, py - 2), (px, py - 16)],
                INK.stroke_width(1),
            ))
            .map_err(e)?;
            root.draw(&Text::new(
                format!("You: {}", format(you)),
                (px, py - 30),
                font(14).pos(Pos::new(anchor, VPos::Top)),
            ))
            .map_err(e)?;
        }
        Ok(())
    })
}

/// Horizontal paired bars: one row per category, one bar per series, values labelled.
pub struct GroupedBars<'a> {
    pub categories: &'a [String],
    /// (series name, one value per category; None where not shown).
    pub series: &'a [(String, Vec<Option<f64>>)],
    pub axis_label: &'a str,
    pub format: fn(f64) -> String,
}

pub fn grouped_bars(c: &GroupedBars) -> Result<String, ChartError> {
    let rows = c.categories.len().max(1);
    let per_row = c.series.len().max(1);
    let height = (60 + rows * (per_row * 14 + 12)).clamp(160, 900) as u32;
    svg("grouped bars", height, |root| {
        let max = c
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().flatten())
            .copied()
            .fold(0.0f64, f64::max);
        let top = if max > 0.0 { max * 1.25 } else { 1.0 };
        let (legend, plot) = root.split_vertically(26);
        let mut x = 200;
        for (i, (name, _)) in c.series.iter().enumerate() {
            let colour = SERIES[i % SERIES.len()];
            legend
                .draw(&Rectangle::new([(x, 8), (x + 14, 20)], colour.filled()))
                .map_err(e)?;
            legend
                .draw(&Rectangle::new([(x, 8), (x + 14, 20)], INK.stroke_width(1)))
                .map_err(e)?;
            legend
                .draw(&Text::new(name.clone(), (x + 20, 7), font(12)))
                .map_err(e)?;
            x += 30 + 8 * name.len() as i32;
        }
        let mut chart = ChartBuilder::on(&plot)
            .margin(8)
            .margin_right(20)
            .x_label_area_size(34)
            .y_label_area_size(250)
            .build_cartesian_2d(0f64..top, 0f64..rows as f64)
            .map_err(e)?;
        let format = c.format;
        let categories = c.categories;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows * 2 + 1)
            .y_label_formatter(&|v| {
                let i = (rows as f64 - v - 0.5).round();
                if ((rows as f64 - v) - 0.5 - i).abs() < 0.01 && i >= 0.0 {
                    categories.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_labels(5)
            .x_label_formatter(&|v| tick(format, *v))
            .x_desc(c.axis_label)
            .axis_desc_style(font(13))
            .label_style(font(12))
            .bold_line_style(GRID)
            .max_light_lines(0)
            .axis_style(MID_GREY)
            .draw()
            .map_err(e)?;
        let band = 0.8 / per_row as f64;
        for (s, (_, values)) in c.series.iter().enumerate() {
            let colour = SERIES[s % SERIES.len()];
            for (row, value) in values.iter().enumerate() {
                let Some(value) = value else { continue };
                let y_top = rows as f64 - row as f64 - 0.1 - band * s as f64;
                let y_bottom = y_top - band * 0.9;
                chart
                    .draw_series([
                        Rectangle::new([(0.0, y_bottom), (*value, y_top)], colour.filled()),
                        Rectangle::new([(0.0, y_bottom), (*value, y_top)], INK.stroke_width(1)),
                    ])
                    .map_err(e)?;
                let label = Text::new(
                    format(*value),
                    (*value + top * 0.01, (y_top + y_bottom) / 2.0),
                    font(11).pos(Pos::new(HPos::Left, VPos::Center)),
                );
                chart.draw_series(std::iter::once(label)).map_err(e)?;
            }
        }
        Ok(())
    })
}

/// A funnel plot (Spiegelhalter): every peer's rate against its denominator as an
/// anonymous point, the overall rate as the centre line and its 95% and 99.8% control
/// limits, which narrow as the denominator grows; the reader's own point highlighted and
/// labelled. A point outside the limits differs from the overall rate beyond chance; one
/// inside does not, however high or low it sits.
pub struct FunnelChart<'a> {
    /// (denominator, rate) of each peer drawn.
    pub points: &'a [(f64, f64)],
    pub you: Option<(f64, f64)>,
    pub centre: f64,
    pub axis_label: &'a str,
    pub x_label: &'a str,
    pub format: fn(f64) -> String,
}

pub fn funnel_chart(c: &FunnelChart) -> Result<String, ChartError> {
    use crate::stats::{funnel_limits, Level};
    let svg_text = svg("funnel", 320, |root| {
        let largest = c
            .points
            .iter()
            .map(|p| p.0)
            .chain(c.you.map(|y| y.0))
            .fold(1.0f64, f64::max);
        let highest = c
            .points
            .iter()
            .map(|p| p.1)
            .chain(c.you.map(|y| y.1))
            .fold(c.centre, f64::max);
        let top = (highest * 1.15).clamp(0.05, 1.0);
        let right = largest * 1.05;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .margin_right(120)
            .x_label_area_size(34)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..right, 0f64..top)
            .map_err(e)?;
        let format = c.format;
        chart
            .configure_mesh()
            .x_labels(6)
            .x_label_formatter(&|v| crate::format::fmt_count(*v))
            .x_desc(c.x_label)
            .y_labels(5)
            .y_label_formatter(&|v| tick(format, *v))
            .y_desc(c.axis_label)
            .axis_desc_style(font(13))
            .label_style(font(12))
            .bold_line_style(GRID)
            .max_light_lines(0)
            .axis_style(MID_GREY)
            .draw()
            .map_err(e)?;
        chart
            .draw_series(
                c.points
                    .iter()
                    .map(|(n, rate)| Circle::new((*n, *rate), 3, PEER_GREY.filled())),
            )
            .map_err(e)?;
        // Each limit from the smallest denominator at which it fits the plotted range.
        let steps = 120;
        let mut label_y = i32::MAX;
        for (level, style, name) in [
            (
                Level::P95,
                ShapeStyle::from(&QUARTILE_GREY).stroke_width(1),
                "95% limits",
            ),
            (
                Level::P998,
                ShapeStyle::from(&INK).stroke_width(1),
                "99.8% limits",
            ),
        ] {
            for upper in [true, false] {
                let line: Vec<(f64, f64)> = (1..=steps)
                    .filter_map(|i| {
                        let n = right * f64::from(i) / f64::from(steps);
                        let limits = funnel_limits(c.centre, n.max(1.0), level)?;
                        let y = if upper { limits.upper } else { limits.lower };
                        // A lower limit clipped at 0 would draw along the axis.
                        (y <= top && (upper || y > 0.0)).then_some((n, y))
                    })
                    .collect();
                if line.len() > 1 {
                    chart.draw_series(LineSeries::new(line, style)).map_err(e)?;
                }
            }
            if let Some(limits) = funnel_limits(c.centre, right, level) {
                let (x, y) = chart.backend_coord(&(right, limits.upper.min(top)));
                let y = (y - 6).min(label_y - 14);
                label_y = y;
                root.draw(&Text::new(name, (x + 6, y), font(11)))
                    .map_err(e)?;
            }
        }
        chart
            .draw_series(LineSeries::new(
                [(0.0, c.centre), (right, c.centre)],
                ShapeStyle::from(&INK).stroke_width(2),
            ))
            .map_err(e)?;
        let (x, y) = chart.backend_coord(&(right, c.centre));
        root.draw(&Text::new(
            format!("Overall {}", format(c.centre)),
            (x + 6, y - 6),
            font(11),
        ))
        .map_err(e)?;
        if let Some((n, rate)) = c.you {
            let (px, py) = chart.backend_coord(&(n, rate.min(top)));
            root.draw(&Circle::new((px, py), 7, BLUE.filled()))
                .map_err(e)?;
            root.draw(&Circle::new((px, py), 7, INK.stroke_width(2)))
                .map_err(e)?;
            let (anchor, dx) = if n > right * 0.7 {
                (HPos::Right, -10)
            } else {
                (HPos::Left, 10)
            };
            root.draw(&Text::new(
                format!("You: {}", format(rate)),
                (px + dx, py - 14),
                font(14).pos(Pos::new(anchor, VPos::Center)),
            ))
            .map_err(e)?;
        }
        Ok(())
    })?;
    Ok(merge_peer_points(&dash_quartile_lines(&svg_text)))
}

/// Draws the peers' points as one SVG path of circles instead of one element each: a
/// funnel plot has hundreds of points, each of which typst and the PDF writer would handle
/// on its own; one path is the same picture at a fraction of the cost.
fn merge_peer_points(svg: &str) -> String {
    const POINT: &str =
        "r=\"3\" opacity=\"1\" fill=\"#BEBEBE\" stroke=\"none\" stroke-width=\"1\"/>";
    let mut path = String::new();
    let mut out = String::with_capacity(svg.len());
    let mut at = None;
    for line in svg.split_inclusive('\n') {
        let point = line
            .trim()
            .strip_prefix("<circle cx=\"")
            .and_then(|rest| rest.strip_suffix(POINT))
            .and_then(|rest| {
                let (cx, rest) = rest.split_once('"')?;
                let cy = rest.trim().strip_prefix("cy=\"")?.strip_suffix('"')?;
                Some((
                    cx.trim().parse::<i64>().ok()?,
                    cy.trim().parse::<i64>().ok()?,
                ))
            });
        match point {
            Some((cx, cy)) => {
                at.get_or_insert(out.len());
                path.push_str(&format!("M{},{}a3,3 0 1,0 6,0a3,3 0 1,0 -6,0", cx - 3, cy));
            }
            None => out.push_str(line),
        }
    }
    if let Some(at) = at {
        out.insert_str(
            at,
            &format!("<path d=\"{path}\" fill=\"#BEBEBE\" stroke=\"none\"/>\n"),
        );
    }
    out
}

/// Lines over census years, one per series, with distinct markers and end labels.
pub struct TrendChart<'a> {
    pub years: &'a [u16],
    pub series: &'a [(String, Vec<Option<f64>>)],
    pub axis_label: &'a str,
    pub format: fn(f64) -> String,
}

pub fn trend_chart(c: &TrendChart) -> Result<String, ChartError> {
    svg("trend", 260, |root| {
        let values: Vec<f64> = c
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().flatten())
            .copied()
            .collect();
        let max = values.iter().copied().fold(0.0f64, f64::max);
        let top = if max > 0.0 { max * 1.2 } else { 1.0 };
        let first = f64::from(*c.years.first().unwrap_or(&2022));
        let last = f64::from(*c.years.last().unwrap_or(&2024)).max(first + 1.0);
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .margin_right(150)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d((first - 0.3)..(last + 0.3), 0f64..top)
            .map_err(e)?;
        let format = c.format;
        let years = c.years.to_vec();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(years.len() * 2 + 2)
            .x_label_formatter(&|v| {
                let y = v.round();
                if (v - y).abs() < 0.01 && years.contains(&(y as u16)) {
                    format!("{y:.0}")
                } else {
                    String::new()
                }
            })
            .y_labels(5)
            .y_label_formatter(&|v| tick(format, *v))
            .y_desc(c.axis_label)
            .axis_desc_style(font(13))
            .label_style(font(12))
            .bold_line_style(GRID)
            .max_light_lines(0)
            .axis_style(MID_GREY)
            .draw()
            .map_err(e)?;
        for (s, (name, points)) in c.series.iter().enumerate() {
            let colour = SERIES[s % SERIES.len()];
            let line: Vec<(f64, f64)> = c
                .years
                .iter()
                .zip(points)
                .filter_map(|(y, v)| v.map(|v| (f64::from(*y), v)))
                .collect();
            chart
                .draw_series(LineSeries::new(line.clone(), colour.stroke_width(3)))
                .map_err(e)?;
            for point in &line {
                let (px, py) = chart.backend_coord(point);
                match s % 3 {
                    0 => root
                        .draw(&Circle::new((px, py), 5, colour.filled()))
                        .map_err(e)?,
                    1 => root
                        .draw(&Rectangle::new(
                            [(px - 5, py - 5), (px + 5, py + 5)],
                            colour.filled(),
                        ))
                        .map_err(e)?,
                    _ => root
                        .draw(&TriangleMarker::new((px, py), 6, colour.filled()))
                        .map_err(e)?,
                }
                root.draw(&Text::new(
                    format(point.1),
                    (px, py - 18),
                    font(11).pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(e)?;
            }
            if let Some(end) = line.last() {
                let (px, py) = chart.backend_coord(end);
                root.draw(&Text::new(
                    name.clone(),
                    (px + 14, py),
                    font(12).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(e)?;
            }
        }
        Ok(())
    })
}

/// One 100% stacked bar per row (e.g. you, your region, England), segments by category.
pub struct StackedShares<'a> {
    pub rows: &'a [String],
    pub categories: &'a [String],
    /// shares[row][category], each row summing to 1 (or all zero).
    pub shares: &'a [Vec<f64>],
}

pub const STACK_COLOURS: [RGBColor; 10] = [
    BLUE,
    ORANGE,
    SKY,
    GREEN,
    VERMILLION,
    PURPLE,
    YELLOW,
    RGBColor(0, 70, 110),
    RGBColor(150, 150, 150),
    RGBColor(110, 60, 20),
];

pub fn stacked_shares(c: &StackedShares) -> Result<String, ChartError> {
    let legend_rows = c.categories.len().div_ceil(3) as u32;
    svg(
        "stacked shares",
        60 + 44 * c.rows.len() as u32 + 22 * legend_rows,
        |root| {
            let label_width = 130;
            let bar_width = (WIDTH as i32 - label_width - 30) as f64;
            for (r, (name, shares)) in c.rows.iter().zip(c.shares).enumerate() {
                let y = 12 + 44 * r as i32;
                root.draw(&Text::new(
                    name.clone(),
                    (10, y + 16),
                    font(12).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(e)?;
                let mut x = label_width as f64;
                for (k, share) in shares.iter().enumerate() {
                    let w = share * bar_width;
                    if w <= 0.0 {
                        continue;
                    }
                    let colour = STACK_COLOURS[k % STACK_COLOURS.len()];
                    let rect = [(x.round() as i32, y), ((x + w).round() as i32, y + 32)];
                    root.draw(&Rectangle::new(rect, colour.filled()))
                        .map_err(e)?;
                    root.draw(&Rectangle::new(rect, WHITE.stroke_width(1)))
                        .map_err(e)?;
                    if w > 34.0 {
                        let text_colour = if matches!(k, 0 | 4 | 7 | 9) {
                            WHITE
                        } else {
                            INK
                        };
                        root.draw(&Text::new(
                            format!("{:.0}%", share * 100.0),
                            ((x + w / 2.0).round() as i32, y + 16),
                            font(11)
                                .color(&text_colour)
                                .pos(Pos::new(HPos::Center, VPos::Center)),
                        ))
                        .map_err(e)?;
                    }
                    x += w;
                }
            }
            let top = 20 + 44 * c.rows.len() as i32;
            for (k, category) in c.categories.iter().enumerate() {
                let (col, row) = ((k % 3) as i32, (k / 3) as i32);
                let (x, y) = (10 + col * 210, top + row * 22);
                let colour = STACK_COLOURS[k % STACK_COLOURS.len()];
                root.draw(&Rectangle::new([(x, y), (x + 14, y + 14)], colour.filled()))
                    .map_err(e)?;
                root.draw(&Text::new(
                    category.clone(),
                    (x + 20, y + 7),
                    font(11).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(e)?;
            }
            Ok(())
        },
    )
}

/// One LA on a hex map: its place (odd-row offset coordinates, higher `r` further north), its
/// shading class (0–4, or none for no value) and the region it belongs to (an index into
/// [`HexMap::regions`]).
pub struct HexCell {
    pub q: i32,
    pub r: i32,
    pub class: Option<usize>,
    pub region: usize,
}

/// A hex map of England's LAs shaded in five classes, each region outlined and numbered.
pub struct HexMap<'a> {
    pub cells: &'a [HexCell],
    /// Legend text for each class, lowest first.
    pub legend: &'a [String],
    /// Region names, numbered from 1 on the map and in the legend.
    pub regions: &'a [String],
    pub title: &'a str,
}

/// The six neighbours of a hex in odd-row offset coordinates, in the order of its edges from
/// the vertex at -30° clockwise (screen coordinates): east, south-east, south-west, west,
/// north-west, north-east. An odd row is drawn half a hex to the right of an even one.
fn hex_neighbours(q: i32, r: i32) -> [(i32, i32); 6] {
    let odd = r.rem_euclid(2) == 1;
    let (west_of_row, east_of_row) = if odd { (q, q + 1) } else { (q - 1, q) };
    [
        (q + 1, r),
        (east_of_row, r - 1),
        (west_of_row, r - 1),
        (q - 1, r),
        (west_of_row, r + 1),
        (east_of_row, r + 1),
    ]
}

pub fn hex_map(c: &HexMap) -> Result<String, ChartError> {
    const MARGIN: f64 = 16.0;
    const MAP_WIDTH: f64 = 420.0;
    let fold = |f: fn(&HexCell) -> i32| {
        c.cells
            .iter()
            .map(f)
            .fold((i32::MAX, i32::MIN), |(a, b), v| (a.min(v), b.max(v)))
    };
    let (min_q, max_q) = fold(|h| h.q);
    let (min_r, max_r) = fold(|h| h.r);
    let (min_q, max_q, min_r, max_r) = if c.cells.is_empty() {
        (0, 0, 0, 0)
    } else {
        (min_q, max_q, min_r, max_r)
    };
    // Half a hex more than the columns, for the odd rows' offset.
    let cols = f64::from(max_q - min_q + 1) + 0.5;
    let size = MAP_WIDTH / (cols * 3f64.sqrt());
    let w = 3f64.sqrt() * size;
    let map_height = f64::from(max_r - min_r) * size * 1.5 + 2.0 * size;
    let legend_rows = c.legend.len() + 1 + c.regions.len() + 2;
    let legend_height = 40.0 + 24.0 * legend_rows as f64;
    // The canvas is as tall as the map or its legend, whichever is taller: no empty band.
    let height = (map_height.max(legend_height) + 2.0 * MARGIN).ceil() as u32;
    svg("hex map", height, |root| {
        let centre = |q: i32, r: i32| {
            let offset = if r.rem_euclid(2) == 1 { w / 2.0 } else { 0.0 };
            (
                MARGIN + f64::from(q - min_q) * w + offset + w / 2.0,
                MARGIN + f64::from(max_r - r) * size * 1.5 + size,
            )
        };
        let corners = |cx: f64, cy: f64, scale: f64| -> Vec<(i32, i32)> {
            (0..6)
                .map(|k| {
                    let angle = std::f64::consts::PI / 180.0 * (60.0 * f64::from(k) - 30.0);
                    (
                        (cx + size * scale * angle.cos()).round() as i32,
                        (cy + size * scale * angle.sin()).round() as i32,
                    )
                })
                .collect()
        };
        let region_at: std::collections::HashMap<(i32, i32), usize> =
            c.cells.iter().map(|h| ((h.q, h.r), h.region)).collect();
        for h in c.cells {
            let (cx, cy) = centre(h.q, h.r);
            let points = corners(cx, cy, 0.95);
            let fill = h.class.map_or(WHITE, |k| SEQUENTIAL[k.min(4)]);
            root.draw(&Polygon::new(points.clone(), fill.filled()))
                .map_err(e)?;
            let mut outline = points.clone();
            outline.push(points[0]);
            root.draw(&PathElement::new(outline, MID_GREY.stroke_width(1)))
                .map_err(e)?;
        }
        // Region boundaries: every edge of a hex whose neighbour across it is in another
        // region or is sea, drawn on the full hexagon so that neighbours' edges meet.
        for h in c.cells {
            let (cx, cy) = centre(h.q, h.r);
            let points = corners(cx, cy, 1.0);
            for (k, n) in hex_neighbours(h.q, h.r).into_iter().enumerate() {
                if region_at.get(&n) != Some(&h.region) {
                    let edge = vec![points[k], points[(k + 1) % 6]];
                    root.draw(&PathElement::new(edge, INK.stroke_width(3)))
                        .map_err(e)?;
                }
            }
        }
        // Each region's number on the hex nearest the middle of its hexes.
        for (i, _) in c.regions.iter().enumerate() {
            let own: Vec<(f64, f64)> = c
                .cells
                .iter()
                .filter(|h| h.region == i)
                .map(|h| centre(h.q, h.r))
                .collect();
            if own.is_empty() {
                continue;
            }
            let n = own.len() as f64;
            let (mx, my) = own
                .iter()
                .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
            let (x, y) = own
                .iter()
                .copied()
                .min_by(|a, b| {
                    let d = |p: &(f64, f64)| (p.0 - mx).powi(2) + (p.1 - my).powi(2);
                    d(a).total_cmp(&d(b))
                })
                .unwrap_or((mx, my));
            let at = (x.round() as i32, y.round() as i32);
            let radius = (size * 0.7).round().max(7.0) as i32;
            root.draw(&Circle::new(at, radius, WHITE.filled()))
                .map_err(e)?;
            root.draw(&Circle::new(at, radius, INK.stroke_width(1)))
                .map_err(e)?;
            root.draw(&Text::new(
                (i + 1).to_string(),
                at,
                font(11).pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(e)?;
        }
        let x = (MAP_WIDTH + 2.0 * MARGIN + 12.0) as i32;
        let mut y = MARGIN as i32;
        root.draw(&Text::new(c.title.to_string(), (x, y), font(13)))
            .map_err(e)?;
        y += 24;
        let swatches = c
            .legend
            .iter()
            .enumerate()
            .map(|(k, label)| (SEQUENTIAL[k.min(4)], label.as_str()))
            .chain([(WHITE, "No value")]);
        for (colour, label) in swatches {
            for style in [colour.filled(), MID_GREY.stroke_width(1)] {
                root.draw(&Rectangle::new([(x, y), (x + 20, y + 18)], style))
                    .map_err(e)?;
            }
            root.draw(&Text::new(
                label.to_string(),
                (x + 28, y + 9),
                font(12).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(e)?;
            y += 24;
        }
        y += 12;
        root.draw(&PathElement::new(
            vec![(x, y + 9), (x + 20, y + 9)],
            INK.stroke_width(3),
        ))
        .map_err(e)?;
        root.draw(&Text::new(
            "Region boundary".to_string(),
            (x + 28, y + 9),
            font(12).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(e)?;
        y += 24;
        for (i, name) in c.regions.iter().enumerate() {
            root.draw(&Text::new(
                format!("{}  {name}", i + 1),
                (x, y + 9),
                font(12).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(e)?;
            y += 24;
        }
        Ok(())
    })
}

/// An axis tick: the figure's own format without a decimal that only repeats a whole number,
/// so a WTE axis reads "0, 2,000, 4,000" rather than "0.0, 2,000.0, 4,000.0" and a rate axis
/// "10%" rather than "10.0%". Ticks between whole numbers ("2.5") keep their decimals.
fn tick(format: fn(f64) -> String, v: f64) -> String {
    let text = format(v);
    match text.find(".0") {
        Some(at) if !text[at + 2..].starts_with(|c: char| c.is_ascii_digit()) => {
            format!("{}{}", &text[..at], &text[at + 2..])
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(v: f64) -> String {
        format!("{v:.1}")
    }

    #[test]
    fn hex_neighbours_are_mutual_across_opposite_edges() {
        for (q, r) in [(3, 4), (3, 5), (-2, -1), (0, 0)] {
            for (k, (nq, nr)) in hex_neighbours(q, r).into_iter().enumerate() {
                assert_eq!(
                    hex_neighbours(nq, nr)[(k + 3) % 6],
                    (q, r),
                    "{q},{r} edge {k}"
                );
            }
        }
        // An odd row sits half a hex to the east: its south-east neighbour is one column on.
        assert_eq!(hex_neighbours(3, 5)[1], (4, 4));
        assert_eq!(hex_neighbours(3, 4)[1], (3, 3));
    }

    #[test]
    fn axis_ticks_drop_a_decimal_that_only_repeats_a_whole_number() {
        let grouped = |v: f64| crate::format::fmt_wte(v);
        let percent = |v: f64| crate::format::fmt_pct(v);
        assert_eq!(tick(grouped, 4000.0), "4,000");
        assert_eq!(tick(grouped, 0.0), "0");
        assert_eq!(tick(grouped, 2.5), "2.5");
        assert_eq!(tick(percent, 0.1), "10%");
        assert_eq!(tick(percent, 0.125), "12.5%");
        assert_eq!(tick(plain, 20.0), "20");
    }

    #[test]
    fn peer_chart_labels_you_and_uses_the_shipped_font() {
        let values = [1.0, 2.0, 3.0, 4.0];
        let svg = peer_chart(&PeerChart {
            values: &values,
            you: Some(3.0),
            median: 2.5,
            q1: 1.75,
            q3: 3.25,
            axis_label: "WTE",
            format: plain,
        })
        .unwrap();
        assert!(svg.contains("You: 3.0"));
        assert!(svg.contains("Open Sans"));
        assert!(!svg.contains("opacity=\"0."), "no transparency");
    }

    #[test]
    fn many_peers_are_one_outline_and_quartiles_are_two_dashed_lines() {
        let values: Vec<f64> = (0..363).map(|i| i as f64 / 10.0).collect();
        let svg = peer_chart(&PeerChart {
            values: &values,
            you: Some(12.0),
            median: 18.1,
            q1: 9.0,
            q3: 27.2,
            axis_label: "WTE",
            format: plain,
        })
        .unwrap();
        assert_eq!(svg.matches("<polygon").count(), 1, "{svg}");
        assert_eq!(svg.matches("stroke-dasharray=\"6 4\"").count(), 2);
        assert_eq!(svg.matches(QUARTILE_STROKE).count(), 2);
        assert!(
            svg.matches("<polyline").count() < 20,
            "no line drawn dash by dash"
        );
    }

    #[test]
    fn charts_draw_without_data() {
        assert!(peer_chart(&PeerChart {
            values: &[],
            you: None,
            median: 0.0,
            q1: 0.0,
            q3: 0.0,
            axis_label: "x",
            format: plain
        })
        .is_ok());
        assert!(grouped_bars(&GroupedBars {
            categories: &[],
            series: &[],
            axis_label: "x",
            format: plain
        })
        .is_ok());
        assert!(trend_chart(&TrendChart {
            years: &[2024],
            series: &[("You".into(), vec![None])],
            axis_label: "x",
            format: plain
        })
        .is_ok());
        assert!(hex_map(&HexMap {
            cells: &[],
            legend: &[],
            regions: &[],
            title: "t"
        })
        .is_ok());
    }
}
