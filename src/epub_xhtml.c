/* epub_xhtml.c - the EPUB's XHTML content: the page map (which printed
 * page starts where, for the page-break markers), one document per
 * article (head, byline, blocks, figures) and the cover with the
 * masthead and the "in this issue" list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "epub_int.h"

/* ------------------------------------------------------------------ */
/* Page map                                                            */
/* ------------------------------------------------------------------ */

static int block_in(const bt_article *art, const bt_block *b)
{
    for (const bt_block *k = art->blocks; k; k = k->next)
        if (k == b)
            return 1;
    return 0;
}

/* Whether printed page 1 opens with the masthead: the rule of layout.c's
 * run_pass (an article built alone is its own front page). */
static int print_has_masthead(const bt_doc *d)
{
    return d->has_manifest || d->narticles > 1;
}

/* Every printed page 1..npages gets exactly one target: page 1 is the
 * masthead (the cover document) when the print has one, else the first
 * article's head; page p takes its mark, or the target of page p - 1 when
 * it has none (a page that only continues a block). */
void ep_plan_pages(ep *x)
{
    const bt_pages *pg = x->pages;
    x->npages = pg && pg->npages > 0 ? pg->npages : 0;
    int n = x->npages;
    x->bucket_off = bt_arena_alloc(x->a, sizeof(int) * (size_t)(x->narts + 2));
    if (!n)
        return;
    x->pt = bt_arena_alloc(x->a, sizeof *x->pt * (size_t)n);
    char *set = bt_arena_alloc(x->a, (size_t)n);
    memset(x->pt, 0, sizeof *x->pt * (size_t)n);
    memset(set, 0, (size_t)n);
    if (print_has_masthead(x->doc) || !x->narts)
        set[0] = 1; /* page 1: the cover */
    else
        x->pt[0].art = x->arts[0]; /* page 1: the first article's head */
    for (int i = 0; i < pg->nmarks; i++) {
        const bt_pagemark *m = &pg->marks[i];
        if (m->page < 1 || m->page > n || set[m->page - 1] || !m->article)
            continue;
        const bt_article *art = m->article;
        if (art->index < 0 || art->index >= x->narts ||
            x->arts[art->index] != art)
            continue;
        x->pt[m->page - 1].art = art;
        x->pt[m->page - 1].block =
            m->block && block_in(art, m->block) ? m->block : NULL;
        set[m->page - 1] = 1;
    }
    for (int p = 1; p < n; p++)
        if (!set[p])
            x->pt[p] = x->pt[p - 1];
    /* group page numbers by document: bucket 0 = cover, k + 1 = article k */
    int *cnt = x->bucket_off;
    for (int p = 0; p < n; p++)
        cnt[(x->pt[p].art ? x->pt[p].art->index + 1 : 0) + 1]++;
    for (int k = 1; k < x->narts + 2; k++)
        cnt[k] += cnt[k - 1];
    x->bucket = bt_arena_alloc(x->a, sizeof(int) * (size_t)n);
    int *fill = bt_xcalloc((size_t)x->narts + 1, sizeof(int));
    for (int p = 0; p < n; p++) {
        int k = x->pt[p].art ? x->pt[p].art->index + 1 : 0;
        x->bucket[x->bucket_off[k] + fill[k]++] = p + 1;
    }
    free(fill);
}

const char *ep_page_href(ep *x, int page)
{
    const bt_article *art = x->pt[page - 1].art;
    if (!art)
        return bt_arena_printf(x->a, "cover.xhtml#page-%d", page);
    return bt_arena_printf(x->a, "text/%s.xhtml#page-%d", art->id, page);
}

/* The page-break markers of the pages that start at (art, block). */
static void pagebreaks(ep *x, const bt_article *art, const bt_block *block)
{
    if (!x->npages)
        return;
    int k = art ? art->index + 1 : 0;
    for (int i = x->bucket_off[k]; i < x->bucket_off[k + 1]; i++) {
        int p = x->bucket[i];
        if (x->pt[p - 1].block != block)
            continue;
        char id[32], num[16];
        snprintf(id, sizeof id, "page-%d", p);
        snprintf(num, sizeof num, "%d", p);
        ep_el(x, "span");
        ep_attr(x, "epub:type", "pagebreak");
        ep_attr(x, "role", "doc-pagebreak");
        ep_attr(x, "id", id);
        ep_attr(x, "aria-label", num);
        ep_end(x);
    }
}

/* ------------------------------------------------------------------ */
/* Articles                                                            */
/* ------------------------------------------------------------------ */

enum { ST_A, ST_STRONG, ST_EM };

/* A word this long with URL punctuation in it is a URL, path or formula. */
#define WBR_MIN_CHARS 16

/* After one of these inside a long token a line may break (the Chicago
 * Manual's rule for URLs: after a slash, equals sign, ampersand and the
 * like, never with a hyphen added). */
static int wbr_char(char c)
{
    switch (c) {
    case '/':
    case '=':
    case '&':
    case '?':
    case ';':
    case ',':
    case '_':
        return 1;
    }
    return 0;
}

static int wbr_after(const char *p, const char *end)
{
    return wbr_char(*p) && p + 1 < end && p[1] && !wbr_char(p[1]) &&
           p[1] != ' ';
}

/* Writes text with <wbr/> at the break points of its long URL-like
 * tokens, so that a reading system on a phone breaks "a/b/c" after a
 * slash rather than between two letters (the stylesheet's overflow-wrap
 * stays the last resort). */
static void put_text_wbr(ep *x, bt_str t)
{
    const char *p = t.ptr, *end = t.ptr + t.len, *done = p;
    while (p < end) {
        const char *w = p;
        while (w < end && *w != ' ')
            w++;
        size_t chars = 0;
        int punct = 0;
        for (const char *c = p; c < w; c++)
            chars += ((unsigned char)*c & 0xC0) != 0x80;
        /* most words are short: their punctuation is not looked at */
        for (const char *c = p; c < w && chars >= WBR_MIN_CHARS && !punct; c++)
            punct = wbr_after(c, w);
        if (chars >= WBR_MIN_CHARS && punct)
            for (const char *c = p + 1; c < w; c++) /* not "=|SUM" */
                if (wbr_after(c, w)) {
                    ep_put_str(x, (bt_str){done, (size_t)(c + 1 - done)});
                    ep_el(x, "wbr");
                    ep_endv(x);
                    done = c + 1;
                }
        p = w < end ? w + 1 : w;
    }
    if (done < end)
        ep_put_str(x, (bt_str){done, (size_t)(end - done)});
}

/* Inline runs: em/strong/a nesting rebuilt from the flags, opening in the
 * order a > strong > em and closing as little as possible. */
static void put_runs(ep *x, const bt_runs *runs, int role)
{
    int stack[3], n = 0;
    const char *href = NULL;
    x->role = role;
    for (const bt_run *r = runs->first; r; r = r->next) {
        if (r->kind == BT_RUN_TEXT && r->text.len == 0)
            continue;
        unsigned want = r->style;
        if ((want & BT_STYLE_LINK) && !r->href)
            want &= ~(unsigned)BT_STYLE_LINK;
        int k;
        for (k = 0; k < n; k++) {
            int keep = stack[k] == ST_A ? (want & BT_STYLE_LINK) &&
                                              strcmp(href, r->href) == 0
                       : stack[k] == ST_STRONG ? !!(want & BT_STYLE_STRONG)
                                               : !!(want & BT_STYLE_EM);
            if (!keep)
                break;
        }
        while (n > k) {
            ep_end(x);
            n--;
        }
        int open_a = 0, open_s = 0, open_e = 0;
        for (int i = 0; i < n; i++) {
            open_a |= stack[i] == ST_A;
            open_s |= stack[i] == ST_STRONG;
            open_e |= stack[i] == ST_EM;
        }
        if ((want & BT_STYLE_LINK) && !open_a) {
            ep_el(x, "a");
            ep_attr(x, "href", r->href);
            href = r->href;
            stack[n++] = ST_A;
        }
        if ((want & BT_STYLE_STRONG) && !open_s) {
            ep_el(x, "strong");
            stack[n++] = ST_STRONG;
        }
        if ((want & BT_STYLE_EM) && !open_e) {
            ep_el(x, "em");
            stack[n++] = ST_EM;
        }
        x->strong = x->em = 0;
        for (int i = 0; i < n; i++) {
            x->strong |= stack[i] == ST_STRONG;
            x->em |= stack[i] == ST_EM;
        }
        if (r->kind == BT_RUN_BREAK) {
            ep_el(x, "br");
            ep_endv(x);
        } else {
            put_text_wbr(x, r->text);
        }
    }
    while (n > 0) {
        ep_end(x);
        n--;
    }
    x->strong = x->em = 0;
    x->role = -1;
}

static const imgent *image_for(ep *x, const bt_article *art, const bt_block *b)
{
    const char *key = b->path ? b->path : b->src ? b->src : "";
    for (int i = 0; i < x->imgs.n; i++)
        if (strcmp(EP_IMG(x, i)->key, key) == 0 &&
            EP_IMG(x, i)->img->file_len == b->image->file_len)
            return EP_IMG(x, i);
    int n = ++x->art_imgs;
    imgent *e = bt_vec_push(&x->imgs);
    const bt_image *img = b->image;
    const char *ext = img->kind == BT_IMAGE_PNG ? "png" : "jpg";
    e->key = key;
    e->img = img;
    e->id = bt_arena_printf(x->a, "img-%d-%d", art->index + 1, n);
    e->href = bt_arena_printf(x->a, "images/%s.%s", e->id, ext);
    ep_add_entry(x, bt_arena_printf(x->a, "EPUB/%s", e->href), img->file,
                 img->file_len, R_IMAGE);
    return e;
}

static void list_markers(ep *x, const bt_block *b)
{
    char num[16];
    x->role = BT_ROLE_BODY;
    if (b->ordered) {
        snprintf(num, sizeof num, "%d. ", b->number);
        ep_use_text(x, num, strlen(num));
    } else {
        ep_use_text(x, "\xE2\x80\xA2 ", 4); /* U+2022 bullet */
    }
    x->role = -1;
}

static void put_blocks(ep *x, const bt_article *art)
{
    const bt_block *b = art->blocks;
    while (b) {
        switch (b->kind) {
        case BT_BLOCK_QUOTE:
            ep_el(x, "blockquote");
            do {
                pagebreaks(x, art, b);
                ep_el(x, "p");
                put_runs(x, &b->runs, BT_ROLE_QUOTE);
                ep_end(x);
                b = b->next;
            } while (b && b->kind == BT_BLOCK_QUOTE && !b->group_start);
            ep_end(x);
            ep_nl(x);
            continue;
        case BT_BLOCK_ITEM: {
            int ordered = b->ordered, expect = b->number;
            ep_el(x, ordered ? "ol" : "ul");
            if (ordered && b->number != 1)
                ep_attri(x, "start", b->number);
            do {
                ep_el(x, "li");
                if (ordered && b->number != expect)
                    ep_attri(x, "value", b->number);
                pagebreaks(x, art, b);
                list_markers(x, b);
                put_runs(x, &b->runs, BT_ROLE_BODY);
                ep_end(x);
                expect = b->number + 1;
                b = b->next;
            } while (b && b->kind == BT_BLOCK_ITEM && !b->group_start &&
                     b->ordered == ordered);
            ep_end(x);
            ep_nl(x);
            continue;
        }
        case BT_BLOCK_PARA:
            pagebreaks(x, art, b);
            ep_el(x, "p");
            put_runs(x, &b->runs, BT_ROLE_BODY);
            ep_end(x);
            break;
        case BT_BLOCK_HEADING:
            pagebreaks(x, art, b);
            ep_el(x, "h2");
            put_runs(x, &b->runs, BT_ROLE_SUBHEAD);
            ep_end(x);
            break;
        case BT_BLOCK_FIGURE:
            /* working out the fonts ahead (x->plan), the images may be
             * decoding still: their bytes are not read */
            if (b->image &&
                (x->plan || (b->image->file && b->image->file_len))) {
                const imgent *im = x->plan ? NULL : image_for(x, art, b);
                bt_str alt = b->alt;
                if (!alt.len)
                    alt = bt_runs_text(x->a, &b->runs);
                char *alt_c = (char *)ep_cstr(x, alt);
                for (char *c = alt_c; *c; c++)
                    if (*c == '\n')
                        *c = ' ';
                x->nfigs++;
                if (!*alt_c)
                    x->all_alt = 0;
                pagebreaks(x, art, b);
                ep_el(x, "figure");
                ep_el(x, "img");
                if (im)
                    ep_attr(x, "src", bt_arena_printf(x->a, "../%s", im->href));
                ep_attr(x, "alt", alt_c);
                ep_endv(x);
                if (b->runs.count) {
                    ep_el(x, "figcaption");
                    put_runs(x, &b->runs, BT_ROLE_CAPTION);
                    ep_end(x);
                }
                ep_end(x);
                break;
            }
            /* no picture: keep its caption as a note */
            /* fall through */
        case BT_BLOCK_PHOTO:
            pagebreaks(x, art, b);
            ep_el(x, "p");
            ep_attr(x, "class", "photo-note");
            put_runs(x, &b->runs, BT_ROLE_CAPTION);
            ep_end(x);
            break;
        }
        ep_nl(x);
        b = b->next;
    }
}

static void put_byline(ep *x, const bt_article *art)
{
    int parts = 0;
    bt_buf date = BT_BUF_INIT;
    char form[64];
    if (art->date.y)
        bt_buf_puts(&date, bt_date_format(form, sizeof form, art->date,
                                          BT_DATE_LONG, x->lang));
    else if (art->date_text.text.len)
        bt_buf_put(&date, art->date_text.text.ptr, art->date_text.text.len);
    if (!art->authors && !art->source.text.len && !date.len) {
        bt_buf_free(&date);
        return;
    }
    ep_el(x, "p");
    ep_attr(x, "class", "byline");
    x->role = BT_ROLE_BYLINE;
    for (const bt_author *au = art->authors; au; au = au->next) {
        if (parts)
            ep_put_cstr(x, au == art->authors ? " \xC2\xB7 " : ", ");
        ep_put_str(x, au->name.text);
        parts++;
    }
    if (art->source.text.len) {
        if (parts)
            ep_put_cstr(x, " \xC2\xB7 ");
        if (ep_is_web_url(art->source_url)) {
            ep_el(x, "a");
            ep_attr(x, "href", art->source_url);
            ep_put_str(x, art->source.text);
            ep_end(x);
        } else {
            ep_put_str(x, art->source.text);
        }
        parts++;
    }
    if (date.len) {
        if (parts)
            ep_put_cstr(x, " \xC2\xB7 ");
        ep_put_text(x, date.data, date.len);
    }
    x->role = -1;
    ep_end(x);
    ep_nl(x);
    bt_buf_free(&date);
}

void ep_write_article(ep *x, const bt_section *sec, const bt_article *art)
{
    const char *lang = art->lang ? art->lang : x->doc->lang;
    x->art_imgs = 0;
    ep_xhtml_begin(x, lang, ep_cstr(x, art->title.text), "../css/bantin.css");
    ep_el(x, "body");
    ep_nl(x);
    ep_el(x, "section");
    ep_attr(x, "epub:type", "chapter");
    ep_attr(x, "role", "doc-chapter");
    ep_attr(x, "aria-labelledby", "title");
    ep_nl(x);
    pagebreaks(x, art, NULL);
    ep_el(x, "header");
    ep_nl(x);
    if (sec->title.text.len) {
        /* the section label is in the bulletin's language */
        ep_el(x, "p");
        ep_attr(x, "class", "section");
        if (!ep_same_lang(lang, x->doc->lang)) {
            ep_attr(x, "lang", x->doc->lang);
            ep_attr(x, "xml:lang", x->doc->lang);
        }
        ep_put_role(x, BT_ROLE_SECTION, sec->title.text);
        ep_end(x);
        ep_nl(x);
    }
    if (art->kicker.text.len)
        ep_text_el(x, "p", "kicker", BT_ROLE_KICKER, art->kicker.text);
    ep_el(x, "h1");
    ep_attr(x, "id", "title");
    ep_attr(x, "class", "headline");
    ep_put_role(x, BT_ROLE_HEADLINE, art->title.text);
    ep_end(x);
    ep_nl(x);
    if (art->subtitle.text.len)
        ep_text_el(x, "p", "subtitle", BT_ROLE_SUBTITLE, art->subtitle.text);
    put_byline(x, art);
    ep_end(x); /* header */
    ep_nl(x);
    if (art->lead.count) {
        ep_el(x, "p");
        ep_attr(x, "class", "lead");
        put_runs(x, &art->lead, BT_ROLE_LEAD);
        ep_end(x);
        ep_nl(x);
    }
    put_blocks(x, art);
    if (art->credit.text.len)
        ep_text_el(x, "p", "credit", BT_ROLE_CAPTION, art->credit.text);
    ep_end(x); /* section */
    ep_nl(x);
    ep_xhtml_end(x, bt_arena_printf(x->a, "EPUB/text/%s.xhtml", art->id),
                 R_TEXT);
}

/* ------------------------------------------------------------------ */
/* Cover                                                               */
/* ------------------------------------------------------------------ */

const char *ep_doc_title(ep *x)
{
    return x->doc->title.text.len ? ep_cstr(x, x->doc->title.text)
                                  : LBL(x, BULLETIN);
}

void ep_lang_attrs_if_other(ep *x, const char *lang)
{
    if (lang && !ep_same_lang(lang, x->doc->lang)) {
        ep_attr(x, "lang", lang);
        ep_attr(x, "xml:lang", lang);
    }
}

void ep_write_cover(ep *x)
{
    const bt_doc *d = x->doc;
    ep_xhtml_begin(x, d->lang, ep_doc_title(x), "css/bantin.css");
    ep_el(x, "body");
    ep_attr(x, "class", "cover");
    ep_nl(x);
    ep_el(x, "header");
    ep_attr(x, "class", "masthead");
    ep_nl(x);
    pagebreaks(x, NULL, NULL);
    ep_el(x, "h1");
    ep_attr(x, "class", "masthead");
    ep_put_role_cstr(x, BT_ROLE_MASTHEAD, ep_doc_title(x));
    ep_end(x);
    ep_nl(x);
    if (d->subtitle.text.len)
        ep_text_el(x, "p", "mastsub", BT_ROLE_MASTSUB, d->subtitle.text);
    bt_buf issue = BT_BUF_INIT;
    if (d->number.text.len)
        bt_buf_printf(&issue, "%s %.*s", LBL(x, NUMBER),
                      (int)d->number.text.len, d->number.text.ptr);
    if (d->date.y || d->date_text.text.len) {
        if (issue.len)
            bt_buf_puts(&issue, " \xC2\xB7 ");
        char form[64];
        if (d->date.y)
            bt_buf_puts(&issue, bt_date_format(form, sizeof form, d->date,
                                               BT_DATE_LONG, x->lang));
        else
            bt_buf_put(&issue, d->date_text.text.ptr, d->date_text.text.len);
    }
    if (issue.len) {
        bt_str s = {issue.data, issue.len};
        ep_text_el(x, "p", "issue", BT_ROLE_MASTSUB, s);
    }
    bt_buf_free(&issue);
    if (d->publisher.text.len)
        ep_text_el(x, "p", "publisher", BT_ROLE_MASTSUB, d->publisher.text);
    ep_end(x); /* header */
    ep_nl(x);
    /* "in this issue" */
    ep_el(x, "section");
    ep_attr(x, "class", "contents");
    ep_attr(x, "aria-labelledby", "contents-title");
    ep_nl(x);
    ep_el(x, "h2");
    ep_attr(x, "id", "contents-title");
    ep_attr(x, "class", "contents-title");
    ep_put_role_cstr(x, BT_ROLE_SECTION, LBL(x, IN_ISSUE));
    ep_end(x);
    ep_nl(x);
    int open = 0; /* a <ul> is open */
    for (int i = 0; i < x->toc.n; i++) {
        const toc_entry *e = EP_TOC(x, i);
        if (e->level > 0) {
            ep_toc_link(x, e);
            continue;
        }
        if (open) {
            ep_end(x);
            ep_nl(x);
        }
        if (e->title.len)
            ep_text_el(x, "h3", "toc-section", BT_ROLE_SECTION, e->title);
        ep_el(x, "ul");
        ep_attr(x, "class", "toc");
        open = 1;
    }
    if (open) {
        ep_end(x);
        ep_nl(x);
    }
    ep_end(x); /* section */
    ep_nl(x);
    ep_xhtml_end(x, "EPUB/cover.xhtml", R_COVER);
}
