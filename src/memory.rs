//! Giving memory back to the system once loading is done.
//!
//! Loading content builds the models and indexes on every core (`nlu::Understanding`),
//! and each thread allocates from its own jemalloc arena. What those threads freed stays
//! resident in their arenas until jemalloc decays it, and an idle server never gets to
//! that: measured on the bundled content, a restart was resident at 150 MB when ready,
//! and still 150 MB twenty seconds later; after the purge below, 106 MB (README,
//! start-up and memory).

/// jemalloc's index for "every arena" in `arena.<i>.*` controls.
const ALL_ARENAS: &core::ffi::CStr = c"arena.4096.purge";

/// Purges the dirty pages of every jemalloc arena: freed memory goes back to the system
/// now instead of after the arenas' decay time. Without jemalloc as the allocator (the
/// tests, the benches) it purges jemalloc's unused arenas, which hold nothing.
#[allow(unsafe_code)]
pub fn return_freed_memory() {
    // SAFETY: `arena.<i>.purge` takes no value and returns none, so every pointer is null
    // and the length 0, as jemalloc's `mallctl` requires of such a control; the name is
    // a NUL-terminated constant.
    let code = unsafe {
        tikv_jemalloc_sys::mallctl(
            ALL_ARENAS.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    if code != 0 {
        tracing::debug!(code, "jemalloc did not purge its arenas");
    }
}
