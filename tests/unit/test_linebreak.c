/* test_linebreak.c - unit tests of the Knuth-Plass line breaker: hand-checked
 * paragraphs (exact break indices and ratios), forced and forbidden breaks,
 * flagged penalties, the emergency and final passes, overfull boxes, and
 * random paragraphs checked against invariants and against an exhaustive
 * reference optimiser. */
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include "harness.h"
#include "linebreak.h"

/* ---- building paragraphs ---------------------------------------------------
 */

#define MAXI 4096
#define FIL  (1 << 30) /* finishing glue stretch */

typedef struct para {
    bt_item it[MAXI];
    int n;
} para;

static para P; /* one paragraph at a time; tests are sequential */

static void p_reset(void)
{
    P.n = 0;
}

static int p_add(enum bt_item_kind k, int32_t w, int32_t y, int32_t z,
                 int32_t pen, int flagged)
{
    bt_item *it = &P.it[P.n];
    memset(it, 0, sizeof *it);
    it->kind = k;
    it->width = w;
    it->stretch = y;
    it->shrink = z;
    it->penalty = pen;
    it->flagged = (uint8_t)flagged;
    it->ref = (uint32_t)P.n;
    return P.n++;
}

static int box(int32_t w)
{
    return p_add(BT_ITEM_BOX, w, 0, 0, 0, 0);
}

static int glue(int32_t w, int32_t y, int32_t z)
{
    return p_add(BT_ITEM_GLUE, w, y, z, 0, 0);
}

static int space(void)
{
    return glue(2000, 1000, 700);
}

static int penalty(int32_t w, int32_t pen, int flagged)
{
    return p_add(BT_ITEM_PENALTY, w, 0, 0, pen, flagged);
}

/* TeX's \par: \penalty10000 \parfillskip \penalty-10000. Returns the index
 * of the final forced break. */
static int finish(void)
{
    penalty(0, BT_PENALTY_INF, 0);
    glue(0, FIL, 0);
    return penalty(0, -BT_PENALTY_INF, 0);
}

/* Words separated by the standard space. */
static void words(const int32_t *w, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            space();
        box(w[i]);
    }
}

/* ---- invariants (shared with the fuzz target in spirit) ------------------ */

static int legal(const bt_item *it, int n, int j)
{
    if (j == n)
        return 1;
    if (j < 0 || j > n)
        return 0;
    if (it[j].kind == BT_ITEM_GLUE)
        return j > 0 && it[j - 1].kind == BT_ITEM_BOX;
    if (it[j].kind == BT_ITEM_PENALTY)
        return it[j].penalty < BT_PENALTY_INF;
    return 0;
}

static int forced(const bt_item *it)
{
    return it->kind == BT_ITEM_PENALTY && it->penalty <= -BT_PENALTY_INF;
}

/* First box or forced penalty at or after i. */
static int next_start(const bt_item *it, int n, int i)
{
    while (i < n && it[i].kind != BT_ITEM_BOX && !forced(&it[i]))
        i++;
    return i;
}

static void line_sums(const bt_item *it, int n, int s, int j, int64_t *w,
                      int64_t *y, int64_t *z)
{
    *w = *y = *z = 0;
    for (int i = s; i < j; i++) {
        if (it[i].kind == BT_ITEM_PENALTY)
            continue;
        *w += it[i].width;
        *y += it[i].stretch > 0 ? it[i].stretch : 0;
        *z += it[i].shrink > 0 ? it[i].shrink : 0;
    }
    if (j < n && it[j].kind == BT_ITEM_PENALTY)
        *w += it[j].width;
}

/* Checks every promise of linebreak.h; returns the number of violations. */
static int check_result(const bt_item *it, int n, const int32_t *widths, int nw,
                        const bt_break *br, int nl, int pass)
{
    int bad = 0;
    if (pass < 1 || pass > 3)
        bad++;
    if (n == 0)
        return bad + (nl != 0);
    if (nl < 1)
        return bad + 1;
    int last = forced(&it[n - 1]) ? n - 1 : n;
    if (br[nl - 1].item != last)
        bad++;
    int s = 0;
    for (int l = 0; l < nl; l++) {
        int j = br[l].item;
        if (l && j <= br[l - 1].item)
            bad++;
        if (!legal(it, n, j))
            bad++;
        if (bad)
            return bad;
        /* no forced break may be skipped */
        for (int i = (l ? br[l - 1].item + 1 : 0); i < j; i++)
            if (forced(&it[i]))
                bad++;
        int64_t w, y, z;
        line_sums(it, n, s, j, &w, &y, &z);
        int32_t lw = widths[l < nw - 1 ? l : nw - 1];
        if (br[l].natural != (w > INT32_MAX   ? INT32_MAX
                              : w < INT32_MIN ? INT32_MIN
                                              : w))
            bad++;
        if (!(br[l].ratio >= -1.0) || !isfinite(br[l].ratio))
            bad++;
        int64_t x = 0, t = 0;
        for (int i = s; i < j; i++)
            if (it[i].kind == BT_ITEM_BOX) {
                x += it[i].xwidth;
                t += it[i].track;
            }
        if (br[l].track < 0 || br[l].track > t)
            bad++;
        int64_t set = w + x * br[l].expand / 10000 + br[l].track;
        int over = set - z > lw;
        if (over != !!(br[l].flags & BT_LB_OVERFULL))
            bad++;
        if (!!(br[l].flags & BT_LB_LOOSE) != (br[l].ratio > 1.0))
            bad++;
        s = next_start(it, n, j + 1);
    }
    return bad;
}

static int run(const int32_t *widths, int nw, const bt_lb_params *p,
               bt_arena *a, bt_break **out, int *pass)
{
    int nl = bt_linebreak_run(a, P.it, P.n, widths, nw, p, out, pass);
    CHECK_INT(check_result(P.it, P.n, widths, nw, *out, nl, *pass), 0);
    return nl;
}

static int near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

/* ---- hand-checked paragraphs ------------------------------------------------
 */

static void test_linebreak__defaults(void)
{
    bt_lb_params p = bt_lb_params_default();
    CHECK_INT(p.tolerance, 1000);
    CHECK_INT(p.line_penalty, 10);
    CHECK_INT(p.flagged_demerits, 10000);
    CHECK_INT(p.fitness_demerits, 10000);
    CHECK_INT(p.emergency_stretch, 0);
    CHECK_INT(p.looseness, 0);
    CHECK_INT(p.expand_max, 200);
    CHECK_INT(p.expand_step, 50);
    CHECK_INT(p.expand_jump, 4);
    CHECK_INT(p.flagged_max, 2);
    CHECK_INT(p.gap_limit, 3000);
}

/* Seven 5000-wide words, spaces 2000+1000-700, line 18500: three words
 * need 19000 and can shrink by 1400, two words would stretch r = 4.5.
 * So 3 + 3 + 1, each full line shrunk by r = -500/1400. */
static void test_linebreak__fixed_width(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    int32_t w[7] = {5000, 5000, 5000, 5000, 5000, 5000, 5000};
    words(w, 7);
    int end = finish();
    int32_t width = 18500;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(nl, 3);
    CHECK_INT(pass, 1);
    CHECK_INT(br[0].item, 5);
    CHECK_INT(br[1].item, 11);
    CHECK_INT(br[2].item, end);
    CHECK(near(br[0].ratio, -500.0 / 1400.0));
    CHECK(near(br[1].ratio, -500.0 / 1400.0));
    CHECK_INT(br[0].natural, 19000);
    CHECK_INT(br[2].natural, 5000);
    CHECK(br[2].ratio >= 0 && br[2].ratio < 1e-4); /* parfillskip absorbs */
    CHECK_INT(br[0].flags | br[1].flags | br[2].flags, 0);
    bt_arena_free(&a);
}

/* Looseness: eleven words of 3000 at width 25000 set best as 5 + 5 + 1
 * (two lines at r = 0.5); looseness -1 asks for one line fewer, and 6 + 5
 * (the first line shrunk, r = -6/7) is feasible, so it is taken; looseness
 * 0 keeps the optimum, and a second line fewer is not to be had. */
static void test_linebreak__looseness(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    int32_t w[11];
    for (int i = 0; i < 11; i++)
        w[i] = 3000;
    words(w, 11);
    finish();
    int32_t width = 25000;
    bt_break *br;
    int pass;
    bt_lb_params p = bt_lb_params_default();
    CHECK_INT(run(&width, 1, &p, &a, &br, &pass), 3);
    p.looseness = -1;
    CHECK_INT(run(&width, 1, &p, &a, &br, &pass), 2);
    CHECK_INT(br[0].item, 11); /* six words on the first line */
    CHECK(br[0].ratio < 0);
    p.looseness = -2;
    CHECK_INT(run(&width, 1, &p, &a, &br, &pass), 2);
    bt_arena_free(&a);
}

/* The classic total-fit case: first-fit fills line 1 (tight, badness 86)
 * and leaves "5000 7000" on line 2 at r = 4 (badness 6396); Knuth-Plass
 * moves a word down, giving r = 1.0 and r = 0. */
static void test_linebreak__total_fit_beats_first_fit(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    int32_t w[8] = {5000, 4000, 3000, 2000, 5000, 7000, 8000, 4000};
    words(w, 8);
    int end = finish();
    int32_t width = 18000;

    /* first fit, for contrast: 4 words fit line 1 (20000 - 2100 shrink) */
    int64_t nat = 5000 + 4000 + 3000 + 2000 + 3 * 2000;
    CHECK(nat - 3 * 700 <= width);
    CHECK(nat + 2000 + 5000 - 4 * 700 > width);

    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(nl, 3);
    CHECK_INT(pass, 1);
    CHECK_INT(br[0].item, 5);  /* after 5000 4000 3000 */
    CHECK_INT(br[1].item, 11); /* after 2000 5000 7000 */
    CHECK_INT(br[2].item, end);
    CHECK(near(br[0].ratio, 1.0));
    CHECK(near(br[1].ratio, 0.0));
    CHECK_INT(br[0].flags, 0); /* r == 1 is not loose */
    bt_arena_free(&a);
}

/* A forced break in the middle is always taken; the fil glue before it
 * keeps that line feasible in pass 1. */
static void test_linebreak__forced_break(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    box(5000);
    space();
    box(5000);
    glue(0, FIL, 0);
    int f = penalty(0, -BT_PENALTY_INF, 0);
    int32_t w[3] = {5000, 5000, 5000};
    words(w, 3);
    int end = finish();
    int32_t width = 18500;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(nl, 2);
    CHECK_INT(pass, 1);
    CHECK_INT(br[0].item, f);
    CHECK_INT(br[1].item, end);
    CHECK_INT(br[0].natural, 12000);
    bt_arena_free(&a);
}

/* Two forced breaks in a row make an empty line that only the final pass
 * accepts (TeX behaves the same way). */
static void test_linebreak__double_forced_break(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    box(5000);
    glue(0, FIL, 0);
    int f1 = penalty(0, -BT_PENALTY_INF, 0);
    int f2 = penalty(0, -BT_PENALTY_INF, 0);
    box(5000);
    int end = finish();
    int32_t width = 18500;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(nl, 3);
    CHECK_INT(pass, 3);
    CHECK_INT(br[0].item, f1);
    CHECK_INT(br[1].item, f2);
    CHECK_INT(br[2].item, end);
    CHECK_INT(br[1].natural, 0);
    CHECK(br[1].flags & BT_LB_UNDERFULL);
    bt_arena_free(&a);
}

/* A penalty of INF (a no-break space: \penalty10000 before the glue) makes
 * that glue illegal, so the break moves; a bare penalty >= INF is no break
 * either. Same words as fixed_width, whose first break (item 5) is tied. */
static void test_linebreak__inf_penalty_forbids(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    box(5000);
    space();
    box(5000);
    space();
    box(5000);
    penalty(0, BT_PENALTY_INF, 0);
    int tie = space(); /* not preceded by a box: illegal */
    box(5000);
    space();
    box(5000);
    int end = finish();
    int32_t width = 18500;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK(nl >= 2);
    for (int i = 0; i < nl; i++)
        CHECK(br[i].item != tie);
    CHECK_INT(br[nl - 1].item, end);

    /* a penalty >= INF between boxes: never a break; the lone box chain
     * 5000 P 5000 P 5000 must stay on one (overfull) line */
    p_reset();
    box(9000);
    int p1 = penalty(0, BT_PENALTY_INF + 5, 0);
    box(9000);
    finish();
    width = 10000;
    nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(nl, 1);
    CHECK(br[0].item != p1);
    CHECK(br[0].flags & BT_LB_OVERFULL);
    bt_arena_free(&a);
}

/* A discretionary hyphen (flagged penalty 50, width 500) is used only when
 * the spaces alone give no good solution. */
static void test_linebreak__flagged_hyphen_last_resort(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    /* "aaaaa bbbbb cc-dd": line 18500. Without the hyphen: 2 words at
     * r = 6.5/1 (infeasible) or 3 words = 5000+5000+9000+4000 overfull. */
    box(5000);
    space();
    box(5000);
    space();
    box(4500);
    int hy = penalty(500, 50, 1);
    box(4500);
    space();
    box(5000);
    int end = finish();
    int32_t width = 18500;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(nl, 2);
    CHECK_INT(pass, 1);
    CHECK_INT(br[0].item, hy);
    CHECK_INT(br[0].natural, 5000 + 2000 + 5000 + 2000 + 4500 + 500);
    CHECK_INT(br[1].item, end);

    /* The same word where a space break is good: the hyphen is not used. */
    p_reset();
    box(5000);
    space();
    box(5000);
    space();
    box(2500);
    hy = penalty(500, 50, 1);
    box(2500);
    space();
    box(5000);
    finish();
    nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(pass, 1);
    for (int i = 0; i < nl; i++)
        CHECK(br[i].item != hy);
    bt_arena_free(&a);
}

/* Two hyphenated lines in a row cost flagged_demerits. Line 2 is perfect
 * (r = 0) when broken at the second hyphen, or slightly tight (badness 12)
 * at the space after the hyphenated word: free hyphens take the first,
 * the default flagged demerits the second. */
static void test_linebreak__flagged_consecutive(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    box(9000);
    glue(2000, 2000, 500);
    box(8500);
    int h1 = penalty(500, 0, 1);
    box(5000);
    glue(2000, 2000, 500);
    box(5000);
    glue(2000, 2000, 500);
    box(5500);
    int h2 = penalty(500, 0, 1);
    box(1000);
    int sp = glue(2000, 2000, 500);
    box(3000);
    int end = finish();
    int32_t width = 20000;
    bt_lb_params p = bt_lb_params_default();
    bt_break *br;
    int pass;
    p.flagged_demerits = 0;
    int nl = run(&width, 1, &p, &a, &br, &pass);
    CHECK_INT(nl, 3);
    CHECK_INT(br[0].item, h1);
    CHECK_INT(br[1].item, h2);
    CHECK_INT(br[2].item, end);
    CHECK(near(br[1].ratio, 0.0));

    p.flagged_demerits = 10000;
    nl = run(&width, 1, &p, &a, &br, &pass);
    CHECK_INT(nl, 3);
    CHECK_INT(br[0].item, h1);
    CHECK_INT(br[1].item, sp);
    CHECK_INT(br[2].item, end);
    CHECK(near(br[1].ratio, -0.5));
    bt_arena_free(&a);
}

/* A box wider than the line: flagged OVERFULL, still a result (pass 3),
 * and the other lines are set normally. */
static void test_linebreak__overfull_box(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    box(5000);
    space();
    box(5000);
    space();
    int wide = box(30000);
    space();
    box(5000);
    space();
    box(5000);
    int end = finish();
    int32_t width = 18500;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(pass, 3);
    /* "5000 5000" on one line would need spaces of 4.25 times their
     * width: each word gets a (short) line of its own instead */
    CHECK_INT(nl, 4);
    CHECK_INT(br[0].item, 1);
    CHECK_INT(br[1].item, wide - 1);
    CHECK_INT(br[2].item, wide + 1);
    CHECK_INT(br[3].item, end);
    CHECK_INT(br[2].natural, 30000);
    CHECK(br[2].flags & BT_LB_OVERFULL);
    CHECK(near(br[2].ratio, -1.0));
    for (int i = 0; i < nl; i++) {
        CHECK(!(br[i].flags & BT_LB_GAPS));
        CHECK(i == 2 || !(br[i].flags & BT_LB_OVERFULL));
    }

    /* without the gap limit TeX's answer: fewer lines over tolerance */
    bt_lb_params p = bt_lb_params_default();
    p.gap_limit = 0;
    nl = run(&width, 1, &p, &a, &br, &pass);
    CHECK_INT(nl, 3);
    CHECK_INT(br[0].item, wide - 1);
    CHECK_INT(br[1].item, wide + 1);
    CHECK(br[1].flags & BT_LB_OVERFULL);

    /* a paragraph of one unbreakable box */
    p_reset();
    box(30000);
    nl = run(&width, 1, NULL, &a, &br, &pass); /* no finishing items */
    CHECK_INT(nl, 1);
    CHECK_INT(br[0].item, 1);
    CHECK(br[0].flags & BT_LB_OVERFULL);
    bt_arena_free(&a);
}

/* Two words per line need r = 4 (badness 6400 > 1000) and three are
 * overfull: pass 1 fails, emergency stretch 3000 gives badness 100. The
 * reported ratio uses the real stretch: r = 4, loose. */
static void test_linebreak__emergency_pass(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    int32_t w[6] = {5000, 5000, 5000, 5000, 5000, 5000};
    words(w, 6);
    int end = finish();
    int32_t width = 16000;
    bt_lb_params p = bt_lb_params_default();
    p.emergency_stretch = 3000;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, &p, &a, &br, &pass);
    CHECK_INT(pass, 2);
    CHECK_INT(nl, 3);
    CHECK_INT(br[0].item, 3);
    CHECK_INT(br[1].item, 7);
    CHECK_INT(br[2].item, end);
    CHECK(near(br[0].ratio, 4.0));
    CHECK(br[0].flags & BT_LB_LOOSE);
    CHECK(!(br[0].flags & BT_LB_UNDERFULL)); /* badness 6400 < 10000 */

    /* Without emergency stretch the final pass takes over. */
    p.emergency_stretch = 0;
    nl = run(&width, 1, &p, &a, &br, &pass);
    CHECK_INT(pass, 3);
    CHECK_INT(nl, 3);
    CHECK_INT(br[0].item, 3);
    CHECK_INT(br[1].item, 7);

    /* Too little emergency stretch: pass 2 fails too, pass 3 decides. */
    p.emergency_stretch = 100;
    nl = run(&width, 1, &p, &a, &br, &pass);
    CHECK_INT(pass, 3);
    bt_arena_free(&a);
}

/* Glue without stretch cannot fill a short line: UNDERFULL, ratio 0. */
static void test_linebreak__underfull(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    box(5000);
    glue(2000, 0, 700);
    box(5000);
    glue(2000, 0, 700);
    box(15000);
    int end = finish();
    int32_t width = 18500;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(pass, 3);
    CHECK_INT(nl, 2);
    CHECK_INT(br[0].item, 3);
    CHECK(br[0].flags & BT_LB_UNDERFULL);
    CHECK(near(br[0].ratio, 0.0));
    CHECK_INT(br[1].item, end);
    bt_arena_free(&a);
}

/* Items without the finishing glue and forced break: one is implied at n
 * (and the last line is then justified like the others). */
static void test_linebreak__implied_end(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    int32_t w[6] = {5000, 5000, 5000, 5000, 5000, 5000};
    words(w, 6);
    int32_t width = 18500;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(nl, 2);
    CHECK_INT(pass, 1);
    CHECK_INT(br[0].item, 5);
    CHECK_INT(br[1].item, P.n);
    CHECK(near(br[1].ratio, -500.0 / 1400.0));

    nl = bt_linebreak_run(&a, P.it, 0, &width, 1, NULL, &br, &pass);
    CHECK_INT(nl, 0);
    bt_arena_free(&a);
}

/* widths[min(line, nwidths - 1)]: a narrow first line (a drop cap or an
 * indent) then the full measure for every following line. */
static void test_linebreak__line_widths(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    int32_t w[8] = {5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000};
    words(w, 8);
    int end = finish();
    int32_t widths[2] = {11500, 18500}; /* 2 words, then 3 */
    bt_break *br;
    int pass;
    int nl = run(widths, 2, NULL, &a, &br, &pass);
    CHECK_INT(pass, 1);
    CHECK_INT(nl, 3);
    CHECK_INT(br[0].item, 3);
    CHECK_INT(br[1].item, 9);
    CHECK_INT(br[2].item, end);
    CHECK(near(br[0].ratio, -500.0 / 700.0));
    CHECK(near(br[1].ratio, -500.0 / 1400.0));
    bt_arena_free(&a);
}

/* Boxes with their own stretch (glyph expansion): a line of two words can
 * reach the measure through the boxes even though the glue is rigid. */
static void test_linebreak__box_stretch(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    p_add(BT_ITEM_BOX, 5000, 200, 100, 0, 0);
    glue(2000, 0, 0);
    p_add(BT_ITEM_BOX, 5000, 200, 100, 0, 0);
    glue(2000, 0, 0);
    p_add(BT_ITEM_BOX, 5000, 200, 100, 0, 0);
    int end = finish();
    int32_t width = 12200;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(pass, 1);
    CHECK_INT(nl, 2);
    CHECK_INT(br[0].item, 3);
    CHECK(near(br[0].ratio, 200.0 / 400.0));
    CHECK_INT(br[1].item, end);
    bt_arena_free(&a);
}

/* The glue at the very start of a paragraph (an indent) is kept; glue
 * after a break is discarded. */
static void test_linebreak__discard_after_break(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    glue(1500, 0, 0); /* indent */
    box(5000);
    space();
    box(5000);
    int g = space();
    glue(3000, 0, 0); /* discarded with g's line start */
    penalty(0, 0, 0);
    box(5000);
    finish();
    int32_t width = 13500;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(pass, 1);
    CHECK_INT(nl, 2);
    CHECK_INT(br[0].item, g);
    CHECK_INT(br[0].natural, 13500);
    CHECK_INT(br[1].natural, 5000);
    bt_arena_free(&a);
}

/* ---- random paragraphs: invariants and optimality ---------------------------
 */

static uint32_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (rng_state >> 8) % n;
}

static void random_para(int nwords, int hyphens)
{
    p_reset();
    for (int i = 0; i < nwords; i++) {
        if (i)
            glue(2000 + (int32_t)rnd(500), 1000 + (int32_t)rnd(500),
                 500 + (int32_t)rnd(300));
        if (rnd(10) == 0)
            penalty(0, (int32_t)rnd(300) - 150, 0);
        box(1000 + (int32_t)rnd(8000));
        if (hyphens && rnd(4) == 0) {
            penalty(500, 50, 1);
            box(1000 + (int32_t)rnd(4000));
        }
    }
    finish();
}

/* ---- glyph expansion, letter-spacing and the gap limit ------------------ */

/* Words whose glyphs may be expanded and letter-spaced: xwidth = width,
 * track = 2 % of the width (as layout_line.c gives a word). */
static void xwords(const int32_t *w, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            space();
        int b = box(w[i]);
        P.it[b].xwidth = w[i];
        P.it[b].track = w[i] / 50;
    }
}

/* Set width of line l (levers and glue applied). */
static double set_width(const bt_break *br, int l, int s)
{
    int64_t w, y, z, x = 0;
    line_sums(P.it, P.n, s, br[l].item, &w, &y, &z);
    for (int i = s; i < br[l].item; i++)
        if (P.it[i].kind == BT_ITEM_BOX)
            x += P.it[i].xwidth;
    double r = br[l].ratio;
    return (double)(w + x * br[l].expand / 10000 + br[l].track) +
           (r >= 0 ? r * (double)y : r * (double)z);
}

/* A loose line takes expansion first: the same line without expansion
 * has wider spaces, and no letter-spacing is needed while the spaces
 * stay within their stretch. A well-set line keeps its glyphs at 100 %. */
static void test_linebreak__expansion_first(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    int32_t w[4] = {9000, 9000, 9000, 9000};
    xwords(w, 4);
    int end = finish();
    /* two words a line: natural 20000; 21000 needs r = 1 with spaces
     * alone, a +2 % expansion (360) takes part of it */
    int32_t width = 21000;
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(pass, 1);
    CHECK_INT(nl, 2);
    CHECK_INT(br[0].item, 3);
    CHECK_INT(br[1].item, end);
    CHECK(br[0].expand > 0 && br[0].expand <= 200);
    CHECK_INT(br[0].expand % 50, 0);
    CHECK_INT(br[0].track, 0);
    CHECK(br[0].ratio < 1.0);
    CHECK(fabs(set_width(br, 0, 0) - width) < 1.0);

    bt_lb_params p = bt_lb_params_default();
    p.expand_max = 0;
    bt_break *b0;
    nl = run(&width, 1, &p, &a, &b0, &pass);
    CHECK_INT(nl, 2);
    CHECK_INT(b0[0].expand, 0);
    CHECK(near(b0[0].ratio, 1.0));
    CHECK(br[0].ratio < b0[0].ratio);

    /* at 20100 (r = 0.1) the glyphs stay as they are */
    width = 20100;
    nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(nl, 2);
    CHECK_INT(br[0].expand, 0);
    CHECK_INT(br[0].track, 0);
    bt_arena_free(&a);
}

/* Letter-spacing is the last resort: only at the highest expansion the
 * line may take, only beyond the spaces' stretch, never beyond the
 * boxes' track. */
static void test_linebreak__track_last_resort(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    int32_t w[4] = {9000, 9000, 9000, 9000};
    xwords(w, 4);
    finish();
    int32_t width = 21800; /* r = 1.8 with spaces alone */
    bt_break *br;
    int pass;
    int nl = run(&width, 1, NULL, &a, &br, &pass);
    CHECK_INT(pass, 1);
    CHECK_INT(nl, 2);
    CHECK_INT(br[0].expand, 200);
    CHECK(br[0].track > 0);
    CHECK(br[0].track <= 2 * 9000 / 50);
    CHECK(br[0].ratio >= 1.0 - 1e-9);
    CHECK(fabs(set_width(br, 0, 0) - width) < 1.0);
    bt_arena_free(&a);
}

/* Random paragraphs with expandable words: every line's expansion is a
 * multiple of the step within +-2 %, consecutive lines differ by at most
 * 2 % (the last line may return to 100 %), letter-spacing only at the
 * top level allowed and beyond the spaces' stretch, and every justified
 * line ends exactly at the measure. */
static void test_linebreak__expansion_bounded_smooth(void)
{
    bt_arena a;
    bt_arena_init(&a);
    rng_state = 4242;
    int lines = 0, expanded = 0, jumps_checked = 0;
    for (int round = 0; round < 300; round++) {
        int nw = 4 + (int)rnd(60);
        p_reset();
        for (int i = 0; i < nw; i++) {
            if (i)
                glue(2000, 1200, 600);
            int b = box(2000 + (int32_t)rnd(9000));
            P.it[b].xwidth = P.it[b].width;
            P.it[b].track = P.it[b].width / 60;
        }
        finish();
        int32_t width = 20000 + (int32_t)rnd(30000);
        bt_lb_params p = bt_lb_params_default();
        p.emergency_stretch = (int32_t)rnd(2) * 4000;
        bt_break *br;
        int pass;
        int nl = run(&width, 1, &p, &a, &br, &pass);
        int s = 0, prev = 0;
        for (int l = 0; l < nl; l++) {
            int e = br[l].expand, last = l == nl - 1;
            CHECK_INT(e % 50, 0);
            CHECK(e >= -200 && e <= 200);
            if (l > 0) {
                CHECK(abs(e - prev) <= 200 || (last && e == 0));
                jumps_checked++;
            }
            if (br[l].track > 0) {
                int top = l == 0 ? 200 : BT_MIN(200, prev + 200);
                CHECK_INT(e, top);
                /* beyond the spaces' stretch (a line of one word has
                 * none: underfull) */
                CHECK(br[l].ratio >= 1.0 - 1e-9 ||
                      (br[l].flags & BT_LB_UNDERFULL));
            }
            if (!last && !(br[l].flags & (BT_LB_OVERFULL | BT_LB_UNDERFULL)))
                CHECK(fabs(set_width(br, l, s) - width) < 1.0);
            expanded += e != 0;
            lines++;
            prev = e;
            s = next_start(P.it, P.n, br[l].item + 1);
        }
    }
    CHECK(lines > 1000);
    CHECK(expanded > lines / 20); /* the lever is used */
    CHECK(jumps_checked > 500);
    bt_arena_free(&a);
}

/* Gap ratio of line l: (natural space + its share of the slack) /
 * natural space, for the standard space of these tests. */
static double gap_ratio(const bt_break *br, int l)
{
    return (2000.0 + br[l].ratio * 1000.0) / 2000.0;
}

/* No unbounded line: two 5000-wide words on a 16500 line need spaces of
 * 3.25 times their width. The emergency pass would take them (badness
 * 142); with the gap limit a break sequence without such a line wins. */
static void test_linebreak__gap_limit(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    int32_t w[6] = {5000, 5000, 5000, 5000, 5000, 5000};
    words(w, 6);
    finish();
    int32_t width = 16500;
    bt_lb_params p = bt_lb_params_default();
    p.emergency_stretch = 3000;
    p.gap_limit = 0; /* the old answer */
    bt_break *br;
    int pass;
    int nl = run(&width, 1, &p, &a, &br, &pass);
    CHECK_INT(pass, 2);
    CHECK(gap_ratio(br, 0) > 3.0);

    p.gap_limit = 3000;
    nl = run(&width, 1, &p, &a, &br, &pass);
    CHECK_INT(pass, 3);
    for (int l = 0; l < nl - 1; l++) {
        CHECK(!(br[l].flags & BT_LB_GAPS));
        CHECK(gap_ratio(br, l) <= 3.0);
    }

    /* A no-break space ties the two words: no other sequence exists,
     * and the line is flagged so the caller can say which word forced
     * it. */
    p_reset();
    box(5000);
    penalty(0, BT_PENALTY_INF, 0);
    space();
    box(5000);
    space();
    box(16400);
    int end = finish();
    nl = run(&width, 1, &p, &a, &br, &pass);
    CHECK_INT(nl, 2);
    CHECK_INT(br[0].item, 4);
    CHECK(br[0].flags & BT_LB_GAPS);
    CHECK(gap_ratio(br, 0) > 3.0);
    CHECK_INT(br[1].item, end);
    bt_arena_free(&a);
}

/* TeX's badness, demerits and fitness again, for the reference. */
static int ref_badness(int64_t t, int64_t s)
{
    if (t <= 0)
        return 0;
    if (s <= 0 || t / 5 >= s)
        return 10000;
    int64_t r = t * 297 / s;
    return r > 1290 ? 10000 : (int)((r * r * r + (1 << 17)) >> 18);
}

/* Badness and fitness class of line [s, j) at width lw; -1 if overfull. */
static int ref_line(const bt_item *it, int n, int s, int j, int32_t lw,
                    int *fit)
{
    int64_t w, y, z;
    line_sums(it, n, s, j, &w, &y, &z);
    int64_t sf = lw - w;
    int b;
    if (sf > 0) {
        b = ref_badness(sf, y);
        *fit = b > 99 ? 0 : b > 12 ? 1 : 2;
    } else if (sf < 0) {
        if (-sf > z)
            return -1;
        b = ref_badness(-sf, z);
        *fit = b > 12 ? 3 : 2;
    } else {
        b = 0;
        *fit = 2;
    }
    return b;
}

static int64_t ref_demerits(const bt_lb_params *p, const bt_item *it, int n,
                            int j, int b, int fit, int pfit, int pflag)
{
    int64_t d = p->line_penalty + b;
    d = (d >= 10000 || d <= -10000) ? 100000000 : d * d;
    if (j < n && it[j].kind == BT_ITEM_PENALTY) {
        int64_t pi = it[j].penalty;
        if (pi > 0)
            d += pi * pi;
        else if (pi > -BT_PENALTY_INF)
            d -= pi * pi;
        if (it[j].flagged && pflag)
            d += p->flagged_demerits;
    }
    if (abs(fit - pfit) > 1)
        d += p->fitness_demerits;
    return d;
}

static int is_flagged(const bt_item *it, int n, int j)
{
    return j >= 0 && j < n && it[j].kind == BT_ITEM_PENALTY && it[j].flagged;
}

/* Total demerits of a pass-1 result, recomputed line by line. */
static int64_t total_of(const bt_lb_params *p, const bt_item *it, int n,
                        const int32_t *lw, int nw, const bt_break *br, int nl)
{
    int64_t t = 0;
    int s = 0, pfit = 2, pflag = 0;
    for (int l = 0; l < nl; l++) {
        int fit, j = br[l].item;
        int b = ref_line(it, n, s, j, lw[l < nw - 1 ? l : nw - 1], &fit);
        t += ref_demerits(p, it, n, j, b, fit, pfit, pflag);
        pfit = fit;
        pflag = is_flagged(it, n, j);
        s = next_start(it, n, j + 1);
    }
    return t;
}

/* Exhaustive optimum over all feasible break sequences, by dynamic
 * programming over (break, fitness class, line number capped at nw - 1,
 * flagged breaks in a row ending there, capped at 3): best[j + 1][fit][k]
 * [h] = least demerits of a path whose last break is j and whose next
 * line has width lw[k]. Index 0 is the paragraph start. A run of flagged
 * breaks longer than p->flagged_max (if > 0) is not feasible. */
static int64_t ref_optimum(const bt_lb_params *p, const bt_item *it, int n,
                           const int32_t *lw, int nw)
{
    static int64_t best[MAXI + 2][4][3][4];
    const int64_t none = INT64_MAX;
    int m = forced(&it[n - 1]) ? n : n + 1;
    for (int i = 0; i <= m; i++)
        for (int f = 0; f < 4; f++)
            for (int k = 0; k < 3; k++)
                for (int h = 0; h < 4; h++)
                    best[i][f][k][h] = none;
    best[0][2][0][0] = 0;
    for (int b = -1; b < m; b++) {
        for (int pf = 0; pf < 4; pf++) {
            for (int k = 0; k < nw; k++) {
                for (int h = 0; h < 4; h++) {
                    int64_t base = best[b + 1][pf][k][h];
                    if (base == none)
                        continue;
                    int nk = k + 1 < nw ? k + 1 : nw - 1;
                    int s = b < 0 ? 0 : next_start(it, n, b + 1);
                    for (int j = s; j < m; j++) {
                        if (!legal(it, n, j))
                            continue;
                        int fit;
                        int bd = ref_line(it, n, s, j, lw[k], &fit);
                        if (bd < 0)
                            break; /* overfull from here on: widths > 0 */
                        int nh = is_flagged(it, n, j) ? BT_MIN(h + 1, 3) : 0;
                        if (bd <= p->tolerance &&
                            (p->flagged_max <= 0 || nh <= p->flagged_max)) {
                            int64_t d =
                                base + ref_demerits(p, it, n, j, bd, fit, pf,
                                                    is_flagged(it, n, b));
                            if (d < best[j + 1][fit][nk][nh])
                                best[j + 1][fit][nk][nh] = d;
                        }
                        if (j == n || forced(&it[j]))
                            break; /* cannot pass a forced break */
                    }
                }
            }
        }
    }
    int64_t r = none;
    for (int f = 0; f < 4; f++)
        for (int k = 0; k < 3; k++)
            for (int h = 0; h < 4; h++)
                if (best[m][f][k][h] < r)
                    r = best[m][f][k][h];
    return r;
}

/* Longest run of lines ending at flagged breaks. */
static int flagged_run(const bt_break *br, int nl)
{
    int run = 0, best = 0;
    for (int l = 0; l < nl; l++) {
        run = is_flagged(P.it, P.n, br[l].item) ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best;
}

/* At most flagged_max hyphenated lines in a row: random paragraphs with
 * a hyphen in every other word, and no demerits for two in a row, so
 * that without the limit runs of three and more are common. With
 * flagged_max 2 no pass but the final one sets a third in a row, and
 * where pass 1 holds both, the limited optimum costs at least as much. */
static void test_linebreak__flagged_run_limit(void)
{
    bt_arena a;
    bt_arena_init(&a);
    rng_state = 99;
    int bound = 0, compared = 0;
    for (int round = 0; round < 300; round++) {
        p_reset();
        int nwords = 10 + (int)rnd(50);
        for (int i = 0; i < nwords; i++) {
            if (i)
                space();
            box(1000 + (int32_t)rnd(6000));
            if (rnd(2)) {
                penalty(500, 0, 1);
                box(1000 + (int32_t)rnd(3000));
            }
        }
        finish();
        int32_t width = 12000 + (int32_t)rnd(20000);
        bt_lb_params p = bt_lb_params_default();
        p.flagged_demerits = 0;
        p.flagged_max = 0;
        bt_break *b0, *b2;
        int pass0, pass2;
        int n0 = run(&width, 1, &p, &a, &b0, &pass0);
        p.flagged_max = 2;
        int n2 = run(&width, 1, &p, &a, &b2, &pass2);
        if (pass2 < 3)
            CHECK(flagged_run(b2, n2) <= 2);
        if (flagged_run(b0, n0) > 2) {
            bound++;
            if (pass0 == 1 && pass2 == 1) {
                CHECK(total_of(&p, P.it, P.n, &width, 1, b2, n2) >=
                      total_of(&p, P.it, P.n, &width, 1, b0, n0));
                compared++;
            }
        }
    }
    CHECK(bound > 20);
    CHECK(compared > 10);
    bt_arena_free(&a);
}

/* The costs of one line fewer and one more (looseness chosen by cost):
 * seventeen words of 3000 at 25000 set best in 4 lines (five words a
 * line, r = 0.5); 3 (six words, shrunk) and, at tolerance 2000, 5 (four
 * words, r = 2.3) are feasible too, each dearer, and the demerits given
 * are those of the break sequences that looseness -1, 0 and +1 return. */
static void test_linebreak__looseness_costs(void)
{
    bt_arena a;
    bt_arena_init(&a);
    p_reset();
    int32_t w[17];
    for (int i = 0; i < 17; i++)
        w[i] = 3000;
    words(w, 17);
    finish();
    int32_t width = 25000;
    bt_lb_params p = bt_lb_params_default();
    p.tolerance = 2000;
    bt_lb_costs c;
    bt_break *br;
    int pass;
    int nl = bt_linebreak_costs(&a, P.it, P.n, &width, 1, &p, &br, &pass, &c);
    CHECK_INT(nl, 4);
    CHECK_INT(pass, 1);
    CHECK_INT(c.lines[0], 3);
    CHECK_INT(c.lines[1], 4);
    CHECK_INT(c.lines[2], 5);
    CHECK(c.demerits[0] > c.demerits[1]);
    CHECK(c.demerits[2] > c.demerits[1]);
    CHECK_INT(c.demerits[1], total_of(&p, P.it, P.n, &width, 1, br, nl));
    for (int d = -1; d <= 1; d += 2) {
        p.looseness = d;
        bt_lb_costs c2;
        nl = bt_linebreak_costs(&a, P.it, P.n, &width, 1, &p, &br, &pass, &c2);
        CHECK_INT(nl, 4 + d);
        CHECK_INT(c.demerits[d + 1],
                  total_of(&p, P.it, P.n, &width, 1, br, nl));
        CHECK_INT(c2.lines[1], 4); /* the optimum is still looseness 0's */
        CHECK_INT(c2.demerits[1], c.demerits[1]);
    }
    /* no line count below one line: a single word */
    p_reset();
    box(3000);
    finish();
    p.looseness = 0;
    nl = bt_linebreak_costs(&a, P.it, P.n, &width, 1, &p, &br, &pass, &c);
    CHECK_INT(nl, 1);
    CHECK_INT(c.lines[0], 0);
    CHECK_INT(c.lines[1], 1);
    bt_arena_free(&a);
}

/* The final pass judges every line by its real badness: where pass 1
 * finds nothing within a tolerance of 100, its result costs exactly the
 * exhaustive optimum over lines of any badness (the gap limit off, so no
 * line is set apart), not that of "any line beyond the tolerance is as
 * bad as another". */
static void test_linebreak__final_pass_real_badness(void)
{
    bt_arena a;
    bt_arena_init(&a);
    rng_state = 4711;
    int compared = 0;
    for (int round = 0; round < 400; round++) {
        random_para(2 + (int)rnd(30), (int)rnd(2));
        int32_t lw = 12000 + (int32_t)rnd(20000);
        bt_lb_params p = bt_lb_params_default();
        p.tolerance = 100;
        p.gap_limit = 0;
        bt_break *br;
        int pass;
        int nl = run(&lw, 1, &p, &a, &br, &pass);
        if (pass != 3)
            continue;
        p.tolerance = 10000;
        int64_t opt = ref_optimum(&p, P.it, P.n, &lw, 1);
        if (opt == INT64_MAX)
            continue; /* an overfull line: no feasible sequence */
        CHECK_INT(total_of(&p, P.it, P.n, &lw, 1, br, nl), opt);
        compared++;
    }
    CHECK(compared > 50);
    bt_arena_free(&a);
}

static void test_linebreak__random_invariants(void)
{
    bt_arena a;
    bt_arena_init(&a);
    rng_state = 12345;
    int32_t widths[3];
    for (int round = 0; round < 400; round++) {
        random_para(1 + (int)rnd(60), (int)rnd(2));
        widths[0] = 8000 + (int32_t)rnd(30000);
        widths[1] = 8000 + (int32_t)rnd(30000);
        widths[2] = 8000 + (int32_t)rnd(30000);
        int nw = 1 + (int)rnd(3);
        bt_lb_params p = bt_lb_params_default();
        p.emergency_stretch = (int32_t)rnd(2) * 3000;
        p.tolerance = rnd(2) ? 1000 : 200;
        bt_break *br;
        int pass;
        int nl = run(widths, nw, &p, &a, &br, &pass);
        CHECK(nl >= 1);
        for (int i = 0; i < nl; i++)
            CHECK(pass == 3 || !(br[i].flags & BT_LB_OVERFULL));
    }
    bt_arena_free(&a);
}

/* bt_linebreak_min_lines is a lower bound on the lines of every result
 * without an overfull line, over random paragraphs (words with glyph
 * expansion, hyphens, forced breaks) and measures from very narrow to
 * wide: where it says more lines than a result has, that result has an
 * overfull line. It is exact where there is nothing to choose (equal
 * words, no shrink: first fit is the only fit), says cap + 1 where a word
 * is wider than the measure, and 0 (no bound) for items whose least width
 * is negative. */
static void test_linebreak__min_lines(void)
{
    bt_arena a;
    bt_arena_init(&a);
    rng_state = 4242;
    int bounded = 0, tight = 0;
    for (int round = 0; round < 1500; round++) {
        random_para(1 + (int)rnd(40), (int)rnd(2));
        for (int i = 0; i < P.n; i++)
            if (P.it[i].kind == BT_ITEM_BOX && rnd(2))
                P.it[i].xwidth = P.it[i].width;
        if (rnd(5) == 0) { /* a forced break inside */
            int at = 1 + (int)rnd((uint32_t)P.n - 1);
            if (P.it[at].kind == BT_ITEM_GLUE) {
                P.it[at].kind = BT_ITEM_PENALTY;
                P.it[at].penalty = -BT_PENALTY_INF;
                P.it[at].width = P.it[at].stretch = P.it[at].shrink = 0;
            }
        }
        int32_t w = 3000 + (int32_t)rnd(60000);
        bt_lb_params p = bt_lb_params_default();
        if (rnd(3) == 0)
            p.expand_max = 0;
        bt_break *br;
        int pass;
        int nl = bt_linebreak_run(&a, P.it, P.n, &w, 1, &p, &br, &pass);
        int over = 0;
        for (int i = 0; i < nl; i++)
            over |= br[i].flags & BT_LB_OVERFULL;
        int lb = bt_linebreak_min_lines(P.it, P.n, w, &p, 1000);
        CHECK(lb >= 1);
        if (!over) {
            CHECK(lb <= nl);
            bounded++;
            tight += lb == nl;
        }
        /* the search's question: fewer than lb lines are never set */
        int cap = nl - 1 > 0 ? nl - 1 : 1;
        if (bt_linebreak_min_lines(P.it, P.n, w, &p, cap) > cap && cap < nl)
            CHECK(over || nl > cap);
    }
    CHECK(bounded > 500 && tight > 100);

    /* equal words, nothing shrinks or expands: exactly first fit */
    p_reset();
    for (int i = 0; i < 10; i++) {
        if (i)
            glue(1000, 500, 0);
        box(4000);
    }
    finish();
    bt_lb_params p = bt_lb_params_default();
    p.expand_max = 0;
    /* 3 words and 2 spaces: 14000 */
    CHECK_INT(bt_linebreak_min_lines(P.it, P.n, 14000, &p, 100), 4);
    CHECK_INT(bt_linebreak_min_lines(P.it, P.n, 13999, &p, 100), 5);
    CHECK_INT(bt_linebreak_min_lines(P.it, P.n, 13999, &p, 3), 4);
    CHECK_INT(bt_linebreak_min_lines(P.it, P.n, 3999, &p, 100), 101);
    /* a box of negative least width: no bound */
    P.it[0].shrink = P.it[0].width + 1;
    CHECK_INT(bt_linebreak_min_lines(P.it, P.n, 14000, &p, 100), 0);
    bt_arena_free(&a);
}

/* In pass 1 the result's demerits equal the exhaustive optimum (with one,
 * two or three line widths): total fit, not a heuristic. Forced breaks
 * inside the paragraph are included. */
static void test_linebreak__random_optimal(void)
{
    bt_arena a;
    bt_arena_init(&a);
    rng_state = 777;
    int compared = 0;
    for (int round = 0; round < 1000; round++) {
        random_para(2 + (int)rnd(40), (int)rnd(2));
        if (rnd(4) == 0) { /* a forced break in the middle */
            int at = 1 + (int)rnd((uint32_t)P.n - 1);
            if (P.it[at].kind == BT_ITEM_GLUE &&
                P.it[at - 1].kind == BT_ITEM_BOX) {
                P.it[at].stretch = FIL;
                memmove(&P.it[at + 2], &P.it[at + 1],
                        (size_t)(P.n - at - 1) * sizeof *P.it);
                P.n++;
                P.it[at + 1].kind = BT_ITEM_PENALTY;
                P.it[at + 1].penalty = -BT_PENALTY_INF;
                P.it[at + 1].width = 0;
                P.it[at + 1].flagged = 0;
            }
        }
        int32_t lw[3];
        for (int k = 0; k < 3; k++)
            lw[k] = 10000 + (int32_t)rnd(30000);
        int nw = 1 + (int)rnd(3);
        bt_lb_params p = bt_lb_params_default();
        p.tolerance = rnd(2) ? 1000 : 300;
        if (rnd(3) == 0)
            p.flagged_demerits = (int32_t)rnd(20000);
        if (rnd(3) == 0)
            p.fitness_demerits = (int32_t)rnd(20000);
        p.flagged_max = (int)rnd(4); /* 0: no limit */
        bt_break *br;
        int pass;
        int nl = run(lw, nw, &p, &a, &br, &pass);
        int64_t opt = ref_optimum(&p, P.it, P.n, lw, nw);
        if (pass == 1) {
            CHECK_INT(total_of(&p, P.it, P.n, lw, nw, br, nl), opt);
            compared++;
        } else {
            CHECK(opt == INT64_MAX); /* pass 1 failed: no solution */
        }
        /* the same call gives the same breaks */
        bt_break *br2;
        int pass2;
        int nl2 = bt_linebreak_run(&a, P.it, P.n, lw, nw, &p, &br2, &pass2);
        CHECK_INT(nl2, nl);
        CHECK_INT(pass2, pass);
        for (int i = 0; i < nl && i < nl2; i++) {
            CHECK_INT(br2[i].item, br[i].item);
            CHECK(br2[i].ratio == br[i].ratio);
        }
    }
    CHECK(compared > 300);
    bt_arena_free(&a);
}

/* ---- size and pathological input
 * --------------------------------------------- */

static bt_item *big_items(int n, int zero)
{
    bt_item *it = calloc((size_t)n, sizeof *it);
    uint32_t s = 99;
    for (int i = 0; i < n - 3; i++) {
        s = s * 1664525u + 1013904223u;
        if (i % 2 == 0) {
            it[i].kind = BT_ITEM_BOX;
            it[i].width = zero ? 0 : 1500 + (int32_t)((s >> 8) % 6000);
        } else {
            it[i].kind = BT_ITEM_GLUE;
            it[i].width = zero ? 0 : 2000;
            it[i].stretch = 1000;
            it[i].shrink = zero ? 1000000 : 700;
        }
    }
    it[n - 3].kind = BT_ITEM_PENALTY;
    it[n - 3].penalty = BT_PENALTY_INF;
    it[n - 2].kind = BT_ITEM_GLUE;
    it[n - 2].stretch = FIL;
    it[n - 1].kind = BT_ITEM_PENALTY;
    it[n - 1].penalty = -BT_PENALTY_INF;
    return it;
}

static void test_linebreak__large_paragraph(void)
{
    for (int zero = 0; zero < 2; zero++) {
        bt_arena a;
        bt_arena_init(&a);
        int n = 100001;
        bt_item *it = big_items(n, zero);
        int32_t lw = 30000;
        bt_break *br;
        int pass;
        clock_t t0 = clock();
        int nl = bt_linebreak_run(&a, it, n, &lw, 1, NULL, &br, &pass);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        CHECK(nl > 0);
        CHECK_INT(check_result(it, n, &lw, 1, br, nl, pass), 0);
        CHECK(secs < 20.0); /* generous: sanitizer builds are slow */
        free(it);
        bt_arena_free(&a);
    }
}

static const bt_t_case cases[] = {
    TEST(test_linebreak__defaults),
    TEST(test_linebreak__min_lines),
    TEST(test_linebreak__fixed_width),
    TEST(test_linebreak__total_fit_beats_first_fit),
    TEST(test_linebreak__forced_break),
    TEST(test_linebreak__double_forced_break),
    TEST(test_linebreak__inf_penalty_forbids),
    TEST(test_linebreak__flagged_hyphen_last_resort),
    TEST(test_linebreak__flagged_consecutive),
    TEST(test_linebreak__flagged_run_limit),
    TEST(test_linebreak__final_pass_real_badness),
    TEST(test_linebreak__looseness_costs),
    TEST(test_linebreak__overfull_box),
    TEST(test_linebreak__emergency_pass),
    TEST(test_linebreak__underfull),
    TEST(test_linebreak__implied_end),
    TEST(test_linebreak__line_widths),
    TEST(test_linebreak__box_stretch),
    TEST(test_linebreak__discard_after_break),
    TEST(test_linebreak__expansion_first),
    TEST(test_linebreak__track_last_resort),
    TEST(test_linebreak__expansion_bounded_smooth),
    TEST(test_linebreak__gap_limit),
    TEST(test_linebreak__random_invariants),
    TEST(test_linebreak__random_optimal),
    TEST(test_linebreak__large_paragraph),
    TEST(test_linebreak__looseness),
};

TEST_MAIN("test_linebreak", cases)
