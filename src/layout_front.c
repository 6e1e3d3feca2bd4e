/* layout_front.c - page 1 and the furniture: the masthead (publisher,
 * title, number and date), the table of contents (page numbers from the
 * previous pass, each entry a link), the running header on every page but
 * the first and the page-number footer. */
#include <stdlib.h>
#include <string.h>
#include "layout_int.h"

/* The bulletin's date for print: its <date>, else the output date when
 * one was given or derived (never the 1980 fallback). */
static int print_date(const bt_doc *doc, bt_date *out)
{
    *out = doc->date;
    if (!out->y && doc->stamp.y > 1980)
        *out = (bt_date){doc->stamp.y, doc->stamp.mo, doc->stamp.d};
    return out->y != 0;
}

/* The masthead's date: "Ngày 27 tháng 11 năm 2026" in Vietnamese, ISO
 * otherwise. */
static const char *month_date(bt_arena *a, const bt_doc *doc,
                              enum bt_label_lang lang)
{
    bt_date d;
    char buf[64];
    if (!print_date(doc, &d))
        return NULL;
    return bt_arena_strdup(
        a,
        bt_date_format(buf, sizeof buf, d,
                       lang == BT_LANG_VI ? BT_DATE_LONG : BT_DATE_ISO, lang));
}

static const char *number_text(bt_arena *a, const bt_doc *doc,
                               enum bt_label_lang lang)
{
    if (!doc->number.text.len)
        return NULL;
    return bt_arena_printf(a, "%s %.*s", bt_label(lang, BT_L_NUMBER),
                           (int)doc->number.text.len, doc->number.text.ptr);
}

/* One line of text in `role` with pieces at the left and the right. */
static void two_sided_line(engine *e, units *u, enum bt_role role,
                           const char *left, const char *right)
{
    bt_arena *a = &e->ctx->arena;
    bt_pos pos = bt_pos_file(e->doc->file);
    units tmp = {{0}};
    tmp.v.size = sizeof(unit);
    if (left) {
        bt_runs r = text_runs(a, cstr(left), pos);
        bt_layout_set_text(
            e, &tmp,
            &(text_req){
                .role = role, .runs = &r, .width = e->width, .al = AL_LEFT});
    }
    if (right) {
        bt_runs r = text_runs(a, cstr(right), pos);
        bt_layout_set_text(
            e, &tmp,
            &(text_req){
                .role = role, .runs = &r, .width = e->width, .al = AL_RIGHT});
    }
    /* merge the first line of each into one unit */
    unit *t = tmp.v.p;
    if (tmp.v.n) {
        unit *m = bt_vec_push(&u->v);
        *m = t[0];
        if (tmp.v.n > 1) {
            const unit *r = &t[tmp.v.n - 1];
            bt_box *b = bt_layout_unit_grow(e, m, r->nboxes);
            memcpy(b, r->boxes, sizeof(bt_box) * (size_t)r->nboxes);
        }
        m->keep = 1;
    }
    free(tmp.v.p);
}

void bt_layout_masthead(engine *e)
{
    const bt_doc *doc = e->doc;
    const bt_layout *lay = e->lay;
    bt_arena *a = &e->ctx->arena;
    enum bt_label_lang lang = bt_layout_lang(e);
    units u = {{0}};
    u.v.size = sizeof(unit);
    if (doc->publisher.text.len)
        two_sided_line(e, &u, BT_ROLE_MASTSUB,
                       bt_arena_strndup(a, doc->publisher.text.ptr,
                                        doc->publisher.text.len),
                       NULL);
    bt_runs t = text_runs(a, doc->title.text, doc->title.pos);
    bt_layout_set_text(e, &u,
                       &(text_req){.role = BT_ROLE_MASTHEAD,
                                   .runs = &t,
                                   .width = e->width,
                                   .al = AL_BALANCE});
    bt_layout_add_rule_unit(e, &u, e->width, lay->rule_width * 3,
                            lay->rule_color, 2000, 1500);
    const char *num = number_text(a, doc, lang);
    const char *date = month_date(a, doc, lang);
    const char *right = num && date
                            ? bt_arena_printf(a, "%s \xc2\xb7 %s", num, date)
                        : num ? num
                              : date;
    const char *left = doc->subtitle.text.len
                           ? bt_arena_strndup(a, doc->subtitle.text.ptr,
                                              doc->subtitle.text.len)
                           : "";
    two_sided_line(e, &u, BT_ROLE_MASTSUB, left, right);
    bt_layout_add_rule_unit(e, &u, e->width, lay->rule_width, lay->rule_color,
                            1500, lay->para_space * 3);
    bt_layout_place_stack(e, &u, 0, u.v.n);
    free(u.v.p);
    bt_layout_units_done(e);
}

/* The page number of a contents entry as a glyph box at x, y: the
 * number right-aligned at right (its box's x is right minus its width). */
static void toc_number(engine *e, bt_box *b, const bt_article *art, int page,
                       int32_t right, int32_t y)
{
    bt_arena *a = &e->ctx->arena;
    const bt_style *ts = &e->lay->style[BT_ROLE_TOC];
    const char *num = bt_arena_printf(a, "%d", page);
    int32_t w = bt_shape_width(e->sh, ts->font, ts->size, cstr(num));
    bt_runs nr = text_runs(a, cstr(num), art->title.pos);
    bt_textstyle st = bt_layout_textstyle(e, BT_ROLE_TOC, 1, 0, 0);
    bt_para np;
    bt_shape_para(e->ctx, e->sh, &st, &nr, &np);
    bt_seg sg = {0};
    sg.font = np.nsegs ? np.segs[0].font : ts->font;
    sg.size = ts->size;
    sg.color = ts->color;
    bt_layout_glyph_box(b, &sg, np.glyphs, np.nglyphs, right - w, y, w);
    b->toc = (uint32_t)art->index + 1;
}

/* One entry of the table of contents: the title, balanced, beside its
 * page number (right-aligned on the last line), each line a link to the
 * article's page. Both carry the article (bt_box.toc), so that pages
 * laid out before the article pages were known can be given them
 * (bt_layout_toc_patch). */
static void toc_entry(engine *e, units *u, const bt_article *art)
{
    bt_arena *a = &e->ctx->arena;
    const bt_style *ts = &e->lay->style[BT_ROLE_TOC];
    int32_t numw = ts->size * 3;
    int first = u->v.n;
    bt_runs r = text_runs(a, art->title.text, art->title.pos);
    bt_layout_set_text(e, u,
                       &(text_req){.role = BT_ROLE_TOC,
                                   .runs = &r,
                                   .width = e->colw - numw,
                                   .al = AL_BALANCE});
    int page = e->toc_pages ? e->toc_pages[art->index] : 0;
    unit *un = u->v.p;
    for (int k = first; k < u->v.n; k++) {
        unit *x = &un[k];
        int last = k == u->v.n - 1;
        x->keep = !last;
        bt_box *lk = bt_layout_unit_grow(e, x, 1 + (last ? 1 : 0));
        lk->kind = BT_BOX_LINK;
        lk->x = 0;
        lk->y = 0;
        lk->w = e->colw;
        lk->h = x->h;
        lk->u.link.page = page > 0 ? page : 1;
        lk->u.link.y = e->top;
        lk->toc = (uint32_t)art->index + 1;
        if (last)
            toc_number(e, lk + 1, art, page, e->colw, x->base);
    }
}

/* Gives the contents entries of pages laid out before the article pages
 * were known the pages of e->article_page: each number is shaped again and
 * right-aligned where the old one ended, each link retargeted. The
 * entries' lines do not depend on their numbers (the titles are set
 * beside a fixed 3 em), so the pages are then those a pass that knew the
 * numbers would make. */
void bt_layout_toc_patch(engine *e)
{
    const bt_doc *doc = e->doc;
    const bt_article **arts = bt_xcalloc(
        (size_t)(doc->narticles > 0 ? doc->narticles : 1), sizeof *arts);
    const bt_section *s;
    const bt_article *art;
    bt_section_foreach(doc, s) {
        bt_article_foreach(s, art) {
            if (art->index >= 0 && art->index < doc->narticles)
                arts[art->index] = art;
        }
    }
    for (int p = 0; p < e->pages.n; p++) {
        page_acc *pg = &((page_acc *)e->pages.p)[p];
        bt_box *b = pg->boxes.p;
        for (int i = 0; i < pg->boxes.n; i++) {
            uint32_t t = b[i].toc;
            if (!t || t > (uint32_t)doc->narticles || !arts[t - 1])
                continue;
            int page = e->article_page[t - 1];
            if (b[i].kind == BT_BOX_LINK) {
                b[i].u.link.page = page > 0 ? page : 1;
            } else if (b[i].kind == BT_BOX_GLYPHS) {
                bt_box nb = b[i];
                toc_number(e, &nb, arts[t - 1], page, b[i].x + b[i].w, b[i].y);
                nb.seq = b[i].seq;
                b[i] = nb;
            }
        }
    }
    free(arts);
}

void bt_layout_toc(engine *e)
{
    const bt_layout *lay = e->lay;
    bt_arena *a = &e->ctx->arena;
    enum bt_label_lang lang = bt_layout_lang(e);
    units head = {{0}}, u = {{0}};
    head.v.size = u.v.size = sizeof(unit);
    bt_runs h = text_runs(a, cstr(bt_label(lang, BT_L_IN_ISSUE)),
                          bt_pos_file(e->doc->file));
    bt_layout_set_text(e, &head,
                       &(text_req){.role = BT_ROLE_SECTION,
                                   .runs = &h,
                                   .width = e->width,
                                   .al = AL_LEFT});
    bt_layout_add_space(&head, lay->para_space, 1);
    const bt_style *ts = &lay->style[BT_ROLE_TOC];
    const bt_section *s;
    const bt_article *art;
    bt_section_foreach(e->doc, s) {
        if (s->title.text.len && e->doc->nsections > 1) {
            int first = u.v.n;
            bt_runs r = {0};
            bt_runs_add(a, &r, BT_RUN_TEXT, BT_STYLE_STRONG, s->title.text,
                        s->title.pos);
            bt_layout_add_space(&u, lay->para_space, 0);
            bt_layout_set_text(e, &u,
                               &(text_req){.role = BT_ROLE_TOC,
                                           .runs = &r,
                                           .width = e->colw,
                                           .al = AL_LEFT});
            for (int k = first; k < u.v.n; k++)
                ((unit *)u.v.p)[k].keep = 1;
        }
        bt_article_foreach(s, art) {
            if (art != s->articles)
                bt_layout_add_space(&u, ts->leading / 4,
                                    0); /* between entries */
            /* what shaping the entry leaves behind is garbage once its
             * lines are set: only their glyphs are kept */
            scratch_mem m;
            int first = u.v.n;
            bt_layout_scratch_begin(e, &m);
            toc_entry(e, &u, art);
            bt_layout_scratch_end(e, &m, &u, first);
        }
    }
    bt_layout_place_stack(e, &head, 0, head.v.n);
    bt_layout_flow_columns(e, u.v.p, u.v.n);
    bt_layout_stretch_point(e, e->y, lay->article_space);
    e->y += lay->para_space * 2;
    bt_layout_full_rule(e);
    bt_layout_stretch_point(e, e->y + 1, lay->article_space);
    e->y += lay->article_space;
    free(head.v.p);
    free(u.v.p);
    bt_layout_units_done(e);
}

/* Sets `text` as one line in `role` on page pg, its baseline at base_y.
 * Returns 1 when a line was set. */
static int page_line(engine *e, page_acc *pg, enum bt_role role, enum align al,
                     const char *text, int32_t base_y)
{
    units u = {{0}};
    u.v.size = sizeof(unit);
    bt_runs r =
        text_runs(&e->ctx->arena, cstr(text), bt_pos_file(e->doc->file));
    bt_layout_set_text(
        e, &u,
        &(text_req){.role = role, .runs = &r, .width = e->width, .al = al});
    int set = u.v.n > 0;
    if (set) {
        unit *x = u.v.p;
        for (int i = 0; i < x[0].nboxes; i++) {
            bt_box *b = bt_vec_push(&pg->boxes);
            *b = x[0].boxes[i];
            b->x += e->left;
            b->y += base_y - x[0].base;
        }
    }
    bt_vec_free(&u.v);
    return set;
}

/* Moves the page's boxes [from, n) before the others: the running header
 * comes first in the content stream, the footer last, so readers that
 * follow the stream meet the page's text between them. */
static void to_front(page_acc *pg, int from)
{
    bt_box *b = pg->boxes.p;
    int k = pg->boxes.n - from;
    if (k <= 0 || from == 0)
        return;
    bt_box *tmp = bt_xmalloc(sizeof(bt_box) * (size_t)k);
    memcpy(tmp, b + from, sizeof(bt_box) * (size_t)k);
    memmove(b + k, b, sizeof(bt_box) * (size_t)from);
    memcpy(b, tmp, sizeof(bt_box) * (size_t)k);
    free(tmp);
}

/* Running header (every page but the first) and page-number footer of
 * page p of n. */
void bt_layout_furniture_page(engine *e, int p, int n)
{
    const bt_doc *doc = e->doc;
    const bt_layout *lay = e->lay;
    bt_arena *a = &e->ctx->arena;
    enum bt_label_lang lang = bt_layout_lang(e);
    const char *num = number_text(a, doc, lang);
    bt_date d;
    char buf[64];
    const char *title =
        bt_arena_strndup(a, doc->title.text.ptr, doc->title.text.len);
    const char *sep = " \xc2\xb7 ";
    const char *head = title;
    if (num)
        head = bt_arena_printf(a, "%s%s%s", head, sep, num);
    if (print_date(doc, &d))
        head = bt_arena_printf(
            a, "%s%s%s", head, sep,
            bt_date_format(buf, sizeof buf, d, BT_DATE_SHORT, lang));
    const bt_style *hs = &lay->style[BT_ROLE_HEADER];
    const bt_style *fs = &lay->style[BT_ROLE_FOOTER];
    page_acc *pg = &((page_acc *)e->pages.p)[p];
    int text = pg->boxes.n;
    if (p > 0 && page_line(e, pg, BT_ROLE_HEADER, AL_LEFT, head,
                           e->top - hs->size - 4000)) {
        bt_box *r2 = bt_vec_push(&pg->boxes);
        r2->kind = BT_BOX_RULE;
        r2->x = e->left;
        r2->y = e->top - 6000;
        r2->w = e->width;
        r2->h = lay->rule_width / 2 > 0 ? lay->rule_width / 2 : 300;
        r2->u.rule.color = lay->rule_color;
    }
    to_front(pg, text);
    const char *foot =
        bt_arena_printf(a, "%s %d/%d", bt_label(lang, BT_L_PAGE), p + 1, n);
    page_line(e, pg, BT_ROLE_FOOTER, AL_CENTER, foot,
              e->bottom + fs->size + 10000);
    bt_layout_units_done(e);
}

void bt_layout_furniture(engine *e)
{
    for (int p = 0; p < e->pages.n; p++)
        bt_layout_furniture_page(e, p, e->pages.n);
}
