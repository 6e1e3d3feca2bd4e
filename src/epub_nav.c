/* epub_nav.c - the EPUB's navigation: one table of contents list (built
 * once from the document and the page map) that nav.xhtml, toc.ncx and
 * the cover's "in this issue" list all write; nav's landmarks and
 * page-list; the NCX's play order and page list for EPUB 2 readers. */
#include <stdio.h>
#include <string.h>
#include "epub_int.h"

/* ------------------------------------------------------------------ */
/* The table of contents                                               */
/* ------------------------------------------------------------------ */

/* First printed page whose target is the article (0: not printed). */
static int first_page(ep *x, const bt_article *art)
{
    if (!x->npages)
        return 0;
    int k = art->index + 1;
    return x->bucket_off[k] < x->bucket_off[k + 1] ? x->bucket[x->bucket_off[k]]
                                                   : 0;
}

static void toc_add(ep *x, int level, bt_str title, const bt_article *art)
{
    toc_entry *e = bt_vec_push(&x->toc);
    e->level = level;
    e->title = title;
    e->art = art;
    e->href = bt_arena_printf(x->a, "text/%s.xhtml", art->id);
    e->lang = level ? art->lang : NULL;
    e->page = first_page(x, art);
}

/* One level-0 entry per section with articles, then one per article.
 * Needs the page map (ep_plan_pages) for the pages. */
void ep_plan_toc(ep *x)
{
    const bt_section *s;
    const bt_article *art;
    bt_section_foreach(x->doc, s) {
        if (!s->articles)
            continue;
        toc_add(x, 0, s->title.text, s->articles);
        bt_article_foreach(s, art)
            toc_add(x, 1, art->title.text, art);
    }
}

/* <li><a href>title</a></li> of an article, in the TOC role: the cover's
 * "in this issue" list and nav's toc. */
void ep_toc_link(ep *x, const toc_entry *e)
{
    ep_el(x, "li");
    ep_el(x, "a");
    ep_attr(x, "href", e->href);
    ep_lang_attrs_if_other(x, e->lang);
    ep_put_role(x, BT_ROLE_TOC, e->title);
    ep_end(x);
    ep_end(x);
}

/* ------------------------------------------------------------------ */
/* nav.xhtml and toc.ncx                                               */
/* ------------------------------------------------------------------ */

static void nav_link(ep *x, const char *type, const char *href,
                     const char *label)
{
    ep_el(x, "li");
    ep_el(x, "a");
    if (type)
        ep_attr(x, "epub:type", type);
    ep_attr(x, "href", href);
    ep_put_role_cstr(x, BT_ROLE_TOC, label);
    ep_end(x);
    ep_end(x);
}

static void nav_heading(ep *x, const char *name, const char *cls,
                        const char *label)
{
    ep_el(x, name);
    ep_attr(x, "class", cls);
    ep_put_role_cstr(x, BT_ROLE_SECTION, label);
    ep_end(x);
}

static void nav_group_end(ep *x, int grouped)
{
    if (grouped) {
        ep_end(x); /* ol */
        ep_end(x); /* li */
    }
    ep_nl(x);
}

void ep_write_nav(ep *x)
{
    const bt_doc *d = x->doc;
    ep_xhtml_begin(x, d->lang, LBL(x, TOC), "css/bantin.css");
    ep_el(x, "body");
    ep_nl(x);
    ep_el(x, "nav");
    ep_attr(x, "epub:type", "toc");
    ep_attr(x, "role", "doc-toc");
    ep_attr(x, "id", "toc");
    ep_nl(x);
    nav_heading(x, "h1", "toc-title", LBL(x, TOC));
    ep_nl(x);
    ep_el(x, "ol");
    ep_nl(x);
    int grouped = -1; /* -1: no group open yet */
    for (int i = 0; i < x->toc.n; i++) {
        const toc_entry *e = EP_TOC(x, i);
        if (e->level > 0) {
            ep_toc_link(x, e);
            continue;
        }
        if (grouped >= 0)
            nav_group_end(x, grouped);
        grouped = e->title.len > 0;
        if (grouped) {
            ep_el(x, "li");
            ep_el(x, "span");
            ep_put_role(x, BT_ROLE_SECTION, e->title);
            ep_end(x);
            ep_el(x, "ol");
        }
    }
    if (grouped >= 0)
        nav_group_end(x, grouped);
    ep_end(x); /* ol */
    ep_nl(x);
    ep_end(x); /* nav */
    ep_nl(x);

    ep_el(x, "nav");
    ep_attr(x, "epub:type", "landmarks");
    ep_attr(x, "hidden", "hidden");
    ep_nl(x);
    nav_heading(x, "h2", "nav-title", LBL(x, LANDMARKS));
    ep_el(x, "ol");
    nav_link(x, "cover", "cover.xhtml", LBL(x, COVER));
    nav_link(x, "toc", "nav.xhtml#toc", LBL(x, TOC));
    if (x->narts)
        nav_link(x, "bodymatter",
                 bt_arena_printf(x->a, "text/%s.xhtml", x->arts[0]->id),
                 LBL(x, START));
    ep_end(x);
    ep_nl(x);
    ep_end(x); /* nav */
    ep_nl(x);

    if (x->npages) {
        ep_el(x, "nav");
        ep_attr(x, "epub:type", "page-list");
        ep_attr(x, "role", "doc-pagelist");
        ep_attr(x, "hidden", "hidden");
        ep_nl(x);
        nav_heading(x, "h2", "nav-title", LBL(x, PAGELIST));
        ep_el(x, "ol");
        for (int p = 1; p <= x->npages; p++) {
            char num[16];
            snprintf(num, sizeof num, "%d", p);
            nav_link(x, NULL, ep_page_href(x, p), num);
        }
        ep_end(x);
        ep_nl(x);
        ep_end(x); /* nav */
        ep_nl(x);
    }
    ep_xhtml_end(x, "EPUB/nav.xhtml", R_NAV);
}

/* NCX play order: one number per distinct target, in reading order; the
 * NCX requires equal numbers for equal targets (notes §4). */
typedef struct ncx_order {
    int cover;
    int *article; /* [index] */
    int *page;    /* [page - 1] */
} ncx_order;

static void ncx_plan(ep *x, ncx_order *o)
{
    int n = 0;
    o->article = bt_arena_alloc(x->a, sizeof(int) * (size_t)(x->narts + 1));
    o->page = bt_arena_alloc(x->a, sizeof(int) * (size_t)(x->npages + 1));
    o->cover = ++n;
    for (int k = 0; k <= x->narts; k++) {
        if (k > 0)
            o->article[k - 1] = ++n;
        if (x->npages)
            for (int i = x->bucket_off[k]; i < x->bucket_off[k + 1]; i++)
                o->page[x->bucket[i] - 1] = ++n;
    }
}

static void ncx_label(ep *x, const char *s, size_t len)
{
    ep_el(x, "navLabel");
    ep_el(x, "text");
    ep_put_raw(x, s, len);
    ep_endv(x);
    ep_endv(x);
}

static void ncx_point(ep *x, int *id, int order, const char *label, size_t len,
                      const char *src)
{
    ep_el(x, "navPoint");
    ep_attr(x, "id", bt_arena_printf(x->a, "np-%d", ++*id));
    ep_attri(x, "playOrder", order);
    ncx_label(x, label, len);
    ep_el(x, "content");
    ep_attr(x, "src", src);
    ep_endv(x);
}

static void ncx_group_end(ep *x, int grouped)
{
    if (grouped)
        ep_endv(x); /* the section's navPoint */
    ep_nl(x);
}

void ep_write_ncx(ep *x)
{
    const bt_doc *d = x->doc;
    ncx_order o;
    ncx_plan(x, &o);
    ep_doc_begin(x);
    ep_el(x, "ncx");
    ep_attr(x, "xmlns", "http://www.daisy.org/z3986/2005/ncx/");
    ep_attr(x, "version", "2005-1");
    ep_attr(x, "xml:lang", d->lang);
    ep_nl(x);
    ep_el(x, "head");
    static const char *names[] = {"dtb:uid", "dtb:depth", "dtb:totalPageCount",
                                  "dtb:maxPageNumber"};
    for (int i = 0; i < 4; i++) {
        ep_el(x, "meta");
        ep_attr(x, "name", names[i]);
        if (i == 0)
            ep_attr(x, "content", x->ident);
        else
            ep_attri(x, "content", i == 1 ? 2 : x->npages);
        ep_endv(x);
    }
    ep_endv(x);
    ep_nl(x);
    ep_el(x, "docTitle");
    ep_el(x, "text");
    ep_put_raw(x, ep_doc_title(x), strlen(ep_doc_title(x)));
    ep_endv(x);
    ep_endv(x);
    ep_nl(x);
    ep_el(x, "navMap");
    ep_nl(x);
    int id = 0;
    ncx_point(x, &id, o.cover, LBL(x, COVER), strlen(LBL(x, COVER)),
              "cover.xhtml");
    ep_endv(x);
    ep_nl(x);
    int grouped = -1; /* -1: no group open yet */
    for (int i = 0; i < x->toc.n; i++) {
        const toc_entry *e = EP_TOC(x, i);
        if (e->level > 0) {
            ncx_point(x, &id, o.article[e->art->index], e->title.ptr,
                      e->title.len, e->href);
            ep_endv(x);
            continue;
        }
        if (grouped >= 0)
            ncx_group_end(x, grouped);
        grouped = e->title.len > 0;
        if (grouped)
            ncx_point(x, &id, o.article[e->art->index], e->title.ptr,
                      e->title.len, e->href);
    }
    if (grouped >= 0)
        ncx_group_end(x, grouped);
    ep_endv(x); /* navMap */
    ep_nl(x);
    if (x->npages) {
        ep_el(x, "pageList");
        ep_nl(x);
        ncx_label(x, LBL(x, PAGELIST), strlen(LBL(x, PAGELIST)));
        for (int p = 1; p <= x->npages; p++) {
            char num[16];
            snprintf(num, sizeof num, "%d", p);
            ep_el(x, "pageTarget");
            ep_attr(x, "id", bt_arena_printf(x->a, "pt-%d", p));
            ep_attr(x, "type", "normal");
            ep_attr(x, "value", num);
            ep_attri(x, "playOrder", o.page[p - 1]);
            ncx_label(x, num, strlen(num));
            ep_el(x, "content");
            ep_attr(x, "src", ep_page_href(x, p));
            ep_endv(x);
            ep_endv(x);
            ep_nl(x);
        }
        ep_endv(x);
        ep_nl(x);
    }
    ep_endv(x); /* ncx */
    ep_doc_end(x, "EPUB/toc.ncx", R_NCX);
}
