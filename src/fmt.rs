//! Canonical formatter for `.icon` files.
