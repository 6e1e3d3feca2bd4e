/* linebreak.c - Knuth-Plass total-fit line breaking (see linebreak.h).
 * Sits between shape (styled runs -> items) and layout (lines -> columns):
 * items in, breakpoints and adjustment ratios out. Pure: no I/O, integer
 * arithmetic for every decision (TeX's badness approximation), so the same
 * items give the same breaks under every build. Working nodes live in
 * malloc'd pools freed before return; only the result goes to the arena. */
#include <stdlib.h>
#include <string.h>
#include "linebreak.h"
#include "bt_limits.h"

/* ---- internal limits and constants ---------------------------------- */

#define INF_BAD   10000         /* badness of a line that cannot be set well */
#define OVER_BAD  (INF_BAD + 1) /* marks an overfull line (r < -1) */
#define AWFUL     ((int64_t)1 << 62) /* "no candidate" demerits */
#define TOTAL_MAX ((int64_t)1 << 60) /* totals saturate here */

enum { FIT_VERY_LOOSE, FIT_LOOSE, FIT_DECENT, FIT_TIGHT, NFIT };

/* ---- state ----------------------------------------------------------- */

typedef struct active {
    int64_t total;   /* demerits of the best path to this break */
    int brk;         /* item index of the break, -1 for the paragraph start */
    int start;       /* first item of the line that follows */
    int line;        /* 0-based number of the line that follows */
    int ord;         /* ordinal of the break among legal breakpoints */
    int passive;     /* index in pas[] of this break, -1 for the start */
    int next;        /* next active node, -1 at the end */
    uint8_t fit;     /* fitness class of the line that ended here */
    uint8_t flagged; /* the break is at a flagged penalty */
} active;

typedef struct passive {
    int brk;  /* item index of the break */
    int prev; /* passive of the previous break, -1 for the start */
} passive;

typedef struct lb {
    const bt_item *items;  /* the caller's items */
    int n;                 /* caller's item count */
    int m;                 /* n, or n + 1 with an implied forced break at n */
    int64_t *sw, *sy, *sz; /* prefix sums of width/stretch/shrink, m + 1 */
    int *nstart;           /* first box or forced penalty at or after i */
    const int32_t *widths;
    int nwidths;
    bt_lb_params p;
    active *act; /* active node pool, linked through next */
    int nact, capact, freeact, head;
    passive *pas; /* passive nodes, append-only */
    int npas, cappas;
} lb;

/* ---- items ------------------------------------------------------------ */

/* Item i, where i == n is the implied forced break of the paragraph end. */
static bt_item item_at(const lb *s, int i)
{
    if (i < s->n)
        return s->items[i];
    bt_item end = {BT_ITEM_PENALTY, 0, 0, 0, -BT_PENALTY_INF, 0, 0};
    return end;
}

static int is_forced(const bt_item *it)
{
    return it->kind == BT_ITEM_PENALTY && it->penalty <= -BT_PENALTY_INF;
}

static int is_legal(const lb *s, int i)
{
    bt_item it = item_at(s, i);
    if (it.kind == BT_ITEM_GLUE)
        return i > 0 && s->items[i - 1].kind == BT_ITEM_BOX;
    if (it.kind == BT_ITEM_PENALTY)
        return it.penalty < BT_PENALTY_INF;
    return 0;
}

/* Natural width, stretch and shrink of the line items[start..j) plus the
 * width of a penalty broken at j. Shrink below 0 counts as 0; stretch
 * may be negative (Knuth's ragged-right trio glue(0,+R) penalty
 * glue(space,-R) cancels between words), and a line whose total stretch is
 * not positive has infinite badness when short. */
static void measure(const lb *s, int start, int j, int64_t *w, int64_t *y,
                    int64_t *z)
{
    bt_item it = item_at(s, j);
    *w = s->sw[j] - s->sw[start];
    if (it.kind == BT_ITEM_PENALTY)
        *w += it.width;
    *y = s->sy[j] - s->sy[start];
    *z = s->sz[j] - s->sz[start];
}

static int32_t line_width(const lb *s, int line)
{
    return s->widths[line < s->nwidths - 1 ? line : s->nwidths - 1];
}

/* Lines from this number on all have the last width: one group. */
static int line_key(const lb *s, int line)
{
    return line < s->nwidths - 1 ? line : s->nwidths - 1;
}

/* ---- badness and demerits --------------------------------------------- */

/* TeX's integer approximation of 100 (t/s)^3, capped at INF_BAD. */
static int badness(int64_t t, int64_t sz)
{
    if (t <= 0)
        return 0;
    if (sz <= 0 || t / 5 >= sz) /* r >= 5: beyond 4.64, i.e. INF_BAD */
        return INF_BAD;
    while (sz > ((int64_t)1 << 40)) { /* keep t * 297 in range */
        sz >>= 1;
        t >>= 1;
    }
    int64_t r = t * 297 / sz; /* 297^3 = 99.94 * 2^18 */
    if (r > 1290)
        return INF_BAD;
    return (int)((r * r * r + (1 << 17)) >> 18);
}

static int64_t sat(int64_t v)
{
    return v > TOTAL_MAX ? TOTAL_MAX : v < -TOTAL_MAX ? -TOTAL_MAX : v;
}

static int64_t demerits(const lb *s, int b, const bt_item *it, const active *a,
                        int fit)
{
    int64_t d = (int64_t)s->p.line_penalty + b;
    d = (d >= 10000 || d <= -10000) ? 100000000 : d * d;
    if (it->kind == BT_ITEM_PENALTY) {
        int64_t pi = it->penalty;
        if (pi > 0)
            d += pi * pi;
        else if (pi > -BT_PENALTY_INF)
            d -= pi * pi;
        if (it->flagged && a->flagged)
            d += s->p.flagged_demerits;
    }
    if (fit - a->fit > 1 || a->fit - fit > 1)
        d += s->p.fitness_demerits;
    return d;
}

/* ---- node pools --------------------------------------------------------- */

static int new_active(lb *s)
{
    int i;
    if (s->freeact >= 0) {
        i = s->freeact;
        s->freeact = s->act[i].next;
    } else {
        if (s->nact == s->capact) {
            s->capact = s->capact ? s->capact * 2 : 64;
            s->act = bt_xrealloc(s->act, (size_t)s->capact * sizeof *s->act);
        }
        i = s->nact++;
    }
    memset(&s->act[i], 0, sizeof s->act[i]);
    s->act[i].next = -1;
    return i;
}

static void free_active(lb *s, int i)
{
    s->act[i].next = s->freeact;
    s->freeact = i;
}

static int new_passive(lb *s, int brk, int prev)
{
    if (s->npas == s->cappas) {
        s->cappas = s->cappas ? s->cappas * 2 : 64;
        s->pas = bt_xrealloc(s->pas, (size_t)s->cappas * sizeof *s->pas);
    }
    s->pas[s->npas].brk = brk;
    s->pas[s->npas].prev = prev;
    return s->npas++;
}

/* ---- one pass ------------------------------------------------------------ */

typedef struct cand {
    int64_t total[NFIT]; /* best total demerits per fitness class */
    int pred[NFIT];      /* passive of the best predecessor */
    int line[NFIT];      /* line number of the predecessor's next line */
    int64_t min;         /* minimum over the classes */
} cand;

static void cand_reset(cand *c)
{
    for (int f = 0; f < NFIT; f++)
        c->total[f] = AWFUL;
    c->min = AWFUL;
}

/* Creates active nodes at break j for the recorded candidates and links
 * them after `prev` (-1: at the head). Returns the last node linked. */
static int flush(lb *s, cand *c, int j, int ord, int prev, int next)
{
    bt_item it = item_at(s, j);
    int64_t fd = s->p.fitness_demerits;
    int64_t limit = c->min + (fd < 0 ? -fd : fd);
    for (int f = 0; f < NFIT; f++) {
        /* A class worse than the best by more than the fitness demerits
         * can never win: the next line costs it at most that much more. */
        if (c->total[f] > limit || c->total[f] >= AWFUL)
            continue;
        int i = new_active(s);
        active *a = &s->act[i];
        a->total = c->total[f];
        a->brk = j;
        a->start = s->nstart[j + 1];
        a->line = c->line[f] + 1;
        a->ord = ord;
        a->fit = (uint8_t)f;
        a->flagged = it.kind == BT_ITEM_PENALTY && it.flagged;
        a->passive = new_passive(s, j, c->pred[f]);
        a->next = next;
        if (prev < 0)
            s->head = i;
        else
            s->act[prev].next = i;
        prev = i;
    }
    cand_reset(c);
    return prev;
}

/* Tries every active node against the legal breakpoint j (TeX's
 * try_break). The active list is sorted by line number, so the candidates
 * of one line group are flushed before the next group starts. */
static void try_break(lb *s, int j, int ord, int pass)
{
    bt_item it = item_at(s, j);
    int forced = is_forced(&it);
    int threshold =
        pass == 3 || s->p.tolerance > INF_BAD ? INF_BAD : s->p.tolerance;
    int64_t es =
        pass >= 2 && s->p.emergency_stretch > 0 ? s->p.emergency_stretch : 0;
    cand c;
    cand_reset(&c);
    int prev = -1, r = s->head, key = -1;
    int32_t width = 0;
    for (;;) {
        int rkey = r < 0 ? -1 : line_key(s, s->act[r].line);
        if (r < 0 || rkey != key) {
            if (c.min < AWFUL)
                prev = flush(s, &c, j, ord, prev, r);
            if (r < 0)
                break;
            key = rkey;
            width = line_width(s, s->act[r].line);
        }
        active *a = &s->act[r];
        int next = a->next;
        if (j < a->start) { /* j is among the discarded items after a */
            prev = r;
            r = next;
            continue;
        }
        int64_t w, y, z;
        measure(s, a->start, j, &w, &y, &z);
        int64_t shortfall = width - w;
        int b, fit;
        if (shortfall > 0) {
            b = badness(shortfall, y + es);
            fit = b > 99 ? FIT_VERY_LOOSE : b > 12 ? FIT_LOOSE : FIT_DECENT;
        } else if (shortfall < 0) {
            b = -shortfall > z ? OVER_BAD : badness(-shortfall, z);
            fit = b > 12 ? FIT_TIGHT : FIT_DECENT;
        } else {
            b = 0;
            fit = FIT_DECENT;
        }
        int capped = ord - a->ord > BT_MAX_LINE_BREAKS;
        int deactivate = b > INF_BAD || forced || capped;
        int record = b <= threshold && !capped, artificial = 0;
        if (!record && deactivate && pass == 3 && c.min >= AWFUL &&
            s->head == r && next < 0) {
            /* The last active node cannot reach j: break here anyway
             * (an overfull line) so a result always exists (TeX's
             * artificial_demerits). */
            record = artificial = 1;
        }
        if (record) {
            int64_t d = 0;
            if (!artificial) {
                int bd = pass == 3 && b > s->p.tolerance ? INF_BAD : b;
                d = demerits(s, bd, &it, a, fit);
            }
            int64_t total = sat(a->total + d);
            if (total <= c.total[fit]) {
                c.total[fit] = total;
                c.pred[fit] = a->passive;
                c.line[fit] = a->line;
            }
            if (total < c.min)
                c.min = total;
        }
        if (deactivate) {
            if (prev < 0)
                s->head = next;
            else
                s->act[prev].next = next;
            free_active(s, r);
        } else {
            prev = r;
        }
        r = next;
    }
}

/* Runs one pass. Returns the passive node of the best final break, -2 when
 * the pass found no solution (-1 would be the paragraph start). */
static int run_pass(lb *s, int pass)
{
    s->nact = 0;
    s->freeact = -1;
    s->npas = 0;
    int root = new_active(s);
    s->act[root].brk = -1;
    s->act[root].start = 0; /* TeX keeps leading glue: no discarding */
    s->act[root].passive = -1;
    s->act[root].fit = FIT_DECENT;
    s->head = root;
    int ord = 0;
    for (int j = 0; j < s->m; j++) {
        if (!is_legal(s, j))
            continue;
        try_break(s, j, ++ord, pass);
        if (s->head < 0)
            return -2;
    }
    /* Item m-1 is a forced break, so every node left ends there. */
    int best = -1;
    for (int r = s->head; r >= 0; r = s->act[r].next)
        if (best < 0 || s->act[r].total < s->act[best].total)
            best = r;
    BT_ASSERT(best >= 0 && s->act[best].brk == s->m - 1);
    return s->act[best].passive;
}

/* ---- public API ------------------------------------------------------------
 */

bt_lb_params bt_lb_params_default(void)
{
    bt_lb_params p;
    /* No hyphenation in Vietnamese and narrow columns: a wide tolerance
     * from the start (TeX's multicol uses 9999); one pass, no
     * pretolerance pass, since the optimum at 1000 is never worse. */
    p.tolerance = 1000;
    p.line_penalty = 10;
    p.flagged_demerits = 10000;
    p.fitness_demerits = 10000;
    p.emergency_stretch = 0; /* the caller sets it, e.g. 1.5 em */
    p.looseness = 0;
    return p;
}

static int32_t clamp32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* Fills one bt_break for the line items[start..j) set at `width`. */
static void set_line(const lb *s, bt_break *out, int start, int j,
                     int32_t width)
{
    int64_t w, y, z;
    measure(s, start, j, &w, &y, &z);
    int64_t shortfall = width - w;
    out->item = j;
    out->natural = clamp32(w);
    out->flags = 0;
    out->ratio = 0.0;
    if (shortfall > 0) {
        if (y > 0)
            out->ratio = (double)shortfall / (double)y;
        if (out->ratio > 1.0)
            out->flags |= BT_LB_LOOSE;
        if (badness(shortfall, y) >= INF_BAD)
            out->flags |= BT_LB_UNDERFULL;
    } else if (shortfall < 0) {
        if (-shortfall > z) {
            out->ratio = -1.0;
            out->flags |= BT_LB_OVERFULL;
        } else {
            out->ratio = (double)shortfall / (double)z;
        }
    }
}

int bt_linebreak_run(bt_arena *a, const bt_item *items, int n,
                     const int32_t *widths, int nwidths, const bt_lb_params *p,
                     bt_break **out, int *pass_out)
{
    BT_ASSERT(a && out && n >= 0 && (n == 0 || items));
    BT_ASSERT(widths && nwidths >= 1);
    *out = NULL;
    if (pass_out)
        *pass_out = 1;
    if (n == 0)
        return 0;

    lb s;
    memset(&s, 0, sizeof s);
    s.items = items;
    s.n = n;
    s.m = is_forced(&items[n - 1]) ? n : n + 1;
    s.widths = widths;
    s.nwidths = nwidths;
    s.p = p ? *p : bt_lb_params_default();
    s.freeact = -1;

    size_t m1 = (size_t)s.m + 1;
    s.sw = bt_xmalloc(3 * m1 * sizeof *s.sw);
    s.sy = s.sw + m1;
    s.sz = s.sy + m1;
    s.nstart = bt_xmalloc((m1 + 1) * sizeof *s.nstart);
    s.sw[0] = s.sy[0] = s.sz[0] = 0;
    for (int i = 0; i < s.m; i++) {
        bt_item it = item_at(&s, i);
        int64_t w = 0, y = 0, z = 0;
        if (it.kind != BT_ITEM_PENALTY) {
            w = it.width;
            y = it.stretch; /* may be negative: ragged-right glue trios */
            z = it.shrink > 0 ? it.shrink : 0;
        }
        s.sw[i + 1] = s.sw[i] + w;
        s.sy[i + 1] = s.sy[i] + y;
        s.sz[i + 1] = s.sz[i] + z;
    }
    s.nstart[s.m] = s.nstart[s.m + 1] = s.m;
    for (int i = s.m - 1; i >= 0; i--) {
        bt_item it = item_at(&s, i);
        s.nstart[i] =
            it.kind == BT_ITEM_BOX || is_forced(&it) ? i : s.nstart[i + 1];
    }

    int pass = 1, last = run_pass(&s, 1);
    if (last == -2 && s.p.emergency_stretch > 0)
        last = run_pass(&s, pass = 2);
    if (last == -2)
        last = run_pass(&s, pass = 3);
    BT_ASSERT(last >= 0);

    int nlines = 0;
    for (int q = last; q >= 0; q = s.pas[q].prev)
        nlines++;
    bt_break *res = bt_arena_alloc(a, (size_t)nlines * sizeof *res);
    int k = nlines;
    for (int q = last; q >= 0; q = s.pas[q].prev)
        res[--k].item = s.pas[q].brk;
    int start = 0;
    for (int i = 0; i < nlines; i++) {
        set_line(&s, &res[i], start, res[i].item, line_width(&s, i));
        start = s.nstart[res[i].item + 1];
    }

    free(s.sw);
    free(s.nstart);
    free(s.act);
    free(s.pas);
    *out = res;
    if (pass_out)
        *pass_out = pass;
    return nlines;
}
