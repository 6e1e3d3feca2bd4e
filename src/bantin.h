/* bantin.h - shared types only: positions, string slices, asserts, and the
 * allocation wrappers that abort on out-of-memory (redis zmalloc style).
 * Every module includes this; it includes no library header. */
#ifndef BANTIN_H
#define BANTIN_H

#include <stddef.h>
#include <stdint.h>

#define BT_VERSION "0.1.0"

/* Where a node came from: file indexes ctx->files[], line and col start at
 * 1 and col counts characters (not bytes). line == 0 means "the whole file". */
typedef struct bt_pos {
    uint16_t file;
    uint32_t line, col;
} bt_pos;

/* A UTF-8 slice; not NUL-terminated unless a name says cstr. */
typedef struct bt_str {
    const char *ptr;
    size_t len;
} bt_str;

#define BT_STR_NULL ((bt_str){NULL, 0})

void bt_assert_fail(const char *expr, const char *file, int line);
#define BT_ASSERT(c) ((c) ? (void)0 : bt_assert_fail(#c, __FILE__, __LINE__))

/* Allocation that never returns NULL: prints and aborts on failure. */
void *bt_xmalloc(size_t n);
void *bt_xcalloc(size_t n, size_t size);
void *bt_xrealloc(void *p, size_t n);
char *bt_xstrdup(const char *s);

#define BT_MIN(a, b) ((a) < (b) ? (a) : (b))
#define BT_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
