//! Subnormal f32/f64 values flushed to zero on the threads that compute
//! (x86-64 MXCSR: flush-to-zero for results, denormals-are-zero for inputs).
//!
//! Why: an operation that reads or writes a subnormal takes the CPU's slow
//! path, about a hundred times an ordinary one. Adam's moments of weights
//! that stop receiving gradient decay into that range, and on the parametric
//! t-SNE example the fused Adam update grew to 53 % of the step: after the
//! first 800 steps the run fell from 13,600 to 5,100–6,300 samples/s. With the
//! flush it kept 11,400–12,400, and the map scored the same (trustworthiness
//! 0.9369, kNN 0.8850). TensorFlow flushes by default on the CPU for the same reason.
//!
//! Decision: the flush is process-wide and never undone. Every thread that
//! computes a run's numbers (the caller, the global rayon pool, the batch
//! producer, p's thread and its pool) must be in the same mode, or the
//! bit-for-bit determinism between prefetched and direct p would depend on
//! which thread computed what. Values below 1.2e-38 (f32) are lost, far
//! under every tolerance of the spec. Other architectures keep the default
//! (no flush).

use std::sync::Once;

/// Puts the calling thread and, once per process, every thread of rayon's
/// global pool in flush-to-zero mode. Cheap; call it where computing starts.
pub fn flush_subnormals() {
    static POOL: Once = Once::new();
    flush_this_thread();
    POOL.call_once(|| {
        rayon::broadcast(|_| flush_this_thread());
    });
}

/// The calling thread only: for threads iconc starts itself, and as the
/// start handler of its own rayon pools.
pub fn flush_this_thread() {
    #[cfg(target_arch = "x86_64")]
    {
        // FTZ (bit 15) and DAZ (bit 6) of MXCSR.
        const FTZ_DAZ: u32 = 0x8040;
        // SAFETY: only the two flush bits of this thread's SSE control
        // register change; no memory is touched.
        #[allow(deprecated)]
        unsafe {
            use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
            _mm_setcsr(_mm_getcsr() | FTZ_DAZ);
        }
    }
}

/// Whether the calling thread flushes subnormals (always false off x86-64).
pub fn flushes_here() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let tiny = std::hint::black_box(f32::MIN_POSITIVE);
        std::hint::black_box(tiny / 2.0) == 0.0
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After the call, the caller and every pool thread produce 0 where a
    /// subnormal would be.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn caller_and_pool_flush() {
        flush_subnormals();
        assert!(flushes_here());
        let all: Vec<bool> = rayon::broadcast(|_| flushes_here());
        assert!(all.iter().all(|&f| f), "pool threads: {all:?}");
    }
}
