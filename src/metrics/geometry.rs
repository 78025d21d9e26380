//! Alignment and uniformity of an embedding (Wang & Isola 2020, α = 2, t = 2).
//!
//! Both are computed on the features as given; Wang & Isola define them on
//! L2-normalized features, so pass normalized rows to compare with the paper.

use super::rows::{count, sq_dist};

/// `mean_i ‖a_i − b_i‖²` over positive pairs (row i of `a` with row i of `b`).
/// Lower is better. NaN when empty or the shapes differ.
///
/// # Shapes
/// `a`, `b`: n×dim.
pub fn alignment(a: &[f32], b: &[f32], dim: usize) -> f64 {
    match (count(a, dim), count(b, dim)) {
        (Some(n), Some(m)) if n == m && n > 0 => {
            let s: f64 = a
                .chunks_exact(dim)
                .zip(b.chunks_exact(dim))
                .map(|(x, y)| f64::from(sq_dist(x, y)))
                .sum();
            s / n as f64
        }
        _ => f64::NAN,
    }
}

/// `log mean_{i<j} exp(−2‖f_i − f_j‖²)`, computed with a log-sum-exp.
/// Lower is more uniform. NaN with fewer than 2 rows.
///
/// # Shapes
/// `f`: n×dim.
pub fn uniformity(f: &[f32], dim: usize) -> f64 {
    let Some(n) = count(f, dim).filter(|&n| n >= 2) else {
        return f64::NAN;
    };
    let rows: Vec<&[f32]> = f.chunks_exact(dim).collect();
    // Online log-sum-exp: running max and the sum scaled by exp(−max).
    let (mut max, mut sum) = (f64::NEG_INFINITY, 0.0f64);
    for i in 0..n {
        for j in i + 1..n {
            let t = -2.0 * f64::from(sq_dist(rows[i], rows[j]));
            if t > max {
                sum = sum * (max - t).exp() + 1.0;
                max = t;
            } else {
                sum += (t - max).exp();
            }
        }
    }
    let pairs = (n * (n - 1) / 2) as f64;
    max + sum.ln() - pairs.ln()
}
