//! Binding call arguments to a [`Signature`]: positional and named
//! arguments, type conversion, ranges, defaults. Every problem is reported
//! (unknown/duplicate/missing parameter, wrong type, out of range) and the
//! binding carries on with what it could read.

use super::signatures::{Default as Dflt, Kind, Param, Signature, Ty};
use super::sink::{FileId, Sink};
use super::suggest;
use crate::ast::{Arg, Call, Expr, ExprKind, Ident, Span};
use crate::diag::Code;
use crate::diag::Diagnostic;

/// A call seen through one lens: `Name(args) on keys`, or a bare `Name`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallRef<'a> {
    /// Callee.
    pub name: &'a Ident,
    /// Arguments (empty for a bare name).
    pub args: &'a [Arg],
    /// Keys after `on`.
    pub on: &'a [Ident],
    /// The whole call.
    pub span: Span,
}

impl<'a> CallRef<'a> {
    /// A call or bare name expression as a call.
    pub fn of(expr: &'a Expr) -> Option<CallRef<'a>> {
        match &expr.kind {
            ExprKind::Call(call) => Some(CallRef::from_call(call, expr.span)),
            ExprKind::Name(name) => Some(CallRef {
                name,
                args: &[],
                on: &[],
                span: expr.span,
            }),
            ExprKind::Paren(inner) => CallRef::of(inner),
            _ => None,
        }
    }
    /// A parsed call.
    pub fn from_call(call: &'a Call, span: Span) -> CallRef<'a> {
        CallRef {
            name: &call.name,
            args: &call.args,
            on: &call.on,
            span,
        }
    }
}

/// A converted argument value.
#[derive(Debug, Clone)]
pub(crate) enum Value<'a> {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    Enum(String),
    IntList(Vec<i64>),
    FloatPair(f64, f64),
    Call(CallRef<'a>),
    Calls(Vec<CallRef<'a>>),
}

/// Arguments bound to a signature.
#[derive(Debug)]
pub(crate) struct Bound<'a> {
    /// The signature.
    pub sig: &'static Signature,
    /// The call.
    pub call: CallRef<'a>,
    values: Vec<Option<(Value<'a>, Span)>>,
    /// Parameters that were given (valid or not), so that an invalid value
    /// is not also reported as missing.
    attempted: Vec<bool>,
}

impl<'a> Bound<'a> {
    /// True when `name` was written, even with an invalid value.
    pub fn attempted(&self, name: &str) -> bool {
        self.sig
            .param(name)
            .and_then(|(i, _)| self.attempted.get(i).copied())
            .unwrap_or(false)
    }
    /// The given value of `name` and its span.
    pub fn given(&self, name: &str) -> Option<&(Value<'a>, Span)> {
        let (i, _) = self.sig.param(name)?;
        self.values.get(i)?.as_ref()
    }
    /// Span of the argument `name`, or of the call when not given.
    pub fn span_of(&self, name: &str) -> Span {
        self.given(name)
            .map(|(_, s)| *s)
            .unwrap_or(self.call.name.span)
    }
    /// The parameter's static default.
    fn default(&self, name: &str) -> Option<Dflt> {
        self.sig.param(name).map(|(_, p)| p.default)
    }
    /// Integer value (given or default).
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.given(name) {
            Some((Value::Int(v), _)) => Some(*v),
            Some(_) => None,
            None => match self.default(name)? {
                Dflt::Int(v) => Some(v),
                _ => None,
            },
        }
    }
    /// Non-negative integer as usize (given or default).
    pub fn usize(&self, name: &str) -> Option<usize> {
        self.int(name).and_then(|v| usize::try_from(v).ok())
    }
    /// Number (given or default).
    pub fn float(&self, name: &str) -> Option<f64> {
        match self.given(name) {
            Some((Value::Float(v), _)) => Some(*v),
            Some((Value::Int(v), _)) => Some(*v as f64),
            Some(_) => None,
            None => match self.default(name)? {
                Dflt::Float(v) => Some(v),
                Dflt::Int(v) => Some(v as f64),
                _ => None,
            },
        }
    }
    /// Bool (given or default; false when neither).
    pub fn bool(&self, name: &str) -> bool {
        match self.given(name) {
            Some((Value::Bool(v), _)) => *v,
            Some(_) => false,
            None => matches!(self.default(name), Some(Dflt::Bool(true))),
        }
    }
    /// Enum value (given or default).
    pub fn enum_value(&self, name: &str) -> Option<String> {
        match self.given(name) {
            Some((Value::Enum(v), _)) => Some(v.clone()),
            Some(_) => None,
            None => match self.default(name)? {
                Dflt::Enum(v) => Some(v.to_string()),
                _ => None,
            },
        }
    }
    /// String value (given only).
    pub fn string(&self, name: &str) -> Option<String> {
        match self.given(name) {
            Some((Value::Str(v), _)) => Some(v.clone()),
            _ => None,
        }
    }
    /// Integer list (given or default).
    pub fn int_list(&self, name: &str) -> Option<Vec<i64>> {
        match self.given(name) {
            Some((Value::IntList(v), _)) => Some(v.clone()),
            Some(_) => None,
            None => match self.default(name)? {
                Dflt::IntList(v) => Some(v.to_vec()),
                _ => None,
            },
        }
    }
    /// Pair (given or default).
    pub fn pair(&self, name: &str) -> Option<(f64, f64)> {
        match self.given(name) {
            Some((Value::FloatPair(a, b), _)) => Some((*a, *b)),
            Some(_) => None,
            None => match self.default(name)? {
                Dflt::FloatPair(a, b) => Some((a, b)),
                _ => None,
            },
        }
    }
    /// A call argument (given only; the caller applies the default).
    pub fn call(&self, name: &str) -> Option<CallRef<'a>> {
        match self.given(name) {
            Some((Value::Call(c), _)) => Some(*c),
            _ => None,
        }
    }
    /// A call-list argument (given only).
    pub fn calls(&self, name: &str) -> Vec<CallRef<'a>> {
        match self.given(name) {
            Some((Value::Calls(c), _)) => c.clone(),
            _ => vec![],
        }
    }
}

/// Binds `call`'s arguments to `sig`, reporting every problem into `sink`.
pub(crate) fn bind<'a>(
    sink: &mut Sink,
    file: FileId,
    call: CallRef<'a>,
    sig: &'static Signature,
) -> Bound<'a> {
    let mut values: Vec<Option<(Value<'a>, Span)>> = vec![None; sig.params.len()];
    let mut attempted = vec![false; sig.params.len()];
    let mut next_positional = 0usize;
    for arg in call.args {
        let index = match &arg.name {
            Some(name) => match sig.param(&name.name) {
                Some((i, _)) => i,
                None => {
                    unknown_parameter(sink, file, sig, name);
                    continue;
                }
            },
            None => {
                let i = next_positional;
                next_positional += 1;
                if i >= sig.params.len() {
                    let d = Diagnostic::error(
                        Code::TooManyArguments,
                        format!("too many arguments to `{}`", sig.name),
                        arg.span,
                        "extra argument",
                    )
                    .with_help(format!(
                        "`{}` takes {} argument(s): {}",
                        sig.name,
                        sig.params.len(),
                        param_list(sig)
                    ));
                    sink.emit(file, d);
                    continue;
                }
                i
            }
        };
        let Some(param) = sig.params.get(index) else {
            continue;
        };
        if let Some(Some((_, first))) = values.get(index) {
            let d = Diagnostic::error(
                Code::DuplicateArgument,
                format!("parameter `{}` given twice", param.name),
                arg.span,
                "given again here",
            )
            .with_label(*first, "first given here")
            .with_help("remove one of them");
            sink.emit(file, d);
            continue;
        }
        if let Some(flag) = attempted.get_mut(index) {
            *flag = true;
        }
        if let Some(value) = convert(sink, file, sig, param, &arg.value) {
            if let Some(slot) = values.get_mut(index) {
                *slot = Some((value, arg.span));
            }
        }
    }
    for (param, tried) in sig.params.iter().zip(&attempted) {
        if !tried && param.default == Dflt::Required {
            let d = Diagnostic::error(
                Code::MissingParameter,
                format!("missing parameter `{}` of `{}`", param.name, sig.name),
                call.name.span,
                format!("`{}` needs `{}`", sig.name, param.name),
            )
            .with_help(format!(
                "add `{} = …` ({}: {})",
                param.name,
                param.ty.describe(),
                param.doc
            ));
            sink.emit(file, d);
        }
    }
    Bound {
        sig,
        call,
        values,
        attempted,
    }
}

fn param_list(sig: &Signature) -> String {
    if sig.params.is_empty() {
        return "none".into();
    }
    sig.params
        .iter()
        .map(|p| format!("`{}`", p.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_parameter(sink: &mut Sink, file: FileId, sig: &Signature, name: &Ident) {
    let names: Vec<&str> = sig.params.iter().map(|p| p.name).collect();
    let help = match suggest::did_you_mean(&name.name, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("`{}` takes: {}", sig.name, param_list(sig)),
    };
    let d = Diagnostic::error(
        Code::UnknownParameter,
        format!("unknown parameter `{}` of `{}`", name.name, sig.name),
        name.span,
        "unknown parameter",
    )
    .with_help(help);
    sink.emit(file, d);
}

/// Integers at or above this magnitude are rejected (f64 holds them exactly below 2^53).
const MAX_INT: f64 = 9.0e15;

/// A number literal, possibly negated: (value, written as an integer).
pub(crate) fn number(expr: &Expr) -> Option<(f64, bool)> {
    match &expr.kind {
        ExprKind::Number { value, is_int } => Some((*value, *is_int)),
        ExprKind::Neg(inner) => number(inner).map(|(v, i)| (-v, i)),
        ExprKind::Paren(inner) => number(inner),
        _ => None,
    }
}

fn convert<'a>(
    sink: &mut Sink,
    file: FileId,
    sig: &Signature,
    param: &Param,
    expr: &'a Expr,
) -> Option<Value<'a>> {
    if let (Ty::Int, Some((v, true))) = (param.ty, number(expr)) {
        if v.abs() >= MAX_INT {
            let d = Diagnostic::error(
                Code::OutOfRange,
                format!("`{}` of `{}` is too large", param.name, sig.name),
                expr.span,
                "too large",
            )
            .with_help(format!("`{}`: {}", param.name, param.doc));
            sink.emit(file, d);
            return None;
        }
    }
    let value = match (param.ty, &expr.kind) {
        (Ty::Int, _) => match number(expr) {
            Some((v, true)) if v.abs() < MAX_INT => Some(Value::Int(v as i64)),
            _ => None,
        },
        (Ty::Float, _) => number(expr).map(|(v, _)| Value::Float(v)),
        (Ty::Bool, ExprKind::Bool(b)) => Some(Value::Bool(*b)),
        (Ty::Str, ExprKind::Str(s)) => Some(Value::Str(s.clone())),
        (Ty::Key, ExprKind::Name(id)) => Some(Value::Str(id.name.clone())),
        (Ty::Enum(names), ExprKind::Name(id)) => {
            if names.contains(&id.name.as_str()) {
                Some(Value::Enum(id.name.clone()))
            } else {
                let help = suggest::help(&id.name, names).unwrap_or_else(|| {
                    format!(
                        "`{}` is one of {}",
                        param.name,
                        super::signatures::quoted(names)
                    )
                });
                let d = Diagnostic::error(
                    Code::UnknownValue,
                    format!("unknown value `{}` for `{}`", id.name, param.name),
                    id.span,
                    "not a valid value",
                )
                .with_help(help);
                sink.emit(file, d);
                return None;
            }
        }
        (Ty::IntList, ExprKind::List(items)) => items
            .iter()
            .map(|e| match number(e) {
                Some((v, true)) if v.abs() < MAX_INT => Some(v as i64),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Value::IntList),
        (Ty::FloatPair, ExprKind::List(items)) if items.len() == 2 => {
            match (
                items.first().and_then(number),
                items.get(1).and_then(number),
            ) {
                (Some((a, _)), Some((b, _))) => Some(Value::FloatPair(a, b)),
                _ => None,
            }
        }
        (Ty::Call(_), _) => CallRef::of(expr).map(Value::Call),
        (Ty::CallList(_), ExprKind::List(items)) => items
            .iter()
            .map(CallRef::of)
            .collect::<Option<Vec<_>>>()
            .map(Value::Calls),
        _ => None,
    };
    let Some(value) = value else {
        let d = Diagnostic::error(
            Code::WrongType,
            format!(
                "`{}` of `{}` expects {}",
                param.name,
                sig.name,
                param.ty.describe()
            ),
            expr.span,
            format!("expected {}", param.ty.describe()),
        )
        .with_help(format!("`{}`: {}", param.name, param.doc));
        sink.emit(file, d);
        return None;
    };
    check_range(sink, file, sig, param, &value, expr)?;
    Some(value)
}

fn check_range<'a>(
    sink: &mut Sink,
    file: FileId,
    sig: &Signature,
    param: &Param,
    value: &Value<'a>,
    expr: &Expr,
) -> Option<()> {
    let numbers: Vec<(f64, Span)> = match value {
        Value::Int(v) => vec![(*v as f64, expr.span)],
        Value::Float(v) => vec![(*v, expr.span)],
        Value::IntList(v) => match &expr.kind {
            ExprKind::List(items) => v
                .iter()
                .zip(items)
                .map(|(n, e)| (*n as f64, e.span))
                .collect(),
            _ => vec![],
        },
        Value::FloatPair(a, b) => match &expr.kind {
            ExprKind::List(items) => [*a, *b]
                .into_iter()
                .zip(items)
                .map(|(n, e)| (n, e.span))
                .collect(),
            _ => vec![],
        },
        _ => vec![],
    };
    let mut ok = true;
    for (v, span) in numbers {
        if !param.range.contains(v) {
            let want = param.range.requirement(v).unwrap_or_default();
            let d = Diagnostic::error(
                Code::OutOfRange,
                format!("`{}` of `{}` must be {want}", param.name, sig.name),
                span,
                format!("{v} is out of range"),
            )
            .with_help(format!("`{}`: {}", param.name, param.doc));
            sink.emit(file, d);
            ok = false;
        }
    }
    ok.then_some(())
}

/// Looks `call`'s name up among `kinds`; reports unknown or wrong-kind names.
pub(crate) fn resolve(
    sink: &mut Sink,
    file: FileId,
    call: CallRef<'_>,
    kinds: &[Kind],
    unknown_code: Code,
) -> Option<&'static Signature> {
    let name = &call.name.name;
    if let Some(sig) = super::signatures::find(name, kinds) {
        return Some(sig);
    }
    let noun = kinds.first().map(|k| k.noun()).unwrap_or("name");
    if let Some(other) = super::signatures::all().find(|s| s.name == name) {
        let d = Diagnostic::error(
            Code::WrongKind,
            format!("expected a {noun}, found {} `{name}`", other.kind.noun()),
            call.name.span,
            format!("this is a {}", other.kind.noun()),
        )
        .with_help(format!("{}s: {}", noun, names_of(kinds).join(", ")));
        sink.emit(file, d);
        return None;
    }
    let names = names_of(kinds);
    let help = match suggest::did_you_mean(name, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("known {noun}s: {}", names.join(", ")),
    };
    let d = Diagnostic::error(
        unknown_code,
        format!("unknown {noun} `{name}`"),
        call.name.span,
        format!("unknown {noun}"),
    )
    .with_help(help);
    sink.emit(file, d);
    None
}

/// Every name of the given kinds.
pub(crate) fn names_of(kinds: &[Kind]) -> Vec<&'static str> {
    super::signatures::all()
        .filter(|s| kinds.contains(&s.kind))
        .map(|s| s.name)
        .collect()
}
