//! Memory the process freed, handed back to the system.
//!
//! glibc keeps what a thread frees in that thread's arena for its next
//! allocations. After a pass over 100,000 cameras that is tens of MiB the
//! process holds but no longer uses, until the same thread happens to need
//! it again; the service's memory budget counts it all the same.

/// Returns the free pages of every arena to the system. It costs about a
/// millisecond, so it follows work that freed a lot at once, never a
/// request.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds free; it
    // touches no memory the program uses.
    unsafe {
        libc::malloc_trim(0);
    }
}
