//! Mapper weights as safetensors files: a run saves its trained pipelines
//! (`weights.safetensors`), and a pipeline that starts with
//! `Frozen(weights = FILE, of = KEY)` loads its stages from the tensors KEY
//! was saved under.
//!
//! Names are burn's module paths with enum variants left out, prefixed by the
//! pipeline's key: `KEY.<stage index>.<field path>`, e.g. an MLP's
//! `embedding.0.hidden.0.linear.weight` and `embedding.0.last.bias`. Shapes are burn's (a Linear weight is
//! `[in, out]`, the transpose of PyTorch's `nn.Linear.weight`). Decision:
//! burn-store does the naming and the shape checks, so the file is what any
//! safetensors reader sees, and a PyTorch export only has to follow the names.

use super::{Pipeline, Stage};
use crate::diag::{Code, Diagnostic};
use burn::tensor::backend::Backend;
use burn_store::{ModuleSnapshot, SafetensorsStore};
use std::path::Path;

/// The file a run writes its evaluated mapper weights to.
pub const FILE: &str = "weights.safetensors";

/// Writes every pipeline's parameters to `path` (through a temporary file
/// renamed into place, so a crash never leaves half a file).
pub fn save<B: Backend>(pipelines: &[Pipeline<B>], path: &Path) -> Result<(), Diagnostic> {
    let tmp = path.with_extension("safetensors.tmp");
    let mut store = SafetensorsStore::from_file(&tmp)
        .skip_enum_variants(true)
        .overwrite(true);
    for (i, p) in pipelines.iter().enumerate() {
        store = store.with_key_remapping(format!(r"^{i}\.stages\."), format!("{}.", p.output));
    }
    pipelines
        .to_vec()
        .save_into(&mut store)
        .map_err(|e| write_error(path, &e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| write_error(path, &e.to_string()))
}

/// `stages` with their parameters loaded from the tensors of pipeline `of`
/// in the safetensors file `path`; every parameter must be there with its
/// shape (E0709).
pub fn load<B: Backend>(
    stages: Vec<Stage<B>>,
    path: &Path,
    of: &str,
) -> Result<Vec<Stage<B>>, Diagnostic> {
    if !path.is_file() {
        return Err(bad(format!("no weights file at {}", path.display())));
    }
    let prefix = format!("{}.", regex_escape(of));
    let mut store = SafetensorsStore::from_file(path)
        .skip_enum_variants(true)
        .with_key_remapping(format!("^{prefix}"), "")
        .allow_partial(true)
        .validate(true);
    let mut stages = stages;
    let result = stages.load_from(&mut store).map_err(|e| {
        bad(format!(
            "the tensors of `{of}` in {} do not fit these stages: {e}",
            path.display()
        ))
    })?;
    if let Some(e) = result.errors.first() {
        return Err(bad(format!("tensor of `{of}` does not fit: {e:?}")));
    }
    if let Some((name, _)) = result.missing.first() {
        return Err(bad(format!(
            "{} has no tensor `{of}.{name}`; {} of the stages' tensors are missing (is `of` the saved pipeline's key?)",
            path.display(),
            result.missing.len()
        )));
    }
    Ok(stages)
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = !(c.is_ascii_alphanumeric() || c == '_');
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

fn bad(message: String) -> Diagnostic {
    Diagnostic::bare(Code::BadWeights, message).with_help(
        "the stages after `Frozen` must be those the saved pipeline was trained with; see `iconc explain E0709`",
    )
}

fn write_error(path: &Path, e: &str) -> Diagnostic {
    Diagnostic::bare(
        Code::OutputNotWritable,
        format!("cannot write {}: {e}", path.display()),
    )
    .with_help("check that the run directory is writable and the disk has space")
}
