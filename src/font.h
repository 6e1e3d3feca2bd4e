/* font.h - fonts behind one file: fontconfig lookup (with the repository's
 * fonts/ folder added as an application font folder), HarfBuzz shaping
 * cached per (font, word), coverage and fallback fonts (TrueType outlines
 * only: libharu cannot embed CFF), and hb-subset for the EPUB. The only
 * file that includes fontconfig or HarfBuzz. */
#ifndef BT_FONT_H
#define BT_FONT_H

#include "bantin.h"
#include "buf.h"
#include "diag.h"
#include "shape.h"

typedef struct bt_fonts bt_fonts;

/* app_font_dir: folder of TTFs to add (may be NULL or missing). Never fails
 * except by aborting on OOM; fontconfig problems show up in find. */
bt_fonts *bt_fonts_new(const char *app_font_dir);
void bt_fonts_free(bt_fonts *fonts);

/* 1 when fontconfig has been loaded: bt_fonts_new loads it unless the
 * lookup cache (font.c; the file $BANTIN_FONT_CACHE, else
 * ~/.cache/bantin/fonts.cache; empty turns it off) still matches the
 * configuration and font folders; a find the cache cannot answer, or a
 * fallback font, loads it later. For tests and --timings. */
int bt_fonts_fontconfig_loaded(const bt_fonts *fonts);

/* Finds family + style through fontconfig, TrueType outlines only, and
 * checks the match really is that family (or takes fontconfig's answer of
 * an earlier build from the lookup cache). Returns 0 and the font id, or
 * -1 (nothing usable installed). Same request twice gives the same id. */
int bt_fonts_find(bt_fonts *fonts, const char *family, int bold, int italic,
                  uint32_t *out_id);

/* The shaping interface over these fonts (borrowed pointer inside). */
bt_shaper bt_fonts_shaper(bt_fonts *fonts);

/* Facts about a loaded font, for the writers. */
const char *bt_fonts_path(const bt_fonts *fonts, uint32_t id); /* file */
int bt_fonts_face_index(const bt_fonts *fonts, uint32_t id);   /* in a TTC */
const char *bt_fonts_family(const bt_fonts *fonts,
                            uint32_t id); /* "Noto Serif" */
int bt_fonts_bold(const bt_fonts *fonts, uint32_t id);
int bt_fonts_italic(const bt_fonts *fonts, uint32_t id);
int bt_fonts_count(const bt_fonts *fonts);

/* Subsets font `id` to the given code points (plus what hb-subset keeps by
 * default: layout features) as TrueType bytes appended to out. 0 ok, -1
 * on failure. */
int bt_fonts_subset(bt_fonts *fonts, uint32_t id, const uint32_t *cps, int n,
                    bt_buf *out);

/* A font file opened on its own, apart from any bt_fonts and its lock:
 * for a thread working beside the one that uses the fonts (the EPUB's
 * subsets made ahead while the layout runs). Its coverage and subsets are
 * those of the bt_fonts face of the same file and index. NULL when the
 * file is not a face HarfBuzz opens. */
typedef struct bt_fontfile bt_fontfile;
bt_fontfile *bt_fontfile_open(const char *path, int index);
int bt_fontfile_covers(const bt_fontfile *ff, uint32_t cp);
/* As bt_fonts_subset. */
int bt_fontfile_subset(const bt_fontfile *ff, const uint32_t *cps, int n,
                       bt_buf *out);
void bt_fontfile_free(bt_fontfile *ff);

/* on = 1 while two threads use the fonts (the PDF and EPUB writers): every
 * call then takes a lock. Set and cleared by the one thread that starts
 * and joins the other. */
void bt_fonts_share(bt_fonts *fonts, int on);

/* What the PDF writer embeds for font `id` drawn with the code points
 * cps[0..n) (ascending, BMP): the hb-subset of their glyphs (glyph 0 with
 * its outline, layout tables GSUB/GPOS/GDEF dropped, outlines and advances
 * unchanged) and what the font descriptor, /W and CIDToGIDMap need. */
typedef struct bt_font_desc {
    bt_buf ttf;          /* the subset: TrueType bytes */
    uint16_t *gid;       /* heap, [n]: glyph of cps[i] in the subset, 0 none */
    int32_t *width;      /* heap, [n]: = bt_fonts_pdf_width(cps[i]) */
    char name[64];       /* PostScript name: ASCII letters, digits, - . _ */
    int32_t ascent;      /* 1/1000 em, like bt_fontmetrics */
    int32_t descent;     /* 1/1000 em, negative below the baseline */
    int32_t capheight;   /* 1/1000 em */
    int32_t xheight;     /* 1/1000 em */
    int32_t bbox[4];     /* head's xMin yMin xMax yMax, 1/1000 em */
    int32_t italicangle; /* degrees, from post */
    int fixed;           /* post's isFixedPitch */
} bt_font_desc;

/* Fills d (which the caller frees with bt_font_desc_free, also on
 * failure). Safe to call from another thread than the one shaping: it
 * only reads the face. 0 ok, -1 when hb-subset fails. */
int bt_fonts_describe(const bt_fonts *fonts, uint32_t id, const uint32_t *cps,
                      int n, bt_font_desc *d);
void bt_font_desc_free(bt_font_desc *d);

/* The advance of cp's nominal glyph (glyph 0 when the face has none) in
 * 1/1000 em, truncated toward zero as libharu does (hmtx * 1000 / upem):
 * the numbers the PDF's /W holds. */
int32_t bt_fonts_pdf_width(const bt_fonts *fonts, uint32_t id, uint32_t cp);

#endif
