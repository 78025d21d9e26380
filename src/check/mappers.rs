//! Mapper pipelines `KEY = Stage -> Stage … on INPUT`: key flow (dependency
//! order, unknown keys, cycles), stage-by-stage widths, and the keys written.

use super::args::{bind, resolve, CallRef};
use super::keys::{KeyDef, Keys};
use super::resolve::Stmt;
use super::signatures::{Kind, Reads};
use super::sink::{At, FileId, Sink};
use crate::ast::Span;
use crate::ast::{Expr, ExprKind, Ident, ItemKind};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{
    Activation, DType, DataSpec, Dim, MapperSpec, MapperStage, MomentumSchedule, Producer,
    TableInit,
};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Data keys a mapper may not overwrite.
pub(crate) const DATA_KEYS: &[&str] = &["x", "label", "index", "x1"];

/// A pipeline before checking: its stages and its input key.
struct Pipeline<'a> {
    stmt: Stmt<'a>,
    stages: Vec<CallRef<'a>>,
    input: Option<Ident>,
    /// `MomentumEncoder(of = K)`: the pipeline also waits for `K`.
    copies: Option<Ident>,
}

impl Pipeline<'_> {
    /// The keys this pipeline waits for: its input and what it copies.
    fn needs(&self) -> impl Iterator<Item = &Ident> {
        self.input.iter().chain(self.copies.iter())
    }

    /// The first key it waits for that is not known yet.
    fn missing(&self, keys: &Keys) -> Option<String> {
        self.needs()
            .find(|k| keys.get(&k.name).is_none())
            .map(|k| k.name.clone())
    }
}

/// Checks every mapper statement in dependency order and adds its key.
pub(crate) fn check_mappers(
    sink: &mut Sink,
    stmts: &[Stmt<'_>],
    data: &DataSpec,
    keys: &mut Keys,
) -> Vec<MapperSpec> {
    let side = data.source.side_key();
    let reserved = |name: &str| DATA_KEYS.contains(&name) || side == Some(name);
    let mut pending: Vec<Pipeline<'_>> = vec![];
    for stmt in stmts {
        match pipeline(sink, *stmt, reserved(stmt.target)) {
            Some(p) => pending.push(p),
            None if !reserved(stmt.target) => {
                keys.add_poisoned(stmt.target, Producer::Mapper(usize::MAX))
            }
            None => {}
        }
    }
    let mut out = vec![];
    // Kahn's algorithm: always the first pipeline (in statement order) whose
    // input exists; a min-heap of the ready ones and, per key, the pipelines
    // waiting for it keep this linear in the statements.
    let mut ready = BinaryHeap::new();
    let mut waiting: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in pending.iter().enumerate() {
        match p.missing(keys) {
            Some(k) => waiting.entry(k).or_default().push(i),
            None => ready.push(Reverse(i)),
        }
    }
    let mut done = vec![false; pending.len()];
    while let Some(Reverse(i)) = ready.pop() {
        done[i] = true;
        let p = &pending[i];
        let index = out.len();
        match check_pipeline(sink, p, data, keys, &out, index) {
            Some((spec, key)) => {
                keys.add(key);
                out.push(spec);
            }
            // Keep the key known so readers do not cascade errors.
            None => keys.add_poisoned(p.stmt.target, Producer::Mapper(index)),
        }
        for w in waiting.remove(p.stmt.target).unwrap_or_default() {
            match pending[w].missing(keys) {
                Some(k) => waiting.entry(k).or_default().push(w),
                None => ready.push(Reverse(w)),
            }
        }
    }
    let pending: Vec<Pipeline<'_>> = pending
        .into_iter()
        .zip(done)
        .filter(|(_, done)| !done)
        .map(|(p, _)| p)
        .collect();
    for p in &pending {
        if let Some(of) = p.copies.as_ref().filter(|k| keys.get(&k.name).is_none()) {
            let d = if depends_on(&of.name, p.stmt.target, &pending) {
                Diagnostic::error(
                    Code::KeyCycle,
                    format!("key `{}` depends on itself", p.stmt.target),
                    of.span,
                    format!("copies `{}`, which reads this pipeline's key", of.name),
                )
                .with_help("the copied pipeline must read `x` or another key outside the cycle")
            } else if pending.iter().any(|o| o.stmt.target == of.name) {
                continue; // `of` itself cannot run; that is reported there
            } else {
                let targets: Vec<&str> = stmts.iter().map(|s| s.target).collect();
                let help = super::suggest::help(&of.name, &targets).unwrap_or_else(|| {
                    "name the online pipeline's key, e.g. `of = embedding`".into()
                });
                Diagnostic::error(
                    Code::MomentumEncoder,
                    format!(
                        "`MomentumEncoder` copies `{}`, which no mapper pipeline writes",
                        of.name
                    ),
                    of.span,
                    "not a mapper output",
                )
                .with_help(help)
            };
            sink.emit(p.stmt.file, d);
            continue;
        }
        let Some(input) = &p.input else { continue };
        if in_cycle(p, &pending) {
            let d = Diagnostic::error(
                Code::KeyCycle,
                format!("key `{}` depends on itself", p.stmt.target),
                input.span,
                format!("reads `{}`, which leads back here", input.name),
            )
            .with_help("one pipeline of the cycle must read `x` or another key outside it");
            sink.emit(p.stmt.file, d);
        } else if !pending.iter().any(|o| o.stmt.target == input.name) {
            keys.read(sink, p.stmt.file, input);
        }
    }
    for p in &pending {
        keys.add_poisoned(p.stmt.target, Producer::Mapper(usize::MAX));
    }
    out
}

/// True when pipeline `start`'s inputs or copies lead (through pending
/// pipelines) to `target`.
fn depends_on(start: &str, target: &str, pending: &[Pipeline<'_>]) -> bool {
    let mut todo = vec![start];
    let mut seen = std::collections::HashSet::new();
    while let Some(key) = todo.pop() {
        if key == target {
            return true;
        }
        if !seen.insert(key) {
            continue;
        }
        if let Some(p) = pending.iter().find(|o| o.stmt.target == key) {
            todo.extend(p.needs().map(|k| k.name.as_str()));
        }
    }
    false
}

/// True when following `p`'s input through pending pipelines returns to `p`.
fn in_cycle(p: &Pipeline<'_>, pending: &[Pipeline<'_>]) -> bool {
    let mut current = p.input.as_ref().map(|k| k.name.as_str());
    for _ in 0..=pending.len() {
        let Some(name) = current else { return false };
        if name == p.stmt.target {
            return true;
        }
        current = pending
            .iter()
            .find(|o| o.stmt.target == name)
            .and_then(|o| o.input.as_ref().map(|k| k.name.as_str()));
    }
    false
}

/// Splits `KEY = a -> b on k` into stages and input; reports reserved keys.
fn pipeline<'a>(sink: &mut Sink, stmt: Stmt<'a>, reserved: bool) -> Option<Pipeline<'a>> {
    let ItemKind::Assign { value, .. } = &stmt.item.kind else {
        return None;
    };
    if reserved {
        let d = Diagnostic::error(
            Code::ReservedKey,
            format!("`{}` is produced by the data", stmt.target),
            stmt.target_span,
            "cannot be redefined",
        )
        .with_help(format!(
            "give the mapper's output a new name, e.g. `embedding = … on {}`",
            stmt.target
        ));
        sink.emit(stmt.file, d);
        return None;
    }
    let exprs: Vec<&Expr> = match &value.kind {
        ExprKind::Pipeline(stages) => stages.iter().collect(),
        _ => vec![value],
    };
    let mut stages = vec![];
    for e in exprs {
        match CallRef::of(e) {
            Some(call) => stages.push(call),
            None => {
                let d = Diagnostic::error(
                    Code::BadStatement,
                    format!("`{}` expects a mapper pipeline", stmt.target),
                    e.span,
                    "not a mapper",
                )
                .with_help(format!(
                    "write e.g. `{} = MLP(out = 128) -> Normalize() on x`",
                    stmt.target
                ));
                sink.emit(stmt.file, d);
                return None;
            }
        }
    }
    let on: Vec<&Ident> = stages.iter().flat_map(|s| s.on.iter()).collect();
    if on.len() > 1 {
        let span = on
            .iter()
            .skip(1)
            .fold(on.first().map(|k| k.span).unwrap_or_default(), |s, k| {
                s.join(k.span)
            });
        let d = Diagnostic::error(
            Code::KeyCount,
            "a mapper pipeline reads one key",
            span,
            format!("{} keys", on.len()),
        )
        .with_help("write a single `on KEY` at the end of the pipeline");
        sink.emit(stmt.file, d);
        return None;
    }
    let first = stages.first()?;
    // Default input: `x`, or the key an id-reading mapper (LookUpTable) defaults to.
    let default_input =
        match super::signatures::find(&first.name.name, &[Kind::Mapper]).map(|s| s.reads) {
            Some(Reads::Int(key)) => key,
            _ => "x",
        };
    let input = on.first().map(|k| (*k).clone()).or_else(|| {
        Some(Ident {
            name: default_input.into(),
            span: first.name.span,
        })
    });
    let copies = stages
        .iter()
        .find(|c| c.name.name == "MomentumEncoder")
        .and_then(copied_key);
    Some(Pipeline {
        stmt,
        stages,
        input,
        copies,
    })
}

/// The key `MomentumEncoder(of = K)` (or its first positional argument) names.
fn copied_key(call: &CallRef<'_>) -> Option<Ident> {
    let arg = call
        .args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == "of"))
        .or_else(|| call.args.first().filter(|a| a.name.is_none()))?;
    match &arg.value.kind {
        ExprKind::Name(id) => Some(id.clone()),
        _ => None,
    }
}

/// Width/dtype state flowing through the stages.
struct Flow {
    dtype: DType,
    width: usize,
    image: Option<(usize, usize, usize)>,
    simplex: bool,
    table_rows: Option<usize>,
}

fn check_pipeline(
    sink: &mut Sink,
    p: &Pipeline<'_>,
    data: &DataSpec,
    keys: &mut Keys,
    done: &[MapperSpec],
    index: usize,
) -> Option<(MapperSpec, KeyDef)> {
    let file = p.stmt.file;
    let input_key = match &p.input {
        Some(k) => {
            let def = keys.read(sink, file, k)?;
            if def.poisoned {
                return None; // already reported where it is defined
            }
            Some((k.clone(), def))
        }
        None => None,
    };
    let mut flow = match &input_key {
        Some((_, def)) => Flow {
            dtype: def.info.dtype,
            width: def.width(),
            image: def.image,
            simplex: def.simplex,
            table_rows: None,
        },
        None => Flow {
            dtype: DType::Float,
            width: 0,
            image: None,
            simplex: false,
            table_rows: None,
        },
    };
    let in_dim = flow.width;
    let errors = sink.error_count();
    let mut stages = vec![];
    let mut reads_nothing = false;
    for (i, call) in p.stages.iter().enumerate() {
        let Some(sig) = resolve(
            sink,
            file,
            *call,
            &[Kind::Mapper, Kind::Stage],
            Code::UnknownMapper,
        ) else {
            continue;
        };
        let b = bind(sink, file, *call, sig);
        let at = At {
            file,
            span: call.name.span,
        };
        if sig.reads != Reads::Any
            && !matches!(sig.reads, Reads::Int(_))
            && flow.dtype != DType::Float
        {
            dtype_error(sink, at, sig.name, "a float key", p.input.as_ref());
            continue;
        }
        let stage = match sig.name {
            "Identity" => MapperStage::Identity,
            "Normalize" => {
                flow.simplex = false;
                MapperStage::Normalize
            }
            "Softmax" => {
                flow.simplex = true;
                MapperStage::Softmax
            }
            "Linear" => {
                let out = b.usize("out")?;
                let orthonormal = b.bool("orthonormal");
                let bias = match b.given("bias") {
                    Some(_) => b.bool("bias"),
                    None => !orthonormal,
                };
                if bias && orthonormal {
                    let d = Diagnostic::error(
                        Code::ConflictingParameters,
                        "an orthonormal `Linear` has no bias",
                        b.span_of("bias"),
                        "remove this",
                    )
                    .with_help("drop `bias = true`");
                    sink.emit(file, d);
                }
                let s = MapperStage::Linear {
                    input: flow.width,
                    out,
                    bias,
                    orthonormal,
                };
                set_width(&mut flow, out);
                s
            }
            "MLP" => {
                let out = b.usize("out")?;
                let hidden = b
                    .int_list("hidden")?
                    .into_iter()
                    .map(|h| h as usize)
                    .collect();
                let activation = match b.enum_value("activation").as_deref() {
                    Some("gelu") => Activation::Gelu,
                    Some("tanh") => Activation::Tanh,
                    _ => Activation::Relu,
                };
                let s = MapperStage::Mlp {
                    input: flow.width,
                    hidden,
                    out,
                    activation,
                    batch_norm: b.bool("batch_norm"),
                };
                set_width(&mut flow, out);
                s
            }
            "SimpleCNN" | "ResNet18" => {
                let Some(image) = flow.image.filter(|_| i == 0) else {
                    let d = Diagnostic::error(Code::ImageRequired, format!("`{}` needs image input", sig.name), call.name.span, "input holds no images")
                        .with_help("make it the first stage and read `x` of an image data source (Mnist, Digits, Cifar10, Idx)");
                    sink.emit(file, d);
                    continue;
                };
                let out = b.usize("out")?;
                set_width(&mut flow, out);
                if sig.name == "SimpleCNN" {
                    MapperStage::SimpleCnn { image, out }
                } else {
                    MapperStage::ResNet18 { image, out }
                }
            }
            "LookUpTable" => {
                let (stage, nothing) =
                    lookup_table(sink, file, &b, i, p.input.as_ref(), &flow, data)?;
                reads_nothing = nothing;
                if let MapperStage::LookUpTable {
                    n, dim, get_all, ..
                } = &stage
                {
                    flow = Flow {
                        dtype: DType::Float,
                        width: *dim,
                        image: None,
                        simplex: false,
                        table_rows: get_all.then_some(*n),
                    };
                }
                stage
            }
            "Frozen" => {
                if i != 0 || p.stages.len() < 2 {
                    let d = Diagnostic::error(
                        Code::FrozenStage,
                        if i != 0 {
                            "`Frozen` must be the first stage of its pipeline"
                        } else {
                            "`Frozen` freezes the stages after it, and there are none"
                        },
                        call.name.span,
                        "frozen stages follow it",
                    )
                    .with_help("write `g = Frozen(weights = \"teacher.safetensors\", of = embedding) -> MLP(…) on x`");
                    sink.emit(file, d);
                    continue;
                }
                let weights = sink.rebase(file, &b.string("weights").unwrap_or_default());
                let of = b.string("of").unwrap_or_else(|| p.stmt.target.to_string());
                MapperStage::Frozen { weights, of }
            }
            "MomentumEncoder" => {
                let stage = momentum_encoder(sink, file, &b, i, &flow, keys, done)?;
                if let MapperStage::MomentumEncoder { of, .. } = &stage {
                    if let Some(online) = keys.get(of) {
                        flow.simplex = online.simplex;
                    }
                    let out = done
                        .iter()
                        .find(|m| m.output == *of)
                        .map_or(flow.width, |m| m.out_dim);
                    let simplex = flow.simplex;
                    set_width(&mut flow, out);
                    flow.simplex = simplex;
                }
                stage
            }
            "ClusterHead" => {
                let clusters = b.usize("clusters").unwrap_or(data.classes);
                let s = MapperStage::ClusterHead {
                    input: flow.width,
                    clusters,
                };
                set_width(&mut flow, clusters);
                flow.simplex = true;
                s
            }
            _ => continue,
        };
        stages.push(stage);
    }
    if sink.error_count() > errors {
        return None;
    }
    let mut key = KeyDef::batch(
        p.stmt.target,
        flow.dtype,
        Some(flow.width),
        Producer::Mapper(index),
    );
    if let Some(n) = flow.table_rows {
        key.info.shape = vec![Dim::Fixed(n), Dim::Fixed(flow.width)];
    }
    if flow.dtype == DType::Int {
        key.info.shape = vec![Dim::Batch];
    }
    key.simplex = flow.simplex;
    key.def = Some(At {
        file,
        span: p.stmt.target_span,
    });
    let input = if reads_nothing {
        None
    } else {
        input_key.map(|(k, _)| k.name)
    };
    let in_dim = match stages.first() {
        Some(MapperStage::LookUpTable { n, .. }) => *n,
        _ => in_dim,
    };
    let spec = MapperSpec {
        output: p.stmt.target.to_string(),
        input,
        in_dim,
        out_dim: flow.width,
        stages,
    };
    Some((spec, key))
}

fn set_width(flow: &mut Flow, width: usize) {
    flow.width = width;
    flow.image = None;
    flow.simplex = false;
}

fn dtype_error(sink: &mut Sink, at: At, name: &str, want: &str, input: Option<&Ident>) {
    let mut d = Diagnostic::error(
        Code::KeyDtype,
        format!("`{name}` needs {want}"),
        at.span,
        format!("`{name}` reads {want}"),
    );
    if let Some(k) = input {
        if k.span != at.span {
            d = d.with_label(k.span, "this key has the wrong type");
        }
    }
    sink.emit(
        at.file,
        d.with_help("read `x` or another float key (`label` and `index` are ints)"),
    );
}

/// `MomentumEncoder(of, momentum, schedule)` (first stage only, E0416): a
/// copy of the stages of the checked online pipeline that writes `of`.
fn momentum_encoder(
    sink: &mut Sink,
    file: FileId,
    b: &super::args::Bound<'_>,
    i: usize,
    flow: &Flow,
    keys: &Keys,
    done: &[MapperSpec],
) -> Option<MapperStage> {
    let span = b.call.name.span;
    let of = b.string("of")?;
    let of_span = b.given("of").map(|(_, s)| *s).unwrap_or(span);
    let fail = |sink: &mut Sink, msg: String, at: Span, label: &str, help: &str| {
        let d = Diagnostic::error(Code::MomentumEncoder, msg, at, label).with_help(help);
        sink.emit(file, d);
        None
    };
    if i != 0 {
        return fail(
            sink,
            "`MomentumEncoder` must be the first stage of its pipeline".into(),
            span,
            "not the first stage",
            "write it first: `target = MomentumEncoder(of = embedding) -> Normalize() on x`",
        );
    }
    let Some(online) = done.iter().find(|m| m.output == of) else {
        let what = match keys.get(&of).map(|k| &k.info.producer) {
            Some(Producer::Data) => "a data key, not a mapper pipeline",
            _ => "not a mapper pipeline that checked",
        };
        return fail(
            sink,
            format!("`MomentumEncoder` copies `{of}`, {what}"),
            of_span,
            "not an online pipeline",
            "name the key of the online pipeline it follows, e.g. `of = embedding`",
        );
    };
    let copies_copy = online
        .stages
        .iter()
        .any(|s| matches!(s, MapperStage::MomentumEncoder { .. }));
    let table = matches!(online.stages.first(), Some(MapperStage::LookUpTable { .. }));
    let frozen = matches!(online.stages.first(), Some(MapperStage::Frozen { .. }));
    if copies_copy || table || frozen {
        let why = if copies_copy {
            "is itself a momentum copy"
        } else if frozen {
            "is frozen, so there is nothing to follow"
        } else {
            "starts with a LookUpTable"
        };
        return fail(
            sink,
            format!("`MomentumEncoder` cannot copy `{of}`: it {why}"),
            of_span,
            "not copyable",
            "copy the online encoder itself (a pipeline of float stages)",
        );
    }
    if flow.dtype != DType::Float || flow.width != online.in_dim {
        return fail(
            sink,
            format!(
                "`{of}` reads {} features but this pipeline's input has {}",
                online.in_dim, flow.width
            ),
            span,
            "input width differs",
            "read a key of the online pipeline's input width (e.g. the same `x`)",
        );
    }
    let schedule = b
        .enum_value("schedule")
        .as_deref()
        .and_then(MomentumSchedule::from_name)
        .unwrap_or(MomentumSchedule::Constant);
    Some(MapperStage::MomentumEncoder {
        of,
        momentum: b.float("momentum").unwrap_or(0.99),
        schedule,
        stages: online.stages.clone(),
    })
}

/// `LookUpTable` (first stage only): returns the stage and whether the
/// pipeline reads nothing (`get_all`).
fn lookup_table(
    sink: &mut Sink,
    file: FileId,
    b: &super::args::Bound<'_>,
    i: usize,
    input: Option<&Ident>,
    flow: &Flow,
    data: &DataSpec,
) -> Option<(MapperStage, bool)> {
    let span = b.call.name.span;
    if i != 0 || flow.dtype != DType::Int {
        dtype_error(
            sink,
            At { file, span },
            "LookUpTable",
            "an int key (`index` or `label`) as the first stage",
            input,
        );
        return None;
    }
    let get_all = b.bool("get_all");
    let on_label = input.is_some_and(|k| k.name == "label");
    let derived = if on_label || get_all {
        Some(data.classes)
    } else {
        data.samples
    };
    let n = match b.usize("n").or(derived) {
        Some(n) => n,
        None => {
            let d = Diagnostic::error(
                Code::MissingParameter,
                "missing parameter `n` of `LookUpTable`",
                span,
                "the number of samples is not known here",
            )
            .with_help("add `n = …` (the number of samples in the data file)");
            sink.emit(file, d);
            return None;
        }
    };
    let table_span = b.given("n").map(|(_, s)| *s).unwrap_or(span);
    if on_label && n != data.classes {
        let d = Diagnostic::error(
            Code::TableSize,
            format!(
                "table has {n} rows but the data has {} classes",
                data.classes
            ),
            table_span,
            "indexed by `label`",
        )
        .with_help(format!("use `n = {}` (one row per class)", data.classes));
        sink.emit(file, d);
    } else if let (false, false, Some(samples)) = (on_label, get_all, data.samples) {
        if n < samples {
            let d = Diagnostic::error(
                Code::TableSize,
                format!("table has {n} rows but the data has {samples} samples"),
                table_span,
                "indexed by `index`",
            )
            .with_help(format!("use `n = {samples}`, or omit `n`"));
            sink.emit(file, d);
        }
    }
    let init = match b.enum_value("init").as_deref() {
        Some("pca") => TableInit::Pca,
        _ => TableInit::Normal {
            std: b.float("std").unwrap_or(1.0),
        },
    };
    let dim = b.usize("dim")?;
    Some((
        MapperStage::LookUpTable {
            n,
            dim,
            get_all,
            init,
        },
        get_all,
    ))
}
