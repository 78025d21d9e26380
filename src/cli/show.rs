//! `iconc show FILE [--format human|json]`: the resolved method after `use`
//! as a method file with every default filled in (`print::method`), headed
//! by `#` comments with what is not a statement: keys with shapes, mapper
//! widths, the layout (`print::notes`). JSON dumps the IR with serde.

use super::check::Format;
use super::outcome::{self, Outcome};
use crate::check::{self, FsLoader};
use crate::diag::render::json;
use crate::diag::{Code, Diagnostic, Report};
use crate::ir::Method;
use crate::print;
use std::path::PathBuf;

/// Arguments of `iconc show`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The `.icon` file.
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

/// Runs `iconc show`.
pub(crate) fn run(args: Args) -> Outcome {
    let checked = check::check_path(&args.file, &FsLoader);
    let Some(method) = checked.method else {
        if args.format == Format::Json {
            outln!("{}", json::render(&checked.reports));
            return Ok(crate::diag::finish(&checked.reports));
        }
        return Err(checked.reports);
    };
    outcome::print(&checked.reports);
    match args.format {
        Format::Json => {
            let json = serde_json::to_string_pretty(&method).map_err(|e| {
                let d = Diagnostic::bare(
                    Code::InternalError,
                    format!("cannot serialize the method: {e}"),
                );
                vec![Report::bare(args.file.display().to_string(), d)]
            })?;
            outln!("{json}");
        }
        Format::Human => out!("{}", describe(&method)),
    }
    Ok(0)
}

/// The method as text: [`print::notes`] (keys, layout, widths as `#`
/// comments), then [`print::method`], so the output is itself a method file.
pub fn describe(m: &Method) -> String {
    format!("{}\n{}", print::notes(m), print::method(m))
}
