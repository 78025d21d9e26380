//! The key table: every named tensor (`x`, `label`, `embedding`, …) with
//! its dtype, symbolic shape and what is known about its rows, plus which
//! keys were read (for the unused-key warning).

use super::sink::{At, FileId, Sink};
use super::suggest;
use crate::ast::Ident;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{DType, Dim, KeyInfo};
use std::collections::HashMap;

/// A key with what the checker knows about it.
#[derive(Debug, Clone)]
pub(crate) struct KeyDef {
    /// The IR view (name, dtype, shape, producer).
    pub info: KeyInfo,
    /// Rows are images (C, H, W) (the data's `x`/`x1`).
    pub image: Option<(usize, usize, usize)>,
    /// Rows are probability vectors (Softmax/ClusterHead output).
    pub simplex: bool,
    /// Where a mapper defines it (None for data keys).
    pub def: Option<At>,
    /// Read by a kernel or another mapper.
    pub used: bool,
    /// Its definition failed: readers stay silent instead of cascading.
    pub poisoned: bool,
}

impl KeyDef {
    /// A float or int key with a batch-major shape.
    pub fn batch(
        name: &str,
        dtype: DType,
        width: Option<usize>,
        producer: crate::ir::Producer,
    ) -> KeyDef {
        let mut shape = vec![Dim::Batch];
        if let Some(w) = width {
            shape.push(Dim::Fixed(w));
        }
        KeyDef {
            info: KeyInfo {
                name: name.to_string(),
                dtype,
                shape,
                producer,
            },
            image: None,
            simplex: false,
            def: None,
            used: false,
            poisoned: false,
        }
    }
    /// Width D of a 2-D key (1 for a 1-D key).
    pub fn width(&self) -> usize {
        match self.info.shape.get(1) {
            Some(Dim::Fixed(w)) => *w,
            _ => 1,
        }
    }
    /// True for a table key (n×D, not one row per sample).
    pub fn is_table(&self) -> bool {
        matches!(self.info.shape.first(), Some(Dim::Fixed(_)))
    }
    /// Rows of a table key.
    pub fn table_rows(&self) -> Option<usize> {
        match self.info.shape.first() {
            Some(Dim::Fixed(n)) => Some(*n),
            _ => None,
        }
    }
    /// "B×128 float" for messages.
    pub fn describe(&self) -> String {
        let dims: Vec<String> = self
            .info
            .shape
            .iter()
            .map(|d| match d {
                Dim::Batch => "B".to_string(),
                Dim::Fixed(n) => n.to_string(),
            })
            .collect();
        let dtype = match self.info.dtype {
            DType::Float => "float",
            DType::Int => "int",
        };
        format!("{} {dtype}", dims.join("×"))
    }
}

/// All keys in definition order.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    /// Definitions.
    pub defs: Vec<KeyDef>,
    /// Name → position in `defs` (files may define hundreds of keys).
    index: HashMap<String, usize>,
}

impl Keys {
    /// The key called `name`.
    pub fn get(&self, name: &str) -> Option<&KeyDef> {
        self.index.get(name).and_then(|&i| self.defs.get(i))
    }
    /// Adds a key.
    pub fn add(&mut self, key: KeyDef) {
        self.index.insert(key.info.name.clone(), self.defs.len());
        self.defs.push(key);
    }
    /// Looks a read key up, marking it used; reports an unknown key with a
    /// suggestion over the defined keys.
    pub fn read(&mut self, sink: &mut Sink, file: FileId, key: &Ident) -> Option<KeyDef> {
        if let Some(def) = self
            .index
            .get(&key.name)
            .and_then(|&i| self.defs.get_mut(i))
        {
            def.used = true;
            return Some(def.clone());
        }
        let names: Vec<&str> = self.defs.iter().map(|k| k.info.name.as_str()).collect();
        let help = match suggest::did_you_mean(&key.name, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "defined keys: {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let d = Diagnostic::error(
            Code::UnknownKey,
            format!("unknown key `{}`", key.name),
            key.span,
            "nothing produces this key",
        )
        .with_help(help);
        sink.emit(file, d);
        None
    }
    /// A placeholder for a key whose definition failed.
    pub fn add_poisoned(&mut self, name: &str, producer: crate::ir::Producer) {
        if self.get(name).is_none() {
            let mut key = KeyDef::batch(name, DType::Float, Some(1), producer);
            key.used = true;
            key.poisoned = true;
            self.add(key);
        }
    }
    /// Marks a key read without reporting anything (used when an expression
    /// failed before its keys were looked at).
    pub fn mark_used(&mut self, name: &str) {
        if let Some(def) = self.index.get(name).and_then(|&i| self.defs.get_mut(i)) {
            def.used = true;
        }
    }
    /// Warns about mapper keys nobody reads.
    pub fn warn_unused(&self, sink: &mut Sink) {
        for key in &self.defs {
            if let (false, Some(at)) = (key.used, key.def) {
                let d = Diagnostic::warning(
                    Code::UnusedKey,
                    format!("key `{}` is never read", key.info.name),
                    at.span,
                    "defined here",
                )
                .with_help("read it in `p`, `q` or another mapper, or remove it");
                sink.emit(at.file, d);
            }
        }
    }
    /// The IR key list.
    pub fn infos(&self) -> Vec<KeyInfo> {
        self.defs.iter().map(|k| k.info.clone()).collect()
    }
}
