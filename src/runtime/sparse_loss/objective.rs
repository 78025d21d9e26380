//! The conditional I-Con loss of a Student-t q (§1, §2.3) against a sparse
//! p, with its gradient with respect to 2-D embedding points, computed on the
//! host. The repulsive sums come from a Barnes–Hut tree (θ > 0) or exactly
//! (θ = 0, the reference the tests hold the tree to).
//!
//! For row i with mass `m_i = Σ_j p_ij`, `Z_i = Σ_{j≠i} w_ij`, exaggeration α:
//!
//! ```text
//! L   = (1/R) Σ_i [ −α Σ_j p_ij log w_ij + m_i log Z_i ]        (α = 1: the cross-entropy of §1.1)
//! ∂L/∂y_i = (2e/a)/R · [ α Σ_j (p_ij + p_ji) u_ij (y_i − y_j)
//!                       − (m_i/Z_i) Σ_j w_ij u_ij (y_i − y_j)
//!                       − Σ_j (m_j/Z_j) w_ij u_ij (y_i − y_j) ]
//! ```
//!
//! with `u = 1/(1 + d/a)`, `w = u^e`, `a = νγ`, `e = (ν+1)/2`. The first
//! repulsive sum is the tree's plain pass, the second a pass in which every
//! point carries the charge `m_j/Z_j`.

use super::quadtree::{QuadTree, Student, Sums};
use rayon::prelude::*;

/// p's rows: `(j, p_ij)` with `p_ij > 0`.
pub type SparseRows = Vec<Vec<(usize, f64)>>;

/// How the loss is computed.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The kernel.
    pub kernel: Student,
    /// Barnes–Hut opening angle; 0 sums every pair exactly.
    pub theta: f64,
    /// Exaggeration α of the attraction (1 = the plain loss).
    pub alpha: f64,
    /// Whether `j = i` is left out of `Z_i` (q's `exclude_self`).
    pub exclude_self: bool,
}

/// The loss and its gradient (one 2-vector per point).
#[derive(Debug, Clone)]
pub struct LossGrad {
    /// `L` above.
    pub loss: f64,
    /// `∂L/∂y_i`.
    pub grad: Vec<[f64; 2]>,
}

/// `L` and `∂L/∂y` for points `y` and p rows `p` (one row per point).
pub fn loss_and_grad(y: &[[f64; 2]], p: &SparseRows, s: Settings) -> LossGrad {
    let n = y.len();
    let k = s.kernel;
    let mut tree = QuadTree::new(y.to_vec());
    let plain = per_point(&tree, |stack, i| {
        tree.sums(stack, i, k, s.theta, false, &[])
    });
    let self_w = if s.exclude_self { 0.0 } else { 1.0 };
    let z: Vec<f64> = plain.iter().map(|t| t.w + self_w).collect();
    let mass: Vec<f64> = p.iter().map(|row| row.iter().map(|e| e.1).sum()).collect();
    let charge: Vec<f64> = (0..n)
        .map(|i| if mass[i] > 0.0 { mass[i] / z[i] } else { 0.0 })
        .collect();
    tree.set_charges(&charge);
    let charged = per_point(&tree, |stack, i| {
        tree.sums(stack, i, k, s.theta, true, &charge)
    });

    let scale = 2.0 * k.e / k.a;
    let (mut loss, mut grad) = attraction(y, p, s.alpha * scale, s);
    for i in 0..n {
        if mass[i] > 0.0 {
            loss += mass[i] * z[i].ln();
        }
    }
    for (i, g) in grad.iter_mut().enumerate() {
        for (d, v) in g.iter_mut().enumerate() {
            *v -= scale * (charge[i] * plain[i].force[d] + charged[i].force[d]);
        }
    }
    let r = n.max(1) as f64;
    for g in &mut grad {
        g[0] /= r;
        g[1] /= r;
    }
    LossGrad {
        loss: loss / r,
        grad,
    }
}

/// `f(i)` for every point, computed in the tree's leaf order (neighbouring
/// points in turn, so consecutive traversals share cached cells), returned
/// by point index.
fn per_point<F: Fn(&mut Vec<usize>, usize) -> Sums + Sync>(tree: &QuadTree, f: F) -> Vec<Sums> {
    let in_order: Vec<Sums> = tree
        .order()
        .par_iter()
        .map_init(Vec::new, |stack, &i| f(stack, i))
        .collect();
    let mut out = vec![Sums::default(); in_order.len()];
    for (&i, v) in tree.order().iter().zip(in_order) {
        out[i] = v;
    }
    out
}

/// `−α Σ_ij p_ij log w_ij` and its gradient (`f = α·2e/a` per unit of
/// `p_ij u_ij (y_i − y_j)`, on i and, opposite, on j), over row chunks in
/// parallel. The chunks depend only on n and are summed in order, so the
/// result does not depend on the thread count.
fn attraction(y: &[[f64; 2]], p: &SparseRows, f: f64, s: Settings) -> (f64, Vec<[f64; 2]>) {
    let n = y.len();
    let chunk = n.div_ceil(32).max(256);
    let parts: Vec<(f64, Vec<[f64; 2]>)> = p
        .par_chunks(chunk)
        .enumerate()
        .map(|(c, rows)| {
            let mut grad = vec![[0.0f64; 2]; n];
            let mut loss = 0.0;
            for (k, row) in rows.iter().enumerate() {
                let i = c * chunk + k;
                for &(j, pij) in row {
                    let (dx, dy) = (y[i][0] - y[j][0], y[i][1] - y[j][1]);
                    let (u, w) = s.kernel.eval(dx * dx + dy * dy);
                    loss -= s.alpha * pij * w.ln();
                    let g = f * pij * u;
                    grad[i][0] += g * dx;
                    grad[i][1] += g * dy;
                    grad[j][0] -= g * dx;
                    grad[j][1] -= g * dy;
                }
            }
            (loss, grad)
        })
        .collect();
    let mut grad = vec![[0.0f64; 2]; n];
    let mut loss = 0.0;
    for (l, g) in parts {
        loss += l;
        for (acc, v) in grad.iter_mut().zip(g) {
            acc[0] += v[0];
            acc[1] += v[1];
        }
    }
    (loss, grad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(n: usize) -> (Vec<[f64; 2]>, SparseRows) {
        let y: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let t = i as f64 * 0.91;
                [3.0 * t.sin() + 0.1 * i as f64, 2.0 * (1.7 * t).cos()]
            })
            .collect();
        // Each row: three neighbours by index, unequal weights, one row empty.
        let p = (0..n)
            .map(|i| {
                if i == 5 {
                    return vec![];
                }
                let w = [0.5, 0.3, 0.2];
                (1..=3).map(|o| ((i + o * 7) % n, w[o - 1])).collect()
            })
            .collect();
        (y, p)
    }

    /// The loss by its definition, every pair summed directly.
    fn direct(y: &[[f64; 2]], p: &SparseRows, s: Settings) -> f64 {
        let n = y.len();
        let mut total = 0.0;
        for i in 0..n {
            let mass: f64 = p[i].iter().map(|e| e.1).sum();
            let w = |j: usize| {
                let d = (y[i][0] - y[j][0]).powi(2) + (y[i][1] - y[j][1]).powi(2);
                (1.0 + d / s.kernel.a).powf(-s.kernel.e)
            };
            let z: f64 = (0..n).filter(|&j| j != i || !s.exclude_self).map(w).sum();
            let att: f64 = p[i].iter().map(|&(j, pij)| pij * w(j).ln()).sum();
            if mass > 0.0 {
                total += -s.alpha * att + mass * z.ln();
            }
        }
        total / n as f64
    }

    #[test]
    fn exact_gradient_matches_finite_differences_of_the_definition() {
        let (y, p) = setup(40);
        for (kernel, alpha, exclude_self) in [
            (Student { a: 1.0, e: 1.0 }, 1.0, true),
            (
                Student {
                    a: 2.0 * 0.7,
                    e: 1.5,
                },
                4.0,
                false,
            ),
        ] {
            let s = Settings {
                kernel,
                theta: 0.0,
                alpha,
                exclude_self,
            };
            let out = loss_and_grad(&y, &p, s);
            assert!((out.loss - direct(&y, &p, s)).abs() < 1e-12);
            let h = 1e-6;
            for i in [0, 5, 17, 39] {
                for d in 0..2 {
                    let mut a = y.clone();
                    a[i][d] += h;
                    let mut b = y.clone();
                    b[i][d] -= h;
                    let fd = (direct(&a, &p, s) - direct(&b, &p, s)) / (2.0 * h);
                    assert!(
                        (fd - out.grad[i][d]).abs() < 1e-7,
                        "{i} {d}: {fd} vs {}",
                        out.grad[i][d]
                    );
                }
            }
        }
    }

    #[test]
    fn barnes_hut_is_close_to_exact() {
        let (y, p) = setup(500);
        let s = Settings {
            kernel: Student { a: 1.0, e: 1.0 },
            theta: 0.0,
            alpha: 1.0,
            exclude_self: true,
        };
        let exact = loss_and_grad(&y, &p, s);
        let bh = loss_and_grad(&y, &p, Settings { theta: 0.5, ..s });
        assert!(
            (bh.loss - exact.loss).abs() < 2e-3 * exact.loss.abs(),
            "{} vs {}",
            bh.loss,
            exact.loss
        );
        let norm = |g: &[[f64; 2]]| {
            g.iter()
                .map(|v| v[0] * v[0] + v[1] * v[1])
                .sum::<f64>()
                .sqrt()
        };
        let diff: Vec<[f64; 2]> = bh
            .grad
            .iter()
            .zip(&exact.grad)
            .map(|(a, b)| [a[0] - b[0], a[1] - b[1]])
            .collect();
        assert!(
            norm(&diff) < 2e-2 * norm(&exact.grad),
            "{} vs {}",
            norm(&diff),
            norm(&exact.grad)
        );
    }
}
