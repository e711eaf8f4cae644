/* A binary min-heap of (key, id) pairs: the priority queues of the
 * schedulers (ready ops by rank, events by time). Ties on key go to the
 * lower id, so every schedule is deterministic. */
#ifndef NNPIPE_PASSES_HEAP_H
#define NNPIPE_PASSES_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct heap_item {
    int64_t key;
    int id;
} heap_item;

typedef struct heap {
    heap_item *a;
    size_t n, cap;
} heap;

/* Returns 0, or -1 when memory runs out (the heap is unchanged). */
int heap_push(heap *h, int64_t key, int id);
/* The smallest item; the heap must not be empty. */
heap_item heap_pop(heap *h);
static inline heap_item heap_top(const heap *h) { return h->a[0]; }
void heap_free(heap *h);

#endif
