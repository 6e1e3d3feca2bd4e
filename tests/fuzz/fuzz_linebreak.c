/* fuzz_linebreak.c - libFuzzer target for the Knuth-Plass line breaker.
 * Decodes parameters, line widths and up to MAX_ITEMS items from the
 * bytes, runs bt_linebreak_run twice (results must be identical) and
 * abort()s when a promise of linebreak.h is broken: breaks strictly
 * increase, sit on legal breakpoints, take every forced break, end at the
 * paragraph end; ratios >= -1; a line is wider than its measure after full
 * shrink only when flagged OVERFULL; LOOSE iff ratio > 1.
 *
 * Input layout: [hdr 8 bytes][nwidths x 2 bytes][items x 4 bytes]. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "linebreak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ITEMS 2000

static void fail(const char *what, int line)
{
    fprintf(stderr, "fuzz_linebreak: invariant broken: %s (line %d)\n", what,
            line);
    abort();
}

static int forced(const bt_item *it)
{
    return it->kind == BT_ITEM_PENALTY && it->penalty <= -BT_PENALTY_INF;
}

static int legal(const bt_item *it, int n, int j)
{
    if (j == n)
        return !forced(&it[n - 1]);
    if (j < 0 || j > n)
        return 0;
    if (it[j].kind == BT_ITEM_GLUE)
        return j > 0 && it[j - 1].kind == BT_ITEM_BOX;
    if (it[j].kind == BT_ITEM_PENALTY)
        return it[j].penalty < BT_PENALTY_INF;
    return 0;
}

static void check(const bt_item *it, int n, const int32_t *widths, int nw,
                  const bt_break *br, int nl, int pass)
{
    if (pass < 1 || pass > 3)
        fail("pass out of range", 0);
    if (n == 0) {
        if (nl != 0)
            fail("lines for an empty paragraph", 0);
        return;
    }
    if (nl < 1 || !br)
        fail("no lines", 0);
    if (br[nl - 1].item != (forced(&it[n - 1]) ? n - 1 : n))
        fail("last break is not the paragraph end", nl - 1);
    int s = 0;
    for (int l = 0; l < nl; l++) {
        int j = br[l].item;
        if (l && j <= br[l - 1].item)
            fail("breaks not increasing", l);
        if (!legal(it, n, j))
            fail("break at an illegal item", l);
        for (int i = l ? br[l - 1].item + 1 : 0; i < j; i++)
            if (forced(&it[i]))
                fail("forced break skipped", l);
        int64_t w = 0, y = 0, z = 0, x = 0, t = 0;
        for (int i = s; i < j; i++) {
            if (it[i].kind == BT_ITEM_PENALTY)
                continue;
            if (it[i].kind == BT_ITEM_BOX) {
                x += it[i].xwidth;
                t += it[i].track;
            }
            w += it[i].width;
            y += it[i].stretch > 0 ? it[i].stretch : 0;
            z += it[i].shrink > 0 ? it[i].shrink : 0;
        }
        if (j < n && it[j].kind == BT_ITEM_PENALTY)
            w += it[j].width;
        int32_t lw = widths[l < nw - 1 ? l : nw - 1];
        int64_t wc = w > INT32_MAX ? INT32_MAX : w < INT32_MIN ? INT32_MIN : w;
        if (br[l].natural != wc)
            fail("natural width", l);
        if (!isfinite(br[l].ratio) || br[l].ratio < -1.0)
            fail("ratio", l);
        if (br[l].expand % 50 || br[l].expand < -200 || br[l].expand > 200)
            fail("expansion out of its steps or bounds", l);
        if (br[l].track < 0 || br[l].track > t)
            fail("letter-spacing beyond the boxes' track", l);
        int64_t set = w + x * br[l].expand / 10000 + br[l].track;
        if ((set - z > lw) != !!(br[l].flags & BT_LB_OVERFULL))
            fail("overfull flag", l);
        if (!!(br[l].flags & BT_LB_LOOSE) != (br[l].ratio > 1.0))
            fail("loose flag", l);
        if ((br[l].flags & BT_LB_UNDERFULL) && set >= lw)
            fail("underfull flag on a full line", l);
        if (set < lw && y == 0 && !(br[l].flags & BT_LB_UNDERFULL))
            fail("short line without stretch not underfull", l);
        if (pass < 3 && (br[l].flags & BT_LB_OVERFULL))
            fail("overfull line outside the final pass", l);
        /* the next line starts at the first box or forced penalty */
        s = j + 1;
        while (s < n && it[s].kind != BT_ITEM_BOX && !forced(&it[s]))
            s++;
    }
}

/* Clamps to int32: extreme mode multiplies decoded values by large scales. */
static int32_t sat32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

static int32_t rd16(const uint8_t *p)
{
    return (int16_t)(uint16_t)(p[0] | p[1] << 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int32_t tol[8] = {100,  200,   1000, 1000,
                                   3000, 10000, -1,   INT32_MAX};
    if (size < 8)
        return 0;
    bt_lb_params p = bt_lb_params_default();
    p.tolerance = tol[data[0] & 7];
    int nw = 1 + (data[0] >> 3 & 3);
    int extreme = data[0] >> 5 & 1; /* huge values to probe overflow */
    p.line_penalty =
        sat32((int64_t)(int8_t)data[1] * (extreme ? 20000000 : 10));
    p.flagged_demerits = data[2] * (extreme ? 8000000 : 100);
    p.fitness_demerits = data[3] * (extreme ? -8000000 : 100);
    p.emergency_stretch = data[4] * (extreme ? 8000000 : 100);
    p.flagged_max = data[5] & 3; /* 0: no limit */
    size_t off = 8;
    if (size < off + 2 * (size_t)nw)
        return 0;
    int32_t widths[4];
    for (int i = 0; i < nw; i++)
        widths[i] = rd16(data + off + 2 * i) * (extreme ? 65536 : 4);
    off += 2 * (size_t)nw;

    size_t n = (size - off) / 4;
    if (n > MAX_ITEMS)
        n = MAX_ITEMS;
    bt_item *items = calloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *q = data + off + 4 * i;
        bt_item *it = &items[i];
        int32_t scale = extreme && (q[0] & 0x80) ? 65536 : 1;
        it->kind = (enum bt_item_kind)(q[0] % 3);
        it->width = sat32((int64_t)rd16(q + 1) * (q[0] & 0x40 ? 1 : 4) * scale);
        it->ref = (uint32_t)i;
        switch (it->kind) {
        case BT_ITEM_BOX:
            if (q[0] & 0x08) { /* linear box stretch */
                it->stretch = (q[3] & 15) * 50 * scale;
                it->shrink = (q[3] >> 4) * 50 * scale;
            }
            if (q[0] & 0x10) { /* bounded levers: expansion, tracking */
                it->xwidth = it->width > 0 ? it->width : 0;
                it->track = (q[3] & 15) * 10 * scale;
            }
            break;
        case BT_ITEM_GLUE:
            it->stretch = (q[3] & 15) * 400 * scale;
            it->shrink = (q[3] >> 4) * 200 * scale;
            if ((q[0] & 0x38) == 0x38)
                it->stretch = 1 << 30; /* fil */
            if (extreme && (q[0] & 0x20))
                it->shrink = -it->shrink;
            break;
        case BT_ITEM_PENALTY:
            it->width = it->width < 0 ? 0 : it->width / 8;
            it->flagged = q[0] >> 3 & 1;
            switch (q[0] >> 4 & 3) {
            case 0:
                it->penalty = (int8_t)q[3] * 40;
                break;
            case 1:
                it->penalty = BT_PENALTY_INF + q[3];
                break;
            case 2:
                it->penalty = -BT_PENALTY_INF - q[3];
                break;
            default:
                it->penalty = (int32_t)((uint32_t)q[3] << 24 | 0xffffff);
                break;
            }
            break;
        }
    }

    bt_arena a;
    bt_arena_init(&a);
    bt_break *br, *br2;
    int pass = 0, pass2 = 0;
    int nl = bt_linebreak_run(&a, items, (int)n, widths, nw, &p, &br, &pass);
    check(items, (int)n, widths, nw, br, nl, pass);
    int nl2 = bt_linebreak_run(&a, items, (int)n, widths, nw, &p, &br2, &pass2);
    if (nl2 != nl || pass2 != pass)
        fail("not deterministic", 0);
    for (int l = 0; l < nl; l++)
        if (br[l].item != br2[l].item || br[l].flags != br2[l].flags ||
            memcmp(&br[l].ratio, &br2[l].ratio, sizeof br[l].ratio) != 0)
            fail("not deterministic", l);
    /* with the costs of the neighbouring line counts */
    bt_lb_costs c;
    int nl3 =
        bt_linebreak_costs(&a, items, (int)n, widths, nw, &p, &br2, &pass2, &c);
    check(items, (int)n, widths, nw, br2, nl3, pass2);
    if (n > 0 &&
        (c.lines[1] < 1 || (c.lines[0] && c.lines[0] != c.lines[1] - 1) ||
         (c.lines[2] && c.lines[2] != c.lines[1] + 1)))
        fail("costs of line counts that do not neighbour the optimum", 0);
    bt_arena_free(&a);
    free(items);
    return 0;
}
