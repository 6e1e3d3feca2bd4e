/* shape.h - the shaping interface the pure layout engine sees (mupdf's
 * fz_device idea): a word of code points in one font goes in, one advance
 * and offset per code point comes out (GPOS kerning included). font.c
 * supplies the real one (HarfBuzz, cached per (font, word)); tests supply a
 * fake font. Also: styled runs -> Knuth-Plass items (shape.c). */
#ifndef BT_SHAPE_H
#define BT_SHAPE_H

#include "bantin.h"

/* All glyph quantities are in 1/1000 em of the font. */
typedef struct bt_glyphpos {
    uint32_t cp;     /* the code point this glyph shows (one per input cp) */
    int32_t advance; /* 1/1000 em, kerning included */
    int32_t dx, dy;  /* offset of the glyph from the pen, 1/1000 em, y up */
} bt_glyphpos;

typedef struct bt_fontmetrics {
    int32_t ascent;    /* 1/1000 em above the baseline (hhea/OS2 typo) */
    int32_t descent;   /* 1/1000 em below the baseline, positive */
    int32_t capheight; /* 1/1000 em */
    int32_t xheight;   /* 1/1000 em */
} bt_fontmetrics;

#define BT_FONT_NONE UINT32_MAX

/* Where a foreign word may take a hyphen (hyph.c supplies the real one,
 * from libhyphen's patterns; tests supply their own). */
typedef struct bt_hyphenator {
    /* Sets out[i] = 1 where a hyphen may follow cps[i] of the word
     * cps[0..n) (letters only), 0 elsewhere; returns the number of points
     * (0 also for a word whose script it does not know). */
    int (*points)(void *payload, const uint32_t *cps, int n, uint8_t *out);
    void *payload;
} bt_hyphenator;

/* Paragraphs shaped before (shape.c): an optional memo a build hands to
 * bt_shape_para through its shaper, so a paragraph the layout sets again
 * (another pass, a measurement before the real setting) is not shaped
 * again. Results are the same with or without it. */
typedef struct bt_shapememo bt_shapememo;
typedef struct bt_wordmemo bt_wordmemo;

typedef struct bt_shaper {
    /* Shapes `len` code points of one word in `font`. Returns len (exactly
     * one bt_glyphpos per input code point, in order; a multi-glyph
     * cluster's advance is summed onto its first code point) and sets *out
     * to memory owned by the shaper, valid until the shaper is freed. */
    int (*shape)(void *payload, uint32_t font, const uint32_t *cps, int len,
                 const bt_glyphpos **out);
    /* 1 when `font` has a real glyph for cp. */
    int (*covers)(void *payload, uint32_t font, uint32_t cp);
    /* A font that covers cp and suits `font` (same style if possible), or
     * BT_FONT_NONE: no usable installed font covers it. */
    uint32_t (*fallback)(void *payload, uint32_t font, uint32_t cp);
    void (*metrics)(void *payload, uint32_t font, bt_fontmetrics *out);
    void *payload;
    /* Optional (NULL: no word is hyphenated). Not owned. */
    const bt_hyphenator *hyph;
    /* Optional (NULL: every paragraph is shaped). Not owned. */
    bt_shapememo *memo;
    /* Optional (NULL: every word is measured). Not owned. */
    bt_wordmemo *words;
} bt_shaper;

/* ---- styled runs -> Knuth-Plass items (shape.c) ---- */

#include "diag.h"
#include "linebreak.h"
#include "model.h"

/* A positioned glyph, as the writers see it. */
typedef struct bt_glyph {
    uint32_t cp; /* code point (libharu draws by code point) */
    int32_t x;   /* pen position relative to its segment's start, mpt */
    int32_t y;   /* offset from the baseline, mpt, downward */
} bt_glyph;

/* A piece of a word in one font: becomes one glyph box. */
typedef struct bt_seg {
    uint32_t font;    /* font id */
    int32_t size;     /* mpt */
    uint32_t color;   /* 0xRRGGBB */
    int32_t x;        /* offset from the word's start, mpt */
    int32_t w;        /* advance width, mpt */
    int g0, ng;       /* glyphs[g0 .. g0+ng) of the paragraph */
    const char *href; /* link target or NULL */
    bt_pos pos;       /* the run it came from */
} bt_seg;

typedef struct bt_word {
    int s0, ns; /* segs[s0 .. s0+ns) */
    int32_t w;  /* width, mpt */
} bt_word;

/* The smallest a formula is set to fit a line: 3/4 of its text's size. A
 * formula wider than the column (no break after / @ _ or before . or /
 * rejoins it) is set up to that much smaller rather than broken where
 * extraction and copy-paste put a space, after ; = & ? \ (shape.c), and
 * so is a display too wide for the text width (layout_line.c). */
#define BT_SHRINK_MIN_NUM 3
#define BT_SHRINK_MIN_DEN 4

/* How to set a paragraph. */
typedef struct bt_textstyle {
    uint32_t font, font_bold, font_italic, font_bold_italic; /* font ids */
    int32_t size;                                            /* mpt */
    uint32_t color, link_color;
    int ragged;     /* 1: ragged right (headlines, captions); 0: justified */
    int32_t indent; /* first-line indent, mpt */
    int32_t width;  /* the narrowest line width, for splitting words */
} bt_textstyle;

/* Items ready for bt_linebreak_run. BOX items have ref = word index; glue
 * and penalties have ref = UINT32_MAX. Everything lives in the arena, but
 * words, segs and glyphs may live in the shaper's memo (read only). */
typedef struct bt_para {
    bt_item *items;
    int nitems;
    bt_word *words;
    int nwords;
    bt_seg *segs;
    int nsegs;
    bt_glyph *glyphs;
    int nglyphs;
} bt_para;

/* Shapes `runs` (and an optional prefix text, e.g. "Ảnh: ", in the same
 * style) into items. Characters the fonts lack get a fallback font; one no
 * usable font has, or one outside the BMP, is an error at its run. A word
 * wider than st->width is broken between letters with a warning. Returns 0,
 * or -1 after errors. */
int bt_shape_para(bt_ctx *ctx, const bt_shaper *sh, const bt_textstyle *st,
                  const bt_runs *runs, bt_para *out);

/* 1 when some word of the bulletin's text will ask the hyphenator for
 * points it needs its patterns for (a foreign word: see shape.c), so it
 * is worth reading them ahead. The text's words are taken between spaces,
 * so a word the layout sees cut otherwise (across runs, or a formula set
 * apart) may be judged wrongly: a yes for nothing costs the patterns'
 * reading on a helper thread, a no only the wait at the first word that
 * asks, as without it. */
int bt_shape_may_hyphenate(const bt_doc *doc);

/* 1 when a line that ends at `it`, a penalty of bt_shape_para's items
 * between two pieces of a word, ends where text extraction and
 * copy-paste join the word back without a space: a URL, path or formula
 * broken after / @ _ or before . or /. A line end anywhere else inside a
 * word (after ; = & ? \, between letters) reads back as a space, and a
 * hyphen as a hyphen. */
int bt_shape_break_joins(const bt_item *it);

/* What a word's shaping left for its breaks (advances, offsets, break
 * points inside it), kept by code points, fonts, size and raggedness for
 * the words shaped again in a build: bt_shaper.words. Bounded
 * (BT_WORD_MEMO_BYTES, 8192 words); free with bt_wordmemo_free after the
 * shaper. */
bt_wordmemo *bt_wordmemo_new(void);
void bt_wordmemo_free(bt_wordmemo *m);

/* A memo for bt_shaper.memo, empty; free with bt_shapememo_free, after
 * the last use of what bt_shape_para returned through it (its words,
 * segments and glyphs live in the memo). It keeps the paragraphs shaped
 * without a diagnostic, keyed by their style and runs (text, style, link,
 * position), and serves them again (items copied into the caller's
 * arena). One thread at a time. */
bt_shapememo *bt_shapememo_new(void);
void bt_shapememo_free(bt_shapememo *m);
/* Sets the memo's budget for a bulletin of text_bytes bytes of text (see
 * BT_SHAPE_MEMO_WHOLE_BYTES) and returns it. */
size_t bt_shapememo_plan(bt_shapememo *m, size_t text_bytes);
/* Sets the budget to `bytes`: once the memo holds that much it keeps no
 * more paragraphs, but still serves those it holds. */
void bt_shapememo_budget(bt_shapememo *m, size_t bytes);
/* Paragraphs served from the memo and shaped, for --timings. */
void bt_shapememo_stats(const bt_shapememo *m, unsigned long *hits,
                        unsigned long *misses, size_t *bytes);

/* Width of a single-line text in one font (for right-aligned numbers). */
int32_t bt_shape_width(const bt_shaper *sh, uint32_t font, int32_t size,
                       bt_str text);

#endif
