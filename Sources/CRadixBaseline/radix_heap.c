// Reference radix heap for `cloudplane bench sim`: the baseline our Swift kernel is compared with.
#include "CRadixBaseline.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { uint64_t time, seq; uint32_t arg, kind; } ev;
typedef struct { ev *items; uint64_t n, cap; } bucket;

typedef struct {
    bucket b[65];   // b[0] is the lane of events at time == last, consumed from head
    uint64_t head, last, count;
} rheap;

static uint64_t s[4];
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t sm_state;
static uint64_t splitmix(void) {
    uint64_t z = (sm_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static inline uint64_t xnext(void) {
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return r;
}
static inline uint64_t below(uint64_t bound) {
    __uint128_t m = (__uint128_t)xnext() * bound;
    if ((uint64_t)m < bound) {
        uint64_t threshold = (0 - bound) % bound;
        while ((uint64_t)m < threshold) m = (__uint128_t)xnext() * bound;
    }
    return (uint64_t)(m >> 64);
}

static uint64_t ha, hb;
static inline void mix(uint64_t w) {
    ha = (ha ^ w) * 0x9E3779B97F4A7C15ULL;
    ha = (ha << 31) | (ha >> 33);
    hb = (hb + w) ^ ha;
    hb = hb * 0xC2B2AE3D27D4EB4FULL;
}
static uint64_t fmix(uint64_t k) {
    k ^= k >> 33; k *= 0xFF51AFD7ED558CCDULL; k ^= k >> 33; k *= 0xC4CEB9FE1A85EC53ULL; k ^= k >> 33;
    return k;
}

static inline void bpush(bucket *b, ev e) {
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->items = realloc(b->items, b->cap * sizeof(ev));
        if (!b->items) abort();
    }
    b->items[b->n++] = e;
}

static inline void push(rheap *h, ev e) {
    uint64_t d = e.time ^ h->last;
    h->count++;
    bpush(&h->b[d ? 64 - __builtin_clzll(d) : 0], e);
}

static int pop(rheap *h, ev *out) {
    bucket *z = &h->b[0];
    if (h->head == z->n) {
        h->head = 0; z->n = 0;
        int i = 1;
        while (i < 65 && h->b[i].n == 0) i++;
        if (i == 65) return 0;
        bucket *src = &h->b[i];
        uint64_t m = UINT64_MAX;
        for (uint64_t k = 0; k < src->n; k++) if (src->items[k].time < m) m = src->items[k].time;
        h->last = m;
        for (uint64_t k = 0; k < src->n; k++) {
            ev e = src->items[k];
            uint64_t d = e.time ^ m;
            bpush(&h->b[d ? 64 - __builtin_clzll(d) : 0], e);
        }
        src->n = 0;
        for (uint64_t a = 1; a < z->n; a++) {  // same-time events in insertion order
            ev e = z->items[a]; uint64_t j = a;
            while (j > 0 && z->items[j - 1].seq > e.seq) { z->items[j] = z->items[j - 1]; j--; }
            z->items[j] = e;
        }
    }
    *out = z->items[h->head++];
    h->count--;
    return 1;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

cp_baseline_result cp_baseline_hold(uint64_t pending, uint64_t events, uint64_t seed, uint64_t *measured_ns) {
    rheap *h = calloc(1, sizeof(rheap));
    if (!h) abort();
    sm_state = seed;
    for (int i = 0; i < 4; i++) s[i] = splitmix();
    ha = 0x6A09E667F3BCC908ULL; hb = 0xBB67AE8584CAA73BULL;
    uint64_t seq = 0;
    for (uint64_t i = 0; i < pending; i++) {
        ev e = { below(1000000000ULL), seq++, (uint32_t)i, 0 };
        push(h, e);
    }
    uint64_t t0 = now_ns();
    ev e = {0};
    for (uint64_t k = 0; k < events; k++) {
        pop(h, &e);
        mix(e.time); mix(e.seq); mix(((uint64_t)e.kind << 32) | e.arg);
        ev n = { e.time + 1 + below(2000000000ULL), seq++, e.arg, 0 };
        push(h, n);
    }
    *measured_ns = now_ns() - t0;
    mix(xnext());
    cp_baseline_result r;
    r.hash_hi = fmix(ha ^ (hb >> 1));
    r.hash_lo = fmix(hb + r.hash_hi);
    r.final_time = e.time;
    r.allocated_bytes = sizeof(rheap);
    for (int i = 0; i < 65; i++) { r.allocated_bytes += h->b[i].cap * sizeof(ev); free(h->b[i].items); }
    free(h);
    return r;
}
