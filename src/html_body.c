/* html_body.c - the article's blocks: from the element html_score.c
 * picked (and the siblings that join it), p, h2, blockquote, ul/ol and
 * figure (local JPEG/PNG with its figcaption; URL-only images are counted
 * for a note) with inline em, strong, a and br, as bt_xel in the shape of
 * FORMATS.md §1. Clutter left inside the article (link lists, share
 * boxes) is dropped by hints and link density. Afterwards: a last "Theo
 * ..." line becomes the credit, a short bold one an author, and the sapo
 * (or a first all-bold paragraph) the lead. Part of read_html
 * (html_int.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "html_int.h"
#include "arena.h"
#include "buf.h"
#include "text.h"
#include "bt_limits.h"

bt_xel *bt_html_el_new(hx *h, bt_xel *parent, const char *name, bt_pos pos)
{
    bt_xel *e = bt_arena_alloc(&h->ctx->arena, sizeof *e);
    memset(e, 0, sizeof *e);
    e->name = name;
    e->pos = pos;
    if (parent) {
        e->parent = parent;
        if (parent->last)
            parent->last->next = e;
        else
            parent->kids = e;
        parent->last = e;
    }
    return e;
}

void bt_html_el_attr(hx *h, bt_xel *e, const char *name, const char *value)
{
    bt_xattr *a = bt_arena_alloc(&h->ctx->arena, sizeof *a);
    a->name = name;
    a->value = value;
    a->pos = e->pos;
    a->next = NULL;
    bt_xattr **p = &e->attrs;
    while (*p)
        p = &(*p)->next;
    *p = a;
}

void bt_html_el_text(hx *h, bt_xel *parent, bt_str s, bt_pos pos)
{
    if (!s.len)
        return;
    bt_xel *t = bt_html_el_new(h, parent, NULL, pos);
    t->text = s;
}

/* ---- body ----------------------------------------------------------- */

int bt_html_link_url_ok(const char *href)
{
    return href && (strncasecmp(href, "http://", 7) == 0 ||
                    strncasecmp(href, "https://", 8) == 0 ||
                    strncasecmp(href, "mailto:", 7) == 0);
}

/* Inline content of n into out (text, em, strong, a, br). */
static void inline_into(em *m, xmlNodePtr n, bt_xel *out)
{
    hx *h = m->h;
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) {
            if (k->content)
                bt_html_el_text(h, out,
                                bt_html_clean(h, (const char *)k->content,
                                              strlen((const char *)k->content)),
                                bt_html_pos(h, k->parent));
            continue;
        }
        if (k->type != XML_ELEMENT_NODE || (k->_private && inf(k)->junk))
            continue;
        const char *nm = (const char *)k->name;
        if (!strcmp(nm, "br")) {
            bt_html_el_new(h, out, "br", bt_html_pos(h, k));
            continue;
        }
        if (!strcmp(nm, "img"))
            continue;
        const char *tag = NULL;
        if (!strcmp(nm, "em") || !strcmp(nm, "i") || !strcmp(nm, "cite"))
            tag = "em";
        else if (!strcmp(nm, "strong") || !strcmp(nm, "b"))
            tag = "strong";
        else if (!strcmp(nm, "a") &&
                 bt_html_link_url_ok(bt_html_attr(k, "href")))
            tag = "a";
        if (tag && m->depth < BT_MAX_INLINE_DEPTH - 2) {
            bt_xel *e = bt_html_el_new(h, out, tag, bt_html_pos(h, k));
            if (!strcmp(tag, "a")) {
                bt_str u = bt_html_clean_c(h, bt_html_attr(k, "href"));
                bt_html_el_attr(h, e, "href", bt_html_cstr(h, u));
            }
            m->depth++;
            inline_into(m, k, e);
            m->depth--;
            if (!e->kids) { /* empty: drop it */
                bt_xel *p = out->kids;
                if (p == e)
                    out->kids = out->last = NULL;
                else {
                    while (p->next != e)
                        p = p->next;
                    p->next = NULL;
                    out->last = p;
                }
            }
        } else {
            if (bt_html_is_block(k))
                bt_html_el_text(h, out, (bt_str){" ", 1}, bt_html_pos(h, k));
            inline_into(m, k, out);
        }
    }
}

/* Has any non-space text (recursively)? */
static int has_ink(const bt_xel *e)
{
    for (const bt_xel *k = e->kids; k; k = k->next) {
        if (!k->name) {
            for (size_t i = 0; i < k->text.len; i++)
                if (k->text.ptr[i] != ' ')
                    return 1;
        } else if (has_ink(k))
            return 1;
    }
    return 0;
}

/* Removes a trailing element from its parent. */
static void el_drop_last(bt_xel *parent, bt_xel *e)
{
    if (parent->kids == e) {
        parent->kids = parent->last = NULL;
        return;
    }
    bt_xel *p = parent->kids;
    while (p && p->next != e)
        p = p->next;
    if (p) {
        p->next = NULL;
        parent->last = p;
    }
}

/* Drops edge <br>s and a block with no text. */
static int finish_block(bt_xel *parent, bt_xel *e)
{
    while (e->kids && e->kids->name && !strcmp(e->kids->name, "br"))
        e->kids = e->kids->next;
    if (!e->kids)
        e->last = NULL;
    while (e->last && e->last->name && !strcmp(e->last->name, "br"))
        el_drop_last(e, e->last);
    if (!has_ink(e)) {
        el_drop_last(parent, e);
        return 0;
    }
    return 1;
}

static void flush_para(em *m)
{
    if (m->para)
        finish_block(m->body, m->para);
    m->para = NULL;
}

static bt_str plain(em *m, xmlNodePtr n)
{
    return bt_html_node_text(m->h, n);
}

static int same_text(bt_str a, bt_str b)
{
    return a.len == b.len && a.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static void emit_figure(em *m, xmlNodePtr fig, xmlNodePtr img, xmlNodePtr cap);

static xmlNodePtr find_el(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (is_el(k, name))
            return k;
        if (k->type == XML_ELEMENT_NODE) {
            xmlNodePtr f = find_el(k, name);
            if (f)
                return f;
        }
    }
    return NULL;
}

static void emit(em *m, xmlNodePtr n);

static void emit_children(em *m, xmlNodePtr n)
{
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (k->type == XML_TEXT_NODE) {
            bt_str t = bt_html_clean(
                m->h, (const char *)k->content,
                k->content ? strlen((const char *)k->content) : 0);
            if (!bt_text_trim(t).len && !m->para)
                continue;
            if (!m->para)
                m->para =
                    bt_html_el_new(m->h, m->body, "p", bt_html_pos(m->h, n));
            bt_html_el_text(m->h, m->para, t, bt_html_pos(m->h, n));
            continue;
        }
        if (k->type != XML_ELEMENT_NODE)
            continue;
        if (!bt_html_is_block(k) && !is_el(k, "img") && !is_el(k, "br") &&
            !(k->_private && inf(k)->junk)) {
            if (!m->para)
                m->para =
                    bt_html_el_new(m->h, m->body, "p", bt_html_pos(m->h, k));
            xmlNodePtr tmp = k->next;
            k->next = NULL; /* inline_into walks children of a parent */
            xmlNode fake;
            memset(&fake, 0, sizeof fake);
            fake.type = XML_ELEMENT_NODE;
            fake.name = (const xmlChar *)"span";
            fake.children = k;
            xmlNodePtr oldp = k->parent;
            inline_into(m, &fake, m->para);
            k->parent = oldp;
            k->next = tmp;
            continue;
        }
        if (is_el(k, "br")) {
            /* two <br> in a row end a paragraph */
            xmlNodePtr q = k->next;
            while (
                q && q->type == XML_TEXT_NODE && q->content &&
                !bt_text_trim(bt_html_clean(m->h, (const char *)q->content,
                                            strlen((const char *)q->content)))
                     .len)
                q = q->next;
            if (q && is_el(q, "br")) {
                flush_para(m);
                k = q;
            } else if (m->para)
                bt_html_el_new(m->h, m->para, "br", bt_html_pos(m->h, k));
            continue;
        }
        flush_para(m);
        emit(m, k);
    }
    flush_para(m);
}

static void emit(em *m, xmlNodePtr n)
{
    hx *h = m->h;
    if (!n->_private || inf(n)->junk)
        return;
    if (n == h->lead_node || n == h->byline_node || n == h->dateline_node)
        return;
    const char *nm = (const char *)n->name;
    if (h->strict && bt_html_hint_match(n, bt_html_hint_bad) &&
        !bt_html_hint_match(n, bt_html_hint_good) &&
        !bt_html_hint_match(n, bt_html_hint_lead))
        return;
    if (!strcmp(nm, "p") || is_heading(n) || !strcmp(nm, "pre") ||
        !strcmp(nm, "dt") || !strcmp(nm, "dd")) {
        double ld = bt_html_link_density(n);
        if (ld > 0.5 && !(ld < 0.9 && inf(n)->text > 200))
            return;
        xmlNodePtr img = find_el(n, "img");
        if (img && inf(n)->text < 5) {
            emit_figure(m, n, img, NULL);
            return;
        }
        const char *tag = is_heading(n) ? "h2" : "p";
        if (is_heading(n) && same_text(plain(m, n), m->title))
            return;
        if (!strcmp(nm, "h1") && !m->body->kids)
            return; /* a headline over the body */
        bt_xel *e = bt_html_el_new(h, m->body, tag, bt_html_pos(h, n));
        inline_into(m, n, e);
        finish_block(m->body, e);
        return;
    }
    if (!strcmp(nm, "blockquote")) {
        if (bt_html_link_density(n) > 0.5)
            return;
        bt_xel *q = bt_html_el_new(h, m->body, "blockquote", bt_html_pos(h, n));
        em sub = *m;
        sub.body = q;
        sub.para = NULL;
        emit_children(&sub, n);
        /* a blockquote holds only paragraphs */
        bt_xel *ok = NULL, *last = NULL;
        for (bt_xel *k = q->kids; k; k = k->next) {
            if (!k->name || strcmp(k->name, "p") != 0)
                continue;
            if (last)
                last->next = k;
            else
                ok = k;
            last = k;
        }
        if (last)
            last->next = NULL;
        q->kids = ok;
        q->last = last;
        if (!q->kids)
            el_drop_last(m->body, q);
        return;
    }
    if (!strcmp(nm, "ul") || !strcmp(nm, "ol")) {
        if (bt_html_link_density(n) > 0.4 || inf(n)->text < 10)
            return;
        bt_xel *l = bt_html_el_new(h, m->body, nm[0] == 'o' ? "ol" : "ul",
                                   bt_html_pos(h, n));
        for (xmlNodePtr k = n->children; k; k = k->next) {
            if (!is_el(k, "li") || inf(k)->junk)
                continue;
            bt_xel *li = bt_html_el_new(h, l, "li", bt_html_pos(h, k));
            inline_into(m, k, li);
            finish_block(l, li);
        }
        if (!l->kids)
            el_drop_last(m->body, l);
        return;
    }
    if (!strcmp(nm, "figure")) {
        xmlNodePtr img = find_el(n, "img");
        xmlNodePtr cap = find_el(n, "figcaption");
        if (img)
            emit_figure(m, n, img, cap);
        return;
    }
    if (!strcmp(nm, "img")) {
        emit_figure(m, n, n, NULL);
        return;
    }
    if (!strcmp(nm, "table") &&
        bt_html_hint_match(
            n, (const char *const[]){"image", "pic", "photo", "fig", NULL})) {
        /* VnExpress/Tuổi Trẻ style: table.tplCaption with img + caption */
        xmlNodePtr img = find_el(n, "img");
        if (img) {
            xmlNodePtr cap = NULL;
            for (xmlNodePtr c = img->parent; c && c != n; c = c->parent)
                ;
            /* the caption: the last cell or p with text */
            for (xmlNodePtr r = n; r; r = NULL) {
                xmlNodePtr it = r->children;
                while (it) {
                    if (it->type == XML_ELEMENT_NODE && it->_private &&
                        (is_el(it, "p") || is_el(it, "td")) &&
                        inf(it)->text > 0 && !find_el(it, "img"))
                        cap = it;
                    if (it->children && it->type == XML_ELEMENT_NODE) {
                        it = it->children;
                        continue;
                    }
                    while (it && !it->next && it->parent != n)
                        it = it->parent;
                    it = it ? it->next : NULL;
                }
            }
            emit_figure(m, n, img, cap);
            return;
        }
    }
    if (!strcmp(nm, "div") || !strcmp(nm, "span")) {
        if (bt_html_hint_match(n, (const char *const[]){"image", "photo", "fig",
                                                        "picture", NULL})) {
            xmlNodePtr img = find_el(n, "img");
            if (img && inf(n)->text < 300) {
                xmlNodePtr cap = find_el(n, "figcaption");
                if (!cap)
                    for (xmlNodePtr k = n->children; k; k = k->next)
                        if (k->type == XML_ELEMENT_NODE && k->_private &&
                            !inf(k)->junk && inf(k)->text > 0 &&
                            !find_el(k, "img") && !is_el(k, "img"))
                            cap = k;
                emit_figure(m, n, img, cap);
                return;
            }
        }
        if (bt_html_link_density(n) > 0.6 && inf(n)->text < 500)
            return;
    }
    emit_children(m, n);
}

/* Percent-decoded copy of a relative URL path. */
static char *url_path(hx *h, const char *src)
{
    size_t n = strcspn(src, "?#");
    char *o = bt_arena_alloc(&h->ctx->arena, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (src[i] == '%' && i + 2 < n + 0 + 1 &&
            isxdigit((unsigned char)src[i + 1]) &&
            isxdigit((unsigned char)src[i + 2])) {
            char hexs[3] = {src[i + 1], src[i + 2], 0};
            o[k++] = (char)strtol(hexs, NULL, 16);
            i += 2;
        } else
            o[k++] = src[i];
    }
    o[k] = 0;
    return o;
}

static void emit_figure(em *m, xmlNodePtr fig, xmlNodePtr img, xmlNodePtr cap)
{
    hx *h = m->h;
    (void)fig;
    const char *src = bt_html_attr(img, "src");
    if (!src || !*src)
        src = bt_html_attr(img, "data-src");
    if (!src || !*src)
        return;
    bt_pos ip = bt_html_pos(h, img);
    const char *path = NULL;
    if (!strstr(src, "://") && strncmp(src, "//", 2) != 0 &&
        strncasecmp(src, "data:", 5) != 0 && src[0] != '/' && h->dir) {
        char *rel = url_path(h, src);
        const char *dot = strrchr(rel, '.');
        if (!strstr(rel, "..") && dot &&
            (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg") ||
             !strcasecmp(dot, ".png"))) {
            char *full = bt_arena_printf(&h->ctx->arena, "%s/%s", h->dir, rel);
            if (access(full, R_OK) == 0)
                path = rel;
        }
    }
    if (!path) {
        if (h->ndropped_images < 3) {
            h->drop_src[h->ndropped_images] =
                bt_html_cstr(h, bt_html_clean_c(h, src));
            h->drop_pos[h->ndropped_images] = ip;
        }
        h->ndropped_images++;
        return;
    }
    bt_xel *f = bt_html_el_new(h, m->body, "figure", bt_html_pos(h, fig));
    bt_xel *i = bt_html_el_new(h, f, "img", ip);
    bt_html_el_attr(h, i, "src", path);
    const char *alt = bt_html_attr(img, "alt");
    if (alt && *alt)
        bt_html_el_attr(h, i, "alt", bt_html_cstr(h, bt_html_clean_c(h, alt)));
    if (cap) {
        bt_xel *c = bt_html_el_new(h, f, "figcaption", bt_html_pos(h, cap));
        inline_into(m, cap, c);
        if (!finish_block(f, c))
            return;
    }
}

bt_str bt_html_block_plain(hx *h, const bt_xel *e)
{
    bt_buf b = BT_BUF_INIT;
    const bt_xel *stack[40];
    int sp = 0;
    for (const bt_xel *k = e->kids; k || sp;) {
        if (!k) {
            k = stack[--sp];
            continue;
        }
        if (!k->name)
            bt_buf_put(&b, k->text.ptr, k->text.len);
        else if (k->kids && sp < 40) {
            stack[sp++] = k->next;
            k = k->kids;
            continue;
        }
        k = k->next;
    }
    bt_str s = bt_text_trim(bt_text_normalize(
        &h->ctx->arena, (bt_str){b.data ? b.data : "", b.len}, 0));
    bt_buf_free(&b);
    return s;
}

static int all_strong(const bt_xel *p)
{
    int any = 0;
    for (const bt_xel *k = p->kids; k; k = k->next) {
        if (!k->name) {
            for (size_t i = 0; i < k->text.len; i++)
                if (k->text.ptr[i] != ' ')
                    return 0;
        } else if (!strcmp(k->name, "strong") || !strcmp(k->name, "em"))
            any = 1;
        else if (strcmp(k->name, "br") != 0)
            return 0;
    }
    return any;
}

/* ---- the whole page ------------------------------------------------- */

void bt_html_el_append(bt_xel *parent, bt_xel *e)
{
    e->parent = parent;
    e->next = NULL;
    if (parent->last)
        parent->last->next = e;
    else
        parent->kids = e;
    parent->last = e;
}

/* ---- the article ----------------------------------------------------- */

void bt_html_emit_article(em *m, xmlNodePtr article, double top)
{
    xmlNodePtr parent = article->parent;
    int siblings =
        parent && parent->_private && parent->type == XML_ELEMENT_NODE;
    for (xmlNodePtr k = siblings ? parent->children : article; k;
         k = siblings ? k->next : NULL) {
        if (k->type != XML_ELEMENT_NODE || !k->_private || inf(k)->junk)
            continue;
        if (k == article || bt_html_joins_article(k, article, top))
            emit(m, k);
    }
}

bt_xel *bt_html_take_tail(hx *h, bt_xel *body)
{
    bt_xel *credit = NULL;
    for (int round = 0; round < 2 && body->last; round++) {
        bt_xel *last = body->last;
        if (strcmp(last->name, "p") != 0)
            break;
        bt_str t = bt_html_block_plain(h, last);
        int words = bt_text_words(t);
        if (!credit && t.len > 5 && words <= 14 &&
            (strncmp(t.ptr, "Theo ", 5) == 0 ||
             strncmp(t.ptr, "(Theo ", 6) == 0 ||
             strncmp(t.ptr, "Nguồn:", 7) == 0 ||
             strncmp(t.ptr, "Nguồn ", 7) == 0)) {
            bt_str c = t;
            if (c.ptr[0] == '(' && c.ptr[c.len - 1] == ')')
                c = (bt_str){c.ptr + 1, c.len - 2};
            credit = bt_html_el_new(h, NULL, "credit", last->pos);
            bt_html_el_text(h, credit, c, last->pos);
            el_drop_last(body, last);
            continue;
        }
        if (words >= 1 && words <= 6 && t.len < 60 && all_strong(last) &&
            t.ptr[t.len - 1] != '.' && t.ptr[t.len - 1] != ':' &&
            h->nauthors < 8) {
            h->authors[h->nauthors++] = bt_html_cstr(h, t);
            el_drop_last(body, last);
            continue;
        }
        break;
    }
    return credit;
}

/* The <strong>/<em> wrappers of an all-bold paragraph, removed. */
static void unwrap_strong(bt_xel *lead)
{
    bt_xel *first = NULL, *last = NULL;
    for (bt_xel *k = lead->kids, *nx; k; k = nx) {
        nx = k->next;
        bt_xel *from = k, *to = k;
        if (k->name && !strcmp(k->name, "strong") && k->kids) {
            from = k->kids;
            to = k->last;
        }
        if (last)
            last->next = from;
        else
            first = from;
        last = to;
        for (bt_xel *q = from; q; q = q == to ? NULL : q->next)
            q->parent = lead;
    }
    if (last)
        last->next = NULL;
    lead->kids = first;
    lead->last = last;
}

bt_xel *bt_html_take_lead(em *m)
{
    hx *h = m->h;
    bt_xel *body = m->body, *lead = NULL;
    if (h->lead_node) {
        lead = bt_html_el_new(h, NULL, "lead", bt_html_pos(h, h->lead_node));
        inline_into(m, h->lead_node, lead);
        bt_str lt = bt_html_block_plain(h, lead);
        /* a sapo repeated as the first paragraph is said once */
        if (body->kids && !strcmp(body->kids->name, "p") &&
            same_text(bt_html_block_plain(h, body->kids), lt))
            body->kids = body->kids->next;
        if (!has_ink(lead))
            lead = NULL;
    } else if (body->kids && !strcmp(body->kids->name, "p") &&
               all_strong(body->kids) &&
               bt_text_words(bt_html_block_plain(h, body->kids)) >= 12) {
        lead = body->kids;
        body->kids = lead->next;
        lead->next = NULL;
        lead->name = "lead";
        unwrap_strong(lead);
    }
    body->last = body->kids;
    while (body->last && body->last->next)
        body->last = body->last->next;
    return lead;
}
