//! `loss.png` (mean loss per epoch) and `embedding.png` (the first two
//! embedding coordinates coloured by label), written atomically. No text is
//! drawn, so no font is needed.

use super::evaluate::EvalReport;
use crate::diag::Diagnostic;
use plotters::prelude::*;
use std::path::Path;

const SIZE: (u32, u32) = (640, 480);

/// Ten distinguishable label colours (tab10).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Writes both plots into `dir`.
pub fn write_plots(dir: &Path, epoch_losses: &[f64], report: &EvalReport) -> Result<(), Diagnostic> {
    render(&dir.join("loss.png"), |area| loss_chart(area, epoch_losses))?;
    render(&dir.join("embedding.png"), |area| scatter(area, report))
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// Draws into a hidden temp `.png` beside `path` (plotters encodes by
/// extension), then renames it into place.
fn render(path: &Path, draw: impl FnOnce(&Area<'_>) -> Result<(), String>) -> Result<(), Diagnostic> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".tmp-{}-{name}", std::process::id()));
    let fail = |e: String| {
        let _ = std::fs::remove_file(&tmp);
        Diagnostic::bare("E0702", format!("cannot draw `{}`: {e}", path.display()))
    };
    {
        let area = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
        area.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        draw(&area).map_err(fail)?;
        area.present().map_err(|e| fail(e.to_string()))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        crate::runtime::output::io_error(path, &e)
    })
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    (lo - pad, hi + pad)
}

fn loss_chart(area: &Area<'_>, losses: &[f64]) -> Result<(), String> {
    let (lo, hi) = range(losses.iter().copied());
    let mut chart = ChartBuilder::on(area)
        .margin(20)
        .build_cartesian_2d(0f64..(losses.len().max(2) - 1) as f64, lo..hi)
        .map_err(|e| e.to_string())?;
    let points = losses
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, &v)| (i as f64, v));
    chart
        .draw_series(LineSeries::new(points, &PALETTE[0]))
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn scatter(area: &Area<'_>, r: &EvalReport) -> Result<(), String> {
    let dim = r.dim.max(1);
    let coord = |row: &[f32]| {
        let x = row.first().copied().unwrap_or(0.0) as f64;
        let y = row.get(1).copied().unwrap_or(0.0) as f64;
        (x, y)
    };
    let pts: Vec<(f64, f64)> = r.embeddings.chunks_exact(dim).map(coord).collect();
    let (x0, x1) = range(pts.iter().map(|p| p.0));
    let (y0, y1) = range(pts.iter().map(|p| p.1));
    let mut chart = ChartBuilder::on(area)
        .margin(20)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|e| e.to_string())?;
    let dots = pts.iter().zip(&r.labels).map(|(&p, &l)| {
        let c = PALETTE[l.rem_euclid(PALETTE.len() as i64) as usize];
        Circle::new(p, 2, c.filled())
    });
    chart.draw_series(dots).map_err(|e| e.to_string())?;
    Ok(())
}
