//! IR → `.icon`: the one printer of checked methods.
//!
//! [`method`] prints a whole [`ir::Method`] as a method file with every
//! default filled in, so the text says exactly what will run and checks back
//! to the same IR (`tests/stdlib/round_trip.rs` does this for every file of
//! the standard library). [`notes`] prints what the IR knows beyond the
//! statements (keys and shapes, the layout, mapper widths) as `#` comments;
//! `iconc show` prints both. [`kernel`], [`kernel_expr`] and [`stage`] print
//! the parts, and [`signature`] a name of the signature table as
//! `iconc explain NAME` and the editor hover show it.
//!
//! Names and parameter names follow the signature table
//! (`check/signatures*.rs`); enum spellings are read from it ([`EnumParam`]).
//! Every match over an IR enum is exhaustive, so a new variant does not
//! compile until it has a printed form.

mod model;
mod settings;
mod signature;

pub use model::{kernel, kernel_expr, stage};
pub use signature::signature;

use crate::check::signatures::{self, Kind, Ty};
use crate::ir::{self, DType, Dim, Layout, Method, Producer};
use std::fmt::Write;

/// The whole method as a `.icon` file: `method`, `about`, `cite`, `data`,
/// the mapper pipelines, `p`, `q`, `divergence`, `train`, `eval`, with every
/// default written out, in the canonical layout of `iconc fmt`. Checking the
/// text (as a file in the method's folder, so relative paths resolve) gives
/// `m` back. An IR value no statement can express (only possible in an IR
/// that the checker did not build) is kept as a `#` comment at the top.
pub fn method(m: &Method) -> String {
    let mut o = String::new();
    for line in unexpressed(m) {
        let _ = writeln!(o, "# not expressible in .icon: {line}");
    }
    let _ = writeln!(o, "method {}", string(&m.name));
    if let Some(a) = &m.about {
        let _ = writeln!(o, "about {}", string(a));
    }
    if let Some(c) = &m.cite {
        let _ = writeln!(o, "cite {}", string(c));
    }
    let _ = writeln!(o, "data = {}", settings::data(&m.data));
    for mp in &m.mappers {
        let _ = writeln!(o, "{}", model::pipeline(mp));
    }
    let _ = writeln!(o, "p = {}", model::p_side(&m.p, m.exaggeration.as_ref()));
    let _ = writeln!(o, "q = {}", kernel_expr(&m.q));
    let _ = writeln!(o, "divergence = {}", settings::divergence(m.divergence));
    let _ = writeln!(o, "train = {}", settings::train(&m.train));
    let _ = writeln!(o, "eval = {}", settings::eval(&m.eval));
    // The canonical layout breaks long calls one argument per line; the raw
    // text is kept if the formatter refuses it (it cannot: the text parses).
    crate::fmt::format(&crate::diag::Source::new("<print>", o.as_str())).unwrap_or(o)
}

/// What the IR holds beyond the statements, as `#` comment lines: the data
/// geometry, every key with its shape, type and producer, each mapper's
/// input and widths, and the layout of p and q.
pub fn notes(m: &Method) -> String {
    let mut o = String::new();
    let d = &m.data;
    let image = match d.image {
        Some((c, h, w)) => format!(", image {c}×{h}×{w}"),
        None => String::new(),
    };
    let samples = match d.samples {
        Some(n) => format!("{n} samples ({} held out)", d.holdout),
        None => format!("samples unknown until read ({} held out)", d.holdout),
    };
    let _ = writeln!(
        o,
        "# data: {samples}, {} features{image}, {} classes",
        d.features, d.classes
    );
    let _ = writeln!(o, "# keys:");
    for k in &m.keys {
        let producer = match k.producer {
            Producer::Data => "data".to_string(),
            Producer::Mapper(i) => format!("mapper {i}"),
        };
        let dtype = match k.dtype {
            DType::Float => "float",
            DType::Int => "int",
        };
        let _ = writeln!(
            o,
            "#   {:<16} {:<10} {:<6} {producer}",
            k.name,
            shape(&k.shape),
            dtype
        );
    }
    if !m.mappers.is_empty() {
        let _ = writeln!(o, "# mappers:");
    }
    for (i, mp) in m.mappers.iter().enumerate() {
        let input = mp.input.as_deref().unwrap_or("nothing");
        let copy = match mp.stages.first() {
            Some(ir::MapperStage::MomentumEncoder { of, .. }) => {
                format!(", a momentum copy of `{of}` (no gradient)")
            }
            Some(ir::MapperStage::Frozen { weights, of }) => {
                format!(", frozen: `{of}` of {weights}")
            }
            _ => String::new(),
        };
        let _ = writeln!(
            o,
            "#   {i}: {} reads {input} ({} → {}){copy}",
            mp.output, mp.in_dim, mp.out_dim
        );
    }
    let _ = writeln!(o, "# layout: {}", layout(m.layout));
    o
}

/// IR values of `m` that no statement expresses, one line each. The
/// checker never builds them: each follows from another value the file states.
fn unexpressed(m: &Method) -> Vec<String> {
    let mut out = vec![];
    for (side, e) in [("p", &m.p), ("q", &m.q)] {
        for (k, _) in e.leaves() {
            if let ir::Kernel::Gaussian {
                learnable: false,
                max_logit_scale,
                ..
            } = k
            {
                if *max_logit_scale != ir::CLIP_MAX_LOGIT_SCALE {
                    out.push(format!(
                        "{side}'s Gaussian has max_logit_scale = {} without learnable = true",
                        float(*max_logit_scale)
                    ));
                }
            }
            if let ir::Kernel::Label { classes, .. } = k {
                if *classes != m.data.classes {
                    out.push(format!(
                        "{side}'s Label has {classes} classes, the data {}",
                        m.data.classes
                    ));
                }
            }
        }
    }
    for mp in &m.mappers {
        // The checker drops the input exactly when a `LookUpTable(get_all = true)`
        // starts the pipeline; `on` cannot say otherwise.
        let whole_table = matches!(
            mp.stages.first(),
            Some(ir::MapperStage::LookUpTable { get_all: true, .. })
        );
        if mp.input.is_none() != whole_table {
            out.push(format!(
                "mapper `{}` reads {:?} with {} first stage",
                mp.output,
                mp.input,
                if whole_table {
                    "a whole-table"
                } else {
                    "a per-row"
                }
            ));
        }
    }
    if let ir::Optimizer::Sgd {
        lr,
        lr_rule: ir::LrRule::Tsne,
        ..
    } = m.train.optimizer
    {
        if lr != 1.0 {
            out.push(format!(
                "Sgd(lr = {}) with lr_rule = tsne (the rule sets lr)",
                float(lr)
            ));
        }
    }
    out
}

fn shape(dims: &[Dim]) -> String {
    dims.iter()
        .map(|d| match d {
            Dim::Batch => "B".to_string(),
            Dim::Fixed(n) => n.to_string(),
        })
        .collect::<Vec<_>>()
        .join("×")
}

fn layout(l: Layout) -> String {
    match l {
        Layout::Pairwise => "pairwise B×B".into(),
        Layout::Table { classes } => format!("class table B×{classes}"),
        Layout::CrossModal => "cross-modal 2B×2B".into(),
    }
}

/// A float as `.icon` writes it: always with a decimal point or exponent,
/// and parsing back to the same `f64` (`{:?}` is the shortest such form).
pub(crate) fn float(x: f64) -> String {
    format!("{x:?}")
}

/// A string literal with the three escapes of the language (`\"`, `\\`, `\n`).
pub(crate) fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `[1, 2, 3]`.
pub(crate) fn int_list(items: &[usize]) -> String {
    let items: Vec<String> = items.iter().map(usize::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// `Name(a = 1, b = 2)`, or `Name()` with no arguments.
pub(crate) fn call(name: &str, args: &[(&str, String)]) -> String {
    let args: Vec<String> = args.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    format!("{name}({})", args.join(", "))
}

/// What a spelling lookup gives when the table lacks it: not a valid
/// value, so the printed file fails to check instead of meaning something else.
const MISSING: &str = "?";

/// An enum-typed parameter of the signature table, whose `Ty::Enum` list is
/// the one source of its spellings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EnumParam {
    kind: Kind,
    callee: &'static str,
    param: &'static str,
}

impl EnumParam {
    const fn new(kind: Kind, callee: &'static str, param: &'static str) -> Self {
        EnumParam {
            kind,
            callee,
            param,
        }
    }

    /// Every spelling, in table order.
    fn names(self) -> &'static [&'static str] {
        let ty = signatures::find(self.callee, &[self.kind])
            .and_then(|s| s.param(self.param))
            .map(|(_, p)| p.ty);
        match ty {
            Some(Ty::Enum(names)) => names,
            _ => &[],
        }
    }

    /// The spelling at position `i` of the table's list.
    pub(crate) fn name(self, i: usize) -> &'static str {
        self.names().get(i).copied().unwrap_or(MISSING)
    }
}

/// The name at position `i` among the signatures of `kind` (metrics and
/// divergences are bare names of the table).
pub(crate) fn nth_name(kind: Kind, i: usize) -> &'static str {
    signatures::of_kind(kind).nth(i).map_or(MISSING, |s| s.name)
}

/// The enum parameters the printer reads, with the number of IR variants
/// each maps onto its list (checked against the table by a test).
#[cfg(test)]
pub(crate) const ENUMS: &[(EnumParam, usize)] = &[
    (model::METRIC, 4),
    (model::SCOPE, 2),
    (model::LIMIT, 2),
    (model::FORM, 2),
    (model::REPULSION, 2),
    (model::GRAPH_MODE, 2),
    (model::ACTIVATION, 3),
    (model::INIT, 2),
    (settings::MODALITIES, 2),
    (settings::LR_RULE, 2),
    (settings::KNN_METRIC, 2),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every enum parameter the printer reads has exactly as many
    /// spellings in the table as its IR enum has variants, so a spelling
    /// added to one side only fails here.
    #[test]
    fn enum_spellings_come_from_the_table() {
        for (e, variants) in ENUMS {
            assert_eq!(
                e.names().len(),
                *variants,
                "{}.{}: {:?}",
                e.callee,
                e.param,
                e.names()
            );
        }
        assert_eq!(signatures::of_kind(Kind::Divergence).count(), 3);
        // Metric: Knn and KnnWith share `knn`.
        assert_eq!(signatures::of_kind(Kind::Metric).count(), 8);
    }

    /// IR values that only a hand-built IR holds are kept as comments.
    #[test]
    fn what_no_statement_expresses_is_a_comment() {
        let text = "method \"m\"\ndata = Digits()\nembedding = LookUpTable() on index\n\
                    p = Label() on label\nq = Gaussian(sigma = 1) on embedding\n\
                    train = Train(optimizer = Sgd(lr_rule = tsne))\n";
        let checked = crate::check::check_source(
            crate::diag::Source::new("m.icon", text),
            &crate::check::FsLoader,
        );
        let mut m = checked.method.expect("checks");
        assert!(!method(&m).contains("# not expressible"), "{}", method(&m));
        if let ir::Optimizer::Sgd { lr, .. } = &mut m.train.optimizer {
            *lr = 0.5;
        }
        m.mappers[0].input = None;
        let printed = method(&m);
        assert!(
            printed.contains("# not expressible in .icon: Sgd(lr = 0.5) with lr_rule = tsne")
                && printed.contains("# not expressible in .icon: mapper `embedding` reads None"),
            "{printed}"
        );
    }

    #[test]
    fn strings_use_the_three_escapes() {
        assert_eq!(string("a \"b\" \\ c\nd"), r#""a \"b\" \\ c\nd""#);
    }
}
