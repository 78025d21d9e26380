//! A name of the signature table as text: what `iconc explain NAME` prints
//! and the editor hover shows.

use crate::check::signatures::{Kind, Side, Signature};

/// A signature as text: name, kind, doc, parameters with types, defaults, ranges.
pub fn signature(sig: &Signature) -> String {
    let mut out = format!("{} ({})\n  {}\n", sig.name, sig.kind.noun(), sig.doc);
    if !sig.writes.is_empty() {
        out.push_str(&format!("  writes: {}\n", sig.writes));
    }
    if sig.kind == Kind::Kernel || sig.kind == Kind::Transform {
        let side = match sig.side {
            Side::P => "p only",
            Side::Q => "q only",
            Side::Both => "p or q",
        };
        out.push_str(&format!("  side: {side}\n"));
    }
    for p in sig.params {
        let range = p
            .range
            .describe()
            .map(|r| format!(", {r}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {:<14} {} (default {}{range})\n      {}\n",
            p.name,
            p.ty.describe(),
            p.default.describe(),
            p.doc
        ));
    }
    out
}
