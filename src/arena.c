/* arena.c - bump allocator for one build (see arena.h). Blocks grow
 * geometrically from 64 KiB; a large request gets a block of its own. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"

struct bt_arena_block {
    struct bt_arena_block *next;
    size_t used, cap; /* bytes of data[] */
    _Alignas(16) unsigned char data[];
};

#define ALIGN     16
#define MIN_BLOCK (64 * 1024)

void bt_arena_init(bt_arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void bt_arena_free(bt_arena *a)
{
    bt_arena_block *b = a->head;
    while (b) {
        bt_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

#ifdef BT_ARENA_MALLOC
/* Every allocation is its own block, so ASan sees overruns. */
static void *arena_take(bt_arena *a, size_t n)
{
    bt_arena_block *b = bt_xcalloc(1, sizeof *b + (n ? n : 1));
    b->used = b->cap = n;
    b->next = a->head;
    a->head = b;
    a->total += n;
    return b->data;
}
#else
/* n bytes, not cleared */
static void *arena_take(bt_arena *a, size_t n)
{
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    bt_arena_block *b = a->head;
    if (need < n)
        bt_assert_fail("arena size overflow", __FILE__, __LINE__);
    if (!b || b->cap - b->used < need) {
        size_t cap = b ? b->cap * 2 : MIN_BLOCK;
        if (cap > 8u * 1024 * 1024)
            cap = 8u * 1024 * 1024;
        if (cap < need)
            cap = need;
        bt_arena_block *nb = bt_xmalloc(sizeof *nb + cap);
        nb->used = 0;
        nb->cap = cap;
        if (b && need > MIN_BLOCK && b->cap - b->used > MIN_BLOCK / 4) {
            /* keep filling the current block; put the big one behind it */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += need;
    return p;
}
#endif

void *bt_arena_alloc(bt_arena *a, size_t n)
{
    void *p = arena_take(a, n);
    memset(p, 0, n);
    return p;
}

/* copies need no clearing first (the memset showed in profiles) */
void *bt_arena_memdup(bt_arena *a, const void *p, size_t n)
{
    if (!n)
        return bt_arena_alloc(a, 1);
    void *q = arena_take(a, n);
    memcpy(q, p, n);
    return q;
}

char *bt_arena_strndup(bt_arena *a, const char *s, size_t len)
{
    char *q = arena_take(a, len + 1);
    if (len)
        memcpy(q, s, len);
    q[len] = 0;
    return q;
}

char *bt_arena_strdup(bt_arena *a, const char *cstr)
{
    return bt_arena_strndup(a, cstr, strlen(cstr));
}

int bt_arena_owns(const bt_arena *a, const void *p)
{
    uintptr_t q = (uintptr_t)p;
    for (const bt_arena_block *b = a->head; b && q; b = b->next)
        if (q >= (uintptr_t)b->data && q < (uintptr_t)b->data + b->used)
            return 1;
    return 0;
}

bt_str bt_arena_str(bt_arena *a, const char *s, size_t len)
{
    bt_str r = {bt_arena_strndup(a, s, len), len};
    return r;
}

char *bt_arena_printf(bt_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *q = bt_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(q, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return q;
}
