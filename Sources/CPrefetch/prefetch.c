// The hints are static inline functions in include/prefetch.h; a C target needs one source.
#include "prefetch.h"
