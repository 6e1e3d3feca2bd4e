/* arena.h - bump allocator for one build. Everything the stages produce
 * (nodes, strings, items, boxes, pages) lives here and is freed at once by
 * bt_arena_free. Blocks are allocated on demand (no huge up-front
 * reservation). With -DBT_ARENA_MALLOC every allocation is its own malloc so
 * ASan sees overruns. */
#ifndef BT_ARENA_H
#define BT_ARENA_H

#include "bantin.h"

typedef struct bt_arena_block bt_arena_block;
typedef struct bt_arena {
    bt_arena_block *head; /* newest block first */
    size_t total;         /* bytes handed out, for -v statistics */
} bt_arena;

void bt_arena_init(bt_arena *a);
void bt_arena_free(bt_arena *a);
/* Zeroed, 16-byte aligned memory that lives until bt_arena_free. */
void *bt_arena_alloc(bt_arena *a, size_t n);
void *bt_arena_memdup(bt_arena *a, const void *p, size_t n);
/* Copy of len bytes plus a NUL terminator. */
char *bt_arena_strndup(bt_arena *a, const char *s, size_t len);
char *bt_arena_strdup(bt_arena *a, const char *cstr);
char *bt_arena_printf(bt_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bt_str bt_arena_str(bt_arena *a, const char *s, size_t len);
/* 1 when p points into memory handed out by a (a walk over its blocks:
 * for arenas of a few blocks, such as the layout's per-article one). */
int bt_arena_owns(const bt_arena *a, const void *p);

#endif
