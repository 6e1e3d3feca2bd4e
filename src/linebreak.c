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
/* A line beyond gap_limit (final pass only) costs more than any sequence
 * of ordinary lines could: at most BT_MAX_LINE_BREAKS lines of 10^8 plus
 * penalties and fitness each, far below 2^40. */
#define UNBOUNDED_DEM ((int64_t)1 << 40)
/* A short line that cannot stretch (one word before a token that cannot
 * join it): bad, but not an unbounded gap, so it costs less. */
#define SHORT_DEM ((int64_t)1 << 36)
#define NLEV      (2 * BT_LB_MAX_LEVELS + 1)
#define NRUN      BT_LB_MAX_FLAGGED_RUN
/* A run of flagged breaks beyond flagged_max (final pass only, when no
 * other break sequence exists): dearer than any ordinary sequence, less
 * than a line beyond the gap limit. */
#define RUN_DEM ((int64_t)1 << 38)

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
    uint8_t run;     /* flagged breaks in a row ending here (0: not flagged) */
    int8_t lev;      /* expansion level of the line that ended here */
} active;

typedef struct passive {
    int brk;       /* item index of the break */
    int prev;      /* passive of the previous break, -1 for the start */
    int8_t lev;    /* expansion level of the line ending here */
    int32_t track; /* letter-spacing of that line */
} passive;

typedef struct lb {
    const bt_item *items;  /* the caller's items */
    int n;                 /* caller's item count */
    int m;                 /* n, or n + 1 with an implied forced break at n */
    int64_t *sw, *sy, *sz; /* prefix sums of width/stretch/shrink, m + 1 */
    int64_t *sx, *st;      /* of boxes' xwidth and track */
    int64_t *sg;           /* of glue natural widths (the word spaces) */
    int nlev;              /* expansion levels each side of 0 */
    int nrun;              /* candidate slots per flagged run length */
    int by_line;           /* every line count a group of its own */
    bt_lb_costs *costs;    /* filled by the pass that succeeds, or NULL */
    int *nstart;           /* first box or forced penalty at or after i */
    const int32_t *widths;
    int nwidths;
    bt_lb_params p;
    active *act; /* active node pool, linked through next */
    int nact, capact, freeact, head;
    passive *pas; /* passive nodes, append-only */
    int npas, cappas;
    struct cand *cand; /* try_break's candidates, empty between calls */
} lb;

/* ---- items ------------------------------------------------------------ */

/* Item i, where i == n is the implied forced break of the paragraph end. */
static bt_item item_at(const lb *s, int i)
{
    if (i < s->n)
        return s->items[i];
    bt_item end = {BT_ITEM_PENALTY, 0, 0, 0, -BT_PENALTY_INF, 0, 0, 0, 0};
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

/* ---- the levers of one line ---------------------------------------------- */

/* One line items[start..j) at one expansion level: what is left for the
 * glue once the levers have taken their part. */
typedef struct line_set {
    int64_t w, y, z;   /* natural width, glue (and box) stretch, shrink */
    int64_t x, t, g;   /* expandable width, track capacity, glue width */
    int64_t shortfall; /* line width minus the set width, levers applied */
    int32_t track;     /* letter-spacing taken */
    int forced;        /* the line ends the paragraph or at a forced break */
} line_set;

static void line_measure(const lb *s, int start, int j, int32_t width,
                         line_set *ls)
{
    bt_item it = item_at(s, j);
    measure(s, start, j, &ls->w, &ls->y, &ls->z);
    ls->x = s->sx[j] - s->sx[start];
    ls->t = s->st[j] - s->st[start];
    ls->g = s->sg[j] - s->sg[start];
    ls->forced = is_forced(&it);
    ls->shortfall = width - ls->w;
    ls->track = 0;
}

/* Applies level k (expansion k * expand_step of the boxes' xwidth) and,
 * when `top` (the highest level this line may take) and the glue would
 * still stretch beyond its stretch, letter-spacing up to the track
 * capacity: a last resort. */
static void line_level(const lb *s, int32_t width, int k, int top, line_set *ls)
{
    int64_t dx = ls->x * k * s->p.expand_step / 10000;
    ls->shortfall = width - ls->w - dx;
    ls->track = 0;
    if (top && ls->t > 0 && !ls->forced) {
        int64_t want = ls->shortfall - (ls->y > 0 ? ls->y : 0);
        if (want > 0)
            ls->track = (int32_t)(want < ls->t ? want : ls->t);
        ls->shortfall -= ls->track;
    }
}

/* 1 when the line's word spaces would exceed gap_limit times their
 * natural width. A line ending the paragraph keeps natural spaces; a line
 * without word spaces (one word) has no gap to judge, nor has one whose
 * spaces cannot stretch (it stays short: underfull). */
static int line_unbounded(const lb *s, const line_set *ls)
{
    if (s->p.gap_limit <= 0 || ls->forced || ls->shortfall <= 0 || ls->g <= 0 ||
        ls->y <= 0)
        return 0;
    return ls->shortfall * 1000 > ls->g * (int64_t)(s->p.gap_limit - 1000);
}

/* The final pass's cost of a line that is not ordinary: spaces beyond
 * gap_limit (growing with the excess, so the least bad wins), or, far
 * less, a short line that cannot stretch at all (one word, or glue
 * without stretch). 0 for an ordinary line. */
static int64_t line_awful(const lb *s, const line_set *ls)
{
    const int64_t half = UNBOUNDED_DEM / 2;
    if (line_unbounded(s, ls)) {
        int64_t q = ls->shortfall / ls->g; /* no overflow below */
        int64_t ex =
            q >= half / 1000000 ? half : ls->shortfall * 1000 / ls->g * 1000;
        return UNBOUNDED_DEM + (ex < half ? ex : half);
    }
    if (s->p.gap_limit > 0 && !ls->forced && ls->shortfall > 0 && ls->y <= 0)
        return SHORT_DEM;
    return 0;
}

static int32_t line_width(const lb *s, int line)
{
    return s->widths[line < s->nwidths - 1 ? line : s->nwidths - 1];
}

/* Lines from this number on all have the last width: one group. */
static int line_key(const lb *s, int line)
{
    if (s->by_line)
        return line; /* every line count its own group (TeX's easy_line) */
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

static int new_passive(lb *s, int brk, int prev, int lev, int32_t track)
{
    if (s->npas == s->cappas) {
        s->cappas = s->cappas ? s->cappas * 2 : 64;
        s->pas = bt_xrealloc(s->pas, (size_t)s->cappas * sizeof *s->pas);
    }
    s->pas[s->npas].brk = brk;
    s->pas[s->npas].prev = prev;
    s->pas[s->npas].lev = (int8_t)lev;
    s->pas[s->npas].track = track;
    return s->npas++;
}

/* ---- one pass ------------------------------------------------------------ */

/* The best ways to reach one breakpoint, per run of flagged breaks
 * (slot run - 1 at a flagged break, 0 elsewhere; one slot when runs are
 * not limited), fitness class and expansion level of the line ending
 * there (index lev + nlev). */
typedef struct cand {
    int64_t total[NRUN][NFIT][NLEV]; /* best total demerits */
    int pred[NRUN][NFIT][NLEV];      /* passive of the best predecessor */
    int line[NRUN][NFIT][NLEV];      /* the predecessor's next line */
    int32_t track[NRUN][NFIT][NLEV]; /* letter-spacing of the line */
    int64_t min[NRUN];               /* minimum per slot */
    int64_t all;                     /* minimum over all */
} cand;

/* Empties the slots a paragraph uses (runs below s->nrun, levels up to
 * 2 * s->nlev): the only ones cand_put writes and flush reads. */
static void cand_reset(const lb *s, cand *c)
{
    for (int r = 0; r < s->nrun; r++) {
        for (int f = 0; f < NFIT; f++)
            for (int k = 0; k <= 2 * s->nlev; k++)
                c->total[r][f][k] = AWFUL;
        c->min[r] = AWFUL;
    }
    c->all = AWFUL;
}

/* Creates active nodes at break j for the recorded candidates and links
 * them after `prev` (-1: at the head). Returns the last node linked. */
static int flush(lb *s, cand *c, int j, int ord, int prev, int next)
{
    bt_item it = item_at(s, j);
    int64_t fd = s->p.fitness_demerits;
    int64_t jd =
        (int64_t)s->p.jump_demerits * s->p.expand_jump * s->p.expand_jump;
    int flagged = it.kind == BT_ITEM_PENALTY && it.flagged;
    int64_t best = AWFUL;
    for (int r = 0; r < s->nrun; r++) {
        /* A class worse than the best by more than the fitness demerits
         * (and the largest cost of a change of expansion) can never win:
         * the next line costs it at most that much more. A shorter run of
         * flagged breaks may go where a longer one may not, so only the
         * best of runs no longer than this one bounds it. With expansion
         * the bound on the change makes this a close approximation, not a
         * proof. */
        best = c->min[r] < best ? c->min[r] : best;
        if (c->min[r] >= AWFUL)
            continue; /* nothing put in this slot */
        int64_t limit = best + (fd < 0 ? -fd : fd) + (jd < 0 ? -jd : jd);
        for (int f = 0; f < NFIT; f++) {
            for (int k = 0; k <= 2 * s->nlev; k++) {
                int64_t t = c->total[r][f][k];
                if (t > limit || t >= AWFUL)
                    continue;
                int i = new_active(s);
                active *a = &s->act[i];
                a->total = t;
                a->brk = j;
                a->start = s->nstart[j + 1];
                a->line = c->line[r][f][k] + 1;
                a->ord = ord;
                a->fit = (uint8_t)f;
                a->lev = (int8_t)(k - s->nlev);
                a->flagged = (uint8_t)flagged;
                a->run = (uint8_t)(flagged ? r + 1 : 0);
                a->passive = new_passive(s, j, c->pred[r][f][k], k - s->nlev,
                                         c->track[r][f][k]);
                a->next = next;
                if (prev < 0)
                    s->head = i;
                else
                    s->act[prev].next = i;
                prev = i;
            }
        }
    }
    cand_reset(s, c);
    return prev;
}

/* Records a way to reach the break being tried. */
static void cand_put(cand *c, int r, int fit, int ki, int64_t total,
                     const active *a, int32_t track)
{
    if (total <= c->total[r][fit][ki]) {
        c->total[r][fit][ki] = total;
        c->pred[r][fit][ki] = a->passive;
        c->line[r][fit][ki] = a->line;
        c->track[r][fit][ki] = track;
    }
    if (total < c->min[r])
        c->min[r] = total;
    if (total < c->all)
        c->all = total;
}

/* Badness and fitness class of a line with `shortfall` left for glue
 * stretch y (plus the emergency stretch es) or shrink z; OVER_BAD when
 * it cannot shrink enough. */
static int line_badness(int64_t shortfall, int64_t y, int64_t z, int *fit)
{
    int b;
    if (shortfall > 0) {
        b = badness(shortfall, y);
        *fit = b > 99 ? FIT_VERY_LOOSE : b > 12 ? FIT_LOOSE : FIT_DECENT;
    } else if (shortfall < 0) {
        b = -shortfall > z ? OVER_BAD : badness(-shortfall, z);
        *fit = b > 12 ? FIT_TIGHT : FIT_DECENT;
    } else {
        b = 0;
        *fit = FIT_DECENT;
    }
    return b;
}

/* The expansion levels the line after node a may take: within
 * expand_jump steps of a's line (any level after the paragraph start);
 * only the level nearest 0 when the line has nothing to expand; and 0 is
 * always allowed for a line ending the paragraph, whose spaces stay
 * natural anyway. */
static void level_range(const lb *s, const active *a, const line_set *ls,
                        int *lo, int *hi)
{
    int K = s->nlev, J = s->p.expand_jump;
    *lo = -K;
    *hi = K;
    if (a->passive >= 0 && J >= 0) {
        *lo = a->lev - J > -K ? a->lev - J : -K;
        *hi = a->lev + J < K ? a->lev + J : K;
    }
    if (ls->forced) { /* try_break skips the levels between */
        *lo = *lo > 0 ? 0 : *lo;
        *hi = *hi < 0 ? 0 : *hi;
    }
    if (ls->x <= 0)
        *lo = *hi = *lo > 0 ? *lo : *hi < 0 ? *hi : 0;
}

/* Tries every active node against the legal breakpoint j (TeX's
 * try_break), at every expansion level the node allows. The active list
 * is sorted by line number, so the candidates of one line group are
 * flushed before the next group starts. */
static void try_break(lb *s, int j, int ord, int pass)
{
    bt_item it = item_at(s, j);
    int forced = is_forced(&it);
    int flagged = it.kind == BT_ITEM_PENALTY && it.flagged;
    int threshold =
        pass == 3 || s->p.tolerance > INF_BAD ? INF_BAD : s->p.tolerance;
    int64_t es =
        pass >= 2 && s->p.emergency_stretch > 0 ? s->p.emergency_stretch : 0;
    /* empty on entry: a flush empties it, and whatever is put makes
     * c->all < AWFUL (totals saturate at TOTAL_MAX), so it is flushed */
    cand *c = s->cand;
    int prev = -1, r = s->head, key = -1;
    int32_t width = 0;
    for (;;) {
        int rkey = r < 0 ? -1 : line_key(s, s->act[r].line);
        if (r < 0 || rkey != key) {
            if (c->all < AWFUL)
                prev = flush(s, c, j, ord, prev, r);
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
        line_set ls;
        line_measure(s, a->start, j, width, &ls);
        int lo, hi;
        level_range(s, a, &ls, &lo, &hi);
        /* overfull even at the most compressed level: later breaks only
         * make the line longer */
        line_level(s, width, lo, lo == hi, &ls);
        int fit_lo;
        int b_lo = line_badness(ls.shortfall, ls.y + es, ls.z, &fit_lo);
        int capped = ord - a->ord > BT_MAX_LINE_BREAKS;
        int deactivate = b_lo > INF_BAD || forced || capped;
        int recorded = 0;
        int jlo = a->passive >= 0 ? a->lev - s->p.expand_jump : -s->nlev;
        int jhi = a->passive >= 0 ? a->lev + s->p.expand_jump : s->nlev;
        /* flagged breaks in a row: beyond flagged_max only in the final
         * pass, at a cost any other sequence beats */
        int run = flagged ? a->run + 1 : 0;
        int slot = run > s->nrun ? s->nrun - 1 : run > 0 ? run - 1 : 0;
        int64_t over = 0;
        int blocked = 0;
        if (s->p.flagged_max > 0 && run > s->p.flagged_max) {
            blocked = pass < 3; /* no line from a to j in this pass */
            over = RUN_DEM;
        }
        /* Quick reject: still short beyond the threshold at the most
         * expanded level (letter-spacing included) means worse at every
         * level below it, since less expansion only adds shortfall and
         * badness grows with it: no level can record, skip them all. */
        int hopeless = 0;
        if (!capped && !blocked && ls.x >= 0 && s->p.expand_step >= 0) {
            line_level(s, width, hi, 1, &ls);
            int fit_hi;
            hopeless = ls.shortfall > 0 &&
                       line_badness(ls.shortfall, ls.y + es, ls.z, &fit_hi) >
                           threshold;
        }
        for (int k = lo; k <= hi && !capped && !blocked && !hopeless; k++) {
            if (k != 0 && (k < jlo || k > jhi))
                continue; /* only 0 may be beyond the jump (last line) */
            line_level(s, width, k, k == hi, &ls);
            int fit, b = line_badness(ls.shortfall, ls.y + es, ls.z, &fit);
            if (b > threshold)
                continue;
            int64_t awful = line_awful(s, &ls);
            if (awful && pass < 3)
                continue;
            /* beyond the tolerance (final pass) a line keeps its real
             * badness, so a paragraph with one line that must be loose
             * sets its other lines as well as pass 1 would */
            int64_t d = demerits(s, b, &it, a, fit);
            d += (int64_t)s->p.expand_demerits * k * k;
            if (a->passive >= 0)
                d += (int64_t)s->p.jump_demerits * (k - a->lev) * (k - a->lev);
            d += awful + over;
            int64_t total = sat(a->total + d);
            cand_put(c, slot, fit, k + s->nlev, total, a, ls.track);
            recorded = 1;
        }
        if (!recorded && deactivate && pass == 3 && c->all >= AWFUL &&
            s->head == r && next < 0) {
            /* The last active node cannot reach j: break here anyway
             * (an overfull line) so a result always exists (TeX's
             * artificial_demerits). */
            cand_put(c, slot, fit_lo, lo + s->nlev, a->total, a, 0);
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
    cand_reset(s, s->cand);
    s->nact = 0;
    s->freeact = -1;
    s->npas = 0;
    int root = new_active(s);
    s->act[root].brk = -1;
    s->act[root].start = 0; /* TeX keeps leading glue: no discarding */
    s->act[root].passive = -1;
    s->act[root].fit = FIT_DECENT;
    s->act[root].lev = 0;
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
    if (s->costs) {
        /* the least demerits of each line count next to the optimum's */
        bt_lb_costs *c = s->costs;
        for (int d = 0; d < 3; d++) {
            c->lines[d] = 0;
            c->demerits[d] = 0;
        }
        for (int r = s->head; r >= 0; r = s->act[r].next) {
            int d = s->act[r].line - s->act[best].line + 1;
            if (d < 0 || d > 2 || s->act[r].line < 1)
                continue;
            if (c->lines[d] == 0 || s->act[r].total < c->demerits[d]) {
                c->lines[d] = s->act[r].line;
                c->demerits[d] = s->act[r].total;
            }
        }
    }
    if (s->p.looseness != 0) {
        /* the line count nearest the optimum's plus the looseness, at the
         * least demerits among those */
        int want = s->act[best].line + s->p.looseness, pick = best;
        for (int r = s->head; r >= 0; r = s->act[r].next) {
            int d = abs(s->act[r].line - want),
                dp = abs(s->act[pick].line - want);
            if (d < dp || (d == dp && s->act[r].total < s->act[pick].total))
                pick = r;
        }
        best = pick;
    }
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
    /* TeX's second pass; off: the final pass judges the lines beyond the
     * tolerance by their real badness, where emergency stretch would
     * flatten every line's badness and so favour fewer, looser lines */
    p.emergency_stretch = 0;
    p.looseness = 0;
    /* never three hyphenated lines in a row while another break sequence
     * exists (two in a row cost flagged_demerits) */
    p.flagged_max = 2;
    /* pdfTeX-like expansion: +-2 % in 0.5 % steps, at most 2 % change
     * from one line to the next (never one extreme after the other). A
     * small cost per step (the full 2 % costs what a line at ratio 0.4
     * costs), so a well-set line keeps its glyphs at 100 % while a loose
     * or tight one takes what helps. Measured on realprose seed 1,
     * a4-3col: cost 150 gave 13.1 % loose lines, 30 gave 11.8 %, 10 gave
     * 10.9 %, 1 gave 10.6 %; a change of at most 1 % between lines gave
     * 3.3-3.9 % on seeds 0-2, 1.5 % gave 3.2-3.4 %, 2 % 2.9-3.1 %. */
    p.expand_max = 200;
    p.expand_step = 50;
    p.expand_demerits = 10;
    p.expand_jump = 4;
    p.jump_demerits = 50;
    p.gap_limit = 3000;
    return p;
}

static int32_t clamp32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* Fills one bt_break for the line items[start..j) set at `width` with
 * expansion level `lev` and letter-spacing `track`. */
static void set_line(const lb *s, bt_break *out, int start, int j,
                     int32_t width, int lev, int32_t track)
{
    line_set ls;
    line_measure(s, start, j, width, &ls);
    line_level(s, width, lev, 0, &ls);
    ls.shortfall -= track;
    ls.track = track;
    int64_t w = ls.w, y = ls.y, z = ls.z;
    int64_t shortfall = ls.shortfall;
    out->item = j;
    out->natural = clamp32(w);
    out->expand = lev * s->p.expand_step;
    out->track = track;
    out->flags = line_unbounded(s, &ls) ? BT_LB_GAPS : 0;
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

int bt_linebreak_min_lines(const bt_item *items, int n, int32_t width,
                           const bt_lb_params *p, int cap)
{
    if (n <= 0)
        return 0;
    int nlev = 0;
    if (p->expand_max > 0 && p->expand_step > 0) {
        nlev = p->expand_max / p->expand_step;
        if (nlev > BT_LB_MAX_LEVELS)
            nlev = BT_LB_MAX_LEVELS;
    }
    /* x * -nlev * step / 10000 below is try_break's dx at level -nlev */
    const int64_t k = -(int64_t)nlev * p->expand_step;
    const int m = is_forced(&items[n - 1]) ? n : n + 1;
    const bt_item end = {BT_ITEM_PENALTY, 0, 0, 0, -BT_PENALTY_INF, 0, 0, 0, 0};
    int lines = 0, start = 0;
    for (;;) {
        /* the last break the line from `start` reaches at the narrowest,
         * measured as try_break measures it */
        int64_t w = 0, z = 0, x = 0;
        int last = -1, last_forced = 0;
        for (int j = start; j < m; j++) {
            const bt_item *it = j < n ? &items[j] : &end;
            if (it->kind == BT_ITEM_PENALTY) {
                if (it->width < 0)
                    return 0; /* a break that makes its line narrower */
                if (it->penalty < BT_PENALTY_INF &&
                    width - (w + it->width) - x * k / 10000 >= -z) {
                    last = j;
                    last_forced = it->penalty <= -BT_PENALTY_INF;
                }
                if (it->penalty <= -BT_PENALTY_INF)
                    break;
                continue;
            }
            if (it->kind == BT_ITEM_GLUE && j > 0 &&
                items[j - 1].kind == BT_ITEM_BOX &&
                width - w - x * k / 10000 >= -z)
                last = j;
            int64_t ix = nlev > 0 && it->kind == BT_ITEM_BOX && it->xwidth > 0
                             ? it->xwidth
                             : 0;
            int64_t iz = it->shrink > 0 ? it->shrink : 0;
            /* the line's least width must only grow with its items, for
             * the stop below and for first fit to give the fewest lines */
            if (it->width - iz + (ix * k - 9999) / 10000 < 0)
                return 0;
            w += it->width;
            z += iz;
            x += ix;
            if (w - z + x * k / 10000 > width)
                break; /* no later break fits either */
        }
        if (last < 0)
            return cap + 1; /* some line must be overfull */
        if (++lines > cap || (last == m - 1 && last_forced))
            return lines;
        /* the next line starts at the next box or forced break */
        start = last + 1;
        while (start < n && items[start].kind != BT_ITEM_BOX &&
               !is_forced(&items[start]))
            start++;
        if (start >= m)
            return lines;
    }
}

int bt_linebreak_run(bt_arena *a, const bt_item *items, int n,
                     const int32_t *widths, int nwidths, const bt_lb_params *p,
                     bt_break **out, int *pass_out)
{
    return bt_linebreak_costs(a, items, n, widths, nwidths, p, out, pass_out,
                              NULL);
}

int bt_linebreak_costs(bt_arena *a, const bt_item *items, int n,
                       const int32_t *widths, int nwidths,
                       const bt_lb_params *p, bt_break **out, int *pass_out,
                       bt_lb_costs *costs)
{
    BT_ASSERT(a && out && n >= 0 && (n == 0 || items));
    BT_ASSERT(widths && nwidths >= 1);
    *out = NULL;
    if (pass_out)
        *pass_out = 1;
    if (costs)
        memset(costs, 0, sizeof *costs);
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
    s.costs = costs;
    s.by_line = s.p.looseness != 0 || costs != NULL;
    if (s.p.flagged_max < 0 || s.p.flagged_max > NRUN)
        s.p.flagged_max = 0;
    s.nrun = s.p.flagged_max > 0 ? s.p.flagged_max : 1;

    size_t m1 = (size_t)s.m + 1;
    if (s.p.gap_limit > 1000000) /* keeps g * limit in range */
        s.p.gap_limit = 1000000;
    if (s.p.expand_jump < 0)
        s.p.expand_jump = 0;
    s.nlev = 0;
    if (s.p.expand_max > 0 && s.p.expand_step > 0) {
        s.nlev = s.p.expand_max / s.p.expand_step;
        if (s.nlev > BT_LB_MAX_LEVELS)
            s.nlev = BT_LB_MAX_LEVELS;
    }
    s.sw = bt_xmalloc(6 * m1 * sizeof *s.sw);
    s.sy = s.sw + m1;
    s.sz = s.sy + m1;
    s.sx = s.sz + m1;
    s.st = s.sx + m1;
    s.sg = s.st + m1;
    s.nstart = bt_xmalloc((m1 + 1) * sizeof *s.nstart);
    s.sw[0] = s.sy[0] = s.sz[0] = s.sx[0] = s.st[0] = s.sg[0] = 0;
    for (int i = 0; i < s.m; i++) {
        bt_item it = item_at(&s, i);
        int64_t w = 0, y = 0, z = 0, x = 0, t = 0, g = 0;
        if (it.kind != BT_ITEM_PENALTY) {
            w = it.width;
            y = it.stretch; /* may be negative: ragged-right glue trios */
            z = it.shrink > 0 ? it.shrink : 0;
        }
        if (it.kind == BT_ITEM_BOX) {
            x = s.nlev > 0 && it.xwidth > 0 ? it.xwidth : 0;
            t = it.track > 0 ? it.track : 0;
        } else if (it.kind == BT_ITEM_GLUE) {
            /* the spaces that take stretch (not the end glue of a
             * ragged-right trio, whose stretch is negative) */
            g = it.width > 0 && it.stretch > 0 ? it.width : 0;
        }
        s.sw[i + 1] = s.sw[i] + w;
        s.sy[i + 1] = s.sy[i] + y;
        s.sz[i + 1] = s.sz[i] + z;
        s.sx[i + 1] = s.sx[i] + x;
        s.st[i + 1] = s.st[i] + t;
        s.sg[i + 1] = s.sg[i] + g;
    }
    s.nstart[s.m] = s.nstart[s.m + 1] = s.m;
    for (int i = s.m - 1; i >= 0; i--) {
        bt_item it = item_at(&s, i);
        s.nstart[i] =
            it.kind == BT_ITEM_BOX || is_forced(&it) ? i : s.nstart[i + 1];
    }

    s.cand = bt_xmalloc(sizeof *s.cand);
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
    for (int q = last; q >= 0; q = s.pas[q].prev) {
        --k;
        res[k].item = s.pas[q].brk;
        res[k].expand = s.pas[q].lev; /* the level, until set_line */
        res[k].track = s.pas[q].track;
    }
    int start = 0;
    for (int i = 0; i < nlines; i++) {
        set_line(&s, &res[i], start, res[i].item, line_width(&s, i),
                 res[i].expand, res[i].track);
        start = s.nstart[res[i].item + 1];
    }

    free(s.cand);
    free(s.sw);
    free(s.nstart);
    free(s.act);
    free(s.pas);
    *out = res;
    if (pass_out)
        *pass_out = pass;
    return nlines;
}
