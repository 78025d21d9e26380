//! The `iconc` command line; all logic lives in the library's `cli` module.

fn main() {
    std::process::exit(iconc::cli::main());
}
