#pragma once
// defines: keep_freed_memory, which tells glibc's malloc to serve every block from its heap
// and to keep what is freed there for the next request, instead of mapping each large block
// afresh and returning it to the kernel when freed.
//
// By default glibc maps blocks above its mmap threshold (dynamic, at most 32 MiB) with mmap
// and unmaps them on free, and trims the heap's free top above the trim threshold. A training
// step allocates and frees the same large tensors every micro-batch (the response head's
// logits, 100 MB for 4 rows of a 32000 vocabulary; gathered units; activations), so each one
// came back as fresh pages the kernel faults in and zeroes: 13 % of a 56M training run's
// samples were the kernel's clear_page on this round's machine. With the heap kept, the step
// runs 10-20 % faster (bench/train's 56M model, 1 rank x 2 threads); the price is that memory
// freed after a step stays resident (the step's peak, which the next step needs again).
#include <string>

namespace sppo {

// Whether GLIBC_TUNABLES (its value, or null when unset) already sets a glibc.malloc tunable:
// then the user has chosen and keep_freed_memory changes nothing.
bool user_tunes_malloc(const char* glibc_tunables);

// Applies the policy above unless the user tunes malloc; returns whether it applied. Call once,
// at the start of main (it is process-wide, as malloc is).
bool keep_freed_memory(const char* glibc_tunables);

}  // namespace sppo
