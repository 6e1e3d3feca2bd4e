/* layout.c - the page layout engine: bt_doc + bt_layout + a bt_shaper in,
 * bt_pages out (boxes in 1/1000 pt, y down from the top-left corner).
 * Pure: no library headers, no I/O; the PDF writer only draws the result.
 *
 * Every piece of text becomes a list of "units" (a line, a figure, a gap)
 * with boxes positioned relative to the unit (layout_line.c sets lines).
 * Units flow down columns (layout_flow.c); a unit that must stay with the
 * next one (first and last line of a paragraph: no widows or orphans;
 * headings; figure + caption) is never the last of a column. Article heads
 * and section headings span all columns; each block kind of an article's
 * body has its own function here. Page 1 carries the masthead and the
 * table of contents (layout_front.c), whose page numbers come from a first
 * pass (run in a scratch arena), or, for a bulletin short enough to hold
 * its pages (replay), from the same pass, put in afterwards. Page
 * placement is a plain translation of unit boxes, so imposition can be a
 * transform later. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bt_limits.h"
#include "image.h"
#include "layout_int.h"
#include "date.h"
#include "linebreak.h"
#include "text.h"

/* ---- dates and small strings ---- */

static const char *date_short(bt_arena *a, bt_date d)
{
    char buf[64];
    return d.y ? bt_arena_strdup(a, bt_date_format(buf, sizeof buf, d,
                                                   BT_DATE_SHORT, BT_LANG_VI))
               : NULL;
}

enum bt_label_lang bt_layout_lang(const engine *e)
{
    return bt_label_lang(e->doc->lang);
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

/* ---- body: one function per block kind ---- */

/* What a block kind's function gets: the block, the one before it, and
 * whether it ends its group (the last item of a list, quote paragraph). */
typedef struct block_ctx {
    engine *e;
    const bt_article *art;
    const bt_block *b, *prev;
    units *u;
    int group_end;
} block_ctx;

/* The diagnostics' counts at some point, to drop those reported after it
 * (a setting that is replaced). */
typedef struct diag_mark {
    int ndiags, nerrors, nwarnings;
} diag_mark;

/* 1 when one of lines [first, first + nl) ends inside a token where text
 * tools read a space: a formula's break after ; = & ? \, or a cut between
 * letters. */
static int breaks_in_token(const units *u, int first, int nl)
{
    const unit *a = u->v.p;
    for (int k = first; k < first + nl; k++)
        if (a[k].broken == BROKEN_TOKEN)
            return 1;
    return 0;
}

/* A paragraph that is one formula (or a URL or command line that must
 * break like one) becomes a display, like a displayed equation: one line
 * across all the columns, centred, a U_SPAN unit, so the columns above
 * are balanced and the text goes on below (layout_article; the space
 * around it is a spanning figure's). Broken inside a narrow column such a
 * token is hard to read and copy, and every text extractor reads the line
 * end as a space. The criterion is narrow, all of:
 *   - the layout has columns (one column: nothing to span);
 *   - set at the column measure (lines [first, first + nl) of c->u), the
 *     paragraph breaks inside a token where text tools read a space
 *     (BROKEN_TOKEN: after ; = & ? \, or between letters). A formula
 *     shape.c could set smaller to fit stays in the column, and so do a
 *     hyphenated word and a URL or path broken after / @ _ or before . or
 *     / (BROKEN_JOINS: the way URLs break in columns, read back whole; on
 *     the realprose seeds, displaying those too cut lists of one-line
 *     paragraphs into thin column blocks and cost pages);
 *   - the whole paragraph fits one line of the full text width at its
 *     natural size and spaces, or set smaller, down to 3/4 of the size
 *     (BT_SHRINK_MIN, the limit shape.c sets a formula in a column to), as
 *     a wide displayed equation is; and at least 2/3 of its words' width
 *     is code-like tokens or tokens wider than a column
 *     (bt_layout_display_fits): a formula with a few words around it is
 *     displayed, a prose paragraph that cites one is not (too long for
 *     one line, or mostly words). The line keeps the body leading.
 * Then the column lines are replaced, and their diagnostics (from `mark`)
 * dropped: the display repeats what still applies. Returns 1 when it
 * did. */
static int display_units(const block_ctx *c, int first, int nl, diag_mark mark)
{
    engine *e = c->e;
    units *u = c->u;
    text_req rq = {.role = BT_ROLE_BODY,
                   .runs = &c->b->runs,
                   .width = e->width,
                   .al = AL_CENTER,
                   .art = c->art,
                   .blk = c->b};
    if (e->lay->columns < 2 || !breaks_in_token(u, first, nl) ||
        !bt_layout_display_fits(e, &rq, &rq.size))
        return 0;
    e->ctx->ndiags = mark.ndiags;
    e->ctx->nerrors = mark.nerrors;
    e->ctx->nwarnings = mark.nwarnings;
    u->v.n = first;
    /* not a paragraph of the short-tail retry: the retry counts them by
     * their column setting (bt_layout_tight_para), and one line has none
     * fewer */
    int tighten = e->tighten;
    e->tighten = 0;
    int got = bt_layout_set_text(e, u, &rq);
    e->tighten = tighten;
    BT_ASSERT(got == 1); /* it fits: one line */
    merge_span(e, u, first);
    return 1;
}

/* A body text block at the column's full measure with widow/orphan
 * control, or a display (display_units). */
static void para_units(const block_ctx *c)
{
    bt_ctx *ctx = c->e->ctx;
    diag_mark mark = {ctx->ndiags, ctx->nerrors, ctx->nwarnings};
    int first = c->u->v.n;
    int nl = bt_layout_set_text(c->e, c->u,
                                &(text_req){.role = BT_ROLE_BODY,
                                            .runs = &c->b->runs,
                                            .width = c->e->colw,
                                            .al = AL_JUSTIFY,
                                            .indent = c->e->lay->indent,
                                            .art = c->art,
                                            .blk = c->b});
    if (!display_units(c, first, nl, mark))
        bt_layout_keep_para(c->u, first, nl);
}

/* A subheading: kept with the space around it and the text below. */
static void heading_units(const block_ctx *c)
{
    units *u = c->u;
    int32_t sp = c->e->lay->para_space;
    bt_layout_add_space(u, sp * 2, 1);
    int first = u->v.n;
    bt_layout_set_text(c->e, u,
                       &(text_req){.role = BT_ROLE_SUBHEAD,
                                   .runs = &c->b->runs,
                                   .width = c->e->colw,
                                   .al = AL_BALANCE,
                                   .art = c->art,
                                   .blk = c->b});
    for (int k = first; k < u->v.n; k++)
        ((unit *)u->v.p)[k].keep = 1;
    /* kept with the text under it; a heading right under it means this
     * section is empty, and a run of such headings kept together would be
     * one group taller than what is left of a page */
    int empty = c->b->next && c->b->next->kind == BT_BLOCK_HEADING;
    bt_layout_add_space(u, sp / 2, !empty);
}

/* A quote paragraph, indented one em, with a bar in the accent colour. */
static void quote_units(const block_ctx *c)
{
    engine *e = c->e;
    units *u = c->u;
    const bt_layout *lay = e->lay;
    int32_t sp = lay->para_space, in = lay->style[BT_ROLE_BODY].size;
    if (c->b->group_start || !c->prev || c->prev->kind != BT_BLOCK_QUOTE)
        bt_layout_add_space(u, sp, 0);
    int first = u->v.n;
    int nl = bt_layout_set_text(e, u,
                                &(text_req){.role = BT_ROLE_QUOTE,
                                            .runs = &c->b->runs,
                                            .x0 = in,
                                            .width = e->colw - in,
                                            .al = AL_JUSTIFY,
                                            .art = c->art,
                                            .blk = c->b});
    bt_layout_keep_para(u, first, nl);
    for (int k = first; k < u->v.n; k++) {
        unit *un = &((unit *)u->v.p)[k];
        bt_box *r = bt_layout_unit_grow(e, un, 1);
        r->kind = BT_BOX_RULE;
        r->x = 0;
        r->y = 0;
        r->w = 1500;
        r->h = un->h;
        r->u.rule.color = lay->accent_color;
    }
    if (c->group_end)
        bt_layout_add_space(u, sp, 0);
}

/* The widest marker of the list `b` belongs to (from b to the group's
 * end, where the numbers are largest). */
static int32_t marker_width(engine *e, const bt_block *b)
{
    const bt_style *st = &e->lay->style[BT_ROLE_BODY];
    int n = b->number;
    for (const bt_block *x = b->next;
         x && x->kind == BT_BLOCK_ITEM && !x->group_start; x = x->next)
        n = BT_MAX(n, x->number);
    char digits[16] = "";
    if (b->ordered) {
        /* as many widest figures as the largest number has digits */
        int k = 0;
        for (int v = n; k < 10 && (k == 0 || v > 0); v /= 10)
            digits[k++] = '0';
        digits[k++] = '.';
        digits[k] = 0;
    }
    const char *m = b->ordered ? digits : "\xe2\x80\xa2";
    return bt_shape_width(e->sh, st->font, st->size, cstr(m));
}

/* A list item: its marker ("1." or a bullet) hangs left of the text, set
 * flush right against a common edge, so the text of every item starts at
 * one indent however wide the numbers grow. */
static void item_units(const block_ctx *c)
{
    engine *e = c->e;
    units *u = c->u;
    const bt_block *b = c->b;
    int32_t sp = e->lay->para_space, size = e->lay->style[BT_ROLE_BODY].size;
    int32_t gap = size * 2 / 5;
    int32_t hang = BT_MAX(size * 3 / 2, marker_width(e, b) + gap);
    if (b->group_start || !c->prev || c->prev->kind != BT_BLOCK_ITEM)
        bt_layout_add_space(u, sp, 0);
    const char *marker = b->ordered
                             ? bt_arena_printf(&e->ctx->arena, "%d.", b->number)
                             : "\xe2\x80\xa2";
    int first = u->v.n;
    int nl = bt_layout_set_text(e, u,
                                &(text_req){.role = BT_ROLE_BODY,
                                            .runs = &b->runs,
                                            .x0 = hang,
                                            .width = e->colw - hang,
                                            .al = AL_JUSTIFY,
                                            .art = c->art,
                                            .blk = b,
                                            .marker = marker,
                                            .marker_gap = gap});
    bt_layout_keep_para(u, first, nl);
    if (c->group_end)
        bt_layout_add_space(u, sp, 0);
}

/* A figure: the image scaled to the column (or across all columns as one
 * U_SPAN unit), at most 3/5 (2/5 spanning) of the text height, kept with
 * its caption. */
static void figure_units(const block_ctx *c)
{
    engine *e = c->e;
    units *u = c->u;
    const bt_block *b = c->b;
    const bt_layout *lay = e->lay;
    int32_t sp = lay->para_space;
    int span = lay->figure_span && lay->columns > 1;
    int32_t fw = span ? e->width : e->colw;
    bt_layout_add_space(u, sp, 0);
    int first = u->v.n;
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
        fu->art = c->art;
        fu->blk = b;
        bt_box *ib = bt_layout_unit_grow(e, fu, 1);
        ib->kind = BT_BOX_IMAGE;
        ib->x = (fw - w) / 2;
        ib->y = 0;
        ib->w = w;
        ib->h = (int32_t)h;
        ib->u.img.image = img;
        ib->src = b->src_pos;
        ib->seq = ++e->seq;
    }
    if (b->runs.count) {
        int cfirst = u->v.n;
        bt_layout_set_text(e, u,
                           &(text_req){.role = BT_ROLE_CAPTION,
                                       .runs = &b->runs,
                                       .width = fw,
                                       .al = AL_LEFT,
                                       .art = c->art,
                                       .blk = b});
        for (int k = cfirst; k < u->v.n - 1; k++)
            ((unit *)u->v.p)[k].keep = 1;
    }
    if (span && u->v.n > first)
        merge_span(e, u, first);
    bt_layout_add_space(u, sp, 0);
}

/* What comes next stays with the last line before it: that line and the
 * spaces after it (a list or quote ends with one) are kept. */
static void keep_with_last_line(units *u)
{
    unit *a = u->v.p;
    for (int k = u->v.n - 1; k >= 0; k--) {
        a[k].keep = 1;
        if (a[k].kind != U_SPACE)
            break;
    }
}

/* A clipping's photo note without its photo ("Ảnh: ..."): it closes the
 * text, like the credit, and stays with the lines above it. */
static void photo_units(const block_ctx *c)
{
    engine *e = c->e;
    units *u = c->u;
    const bt_block *b = c->b;
    bt_arena *a = &e->ctx->arena;
    bt_runs r = {0};
    bt_runs_add(a, &r, BT_RUN_TEXT, 0,
                cstr(bt_label(bt_layout_lang(e), BT_L_PHOTO)), b->pos);
    for (const bt_run *x = b->runs.first; x; x = x->next) {
        bt_run *cp = bt_runs_add(a, &r, x->kind, x->style, x->text, x->pos);
        cp->href = x->href;
    }
    keep_with_last_line(u);
    bt_layout_add_space(u, e->lay->para_space, 1);
    int first = u->v.n;
    bt_layout_set_text(e, u,
                       &(text_req){.role = BT_ROLE_CAPTION,
                                   .runs = &r,
                                   .width = e->colw,
                                   .al = AL_LEFT,
                                   .art = c->art,
                                   .blk = b});
    for (int k = first; k < u->v.n - 1; k++)
        ((unit *)u->v.p)[k].keep = 1;
}

static void (*const block_units[])(const block_ctx *) = {
    [BT_BLOCK_PARA] = para_units,     [BT_BLOCK_HEADING] = heading_units,
    [BT_BLOCK_QUOTE] = quote_units,   [BT_BLOCK_ITEM] = item_units,
    [BT_BLOCK_FIGURE] = figure_units, [BT_BLOCK_PHOTO] = photo_units,
};

/* The article's body: lead, blocks, credit. */
static void body_units(engine *e, const bt_article *art, units *u)
{
    bt_arena *a = &e->ctx->arena;
    int32_t colw = e->colw, sp = e->lay->para_space;
    if (art->lead.count) {
        int first = u->v.n;
        int nl = bt_layout_set_text(e, u,
                                    &(text_req){.role = BT_ROLE_LEAD,
                                                .runs = &art->lead,
                                                .width = colw,
                                                .al = AL_JUSTIFY,
                                                .art = art});
        bt_layout_keep_para(u, first, nl);
        bt_layout_add_space(u, sp, 0);
    }
    const bt_block *prev = NULL;
    for (const bt_block *b = art->blocks; b; prev = b, b = b->next) {
        block_ctx c = {
            e, art,
            b, prev,
            u, !b->next || b->next->kind != b->kind || b->next->group_start};
        BT_ASSERT((size_t)b->kind < sizeof block_units / sizeof *block_units);
        block_units[b->kind](&c);
    }
    if (art->credit.text.len) {
        /* the credit closes the text: never alone at a column top */
        keep_with_last_line(u);
        bt_layout_add_space(u, sp, 1);
        bt_runs r = text_runs(a, art->credit.text, art->credit.pos);
        bt_layout_set_text(e, u,
                           &(text_req){.role = BT_ROLE_CAPTION,
                                       .runs = &r,
                                       .width = colw,
                                       .al = AL_RIGHT,
                                       .art = art});
    }
}

/* The byline: authors · source (linked) · date. Returns the number of
 * parts in it (0: no byline). */
static int byline_runs(engine *e, const bt_article *art, bt_runs *by)
{
    bt_arena *a = &e->ctx->arena;
    const char *sep = " \xc2\xb7 ";
    int parts = 0;
    for (const bt_author *au = art->authors; au; au = au->next) {
        if (parts)
            bt_runs_add(a, by, BT_RUN_TEXT, 0,
                        cstr(au == art->authors ? sep : ", "), au->name.pos);
        bt_runs_add(a, by, BT_RUN_TEXT, 0, au->name.text, au->name.pos);
        parts++;
    }
    if (art->source.text.len) {
        if (parts)
            bt_runs_add(a, by, BT_RUN_TEXT, 0, cstr(sep), art->source.pos);
        bt_run *r =
            bt_runs_add(a, by, BT_RUN_TEXT, art->source_url ? BT_STYLE_LINK : 0,
                        art->source.text, art->source.pos);
        r->href = art->source_url;
        parts++;
    }
    const char *d = date_short(a, art->date);
    if (d) {
        if (parts)
            bt_runs_add(a, by, BT_RUN_TEXT, 0, cstr(sep), art->date_text.pos);
        bt_runs_add(a, by, BT_RUN_TEXT, 0, cstr(d), art->date_text.pos);
        parts++;
    }
    return parts;
}

static void head_units(engine *e, const bt_article *art, units *u)
{
    bt_arena *a = &e->ctx->arena;
    int32_t W = e->width;
    int first = u->v.n;
    if (art->kicker.text.len) {
        bt_runs r = text_runs(a, art->kicker.text, art->kicker.pos);
        bt_layout_set_text(e, u,
                           &(text_req){.role = BT_ROLE_KICKER,
                                       .runs = &r,
                                       .width = W,
                                       .al = AL_LEFT,
                                       .art = art});
    }
    bt_runs t = text_runs(a, art->title.text, art->title.pos);
    bt_layout_set_text(e, u,
                       &(text_req){.role = BT_ROLE_HEADLINE,
                                   .runs = &t,
                                   .width = W,
                                   .al = AL_BALANCE,
                                   .art = art});
    if (art->subtitle.text.len) {
        bt_runs r = text_runs(a, art->subtitle.text, art->subtitle.pos);
        bt_layout_add_space(u, e->lay->para_space / 2, 1);
        bt_layout_set_text(e, u,
                           &(text_req){.role = BT_ROLE_SUBTITLE,
                                       .runs = &r,
                                       .width = W,
                                       .al = AL_BALANCE,
                                       .art = art});
    }
    bt_runs by = {0};
    int parts = byline_runs(e, art, &by);
    if (parts) {
        bt_layout_add_space(u, e->lay->para_space / 2, 1);
        bt_layout_set_text(e, u,
                           &(text_req){.role = BT_ROLE_BYLINE,
                                       .runs = &by,
                                       .width = W,
                                       .al = AL_LEFT,
                                       .art = art});
    }
    bt_layout_add_space(u, e->lay->para_space * 2, 1);
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

/* The section heading (when the article opens its section) and the
 * article's head, as units kept together. */
static void head_block(engine *e, const bt_article *art,
                       const bt_section *sec_start, units *sech, units *head)
{
    const bt_layout *lay = e->lay;
    if (sec_start && sec_start->title.text.len) {
        bt_layout_add_rule_unit(e, sech, e->width, 1500, lay->accent_color, 0,
                                3000);
        bt_runs r = text_runs(&e->ctx->arena, sec_start->title.text,
                              sec_start->title.pos);
        bt_layout_set_text(e, sech,
                           &(text_req){.role = BT_ROLE_SECTION,
                                       .runs = &r,
                                       .width = e->width,
                                       .al = AL_LEFT});
        bt_layout_add_space(sech, lay->para_space * 2, 1);
        for (int k = 0; k < sech->v.n; k++)
            ((unit *)sech->v.p)[k].keep = 1;
    }
    head_units(e, art, head);
}

/* The height an article needs to start at the current y: the space and
 * rule above it, its section heading and head, and about three lines of
 * text (lead or body). Diagnostics of this look-ahead are dropped: the
 * article repeats them when it is laid out. */
static int32_t start_need(engine *e, const bt_article *art,
                          const bt_section *sec_start)
{
    bt_ctx *ctx = e->ctx;
    int nd = ctx->ndiags, ne = ctx->nerrors, nw = ctx->nwarnings;
    units head = {{0}}, sech = {{0}};
    head.v.size = sech.v.size = sizeof(unit);
    head_block(e, art, sec_start, &sech, &head);
    enum bt_role r = art->lead.count ? BT_ROLE_LEAD : BT_ROLE_BODY;
    int32_t need = e->lay->article_space +
                   bt_layout_units_height(&sech, 0, sech.v.n) +
                   bt_layout_units_height(&head, 0, head.v.n) +
                   3 * e->lay->style[r].leading;
    free(head.v.p);
    free(sech.v.p);
    ctx->ndiags = nd;
    ctx->nerrors = ne;
    ctx->nwarnings = nw;
    return need;
}

/* ---- the short-tail retry: a line fewer where it costs least ---- */

bt_lb_costs *bt_layout_tight_para(engine *e, bt_lb_params *lb, bt_lb_costs *c)
{
    if (e->tight_probe)
        return c;
    int k = e->tight_n++;
    if (k < e->tight_pick.n && ((const uint8_t *)e->tight_pick.p)[k])
        lb->looseness = -1;
    return NULL;
}

void bt_layout_tight_cost(engine *e, const bt_lb_costs *c)
{
    int64_t d = c->lines[0] > 0 ? c->demerits[0] - c->demerits[1] : -1;
    *(int64_t *)bt_vec_push(&e->tight_cost) = d < -1 ? 0 : d;
}

/* Which of art's paragraphs the retry sets a line tighter (TeX's
 * \looseness -1, chosen by cost): its body is set once to learn what a
 * line fewer adds to each paragraph's demerits (diagnostics of this
 * look-ahead dropped), then the e->tight_want cheapest that have a line
 * fewer are picked (all of them when tight_want < 0). */
static void tight_plan(engine *e, const bt_article *art)
{
    bt_ctx *ctx = e->ctx;
    int nd = ctx->ndiags, ne = ctx->nerrors, nw = ctx->nwarnings;
    units probe = {{0}};
    probe.v.size = sizeof(unit);
    e->tight_cost.size = sizeof(int64_t);
    e->tight_cost.n = 0;
    e->tight_probe = e->tighten = 1;
    body_units(e, art, &probe);
    e->tight_probe = e->tighten = 0;
    free(probe.v.p);
    ctx->ndiags = nd;
    ctx->nerrors = ne;
    ctx->nwarnings = nw;
    int n = e->tight_cost.n;
    e->tight_pick.size = sizeof(uint8_t);
    e->tight_pick.n = 0;
    for (int k = 0; k < n; k++)
        bt_vec_push(&e->tight_pick);
    const int64_t *cost = e->tight_cost.p;
    uint8_t *pick = e->tight_pick.p;
    int want = e->tight_want < 0 ? n : e->tight_want;
    e->tight_left = 0;
    for (int got = 0; got <= want; got++) {
        int best = -1;
        for (int k = 0; k < n; k++)
            if (!pick[k] && cost[k] >= 0 && (best < 0 || cost[k] < cost[best]))
                best = k;
        if (best < 0)
            break;
        if (got == want) {
            e->tight_left = 1; /* more could be set tighter */
            break;
        }
        pick[best] = 1;
    }
}

/* Lines on the current page: glyph boxes on distinct baselines of each
 * column (a short tail's page, so few). */
static int page_lines(engine *e)
{
    const page_acc *pa = bt_layout_cur_page(e);
    const bt_box *b = pa->boxes.p;
    enum { MAXL = 512 };
    int32_t seen[MAXL][2];
    int n = 0;
    int32_t step = e->colw + e->lay->gap;
    for (int i = 0; i < pa->boxes.n && n < MAXL; i++) {
        if (b[i].kind != BT_BOX_GLYPHS)
            continue;
        int32_t col = step > 0 ? (b[i].x - e->left) / step : 0;
        int k = 0;
        while (k < n && !(seen[k][0] == col && seen[k][1] == b[i].y))
            k++;
        if (k == n) {
            seen[n][0] = col;
            seen[n][1] = b[i].y;
            n++;
        }
    }
    return n;
}

/* 1 when the column text before a display (units [from, k), bu[k] the
 * display) is a line or two that would end the page, the display going on
 * to the next: such text leads into the display ("It is computed so:"),
 * and alone at a page's foot it reads as a stray line, so both go to the
 * next page. A longer text ends the page as balanced columns, as it does
 * above a spanning figure. */
static int display_lead_alone(const engine *e, const unit *bu, int from, int k,
                              int32_t span_sp)
{
    if (!bu[k].blk || bu[k].blk->kind != BT_BLOCK_PARA || e->y <= e->top)
        return 0;
    int lines = 0;
    int32_t h = 0;
    for (int i = from; i < k; i++) {
        if (bu[i].kind == U_SPACE)
            continue;
        if (bu[i].kind != U_LINE)
            return 0;
        lines++;
        h += bu[i].h;
    }
    return lines >= 1 && lines <= 2 && e->y + h <= e->bottom &&
           e->y + h + span_sp + bu[k].h > e->bottom;
}

/* Lays out one article at the current y. next_need: what the article
 * placed after it needs to start on the same page (0: none), so that its
 * last columns run down the page when that cannot be. */
static void layout_article(engine *e, const bt_article *art,
                           const bt_section *sec_start, int32_t next_need)
{
    units head = {{0}}, body = {{0}}, sech = {{0}};
    head.v.size = body.v.size = sech.v.size = sizeof(unit);
    const bt_layout *lay = e->lay;
    head_block(e, art, sec_start, &sech, &head);
    if (art == e->tight_art)
        tight_plan(e, art);
    e->tighten = art == e->tight_art;
    e->tight_n = 0;
    /* replayed, only heads are set twice in a pass (start_need): the
     * body's shaping is not worth keeping in the memo */
    const bt_shaper *sh = e->sh;
    if (e->sh_once)
        e->sh = e->sh_once;
    body_units(e, art, &body);
    e->sh = sh;
    e->tighten = 0;
    int32_t need = bt_layout_units_height(&sech, 0, sech.v.n) +
                   bt_layout_units_height(&head, 0, head.v.n);
    int32_t min_body = 0;
    for (int k = 0, lines = 0; k < body.v.n && lines < 3; k++) {
        min_body += ((unit *)body.v.p)[k].h;
        lines += ((unit *)body.v.p)[k].kind == U_LINE;
    }
    int at_top = e->y == e->top;
    if (!at_top && lay->article_new_page && art->index > 0) {
        bt_layout_new_page(e);
        at_top = 1;
    }
    int32_t sep = at_top ? 0 : lay->article_space;
    if (!at_top && e->y + sep + need + min_body > e->bottom) {
        /* the page ends short: its white goes between its blocks */
        bt_layout_justify_page(e);
        bt_layout_new_page(e);
        at_top = 1;
        sep = 0;
    }
    if (sep) {
        bt_layout_stretch_point(e, e->y, lay->article_space);
        e->y += sep / 2;
        if (!sech.v.n) {
            bt_layout_full_rule(e);
        }
        bt_layout_stretch_point(e, e->y + 1, lay->article_space);
        e->y += sep - sep / 2;
    }
    if (sech.v.n) {
        add_outline(e, 0, sec_start->title.text, e->y);
        bt_layout_place_stack(e, &sech, 0, sech.v.n);
    }
    add_outline(e, 1, art->title.text, e->y);
    e->article_page[art->index] = e->pages.n;
    bt_layout_place_stack(e, &head, 0, head.v.n);
    bt_layout_stretch_point(e, e->y, lay->para_space);
    /* an article that starts low on a page, under another one, gets jump
     * lines where it goes on to the next page: its start is short, and
     * the reader is told where the rest is. Not the last article: its
     * rest ends the bulletin, and the two lines could push a short tail
     * onto a page of its own */
    e->start_page = e->pages.n;
    e->last_art = art;
    e->jump = !e->no_jump && !at_top && next_need > 0 &&
                      e->y - e->top > (e->bottom - e->top) / 2
                  ? art
                  : NULL;
    /* columns, interrupted by figures and displays that span them; such a
     * unit stands two block spaces clear of the columns above and below,
     * so that text extractors do not read a caption into the lines around
     * it, and a display reads as one: with one block space the white
     * around it is under 0.8 em, and a reader that finds blocks from the
     * page's geometry (typo-metrics' XY-cut) takes it for an overfull line
     * of the column */
    const unit *bu = body.v.p;
    int32_t span_sp = 2 * lay->para_space;
    int from = 0;
    for (int k = 0; k <= body.v.n; k++) {
        if (k < body.v.n && bu[k].kind != U_SPAN)
            continue;
        e->fill_after = k == body.v.n ? next_need : 0;
        if (k < body.v.n && display_lead_alone(e, bu, from, k, span_sp))
            bt_layout_new_page(e);
        if (k > from) /* bu is NULL for an empty body */
            bt_layout_flow_columns(e, bu + from, k - from);
        e->fill_after = 0;
        if (k < body.v.n) {
            if (e->y > e->top)
                e->y += span_sp;
            if (e->y + bu[k].h > e->bottom)
                bt_layout_new_page(e);
            bt_layout_place_unit(e, &bu[k], e->left, e->y);
            e->y += bu[k].h + span_sp;
        }
        from = k + 1;
    }
    e->jump = NULL;
    free(head.v.p);
    free(body.v.p);
    free(sech.v.p);
    bt_layout_units_done(e);
}

/* ---- page 1: masthead and table of contents ---- */
/* ---- passes ---- */

static void held_free(engine *e);

static void engine_free(engine *e)
{
    bt_layout_units_done(e);
    held_free(e);
    for (int p = 0; p < e->pages.n; p++)
        free(((page_acc *)e->pages.p)[p].boxes.p);
    free(e->pages.p);
    free(e->outline.p);
    free(e->marks.p);
    free(e->stretch.p);
    e->pages.p = e->outline.p = e->marks.p = e->stretch.p = NULL;
    e->pages.n = e->outline.n = e->marks.n = e->stretch.n = 0;
    e->pages.cap = e->outline.cap = e->marks.cap = e->stretch.cap = 0;
}

/* The article laid out after `art` (which is in s) when the manifest order
 * holds, and whether it opens its section. */
static const bt_article *next_article(const bt_section *s,
                                      const bt_article *art,
                                      const bt_section **opens)
{
    *opens = NULL;
    if (art && art->next)
        return art->next;
    for (s = s->next; s; s = s->next)
        if (s->articles) {
            *opens = s;
            return s->articles;
        }
    return NULL;
}

/* ---- memory of one article; pages handed out as they are final ---- */

/* bt_layout_stream: pages [next, pages.n - 1) are final once an article
 * is placed (layout_flow.c places onto the current page only, and page
 * make-up changes the current page only), so they get their reading order
 * and furniture, go to the sink and lose their boxes. The current page is
 * held; the glyphs its boxes point to live in `held` until it goes. */
typedef struct page_stream {
    const bt_page_sink *sink;
    int npages;     /* page count the pass's footers count on (0: first pass) */
    int next;       /* first page not handed out yet (0-based) */
    uint32_t carry; /* reading-order carry of page next - 1 */
    bt_arena held;  /* glyph arrays and link targets of held pages */
} page_stream;

static void held_free(engine *e)
{
    if (e->stream)
        bt_arena_free(&e->stream->held);
}

/* Reading order, furniture, out to the sink, boxes freed: page p. */
static void emit_page(engine *e, int p)
{
    page_stream *st = e->stream;
    st->carry = bt_layout_page_order(e, p, st->carry);
    /* the first pass knows no page count yet: "p/p" draws the same
     * characters over the pass as "p/n" does */
    bt_layout_furniture_page(e, p, st->npages > 0 ? st->npages : p + 1);
    page_acc *acc = &((page_acc *)e->pages.p)[p];
    bt_page pg = {p + 1, acc->boxes.p, acc->boxes.n};
    st->sink->page(st->sink->payload, &pg);
    bt_vec_free(&acc->boxes);
    acc->boxes.size = sizeof(bt_box);
}

/* Hands out the pages before `upto` (0-based, exclusive). */
static void emit_pages(engine *e, int upto)
{
    page_stream *st = e->stream;
    if (!st || e->rc)
        return;
    for (; st->next < upto; st->next++)
        emit_page(e, st->next);
}

/* What placing one article allocates in ctx->arena (shaping results,
 * lever copies, break lists, the look-ahead of start_need, strings of its
 * runs) is garbage once its units are on the pages, except the glyph
 * arrays and link targets its page boxes point to and its diagnostics'
 * messages. So each article gets an arena of its own, and when it is
 * placed those few things are copied out and the rest is freed: a pass
 * then holds its page boxes and their glyphs, not every paragraph it
 * shaped. Only the page that was current when the article began and the
 * pages after it receive its boxes (layout_flow.c places onto the current
 * page only); one page more is scanned for safety. When streaming, the
 * pages before the current one are handed out first and the current
 * page's glyphs move to a fresh `held` arena. */
typedef struct art_mem {
    bt_arena outer; /* the pass's arena, put back at the end */
    int page0;      /* first page that may hold the article's boxes */
    int ndiags;     /* diagnostics before the article */
} art_mem;

static void art_mem_begin(engine *e, art_mem *m)
{
    m->outer = e->ctx->arena;
    bt_arena_init(&e->ctx->arena);
    m->page0 = e->pages.n > 2 ? e->pages.n - 2 : 0;
    m->ndiags = e->ctx->ndiags;
}

static void art_mem_end(engine *e, art_mem *m)
{
    bt_ctx *ctx = e->ctx;
    page_stream *st = e->stream;
    emit_pages(e, e->pages.n - 1);
    bt_arena art = ctx->arena, old = {0};
    ctx->arena = m->outer;
    bt_arena *to = &ctx->arena;
    if (st) {
        old = st->held;
        bt_arena_init(&st->held);
        to = &st->held;
        m->page0 = BT_MAX(m->page0, st->next);
    }
    for (int p = m->page0; p < e->pages.n; p++) {
        page_acc *pg = &((page_acc *)e->pages.p)[p];
        bt_box *b = pg->boxes.p;
        for (int i = 0; i < pg->boxes.n; i++) {
            if (b[i].kind == BT_BOX_GLYPHS &&
                (bt_arena_owns(&art, b[i].u.run.glyphs) ||
                 bt_arena_owns(&old, b[i].u.run.glyphs)))
                b[i].u.run.glyphs =
                    bt_arena_memdup(to, b[i].u.run.glyphs,
                                    sizeof(bt_glyph) * (size_t)b[i].u.run.n);
            else if (b[i].kind == BT_BOX_LINK &&
                     (bt_arena_owns(&art, b[i].u.link.uri) ||
                      bt_arena_owns(&old, b[i].u.link.uri)))
                b[i].u.link.uri = bt_arena_strdup(to, b[i].u.link.uri);
        }
    }
    for (int i = BT_MIN(m->ndiags, ctx->ndiags); i < ctx->ndiags; i++)
        if (bt_arena_owns(&art, ctx->diags[i].msg))
            ctx->diags[i].msg = bt_arena_strdup(&ctx->arena, ctx->diags[i].msg);
    bt_arena_free(&art);
    bt_arena_free(&old);
}

void bt_layout_scratch_begin(engine *e, scratch_mem *m)
{
    m->outer = e->ctx->arena;
    bt_arena_init(&e->ctx->arena);
    m->outer_units = e->units;
    bt_arena_init(&e->units);
    m->ndiags = e->ctx->ndiags;
}

void bt_layout_scratch_end(engine *e, scratch_mem *m, units *u, int first)
{
    bt_ctx *ctx = e->ctx;
    bt_arena tmp = ctx->arena;
    ctx->arena = m->outer;
    bt_arena *to = e->stream ? &e->stream->held : &ctx->arena;
    unit *un = u->v.p;
    for (int k = first; k < u->v.n; k++)
        if (un[k].nboxes > 0)
            un[k].boxes =
                bt_arena_memdup(&m->outer_units, un[k].boxes,
                                sizeof(bt_box) * (size_t)un[k].nboxes);
    bt_arena_free(&e->units);
    e->units = m->outer_units;
    for (int k = first; k < u->v.n; k++) {
        bt_box *b = un[k].boxes;
        for (int i = 0; i < un[k].nboxes; i++) {
            if (b[i].kind == BT_BOX_GLYPHS &&
                bt_arena_owns(&tmp, b[i].u.run.glyphs))
                b[i].u.run.glyphs =
                    bt_arena_memdup(to, b[i].u.run.glyphs,
                                    sizeof(bt_glyph) * (size_t)b[i].u.run.n);
            else if (b[i].kind == BT_BOX_LINK && b[i].u.link.uri &&
                     bt_arena_owns(&tmp, b[i].u.link.uri))
                b[i].u.link.uri = bt_arena_strdup(to, b[i].u.link.uri);
        }
    }
    for (int i = BT_MIN(m->ndiags, ctx->ndiags); i < ctx->ndiags; i++)
        if (bt_arena_owns(&tmp, ctx->diags[i].msg))
            ctx->diags[i].msg = bt_arena_strdup(&ctx->arena, ctx->diags[i].msg);
    bt_arena_free(&tmp);
}

/* Lays out a section's articles in manifest order; a section that allows
 * reordering lets a later article go first when the next one cannot start
 * in the space left on the page and it can. Returns e->rc. */
static int place_section(engine *e, const bt_section *s)
{
    int na = s->narticles, placed = 0;
    const bt_article **list =
        bt_xmalloc(sizeof *list * (size_t)(na > 0 ? na : 1));
    char *done = bt_xmalloc((size_t)(na > 0 ? na : 1));
    const bt_article *art;
    int k = 0;
    bt_article_foreach(s, art) {
        if (k < na) {
            done[k] = 0;
            list[k++] = art;
        }
    }
    na = k;
    for (int step = 0; step < na && e->rc == 0; step++) {
        art_mem mem;
        art_mem_begin(e, &mem);
        int pick = 0;
        while (done[pick])
            pick++;
        const bt_section *opens = placed ? NULL : s;
        if (s->reorder && !e->lay->article_new_page && e->y > e->top &&
            start_need(e, list[pick], opens) > e->bottom - e->y) {
            for (int j = pick + 1; j < na; j++)
                if (!done[j] &&
                    start_need(e, list[j], opens) <= e->bottom - e->y) {
                    pick = j;
                    break;
                }
        }
        done[pick] = 1;
        /* what the next article needs: the next in the manifest, or in a
         * section that may reorder, the least of its next few */
        int32_t nn = 0;
        int tried = 0;
        for (int j = 0; j < na && !e->lay->article_new_page; j++) {
            if (done[j])
                continue;
            int32_t x = start_need(e, list[j], NULL);
            if (!tried || x < nn)
                nn = x;
            if (++tried >= (s->reorder ? 8 : 1))
                break;
        }
        const bt_section *nopens = NULL;
        const bt_article *nx = tried ? NULL : next_article(s, NULL, &nopens);
        if (nx && !e->lay->article_new_page)
            nn = start_need(e, nx, nopens);
        layout_article(e, list[pick], opens, nn);
        art_mem_end(e, &mem);
        placed++;
    }
    free(list);
    free(done);
    return e->rc;
}

static void run_pass(engine *e)
{
    const bt_section *s;
    e->seq = 0;
    bt_layout_new_page(e);
    /* an article built alone is its own front page: no masthead repeating
     * its headline */
    if (e->doc->has_manifest || e->doc->narticles > 1)
        bt_layout_masthead(e);
    if (e->lay->toc && e->doc->narticles > 1) {
        /* the contents run down page 1 when the first article cannot
         * start under them */
        for (s = e->doc->sections; s && !s->articles; s = s->next)
            ;
        if (s)
            e->fill_after = start_need(e, s->articles, s) +
                            e->lay->para_space * 2 + e->lay->article_space;
        bt_layout_toc(e);
        e->fill_after = 0;
    }
    e->jumps = 0;
    e->start_page = 0;
    bt_section_foreach(e->doc, s) {
        if (place_section(e, s))
            return;
    }
    /* a page that holds only the foot of an article begun on a page
     * before, up to a quarter of a column deep */
    e->short_tail = e->start_page > 0 && e->start_page < e->pages.n &&
                    e->y - e->top <= (e->bottom - e->top) / 4;
    e->tail_lines = e->short_tail ? page_lines(e) : 0;
    if (e->stream) {
        emit_pages(e, e->pages.n);
        held_free(e);
        return;
    }
    if (e->replay)
        return; /* reading order and furniture after the contents' numbers */
    bt_layout_reading_order(e);
    bt_layout_furniture(e);
}

int bt_layout_replay = 1;

static bt_pages *export_pages(engine *e, int boxes);

/* Replay: the pages of the pass that ended the layout, held whole, get the
 * article pages in the contents (bt_layout_toc_patch), their reading order
 * and furniture; the page map goes to sink->map, then the pages to the
 * sink (once more if it refuses them). Their allocations go to `kept`, the
 * pass's arena. Returns the map (in ctx's arena). */
static bt_pages *replay_pages(engine *e, const bt_page_sink *sink,
                              bt_arena *kept)
{
    bt_ctx *ctx = e->ctx;
    bt_arena real = ctx->arena;
    int nd = ctx->ndiags;
    ctx->arena = *kept;
    bt_layout_toc_patch(e);
    bt_layout_reading_order(e);
    bt_layout_furniture(e);
    *kept = ctx->arena;
    ctx->arena = real;
    for (int i = nd; i < ctx->ndiags; i++)
        if (bt_arena_owns(kept, ctx->diags[i].msg))
            ctx->diags[i].msg = bt_arena_strdup(&ctx->arena, ctx->diags[i].msg);
    bt_pages *map = export_pages(e, 0);
    if (sink->map)
        sink->map(sink->payload, map);
    page_acc *acc = e->pages.p;
    if (sink->held && e->pages.n > 0) {
        bt_page *all = bt_xmalloc((size_t)e->pages.n * sizeof *all);
        for (int p = 0; p < e->pages.n; p++)
            all[p] = (bt_page){p + 1, acc[p].boxes.p, acc[p].boxes.n};
        sink->held(sink->payload, all, e->pages.n);
        free(all);
    }
    int ok = 0;
    for (int round = 0; round < 2 && !ok && e->rc == 0; round++) {
        sink->begin(sink->payload, e->pages.n);
        for (int p = 0; p < e->pages.n; p++) {
            bt_page pg = {p + 1, acc[p].boxes.p, acc[p].boxes.n};
            sink->page(sink->payload, &pg);
        }
        ok = sink->end(sink->payload, e->pages.n);
    }
    if (!ok && e->rc == 0)
        bt_error(ctx, bt_pos_file(e->doc->file),
                 "layout: the writer refused the pages twice");
    for (int p = 0; p < e->pages.n; p++) {
        bt_vec_free(&acc[p].boxes);
        acc[p].boxes.size = sizeof(bt_box);
    }
    return map;
}

/* The finished pages, moved into the build's arena; without their boxes
 * when `boxes` is 0 (the engine keeps them). */
static bt_pages *export_pages(engine *e, int boxes)
{
    bt_pages *pg = bt_arena_alloc(&e->ctx->arena, sizeof *pg);
    pg->width = e->lay->page_w;
    pg->height = e->lay->page_h;
    pg->npages = e->pages.n;
    pg->pages =
        bt_arena_alloc(&e->ctx->arena, sizeof(bt_page) * (size_t)e->pages.n);
    for (int p = 0; p < e->pages.n; p++) {
        page_acc *acc = &((page_acc *)e->pages.p)[p];
        pg->pages[p].number = p + 1;
        if (!boxes)
            continue;
        pg->pages[p].nboxes = acc->boxes.n;
        pg->pages[p].boxes =
            bt_arena_memdup(&e->ctx->arena, acc->boxes.p,
                            sizeof(bt_box) * (size_t)acc->boxes.n);
        /* the engine's copy goes now: the boxes exist once at a time */
        free(acc->boxes.p);
        acc->boxes.p = NULL;
        acc->boxes.n = acc->boxes.cap = 0;
    }
    pg->noutline = e->outline.n;
    pg->outline = bt_arena_memdup(&e->ctx->arena, e->outline.p,
                                  sizeof(bt_outline) * (size_t)e->outline.n);
    /* one mark per page: a page where nothing starts continues the block
     * that was running (the previous page's last mark) */
    pg->nmarks = e->pages.n;
    pg->marks = bt_arena_alloc(&e->ctx->arena,
                               sizeof(bt_pagemark) * (size_t)e->pages.n);
    const bt_pagemark *m = e->marks.p;
    int mi = 0;
    bt_pagemark last = {1, NULL, NULL};
    if (e->marks.n)
        last = m[0];
    for (int p = 0; p < e->pages.n; p++) {
        while (mi < e->marks.n && m[mi].page <= p + 1)
            last = m[mi++];
        pg->marks[p] = last;
        pg->marks[p].page = p + 1;
    }
    pg->article_page = e->article_page;
    return pg;
}

static int layout_run(bt_ctx *ctx, const bt_doc *doc, const bt_layout *lay,
                      const bt_shaper *shaper, const bt_page_sink *sink,
                      bt_pages **out)
{
    engine e;
    memset(&e, 0, sizeof e);
    page_stream st;
    memset(&st, 0, sizeof st);
    st.sink = sink;
    /* a small bulletin is held whole instead (replay_pages) */
    int replay = sink && bt_layout_replay &&
                 bt_doc_text_bytes(doc) <= BT_REPLAY_TEXT_BYTES;
    if (sink && !replay)
        e.stream = &st;
    e.replay = replay;
    bt_shaper once;
    if (replay && shaper->memo) {
        once = *shaper;
        once.memo = NULL;
        e.sh_once = &once;
    }
    e.ctx = ctx;
    e.doc = doc;
    e.lay = lay;
    e.sh = shaper;
    e.lb = bt_lb_params_default();
    e.brk = bt_layout_brkmemo_new();
    /* two hyphenated lines in a row cost 4 hyphens' penalty (TeX's 10000
     * demerits against \hyphenpenalty 50, at shape.c's penalty of 300) */
    e.lb.flagged_demerits = 360000;
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
    /* A pass that ends with a short tail alone on its last page is
     * retried without jump lines (their lines may have pushed the tail
     * over) and with as many of the last article's paragraphs set one
     * line tighter as the tail has lines, those where a line fewer costs
     * least first (TeX's \looseness -1, chosen by cost); then, if that
     * saves no page, with all of them that can; a retry is kept only
     * when it saves the page. */
    /* Streaming, a pass that would end the loop but whose pages the sink
     * could not use (it drew them for a page count the pass did not end
     * with) is set again, same settings: at most two more passes (the
     * first already has what it needs). */
    /* Replayed, a pass's arena is kept until the next pass begins, the
     * last one's until its pages are handed out. */
    enum { MAX_PASS = 6, MAX_REDO = 2 };
    int retry = 0, base_pages = 0, redo = 0;
    bt_arena kept;
    bt_arena_init(&kept);
    for (int pass = 0; pass < MAX_PASS + redo; pass++) {
        st.next = 0;
        st.carry = 0;
        bt_arena_free(&kept);
        if (sink) /* no pass leaves anything in the build's arena */
            bt_arena_init(&ctx->arena);
        if (e.stream)
            sink->begin(sink->payload, st.npages);
        run_pass(&e);
        int sink_ok =
            !e.stream || (e.rc == 0 && sink->end(sink->payload, e.pages.n));
        st.npages = e.pages.n;
        if (pass == 0) {
            for (int i = ndiags; i < ctx->ndiags; i++)
                ctx->diags[i].msg = bt_arena_strdup(&real, ctx->diags[i].msg);
        }
        if (replay)
            kept = ctx->arena;
        else if (sink)
            bt_arena_free(&ctx->arena);
        if (sink)
            ctx->arena = real;
        if (pass == 0) {
            if (!sink)
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
        int again = 0, was_retry = retry, was_no_jump = e.no_jump,
            was_want = e.tight_want;
        const bt_article *was_tight = e.tight_art;
        if (retry == 0 && e.short_tail) {
            retry = 1;
            base_pages = e.pages.n;
            e.no_jump = e.jumps > 0;
            e.tight_art = e.last_art;
            e.tight_want = e.tail_lines;
            again = 1;
        } else if (retry == 1 || retry == 2) {
            if (e.pages.n < base_pages) {
                retry = 3; /* a page saved: kept */
            } else if (retry == 1 && e.tight_left) {
                retry = 2;
                e.tight_want = -1;
                again = 1;
            } else {
                /* no page saved: the first setting stays */
                retry = 3;
                e.no_jump = 0;
                e.tight_art = NULL;
                again = 1;
            }
        }
        /* replayed, the pass's own article pages go into its contents */
        int last =
            pass >= MAX_PASS - 1 + redo || (replay && !again) ||
            (pass > 0 && !again &&
             memcmp(prev, e.article_page, sizeof(int) * (size_t)na) == 0);
        if (last && sink_ok)
            break;
        if (last && redo == MAX_REDO) {
            bt_error(ctx, bt_pos_file(doc->file),
                     "layout: the pages of the last pass kept changing");
            break;
        }
        if (last) {
            redo++; /* the same settings once more */
            retry = was_retry;
            e.no_jump = was_no_jump;
            e.tight_art = was_tight;
            e.tight_want = was_want;
        } else {
            memcpy(prev, e.article_page, sizeof(int) * (size_t)na);
            e.toc_pages = prev;
            /* a retry is set to save the last page: its footers (and the
             * sink) count on that, so when it does, it is the last pass;
             * going back to the first setting gives its pages again */
            if (retry == 1 || retry == 2)
                st.npages = base_pages - 1;
            else if (retry == 3 && again)
                st.npages = base_pages;
        }
        engine_free(&e);
    }
    bt_pages *replayed = NULL;
    if (replay && e.rc == 0 && !ctx->nerrors)
        replayed = replay_pages(&e, sink, &kept);
    bt_arena_free(&kept);
    bt_arena_free(&scratch);
    bt_layout_brkmemo_free(e.brk);
    e.brk = NULL;
    bt_vec_free(&e.tight_cost);
    bt_vec_free(&e.tight_pick);
    if (e.rc || ctx->nerrors) {
        engine_free(&e);
        return -1;
    }
    bt_pages *pg = replayed ? replayed : export_pages(&e, 1);
    engine_free(&e);
    *out = pg;
    return 0;
}

int bt_layout_run(bt_ctx *ctx, const bt_doc *doc, const bt_layout *lay,
                  const bt_shaper *shaper, bt_pages **out)
{
    return layout_run(ctx, doc, lay, shaper, NULL, out);
}

int bt_layout_stream(bt_ctx *ctx, const bt_doc *doc, const bt_layout *lay,
                     const bt_shaper *shaper, const bt_page_sink *sink,
                     bt_pages **out)
{
    return layout_run(ctx, doc, lay, shaper, sink, out);
}
