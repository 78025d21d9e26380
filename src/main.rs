//! The `iconc` command line; all logic lives in the library's `cli` module.

fn main() {
    iconc::runtime::memory::tune_allocator();
    std::process::exit(iconc::cli::main());
}
