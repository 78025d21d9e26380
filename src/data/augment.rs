//! Image augmentations on (c, h, w) f32 images, deterministic given the RNG.
//!
//! Steps run in the order written in the method. Vectors (no image geometry)
//! get only [`Augment::Noise`]; the image-only steps leave them unchanged.

use super::rng;
use crate::ir::Augment;
use rand::Rng;

/// Applies `steps` to one sample and returns the augmented copy.
///
/// # Shapes
/// `row`: c·h·w (image) or F (vector); the result has the same length.
pub fn apply(
    row: &[f32],
    image: Option<(usize, usize, usize)>,
    steps: &[Augment],
    rng: &mut impl Rng,
) -> Vec<f32> {
    let mut out = row.to_vec();
    let geometry = image.filter(|&(c, h, w)| c * h * w == row.len() && h > 0 && w > 0);
    for step in steps {
        match (step, geometry) {
            (Augment::Noise { std }, _) => noise(&mut out, *std, rng),
            (Augment::Crop { scale, max_scale }, Some(g)) => {
                out = resized_crop(&out, g, (*scale, *max_scale), rng)
            }
            (Augment::Flip { p }, Some(g)) => {
                if rng.random::<f64>() < *p {
                    hflip(&mut out, g);
                }
            }
            (Augment::Affine { degrees, translate }, Some(g)) => {
                let angle = rng::uniform(rng, -degrees, *degrees).to_radians();
                let (_, h, w) = g;
                let tx = rng::uniform(rng, -translate, *translate) * w as f64;
                let ty = rng::uniform(rng, -translate, *translate) * h as f64;
                out = affine(&out, g, angle, tx, ty);
            }
            (Augment::Jitter { strength }, Some(g)) => jitter(&mut out, g, *strength, rng),
            // Decision: image-only steps are a no-op on vector data.
            (_, None) => {}
        }
    }
    out
}

/// Adds N(0, std²) to every element (no clamping).
pub fn noise(x: &mut [f32], std: f64, rng: &mut impl Rng) {
    if std > 0.0 {
        for v in x {
            *v += (std * rng::normal(rng)) as f32;
        }
    }
}

/// Mirrors every row of every channel.
pub fn hflip(x: &mut [f32], (_, _, w): (usize, usize, usize)) {
    for row in x.chunks_exact_mut(w) {
        row.reverse();
    }
}

/// torchvision-style RandomResizedCrop: a crop of area fraction in
/// [scale, max_scale] and aspect ratio in [3/4, 4/3] (log-uniform), resized
/// back to (h, w) with bilinear interpolation. Falls back to the whole image
/// after 10 failed tries (torchvision falls back to a central crop).
pub fn resized_crop(
    x: &[f32],
    g: (usize, usize, usize),
    (scale, max_scale): (f64, f64),
    rng: &mut impl Rng,
) -> Vec<f32> {
    let (_, h, w) = g;
    let area = (h * w) as f64;
    let (lo, hi) = ((3.0f64 / 4.0).ln(), (4.0f64 / 3.0).ln());
    let top_scale = max_scale.clamp(0.0, 1.0);
    for _ in 0..10 {
        let target = area * rng::uniform(rng, scale.clamp(0.0, top_scale), top_scale);
        let aspect = rng::uniform(rng, lo, hi).exp();
        let cw = (target * aspect).sqrt().round() as usize;
        let ch = (target / aspect).sqrt().round() as usize;
        if cw > 0 && ch > 0 && cw <= w && ch <= h {
            let top = rng.random_range(0..=h - ch);
            let left = rng.random_range(0..=w - cw);
            return resize_window(x, g, (top, left, ch, cw));
        }
    }
    x.to_vec()
}

/// Bilinearly resizes the window (top, left, ch, cw) of every channel to (h, w)
/// (half-pixel centres, edge clamped, like `align_corners = False`).
fn resize_window(
    x: &[f32],
    (c, h, w): (usize, usize, usize),
    (top, left, ch, cw): (usize, usize, usize, usize),
) -> Vec<f32> {
    let mut out = vec![0.0; c * h * w];
    let (sy, sx) = (ch as f64 / h as f64, cw as f64 / w as f64);
    for k in 0..c {
        let plane = &x[k * h * w..(k + 1) * h * w];
        for oy in 0..h {
            let fy = ((oy as f64 + 0.5) * sy - 0.5).clamp(0.0, (ch - 1) as f64) + top as f64;
            for ox in 0..w {
                let fx = ((ox as f64 + 0.5) * sx - 0.5).clamp(0.0, (cw - 1) as f64) + left as f64;
                out[k * h * w + oy * w + ox] = bilinear(plane, h, w, fy, fx);
            }
        }
    }
    out
}

/// Rotation by `angle` radians about the centre, then translation by
/// (tx, ty) pixels; bilinear, zero outside the source.
pub fn affine(
    x: &[f32],
    (c, h, w): (usize, usize, usize),
    angle: f64,
    tx: f64,
    ty: f64,
) -> Vec<f32> {
    let mut out = vec![0.0; c * h * w];
    let (cy, cx) = ((h as f64 - 1.0) / 2.0, (w as f64 - 1.0) / 2.0);
    let (sin, cos) = angle.sin_cos();
    for k in 0..c {
        let plane = &x[k * h * w..(k + 1) * h * w];
        for oy in 0..h {
            for ox in 0..w {
                // Inverse map: undo the translation, then rotate by −angle.
                let (dx, dy) = (ox as f64 - cx - tx, oy as f64 - cy - ty);
                let fx = cos * dx + sin * dy + cx;
                let fy = -sin * dx + cos * dy + cy;
                out[k * h * w + oy * w + ox] = bilinear(plane, h, w, fy, fx);
            }
        }
    }
    out
}

/// Bilinear sample of one plane at (fy, fx); pixels outside count as 0.
fn bilinear(plane: &[f32], h: usize, w: usize, fy: f64, fx: f64) -> f32 {
    let (y0, x0) = (fy.floor(), fx.floor());
    let (wy, wx) = ((fy - y0) as f32, (fx - x0) as f32);
    let at = |y: f64, x: f64| -> f32 {
        if y < 0.0 || x < 0.0 || y >= h as f64 || x >= w as f64 {
            0.0
        } else {
            plane
                .get(y as usize * w + x as usize)
                .copied()
                .unwrap_or(0.0)
        }
    };
    let top = at(y0, x0) * (1.0 - wx) + at(y0, x0 + 1.0) * wx;
    let bottom = at(y0 + 1.0, x0) * (1.0 - wx) + at(y0 + 1.0, x0 + 1.0) * wx;
    top * (1.0 - wy) + bottom * wy
}

/// Brightness, contrast and (RGB only) saturation jitter, factors drawn from
/// U(1 − s, 1 + s); values clamped to [0, 1] after each step.
// Decision: fixed order brightness → contrast → saturation (torchvision
// permutes them randomly); no hue jitter.
pub fn jitter(x: &mut [f32], (c, h, w): (usize, usize, usize), strength: f64, rng: &mut impl Rng) {
    let s = strength.clamp(0.0, 1.0);
    let mut factor = || rng::uniform(rng, 1.0 - s, 1.0 + s) as f32;
    let (b, k, sat) = (factor(), factor(), factor());
    let clamp = |v: f32| v.clamp(0.0, 1.0);
    x.iter_mut().for_each(|v| *v = clamp(*v * b));
    let gray = grayscale(x, (c, h, w));
    let mean = gray.iter().sum::<f32>() / gray.len().max(1) as f32;
    x.iter_mut()
        .for_each(|v| *v = clamp((*v - mean) * k + mean));
    if c == 3 {
        let gray = grayscale(x, (c, h, w));
        for (i, v) in x.iter_mut().enumerate() {
            let g = gray[i % (h * w)];
            *v = clamp(g + (*v - g) * sat);
        }
    }
}

/// Per-pixel luma (ITU-R 601 weights for RGB, the channel mean otherwise).
fn grayscale(x: &[f32], (c, h, w): (usize, usize, usize)) -> Vec<f32> {
    let hw = h * w;
    (0..hw)
        .map(|p| {
            if c == 3 {
                0.299 * x[p] + 0.587 * x[hw + p] + 0.114 * x[2 * hw + p]
            } else {
                (0..c).map(|k| x[k * hw + p]).sum::<f32>() / c as f32
            }
        })
        .collect()
}
