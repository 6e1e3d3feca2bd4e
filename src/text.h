/* text.h - UTF-8 checks, NFC (utf8proc), HTML-style whitespace collapse and
 * the U+00A0 policy of FORMATS.md. The only file that includes utf8proc.
 * Pure functions: no I/O; errors go to bt_error with a character column. */
#ifndef BT_TEXT_H
#define BT_TEXT_H

#include "bantin.h"
#include "arena.h"
#include "diag.h"

/* Checks a whole input file's bytes: valid UTF-8 (no overlongs, no
 * surrogates, no truncated sequences, nothing above U+10FFFF), no NUL or C0
 * control except tab/LF/CR, no UTF-16/32 byte-order mark ("not UTF-8" at
 * 1:1), not empty ("empty file" at 1:1). A UTF-8 BOM is accepted.
 * Reports the first problem at its line:col (col counts characters) and
 * returns -1, else 0. */
int bt_text_check_input(bt_ctx *ctx, uint16_t file, const char *data,
                        size_t len);

/* Line and column (1-based, column in characters) of byte offset `off`.
 * CR LF and a lone CR each end a line, as LF does. A leading UTF-8 BOM is
 * not a character: line 1 counts columns from after it (as
 * bt_text_check_input does). Reads only data[0..off). */
void bt_text_linecol(const char *data, size_t off, uint32_t *line,
                     uint32_t *col);

/* The same count, incremental, for a reader that asks for growing offsets
 * into one buffer (xmlin.c): each seek goes on from the last one, so a
 * whole file costs one pass. A CR is a line end unless data[0..len) has an
 * LF right after it (bt_text_linecol is a cursor with len = off). A seek
 * backwards restarts from the beginning. */
typedef struct bt_linecol {
    const char *data;
    size_t len;
    size_t start;       /* 3 after a UTF-8 BOM, else 0 */
    size_t at;          /* byte offset the cursor stands on */
    uint32_t line, col; /* position of data[at] */
} bt_linecol;

void bt_linecol_init(bt_linecol *lc, const char *data, size_t len);
/* Moves to byte offset off (clamped to len) and returns its line:col in
 * lc->line, lc->col. */
void bt_linecol_seek(bt_linecol *lc, size_t off);

enum {
    BT_TEXT_NBSP_SPACE = 1 /* clipping rule: U+00A0 counts as a space */
};

/* 1 for a code point that NFC leaves as it is, whatever ASCII or other
 * such code point stands before it: combining class 0, no canonical
 * decomposition, never the second half of a composition (Latin-1,
 * Latin Extended-A/B and Additional, which hold every precomposed
 * Vietnamese letter, and common punctuation; checked exhaustively
 * against utf8proc by test_text). A segment of them is copied as it is. */
int bt_text_nfc_inert(uint32_t cp);

/* NFC-normalises `s` and collapses whitespace runs (space, tab, CR, LF and,
 * with BT_TEXT_NBSP_SPACE, U+00A0) to one U+0020. Leading/trailing space
 * is kept as a single space (callers trim at block edges with
 * bt_text_trim). Result in the arena. Input must be valid UTF-8. */
bt_str bt_text_normalize(bt_arena *a, bt_str s, unsigned flags);

/* Removes leading and trailing U+0020. */
bt_str bt_text_trim(bt_str s);

/* Decodes one code point at *p (valid UTF-8 assumed); advances *p. */
uint32_t bt_utf8_next(const char **p, const char *end);
/* Number of code points in s. */
size_t bt_utf8_count(bt_str s);
/* Encodes cp into out (at least 4 bytes); returns bytes written. */
int bt_utf8_encode(uint32_t cp, char *out);

/* Number of words (runs of non-space) in s. */
int bt_text_words(bt_str s);

#endif
