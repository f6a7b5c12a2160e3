#ifndef CREDQ_PREFETCH_H
#define CREDQ_PREFETCH_H

/// Asks the processor to start loading the cache line at `address`, which will be read
/// soon. Swift has no such hint; the loader's lookups into tables larger than the cache
/// issue it a few keys ahead, so that their memory accesses overlap.
static inline void credq_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

/// The same, for a line that will be written soon.
static inline void credq_prefetch_for_writing(const void *address) { __builtin_prefetch(address, 1, 3); }

#endif
