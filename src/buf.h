/* buf.h - growable byte buffer (cmark strbuf, sds) for data whose size is
 * not known in advance. Owns heap memory: release with bt_buf_free, or move
 * the finished bytes into an arena with bt_buf_to_arena. */
#ifndef BT_BUF_H
#define BT_BUF_H

#include <string.h>
#include "bantin.h"
#include "arena.h"

typedef struct bt_buf {
    char *data; /* NUL-terminated when len < cap */
    size_t len, cap;
} bt_buf;

#define BT_BUF_INIT                                                            \
    {                                                                          \
        NULL, 0, 0                                                             \
    }

void bt_buf_grow(bt_buf *b, size_t extra);

/* Appending is inline: the PDF writer appends a few bytes at a time
 * (hex codes, numbers), hundreds of thousands of times per bulletin. */
static inline void bt_buf_put(bt_buf *b, const void *p, size_t n)
{
    if (b->cap - b->len <= n)
        bt_buf_grow(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

static inline void bt_buf_puts(bt_buf *b, const char *cstr)
{
    bt_buf_put(b, cstr, strlen(cstr));
}

static inline void bt_buf_putc(bt_buf *b, int c)
{
    if (b->cap - b->len <= 1)
        bt_buf_grow(b, 1);
    b->data[b->len++] = (char)c;
    b->data[b->len] = 0;
}
void bt_buf_printf(bt_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void bt_buf_clear(bt_buf *b);
void bt_buf_free(bt_buf *b);
/* Copies the contents (NUL-terminated) into the arena; b is left intact. */
bt_str bt_buf_to_arena(const bt_buf *b, bt_arena *a);

/* Growable array of fixed-size elements on the heap (size set by the
 * user before the first push). A push may move p. */
typedef struct bt_vec {
    void *p;
    int n, cap;
    size_t size; /* bytes per element */
} bt_vec;

/* Doubles the capacity (for bt_vec_push). */
void bt_vec_grow(bt_vec *v);

/* Appends a zeroed element and returns it. Inline: the layout pushes
 * millions of small elements (a call and a memset each cost more than
 * the push itself). */
static inline void *bt_vec_push(bt_vec *v)
{
    if (v->n == v->cap)
        bt_vec_grow(v);
    char *e = (char *)v->p + (size_t)v->n++ * v->size;
    switch (v->size) {
    case 1:
        *e = 0;
        break;
    case 4:
        memset(e, 0, 4);
        break;
    case 8:
        memset(e, 0, 8);
        break;
    default:
        memset(e, 0, v->size);
        break;
    }
    return e;
}

void bt_vec_free(bt_vec *v);

/* Set of strings (not owned: they must outlive it), each with an int, by
 * open addressing: article paths and ids, checked for duplicates once per
 * article (a linear scan made those checks quadratic in the archive). */
typedef struct bt_strset {
    const char **key; /* NULL: empty slot */
    int *val;
    size_t cap, n; /* cap: a power of two, or 0 */
} bt_strset;

/* The value of k, or -1. */
int bt_strset_find(const bt_strset *s, const char *k);
/* Adds k (not in s yet) with value v. */
void bt_strset_put(bt_strset *s, const char *k, int v);
void bt_strset_free(bt_strset *s);

/* The big-endian 32-bit number at p (PNG chunks, OpenType tables). */
uint32_t bt_be32(const unsigned char *p);

/* Reads a whole file, refusing more than max bytes. Returns 0, or -1 with
 * errno set (EFBIG when over max). */
int bt_buf_read_file(bt_buf *out, const char *path, size_t max);

#endif
