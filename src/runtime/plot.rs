//! PNG plots: the training-loss curve and a 2-D embedding scatter.
//!
//! Text uses a bundled font (`assets/fonts/DejaVuSans.ttf`, registered with
//! plotters' `ab_glyph` backend) so a machine without system fonts still
//! renders labels. Files are written to a temporary sibling and renamed, so
//! a reader never sees a half-written PNG.

use crate::diag::Code;
use crate::diag::Diagnostic;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();
const SIZE: (u32, u32) = (900, 700);

/// matplotlib's tab10 palette (label c uses colour c mod 10).
const TAB10: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// Legend entries shown at most (more classes are drawn but not listed).
const MAX_LEGEND: usize = 20;

/// Writes the loss curve `(step, loss)` to `path` (PNG). Non-finite losses are skipped.
pub fn loss_png(path: &Path, points: &[(usize, f32)]) -> Result<(), Diagnostic> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|(_, l)| l.is_finite())
        .map(|&(s, l)| (s as f64, f64::from(l)))
        .collect();
    let (xr, yr) = (
        range(pts.iter().map(|p| p.0)),
        range(pts.iter().map(|p| p.1)),
    );
    write_atomically(path, |tmp| {
        let root = BitMapBackend::new(tmp, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("training loss", (FONT, 26))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("loss")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 15))
            .draw()
            .map_err(err)?;
        let line = RGBColor(TAB10[0].0, TAB10[0].1, TAB10[0].2);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), line.stroke_width(2)))
            .map_err(err)?;
        root.present().map_err(err)
    })
}

/// Writes a scatter of `emb` (n×dim) coloured by label, with a legend, to
/// `path` (PNG). D > 2 is projected on the top two principal components;
/// D = 1 is drawn against 0.
///
/// # Shapes
/// `emb`: n×dim, `labels`: n.
pub fn embedding_png(
    path: &Path,
    emb: &[f32],
    dim: usize,
    labels: &[i64],
) -> Result<(), Diagnostic> {
    let xy = to_2d(emb, dim);
    let (xr, yr) = (range(xy.iter().map(|p| p.0)), range(xy.iter().map(|p| p.1)));
    let mut classes: Vec<i64> = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let title = if dim > 2 {
        "embedding (PCA to 2-D)"
    } else {
        "embedding"
    };
    write_atomically(path, |tmp| {
        let root = BitMapBackend::new(tmp, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 26))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
            .map_err(err)?;
        let (xd, yd) = if dim > 2 {
            ("PC 1", "PC 2")
        } else {
            ("dim 1", "dim 2")
        };
        chart
            .configure_mesh()
            .x_desc(xd)
            .y_desc(yd)
            .label_style((FONT, 15))
            .draw()
            .map_err(err)?;
        for (k, &class) in classes.iter().enumerate() {
            let (r, g, b) = TAB10[class.rem_euclid(10) as usize];
            let colour = RGBColor(r, g, b);
            let pts: Vec<(f64, f64)> = xy
                .iter()
                .zip(labels)
                .filter(|&(p, &l)| l == class && p.0.is_finite() && p.1.is_finite())
                .map(|(&p, _)| p)
                .collect();
            let series = chart
                .draw_series(
                    pts.into_iter()
                        .map(|p| Circle::new(p, 2, colour.mix(0.7).filled())),
                )
                .map_err(err)?;
            if k < MAX_LEGEND {
                series
                    .label(class.to_string())
                    .legend(move |(x, y)| Circle::new((x + 8, y), 5, colour.filled()));
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 15))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)
    })
}

/// Projects rows to 2-D: as is for D = 2, (x, 0) for D = 1, otherwise the
/// scores on the top two principal components (power iteration on the
/// centred data, sign fixed so the largest loading is positive).
pub fn to_2d(emb: &[f32], dim: usize) -> Vec<(f64, f64)> {
    if dim == 0 {
        return Vec::new();
    }
    let rows: Vec<Vec<f64>> = emb
        .chunks_exact(dim)
        .map(|r| r.iter().map(|&v| f64::from(v)).collect())
        .collect();
    match dim {
        1 => rows.iter().map(|r| (r[0], 0.0)).collect(),
        2 => rows.iter().map(|r| (r[0], r[1])).collect(),
        _ => {
            let n = rows.len().max(1) as f64;
            let mut mean = vec![0.0; dim];
            for r in &rows {
                mean.iter_mut().zip(r).for_each(|(m, v)| *m += v / n);
            }
            let centred: Vec<Vec<f64>> = rows
                .iter()
                .map(|r| r.iter().zip(&mean).map(|(v, m)| v - m).collect())
                .collect();
            let pc1 = top_component(&centred, dim, None);
            let pc2 = top_component(&centred, dim, Some(&pc1));
            centred
                .iter()
                .map(|r| (dot(r, &pc1), dot(r, &pc2)))
                .collect()
        }
    }
}

/// Leading eigenvector of XᵀX (orthogonal to `avoid`), 100 power iterations.
fn top_component(x: &[Vec<f64>], dim: usize, avoid: Option<&[f64]>) -> Vec<f64> {
    // Deterministic, generic start vector.
    let mut v: Vec<f64> = (0..dim).map(|i| 1.0 + (i as f64 * 0.7).sin()).collect();
    for _ in 0..100 {
        if let Some(a) = avoid {
            let p = dot(&v, a);
            v.iter_mut().zip(a).for_each(|(vi, ai)| *vi -= p * ai);
        }
        let mut u = vec![0.0; dim];
        for r in x {
            let s = dot(r, &v);
            u.iter_mut().zip(r).for_each(|(ui, ri)| *ui += s * ri);
        }
        let norm = dot(&u, &u).sqrt();
        if norm == 0.0 || !norm.is_finite() {
            break;
        }
        v = u.into_iter().map(|a| a / norm).collect();
    }
    if let Some(a) = avoid {
        let p = dot(&v, a);
        v.iter_mut().zip(a).for_each(|(vi, ai)| *vi -= p * ai);
    }
    let norm = dot(&v, &v).sqrt().max(1e-300);
    let big = v
        .iter()
        .copied()
        .fold(0.0f64, |m, a| if a.abs() > m.abs() { a } else { m });
    let sign = if big < 0.0 { -1.0 } else { 1.0 };
    v.into_iter().map(|a| sign * a / norm).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// (min, max) of the finite values, padded by 5 % (0..1 when there are none).
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
    (lo - pad, hi + pad)
}

/// Draws into a temporary `.png` next to `path`, then renames it into place.
fn write_atomically(
    path: &Path,
    draw: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), Diagnostic> {
    REGISTER.call_once(|| {
        // The font is bundled and known-good; a failure only loses the text.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
    let tmp = temp_sibling(path);
    let fail = |what: String| {
        let _ = std::fs::remove_file(&tmp);
        Diagnostic::bare(
            Code::OutputNotWritable,
            format!("cannot write plot `{}`: {what}", path.display()),
        )
        .with_help("check that the output directory exists and is writable")
    };
    // plotters panics in some backends on drawing errors; keep those contained.
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| draw(&tmp)))
        .unwrap_or_else(|_| Err("the plotting backend failed".into()));
    drawn.map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| fail(e.to_string()))
}

/// `dir/.name.tmp.png` (the bitmap encoder picks the format from the extension).
fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "plot".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.tmp.png", std::process::id()))
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}
