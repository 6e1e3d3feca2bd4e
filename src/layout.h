/* layout.h - the pure layout engine's contract: layout settings (read from
 * layouts/ *.xml by read_layout.c) in, pages of positioned boxes out, plus a
 * page map (which node starts on which printed page) for the EPUB's
 * page-list. Never includes a writer or a library header. Units: 1/1000 pt
 * ("mpt"), y grows downward from the page's top-left corner. */
#ifndef BT_LAYOUT_H
#define BT_LAYOUT_H

#include "bantin.h"
#include "diag.h"
#include "model.h"
#include "shape.h"

/* Text roles of FORMATS.md §4; each has a style in the layout. */
enum bt_role {
    BT_ROLE_BODY,     /* paragraphs, list items */
    BT_ROLE_LEAD,     /* standfirst, bold */
    BT_ROLE_HEADLINE, /* article title */
    BT_ROLE_SUBTITLE, /* article subtitle */
    BT_ROLE_KICKER,   /* line above the headline */
    BT_ROLE_BYLINE,   /* author · source · date */
    BT_ROLE_SUBHEAD,  /* <h2> */
    BT_ROLE_QUOTE,    /* blockquote paragraphs */
    BT_ROLE_CAPTION,  /* figure captions, photo notes, credit */
    BT_ROLE_MASTHEAD, /* bulletin title on page 1 */
    BT_ROLE_MASTSUB,  /* masthead subtitle, number, date, publisher */
    BT_ROLE_SECTION,  /* section heading */
    BT_ROLE_TOC,      /* "in this issue" entries */
    BT_ROLE_HEADER,   /* running header */
    BT_ROLE_FOOTER,   /* page number footer */
    BT_ROLE_COUNT
};

typedef struct bt_style {
    const char *family; /* fontconfig family (cstr) */
    int bold, italic;
    int32_t size;         /* mpt */
    int32_t leading;      /* baseline-to-baseline, mpt */
    uint32_t color;       /* 0xRRGGBB */
    uint32_t font;        /* resolved font id (build.c, via bt_fonts_find) */
    uint32_t font_bold;   /* same family bold: <strong>, lead */
    uint32_t font_italic; /* same family italic: <em> */
    uint32_t font_bold_italic;
} bt_style;

typedef struct bt_layout {
    const char *name; /* "a4-3col" */
    int32_t page_w, page_h;
    int32_t margin_top, margin_right, margin_bottom, margin_left;
    int columns;           /* 1..6 */
    int32_t gap;           /* between columns */
    int32_t indent;        /* first-line indent of body paragraphs */
    int32_t para_space;    /* extra space between blocks (not paragraphs) */
    int32_t article_space; /* between articles on one page */
    int32_t rule_width;    /* rules under masthead, between articles */
    uint32_t rule_color;
    uint32_t accent_color; /* kicker, section headings */
    int article_new_page;  /* 1: each article starts on a new page */
    int figure_span;       /* 1: figures span all columns; 0: one column */
    int toc;               /* 1: "in this issue" box on page 1 */
    int blank_note; /* 1: imposed padding pages say "Trang để trống" */
    bt_style style[BT_ROLE_COUNT];
} bt_layout;

/* ---- output: pages of boxes ---- */

enum bt_box_kind {
    BT_BOX_GLYPHS, /* a run of glyphs in one font, size and colour */
    BT_BOX_IMAGE,  /* an image scaled into x,y,w,h */
    BT_BOX_RULE,   /* a filled rectangle x,y,w,h (h = thickness) */
    BT_BOX_LINK    /* a clickable area x,y,w,h: URI or internal page */
};

typedef struct bt_box {
    enum bt_box_kind kind;
    int32_t x, y, w,
        h; /* GLYPHS: x,y = baseline origin, w = advance, h = size */
    /* A table-of-contents entry's page number (GLYPHS) or link (LINK):
     * 1 + the index of the article it gives the page of; 0 elsewhere */
    uint32_t toc;
    union {
        struct {
            uint32_t font;  /* font id */
            int32_t size;   /* mpt */
            uint32_t color; /* 0xRRGGBB */
            int n;
            const bt_glyph *glyphs; /* arena */
            int32_t expand;         /* horizontal glyph scale minus 100 %, in
                                       1/10000 (150 = 101.5 %); the glyph x
                                       positions already include it */
        } run;
        struct {
            const bt_image *image;
        } img;
        struct {
            uint32_t color;
        } rule;
        struct {
            const char *uri; /* NULL for an internal link */
            int page;        /* internal: 1-based target page */
            int32_t y;       /* internal: target y on that page */
        } link;
    } u;
    bt_pos src; /* the node it came from */
    /* Reading order: the boxes of one piece of text (a paragraph with its
     * list marker, a heading, a caption) or one image share a number, in
     * document order; 0 for rules. A page's boxes are in reading order,
     * each piece contiguous where the page allows (a writer can wrap one
     * piece in one marked-content sequence). */
    uint32_t seq;
} bt_box;

typedef struct bt_page {
    int number; /* 1-based */
    bt_box *boxes;
    int nboxes;
} bt_page;

typedef struct bt_outline {
    int level; /* 0 section, 1 article */
    bt_str title;
    int page;  /* 1-based */
    int32_t y; /* top of the heading on that page, mpt */
} bt_outline;

/* Page map: one mark per page where a node starts, in order. */
typedef struct bt_pagemark {
    int page;                  /* 1-based printed page */
    const bt_article *article; /* article whose content starts the page */
    const bt_block *block;     /* its first block on the page; NULL = head */
} bt_pagemark;

typedef struct bt_pages {
    int32_t width, height; /* page size, mpt */
    bt_page *pages;
    int npages;
    bt_outline *outline;
    int noutline;
    bt_pagemark *marks; /* one per page (page 1 = cover/masthead too) */
    int nmarks;
    int *article_page; /* [article index] = page it starts on */
} bt_pages;

/* Lays out the document. Styles' font ids must be resolved. Returns 0, or
 * -1 after reporting errors (e.g. a character no font covers). Pages in
 * ctx->arena. */
int bt_layout_run(bt_ctx *ctx, const bt_doc *doc, const bt_layout *lay,
                  const bt_shaper *shaper, bt_pages **out);

/* Streaming: a receiver of finished pages. The engine runs a few passes
 * (the table of contents needs the article pages of the pass before, and a
 * bulletin that ends on a short tail is set again); in bt_layout_stream
 * every pass hands each page to the sink as soon as nothing can change it
 * any more (when the article that runs on the next page is placed, or the
 * pass ends), then frees its boxes: the engine never holds more than the
 * page being filled and the one article being set. */
typedef struct bt_page_sink {
    /* A pass begins. npages: how many pages the pass's footers count on
     * ("Trang p/npages"): those of the pass before, or one fewer for a
     * retry set to save the last page; 0 for the first pass, whose
     * footers say p/p. */
    void (*begin)(void *payload, int npages);
    /* Page pg->number (1-based, in order) is final in this pass; pg and
     * what it points to are valid during the call only. */
    void (*page)(void *payload, const bt_page *pg);
    /* The pass ended with npages pages. Returns 1 when what the sink made
     * of it is usable as the output (otherwise the pass is set again,
     * with the same settings, when it would have been the last one). */
    int (*end)(void *payload, int npages);
    void *payload;
    /* Optional (NULL: not wanted): the final page map (size, npages,
     * outline, marks, article pages; no boxes), as bt_layout_stream will
     * return it, once it is known before the pages are handed out (a
     * replayed bulletin: before its one pass goes to the sink). It lives
     * in ctx's arena. */
    void (*map)(void *payload, const bt_pages *map);
    /* Optional (NULL: not wanted): every page of a replayed bulletin, with
     * its boxes, after map and before they are handed out one by one
     * (the same pages, the same boxes); valid during the call only. */
    void (*held)(void *payload, const bt_page *pages, int npages);
} bt_page_sink;

/* bt_layout_run, with the pages handed to `sink` as they are final: *out
 * then has the page count, outline, page map and article pages, and no
 * boxes (pages[i].nboxes == 0). */
int bt_layout_stream(bt_ctx *ctx, const bt_doc *doc, const bt_layout *lay,
                     const bt_shaper *shaper, const bt_page_sink *sink,
                     bt_pages **out);
/* 1 (default): bt_layout_stream sets a bulletin of at most
 * BT_REPLAY_TEXT_BYTES of text once and hands out the pages of that pass
 * with the contents' page numbers put in (one pass to the sink); 0: every
 * bulletin streams its passes. The pages are the same; for tests. */
extern int bt_layout_replay;
/* For tests. 1 (default): the balancing search (headlines, contents
 * entries) skips the measures too narrow for the material in its line
 * count; 0 sets them (the breaks are the same). */
extern int bt_layout_balance_skip;
/* Widths it skipped since the program started. */
extern long bt_layout_balance_skipped;

/* read_layout.c: loads a layout by name (datadir/layouts/NAME.xml) or by
 * path (contains '/' or ends in .xml). Errors at `pos` (the <layout>
 * element or the command line), listing the known layout names. */
int bt_layout_load(bt_ctx *ctx, const char *name_or_path, bt_pos pos,
                   const char *datadir, bt_layout *out);
/* "body", "lead", ...: the role's name in layout files. */
const char *bt_layout_role_name(int role);
/* Defaults of a4-3col, used as the base every layout file overrides. */
void bt_layout_defaults(bt_layout *out);

#endif
