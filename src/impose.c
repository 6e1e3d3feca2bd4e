/* impose.c - the imposition plan (impose.h): laid-out pages -> sheet sides
 * for booklets (saddle stitch), 2-up and 4-up handouts. Pure engine code:
 * integer mpt, no library header; pdf_out.c only draws what this decides.
 *
 * Booklet: P = 4*ceil(N/4) positions; sheet k (0 = outermost) carries on
 * its front [P-2k | 2k+1] and on its back [2k+2 | P-2k-1]. Positions past
 * N are padding, so blank pages come after the last article and before the
 * back cover, never between articles; the back cover itself (position P)
 * stays white, the inner padding pages may carry a discreet note.
 * Duplex: a side that the printer turns over on its "natural" edge (the
 * short edge of a landscape sheet, the long edge of a portrait one) keeps
 * its backs upright; the other edge needs every back turned 180 degrees.
 * Creep: saddle-stitched inner sheets stick out at the fore-edge, so sheet
 * k's pages move toward the spine by creep * k / 2 (the outer sheet, the
 * cover, stays put; the centre sheet moves most). */
#include <string.h>
#include "impose.h"
#include "text.h"

#define MM(x) ((int32_t)((x)*72000.0 / 25.4 + 0.5))
#define ONE   1000000 /* scale 1.0 */

static const char *const mode_names[] = {"none", "booklet", "2up", "4up"};

int bt_impose_mode_parse(const char *s)
{
    for (int i = BT_IMPOSE_BOOKLET; i <= BT_IMPOSE_4UP; i++)
        if (strcmp(s, mode_names[i]) == 0)
            return i;
    return -1;
}

const char *bt_impose_mode_name(int mode)
{
    return mode >= 0 && mode <= BT_IMPOSE_4UP ? mode_names[mode] : "?";
}

static int32_t scaled(int32_t v, int32_t s)
{
    return (int32_t)(((int64_t)v * s + ONE / 2) / ONE);
}

void bt_impose_map(const bt_cell *c, int32_t px, int32_t py, int32_t *sx,
                   int32_t *sy)
{
    int sign = c->rot == 180 ? -1 : 1;
    *sx = c->x + sign * scaled(px, c->scale);
    *sy = c->y + sign * scaled(py, c->scale);
}

/* The largest scale (<= 1) that fits w x h into aw x ah. */
static int32_t fit(int64_t w, int64_t h, int64_t aw, int64_t ah)
{
    int64_t s = ONE;
    if (w > 0 && aw * ONE / w < s)
        s = aw * ONE / w;
    if (h > 0 && ah * ONE / h < s)
        s = ah * ONE / h;
    return (int32_t)(s > 0 ? s : 1);
}

static void add_rule(bt_box *marks, int *n, int32_t x, int32_t y, int32_t w,
                     int32_t h)
{
    bt_box *b = &marks[(*n)++];
    memset(b, 0, sizeof *b);
    b->kind = BT_BOX_RULE;
    b->x = x;
    b->y = y;
    b->w = w;
    b->h = h;
    b->u.rule.color = 0x000000;
}

/* Crop marks around the rectangle, `off` outside it, `len` long. */
static void crop_marks(bt_box *m, int *n, int32_t x0, int32_t y0, int32_t x1,
                       int32_t y1, int32_t off, int32_t len)
{
    const int32_t t = 250; /* 0.25 pt hairline */
    int32_t xs[2] = {x0, x1}, ys[2] = {y0, y1};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            int32_t cx = xs[i], cy = ys[j];
            /* horizontal, outside left/right */
            add_rule(m, n, i ? cx + off : cx - off - len, cy - t / 2, len, t);
            /* vertical, outside top/bottom */
            add_rule(m, n, cx - t / 2, j ? cy + off : cy - off - len, t, len);
        }
}

bt_plan *bt_impose_plan(bt_arena *a, int npages, int32_t page_w, int32_t page_h,
                        const bt_impose_opts *opt)
{
    BT_ASSERT(npages >= 1 && page_w > 0 && page_h > 0);
    bt_plan *p = bt_arena_alloc(a, sizeof *p);
    memset(p, 0, sizeof *p);
    int mode = opt->mode;
    int cols = 2, rows = mode == BT_IMPOSE_4UP ? 2 : 1;
    int per = cols * rows;
    p->mode = mode;
    p->sheet_w = mode == BT_IMPOSE_4UP ? MM(210) : MM(297);
    p->sheet_h = mode == BT_IMPOSE_4UP ? MM(297) : MM(210);
    int natural = p->sheet_w > p->sheet_h ? BT_DUPLEX_SHORT : BT_DUPLEX_LONG;
    p->duplex = opt->duplex == BT_DUPLEX_DEFAULT ? natural : opt->duplex;
    int turn_backs = p->duplex != natural;
    p->bleed = opt->bleed;
    p->has_boxes = opt->marks || opt->bleed > 0;

    /* room outside each trimmed edge: the bleed, and the crop marks */
    int32_t off = opt->bleed > MM(3) ? opt->bleed : MM(3), len = MM(5);
    int32_t room = opt->marks ? off + len + MM(1) : opt->bleed;
    const int32_t W = p->sheet_w, H = p->sheet_h;
    int32_t cw = W / cols, ch = H / rows;
    int32_t s;
    if (mode == BT_IMPOSE_BOOKLET)
        s = fit(2 * (int64_t)page_w, page_h, W - 2 * (int64_t)room,
                H - 2 * (int64_t)room);
    else
        s = fit(page_w, page_h, cw - 2 * (int64_t)room, ch - 2 * (int64_t)room);
    p->scale = s;
    int32_t pw = scaled(page_w, s), ph = scaled(page_h, s);

    int nsides, P = npages;
    if (mode == BT_IMPOSE_BOOKLET) {
        P = (npages + 3) / 4 * 4;
        nsides = P / 2;
    } else {
        nsides = (npages + per - 1) / per;
    }
    p->npositions = P;
    p->nsides = nsides;
    p->sides = bt_arena_alloc(a, sizeof(bt_side) * (size_t)nsides);
    memset(p->sides, 0, sizeof(bt_side) * (size_t)nsides);
    p->page_side = bt_arena_alloc(a, sizeof(int) * (size_t)npages);
    p->page_cell = bt_arena_alloc(a, sizeof(int) * (size_t)npages);
    p->trim_x0 = p->trim_y0 = INT32_MAX;
    p->trim_x1 = p->trim_y1 = INT32_MIN;

    for (int si = 0; si < nsides; si++) {
        bt_side *sd = &p->sides[si];
        sd->sheet = si / 2;
        sd->back = si % 2;
        sd->rot = sd->back && turn_backs ? 180 : 0;
        sd->ncells = per;
        int32_t shift = 0;
        int pos[4];
        if (mode == BT_IMPOSE_BOOKLET) {
            int k = sd->sheet;
            if (!sd->back) {
                pos[0] = P - 2 * k;
                pos[1] = 2 * k + 1;
            } else {
                pos[0] = 2 * k + 2;
                pos[1] = P - 2 * k - 1;
            }
            shift = (int32_t)((int64_t)opt->creep * k / 2);
        } else {
            for (int c = 0; c < per; c++)
                pos[c] = si * per + c + 1;
        }
        /* upright placement first, then the side's turn */
        int32_t bx0 = 0, by0 = 0, bx1 = 0, by1 = 0; /* booklet spread */
        for (int c = 0; c < per; c++) {
            bt_cell *cl = &sd->cell[c];
            int col = c % cols, row = c / cols;
            int32_t x, y, x0, y0, x1, y1;
            if (mode == BT_IMPOSE_BOOKLET) {
                x = col == 0 ? W / 2 - pw : W / 2;
                y = (H - ph) / 2;
                x0 = col == 0 ? x - opt->bleed : W / 2;
                x1 = col == 0 ? W / 2 : x + pw + opt->bleed;
                y0 = y - opt->bleed;
                y1 = y + ph + opt->bleed;
                x += col == 0 ? shift : -shift;
                if (c == 0) {
                    bx0 = W / 2 - pw;
                    by0 = y;
                    bx1 = W / 2 + pw;
                    by1 = y + ph;
                }
            } else {
                x = col * cw + (cw - pw) / 2;
                y = row * ch + (ch - ph) / 2;
                x0 = x - opt->bleed;
                x1 = x + pw + opt->bleed;
                y0 = y - opt->bleed;
                y1 = y + ph + opt->bleed;
            }
            int q = pos[c];
            cl->page = q <= npages ? q - 1 : -1;
            cl->note = q > npages && q < P && mode == BT_IMPOSE_BOOKLET &&
                       opt->blank_note;
            cl->scale = s;
            cl->shift = mode == BT_IMPOSE_BOOKLET ? shift : 0;
            cl->x = x;
            cl->y = y;
            cl->clip_x0 = x0;
            cl->clip_y0 = y0;
            cl->clip_x1 = x1;
            cl->clip_y1 = y1;
            if (mode != BT_IMPOSE_BOOKLET || c == 0) {
                int32_t tx0 = mode == BT_IMPOSE_BOOKLET ? bx0 : x;
                int32_t ty0 = mode == BT_IMPOSE_BOOKLET ? by0 : y;
                int32_t tx1 = mode == BT_IMPOSE_BOOKLET ? bx1 : x + pw;
                int32_t ty1 = mode == BT_IMPOSE_BOOKLET ? by1 : y + ph;
                p->trim_x0 = BT_MIN(p->trim_x0, tx0);
                p->trim_y0 = BT_MIN(p->trim_y0, ty0);
                p->trim_x1 = BT_MAX(p->trim_x1, tx1);
                p->trim_y1 = BT_MAX(p->trim_y1, ty1);
            }
        }
        if (opt->marks) {
            int max = mode == BT_IMPOSE_BOOKLET ? 10 : 8 * per;
            sd->marks = bt_arena_alloc(a, sizeof(bt_box) * (size_t)max);
            if (mode == BT_IMPOSE_BOOKLET) {
                crop_marks(sd->marks, &sd->nmarks, bx0, by0, bx1, by1, off,
                           len);
                /* fold marks: the spine, above and below the trim */
                add_rule(sd->marks, &sd->nmarks, W / 2 - 125, by0 - off - len,
                         250, len);
                add_rule(sd->marks, &sd->nmarks, W / 2 - 125, by1 + off, 250,
                         len);
            } else {
                for (int c = 0; c < per; c++) {
                    const bt_cell *cl = &sd->cell[c];
                    crop_marks(sd->marks, &sd->nmarks, cl->x, cl->y, cl->x + pw,
                               cl->y + ph, off, len);
                }
            }
        }
        if (sd->rot == 180) {
            for (int c = 0; c < per; c++) {
                bt_cell *cl = &sd->cell[c];
                int32_t x0 = cl->clip_x0, y0 = cl->clip_y0;
                cl->x = W - cl->x;
                cl->y = H - cl->y;
                cl->rot = 180;
                cl->clip_x0 = W - cl->clip_x1;
                cl->clip_y0 = H - cl->clip_y1;
                cl->clip_x1 = W - x0;
                cl->clip_y1 = H - y0;
            }
            for (int m = 0; m < sd->nmarks; m++) {
                bt_box *b = &sd->marks[m];
                b->x = W - b->x - b->w;
                b->y = H - b->y - b->h;
            }
        }
        for (int c = 0; c < per; c++)
            if (sd->cell[c].page >= 0) {
                p->page_side[sd->cell[c].page] = si;
                p->page_cell[sd->cell[c].page] = c;
            }
    }
    return p;
}

/* ------------------------------------------------------------------ */
/* Pages the plan adds: the blank-page note, the duplex test sheet    */
/* ------------------------------------------------------------------ */

/* One centred line of text as one glyph box: words shaped through the
 * shaper, spaces as the font's space. -1 when a character is missing. */
static int text_line(bt_arena *a, const bt_shaper *sh, uint32_t font,
                     int32_t size, uint32_t color, const char *text, int32_t cx,
                     int32_t base, bt_box *out)
{
    uint32_t cps[256];
    int n = 0;
    const char *p = text, *end = text + strlen(text);
    while (p < end && n < 256)
        cps[n++] = bt_utf8_next(&p, end);
    bt_glyph *g = bt_arena_alloc(a, sizeof *g * (size_t)(n ? n : 1));
    int64_t pen = 0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && (cps[j] == ' ') == (cps[i] == ' '))
            j++;
        for (int k = i; k < j; k++)
            if (!sh->covers(sh->payload, font, cps[k]))
                return -1;
        const bt_glyphpos *gp;
        int got = sh->shape(sh->payload, font, cps + i, j - i, &gp);
        if (got != j - i)
            return -1;
        for (int k = 0; k < got; k++) {
            g[i + k].cp = cps[i + k];
            g[i + k].x = (int32_t)(pen + (int64_t)gp[k].dx * size / 1000);
            g[i + k].y = (int32_t)(-(int64_t)gp[k].dy * size / 1000);
            pen += (int64_t)gp[k].advance * size / 1000;
        }
        i = j;
    }
    memset(out, 0, sizeof *out);
    out->kind = BT_BOX_GLYPHS;
    out->x = cx - (int32_t)(pen / 2);
    out->y = base;
    out->w = (int32_t)pen;
    out->h = size;
    out->u.run.font = font;
    out->u.run.size = size;
    out->u.run.color = color;
    out->u.run.n = n;
    out->u.run.glyphs = g;
    return 0;
}

int bt_impose_note_page(bt_arena *a, const bt_shaper *sh, const bt_style *st,
                        int vi, int32_t page_w, int32_t page_h, bt_page *out)
{
    memset(out, 0, sizeof *out);
    bt_box *b = bt_arena_alloc(a, sizeof *b);
    const char *note = vi ? "Trang \xc4\x91\xe1\xbb\x83 tr\xe1\xbb\x91ng"
                          : "This page is intentionally left blank";
    if (text_line(a, sh, st->font, st->size, st->color, note, page_w / 2,
                  page_h / 2, b) != 0)
        return -1;
    out->boxes = b;
    out->nboxes = 1;
    return 0;
}

/* A thick arrow pointing up, of rules: a shaft and a stepped head. */
static void arrow(bt_box *m, int *n, int32_t cx, int32_t top, int32_t height)
{
    int32_t head = height * 2 / 5, half = height / 4, shaft = height / 12;
    const int steps = 24;
    for (int i = 0; i < steps; i++) {
        int32_t y = top + (int32_t)((int64_t)head * i / steps);
        int32_t hw = (int32_t)((int64_t)half * (i + 1) / steps);
        add_rule(m, n, cx - hw, y, 2 * hw, head / steps + 1);
        m[*n - 1].u.rule.color = 0x9b1c1c;
    }
    add_rule(m, n, cx - shaft, top + head, 2 * shaft, height - head);
    m[*n - 1].u.rule.color = 0x9b1c1c;
}

int bt_impose_test_pages(bt_arena *a, const bt_shaper *sh, const bt_style *big,
                         const bt_style *small, int mode, int32_t page_w,
                         int32_t page_h, bt_pages **out)
{
    int n = mode == BT_IMPOSE_4UP ? 8 : 4;
    bt_impose_opts o;
    memset(&o, 0, sizeof o);
    o.mode = mode;
    bt_plan *plan = bt_impose_plan(a, n, page_w, page_h, &o);
    bt_pages *pg = bt_arena_alloc(a, sizeof *pg);
    memset(pg, 0, sizeof *pg);
    pg->width = page_w;
    pg->height = page_h;
    pg->npages = n;
    pg->pages = bt_arena_alloc(a, sizeof(bt_page) * (size_t)n);
    for (int i = 0; i < n; i++) {
        int back = plan->sides[plan->page_side[i]].back;
        bt_box *b = bt_arena_alloc(a, sizeof *b * 40);
        int nb = 0;
        arrow(b, &nb, page_w / 2, page_h / 10, page_h * 2 / 5);
        char num[16];
        int k = 0, v = i + 1;
        char tmp[8];
        int t = 0;
        do
            tmp[t++] = (char)('0' + v % 10);
        while ((v /= 10) && t < 8);
        while (t)
            num[k++] = tmp[--t];
        num[k] = 0;
        const char *side = back ? "m\xe1\xba\xb7t sau"
                                : "m\xe1\xba\xb7t tr\xc6\xb0\xe1\xbb\x9b\x63";
        const char *lines[3] = {num, side, back ? "(back)" : "(front)"};
        int32_t sizes[3] = {big->size * 3, big->size * 2, small->size};
        int32_t y = page_h * 6 / 10;
        for (int l = 0; l < 3; l++) {
            y += BT_MAX(sizes[l], l ? sizes[l - 1] / 2 : 0) * 12 / 10;
            const bt_style *st = l == 2 ? small : big;
            if (text_line(a, sh, st->font, sizes[l], 0x111111, lines[l],
                          page_w / 2, y, &b[nb]) != 0)
                return -1;
            nb++;
        }
        const char *hint = "G\xe1\xba\xadp \xc4\x91\xc3\xb4i: trang 1, 2, 3, 4 "
                           "theo th\xe1\xbb\xa9 "
                           "t\xe1\xbb\xb1, m\xe1\xbb\x8di m\xc5\xa9i "
                           "t\xc3\xaan ch\xe1\xbb\x89 "
                           "l\xc3\xaan";
        if (mode == BT_IMPOSE_BOOKLET) {
            if (text_line(a, sh, small->font, small->size, 0x444444, hint,
                          page_w / 2, page_h - page_h / 12, &b[nb]) != 0)
                return -1;
            nb++;
        }
        pg->pages[i].number = i + 1;
        pg->pages[i].boxes = b;
        pg->pages[i].nboxes = nb;
    }
    *out = pg;
    return 0;
}
