/* layout_flow.c - pages and column flow: units placed on pages, flowed
 * down the columns (greedy fill, a kept unit never last in a column),
 * balanced where a piece ends; a figure that does not fit floats below the
 * text that follows it. Placement is a plain translation of unit boxes. */
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
            i = end;
        }
        /* spaces left after the last column end the piece, not start a
         * page of their own */
        while (i < n && a[i].kind == U_SPACE)
            i++;
        if (i < n) {
            bt_layout_new_page(e);
        } else {
            e->y += maxused;
        }
    }
    free(a);
}
