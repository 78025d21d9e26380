//! GraphWeights (§2.4): a global symmetric W ≥ 0 read from an edge list
//! (`i j w` per line, `#` comments), restricted to the batch by `index`.

use super::host::{candidate_mask, HostKeys, HostMatrix, MaskShape};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{self, GraphMode, Kernel, KernelExpr};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

/// A sparse symmetric weight matrix with global degrees.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    /// `adjacency[i][j] = w_ij`.
    pub adjacency: Vec<BTreeMap<usize, f64>>,
    /// `deg_i = Σ_j w_ij` over the whole graph.
    pub degree: Vec<f64>,
}

impl Graph {
    /// Parses an edge list. Decision: each line is one undirected edge
    /// (W_ij = W_ji = w); a repeated pair keeps its last weight.
    pub fn parse(text: &str, path: &str) -> Result<Graph, Diagnostic> {
        let mut edges = Vec::new();
        let mut nodes = 0usize;
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let parts: Vec<&str> = line
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|s| !s.is_empty())
                .collect();
            let parsed = match parts.as_slice() {
                [i, j] => i
                    .parse::<usize>()
                    .ok()
                    .zip(j.parse::<usize>().ok())
                    .map(|(i, j)| (i, j, 1.0)),
                [i, j, w] => match (i.parse::<usize>(), j.parse::<usize>(), w.parse::<f64>()) {
                    (Ok(i), Ok(j), Ok(w)) if w >= 0.0 && w.is_finite() => Some((i, j, w)),
                    _ => None,
                },
                _ => None,
            };
            let (i, j, w) = parsed.ok_or_else(|| {
                Diagnostic::bare(
                    Code::BadGraphFile,
                    format!("line {} of graph `{path}` is not `i j w`", n + 1),
                )
                .with_help("each line needs two node ids (integers ≥ 0) and an optional weight ≥ 0")
            })?;
            if i.max(j) as u64 >= crate::check::signatures::MAX_SIZE {
                return Err(Diagnostic::bare(
                    Code::BadGraphFile,
                    format!(
                        "line {} of graph `{path}` names node {}, past the largest data set ({} samples)",
                        n + 1,
                        i.max(j),
                        crate::check::signatures::MAX_SIZE
                    ),
                )
                .with_help("node ids are data-set indices 0..n"));
            }
            nodes = nodes.max(i + 1).max(j + 1);
            edges.push((i, j, w));
        }
        let mut adjacency = vec![BTreeMap::new(); nodes];
        for (i, j, w) in edges {
            adjacency[i].insert(j, w);
            adjacency[j].insert(i, w);
        }
        let degree = adjacency.iter().map(|row| row.values().sum()).collect();
        Ok(Graph { adjacency, degree })
    }

    /// Loads (and caches, the file is read once per process) a graph.
    pub fn load(path: &str) -> Result<Arc<Graph>, Diagnostic> {
        static CACHE: OnceLock<Mutex<HashMap<String, Arc<Graph>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        if let Some(g) = cache.lock().ok().and_then(|c| c.get(path).cloned()) {
            return Ok(g);
        }
        let text = crate::files::read_text(Path::new(path), crate::files::MAX_DATA_BYTES).map_err(
            |e| {
                Diagnostic::bare(
                    Code::BadGraphFile,
                    format!("cannot read graph `{path}`: {e}"),
                )
                .with_help("give the path of an edge-list file (`i j w` per line)")
            },
        )?;
        let g = Arc::new(Graph::parse(&text, path)?);
        if let Ok(mut c) = cache.lock() {
            c.insert(path.to_string(), g.clone());
        }
        Ok(g)
    }

    /// `w_ij` (0 for unknown nodes).
    pub fn weight(&self, i: i64, j: i64) -> f64 {
        let (Ok(i), Ok(j)) = (usize::try_from(i), usize::try_from(j)) else {
            return 0.0;
        };
        self.adjacency
            .get(i)
            .and_then(|r| r.get(&j))
            .copied()
            .unwrap_or(0.0)
    }

    /// Global degree of node `i` (0 for unknown nodes).
    pub fn degree_of(&self, i: i64) -> f64 {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.degree.get(i))
            .copied()
            .unwrap_or(0.0)
    }
}

/// The batch block `W[idx, idx]` weighted per `mode`.
///
/// Decision: `transition` excludes self (C_i = j ≠ i); `softmax_degree` is
/// dense and includes self (§2.4). `w/deg` with deg = 0 reads as 0.
pub fn graph_kernel(
    hb: &HostKeys,
    inputs: &[String],
    path: &str,
    mode: GraphMode,
) -> Result<HostMatrix, Diagnostic> {
    let key = inputs.first().map(String::as_str).unwrap_or("index");
    let idx = hb.int(key)?;
    let g = Graph::load(path)?;
    let n = idx.len();
    match mode {
        GraphMode::Transition => {
            let mut out = HostMatrix::zeros(n, n, candidate_mask(n, n, MaskShape::NoDiagonal));
            for i in 0..n {
                for j in 0..n {
                    if i != j {
                        out.values[i * n + j] = g.weight(idx[i], idx[j]);
                    }
                }
            }
            out.normalize_rows();
            Ok(out)
        }
        GraphMode::SoftmaxDegree => {
            let mut out = HostMatrix::zeros(n, n, candidate_mask(n, n, MaskShape::All));
            let logits: Vec<f64> = (0..n * n)
                .map(|ij| {
                    let (i, j) = (ij / n, ij % n);
                    let deg = g.degree_of(idx[j]);
                    if deg > 0.0 {
                        g.weight(idx[i], idx[j]) / deg
                    } else {
                        0.0
                    }
                })
                .collect();
            super::smooth_host::softmax_into(&mut out, &logits);
            Ok(out)
        }
    }
}

/// Refuses a graph in `method.p` that names nodes past the data set's `n`
/// samples: their edges would be dropped without a word (E0508).
pub fn check_graph_nodes(method: &ir::Method, n: usize) -> Result<(), Diagnostic> {
    let paths = method.p.leaves().into_iter().filter_map(|(k, _)| match k {
        Kernel::Graph { path, .. } => Some(path),
        _ => None,
    });
    for path in paths {
        let g = Graph::load(path)?;
        if g.adjacency.len() > n {
            return Err(Diagnostic::bare(
                Code::BadGraphFile,
                format!(
                    "graph `{path}` names node {} but the data set has {n} samples (ids 0..{n})",
                    g.adjacency.len() - 1
                ),
            )
            .with_help("node ids are data-set indices; build the graph over the same samples (and `limit`)"));
        }
    }
    Ok(())
}

/// Resolves relative `Graph(path = …)` paths in p and q against `base`
/// (the directory of the root method file, where the language says they are
/// relative to). Call once after loading a method, before any loss.
pub fn resolve_graph_paths(method: &mut ir::Method, base: &Path) {
    resolve_in(&mut method.p, base);
    resolve_in(&mut method.q, base);
    // `Frozen(weights = …)` paths are relative to the same folder.
    for stage in method.mappers.iter_mut().flat_map(|m| m.stages.iter_mut()) {
        if let ir::MapperStage::Frozen { weights, .. } = stage {
            if Path::new(weights.as_str()).is_relative() {
                *weights = base.join(weights.as_str()).display().to_string();
            }
        }
    }
}

fn resolve_in(e: &mut KernelExpr, base: &Path) {
    match e {
        KernelExpr::Kernel {
            kernel: Kernel::Graph { path, .. },
            ..
        } => {
            if Path::new(path.as_str()).is_relative() {
                *path = base.join(path.as_str()).display().to_string();
            }
        }
        KernelExpr::Kernel { .. } => {}
        KernelExpr::Add(a, b) | KernelExpr::Sub(a, b) => {
            resolve_in(a, base);
            resolve_in(b, base);
        }
        KernelExpr::Scale(_, k)
        | KernelExpr::Normalize(k)
        | KernelExpr::Binarize(_, k)
        | KernelExpr::Leak(_, k)
        | KernelExpr::Symmetrize(k)
        | KernelExpr::DebiasQ(_, k)
        | KernelExpr::CrossView(_, k) => resolve_in(k, base),
        KernelExpr::Propagate { inner, .. } => resolve_in(inner, base),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_symmetric_weights_and_degrees() {
        let g = Graph::parse("# a triangle\n0 1 2\n1 2\n0 2 0.5\n", "t").unwrap();
        assert_eq!(g.weight(1, 0), 2.0);
        assert_eq!(g.weight(2, 1), 1.0);
        assert_eq!(g.degree, vec![2.5, 3.0, 1.5]);
        assert!(Graph::parse("0 x 1\n", "t").is_err());
        assert!(Graph::parse("0 1 -1\n", "t").is_err());
    }
}
