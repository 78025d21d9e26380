//! Leaf kernels, kernel expressions (algebra and transforms) and mapper
//! pipelines in `.icon` syntax with every default filled in
//! (`Gaussian(sigma = 0.5, metric = cosine, exclude_self = true, learnable = false)`).
//! Parameter names follow `check/signatures/model.rs`.

use super::{call, float, int_list, string, EnumParam};
use crate::check::signatures::Kind;
use crate::ir::{
    Activation, DistanceMetric, Exaggeration, GraphMode, Kernel, KernelExpr, LimitKind, MapperSpec,
    MapperStage, Repulsion, Scope, StudentForm, TableInit,
};

pub(super) const METRIC: EnumParam = EnumParam::new(Kind::Kernel, "Gaussian", "metric");
pub(super) const SCOPE: EnumParam = EnumParam::new(Kind::Kernel, "Gaussian", "scope");
pub(super) const LIMIT: EnumParam = EnumParam::new(Kind::Kernel, "GaussianLimit", "limit");
pub(super) const FORM: EnumParam = EnumParam::new(Kind::Kernel, "StudentT", "form");
pub(super) const REPULSION: EnumParam = EnumParam::new(Kind::Kernel, "StudentT", "repulsion");
pub(super) const GRAPH_MODE: EnumParam = EnumParam::new(Kind::Kernel, "Graph", "mode");
pub(super) const ACTIVATION: EnumParam = EnumParam::new(Kind::Mapper, "MLP", "activation");
pub(super) const INIT: EnumParam = EnumParam::new(Kind::Mapper, "LookUpTable", "init");

/// `metric = …` of a kernel (and of `knn`, whose list is a prefix).
pub(super) fn metric(m: DistanceMetric) -> &'static str {
    METRIC.name(match m {
        DistanceMetric::Euclidean => 0,
        DistanceMetric::Cosine => 1,
        DistanceMetric::Dot => 2,
        DistanceMetric::Manhattan => 3,
    })
}

fn scope(s: Scope) -> &'static str {
    SCOPE.name(match s {
        Scope::Batch => 0,
        // The table is the runtime's, attached after loading: never printed.
        Scope::Dataset { table: _ } => 1,
    })
}

fn flag(b: bool) -> String {
    b.to_string()
}

/// A leaf kernel in `.icon` syntax (without its `on` keys).
pub fn kernel(k: &Kernel) -> String {
    let name = k.name();
    match k {
        Kernel::Gaussian {
            sigma,
            perplexity,
            metric: m,
            exclude_self,
            learnable,
            max_logit_scale,
            scope: sc,
        } => {
            let mut args = vec![];
            if let Some(s) = sigma {
                args.push(("sigma", float(*s)));
            }
            if let Some(p) = perplexity {
                args.push(("perplexity", float(*p)));
            }
            args.push(("metric", metric(*m).into()));
            // `scope` chooses where a perplexity finds its neighbours.
            if perplexity.is_some() || sc.is_dataset() {
                args.push(("scope", scope(*sc).into()));
            }
            args.push(("exclude_self", flag(*exclude_self)));
            args.push(("learnable", flag(*learnable)));
            // Without `learnable` it must not be written (the checker keeps
            // the default; `print::method` notes any other value).
            if *learnable {
                args.push(("max_logit_scale", float(*max_logit_scale)));
            }
            call(name, &args)
        }
        Kernel::GaussianLimit {
            limit,
            metric: m,
            exclude_self,
            negative,
            margin,
        } => {
            let zero = *limit == LimitKind::Zero;
            let limit = LIMIT.name(match limit {
                LimitKind::Zero => 0,
                LimitKind::Infinity => 1,
            });
            let mut args = vec![
                ("limit", limit.into()),
                ("metric", metric(*m).into()),
                ("exclude_self", flag(*exclude_self)),
            ];
            if let Some(n) = negative {
                args.push(("negative", n.name().into()));
            }
            // The σ→∞ limit takes no margin (E0407), so 0 is not written there.
            if zero {
                args.push(("margin", float(*margin)));
            }
            call(name, &args)
        }
        Kernel::StudentT {
            dof,
            gamma,
            form,
            learnable,
            perplexity,
            calibrate,
            exclude_self,
            repulsion,
        } => {
            let form = FORM.name(match form {
                StudentForm::T => 0,
                StudentForm::Power => 1,
            });
            let mut args = vec![
                ("dof", float(*dof)),
                ("gamma", float(*gamma)),
                ("form", form.into()),
                ("learnable", flag(*learnable)),
            ];
            if let Some(p) = perplexity {
                args.push(("perplexity", float(*p)));
                args.push(("calibrate", calibrate.name().into()));
            }
            args.push(("exclude_self", flag(*exclude_self)));
            let (spelling, theta) = match repulsion {
                Repulsion::Dense => (0, None),
                Repulsion::BarnesHut { theta } => (1, Some(*theta)),
            };
            args.push(("repulsion", REPULSION.name(spelling).into()));
            if let Some(theta) = theta {
                args.push(("theta", float(theta)));
            }
            call(name, &args)
        }
        // `classes` comes from the data, not from an argument.
        Kernel::Label {
            table,
            classes: _,
            exclude_self,
        } => call(
            name,
            &[
                ("table", flag(*table)),
                ("exclude_self", flag(*exclude_self)),
            ],
        ),
        Kernel::Augmentation | Kernel::CrossModal | Kernel::Identity => call(name, &[]),
        Kernel::UniformKnn {
            k,
            metric: m,
            exclude_self,
            scope: sc,
        } => call(
            name,
            &[
                ("k", k.to_string()),
                ("metric", metric(*m).into()),
                ("exclude_self", flag(*exclude_self)),
                ("scope", scope(*sc).into()),
            ],
        ),
        Kernel::Graph { path, mode } => {
            let mode = GRAPH_MODE.name(match mode {
                GraphMode::Transition => 0,
                GraphMode::SoftmaxDegree => 1,
            });
            call(name, &[("path", string(path)), ("mode", mode.into())])
        }
        Kernel::UniformCluster {
            exclude_self,
            degree_weighted,
        } => call(
            name,
            &[
                ("exclude_self", flag(*exclude_self)),
                ("degree_weighted", flag(*degree_weighted)),
            ],
        ),
    }
}

/// How tightly a printed expression binds (docs/language.md's grammar:
/// `expr = term (± term)*`, `term = factor (* factor)*`, `postfix = atom (-> stage)*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    /// `a + b`, `a - b`.
    Sum,
    /// `a * K`.
    Product,
    /// A leaf, a transform pipeline, a parenthesised expression.
    Postfix,
}

/// `text` as an operand that needs at least `need`.
fn operand((text, prec): (String, Prec), need: Prec) -> String {
    if prec >= need {
        text
    } else {
        format!("({text})")
    }
}

/// `inner -> stage`.
fn piped(inner: &KernelExpr, stage: String) -> (String, Prec) {
    let inner = operand(expr(inner), Prec::Postfix);
    (format!("{inner} -> {stage}"), Prec::Postfix)
}

fn expr(e: &KernelExpr) -> (String, Prec) {
    match e {
        KernelExpr::Kernel { kernel: k, inputs } => (
            format!("{} on {}", kernel(k), inputs.join(", ")),
            Prec::Postfix,
        ),
        // Left-associative: the left operand may be a sum, the right not.
        KernelExpr::Add(a, b) | KernelExpr::Sub(a, b) => {
            let op = if matches!(e, KernelExpr::Add(..)) {
                "+"
            } else {
                "-"
            };
            let a = operand(expr(a), Prec::Sum);
            let b = operand(expr(b), Prec::Product);
            (format!("{a} {op} {b}"), Prec::Sum)
        }
        // `a * b * K` would multiply two numbers: the kernel is one factor.
        KernelExpr::Scale(s, k) => {
            let k = operand(expr(k), Prec::Postfix);
            (format!("{} * {k}", float(*s)), Prec::Product)
        }
        KernelExpr::Normalize(k) => piped(k, "normalize".into()),
        KernelExpr::Binarize(t, k) => piped(k, call("binarize", &[("t", float(*t))])),
        KernelExpr::Leak(alpha, k) => piped(k, call("leak", &[("alpha", float(*alpha))])),
        KernelExpr::Propagate {
            steps,
            reachable,
            inner,
        } => piped(
            inner,
            call(
                "propagate",
                &[
                    ("steps", steps.to_string()),
                    ("reachable", flag(*reachable)),
                ],
            ),
        ),
        KernelExpr::Symmetrize(k) => piped(k, "symmetrize".into()),
        KernelExpr::DebiasQ(alpha, k) => piped(k, call("debias", &[("alpha", float(*alpha))])),
        // The view count comes from the data, so it is not an argument.
        KernelExpr::CrossView(_, k) => piped(k, "cross_view".into()),
    }
}

/// A kernel expression in `.icon` syntax: leaves with their `on` keys, the
/// algebra parenthesised where precedence needs it, transforms after `->`.
pub fn kernel_expr(e: &KernelExpr) -> String {
    expr(e).0
}

/// p with its exaggeration, which the IR keeps beside p: it is p's last
/// transform (`… -> exaggerate(factor = 12.0, until = 250)`).
pub(super) fn p_side(p: &KernelExpr, exaggeration: Option<&Exaggeration>) -> String {
    let Some(Exaggeration { factor, until }) = exaggeration else {
        return kernel_expr(p);
    };
    let mut args = vec![("factor", float(*factor))];
    if let Some(until) = until {
        args.push(("until", until.to_string()));
    }
    let p = operand(expr(p), Prec::Postfix);
    format!("{p} -> {}", call("exaggerate", &args))
}

/// A mapper stage in `.icon` syntax. Input widths and image geometry are
/// inferred from the input key, not arguments, so they are left out
/// ([`super::notes`] prints a pipeline's widths).
pub fn stage(s: &MapperStage) -> String {
    match s {
        MapperStage::Identity => call("Identity", &[]),
        MapperStage::Linear {
            input: _,
            out,
            bias,
            orthonormal,
        } => call(
            "Linear",
            &[
                ("out", out.to_string()),
                ("bias", flag(*bias)),
                ("orthonormal", flag(*orthonormal)),
            ],
        ),
        MapperStage::Mlp {
            input: _,
            hidden,
            out,
            activation,
            batch_norm,
        } => {
            let activation = ACTIVATION.name(match activation {
                Activation::Relu => 0,
                Activation::Gelu => 1,
                Activation::Tanh => 2,
            });
            call(
                "MLP",
                &[
                    ("hidden", int_list(hidden)),
                    ("out", out.to_string()),
                    ("activation", activation.into()),
                    ("batch_norm", flag(*batch_norm)),
                ],
            )
        }
        MapperStage::SimpleCnn { image: _, out } => call("SimpleCNN", &[("out", out.to_string())]),
        MapperStage::ResNet18 { image: _, out } => call("ResNet18", &[("out", out.to_string())]),
        MapperStage::LookUpTable {
            n,
            dim,
            get_all,
            init,
        } => {
            let mut args = vec![
                ("n", n.to_string()),
                ("dim", dim.to_string()),
                ("get_all", flag(*get_all)),
            ];
            match init {
                TableInit::Normal { std } => {
                    args.push(("init", INIT.name(0).into()));
                    args.push(("std", float(*std)));
                }
                TableInit::Pca => args.push(("init", INIT.name(1).into())),
            }
            call("LookUpTable", &args)
        }
        MapperStage::ClusterHead { input: _, clusters } => {
            call("ClusterHead", &[("clusters", clusters.to_string())])
        }
        MapperStage::Normalize => call("Normalize", &[]),
        MapperStage::Softmax => call("Softmax", &[]),
        MapperStage::Frozen { weights, of } => call(
            "Frozen",
            &[("weights", super::string(weights)), ("of", of.clone())],
        ),
        // The copied stages follow from `of`.
        MapperStage::MomentumEncoder {
            of,
            momentum,
            schedule,
            stages: _,
        } => call(
            "MomentumEncoder",
            &[
                ("of", of.clone()),
                ("momentum", float(*momentum)),
                ("schedule", schedule.name().into()),
            ],
        ),
    }
}

/// `KEY = Stage(…) -> Stage(…) on INPUT` (no `on` when the pipeline reads
/// nothing: a `LookUpTable(get_all = true)`). The widths are inferred.
pub(super) fn pipeline(m: &MapperSpec) -> String {
    let MapperSpec {
        output,
        input,
        in_dim: _,
        out_dim: _,
        stages,
    } = m;
    let stages: Vec<String> = stages.iter().map(stage).collect();
    let on = input
        .as_deref()
        .map(|k| format!(" on {k}"))
        .unwrap_or_default();
    format!("{output} = {}{on}", stages.join(" -> "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(kernel: Kernel, key: &str) -> Box<KernelExpr> {
        Box::new(KernelExpr::Kernel {
            kernel,
            inputs: vec![key.into()],
        })
    }

    #[test]
    fn kernels_print_as_icon_calls_with_defaults() {
        let g = Kernel::Gaussian {
            sigma: Some(0.5),
            perplexity: None,
            metric: DistanceMetric::Cosine,
            exclude_self: true,
            learnable: false,
            max_logit_scale: crate::ir::CLIP_MAX_LOGIT_SCALE,
            scope: Default::default(),
        };
        assert_eq!(
            kernel(&g),
            "Gaussian(sigma = 0.5, metric = cosine, exclude_self = true, learnable = false)"
        );
        assert_eq!(kernel(&Kernel::Augmentation), "Augmentation()");
        let s = MapperStage::Mlp {
            input: 784,
            hidden: vec![64, 32],
            out: 16,
            activation: Activation::Relu,
            batch_norm: false,
        };
        assert_eq!(
            stage(&s),
            "MLP(hidden = [64, 32], out = 16, activation = relu, batch_norm = false)"
        );
    }

    #[test]
    fn algebra_is_parenthesised_where_precedence_needs_it() {
        let a = || leaf(Kernel::Augmentation, "index");
        let i = || leaf(Kernel::Identity, "index");
        let sum = KernelExpr::Add(a(), Box::new(KernelExpr::Sub(i(), a())));
        assert_eq!(
            kernel_expr(&sum),
            "Augmentation() on index + (Identity() on index - Augmentation() on index)"
        );
        let scaled = KernelExpr::Scale(
            0.5,
            Box::new(KernelExpr::Scale(
                -1.0,
                Box::new(KernelExpr::Normalize(a())),
            )),
        );
        assert_eq!(
            kernel_expr(&scaled),
            "0.5 * (-1.0 * Augmentation() on index -> normalize)"
        );
        let leaked = KernelExpr::Leak(0.3, Box::new(KernelExpr::Add(a(), i())));
        assert_eq!(
            p_side(
                &leaked,
                Some(&Exaggeration {
                    factor: 12.0,
                    until: Some(250)
                })
            ),
            "(Augmentation() on index + Identity() on index) -> leak(alpha = 0.3) \
             -> exaggerate(factor = 12.0, until = 250)"
        );
    }
}
