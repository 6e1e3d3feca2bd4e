/* read_html.c - a saved web page -> an article tree (FORMATS.md §1 shape,
 * as bt_xel) that bt_read_article reads like an article XML file.
 *
 * Steps: byte checks (empty, NUL, "does it look like HTML"), charset (BOM,
 * <meta charset>, http-equiv; libxml2 converts to UTF-8), libxml2's HTML
 * parser in recover mode with no network, a nesting check, then
 *  - metadata: og:*, article:*, meta name=author, JSON-LD (json-c),
 *    <time datetime>, a Vietnamese dateline ("Thứ hai, 29/6/2022, 14:05"),
 *    <link rel=canonical>, a sapo/description element as the lead;
 *  - the body: every paragraph-like element scores 1 + commas + length/100
 *    for its parent (full), grandparent (half) and further ancestors
 *    (less); ancestors start from their tag and a class/id hint (the table
 *    `hints`, English and Vietnamese); the best ancestor, damped by its
 *    link density, is the article; siblings that score near it join it.
 *    Clutter (nav, share, "Tin liên quan", comments) is dropped by tag,
 *    by negative hints and by link density;
 *  - a short bold/right-aligned last paragraph becomes the author, a short
 *    "Theo ..." line the credit.
 * Positions: libxml2 gives each node its line; the column is that of the
 * element's "<name" on that line when found (else 1), counted in UTF-8
 * characters (bytes of other charsets count one each). Rules for users:
 * doc/html-input.md. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/encoding.h>
#include <json-c/json.h>
#include "read_html.h"
#include "read.h"
#include "text.h"
#include "buf.h"
#include "bt_limits.h"

int bt_html_is_page(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot != base &&
           (strcasecmp(dot, ".html") == 0 || strcasecmp(dot, ".htm") == 0);
}

/* ---- per-element facts ---------------------------------------------- */

typedef struct info {
    size_t text;  /* characters of visible text (bytes, roughly) */
    size_t links; /* of which inside <a> */
    size_t commas;
    double score;
    int scored;      /* score initialised */
    int junk;        /* dropped with everything inside */
    const char *cls; /* lower-cased class + id, "" when none (cached) */
} info;

typedef struct hx {
    bt_ctx *ctx;
    uint16_t file;
    const char *data; /* page bytes as read */
    size_t len;
    const char *dir;
    size_t *lines; /* byte offset of each line start (1-based index) */
    size_t nlines;
    info *infos; /* one per element, via node->_private */
    size_t ninfos, capinfos;
    xmlDocPtr doc;
    /* metadata found */
    const char *title, *og_title, *site, *url, *date, *section, *lang;
    const char *authors[8];
    int nauthors;
    xmlNodePtr lead_node, h1, byline_node;
    xmlNodePtr dateline_node;
    int ndropped_images;
    int title_made; /* the title is the first words of the text */
    bt_pos title_pos;
    xmlNodePtr *metas; /* every <meta>, in order */
    size_t nmetas, capmetas;
    int nh1;
    const char *drop_src[3];
    bt_pos drop_pos[3];
    int strict;       /* class/id hints may drop elements (first pass) */
    const char *fail; /* why build_article found nothing */
} hx;

/* Elements inside dropped ones were never measured: they read as junk. */
static info unmeasured = {0, 0, 0, 0, 0, 1, NULL};

static info *inf(xmlNodePtr n)
{
    return n->_private ? (info *)n->_private : &unmeasured;
}

static int is_el(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

static const char *attr(xmlNodePtr n, const char *name)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (a->children && strcasecmp((const char *)a->name, name) == 0)
            return (const char *)a->children->content;
    return NULL;
}

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (s[0] == (*list)[0] && strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* ---- positions ------------------------------------------------------ */

static bt_pos pos_of(hx *h, xmlNodePtr n)
{
    bt_pos p = {h->file, 1, 1};
    long line = n ? xmlGetLineNo(n) : -1;
    if (line < 1)
        return p;
    if ((size_t)line > h->nlines)
        line = (long)h->nlines;
    p.line = (uint32_t)line;
    if (n->type == XML_ELEMENT_NODE) {
        size_t a = h->lines[line - 1];
        size_t b = (size_t)line < h->nlines ? h->lines[line] : h->len;
        size_t nl = strlen((const char *)n->name);
        for (size_t i = a; i + nl + 1 <= b; i++)
            if (h->data[i] == '<' &&
                strncasecmp(h->data + i + 1, (const char *)n->name, nl) == 0) {
                uint32_t col = 1; /* characters of a UTF-8 page */
                for (size_t j = a; j < i; j++)
                    col += ((unsigned char)h->data[j] & 0xc0) != 0x80;
                p.col = col;
                break;
            }
    }
    return p;
}

static void index_lines(hx *h)
{
    size_t cap = 1024;
    h->lines = bt_xmalloc(cap * sizeof *h->lines);
    h->lines[0] = 0;
    h->nlines = 1;
    for (size_t i = 0; i < h->len; i++) {
        int end =
            h->data[i] == '\n' ||
            (h->data[i] == '\r' && !(i + 1 < h->len && h->data[i + 1] == '\n'));
        if (!end)
            continue;
        if (h->nlines == cap) {
            cap *= 2;
            h->lines = bt_xrealloc(h->lines, cap * sizeof *h->lines);
        }
        h->lines[h->nlines++] = i + 1;
    }
}

static bt_pos pos_off(hx *h, size_t off)
{
    bt_pos p = {h->file, 1, 1};
    bt_text_linecol(h->data, off, &p.line, &p.col);
    return p;
}

/* ---- text ----------------------------------------------------------- */

/* Valid, NFC, collapsed UTF-8 from libxml2 text: invalid bytes become
 * U+FFFD, C0 controls spaces. */
static bt_str clean(hx *h, const char *s, size_t n)
{
    bt_buf b = BT_BUF_INIT;
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        unsigned c = *p;
        if (c < 0x80) {
            bt_buf_putc(&b, c < 0x20 || c == 0x7f ? ' ' : (int)c);
            p++;
            continue;
        }
        int k = c >= 0xf0 && c <= 0xf4  ? 4
                : c >= 0xe0 && c < 0xf0 ? 3
                : c >= 0xc2 && c < 0xe0 ? 2
                                        : 0;
        uint32_t cp = k == 2 ? c & 0x1f : k == 3 ? c & 0x0f : c & 0x07;
        int ok = k && p + k <= e;
        for (int i = 1; ok && i < k; i++) {
            if ((p[i] & 0xc0) != 0x80)
                ok = 0;
            else
                cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (ok && ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
                   (k == 4 && (cp < 0x10000 || cp > 0x10ffff))))
            ok = 0;
        if (!ok) {
            bt_buf_put(&b, "\xef\xbf\xbd", 3); /* U+FFFD */
            p++;
            continue;
        }
        if (cp >= 0x80 && cp < 0xa0)
            bt_buf_putc(&b, ' ');
        else if (cp == 0xfffe || cp == 0xffff)
            bt_buf_put(&b, "\xef\xbf\xbd", 3); /* U+FFFD */
        else
            bt_buf_put(&b, p, (size_t)k);
        p += k;
    }
    bt_str raw = {b.data ? b.data : "", b.len};
    bt_str out = bt_text_normalize(&h->ctx->arena, raw, 0);
    bt_buf_free(&b);
    return out;
}

static bt_str clean_c(hx *h, const char *s)
{
    return bt_text_trim(clean(h, s, strlen(s)));
}

static const char *cstr(hx *h, bt_str s)
{
    return bt_arena_strndup(&h->ctx->arena, s.ptr ? s.ptr : "", s.len);
}

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

static int is_block(xmlNodePtr n)
{
    return n->type == XML_ELEMENT_NODE &&
           in_list((const char *)n->name, block_tags);
}

static int is_heading(xmlNodePtr n)
{
    const char *s = (const char *)n->name;
    return n->type == XML_ELEMENT_NODE && s[0] == 'h' && s[1] >= '1' &&
           s[1] <= '6' && !s[2];
}

/* Class/id hints: substrings of the lower-cased class and id. */
static const char *const hint_bad[] = {
    "comment",      "share",     "social",      "related",    "lien-quan",
    "lienquan",     "tin-khac",  "tinkhac",     "other-news", "banner",
    "advert",       "ads-",      "-ads",        "quangcao",   "quang-cao",
    "sidebar",      "side-bar",  "menu",        "footer",     "header",
    "breadcrumb",   "popup",     "cookie",      "newsletter", "subscribe",
    "tags",         "tag-list",  "keyword",     "login",      "rating",
    "vote",         "sponsor",   "promo",       "widget",     "pagination",
    "pager",        "toolbar",   "print",       "masthead",   "hidden",
    "modal",        "outbrain",  "taboola",     "disqus",     "recommend",
    "most-read",    "xem-them",  "xemthem",     "doc-them",   "box-",
    "navbar",       "skip",      "author-info", "byline",     "caption-credit",
    "readmore",     "read-more", "follow",      "facebook",   "twitter",
    "zalo",         "signup",    "feedback",    "shoutbox",   "sponsored",
    "supplemental", "legend",    NULL};
static const char *const hint_good[] = {
    "article",  "content", "detail", "fck",    "entry",   "post",     "story",
    "main",     "body",    "text",   "cms",    "noidung", "noi-dung", "chitiet",
    "chi-tiet", "blog",    "page",   "column", NULL};
static const char *const hint_lead[] = {
    "sapo",   "description", "lead",    "summary", "chapeau", "standfirst",
    "tomtat", "tom-tat",     "excerpt", "intro",   NULL};

static void lower_class(xmlNodePtr n, char *buf, size_t cap)
{
    size_t k = 0;
    const char *parts[2] = {attr(n, "class"), attr(n, "id")};
    for (int i = 0; i < 2; i++) {
        for (const char *s = parts[i]; s && *s && k + 2 < cap; s++)
            buf[k++] = (char)tolower((unsigned char)*s);
        if (k + 2 < cap)
            buf[k++] = ' ';
    }
    buf[k] = 0;
}

static bt_arena *cls_arena; /* the build arena, for cached class strings */

static int hint_match(xmlNodePtr n, const char *const *list)
{
    char buf[512];
    const char *cls;
    info *i = (info *)n->_private;
    if (i && i->cls) {
        cls = i->cls;
    } else {
        lower_class(n, buf, sizeof buf);
        cls = buf;
        if (i && cls_arena)
            i->cls = bt_arena_strdup(cls_arena, buf);
    }
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
    if (hint_match(n, hint_bad))
        w -= 25;
    if (hint_match(n, hint_good))
        w += 25;
    return w;
}

/* ---- passes --------------------------------------------------------- */

/* Depth check, without recursion. Returns the first too-deep element. */
static xmlNodePtr too_deep(xmlNodePtr root)
{
    int depth = 0;
    xmlNodePtr n = root;
    while (n) {
        if (n->type == XML_ELEMENT_NODE && depth > BT_MAX_XML_DEPTH)
            return n;
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            depth++;
            continue;
        }
        while (n && !n->next && n != root) {
            n = n->parent;
            depth--;
        }
        if (!n || n == root)
            break;
        n = n->next;
    }
    return NULL;
}

static info *new_info(hx *h)
{
    if (h->ninfos == h->capinfos)
        return NULL;
    info *i = &h->infos[h->ninfos++];
    memset(i, 0, sizeof *i);
    return i;
}

static size_t count_elements(xmlNodePtr n)
{
    size_t c = 0;
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            c += 1 + count_elements(n->children);
    return c;
}

static int hidden(xmlNodePtr n)
{
    const char *st = attr(n, "style");
    if (st && (strstr(st, "display:none") || strstr(st, "display: none")))
        return 1;
    return attr(n, "hidden") != NULL ||
           (attr(n, "aria-hidden") &&
            strcmp(attr(n, "aria-hidden"), "true") == 0);
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
        const char *nm = (const char *)k->name;
        int junk = in_list(nm, drop_tags) || hidden(k);
        if (!junk && h->strict && hint_match(k, hint_bad) &&
            !hint_match(k, hint_good) && !is_el(k, "body") &&
            !is_el(k, "article") && !is_el(k, "main") &&
            !hint_match(k, hint_lead))
            junk = 1;
        if (is_el(k, "header") && !junk)
            junk = 2; /* a page header: dropped unless it holds the h1 */
        inf(k)->junk = junk == 1;
        if (junk == 1) {
            if (getenv("BT_HTML_DEBUG") && !in_list(nm, drop_tags))
                fprintf(stderr, "junk <%s class=%s id=%s> line %ld\n", nm,
                        attr(k, "class"), attr(k, "id"), xmlGetLineNo(k));
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

static double link_density(xmlNodePtr n)
{
    info *i = inf(n);
    if (i == &unmeasured)
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
    if (attr(n, "itemprop") && strstr(attr(n, "itemprop"), "articleBody"))
        base += 30;
    i->score = base + class_weight(n);
}

/* A "paragraph" for scoring: p, pre, td, or a div/section holding text
 * but no block children. */
static int scorable(xmlNodePtr n)
{
    const char *s = (const char *)n->name;
    if (!strcmp(s, "p") || !strcmp(s, "pre") || !strcmp(s, "td"))
        return 1;
    if (strcmp(s, "div") && strcmp(s, "section") && strcmp(s, "span"))
        return 0;
    for (xmlNodePtr k = n->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE && is_block(k) && !inf(k)->junk)
            return 0;
    return 1;
}

static xmlNodePtr best;

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

static void pick_best(xmlNodePtr n, double *top)
{
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE || !k->_private || inf(k)->junk)
            continue;
        if (inf(k)->scored) {
            double s = inf(k)->score * (1 - link_density(k));
            if (s > *top) {
                *top = s;
                best = k;
            }
        }
        pick_best(k, top);
    }
}

/* ---- metadata ------------------------------------------------------- */

/* Collects every <meta> once (they may sit in <body> too, as itemprop). */
static void collect_metas(hx *h, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_el(n, "meta")) {
            if (h->nmetas == h->capmetas) {
                h->capmetas = h->capmetas ? 2 * h->capmetas : 64;
                h->metas =
                    bt_xrealloc(h->metas, h->capmetas * sizeof *h->metas);
            }
            h->metas[h->nmetas++] = n;
        }
        collect_metas(h, n->children);
    }
}

static const char *meta_value(hx *h, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < h->nmetas; i++) {
        xmlNodePtr n = h->metas[i];
        const char *k = attr(n, "property");
        if (!k)
            k = attr(n, "name");
        if (!k)
            k = attr(n, "itemprop");
        const char *c = attr(n, "content");
        for (const char *t = k; t && *t;) { /* space-separated names */
            while (*t == ' ')
                t++;
            size_t tl = strcspn(t, " ");
            if (c && *c && tl == kl && strncasecmp(t, key, kl) == 0)
                return c;
            t += tl;
        }
    }
    return NULL;
}

static void add_author(hx *h, const char *name)
{
    if (!name || h->nauthors == 8)
        return;
    bt_str s = clean_c(h, name);
    if (!s.len || s.len > 80 || strncmp(s.ptr, "http", 4) == 0)
        return;
    for (int i = 0; i < h->nauthors; i++)
        if (strcmp(h->authors[i], cstr(h, s)) == 0)
            return;
    h->authors[h->nauthors++] = cstr(h, s);
}

static void ld_authors(hx *h, json_object *a)
{
    if (!a)
        return;
    if (json_object_is_type(a, json_type_string))
        add_author(h, json_object_get_string(a));
    else if (json_object_is_type(a, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(a); i++)
            ld_authors(h, json_object_array_get_idx(a, i));
    } else if (json_object_is_type(a, json_type_object)) {
        json_object *nm;
        if (json_object_object_get_ex(a, "name", &nm) &&
            json_object_is_type(nm, json_type_string))
            add_author(h, json_object_get_string(nm));
    }
}

static const char *ld_str(json_object *o, const char *key)
{
    json_object *v;
    if (json_object_object_get_ex(o, key, &v) &&
        json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static int ld_is_article(json_object *o)
{
    json_object *t;
    if (!json_object_object_get_ex(o, "@type", &t))
        return 0;
    const char *s = NULL;
    if (json_object_is_type(t, json_type_string))
        s = json_object_get_string(t);
    else if (json_object_is_type(t, json_type_array) &&
             json_object_array_length(t) > 0)
        s = json_object_get_string(json_object_array_get_idx(t, 0));
    return s && (strstr(s, "Article") || strstr(s, "Posting") ||
                 strstr(s, "Report"));
}

static void ld_object(hx *h, json_object *o, int depth)
{
    if (!o || depth > 4)
        return;
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            ld_object(h, json_object_array_get_idx(o, i), depth + 1);
        return;
    }
    if (!json_object_is_type(o, json_type_object))
        return;
    json_object *g;
    if (json_object_object_get_ex(o, "@graph", &g))
        ld_object(h, g, depth + 1);
    if (!ld_is_article(o))
        return;
    const char *s;
    const char *hl = ld_str(o, "headline"), *nm = ld_str(o, "name");
    if (!h->title)
        h->title = nm && *nm ? nm : hl && *hl ? hl : NULL;
    if (!h->date && (s = ld_str(o, "datePublished")))
        h->date = s;
    if (!h->section && (s = ld_str(o, "articleSection")))
        h->section = s;
    json_object *a;
    if (!h->nauthors && json_object_object_get_ex(o, "author", &a))
        ld_authors(h, a);
    json_object *p;
    if (!h->site && json_object_object_get_ex(o, "publisher", &p) &&
        json_object_is_type(p, json_type_object) && (s = ld_str(p, "name")))
        h->site = s;
}

/* JSON-LD objects live as long as the page; strings are copied. */
static void json_ld(hx *h, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_el(n, "script")) {
            const char *t = attr(n, "type");
            if (t && strcasecmp(t, "application/ld+json") == 0 && n->children &&
                n->children->content) {
                json_object *o =
                    json_tokener_parse((const char *)n->children->content);
                if (o) {
                    const char *t0 = h->title, *d0 = h->date, *s0 = h->site,
                               *c0 = h->section;
                    ld_object(h, o, 0);
                    if (h->title != t0)
                        h->title = bt_arena_strdup(&h->ctx->arena, h->title);
                    if (h->date != d0)
                        h->date = bt_arena_strdup(&h->ctx->arena, h->date);
                    if (h->site != s0)
                        h->site = bt_arena_strdup(&h->ctx->arena, h->site);
                    if (h->section != c0)
                        h->section =
                            bt_arena_strdup(&h->ctx->arena, h->section);
                    json_object_put(o);
                }
            }
            continue;
        }
        json_ld(h, n->children);
    }
}

/* Text of an element (all descendants, no junk filter), cleaned. */
static void raw_text(xmlNodePtr n, bt_buf *b)
{
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (k->type == XML_TEXT_NODE && k->content)
            bt_buf_puts(b, (const char *)k->content);
        else if (k->type == XML_ELEMENT_NODE && !is_el(k, "script") &&
                 !is_el(k, "style")) {
            if (is_el(k, "br") || is_block(k))
                bt_buf_putc(b, ' ');
            raw_text(k, b);
        }
    }
}

static bt_str node_text(hx *h, xmlNodePtr n)
{
    bt_buf b = BT_BUF_INIT;
    raw_text(n, &b);
    bt_str s = bt_text_trim(clean(h, b.data ? b.data : "", b.len));
    bt_buf_free(&b);
    return s;
}

/* d/m/yyyy (or d-m-yyyy) anywhere in s -> "YYYY-MM-DD" */
static const char *find_dmy(hx *h, bt_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        if (!isdigit((unsigned char)s.ptr[i]) ||
            (i > 0 && isdigit((unsigned char)s.ptr[i - 1])))
            continue;
        int v[3] = {0, 0, 0}, k = 0;
        size_t j = i;
        char sep = 0;
        while (k < 3 && j < s.len) {
            int digits = 0;
            while (j < s.len && isdigit((unsigned char)s.ptr[j]) &&
                   digits < 5) {
                v[k] = v[k] * 10 + (s.ptr[j++] - '0');
                digits++;
            }
            if (!digits || (k < 2 && digits > 2) || (k == 2 && digits != 4))
                break;
            k++;
            if (k < 3) {
                if (j >= s.len || (s.ptr[j] != '/' && s.ptr[j] != '-') ||
                    (sep && s.ptr[j] != sep))
                    break;
                sep = s.ptr[j++];
            }
        }
        if (k == 3 && (j >= s.len || !isdigit((unsigned char)s.ptr[j]))) {
            char *d = bt_arena_printf(&h->ctx->arena, "%04d-%02d-%02d", v[2],
                                      v[1], v[0]);
            bt_date dt;
            if (bt_date_parse((bt_str){d, 10}, &dt) == 0)
                return d;
        }
    }
    return NULL;
}

static const char *iso_date(hx *h, const char *s)
{
    if (!s)
        return NULL;
    while (isspace((unsigned char)*s))
        s++;
    if (strlen(s) < 10)
        return NULL;
    bt_date dt;
    if (bt_date_parse((bt_str){s, 10}, &dt) != 0)
        return NULL;
    return bt_arena_strndup(&h->ctx->arena, s, 10);
}

static int inside(xmlNodePtr n, xmlNodePtr anc)
{
    for (xmlNodePtr p = n->parent; p; p = p->parent)
        if (p == anc)
            return 1;
    return 0;
}

/* Walks the whole tree for h1, <time>, byline, dateline and lead. */
static void scan_page(hx *h, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_el(n, "script") || is_el(n, "style"))
            continue;
        if (is_el(n, "h1") && !(n->_private && inf(n)->junk)) {
            if (!h->h1)
                h->h1 = n;
            h->nh1++;
        }
        if (is_el(n, "time") && !h->date) {
            const char *d = iso_date(h, attr(n, "datetime"));
            if (d)
                h->date = d;
        }
        const char *rel = attr(n, "rel"), *ip = attr(n, "itemprop");
        if ((!h->byline_node || inside(n, h->byline_node)) &&
            ((rel && strcmp(rel, "author") == 0) ||
             (ip && strcmp(ip, "author") == 0) ||
             ((attr(n, "class") || attr(n, "id")) &&
              hint_match(n, (const char *const[]){"byline", "author", "tac-gia",
                                                  "tacgia", NULL})))) {
            bt_str t = node_text(h, n);
            if (t.len >= 3 && t.len < 80 && bt_text_words(t) <= 8)
                h->byline_node = n;
        }
        if (!h->dateline_node && (attr(n, "class") || attr(n, "id")) &&
            hint_match(n, (const char *const[]){"date", "time", "publish",
                                                "ngay", NULL})) {
            bt_str t = node_text(h, n);
            if (t.len < 120 && find_dmy(h, t))
                h->dateline_node = n;
        }
        if (!h->lead_node && !is_heading(n) && !is_el(n, "meta") &&
            (attr(n, "class") || attr(n, "id")) && hint_match(n, hint_lead) &&
            !hint_match(n, (const char *const[]){"content", "body", NULL})) {
            bt_str t = node_text(h, n);
            if (t.len >= 40 && t.len < 1500 && n->_private && !inf(n)->junk &&
                link_density(n) < 0.3)
                h->lead_node = n;
        } else if (!h->lead_node && is_heading(n) && hint_match(n, hint_lead)) {
            bt_str t = node_text(h, n);
            if (t.len >= 40 && t.len < 1500)
                h->lead_node = n;
        }
        scan_page(h, n->children);
    }
}

/* The headline in a <title> (after Readability's rule): with " | ",
 * " - ", " / ", " > " or " » " separators, the part before the last one
 * (or, when that has under 3 words, after the first); a result of 4 words
 * or fewer keeps the whole title. */
static int is_sep_at(const char *p, const char *end, size_t *len)
{
    static const char *const seps[] = {" | ", " - ", " \\ ", " / ",
                                       " > ", " » ", NULL};
    for (int i = 0; seps[i]; i++) {
        size_t n = strlen(seps[i]);
        if ((size_t)(end - p) >= n && memcmp(p, seps[i], n) == 0) {
            *len = n;
            return 1;
        }
    }
    return 0;
}

static bt_str strip_site(bt_str t)
{
    if (!t.ptr)
        return t;
    const char *end = t.ptr + t.len, *first = NULL, *last = NULL;
    size_t flen = 0, llen = 0, n;
    for (const char *p = t.ptr; p < end; p++)
        if (is_sep_at(p, end, &n)) {
            if (!first) {
                first = p;
                flen = n;
            }
            last = p;
            llen = n;
        }
    if (!last)
        return t;
    bt_str cur = {t.ptr, (size_t)(last - t.ptr)};
    if (bt_text_words(cur) < 3)
        cur = (bt_str){first + flen, (size_t)(end - first - flen)};
    (void)llen;
    int hier = 0;
    for (const char *p = t.ptr; p + 3 <= end; p++)
        if (p[0] == ' ' && (p[1] == '/' || p[1] == '>' || p[1] == '\\') &&
            p[2] == ' ')
            hier = 1;
    int cw = bt_text_words(cur), ow = bt_text_words(t);
    if (cw <= 4 && (!hier || cw != ow - 1))
        return t;
    return cur;
}

/* ---- output tree ---------------------------------------------------- */

static bt_xel *el_new(hx *h, bt_xel *parent, const char *name, bt_pos pos)
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

static void el_attr(hx *h, bt_xel *e, const char *name, const char *value)
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

static void el_text(hx *h, bt_xel *parent, bt_str s, bt_pos pos)
{
    if (!s.len)
        return;
    bt_xel *t = el_new(h, parent, NULL, pos);
    t->text = s;
}

static void field(hx *h, bt_xel *meta, const char *name, bt_str s, bt_pos pos)
{
    if (!s.len)
        return;
    el_text(h, el_new(h, meta, name, pos), s, pos);
}

/* ---- body ----------------------------------------------------------- */

typedef struct em {
    hx *h;
    bt_xel *body;
    bt_xel *para; /* open paragraph for loose inline content */
    int depth;    /* inline element depth */
    bt_str title; /* to skip the headline inside the body */
} em;

static int link_url_ok(const char *href)
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
                el_text(h, out,
                        clean(h, (const char *)k->content,
                              strlen((const char *)k->content)),
                        pos_of(h, k->parent));
            continue;
        }
        if (k->type != XML_ELEMENT_NODE || (k->_private && inf(k)->junk))
            continue;
        const char *nm = (const char *)k->name;
        if (!strcmp(nm, "br")) {
            el_new(h, out, "br", pos_of(h, k));
            continue;
        }
        if (!strcmp(nm, "img"))
            continue;
        const char *tag = NULL;
        if (!strcmp(nm, "em") || !strcmp(nm, "i") || !strcmp(nm, "cite"))
            tag = "em";
        else if (!strcmp(nm, "strong") || !strcmp(nm, "b"))
            tag = "strong";
        else if (!strcmp(nm, "a") && link_url_ok(attr(k, "href")))
            tag = "a";
        if (tag && m->depth < BT_MAX_INLINE_DEPTH - 2) {
            bt_xel *e = el_new(h, out, tag, pos_of(h, k));
            if (!strcmp(tag, "a")) {
                bt_str u = clean_c(h, attr(k, "href"));
                el_attr(h, e, "href", cstr(h, u));
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
            if (is_block(k))
                el_text(h, out, (bt_str){" ", 1}, pos_of(h, k));
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
    return node_text(m->h, n);
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
            bt_str t = clean(m->h, (const char *)k->content,
                             k->content ? strlen((const char *)k->content) : 0);
            if (!bt_text_trim(t).len && !m->para)
                continue;
            if (!m->para)
                m->para = el_new(m->h, m->body, "p", pos_of(m->h, n));
            el_text(m->h, m->para, t, pos_of(m->h, n));
            continue;
        }
        if (k->type != XML_ELEMENT_NODE)
            continue;
        if (!is_block(k) && !is_el(k, "img") && !is_el(k, "br") &&
            !(k->_private && inf(k)->junk)) {
            if (!m->para)
                m->para = el_new(m->h, m->body, "p", pos_of(m->h, k));
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
            while (q && q->type == XML_TEXT_NODE && q->content &&
                   !bt_text_trim(clean(m->h, (const char *)q->content,
                                       strlen((const char *)q->content)))
                        .len)
                q = q->next;
            if (q && is_el(q, "br")) {
                flush_para(m);
                k = q;
            } else if (m->para)
                el_new(m->h, m->para, "br", pos_of(m->h, k));
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
    if (h->strict && hint_match(n, hint_bad) && !hint_match(n, hint_good) &&
        !hint_match(n, hint_lead))
        return;
    if (!strcmp(nm, "p") || is_heading(n) || !strcmp(nm, "pre") ||
        !strcmp(nm, "dt") || !strcmp(nm, "dd")) {
        double ld = link_density(n);
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
        bt_xel *e = el_new(h, m->body, tag, pos_of(h, n));
        inline_into(m, n, e);
        finish_block(m->body, e);
        return;
    }
    if (!strcmp(nm, "blockquote")) {
        if (link_density(n) > 0.5)
            return;
        bt_xel *q = el_new(h, m->body, "blockquote", pos_of(h, n));
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
        if (link_density(n) > 0.4 || inf(n)->text < 10)
            return;
        bt_xel *l =
            el_new(h, m->body, nm[0] == 'o' ? "ol" : "ul", pos_of(h, n));
        for (xmlNodePtr k = n->children; k; k = k->next) {
            if (!is_el(k, "li") || inf(k)->junk)
                continue;
            bt_xel *li = el_new(h, l, "li", pos_of(h, k));
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
        hint_match(
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
        if (hint_match(n, (const char *const[]){"image", "photo", "fig",
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
        if (link_density(n) > 0.6 && inf(n)->text < 500)
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
    const char *src = attr(img, "src");
    if (!src || !*src)
        src = attr(img, "data-src");
    if (!src || !*src)
        return;
    bt_pos ip = pos_of(h, img);
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
            h->drop_src[h->ndropped_images] = cstr(h, clean_c(h, src));
            h->drop_pos[h->ndropped_images] = ip;
        }
        h->ndropped_images++;
        return;
    }
    bt_xel *f = el_new(h, m->body, "figure", pos_of(h, fig));
    bt_xel *i = el_new(h, f, "img", ip);
    el_attr(h, i, "src", path);
    const char *alt = attr(img, "alt");
    if (alt && *alt)
        el_attr(h, i, "alt", cstr(h, clean_c(h, alt)));
    if (cap) {
        bt_xel *c = el_new(h, f, "figcaption", pos_of(h, cap));
        inline_into(m, cap, c);
        if (!finish_block(f, c))
            return;
    }
}

/* ---- after extraction ----------------------------------------------- */

static bt_str block_plain(hx *h, const bt_xel *e)
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

static const char *sniff_charset(const char *d, size_t n, size_t *at)
{
    size_t lim = BT_MIN(n, (size_t)8192);
    for (size_t i = 0; i + 8 < lim; i++) {
        if (strncasecmp(d + i, "charset", 7) != 0)
            continue;
        size_t j = i + 7;
        while (j < lim && (d[j] == ' ' || d[j] == '\t'))
            j++;
        if (j >= lim || d[j] != '=')
            continue;
        j++;
        while (j < lim && (d[j] == ' ' || d[j] == '"' || d[j] == '\''))
            j++;
        size_t s = j;
        while (j < lim && (isalnum((unsigned char)d[j]) || d[j] == '-' ||
                           d[j] == '_' || d[j] == ':' || d[j] == '.'))
            j++;
        if (j > s && j - s < 40) {
            /* only inside a <meta ...> tag */
            size_t b = i;
            while (b > 0 && d[b] != '<' && d[b] != '>')
                b--;
            if (d[b] != '<' || strncasecmp(d + b, "<meta", 5) != 0)
                continue;
            static char name[48];
            memcpy(name, d + s, j - s);
            name[j - s] = 0;
            *at = s;
            return name;
        }
    }
    return NULL;
}

static int valid_utf8_with_multibyte(const char *d, size_t n)
{
    const unsigned char *p = (const unsigned char *)d, *e = p + n;
    int multi = 0;
    while (p < e) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        int k = *p >= 0xf0 && *p <= 0xf4  ? 4
                : *p >= 0xe0 && *p < 0xf0 ? 3
                : *p >= 0xc2 && *p < 0xe0 ? 2
                                          : 0;
        if (!k || p + k > e)
            return 0;
        for (int i = 1; i < k; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        multi = 1;
        p += k;
    }
    return multi;
}

static void quiet_errors(void *c, const char *msg, ...)
{
    (void)c;
    (void)msg;
}

static int looks_like_html(const char *d, size_t n)
{
    size_t i = 0;
    while (i < n && (isspace((unsigned char)d[i])))
        i++;
    if (i >= n || d[i] != '<')
        return 0;
    size_t lim = BT_MIN(n, (size_t)65536);
    static const char *const tags[] = {
        "<html", "<body",    "<head",          "<p",
        "<div",  "<article", "<!doctype html", NULL};
    for (size_t k = i; k < lim; k++)
        if (d[k] == '<')
            for (int t = 0; tags[t]; t++)
                if (k + strlen(tags[t]) <= lim &&
                    strncasecmp(d + k, tags[t], strlen(tags[t])) == 0)
                    return 1;
    return 0;
}

static bt_xel *build_article(hx *h, xmlNodePtr root);

static size_t ink_chars(const bt_xel *e)
{
    size_t n = 0;
    for (const bt_xel *k = e->kids; k; k = k->next)
        n += k->name ? (strcmp(k->name, "meta") ? ink_chars(k) : 0)
                     : k->text.len;
    return n;
}

static void reset_private(xmlNodePtr n)
{
    for (; n; n = n->next) {
        n->_private = NULL;
        if (n->type == XML_ELEMENT_NODE)
            reset_private(n->children);
    }
}

static int contains(bt_str hay, bt_str needle)
{
    for (size_t i = 0; needle.len && i + needle.len <= hay.len; i++)
        if (memcmp(hay.ptr + i, needle.ptr, needle.len) == 0)
            return 1;
    return 0;
}

bt_xel *bt_html_extract(bt_ctx *ctx, uint16_t file, const char *data,
                        size_t len, const char *dir)
{
    hx H;
    memset(&H, 0, sizeof H);
    hx *h = &H;
    h->ctx = ctx;
    h->file = file;
    h->data = data ? data : "";
    h->len = len;
    h->dir = dir;
    bt_pos fpos = bt_pos_file(file);
    if (len == 0) {
        bt_error(ctx, (bt_pos){file, 1, 1}, "empty file");
        return NULL;
    }
    if (len > BT_MAX_INPUT_BYTES) {
        bt_error(ctx, fpos, "file is larger than 64 MiB");
        return NULL;
    }
    const char *enc = NULL;
    size_t skip = 0;
    int utf16 = 0;
    const unsigned char *u = (const unsigned char *)h->data;
    if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
        enc = "UTF-8";
        skip = 3;
    } else if (len >= 2 && u[0] == 0xff && u[1] == 0xfe) {
        enc = "UTF-16LE";
        utf16 = 1;
    } else if (len >= 2 && u[0] == 0xfe && u[1] == 0xff) {
        enc = "UTF-16BE";
        utf16 = 1;
    }
    if (!utf16) {
        const char *nul = memchr(h->data, 0, len);
        if (nul) {
            bt_error(ctx, pos_off(h, (size_t)(nul - h->data)),
                     "NUL byte in an HTML page");
            return NULL;
        }
        if (!looks_like_html(h->data + skip, len - skip)) {
            bt_error(ctx, (bt_pos){file, 1, 1},
                     "not an HTML page (no <html>, <body> or other HTML tag at "
                     "the start)");
            return NULL;
        }
        size_t at = 0;
        const char *cs = sniff_charset(h->data, len, &at);
        if (!enc && cs && strcasecmp(cs, "utf-8") && strcasecmp(cs, "utf8") &&
            valid_utf8_with_multibyte(h->data, len))
            cs = "UTF-8"; /* saved pages are often re-encoded, meta kept */
        if (!enc && cs) {
            if (!strcasecmp(cs, "utf8"))
                cs = "UTF-8";
            xmlCharEncodingHandlerPtr eh = xmlFindCharEncodingHandler(cs);
            if (!eh) {
                bt_error(ctx, pos_off(h, at), "unknown charset '%s'", cs);
                return NULL;
            }
            xmlCharEncCloseFunc(eh);
            enc = cs;
        }
        if (!enc)
            enc = "UTF-8";
    }
    index_lines(h);
    int opts = HTML_PARSE_NONET | HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
               HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT;
    xmlSetGenericErrorFunc(NULL, quiet_errors);
    htmlParserCtxtPtr pc = htmlNewParserCtxt();
    if (!pc) {
        bt_error(ctx, fpos, "out of memory");
        free(h->lines);
        return NULL;
    }
    h->doc = htmlCtxtReadMemory(pc, h->data + skip, (int)(len - skip), NULL,
                                enc, opts);
    /* libxml2 stops at 256 levels of nesting (it says "Excessive depth") */
    int deep_stop = pc->lastError.code == XML_ERR_INTERNAL_ERROR &&
                    pc->lastError.message &&
                    strstr(pc->lastError.message, "depth");
    bt_pos deep_pos = {
        file, pc->lastError.line > 0 ? (uint32_t)pc->lastError.line : 1, 1};
    if (pc->lastError.int2 > 0)
        deep_pos.col = (uint32_t)pc->lastError.int2;
    htmlFreeParserCtxt(pc);
    xmlSetGenericErrorFunc(NULL, NULL);
    bt_xel *out = NULL;
    xmlNodePtr root = h->doc ? xmlDocGetRootElement(h->doc) : NULL;
    if (!root) {
        bt_error(ctx, (bt_pos){file, 1, 1},
                 "not an HTML page (nothing parsed)");
        goto done;
    }
    if (deep_stop) {
        bt_error(ctx, deep_pos, "elements nested deeper than %d",
                 BT_MAX_XML_DEPTH);
        goto done;
    }
    xmlNodePtr deep = too_deep(root);
    if (deep) {
        bt_error(ctx, pos_of(h, deep), "elements nested deeper than %d",
                 BT_MAX_XML_DEPTH);
        goto done;
    }
    h->capinfos = count_elements(root) + 1;
    h->infos = bt_xmalloc(h->capinfos * sizeof *h->infos);
    /* first pass with class/id hints; when it finds little, a second
     * without them (Readability's retry), keeping the longer result */
    hx fresh = *h;
    h->strict = 1;
    out = build_article(h, root);
    size_t got = out ? ink_chars(out) : 0;
    if (got < 500) {
        hx first = *h;
        *h = fresh;
        h->metas = first.metas; /* same <meta>s: no realloc in pass 2 */
        h->capmetas = first.capmetas;
        h->strict = 0;
        reset_private(root);
        bt_xel *out2 = build_article(h, root);
        if (out2 && ink_chars(out2) > got)
            out = out2;
        else
            *h = first;
    }
    if (!out)
        bt_error(ctx, (bt_pos){file, 1, 1}, "%s", h->fail);
    if (out && h->title_made)
        bt_warning(ctx, h->title_pos,
                   "the page names no title: the first "
                   "words of its text stand in (edit the imported <title>)");
    for (int i = 0; out && i < h->ndropped_images && i < 3; i++)
        bt_note(ctx, h->drop_pos[i],
                "image '%.80s' dropped: not a JPEG/PNG "
                "saved with the page (bantin never fetches)",
                h->drop_src[i]);
    if (out && h->ndropped_images > 3)
        bt_note(ctx, h->drop_pos[2], "%d more images dropped",
                h->ndropped_images - 3);
done:
    if (h->doc)
        xmlFreeDoc(h->doc);
    free(h->infos);
    free(h->lines);
    free(h->metas);
    return out;
}

/* Words of a that also occur in b (as substrings). */
static int shared_words(bt_str a, bt_str b)
{
    int n = 0;
    for (size_t i = 0; i < a.len;) {
        while (i < a.len && a.ptr[i] == ' ')
            i++;
        size_t j = i;
        while (j < a.len && a.ptr[j] != ' ')
            j++;
        if (j > i && contains(b, (bt_str){a.ptr + i, j - i}))
            n++;
        i = j;
    }
    return n;
}

static bt_xel *build_article(hx *h, xmlNodePtr root)
{
    h->ninfos = 0;
    best = NULL;
    cls_arena = &h->ctx->arena;
    root->_private = new_info(h);
    measure(h, root, 0);
    /* metadata */
    h->lang = attr(root, "lang");
    json_ld(h, root);
    h->nmetas = 0;
    collect_metas(h, root);
    const char *s;
    /* page metadata titles, in Readability's order, taken as written */
    static const char *const title_keys[] = {"dc:title",
                                             "dc.title",
                                             "dcterm:title",
                                             "og:title",
                                             "weibo:article:title",
                                             "weibo:webpage:title",
                                             "title",
                                             "twitter:title",
                                             "parsely-title",
                                             NULL};
    for (int i = 0; title_keys[i] && !h->og_title; i++)
        h->og_title = meta_value(h, title_keys[i]);
    if (!h->site)
        h->site = meta_value(h, "og:site_name");
    if (!h->date)
        h->date = meta_value(h, "article:published_time");
    if (!h->date)
        h->date = meta_value(h, "datePublished");
    if (!h->date)
        h->date = meta_value(h, "pubdate");
    if (!h->date)
        h->date = meta_value(h, "publishdate");
    if (!h->date)
        h->date = meta_value(h, "dc.date");
    if (!h->section && (s = meta_value(h, "article:section")))
        h->section = s;
    if (!h->nauthors && (s = meta_value(h, "author")))
        add_author(h, s);
    if (!h->nauthors && (s = meta_value(h, "article:author")) &&
        !strstr(s, "://"))
        add_author(h, s);
    for (xmlNodePtr n = root; n;) {
        if (is_el(n, "link") && attr(n, "rel") && attr(n, "href") &&
            !strcasecmp(attr(n, "rel"), "canonical") && !h->url)
            h->url = attr(n, "href");
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n && !n->next)
            n = n->parent;
        n = n ? n->next : NULL;
    }
    if (!h->url)
        h->url = meta_value(h, "og:url");
    scan_page(h, root);
    const char *date = iso_date(h, h->date);
    if (!date && h->dateline_node)
        date = find_dmy(h, node_text(h, h->dateline_node));

    /* body */
    best = NULL;
    score_tree(h, root);
    double top = 0;
    pick_best(root, &top);
    xmlNodePtr article = best;
    if (!article || top < 1) { /* no paragraph scored: the whole <body> */
        for (xmlNodePtr k = root->children; k; k = k->next)
            if (is_el(k, "body") && inf(k)->text > 0) {
                article = k;
                top = 1;
            }
    }
    if (getenv("BT_HTML_DEBUG") && best)
        fprintf(stderr, "best <%s class=%s id=%s> %.1f line %ld\n", best->name,
                attr(best, "class"), attr(best, "id"), top, xmlGetLineNo(best));
    if (!article || top < 1) {
        h->fail = "no article text found in the page";
        return NULL;
    }
    /* title */
    bt_str title = {NULL, 0};
    bt_str h1 = h->h1 ? node_text(h, h->h1) : (bt_str){NULL, 0};
    bt_str doc_title = {NULL, 0};
    for (xmlNodePtr n = root->children; n; n = n->next)
        if (is_el(n, "head"))
            for (xmlNodePtr k = n->children; k; k = k->next)
                if (is_el(k, "title"))
                    doc_title = node_text(h, k);
    bt_str cand[3] = {h->title ? clean_c(h, h->title) : (bt_str){NULL, 0},
                      h->og_title ? clean_c(h, h->og_title) : (bt_str){NULL, 0},
                      doc_title};
    for (int i = 0; i < 2 && !title.len; i++)
        title = cand[i];
    int h1_near = 0; /* the h1 sits next to the article text */
    xmlNodePtr anc = article;
    for (int up = 0; anc && up < 3 && h->h1; up++, anc = anc->parent)
        if (inside(h->h1, anc))
            h1_near = 1;
    if (!title.len && h->nh1 == 1 && h1_near && bt_text_words(h1) >= 3 &&
        shared_words(h1, strip_site(cand[2])) * 2 < bt_text_words(h1))
        title = h1; /* a <title> unrelated to the one headline (portals) */
    if (!title.len && cand[2].len) {
        title = strip_site(cand[2]);
        if (h1.len && title.len > h1.len && contains(title, h1))
            title = h1;
    }
    if (!title.len)
        title = h1;

    /* climb while the parent holds much more good text of the same kind */
    bt_xel *artel = el_new(h, NULL, "article", pos_of(h, root));
    bt_pos apos = pos_of(h, article);
    bt_xel *meta = el_new(h, artel, "meta", apos);
    bt_str lang = h->lang ? clean_c(h, h->lang) : (bt_str){NULL, 0};
    if (lang.len && lang.len < 20)
        el_attr(h, artel, "xml:lang", cstr(h, lang));
    em m = {h, NULL, NULL, 0, title};
    bt_xel *body = el_new(h, NULL, "body", apos);
    m.body = body;
    xmlNodePtr parent = article->parent;
    double thresh = BT_MAX(10.0, top * 0.2);
    int siblings =
        parent && parent->_private && parent->type == XML_ELEMENT_NODE;
    for (xmlNodePtr k = siblings ? parent->children : article; k;
         k = siblings ? k->next : NULL) {
        if (k->type != XML_ELEMENT_NODE || !k->_private || inf(k)->junk)
            continue;
        int take = k == article;
        if (!take && inf(k)->scored &&
            inf(k)->score * (1 - link_density(k)) >= thresh)
            take = 1;
        if (!take && is_el(k, "p") && inf(k)->text > 80 &&
            link_density(k) < 0.25)
            take = 1;
        if (take)
            emit(&m, k);
    }
    /* byline / credit from the end of the body */
    bt_xel *credit_el = NULL;
    for (int round = 0; round < 2 && body->last; round++) {
        bt_xel *last = body->last;
        if (strcmp(last->name, "p") != 0)
            break;
        bt_str t = block_plain(h, last);
        int words = bt_text_words(t);
        if (!credit_el && t.len > 5 && words <= 14 &&
            (strncmp(t.ptr, "Theo ", 5) == 0 ||
             strncmp(t.ptr, "(Theo ", 6) == 0 ||
             strncmp(t.ptr, "Nguồn:", 7) == 0 ||
             strncmp(t.ptr, "Nguồn ", 7) == 0)) {
            bt_str c = t;
            if (c.ptr[0] == '(' && c.ptr[c.len - 1] == ')')
                c = (bt_str){c.ptr + 1, c.len - 2};
            credit_el = el_new(h, NULL, "credit", last->pos);
            el_text(h, credit_el, c, last->pos);
            el_drop_last(body, last);
            continue;
        }
        if (words >= 1 && words <= 6 && t.len < 60 && all_strong(last) &&
            t.ptr[t.len - 1] != '.' && t.ptr[t.len - 1] != ':' &&
            h->nauthors < 8) {
            h->authors[h->nauthors++] = cstr(h, t);
            el_drop_last(body, last);
            continue;
        }
        break;
    }
    if (!h->nauthors && h->byline_node) {
        bt_str t = node_text(h, h->byline_node);
        static const char *const pre[] = {"By ", "by ", "Bởi ",
                                          "Tác giả: ", NULL};
        for (int i = 0; pre[i]; i++)
            if (t.len > strlen(pre[i]) &&
                !strncmp(t.ptr, pre[i], strlen(pre[i]))) {
                t.ptr += strlen(pre[i]);
                t.len -= strlen(pre[i]);
            }
        add_author(h, cstr(h, t));
    }
    /* lead: a sapo element, else a first paragraph all in bold */
    bt_xel *lead = NULL;
    if (h->lead_node) {
        lead = el_new(h, NULL, "lead", pos_of(h, h->lead_node));
        inline_into(&m, h->lead_node, lead);
        bt_str lt = block_plain(h, lead);
        /* a sapo repeated as the first paragraph is said once */
        if (body->kids && !strcmp(body->kids->name, "p") &&
            same_text(block_plain(h, body->kids), lt))
            body->kids = body->kids->next;
        if (!has_ink(lead))
            lead = NULL;
    } else if (body->kids && !strcmp(body->kids->name, "p") &&
               all_strong(body->kids) &&
               bt_text_words(block_plain(h, body->kids)) >= 12) {
        lead = body->kids;
        body->kids = lead->next;
        lead->next = NULL;
        lead->name = "lead";
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
    if (!body->kids) {
        h->fail = "no article text found in the page";
        return NULL;
    }
    body->last = body->kids;
    while (body->last->next)
        body->last = body->last->next;

    /* meta fields, in FORMATS.md order */
    bt_pos tpos = h->h1 ? pos_of(h, h->h1) : apos;
    if (!title.len) {
        /* no title anywhere: the first words of the text, with a warning */
        bt_str t = block_plain(h, lead ? lead : body->kids);
        size_t end = 0;
        int words = 0;
        while (end < t.len && words < 12) {
            while (end < t.len && t.ptr[end] != ' ')
                end++;
            words++;
            if (words < 12 && end < t.len)
                end++;
        }
        title = (bt_str){t.ptr, end};
        if (end < t.len)
            title = bt_arena_str(
                &h->ctx->arena,
                bt_arena_printf(&h->ctx->arena, "%.*s…", (int)end, t.ptr),
                end + strlen("…"));
        tpos = lead ? lead->pos : body->kids->pos;
        h->title_made = 1;
        h->title_pos = tpos;
    }
    field(h, meta, "title", title, tpos);
    bt_str site = h->site ? clean_c(h, h->site) : (bt_str){NULL, 0};
    bt_str url = h->url ? clean_c(h, h->url) : (bt_str){NULL, 0};
    if (url.len && !link_url_ok(cstr(h, url)))
        url.len = 0;
    if (!site.len && url.len) {
        const char *p = strstr(cstr(h, url), "://");
        if (p) {
            p += 3;
            if (!strncmp(p, "www.", 4))
                p += 4;
            site = (bt_str){p, strcspn(p, "/:?#")};
        }
    }
    if (site.len) {
        bt_xel *src = el_new(h, meta, "source", apos);
        el_text(h, src, site, apos);
        if (url.len)
            el_attr(h, src, "url", cstr(h, url));
    }
    if (date)
        field(h, meta, "date", (bt_str){date, 10},
              h->dateline_node ? pos_of(h, h->dateline_node) : apos);
    for (int i = 0; i < h->nauthors; i++)
        field(h, meta, "author", (bt_str){h->authors[i], strlen(h->authors[i])},
              h->byline_node ? pos_of(h, h->byline_node) : apos);
    if (credit_el) {
        credit_el->parent = meta;
        meta->last->next = credit_el;
        meta->last = credit_el;
    }
    if (h->section) {
        bt_str sec = clean_c(h, h->section);
        if (sec.len && sec.len < 100)
            field(h, meta, "section", sec, apos);
    }
    if (lead) {
        lead->parent = artel;
        artel->last->next = lead;
        artel->last = lead;
    }
    body->parent = artel;
    artel->last->next = body;
    artel->last = body;
    return artel;
}
