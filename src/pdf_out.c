/* pdf_out.c - draws bt_pages into a PDF with libharu 2.3.0. The only file
 * that includes hpdf.h. It never measures or decides layout: every glyph
 * goes where layout put it.
 *
 * libharu has no kerning and no TJ operator, so each run of glyphs is
 * written as one raw `[<XXXX> adj <YYYY>] TJ` into the page's content
 * stream (notes/libharu.md §3). The adjustments come from the glyph
 * widths the font's /W holds (bt_fonts_pdf_width), so the viewer lands every
 * glyph on the position HarfBuzz gave, within 1/2000 em, with no drift.
 * Consecutive boxes on one baseline in the same font, size and colour
 * share a TJ; a page's text runs share a BT...ET until a rule or an image
 * interrupts. Td, Tf, rg and rules are formatted here from whole mpt, so
 * coordinates are exact. libharu still owns BT/ET, the font resources
 * (HPDF_Page_GetLocalFontName), images and annotations. The fonts are not
 * libharu's: each is a Type0 dictionary of ours holding the hb-subset of
 * the glyphs drawn (font_embed).
 *
 * libharu internals: libharu has no public call for some things bantin
 * needs, so this file reaches into its structs, which the installed headers
 * expose (hpdf_objects.h, hpdf_pages.h, hpdf_doc.h via hpdf.h):
 *  - the fonts' dictionaries and streams are made with libharu's object
 *    calls (HPDF_Dict_New, HPDF_DictStream_New) in `pdf->mmgr` and added
 *    to `pdf->xref`, which libharu writes like its own objects;
 *  - the raw TJ runs go to `((HPDF_PageAttr)page->attr)->stream`;
 *  - the /ID array is added to `pdf->trailer`, the page-label prefix needs
 *    `pdf->def_encoder`, and an SMask needs `pdf->pdf_version` = 1.4;
 *  - page contents, raw images and the fonts' streams are deflated here at
 *    a faster level than libharu's fixed default: their `dict->stream`
 *    gets the deflated bytes, `dict->filter` is set to none and
 *    `dict->write_fn` writes the /Filter entry (precompress_all);
 *  - image streams deflated ahead get their `Width`/`Height` numbers and
 *    stream set after libharu made a 1x1 image (raw_image_z);
 *  - finished link annotations, pages and outline items are parked (park):
 *    written with HPDF_Dict_Write, their `list` entries (and its array)
 *    freed, the bytes kept in a block on `filterParams` (which libharu
 *    reads only for stream dictionaries) that `write_fn` copies at the
 *    save and `free_fn` frees (chained to a page's own); a page
 *    also loses `attr->fonts`/`xobjects`/`ext_gstates`, the outline root's
 *    `before_write_fn` gives way to a /Count set here; destinations share
 *    one /XYZ, 0 and null put straight into the array's `list`, which
 *    grows by 5 items (`items_per_block`);
 *  - a deflated stream goes back as one buffer of its exact size (the
 *    memory stream's `buf_siz`, `w_pos`, `w_ptr`: stream_put_exact).
 * Checked against libharu 2.3.0 as Debian 12 ships it (libhpdf-dev
 * 2.3.0+dfsg-1+b1 = upstream tag RELEASE_2_3_0; ../shared/notes/libharu.md
 * §2, §4, §5). On another version these fields may move or change meaning:
 * test_pdf_out__libharu_internals fails in that case: it pins
 * HPDF_VERSION_TEXT and the linked library's HPDF_GetVersion() to "2.3.0"
 * and checks that every Type0 font of the output carries our bfchar CMap
 * and our CIDFontType2 with its FontFile2.
 *
 * Errors: the libharu handler records only the first error (sticky, like
 * sqlite); every drawing step checks it, and any error abandons the whole
 * document without saving. No longjmp. */

#include <hpdf.h>
#include <hpdf_encrypt.h>
#include <zlib.h>

#include <pthread.h>

#include <errno.h>
#include <limits.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdf_out.h"
#include "jobpipe.h"
#include "bt_limits.h"
#include "buf.h"
#include "fsout.h"
#include "image.h"
#include "impose.h"
#include "timing.h"

/* ------------------------------------------------------------------ */
/* State                                                              */
/* ------------------------------------------------------------------ */

#define WIDTH_UNKNOWN INT32_MIN

typedef struct pdf_err {
    HPDF_STATUS code;   /* first libharu error, 0 = none */
    HPDF_STATUS detail; /* its detail number (often errno) */
} pdf_err;

typedef struct pdf_font {
    HPDF_Dict font;                /* the Type0 font dictionary (font_get) */
    uint32_t id;                   /* bt_fonts id */
    HPDF_Dict streams[3];          /* FontFile2, CIDToGIDMap, ToUnicode, made
                                      by font_embed; NULL before */
    int32_t *width[256];           /* [cp >> 8][cp & 255]: 1/1000 em as /W
                                      has it; a block of 256 made on first use */
    unsigned char used[65536 / 8]; /* code points drawn: the subset */
} pdf_font;

typedef struct pdf_imgcache {
    const bt_image *key;
    HPDF_Image img;
} pdf_imgcache;

/* An image's pixels (z[0]) and alpha (z[1], when it has one) deflated
 * ahead (bt_pdf_images_start); NULL where deflate failed. */
typedef struct pre_img {
    const bt_image *im;
    unsigned char *z[2];
    size_t zlen[2];
} pre_img;

struct bt_pdf_images {
    pthread_t th;
    int threaded; /* the thread runs and is not joined yet */
    pre_img *imgs;
    int n;
};

typedef struct pdf_w {
    bt_ctx *ctx;
    const bt_doc *doc;
    const bt_pages *pages;
    const bt_fonts *fonts;
    HPDF_Doc pdf;
    pdf_err err;
    int failed; /* an error of ours was reported */
    HPDF_Encoder utf8;
    HPDF_Page *hp;       /* [npages], or [plan->nsides] sheet sides */
    const bt_plan *plan; /* imposition, or NULL for one page per page */
    const bt_page *note; /* padding page with the blank-page note, or NULL */
    const bt_cell *cell; /* the cell being drawn (maps links), or NULL */
    int32_t page_h;      /* mpt */
    pdf_font **font;     /* [nfonts], lazily allocated */
    int nfonts;
    pdf_imgcache *imgs; /* images loaded so far */
    int nimgs, capimgs;
    bt_pdf_images *pre; /* pixels deflated ahead, or NULL */
    struct fonts_ahead *ahead; /* fonts made while drawing, or NULL */
    int smask;          /* 1 once an SMask is used: PDF 1.4 */
    bt_buf out;         /* content bytes not yet written to the stream */
    bt_buf uri;         /* the link URI being made (uri_encode) */

    /* per-page content state */
    HPDF_Page page;
    HPDF_Stream stream;
    int in_text;        /* inside BT ... ET */
    uint32_t cur_font;  /* BT_FONT_NONE until Tf */
    int32_t cur_size;   /* mpt */
    int32_t cur_expand; /* horizontal scaling (Tz) minus 100 %, 1/10000 */
    uint32_t cur_color; /* 0xRRGGBB of the fill colour */
    int64_t lx, ly;     /* text line origin (last Td), mpt, PDF y up */
    /* the open TJ segment */
    int seg_open;
    int in_hex;
    int64_t seg_x, seg_y; /* segment origin, mpt, PDF y up */
    int64_t pen;          /* actual pen from seg_x, 1/1000 text space */
    int seg_glyphs;       /* glyphs in the segment (kept under the array
                             and string limits of PDF readers) */

    /* the items every destination [page /XYZ 0 top null] shares (park) */
    HPDF_Name_Rec xyz;
    HPDF_Real_Rec zero;
    HPDF_Null_Rec null;
    HPDF_Stream park_ms;   /* scratch memory stream of park(), or NULL */
    const char *spool_dir; /* where page contents may go (spool_page) */
    int spool_fd;          /* its scratch file, when spool_state is 1 */
    int spool_state;       /* 0 not opened yet, 1 open, 2 open but no more
                              (a write failed), -1 not used */
    uint64_t spool_off;    /* bytes in the scratch file */
    uint64_t spool_kept;   /* bytes of contents kept in memory */
} pdf_w;

static void pdf_on_error(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
    pdf_err *e = user;
    if (!e->code) {
        e->code = code;
        e->detail = detail;
    }
}

static int pdf_ok(const pdf_w *w)
{
    return !w->err.code && !w->failed;
}

/* Reports a libharu error once, at the document. */
static void pdf_report(pdf_w *w)
{
    if (w->err.code && !w->failed) {
        bt_error(w->ctx, bt_pos_file(w->doc->file),
                 "PDF: libharu error 0x%04X (detail %u)", (unsigned)w->err.code,
                 (unsigned)w->err.detail);
        w->failed = 1;
    }
}

/* ------------------------------------------------------------------ */
/* Number formatting: exact decimal of fixed-point integers           */
/* ------------------------------------------------------------------ */

/* Appends v / 10^digits (digits <= 6) as a decimal without trailing
 * zeros. Hand-rolled: snprintf was a fifth of the run time. */
static void put_fixed(bt_buf *b, int64_t v, int digits)
{
    char tmp[40], *e = tmp + sizeof tmp, *p = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int started = 0;
    for (int i = 0; i < digits; i++, u /= 10) {
        unsigned d = (unsigned)(u % 10);
        if (d || started) {
            *--p = (char)('0' + d);
            started = 1;
        }
    }
    if (started)
        *--p = '.';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    bt_buf_put(b, p, (size_t)(e - p));
}

static void put_mpt(bt_buf *b, int64_t v)
{
    put_fixed(b, v, 3);
}

static void put_int(bt_buf *b, int64_t v)
{
    put_fixed(b, v, 0);
}

/* Colour channel 0..255 as 0..1 with 4 decimals. */
static void put_channel(bt_buf *b, unsigned c)
{
    put_fixed(b, ((int64_t)c * 10000 + 127) / 255, 4);
}

/* Rounded a / b for b > 0. */
static int64_t div_round(int64_t a, int64_t b)
{
    return a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
}

/* Moves pending content bytes into the page's stream. */
/* HPDF_Stream_Write for libharu's memory streams, with memcpy: libharu
 * 2.3.0 fills the stream's last buffer, then adds buffers of buf_siz bytes
 * (HPDF_MemStream_InWrite), copying a byte at a time (HPDF_MemCpy: 3 % of
 * the main thread's instructions on 100 articles). The same buffers, the
 * same bytes; any other stream goes through libharu. */
static HPDF_STATUS mem_write(HPDF_Stream st, const void *p, size_t n)
{
    if (st->type != HPDF_STREAM_MEMORY || !st->attr || n > UINT_MAX ||
        HPDF_Error_GetCode(st->error) != HPDF_OK)
        return HPDF_Stream_Write(st, (const HPDF_BYTE *)p, (HPDF_UINT)n);
    HPDF_MemStreamAttr a = st->attr;
    const HPDF_BYTE *q = p;
    size_t left = n;
    while (left > 0) {
        HPDF_UINT room = a->buf_siz - a->w_pos;
        if (room >= left) {
            memcpy(a->w_ptr, q, left);
            a->w_ptr += left;
            a->w_pos += (HPDF_UINT)left;
            break;
        }
        if (room > 0) {
            memcpy(a->w_ptr, q, room);
            q += room;
            left -= room;
        }
        a->w_ptr = HPDF_GetMem(st->mmgr, a->buf_siz);
        if (!a->w_ptr)
            return HPDF_Error_GetCode(st->error);
        if (HPDF_List_Add(a->buf, a->w_ptr) != HPDF_OK) {
            HPDF_FreeMem(st->mmgr, a->w_ptr);
            a->w_ptr = NULL;
            return HPDF_Error_GetCode(st->error);
        }
        a->w_pos = 0;
    }
    st->size += (HPDF_UINT)n;
    return HPDF_OK;
}

static void out_flush(pdf_w *w)
{
    if (!w->out.len)
        return;
    if (pdf_ok(w))
        mem_write(w->stream, w->out.data, w->out.len);
    bt_buf_clear(&w->out);
}

/* ------------------------------------------------------------------ */
/* Fonts                                                              */
/* ------------------------------------------------------------------ */

/* Fonts are not loaded into libharu: each is our own Type0 font
 * dictionary in libharu's xref, which libharu writes like any other
 * object and names in the page resources (HPDF_Page_GetLocalFontName
 * takes any dictionary). The content stream carries each character as its
 * BMP code point (Identity-H, code = CID, as libharu did); font_embed
 * then writes, from the code points actually drawn, the hb-subset of
 * their glyphs as the FontFile2, a CIDToGIDMap from code to subset glyph,
 * /W, the font descriptor and an identity bfchar ToUnicode (bfchar, not
 * bfrange: gs 10.0 misreads bfrange destinations, notes §2). */

/* The font for id, made on first use. NULL after reporting an error. */
static pdf_font *font_get(pdf_w *w, uint32_t id, bt_pos src)
{
    if (id >= (uint32_t)w->nfonts) {
        bt_error(w->ctx, src, "PDF: unknown font id %u", (unsigned)id);
        w->failed = 1;
        return NULL;
    }
    pdf_font *pf = w->font[id];
    if (pf)
        return pf;
    HPDF_Dict d = HPDF_Dict_New(w->pdf->mmgr);
    if (d && HPDF_Xref_Add(w->pdf->xref, d) == HPDF_OK) {
        HPDF_Dict_AddName(d, "Type", "Font");
        HPDF_Dict_AddName(d, "Subtype", "Type0");
        HPDF_Dict_AddName(d, "Encoding", "Identity-H");
    }
    if (!d || !pdf_ok(w)) {
        if (pdf_ok(w)) {
            bt_error(w->ctx, src, "PDF: cannot make a font (out of memory)");
            w->failed = 1;
        }
        return NULL;
    }
    pf = bt_xcalloc(1, sizeof *pf);
    pf->font = d;
    pf->id = id;
    w->font[id] = pf;
    return pf;
}

struct fonts_ahead;
static int32_t ahead_width(const struct fonts_ahead *fa, uint32_t id,
                           uint32_t cp);
static int ahead_embed(pdf_w *w, const pdf_font *pf, bt_font_desc *fd,
                       HPDF_Dict st[3]);

/* The advance of cp in 1/1000 em, as /W will have it; asking marks the
 * code point for the subset. */
static int32_t font_width(pdf_w *w, pdf_font *pf, uint32_t cp)
{
    int32_t **blk = &pf->width[cp >> 8 & 255];
    if (!*blk) {
        *blk = bt_xmalloc(256 * sizeof **blk);
        for (int i = 0; i < 256; i++)
            (*blk)[i] = WIDTH_UNKNOWN;
    }
    int32_t *wd = &(*blk)[cp & 255];
    if (*wd == WIDTH_UNKNOWN) {
        *wd = ahead_width(w->ahead, pf->id, cp);
        if (*wd == WIDTH_UNKNOWN)
            *wd = bt_fonts_pdf_width(w->fonts, pf->id, cp);
        pf->used[cp >> 3] |= (unsigned char)(1u << (cp & 7));
    }
    return *wd;
}

/* A new stream object holding bytes [0, n), deflated later by
 * precompress_all (or by libharu). NULL on a libharu error. */
static HPDF_Dict font_stream(pdf_w *w, const void *bytes, size_t n)
{
    HPDF_Dict d = HPDF_DictStream_New(w->pdf->mmgr, w->pdf->xref);
    if (!d || !pdf_ok(w))
        return NULL;
    d->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    if (n)
        mem_write(d->stream, bytes, n);
    return pdf_ok(w) ? d : NULL;
}

static void put_hex4(bt_buf *b, uint32_t cp);

/* The identity ToUnicode CMap of cps[0..n), written without printf. */
static void tounicode_cmap(bt_buf *b, const uint32_t *cps, int n)
{
    bt_buf_puts(b, "/CIDInit /ProcSet findresource begin\n"
                   "12 dict begin\n"
                   "begincmap\n"
                   "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
                   "/Supplement 0 >> def\n"
                   "/CMapName /Adobe-Identity-UCS def\n"
                   "/CMapType 2 def\n"
                   "1 begincodespacerange\n<0000> <FFFF>\n"
                   "endcodespacerange\n");
    for (int i = 0; i < n; i += 100) {
        int m = n - i < 100 ? n - i : 100;
        bt_buf_printf(b, "%d beginbfchar\n", m);
        for (int k = i; k < i + m; k++) {
            bt_buf_putc(b, '<');
            put_hex4(b, cps[k]);
            bt_buf_puts(b, "> <");
            put_hex4(b, cps[k]);
            bt_buf_puts(b, ">\n");
        }
        bt_buf_puts(b, "endbfchar\n");
    }
    bt_buf_puts(b, "endcmap\n"
                   "CMapName currentdict /CMap defineresource pop\n"
                   "end\nend\n");
}

/* /W: [first [w w ...] first [w ...]] for each run of consecutive codes. */
static HPDF_Array widths_array(pdf_w *w, const uint32_t *cps, const int32_t *wd,
                               int n)
{
    HPDF_MMgr mm = w->pdf->mmgr;
    HPDF_Array arr = HPDF_Array_New(mm);
    for (int i = 0; arr && i < n && pdf_ok(w);) {
        int j = i + 1;
        while (j < n && cps[j] == cps[j - 1] + 1)
            j++;
        HPDF_Array run = HPDF_Array_New(mm);
        if (!run)
            break;
        HPDF_Array_AddNumber(arr, (HPDF_INT32)cps[i]);
        for (int k = i; k < j; k++)
            HPDF_Array_AddNumber(run, wd[k]);
        HPDF_Array_Add(arr, run);
        i = j;
    }
    return pdf_ok(w) ? arr : NULL;
}

static HPDF_Array number_array(pdf_w *w, const int32_t *v, int n)
{
    HPDF_Array arr = HPDF_Array_New(w->pdf->mmgr);
    for (int i = 0; arr && i < n; i++)
        HPDF_Array_AddNumber(arr, v[i]);
    return arr;
}

/* Completes font pf from the code points drawn with it (font_describe
 * style: subset, descriptor, widths, maps). Reports errors. */
/* The bytes of a font's CIDToGIDMap (two per code up to the largest
 * drawn) and ToUnicode streams, for the sorted code points cps. */
static void font_maps(const uint32_t *cps, int n, const bt_font_desc *fd,
                      bt_buf *map, bt_buf *tu)
{
    size_t mlen = n ? 2 * ((size_t)cps[n - 1] + 1) : 2;
    unsigned char *m = bt_xcalloc(mlen, 1);
    for (int i = 0; i < n; i++) {
        m[2 * cps[i]] = (unsigned char)(fd->gid[i] >> 8);
        m[2 * cps[i] + 1] = (unsigned char)(fd->gid[i] & 0xFF);
    }
    bt_buf_put(map, m, mlen);
    free(m);
    tounicode_cmap(tu, cps, n);
}

/* How many code points a 64 Ki-bit map marks (at least 1: a size to
 * allocate). */
static size_t used_count(const unsigned char *used)
{
    size_t n = 0;
    for (size_t k = 0; k < 65536 / 8; k++)
        n += (size_t)__builtin_popcount(used[k]);
    return n ? n : 1;
}

/* The code points marked in a 64 Ki-bit map, in order; returns n. */
static int used_cps(const unsigned char *used, uint32_t *cps)
{
    int n = 0;
    for (uint32_t k = 0; k < 65536 / 64; k++) { /* 64 code points a step */
        const unsigned char *p = &used[k * 8];
        uint64_t bits = 0;
        for (int j = 7; j >= 0; j--)
            bits = bits << 8 | p[j];
        while (bits) {
            cps[n++] = k * 64 + (uint32_t)__builtin_ctzll(bits);
            bits &= bits - 1;
        }
    }
    return n;
}

static void font_embed(pdf_w *w, pdf_font *pf)
{
    uint32_t *cps = bt_xmalloc(used_count(pf->used) * sizeof *cps);
    int n = used_cps(pf->used, cps);
    bt_font_desc fd;
    HPDF_Dict made[3] = {NULL, NULL, NULL};
    int ahead = ahead_embed(w, pf, &fd, made);
    if (!ahead && bt_fonts_describe(w->fonts, pf->id, cps, n, &fd) != 0) {
        bt_error(w->ctx, bt_pos_file(w->doc->file),
                 "PDF: cannot subset font %s", bt_fonts_path(w->fonts, pf->id));
        w->failed = 1;
        bt_font_desc_free(&fd);
        free(cps);
        return;
    }
    HPDF_MMgr mm = w->pdf->mmgr;
    char name[96];
    uint32_t id = pf->id;
    snprintf(name, sizeof name, "BT%c%c%c%c+%s", 'A' + (int)(id / 17576 % 26),
             'A' + (int)(id / 676 % 26), 'A' + (int)(id / 26 % 26),
             'A' + (int)(id % 26), fd.name);

    /* FontFile2, CIDToGIDMap, ToUnicode (made ahead: deflated already) */
    HPDF_Dict file = NULL, cmap = NULL, tounicode = NULL;
    if (ahead) {
        file = made[0];
        cmap = made[1];
        tounicode = made[2];
    } else {
        file = font_stream(w, fd.ttf.data, fd.ttf.len);
        bt_buf map = BT_BUF_INIT, tu = BT_BUF_INIT;
        font_maps(cps, n, &fd, &map, &tu);
        cmap = file ? font_stream(w, map.data, map.len) : NULL;
        tounicode = cmap ? font_stream(w, tu.data, tu.len) : NULL;
        bt_buf_free(&map);
        bt_buf_free(&tu);
    }
    if (file)
        HPDF_Dict_AddNumber(file, "Length1", (HPDF_INT32)fd.ttf.len);

    HPDF_Dict desc = NULL, cid = NULL;
    if (tounicode && (desc = HPDF_Dict_New(mm)) != NULL &&
        HPDF_Xref_Add(w->pdf->xref, desc) == HPDF_OK) {
        int32_t flags = 32; /* nonsymbolic */
        if (fd.fixed)
            flags |= 1;
        if (bt_fonts_italic(w->fonts, id))
            flags |= 64;
        if (bt_fonts_bold(w->fonts, id))
            flags |= 262144; /* ForceBold */
        HPDF_Dict_AddName(desc, "Type", "FontDescriptor");
        HPDF_Dict_AddName(desc, "FontName", name);
        HPDF_Dict_AddNumber(desc, "Flags", flags);
        HPDF_Dict_Add(desc, "FontBBox", number_array(w, fd.bbox, 4));
        HPDF_Dict_AddNumber(desc, "ItalicAngle", fd.italicangle);
        HPDF_Dict_AddNumber(desc, "Ascent", fd.ascent);
        HPDF_Dict_AddNumber(desc, "Descent", fd.descent);
        HPDF_Dict_AddNumber(desc, "CapHeight", fd.capheight);
        HPDF_Dict_AddNumber(desc, "XHeight", fd.xheight);
        HPDF_Dict_AddNumber(desc, "StemV", 0);
        HPDF_Dict_Add(desc, "FontFile2", file);
    }
    if (desc && pdf_ok(w) && (cid = HPDF_Dict_New(mm)) != NULL &&
        HPDF_Xref_Add(w->pdf->xref, cid) == HPDF_OK) {
        HPDF_Dict info = HPDF_Dict_New(mm);
        if (info) {
            HPDF_Dict_Add(info, "Registry", HPDF_String_New(mm, "Adobe", NULL));
            HPDF_Dict_Add(info, "Ordering",
                          HPDF_String_New(mm, "Identity", NULL));
            HPDF_Dict_AddNumber(info, "Supplement", 0);
        }
        HPDF_Dict_AddName(cid, "Type", "Font");
        HPDF_Dict_AddName(cid, "Subtype", "CIDFontType2");
        HPDF_Dict_AddName(cid, "BaseFont", name);
        HPDF_Dict_Add(cid, "CIDSystemInfo", info);
        HPDF_Dict_Add(cid, "FontDescriptor", desc);
        HPDF_Dict_Add(cid, "W", widths_array(w, cps, fd.width, n));
        HPDF_Dict_Add(cid, "CIDToGIDMap", cmap);
        HPDF_Array desc_fonts = HPDF_Array_New(mm);
        if (desc_fonts)
            HPDF_Array_Add(desc_fonts, cid);
        HPDF_Dict_AddName(pf->font, "BaseFont", name);
        HPDF_Dict_Add(pf->font, "DescendantFonts", desc_fonts);
        HPDF_Dict_Add(pf->font, "ToUnicode", tounicode);
    }
    if (pdf_ok(w) && cid) {
        pf->streams[0] = file;
        pf->streams[1] = cmap;
        pf->streams[2] = tounicode;
    } else if (pdf_ok(w)) {
        bt_error(w->ctx, bt_pos_file(w->doc->file), "PDF: cannot embed font %s",
                 bt_fonts_path(w->fonts, id));
        w->failed = 1;
    }
    bt_font_desc_free(&fd);
    free(cps);
}

/* ------------------------------------------------------------------ */
/* Text                                                               */
/* ------------------------------------------------------------------ */

static void seg_close(pdf_w *w)
{
    if (!w->seg_open)
        return;
    if (w->in_hex)
        bt_buf_putc(&w->out, '>');
    bt_buf_puts(&w->out, "]TJ\n");
    w->seg_open = 0;
    w->in_hex = 0;
}

static void text_end(pdf_w *w)
{
    seg_close(w);
    out_flush(w);
    if (w->in_text && pdf_ok(w))
        HPDF_Page_EndText(w->page);
    w->in_text = 0;
}

static void set_color(pdf_w *w, uint32_t color)
{
    if (color == w->cur_color)
        return;
    seg_close(w);
    put_channel(&w->out, color >> 16 & 0xFF);
    bt_buf_putc(&w->out, ' ');
    put_channel(&w->out, color >> 8 & 0xFF);
    bt_buf_putc(&w->out, ' ');
    put_channel(&w->out, color & 0xFF);
    bt_buf_puts(&w->out, " rg\n");
    w->cur_color = color;
}

static const char hexdig[] = "0123456789ABCDEF";

static void put_hex4(bt_buf *b, uint32_t cp)
{
    char h[4] = {hexdig[cp >> 12 & 15], hexdig[cp >> 8 & 15],
                 hexdig[cp >> 4 & 15], hexdig[cp & 15]};
    bt_buf_put(b, h, 4);
}

/* A new segment at (px, py), mpt in PDF space: Td relative to the last
 * line origin (exact: both are whole mpt). */
static void seg_open(pdf_w *w, int64_t px, int64_t py)
{
    seg_close(w);
    put_mpt(&w->out, px - w->lx);
    bt_buf_putc(&w->out, ' ');
    put_mpt(&w->out, py - w->ly);
    bt_buf_puts(&w->out, " Td[");
    w->lx = px;
    w->ly = py;
    w->seg_x = px;
    w->seg_y = py;
    w->pen = 0;
    w->seg_glyphs = 0;
    w->seg_open = 1;
    w->in_hex = 0;
}

static void draw_glyphs(pdf_w *w, const bt_box *box)
{
    const int n = box->u.run.n;
    const int32_t size = box->u.run.size;
    if (n <= 0)
        return;
    if (size <= 0) {
        bt_error(w->ctx, box->src, "PDF: font size %d mpt", (int)size);
        w->failed = 1;
        return;
    }
    pdf_font *pf = font_get(w, box->u.run.font, box->src);
    if (!pf)
        return;
    if (!w->in_text) {
        out_flush(w);
        HPDF_Page_BeginText(w->page);
        if (!pdf_ok(w))
            return;
        w->in_text = 1;
        w->lx = w->ly = 0; /* BT resets the text matrix */
    }
    if (box->u.run.font != w->cur_font || size != w->cur_size) {
        /* Tf by hand (exact size, and a third of the cost of
         * HPDF_Page_SetFontAndSize); GetLocalFontName puts the font into
         * the page's resources. */
        if (size > HPDF_MAX_FONTSIZE * 1000) {
            bt_error(w->ctx, box->src, "PDF: font size %d mpt", (int)size);
            w->failed = 1;
            return;
        }
        const char *local = HPDF_Page_GetLocalFontName(w->page, pf->font);
        if (!local || !pdf_ok(w)) {
            if (pdf_ok(w)) {
                bt_error(w->ctx, box->src, "PDF: cannot add a font resource");
                w->failed = 1;
            }
            return;
        }
        seg_close(w);
        bt_buf_putc(&w->out, '/');
        bt_buf_puts(&w->out, local);
        bt_buf_putc(&w->out, ' ');
        put_mpt(&w->out, size);
        bt_buf_puts(&w->out, " Tf\n");
        w->cur_font = box->u.run.font;
        w->cur_size = size;
    }
    set_color(w, box->u.run.color);
    /* Glyph expansion: Tz scales the glyphs and every displacement of the
     * TJ (not Td), so the pen below is counted in scaled units. */
    const int32_t expand = box->u.run.expand;
    if (expand != w->cur_expand) {
        seg_close(w);
        put_fixed(&w->out, 1000000 + (int64_t)expand * 100, 4);
        bt_buf_puts(&w->out, " Tz\n");
        w->cur_expand = expand;
    }
    const int64_t scaled = (int64_t)size * (10000 + expand);

    for (int i = 0; i < n; i++) {
        const bt_glyph *g = &box->u.run.glyphs[i];
        uint32_t cp = g->cp;
        if (cp > 0xFFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            bt_error(w->ctx, box->src,
                     "PDF: U+%04X cannot be drawn (only BMP code points)",
                     (unsigned)cp);
            w->failed = 1;
            return;
        }
        int64_t px = (int64_t)box->x + g->x;
        int64_t py = (int64_t)w->page_h - ((int64_t)box->y + g->y);
        int cont = 0;
        int64_t want = 0;
        if (w->seg_open && py == w->seg_y && w->seg_glyphs < 2000) {
            want = div_round((px - w->seg_x) * 10000000, scaled);
            /* Inside a box always continue; across boxes on the same
             * baseline only for a forward move of up to 3 em. */
            int64_t jump = want - w->pen;
            cont = i > 0 || (jump >= -50 && jump <= 3000);
        }
        if (cont) {
            int64_t adj = w->pen - want;
            if (adj) {
                if (w->in_hex)
                    bt_buf_putc(&w->out, '>');
                w->in_hex = 0;
                put_int(&w->out, adj);
                w->pen = want;
            }
        } else {
            seg_open(w, px, py);
        }
        if (!w->in_hex)
            bt_buf_putc(&w->out, '<');
        w->in_hex = 1;
        put_hex4(&w->out, cp);
        w->pen += font_width(w, pf, cp);
        w->seg_glyphs++;
    }
    if (w->out.len > 60000) { /* keep the buffer small on long pages */
        seg_close(w);
        out_flush(w);
    }
}

/* ------------------------------------------------------------------ */
/* Rules, images, links                                               */
/* ------------------------------------------------------------------ */

static HPDF_STATUS write_flate_filter(HPDF_Dict d, HPDF_Stream out);

static HPDF_STATUS write_flate_filter_name(HPDF_Dict d, HPDF_Stream out)
{
    (void)d;
    return HPDF_Stream_WriteStr(out, "/Filter /FlateDecode\012");
}

/* A raw image whose stream holds the deflated bytes z (pixels deflated
 * ahead): libharu is handed a 1x1 image, so it copies 3 bytes instead of
 * the pixels, and its Width, Height and stream are then set; the stream
 * ends as precompress_all leaves the ones it deflates. */
static HPDF_Image raw_image_z(pdf_w *w, const bt_image *im,
                              const unsigned char *z, size_t zlen,
                              HPDF_ColorSpace cs)
{
    static const HPDF_BYTE one[3];
    HPDF_Image img = HPDF_LoadRawImageFromMem(w->pdf, one, 1, 1, cs, 8);
    if (!img || !pdf_ok(w))
        return NULL;
    HPDF_Number wn = HPDF_Dict_GetItem(img, "Width", HPDF_OCLASS_NUMBER);
    HPDF_Number hn = HPDF_Dict_GetItem(img, "Height", HPDF_OCLASS_NUMBER);
    if (!wn || !hn || !img->stream || img->stream->type != HPDF_STREAM_MEMORY ||
        !pdf_ok(w))
        return NULL;
    HPDF_Number_SetValue(wn, im->width);
    HPDF_Number_SetValue(hn, im->height);
    HPDF_MemStream_FreeData(img->stream);
    mem_write(img->stream, z, zlen);
    img->filter = HPDF_STREAM_FILTER_NONE;
    img->write_fn = write_flate_filter;
    return pdf_ok(w) ? img : NULL;
}

/* The image (and its soft mask) from pixels deflated ahead. */
static HPDF_Image image_pre(pdf_w *w, const bt_image *im, const pre_img *pi)
{
    HPDF_Image img = raw_image_z(w, im, pi->z[0], pi->zlen[0],
                                 im->channels == 1 ? HPDF_CS_DEVICE_GRAY
                                                   : HPDF_CS_DEVICE_RGB);
    if (img && im->alpha && pdf_ok(w)) {
        HPDF_Image mask =
            raw_image_z(w, im, pi->z[1], pi->zlen[1], HPDF_CS_DEVICE_GRAY);
        if (mask && pdf_ok(w))
            HPDF_Image_AddSMask(img, mask);
        w->smask = 1;
    }
    return img;
}

/* A PNG's IDAT data as the image stream (image.h, route 3): the rows
 * keep their PNG filter bytes, which /Predictor 15 undoes. */
static HPDF_Image image_idat(pdf_w *w, const bt_image *im)
{
    HPDF_Image img = raw_image_z(w, im, im->idat, im->idat_len,
                                 im->channels == 1 ? HPDF_CS_DEVICE_GRAY
                                                   : HPDF_CS_DEVICE_RGB);
    HPDF_Dict parms = img ? HPDF_Dict_New(w->pdf->mmgr) : NULL;
    if (!parms || !pdf_ok(w))
        return NULL;
    HPDF_Dict_AddNumber(parms, "Predictor", 15);
    HPDF_Dict_AddNumber(parms, "Colors", im->channels);
    HPDF_Dict_AddNumber(parms, "BitsPerComponent", 8);
    HPDF_Dict_AddNumber(parms, "Columns", im->width);
    HPDF_Dict_Add(img, "DecodeParms", parms);
    /* one filter, so /DecodeParms is a dictionary and /Filter a name
     * (poppler ignores a dictionary beside a filter array) */
    img->write_fn = write_flate_filter_name;
    return pdf_ok(w) ? img : NULL;
}

static void draw_rule(pdf_w *w, const bt_box *box)
{
    if (box->w <= 0 || box->h <= 0)
        return;
    text_end(w);
    set_color(w, box->u.rule.color);
    put_mpt(&w->out, box->x);
    bt_buf_putc(&w->out, ' ');
    put_mpt(&w->out, (int64_t)w->page_h - ((int64_t)box->y + box->h));
    bt_buf_putc(&w->out, ' ');
    put_mpt(&w->out, box->w);
    bt_buf_putc(&w->out, ' ');
    put_mpt(&w->out, box->h);
    bt_buf_puts(&w->out, " re f\n");
    out_flush(w);
}

static const pre_img *pre_find(bt_pdf_images *pre, const bt_image *im);
static HPDF_Image image_pre(pdf_w *w, const bt_image *im, const pre_img *pi);

static HPDF_Image image_get(pdf_w *w, const bt_image *im, bt_pos src)
{
    for (int i = 0; i < w->nimgs; i++)
        if (w->imgs[i].key == im)
            return w->imgs[i].img;
    HPDF_Image img = NULL;
    const pre_img *pi = im->jpeg || im->idat ? NULL : pre_find(w->pre, im);
    if (im->idat && (im->channels == 1 || im->channels == 3) && im->width > 0 &&
        im->height > 0) {
        img = image_idat(w, im);
    } else if (pi) {
        img = image_pre(w, im, pi);
    } else if (im->jpeg) {
        img = HPDF_LoadJpegImageFromMem(w->pdf, im->jpeg,
                                        (HPDF_UINT)im->jpeg_len);
    } else if (im->pixels && (im->channels == 1 || im->channels == 3) &&
               im->width > 0 && im->height > 0) {
        img = HPDF_LoadRawImageFromMem(
            w->pdf, im->pixels, (HPDF_UINT)im->width, (HPDF_UINT)im->height,
            im->channels == 1 ? HPDF_CS_DEVICE_GRAY : HPDF_CS_DEVICE_RGB, 8);
        if (img && im->alpha && pdf_ok(w)) {
            HPDF_Image mask = HPDF_LoadRawImageFromMem(
                w->pdf, im->alpha, (HPDF_UINT)im->width, (HPDF_UINT)im->height,
                HPDF_CS_DEVICE_GRAY, 8);
            if (mask && pdf_ok(w))
                HPDF_Image_AddSMask(img, mask);
            w->smask = 1;
        }
    }
    if (!pdf_ok(w))
        return NULL;
    if (!img) {
        bt_error(w->ctx, src, "PDF: image cannot be embedded");
        w->failed = 1;
        return NULL;
    }
    if (w->nimgs == w->capimgs) {
        w->capimgs = w->capimgs ? 2 * w->capimgs : 16;
        w->imgs = bt_xrealloc(w->imgs, (size_t)w->capimgs * sizeof *w->imgs);
    }
    w->imgs[w->nimgs].key = im;
    w->imgs[w->nimgs].img = img;
    w->nimgs++;
    return img;
}

static void draw_image(pdf_w *w, const bt_box *box)
{
    if (!box->u.img.image || box->w <= 0 || box->h <= 0)
        return;
    text_end(w);
    HPDF_Image img = image_get(w, box->u.img.image, box->src);
    if (!img)
        return;
    HPDF_Page_DrawImage(w->page, img, (HPDF_REAL)box->x / 1000,
                        (HPDF_REAL)(w->page_h - (box->y + box->h)) / 1000,
                        (HPDF_REAL)box->w / 1000, (HPDF_REAL)box->h / 1000);
}

/* ------------------------------------------------------------------ */
/* Parking: objects kept as the bytes they will be saved as            */
/* ------------------------------------------------------------------ */

/* libharu keeps every object it made until it saves, and a dictionary
 * costs far more than its bytes (each entry holds a 128-byte key, each
 * name value 128 bytes more). An indirect dictionary that will not change
 * any more (a link annotation once made, a streamed page once drawn, the
 * outline once complete) is written now into a scratch memory stream
 * exactly as the save would write it (HPDF_Dict_Write, its before-write
 * hook included; references are "N 0 R" already, numbers are fixed) and
 * "parked": its entries and their list are freed, and the bytes between
 * "<<\012" and ">>" are kept in one block of our own (`park_blk`), which its
 * write hook copies back at the save. The dictionary itself stays, with
 * its object number and class, so references to it, the page tree's count
 * and later destinations still work. Not for stream dictionaries (their
 * /Length is set while saving).
 *
 * The block hangs on the dictionary's `filterParams`, which libharu 2.3.0
 * reads only for a stream dictionary (HPDF_Dict_Write's filter part) and
 * never frees; the dictionary's free hook frees the block, then runs the
 * hook it had (a page's frees its attributes). No entry, list array or
 * binary object is left per parked dictionary: at 5000 articles (32,000
 * links) that was 11 MB of the peak. */
typedef struct park_blk {
    HPDF_Dict_FreeFunc free_fn; /* the dictionary's own, or NULL */
    HPDF_UINT len;
    unsigned char bytes[];
} park_blk;

static int mem_copy_out(HPDF_Stream st, unsigned char *out, size_t n);

static park_blk *park_blk_of(HPDF_Dict d)
{
    return (park_blk *)(void *)d->filterParams;
}

static HPDF_STATUS write_parked(HPDF_Dict d, HPDF_Stream out)
{
    park_blk *p = park_blk_of(d);
    if (!p)
        return HPDF_SetError(d->error, HPDF_INVALID_OBJECT, 0);
    return mem_write(out, p->bytes, p->len);
}

static void free_parked(HPDF_Dict d)
{
    park_blk *p = park_blk_of(d);
    HPDF_Dict_FreeFunc inner = p ? p->free_fn : NULL;
    d->filterParams = NULL;
    free(p);
    if (inner)
        inner(d);
}

int bt_pdf_park = 1;
long bt_pdf_parked;

static void park(pdf_w *w, HPDF_Dict d)
{
    if (!bt_pdf_park || !d || d->stream || d->filterParams || !pdf_ok(w))
        return;
    if (!w->park_ms)
        w->park_ms = HPDF_MemStream_New(w->pdf->mmgr, 4096);
    HPDF_Stream ms = w->park_ms;
    if (!ms || !pdf_ok(w))
        return;
    HPDF_MemStream_FreeData(ms);
    if (HPDF_Dict_Write(d, ms, NULL) != HPDF_OK || !pdf_ok(w))
        return;
    size_t n = HPDF_Stream_Size(ms);
    if (n < 5 || n - 5 > 0x7FFFFFFF)
        return;
    park_blk *p = bt_xmalloc(sizeof *p + n);
    if (!mem_copy_out(ms, p->bytes, n) || memcmp(p->bytes, "<<\012", 3) ||
        memcmp(p->bytes + n - 2, ">>", 2)) {
        free(p); /* not as expected: left as it is */
        return;
    }
    p->len = (HPDF_UINT)(n - 5);
    memmove(p->bytes, p->bytes + 3, p->len);
    park_blk *fit = realloc(p, sizeof *p + p->len); /* exact size */
    if (fit)
        p = fit;
    p->free_fn = d->free_fn;
    for (HPDF_UINT i = 0; i < d->list->count; i++) {
        HPDF_DictElement e = HPDF_List_ItemAt(d->list, i);
        HPDF_Obj_Free(d->mmgr, e->value);
        HPDF_FreeMem(d->mmgr, e);
    }
    HPDF_List_Clear(d->list); /* frees its array too */
    d->before_write_fn = NULL;
    d->after_write_fn = NULL;
    d->write_fn = write_parked;
    d->free_fn = free_parked;
    d->filterParams = (HPDF_Dict)(void *)p;
    bt_pdf_parked++;
}

/* Sets up the /XYZ, 0 and null every destination shares. They live in
 * w, not in libharu's memory, and are marked indirect so that no array
 * frees them (HPDF_Obj_Free leaves indirect objects to the xref, which
 * does not hold these); arrays write them by value. */
static void dest_shared(pdf_w *w)
{
    if (w->xyz.header.obj_class)
        return;
    w->xyz.header.obj_class = HPDF_OCLASS_NAME;
    w->xyz.header.obj_id = HPDF_OTYPE_INDIRECT;
    w->xyz.error = w->pdf->mmgr->error;
    strcpy(w->xyz.value, "XYZ");
    w->zero.header.obj_class = HPDF_OCLASS_REAL;
    w->zero.header.obj_id = HPDF_OTYPE_INDIRECT;
    w->zero.error = w->pdf->mmgr->error;
    w->zero.value = 0;
    w->null.header.obj_class = HPDF_OCLASS_NULL;
    w->null.header.obj_id = HPDF_OTYPE_INDIRECT;
}

/* Parks a page once drawn. Its resource dictionaries go with its
 * entries: the page's own pointers to them are cleared (nothing draws on
 * it any more; the save reads only the dictionary). */
static void park_page(pdf_w *w, HPDF_Page page)
{
    if (!page || !pdf_ok(w))
        return;
    park(w, page);
    HPDF_PageAttr attr = page->attr;
    if (page->write_fn == write_parked && attr) {
        attr->fonts = NULL;
        attr->xobjects = NULL;
        attr->ext_gstates = NULL;
    }
}

/* A destination on page (1-based) at top (mpt from the top edge):
 * [page /XYZ 0 top null], which keeps the reader's zoom. libharu's
 * SetXYZ refuses zoom 0, so the array is rebuilt after it. */
static HPDF_Destination make_dest(pdf_w *w, int page, int32_t y)
{
    if (page < 1 || page > w->pages->npages)
        page = 1;
    int32_t top = w->page_h - y;
    HPDF_Page dpage;
    int32_t limit = w->page_h;
    if (!w->plan) {
        dpage = w->hp[page - 1];
    } else { /* the sheet side holding the page */
        int si = w->plan->page_side[page - 1];
        const bt_cell *c =
            &w->plan->sides[si].cell[w->plan->page_cell[page - 1]];
        int32_t sx, sy;
        bt_impose_map(c, 0, y, &sx, &sy);
        limit = w->plan->sheet_h;
        top = limit - (c->rot == 180 ? c->clip_y0 : sy);
        dpage = w->hp[si];
    }
    if (top > limit)
        top = limit;
    if (top < 0)
        top = 0;
    HPDF_Destination d = HPDF_Page_CreateDestination(dpage);
    if (!d || !pdf_ok(w))
        return NULL;
    /* [page /Fit] becomes [page /XYZ 0 top null]; /XYZ, 0 and null are
     * w's shared items (dest_shared), put in the list directly. The
     * cleared list grows by 5 slots, not libharu's 20: a destination is
     * an object of its own, kept to the save (16,000 of them in the
     * contents of a 5000-article archive: 2 MB). */
    void *target = HPDF_Array_GetItem(d, 0, HPDF_OCLASS_DICT);
    if (!target || !pdf_ok(w))
        return NULL;
    dest_shared(w);
    HPDF_Array_Clear(d);
    d->list->items_per_block = 5;
    HPDF_Array_Add(d, target);
    HPDF_List_Add(d->list, &w->xyz);
    HPDF_List_Add(d->list, &w->zero);
    HPDF_Array_AddReal(d, (HPDF_REAL)top / 1000);
    HPDF_List_Add(d->list, &w->null);
    return pdf_ok(w) ? d : NULL;
}

/* Percent-encodes bytes that may not appear raw in a URI, into w->uri
 * (reused: libharu copies the string, and an archive's 15,000 links kept
 * in the arena were 2 MB until the save). */
static const char *uri_encode(pdf_w *w, const char *uri)
{
    bt_buf *b = &w->uri;
    bt_buf_clear(b);
    for (const unsigned char *p = (const unsigned char *)uri; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7F || strchr("\"<>\\^`{|}", *p)) {
            char h[3] = {'%', hexdig[*p >> 4], hexdig[*p & 15]};
            bt_buf_put(b, h, 3);
        } else {
            bt_buf_putc(b, *p);
        }
    }
    bt_buf_putc(b, 0);
    return b->data;
}

static void draw_link(pdf_w *w, const bt_box *box)
{
    HPDF_Rect r;
    r.left = (HPDF_REAL)box->x / 1000;
    r.right = (HPDF_REAL)((int64_t)box->x + box->w) / 1000;
    r.top = (HPDF_REAL)((int64_t)w->page_h - box->y) / 1000;
    r.bottom = (HPDF_REAL)((int64_t)w->page_h - box->y - box->h) / 1000;
    if (w->cell) { /* imposed: the rectangle where the page landed */
        int32_t ax, ay, bx, by, sh = w->plan->sheet_h;
        bt_impose_map(w->cell, box->x, box->y, &ax, &ay);
        bt_impose_map(w->cell, box->x + box->w, box->y + box->h, &bx, &by);
        r.left = (HPDF_REAL)BT_MIN(ax, bx) / 1000;
        r.right = (HPDF_REAL)BT_MAX(ax, bx) / 1000;
        r.top = (HPDF_REAL)(sh - BT_MIN(ay, by)) / 1000;
        r.bottom = (HPDF_REAL)(sh - BT_MAX(ay, by)) / 1000;
    }
    HPDF_Annotation a;
    if (box->u.link.uri) {
        a = HPDF_Page_CreateURILinkAnnot(w->page, r,
                                         uri_encode(w, box->u.link.uri));
    } else {
        if (box->u.link.page < 1 || box->u.link.page > w->pages->npages) {
            bt_error(w->ctx, box->src, "PDF: link to page %d of %d",
                     box->u.link.page, w->pages->npages);
            w->failed = 1;
            return;
        }
        HPDF_Destination d = make_dest(w, box->u.link.page, box->u.link.y);
        if (!d)
            return;
        a = HPDF_Page_CreateLinkAnnot(w->page, r, d);
    }
    if (a && pdf_ok(w))
        HPDF_LinkAnnot_SetBorderStyle(a, 0, 0, 0);
    if (a && pdf_ok(w))
        park(w, a);
}

/* ------------------------------------------------------------------ */
/* Pages                                                              */
/* ------------------------------------------------------------------ */

/* Draws one laid-out page into `target`'s content stream, in the page's
 * own coordinates: the one drawing function for plain and imposed output
 * (the caller wraps it in q, clip and cm for a sheet; w->cell then maps
 * link rectangles). */
static void draw_page(pdf_w *w, HPDF_Page target, const bt_page *pg)
{
    w->page = target;
    w->stream = ((HPDF_PageAttr)w->page->attr)->stream;
    w->in_text = 0;
    w->cur_font = BT_FONT_NONE;
    w->cur_size = 0;
    w->cur_expand = 0;       /* Tz 100 */
    w->cur_color = 0x000000; /* the initial fill is black */
    w->seg_open = 0;
    w->in_hex = 0;
    bt_buf_clear(&w->out);
    for (int i = 0; i < pg->nboxes && pdf_ok(w); i++) {
        const bt_box *box = &pg->boxes[i];
        switch (box->kind) {
        case BT_BOX_GLYPHS:
            draw_glyphs(w, box);
            break;
        case BT_BOX_RULE:
            draw_rule(w, box);
            break;
        case BT_BOX_IMAGE:
            draw_image(w, box);
            break;
        case BT_BOX_LINK:
            draw_link(w, box);
            break;
        }
    }
    text_end(w);
}

/* ------------------------------------------------------------------ */
/* Compression                                                        */
/* ------------------------------------------------------------------ */

/* libharu 2.3.0 deflates every stream at zlib's default level (6) when it
 * saves, with no way to choose. Page contents and raw images (the bulk of
 * the bytes) are deflated here instead, at PDF_DEFLATE_LEVEL (3: on 100
 * articles 245 M fewer instructions than level 6, PDF 10 % larger; level
 * 1 saves 27 M more for another 6 %): the stream
 * gets the compressed bytes, its filter is set to none (so libharu copies
 * them as they are) and the dictionary's write hook adds the /Filter
 * entry. The fonts' streams are deflated the same way (font_jobs), on
 * the same two threads. */
#ifndef PDF_DEFLATE_LEVEL
#define PDF_DEFLATE_LEVEL 3
#endif

/* 1 when streams are deflated here (at a level other than libharu's). */
static int own_deflate(void)
{
    return PDF_DEFLATE_LEVEL != Z_DEFAULT_COMPRESSION && PDF_DEFLATE_LEVEL != 6;
}

static HPDF_STATUS write_flate_filter(HPDF_Dict d, HPDF_Stream out)
{
    (void)d;
    return HPDF_Stream_WriteStr(out, "/Filter [/FlateDecode]\012");
}

/* One stream to deflate: its raw bytes are copied out of libharu first,
 * deflated with plain zlib (no libharu call, so two threads can do it),
 * and put back by the thread that owns the document. */
typedef struct zjob {
    HPDF_Dict d;
    unsigned char *raw, *z;
    size_t n;
    uLongf zlen;
    int level;
    int ok;
} zjob;

typedef struct zqueue {
    zjob *jobs;
    int n, next;
    pthread_mutex_t mu;
} zqueue;

/* Deflates j->raw into j->z (plain zlib, no libharu: any thread). */
static void zjob_run(zjob *j)
{
    j->zlen = compressBound((uLong)j->n);
    j->z = bt_xmalloc(j->zlen);
    j->ok = compress2(j->z, &j->zlen, j->raw, (uLong)j->n, j->level) == Z_OK;
    if (j->ok) { /* keep the peak low: raw bytes are not needed now */
        free(j->raw);
        j->raw = NULL;
    }
}

static void *zworker(void *arg)
{
    zqueue *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        int i = q->next++;
        pthread_mutex_unlock(&q->mu);
        if (i >= q->n)
            return NULL;
        zjob_run(&q->jobs[i]);
    }
}

/* Copies the n bytes of memory stream st into out, buffer by buffer with
 * memcpy (HPDF_Stream_Read copies a byte at a time). 0 when the buffers
 * do not add up to n. */
static int mem_copy_out(HPDF_Stream st, unsigned char *out, size_t n)
{
    size_t got = 0;
    HPDF_UINT nb = HPDF_MemStream_GetBufCount(st);
    for (HPDF_UINT i = 0; i < nb && got < n; i++) {
        HPDF_UINT len = 0;
        HPDF_BYTE *p = HPDF_MemStream_GetBufPtr(st, i, &len);
        if (!p || len > n - got)
            return 0;
        memcpy(out + got, p, len);
        got += len;
    }
    return got == n;
}

/* Writes n bytes into the emptied memory stream st (zjob_take freed its
 * data) as one buffer of exactly n bytes: libharu grows a memory stream
 * in 4 KiB buffers, on average 2 KiB too many for every page kept until
 * the save. */
static void stream_put_exact(HPDF_Stream st, const void *p, size_t n)
{
    if (!n)
        return;
    HPDF_MemStreamAttr a = st->attr;
    if (st->type == HPDF_STREAM_MEMORY && st->size == 0 &&
        HPDF_MemStream_GetBufCount(st) == 0) {
        a->buf_siz = (HPDF_UINT)n; /* the next write takes a new buffer */
        a->w_pos = (HPDF_UINT)n;
        a->w_ptr = NULL;
    }
    mem_write(st, p, n);
}

/* Copies the raw bytes of d into a new job; 0 when d is not a memory
 * stream awaiting libharu's deflate (then libharu keeps it). */
static int zjob_take(pdf_w *w, HPDF_Dict d, int level, zjob *j)
{
    if (!d || !d->stream || d->filter != HPDF_STREAM_FILTER_FLATE_DECODE ||
        d->before_write_fn || d->write_fn ||
        d->stream->type != HPDF_STREAM_MEMORY)
        return 0;
    HPDF_UINT32 n = HPDF_Stream_Size(d->stream);
    memset(j, 0, sizeof *j);
    j->d = d;
    j->n = n;
    j->level = level;
    j->raw = bt_xmalloc(n ? n : 1);
    if (n && !mem_copy_out(d->stream, j->raw, n)) {
        free(j->raw);
        HPDF_ResetError(w->pdf); /* leave this stream to libharu */
        w->err.code = 0;
        return 0;
    }
    /* libharu's copy goes now, so the raw bytes exist once */
    HPDF_MemStream_FreeData(d->stream);
    return 1;
}

/* The fonts' streams (FontFile2, CIDToGIDMap, ToUnicode) join the
 * deflate jobs at `level`, font by font in id order. Returns the jobs
 * added. */
static int font_jobs(pdf_w *w, int level, zjob *jobs)
{
    int nj = 0;
    for (int i = 0; i < w->nfonts && pdf_ok(w); i++)
        if (w->font[i])
            for (int k = 0; k < 3; k++)
                nj += zjob_take(w, w->font[i]->streams[k], level, &jobs[nj]);
    return nj;
}

/* Deflates page contents and raw images (and their soft masks) at
 * PDF_DEFLATE_LEVEL, and the fonts' streams too, with a
 * second thread when there is more than one stream: the jobs are
 * independent and put back in a fixed order, so the bytes do not depend
 * on the scheduling. */
static void precompress_all(pdf_w *w)
{
    const int level = PDF_DEFLATE_LEVEL;
    if (!own_deflate())
        return;
    int nhp = w->plan ? w->plan->nsides : w->pages->npages;
    zqueue q;
    memset(&q, 0, sizeof q);
    q.jobs = bt_xmalloc(sizeof *q.jobs *
                        (size_t)(nhp + 2 * w->nimgs + 3 * w->nfonts + 1));
    q.n += font_jobs(w, level, q.jobs);
    for (int i = 0; i < w->nimgs && pdf_ok(w); i++) {
        HPDF_Image img = w->imgs[i].img;
        HPDF_Dict mask = HPDF_Dict_GetItem(img, "SMask", HPDF_OCLASS_DICT);
        if (!pdf_ok(w))
            break;
        q.n += zjob_take(w, img, level, &q.jobs[q.n]);
        if (mask)
            q.n += zjob_take(w, mask, level, &q.jobs[q.n]);
    }
    for (int i = 0; i < nhp && pdf_ok(w); i++)
        if (w->hp && w->hp[i])
            q.n += zjob_take(w, ((HPDF_PageAttr)w->hp[i]->attr)->contents,
                             level, &q.jobs[q.n]);
    pthread_mutex_init(&q.mu, NULL);
    pthread_t th;
    int threaded =
        q.n > 1 && bt_pdf_threads && bt_fsout_thread(&th, zworker, &q) == 0;
    zworker(&q);
    if (threaded)
        pthread_join(th, NULL);
    pthread_mutex_destroy(&q.mu);
    for (int i = 0; i < q.n; i++) {
        zjob *j = &q.jobs[i];
        if (j->ok) {
            stream_put_exact(j->d->stream, j->z, j->zlen);
            j->d->filter = HPDF_STREAM_FILTER_NONE;
            j->d->write_fn = write_flate_filter;
        } else if (j->n) { /* zlib failed: back to libharu's deflate */
            stream_put_exact(j->d->stream, j->raw, j->n);
        }
        free(j->raw);
        free(j->z);
    }
    free(q.jobs);
}

/* ---- fonts made while the pages are drawn ---- */

/* A replayed bulletin's pages all exist before the first is drawn
 * (bt_page_sink.held), so the code points each font will draw are known
 * then. A thread subsets the fonts and deflates their three streams while
 * the pages are drawn, and font_embed takes a font's result when the font
 * drew exactly those code points (it always should; otherwise the font is
 * made as before). The bytes are the same: the same subset of the same
 * code points, deflated by the same zlib call. The widths the drawing
 * asks for are read before the thread starts, so that drawing never waits
 * on the fonts' lock while the thread holds it. */
typedef struct ahead_font {
    uint32_t id;
    unsigned char used[65536 / 8];
    uint32_t *cps;  /* the code points drawn, in order */
    int32_t *width; /* theirs, as bt_fonts_pdf_width gives them */
    int n;
    bt_font_desc fd;
    zjob z[3]; /* FontFile2, CIDToGIDMap, ToUnicode, deflated */
    int ok;    /* fd and z made */
} ahead_font;

struct fonts_ahead {
    const bt_fonts *fonts;
    ahead_font **by_id; /* [nid], NULL for a font no page draws */
    int nid;
    pthread_t th;
    int running; /* th started and not joined */
};

long bt_pdf_fonts_ahead; /* fonts taken from the thread (tests) */

static void *ahead_main(void *arg)
{
    struct fonts_ahead *fa = arg;
    for (int i = 0; i < fa->nid; i++) {
        ahead_font *a = fa->by_id[i];
        if (!a || bt_fonts_describe(fa->fonts, a->id, a->cps, a->n, &a->fd))
            continue;
        bt_buf b[3] = {BT_BUF_INIT, BT_BUF_INIT, BT_BUF_INIT};
        bt_buf_put(&b[0], a->fd.ttf.data, a->fd.ttf.len);
        font_maps(a->cps, a->n, &a->fd, &b[1], &b[2]);
        a->ok = 1;
        for (int k = 0; k < 3; k++) {
            zjob *j = &a->z[k];
            j->n = b[k].len;
            j->level = PDF_DEFLATE_LEVEL;
            j->raw = bt_xmalloc(j->n ? j->n : 1);
            if (j->n)
                memcpy(j->raw, b[k].data, j->n);
            bt_buf_free(&b[k]);
            zjob_run(j);
            a->ok &= j->ok;
        }
    }
    return NULL;
}

static void ahead_join(struct fonts_ahead *fa)
{
    if (fa && fa->running) {
        pthread_join(fa->th, NULL);
        fa->running = 0;
    }
}

static void ahead_free(struct fonts_ahead *fa)
{
    if (!fa)
        return;
    ahead_join(fa);
    for (int i = 0; i < fa->nid; i++) {
        ahead_font *a = fa->by_id[i];
        if (!a)
            continue;
        free(a->cps);
        free(a->width);
        bt_font_desc_free(&a->fd);
        for (int k = 0; k < 3; k++) {
            free(a->z[k].raw);
            free(a->z[k].z);
        }
        free(a);
    }
    free(fa->by_id);
    free(fa);
}

/* The code points the pages draw, font by font, as draw_glyphs marks them;
 * NULL when there is nothing to make, or a glyph the drawing refuses. */
static struct fonts_ahead *ahead_plan(const bt_fonts *fonts,
                                      const bt_page *pages, int npages)
{
    int nid = fonts ? bt_fonts_count(fonts) : 0;
    if (nid <= 0)
        return NULL;
    struct fonts_ahead *fa = bt_xcalloc(1, sizeof *fa);
    fa->fonts = fonts;
    fa->nid = nid;
    fa->by_id = bt_xcalloc((size_t)nid, sizeof *fa->by_id);
    for (int p = 0; p < npages; p++)
        for (int b = 0; b < pages[p].nboxes; b++) {
            const bt_box *box = &pages[p].boxes[b];
            if (box->kind != BT_BOX_GLYPHS || box->u.run.n <= 0)
                continue;
            uint32_t id = box->u.run.font;
            if (box->u.run.size <= 0 || id >= (uint32_t)nid) {
                ahead_free(fa);
                return NULL;
            }
            ahead_font *a = fa->by_id[id];
            if (!a) {
                a = fa->by_id[id] = bt_xcalloc(1, sizeof *a);
                a->id = id;
            }
            for (int i = 0; i < box->u.run.n; i++) {
                uint32_t cp = box->u.run.glyphs[i].cp;
                if (cp > 0xFFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                    ahead_free(fa);
                    return NULL;
                }
                a->used[cp >> 3] |= (unsigned char)(1u << (cp & 7));
            }
        }
    for (int i = 0; i < nid; i++) {
        ahead_font *a = fa->by_id[i];
        if (!a)
            continue;
        a->cps = bt_xmalloc(used_count(a->used) * sizeof *a->cps);
        a->n = used_cps(a->used, a->cps);
        a->width = bt_xmalloc((size_t)(a->n ? a->n : 1) * sizeof *a->width);
        for (int k = 0; k < a->n; k++)
            a->width[k] = bt_fonts_pdf_width(fonts, a->id, a->cps[k]);
    }
    return fa;
}

static int32_t ahead_width(const struct fonts_ahead *fa, uint32_t id,
                           uint32_t cp)
{
    const ahead_font *a = fa && id < (uint32_t)fa->nid ? fa->by_id[id] : NULL;
    if (!a)
        return WIDTH_UNKNOWN;
    int lo = 0, hi = a->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (a->cps[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->n && a->cps[lo] == cp ? a->width[lo] : WIDTH_UNKNOWN;
}

/* A stream holding bytes deflated already, as precompress_all leaves one. */
static HPDF_Dict font_stream_z(pdf_w *w, const zjob *j)
{
    HPDF_Dict d = HPDF_DictStream_New(w->pdf->mmgr, w->pdf->xref);
    if (!d || !pdf_ok(w))
        return NULL;
    stream_put_exact(d->stream, j->z, j->zlen);
    d->filter = HPDF_STREAM_FILTER_NONE;
    d->write_fn = write_flate_filter;
    return d;
}

/* 1 when pf's font was made ahead for exactly the code points it drew:
 * *fd gets its description and st[] its three streams (the FontFile2,
 * then the others while the one before exists, as font_embed makes
 * them); 0 otherwise. */
static int ahead_embed(pdf_w *w, const pdf_font *pf, bt_font_desc *fd,
                       HPDF_Dict st[3])
{
    struct fonts_ahead *fa = w->ahead;
    if (!fa)
        return 0;
    ahead_join(fa);
    ahead_font *a = pf->id < (uint32_t)fa->nid ? fa->by_id[pf->id] : NULL;
    if (!a || !a->ok || memcmp(a->used, pf->used, sizeof a->used) != 0)
        return 0;
    for (int k = 0; k < 3 && (k == 0 || st[k - 1]); k++)
        st[k] = font_stream_z(w, &a->z[k]);
    *fd = a->fd;
    memset(&a->fd, 0, sizeof a->fd);
    a->ok = 0; /* taken */
    bt_pdf_fonts_ahead++;
    return 1;
}

/* ---- page contents in a scratch file ---- */

/* A streamed PDF keeps every drawn page's deflated content until it
 * saves: most of the PDF's bytes (18 of 30 MB at 5000 articles). With a
 * spool folder (bt_pdf_sink_spool), a page's content goes to a scratch
 * file there (bt_fsout_scratch: unlinked, gone with its descriptor) and
 * its stream becomes one that reads that range back at the save, so the
 * bytes written are the same. The first bt_pdf_spool_after bytes
 * (BT_PDF_SPOOL_AFTER) stay in memory: a bulletin of a few pages needs no
 * more disk than before. A scratch file that cannot be made or written
 * only turns this off: the pages stay in memory, as before. */
typedef struct spool_at {
    int fd;
    uint64_t off; /* the content's first byte in the file */
    HPDF_UINT len, pos;
} spool_at;

long bt_pdf_spooled;
unsigned long bt_pdf_spool_after = BT_PDF_SPOOL_AFTER;

static HPDF_STATUS spool_read(HPDF_Stream st, HPDF_BYTE *buf, HPDF_UINT *size)
{
    spool_at *a = st->attr;
    HPDF_UINT want = BT_MIN(*size, a->len - a->pos), got = 0;
    while (got < want) {
        ssize_t r =
            pread(a->fd, buf + got, want - got, (off_t)(a->off + a->pos + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            *size = got;
            return HPDF_SetError(st->error, HPDF_FILE_IO_ERROR,
                                 (HPDF_STATUS)(r < 0 ? errno : EIO));
        }
        got += (HPDF_UINT)r;
    }
    a->pos += got;
    *size = got;
    return a->pos == a->len ? HPDF_STREAM_EOF : HPDF_OK;
}

static HPDF_STATUS spool_seek(HPDF_Stream st, HPDF_INT pos,
                              HPDF_WhenceMode mode)
{
    spool_at *a = st->attr;
    int64_t p = mode == HPDF_SEEK_CUR   ? (int64_t)a->pos + pos
                : mode == HPDF_SEEK_END ? (int64_t)a->len - pos
                                        : pos;
    if (p < 0 || p > a->len)
        return HPDF_SetError(st->error, HPDF_STREAM_EOF, 0);
    a->pos = (HPDF_UINT)p;
    return HPDF_OK;
}

static HPDF_INT32 spool_tell(HPDF_Stream st)
{
    return (HPDF_INT32)((spool_at *)st->attr)->pos;
}

static HPDF_UINT32 spool_size(HPDF_Stream st)
{
    return ((spool_at *)st->attr)->len;
}

static void spool_free(HPDF_Stream st)
{
    free(st->attr);
    st->attr = NULL;
}

/* Puts page's deflated content (n bytes) into the scratch file and its
 * contents stream over it. 0 when it is not spooled (then the caller
 * keeps the bytes in memory). */
static int spool_page(pdf_w *w, HPDF_Page page, HPDF_Dict d, const void *z,
                      size_t n)
{
    if (!w->spool_dir || w->spool_state < 0 || w->spool_state > 1 || !n ||
        n > 0x7FFFFFFF)
        return 0;
    if (w->spool_kept + n <= bt_pdf_spool_after) {
        w->spool_kept += n;
        return 0;
    }
    if (w->spool_state == 0) {
        w->spool_fd = bt_fsout_scratch(w->spool_dir);
        w->spool_state = w->spool_fd >= 0 ? 1 : -1;
        if (w->spool_state < 0)
            return 0;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t r = pwrite(w->spool_fd, (const char *)z + done, n - done,
                           (off_t)(w->spool_off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) { /* a full disk: the next pages stay in memory (the
                         pages spooled before still read the file) */
            w->spool_state = 2;
            return 0;
        }
        done += (size_t)r;
    }
    HPDF_Stream st = HPDF_GetMem(w->pdf->mmgr, sizeof(HPDF_Stream_Rec));
    if (!st) {
        HPDF_ResetError(w->pdf); /* memory stays where it was */
        w->err.code = 0;
        return 0;
    }
    spool_at *a = bt_xcalloc(1, sizeof *a);
    a->fd = w->spool_fd;
    a->off = w->spool_off;
    a->len = (HPDF_UINT)n;
    memset(st, 0, sizeof *st);
    st->sig_bytes = HPDF_STREAM_SIG_BYTES;
    st->type = HPDF_STREAM_CALLBACK;
    st->mmgr = w->pdf->mmgr;
    st->error = w->pdf->mmgr->error;
    st->read_fn = spool_read;
    st->seek_fn = spool_seek;
    st->tell_fn = spool_tell;
    st->size_fn = spool_size;
    st->free_fn = spool_free;
    st->attr = a;
    HPDF_Stream old = d->stream;
    d->stream = st;
    HPDF_PageAttr pa = page->attr;
    if (pa->stream == old)
        pa->stream = st;
    HPDF_Stream_Free(old);
    w->spool_off += n;
    bt_pdf_spooled++;
    return 1;
}

/* Deflates one page's content now, in this thread, exactly as
 * precompress_all would at the end (which then passes it by): a streamed
 * PDF keeps each page's content compressed, not raw, until it saves. */
/* Takes the page's raw content into j for deflating; 0 when libharu keeps
 * it (the default level, or not a plain memory stream). */
static int page_job(pdf_w *w, HPDF_Page page, zjob *j)
{
    const int level = PDF_DEFLATE_LEVEL;
    if (level == Z_DEFAULT_COMPRESSION || level == 6 || !page || !pdf_ok(w))
        return 0;
    return zjob_take(w, ((HPDF_PageAttr)page->attr)->contents, level, j);
}

/* Puts a page's deflated content (or, when deflate failed, its raw bytes)
 * back into its stream, or the scratch file, and frees the job's
 * buffers. */
static void page_install(pdf_w *w, HPDF_Page page, zjob *j)
{
    if (j->ok) {
        if (!spool_page(w, page, j->d, j->z, j->zlen))
            stream_put_exact(j->d->stream, j->z, j->zlen);
        j->d->filter = HPDF_STREAM_FILTER_NONE;
        j->d->write_fn = write_flate_filter;
    } else if (j->n) {
        stream_put_exact(j->d->stream, j->raw, j->n);
    }
    free(j->raw);
    free(j->z);
    j->raw = j->z = NULL;
}

static void precompress_page(pdf_w *w, HPDF_Page page)
{
    zjob j;
    if (!page_job(w, page, &j))
        return;
    zjob_run(&j);
    page_install(w, page, &j);
}

/* Streamed pages are deflated in a second thread while the layout goes
 * on (jobpipe.h): the drawing thread hands a page's raw content over and,
 * later, puts the deflated bytes back and parks the page, always in page
 * order (so the scratch file and the bytes are those of a one-thread
 * build). The worker calls no libharu function. */
long bt_pdf_piped;
int bt_pdf_threads = 1;

typedef struct zpage {
    zjob j;
    HPDF_Page page;
} zpage;

static void zpage_run(void *job)
{
    zjob_run(&((zpage *)job)->j);
}

/* A pipe with its thread running, or NULL (then pages are deflated in
 * the drawing thread, as before). */
static bt_pipe *zpipe_start(void)
{
    return bt_pdf_threads ? bt_pipe_start(zpage_run) : NULL;
}

/* Installs and parks the oldest page in flight once it is deflated
 * (waiting for it when `wait`); 0 when there was none to install. */
static int zpipe_retire(pdf_w *w, bt_pipe *z, int wait)
{
    zpage *zp = bt_pipe_retire(z, wait);
    if (!zp)
        return 0;
    if (w) {
        page_install(w, zp->page, &zp->j);
        park_page(w, zp->page);
    } else { /* the pass's PDF was dropped */
        free(zp->j.raw);
        free(zp->j.z);
    }
    free(zp);
    return 1;
}

/* Every page in flight installed (or, w NULL, dropped). */
static void zpipe_drain(pdf_w *w, bt_pipe *z)
{
    while (z && zpipe_retire(w, z, 1))
        ;
}

/* Hands page (drawn) over: deflated beside the caller, installed and
 * parked by a later call. A page whose content libharu keeps is parked
 * now, after those before it. */
static void zpipe_page(pdf_w *w, bt_pipe *z, HPDF_Page page)
{
    zjob j;
    if (!page_job(w, page, &j)) {
        zpipe_drain(w, z);
        park_page(w, page);
        return;
    }
    if (bt_pipe_full(z))
        zpipe_retire(w, z, 1);
    zpage *zp = bt_xmalloc(sizeof *zp);
    zp->j = j;
    zp->page = page;
    bt_pipe_put(z, zp);
    bt_pdf_piped++;
    while (zpipe_retire(w, z, 0)) /* what is ready already */
        ;
}

/* ------------------------------------------------------------------ */
/* Document-level: outline, info, labels, /ID                         */
/* ------------------------------------------------------------------ */

/* Outline items are parked a section at a time: a section and its items
 * once the next section exists (libharu adds /Next to the last top-level
 * item then; the section's /Count counts its items while they are whole),
 * the rest at the end. The root's /Count, which libharu would count
 * through the parked items at the save, is added here: every item counts
 * once (sections are open, their items have none). */
static void write_outline(pdf_w *w)
{
    HPDF_Outline section = NULL;
    int n = w->pages->noutline, made = 0, parked = 0;
    HPDF_Outline *items = bt_xcalloc((size_t)(n > 0 ? n : 1), sizeof *items);
    for (int i = 0; i < n && pdf_ok(w); i++) {
        const bt_outline *o = &w->pages->outline[i];
        char *title = bt_arena_strndup(
            &w->ctx->arena, o->title.ptr ? o->title.ptr : "", o->title.len);
        HPDF_Outline parent = o->level > 0 ? section : NULL;
        HPDF_Outline item = HPDF_CreateOutline(w->pdf, parent, title, w->utf8);
        if (!item || !pdf_ok(w))
            break;
        items[made++] = item;
        HPDF_Destination d = make_dest(w, o->page, o->y);
        if (!d)
            break;
        HPDF_Outline_SetDestination(item, d);
        if (o->level == 0) {
            HPDF_Outline_SetOpened(item, HPDF_TRUE);
            section = item;
            for (; parked < made - 1 && pdf_ok(w); parked++)
                park(w, items[parked]);
        }
    }
    if (made == n && pdf_ok(w)) {
        for (; parked < made && pdf_ok(w); parked++)
            park(w, items[parked]);
        HPDF_Outline root = w->pdf->outlines;
        if (n > 0 && root && pdf_ok(w)) {
            root->before_write_fn = NULL;
            HPDF_Dict_AddNumber(root, "Count", n);
        }
    }
    free(items);
    if (n > 0 && pdf_ok(w))
        HPDF_SetPageMode(w->pdf, HPDF_PAGE_MODE_USE_OUTLINE);
}

static void set_info(pdf_w *w, HPDF_InfoType type, bt_buf *b)
{
    if (b->len && pdf_ok(w))
        HPDF_SetInfoAttr(w->pdf, type, b->data);
    bt_buf_clear(b);
}

static void write_info(pdf_w *w)
{
    const bt_doc *doc = w->doc;
    bt_buf b = BT_BUF_INIT;

    bt_buf_put(&b, doc->title.text.ptr, doc->title.text.len);
    if (doc->number.text.len) {
        bt_buf_puts(&b, b.len ? " – Số " : "Số ");
        bt_buf_put(&b, doc->number.text.ptr, doc->number.text.len);
    }
    set_info(w, HPDF_INFO_TITLE, &b);

    if (doc->publisher.text.len) {
        bt_buf_put(&b, doc->publisher.text.ptr, doc->publisher.text.len);
    } else if (doc->narticles == 1) {
        const bt_article *art = NULL;
        for (const bt_section *s = doc->sections; s && !art; s = s->next)
            art = s->articles;
        for (const bt_author *au = art ? art->authors : NULL; au;
             au = au->next) {
            if (b.len)
                bt_buf_puts(&b, ", ");
            bt_buf_put(&b, au->name.text.ptr, au->name.text.len);
        }
    }
    set_info(w, HPDF_INFO_AUTHOR, &b);

    if (doc->subtitle.text.len)
        bt_buf_put(&b, doc->subtitle.text.ptr, doc->subtitle.text.len);
    else
        bt_buf_puts(&b, "Bản tin");
    set_info(w, HPDF_INFO_SUBJECT, &b);

    const bt_section *s;
    bt_section_foreach(doc, s) {
        if (!s->title.text.len)
            continue;
        if (b.len)
            bt_buf_puts(&b, ", ");
        bt_buf_put(&b, s->title.text.ptr, s->title.text.len);
    }
    set_info(w, HPDF_INFO_KEYWORDS, &b);

    bt_buf_puts(&b, "bantin " BT_VERSION);
    set_info(w, HPDF_INFO_CREATOR, &b);
    bt_buf_free(&b);

    const bt_time *t = &doc->stamp;
    if (t->y > 0 && pdf_ok(w)) {
        HPDF_Date d;
        memset(&d, 0, sizeof d);
        d.year = t->y;
        d.month = t->mo;
        d.day = t->d;
        d.hour = t->h;
        d.minutes = t->mi;
        d.seconds = t->s;
        d.ind = '+'; /* UTC; 'Z' trips libharu's PDF/A checks (notes §7) */
        HPDF_SetInfoDateAttr(w->pdf, HPDF_INFO_CREATION_DATE, d);
        if (pdf_ok(w))
            HPDF_SetInfoDateAttr(w->pdf, HPDF_INFO_MOD_DATE, d);
    }
}

/* A fixed /ID from the title, number and date, so that identical inputs
 * give identical files and readers still get an ID. */
static void write_id(pdf_w *w)
{
    const bt_doc *doc = w->doc;
    HPDF_MD5_CTX md5;
    HPDF_BYTE digest[16];
    char stamp[64];
    HPDF_MD5Init(&md5);
    HPDF_MD5Update(&md5, (const HPDF_BYTE *)"bantin\0", 7);
    if (doc->title.text.len)
        HPDF_MD5Update(&md5, (const HPDF_BYTE *)doc->title.text.ptr,
                       (HPDF_UINT32)doc->title.text.len);
    HPDF_MD5Update(&md5, (const HPDF_BYTE *)"\0", 1);
    if (doc->number.text.len)
        HPDF_MD5Update(&md5, (const HPDF_BYTE *)doc->number.text.ptr,
                       (HPDF_UINT32)doc->number.text.len);
    int n =
        snprintf(stamp, sizeof stamp, "%c%04d-%02d-%02d %lld", 0, doc->stamp.y,
                 doc->stamp.mo, doc->stamp.d, (long long)doc->stamp.epoch);
    HPDF_MD5Update(&md5, (const HPDF_BYTE *)stamp, (HPDF_UINT32)n);
    HPDF_MD5Final(digest, &md5);

    HPDF_Array id = HPDF_Array_New(w->pdf->mmgr);
    if (!id || !pdf_ok(w))
        return;
    if (HPDF_Dict_Add(w->pdf->trailer, "ID", id) != HPDF_OK)
        return;
    HPDF_Array_Add(id, HPDF_Binary_New(w->pdf->mmgr, digest, 16));
    HPDF_Array_Add(id, HPDF_Binary_New(w->pdf->mmgr, digest, 16));
}

/* ------------------------------------------------------------------ */
/* Entry point                                                        */
/* ------------------------------------------------------------------ */

/* libharu's save writes through this stream straight into the temp file
 * (bt_fsout_put keeps the first write error), so the saved PDF is never
 * held in memory beside the document. */
static HPDF_STATUS file_write(HPDF_Stream stream, const HPDF_BYTE *ptr,
                              HPDF_UINT siz)
{
    bt_fsout_file *f = stream->attr;
    bt_fsout_put(f, ptr, siz);
    return f->err ? HPDF_SetError(stream->error, HPDF_FILE_IO_ERROR,
                                  (HPDF_STATUS)f->err)
                  : HPDF_OK;
}

/* Saves with bt_fsout's checked writes, fsync and close: HPDF_SaveToFile
 * ignores a failed final flush (a full disk gave a truncated PDF and no
 * error), so libharu never opens the file. HPDF_SaveToStream writes into
 * the document's stream when one is set (libharu 2.3.0 makes a memory
 * stream only when there is none): here a callback stream over the temp
 * file, freed with the document. */
static void pdf_save(pdf_w *w, const char *path)
{
    const char *name = bt_fsout_name(path);
    bt_fsout_file f;
    if (bt_fsout_open(w->ctx, path, &f) != 0) {
        w->failed = 1;
        return;
    }
    HPDF_STATUS st = HPDF_INVALID_STREAM;
    HPDF_Stream out = HPDF_CallbackWriter_New(w->pdf->mmgr, file_write, &f);
    if (out && !w->pdf->stream) {
        w->pdf->stream = out;
        uint64_t t0 = bt_time_ns();
        st = HPDF_SaveToStream(w->pdf);
        bt_timing_add(BT_T_PDF_SAVE, bt_time_ns() - t0);
    } else if (out) {
        HPDF_Stream_Free(out);
    }
    int rc = bt_fsout_close(w->ctx, &f, st != HPDF_OK && !f.err);
    if (rc == -2)
        bt_error(w->ctx, bt_pos_file(0),
                 "cannot write '%s': libharu error 0x%04X (detail %u)", name,
                 (unsigned)(w->err.code ? w->err.code : st),
                 (unsigned)w->err.detail);
    if (rc != 0)
        w->failed = 1;
}

/* ------------------------------------------------------------------ */
/* Imposed output: laid-out pages drawn onto sheet sides              */
/* ------------------------------------------------------------------ */

static void draw_cell(pdf_w *w, HPDF_Page sheet, const bt_cell *c)
{
    const bt_page *pg = c->page >= 0 ? &w->pages->pages[c->page]
                        : c->note    ? w->note
                                     : NULL;
    if (!pg || !pg->nboxes)
        return;
    const double H = w->plan->sheet_h, s = (double)c->scale / 1e6;
    const double ph = w->pages->height;
    HPDF_Page_GSave(sheet);
    HPDF_Page_Rectangle(sheet, (HPDF_REAL)(c->clip_x0 / 1000.0),
                        (HPDF_REAL)((H - c->clip_y1) / 1000.0),
                        (HPDF_REAL)((c->clip_x1 - c->clip_x0) / 1000.0),
                        (HPDF_REAL)((c->clip_y1 - c->clip_y0) / 1000.0));
    HPDF_Page_Clip(sheet);
    HPDF_Page_EndPath(sheet);
    if (c->rot == 180)
        HPDF_Page_Concat(sheet, (HPDF_REAL)-s, 0, 0, (HPDF_REAL)-s,
                         (HPDF_REAL)(c->x / 1000.0),
                         (HPDF_REAL)((H - c->y + ph * s) / 1000.0));
    else
        HPDF_Page_Concat(sheet, (HPDF_REAL)s, 0, 0, (HPDF_REAL)s,
                         (HPDF_REAL)(c->x / 1000.0),
                         (HPDF_REAL)((H - c->y - ph * s) / 1000.0));
    if (!pdf_ok(w))
        return;
    w->cell = c;
    draw_page(w, sheet, pg);
    w->cell = NULL;
    if (pdf_ok(w))
        HPDF_Page_GRestore(sheet);
}

/* A [x0 y0 x1 y1] box in PDF coordinates from sheet mpt (y down). */
static void set_box(pdf_w *w, HPDF_Page sheet, const char *key, int32_t x0,
                    int32_t y0, int32_t x1, int32_t y1)
{
    const int32_t W = w->plan->sheet_w, H = w->plan->sheet_h;
    HPDF_Array a = HPDF_Array_New(w->pdf->mmgr);
    if (!a || HPDF_Dict_Add(sheet, key, a) != HPDF_OK)
        return;
    HPDF_Array_AddReal(a, (HPDF_REAL)(BT_MAX(x0, 0) / 1000.0));
    HPDF_Array_AddReal(a, (HPDF_REAL)(BT_MAX(H - y1, 0) / 1000.0));
    HPDF_Array_AddReal(a, (HPDF_REAL)(BT_MIN(x1, W) / 1000.0));
    HPDF_Array_AddReal(a, (HPDF_REAL)(BT_MIN(H - y0, H) / 1000.0));
}

static void draw_imposed(pdf_w *w)
{
    const bt_plan *pl = w->plan;
    w->hp = bt_xcalloc((size_t)pl->nsides, sizeof *w->hp);
    for (int i = 0; i < pl->nsides && pdf_ok(w); i++) {
        w->hp[i] = HPDF_AddPage(w->pdf);
        if (!w->hp[i] || !pdf_ok(w))
            return;
        HPDF_Page_SetWidth(w->hp[i], (HPDF_REAL)pl->sheet_w / 1000);
        HPDF_Page_SetHeight(w->hp[i], (HPDF_REAL)pl->sheet_h / 1000);
        if (pl->has_boxes) {
            set_box(w, w->hp[i], "TrimBox", pl->trim_x0, pl->trim_y0,
                    pl->trim_x1, pl->trim_y1);
            set_box(w, w->hp[i], "BleedBox", pl->trim_x0 - pl->bleed,
                    pl->trim_y0 - pl->bleed, pl->trim_x1 + pl->bleed,
                    pl->trim_y1 + pl->bleed);
        }
    }
    for (int i = 0; i < pl->nsides && pdf_ok(w); i++) {
        const bt_side *sd = &pl->sides[i];
        for (int c = 0; c < sd->ncells && pdf_ok(w); c++)
            draw_cell(w, w->hp[i], &sd->cell[c]);
        if (sd->nmarks && pdf_ok(w)) {
            /* marks are drawn in sheet coordinates */
            bt_page m = {0, sd->marks, sd->nmarks};
            int32_t ph = w->page_h;
            w->page_h = pl->sheet_h;
            HPDF_Page_GSave(w->hp[i]);
            draw_page(w, w->hp[i], &m);
            if (pdf_ok(w))
                HPDF_Page_GRestore(w->hp[i]);
            w->page_h = ph;
        }
    }
}

/* Labels name the pages on each side ("8|1", "-" for padding); the viewer
 * preferences pre-select the duplex edge and actual size in print
 * dialogs (PDF 1.7 keys, so the file says 1.7). */
static void finish_imposed(pdf_w *w)
{
    const bt_plan *pl = w->plan;
    HPDF_MMgr mm = w->pdf->mmgr;
    HPDF_Dict labels = HPDF_Dict_New(mm);
    HPDF_Array nums = HPDF_Array_New(mm);
    if (!labels || !nums || !pdf_ok(w))
        return;
    HPDF_Dict_Add(labels, "Nums", nums);
    HPDF_Dict_Add(w->pdf->catalog, "PageLabels", labels);
    for (int i = 0; i < pl->nsides && pdf_ok(w); i++) {
        char lab[64];
        size_t n = 0;
        for (int c = 0; c < pl->sides[i].ncells; c++) {
            int pg = pl->sides[i].cell[c].page;
            if (pg >= 0)
                n += (size_t)snprintf(lab + n, sizeof lab - n, "%s%d",
                                      c ? "|" : "", pg + 1);
            else
                n += (size_t)snprintf(lab + n, sizeof lab - n, "%s-",
                                      c ? "|" : "");
        }
        HPDF_Dict d = HPDF_Dict_New(mm);
        if (!d)
            return;
        HPDF_Array_AddNumber(nums, i);
        HPDF_Array_Add(nums, d);
        HPDF_Dict_Add(d, "P", HPDF_String_New(mm, lab, NULL));
    }
    HPDF_Dict vp = HPDF_Dict_New(mm);
    if (!vp || !pdf_ok(w))
        return;
    HPDF_Dict_Add(w->pdf->catalog, "ViewerPreferences", vp);
    HPDF_Dict_AddName(vp, "Duplex",
                      pl->duplex == BT_DUPLEX_LONG ? "DuplexFlipLongEdge"
                                                   : "DuplexFlipShortEdge");
    HPDF_Dict_AddName(vp, "PrintScaling", "None");
    w->pdf->pdf_version = HPDF_VER_17;
    w->smask = 0; /* 1.7 already allows the SMask */
}

/* All pages first: links and outline items point forward. */
static void add_pages(pdf_w *w)
{
    const bt_pages *pages = w->pages;
    HPDF_Doc pdf = w->pdf;
    w->hp = bt_xcalloc((size_t)(pages->npages > 0 ? pages->npages : 1),
                       sizeof *w->hp);
    for (int i = 0; i < pages->npages && pdf_ok(w); i++) {
        w->hp[i] = HPDF_AddPage(pdf);
        if (!w->hp[i] || !pdf_ok(w))
            return;
        HPDF_Page_SetWidth(w->hp[i], (HPDF_REAL)pages->width / 1000);
        HPDF_Page_SetHeight(w->hp[i], (HPDF_REAL)pages->height / 1000);
    }
}

static void draw_plain(pdf_w *w)
{
    add_pages(w);
    if (!pdf_ok(w))
        return;
    for (int i = 0; i < w->pages->npages && pdf_ok(w); i++) {
        draw_page(w, w->hp[i], &w->pages->pages[i]);
        park_page(w, w->hp[i]);
    }
}

/* The document settings every PDF starts with. */
static void pdf_start(pdf_w *w)
{
    HPDF_Doc pdf = w->pdf;
    HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(pdf);
    HPDF_SetCurrentEncoder(pdf, "UTF-8");
    if (!pdf_ok(w))
        return;
    w->utf8 = HPDF_GetEncoder(pdf, "UTF-8");
}

static void pdf_finish(pdf_w *w, const char *path);

static void pdf_run(pdf_w *w, const char *path)
{
    pdf_start(w);
    if (!w->utf8 || !pdf_ok(w))
        return;

    if (w->plan)
        draw_imposed(w);
    else
        draw_plain(w);
    if (!pdf_ok(w))
        return;
    pdf_finish(w, path);
}

/* Outline, info, labels, /ID, ToUnicode, compression, save: all that
 * follows the drawing of the pages. */
static void pdf_finish(pdf_w *w, const char *path)
{
    HPDF_Doc pdf = w->pdf;
    const bt_pages *pages = w->pages;
    write_outline(w);
    write_info(w);
    if (!pdf_ok(w))
        return;
    if (w->plan) {
        finish_imposed(w);
    } else if (pages->npages > 0) {
        /* The prefix would be encoded with def_encoder, NULL by default
         * (notes §4); decimal labels have none, but stay safe. */
        pdf->def_encoder = w->utf8;
        HPDF_AddPageLabel(pdf, 0, HPDF_PAGE_NUM_STYLE_DECIMAL, 1, NULL);
    }
    write_id(w);
    uint64_t tf = bt_time_ns();
    for (int i = 0; i < w->nfonts && pdf_ok(w) && !w->failed; i++)
        if (w->font[i])
            font_embed(w, w->font[i]);
    bt_timing_add(BT_T_PDF_FONTS, bt_time_ns() - tf);
    if (w->failed)
        return;
    if (w->smask)
        pdf->pdf_version = HPDF_VER_14; /* SMask needs 1.4 (notes §5) */
    if (!pdf_ok(w))
        return;
    uint64_t t0 = bt_time_ns();
    precompress_all(w);
    bt_timing_add(BT_T_PDF_SAVE, bt_time_ns() - t0);
    if (!pdf_ok(w))
        return;
    pdf_save(w, path);
}

/* Sets w up for pages (their size and count; boxes may come later) and
 * starts libharu. Returns -1 after reporting that it cannot start. */
static int pdf_open(pdf_w *w, bt_ctx *ctx, const bt_doc *doc,
                    const bt_pages *pages, const bt_fonts *fonts,
                    const bt_plan *plan, const bt_page *note)
{
    memset(w, 0, sizeof *w);
    w->plan = plan;
    w->note = note;
    w->ctx = ctx;
    w->doc = doc;
    w->pages = pages;
    w->fonts = fonts;
    w->page_h = pages->height;
    w->nfonts = fonts ? bt_fonts_count(fonts) : 0;
    w->font =
        bt_xcalloc((size_t)(w->nfonts > 0 ? w->nfonts : 1), sizeof *w->font);
    w->pdf = HPDF_New(pdf_on_error, &w->err);
    if (!w->pdf) {
        bt_error(ctx, bt_pos_file(doc->file),
                 "PDF: libharu cannot start (out of memory)");
        return -1;
    }
    return 0;
}

static void pdf_close(pdf_w *w)
{
    if (w->park_ms)
        HPDF_Stream_Free(w->park_ms);
    if (w->pdf)
        HPDF_Free(w->pdf); /* before w goes: its arrays hold w's shared items */
    if (w->spool_state > 0)
        close(w->spool_fd); /* the scratch file goes with it */
    w->spool_state = 0;
    for (int i = 0; i < w->nfonts; i++) {
        if (w->font[i]) {
            for (int k = 0; k < 256; k++)
                free(w->font[i]->width[k]);
            free(w->font[i]);
        }
    }
    free(w->font);
    free(w->imgs);
    free(w->hp);
    bt_buf_free(&w->out);
    bt_buf_free(&w->uri);
    memset(w, 0, sizeof *w);
}

static int pdf_write(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                     const bt_fonts *fonts, const bt_plan *plan,
                     const bt_page *note, bt_pdf_images *pre, const char *path)
{
    pdf_w w;
    if (pdf_open(&w, ctx, doc, pages, fonts, plan, note) != 0) {
        pdf_close(&w);
        return -1;
    }
    w.pre = pre;
    pdf_run(&w, path);
    pdf_report(&w);
    int rc = w.failed ? -1 : 0;
    pdf_close(&w);
    return rc;
}

int bt_pdf_write(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                 const bt_fonts *fonts, const char *path)
{
    return pdf_write(ctx, doc, pages, fonts, NULL, NULL, NULL, path);
}

int bt_pdf_write_pre(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                     const bt_fonts *fonts, bt_pdf_images *pre,
                     const char *path)
{
    return pdf_write(ctx, doc, pages, fonts, NULL, NULL, pre, path);
}

int bt_pdf_write_imposed(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                         const bt_fonts *fonts, const bt_plan *plan,
                         const bt_page *note, bt_pdf_images *pre,
                         const char *path)
{
    return pdf_write(ctx, doc, pages, fonts, plan, note, pre, path);
}

/* ------------------------------------------------------------------ */
/* Image pixels deflated ahead                                        */
/* ------------------------------------------------------------------ */

/* The bytes image_get hands libharu for a decoded image: channel bytes,
 * then alpha; 0 for a JPEG or PNG data passed through or an image it
 * refuses. */
static size_t pre_size(const bt_image *im, int part)
{
    if (im->jpeg || im->idat || !im->pixels ||
        (im->channels != 1 && im->channels != 3) || im->width <= 0 ||
        im->height <= 0)
        return 0;
    size_t n = (size_t)im->width * (size_t)im->height;
    if (part == 0)
        return n * (size_t)im->channels;
    return im->alpha ? n : 0;
}

static void *pre_thread(void *arg)
{
    bt_pdf_images *pre = arg;
    for (int i = 0; i < pre->n; i++) {
        pre_img *p = &pre->imgs[i];
        for (int part = 0; part < 2; part++) {
            size_t n = pre_size(p->im, part);
            if (!n)
                continue;
            uLongf zlen = compressBound((uLong)n);
            unsigned char *z = bt_xmalloc(zlen);
            const unsigned char *raw = part ? p->im->alpha : p->im->pixels;
            if (compress2(z, &zlen, raw, (uLong)n, PDF_DEFLATE_LEVEL) == Z_OK) {
                p->z[part] = z;
                p->zlen[part] = zlen;
            } else {
                free(z);
            }
        }
    }
    return NULL;
}

bt_pdf_images *bt_pdf_images_start(const bt_doc *doc)
{
    if (PDF_DEFLATE_LEVEL == Z_DEFAULT_COMPRESSION || PDF_DEFLATE_LEVEL == 6)
        return NULL; /* libharu deflates them itself (precompress_all) */
    const bt_section *s;
    const bt_article *a;
    const bt_block *b;
    bt_pdf_images *pre = bt_xcalloc(1, sizeof *pre);
    int cap = 0;
    bt_section_foreach(doc, s)
        bt_article_foreach(s, a)
            bt_block_foreach(a, b) {
                if (b->kind != BT_BLOCK_FIGURE || !b->image ||
                    !pre_size(b->image, 0))
                    continue;
                int seen = 0;
                for (int i = 0; i < pre->n && !seen; i++)
                    seen = pre->imgs[i].im == b->image;
                if (seen)
                    continue;
                if (pre->n == cap) {
                    cap = cap ? 2 * cap : 8;
                    pre->imgs =
                        bt_xrealloc(pre->imgs, sizeof *pre->imgs * (size_t)cap);
                }
                memset(&pre->imgs[pre->n], 0, sizeof pre->imgs[0]);
                pre->imgs[pre->n++].im = b->image;
            }
    if (pre->n == 0 || !bt_pdf_threads ||
        bt_fsout_thread(&pre->th, pre_thread, pre) != 0) {
        free(pre->imgs);
        free(pre);
        return NULL;
    }
    pre->threaded = 1;
    return pre;
}

/* The deflated pixels of im (waiting for the thread), or NULL: then the
 * writer hands libharu the pixels as before. */
static const pre_img *pre_find(bt_pdf_images *pre, const bt_image *im)
{
    if (!pre)
        return NULL;
    if (pre->threaded) {
        pthread_join(pre->th, NULL);
        pre->threaded = 0;
    }
    for (int i = 0; i < pre->n; i++) {
        const pre_img *p = &pre->imgs[i];
        if (p->im == im)
            return p->z[0] && (!im->alpha || p->z[1]) ? p : NULL;
    }
    return NULL;
}

void bt_pdf_images_free(bt_pdf_images *pre)
{
    if (!pre)
        return;
    if (pre->threaded)
        pthread_join(pre->th, NULL);
    for (int i = 0; i < pre->n; i++) {
        free(pre->imgs[i].z[0]);
        free(pre->imgs[i].z[1]);
    }
    free(pre->imgs);
    free(pre);
}

/* ------------------------------------------------------------------ */
/* Streamed output: pages drawn as the layout hands them out          */
/* ------------------------------------------------------------------ */

/* libharu numbers its objects in the order they are made, so the pages
 * are made first, as many as the pass's footers count on (begin's
 * npages); the fonts follow at first use and are written at the end from
 * the code points drawn, as bt_pdf_write does: the output is its bytes.
 * end() checks that the pass had the pages it was drawn for; one that did
 * not is thrown away (the layout then sets the pass again, with that
 * count). Each page's content is deflated as soon as it is drawn. */
struct bt_pdf_sink {
    const bt_doc *doc;
    const bt_fonts *fonts;
    bt_pages stub;      /* size and predicted count, no boxes */
    int assumed;        /* the page count this pass is drawn for, 0: none */
    bt_pdf_images *pre; /* image streams deflated ahead, or NULL */
    pdf_w *w;           /* the PDF of this pass, or NULL */
    bt_ctx wctx;        /* its diagnostics */
    int npages_drawn;   /* pages handed to w */
    int valid;          /* the last pass ended and w matches it */
    char *spool_dir;    /* heap, or NULL: bt_pdf_sink_spool */
    bt_pipe *zp;        /* pages deflated beside the layout, or NULL */
    struct fonts_ahead *ahead; /* fonts made while drawing, or NULL */
};

static void sink_drop(bt_pdf_sink *s)
{
    zpipe_drain(NULL, s->zp); /* nothing in flight is wanted now */
    bt_pipe_stop(s->zp);
    s->zp = NULL;
    if (s->w) {
        pdf_close(s->w);
        free(s->w);
        s->w = NULL;
    }
    bt_ctx_free(&s->wctx);
    bt_ctx_init(&s->wctx);
    s->valid = 0;
}

static void sink_begin(void *payload, int npages)
{
    bt_pdf_sink *s = payload;
    sink_drop(s);
    s->npages_drawn = 0;
    s->assumed = npages > 0 ? npages : 0;
    if (s->assumed == 0)
        return; /* the first pass: only learn its pages */
    s->stub.npages = s->assumed;
    s->w = bt_xmalloc(sizeof *s->w);
    if (pdf_open(s->w, &s->wctx, s->doc, &s->stub, s->fonts, NULL, NULL) != 0) {
        pdf_close(s->w);
        free(s->w);
        s->w = NULL;
        return;
    }
    s->w->pre = s->pre;
    s->w->ahead = s->ahead;
    s->w->spool_dir = s->spool_dir;
    pdf_start(s->w);
    if (s->w->utf8 && pdf_ok(s->w))
        add_pages(s->w);
    s->zp = s->w->utf8 && pdf_ok(s->w) ? zpipe_start() : NULL;
}

static void sink_page(void *payload, const bt_page *pg)
{
    bt_pdf_sink *s = payload;
    pdf_w *w = s->w;
    s->npages_drawn++;
    if (!w || !w->utf8 || !pdf_ok(w) || w->failed ||
        pg->number > s->stub.npages || pg->number != s->npages_drawn)
        return;
    uint64_t t0 = bt_time_ns();
    HPDF_Page page = w->hp[pg->number - 1];
    draw_page(w, page, pg);
    if (s->zp) {
        zpipe_page(w, s->zp, page);
    } else {
        precompress_page(w, page);
        park_page(w, page);
    }
    bt_timing_add(BT_T_PDF, bt_time_ns() - t0);
}

static int sink_end(void *payload, int npages)
{
    bt_pdf_sink *s = payload;
    if (s->zp) {
        uint64_t t0 = bt_time_ns();
        zpipe_drain(s->w, s->zp);
        bt_pipe_stop(s->zp);
        s->zp = NULL;
        bt_timing_add(BT_T_PDF, bt_time_ns() - t0);
    }
    s->valid = s->w && npages == s->assumed && npages == s->npages_drawn;
    if (!s->valid)
        sink_drop(s);
    return s->valid;
}

/* All the pages of a replayed bulletin, before they are handed out: the
 * fonts are made beside the drawing (fonts_ahead). */
static void sink_held(void *payload, const bt_page *pages, int npages)
{
    bt_pdf_sink *s = payload;
    if (s->ahead || !bt_pdf_threads || !own_deflate())
        return;
    struct fonts_ahead *fa = ahead_plan(s->fonts, pages, npages);
    if (fa && bt_fsout_thread(&fa->th, ahead_main, fa) == 0)
        fa->running = 1;
    s->ahead = fa; /* not running: font_embed finds nothing ok */
}

bt_pdf_sink *bt_pdf_sink_new(const bt_doc *doc, const bt_fonts *fonts,
                             bt_pdf_images *pre, int32_t width, int32_t height)
{
    bt_pdf_sink *s = bt_xcalloc(1, sizeof *s);
    s->doc = doc;
    s->pre = pre;
    s->fonts = fonts;
    s->stub.width = width;
    s->stub.height = height;
    bt_ctx_init(&s->wctx);
    return s;
}

void bt_pdf_sink_spool(bt_pdf_sink *s, const char *dir)
{
    free(s->spool_dir);
    s->spool_dir = dir ? bt_xstrdup(dir) : NULL;
}

int bt_pdf_sink_draws(const bt_pdf_sink *s)
{
    return s->w != NULL;
}

void bt_pdf_sink_images(bt_pdf_sink *s, bt_pdf_images *pre)
{
    s->pre = pre;
    if (s->w)
        s->w->pre = pre;
}

bt_page_sink bt_pdf_sink_pages(bt_pdf_sink *s)
{
    bt_page_sink k = {sink_begin, sink_page, sink_end, s, NULL, sink_held};
    return k;
}

int bt_pdf_sink_finish(bt_pdf_sink *s, bt_ctx *ctx, const bt_pages *pages,
                       const char *path)
{
    int rc = -1;
    pdf_w *w = s->w;
    if (!s->valid || !w || pages->npages != s->stub.npages) {
        bt_error(ctx, bt_pos_file(s->doc->file),
                 "PDF: the streamed pages do not match the layout");
        return -1;
    }
    if (w->utf8 && pdf_ok(w) && !w->failed) {
        w->ctx = &s->wctx;
        w->pages = pages; /* the outline, same page count */
        pdf_finish(w, path);
    }
    pdf_report(w);
    rc = w->failed ? -1 : 0;
    bt_ctx_append(ctx, &s->wctx);
    sink_drop(s);
    return rc;
}

void bt_pdf_sink_free(bt_pdf_sink *s)
{
    if (!s)
        return;
    sink_drop(s);
    ahead_free(s->ahead);
    bt_ctx_free(&s->wctx);
    free(s->spool_dir);
    free(s);
}
