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
} bt_shaper;

#endif
