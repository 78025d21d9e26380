//! Runtime: data readers, kernels and losses via inspect, the training loop, metrics and the patched Flex ops.
//!
//! One test binary per pipeline stage (tests/README.md), so that a test run
//! links a handful of binaries, not one per file.

#[path = "../support/mod.rs"]
mod support;

mod barnes_hut;
mod classic_clustering;
mod classic_contrastive;
mod classic_limits;
mod classic_neighbor;
mod data_augment;
mod data_batch;
mod data_bundled;
mod data_readers;
mod data_side;
mod eval_metrics;
mod eval_plot;
mod eval_real_data;
mod flex_conv;
mod flex_pool;
mod inspect_gradients;
mod inspect_identities;
mod inspect_kernels;
mod inspect_vectors;
mod loss_tiles;
mod p_cache;
mod runtime_codes;
mod train_frozen;
mod train_loop;
mod train_mappers;
mod train_momentum;
mod train_pca;
