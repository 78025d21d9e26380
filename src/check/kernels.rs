//! Kernel expressions `p = …` / `q = …`: leaf kernels on keys, transforms,
//! algebra (p only), p/q side rules, and what each expression implies for
//! the layout, the diagonal and row-stochasticity.

use super::args::{bind, number, resolve, Bound, CallRef};
use super::keys::{KeyDef, Keys};
use super::signatures::{Kind, Reads, Side, Signature};
use super::sink::{FileId, Sink};
use crate::ast::{BinOp, Expr, ExprKind, Span};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{
    DType, DataSpec, DistanceMetric, Exaggeration, GraphMode, Kernel, KernelExpr, Layout,
    LimitKind, Negative, Repulsion, Scope, StudentCalibration, StudentForm,
};

/// What the checker knows about a lowered kernel expression.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    /// Row/column layout and the span that decided it.
    pub layout: (Layout, Span),
    /// p: may put mass on j = i; q: j = i is a candidate.
    pub self_mass: bool,
    /// Rows sum to 1 (or 0).
    pub stochastic: bool,
    /// Span of an `Augmentation()` leaf, if any.
    pub augmentation: Option<Span>,
}

/// Lowers one side's expression.
pub(crate) struct Lower<'k> {
    pub sink: &'k mut Sink,
    pub file: FileId,
    pub keys: &'k mut Keys,
    pub data: &'k DataSpec,
    pub side: Side,
}

impl Lower<'_> {
    fn side_name(&self) -> &'static str {
        if self.side == Side::Q {
            "q"
        } else {
            "p"
        }
    }

    fn error(&mut self, d: Diagnostic) -> Option<(KernelExpr, Facts)> {
        self.sink.emit(self.file, d);
        None
    }

    /// Lowers `expr`; None after reporting.
    pub fn expr(&mut self, expr: &Expr) -> Option<(KernelExpr, Facts)> {
        match &expr.kind {
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Call(_) | ExprKind::Name(_) => self.leaf(CallRef::of(expr)?),
            ExprKind::Pipeline(stages) => self.pipeline(stages),
            ExprKind::Binary { op, lhs, rhs } => self.binary(expr, *op, lhs, rhs),
            ExprKind::Neg(inner) => {
                self.no_algebra_on_q(expr.span)?;
                let (k, mut f) = self.expr(inner)?;
                f.stochastic = false;
                Some((KernelExpr::Scale(-1.0, Box::new(k)), f))
            }
            _ => self.error(
                Diagnostic::error(
                    Code::BadAlgebra,
                    format!("expected a kernel for `{}`", self.side_name()),
                    expr.span,
                    "not a kernel",
                )
                .with_help("write a kernel call, e.g. `Gaussian(sigma = 0.5) on embedding`"),
            ),
        }
    }

    fn pipeline(&mut self, stages: &[Expr]) -> Option<(KernelExpr, Facts)> {
        let (first, rest) = stages.split_first()?;
        let mut acc = self.expr(first)?;
        for stage in rest {
            acc = self.transform(stage, acc)?;
        }
        Some(acc)
    }

    /// Lowers a whole side, `p = … -> exaggerate(α, until = N)` included:
    /// exaggeration scales the loss, not p, so it is split off here and
    /// only here (anywhere else `transform` rejects it).
    pub fn side_expr(&mut self, expr: &Expr) -> Option<(KernelExpr, Facts, Option<Exaggeration>)> {
        let stages = match &expr.kind {
            ExprKind::Pipeline(stages) if stages.len() > 1 => stages,
            _ => return self.expr(expr).map(|(k, f)| (k, f, None)),
        };
        let (last, init) = stages.split_last()?;
        let call = CallRef::of(last).filter(|c| c.name.name == "exaggerate");
        let Some(call) = call.filter(|_| self.side == Side::P) else {
            return self.expr(expr).map(|(k, f)| (k, f, None));
        };
        let inner = self.pipeline(init);
        let sig = self.resolve_transform(call)?;
        let errors = self.sink.error_count();
        let b = bind(self.sink, self.file, call, sig);
        let factor = b.float("factor");
        let until = b.usize("until");
        if self.sink.error_count() > errors {
            return None;
        }
        let (k, f) = inner?;
        Some((
            k,
            f,
            Some(Exaggeration {
                factor: factor?,
                until,
            }),
        ))
    }

    fn resolve_transform(&mut self, call: CallRef<'_>) -> Option<&'static Signature> {
        resolve(
            self.sink,
            self.file,
            call,
            &[Kind::Transform],
            Code::UnknownTransform,
        )
    }

    fn no_algebra_on_q(&mut self, span: Span) -> Option<()> {
        if self.side == Side::Q {
            self.error(
                Diagnostic::error(
                    Code::BadAlgebra,
                    "q is a single kernel",
                    span,
                    "kernel algebra on q",
                )
                .with_help(
                    "q is carried in log space; combine kernels in p, or use `-> debias(α)` on q",
                ),
            );
            return None;
        }
        Some(())
    }

    fn binary(
        &mut self,
        expr: &Expr,
        op: BinOp,
        lhs: &Expr,
        rhs: &Expr,
    ) -> Option<(KernelExpr, Facts)> {
        self.no_algebra_on_q(expr.span)?;
        if op == BinOp::Mul {
            let (scale, kernel) =
                match (number(lhs), number(rhs)) {
                    (Some((a, _)), None) => (a, rhs),
                    (None, Some((a, _))) => (a, lhs),
                    _ => return self.error(
                        Diagnostic::error(
                            Code::BadAlgebra,
                            "`*` multiplies a kernel by a number",
                            expr.span,
                            "needs one number and one kernel",
                        )
                        .with_help(
                            "write `0.5 * Kernel(…) on key`; kernels are not multiplied together",
                        ),
                    ),
                };
            let (k, mut f) = self.expr(kernel)?;
            f.stochastic = f.stochastic && scale == 1.0;
            return Some((KernelExpr::Scale(scale, Box::new(k)), f));
        }
        for side in [lhs, rhs] {
            if number(side).is_some() {
                return self.error(
                    Diagnostic::error(
                        Code::BadAlgebra,
                        "cannot add a number to a kernel",
                        side.span,
                        "a number",
                    )
                    .with_help(
                        "kernels are added to kernels; use `leak(α)` to spread mass uniformly",
                    ),
                );
            }
        }
        let l = self.expr(lhs);
        let r = self.expr(rhs);
        let ((lk, lf), (rk, rf)) = (l?, r?);
        if lf.layout.0 != rf.layout.0 {
            return self.error(
                Diagnostic::error(
                    Code::LayoutMismatch,
                    "kernels of different shapes combined",
                    rf.layout.1,
                    layout_name(rf.layout.0),
                )
                .with_label(lf.layout.1, layout_name(lf.layout.0))
                .with_help(
                    "both operands must be pairwise, both class tables, or both cross-modal",
                ),
            );
        }
        let facts = Facts {
            layout: lf.layout,
            self_mass: lf.self_mass || rf.self_mass,
            stochastic: false,
            augmentation: lf.augmentation.or(rf.augmentation),
        };
        let k = match op {
            BinOp::Sub => KernelExpr::Sub(Box::new(lk), Box::new(rk)),
            _ => KernelExpr::Add(Box::new(lk), Box::new(rk)),
        };
        Some((k, facts))
    }

    fn transform(
        &mut self,
        stage: &Expr,
        (inner, mut facts): (KernelExpr, Facts),
    ) -> Option<(KernelExpr, Facts)> {
        let call = CallRef::of(stage)?;
        let sig = self.resolve_transform(call)?;
        if sig.side != self.side && sig.side != Side::Both {
            let help = if self.side == Side::P {
                "on p use `leak(α)`; `debias` is for q"
            } else {
                "q takes only `-> debias(α)` and `-> cross_view`; transform p instead"
            };
            return self.error(
                Diagnostic::error(
                    Code::WrongSide,
                    format!("`{}` cannot be used on {}", sig.name, self.side_name()),
                    call.name.span,
                    format!("not allowed on {}", self.side_name()),
                )
                .with_help(help),
            );
        }
        let b = bind(self.sink, self.file, call, sig);
        let boxed = Box::new(inner);
        let k = match sig.name {
            "normalize" => {
                facts.stochastic = true;
                KernelExpr::Normalize(boxed)
            }
            "binarize" => {
                facts.stochastic = false;
                KernelExpr::Binarize(b.float("t")?, boxed)
            }
            "leak" => KernelExpr::Leak(b.float("alpha")?, boxed),
            "propagate" => {
                facts.stochastic = true;
                KernelExpr::Propagate {
                    steps: b.usize("steps")?,
                    reachable: b.bool("reachable"),
                    inner: boxed,
                }
            }
            "symmetrize" => {
                facts.stochastic = true;
                KernelExpr::Symmetrize(boxed)
            }
            "debias" => KernelExpr::DebiasQ(b.float("alpha")?, boxed),
            "cross_view" => {
                let views = self.data.views;
                let leaf = boxed.leaves().first().map(|(k, _)| *k);
                let why = if views < 2 || self.data.modalities.is_some() {
                    Some(if self.data.modalities.is_some() {
                        "cross-modal data contrasts its two modalities already".to_string()
                    } else {
                        format!(
                            "the data has {views} view; there is no other view to contrast with"
                        )
                    })
                } else if facts.layout.0 != Layout::Pairwise {
                    Some(format!(
                        "q is {}, not pairwise",
                        layout_name(facts.layout.0)
                    ))
                } else if !matches!(
                    leaf,
                    Some(
                        Kernel::Gaussian { .. }
                            | Kernel::StudentT {
                                repulsion: Repulsion::Dense,
                                ..
                            }
                    )
                ) {
                    Some(
                        "`cross_view` renormalizes a Gaussian or Student-t q (dense repulsion)"
                            .to_string(),
                    )
                } else {
                    None
                };
                if let Some(msg) = why {
                    return self.error(
                        Diagnostic::error(Code::CrossView, msg, call.span, "cross_view")
                            .with_help("use `views = 2` (or more) and a pairwise Gaussian or Student-t q, e.g. `q = Gaussian(sigma = 0.3162278, metric = cosine) on pred, target -> cross_view`"),
                    );
                }
                KernelExpr::CrossView(views, boxed)
            }
            "exaggerate" => {
                return self.error(
                    Diagnostic::error(
                        Code::Exaggeration,
                        "`exaggerate` must be p's last transform",
                        call.span,
                        "not the last stage of p",
                    )
                    .with_help(
                        "move it to the end: `p = … -> normalize -> exaggerate(12, until = 250)`",
                    ),
                );
            }
            other => {
                return self.error(
                    Diagnostic::error(
                        Code::UnknownTransform,
                        format!(
                            "transform `{other}` has a signature but no lowering (a bug in iconc)"
                        ),
                        call.name.span,
                        "not lowered",
                    )
                    .with_help("please report it with the method file"),
                );
            }
        };
        Some((k, facts))
    }

    fn leaf(&mut self, call: CallRef<'_>) -> Option<(KernelExpr, Facts)> {
        let sig = resolve(
            self.sink,
            self.file,
            call,
            &[Kind::Kernel],
            Code::UnknownKernel,
        )?;
        if sig.side != self.side && sig.side != Side::Both {
            let (why, help) = match sig.side {
                Side::P => (
                    "a supervisory kernel has nothing to learn",
                    "use it as `p`; q is e.g. `Gaussian`, `StudentT` or `UniformCluster`",
                ),
                _ => (
                    "a closed-form limit of a learned kernel",
                    "use it as `q`; p is e.g. `Augmentation`, `Label` or `Gaussian`",
                ),
            };
            return self.error(
                Diagnostic::error(
                    Code::WrongSide,
                    format!("`{}` cannot be used as {}", sig.name, self.side_name()),
                    call.name.span,
                    why,
                )
                .with_help(help),
            );
        }
        let errors = self.sink.error_count();
        let b = bind(self.sink, self.file, call, sig);
        let (inputs, layout) = self.inputs(&b)?;
        let kernel = self.kernel(&b)?;
        // The class-table Label and CrossModal decide the layout themselves.
        let layout = match &kernel {
            Kernel::Label {
                table: true,
                classes,
                ..
            } => (Layout::Table { classes: *classes }, layout.1),
            Kernel::CrossModal => (Layout::CrossModal, layout.1),
            _ => layout,
        };
        if self.sink.error_count() > errors {
            return None;
        }
        if dataset_scope(&b) {
            self.dataset_scope(&b, &kernel, &inputs)?;
        }
        if let Kernel::StudentT {
            repulsion: Repulsion::BarnesHut { .. },
            ..
        } = &kernel
        {
            self.barnes_hut(&b, &kernel, &inputs)?;
        }
        let self_mass = match &kernel {
            Kernel::Gaussian { exclude_self, .. }
            | Kernel::GaussianLimit { exclude_self, .. }
            | Kernel::StudentT { exclude_self, .. }
            | Kernel::UniformKnn { exclude_self, .. }
            | Kernel::UniformCluster { exclude_self, .. } => !exclude_self,
            Kernel::Label {
                table,
                exclude_self,
                ..
            } => !table && !exclude_self,
            Kernel::Graph { mode, .. } => *mode == GraphMode::SoftmaxDegree,
            Kernel::Identity => true,
            Kernel::Augmentation | Kernel::CrossModal => false,
        };
        let augmentation = matches!(kernel, Kernel::Augmentation).then_some(call.span);
        let facts = Facts {
            layout,
            self_mass,
            stochastic: true,
            augmentation,
        };
        Some((KernelExpr::Kernel { kernel, inputs }, facts))
    }

    /// The input keys and the layout they imply.
    fn inputs(&mut self, b: &Bound<'_>) -> Option<(Vec<String>, (Layout, Span))> {
        let call = b.call;
        let sig = b.sig;
        let span = call.span;
        let float = matches!(sig.reads, Reads::Float | Reads::Simplex);
        let max = if float { 2 } else { 1 };
        if call.on.len() > max {
            let extra = call
                .on
                .iter()
                .skip(max)
                .fold(Span::new(span.end, span.end), |s, k| {
                    if s.start == s.end {
                        k.span
                    } else {
                        s.join(k.span)
                    }
                });
            return self.error_inputs(
                Diagnostic::error(
                    Code::KeyCount,
                    format!("`{}` reads at most {max} key(s)", sig.name),
                    extra,
                    "too many keys",
                )
                .with_help(if float {
                    "a cross kernel reads `on rows, columns`"
                } else {
                    "this kernel reads one id key"
                }),
            );
        }
        let default_key;
        let names: Vec<crate::ast::Ident> = match (call.on.is_empty(), sig.reads) {
            (false, _) => call.on.to_vec(),
            (true, Reads::Int(key)) => {
                default_key = key;
                vec![crate::ast::Ident {
                    name: default_key.into(),
                    span: call.name.span,
                }]
            }
            _ => {
                return self.error_inputs(
                    Diagnostic::error(
                        Code::MissingInputKey,
                        format!("`{}` needs the key it compares", sig.name),
                        span,
                        "no `on KEY`",
                    )
                    .with_help(format!(
                        "add `on embedding` (or the key to compare) after `{}(…)`",
                        sig.name
                    )),
                )
            }
        };
        let mut defs: Vec<KeyDef> = vec![];
        for key in &names {
            let def = self.keys.read(self.sink, self.file, key)?;
            if def.poisoned {
                return None; // its definition already failed; do not cascade
            }
            let ok = match sig.reads {
                Reads::Int(_) => def.info.dtype == DType::Int,
                _ => def.info.dtype == DType::Float,
            };
            if !ok {
                let want = if matches!(sig.reads, Reads::Int(_)) {
                    "an int key such as `label` or `index`"
                } else {
                    "a float key (B×D)"
                };
                return self.error_inputs(
                    Diagnostic::error(
                        Code::KeyDtype,
                        format!("`{}` needs {want}", sig.name),
                        key.span,
                        format!("`{}` is {}", key.name, def.describe()),
                    )
                    .with_help(if matches!(sig.reads, Reads::Int(_)) {
                        "read `label` or `index`"
                    } else {
                        "read a float key such as `x` or a mapper output"
                    }),
                );
            }
            if sig.reads == Reads::Simplex && !def.simplex {
                let d = Diagnostic::warning(
                    Code::NotSimplex,
                    format!("`{}` rows are not probabilities", key.name),
                    key.span,
                    "not on the simplex",
                )
                .with_help("end its pipeline with `-> Softmax()` or use `ClusterHead(…)`");
                self.sink.emit(self.file, d);
            }
            defs.push(def);
        }
        let (Some(rows), rows_ident) = (defs.first(), names.first()) else {
            return None;
        };
        if rows.is_table() {
            let s = rows_ident.map(|k| k.span).unwrap_or(span);
            return self.error_inputs(
                Diagnostic::error(
                    Code::NotBatchKey,
                    format!("`{}` is a table, not one row per sample", rows.info.name),
                    s,
                    rows.describe(),
                )
                .with_help("a table can only be the second (column) key: `on embedding, table`"),
            );
        }
        let mut layout = (Layout::Pairwise, span);
        if let (Some(cols), Some(cols_ident)) = (defs.get(1), names.get(1)) {
            if cols.width() != rows.width() {
                return self.error_inputs(
                    Diagnostic::error(
                        Code::WidthMismatch,
                        format!(
                            "rows have width {} but columns have width {}",
                            rows.width(),
                            cols.width()
                        ),
                        cols_ident.span,
                        cols.describe(),
                    )
                    .with_label(
                        names.first().map(|k| k.span).unwrap_or(span),
                        rows.describe(),
                    )
                    .with_help("both keys of a cross kernel need the same width D"),
                );
            }
            // Two batch keys: the stacked modalities of cross-modal data, else
            // rows from the first key and columns from the second (B×B).
            layout.0 = match cols.table_rows() {
                Some(classes) => Layout::Table { classes },
                None if self.data.modalities.is_some() => Layout::CrossModal,
                None => Layout::Pairwise,
            };
        }
        Some((names.into_iter().map(|k| k.name).collect(), layout))
    }

    fn error_inputs(&mut self, d: Diagnostic) -> Option<(Vec<String>, (Layout, Span))> {
        self.sink.emit(self.file, d);
        None
    }

    /// Side-specific parameter rules shared by Gaussian and StudentT.
    fn side_params(&mut self, b: &Bound<'_>) -> Option<()> {
        if self.side == Side::Q && b.given("perplexity").is_some() {
            self.sink.emit(
                self.file,
                Diagnostic::error(Code::WrongSide, "`perplexity` is a p-side parameter", b.span_of("perplexity"), "not allowed on q")
                    .with_help("calibrate p with `perplexity`; give q a fixed `sigma`/`gamma` (optionally `learnable = true`)"),
            );
        }
        if self.side == Side::P && b.bool("learnable") {
            self.sink.emit(
                self.file,
                Diagnostic::error(
                    Code::WrongSide,
                    "`learnable` is a q-side parameter",
                    b.span_of("learnable"),
                    "p is fixed supervision",
                )
                .with_help("remove `learnable = true` from p"),
            );
        }
        if let Some(perp) = b.float("perplexity") {
            if perp >= self.data.batch as f64 && !dataset_scope(b) {
                self.sink.emit(
                    self.file,
                    Diagnostic::error(Code::OutOfRange, format!("perplexity {perp} is not below the batch size {}", self.data.batch), b.span_of("perplexity"), "too large")
                        .with_help("perplexity is an effective number of neighbours: use 1 < perplexity < batch (e.g. 30)"),
                );
            }
        }
        Some(())
    }

    /// E0413 unless a `scope = dataset` kernel can be computed once over
    /// the training rows: p side, the data's `x`, a neighbour count (3 ×
    /// perplexity, or k) below the number of training rows, self excluded.
    fn dataset_scope(&mut self, b: &Bound<'_>, kernel: &Kernel, inputs: &[String]) -> Option<()> {
        let at = b.span_of("scope");
        let fail = |msg: String, label: &str, help: &str| {
            Diagnostic::error(Code::DatasetScope, msg, at, label.to_string())
                .with_help(help.to_string())
        };
        let d = if self.side == Side::Q {
            Some(fail(
                "`scope = dataset` is a p-side parameter".into(),
                "q is learned at every step",
                "remove `scope` from q; give it to p's Gaussian or UniformKNN",
            ))
        } else if inputs != ["x"] && inputs != [self.data.source.side_key().unwrap_or("x")] {
            Some(fail(
                format!(
                    "`scope = dataset` reads the data's `x` or side array, not `{}`",
                    inputs.join(", ")
                ),
                "not a data array",
                "write `on x` (or `on g` for a side array `Npz(side = g, …)`): data-set neighbours are computed once, before training, from the data's rows",
            ))
        } else if !b.bool("exclude_self") {
            Some(fail(
                "`scope = dataset` excludes self".into(),
                "with exclude_self = false",
                "remove `exclude_self = false`: a row is not its own data-set neighbour",
            ))
        } else {
            None
        };
        if let Some(d) = d {
            self.sink.emit(self.file, d);
            return None;
        }
        let neighbours = match kernel {
            Kernel::Gaussian {
                perplexity: None, ..
            } => {
                let d = fail(
                    "`scope = dataset` needs `perplexity`".into(),
                    "a fixed sigma has no neighbour count",
                    "use `Gaussian(perplexity = 30, scope = dataset)`: the table keeps 3 × perplexity neighbours per row",
                );
                self.sink.emit(self.file, d);
                return None;
            }
            Kernel::Gaussian {
                perplexity: Some(p),
                ..
            } => *p,
            Kernel::UniformKnn { k, .. } => *k as f64,
            _ => 0.0,
        };
        let rows = self
            .data
            .samples
            .map(|n| n.saturating_sub(self.data.holdout));
        if let Some(rows) = rows.filter(|&r| neighbours >= r as f64) {
            let name = if matches!(kernel, Kernel::UniformKnn { .. }) {
                "k"
            } else {
                "perplexity"
            };
            let d = Diagnostic::error(
                Code::OutOfRange,
                format!("{name} {neighbours} is not below the {rows} training rows"),
                b.span_of(name),
                "too large",
            )
            .with_help(
                "data-set neighbours come from the training split: lower it or use more samples",
            );
            self.sink.emit(self.file, d);
            return None;
        }
        Some(())
    }

    /// E0415 unless the Barnes–Hut tree can compute this Student-t: q, one
    /// key two columns wide, a fixed γ, `form = t`.
    fn barnes_hut(&mut self, b: &Bound<'_>, kernel: &Kernel, inputs: &[String]) -> Option<()> {
        let width = match inputs {
            [key] => self.keys.get(key).map(|k| k.width()),
            _ => None,
        };
        let (at, msg, label, help) = if self.side == Side::P {
            (
                b.span_of("repulsion"),
                "`repulsion` is a q-side parameter".to_string(),
                "p has no repulsion",
                "remove `repulsion` from p",
            )
        } else if inputs.len() != 1 {
            (b.span_of("repulsion"), "`repulsion = barnes_hut` reads one key".into(), "a cross kernel", "the tree sums over the points of one 2-D map: `StudentT(repulsion = barnes_hut) on embedding`")
        } else if width.is_some_and(|w| w != 2) {
            (
                b.call.span,
                format!(
                    "`repulsion = barnes_hut` needs a 2-D key; `{}` has {} columns",
                    inputs[0],
                    width.unwrap_or(0)
                ),
                "not a 2-D map",
                "give the mapper `out = 2` (or `dim = 2`), or use `repulsion = dense`",
            )
        } else if matches!(
            kernel,
            Kernel::StudentT {
                learnable: true,
                ..
            }
        ) {
            (
                b.span_of("learnable"),
                "`repulsion = barnes_hut` needs a fixed gamma".into(),
                "learnable",
                "remove `learnable = true`, or use `repulsion = dense`",
            )
        } else if matches!(
            kernel,
            Kernel::StudentT {
                form: StudentForm::Power,
                ..
            }
        ) {
            (
                b.span_of("form"),
                "`repulsion = barnes_hut` needs `form = t`".into(),
                "power form",
                "remove `form = power`, or use `repulsion = dense`",
            )
        } else {
            return Some(());
        };
        self.sink.emit(
            self.file,
            Diagnostic::error(Code::BarnesHut, msg, at, label).with_help(help),
        );
        None
    }

    fn kernel(&mut self, b: &Bound<'_>) -> Option<Kernel> {
        let metric = || {
            b.enum_value("metric")
                .as_deref()
                .and_then(DistanceMetric::from_name)
                .unwrap_or(DistanceMetric::Euclidean)
        };
        let exclude_self = b.bool("exclude_self");
        Some(match b.sig.name {
            "Gaussian" => {
                self.side_params(b)?;
                let (sigma, perplexity) = (b.float("sigma"), b.float("perplexity"));
                if (b.attempted("sigma") && sigma.is_none())
                    || (b.attempted("perplexity") && perplexity.is_none())
                {
                    return None; // already reported as invalid
                }
                if sigma.is_some() == perplexity.is_some() {
                    let msg = if sigma.is_some() {
                        "give `sigma` or `perplexity`, not both"
                    } else {
                        "`Gaussian` needs `sigma` or `perplexity`"
                    };
                    self.sink.emit(
                        self.file,
                        Diagnostic::error(Code::ConflictingParameters, msg, b.call.name.span, "scale is ambiguous")
                            .with_help("use `sigma = …` (fixed scale) or, on p, `perplexity = …` (per-row scale)"),
                    );
                    return None;
                }
                if b.given("max_logit_scale").is_some() && !b.bool("learnable") {
                    self.sink.emit(
                        self.file,
                        Diagnostic::error(
                            Code::ConflictingParameters,
                            "`max_logit_scale` bounds a learned scale, and this scale is fixed",
                            b.span_of("max_logit_scale"),
                            "no `learnable = true`",
                        )
                        .with_help("add `learnable = true` (q only), or remove `max_logit_scale`"),
                    );
                }
                Kernel::Gaussian {
                    sigma,
                    perplexity,
                    metric: metric(),
                    exclude_self,
                    learnable: b.bool("learnable"),
                    max_logit_scale: b
                        .float("max_logit_scale")
                        .unwrap_or(crate::ir::CLIP_MAX_LOGIT_SCALE),
                    scope: scope(b),
                }
            }
            "GaussianLimit" => {
                let limit = if b.enum_value("limit").as_deref() == Some("zero") {
                    LimitKind::Zero
                } else {
                    LimitKind::Infinity
                };
                let negative = b
                    .enum_value("negative")
                    .as_deref()
                    .and_then(Negative::from_name);
                let margin = b.float("margin").unwrap_or(0.0);
                if limit == LimitKind::Infinity {
                    for (name, set) in [("negative", negative.is_some()), ("margin", margin > 0.0)]
                    {
                        if set {
                            self.sink.emit(
                                self.file,
                                Diagnostic::error(
                                    Code::ConflictingParameters,
                                    format!("`{name}` shapes a triplet, and the σ→∞ limit averages every candidate"),
                                    b.span_of(name),
                                    "needs `limit = zero`",
                                )
                                .with_help("use `GaussianLimit(limit = zero, …)` for triplet losses"),
                            );
                        }
                    }
                }
                Kernel::GaussianLimit {
                    limit,
                    metric: metric(),
                    exclude_self,
                    negative,
                    margin,
                }
            }
            "StudentT" => {
                self.side_params(b)?;
                let form = if b.enum_value("form").as_deref() == Some("power") {
                    StudentForm::Power
                } else {
                    StudentForm::T
                };
                let barnes_hut = b.enum_value("repulsion").as_deref() == Some("barnes_hut");
                if b.given("theta").is_some() && !barnes_hut {
                    self.sink.emit(
                        self.file,
                        Diagnostic::error(
                            Code::ConflictingParameters,
                            "`theta` is the Barnes–Hut opening angle, and this q sums every pair",
                            b.span_of("theta"),
                            "no `repulsion = barnes_hut`",
                        )
                        .with_help("add `repulsion = barnes_hut` (2-D q only), or remove `theta`"),
                    );
                }
                let repulsion = if barnes_hut {
                    Repulsion::BarnesHut {
                        theta: b.float("theta")?,
                    }
                } else {
                    Repulsion::Dense
                };
                let perplexity = b.float("perplexity");
                if b.given("calibrate").is_some() && perplexity.is_none() {
                    self.sink.emit(
                        self.file,
                        Diagnostic::error(
                            Code::ConflictingParameters,
                            "`calibrate` chooses how a perplexity sets γ_i, and this kernel has a fixed `gamma`",
                            b.span_of("calibrate"),
                            "no `perplexity`",
                        )
                        .with_help("add `perplexity = …` (p only), or remove `calibrate`"),
                    );
                }
                let calibrate = b
                    .enum_value("calibrate")
                    .as_deref()
                    .and_then(StudentCalibration::from_name)
                    .unwrap_or_default();
                Kernel::StudentT {
                    dof: b.float("dof")?,
                    gamma: b.float("gamma")?,
                    form,
                    learnable: b.bool("learnable"),
                    perplexity,
                    calibrate,
                    exclude_self,
                    repulsion,
                }
            }
            "Label" => Kernel::Label {
                table: b.bool("table"),
                classes: self.data.classes,
                exclude_self,
            },
            "Augmentation" => Kernel::Augmentation,
            "CrossModal" => {
                if self.data.modalities.is_none() {
                    self.sink.emit(
                        self.file,
                        Diagnostic::error(
                            Code::NoSecondModality,
                            "`CrossModal` needs cross-modal data",
                            b.call.name.span,
                            "the data has one modality",
                        )
                        .with_help(
                            "add `modalities = views` or `modalities = halves` to the data source",
                        ),
                    );
                    return None;
                }
                Kernel::CrossModal
            }
            "UniformKNN" => {
                let k = b.usize("k")?;
                let candidates = self.data.batch.saturating_sub(usize::from(exclude_self));
                if k > candidates && !dataset_scope(b) {
                    self.sink.emit(
                        self.file,
                        Diagnostic::error(
                            Code::OutOfRange,
                            format!(
                                "k = {k} exceeds the {candidates} candidates of a batch of {}",
                                self.data.batch
                            ),
                            b.span_of("k"),
                            "too many neighbours",
                        )
                        .with_help("k must be smaller than the batch size"),
                    );
                    return None;
                }
                Kernel::UniformKnn {
                    k,
                    metric: metric(),
                    exclude_self,
                    scope: scope(b),
                }
            }
            "Graph" => Kernel::Graph {
                path: self
                    .sink
                    .rebase(self.file, &b.string("path").unwrap_or_default()),
                mode: if b.enum_value("mode").as_deref() == Some("softmax_degree") {
                    GraphMode::SoftmaxDegree
                } else {
                    GraphMode::Transition
                },
            },
            "UniformCluster" => Kernel::UniformCluster {
                exclude_self,
                degree_weighted: b.bool("degree_weighted"),
            },
            "Identity" => Kernel::Identity,
            // A name in the signature table with no arm here would otherwise
            // lower to some other kernel without a word.
            other => {
                self.sink.emit(
                    self.file,
                    Diagnostic::error(
                        Code::UnknownKernel,
                        format!(
                            "kernel `{other}` has a signature but no lowering (a bug in iconc)"
                        ),
                        b.call.name.span,
                        "not lowered",
                    )
                    .with_help("please report it with the method file"),
                );
                return None;
            }
        })
    }
}

/// How a layout reads in labels.
pub(crate) fn layout_name(layout: Layout) -> String {
    match layout {
        Layout::Pairwise => "pairwise B×B".into(),
        Layout::Table { classes } => format!("class table B×{classes}"),
        Layout::CrossModal => "cross-modal 2B×2B".into(),
    }
}

/// `scope = dataset` was given.
fn dataset_scope(b: &Bound<'_>) -> bool {
    b.enum_value("scope").as_deref() == Some("dataset")
}

fn scope(b: &Bound<'_>) -> Scope {
    if dataset_scope(b) {
        Scope::Dataset { table: None }
    } else {
        Scope::Batch
    }
}
