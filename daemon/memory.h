// Keeping the daemon's heap small between operations (docs/performance.md, "Memory"). glibc
// gives every thread that allocates an arena of its own and keeps freed memory in each for
// reuse; for a daemon that sits idle for hours after a burst of work, that is resident memory
// nobody uses.
#pragma once

namespace euiccd::daemon {

// At start, before any thread: one malloc arena for all threads. The loop and the workers
// hardly ever allocate at the same time, and a worker's own arena kept ~350 kB resident after
// its first top-up that malloc_trim did not give back (measured: +436 kB instead of +708 kB
// after 100 top-up calls). Large blocks are mapped on their own (see the .cpp).
void limit_malloc_arenas();

// A worker whose queue ran empty: hand the free pages of every arena back to the kernel.
void release_free_memory();

}  // namespace euiccd::daemon
