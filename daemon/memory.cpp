#include "daemon/memory.h"

#include <malloc.h>

namespace euiccd::daemon {

void limit_malloc_arenas() {
  mallopt(M_ARENA_MAX, 1);
  // Blocks from 64 kB up (a server reply, the operator database's text) get their own
  // mapping, returned to the kernel when freed. Setting it also turns off glibc's raising of
  // the threshold after such a block is freed, which put the next ones in the heap, where
  // they left holes the heap could not give back.
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
}

void release_free_memory() {
  malloc_trim(0);
}

}  // namespace euiccd::daemon
