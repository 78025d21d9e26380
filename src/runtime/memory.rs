//! A memory estimate of one training step, checked before training starts,
//! so a batch that cannot fit is a diagnostic (E0706) instead of an
//! allocator abort halfway through the first step.
//!
//! The estimate has two parts: the loss's R×M matrices (p on the host in f64,
//! its f32 copy, distances, logits, log q and their gradients), which grow as
//! B², and the mappers' activations, which grow as B.

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{self, Layout, MapperStage};
use crate::runtime::loss_tiles::{self, Tiling};

/// Bytes per entry of the loss's R×M matrices in a training step (forward and
/// backward). Measured with `iconc bench` on a pairwise method: peak RSS rose
/// by 40-41 bytes per B² entry from B = 2,048 to 6,144 (docs/performance.md,
/// "Memory"); 44 leaves a margin.
pub const BYTES_PER_LOSS_ENTRY: u64 = 44;

/// Loss entries per row of the Barnes–Hut path with a data-set p: its
/// nonzeros (3 × perplexity, twice after symmetrizing, about 180 for
/// perplexity 30), the tree and the per-point sums.
const BARNES_HUT_ENTRIES_PER_ROW: u128 = 256;

/// Fraction of the available memory a run may plan to use (the rest is
/// headroom for the allocator, data and the estimate's error).
const USABLE_FRACTION: f64 = 0.8;

/// Entries of the loss matrices for `rows` batch rows under `layout`.
pub fn loss_entries(layout: Layout, rows: usize) -> u128 {
    let r = rows as u128;
    match layout {
        Layout::Pairwise => r * r,
        Layout::Table { classes } => r * classes as u128,
        // Rows and columns are the 2B stacked items.
        Layout::CrossModal => 4 * r * r,
    }
}

/// Bytes one batch row of activations costs across every mapper (f32 values
/// and their gradients, kept for the backward pass).
fn activation_bytes_per_row(method: &ir::Method) -> u128 {
    let floats: u128 = method
        .mappers
        .iter()
        .flat_map(|m| m.stages.iter())
        .map(stage_floats_per_row)
        .sum();
    // Value + gradient, f32.
    floats * 2 * 4
}

/// Activations one row leaves for backward in `stage` (a rough upper count).
fn stage_floats_per_row(stage: &MapperStage) -> u128 {
    match stage {
        MapperStage::Identity | MapperStage::Normalize | MapperStage::Softmax => 0,
        // Runs without a graph: its activations are freed as it goes.
        MapperStage::MomentumEncoder { .. } | MapperStage::Frozen { .. } => 0,
        MapperStage::Linear { input, out, .. } => (*input + *out) as u128,
        MapperStage::Mlp {
            input, hidden, out, ..
        } => (*input + 2 * hidden.iter().sum::<usize>() + *out) as u128,
        MapperStage::SimpleCnn { image, out } => {
            let (c, h, w) = *image;
            let hw = (h * w) as u128;
            // Two 16-channel full-size convs (value, ReLU, residual), two at
            // quarter size, two 32-channel at a sixteenth, plus the head.
            (c as u128) * hw + 16 * hw * 6 + 16 * hw / 4 * 6 + 32 * hw / 16 * 6 + 256 + *out as u128
        }
        MapperStage::ResNet18 { image, out } => {
            let (c, h, w) = *image;
            // 64 channels at full size through 2 blocks, then halving sizes.
            let hw = (h * w) as u128;
            (c as u128) * hw
                + 64 * hw * 12
                + 128 * hw / 4 * 12
                + 256 * hw / 16 * 12
                + 512 * hw / 64 * 12
                + *out as u128
        }
        MapperStage::LookUpTable { dim, .. } => *dim as u128,
        MapperStage::ClusterHead { clusters, .. } => 2 * *clusters as u128,
    }
}

/// Entries of the loss matrices that are alive at once: one row tile's when
/// the loss is tiled, else all of them.
pub fn live_loss_entries(method: &ir::Method, rows: usize, tiling: Tiling) -> u128 {
    use crate::runtime::sparse_loss::{reads_p_sparse, BarnesHut};
    if BarnesHut::of(method).is_some() {
        // The tree path holds p's nonzeros (about 3 × perplexity per row of
        // a data-set p) or, for any other p, the dense f64 p it reads them
        // from (8 of an entry's bytes).
        return if reads_p_sparse(&method.p) {
            rows as u128 * BARNES_HUT_ENTRIES_PER_ROW
        } else {
            (rows as u128).pow(2) * 8 / BYTES_PER_LOSS_ENTRY as u128
        };
    }
    match loss_tiles::tile_rows(method, rows, tiling) {
        Some(tile) => tile as u128 * loss_tiles::loss_shape(method.layout, rows).1 as u128,
        None => loss_entries(method.layout, rows),
    }
}

/// The estimated peak bytes of one training step with `rows` batch rows,
/// with the data set and the parameters (and their gradients and Adam
/// moments) held beside it.
pub fn estimate_bytes(method: &ir::Method, rows: usize, tiling: Tiling) -> u128 {
    live_loss_entries(method, rows, tiling) * BYTES_PER_LOSS_ENTRY as u128
        + rows as u128 * activation_bytes_per_row(method)
        + data_bytes(method)
        + parameter_bytes(method)
}

/// The data set in memory: f32 rows, loaded and split (two copies), when
/// the source knows its size before reading files.
fn data_bytes(method: &ir::Method) -> u128 {
    let d = &method.data;
    let width = match d.image {
        Some((c, h, w)) => c as u128 * h as u128 * w as u128,
        None => d.features as u128,
    };
    d.samples.map_or(0, |n| n as u128 * width * 4 * 2)
}

/// Parameters, gradients and two optimizer moments, f32.
fn parameter_bytes(method: &ir::Method) -> u128 {
    let count: u128 = method
        .mappers
        .iter()
        .flat_map(|m| m.stages.iter())
        .map(stage_parameters)
        .sum();
    count * 4 * 4
}

/// Learnable values of `stage` (an upper count for the CNNs).
fn stage_parameters(stage: &MapperStage) -> u128 {
    let u = |v: usize| v as u128;
    match stage {
        MapperStage::Identity | MapperStage::Normalize | MapperStage::Softmax => 0,
        // Counted as trainable (an upper count: the copy has no gradient or moments).
        MapperStage::MomentumEncoder { stages, .. } => stages.iter().map(stage_parameters).sum(),
        MapperStage::Frozen { .. } => 0,
        MapperStage::Linear { input, out, .. } => u(*input) * u(*out) + u(*out),
        MapperStage::Mlp {
            input, hidden, out, ..
        } => {
            let mut widths = vec![*input];
            widths.extend(hidden.iter().copied());
            widths.push(*out);
            widths
                .windows(2)
                .map(|w| u(w[0]) * u(w[1]) + 3 * u(w[1]))
                .sum()
        }
        MapperStage::SimpleCnn { image, out } => {
            let (_, h, w) = *image;
            // Convolutions are ~30k; the head reads 32 × (H/4) × (W/4).
            30_000 + 32 * u(h) * u(w) / 16 * u(*out)
        }
        MapperStage::ResNet18 { out, .. } => 11_200_000 + 512 * u(*out),
        MapperStage::LookUpTable { n, dim, .. } => u(*n) * u(*dim),
        MapperStage::ClusterHead { input, clusters } => u(*input) * u(*clusters) + u(*clusters),
    }
}

/// The largest batch (rows) whose estimate fits in `budget` bytes.
pub fn largest_batch(method: &ir::Method, budget: u128, tiling: Tiling) -> usize {
    largest_fitting(1 << 40, |rows| {
        estimate_bytes(method, rows, tiling) <= budget
    })
}

/// The largest `rows` in `0..=hi` for which `fits` holds (`fits` must be
/// monotone: true up to some size, false above).
fn largest_fitting(hi: usize, fits: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0usize, hi);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// Memory the system can still give this process (`MemAvailable`, Linux).
/// Keeps freed tensor buffers in the process heap for reuse, instead of
/// handing each one back to the kernel and faulting fresh zeroed pages in at
/// the next step.
// Decision: glibc's default returns every freed block above the heap top
// (and every mmapped one) to the kernel, so each training step paid page
// faults for its ~100 MB of temporaries. With allocations up to 32 MiB served
// from the heap and trimming only above 1 GiB, the supervised-CE CNN bench
// went from 3.4–3.7 to 4.4–4.6 steps/s with the same peak RSS (139 MiB).
// Larger blocks (B² loss matrices) are still mmapped and returned at once.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

pub fn available_bytes() -> Option<u64> {
    proc_bytes("/proc/meminfo", "MemAvailable:")
}

/// Peak resident set size since the last [`reset_peak_rss`] (`VmHWM`, Linux).
pub fn peak_rss() -> Option<u64> {
    proc_bytes("/proc/self/status", "VmHWM:")
}

/// Resets the kernel's peak-RSS mark (`VmHWM`) so it covers only what follows.
pub fn reset_peak_rss() {
    // Writing 5 to clear_refs resets VmHWM (Linux ≥ 4.0); elsewhere a no-op.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The `KEY: N kB` line of a `/proc` file, in bytes.
fn proc_bytes(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Refuses a step that is estimated not to fit in `available` bytes.
pub fn check_fits(
    method: &ir::Method,
    rows: usize,
    tiling: Tiling,
    available: u64,
) -> Result<(), Diagnostic> {
    let need = estimate_bytes(method, rows, tiling);
    let budget = (available as f64 * USABLE_FRACTION) as u128;
    if need <= budget {
        return Ok(());
    }
    let fits = largest_batch(method, budget, tiling);
    let per_source = method.data.views.max(1);
    Err(Diagnostic::bare(
        Code::BatchDoesNotFit,
        format!(
            "a batch of {rows} rows needs about {} for one training step, but only {} of memory is available",
            human_bytes(need),
            human_bytes(available as u128)
        ),
    )
    .with_help(format!(
        "the largest batch that fits is about {} rows (`batch = {}` in `data = …`); {}",
        fits,
        (fits / per_source) * per_source,
        growth(method, rows, tiling)
    )))
}

/// Why the estimate grows with the batch, for the E0706 hint.
fn growth(method: &ir::Method, rows: usize, tiling: Tiling) -> String {
    if loss_tiles::tile_rows(method, rows, tiling).is_some() {
        "the loss already runs in row tiles, so the mappers' activations set the limit".into()
    } else if loss_tiles::row_separable(method) {
        format!(
            "the loss matrices grow as rows², {BYTES_PER_LOSS_ENTRY} bytes per entry; `--loss-tile auto` computes them in row tiles"
        )
    } else {
        format!(
            "the loss matrices grow as rows², {BYTES_PER_LOSS_ENTRY} bytes per entry (`propagate`, `symmetrize` and class tables need them whole)"
        )
    }
}

/// Bytes per p/log q entry of `iconc inspect`, which returns both matrices
/// whole (f64) besides the loss's own. Measured: peak RSS 156 MB at B = 2,000
/// and 560 MB at B = 4,000 on a pairwise method, about 35 bytes per entry.
pub const INSPECT_BYTES_PER_ENTRY: u64 = 40;

/// Refuses an `inspect` batch whose whole matrices cannot fit (E0706).
pub fn check_inspect_fits(
    method: &ir::Method,
    rows: usize,
    available: u64,
) -> Result<(), Diagnostic> {
    let per_entry = INSPECT_BYTES_PER_ENTRY as u128;
    let need = loss_entries(method.layout, rows) * per_entry;
    let budget = (available as f64 * USABLE_FRACTION) as u128;
    if need <= budget {
        return Ok(());
    }
    let lo = largest_fitting(rows, |r| {
        loss_entries(method.layout, r) * per_entry <= budget
    });
    Err(Diagnostic::bare(
        Code::BatchDoesNotFit,
        format!(
            "inspecting a batch of {rows} rows needs about {} for its whole p and log q, but only {} of memory is available",
            human_bytes(need),
            human_bytes(available as u128)
        ),
    )
    .with_help(format!(
        "inspect at most about {lo} rows; `inspect` returns every entry ({INSPECT_BYTES_PER_ENTRY} bytes each), while training computes large batches in row tiles"
    )))
}

/// `1.5 GiB`-style sizes.
pub fn human_bytes(b: u128) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_grows_as_rows_squared_and_tables_as_rows() {
        assert_eq!(loss_entries(Layout::Pairwise, 1000), 1_000_000);
        assert_eq!(loss_entries(Layout::Table { classes: 10 }, 1000), 10_000);
        assert_eq!(loss_entries(Layout::CrossModal, 10), 400);
    }

    fn pairwise(p: ir::KernelExpr) -> ir::Method {
        let text = "method \"m\"\ndata = Blobs(n = 20000, dim = 128, views = 2, batch = 16384, holdout = 0)\nembedding = Linear(out = 128) on x\np = Augmentation() on index\nq = Gaussian(sigma = 0.5, metric = cosine) on embedding\n";
        let source = crate::diag::Source::new("m.icon".to_string(), text.to_string());
        let checked = crate::check::check_source(source, &crate::check::FsLoader);
        let mut m = checked.method.expect("the test method checks");
        m.p = p;
        m
    }

    #[test]
    fn tiling_bounds_the_estimate_of_a_16k_batch() {
        let m = pairwise(ir::KernelExpr::Kernel {
            kernel: ir::Kernel::Augmentation,
            inputs: vec!["index".into()],
        });
        let untiled = estimate_bytes(&m, 16384, Tiling::Off);
        let tiled = estimate_bytes(&m, 16384, Tiling::Auto);
        assert!(untiled > 10 << 30, "{}", human_bytes(untiled));
        assert!(tiled < 1 << 30, "{}", human_bytes(tiled));
        let mixing = pairwise(ir::KernelExpr::Symmetrize(Box::new(m.p.clone())));
        assert_eq!(estimate_bytes(&mixing, 16384, Tiling::Auto), untiled);
    }

    #[test]
    fn inspect_refuses_matrices_that_cannot_fit() {
        let m = pairwise(ir::KernelExpr::Kernel {
            kernel: ir::Kernel::Augmentation,
            inputs: vec!["index".into()],
        });
        let eight_gib = 8u64 << 30;
        assert!(check_inspect_fits(&m, 1000, eight_gib).is_ok());
        let err = check_inspect_fits(&m, 100_000, eight_gib).unwrap_err();
        assert_eq!(err.code, Code::BatchDoesNotFit);
        // 0.8 × 8 GiB / 40 bytes = 171.8M entries: at most 13,107 rows.
        let help = err.help.unwrap_or_default();
        assert!(help.contains("at most about 13107 rows"), "{help}");
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
    }
}
