/* buf.c - growable byte buffer (see buf.h) and whole-file reading. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include "buf.h"

void bt_buf_grow(bt_buf *b, size_t extra)
{
    if (b->cap - b->len > extra)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->len <= extra) {
        if (cap > SIZE_MAX / 2)
            bt_assert_fail("buffer size overflow", __FILE__, __LINE__);
        cap *= 2;
    }
    b->data = bt_xrealloc(b->data, cap);
    b->cap = cap;
}

void bt_buf_printf(bt_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    bt_buf_grow(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void bt_buf_clear(bt_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

void bt_buf_free(bt_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

bt_str bt_buf_to_arena(const bt_buf *b, bt_arena *a)
{
    return bt_arena_str(a, b->data ? b->data : "", b->len);
}

int bt_buf_read_file(bt_buf *out, const char *path, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        errno = EFBIG;
        return -1;
    }
    bt_buf_clear(out);
    bt_buf_grow(out, (size_t)st.st_size + 1);
    for (;;) {
        bt_buf_grow(out, 65536);
        ssize_t r = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        out->len += (size_t)r;
        if (out->len > max) {
            close(fd);
            errno = EFBIG;
            return -1;
        }
    }
    out->data[out->len] = 0;
    close(fd);
    return 0;
}

void bt_vec_grow(bt_vec *v)
{
    v->cap = v->cap ? v->cap * 2 : 16;
    v->p = bt_xrealloc(v->p, (size_t)v->cap * v->size);
}

static size_t str_hash(const char *k)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 0x100000001b3ull;
    return (size_t)(h ^ (h >> 29));
}

int bt_strset_find(const bt_strset *s, const char *k)
{
    if (!s->cap)
        return -1;
    size_t mask = s->cap - 1;
    for (size_t i = str_hash(k) & mask; s->key[i]; i = (i + 1) & mask)
        if (strcmp(s->key[i], k) == 0)
            return s->val[i];
    return -1;
}

static void strset_add(bt_strset *s, const char *k, int v)
{
    size_t mask = s->cap - 1, i = str_hash(k) & mask;
    while (s->key[i])
        i = (i + 1) & mask;
    s->key[i] = k;
    s->val[i] = v;
    s->n++;
}

void bt_strset_put(bt_strset *s, const char *k, int v)
{
    if ((s->n + 1) * 2 > s->cap) {
        bt_strset g = {NULL, NULL, s->cap ? s->cap * 2 : 64, 0};
        g.key = bt_xcalloc(g.cap, sizeof *g.key);
        g.val = bt_xcalloc(g.cap, sizeof *g.val);
        for (size_t i = 0; i < s->cap; i++)
            if (s->key[i])
                strset_add(&g, s->key[i], s->val[i]);
        bt_strset_free(s);
        *s = g;
    }
    strset_add(s, k, v);
}

void bt_strset_free(bt_strset *s)
{
    free(s->key);
    free(s->val);
    s->key = NULL;
    s->val = NULL;
    s->cap = s->n = 0;
}

void bt_vec_free(bt_vec *v)
{
    free(v->p);
    v->p = NULL;
    v->n = v->cap = 0;
}

uint32_t bt_be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
