//! A 2-D Barnes–Hut quadtree for the repulsive sums of a Student-t q
//! (van der Maaten, "Accelerating t-SNE using tree-based algorithms", JMLR
//! 2014): a cell far enough from a point stands for all its points, at its
//! centre of mass.
//!
//! Built top-down by splitting index ranges into quadrants, so the tree, and
//! every sum over it, depends only on the points (not on threads).

/// Kernel constants: `w = u^e` with `u = 1/(1 + d/a)`, `d` the squared
/// distance (`a = νγ`, `e = (ν+1)/2`, §2.3).
#[derive(Debug, Clone, Copy)]
pub struct Student {
    /// `νγ`.
    pub a: f64,
    /// `(ν+1)/2`.
    pub e: f64,
}

impl Student {
    /// `(u, w)` at squared distance `d`.
    #[inline]
    pub fn eval(self, d: f64) -> (f64, f64) {
        let u = 1.0 / (1.0 + d / self.a);
        let w = if self.e == 1.0 { u } else { u.powf(self.e) };
        (u, w)
    }
}

/// A cell with at most this many points is a leaf, summed point by point:
/// fewer, larger leaves cut the traversal's bookkeeping and are exact.
const LEAF_POINTS: usize = 8;

/// Cells are not split below this width relative to the root's, so equal
/// points end in one leaf instead of recursing forever.
const MIN_WIDTH: f64 = 1e-12;

#[derive(Debug, Clone)]
struct Node {
    /// Lower corner and width of the (square) cell.
    lo: [f64; 2],
    width: f64,
    /// Points in the cell and their mean.
    count: f64,
    centre: [f64; 2],
    /// Sum of the points' charges and their charge-weighted mean.
    charge: f64,
    charge_centre: [f64; 2],
    /// The points of the cell are `order[start..end]`.
    start: usize,
    end: usize,
    /// First of four children (quadrants 0..4), or `None` for a leaf.
    children: Option<usize>,
}

/// The tree over `points`.
#[derive(Debug, Clone)]
pub struct QuadTree {
    points: Vec<[f64; 2]>,
    order: Vec<usize>,
    nodes: Vec<Node>,
}

/// What one point's traversal sums: `Σ_j c_j w_ij` and `Σ_j c_j w_ij u_ij (y_i − y_j)`
/// over `j ≠ i`, with `c_j = 1` (counts) or the points' charges.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sums {
    /// `Σ c w`.
    pub w: f64,
    /// `Σ c w u (y_i − y_j)`.
    pub force: [f64; 2],
}

impl QuadTree {
    /// Builds the tree; every point starts with charge 1.
    pub fn new(points: Vec<[f64; 2]>) -> Self {
        let n = points.len();
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in &points {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        if n == 0 {
            lo = [0.0; 2];
            hi = [0.0; 2];
        }
        // A little slack so the upper edge falls inside the last quadrant.
        let width = ((hi[0] - lo[0]).max(hi[1] - lo[1])).max(1e-9) * (1.0 + 1e-9);
        let mut tree = QuadTree {
            points,
            order: (0..n).collect(),
            nodes: Vec::with_capacity(2 * n.max(1)),
        };
        tree.nodes.push(tree.cell(lo, width, 0, n));
        let min_width = width * MIN_WIDTH;
        let mut todo = vec![0usize];
        while let Some(id) = todo.pop() {
            let (start, end, width) = (
                tree.nodes[id].start,
                tree.nodes[id].end,
                tree.nodes[id].width,
            );
            if end - start <= LEAF_POINTS || width <= min_width {
                continue;
            }
            let first = tree.split(id);
            todo.extend(first..first + 4);
        }
        tree
    }

    fn cell(&self, lo: [f64; 2], width: f64, start: usize, end: usize) -> Node {
        let mut centre = [0.0; 2];
        for &i in &self.order[start..end] {
            centre[0] += self.points[i][0];
            centre[1] += self.points[i][1];
        }
        let count = (end - start) as f64;
        if count > 0.0 {
            centre = [centre[0] / count, centre[1] / count];
        }
        Node {
            lo,
            width,
            count,
            centre,
            charge: count,
            charge_centre: centre,
            start,
            end,
            children: None,
        }
    }

    /// Splits node `id` into its four quadrants (stable within each).
    fn split(&mut self, id: usize) -> usize {
        let Node {
            lo,
            width,
            start,
            end,
            ..
        } = self.nodes[id].clone();
        let half = width / 2.0;
        let mid = [lo[0] + half, lo[1] + half];
        let quadrant = |p: &[f64; 2]| usize::from(p[0] >= mid[0]) + 2 * usize::from(p[1] >= mid[1]);
        let mut buckets: [Vec<usize>; 4] = Default::default();
        for &i in &self.order[start..end] {
            buckets[quadrant(&self.points[i])].push(i);
        }
        let first = self.nodes.len();
        let mut at = start;
        for (q, bucket) in buckets.iter().enumerate() {
            self.order[at..at + bucket.len()].copy_from_slice(bucket);
            let clo = [lo[0] + half * (q % 2) as f64, lo[1] + half * (q / 2) as f64];
            let node = self.cell(clo, half, at, at + bucket.len());
            self.nodes.push(node);
            at += bucket.len();
        }
        self.nodes[id].children = Some(first);
        first
    }

    /// Gives point `i` charge `charges[i]` and recomputes every cell's
    /// charge and charge-weighted centre.
    pub fn set_charges(&mut self, charges: &[f64]) {
        for node in &mut self.nodes {
            let (mut c, mut m) = (0.0, [0.0; 2]);
            for &i in &self.order[node.start..node.end] {
                c += charges[i];
                m[0] += charges[i] * self.points[i][0];
                m[1] += charges[i] * self.points[i][1];
            }
            node.charge = c;
            node.charge_centre = if c > 0.0 {
                [m[0] / c, m[1] / c]
            } else {
                node.centre
            };
        }
    }

    /// The sums of point `i` over every other point, a cell standing for its
    /// points when `width < θ · distance` to its centre (θ = 0: exact). With
    /// `charged`, each point counts with its charge (see [`set_charges`]).
    /// `todo` is the caller's traversal stack (one per thread saves an
    /// allocation per point).
    pub fn sums(
        &self,
        todo: &mut Vec<usize>,
        i: usize,
        kernel: Student,
        theta: f64,
        charged: bool,
        charges: &[f64],
    ) -> Sums {
        let y = self.points[i];
        // A point inside a square cell is within √2·width of any point of
        // it, so below θ = 1/√2 the opening test alone keeps such a cell open.
        let check_inside = theta * theta >= 0.5;
        let mut out = Sums::default();
        let mut add = |c: f64, at: [f64; 2]| {
            let (dx, dy) = (y[0] - at[0], y[1] - at[1]);
            let (u, w) = kernel.eval(dx * dx + dy * dy);
            out.w += c * w;
            out.force[0] += c * w * u * dx;
            out.force[1] += c * w * u * dy;
        };
        todo.clear();
        todo.push(0);
        while let Some(id) = todo.pop() {
            let node = &self.nodes[id];
            let (c, at) = if charged {
                (node.charge, node.charge_centre)
            } else {
                (node.count, node.centre)
            };
            if c <= 0.0 {
                continue;
            }
            let Some(first) = node.children else {
                for &k in &self.order[node.start..node.end] {
                    if k != i {
                        add(if charged { charges[k] } else { 1.0 }, self.points[k]);
                    }
                }
                continue;
            };
            let (dx, dy) = (y[0] - at[0], y[1] - at[1]);
            let inside = check_inside
                && (0..2).all(|k| y[k] >= node.lo[k] && y[k] < node.lo[k] + node.width);
            if !inside && node.width * node.width < theta * theta * (dx * dx + dy * dy) {
                add(c, at);
            } else {
                todo.extend(first..first + 4);
            }
        }
        out
    }

    /// The points in leaf order (each cell's points are contiguous).
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The number of points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True without points.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(n: usize) -> Vec<[f64; 2]> {
        // A deterministic spiral with a duplicate pair.
        let mut p: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let t = i as f64 * 0.37;
                [t.cos() * (1.0 + t), t.sin() * (0.5 + t)]
            })
            .collect();
        p[3] = p[7];
        p
    }

    fn exact(p: &[[f64; 2]], i: usize, k: Student, c: &[f64]) -> Sums {
        let mut s = Sums::default();
        for (j, q) in p.iter().enumerate() {
            if j != i {
                let (dx, dy) = (p[i][0] - q[0], p[i][1] - q[1]);
                let (u, w) = k.eval(dx * dx + dy * dy);
                s.w += c[j] * w;
                s.force[0] += c[j] * w * u * dx;
                s.force[1] += c[j] * w * u * dy;
            }
        }
        s
    }

    #[test]
    fn theta_zero_is_exact_and_theta_half_is_close() {
        let p = points(300);
        let k = Student { a: 1.0, e: 1.0 };
        let charges: Vec<f64> = (0..p.len()).map(|i| 0.5 + (i % 7) as f64 / 7.0).collect();
        let mut tree = QuadTree::new(p.clone());
        tree.set_charges(&charges);
        let ones = vec![1.0; p.len()];
        for i in [0, 3, 7, 150, 299] {
            for (charged, c) in [(false, &ones), (true, &charges)] {
                let want = exact(&p, i, k, c);
                let got = tree.sums(&mut Vec::new(), i, k, 0.0, charged, &charges);
                assert!((got.w - want.w).abs() <= 1e-12 * want.w, "{got:?} {want:?}");
                for d in 0..2 {
                    assert!((got.force[d] - want.force[d]).abs() <= 1e-12 * want.w);
                }
                let approx = tree.sums(&mut Vec::new(), i, k, 0.5, charged, &charges);
                assert!(
                    (approx.w - want.w).abs() <= 1e-2 * want.w,
                    "{approx:?} {want:?}"
                );
            }
        }
    }

    #[test]
    fn equal_points_and_tiny_sets_do_not_recurse_forever() {
        let tree = QuadTree::new(vec![[1.0, 1.0]; 50]);
        let s = tree.sums(
            &mut Vec::new(),
            0,
            Student { a: 1.0, e: 1.0 },
            0.5,
            false,
            &[],
        );
        assert!((s.w - 49.0).abs() < 1e-12);
        assert_eq!(QuadTree::new(vec![]).len(), 0);
        let one = QuadTree::new(vec![[0.0, 0.0]]);
        assert_eq!(
            one.sums(
                &mut Vec::new(),
                0,
                Student { a: 1.0, e: 1.0 },
                0.5,
                false,
                &[]
            )
            .w,
            0.0
        );
    }
}
