/* util.c - the allocation wrappers and assert of bantin.h. Out of memory is
 * not an input error: print and abort (redis zmalloc). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bantin.h"

void bt_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "bantin: internal error: %s:%d: assertion failed: %s\n",
            file, line, expr);
    abort();
}

static void oom(size_t n)
{
    fprintf(stderr, "bantin: out of memory (%zu bytes)\n", n);
    abort();
}

void *bt_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

/* Large blocks are zeroed by writing: calloc maps fresh pages of zeros
 * that a first read shares with the kernel's zero page, and the first
 * write after it copies the page and flushes the TLBs of every core that
 * runs a thread of bantin (an interrupt to each): hash tables probed
 * before they are written paid that per page. Written pages fault once. */
#define XCALLOC_WRITE (64u << 10)

/* Through a volatile pointer: compilers turn malloc + memset(0) into
 * calloc, which is what this avoids. */
static void *(*volatile zero_write)(void *, int, size_t) = memset;

void *bt_xcalloc(size_t n, size_t size)
{
    n = n ? n : 1;
    size = size ? size : 1;
    if (n > SIZE_MAX / size)
        oom(SIZE_MAX);
    if (n * size < XCALLOC_WRITE) {
        void *p = calloc(n, size);
        if (!p)
            oom(n * size);
        return p;
    }
    void *p = bt_xmalloc(n * size);
    zero_write(p, 0, n * size);
    return p;
}

void *bt_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *bt_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *q = bt_xmalloc(n);
    memcpy(q, s, n);
    return q;
}
