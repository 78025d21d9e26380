//! Output buffers that skip `vec![0; len]`'s zeroing, for kernels that write
//! every element before anything reads it. Sound: the elements stay
//! `MaybeUninit` until the kernel says they are written.

use alloc::vec::Vec;
use core::mem::MaybeUninit;

/// A buffer of `len` elements that its producer writes in full before
/// anything reads it. `vec![0; len]` would zero it first, in one thread: on
/// SimpleCNN those memsets were about 10 % of a training step.
pub fn uninit<T>(len: usize) -> Vec<MaybeUninit<T>> {
    let mut v = Vec::with_capacity(len);
    // SAFETY: `MaybeUninit` needs no initialization; capacity ≥ len.
    unsafe { v.set_len(len) };
    v
}

/// # Safety
/// Every element of `v` has been written.
pub unsafe fn assume_init<T>(v: Vec<MaybeUninit<T>>) -> Vec<T> {
    let mut v = core::mem::ManuallyDrop::new(v);
    // SAFETY: `MaybeUninit<T>` has `T`'s layout; the caller vouches for init.
    unsafe { Vec::from_raw_parts(v.as_mut_ptr().cast(), v.len(), v.capacity()) }
}

/// # Safety
/// Every element of `s` has been written.
pub unsafe fn assume_init_mut<T>(s: &mut [MaybeUninit<T>]) -> &mut [T] {
    // SAFETY: same layout; the caller vouches for init.
    unsafe { &mut *(s as *mut [MaybeUninit<T>] as *mut [T]) }
}
