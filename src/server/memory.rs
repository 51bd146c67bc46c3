//! How the process hands memory back to the system (glibc's malloc, on Linux).
//!
//! Two defaults of glibc made a sign-in flood leave gigabytes behind:
//! - the mmap threshold grows to the largest block ever freed (up to 32 MiB), so after the first
//!   argon2 hash (a 19 MiB block) such blocks came from the heap arenas and were kept there;
//! - up to eight arenas per core, each holding on to what its threads once used.
//!
//! A fixed threshold keeps every block of 1 MiB or more in a mapping of its own, returned when
//! freed; arenas are capped at one per core. (mimalloc was measured for the live gateway and held
//! more memory; see docs/benchmarks.md.)

/// Call first thing in `main`, before any thread starts.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = i32::try_from(cores.max(2)).unwrap_or(i32::MAX);
        // SAFETY: mallopt only sets allocator parameters; called before other threads exist.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}
