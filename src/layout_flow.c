/* layout_flow.c - pages and column flow: units placed on pages, flowed
 * down the columns (greedy fill, a kept unit never last in a column),
 * balanced where a piece ends; a figure that does not fit floats below the
 * text that follows it. Placement is a plain translation of unit boxes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bt_limits.h"
#include "layout_int.h"

page_acc *bt_layout_cur_page(engine *e)
{
    return &((page_acc *)e->pages.p)[e->pages.n - 1];
}

void bt_layout_new_page(engine *e)
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
    e->stretch.size = sizeof(stretch_pt);
    e->stretch.n = 0;
}

void bt_layout_stretch_point(engine *e, int32_t y, int32_t max)
{
    if (max <= 0)
        return;
    e->stretch.size = sizeof(stretch_pt);
    stretch_pt *p = bt_vec_push(&e->stretch);
    p->y = y;
    p->max = max;
}

/* Vertical justification of a page that ends short at e->y: the white
 * below is shared out over the stretch points (between articles, under
 * headlines) in proportion to their max, never more than that max. */
void bt_layout_justify_page(engine *e)
{
    const stretch_pt *sp = e->stretch.p;
    int np = e->stretch.n;
    int32_t slack = e->bottom - e->y, total = 0;
    for (int k = 0; k < np; k++)
        if (sp[k].y < e->y)
            total += sp[k].max;
    if (slack <= 0 || total <= 0 || e->pages.n == 0)
        return;
    int32_t use = slack < total ? slack : total;
    int32_t *add = bt_xmalloc(sizeof(int32_t) * (size_t)np);
    for (int k = 0; k < np; k++)
        add[k] =
            sp[k].y < e->y ? (int32_t)((int64_t)sp[k].max * use / total) : 0;
    page_acc *pg = bt_layout_cur_page(e);
    for (int i = 0; i < pg->boxes.n; i++) {
        bt_box *b = &((bt_box *)pg->boxes.p)[i];
        int32_t d = 0;
        for (int k = 0; k < np && sp[k].y <= b->y; k++)
            d += add[k];
        b->y += d;
    }
    for (int i = 0; i < e->outline.n; i++) {
        bt_outline *o = &((bt_outline *)e->outline.p)[i];
        if (o->page != e->pages.n)
            continue;
        int32_t d = 0;
        for (int k = 0; k < np && sp[k].y <= o->y; k++)
            d += add[k];
        o->y += d;
    }
    int32_t d = 0;
    for (int k = 0; k < np; k++)
        d += add[k];
    e->y += d;
    e->stretch.n = 0;
    free(add);
}

int32_t bt_layout_note_line(engine *e, const char *text, int32_t x, int32_t y,
                            int right, int place)
{
    units u = {{0}};
    u.v.size = sizeof(unit);
    bt_runs r =
        text_runs(&e->ctx->arena, cstr(text), bt_pos_file(e->doc->file));
    bt_layout_set_text(e, &u,
                       &(text_req){.role = BT_ROLE_CAPTION,
                                   .runs = &r,
                                   .width = e->colw,
                                   .al = right ? AL_RIGHT : AL_LEFT});
    int32_t h = bt_layout_units_height(&u, 0, u.v.n);
    if (place) {
        const unit *a = u.v.p;
        for (int k = 0; k < u.v.n; k++) {
            bt_layout_place_unit(e, &a[k], x, y);
            y += a[k].h;
        }
    }
    free(u.v.p);
    return h;
}

static void mark_page(engine *e, const bt_article *art, const bt_block *blk)
{
    int page = e->pages.n;
    bt_pagemark *m =
        e->marks.n ? &((bt_pagemark *)e->marks.p)[e->marks.n - 1] : NULL;
    if (!art || (m && m->page == page))
        return;
    m = bt_vec_push(&e->marks);
    m->page = page;
    m->article = art;
    m->block = blk;
}

/* A thin rule across the text width at the current y (between articles,
 * under the table of contents). */
void bt_layout_full_rule(engine *e)
{
    bt_box *b = bt_vec_push(&bt_layout_cur_page(e)->boxes);
    b->kind = BT_BOX_RULE;
    b->x = e->left;
    b->y = e->y;
    b->w = e->width;
    b->h = e->lay->rule_width;
    b->u.rule.color = e->lay->rule_color;
}

void bt_layout_place_unit(engine *e, const unit *u, int32_t x, int32_t y)
{
    page_acc *p = bt_layout_cur_page(e);
    for (int i = 0; i < u->nboxes; i++) {
        bt_box *b = bt_vec_push(&p->boxes);
        *b = u->boxes[i];
        b->x += x;
        b->y += y;
    }
    if (u->kind != U_SPACE)
        mark_page(e, u->art, u->blk);
}

int32_t bt_layout_units_height(const units *u, int from, int to)
{
    int32_t h = 0;
    const unit *a = u->v.p;
    for (int i = from; i < to; i++)
        h += a[i].h;
    return h;
}

/* Places units [from, to) one under the other at full width, on a new
 * page when one does not fit (a headline longer than a page). */
void bt_layout_place_stack(engine *e, const units *u, int from, int to)
{
    const unit *a = u->v.p;
    for (int i = from; i < to; i++) {
        if (e->y + a[i].h > e->bottom && e->y > e->top)
            bt_layout_new_page(e);
        bt_layout_place_unit(e, &a[i], e->left, e->y);
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

/* Height greedy filling at height h leaves in the last column of
 * [from, n). */
static int32_t last_column(const unit *a, int from, int n, int32_t h)
{
    int i = from;
    int32_t used = 0;
    while (i < n) {
        while (i < n && a[i].kind == U_SPACE)
            i++;
        if (i >= n)
            break;
        i = fill_column(a, &i, n, h, &used, NULL);
    }
    return used;
}

/* Two units that are lines of one paragraph (the lead has no block). */
static int same_para(const unit *x, const unit *y)
{
    return x->kind == U_LINE && y->kind == U_LINE && x->blk == y->blk &&
           x->art == y->art;
}

/* 1 when units [s, e) are one line and nothing else but space. */
static int only_line(const unit *a, int s, int e)
{
    int lines = 0;
    for (int k = s; k < e; k++) {
        if (a[k].kind == U_SPACE)
            continue;
        if (a[k].kind != U_LINE)
            return 0;
        lines++;
    }
    return lines == 1;
}

/* 1 when column [s, e) of a piece that holds a[0 .. n) starts or ends
 * with a lone line: a single line of a paragraph that goes on in the
 * column before or after it (at a column's top it reads as a widow, at
 * its foot as an orphan, and a reader's eye, like a PDF text tool, loses
 * the thread). a[s - 1], when there, is the unit placed before. */
static int lone_line(const unit *a, int s, int e, int n)
{
    if (e - s < 1)
        return 0;
    if (a[s].kind == U_LINE && s > 0 && same_para(&a[s - 1], &a[s]) &&
        (e - s == 1 || !same_para(&a[s], &a[s + 1])))
        return 1;
    return a[e - 1].kind == U_LINE && e < n && same_para(&a[e - 1], &a[e]) &&
           (e - s == 1 || !same_para(&a[e - 2], &a[e - 1]));
}

/* 1 when greedy filling of [from, n) at height h gives a split to avoid:
 * a column with a lone line (above), or, when the piece takes more than
 * one column, a column holding a single line whatever paragraph it
 * belongs to: a one-line paragraph alone atop the last balanced column
 * reads as a widow, and a tail set 2 + 2 + 1 looks like a mistake
 * (3 + 3 + 0 or 2 + 2 + 2 does not). One pass over the columns. */
static int bad_split(const unit *a, int from, int n, int32_t h)
{
    int i = from, cols = 0, single = 0;
    while (i < n) {
        while (i < n && a[i].kind == U_SPACE)
            i++;
        if (i >= n)
            break;
        int s = i;
        int32_t used;
        int e = fill_column(a, &s, n, h, &used, NULL);
        if (lone_line(a, s, e, n))
            return 1;
        cols++;
        single |= only_line(a, s, e);
        i = e;
    }
    return single && cols > 1;
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
    /* the text moved ends where its paragraph ends: a figure set inside a
     * paragraph cuts it in two for the reader */
    while (j < n && a[j].kind == U_LINE && a[j - 1].kind == U_LINE &&
           a[j].blk && a[j].blk == a[j - 1].blk)
        j++;
    while (j > g + 1 && j < n && a[j - 1].keep)
        j--; /* never end inside a kept group */
    /* nor inside a paragraph: the figure goes under its last line */
    while (j > g + 1 && j < n && a[j].kind == U_LINE &&
           a[j - 1].kind == U_LINE && a[j].blk && a[j].blk == a[j - 1].blk)
        j++;
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
void bt_layout_flow_columns(engine *e, const unit *src, int n)
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
            bt_layout_new_page(e);
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
            int32_t line = e->lay->style[BT_ROLE_BODY].leading;
            /* no lone line of a paragraph in a column, no column of one
             * line: the columns may come out a line or two uneven for it
             * (a 3-line tail goes in one column, not 1 + 2; a 5-line tail
             * 3 + 2, not 2 + 2 + 1) */
            if (bad_split(a, i, n, h)) {
                for (int32_t h2 = h + line / 4;
                     h2 <= h + 3 * line && h2 <= avail; h2 += line / 4)
                    if (columns_needed(a, i, n, h2, ncol, strict) <= ncol &&
                        !bad_split(a, i, n, h2)) {
                        h = h2;
                        break;
                    }
            }
            /* a tail of a line or two stays in one column rather than
             * one line in each */
            if (h < 2 * line)
                h = avail;
            /* nothing can start under the balanced columns on this page
             * (the next article's head and first lines need more room):
             * let the columns run down the page instead, the last one
             * shorter but not empty, rather than leave its foot white */
            if (e->fill_after > 0 && e->y + h + e->fill_after > e->bottom) {
                int32_t lo2 = h, hi2 = avail;
                while (lo2 < hi2) {
                    int32_t mid = lo2 + (hi2 - lo2 + 1) / 2;
                    if (columns_needed(a, i, n, mid, ncol, strict) >= ncol &&
                        last_column(a, i, n, mid) * 3 >= mid)
                        lo2 = mid;
                    else
                        hi2 = mid - 1;
                }
                while (lo2 > h && bad_split(a, i, n, lo2))
                    lo2 -= line / 4;
                h = lo2 > h ? lo2 : h;
            }
        }
        /* an article that started under another one and goes on to the
         * next page: its last column keeps a line for "Tiếp trang N" */
        int32_t jl = 0;
        if (!last_part && e->jump) {
            jl = bt_layout_note_line(e, "0", 0, 0, 0, 0);
            /* only where the last column keeps three lines above it */
            if (h - jl < 3 * e->lay->style[BT_ROLE_BODY].leading)
                jl = 0;
        }
        int jl_col = -1;
        int32_t jl_y = 0;
        int32_t maxused = 0;
        int32_t full = e->bottom - e->top;
        int floats = 0;
        for (int c = 0; c < ncol && i < n; c++) {
            int32_t used;
            int start = i, forced = 0;
            int32_t hc = c == ncol - 1 && h - jl > 0 ? h - jl : h;
            int end = fill_column(a, &start, n, hc, &used, &forced);
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
                int fig =
                    forced && a[start].kind == U_FIGURE ? start
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
                bt_layout_place_unit(e, &a[k], x, y);
                y += a[k].h;
            }
            if (used > maxused)
                maxused = used;
            if (jl && c == ncol - 1) {
                jl_col = c;
                jl_y = e->y + used;
            }
            i = end;
        }
        /* spaces left after the last column end the piece, not start a
         * page of their own */
        while (i < n && a[i].kind == U_SPACE)
            i++;
        if (i < n) {
            int from = 0;
            /* only between blocks: a jump line inside a paragraph would
             * sit in the middle of its text for every reader that
             * follows the content stream (copy-paste, pdf.js, screen
             * readers) until tagged PDF can mark it as an artifact */
            int mid_block = i > 0 && a[i].blk && a[i].blk == a[i - 1].blk;
            if (jl_col >= 0 && !mid_block) {
                char buf[64];
                e->jumps++;
                from = e->pages.n;
                snprintf(buf, sizeof buf, "%s %d",
                         bt_label(bt_layout_lang(e), BT_L_JUMP_TO), from + 1);
                bt_layout_note_line(e, buf,
                                    e->left + jl_col * (e->colw + e->lay->gap),
                                    jl_y, 1, 1);
            }
            bt_layout_new_page(e);
            if (from && e->rc == 0) {
                /* "Tiếp theo trang N" heads the first column, kept with the
                 * line under it */
                char buf[64];
                snprintf(buf, sizeof buf, "%s %d",
                         bt_label(bt_layout_lang(e), BT_L_JUMP_FROM), from);
                units nu = {{0}};
                nu.v.size = sizeof(unit);
                bt_runs r = text_runs(&e->ctx->arena, cstr(buf),
                                      bt_pos_file(e->doc->file));
                bt_layout_set_text(e, &nu,
                                   &(text_req){.role = BT_ROLE_CAPTION,
                                               .runs = &r,
                                               .width = e->colw,
                                               .al = AL_LEFT});
                if (nu.v.n > 0) {
                    a = bt_xrealloc(a, sizeof(unit) * (size_t)(n + 1));
                    memmove(a + i + 1, a + i, sizeof(unit) * (size_t)(n - i));
                    a[i] = ((unit *)nu.v.p)[0];
                    a[i].keep = 1;
                    n++;
                }
                free(nu.v.p);
            }
            e->jump = NULL;
        } else {
            e->y += maxused;
        }
    }
    free(a);
}
