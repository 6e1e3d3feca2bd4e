/* hyph.h - hyphenation points of foreign (non-Vietnamese) words, from
 * libhyphen (LibreOffice's hyphenation library) and the English patterns
 * of Debian's hyphen-en-us. The only file that includes <hyphen.h>. The
 * engine sees it only as shape.h's bt_hyphenator; shape.c decides which
 * words may be hyphenated (never a Vietnamese syllable, a URL or a path).
 * The patterns are read at the first word that needs them, or ahead on
 * another thread (bt_hyph_load); when none are installed, nothing is
 * hyphenated and one note says so (bt_hyph_report). */
#ifndef BT_HYPH_H
#define BT_HYPH_H

#include "diag.h"
#include "shape.h"

typedef struct bt_hyph bt_hyph;

/* A hyphenator reading the pattern file `dic` (NULL: $BANTIN_HYPHEN_DIC,
 * else the usual places of hyph_en_US.dic). Nothing is read yet. The
 * missing-patterns note goes to ctx at `pos`; ctx must outlive it.
 * Free with bt_hyph_free. Its points may be asked from several threads. */
bt_hyph *bt_hyph_new(bt_ctx *ctx, bt_pos pos, const char *dic);
void bt_hyph_free(bt_hyph *h);

/* Reads the patterns now, from any thread (a thread that asks for points
 * meanwhile waits for them); once only. */
void bt_hyph_load(bt_hyph *h);

/* Gives the missing-patterns note, once, if a word asked for points and
 * none were found. Call from the thread that owns ctx, when the words
 * have been set. */
void bt_hyph_report(bt_hyph *h);

/* The bt_hyphenator to hang on a bt_shaper (valid while h lives). */
const bt_hyphenator *bt_hyph_hyphenator(bt_hyph *h);

/* The pattern file in use, or NULL (none found, or not needed yet). */
const char *bt_hyph_path(const bt_hyph *h);

#endif
