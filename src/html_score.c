/* html_score.c - which part of a saved page is the article.
 *
 * measure gives every element an info (visible characters, characters
 * inside links, commas, the cached class/id) and marks junk: tags that
 * never hold article text (nav, form, script ...), hidden elements and,
 * in the first (strict) pass, elements whose class/id carries a negative
 * hint (the tables below, English and Vietnamese). Then, as Readability
 * does, every paragraph-like element scores 1 + commas + length/100 for
 * its parent (full), grandparent (half) and further ancestors (less);
 * ancestors start from their tag and hints; the best ancestor, damped by
 * its link density, is the article. Part of read_html (html_int.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "html_int.h"
#include "arena.h"

/* ---- tag classes ---------------------------------------------------- */

static const char *const drop_tags[] = {
    "script", "style",    "noscript", "nav",    "footer", "aside",    "form",
    "iframe", "svg",      "button",   "select", "input",  "textarea", "object",
    "embed",  "template", "link",     "meta",   "head",   "canvas",   "audio",
    "video",  "map",      "dialog",   "menu",   "label",  "option",   NULL};

static const char *const block_tags[] = {
    "p",       "div",     "section", "article",    "main",   "header",
    "ul",      "ol",      "li",      "blockquote", "figure", "figcaption",
    "table",   "tbody",   "thead",   "tfoot",      "tr",     "td",
    "th",      "h1",      "h2",      "h3",         "h4",     "h5",
    "h6",      "pre",     "dl",      "dt",         "dd",     "hr",
    "center",  "address", "details", "summary",    "body",   "html",
    "caption", "hgroup",  "picture", NULL};

int bt_html_is_block(xmlNodePtr n)
{
    return n->type == XML_ELEMENT_NODE &&
           in_list((const char *)n->name, block_tags);
}

/* Class/id hints: substrings of the lower-cased class and id. */
const char *const bt_html_hint_bad[] = {
    "comment",    "share",    "social",      "related",      "lien-quan",
    "lienquan",   "tin-khac", "tinkhac",     "other-news",   "banner",
    "advert",     "ads-",     "-ads",        "quangcao",     "quang-cao",
    "sidebar",    "side-bar", "menu",        "footer",       "header",
    "breadcrumb", "popup",    "cookie",      "newsletter",   "subscribe",
    "tags",       "tag-list", "keyword",     "login",        "rating",
    "vote",       "sponsor",  "promo",       "widget",       "pagination",
    "pager",      "toolbar",  "print",       "masthead",     "hidden",
    "modal",      "outbrain", "taboola",     "disqus",       "recommend",
    "most-read",  "xem-them", "xemthem",     "doc-them",     "box-",
    "navbar",     "skip",     "author-info", "byline",       "caption-credit",
    "follow",     "facebook", "twitter",     "zalo",         "signup",
    "feedback",   "shoutbox", "sponsored",   "supplemental", "legend",
    NULL};
const char *const bt_html_hint_good[] = {
    "article",  "content", "detail", "fck",    "entry",   "post",     "story",
    "main",     "body",    "text",   "cms",    "noidung", "noi-dung", "chitiet",
    "chi-tiet", "blog",    "page",   "column", NULL};
const char *const bt_html_hint_lead[] = {
    "sapo",   "description", "lead",    "summary", "chapeau", "standfirst",
    "tomtat", "tom-tat",     "excerpt", "intro",   NULL};

static void lower_class(xmlNodePtr n, char *buf, size_t cap)
{
    size_t k = 0;
    const char *parts[2] = {bt_html_attr(n, "class"), bt_html_attr(n, "id")};
    for (int i = 0; i < 2; i++) {
        for (const char *s = parts[i]; s && *s && k + 2 < cap; s++)
            buf[k++] = (char)tolower((unsigned char)*s);
        if (k + 2 < cap)
            buf[k++] = ' ';
    }
    buf[k] = 0;
}

/* The lower-cased class and id of n, cached in its info when it has one
 * (the arena copy is made once, in measure). */
static const char *class_of(xmlNodePtr n, char *buf, size_t cap)
{
    info *i = (info *)n->_private;
    if (i && i->cls)
        return i->cls;
    lower_class(n, buf, cap);
    return buf;
}

int bt_html_hint_match(xmlNodePtr n, const char *const *list)
{
    char buf[512];
    const char *cls = class_of(n, buf, sizeof buf);
    if (!cls[0] || (cls[0] == ' ' && !cls[1]) ||
        (cls[0] == ' ' && cls[1] == ' '))
        return 0;
    for (; *list; list++)
        if (strstr(cls, *list))
            return 1;
    return 0;
}

static int class_weight(xmlNodePtr n)
{
    int w = 0;
    if (bt_html_hint_match(n, bt_html_hint_bad))
        w -= 25;
    if (bt_html_hint_match(n, bt_html_hint_good))
        w += 25;
    return w;
}

/* ---- measuring ------------------------------------------------------ */

info bt_html_unmeasured = {0, 0, 0, 0, 0, 1, NULL};

static size_t count_elements(xmlNodePtr n)
{
    size_t c = 0;
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            c += 1 + count_elements(n->children);
    return c;
}

void bt_html_alloc_infos(hx *h, xmlNodePtr root)
{
    h->capinfos = count_elements(root) + 1;
    h->infos = bt_xmalloc(h->capinfos * sizeof *h->infos);
}

static info *new_info(hx *h)
{
    if (h->ninfos == h->capinfos)
        return NULL;
    info *i = &h->infos[h->ninfos++];
    memset(i, 0, sizeof *i);
    return i;
}

/* Hidden by the page: the hidden attribute, aria-hidden="true", or a
 * style with display:none or visibility:hidden (any case and spacing). */
static int hidden(xmlNodePtr n)
{
    const char *st = bt_html_attr(n, "style");
    if (st) {
        char buf[256];
        size_t k = 0;
        for (; *st && k + 1 < sizeof buf; st++)
            if (!isspace((unsigned char)*st))
                buf[k++] = (char)tolower((unsigned char)*st);
        buf[k] = 0;
        if (strstr(buf, "display:none") || strstr(buf, "visibility:hidden"))
            return 1;
    }
    const char *ah = bt_html_attr(n, "aria-hidden");
    return bt_html_attr(n, "hidden") != NULL || (ah && strcmp(ah, "true") == 0);
}

/* Visible text length, links and commas, bottom up; marks junk. */
static void measure(hx *h, xmlNodePtr n, int in_link)
{
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) {
            const char *t = (const char *)k->content;
            size_t len = 0, commas = 0;
            for (; t && *t; t++) {
                unsigned char c = (unsigned char)*t;
                if (!isspace(c) && (c < 0x80 || c >= 0xc0))
                    len++;
                if (c == ',')
                    commas++;
            }
            inf(n)->text += len;
            inf(n)->commas += commas;
            if (in_link)
                inf(n)->links += len;
            continue;
        }
        if (k->type != XML_ELEMENT_NODE)
            continue;
        k->_private = new_info(h);
        if (k->_private &&
            (bt_html_attr(k, "class") || bt_html_attr(k, "id"))) {
            char buf[512];
            lower_class(k, buf, sizeof buf);
            inf(k)->cls = bt_arena_strdup(&h->ctx->arena, buf);
        }
        const char *nm = (const char *)k->name;
        int junk = in_list(nm, drop_tags) || hidden(k);
        if (!junk && h->strict && bt_html_hint_match(k, bt_html_hint_bad) &&
            !bt_html_hint_match(k, bt_html_hint_good) && !is_el(k, "body") &&
            !is_el(k, "article") && !is_el(k, "main") &&
            !bt_html_hint_match(k, bt_html_hint_lead))
            junk = 1;
        if (is_el(k, "header") && !junk)
            junk = 2; /* a page header: dropped unless it holds the h1 */
        inf(k)->junk = junk == 1;
        if (junk == 1) {
            if (getenv("BT_HTML_DEBUG") && !in_list(nm, drop_tags))
                fprintf(stderr, "junk <%s class=%s id=%s> line %ld\n", nm,
                        bt_html_attr(k, "class"), bt_html_attr(k, "id"),
                        xmlGetLineNo(k));
            continue;
        }
        measure(h, k, in_link || is_el(k, "a"));
        if (junk == 2) {
            int has_h1 = 0;
            for (xmlNodePtr d = k->children; d && !has_h1; d = d->next)
                has_h1 = is_el(d, "h1");
            if (!has_h1 && inf(k)->links * 2 > inf(k)->text)
                inf(k)->junk = 1;
            if (inf(k)->junk)
                continue;
        }
        inf(n)->text += inf(k)->text;
        inf(n)->links += inf(k)->links;
        inf(n)->commas += inf(k)->commas;
    }
}

double bt_html_link_density(xmlNodePtr n)
{
    info *i = inf(n);
    if (i == &bt_html_unmeasured)
        return 1.0;
    return i->text ? (double)i->links / (double)i->text : 0.0;
}

static void init_score(xmlNodePtr n)
{
    info *i = inf(n);
    if (i->scored)
        return;
    i->scored = 1;
    const char *s = (const char *)n->name;
    double base = 0;
    if (!strcmp(s, "div") || !strcmp(s, "article") || !strcmp(s, "section") ||
        !strcmp(s, "main"))
        base = 5;
    else if (!strcmp(s, "pre") || !strcmp(s, "td") || !strcmp(s, "blockquote"))
        base = 3;
    else if (!strcmp(s, "ol") || !strcmp(s, "ul") || !strcmp(s, "li") ||
             !strcmp(s, "dl") || !strcmp(s, "dd") || !strcmp(s, "address") ||
             !strcmp(s, "form"))
        base = -3;
    else if (is_heading(n) || !strcmp(s, "th"))
        base = -5;
    if (!strcmp(s, "article") || !strcmp(s, "main"))
        base += 10;
    if (bt_html_attr(n, "itemprop") &&
        strstr(bt_html_attr(n, "itemprop"), "articleBody"))
        base += 30;
    i->score = base + class_weight(n);
}

/* A "paragraph" for scoring: p, pre, td, or a div/section/span (or an li
 * that is not mostly links) holding text but no block children. */
static int scorable(xmlNodePtr n)
{
    const char *s = (const char *)n->name;
    if (!strcmp(s, "p") || !strcmp(s, "pre") || !strcmp(s, "td"))
        return 1;
    int li = !strcmp(s, "li"); /* list items written as prose */
    if (li && bt_html_link_density(n) >= 0.5)
        return 0;
    if (!li && strcmp(s, "div") && strcmp(s, "section") && strcmp(s, "span"))
        return 0;
    for (xmlNodePtr k = n->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE && bt_html_is_block(k) && !inf(k)->junk)
            return 0;
    return 1;
}

static void score_tree(hx *h, xmlNodePtr n)
{
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE || inf(k)->junk)
            continue;
        if (scorable(k) && inf(k)->text >= 25) {
            double s = 1 + (double)inf(k)->commas +
                       BT_MIN(3.0, (double)inf(k)->text / 100.0);
            int level = 0;
            for (xmlNodePtr a = k->parent;
                 a && a->type == XML_ELEMENT_NODE && level < 5;
                 a = a->parent, level++) {
                if (!a->_private)
                    break;
                init_score(a);
                double div = level == 0 ? 1 : level == 1 ? 2 : level * 3;
                inf(a)->score += s / div;
            }
        }
        score_tree(h, k);
    }
}

/* A candidate's score, damped by its link density (Readability). */
static double final_score(xmlNodePtr n)
{
    return inf(n)->scored ? inf(n)->score * (1 - bt_html_link_density(n)) : 0;
}

enum { NTOP = 5 };

/* The NTOP best scored elements, best first. */
static void top_candidates(xmlNodePtr n, xmlNodePtr *top)
{
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE || !k->_private || inf(k)->junk)
            continue;
        if (inf(k)->scored) {
            double s = final_score(k);
            for (int t = 0; t < NTOP; t++)
                if (!top[t] || s > final_score(top[t])) {
                    memmove(top + t + 1, top + t,
                            (size_t)(NTOP - 1 - t) * sizeof *top);
                    top[t] = k;
                    break;
                }
        }
        top_candidates(k, top);
    }
}

static int is_ancestor(xmlNodePtr a, xmlNodePtr n)
{
    for (xmlNodePtr p = n->parent; p; p = p->parent)
        if (p == a)
            return 1;
    return 0;
}

static int element_children(xmlNodePtr n)
{
    int c = 0;
    for (xmlNodePtr k = n->children; k; k = k->next)
        c += k->type == XML_ELEMENT_NODE;
    return c;
}

/* Readability's refinements of the best candidate: an ancestor shared by
 * three near-best candidates (text split over several boxes), a parent
 * that scores higher than the child on the way up, and a parent of which
 * the candidate is the only child (so its siblings can join). */
static xmlNodePtr refine(xmlNodePtr *top)
{
    xmlNodePtr best = top[0];
    double bs = final_score(best);
    int nalt = 0;
    for (int t = 1; t < NTOP && top[t]; t++)
        nalt += final_score(top[t]) >= 0.75 * bs;
    if (nalt >= 3) {
        for (xmlNodePtr p = best->parent;
             p && !is_el(p, "body") && p->type == XML_ELEMENT_NODE;
             p = p->parent) {
            int holds = 0;
            for (int t = 1; t < NTOP && top[t]; t++)
                holds +=
                    final_score(top[t]) >= 0.75 * bs && is_ancestor(p, top[t]);
            if (holds >= 3) {
                best = p;
                break;
            }
        }
    }
    double last = final_score(best), floor = last / 3;
    for (xmlNodePtr p = best->parent;
         p && p->type == XML_ELEMENT_NODE && !is_el(p, "body"); p = p->parent) {
        if (!p->_private || !inf(p)->scored)
            continue;
        double ps = final_score(p);
        if (ps < floor)
            break;
        if (ps > last) {
            best = p;
            break;
        }
        last = ps;
    }
    while (best->parent && best->parent->type == XML_ELEMENT_NODE &&
           !is_el(best->parent, "body") && best->parent->_private &&
           element_children(best->parent) == 1)
        best = best->parent;
    return best;
}

void bt_html_measure(hx *h, xmlNodePtr root)
{
    h->ninfos = 0;
    root->_private = new_info(h);
    measure(h, root, 0);
}

xmlNodePtr bt_html_pick_article(hx *h, xmlNodePtr root, double *out)
{
    score_tree(h, root);
    xmlNodePtr top[NTOP] = {NULL};
    top_candidates(root, top);
    double score = top[0] ? final_score(top[0]) : 0;
    xmlNodePtr best = score >= 1 ? refine(top) : NULL;
    if (best && final_score(best) > score)
        score = final_score(best);
    if (getenv("BT_HTML_DEBUG") && best)
        fprintf(stderr, "best <%s class=%s id=%s> %.1f line %ld\n", best->name,
                bt_html_attr(best, "class"), bt_html_attr(best, "id"), score,
                xmlGetLineNo(best));
    if (!best) { /* no paragraph scored: the whole <body> */
        for (xmlNodePtr k = root->children; k; k = k->next)
            if (is_el(k, "body") && inf(k)->text > 0) {
                best = k;
                score = 1;
            }
    }
    *out = score;
    return best;
}

int bt_html_joins_article(xmlNodePtr k, xmlNodePtr article, double top)
{
    double thresh = BT_MAX(10.0, top * 0.2);
    double bonus = 0; /* same class as the article */
    const char *kc = bt_html_attr(k, "class"),
               *ac = bt_html_attr(article, "class");
    if (kc && ac && *ac && !strcmp(kc, ac))
        bonus = top * 0.2;
    if (inf(k)->scored && final_score(k) + bonus >= thresh)
        return 1;
    return is_el(k, "p") && inf(k)->text > 80 && bt_html_link_density(k) < 0.25;
}
