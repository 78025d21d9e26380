//! The syntax tree of a `.icon` file. Every node carries a [`Span`].
//!
//! The parser (`syntax`) builds it, the checker (`check`) resolves it into
//! [`crate::ir::Method`], and the formatter (`fmt`) prints it back.

use serde::{Deserialize, Serialize};

/// A byte range `start..end` into the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from byte offsets.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.end.saturating_sub(s.start)).into()
    }
}

/// A name with its span: `embedding`, `Gaussian`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ident {
    /// The text.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// A whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    /// Statements in source order.
    pub items: Vec<Item>,
    /// Comments (`# …`) with their spans, for the formatter.
    pub comments: Vec<Comment>,
    /// The whole file.
    pub span: Span,
}

/// `# text` (the text excludes the `#`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    /// Text after `#`.
    pub text: String,
    /// Span of the whole comment.
    pub span: Span,
}

/// One top-level statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// What it says.
    pub kind: ItemKind,
    /// The whole statement.
    pub span: Span,
}

/// Statement kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ItemKind {
    /// `method "simclr"`, `about "…"`, `cite "…"`.
    Meta {
        /// `method` / `about` / `cite`.
        key: Ident,
        /// The string value.
        value: StrLit,
    },
    /// `use "base.icon"`.
    Use {
        /// The path as written.
        path: StrLit,
    },
    /// `target = value`: `data = …`, `embedding = …`, `p = …`, `q = …`,
    /// `divergence = kl`, `train = Train(…)`, `eval = […]`.
    Assign {
        /// Left-hand side.
        target: Ident,
        /// Right-hand side.
        value: Expr,
    },
}

/// A string literal (value unescaped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrLit {
    /// Unescaped value.
    pub value: String,
    /// Span including quotes.
    pub span: Span,
}

/// An expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Expression kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExprKind {
    /// `0.5`, `1e-3`, `3` (`is_int` when written without `.`/exponent).
    Number {
        /// Value.
        value: f64,
        /// Written as an integer.
        is_int: bool,
    },
    /// `"text"`.
    Str(String),
    /// `true` / `false`.
    Bool(bool),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// A bare name: `cosine`, `kl`, `normalize`.
    Name(Ident),
    /// `Name(args)` optionally followed by `on key, key`.
    Call(Call),
    /// `a + b`, `a - b`, `a * b`.
    Binary {
        /// Operator.
        op: BinOp,
        /// Left.
        lhs: Box<Expr>,
        /// Right.
        rhs: Box<Expr>,
    },
    /// `-a`.
    Neg(Box<Expr>),
    /// `a -> f -> g(…)`: `stages[0]` is the head value.
    Pipeline(Vec<Expr>),
    /// `( e )`, kept so the formatter can print it back.
    Paren(Box<Expr>),
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
}

/// `Gaussian(sigma = 0.5, metric = cosine) on embedding`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// Callee name.
    pub name: Ident,
    /// Arguments in order.
    pub args: Vec<Arg>,
    /// Keys after `on` (empty when absent).
    pub on: Vec<Ident>,
    /// Span of the `( … )` argument list.
    pub args_span: Span,
}

/// `name = value` or a positional `value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arg {
    /// Parameter name, when given.
    pub name: Option<Ident>,
    /// Value.
    pub value: Expr,
    /// The whole argument.
    pub span: Span,
}
