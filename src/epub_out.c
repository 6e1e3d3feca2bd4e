/* epub_out.c - the EPUB 3 digest (see epub_out.h and shared/notes/epub.md).
 *
 * Everything is generated into memory first (XHTML, nav, NCX and OPF with
 * libxml2's xmlTextWriter, the stylesheet as plain text, font subsets via
 * font.c), then zipped with libzip in one fixed order with fixed times and
 * attributes, so the same input gives the same bytes. Every piece of text
 * that a reader renders goes through put_text(), which also records the
 * code point in the face (family, weight, style) the stylesheet renders it
 * with; the embedded fonts are subset to exactly those code points.
 *
 * Layout of the book:
 *   mimetype, META-INF/container.xml, EPUB/package.opf, EPUB/nav.xhtml,
 *   EPUB/toc.ncx, EPUB/cover.xhtml, EPUB/css/bantin.css, EPUB/fonts/...,
 *   EPUB/images/img-<article>-<n>.<ext>, EPUB/text/<article id>.xhtml
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libxml/xmlwriter.h>
#include <zip.h>
#include "epub_out.h"
#include "fsout.h"
#include "buf.h"
#include "image.h"
#include "sha1.h"

/* ------------------------------------------------------------------ */
/* Labels                                                              */
/* ------------------------------------------------------------------ */

typedef struct labels {
    const char *cover, *toc, *start, *landmarks, *pagelist, *in_issue;
    const char *number; /* "Số" */
    const char *summary, *summary_alt;
    const char *months[12]; /* English only */
    int vi;
} labels;

static const labels LABELS_VI = {
    "Bìa",
    "Mục lục",
    "Bắt đầu đọc",
    "Điểm mốc",
    "Danh sách trang",
    "Trong số này",
    "Số",
    "Bản tin điện tử gồm các bài báo có tiêu đề và cấu trúc rõ ràng, có mục "
    "lục và danh sách trang ứng với bản in PDF.",
    " Mọi hình ảnh đều có văn bản thay thế.",
    {0},
    1};

static const labels LABELS_EN = {
    "Cover",
    "Contents",
    "Start of content",
    "Landmarks",
    "Page list",
    "In this issue",
    "No.",
    "A news digest of articles with headings and a clear structure, a table "
    "of contents and a page list that matches the printed PDF edition.",
    " Every image has a text alternative.",
    {"January", "February", "March", "April", "May", "June", "July", "August",
     "September", "October", "November", "December"},
    0};

/* ------------------------------------------------------------------ */
/* State                                                               */
/* ------------------------------------------------------------------ */

enum { /* entry ranks: the zip order */
       R_MIMETYPE,
       R_CONTAINER,
       R_OPF,
       R_NAV,
       R_NCX,
       R_COVER,
       R_CSS,
       R_FONT,
       R_IMAGE,
       R_TEXT
};

typedef struct entry {
    const char *name; /* zip path */
    const void *data; /* arena (or the image's bytes) */
    size_t len;
    int rank, seq;
} entry;

#define CPSET_BYTES (0x110000 / 8)

typedef struct family {
    const char *name;    /* layout (fontconfig) family */
    const char *css;     /* "Bantin Serif" */
    const char *generic; /* serif, sans-serif, monospace */
} family;

typedef struct face { /* one @font-face rule */
    int fam;
    int bold, italic;   /* CSS descriptors */
    uint32_t font;      /* font id */
    int fallback;       /* 1: covers only its unicode-range */
    unsigned char *set; /* code points it renders (heap bitset) */
} face;

typedef struct ffile { /* one embedded font file */
    uint32_t font;
    const char *href; /* "fonts/NotoSerif-Regular.ttf" */
    const char *id;
} ffile;

typedef struct imgent {
    const char *key; /* resolved path (or src) */
    const bt_image *img;
    const char *href; /* "images/img-1-1.png" */
    const char *id;
} imgent;

typedef struct ptarget {
    const bt_article *art; /* NULL: the cover */
    const bt_block *block; /* NULL: the article head */
} ptarget;

typedef struct ep {
    bt_ctx *ctx;
    const bt_doc *doc;
    const bt_pages *pages;
    const bt_layout *lay;
    bt_fonts *fonts;
    bt_shaper shaper;
    bt_arena *a;
    const labels *L;

    entry *ents;
    int nents, capents;

    family fams[BT_ROLE_COUNT];
    int nfams, role_fam[BT_ROLE_COUNT];
    face *faces;
    int nfaces, capfaces;
    ffile *files;
    int nfiles;

    imgent *imgs;
    int nimgs, capimgs;
    int nfigs, all_alt;
    int art_imgs; /* images stored for the current article */

    const bt_article **arts; /* [index] */
    int narts;
    ptarget *pt; /* [page - 1] */
    int npages;
    int *bucket_off; /* [narts + 2]: pages per cover/article */
    int *bucket;     /* page numbers, grouped */

    char ident[48];     /* "urn:uuid:..." */
    char source_id[48]; /* the PDF edition */

    /* the document being written */
    xmlBufferPtr xb;
    xmlTextWriterPtr w;
    int fail; /* sticky: a libxml2 call failed */
    int role; /* role of the text written now, -1 hidden */
    int em, strong;
    bt_buf tmp;
} ep;

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static const char *cstr(ep *x, bt_str s)
{
    return bt_arena_strndup(x->a, s.ptr ? s.ptr : "", s.len);
}

static void add_entry(ep *x, const char *name, const void *data, size_t len,
                      int rank)
{
    if (x->nents == x->capents) {
        x->capents = x->capents ? 2 * x->capents : 32;
        x->ents = bt_xrealloc(x->ents, (size_t)x->capents * sizeof *x->ents);
    }
    entry *e = &x->ents[x->nents];
    e->name = name;
    e->data = data;
    e->len = len;
    e->rank = rank;
    e->seq = x->nents++;
}

/* Decodes one UTF-8 sequence at *p (input is valid UTF-8: the readers
 * checked it); invalid bytes come out as U+FFFD, one at a time. */
static uint32_t utf8_next(const unsigned char **p, const unsigned char *end)
{
    const unsigned char *s = *p;
    uint32_t c = *s;
    int n = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    if (c >= 0x80 && (c < 0xC2 || c > 0xF4 || end - s <= n)) {
        *p = s + 1;
        return 0xFFFD;
    }
    if (n)
        c &= 0x3Fu >> n;
    for (int i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *p = s + 1;
            return 0xFFFD;
        }
        c = c << 6 | (s[i] & 0x3Fu);
    }
    *p = s + n + 1;
    return c;
}

static void format_date(ep *x, bt_buf *b, bt_date d)
{
    if (x->L->vi) {
        if (d.d)
            bt_buf_printf(b, "Ngày %d tháng %d năm %d", d.d, d.m, d.y);
        else if (d.m)
            bt_buf_printf(b, "Tháng %d năm %d", d.m, d.y);
        else
            bt_buf_printf(b, "Năm %d", d.y);
    } else {
        if (d.d && d.m >= 1 && d.m <= 12)
            bt_buf_printf(b, "%d %s %d", d.d, x->L->months[d.m - 1], d.y);
        else if (d.m >= 1 && d.m <= 12)
            bt_buf_printf(b, "%s %d", x->L->months[d.m - 1], d.y);
        else
            bt_buf_printf(b, "%d", d.y);
    }
}

static int is_web_url(const char *u)
{
    return u &&
           (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0);
}

static int same_lang(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* ------------------------------------------------------------------ */
/* Faces and code points                                               */
/* ------------------------------------------------------------------ */

static void plan_families(ep *x)
{
    for (int r = 0; r < BT_ROLE_COUNT; r++) {
        const char *name = x->lay->style[r].family;
        if (!name || !*name)
            name = "serif";
        int f;
        for (f = 0; f < x->nfams; f++)
            if (strcmp(x->fams[f].name, name) == 0)
                break;
        if (f == x->nfams) {
            const char *kind = strstr(name, "Mono")   ? "Mono"
                               : strstr(name, "Sans") ? "Sans"
                               : strstr(name, "sans") ? "Sans"
                                                      : "Serif";
            const char *css = bt_arena_printf(x->a, "Bantin %s", kind);
            for (int k = 2;; k++) {
                int clash = 0;
                for (int g = 0; g < x->nfams; g++)
                    clash |= strcmp(x->fams[g].css, css) == 0;
                if (!clash)
                    break;
                css = bt_arena_printf(x->a, "Bantin %s %d", kind, k);
            }
            x->fams[f].name = name;
            x->fams[f].css = css;
            x->fams[f].generic = strcmp(kind, "Mono") == 0   ? "monospace"
                                 : strcmp(kind, "Sans") == 0 ? "sans-serif"
                                                             : "serif";
            x->nfams++;
        }
        x->role_fam[r] = f;
    }
}

/* The font id the stylesheet's (role, bold, italic) renders with. */
static uint32_t role_font(const bt_style *st, int b, int i)
{
    uint32_t f;
    if (b == !!st->bold && i == !!st->italic)
        f = st->font;
    else if (b && i)
        f = st->font_bold_italic;
    else if (b)
        f = st->font_bold;
    else if (i)
        f = st->font_italic;
    else
        f = st->font;
    return f == BT_FONT_NONE ? st->font : f;
}

static void set_cp(unsigned char *set, uint32_t cp)
{
    if (cp < 0x110000)
        set[cp >> 3] |= (unsigned char)(1u << (cp & 7));
}

static int has_cp(const unsigned char *set, uint32_t cp)
{
    return cp < 0x110000 && (set[cp >> 3] >> (cp & 7) & 1);
}

static face *get_face(ep *x, int fam, int b, int i, uint32_t font, int fb)
{
    for (int k = 0; k < x->nfaces; k++) {
        face *f = &x->faces[k];
        if (f->fam == fam && f->bold == b && f->italic == i &&
            f->font == font && f->fallback == fb)
            return f;
    }
    if (x->nfaces == x->capfaces) {
        x->capfaces = x->capfaces ? 2 * x->capfaces : 16;
        x->faces =
            bt_xrealloc(x->faces, (size_t)x->capfaces * sizeof *x->faces);
    }
    face *f = &x->faces[x->nfaces++];
    f->fam = fam;
    f->bold = b;
    f->italic = i;
    f->font = font;
    f->fallback = fb;
    f->set = bt_xcalloc(1, CPSET_BYTES);
    if (!fb) {
        set_cp(f->set, 0x20);
        set_cp(f->set, 0xA0);
    }
    return f;
}

/* Records that cp is rendered in the current role and em/strong state. */
static void use_cp(ep *x, uint32_t cp)
{
    if (x->role < 0 || !x->fonts || cp == '\n' || cp == '\t' || cp == '\r')
        return;
    const bt_style *st = &x->lay->style[x->role];
    int b = st->bold || x->strong, i = st->italic || x->em;
    uint32_t font = role_font(st, b, i);
    if (font == BT_FONT_NONE)
        return;
    face *f = get_face(x, x->role_fam[x->role], b, i, font, 0);
    if (cp != 0x20 && cp != 0xA0 && x->shaper.covers &&
        !x->shaper.covers(x->shaper.payload, font, cp) && x->shaper.fallback) {
        uint32_t other = x->shaper.fallback(x->shaper.payload, font, cp);
        if (other != BT_FONT_NONE && other != font)
            f = get_face(x, x->role_fam[x->role], b, i, other, 1);
    }
    set_cp(f->set, cp);
}

static void use_text(ep *x, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end)
        use_cp(x, utf8_next(&p, end));
}

/* ------------------------------------------------------------------ */
/* XML writing: every call checked, errors sticky                       */
/* ------------------------------------------------------------------ */

static void chk(ep *x, int rc)
{
    if (rc < 0)
        x->fail = 1;
}

static void doc_begin(ep *x)
{
    x->xb = xmlBufferCreate();
    x->w = x->xb ? xmlNewTextWriterMemory(x->xb, 0) : NULL;
    if (!x->w) {
        x->fail = 1;
        return;
    }
    chk(x, xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL));
    x->role = -1;
    x->em = x->strong = 0;
}

/* Ends the document and stores it as entry `name`. */
static void doc_end(ep *x, const char *name, int rank)
{
    if (x->w) {
        chk(x, xmlTextWriterEndDocument(x->w));
        xmlFreeTextWriter(x->w); /* flushes into x->xb */
        x->w = NULL;
    }
    if (x->xb) {
        if (!x->fail) {
            size_t n = (size_t)xmlBufferLength(x->xb);
            const void *data =
                bt_arena_memdup(x->a, xmlBufferContent(x->xb), n);
            add_entry(x, name, data, n, rank);
        }
        xmlBufferFree(x->xb);
        x->xb = NULL;
    }
}

static void el(ep *x, const char *name)
{
    if (x->w)
        chk(x, xmlTextWriterStartElement(x->w, BAD_CAST name));
}

static void attr(ep *x, const char *name, const char *value)
{
    if (x->w)
        chk(x,
            xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value));
}

static void attri(ep *x, const char *name, int v)
{
    char b[24];
    snprintf(b, sizeof b, "%d", v);
    attr(x, name, b);
}

/* Non-void element: always <x ...></x>, never self-closed (notes §4). */
static void end(ep *x)
{
    if (x->w)
        chk(x, xmlTextWriterFullEndElement(x->w));
}

/* Void element (br, img, meta, link) and XML-only documents. */
static void endv(ep *x)
{
    if (x->w)
        chk(x, xmlTextWriterEndElement(x->w));
}

/* Rendered text: recorded for the font subsets, then written escaped. */
static void put_text(ep *x, const char *s, size_t len)
{
    if (!len)
        return;
    use_text(x, s, len);
    bt_buf_clear(&x->tmp);
    bt_buf_put(&x->tmp, s, len);
    if (x->w)
        chk(x, xmlTextWriterWriteString(x->w, BAD_CAST x->tmp.data));
}

static void put_cstr(ep *x, const char *s)
{
    put_text(x, s, strlen(s));
}

static void put_str(ep *x, bt_str s)
{
    put_text(x, s.ptr, s.len);
}

/* Whitespace between blocks, for people reading the source. */
static void nl(ep *x)
{
    if (x->w)
        chk(x, xmlTextWriterWriteString(x->w, BAD_CAST "\n"));
}

/* A simple element with role-tagged text: <name class=..>text</name>. */
static void text_el(ep *x, const char *name, const char *cls, int role,
                    bt_str s)
{
    el(x, name);
    if (cls)
        attr(x, "class", cls);
    x->role = role;
    put_str(x, s);
    x->role = -1;
    end(x);
    nl(x);
}

static void xhtml_begin(ep *x, const char *lang, const char *title,
                        const char *css_href)
{
    doc_begin(x);
    if (x->w)
        chk(x, xmlTextWriterWriteDTD(x->w, BAD_CAST "html", NULL, NULL, NULL));
    nl(x);
    el(x, "html");
    attr(x, "xmlns", "http://www.w3.org/1999/xhtml");
    attr(x, "xmlns:epub", "http://www.idpf.org/2007/ops");
    attr(x, "lang", lang);
    attr(x, "xml:lang", lang);
    nl(x);
    el(x, "head");
    el(x, "meta");
    attr(x, "charset", "utf-8");
    endv(x);
    el(x, "title");
    if (x->w)
        chk(x, xmlTextWriterWriteString(x->w, BAD_CAST title));
    end(x);
    el(x, "link");
    attr(x, "rel", "stylesheet");
    attr(x, "type", "text/css");
    attr(x, "href", css_href);
    endv(x);
    end(x); /* head */
    nl(x);
}

/* ------------------------------------------------------------------ */
/* Page map                                                            */
/* ------------------------------------------------------------------ */

static int block_in(const bt_article *art, const bt_block *b)
{
    for (const bt_block *k = art->blocks; k; k = k->next)
        if (k == b)
            return 1;
    return 0;
}

/* Whether printed page 1 opens with the masthead: the rule of layout.c's
 * run_pass (an article built alone is its own front page). */
static int print_has_masthead(const bt_doc *d)
{
    return d->has_manifest || d->narticles > 1;
}

/* Every printed page 1..npages gets exactly one target: page 1 is the
 * masthead (the cover document) when the print has one, else the first
 * article's head; page p takes its mark, or the target of page p - 1 when
 * it has none (a page that only continues a block). */
static void plan_pages(ep *x)
{
    const bt_pages *pg = x->pages;
    x->npages = pg && pg->npages > 0 ? pg->npages : 0;
    int n = x->npages;
    x->bucket_off = bt_arena_alloc(x->a, sizeof(int) * (size_t)(x->narts + 2));
    if (!n)
        return;
    x->pt = bt_arena_alloc(x->a, sizeof *x->pt * (size_t)n);
    char *set = bt_arena_alloc(x->a, (size_t)n);
    memset(x->pt, 0, sizeof *x->pt * (size_t)n);
    memset(set, 0, (size_t)n);
    if (print_has_masthead(x->doc) || !x->narts)
        set[0] = 1; /* page 1: the cover */
    else
        x->pt[0].art = x->arts[0]; /* page 1: the first article's head */
    for (int i = 0; i < pg->nmarks; i++) {
        const bt_pagemark *m = &pg->marks[i];
        if (m->page < 1 || m->page > n || set[m->page - 1] || !m->article)
            continue;
        const bt_article *art = m->article;
        if (art->index < 0 || art->index >= x->narts ||
            x->arts[art->index] != art)
            continue;
        x->pt[m->page - 1].art = art;
        x->pt[m->page - 1].block =
            m->block && block_in(art, m->block) ? m->block : NULL;
        set[m->page - 1] = 1;
    }
    for (int p = 1; p < n; p++)
        if (!set[p])
            x->pt[p] = x->pt[p - 1];
    /* group page numbers by document: bucket 0 = cover, k + 1 = article k */
    int *cnt = x->bucket_off;
    for (int p = 0; p < n; p++)
        cnt[(x->pt[p].art ? x->pt[p].art->index + 1 : 0) + 1]++;
    for (int k = 1; k < x->narts + 2; k++)
        cnt[k] += cnt[k - 1];
    x->bucket = bt_arena_alloc(x->a, sizeof(int) * (size_t)n);
    int *fill = bt_xcalloc((size_t)x->narts + 1, sizeof(int));
    for (int p = 0; p < n; p++) {
        int k = x->pt[p].art ? x->pt[p].art->index + 1 : 0;
        x->bucket[x->bucket_off[k] + fill[k]++] = p + 1;
    }
    free(fill);
}

static const char *page_href(ep *x, int page)
{
    const bt_article *art = x->pt[page - 1].art;
    if (!art)
        return bt_arena_printf(x->a, "cover.xhtml#page-%d", page);
    return bt_arena_printf(x->a, "text/%s.xhtml#page-%d", art->id, page);
}

/* The page-break markers of the pages that start at (art, block). */
static void pagebreaks(ep *x, const bt_article *art, const bt_block *block)
{
    if (!x->npages)
        return;
    int k = art ? art->index + 1 : 0;
    for (int i = x->bucket_off[k]; i < x->bucket_off[k + 1]; i++) {
        int p = x->bucket[i];
        if (x->pt[p - 1].block != block)
            continue;
        char id[32], num[16];
        snprintf(id, sizeof id, "page-%d", p);
        snprintf(num, sizeof num, "%d", p);
        el(x, "span");
        attr(x, "epub:type", "pagebreak");
        attr(x, "role", "doc-pagebreak");
        attr(x, "id", id);
        attr(x, "aria-label", num);
        end(x);
    }
}

/* ------------------------------------------------------------------ */
/* Articles                                                            */
/* ------------------------------------------------------------------ */

enum { ST_A, ST_STRONG, ST_EM };

/* Inline runs: em/strong/a nesting rebuilt from the flags, opening in the
 * order a > strong > em and closing as little as possible. */
static void put_runs(ep *x, const bt_runs *runs, int role)
{
    int stack[3], n = 0;
    const char *href = NULL;
    x->role = role;
    for (const bt_run *r = runs->first; r; r = r->next) {
        if (r->kind == BT_RUN_TEXT && r->text.len == 0)
            continue;
        unsigned want = r->style;
        if ((want & BT_STYLE_LINK) && !r->href)
            want &= ~(unsigned)BT_STYLE_LINK;
        int k;
        for (k = 0; k < n; k++) {
            int keep = stack[k] == ST_A ? (want & BT_STYLE_LINK) &&
                                              strcmp(href, r->href) == 0
                       : stack[k] == ST_STRONG ? !!(want & BT_STYLE_STRONG)
                                               : !!(want & BT_STYLE_EM);
            if (!keep)
                break;
        }
        while (n > k) {
            end(x);
            n--;
        }
        int open_a = 0, open_s = 0, open_e = 0;
        for (int i = 0; i < n; i++) {
            open_a |= stack[i] == ST_A;
            open_s |= stack[i] == ST_STRONG;
            open_e |= stack[i] == ST_EM;
        }
        if ((want & BT_STYLE_LINK) && !open_a) {
            el(x, "a");
            attr(x, "href", r->href);
            href = r->href;
            stack[n++] = ST_A;
        }
        if ((want & BT_STYLE_STRONG) && !open_s) {
            el(x, "strong");
            stack[n++] = ST_STRONG;
        }
        if ((want & BT_STYLE_EM) && !open_e) {
            el(x, "em");
            stack[n++] = ST_EM;
        }
        x->strong = x->em = 0;
        for (int i = 0; i < n; i++) {
            x->strong |= stack[i] == ST_STRONG;
            x->em |= stack[i] == ST_EM;
        }
        if (r->kind == BT_RUN_BREAK) {
            el(x, "br");
            endv(x);
        } else {
            put_str(x, r->text);
        }
    }
    while (n > 0) {
        end(x);
        n--;
    }
    x->strong = x->em = 0;
    x->role = -1;
}

static const imgent *image_for(ep *x, const bt_article *art, const bt_block *b)
{
    const char *key = b->path ? b->path : b->src ? b->src : "";
    for (int i = 0; i < x->nimgs; i++)
        if (strcmp(x->imgs[i].key, key) == 0 &&
            x->imgs[i].img->file_len == b->image->file_len)
            return &x->imgs[i];
    if (x->nimgs == x->capimgs) {
        x->capimgs = x->capimgs ? 2 * x->capimgs : 16;
        x->imgs = bt_xrealloc(x->imgs, (size_t)x->capimgs * sizeof *x->imgs);
    }
    int n = ++x->art_imgs;
    imgent *e = &x->imgs[x->nimgs++];
    const bt_image *img = b->image;
    const char *ext = img->kind == BT_IMAGE_PNG ? "png" : "jpg";
    e->key = key;
    e->img = img;
    e->id = bt_arena_printf(x->a, "img-%d-%d", art->index + 1, n);
    e->href = bt_arena_printf(x->a, "images/%s.%s", e->id, ext);
    add_entry(x, bt_arena_printf(x->a, "EPUB/%s", e->href), img->file,
              img->file_len, R_IMAGE);
    return e;
}

static void list_markers(ep *x, const bt_block *b)
{
    char num[16];
    x->role = BT_ROLE_BODY;
    if (b->ordered) {
        snprintf(num, sizeof num, "%d. ", b->number);
        use_text(x, num, strlen(num));
    } else {
        use_text(x, "\xE2\x80\xA2 ", 4); /* U+2022 bullet */
    }
    x->role = -1;
}

static void put_blocks(ep *x, const bt_article *art)
{
    const bt_block *b = art->blocks;
    while (b) {
        switch (b->kind) {
        case BT_BLOCK_QUOTE:
            el(x, "blockquote");
            do {
                pagebreaks(x, art, b);
                el(x, "p");
                put_runs(x, &b->runs, BT_ROLE_QUOTE);
                end(x);
                b = b->next;
            } while (b && b->kind == BT_BLOCK_QUOTE && !b->group_start);
            end(x);
            nl(x);
            continue;
        case BT_BLOCK_ITEM: {
            int ordered = b->ordered, expect = b->number;
            el(x, ordered ? "ol" : "ul");
            if (ordered && b->number != 1)
                attri(x, "start", b->number);
            do {
                el(x, "li");
                if (ordered && b->number != expect)
                    attri(x, "value", b->number);
                pagebreaks(x, art, b);
                list_markers(x, b);
                put_runs(x, &b->runs, BT_ROLE_BODY);
                end(x);
                expect = b->number + 1;
                b = b->next;
            } while (b && b->kind == BT_BLOCK_ITEM && !b->group_start &&
                     b->ordered == ordered);
            end(x);
            nl(x);
            continue;
        }
        case BT_BLOCK_PARA:
            pagebreaks(x, art, b);
            el(x, "p");
            put_runs(x, &b->runs, BT_ROLE_BODY);
            end(x);
            break;
        case BT_BLOCK_HEADING:
            pagebreaks(x, art, b);
            el(x, "h2");
            put_runs(x, &b->runs, BT_ROLE_SUBHEAD);
            end(x);
            break;
        case BT_BLOCK_FIGURE:
            if (b->image && b->image->file && b->image->file_len) {
                const imgent *im = image_for(x, art, b);
                bt_str alt = b->alt;
                if (!alt.len)
                    alt = bt_runs_text(x->a, &b->runs);
                char *alt_c = (char *)cstr(x, alt);
                for (char *c = alt_c; *c; c++)
                    if (*c == '\n')
                        *c = ' ';
                x->nfigs++;
                if (!*alt_c)
                    x->all_alt = 0;
                pagebreaks(x, art, b);
                el(x, "figure");
                el(x, "img");
                attr(x, "src", bt_arena_printf(x->a, "../%s", im->href));
                attr(x, "alt", alt_c);
                endv(x);
                if (b->runs.count) {
                    el(x, "figcaption");
                    put_runs(x, &b->runs, BT_ROLE_CAPTION);
                    end(x);
                }
                end(x);
                break;
            }
            /* no picture: keep its caption as a note */
            /* fall through */
        case BT_BLOCK_PHOTO:
            pagebreaks(x, art, b);
            el(x, "p");
            attr(x, "class", "photo-note");
            put_runs(x, &b->runs, BT_ROLE_CAPTION);
            end(x);
            break;
        }
        nl(x);
        b = b->next;
    }
}

static void put_byline(ep *x, const bt_article *art)
{
    int parts = 0;
    bt_buf date = BT_BUF_INIT;
    if (art->date.y)
        format_date(x, &date, art->date);
    else if (art->date_text.text.len)
        bt_buf_put(&date, art->date_text.text.ptr, art->date_text.text.len);
    if (!art->authors && !art->source.text.len && !date.len) {
        bt_buf_free(&date);
        return;
    }
    el(x, "p");
    attr(x, "class", "byline");
    x->role = BT_ROLE_BYLINE;
    for (const bt_author *au = art->authors; au; au = au->next) {
        if (parts)
            put_cstr(x, au == art->authors ? " \xC2\xB7 " : ", ");
        put_str(x, au->name.text);
        parts++;
    }
    if (art->source.text.len) {
        if (parts)
            put_cstr(x, " \xC2\xB7 ");
        if (is_web_url(art->source_url)) {
            el(x, "a");
            attr(x, "href", art->source_url);
            put_str(x, art->source.text);
            end(x);
        } else {
            put_str(x, art->source.text);
        }
        parts++;
    }
    if (date.len) {
        if (parts)
            put_cstr(x, " \xC2\xB7 ");
        put_text(x, date.data, date.len);
    }
    x->role = -1;
    end(x);
    nl(x);
    bt_buf_free(&date);
}

static void write_article(ep *x, const bt_section *sec, const bt_article *art)
{
    const char *lang = art->lang ? art->lang : x->doc->lang;
    x->art_imgs = 0;
    xhtml_begin(x, lang, cstr(x, art->title.text), "../css/bantin.css");
    el(x, "body");
    nl(x);
    el(x, "section");
    attr(x, "epub:type", "chapter");
    attr(x, "role", "doc-chapter");
    attr(x, "aria-labelledby", "title");
    nl(x);
    pagebreaks(x, art, NULL);
    el(x, "header");
    nl(x);
    if (sec->title.text.len) {
        /* the section label is in the bulletin's language */
        el(x, "p");
        attr(x, "class", "section");
        if (!same_lang(lang, x->doc->lang)) {
            attr(x, "lang", x->doc->lang);
            attr(x, "xml:lang", x->doc->lang);
        }
        x->role = BT_ROLE_SECTION;
        put_str(x, sec->title.text);
        x->role = -1;
        end(x);
        nl(x);
    }
    if (art->kicker.text.len)
        text_el(x, "p", "kicker", BT_ROLE_KICKER, art->kicker.text);
    el(x, "h1");
    attr(x, "id", "title");
    attr(x, "class", "headline");
    x->role = BT_ROLE_HEADLINE;
    put_str(x, art->title.text);
    x->role = -1;
    end(x);
    nl(x);
    if (art->subtitle.text.len)
        text_el(x, "p", "subtitle", BT_ROLE_SUBTITLE, art->subtitle.text);
    put_byline(x, art);
    end(x); /* header */
    nl(x);
    if (art->lead.count) {
        el(x, "p");
        attr(x, "class", "lead");
        put_runs(x, &art->lead, BT_ROLE_LEAD);
        end(x);
        nl(x);
    }
    put_blocks(x, art);
    if (art->credit.text.len)
        text_el(x, "p", "credit", BT_ROLE_CAPTION, art->credit.text);
    end(x); /* section */
    nl(x);
    end(x); /* body */
    nl(x);
    end(x); /* html */
    doc_end(x, bt_arena_printf(x->a, "EPUB/text/%s.xhtml", art->id), R_TEXT);
}

/* ------------------------------------------------------------------ */
/* Cover, nav, NCX                                                     */
/* ------------------------------------------------------------------ */

static const char *doc_title(ep *x)
{
    return x->doc->title.text.len ? cstr(x, x->doc->title.text)
                                  : (x->L->vi ? "Bản tin" : "Bulletin");
}

static void lang_attrs_if_other(ep *x, const char *lang)
{
    if (lang && !same_lang(lang, x->doc->lang)) {
        attr(x, "lang", lang);
        attr(x, "xml:lang", lang);
    }
}

static void write_cover(ep *x)
{
    const bt_doc *d = x->doc;
    xhtml_begin(x, d->lang, doc_title(x), "css/bantin.css");
    el(x, "body");
    attr(x, "class", "cover");
    nl(x);
    el(x, "header");
    attr(x, "class", "masthead");
    nl(x);
    pagebreaks(x, NULL, NULL);
    el(x, "h1");
    attr(x, "class", "masthead");
    x->role = BT_ROLE_MASTHEAD;
    put_cstr(x, doc_title(x));
    x->role = -1;
    end(x);
    nl(x);
    if (d->subtitle.text.len)
        text_el(x, "p", "mastsub", BT_ROLE_MASTSUB, d->subtitle.text);
    bt_buf issue = BT_BUF_INIT;
    if (d->number.text.len)
        bt_buf_printf(&issue, "%s %.*s", x->L->number, (int)d->number.text.len,
                      d->number.text.ptr);
    if (d->date.y || d->date_text.text.len) {
        if (issue.len)
            bt_buf_puts(&issue, " \xC2\xB7 ");
        if (d->date.y)
            format_date(x, &issue, d->date);
        else
            bt_buf_put(&issue, d->date_text.text.ptr, d->date_text.text.len);
    }
    if (issue.len) {
        bt_str s = {issue.data, issue.len};
        text_el(x, "p", "issue", BT_ROLE_MASTSUB, s);
    }
    bt_buf_free(&issue);
    if (d->publisher.text.len)
        text_el(x, "p", "publisher", BT_ROLE_MASTSUB, d->publisher.text);
    end(x); /* header */
    nl(x);
    /* "in this issue" */
    el(x, "section");
    attr(x, "class", "contents");
    attr(x, "aria-labelledby", "contents-title");
    nl(x);
    el(x, "h2");
    attr(x, "id", "contents-title");
    attr(x, "class", "contents-title");
    x->role = BT_ROLE_SECTION;
    put_cstr(x, x->L->in_issue);
    x->role = -1;
    end(x);
    nl(x);
    const bt_section *s;
    const bt_article *art;
    bt_section_foreach(d, s) {
        if (!s->articles)
            continue;
        if (s->title.text.len)
            text_el(x, "h3", "toc-section", BT_ROLE_SECTION, s->title.text);
        el(x, "ul");
        attr(x, "class", "toc");
        bt_article_foreach(s, art) {
            el(x, "li");
            el(x, "a");
            attr(x, "href", bt_arena_printf(x->a, "text/%s.xhtml", art->id));
            lang_attrs_if_other(x, art->lang);
            x->role = BT_ROLE_TOC;
            put_str(x, art->title.text);
            x->role = -1;
            end(x);
            end(x);
        }
        end(x);
        nl(x);
    }
    end(x); /* section */
    nl(x);
    end(x); /* body */
    nl(x);
    end(x); /* html */
    doc_end(x, "EPUB/cover.xhtml", R_COVER);
}

static void nav_link(ep *x, const char *type, const char *href,
                     const char *label)
{
    el(x, "li");
    el(x, "a");
    if (type)
        attr(x, "epub:type", type);
    attr(x, "href", href);
    x->role = BT_ROLE_TOC;
    put_cstr(x, label);
    x->role = -1;
    end(x);
    end(x);
}

static void nav_heading(ep *x, const char *name, const char *cls,
                        const char *label)
{
    el(x, name);
    attr(x, "class", cls);
    x->role = BT_ROLE_SECTION;
    put_cstr(x, label);
    x->role = -1;
    end(x);
}

static void write_nav(ep *x)
{
    const bt_doc *d = x->doc;
    xhtml_begin(x, d->lang, x->L->toc, "css/bantin.css");
    el(x, "body");
    nl(x);
    el(x, "nav");
    attr(x, "epub:type", "toc");
    attr(x, "role", "doc-toc");
    attr(x, "id", "toc");
    nl(x);
    nav_heading(x, "h1", "toc-title", x->L->toc);
    nl(x);
    el(x, "ol");
    nl(x);
    const bt_section *s;
    const bt_article *art;
    bt_section_foreach(d, s) {
        if (!s->articles)
            continue;
        int grouped = s->title.text.len > 0;
        if (grouped) {
            el(x, "li");
            el(x, "span");
            x->role = BT_ROLE_SECTION;
            put_str(x, s->title.text);
            x->role = -1;
            end(x);
            el(x, "ol");
        }
        bt_article_foreach(s, art) {
            el(x, "li");
            el(x, "a");
            attr(x, "href", bt_arena_printf(x->a, "text/%s.xhtml", art->id));
            lang_attrs_if_other(x, art->lang);
            x->role = BT_ROLE_TOC;
            put_str(x, art->title.text);
            x->role = -1;
            end(x);
            end(x);
        }
        if (grouped) {
            end(x); /* ol */
            end(x); /* li */
        }
        nl(x);
    }
    end(x); /* ol */
    nl(x);
    end(x); /* nav */
    nl(x);

    el(x, "nav");
    attr(x, "epub:type", "landmarks");
    attr(x, "hidden", "hidden");
    nl(x);
    nav_heading(x, "h2", "nav-title", x->L->landmarks);
    el(x, "ol");
    nav_link(x, "cover", "cover.xhtml", x->L->cover);
    nav_link(x, "toc", "nav.xhtml#toc", x->L->toc);
    if (x->narts)
        nav_link(x, "bodymatter",
                 bt_arena_printf(x->a, "text/%s.xhtml", x->arts[0]->id),
                 x->L->start);
    end(x);
    nl(x);
    end(x); /* nav */
    nl(x);

    if (x->npages) {
        el(x, "nav");
        attr(x, "epub:type", "page-list");
        attr(x, "role", "doc-pagelist");
        attr(x, "hidden", "hidden");
        nl(x);
        nav_heading(x, "h2", "nav-title", x->L->pagelist);
        el(x, "ol");
        for (int p = 1; p <= x->npages; p++) {
            char num[16];
            snprintf(num, sizeof num, "%d", p);
            nav_link(x, NULL, page_href(x, p), num);
        }
        end(x);
        nl(x);
        end(x); /* nav */
        nl(x);
    }
    end(x); /* body */
    nl(x);
    end(x); /* html */
    doc_end(x, "EPUB/nav.xhtml", R_NAV);
}

/* NCX play order: one number per distinct target, in reading order; the
 * NCX requires equal numbers for equal targets (notes §4). */
typedef struct ncx_order {
    int cover;
    int *article; /* [index] */
    int *page;    /* [page - 1] */
} ncx_order;

static void ncx_plan(ep *x, ncx_order *o)
{
    int n = 0;
    o->article = bt_arena_alloc(x->a, sizeof(int) * (size_t)(x->narts + 1));
    o->page = bt_arena_alloc(x->a, sizeof(int) * (size_t)(x->npages + 1));
    o->cover = ++n;
    for (int k = 0; k <= x->narts; k++) {
        if (k > 0)
            o->article[k - 1] = ++n;
        if (x->npages)
            for (int i = x->bucket_off[k]; i < x->bucket_off[k + 1]; i++)
                o->page[x->bucket[i] - 1] = ++n;
    }
}

static void ncx_label(ep *x, const char *s, size_t len)
{
    el(x, "navLabel");
    el(x, "text");
    bt_buf_clear(&x->tmp);
    bt_buf_put(&x->tmp, s, len);
    if (x->w)
        chk(x, xmlTextWriterWriteString(x->w, BAD_CAST x->tmp.data));
    endv(x);
    endv(x);
}

static void ncx_point(ep *x, int *id, int order, const char *label, size_t len,
                      const char *src)
{
    el(x, "navPoint");
    attr(x, "id", bt_arena_printf(x->a, "np-%d", ++*id));
    attri(x, "playOrder", order);
    ncx_label(x, label, len);
    el(x, "content");
    attr(x, "src", src);
    endv(x);
}

static void write_ncx(ep *x)
{
    const bt_doc *d = x->doc;
    ncx_order o;
    ncx_plan(x, &o);
    doc_begin(x);
    el(x, "ncx");
    attr(x, "xmlns", "http://www.daisy.org/z3986/2005/ncx/");
    attr(x, "version", "2005-1");
    attr(x, "xml:lang", d->lang);
    nl(x);
    el(x, "head");
    static const char *names[] = {"dtb:uid", "dtb:depth", "dtb:totalPageCount",
                                  "dtb:maxPageNumber"};
    for (int i = 0; i < 4; i++) {
        el(x, "meta");
        attr(x, "name", names[i]);
        if (i == 0)
            attr(x, "content", x->ident);
        else
            attri(x, "content", i == 1 ? 2 : x->npages);
        endv(x);
    }
    endv(x);
    nl(x);
    el(x, "docTitle");
    el(x, "text");
    if (x->w)
        chk(x, xmlTextWriterWriteString(x->w, BAD_CAST doc_title(x)));
    endv(x);
    endv(x);
    nl(x);
    el(x, "navMap");
    nl(x);
    int id = 0;
    ncx_point(x, &id, o.cover, x->L->cover, strlen(x->L->cover), "cover.xhtml");
    endv(x);
    nl(x);
    const bt_section *s;
    const bt_article *art;
    bt_section_foreach(d, s) {
        if (!s->articles)
            continue;
        int grouped = s->title.text.len > 0;
        if (grouped)
            ncx_point(x, &id, o.article[s->articles->index], s->title.text.ptr,
                      s->title.text.len,
                      bt_arena_printf(x->a, "text/%s.xhtml", s->articles->id));
        bt_article_foreach(s, art) {
            ncx_point(x, &id, o.article[art->index], art->title.text.ptr,
                      art->title.text.len,
                      bt_arena_printf(x->a, "text/%s.xhtml", art->id));
            endv(x);
        }
        if (grouped)
            endv(x);
        nl(x);
    }
    endv(x); /* navMap */
    nl(x);
    if (x->npages) {
        el(x, "pageList");
        nl(x);
        ncx_label(x, x->L->pagelist, strlen(x->L->pagelist));
        for (int p = 1; p <= x->npages; p++) {
            char num[16];
            snprintf(num, sizeof num, "%d", p);
            el(x, "pageTarget");
            attr(x, "id", bt_arena_printf(x->a, "pt-%d", p));
            attr(x, "type", "normal");
            attr(x, "value", num);
            attri(x, "playOrder", o.page[p - 1]);
            ncx_label(x, num, strlen(num));
            el(x, "content");
            attr(x, "src", page_href(x, p));
            endv(x);
            endv(x);
            nl(x);
        }
        endv(x);
        nl(x);
    }
    endv(x); /* ncx */
    doc_end(x, "EPUB/toc.ncx", R_NCX);
}

/* ------------------------------------------------------------------ */
/* Fonts and stylesheet                                                */
/* ------------------------------------------------------------------ */

static int face_cmp(const void *pa, const void *pb)
{
    const face *a = pa, *b = pb;
    if (a->fam != b->fam)
        return a->fam - b->fam;
    if (a->fallback != b->fallback)
        return a->fallback - b->fallback;
    if (a->bold != b->bold)
        return a->bold - b->bold;
    if (a->italic != b->italic)
        return a->italic - b->italic;
    return a->font < b->font ? -1 : a->font > b->font;
}

static int file_of(ep *x, uint32_t font)
{
    for (int i = 0; i < x->nfiles; i++)
        if (x->files[i].font == font)
            return i;
    return -1;
}

/* One file per font id the faces use, named after the real face. */
static void plan_files(ep *x)
{
    if (x->nfaces > 1)
        qsort(x->faces, (size_t)x->nfaces, sizeof *x->faces, face_cmp);
    x->files = bt_arena_alloc(x->a, sizeof *x->files * (size_t)(x->nfaces + 1));
    for (int k = 0; k < x->nfaces; k++) {
        uint32_t font = x->faces[k].font;
        if (file_of(x, font) >= 0)
            continue;
        const char *fam = bt_fonts_family(x->fonts, font);
        char base[64];
        size_t n = 0;
        for (const char *c = fam ? fam : "Font"; *c && n < 40; c++)
            if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                (*c >= '0' && *c <= '9'))
                base[n++] = *c;
        if (!n)
            base[n++] = 'F';
        base[n] = 0;
        int b = bt_fonts_bold(x->fonts, font),
            i = bt_fonts_italic(x->fonts, font);
        const char *style = b && i ? "BoldItalic"
                            : b    ? "Bold"
                            : i    ? "Italic"
                                   : "Regular";
        const char *href =
            bt_arena_printf(x->a, "fonts/%s-%s.ttf", base, style);
        for (int v = 2; v < 1000; v++) {
            int clash = 0;
            for (int f = 0; f < x->nfiles; f++)
                clash |= strcmp(x->files[f].href, href) == 0;
            if (!clash)
                break;
            href = bt_arena_printf(x->a, "fonts/%s-%s-%d.ttf", base, style, v);
        }
        ffile *f = &x->files[x->nfiles];
        f->font = font;
        f->href = href;
        f->id = bt_arena_printf(x->a, "font-%d", x->nfiles + 1);
        x->nfiles++;
    }
}

/* Subsets every file to the union of its faces' code points. */
static int subset_files(ep *x)
{
    uint32_t *cps = NULL;
    int cap = 0, rc = 0;
    unsigned char *all = bt_xmalloc(CPSET_BYTES);
    for (int f = 0; f < x->nfiles && !rc; f++) {
        int n = 0;
        memset(all, 0, CPSET_BYTES);
        for (int k = 0; k < x->nfaces; k++)
            if (x->faces[k].font == x->files[f].font)
                for (size_t i = 0; i < CPSET_BYTES; i++)
                    all[i] |= x->faces[k].set[i];
        for (uint32_t cp = 0; cp < 0x110000; cp++) {
            if (!all[cp >> 3]) {
                cp |= 7;
                continue;
            }
            if (!has_cp(all, cp))
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 256;
                cps = bt_xrealloc(cps, (size_t)cap * sizeof *cps);
            }
            cps[n++] = cp;
        }
        bt_buf out = BT_BUF_INIT;
        if (bt_fonts_subset(x->fonts, x->files[f].font, cps, n, &out) != 0 ||
            out.len == 0) {
            const char *p = bt_fonts_path(x->fonts, x->files[f].font);
            bt_error(x->ctx, bt_pos_file(x->doc->file),
                     "cannot subset font '%s' for the EPUB", p ? p : "?");
            rc = -1;
        } else {
            add_entry(x, bt_arena_printf(x->a, "EPUB/%s", x->files[f].href),
                      bt_arena_memdup(x->a, out.data, out.len), out.len,
                      R_FONT);
        }
        bt_buf_free(&out);
    }
    free(cps);
    free(all);
    return rc;
}

/* v/1000 as a short decimal: 1500 -> "1.5" (no locale, no floats). */
static void css_dec(bt_buf *b, long v)
{
    char frac[8];
    snprintf(frac, sizeof frac, "%03ld", (v < 0 ? -v : v) % 1000);
    for (int i = 2; i >= 0 && frac[i] == '0'; i--)
        frac[i] = 0;
    bt_buf_printf(b, "%s%ld%s%s", v < 0 ? "-" : "", (v < 0 ? -v : v) / 1000,
                  frac[0] ? "." : "", frac);
}

static long clampl(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Relative size of a role on a phone: the layout's size over the body's,
 * with display sizes pulled towards the body size (a 1.9x headline over
 * 9.5 pt print body is 30 px on a 390 px screen: four words a line). The
 * order of the sizes is kept; small print stays readable (>= 0.8em). */
static long phone_size(long ratio)
{
    if (ratio > 1000)
        ratio = 1000 + (ratio - 1000) * 3 / 4;
    return clampl(ratio, 800, 2200);
}

static void css_role(ep *x, bt_buf *b, const char *sel, int role, int sized)
{
    const bt_style *st = &x->lay->style[role];
    const bt_style *body = &x->lay->style[BT_ROLE_BODY];
    const family *f = &x->fams[x->role_fam[role]];
    bt_buf_printf(b, "%s{font-family:\"%s\",%s;font-weight:%d;font-style:%s",
                  sel, f->css, f->generic, st->bold ? 700 : 400,
                  st->italic ? "italic" : "normal");
    long size = 1000;
    if (sized && st->size > 0 && body->size > 0) {
        size = phone_size((long)st->size * 1000 / body->size);
        bt_buf_puts(b, ";font-size:");
        css_dec(b, size);
        bt_buf_puts(b, "em");
    }
    if (sized && st->size > 0 && st->leading > 0) {
        /* the layout's leading, but text sizes get at least 1.4 on a
         * small screen and display sizes stay tight */
        long lh = (long)st->leading * 1000 / st->size;
        lh = size > 1200 ? clampl(lh, 1150, 1300) : clampl(lh, 1400, 1600);
        bt_buf_puts(b, ";line-height:");
        css_dec(b, lh);
    }
    uint32_t color = st->color;
    if ((role == BT_ROLE_KICKER || role == BT_ROLE_SECTION) &&
        x->lay->accent_color)
        color = x->lay->accent_color;
    if (color)
        bt_buf_printf(b, ";color:#%06x", (unsigned)(color & 0xFFFFFF));
    bt_buf_puts(b, "}\n");
}

static void write_css(ep *x)
{
    bt_buf b = BT_BUF_INIT;
    bt_buf_puts(&b, "@charset \"UTF-8\";\n/* bantin " BT_VERSION " */\n");
    for (int k = 0; k < x->nfaces; k++) {
        const face *f = &x->faces[k];
        int file = file_of(x, f->font);
        bt_buf_printf(&b,
                      "@font-face{font-family:\"%s\";font-style:%s;"
                      "font-weight:%d;src:url(\"../%s\") format(\"truetype\")",
                      x->fams[f->fam].css, f->italic ? "italic" : "normal",
                      f->bold ? 700 : 400, x->files[file].href);
        if (f->fallback) {
            /* only where the primary face has no glyph (CSS Fonts §4.5) */
            const char *sep = ";unicode-range:";
            for (uint32_t cp = 0; cp < 0x110000; cp++) {
                if (!has_cp(f->set, cp))
                    continue;
                uint32_t last = cp;
                while (last + 1 < 0x110000 && has_cp(f->set, last + 1))
                    last++;
                if (last == cp)
                    bt_buf_printf(&b, "%sU+%04X", sep, (unsigned)cp);
                else
                    bt_buf_printf(&b, "%sU+%04X-%04X", sep, (unsigned)cp,
                                  (unsigned)last);
                sep = ",";
                cp = last;
            }
        }
        bt_buf_puts(&b, "}\n");
    }
    /* EPUB 2-era engines (notes §4) */
    bt_buf_puts(&b, "section,header,footer,figure,figcaption,nav,article,aside"
                    "{display:block}\n[hidden]{display:none}\n");
    css_role(x, &b, "body", BT_ROLE_BODY, 0);
    /* Reading on a phone: ragged right (no justification: without
     * hyphenation, and Vietnamese is never hyphenated inside a syllable,
     * justified 35-character lines open rivers), hyphens only where the
     * text has them, paragraphs spaced rather than indented, no widows. */
    bt_buf_puts(&b, "body{font-size:1em;line-height:1.5;margin:0 3%;padding:0;"
                    "max-width:none;text-align:left;"
                    "-webkit-hyphens:manual;hyphens:manual;"
                    "adobe-hyphenate:none;overflow-wrap:break-word}\n"
                    "em{font-style:italic}\nstrong{font-weight:700}\n"
                    "p{margin:0 0 0.7em;text-indent:0;orphans:2;widows:2}\n"
                    "h1,h2,h3{margin:1.2em 0 0.4em;page-break-after:avoid;"
                    "break-after:avoid}\n"
                    "header{margin:0 0 1.2em}\n"
                    "p.section,p.kicker{margin:0 0 0.25em}\n"
                    "h1.headline{margin:0.1em 0 0.35em}\n"
                    "p.subtitle{margin:0 0 0.5em}\n"
                    "p.byline{margin:0.5em 0 0;padding-top:0.4em}\n"
                    "p.lead{margin:0 0 1em}\n"
                    "ul,ol{margin:0 0 0.7em;padding-left:1.5em}\n"
                    "li{margin:0 0 0.3em}\n"
                    "figure{margin:1.2em 0;page-break-inside:avoid;"
                    "break-inside:avoid}\n"
                    "img{max-width:100%;height:auto}\n"
                    "figure img{display:block;margin:0 auto}\n"
                    "figcaption{margin:0.4em 0 0}\n"
                    "p.photo-note{margin:0.4em 0 1em}\n"
                    "p.credit{text-align:right;margin-top:1em}\n"
                    "header.masthead{text-align:center;margin:1em 0 1.5em;"
                    "padding-bottom:0.8em}\n"
                    "h1.masthead{margin:0.2em 0 0.3em}\n"
                    "p.mastsub,p.issue,p.publisher{margin:0 0 0.3em}\n"
                    "ul.toc,nav ol{list-style:none;padding-left:0}\n"
                    "nav ol ol{padding-left:1em}\n"
                    "ul.toc li,nav li{margin:0 0 0.55em}\n"
                    "ul.toc a,nav a{text-decoration:none}\n"
                    "h3.toc-section,nav#toc span{display:block;"
                    "margin:1em 0 0.4em}\n");
    uint32_t rule = x->lay->rule_color, accent = x->lay->accent_color;
    bt_buf_printf(&b,
                  "header.masthead{border-bottom:0.1em solid #%06x}\n"
                  "p.byline{border-top:1px solid #%06x}\n"
                  "blockquote{margin:1em 0 1em 0.2em;padding-left:0.8em;"
                  "border-left:0.2em solid #%06x}\n"
                  "a{color:#%06x}\n",
                  (unsigned)(rule & 0xFFFFFF), (unsigned)(rule & 0xFFFFFF),
                  (unsigned)((accent ? accent : rule) & 0xFFFFFF),
                  (unsigned)((accent ? accent : 0x111111) & 0xFFFFFF));
    css_role(x, &b, "p.lead", BT_ROLE_LEAD, 1);
    css_role(x, &b, "h1.headline", BT_ROLE_HEADLINE, 1);
    css_role(x, &b, "p.subtitle", BT_ROLE_SUBTITLE, 1);
    css_role(x, &b, "p.kicker", BT_ROLE_KICKER, 1);
    css_role(x, &b, "p.byline", BT_ROLE_BYLINE, 1);
    css_role(x, &b, "h2", BT_ROLE_SUBHEAD, 1);
    css_role(x, &b, "blockquote p", BT_ROLE_QUOTE, 1);
    css_role(x, &b, "figcaption,p.photo-note,p.credit", BT_ROLE_CAPTION, 1);
    css_role(x, &b, "h1.masthead", BT_ROLE_MASTHEAD, 1);
    css_role(x, &b, "p.mastsub,p.issue,p.publisher", BT_ROLE_MASTSUB, 1);
    css_role(x, &b,
             "p.section,h1.toc-title,h2.contents-title,h2.nav-title,"
             "h3.toc-section,nav#toc span",
             BT_ROLE_SECTION, 1);
    css_role(x, &b, "ul.toc a,nav a", BT_ROLE_TOC, 1);
    bt_buf_puts(&b, "h1.toc-title{font-size:1.4em;margin-top:0.5em}\n");
    add_entry(x, "EPUB/css/bantin.css", bt_arena_memdup(x->a, b.data, b.len),
              b.len, R_CSS);
    bt_buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* Package document and container                                      */
/* ------------------------------------------------------------------ */

static void opf_meta(ep *x, const char *prop, const char *value,
                     const char *refines)
{
    el(x, "meta");
    if (refines)
        attr(x, "refines", refines);
    attr(x, "property", prop);
    if (x->w)
        chk(x, xmlTextWriterWriteString(x->w, BAD_CAST value));
    endv(x);
    nl(x);
}

static void opf_dc(ep *x, const char *name, const char *id, const char *value)
{
    el(x, name);
    if (id)
        attr(x, "id", id);
    if (x->w)
        chk(x, xmlTextWriterWriteString(x->w, BAD_CAST value));
    endv(x);
    nl(x);
}

static void opf_item(ep *x, const char *id, const char *href, const char *type,
                     const char *props)
{
    el(x, "item");
    attr(x, "id", id);
    attr(x, "href", href);
    attr(x, "media-type", type);
    if (props)
        attr(x, "properties", props);
    endv(x);
    nl(x);
}

static void stamp_tm(const bt_doc *d, struct tm *tm)
{
    memset(tm, 0, sizeof *tm);
    if (d->stamp.y > 0) {
        tm->tm_year = d->stamp.y - 1900;
        tm->tm_mon = d->stamp.mo - 1;
        tm->tm_mday = d->stamp.d;
        tm->tm_hour = d->stamp.h;
        tm->tm_min = d->stamp.mi;
        tm->tm_sec = d->stamp.s;
    } else {
        time_t t = (time_t)d->stamp.epoch;
        gmtime_r(&t, tm);
    }
}

static void opf_role(ep *x, const char *id, const char *role)
{
    el(x, "meta");
    attr(x, "refines", bt_arena_printf(x->a, "#%s", id));
    attr(x, "property", "role");
    attr(x, "scheme", "marc:relators");
    if (x->w)
        chk(x, xmlTextWriterWriteString(x->w, BAD_CAST role));
    endv(x);
    nl(x);
}

/* Who made the book. A single article (or articles by one set of people)
 * is theirs: dc:creator per author, role aut. A digest of several
 * articles by different people is compiled by its publisher: dc:creator
 * the publisher, role com (compiler), and each distinct article author a
 * dc:contributor, role aut, so that shelves show the office that issued
 * the bulletin rather than whoever wrote its first article. Without a
 * publisher the authors are the creators. Names are NFC (the readers
 * normalised them), compared exactly, listed in reading order. */
static void write_creators(ep *x)
{
    const bt_doc *d = x->doc;
    const char **names =
        bt_arena_alloc(x->a, sizeof *names * (size_t)(x->narts * 8 + 1));
    int n = 0, cap = x->narts * 8, same = 1;
    const bt_author *first = x->narts ? x->arts[0]->authors : NULL;
    for (int k = 0; k < x->narts; k++) {
        const bt_author *au = x->arts[k]->authors, *fa = first;
        for (; au && fa; au = au->next, fa = fa->next)
            same &= au->name.text.len == fa->name.text.len &&
                    memcmp(au->name.text.ptr, fa->name.text.ptr,
                           au->name.text.len) == 0;
        same &= !au && !fa;
        for (au = x->arts[k]->authors; au; au = au->next) {
            const char *name = cstr(x, au->name.text);
            int dup = !*name;
            for (int i = 0; i < n && !dup; i++)
                dup = strcmp(names[i], name) == 0;
            if (dup)
                continue;
            if (n == cap) {
                const char **more =
                    bt_arena_alloc(x->a, sizeof *more * (size_t)(2 * cap + 1));
                memcpy(more, names, sizeof *names * (size_t)n);
                names = more;
                cap = 2 * cap + 1;
            }
            names[n++] = name;
        }
    }
    int compiled = d->publisher.text.len && (!n || (x->narts > 1 && !same));
    if (compiled) {
        opf_dc(x, "dc:creator", "creator", cstr(x, d->publisher.text));
        opf_role(x, "creator", "com");
    }
    for (int i = 0; i < n; i++) {
        const char *id = bt_arena_printf(
            x->a, compiled ? "contributor-%d" : "creator-%d", i + 1);
        opf_dc(x, compiled ? "dc:contributor" : "dc:creator", id, names[i]);
        opf_role(x, id, "aut");
    }
}

static void write_opf(ep *x)
{
    const bt_doc *d = x->doc;
    char buf[64];
    struct tm tm;
    stamp_tm(d, &tm);
    doc_begin(x);
    el(x, "package");
    attr(x, "xmlns", "http://www.idpf.org/2007/opf");
    attr(x, "version", "3.0");
    attr(x, "unique-identifier", "pub-id");
    attr(x, "xml:lang", d->lang);
    attr(x, "dir", "ltr");
    nl(x);
    el(x, "metadata");
    attr(x, "xmlns:dc", "http://purl.org/dc/elements/1.1/");
    nl(x);
    opf_dc(x, "dc:identifier", "pub-id", x->ident);
    const char *title = doc_title(x);
    if (d->number.text.len)
        title = bt_arena_printf(x->a, "%s \xE2\x80\x93 %s %.*s", title,
                                x->L->number, (int)d->number.text.len,
                                d->number.text.ptr);
    opf_dc(x, "dc:title", "title", title);
    opf_dc(x, "dc:language", NULL, d->lang);
    /* dc:date is the publication date: the bulletin's, else the latest
     * article's, as precise as it is known; none when there is no date
     * (the 1980 fallback of the date rule is no publication date) */
    bt_date pub = d->date;
    if (!pub.y) {
        const bt_section *ds;
        const bt_article *da;
        bt_section_foreach(d, ds) {
            bt_article_foreach(ds, da) {
                bt_date ad = da->date;
                if (ad.y > pub.y ||
                    (ad.y == pub.y &&
                     (ad.m > pub.m || (ad.m == pub.m && ad.d > pub.d))))
                    pub = ad;
            }
        }
    }
    if (pub.y > 0 && pub.y <= 9999) {
        if (pub.m >= 1 && pub.m <= 12 && pub.d >= 1 && pub.d <= 31)
            snprintf(buf, sizeof buf, "%04d-%02d-%02d", pub.y, pub.m, pub.d);
        else if (pub.m >= 1 && pub.m <= 12)
            snprintf(buf, sizeof buf, "%04d-%02d", pub.y, pub.m);
        else
            snprintf(buf, sizeof buf, "%04d", pub.y);
        opf_dc(x, "dc:date", NULL, buf);
    }
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    opf_meta(x, "dcterms:modified", buf, NULL);
    if (d->publisher.text.len)
        opf_dc(x, "dc:publisher", NULL, cstr(x, d->publisher.text));
    write_creators(x);
    if (x->npages) {
        opf_dc(x, "dc:source", "print-source", x->source_id);
        opf_meta(x, "source-of", "pagination", "#print-source");
    }
    /* accessibility (notes §6) */
    opf_meta(x, "schema:accessMode", "textual", NULL);
    if (x->nfigs)
        opf_meta(x, "schema:accessMode", "visual", NULL);
    if (!x->nfigs || x->all_alt)
        opf_meta(x, "schema:accessModeSufficient", "textual", NULL);
    if (x->nfigs)
        opf_meta(x, "schema:accessModeSufficient", "textual,visual", NULL);
    static const char *features[] = {"structuralNavigation", "tableOfContents",
                                     "readingOrder", "displayTransformability"};
    for (int i = 0; i < 4; i++)
        opf_meta(x, "schema:accessibilityFeature", features[i], NULL);
    if (x->nfigs && x->all_alt)
        opf_meta(x, "schema:accessibilityFeature", "alternativeText", NULL);
    if (x->npages) {
        opf_meta(x, "schema:accessibilityFeature", "pageNavigation", NULL);
        opf_meta(x, "schema:accessibilityFeature", "pageBreakMarkers", NULL);
    }
    opf_meta(x, "schema:accessibilityHazard", "none", NULL);
    /* the conformance claim (EPUB Accessibility 1.1 §5): what tests/ace.sh,
     * epubcheck and epub-shot check on every build; the evaluator is the
     * issuing office when the bulletin names one */
    opf_meta(x, "dcterms:conformsTo",
             "EPUB Accessibility 1.1 - WCAG 2.1 Level AA", NULL);
    if (d->publisher.text.len)
        opf_meta(x, "a11y:certifiedBy", cstr(x, d->publisher.text), NULL);
    opf_meta(
        x, "schema:accessibilitySummary",
        x->nfigs && x->all_alt
            ? bt_arena_printf(x->a, "%s%s", x->L->summary, x->L->summary_alt)
            : x->L->summary,
        NULL);
    end(x); /* metadata */
    nl(x);

    el(x, "manifest");
    nl(x);
    opf_item(x, "nav", "nav.xhtml", "application/xhtml+xml", "nav");
    opf_item(x, "ncx", "toc.ncx", "application/x-dtbncx+xml", NULL);
    opf_item(x, "cover", "cover.xhtml", "application/xhtml+xml", NULL);
    opf_item(x, "css", "css/bantin.css", "text/css", NULL);
    for (int f = 0; f < x->nfiles; f++)
        opf_item(x, x->files[f].id, x->files[f].href, "font/ttf", NULL);
    for (int i = 0; i < x->nimgs; i++)
        opf_item(x, x->imgs[i].id, x->imgs[i].href, x->imgs[i].img->media_type,
                 NULL);
    for (int i = 0; i < x->narts; i++)
        opf_item(x, bt_arena_printf(x->a, "t-%s", x->arts[i]->id),
                 bt_arena_printf(x->a, "text/%s.xhtml", x->arts[i]->id),
                 "application/xhtml+xml", NULL);
    end(x);
    nl(x);

    el(x, "spine");
    attr(x, "toc", "ncx");
    nl(x);
    static const char *front[] = {"cover", "nav"};
    for (int i = 0; i < 2; i++) {
        el(x, "itemref");
        attr(x, "idref", front[i]);
        endv(x);
        nl(x);
    }
    for (int i = 0; i < x->narts; i++) {
        el(x, "itemref");
        attr(x, "idref", bt_arena_printf(x->a, "t-%s", x->arts[i]->id));
        endv(x);
        nl(x);
    }
    end(x);
    nl(x);

    el(x, "guide");
    nl(x);
    const char *refs[3][3] = {{"cover", x->L->cover, "cover.xhtml"},
                              {"toc", x->L->toc, "nav.xhtml"},
                              {"text", x->L->start, NULL}};
    if (x->narts)
        refs[2][2] = bt_arena_printf(x->a, "text/%s.xhtml", x->arts[0]->id);
    for (int i = 0; i < 3; i++) {
        if (!refs[i][2])
            continue;
        el(x, "reference");
        attr(x, "type", refs[i][0]);
        attr(x, "title", refs[i][1]);
        attr(x, "href", refs[i][2]);
        endv(x);
        nl(x);
    }
    end(x);
    nl(x);
    end(x); /* package */
    doc_end(x, "EPUB/package.opf", R_OPF);
}

static void write_container(ep *x)
{
    doc_begin(x);
    el(x, "container");
    attr(x, "version", "1.0");
    attr(x, "xmlns", "urn:oasis:names:tc:opendocument:xmlns:container");
    el(x, "rootfiles");
    el(x, "rootfile");
    attr(x, "full-path", "EPUB/package.opf");
    attr(x, "media-type", "application/oebps-package+xml");
    endv(x);
    endv(x);
    endv(x);
    doc_end(x, "META-INF/container.xml", R_CONTAINER);
}

/* The bulletin's identity: title, number and date, never the content,
 * so a typo fix or a new layout does not make a new book on readers'
 * shelves. A parsed date is written as ISO 8601 (the same issue dated
 * "27/11/2026" or "2026-11-27" is one book); otherwise its text. */
static void identity(ep *x, bt_buf *name)
{
    const bt_doc *d = x->doc;
    bt_buf_put(name, d->title.text.ptr, d->title.text.len);
    bt_buf_putc(name, '|');
    bt_buf_put(name, d->number.text.ptr, d->number.text.len);
    bt_buf_putc(name, '|');
    if (d->date.y)
        bt_buf_printf(name, "%04d-%02d-%02d", d->date.y, d->date.m, d->date.d);
    else
        bt_buf_put(name, d->date_text.text.ptr, d->date_text.text.len);
}

/* dc:identifier: urn:uuid: UUIDv5 (URL namespace) of "bantin:" + identity.
 *
 * dc:source (print-source, the origin of the page-list's numbers): the
 * printed edition, named by a second UUIDv5 of "bantin-pdf:" + identity.
 * Decision: this is deliberately not the PDF's trailer /ID. pdf_out.c
 * makes that an MD5 of title, number and the output stamp, so it moves
 * with SOURCE_DATE_EPOCH, is 16 raw bytes rather than a URN, and by the
 * PDF spec identifies a file, not an edition; and the EPUB writer takes
 * nothing from the PDF writer but the page map. The URN here is stable
 * (same inputs as the identifier, no date stamp, no content), and names
 * exactly one printed edition, which is what the source-of="pagination"
 * refinement asks for (like the ISBN of a print book). Nothing in the PDF
 * carries it; a reader matches the paper copy by title, number and date,
 * which the cover and the PDF both print. */
static void make_ids(ep *x)
{
    static const unsigned char ns_url[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad,
                                             0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0,
                                             0x4f, 0xd4, 0x30, 0xc8};
    char uuid[37];
    for (int k = 0; k < 2; k++) {
        bt_buf name = BT_BUF_INIT;
        bt_buf_puts(&name, k ? "bantin-pdf:" : "bantin:");
        identity(x, &name);
        bt_uuid5(ns_url, name.data, name.len, uuid);
        snprintf(k ? x->source_id : x->ident, sizeof x->ident, "urn:uuid:%s",
                 uuid);
        bt_buf_free(&name);
    }
}

/* ------------------------------------------------------------------ */
/* Zip                                                                 */
/* ------------------------------------------------------------------ */

static int entry_cmp(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank - b->rank;
    return a->seq - b->seq;
}

/* The finished archive, read back from libzip's in-memory source into
 * `out` (appended). 0 or -1. */
static int zip_bytes(zip_source_t *src, bt_buf *out)
{
    if (zip_source_open(src) < 0)
        return -1;
    char chunk[65536];
    zip_int64_t n;
    while ((n = zip_source_read(src, chunk, sizeof chunk)) > 0)
        bt_buf_put(out, chunk, (size_t)n);
    zip_source_close(src);
    return n < 0 ? -1 : 0;
}

/* Builds the zip in memory (libzip writes no file and no temp of its own)
 * and hands the bytes to bt_fsout_write, whose writes, fsync and close
 * are checked. libzip turns entry times into DOS time with localtime() at
 * zip_close, so TZ is UTC while the archive is open; the caller's TZ comes
 * back after. */
static int write_zip(ep *x, const char *path)
{
    int rc = -1;
    const char *name = bt_fsout_name(path);
    const char *old = getenv("TZ");
    char *saved = old ? bt_xstrdup(old) : NULL;
    bt_buf bytes = BT_BUF_INIT;
    setenv("TZ", "UTC", 1);
    tzset();

    qsort(x->ents, (size_t)x->nents, sizeof *x->ents, entry_cmp);
    time_t mt = (time_t)x->doc->stamp.epoch;
    if (mt < 315532800) /* DOS time starts at 1980-01-01 */
        mt = 315532800;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = mem ? zip_open_from_source(mem, ZIP_TRUNCATE, &ze) : NULL;
    if (!za) {
        bt_error(x->ctx, bt_pos_file(0), "cannot write '%s': %s", name,
                 zip_error_strerror(&ze));
        if (mem)
            zip_source_free(mem);
        zip_error_fini(&ze);
        goto out;
    }
    zip_error_fini(&ze);
    zip_source_keep(mem); /* outlives the archive: its bytes are read after */
    for (int k = 0; k < x->nents; k++) {
        const entry *e = &x->ents[k];
        int store = e->rank == R_MIMETYPE;
        zip_source_t *src = zip_source_buffer(za, e->data, e->len, 0);
        if (!src)
            goto fail;
        zip_int64_t i = zip_file_add(za, e->name, src, ZIP_FL_ENC_UTF_8);
        if (i < 0) {
            zip_source_free(src);
            goto fail;
        }
        zip_uint64_t u = (zip_uint64_t)i;
        if (zip_set_file_compression(za, u,
                                     store ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                                     store ? 0 : 9) < 0 ||
            zip_file_set_mtime(za, u, mt, 0) < 0 ||
            zip_file_set_external_attributes(za, u, 0, ZIP_OPSYS_UNIX,
                                             0100644u << 16) < 0)
            goto fail;
    }
    if (zip_close(za) < 0)
        goto fail;
    if (zip_bytes(mem, &bytes) != 0) {
        bt_error(x->ctx, bt_pos_file(0), "cannot write '%s': %s", name,
                 zip_error_strerror(zip_source_error(mem)));
    } else if (bt_fsout_write(x->ctx, path, bytes.data, bytes.len) == 0) {
        rc = 0;
    }
    zip_source_free(mem);
    goto out;
fail:
    bt_error(x->ctx, bt_pos_file(0), "cannot write '%s': %s", name,
             zip_error_strerror(zip_get_error(za)));
    zip_discard(za);
    zip_source_free(mem);
out:
    bt_buf_free(&bytes);
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    return rc;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                         */
/* ------------------------------------------------------------------ */

int bt_epub_write(bt_ctx *ctx, const bt_doc *doc, const bt_pages *pages,
                  const bt_layout *lay, bt_fonts *fonts, const char *path)
{
    ep x;
    memset(&x, 0, sizeof x);
    x.ctx = ctx;
    x.doc = doc;
    x.pages = pages;
    x.lay = lay;
    x.fonts = fonts;
    x.a = &ctx->arena;
    x.all_alt = 1;
    x.role = -1;
    x.L =
        doc->lang && strncmp(doc->lang, "vi", 2) == 0 ? &LABELS_VI : &LABELS_EN;
    if (fonts)
        x.shaper = bt_fonts_shaper(fonts);

    const bt_section *s;
    const bt_article *art;
    x.arts = bt_arena_alloc(x.a, sizeof *x.arts * (size_t)(doc->narticles + 1));
    bt_section_foreach(doc, s) {
        bt_article_foreach(s, art) {
            BT_ASSERT(art->index == x.narts && x.narts < doc->narticles);
            x.arts[x.narts++] = art;
        }
    }
    plan_families(&x);
    plan_pages(&x);
    make_ids(&x);

    add_entry(&x, "mimetype", "application/epub+zip", 20, R_MIMETYPE);
    write_container(&x);
    bt_section_foreach(doc, s) {
        bt_article_foreach(s, art)
            write_article(&x, s, art);
    }
    write_cover(&x);
    write_nav(&x);
    write_ncx(&x);
    int rc = 0;
    if (fonts) {
        plan_files(&x);
        rc = subset_files(&x);
    }
    write_css(&x);
    write_opf(&x);
    if (x.fail) {
        bt_error(ctx, bt_pos_file(doc->file),
                 "cannot write '%s': XML writer failed", path);
        rc = -1;
    }
    if (rc == 0)
        rc = write_zip(&x, path);

    for (int k = 0; k < x.nfaces; k++)
        free(x.faces[k].set);
    free(x.faces);
    free(x.imgs);
    free(x.ents);
    bt_buf_free(&x.tmp);
    return rc;
}
