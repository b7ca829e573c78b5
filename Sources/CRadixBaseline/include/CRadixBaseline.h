#ifndef CRADIX_BASELINE_H
#define CRADIX_BASELINE_H
#include <stdint.h>

/// Result of one run of the hold model on the C reference radix heap.
typedef struct {
    uint64_t hash_hi;          ///< trace digest, first word
    uint64_t hash_lo;          ///< trace digest, second word
    uint64_t allocated_bytes;  ///< bytes held by the heap at the end of the run
    uint64_t final_time;       ///< virtual time of the last popped event
} cp_baseline_result;

/// Runs the hold model (pop the earliest event, push one at now + U[1 ns, 2 s]) with `pending`
/// events pending and `events` pops measured, on a plain C radix heap with per-bucket growable
/// arrays. The PRNG (xoshiro256** seeded by SplitMix64) and the trace mix are the same as the
/// Swift kernel's, so equal digests prove both dispatched the same events in the same order.
/// `measured_ns` receives the wall time of the measured loop only (monotonic clock).
cp_baseline_result cp_baseline_hold(uint64_t pending, uint64_t events, uint64_t seed, uint64_t *measured_ns);

#endif
