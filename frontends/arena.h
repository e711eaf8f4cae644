/* A bump allocator for the frontends' model descriptions: many small
 * allocations (names, dims, attribute values) that all die together once
 * the graph is built, so one free releases them and error paths need no
 * bookkeeping. Allocation returns zeroed memory, or NULL on overflow or
 * exhaustion; it never aborts. */
#ifndef NNPIPE_ARENA_H
#define NNPIPE_ARENA_H

#include <stddef.h>

typedef struct onnx_arena {
    struct arena_block *head;
} onnx_arena;

/* n elements of size bytes, zeroed and aligned for any type. */
void *arena_alloc(onnx_arena *a, size_t n, size_t size);
/* A NUL-terminated copy of s[0..n). */
char *arena_strndup(onnx_arena *a, const char *s, size_t n);
/* Frees every allocation; the arena can be used again afterwards. */
void arena_free(onnx_arena *a);

#endif
