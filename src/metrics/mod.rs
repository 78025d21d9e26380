//! Evaluation metrics on embeddings (pure Rust on row-major `&[f32]` plus
//! integer labels; no burn). Scores are fractions in [0, 1] where the spec
//! writes percentages (multiply by 100 to print). Undefined inputs (empty
//! splits, inconsistent shapes) give NaN rather than a panic.
//!
//! | metric (`eval = [...]`) | function |
//! |---|---|
//! | `knn` | [`knn_accuracy_in`] (k = [`KNN_K`], q's geometry: cosine, or euclidean for Student-t and euclidean Gaussians; majority vote) |
//! | `linear_probe` | [`linear_probe_accuracy`] |
//! | `hungarian` | [`hungarian_accuracy`] over [`argmax_rows`] of φ (or [`kmeans`] of an embedding) |
//! | `nmi` / `ari` | [`nmi`] / [`ari`] |
//! | `trustworthiness` | [`trustworthiness`] (k = [`TRUST_K`]) |
//! | `alignment` / `uniformity` | [`alignment`] / [`uniformity`] |

mod cluster;
mod geometry;
mod kmeans;
mod knn;
mod probe;
mod rows;
mod trust;

pub use cluster::{argmax_rows, ari, hungarian_accuracy, nmi};
pub use geometry::{alignment, uniformity};
pub use kmeans::kmeans;
pub use knn::{knn_accuracy, knn_accuracy_in, KnnGeometry, KNN_K};
pub use probe::{linear_probe_accuracy, LinearProbe, PROBE_ITERATIONS};
pub use trust::{trustworthiness, TRUST_K};
