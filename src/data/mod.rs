//! data stage (see STYLE.md §1).
