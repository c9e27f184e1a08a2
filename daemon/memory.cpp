#include "daemon/memory.h"

#include <malloc.h>

namespace euiccd::daemon {

void limit_malloc_arenas() {
  mallopt(M_ARENA_MAX, 1);
}

void release_free_memory() {
  malloc_trim(0);
}

}  // namespace euiccd::daemon
