/* test_impose.c - the imposition plan (impose.c): saddle-stitch order and
 * padding for N = 1, 2, 3, 4, 7, 8, 12, 13, 33; 2-up and 4-up reading
 * order; duplex (backs turned on the long edge); creep offsets; scale,
 * clipping, marks and the page -> sheet map used by links and bookmarks. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "impose.h"

#define A5W   419528 /* 148 mm in mpt, as read_layout.c rounds it */
#define A5H   595276 /* 210 mm */
#define A4W   595276
#define A4H   841890
#define MM(x) ((int32_t)((x)*72000.0 / 25.4 + 0.5))

static bt_arena arena;

static bt_plan *plan(int n, int mode, int duplex, int32_t creep, int32_t pw,
                     int32_t ph)
{
    bt_impose_opts o;
    memset(&o, 0, sizeof o);
    o.mode = mode;
    o.duplex = duplex;
    o.creep = creep;
    o.blank_note = 1;
    return bt_impose_plan(&arena, n, pw, ph, &o);
}

/* 1-based position on a side (page+1, or 0 for padding). */
static int pos(const bt_plan *p, int side, int cell)
{
    return p->sides[side].cell[cell].page + 1;
}

/* The booklet rule, checked for every sheet: front [P-2k | 2k+1], back
 * [2k+2 | P-2k-1]; positions past N are padding; every page exactly once. */
static void check_booklet(int n)
{
    bt_plan *p = plan(n, BT_IMPOSE_BOOKLET, BT_DUPLEX_DEFAULT, 0, A5W, A5H);
    int P = (n + 3) / 4 * 4;
    CHECK_INT(p->npositions, P);
    CHECK_INT(p->nsides, 2 * ((n + 3) / 4)); /* PDF pages = sheet sides */
    CHECK_INT(p->sheet_w, MM(297));
    CHECK_INT(p->sheet_h, MM(210));
    CHECK_INT(p->duplex, BT_DUPLEX_SHORT);
    int *seen = calloc((size_t)n, sizeof *seen);
    for (int k = 0; k < P / 4; k++) {
        int want[4] = {P - 2 * k, 2 * k + 1, 2 * k + 2, P - 2 * k - 1};
        for (int i = 0; i < 4; i++) {
            const bt_side *sd = &p->sides[2 * k + i / 2];
            const bt_cell *c = &sd->cell[i % 2];
            CHECK_INT(sd->sheet, k);
            CHECK_INT(sd->back, i / 2);
            CHECK_INT(sd->rot, 0);
            CHECK_INT(c->page, want[i] <= n ? want[i] - 1 : -1);
            /* padding: the note on inner pages, the back cover white */
            CHECK_INT(c->note, want[i] > n && want[i] < P);
            if (c->page >= 0) {
                seen[c->page]++;
                CHECK_INT(p->page_side[c->page], 2 * k + i / 2);
                CHECK_INT(p->page_cell[c->page], i % 2);
            }
        }
    }
    for (int i = 0; i < n; i++)
        CHECK_INT(seen[i], 1);
    free(seen);
}

static void test_impose__booklet_orders(void)
{
    static const int ns[] = {1, 2, 3, 4, 7, 8, 12, 13, 33};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        check_booklet(ns[i]);
}

/* The example, spelled out: 8 pages = [8|1] [2|7] [6|3] [4|5]. */
static void test_impose__booklet_8(void)
{
    bt_plan *p = plan(8, BT_IMPOSE_BOOKLET, BT_DUPLEX_DEFAULT, 0, A5W, A5H);
    static const int want[4][2] = {{8, 1}, {2, 7}, {6, 3}, {4, 5}};
    CHECK_INT(p->nsides, 4);
    for (int s = 0; s < 4; s++) {
        CHECK_INT(pos(p, s, 0), want[s][0]);
        CHECK_INT(pos(p, s, 1), want[s][1]);
    }
}

/* Padding sits after the last page and before the back cover: N = 1 is
 * [4|1] [2|3] with 2 and 3 noted, 4 white; N = 13 pads 14, 15 (noted) and
 * 16 (the white back cover). */
static void test_impose__padding_at_end(void)
{
    bt_plan *p = plan(1, BT_IMPOSE_BOOKLET, BT_DUPLEX_DEFAULT, 0, A5W, A5H);
    CHECK_INT(p->nsides, 2);
    CHECK_INT(pos(p, 0, 0), 0);
    CHECK_INT(p->sides[0].cell[0].note, 0);
    CHECK_INT(pos(p, 0, 1), 1);
    CHECK_INT(p->sides[1].cell[0].note, 1);
    CHECK_INT(p->sides[1].cell[1].note, 1);
    p = plan(13, BT_IMPOSE_BOOKLET, BT_DUPLEX_DEFAULT, 0, A5W, A5H);
    CHECK_INT(p->nsides, 8);
    CHECK_INT(pos(p, 0, 0), 0); /* 16: back cover */
    CHECK_INT(p->sides[0].cell[0].note, 0);
    CHECK_INT(pos(p, 1, 1), 0); /* 15 */
    CHECK_INT(p->sides[1].cell[1].note, 1);
    CHECK_INT(pos(p, 2, 0), 0); /* 14 */
    CHECK_INT(p->sides[2].cell[0].note, 1);
    CHECK_INT(pos(p, 3, 1), 13); /* sheet 1 back: [4|13] */
    /* pages 1..13 are never separated by padding: all before 14 */
    for (int i = 0; i < 13; i++)
        CHECK(p->page_side[i] >= 0);
}

/* A5 on A4 landscape: 100 %, the two pages meet at the spine (sheet
 * centre), centred vertically; clip boxes end at the spine. */
static void test_impose__booklet_geometry(void)
{
    bt_plan *p = plan(4, BT_IMPOSE_BOOKLET, BT_DUPLEX_DEFAULT, 0, A5W, A5H);
    const int32_t W = MM(297), H = MM(210);
    CHECK_INT(p->scale, 1000000);
    const bt_cell *l = &p->sides[0].cell[0], *r = &p->sides[0].cell[1];
    CHECK_INT(l->x, W / 2 - A5W);
    CHECK_INT(r->x, W / 2);
    CHECK_INT(l->y, (H - A5H) / 2);
    CHECK_INT(l->clip_x1, W / 2);
    CHECK_INT(r->clip_x0, W / 2);
    CHECK_INT(r->clip_x1, W / 2 + A5W);
    int32_t sx, sy;
    bt_impose_map(r, 1000, 2000, &sx, &sy);
    CHECK_INT(sx, W / 2 + 1000);
    CHECK_INT(sy, r->y + 2000);
    /* an A4 layout is scaled to fit: 148.5/210 = 0.7071 */
    p = plan(4, BT_IMPOSE_BOOKLET, BT_DUPLEX_DEFAULT, 0, A4W, A4H);
    CHECK(p->scale > 707000 && p->scale < 707200);
    CHECK(2 * (int64_t)A4W * p->scale / 1000000 <= W);
    CHECK((int64_t)A4H * p->scale / 1000000 <= H);
}

/* --duplex long: every back side (and only backs) turned 180 degrees;
 * the page order stays; a page point maps through the turn. */
static void test_impose__duplex_long(void)
{
    static const int ns[] = {1, 8, 13};
    for (size_t t = 0; t < 3; t++) {
        bt_plan *s =
            plan(ns[t], BT_IMPOSE_BOOKLET, BT_DUPLEX_SHORT, 0, A5W, A5H);
        bt_plan *p =
            plan(ns[t], BT_IMPOSE_BOOKLET, BT_DUPLEX_LONG, 0, A5W, A5H);
        CHECK_INT(p->duplex, BT_DUPLEX_LONG);
        CHECK_INT(s->duplex, BT_DUPLEX_SHORT);
        for (int i = 0; i < p->nsides; i++) {
            CHECK_INT(p->sides[i].rot, p->sides[i].back ? 180 : 0);
            CHECK_INT(s->sides[i].rot, 0);
            for (int c = 0; c < 2; c++) {
                const bt_cell *a = &s->sides[i].cell[c],
                              *b = &p->sides[i].cell[c];
                CHECK_INT(b->page, a->page);
                CHECK_INT(b->rot, p->sides[i].rot);
                if (b->rot == 180) { /* the turned side, point by point */
                    int32_t ax, ay, bx, by;
                    bt_impose_map(a, 5000, 7000, &ax, &ay);
                    bt_impose_map(b, 5000, 7000, &bx, &by);
                    CHECK_INT(bx, p->sheet_w - ax);
                    CHECK_INT(by, p->sheet_h - ay);
                    CHECK_INT(b->clip_x0, p->sheet_w - a->clip_x1);
                    CHECK_INT(b->clip_y1, p->sheet_h - a->clip_y0);
                }
            }
        }
    }
}

/* Creep: sheet k's pages move toward the spine by creep*k/2; the outer
 * sheet (the cover) stays, the centre sheet moves most; clips stay. */
static void test_impose__creep(void)
{
    int32_t creep = MM(0.4);
    bt_plan *p0 = plan(33, BT_IMPOSE_BOOKLET, BT_DUPLEX_DEFAULT, 0, A5W, A5H);
    bt_plan *p =
        plan(33, BT_IMPOSE_BOOKLET, BT_DUPLEX_DEFAULT, creep, A5W, A5H);
    CHECK_INT(p->nsides, 18); /* 36 positions, 9 sheets */
    for (int i = 0; i < p->nsides; i++) {
        int k = p->sides[i].sheet;
        int32_t want = (int32_t)((int64_t)creep * k / 2);
        const bt_cell *l = &p->sides[i].cell[0], *r = &p->sides[i].cell[1];
        CHECK_INT(l->shift, want);
        CHECK_INT(l->x - p0->sides[i].cell[0].x, want);  /* left: rightward */
        CHECK_INT(r->x - p0->sides[i].cell[1].x, -want); /* right: leftward */
        CHECK_INT(l->clip_x1, p0->sides[i].cell[0].clip_x1);
        CHECK_INT(r->clip_x0, p0->sides[i].cell[1].clip_x0);
    }
    CHECK_INT(p->sides[0].cell[0].shift, 0);
    CHECK_INT(p->sides[16].cell[0].shift, MM(0.4) * 8 / 2);
    /* creep under --duplex long: the turned back moves toward the spine
     * too (the spine is the sheet's centre either way) */
    bt_plan *q = plan(8, BT_IMPOSE_BOOKLET, BT_DUPLEX_LONG, creep, A5W, A5H);
    const bt_cell *b = &q->sides[3].cell[0]; /* sheet 1 back, turned */
    int32_t sx, sy;
    bt_impose_map(b, A5W, 0, &sx, &sy); /* the page's spine edge */
    CHECK_INT(sx, q->sheet_w / 2 - creep / 2);
}

/* 2-up: consecutive pages in reading order, ceil(N/2) sides, an odd last
 * page leaves the right half empty; 4-up: 2x2 portrait, A4 at 50 %. */
static void test_impose__nup(void)
{
    static const int ns[] = {1, 2, 3, 4, 7, 8, 12, 13, 33};
    for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
        int n = ns[t];
        bt_plan *p = plan(n, BT_IMPOSE_2UP, BT_DUPLEX_DEFAULT, 0, A5W, A5H);
        CHECK_INT(p->nsides, (n + 1) / 2);
        for (int i = 0; i < p->nsides; i++) {
            CHECK_INT(pos(p, i, 0), 2 * i + 1);
            CHECK_INT(pos(p, i, 1), 2 * i + 2 <= n ? 2 * i + 2 : 0);
            CHECK_INT(p->sides[i].cell[1].note, 0);
        }
        bt_plan *q = plan(n, BT_IMPOSE_4UP, BT_DUPLEX_DEFAULT, 0, A4W, A4H);
        CHECK_INT(q->nsides, (n + 3) / 4);
        CHECK_INT(q->sheet_w, MM(210));
        CHECK_INT(q->duplex, BT_DUPLEX_LONG); /* portrait: long is natural */
        for (int i = 0; i < q->nsides; i++)
            for (int c = 0; c < 4; c++)
                CHECK_INT(pos(q, i, c), 4 * i + c + 1 <= n ? 4 * i + c + 1 : 0);
    }
    bt_plan *p = plan(4, BT_IMPOSE_2UP, BT_DUPLEX_LONG, 0, A5W, A5H);
    CHECK_INT(p->sides[0].rot, 0);
    CHECK_INT(p->sides[1].rot, 180);
    bt_plan *q = plan(8, BT_IMPOSE_4UP, BT_DUPLEX_DEFAULT, 0, A4W, A4H);
    CHECK_INT(q->scale, 500000);
    CHECK_INT(q->sides[1].rot, 0);
    const bt_cell *c3 = &q->sides[0].cell[3]; /* bottom right */
    CHECK(c3->x >= MM(105) && c3->y >= MM(148.5) - 1);
    q = plan(8, BT_IMPOSE_4UP, BT_DUPLEX_SHORT, 0, A4W, A4H);
    CHECK_INT(q->sides[1].rot, 180);
}

/* --marks: the pages shrink to leave room, crop marks lie outside the
 * trim and inside the sheet, a fold mark sits on the spine. */
static void test_impose__marks_bleed(void)
{
    bt_impose_opts o;
    memset(&o, 0, sizeof o);
    o.mode = BT_IMPOSE_BOOKLET;
    o.marks = 1;
    o.bleed = MM(3);
    bt_plan *p = bt_impose_plan(&arena, 4, A5W, A5H, &o);
    CHECK(p->scale < 1000000);
    CHECK_INT(p->has_boxes, 1);
    CHECK_INT(p->bleed, MM(3));
    const bt_side *sd = &p->sides[0];
    CHECK_INT(sd->nmarks, 10);
    int spine = 0;
    for (int i = 0; i < sd->nmarks; i++) {
        const bt_box *b = &sd->marks[i];
        CHECK(b->x >= 0 && b->y >= 0);
        CHECK(b->x + b->w <= p->sheet_w && b->y + b->h <= p->sheet_h);
        /* never inside the trimmed area */
        CHECK(b->x + b->w <= p->trim_x0 || b->x >= p->trim_x1 ||
              b->y + b->h <= p->trim_y0 || b->y >= p->trim_y1);
        if (b->x < p->sheet_w / 2 && b->x + b->w > p->sheet_w / 2)
            spine++;
    }
    CHECK_INT(spine, 2);
    /* bleed: outer clip edges grow by the bleed, the spine edge does not */
    CHECK_INT(sd->cell[0].clip_x0, sd->cell[0].x - MM(3));
    CHECK_INT(sd->cell[0].clip_x1, p->sheet_w / 2);
    CHECK_INT(sd->cell[0].clip_y0, sd->cell[0].y - MM(3));
}

static void test_impose__names(void)
{
    CHECK_INT(bt_impose_mode_parse("booklet"), BT_IMPOSE_BOOKLET);
    CHECK_INT(bt_impose_mode_parse("2up"), BT_IMPOSE_2UP);
    CHECK_INT(bt_impose_mode_parse("4up"), BT_IMPOSE_4UP);
    CHECK_INT(bt_impose_mode_parse("3up"), -1);
    CHECK_INT(bt_impose_mode_parse(""), -1);
    CHECK_STR(bt_impose_mode_name(BT_IMPOSE_2UP), "2up");
}

static const bt_t_case cases[] = {
    TEST(test_impose__booklet_orders),
    TEST(test_impose__booklet_8),
    TEST(test_impose__padding_at_end),
    TEST(test_impose__booklet_geometry),
    TEST(test_impose__duplex_long),
    TEST(test_impose__creep),
    TEST(test_impose__nup),
    TEST(test_impose__marks_bleed),
    TEST(test_impose__names),
};

int main(int argc, char **argv)
{
    bt_arena_init(&arena);
    int rc = bt_t_main("test_impose", cases,
                       (int)(sizeof cases / sizeof *cases), argc, argv);
    bt_arena_free(&arena);
    return rc;
}
