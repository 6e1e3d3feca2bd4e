/* util.c - the allocation wrappers and assert of bantin.h. Out of memory is
 * not an input error: print and abort (redis zmalloc). */
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

void *bt_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
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
