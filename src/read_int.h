/* read_int.h - helpers private to the readers (read_*.c), defined in
 * read_common.c. The public reader interface is read.h. */
#ifndef BT_READ_INT_H
#define BT_READ_INT_H

#include "bantin.h"
#include "arena.h"

/* True when s holds only space, tab, CR and LF (XML whitespace). */
int bt_read_blank(bt_str s);

/* True when `path` (absolute, canonical) is `root` or inside it, judged by
 * whole components: "/a/b" contains "/a/b/c", not "/a/bc". A NULL root
 * contains everything. */
int bt_read_inside(const char *root, const char *path);

/* Folder part of a path, in the arena: "a/b.xml" -> "a", "b.xml" -> ".",
 * "/b.xml" -> "/". */
char *bt_read_dir_of(bt_arena *a, const char *path);

/* ASCII slug of s ("Hội nghị" -> "hoi-nghi"): letters and digits kept
 * (lower case, diacritics dropped), '_' kept, anything else one '-'; at
 * most BT_MAX_ID_BYTES. NULL when nothing is left. */
const char *bt_read_slug(bt_arena *a, const char *s, size_t len);

#endif
