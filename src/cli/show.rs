//! `iconc show FILE [--format human|json]`: the resolved method after `use`
//! as a method file with every default filled in (`print::method`), headed
//! by `#` comments with what is not a statement: keys with shapes, mapper
//! widths, the layout (`print::notes`). JSON dumps the IR with serde.

use super::check::{human_options, Format};
use crate::check::{self, FsLoader};
use crate::diag::render::{human, json};
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

/// The method as text: [`print::notes`] (keys, layout, widths as `#`
/// comments), then [`print::method`], so the output is itself a method file.
pub fn describe(m: &Method) -> String {
    format!("{}\n{}", print::notes(m), print::method(m))
}
