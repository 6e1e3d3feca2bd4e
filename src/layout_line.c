/* layout_line.c - the line setter: a text request (runs, role, measure,
 * alignment) becomes line units, in named steps:
 *   shape       runs -> Knuth–Plass items (bt_shaper)
 *   break       bt_linebreak_run; a balanced text narrows its measure
 *   levers      a justified paragraph's word boxes get their bounded
 *               levers: glyph expansion (their width) and, as a last
 *               resort, letter-spacing of at most TRACK_MAX per gap
 *   break       bt_linebreak_run (which picks each line's expansion and
 *               letter-spacing); a balanced text narrows its measure
 *   line totals natural width, stretch and shrink of one line's items
 *   place       the breaker's expansion and letter-spacing applied to the
 *               word boxes, the rest of the slack to the word spaces
 *   glyph box   one run of glyphs as a box (expansion carried in the box;
 *               pdf_out draws it)
 * Per-line adjustments belong in line_fit: the breaker's result for the
 * line reaches place_line there, so a new lever changes this file and
 * linebreak.c only, not their callers. */
#include <stdlib.h>
#include <string.h>
#include "bt_limits.h"
#include "layout_int.h"
#include "linebreak.h"
#include "text.h"

/* Letter-spacing is a last resort: never more than this per letter gap,
 * 1/1000 em (typography.md: professional settings keep within 0.01-0.02
 * em). It supersedes the linear box stretch shape.c gives word boxes. */
#define TRACK_MAX 20

/* The last line of a justified paragraph ends at least this far short of
 * the measure, 1/1000 em (TeX's \parfillskip given a natural width): a
 * last line that reaches the right edge reads as if the paragraph went
 * on, most of all at the foot of a column. The breaker shrinks such a
 * line or takes a word down instead. */
#define LAST_WHITE 250
#define FILL_MIN   (1 << 27) /* stretch of a finishing glue (shape.c) */
/* A justified line inside a paragraph that ends more than SHORT_END short
 * of the measure (mpt) reads as a paragraph's end, one that ends more than
 * SHORT_MAYBE short might (layout_int.h short_end). */
#define SHORT_END   1000
#define SHORT_MAYBE 300

/* A letter of any script, roughly: what a bare number line lacks. */
static int letter(uint32_t cp)
{
    if (cp < 0xC0)
        return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
    return cp != 0xD7 && cp != 0xF7 && !(cp >= 0x2000 && cp < 0x2070);
}

bt_textstyle bt_layout_textstyle(const engine *e, enum bt_role role, int ragged,
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

void bt_layout_glyph_box(bt_box *b, const bt_seg *sg, const bt_glyph *gl, int n,
                         int32_t x, int32_t y, int32_t w)
{
    b->kind = BT_BOX_GLYPHS;
    b->x = x;
    b->y = y;
    b->w = w;
    b->h = sg->size;
    b->u.run.font = sg->font;
    b->u.run.size = sg->size;
    b->u.run.color = sg->color;
    b->u.run.n = n;
    b->u.run.glyphs = gl;
    b->u.run.expand = 0;
    b->src = sg->pos;
}

/* ---- levers ---- */

/* The items of a justified paragraph with the bounded levers of
 * linebreak.h on its word boxes: the whole word may be expanded
 * (xwidth = width) and letter-spaced by up to TRACK_MAX em per gap
 * between its glyphs. The linear stretch shape.c put on word boxes is
 * dropped: letter-spacing is the breaker's last resort, not a share of
 * every line's slack. Ragged text keeps its items. */
static const bt_item *para_levers(bt_arena *a, const bt_para *para, int justify,
                                  int32_t size)
{
    if (!justify)
        return para->items;
    bt_item *it =
        bt_arena_memdup(a, para->items, (size_t)para->nitems * sizeof *it);
    for (int i = 0; i < para->nitems; i++) {
        if (it[i].kind != BT_ITEM_BOX || it[i].ref == UINT32_MAX)
            continue;
        const bt_word *wd = &para->words[it[i].ref];
        int64_t track = 0;
        int ng = 0;
        for (int s = 0; s < wd->ns; s++) {
            const bt_seg *sg = &para->segs[wd->s0 + s];
            /* each glyph gap is charged at the size of the glyph after it */
            int gaps = s == 0 ? sg->ng - 1 : sg->ng;
            if (gaps > 0)
                track += (int64_t)gaps * sg->size * TRACK_MAX / 1000;
            ng += sg->ng;
        }
        it[i].stretch = 0;
        it[i].shrink = 0;
        it[i].xwidth = it[i].width > 0 ? it[i].width : 0;
        /* no letter-spacing where no_tracking() took the box's stretch:
         * block quotes and code-like tokens */
        it[i].track = ng > 1 && para->items[i].stretch > 0 ? (int32_t)track : 0;
    }
    /* the finishing glue before each forced break gets its natural width */
    for (int i = 0; i + 1 < para->nitems; i++)
        if (it[i].kind == BT_ITEM_GLUE && it[i].stretch >= FILL_MIN &&
            it[i + 1].kind == BT_ITEM_PENALTY &&
            it[i + 1].penalty <= -BT_PENALTY_INF)
            it[i].width = (int32_t)((int64_t)size * LAST_WHITE / 1000);
    return it;
}

/* ---- break ---- */

/* Breaks the shaped paragraph at `width`. A balanced text (AL_BALANCE)
 * gets the narrowest measure that still needs no more lines and is then
 * set flush left (*al becomes AL_LEFT). Returns the number of lines. */
/* ---- the line-break memo ---- */

/* Entries are found by two independent 64-bit hashes of everything
 * break_para's result depends on (the breaker is a pure function of its
 * items, widths and parameters): a false match would need both to collide
 * (about 2^-128 per pair). Bounded: past BT_BREAK_MEMO_BYTES nothing more
 * is kept. */
typedef struct brk_ent {
    uint64_t h1, h2;
    int nl;
    enum align al;
    bt_break *br; /* nl breaks, malloc */
} brk_ent;

struct brkmemo {
    brk_ent *e; /* open addressing, cap a power of two */
    int n, cap;
    size_t bytes;
};

brkmemo *bt_layout_brkmemo_new(void)
{
    brkmemo *m = bt_xcalloc(1, sizeof *m);
    m->cap = 1024;
    m->e = bt_xcalloc((size_t)m->cap, sizeof *m->e);
    return m;
}

void bt_layout_brkmemo_free(brkmemo *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->cap; i++)
        free(m->e[i].br);
    free(m->e);
    free(m);
}

typedef struct brk_hash {
    uint64_t a, b;
} brk_hash;

static void bh_put(brk_hash *h, int64_t v)
{
    uint64_t x = (uint64_t)v;
    h->a = (h->a ^ x) * 0x100000001b3ull; /* FNV-1a, a word at a time */
    h->a ^= h->a >> 29;
    h->b += x + 0x9e3779b97f4a7c15ull; /* splitmix64 */
    uint64_t z = h->b;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    h->b ^= z ^ (z >> 31);
}

static brk_hash brk_key(const engine *e, const bt_item *items, int n,
                        int32_t width, enum align al)
{
    brk_hash h = {0xcbf29ce484222325ull, 0x2545f4914f6cdd1dull};
    const int32_t *lb = (const int32_t *)&e->lb; /* int32_t fields only */
    for (size_t i = 0; i < sizeof e->lb / sizeof(int32_t); i++)
        bh_put(&h, lb[i]);
    bh_put(&h, width);
    bh_put(&h, al);
    bh_put(&h, al == AL_BALANCE ? e->colw : 0);
    bh_put(&h, n);
    for (int i = 0; i < n; i++) {
        const bt_item *it = &items[i];
        bh_put(&h,
               (int64_t)(((uint64_t)it->kind << 40) ^
                         ((uint64_t)it->flagged << 32) ^ (uint32_t)it->width));
        bh_put(&h, (int64_t)(((uint64_t)(uint32_t)it->stretch << 32) ^
                             (uint32_t)it->shrink));
        bh_put(&h, (int64_t)(((uint64_t)(uint32_t)it->penalty << 32) ^
                             (uint32_t)it->xwidth));
        bh_put(&h, (int64_t)(((uint64_t)it->ref << 32) ^ (uint32_t)it->track));
    }
    return h;
}

static brk_ent *brk_slot(brkmemo *m, brk_hash h)
{
    int i = (int)(h.a & (uint64_t)(m->cap - 1));
    while (m->e[i].br && (m->e[i].h1 != h.a || m->e[i].h2 != h.b))
        i = (i + 1) & (m->cap - 1);
    return &m->e[i];
}

static void brk_put(brkmemo *m, brk_hash h, int nl, enum align al,
                    const bt_break *br)
{
    if (nl <= 0 || m->bytes >= BT_BREAK_MEMO_BYTES)
        return;
    if ((m->n + 1) * 2 > m->cap) {
        brkmemo g = {bt_xcalloc((size_t)m->cap * 2, sizeof *m->e), 0,
                     m->cap * 2, m->bytes};
        for (int i = 0; i < m->cap; i++)
            if (m->e[i].br) {
                brk_hash k = {m->e[i].h1, m->e[i].h2};
                *brk_slot(&g, k) = m->e[i];
                g.n++;
            }
        free(m->e);
        *m = g;
    }
    brk_ent *s = brk_slot(m, h);
    if (s->br)
        return;
    s->h1 = h.a;
    s->h2 = h.b;
    s->nl = nl;
    s->al = al;
    s->br = bt_xmalloc(sizeof *br * (size_t)nl);
    memcpy(s->br, br, sizeof *br * (size_t)nl);
    m->n++;
    m->bytes += sizeof *br * (size_t)nl + 2 * sizeof *s;
}

/* The least width the items take in any setting the breaker can make:
 * box widths and negative glue, less every shrink (glue's and boxes') and
 * the glyph expansion at its narrowest. nl lines of a measure below
 * least / nl cannot hold them: one is overfull, or there are more. */
static int64_t least_width(const bt_item *items, int n, const bt_lb_params *lb)
{
    int64_t least = 0;
    for (int i = 0; i < n; i++) {
        const bt_item *it = &items[i];
        if (it->kind == BT_ITEM_PENALTY)
            continue; /* a width only where broken: at least 0 */
        if (it->kind == BT_ITEM_BOX || it->width < 0)
            least += it->width;
        if (it->shrink > 0)
            least -= it->shrink;
        if (it->kind == BT_ITEM_BOX && it->xwidth > 0 && lb->expand_max > 0)
            least -= (int64_t)it->xwidth * lb->expand_max / 10000 + 1;
    }
    return least;
}

int bt_layout_balance_skip = 1;
long bt_layout_balance_skipped;

static int break_para(engine *e, const bt_para *para, const bt_item *items,
                      int32_t width, enum align *al, bt_break **out)
{
    bt_arena *a = &e->ctx->arena;
    bt_break *br = NULL;
    int32_t w = width;
    bt_lb_params lb = e->lb;
    /* no emergency stretch: a paragraph with a line that cannot be set
     * within the tolerance goes to the final pass, which judges every
     * line by its real badness (2 em of emergency stretch made all its
     * lines look good and so let the spaces of many grow; realprose
     * a4-3col: 4.0-5.6 % loose lines before, 3.4-3.9 % after) */
    bt_lb_costs costs, *cp = NULL;
    if (e->tighten)
        cp = bt_layout_tight_para(e, &lb, &costs);
    /* the retry's paragraphs (their costs are wanted, or looseness set)
     * are broken afresh; all others may come from the memo */
    brk_hash key = {0, 0};
    int memo = e->brk && !e->tighten;
    if (memo) {
        key = brk_key(e, items, para->nitems, width, *al);
        const brk_ent *hit = brk_slot(e->brk, key);
        if (hit->br) {
            *out = bt_arena_memdup(a, hit->br, sizeof *br * (size_t)hit->nl);
            *al = hit->al;
            return hit->nl;
        }
    }
    int nl =
        bt_linebreak_costs(a, items, para->nitems, &w, 1, &lb, &br, NULL, cp);
    if (cp)
        bt_layout_tight_cost(e, cp);
    if (*al == AL_BALANCE && nl >= 2) {
        /* a headline over several columns keeps reaching into the last
         * one, so its first line still ties the columns together for
         * readers that find reading order from the page's geometry */
        int32_t lo = width / nl, hi = width;
        if (width > e->colw && lo < width - e->colw / 2)
            lo = width - e->colw / 2;
        bt_break *best = br;
        /* a measure too narrow for the material in nl lines is narrowed
         * past without setting it (the setting could only fail) */
        int64_t least = least_width(items, para->nitems, &lb);
        while (hi - lo > 500) {
            int32_t mid = lo + (hi - lo) / 2;
            if (bt_layout_balance_skip &&
                (least > (int64_t)nl * mid ||
                 bt_linebreak_min_lines(items, para->nitems, mid, &lb, nl) >
                     nl)) {
                bt_layout_balance_skipped++;
                lo = mid;
                continue;
            }
            bt_break *b2 = NULL;
            int n2 = bt_linebreak_run(a, items, para->nitems, &mid, 1, &lb, &b2,
                                      NULL);
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
        *al = AL_LEFT;
    }
    if (memo)
        brk_put(e->brk, key, nl, *al, br);
    *out = br;
    return nl;
}

/* ---- line totals ---- */

/* How one line is set: which items, their totals, and how its slack is
 * shared: first the breaker's glyph expansion and letter-spacing (by
 * each box's xwidth and track), then the rest by the word spaces'
 * stretch (or shrink). */
typedef struct line_fit {
    const bt_break *brk; /* the breaker's result for this line */
    int start, last_box; /* items [start, last_box] are set */
    int hyphen;          /* the hyphen word a hyphenated line ends with, or
                            -1 (shape.c: the break penalty's ref) */
    int forced;          /* the paragraph's end or a forced break */
    int64_t nat;         /* natural width */
    int64_t str, shr;    /* stretch and shrink of the word spaces */
    int64_t xw, tw;      /* expandable width and track capacity */
    int64_t gw;          /* natural width of the word spaces */
    int32_t expand;      /* glyph expansion, 1/10000 */
    int64_t xtotal;      /* width the expansion adds (negative: takes) */
    int64_t track;       /* letter-spacing of the line */
    int justify, squeeze;
    int64_t total, amount; /* `amount` shared in proportion to each item's
                              part of `total` */
} line_fit;

/* Totals of items [start, end) for a line of `width` set with `al`, with
 * the breaker's levers `brk`. */
static void line_totals(const bt_item *items, int nitems, int start, int end,
                        enum align al, int32_t width, const bt_break *brk,
                        line_fit *f)
{
    f->brk = brk;
    f->start = start;
    f->forced = end >= nitems || (items[end].kind == BT_ITEM_PENALTY &&
                                  items[end].penalty <= -BT_PENALTY_INF);
    int64_t nat = 0, str = 0, shr = 0, xw = 0, tw = 0, gw = 0;
    int last_box = start - 1;
    for (int i = start; i < end; i++)
        if (items[i].kind == BT_ITEM_BOX)
            last_box = i;
    for (int i = start; i <= last_box; i++) {
        const bt_item *it = &items[i];
        if (it->kind == BT_ITEM_PENALTY)
            continue;
        nat += it->width;
        str += it->stretch > 0 ? it->stretch : 0;
        shr += it->shrink;
        if (it->kind == BT_ITEM_BOX) {
            xw += it->xwidth;
            tw += it->track;
        } else if (it->stretch > 0) {
            gw += it->width;
        }
    }
    f->last_box = last_box;
    f->hyphen = -1;
    if (end < nitems && items[end].kind == BT_ITEM_PENALTY) {
        nat += items[end].width; /* a hyphen, or a kern undone */
        if (items[end].ref != UINT32_MAX)
            f->hyphen = (int)items[end].ref;
    }
    if (al != AL_JUSTIFY)
        str = 0; /* ragged: natural spaces (glue trios sum to one) */
    for (int i = last_box + 1; f->forced && i < end; i++)
        if (items[i].kind == BT_ITEM_GLUE && items[i].stretch >= FILL_MIN)
            width -= items[i].width; /* a last line keeps LAST_WHITE */
    f->expand = al == AL_JUSTIFY && xw > 0 ? brk->expand : 0;
    f->xtotal = xw * f->expand / 10000; /* as the breaker counts it */
    f->track = al == AL_JUSTIFY && tw > 0 ? brk->track : 0;
    int64_t slack = (int64_t)width - nat - f->xtotal - f->track;
    f->nat = nat;
    f->str = str;
    f->shr = shr;
    f->xw = xw;
    f->tw = tw;
    f->gw = gw;
    f->justify = al == AL_JUSTIFY && !f->forced && slack > 0 && str > 0;
    f->squeeze = slack < 0 && shr > 0;
    f->total = f->justify ? str : f->squeeze ? shr : 0;
    f->amount = f->justify ? slack : f->squeeze ? BT_MAX(slack, -shr) : 0;
}

/* ---- place a line ---- */

static int64_t scale_round(int64_t v, int32_t expand)
{
    int64_t p = v * expand;
    return v + (p >= 0 ? (p + 5000) / 10000 : (p - 5000) / 10000);
}

/* Boxes of one word at x: its glyphs scaled by `expand` (1/10000), the
 * word `grow` wider for it in all (exact, so the line ends flush), and
 * `extra` spread over its letter gaps (and a link box over each linked
 * segment). */
static void word_boxes(bt_arena *a, const bt_para *para, const bt_word *wd,
                       int64_t x, int32_t expand, int64_t grow, int64_t extra,
                       bt_vec *boxes)
{
    int ng = 0, done = 0;
    for (int s = 0; s < wd->ns; s++)
        ng += para->segs[wd->s0 + s].ng;
    if (ng < 2)
        extra = 0;
    int64_t shift_acc = 0; /* letter-spacing given so far */
    for (int s = 0; s < wd->ns; s++) {
        const bt_seg *sg = &para->segs[wd->s0 + s];
        const bt_glyph *gl = para->glyphs + sg->g0;
        int64_t sx = scale_round(sg->x, expand);
        int64_t sw = s == wd->ns - 1 ? (int64_t)wd->w + grow - sx
                                     : scale_round(sg->x + sg->w, expand) - sx;
        int32_t seg_x = (int32_t)(x + sx + shift_acc);
        int32_t seg_w = (int32_t)sw;
        if (extra || expand) {
            bt_glyph *cp = bt_arena_memdup(a, gl, sizeof *gl * (size_t)sg->ng);
            int64_t base = extra ? extra * done / (ng - 1) : 0;
            for (int g = 0; g < sg->ng; g++) {
                cp[g].x = (int32_t)scale_round(gl[g].x, expand);
                if (extra)
                    cp[g].x += (int32_t)(extra * (done + g) / (ng - 1) - base);
            }
            done += sg->ng;
            if (extra) {
                int64_t upto = extra * (done < ng ? done : ng - 1) / (ng - 1);
                seg_w += (int32_t)(upto - base);
                shift_acc = upto;
            }
            gl = cp;
        }
        bt_layout_glyph_box(bt_vec_push(boxes), sg, gl, sg->ng, seg_x, 0,
                            seg_w);
        ((bt_box *)boxes->p)[boxes->n - 1].u.run.expand = expand;
        if (sg->href) {
            bt_box *k = bt_vec_push(boxes);
            k->kind = BT_BOX_LINK;
            k->x = seg_x;
            k->y = -sg->size * 9 / 10;
            k->w = seg_w;
            k->h = sg->size * 6 / 5;
            k->u.link.uri = sg->href;
            k->src = sg->pos;
        }
    }
}

/* Shares `amount` in proportion to parts of `total`: the share of the
 * part that brings the running sum to `acc`, rounding carried. */
typedef struct share {
    int64_t total, amount, acc, given;
} share;

static int64_t share_next(share *sh, int64_t part)
{
    if (!sh->total || part <= 0)
        return 0;
    sh->acc += part;
    int64_t want = sh->amount * sh->acc / sh->total;
    int64_t d = want - sh->given;
    sh->given = want;
    return d;
}

/* Places the line's items from x = 0: the expansion and letter-spacing
 * by each box's part, the rest of the slack in proportion to each space's
 * stretch (or shrink), rounding carried so the line ends flush. Returns
 * the width used. */
static int64_t place_line(bt_arena *a, const bt_para *para,
                          const bt_item *items, const line_fit *f,
                          bt_vec *boxes)
{
    share xs = {f->xw, f->xtotal, 0, 0};
    share ts = {f->tw, f->track, 0, 0};
    share gs = {f->total, f->amount, 0, 0};
    int64_t x = 0;
    for (int i = f->start; i <= f->last_box; i++) {
        const bt_item *it = &items[i];
        if (it->kind == BT_ITEM_PENALTY)
            continue;
        int64_t extra = 0, grow = 0, tr = 0;
        if (it->kind == BT_ITEM_BOX) {
            grow = share_next(&xs, it->xwidth);
            tr = share_next(&ts, it->track);
        }
        extra = share_next(&gs, f->justify ? it->stretch : it->shrink);
        if (it->kind == BT_ITEM_BOX && it->ref != UINT32_MAX)
            word_boxes(a, para, &para->words[it->ref], x,
                       it->xwidth > 0 ? f->expand : 0, grow, tr + extra, boxes);
        x += it->width + grow + tr + extra;
    }
    if (f->hyphen >= 0) {
        word_boxes(a, para, &para->words[f->hyphen], x, 0, 0, 0, boxes);
        x += para->words[f->hyphen].w;
    }
    return x;
}

/* -v: a line whose word spaces exceed the limit (ratio > 0), or a word
 * left alone on a short line (ratio 0), because no other break sequence
 * exists; the word that starts the next line forced it. */
static void note_loose_line(engine *e, const bt_para *para,
                            const bt_item *items, int next, double ratio)
{
    while (next < para->nitems && items[next].kind != BT_ITEM_BOX)
        next++;
    if (next >= para->nitems || items[next].ref == UINT32_MAX)
        return;
    const bt_word *wd = &para->words[items[next].ref];
    const bt_seg *sg = &para->segs[wd->s0];
    char buf[160];
    size_t n = 0;
    for (int s = 0; s < wd->ns; s++) {
        const bt_seg *g = &para->segs[wd->s0 + s];
        for (int k = 0; k < g->ng && n + 8 < sizeof buf; k++)
            n += (size_t)bt_utf8_encode(para->glyphs[g->g0 + k].cp, buf + n);
    }
    buf[n] = 0;
    if (ratio > 0)
        bt_note(e->ctx, sg->pos,
                "word spaces stretched %.1f times: no break sequence of "
                "this paragraph avoids it; the next line starts with '%s'",
                ratio, buf);
    else
        bt_note(e->ctx, sg->pos,
                "one word left on a short line: every other break sequence "
                "stretches word spaces over 3 times; the next line starts "
                "with '%s'",
                buf);
}

/* The list marker in the first line's hanging area, set flush right so
 * that "9." and "10." end on one edge, marker_gap before the text. */
static void marker_boxes(engine *e, const text_req *rq, bt_vec *boxes)
{
    bt_runs mr = text_runs(&e->ctx->arena, cstr(rq->marker),
                           rq->art ? rq->art->pos : bt_pos_file(0));
    bt_textstyle ms = bt_layout_textstyle(e, rq->role, 1, 0, 0);
    bt_para mp;
    if (bt_shape_para(e->ctx, e->sh, &ms, &mr, &mp) != 0)
        e->rc = -1;
    int32_t w = 0;
    for (int s = 0; s < mp.nsegs; s++)
        w = BT_MAX(w, mp.segs[s].x + mp.segs[s].w);
    for (int s = 0; s < mp.nsegs; s++) {
        const bt_seg *sg = &mp.segs[s];
        bt_layout_glyph_box(bt_vec_push(boxes), sg, mp.glyphs + sg->g0, sg->ng,
                            rq->x0 - rq->marker_gap - w + sg->x, 0, sg->w);
    }
}

/* 1 for a code-like word (a path, URL, e-mail address, formula or
 * identifier): letter-spacing would make it look like a different
 * string, and readers that find word gaps from glyph gaps split it. */
static int code_like(const bt_para *para, const bt_word *wd)
{
    for (int s = 0; s < wd->ns; s++) {
        const bt_seg *sg = &para->segs[wd->s0 + s];
        for (int g = 0; g < sg->ng; g++) {
            uint32_t c = para->glyphs[sg->g0 + g].cp;
            switch (c) { /* not a strchr call per glyph: 1 % of a build */
            case '/':
            case '\\':
            case '_':
            case '=':
            case '@':
            case ';':
            case '|':
            case '<':
            case '>':
            case '{':
            case '}':
            case '#':
            case '~':
                return 1;
            default:
                break;
            }
        }
    }
    return 0;
}

/* Words that keep their letters at their natural distance: all of a
 * quotation (letter-spaced italics show at once) and code-like tokens. A
 * token is the run of boxes between two glues (the pieces of a word
 * broken after a hyphen or between letters): "03-" is as much a part of
 * a formula as "=PRICE(". */
static void no_tracking(bt_para *para, enum bt_role role)
{
    int i = 0;
    while (i < para->nitems) {
        int j = i, code = role == BT_ROLE_QUOTE;
        for (; j < para->nitems && para->items[j].kind != BT_ITEM_GLUE; j++) {
            const bt_item *it = &para->items[j];
            if (!code && it->kind == BT_ITEM_BOX && it->ref != UINT32_MAX)
                code = code_like(para, &para->words[it->ref]);
        }
        for (int k = i; code && k < j; k++)
            if (para->items[k].kind == BT_ITEM_BOX &&
                para->items[k].stretch > 0)
                para->items[k].stretch = 0;
        i = j + 1;
    }
}

/* ---- displays ---- */

/* A display (layout.c display_units) is mostly code: at least this share
 * of its words' width is in code-like tokens or tokens wider than a
 * column. A formula with a few words around it ("=PRICEMAT(...) returns
 * 99.98449888.") or a URL or path alone is; a sentence that cites one is
 * not. */
#define DISPLAY_CODE_NUM 2
#define DISPLAY_CODE_DEN 3

/* The width of the request's text on one line set ragged at `size`
 * (natural spaces, no indent, every token whole: none set smaller or cut
 * to fit) in *nat, its words' width in *words and how much of that is
 * code-like tokens or tokens wider than a column in *code. Returns 0 when
 * it cannot be one line (a line break, or shaping failed). Reports
 * nothing. */
static int display_measure(engine *e, const text_req *rq, int32_t size,
                           int64_t *nat, int64_t *words, int64_t *code)
{
    bt_ctx *ctx = e->ctx;
    int nd = ctx->ndiags, ne = ctx->nerrors, nw = ctx->nwarnings;
    bt_textstyle ts = bt_layout_textstyle(e, rq->role, 1, 0, 0);
    ts.size = size;
    bt_para para;
    int ok = bt_shape_para(ctx, e->sh, &ts, rq->runs, &para) == 0;
    /* the setting that follows reports what shaping finds */
    ctx->ndiags = nd;
    ctx->nerrors = ne;
    ctx->nwarnings = nw;
    if (!ok)
        return 0;
    /* tokens: the runs of items between two glues, as in no_tracking();
     * penalties are widths only at a break, and a display has none */
    *nat = *words = *code = 0;
    for (int i = 0; i < para.nitems; i++) {
        int j = i, is_code = 0;
        int64_t w = 0;
        for (; j < para.nitems && para.items[j].kind != BT_ITEM_GLUE; j++) {
            const bt_item *it = &para.items[j];
            if (it->kind == BT_ITEM_PENALTY && it->penalty <= -BT_PENALTY_INF &&
                j < para.nitems - 1)
                return 0; /* a line break (<br>): more than one line */
            if (it->kind != BT_ITEM_BOX)
                continue;
            w += it->width;
            if (it->ref != UINT32_MAX)
                is_code |= code_like(&para, &para.words[it->ref]);
        }
        if (j < para.nitems)
            *nat += para.items[j].width; /* the space after the token */
        *nat += w;
        *words += w;
        if (is_code || w > e->colw)
            *code += w;
        i = j;
    }
    return 1;
}

/* Tries at smaller sizes a display may take: the advances are rounded
 * glyph by glyph, so the width does not scale exactly with the size. */
#define DISPLAY_SIZE_TRIES 4

int bt_layout_display_fits(engine *e, const text_req *rq, int32_t *size)
{
    int32_t full = e->lay->style[rq->role].size;
    int64_t nat, words, code;
    if (!display_measure(e, rq, full, &nat, &words, &code) || words <= 0 ||
        code * DISPLAY_CODE_DEN < words * DISPLAY_CODE_NUM)
        return 0;
    /* too wide: set smaller, as a wide displayed equation is, down to
     * BT_SHRINK_MIN of the size (as shape.c sets a formula in a column) */
    int64_t min = (int64_t)full * BT_SHRINK_MIN_NUM / BT_SHRINK_MIN_DEN;
    int32_t sz = full;
    for (int t = 0; nat > rq->width; t++) {
        if (t == DISPLAY_SIZE_TRIES || rq->width <= 0)
            return 0;
        int64_t s = (int64_t)sz * rq->width / nat;
        if (s >= sz)
            s = sz - 1;
        if (s < min)
            return 0;
        sz = (int32_t)s;
        if (!display_measure(e, rq, sz, &nat, &words, &code))
            return 0;
    }
    *size = sz;
    return 1;
}

int bt_layout_set_text(engine *e, units *out, const text_req *rq)
{
    bt_arena *a = &e->ctx->arena;
    enum align al = rq->al;
    bt_textstyle ts = bt_layout_textstyle(e, rq->role, al != AL_JUSTIFY,
                                          rq->indent, rq->width);
    if (rq->size > 0)
        ts.size = rq->size;
    bt_para para;
    if (bt_shape_para(e->ctx, e->sh, &ts, rq->runs, &para) != 0)
        e->rc = -1;
    no_tracking(&para, rq->role);
    const bt_item *items = para_levers(a, &para, al == AL_JUSTIFY, ts.size);
    bt_break *br;
    int nl = break_para(e, &para, items, rq->width, &al, &br);
    const bt_style *st = &e->lay->style[rq->role];
    int32_t base = line_base(st->leading, st->size);
    uint32_t seq = ++e->seq;
    int start = 0;
    for (int l = 0; l < nl; l++) {
        int end = br[l].item; /* exclusive */
        if (end > para.nitems)
            end = para.nitems;
        /* skip discardables at the line start (not the indent box) */
        if (l > 0)
            while (start < end && items[start].kind != BT_ITEM_BOX)
                start++;
        line_fit f;
        line_totals(items, para.nitems, start, end, al, rq->width, &br[l], &f);
        if ((br[l].flags & BT_LB_GAPS) && e->ctx->verbose > 0 && f.gw > 0)
            note_loose_line(e, &para, items, end + 1,
                            (double)(f.gw + f.amount) / (double)f.gw);
        else if ((br[l].flags & BT_LB_UNDERFULL) && al == AL_JUSTIFY &&
                 !f.forced && f.gw == 0 && e->ctx->verbose > 0)
            note_loose_line(e, &para, items, end + 1, 0.0);
        bt_vec boxes = {0};
        boxes.size = sizeof(bt_box);
        /* the marker first: readers that follow the content stream meet
         * it right before its item's text */
        if (l == 0 && rq->marker)
            marker_boxes(e, rq, &boxes);
        int nm = boxes.n;
        int64_t x = place_line(a, &para, items, &f, &boxes);
        int32_t shift = 0;
        if (al == AL_RIGHT)
            shift = (int32_t)(rq->width - x);
        else if (al == AL_CENTER)
            shift = (int32_t)((rq->width - x) / 2);
        for (int i = nm; i < boxes.n; i++)
            ((bt_box *)boxes.p)[i].x += shift + rq->x0;
        for (int i = 0; i < boxes.n; i++) {
            ((bt_box *)boxes.p)[i].y += base;
            ((bt_box *)boxes.p)[i].seq = seq;
        }
        unit *u = bt_vec_push(&out->v);
        u->kind = U_LINE;
        u->h = st->leading;
        u->base = base;
        u->nboxes = boxes.n;
        u->boxes = bt_arena_memdup(&e->units, boxes.p,
                                   (size_t)boxes.n * sizeof(bt_box));
        u->art = rq->art;
        u->blk = rq->blk;
        int64_t white = al == AL_JUSTIFY && !f.forced ? rq->width - x : 0;
        u->short_end = white > SHORT_END ? 2 : white > SHORT_MAYBE ? 1 : 0;
        u->broken = BROKEN_NONE;
        if (l < nl - 1 && end > 0 && end + 1 < para.nitems &&
            items[end].kind == BT_ITEM_PENALTY &&
            items[end - 1].kind == BT_ITEM_BOX &&
            items[end + 1].kind == BT_ITEM_BOX)
            /* shape.c flags the hyphen breaks, added or explicit */
            u->broken = items[end].flagged                  ? BROKEN_HYPHEN
                        : bt_shape_break_joins(&items[end]) ? BROKEN_JOINS
                                                            : BROKEN_TOKEN;
        u->bare = 1;
        for (int i = 0; i < u->nboxes && u->bare; i++)
            if (u->boxes[i].kind == BT_BOX_GLYPHS)
                for (int g = 0; g < u->boxes[i].u.run.n; g++)
                    if (letter(u->boxes[i].u.run.glyphs[g].cp))
                        u->bare = 0;
        bt_vec_free(&boxes);
        start = end + 1;
    }
    return nl;
}

/* ---- units ---- */

bt_box *bt_layout_unit_grow(engine *e, unit *u, int extra)
{
    bt_box *b =
        bt_arena_alloc(&e->units, sizeof(bt_box) * (size_t)(u->nboxes + extra));
    if (u->nboxes)
        memcpy(b, u->boxes, sizeof(bt_box) * (size_t)u->nboxes);
    u->boxes = b;
    u->nboxes += extra;
    return b + u->nboxes - extra;
}

/* Widow/orphan control: the first line stays with the second, the
 * next-to-last with the last. A line that ends short inside the paragraph
 * (short_end) reads as a paragraph's end and the line after it as a new
 * start, so the same holds around it: no column break right before it, nor
 * right after the line that follows it; where it only might read so, both
 * readings are kept. A last line with no letter ("3/2025.") is not set
 * second in a column either: text tools take a bare number near a page's
 * top for its folio and drop it. A line that ends inside a word keeps
 * with the next. */
void bt_layout_keep_para(units *u, int first, int count)
{
    unit *a = u->v.p;
    int last = first + count - 1;
    for (int k = first; k <= last; k++) {
        int ends = k == last || a[k].short_end == 2;
        int may_end = k == last || a[k].short_end;
        int starts = k == first || a[k - 1].short_end == 2;
        int may_start = k == first || a[k - 1].short_end;
        if (may_start && !ends)
            a[k].keep = 1;
        if (may_end && !starts)
            a[k - 1].keep = 1;
        /* TeX's \brokenpenalty made a rule: a word broken at a line end
         * is not broken across columns too (text tools put a space at a
         * page break, so "ex- pression" never rejoins) */
        if (k < last && a[k].broken)
            a[k].keep = 1;
    }
    if (count >= 3 && a[last].bare)
        a[last - 2].keep = 1;
}

void bt_layout_add_space(units *u, int32_t h, int keep)
{
    unit *s = bt_vec_push(&u->v);
    s->kind = U_SPACE;
    s->h = h;
    s->keep = (uint8_t)keep;
}

void bt_layout_add_rule_unit(engine *e, units *u, int32_t width, int32_t thick,
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
void bt_layout_units_done(engine *e)
{
    bt_arena_free(&e->units);
    bt_arena_init(&e->units);
}
