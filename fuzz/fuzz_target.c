/* Fuzzing the target reader, target_parse, seeded with samples/targets/.
 * An accepted target must satisfy what target.h promises its readers: the
 * roles resolve to units, capacities and alignment are sane, and the cost
 * rule never overflows even for absurd amounts of work. */
#include <math.h>

#include "fuzz.h"
#include "target.h"

static const char *check_unit(const target_unit *u)
{
    if (!u->name || u->count < 1 || !(u->throughput > 0) || !isfinite(u->throughput) ||
        u->latency < 0 || (unsigned)u->kind >= UNIT_KIND_COUNT)
        return "an accepted unit has a bad count, throughput, latency or kind";
    /* Saturating arithmetic: monotone, at least the latency, no UB; busy
     * is the whole duration unpipelined, at least 1 cycle and at most the
     * duration pipelined (which takes 1 cycle even for an op of no cycles:
     * no latency, no work). */
    int64_t works[] = {0, 1, 1000, (int64_t)1 << 40, INT64_MAX - 1, INT64_MAX};
    int64_t prev = -1;
    for (size_t i = 0; i < sizeof works / sizeof *works; i++) {
        int64_t c = unit_cycles(u, works[i]), b = unit_busy(u, works[i]);
        if (c < u->latency || c < prev || (u->pipelined ? b < 1 || b > max64(c, 1) : b != c))
            return "unit_cycles/unit_busy are not monotone, below the latency or above each other";
        prev = c;
    }
    return NULL;
}

static const char *check_target(const target *t)
{
    if (!t->name || !t->description || t->nunits < 1 || t->mem_bytes < 1 || t->align < 1 ||
        (t->align & (t->align - 1)) != 0)
        return "an accepted target lacks a name, units, memory or a power-of-two alignment";
    for (int r = 0; r < ROLE_COUNT; r++) {
        int u = target_unit_for(t, (unit_role)r);
        if (u < 0 || u >= t->nunits)
            return "a role does not resolve to a unit";
    }
    for (int p = 0; p < POOL_COUNT; p++)
        if (target_capacity(t, (mem_pool)p) < 1 || target_capacity(t, (mem_pool)p) > t->mem_bytes)
            return "a pool capacity is empty or larger than the whole memory";
    if (target_align(t, 1) != t->align ||
        target_align(t, INT64_MAX) != (t->align == 1 ? INT64_MAX : -1))
        return "target_align rounds wrongly or misses the overflow";
    const char *v = NULL;
    for (int i = 0; !v && i < t->nunits; i++)
        v = check_unit(&t->units[i]);
    return v;
}

const char *fuzz_target_one(const uint8_t *data, size_t size)
{
    target *t = NULL;
    nnp_err e = {0};
    int rc = target_parse((const char *)data, size, FUZZ_NAME, &t, &e);
    const char *v;
    if (rc)
        v = t ? "a failed parse returned a target" : fuzz_check_error(rc, &e, FUZZ_NAME);
    else
        v = check_target(t);
    target_free(t);
    return v;
}

FUZZ_ENTRY(fuzz_target_one)
