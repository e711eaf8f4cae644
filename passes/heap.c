/* Sift-up and sift-down over an array; nothing more is needed. */
#include "heap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int less(heap_item x, heap_item y)
{
    return x.key < y.key || (x.key == y.key && x.id < y.id);
}

int heap_push(heap *h, int64_t key, int id)
{
    if (grow((void **)&h->a, &h->cap, h->n + 1, sizeof *h->a))
        return -1;
    size_t i = h->n++;
    heap_item it = {key, id};
    while (i > 0 && less(it, h->a[(i - 1) / 2])) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = it;
    return 0;
}

heap_item heap_pop(heap *h)
{
    heap_item top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && less(h->a[c + 1], h->a[c]))
            c++;
        if (!less(h->a[c], last))
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n > 0)
        h->a[i] = last;
    return top;
}

void heap_free(heap *h)
{
    free(h->a);
    memset(h, 0, sizeof *h);
}
