/* layout_int.h - the layout engine's private header: the unit list, the
 * engine state shared by its files, and the steps each file offers.
 *   layout.c        passes, articles (head, body block kinds), bt_layout_run
 *   layout_line.c   the line setter: text request -> line units
 *   layout_flow.c   pages and column flow (balance, keeps, floats)
 *   layout_front.c  page 1 (masthead, table of contents) and the running
 *                   header and page numbers
 * Pure like the engine: engine and base headers only. */
#ifndef BT_LAYOUT_INT_H
#define BT_LAYOUT_INT_H

#include <string.h>
#include "buf.h"
#include "layout.h"
#include "labels.h"

#define LINK_COLOR 0x1f4e8c

/* ---- units ---- */

enum unit_kind { U_LINE, U_SPACE, U_FIGURE, U_SPAN };
/* U_SPAN: a figure, or a displayed formula (layout.c display_units),
 * across all columns; the column flow stops above it and starts again
 * below it. */

/* How a line ends inside a word (unit.broken). */
enum { BROKEN_NONE, BROKEN_HYPHEN, BROKEN_JOINS, BROKEN_TOKEN };

typedef struct unit {
    enum unit_kind kind;
    int32_t h;     /* height taken, mpt */
    int32_t base;  /* baseline offset from the unit's top (lines) */
    bt_box *boxes; /* arena; positions relative to (left, unit top) */
    int nboxes;
    uint8_t keep;          /* 1: no column break after this unit */
    uint8_t short_end;     /* a justified line inside its paragraph that
                              ends short of the measure (a word too long
                              to share the line): 2 when it reads as the end
                              of a paragraph (and the line after as a
                              start), 1 when it might */
    uint8_t bare;          /* the line holds no letter (digits, signs) */
    uint8_t broken;        /* the line ends inside a word: BROKEN_HYPHEN
                              (an added or explicit hyphen), BROKEN_JOINS
                              (a URL break text tools join back) or
                              BROKEN_TOKEN (after ; = & ? \ or between
                              letters: text tools read a space there) */
    const bt_article *art; /* for the page map */
    const bt_block *blk;
} unit;

typedef struct units {
    bt_vec v; /* of unit */
} units;

typedef struct page_acc {
    bt_vec boxes; /* bt_box */
} page_acc;

/* A place on the current page where vertical space may be added when the
 * page ends short: everything at or below y moves down by up to max. */
typedef struct stretch_pt {
    int32_t y, max;
} stretch_pt;

typedef struct brkmemo brkmemo;

typedef struct engine {
    bt_ctx *ctx;
    const bt_doc *doc;
    const bt_layout *lay;
    const bt_shaper *sh;
    const bt_shaper *sh_once; /* sh without its memo: replayed, the body
                                 text (set once) is not kept in it */
    bt_lb_params lb;
    brkmemo *brk; /* line breaks of paragraphs set before, or NULL */
    int32_t left, top, bottom, width; /* content area */
    int32_t colw;
    bt_vec pages;   /* page_acc */
    bt_vec outline; /* bt_outline */
    bt_vec marks;   /* bt_pagemark */
    int32_t y;      /* next free y on the current page (full width) */
    int *article_page;
    const int *toc_pages; /* from the previous pass, or NULL */
    int rc;
    uint32_t seq;       /* the last reading-order number given (bt_box.seq) */
    bt_vec stretch;     /* stretch_pt of the current page, in y order */
    int32_t fill_after; /* while an article's last piece is flowed: the
                           height the next article needs to start under it
                           (0: nothing follows on this page) */
    const bt_article *jump;      /* the article whose next page break gets jump
                                    lines ("Tiếp trang 5"), or NULL */
    int jump_from;               /* page the continuation line names, or 0 */
    int no_jump;                 /* set no jump lines (a retry whose tail they
                                    had pushed onto a page of its own) */
    int jumps;                   /* jump lines set in this pass */
    int start_page;              /* page the last article started on */
    const bt_article *last_art;  /* the article laid out last */
    const bt_article *tight_art; /* some of its paragraphs are set one
                                    line tighter (a retry) */
    int tight_want;              /* how many: the cheapest first (the
                                    demerits a line fewer adds); < 0: all
                                    that can */
    int tighten;                 /* body text being set for tight_art */
    int tight_probe;             /* ... only to learn what a line fewer
                                    costs each of its paragraphs */
    int tight_n;                 /* paragraphs of it set so far */
    bt_vec tight_cost;           /* int64_t per paragraph: demerits a line
                                    fewer adds, or -1: none to be had */
    bt_vec tight_pick;           /* uint8_t per paragraph: set it tighter */
    int tight_left;              /* paragraphs not picked could be too */
    int tail_lines;              /* lines on the last page (short_tail) */
    int short_tail;              /* the pass ended with a page that holds only
                                    a short tail of an article begun before */
    struct page_stream *stream;  /* layout.c: pages handed to a sink as soon
                                    as they are final, or NULL (all kept) */
    int replay;                  /* pages kept to the end of the layout and
                                    handed to the sink then (layout.c) */
    bt_arena units;              /* unit boxes of the piece being placed: page
                                    boxes are copies, so this is freed after each
                                    article (glyph arrays stay in ctx->arena) */
} engine;
static inline bt_runs text_runs(bt_arena *a, bt_str text, bt_pos pos)
{
    bt_runs r = {0};
    bt_runs_add(a, &r, BT_RUN_TEXT, 0, text, pos);
    return r;
}

static inline bt_str cstr(const char *s)
{
    bt_str r = {s, strlen(s)};
    return r;
}

/* 1 when the bulletin is in Vietnamese (labels, dates). */
enum bt_label_lang bt_layout_lang(const engine *e);

/* ---- the line setter (layout_line.c) ---- */

/* AL_BALANCE: ragged right, with the lines made as even as possible
 * (headlines: no lone word on the last line). */
enum align { AL_JUSTIFY, AL_LEFT, AL_RIGHT, AL_CENTER, AL_BALANCE };

/* One piece of text to set: what, in which role, on which measure. Fields
 * left zero mean "none" (no indent, no page-map owner, no marker). */
typedef struct text_req {
    enum bt_role role;
    const bt_runs *runs;
    int32_t x0;    /* left edge of the measure in the unit */
    int32_t width; /* the measure */
    enum align al;
    int32_t indent;        /* first-line indent */
    const bt_article *art; /* owner for the page map, or NULL */
    const bt_block *blk;
    const char *marker; /* list marker, or NULL: set flush right, */
    int32_t marker_gap; /* ending this far left of x0 */
    int32_t size;       /* the text size (mpt), or 0: the role's; the line keeps
                           the role's leading */
} text_req;

bt_textstyle bt_layout_textstyle(const engine *e, enum bt_role role, int ragged,
                                 int32_t indent, int32_t width);
/* Sets the request into lines appended to out as U_LINE units. Returns
 * the number of lines. */
int bt_layout_set_text(engine *e, units *out, const text_req *rq);
/* 1 when the request's text is mostly code (a formula, URL or path;
 * layout_line.c DISPLAY_CODE_NUM) and fits on one line of its measure set
 * ragged (natural spaces, no indent, every token whole) at the role's size
 * or smaller, down to BT_SHRINK_MIN of it: what layout.c displays across
 * the columns. *size: the size to set it at (the role's when that fits).
 * Shapes the text, sets nothing, reports nothing. */
int bt_layout_display_fits(engine *e, const text_req *rq, int32_t *size);
/* Makes b a run of n glyphs in segment sg's font, size and colour at
 * (x, y), w wide: every glyph box of the engine is made here. */
void bt_layout_glyph_box(bt_box *b, const bt_seg *sg, const bt_glyph *gl, int n,
                         int32_t x, int32_t y, int32_t w);
/* Makes room for `extra` more boxes in u (copied into the unit arena);
 * returns the first new one. */
bt_box *bt_layout_unit_grow(engine *e, unit *u, int extra);
void bt_layout_keep_para(units *u, int first, int count);
/* The line-break memo: a paragraph set again (the next pass, a start
 * measured before it is placed, the short-tail retry) with the same items,
 * width and parameters gets the same breaks without the breaker. */
brkmemo *bt_layout_brkmemo_new(void);
void bt_layout_brkmemo_free(brkmemo *m);
void bt_layout_add_space(units *u, int32_t h, int keep);
void bt_layout_add_rule_unit(engine *e, units *u, int32_t width, int32_t thick,
                             uint32_t color, int32_t space_above,
                             int32_t space_below);
void bt_layout_units_done(engine *e);

/* ---- pages and columns (layout_flow.c) ---- */

page_acc *bt_layout_cur_page(engine *e);
void bt_layout_new_page(engine *e);
void bt_layout_full_rule(engine *e);
void bt_layout_place_unit(engine *e, const unit *u, int32_t x, int32_t y);
int32_t bt_layout_units_height(const units *u, int from, int to);
void bt_layout_place_stack(engine *e, const units *u, int from, int to);
void bt_layout_flow_columns(engine *e, const unit *src, int n);
/* Marks y on the current page as a place that may take up to max more
 * space when the page is justified. */
void bt_layout_stretch_point(engine *e, int32_t y, int32_t max);
/* Ends the current page short at e->y: spreads the white left below it
 * over the page's stretch points, each within its max. */
void bt_layout_justify_page(engine *e);
/* A line of caption text a column wide at (x, y), set flush right or left
 * (jump lines), placed when `place`; returns its height. */
int32_t bt_layout_note_line(engine *e, const char *text, int32_t x, int32_t y,
                            int right, int place);

/* Puts each page's boxes in reading order: a text that a floating figure
 * interrupts (on the page, or from the page before) is read whole before
 * that figure. Before the furniture is added. */
void bt_layout_reading_order(engine *e);
/* The same for page p (0-based) alone, pages in order: `carry` is what
 * the call for the page before returned (0 for the first page). */
uint32_t bt_layout_page_order(engine *e, int p, uint32_t carry);

/* ---- the short-tail retry (layout.c) ---- */

/* For a paragraph of the article being set tighter (e->tighten): sets
 * lb->looseness to -1 when it is one of those picked, or, while the
 * costs are being learnt, returns `c` for the breaker to fill (then
 * bt_layout_tight_cost); NULL otherwise. */
bt_lb_costs *bt_layout_tight_para(engine *e, bt_lb_params *lb, bt_lb_costs *c);
void bt_layout_tight_cost(engine *e, const bt_lb_costs *c);

/* ---- page 1 and furniture (layout_front.c) ---- */

void bt_layout_masthead(engine *e);
void bt_layout_toc(engine *e);
void bt_layout_toc_patch(engine *e);

/* Scratch memory for one piece of page 1 (a contents entry): between
 * begin and end, ctx->arena and e->units are fresh arenas; end copies the
 * box arrays of units [first, n) of u into the units arena of before
 * (unit_grow leaves the arrays it outgrew behind), their glyph arrays and
 * link targets out (into the held pages' arena when streaming, else the
 * pass's arena), and the messages of the diagnostics reported meanwhile
 * into the pass's arena, then frees the rest: shaping results, breaks,
 * runs and outgrown boxes. */
typedef struct scratch_mem {
    bt_arena outer;       /* the pass's arena, put back at the end */
    bt_arena outer_units; /* e->units before, put back at the end */
    int ndiags;           /* diagnostics before */
} scratch_mem;
void bt_layout_scratch_begin(engine *e, scratch_mem *m);
void bt_layout_scratch_end(engine *e, scratch_mem *m, units *u, int first);
void bt_layout_furniture(engine *e);
/* The same for page p (0-based) alone, in a bulletin of n pages. */
void bt_layout_furniture_page(engine *e, int p, int n);

#endif
