/* layout.c - the page layout engine: bt_doc + bt_layout + a bt_shaper in,
 * bt_pages out (boxes in 1/1000 pt, y down from the top-left corner).
 * Pure: no library headers, no I/O; the PDF writer only draws the result.
 *
 * Every piece of text becomes a list of "units" (a line, a figure, a gap)
 * with boxes positioned relative to the unit. Units flow down columns; a
 * unit that must stay with the next one (first and last line of a
 * paragraph: no widows or orphans; headings; figure + caption) is never the
 * last of a column. Article heads and section headings span all columns;
 * each article's columns are balanced where it ends; a figure that does not
 * fit floats below the following text; page 1 carries the masthead and the
 * table of contents, whose page numbers come from a first pass (run in a
 * scratch arena). Justified lines share their slack between word spaces and
 * a little letter-spacing (the word boxes' own stretch); headlines are
 * balanced. Page placement is a plain translation of unit boxes, so
 * imposition can be a transform later. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "image.h"
#include "buf.h"
#include "layout.h"
#include "bt_limits.h"
#include "linebreak.h"
#include "text.h"

#define LINK_COLOR 0x1f4e8c

/* ---- units ---- */

enum unit_kind { U_LINE, U_SPACE, U_FIGURE, U_SPAN };
/* U_SPAN: a figure across all columns; the column flow stops above it and
 * starts again below it. */

typedef struct unit {
    enum unit_kind kind;
    int32_t h;          /* height taken, mpt */
    int32_t base;       /* baseline offset from the unit's top (lines) */
    bt_box *boxes;      /* arena; positions relative to (left, unit top) */
    int nboxes;
    uint8_t keep;       /* 1: no column break after this unit */
    const bt_article *art; /* for the page map */
    const bt_block *blk;
} unit;

typedef struct units {
    bt_vec v; /* of unit */
} units;

typedef struct page_acc {
    bt_vec boxes; /* bt_box */
} page_acc;

typedef struct engine {
    bt_ctx *ctx;
    const bt_doc *doc;
    const bt_layout *lay;
    const bt_shaper *sh;
    bt_lb_params lb;
    int32_t left, top, bottom, width; /* content area */
    int32_t colw;
    bt_vec pages;   /* page_acc */
    bt_vec outline; /* bt_outline */
    bt_vec marks;   /* bt_pagemark */
    int32_t y;   /* next free y on the current page (full width) */
    int *article_page;
    const int *toc_pages; /* from the previous pass, or NULL */
    int rc;
    bt_arena units;       /* unit boxes of the piece being placed: page
                             boxes are copies, so this is freed after each
                             article (glyph arrays stay in ctx->arena) */
} engine;

static bt_runs text_runs(bt_arena *a, bt_str text, bt_pos pos)
{
    bt_runs r = {0};
    bt_runs_add(a, &r, BT_RUN_TEXT, 0, text, pos);
    return r;
}

static bt_str cstr(const char *s)
{
    bt_str r = {s, strlen(s)};
    return r;
}

static bt_textstyle textstyle(const engine *e, enum bt_role role, int ragged,
                              int32_t indent, int32_t width)
{
    const bt_style *s = &e->lay->style[role];
    bt_textstyle t;
    t.font = s->font;
    t.font_bold = s->font_bold;
    t.font_italic = s->font_italic;
    t.font_bold_italic = s->font_bold_italic;
    t.size = s->size;
    t.color = s->color;
    t.link_color = LINK_COLOR;
    t.ragged = ragged;
    t.indent = indent;
    t.width = width;
    return t;
}

/* Baseline offset inside a line of `leading`: room above for stacked
 * Vietnamese capitals (1.05 em), the rest below. */
static int32_t line_base(int32_t leading, int32_t size)
{
    int32_t base = leading - size / 4;
    if (base < size * 21 / 20)
        base = size * 21 / 20;
    return base;
}

/* AL_BALANCE: ragged right, with the lines made as even as possible
 * (headlines: no lone word on the last line). */
enum align { AL_JUSTIFY, AL_LEFT, AL_RIGHT, AL_CENTER, AL_BALANCE };

/* Sets `runs` in `role` into lines of `width` (x offset `x0`), appended to
 * out as units. `marker` (may be NULL) is set in the first line's hanging
 * area at x = x0 - hang. Returns the number of lines. */
static int set_text(engine *e, units *out, enum bt_role role,
                    const bt_runs *runs, int32_t x0, int32_t width,
                    enum align al, int32_t indent, const bt_article *art,
                    const bt_block *blk, const char *marker, int32_t hang)
{
    bt_arena *a = &e->ctx->arena;
    bt_textstyle ts = textstyle(e, role, al != AL_JUSTIFY, indent, width);
    bt_para para;
    if (bt_shape_para(e->ctx, e->sh, &ts, runs, &para) != 0)
        e->rc = -1;
    bt_break *br = NULL;
    int32_t w = width;
    bt_lb_params lb = e->lb;
    lb.emergency_stretch = ts.size * 2;
    int nl = bt_linebreak_run(a, para.items, para.nitems, &w, 1, &lb, &br, NULL);
    if (al == AL_BALANCE && nl >= 2) {
        /* the narrowest measure that still needs no more lines; a headline
         * over several columns keeps reaching into the last one, so its
         * first line still ties the columns together for readers that
         * find reading order from the page's geometry */
        int32_t lo = width / nl, hi = width;
        if (width > e->colw && lo < width - e->colw / 2)
            lo = width - e->colw / 2;
        bt_break *best = br;
        while (hi - lo > 500) {
            int32_t mid = lo + (hi - lo) / 2;
            bt_break *b2 = NULL;
            int n2 = bt_linebreak_run(a, para.items, para.nitems, &mid, 1, &lb,
                                      &b2, NULL);
            int over = 0;
            for (int k = 0; k < n2; k++)
                over |= b2[k].flags & BT_LB_OVERFULL;
            if (n2 == nl && !over) {
                hi = mid;
                best = b2;
            } else {
                lo = mid;
            }
        }
        br = best;
        al = AL_LEFT;
    }
    const bt_style *st = &e->lay->style[role];
    int32_t lead = st->leading;
    int start = 0;
    for (int l = 0; l < nl; l++) {
        int end = br[l].item; /* exclusive */
        if (end > para.nitems)
            end = para.nitems;
        /* skip discardables at the line start (not the indent box) */
        if (l > 0)
            while (start < end && para.items[start].kind != BT_ITEM_BOX)
                start++;
        int forced = end >= para.nitems ||
                     (para.items[end].kind == BT_ITEM_PENALTY &&
                      para.items[end].penalty <= -BT_PENALTY_INF);
        /* natural width and glue totals */
        int64_t nat = 0, str = 0, shr = 0;
        int last_box = start - 1;
        for (int i = start; i < end; i++)
            if (para.items[i].kind == BT_ITEM_BOX)
                last_box = i;
        int64_t glue_str = 0;
        for (int i = start; i <= last_box; i++) {
            const bt_item *it = &para.items[i];
            if (it->kind == BT_ITEM_PENALTY)
                continue;
            nat += it->width;
            str += it->stretch > 0 ? it->stretch : 0;
            if (it->kind == BT_ITEM_GLUE && it->stretch > 0)
                glue_str += it->stretch;
            shr += it->shrink;
        }
        if (al != AL_JUSTIFY)
            str = 0; /* ragged: natural spaces (glue trios sum to one) */
        int64_t slack = (int64_t)width - nat;
        /* letter-spacing is for fine adjustment: a line that must stretch
         * far beyond it (r > 4: an emergency, e.g. before a word broken
         * between letters) stretches its word spaces only */
        int letters = 1;
        if (str > 0 && glue_str > 0 && slack > 4 * str) {
            str = glue_str;
            letters = 0;
        }
        int justify = al == AL_JUSTIFY && !forced && slack > 0 && str > 0;
        int squeeze = slack < 0 && shr > 0;
        /* place: the slack is shared out in proportion to each item's
         * stretch (or shrink), rounding carried so the line ends flush */
        bt_vec boxes = {0};
        boxes.size = sizeof(bt_box);
        int64_t x = 0, given = 0, acc = 0;
        int64_t total = justify ? str : squeeze ? shr : 0;
        int64_t amount = justify ? slack : squeeze ? BT_MAX(slack, -shr) : 0;
        for (int i = start; i <= last_box; i++) {
            const bt_item *it = &para.items[i];
            if (it->kind == BT_ITEM_PENALTY)
                continue;
            int64_t extra = 0;
            if (total && (letters || it->kind == BT_ITEM_GLUE || squeeze)) {
                int32_t part = justify ? it->stretch : it->shrink;
                acc += part > 0 ? part : 0;
                int64_t want = amount * acc / total;
                extra = want - given;
                given = want;
            }
            if (it->kind == BT_ITEM_GLUE) {
                x += it->width + extra;
            } else if (it->ref != UINT32_MAX) {
                const bt_word *wd = &para.words[it->ref];
                int ng = 0, done = 0;
                for (int s = 0; s < wd->ns; s++)
                    ng += para.segs[wd->s0 + s].ng;
                int64_t shift_acc = 0; /* letter-spacing given so far */
                for (int s = 0; s < wd->ns; s++) {
                    const bt_seg *sg = &para.segs[wd->s0 + s];
                    const bt_glyph *gl = para.glyphs + sg->g0;
                    int32_t seg_x = (int32_t)(x + sg->x + shift_acc);
                    int32_t seg_w = sg->w;
                    if (extra && ng > 1) {
                        /* spread `extra` over the ng-1 letter gaps */
                        bt_glyph *cp = bt_arena_memdup(a, gl, sizeof *gl * (size_t)sg->ng);
                        int64_t base = extra * done / (ng - 1);
                        for (int g = 0; g < sg->ng; g++)
                            cp[g].x += (int32_t)(extra * (done + g) / (ng - 1) - base);
                        done += sg->ng;
                        int64_t upto = extra * (done < ng ? done : ng - 1) / (ng - 1);
                        seg_w += (int32_t)(upto - base);
                        shift_acc = upto;
                        gl = cp;
                    }
                    bt_box *b = bt_vec_push(&boxes);
                    b->kind = BT_BOX_GLYPHS;
                    b->x = seg_x;
                    b->y = 0;
                    b->w = seg_w;
                    b->h = sg->size;
                    b->u.run.font = sg->font;
                    b->u.run.size = sg->size;
                    b->u.run.color = sg->color;
                    b->u.run.n = sg->ng;
                    b->u.run.glyphs = gl;
                    b->src = sg->pos;
                    if (sg->href) {
                        bt_box *k = bt_vec_push(&boxes);
                        k->kind = BT_BOX_LINK;
                        k->x = seg_x;
                        k->y = -sg->size * 9 / 10;
                        k->w = seg_w;
                        k->h = sg->size * 6 / 5;
                        k->u.link.uri = sg->href;
                        k->src = sg->pos;
                    }
                }
                x += it->width + extra;
            } else {
                x += it->width + extra;
            }
        }
        int32_t shift = 0;
        if (al == AL_RIGHT)
            shift = (int32_t)(width - x);
        else if (al == AL_CENTER)
            shift = (int32_t)((width - x) / 2);
        int32_t base = line_base(lead, st->size);
        int ntext = boxes.n;
        for (int i = 0; i < ntext; i++)
            ((bt_box *)boxes.p)[i].x += shift + x0;
        if (l == 0 && marker) {
            bt_runs mr = text_runs(a, cstr(marker),
                                   art ? art->pos : bt_pos_file(0));
            bt_textstyle ms = textstyle(e, role, 1, 0, 0);
            bt_para mp;
            if (bt_shape_para(e->ctx, e->sh, &ms, &mr, &mp) != 0)
                e->rc = -1;
            for (int s = 0; s < mp.nsegs; s++) {
                const bt_seg *sg = &mp.segs[s];
                bt_box *b = bt_vec_push(&boxes);
                b->kind = BT_BOX_GLYPHS;
                b->x = x0 - hang + sg->x;
                b->w = sg->w;
                b->h = sg->size;
                b->u.run.font = sg->font;
                b->u.run.size = sg->size;
                b->u.run.color = sg->color;
                b->u.run.n = sg->ng;
                b->u.run.glyphs = mp.glyphs + sg->g0;
            }
        }
        for (int i = 0; i < boxes.n; i++)
            ((bt_box *)boxes.p)[i].y += base;
        unit *u = bt_vec_push(&out->v);
        u->kind = U_LINE;
        u->h = lead;
        u->base = base;
        u->nboxes = boxes.n;
        u->boxes = bt_arena_memdup(&e->units, boxes.p,
                                    (size_t)boxes.n * sizeof(bt_box));
        u->art = art;
        u->blk = blk;
        free(boxes.p);
        start = end + 1;
    }
    return nl;
}

/* Widow/orphan control: the first line stays with the second, the
 * next-to-last with the last. */
static void keep_para(units *u, int first, int count)
{
    unit *a = u->v.p;
    if (count >= 2) {
        a[first].keep = 1;
        a[first + count - 2].keep = 1;
    }
}

static void add_space(units *u, int32_t h, int keep)
{
    unit *s = bt_vec_push(&u->v);
    s->kind = U_SPACE;
    s->h = h;
    s->keep = (uint8_t)keep;
}

static void add_rule_unit(engine *e, units *u, int32_t width, int32_t thick,
                          uint32_t color, int32_t space_above,
                          int32_t space_below)
{
    unit *s = bt_vec_push(&u->v);
    s->kind = U_SPACE;
    s->h = space_above + thick + space_below;
    s->keep = 1;
    bt_box *b = bt_arena_alloc(&e->units, sizeof *b);
    b->kind = BT_BOX_RULE;
    b->x = 0;
    b->y = space_above;
    b->w = width;
    b->h = thick;
    b->u.rule.color = color;
    s->boxes = b;
    s->nboxes = 1;
}

/* Frees the unit boxes once a piece is placed (pages hold copies). */
static void units_done(engine *e)
{
    bt_arena_free(&e->units);
    bt_arena_init(&e->units);
}

/* ---- pages ---- */

static page_acc *cur_page(engine *e)
{
    return &((page_acc *)e->pages.p)[e->pages.n - 1];
}

static void new_page(engine *e)
{
    if (e->pages.n >= BT_MAX_PAGES) {
        if (e->rc == 0)
            bt_error(e->ctx, bt_pos_file(e->doc->file),
                     "the bulletin needs more than %d pages", BT_MAX_PAGES);
        e->rc = -1;
        return;
    }
    page_acc *p = bt_vec_push(&e->pages);
    p->boxes.size = sizeof(bt_box);
    e->y = e->top;
}

static void mark_page(engine *e, const bt_article *art, const bt_block *blk)
{
    int page = e->pages.n;
    bt_pagemark *m = e->marks.n ? &((bt_pagemark *)e->marks.p)[e->marks.n - 1]
                                : NULL;
    if (!art || (m && m->page == page))
        return;
    m = bt_vec_push(&e->marks);
    m->page = page;
    m->article = art;
    m->block = blk;
}

/* A thin rule across the text width at the current y (between articles,
 * under the table of contents). */
static void full_rule(engine *e)
{
    bt_box *b = bt_vec_push(&cur_page(e)->boxes);
    b->kind = BT_BOX_RULE;
    b->x = e->left;
    b->y = e->y;
    b->w = e->width;
    b->h = e->lay->rule_width;
    b->u.rule.color = e->lay->rule_color;
}

static void place_unit(engine *e, const unit *u, int32_t x, int32_t y)
{
    page_acc *p = cur_page(e);
    for (int i = 0; i < u->nboxes; i++) {
        bt_box *b = bt_vec_push(&p->boxes);
        *b = u->boxes[i];
        b->x += x;
        b->y += y;
    }
    if (u->kind != U_SPACE)
        mark_page(e, u->art, u->blk);
}

static int32_t units_height(const units *u, int from, int to)
{
    int32_t h = 0;
    const unit *a = u->v.p;
    for (int i = from; i < to; i++)
        h += a[i].h;
    return h;
}

/* Places units [from, to) one under the other at full width, on a new
 * page when one does not fit (a headline longer than a page). */
static void place_stack(engine *e, const units *u, int from, int to)
{
    const unit *a = u->v.p;
    for (int i = from; i < to; i++) {
        if (e->y + a[i].h > e->bottom && e->y > e->top)
            new_page(e);
        place_unit(e, &a[i], e->left, e->y);
        e->y += a[i].h;
    }
}

/* Greedy column fill: from *start (spaces at a column top are dropped),
 * the most units that fit in h and end at a legal break. Returns the end
 * (exclusive); *used gets the height used. */
static int fill_column(const unit *a, int *start, int n, int32_t h,
                       int32_t *used, int *forced)
{
    int i = *start;
    while (i < n && a[i].kind == U_SPACE)
        i++;
    *start = i;
    int32_t acc = 0, ok_h = 0;
    int ok = -1, k;
    for (k = i; k < n; k++) {
        if (acc + a[k].h > h)
            break;
        acc += a[k].h;
        if (!a[k].keep || k == n - 1) {
            ok = k + 1;
            ok_h = acc;
        }
    }
    if (k == n) {
        *used = acc;
        return n;
    }
    if (ok > i) {
        *used = ok_h;
        return ok;
    }
    /* a group taller than the column: break it where it must */
    if (forced)
        *forced = 1;
    if (k == i) {
        *used = a[i].h;
        return i + 1;
    }
    *used = acc;
    return k;
}

/* Number of columns greedy filling needs for [from, n) at height h; with
 * `strict`, a height that forces a break inside a kept group counts as not
 * fitting at all. */
static int columns_needed(const unit *a, int from, int n, int32_t h, int max,
                          int strict)
{
    int cols = 0, i = from, forced = 0;
    while (i < n && cols <= max) {
        while (i < n && a[i].kind == U_SPACE)
            i++;
        if (i >= n)
            break;
        int32_t used;
        i = fill_column(a, &i, n, h, &used, &forced);
        cols++;
        if (strict && forced)
            return max + 1;
    }
    return cols;
}

/* A figure (with its caption) at index f that does not fit in the `left`
 * height that remains in a column floats down: the text after it moves up
 * to fill that space, and the figure goes on to the next column. Returns 1
 * when it moved. */
static int float_figure(unit *a, int f, int n, int32_t left)
{
    int g = f;
    while (g < n - 1 && a[g].keep)
        g++;
    int32_t moved = 0;
    int j = g + 1;
    while (j < n && (moved < left || a[j - 1].keep)) {
        moved += a[j].h;
        j++;
    }
    while (j > g + 1 && j < n && a[j - 1].keep)
        j--; /* never end inside a kept group */
    if (j <= g + 1)
        return 0;
    /* rotate [f, j): the text [g+1, j) first, then the figure [f, g] */
    int ng = g - f + 1, nt = j - g - 1;
    unit *tmp = bt_xmalloc(sizeof(unit) * (size_t)ng);
    memcpy(tmp, a + f, sizeof(unit) * (size_t)ng);
    memmove(a + f, a + g + 1, sizeof(unit) * (size_t)nt);
    memcpy(a + f + nt, tmp, sizeof(unit) * (size_t)ng);
    free(tmp);
    return 1;
}

/* Flows units through the columns, page after page, balancing the columns
 * where the units end. */
static void flow_columns(engine *e, const unit *src, int n)
{
    int ncol = e->lay->columns;
    unit *a = bt_xmalloc(sizeof(unit) * (size_t)(n ? n : 1));
    if (n)
        memcpy(a, src, sizeof(unit) * (size_t)n);
    int i = 0;
    while (i < n && e->rc == 0) {
        while (i < n && a[i].kind == U_SPACE)
            i++;
        if (i >= n)
            break;
        int32_t avail = e->bottom - e->y;
        if (avail < a[i].h && e->y > e->top) {
            new_page(e);
            continue;
        }
        if (avail < a[i].h)
            avail = a[i].h; /* taller than a whole column: let it overhang */
        int32_t h = avail;
        int last_part = columns_needed(a, i, n, avail, ncol, 0) <= ncol;
        if (last_part) {
            /* balance: the smallest height that still fits in ncol, without
             * splitting a kept group if the full height can avoid it */
            int strict = columns_needed(a, i, n, avail, ncol, 1) <= ncol;
            int32_t lo = 1, hi = avail;
            while (lo < hi) {
                int32_t mid = lo + (hi - lo) / 2;
                if (columns_needed(a, i, n, mid, ncol, strict) <= ncol)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            h = lo;
        }
        int32_t maxused = 0;
        int32_t full = e->bottom - e->top;
        int floats = 0;
        for (int c = 0; c < ncol && i < n; c++) {
            int32_t used;
            int start = i, forced = 0;
            int end = fill_column(a, &start, n, h, &used, &forced);
            if (end == start)
                break;
            /* a kept group (figure and caption, heading and text) that
             * only fails to fit because the page is nearly full goes to the
             * next page whole */
            if (!last_part) {
                /* a figure that leaves a column short, or cannot fit at
                 * all, floats below the text that follows it */
                int nx = end;
                while (nx < n && a[nx].kind == U_SPACE)
                    nx++;
                int32_t line = e->lay->style[BT_ROLE_BODY].leading;
                int fig = forced && a[start].kind == U_FIGURE ? start
                          : nx < n && a[nx].kind == U_FIGURE && h - used > 3 * line
                              ? nx
                              : -1;
                if (fig >= 0 && floats < n &&
                    float_figure(a, fig, n, fig == start ? h : h - used)) {
                    floats++;
                    c--;
                    continue;
                }
            }
            if (forced && h < full && e->y > e->top)
                break;
            int32_t x = e->left + c * (e->colw + e->lay->gap);
            int32_t y = e->y;
            for (int k = start; k < end; k++) {
                place_unit(e, &a[k], x, y);
                y += a[k].h;
            }
            if (used > maxused)
                maxused = used;
            i = end;
        }
        if (i < n) {
            new_page(e);
        } else {
            e->y += maxused;
        }
    }
    free(a);
}

/* ---- dates and small strings ---- */

static const char *date_short(bt_arena *a, bt_date d)
{
    return d.y ? bt_arena_printf(a, "%d/%d/%d", d.d, d.m, d.y) : NULL;
}

static int is_vi(const engine *e)
{
    return strncmp(e->doc->lang, "vi", 2) == 0;
}

/* ---- article ---- */

/* Stacks units [first, end) into one U_SPAN unit (a figure and its caption
 * across the columns). */
static void merge_span(engine *e, units *u, int first)
{
    unit *a = u->v.p;
    int n = 0;
    int32_t h = 0;
    for (int k = first; k < u->v.n; k++)
        n += a[k].nboxes;
    bt_box *b = bt_arena_alloc(&e->units, sizeof(bt_box) * (size_t)(n ? n : 1));
    int at = 0;
    for (int k = first; k < u->v.n; k++) {
        for (int i = 0; i < a[k].nboxes; i++) {
            b[at] = a[k].boxes[i];
            b[at].y += h;
            at++;
        }
        h += a[k].h;
    }
    unit m = a[first];
    m.kind = U_SPAN;
    m.h = h;
    m.boxes = b;
    m.nboxes = n;
    m.keep = 0;
    u->v.n = first;
    *(unit *)bt_vec_push(&u->v) = m;
}

static void body_units(engine *e, const bt_article *art, units *u)
{
    const bt_layout *lay = e->lay;
    bt_arena *a = &e->ctx->arena;
    int32_t colw = e->colw, sp = lay->para_space;
    const bt_style *body = &lay->style[BT_ROLE_BODY];
    if (art->lead.count) {
        int first = u->v.n;
        int nl = set_text(e, u, BT_ROLE_LEAD, &art->lead, 0, colw, AL_JUSTIFY,
                          0, art, NULL, NULL, 0);
        keep_para(u, first, nl);
        add_space(u, sp, 0);
    }
    const bt_block *prev = NULL;
    for (const bt_block *b = art->blocks; b; prev = b, b = b->next) {
        int first = u->v.n, nl;
        int group_end = !b->next || b->next->kind != b->kind ||
                        b->next->group_start;
        switch (b->kind) {
        case BT_BLOCK_PARA:
            nl = set_text(e, u, BT_ROLE_BODY, &b->runs, 0, colw, AL_JUSTIFY,
                          lay->indent, art, b, NULL, 0);
            keep_para(u, first, nl);
            break;
        case BT_BLOCK_HEADING:
            add_space(u, sp * 2, 1);
            first = u->v.n;
            nl = set_text(e, u, BT_ROLE_SUBHEAD, &b->runs, 0, colw,
                          AL_BALANCE, 0, art, b, NULL, 0);
            for (int k = first; k < u->v.n; k++)
                ((unit *)u->v.p)[k].keep = 1;
            add_space(u, sp / 2, 1);
            break;
        case BT_BLOCK_QUOTE: {
            int32_t in = body->size;
            if (b->group_start || !prev || prev->kind != BT_BLOCK_QUOTE)
                add_space(u, sp, 0);
            first = u->v.n;
            nl = set_text(e, u, BT_ROLE_QUOTE, &b->runs, in, colw - in,
                          AL_JUSTIFY, 0, art, b, NULL, 0);
            keep_para(u, first, nl);
            /* a bar in the accent colour beside the quote */
            for (int k = first; k < u->v.n; k++) {
                unit *un = &((unit *)u->v.p)[k];
                bt_box *nb = bt_arena_alloc(&e->units, sizeof(bt_box) *
                                                   (size_t)(un->nboxes + 1));
                memcpy(nb, un->boxes, sizeof(bt_box) * (size_t)un->nboxes);
                bt_box *r = &nb[un->nboxes];
                r->kind = BT_BOX_RULE;
                r->x = 0;
                r->y = 0;
                r->w = 1500;
                r->h = un->h;
                r->u.rule.color = lay->accent_color;
                un->boxes = nb;
                un->nboxes++;
            }
            if (group_end)
                add_space(u, sp, 0);
            break;
        }
        case BT_BLOCK_ITEM: {
            int32_t hang = body->size * 3 / 2;
            if (b->group_start || !prev || prev->kind != BT_BLOCK_ITEM)
                add_space(u, sp, 0);
            const char *marker =
                b->ordered ? bt_arena_printf(a, "%d.", b->number) : "\xe2\x80\xa2";
            first = u->v.n;
            nl = set_text(e, u, BT_ROLE_BODY, &b->runs, hang, colw - hang,
                          AL_JUSTIFY, 0, art, b, marker, hang);
            keep_para(u, first, nl);
            if (group_end)
                add_space(u, sp, 0);
            break;
        }
        case BT_BLOCK_FIGURE: {
            int span = lay->figure_span && lay->columns > 1;
            int32_t fw = span ? e->width : colw;
            add_space(u, sp, 0);
            first = u->v.n;
            const bt_image *img = b->image;
            if (img && img->width > 0 && img->height > 0) {
                int32_t w = fw;
                int64_t h = (int64_t)w * img->height / img->width;
                int32_t maxh = (e->bottom - e->top) * (span ? 2 : 3) / 5;
                if (h > maxh) {
                    w = (int32_t)((int64_t)w * maxh / h);
                    h = maxh;
                }
                unit *fu = bt_vec_push(&u->v);
                fu->kind = U_FIGURE;
                fu->h = (int32_t)h + sp;
                fu->keep = b->runs.count > 0;
                fu->art = art;
                fu->blk = b;
                bt_box *ib = bt_arena_alloc(&e->units, sizeof *ib);
                ib->kind = BT_BOX_IMAGE;
                ib->x = (fw - w) / 2;
                ib->y = 0;
                ib->w = w;
                ib->h = (int32_t)h;
                ib->u.img.image = img;
                ib->src = b->src_pos;
                fu->boxes = ib;
                fu->nboxes = 1;
            }
            if (b->runs.count) {
                int cfirst = u->v.n;
                set_text(e, u, BT_ROLE_CAPTION, &b->runs, 0, fw, AL_LEFT, 0,
                         art, b, NULL, 0);
                for (int k = cfirst; k < u->v.n - 1; k++)
                    ((unit *)u->v.p)[k].keep = 1;
            }
            if (span && u->v.n > first)
                merge_span(e, u, first);
            add_space(u, sp, 0);
            break;
        }
        case BT_BLOCK_PHOTO: {
            bt_runs r = {0};
            bt_runs_add(a, &r, BT_RUN_TEXT, 0,
                        cstr(is_vi(e) ? "\xe1\xba\xa2nh: " : "Photo: "), b->pos);
            for (const bt_run *x = b->runs.first; x; x = x->next) {
                bt_run *c = bt_runs_add(a, &r, x->kind, x->style, x->text, x->pos);
                c->href = x->href;
            }
            /* a photo note without its photo closes the text, like the
             * credit: it stays with the lines above it */
            if (u->v.n)
                ((unit *)u->v.p)[u->v.n - 1].keep = 1;
            add_space(u, sp, 1);
            first = u->v.n;
            set_text(e, u, BT_ROLE_CAPTION, &r, 0, colw, AL_LEFT, 0, art, b,
                     NULL, 0);
            for (int k = first; k < u->v.n - 1; k++)
                ((unit *)u->v.p)[k].keep = 1;
            break;
        }
        }
    }
    if (art->credit.text.len) {
        /* the credit closes the text: never alone at a column top */
        if (u->v.n)
            ((unit *)u->v.p)[u->v.n - 1].keep = 1;
        add_space(u, sp, 1);
        bt_runs r = text_runs(a, art->credit.text, art->credit.pos);
        set_text(e, u, BT_ROLE_CAPTION, &r, 0, colw, AL_RIGHT, 0, art, NULL,
                 NULL, 0);
    }
}

static void head_units(engine *e, const bt_article *art, units *u)
{
    bt_arena *a = &e->ctx->arena;
    int32_t W = e->width;
    int first = u->v.n;
    if (art->kicker.text.len) {
        bt_runs r = text_runs(a, art->kicker.text, art->kicker.pos);
        set_text(e, u, BT_ROLE_KICKER, &r, 0, W, AL_LEFT, 0, art, NULL, NULL, 0);
    }
    bt_runs t = text_runs(a, art->title.text, art->title.pos);
    set_text(e, u, BT_ROLE_HEADLINE, &t, 0, W, AL_BALANCE, 0, art, NULL, NULL,
             0);
    if (art->subtitle.text.len) {
        bt_runs r = text_runs(a, art->subtitle.text, art->subtitle.pos);
        add_space(u, e->lay->para_space / 2, 1);
        set_text(e, u, BT_ROLE_SUBTITLE, &r, 0, W, AL_BALANCE, 0, art, NULL,
                 NULL, 0);
    }
    /* byline: authors · source (linked) · date */
    bt_runs by = {0};
    const char *sep = " \xc2\xb7 ";
    int parts = 0;
    for (const bt_author *au = art->authors; au; au = au->next) {
        if (parts)
            bt_runs_add(a, &by, BT_RUN_TEXT, 0, cstr(au == art->authors ? sep : ", "),
                        au->name.pos);
        bt_runs_add(a, &by, BT_RUN_TEXT, 0, au->name.text, au->name.pos);
        parts++;
    }
    if (art->source.text.len) {
        if (parts)
            bt_runs_add(a, &by, BT_RUN_TEXT, 0, cstr(sep), art->source.pos);
        bt_run *r = bt_runs_add(a, &by, BT_RUN_TEXT,
                                art->source_url ? BT_STYLE_LINK : 0,
                                art->source.text, art->source.pos);
        r->href = art->source_url;
        parts++;
    }
    const char *d = date_short(a, art->date);
    if (d) {
        if (parts)
            bt_runs_add(a, &by, BT_RUN_TEXT, 0, cstr(sep), art->date_text.pos);
        bt_runs_add(a, &by, BT_RUN_TEXT, 0, cstr(d), art->date_text.pos);
        parts++;
    }
    if (parts) {
        add_space(u, e->lay->para_space / 2, 1);
        set_text(e, u, BT_ROLE_BYLINE, &by, 0, W, AL_LEFT, 0, art, NULL, NULL,
                 0);
    }
    add_space(u, e->lay->para_space * 2, 1);
    for (int k = first; k < u->v.n; k++)
        ((unit *)u->v.p)[k].keep = 1;
}

static void add_outline(engine *e, int level, bt_str title, int32_t y)
{
    bt_outline *o = bt_vec_push(&e->outline);
    o->level = level;
    o->title = title;
    o->page = e->pages.n;
    o->y = y;
}

static void layout_article(engine *e, const bt_article *art,
                           const bt_section *sec_start)
{
    units head = {{0}}, body = {{0}}, sech = {{0}};
    head.v.size = body.v.size = sech.v.size = sizeof(unit);
    const bt_layout *lay = e->lay;
    if (sec_start && sec_start->title.text.len) {
        add_rule_unit(e, &sech, e->width, 1500, lay->accent_color, 0, 3000);
        bt_runs r = text_runs(&e->ctx->arena, sec_start->title.text,
                              sec_start->title.pos);
        set_text(e, &sech, BT_ROLE_SECTION, &r, 0, e->width, AL_LEFT, 0, NULL,
                 NULL, NULL, 0);
        add_space(&sech, lay->para_space * 2, 1);
        for (int k = 0; k < sech.v.n; k++)
            ((unit *)sech.v.p)[k].keep = 1;
    }
    head_units(e, art, &head);
    body_units(e, art, &body);
    int32_t need = units_height(&sech, 0, sech.v.n) +
                   units_height(&head, 0, head.v.n);
    int32_t min_body = 0;
    for (int k = 0, lines = 0; k < body.v.n && lines < 3; k++) {
        min_body += ((unit *)body.v.p)[k].h;
        lines += ((unit *)body.v.p)[k].kind == U_LINE;
    }
    int at_top = e->y == e->top;
    if (!at_top && lay->article_new_page && art->index > 0) {
        new_page(e);
        at_top = 1;
    }
    int32_t sep = at_top ? 0 : lay->article_space;
    if (!at_top && e->y + sep + need + min_body > e->bottom) {
        new_page(e);
        at_top = 1;
        sep = 0;
    }
    if (sep) {
        e->y += sep / 2;
        if (!sech.v.n) {
            full_rule(e);
        }
        e->y += sep - sep / 2;
    }
    if (sech.v.n) {
        add_outline(e, 0, sec_start->title.text, e->y);
        place_stack(e, &sech, 0, sech.v.n);
    }
    add_outline(e, 1, art->title.text, e->y);
    e->article_page[art->index] = e->pages.n;
    place_stack(e, &head, 0, head.v.n);
    /* columns, interrupted by figures that span them */
    const unit *bu = body.v.p;
    int from = 0;
    for (int k = 0; k <= body.v.n; k++) {
        if (k < body.v.n && bu[k].kind != U_SPAN)
            continue;
        if (k > from) /* bu is NULL for an empty body */
            flow_columns(e, bu + from, k - from);
        if (k < body.v.n) {
            if (e->y > e->top)
                e->y += lay->para_space;
            if (e->y + bu[k].h > e->bottom)
                new_page(e);
            place_unit(e, &bu[k], e->left, e->y);
            e->y += bu[k].h + lay->para_space;
        }
        from = k + 1;
    }
    free(head.v.p);
    free(body.v.p);
    free(sech.v.p);
    units_done(e);
}

/* ---- page 1: masthead and table of contents ---- */

/* The bulletin's date for print: its <date>, else the output date when
 * one was given or derived (never the 1980 fallback). */
static int print_date(const bt_doc *doc, bt_date *out)
{
    *out = doc->date;
    if (!out->y && doc->stamp.y > 1980)
        *out = (bt_date){doc->stamp.y, doc->stamp.mo, doc->stamp.d};
    return out->y != 0;
}

static const char *month_date(bt_arena *a, const bt_doc *doc, int vi)
{
    bt_date d;
    if (!print_date(doc, &d))
        return NULL;
    if (vi)
        return bt_arena_printf(a, "Ng\xc3\xa0y %d th\xc3\xa1ng %d n\xc4\x83m %d",
                               d.d, d.m, d.y);
    return bt_arena_printf(a, "%04d-%02d-%02d", d.y, d.m, d.d);
}

static const char *number_text(bt_arena *a, const bt_doc *doc, int vi)
{
    if (!doc->number.text.len)
        return NULL;
    return bt_arena_printf(a, "%s %.*s", vi ? "S\xe1\xbb\x91" : "No.",
                           (int)doc->number.text.len, doc->number.text.ptr);
}

/* One line of text in `role` with pieces at the left and the right. */
static void two_sided_line(engine *e, units *u, enum bt_role role,
                           const char *left, const char *right)
{
    bt_arena *a = &e->ctx->arena;
    bt_pos pos = bt_pos_file(e->doc->file);
    units tmp = {{0}};
    tmp.v.size = sizeof(unit);
    if (left) {
        bt_runs r = text_runs(a, cstr(left), pos);
        set_text(e, &tmp, role, &r, 0, e->width, AL_LEFT, 0, NULL, NULL, NULL, 0);
    }
    if (right) {
        bt_runs r = text_runs(a, cstr(right), pos);
        set_text(e, &tmp, role, &r, 0, e->width, AL_RIGHT, 0, NULL, NULL, NULL, 0);
    }
    /* merge the first line of each into one unit */
    unit *t = tmp.v.p;
    if (tmp.v.n) {
        unit *m = bt_vec_push(&u->v);
        *m = t[0];
        if (tmp.v.n > 1) {
            int n = t[0].nboxes + t[tmp.v.n - 1].nboxes;
            bt_box *b = bt_arena_alloc(&e->units, sizeof(bt_box) * (size_t)n);
            memcpy(b, t[0].boxes, sizeof(bt_box) * (size_t)t[0].nboxes);
            memcpy(b + t[0].nboxes, t[tmp.v.n - 1].boxes,
                   sizeof(bt_box) * (size_t)t[tmp.v.n - 1].nboxes);
            m->boxes = b;
            m->nboxes = n;
        }
        m->keep = 1;
    }
    free(tmp.v.p);
}

static void masthead(engine *e)
{
    const bt_doc *doc = e->doc;
    const bt_layout *lay = e->lay;
    bt_arena *a = &e->ctx->arena;
    int vi = is_vi(e);
    units u = {{0}};
    u.v.size = sizeof(unit);
    if (doc->publisher.text.len)
        two_sided_line(e, &u, BT_ROLE_MASTSUB,
                       bt_arena_strndup(a, doc->publisher.text.ptr,
                                        doc->publisher.text.len),
                       NULL);
    bt_runs t = text_runs(a, doc->title.text, doc->title.pos);
    set_text(e, &u, BT_ROLE_MASTHEAD, &t, 0, e->width, AL_BALANCE, 0, NULL,
             NULL, NULL, 0);
    add_rule_unit(e, &u, e->width, lay->rule_width * 3, lay->rule_color, 2000,
                  1500);
    const char *num = number_text(a, doc, vi);
    const char *date = month_date(a, doc, vi);
    const char *right = num && date ? bt_arena_printf(a, "%s \xc2\xb7 %s", num, date)
                        : num ? num : date;
    const char *left = doc->subtitle.text.len
                           ? bt_arena_strndup(a, doc->subtitle.text.ptr,
                                              doc->subtitle.text.len)
                           : "";
    two_sided_line(e, &u, BT_ROLE_MASTSUB, left, right);
    add_rule_unit(e, &u, e->width, lay->rule_width, lay->rule_color, 1500,
                  lay->para_space * 3);
    place_stack(e, &u, 0, u.v.n);
    free(u.v.p);
    units_done(e);
}

static void toc(engine *e)
{
    const bt_layout *lay = e->lay;
    bt_arena *a = &e->ctx->arena;
    int vi = is_vi(e);
    units head = {{0}}, u = {{0}};
    head.v.size = u.v.size = sizeof(unit);
    bt_runs h = text_runs(a, cstr(vi ? "Trong s\xe1\xbb\x91 n\xc3\xa0y"
                                     : "In this issue"),
                          bt_pos_file(e->doc->file));
    set_text(e, &head, BT_ROLE_SECTION, &h, 0, e->width, AL_LEFT, 0, NULL,
             NULL, NULL, 0);
    add_space(&head, lay->para_space, 1);
    const bt_style *ts = &lay->style[BT_ROLE_TOC];
    int32_t numw = ts->size * 3;
    const bt_section *s;
    const bt_article *art;
    bt_section_foreach(e->doc, s)
    {
        if (s->title.text.len && e->doc->nsections > 1) {
            int first = u.v.n;
            bt_runs r = {0};
            bt_runs_add(a, &r, BT_RUN_TEXT, BT_STYLE_STRONG, s->title.text,
                        s->title.pos);
            add_space(&u, lay->para_space, 0);
            set_text(e, &u, BT_ROLE_TOC, &r, 0, e->colw, AL_LEFT, 0, NULL, NULL,
                     NULL, 0);
            for (int k = first; k < u.v.n; k++)
                ((unit *)u.v.p)[k].keep = 1;
        }
        bt_article_foreach(s, art)
        {
            if (art != s->articles)
                add_space(&u, ts->leading / 4, 0); /* between entries */
            int first = u.v.n;
            bt_runs r = text_runs(a, art->title.text, art->title.pos);
            set_text(e, &u, BT_ROLE_TOC, &r, 0, e->colw - numw, AL_BALANCE, 0,
                     NULL, NULL, NULL, 0);
            int page = e->toc_pages ? e->toc_pages[art->index] : 0;
            const char *num = bt_arena_printf(a, "%d", page);
            int32_t w = bt_shape_width(e->sh, ts->font, ts->size, cstr(num));
            unit *un = u.v.p;
            for (int k = first; k < u.v.n; k++) {
                unit *x = &un[k];
                int last = k == u.v.n - 1;
                x->keep = !last;
                int n = x->nboxes + 1 + (last ? 1 : 0);
                bt_box *b = bt_arena_alloc(&e->units, sizeof(bt_box) * (size_t)n);
                memcpy(b, x->boxes, sizeof(bt_box) * (size_t)x->nboxes);
                bt_box *lk = &b[x->nboxes];
                lk->kind = BT_BOX_LINK;
                lk->x = 0;
                lk->y = 0;
                lk->w = e->colw;
                lk->h = x->h;
                lk->u.link.page = page > 0 ? page : 1;
                lk->u.link.y = e->top;
                if (last) {
                    /* the page number, right-aligned on the last line */
                    bt_runs nr = text_runs(a, cstr(num), art->title.pos);
                    bt_textstyle st = textstyle(e, BT_ROLE_TOC, 1, 0, 0);
                    bt_para np;
                    bt_shape_para(e->ctx, e->sh, &st, &nr, &np);
                    bt_box *g = &b[x->nboxes + 1];
                    g->kind = BT_BOX_GLYPHS;
                    g->x = e->colw - w;
                    g->y = x->base;
                    g->w = w;
                    g->h = ts->size;
                    g->u.run.font = np.nsegs ? np.segs[0].font : ts->font;
                    g->u.run.size = ts->size;
                    g->u.run.color = ts->color;
                    g->u.run.n = np.nglyphs;
                    g->u.run.glyphs = np.glyphs;
                }
                x->boxes = b;
                x->nboxes = n;
            }
        }
    }
    place_stack(e, &head, 0, head.v.n);
    flow_columns(e, u.v.p, u.v.n);
    e->y += lay->para_space * 2;
    full_rule(e);
    e->y += lay->article_space;
    free(head.v.p);
    free(u.v.p);
    units_done(e);
}

/* Running header (every page but the first) and page-number footer. */
static void furniture(engine *e)
{
    const bt_doc *doc = e->doc;
    const bt_layout *lay = e->lay;
    bt_arena *a = &e->ctx->arena;
    int vi = is_vi(e);
    int n = e->pages.n;
    const char *num = number_text(a, doc, vi);
    bt_date d;
    const char *title = bt_arena_strndup(a, doc->title.text.ptr, doc->title.text.len);
    const char *sep = " \xc2\xb7 ";
    const char *head = title;
    if (num)
        head = bt_arena_printf(a, "%s%s%s", head, sep, num);
    if (print_date(doc, &d))
        head = bt_arena_printf(a, "%s%s%d/%d/%d", head, sep, d.d, d.m, d.y);
    const bt_style *hs = &lay->style[BT_ROLE_HEADER];
    const bt_style *fs = &lay->style[BT_ROLE_FOOTER];
    for (int p = 0; p < n; p++) {
        page_acc *pg = &((page_acc *)e->pages.p)[p];
        units u = {{0}};
        u.v.size = sizeof(unit);
        if (p > 0) {
            bt_runs r = text_runs(a, cstr(head), bt_pos_file(doc->file));
            set_text(e, &u, BT_ROLE_HEADER, &r, 0, e->width, AL_LEFT, 0, NULL,
                     NULL, NULL, 0);
            if (u.v.n) {
                unit *x = u.v.p;
                int32_t base_y = e->top - hs->size - 4000;
                for (int i = 0; i < x[0].nboxes; i++) {
                    bt_box *b = bt_vec_push(&pg->boxes);
                    *b = x[0].boxes[i];
                    b->x += e->left;
                    b->y += base_y - x[0].base;
                }
                bt_box *r2 = bt_vec_push(&pg->boxes);
                r2->kind = BT_BOX_RULE;
                r2->x = e->left;
                r2->y = e->top - 6000;
                r2->w = e->width;
                r2->h = lay->rule_width / 2 > 0 ? lay->rule_width / 2 : 300;
                r2->u.rule.color = lay->rule_color;
            }
            u.v.n = 0;
        }
        const char *foot = bt_arena_printf(a, "%s %d/%d", vi ? "Trang" : "Page",
                                           p + 1, n);
        bt_runs r = text_runs(a, cstr(foot), bt_pos_file(doc->file));
        set_text(e, &u, BT_ROLE_FOOTER, &r, 0, e->width, AL_CENTER, 0, NULL,
                 NULL, NULL, 0);
        if (u.v.n) {
            unit *x = u.v.p;
            int32_t base_y = e->bottom + fs->size + 10000;
            for (int i = 0; i < x[0].nboxes; i++) {
                bt_box *b = bt_vec_push(&pg->boxes);
                *b = x[0].boxes[i];
                b->x += e->left;
                b->y += base_y - x[0].base;
            }
        }
        free(u.v.p);
        units_done(e);
    }
}

/* ---- passes ---- */

static void engine_free(engine *e)
{
    units_done(e);
    for (int p = 0; p < e->pages.n; p++)
        free(((page_acc *)e->pages.p)[p].boxes.p);
    free(e->pages.p);
    free(e->outline.p);
    free(e->marks.p);
    e->pages.p = e->outline.p = e->marks.p = NULL;
    e->pages.n = e->outline.n = e->marks.n = 0;
    e->pages.cap = e->outline.cap = e->marks.cap = 0;
}

static void run_pass(engine *e)
{
    const bt_section *s;
    const bt_article *art;
    new_page(e);
    /* an article built alone is its own front page: no masthead repeating
     * its headline */
    if (e->doc->has_manifest || e->doc->narticles > 1)
        masthead(e);
    if (e->lay->toc && e->doc->narticles > 1)
        toc(e);
    bt_section_foreach(e->doc, s)
    {
        bt_article_foreach(s, art)
        {
            layout_article(e, art, art == s->articles ? s : NULL);
            if (e->rc)
                return;
        }
    }
    furniture(e);
}

int bt_layout_run(bt_ctx *ctx, const bt_doc *doc, const bt_layout *lay,
                  const bt_shaper *shaper, bt_pages **out)
{
    engine e;
    memset(&e, 0, sizeof e);
    e.ctx = ctx;
    e.doc = doc;
    e.lay = lay;
    e.sh = shaper;
    e.lb = bt_lb_params_default();
    e.left = lay->margin_left;
    e.top = lay->margin_top;
    e.bottom = lay->page_h - lay->margin_bottom;
    e.width = lay->page_w - lay->margin_left - lay->margin_right;
    e.colw = (e.width - (lay->columns - 1) * lay->gap) / lay->columns;
    e.pages.size = sizeof(page_acc);
    e.outline.size = sizeof(bt_outline);
    e.marks.size = sizeof(bt_pagemark);
    int na = doc->narticles > 0 ? doc->narticles : 1;
    e.article_page = bt_arena_alloc(&ctx->arena, sizeof(int) * (size_t)na);
    int *prev = bt_arena_alloc(&ctx->arena, sizeof(int) * (size_t)na);

    /* pass 1 learns the article pages for the table of contents; later
     * passes print them (their widths do not change the geometry, so a
     * second pass normally settles it) */
    /* The first pass runs in a scratch arena, freed when it is done (its
     * diagnostics are copied out); later passes repeat its diagnostics,
     * so theirs are dropped. */
    bt_arena real = ctx->arena, scratch;
    bt_arena_init(&scratch);
    ctx->arena = scratch;
    int ndiags = ctx->ndiags, nerrors = ctx->nerrors,
        nwarnings = ctx->nwarnings;
    for (int pass = 0; pass < 3; pass++) {
        run_pass(&e);
        if (pass == 0) {
            for (int i = ndiags; i < ctx->ndiags; i++)
                ctx->diags[i].msg = bt_arena_strdup(&real, ctx->diags[i].msg);
            scratch = ctx->arena;
            ctx->arena = real;
            ndiags = ctx->ndiags;
            nerrors = ctx->nerrors;
            nwarnings = ctx->nwarnings;
        } else {
            ctx->ndiags = ndiags;
            ctx->nerrors = nerrors;
            ctx->nwarnings = nwarnings;
        }
        if (e.rc || ctx->nerrors)
            break;
        if (pass > 0 &&
            memcmp(prev, e.article_page, sizeof(int) * (size_t)na) == 0)
            break;
        memcpy(prev, e.article_page, sizeof(int) * (size_t)na);
        e.toc_pages = prev;
        if (pass < 2)
            engine_free(&e);
    }
    bt_arena_free(&scratch);
    if (e.rc || ctx->nerrors) {
        engine_free(&e);
        return -1;
    }
    bt_pages *pg = bt_arena_alloc(&ctx->arena, sizeof *pg);
    pg->width = lay->page_w;
    pg->height = lay->page_h;
    pg->npages = e.pages.n;
    pg->pages = bt_arena_alloc(&ctx->arena, sizeof(bt_page) * (size_t)e.pages.n);
    for (int p = 0; p < e.pages.n; p++) {
        page_acc *acc = &((page_acc *)e.pages.p)[p];
        pg->pages[p].number = p + 1;
        pg->pages[p].nboxes = acc->boxes.n;
        pg->pages[p].boxes = bt_arena_memdup(&ctx->arena, acc->boxes.p,
                                             sizeof(bt_box) * (size_t)acc->boxes.n);
    }
    pg->noutline = e.outline.n;
    pg->outline = bt_arena_memdup(&ctx->arena, e.outline.p,
                                  sizeof(bt_outline) * (size_t)e.outline.n);
    /* one mark per page: a page where nothing starts continues the block
     * that was running (the previous page's last mark) */
    pg->nmarks = e.pages.n;
    pg->marks = bt_arena_alloc(&ctx->arena, sizeof(bt_pagemark) * (size_t)e.pages.n);
    const bt_pagemark *m = e.marks.p;
    int mi = 0;
    bt_pagemark last = {1, NULL, NULL};
    if (e.marks.n)
        last = m[0];
    for (int p = 0; p < e.pages.n; p++) {
        while (mi < e.marks.n && m[mi].page <= p + 1)
            last = m[mi++];
        pg->marks[p] = last;
        pg->marks[p].page = p + 1;
    }
    pg->article_page = e.article_page;
    engine_free(&e);
    *out = pg;
    return 0;
}
