//! `iconc show FILE [--format human|json]`: the resolved method after `use`:
//! keys with shapes, mappers, p and q as kernel trees, layout, divergence,
//! training settings, eval. JSON dumps the IR with serde.

use super::check::{human_options, Format};
use crate::check::{self, FsLoader};
use crate::diag::render::{human, json};
use crate::ir::{Dim, KernelExpr, Method, Producer};
use std::fmt::Write;
use std::path::PathBuf;

/// Arguments of `iconc show`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The `.icon` file.
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// No colour in diagnostics.
    #[arg(long)]
    no_color: bool,
}

/// Runs `iconc show`; returns the exit code.
pub(crate) fn run(args: Args) -> i32 {
    let checked = check::check_path(&args.file, &FsLoader);
    let io_error = checked.reports.iter().any(check::is_io_error);
    let Some(method) = checked.method else {
        match args.format {
            Format::Json => outln!("{}", json::render(&checked.reports)),
            Format::Human => eprint!(
                "{}",
                human::render(&checked.reports, human_options(args.no_color))
            ),
        }
        return if io_error { 2 } else { 1 };
    };
    if !checked.reports.is_empty() {
        eprint!(
            "{}",
            human::render(&checked.reports, human_options(args.no_color))
        );
    }
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&method) {
            Ok(s) => outln!("{s}"),
            Err(e) => {
                eprintln!("error: cannot serialize the method: {e}");
                return 2;
            }
        },
        Format::Human => out!("{}", describe(&method)),
    }
    0
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

/// The method as readable text.
pub fn describe(m: &Method) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "method {:?}", m.name);
    if let Some(a) = &m.about {
        let _ = writeln!(o, "about  {a}");
    }
    if let Some(c) = &m.cite {
        let _ = writeln!(o, "cite   {c}");
    }
    let d = &m.data;
    let _ = writeln!(o, "\ndata   {:?}", d.source);
    let _ = writeln!(
        o,
        "       views {}, batch {}, holdout {}, limit {:?}, modalities {:?}",
        d.views, d.batch, d.holdout, d.limit, d.modalities
    );
    let _ = writeln!(
        o,
        "       features {}, image {:?}, classes {}, samples {:?}",
        d.features, d.image, d.classes, d.samples
    );
    for a in &d.augment {
        let _ = writeln!(o, "       augment {a:?}");
    }
    let _ = writeln!(o, "\nkeys");
    for k in &m.keys {
        let producer = match k.producer {
            Producer::Data => "data".to_string(),
            Producer::Mapper(i) => format!("mapper {i}"),
        };
        let _ = writeln!(
            o,
            "  {:<16} {:<10} {:<6} {producer}",
            k.name,
            shape(&k.shape),
            format!("{:?}", k.dtype).to_lowercase()
        );
    }
    let _ = writeln!(o, "\nmappers");
    for (i, mp) in m.mappers.iter().enumerate() {
        let input = mp.input.as_deref().unwrap_or("(nothing)");
        let _ = writeln!(
            o,
            "  {i}: {} = on {input} ({} → {})",
            mp.output, mp.in_dim, mp.out_dim
        );
        for s in &mp.stages {
            let _ = writeln!(o, "       -> {}", super::show_icon::stage(s));
        }
    }
    let _ = writeln!(o, "\nlayout     {:?}", m.layout);
    let _ = writeln!(o, "p");
    tree(&mut o, &m.p, 1);
    if let Some(e) = &m.exaggeration {
        let until = e
            .until
            .map(|u| format!(", until = {u}"))
            .unwrap_or_default();
        let _ = writeln!(o, "  -> exaggerate(factor = {}{until})", e.factor);
    }
    let _ = writeln!(o, "q");
    tree(&mut o, &m.q, 1);
    let _ = writeln!(o, "divergence {:?}", m.divergence);
    let t = &m.train;
    let _ = writeln!(
        o,
        "\ntrain  epochs {}, steps {:?}, seed {}, probe {}, clip {:?}, ema {:?}",
        t.epochs, t.steps, t.seed, t.probe, t.clip, t.ema
    );
    let _ = writeln!(o, "       optimizer {:?}", t.optimizer);
    let _ = writeln!(o, "       schedule {:?}", t.schedule);
    let eval: Vec<String> = m.eval.iter().map(|e| format!("{e:?}")).collect();
    let _ = writeln!(o, "eval   [{}]", eval.join(", "));
    o
}

/// A kernel expression as an indented tree.
fn tree(o: &mut String, k: &KernelExpr, depth: usize) {
    let pad = "  ".repeat(depth);
    let (head, children): (String, Vec<&KernelExpr>) = match k {
        KernelExpr::Kernel { kernel, inputs } => (
            format!(
                "{} on {}",
                super::show_icon::kernel(kernel),
                inputs.join(", ")
            ),
            vec![],
        ),
        KernelExpr::Add(a, b) => ("add".into(), vec![a, b]),
        KernelExpr::Sub(a, b) => ("sub".into(), vec![a, b]),
        KernelExpr::Scale(s, a) => (format!("scale {s}"), vec![a]),
        KernelExpr::Normalize(a) => ("normalize".into(), vec![a]),
        KernelExpr::Binarize(t, a) => (format!("binarize {t}"), vec![a]),
        KernelExpr::Leak(al, a) => (format!("leak {al}"), vec![a]),
        KernelExpr::Propagate {
            steps,
            reachable,
            inner,
        } => (
            format!("propagate steps {steps}, reachable {reachable}"),
            vec![inner],
        ),
        KernelExpr::Symmetrize(a) => ("symmetrize".into(), vec![a]),
        KernelExpr::DebiasQ(al, a) => (format!("debias {al}"), vec![a]),
    };
    let _ = writeln!(o, "{pad}{head}");
    for c in children {
        tree(o, c, depth + 1);
    }
}
