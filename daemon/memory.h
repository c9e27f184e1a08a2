// Keeping the daemon's heap small between operations (docs/performance.md, "Memory"). glibc
// gives every thread that allocates an arena of its own and keeps freed memory in each for
// reuse; for a daemon that sits idle for hours after a burst of work, that is resident memory
// nobody uses.
#pragma once

namespace euiccd::daemon {

// At start, before any thread: at most two malloc arenas for all threads (the loop and the
// workers hardly ever allocate at the same time).
void limit_malloc_arenas();

// A worker whose queue ran empty: hand the free pages of every arena back to the kernel.
void release_free_memory();

}  // namespace euiccd::daemon
