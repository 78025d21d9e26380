//! `iconc explain CODE` (E0201 or icon::unknown_kernel), `iconc explain NAME`
//! (a name of the signature table, e.g. `Gaussian`), `iconc explain --list`.

use crate::check::signatures;
use crate::check::suggest;
use crate::diag::codes;

/// Arguments of `iconc explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A diagnostic code (`E0201`, `icon::unknown_kernel`) or a standard name (`Gaussian`).
    code: Option<String>,
    /// List every diagnostic code of every stage.
    #[arg(long)]
    list: bool,
}

/// Runs `iconc explain`. An unknown code is a usage error (exit 2, as clap's).
pub(crate) fn run(args: Args) -> super::outcome::Outcome {
    Ok(explain(args))
}

fn explain(args: Args) -> i32 {
    if args.list {
        for info in codes::all() {
            outln!(
                "{}  {:<34} {}",
                info.code,
                format!("icon::{}", info.name),
                info.summary
            );
        }
        return 0;
    }
    let Some(code) = args.code else {
        eprintln!("error: give a code (e.g. `iconc explain E0201`) or `--list`");
        return 2;
    };
    if let Some(info) = codes::lookup(&code) {
        outln!(
            "{} icon::{}: {}\n\n{}",
            info.code,
            info.name,
            info.summary,
            info.explain
        );
        return 0;
    }
    if let Some(sig) = signatures::all().find(|s| s.name == code) {
        out!("{}", crate::print::signature(sig));
        return 0;
    }
    let mut candidates: Vec<&str> = codes::all().flat_map(|c| [c.code, c.name]).collect();
    candidates.extend(signatures::all().map(|s| s.name));
    let slug = code.strip_prefix("icon::").unwrap_or(&code);
    eprintln!("error: unknown code `{code}`");
    if let Some(s) = suggest::did_you_mean(slug, candidates.iter().copied()) {
        eprintln!("help: did you mean `{s}`?");
    } else {
        eprintln!("help: `iconc explain --list` lists every code");
    }
    2
}
