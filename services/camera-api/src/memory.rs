//! The service's memory allocator, jemalloc, and handing back what the
//! process freed.
//!
//! With glibc's allocator the service held far more than it used: each
//! thread's arena kept what it freed, in holes among the catalog's
//! long-lived allocations, and requests touched those holes again. At
//! 100,000 cameras under 64 connections it held some 35 MiB it didn't use
//! (`make bench`). jemalloc groups allocations by size and hands memory
//! freed a second ago back to the system from a thread of its own.

use std::ffi::c_char;

/// jemalloc's settings, read when it starts: one arena for all threads
/// (`narenas`; by default four per core, each holding its own free pages:
/// 25 MiB more at 100,000 cameras, for no throughput with two workers and
/// per-thread caches in front), memory unused for a second is returned
/// (`dirty_decay_ms`), at once rather than in a second stage
/// (`muzzy_decay_ms`), by its own thread rather than by whichever request
/// allocates next (`background_thread`).
#[unsafe(export_name = "_rjem_malloc_conf")]
static SETTINGS: Settings =
    Settings(c"narenas:1,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0".as_ptr());

/// A C string's address, as jemalloc reads `malloc_conf`.
#[repr(transparent)]
struct Settings(*const c_char);

// SAFETY: it points at a string constant, which nothing writes.
unsafe impl Sync for Settings {}

/// Returns every page freed so far to the system at once, rather than
/// after a second: it follows work that freed a lot at once (a pass over
/// every camera), never a request.
pub fn give_back() {
    // SAFETY: `arena.<all>.purge` reads and writes nothing; its name is a
    // C string.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c"arena.4096.purge".as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
    }
}
