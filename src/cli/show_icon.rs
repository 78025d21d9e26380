//! Leaf kernels and mapper stages printed in `.icon` syntax with every
//! default filled in, so `iconc show` says exactly what will run
//! (`Gaussian(sigma = 0.5, metric = cosine, exclude_self = true, learnable = false)`).
//! Parameter names follow the signature table (`check/signatures/model.rs`).

use crate::ir::{
    Activation, DistanceMetric, GraphMode, Kernel, LimitKind, MapperStage, Scope, StudentForm,
    TableInit,
};

/// A float as `.icon` writes it (always with a decimal point or exponent).
fn float(x: f64) -> String {
    format!("{x:?}")
}

fn metric(m: DistanceMetric) -> &'static str {
    match m {
        DistanceMetric::Euclidean => "euclidean",
        DistanceMetric::Cosine => "cosine",
        DistanceMetric::Dot => "dot",
        DistanceMetric::Manhattan => "manhattan",
    }
}

fn scope(s: Scope) -> &'static str {
    match s {
        Scope::Batch => "batch",
        Scope::Dataset { .. } => "dataset",
    }
}

/// `Name(a = 1, b = 2)`, or `Name()` with no arguments.
fn call(name: &str, args: &[(&str, String)]) -> String {
    let args: Vec<String> = args.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    format!("{name}({})", args.join(", "))
}

/// A leaf kernel in `.icon` syntax (without its `on` keys).
pub(crate) fn kernel(k: &Kernel) -> String {
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
            if perplexity.is_some() {
                args.push(("scope", scope(*sc).into()));
            }
            args.push(("exclude_self", exclude_self.to_string()));
            args.push(("learnable", learnable.to_string()));
            if *learnable {
                args.push(("max_logit_scale", float(*max_logit_scale)));
            }
            call("Gaussian", &args)
        }
        Kernel::GaussianLimit {
            limit,
            metric: m,
            exclude_self,
        } => {
            let limit = match limit {
                LimitKind::Zero => "zero",
                LimitKind::Infinity => "inf",
            };
            call(
                "GaussianLimit",
                &[
                    ("limit", limit.into()),
                    ("metric", metric(*m).into()),
                    ("exclude_self", exclude_self.to_string()),
                ],
            )
        }
        Kernel::StudentT {
            dof,
            gamma,
            form,
            learnable,
            perplexity,
            exclude_self,
            repulsion,
        } => {
            let form = match form {
                StudentForm::T => "t",
                StudentForm::Power => "power",
            };
            let mut args = vec![
                ("dof", float(*dof)),
                ("gamma", float(*gamma)),
                ("form", form.into()),
                ("learnable", learnable.to_string()),
            ];
            if let Some(p) = perplexity {
                args.push(("perplexity", float(*p)));
            }
            args.push(("exclude_self", exclude_self.to_string()));
            args.push(("repulsion", repulsion.name().into()));
            if let crate::ir::Repulsion::BarnesHut { theta } = repulsion {
                args.push(("theta", float(*theta)));
            }
            call("StudentT", &args)
        }
        // `classes` comes from the data, not from an argument.
        Kernel::Label {
            table,
            exclude_self,
            ..
        } => call(
            "Label",
            &[
                ("table", table.to_string()),
                ("exclude_self", exclude_self.to_string()),
            ],
        ),
        Kernel::Augmentation => call("Augmentation", &[]),
        Kernel::CrossModal => call("CrossModal", &[]),
        Kernel::UniformKnn {
            k,
            metric: m,
            exclude_self,
            scope: sc,
        } => call(
            "UniformKNN",
            &[
                ("k", k.to_string()),
                ("metric", metric(*m).into()),
                ("exclude_self", exclude_self.to_string()),
                ("scope", scope(*sc).into()),
            ],
        ),
        Kernel::Graph { path, mode } => {
            let mode = match mode {
                GraphMode::Transition => "transition",
                GraphMode::SoftmaxDegree => "softmax_degree",
            };
            call(
                "Graph",
                &[("path", format!("{path:?}")), ("mode", mode.into())],
            )
        }
        Kernel::UniformCluster {
            exclude_self,
            degree_weighted,
        } => call(
            "UniformCluster",
            &[
                ("exclude_self", exclude_self.to_string()),
                ("degree_weighted", degree_weighted.to_string()),
            ],
        ),
        Kernel::Identity => call("Identity", &[]),
    }
}

/// A mapper stage in `.icon` syntax. Input widths are inferred, not
/// arguments, so they are left out (`show` prints them as `in → out`).
pub(crate) fn stage(s: &MapperStage) -> String {
    match s {
        MapperStage::Identity => call("Identity", &[]),
        MapperStage::Linear {
            out,
            bias,
            orthonormal,
            ..
        } => call(
            "Linear",
            &[
                ("out", out.to_string()),
                ("bias", bias.to_string()),
                ("orthonormal", orthonormal.to_string()),
            ],
        ),
        MapperStage::Mlp {
            hidden,
            out,
            activation,
            batch_norm,
            ..
        } => {
            let hidden: Vec<String> = hidden.iter().map(usize::to_string).collect();
            let activation = match activation {
                Activation::Relu => "relu",
                Activation::Gelu => "gelu",
                Activation::Tanh => "tanh",
            };
            call(
                "MLP",
                &[
                    ("hidden", format!("[{}]", hidden.join(", "))),
                    ("out", out.to_string()),
                    ("activation", activation.into()),
                    ("batch_norm", batch_norm.to_string()),
                ],
            )
        }
        MapperStage::SimpleCnn { out, .. } => call("SimpleCNN", &[("out", out.to_string())]),
        MapperStage::ResNet18 { out, .. } => call("ResNet18", &[("out", out.to_string())]),
        MapperStage::LookUpTable {
            n,
            dim,
            get_all,
            init,
        } => {
            let mut args = vec![
                ("n", n.to_string()),
                ("dim", dim.to_string()),
                ("get_all", get_all.to_string()),
            ];
            match init {
                TableInit::Normal { std } => {
                    args.push(("init", "normal".into()));
                    args.push(("std", float(*std)));
                }
                TableInit::Pca => args.push(("init", "pca".into())),
            }
            call("LookUpTable", &args)
        }
        MapperStage::ClusterHead { clusters, .. } => {
            call("ClusterHead", &[("clusters", clusters.to_string())])
        }
        MapperStage::Normalize => call("Normalize", &[]),
        MapperStage::Softmax => call("Softmax", &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
