/* html_meta.c - a saved page's metadata: the headline (JSON-LD, og:title
 * and friends, <title> without the site name, the h1), source name and
 * url, date (article:published_time, JSON-LD datePublished, <time
 * datetime>, a Vietnamese dateline "Thứ hai, 29/6/2022, 14:05 (GMT+7)"),
 * authors (JSON-LD, meta author, a byline element), section and the sapo
 * element that becomes the lead. JSON-LD is parsed with json-c (this file
 * is its one owner). Part of read_html (html_int.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "html_int.h"
#include "arena.h"
#include "buf.h"
#include "date.h"
#include "text.h"

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

/* Meta names compare ignoring ASCII case, with '.' and ':' the same
 * ("DC.creator" is "dc:creator"). */
static int same_key(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int x = tolower((unsigned char)a[i]), y = tolower((unsigned char)b[i]);
        if (x != y && !((x == '.' || x == ':') && (y == '.' || y == ':')))
            return 0;
    }
    return 1;
}

static const char *meta_value(hx *h, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = h->nmetas; i-- > 0;) { /* the last one wins */
        xmlNodePtr n = h->metas[i];
        const char *k = bt_html_attr(n, "property");
        if (!k)
            k = bt_html_attr(n, "name");
        if (!k)
            k = bt_html_attr(n, "itemprop");
        const char *c = bt_html_attr(n, "content");
        for (const char *t = k; t && *t;) { /* space-separated names */
            while (*t == ' ')
                t++;
            size_t tl = strcspn(t, " ");
            if (c && *c && tl == kl && same_key(t, key, kl))
                return c;
            t += tl;
        }
    }
    return NULL;
}

void bt_html_add_author(hx *h, const char *name)
{
    if (!name || h->nauthors == 8)
        return;
    bt_str s = bt_html_clean_c(h, name);
    if (!s.len || s.len > 80 || strncmp(s.ptr, "http", 4) == 0)
        return;
    for (int i = 0; i < h->nauthors; i++)
        if (strcmp(h->authors[i], bt_html_cstr(h, s)) == 0)
            return;
    h->authors[h->nauthors++] = bt_html_cstr(h, s);
}

static void ld_authors(hx *h, json_object *a)
{
    if (!a)
        return;
    if (json_object_is_type(a, json_type_string))
        bt_html_add_author(h, json_object_get_string(a));
    else if (json_object_is_type(a, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(a); i++)
            ld_authors(h, json_object_array_get_idx(a, i));
    } else if (json_object_is_type(a, json_type_object)) {
        json_object *nm;
        if (json_object_object_get_ex(a, "name", &nm) &&
            json_object_is_type(nm, json_type_string))
            bt_html_add_author(h, json_object_get_string(nm));
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

static int shared_words(bt_str a, bt_str b);

/* Three quarters of the words of the page's <title> occur in s. */
static int title_cover(hx *h, const char *s)
{
    return shared_words(h->page_title, bt_html_clean_c(h, s));
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
    if (!h->title && nm && *nm && hl && *hl && strcmp(nm, hl) != 0) {
        /* some sites put their own name in "name": take the one that
         * covers more of the page's <title> */
        h->title = title_cover(h, hl) > title_cover(h, nm) ? hl : nm;
    }
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

/* JSON-LD text, without the CDATA wrapper some pages put around it. */
static json_object *parse_ld(hx *h, const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    if (strncmp(s, "<![CDATA[", 9) != 0)
        return json_tokener_parse(s);
    s += 9;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= 3 && !memcmp(s + n - 3, "]]>", 3))
        n -= 3;
    return json_tokener_parse(bt_arena_strndup(&h->ctx->arena, s, n));
}

/* JSON-LD objects live as long as the page; strings are copied. */
static void json_ld(hx *h, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_el(n, "script")) {
            const char *t = bt_html_attr(n, "type");
            if (t && strcasecmp(t, "application/ld+json") == 0 && n->children &&
                n->children->content) {
                json_object *o =
                    parse_ld(h, (const char *)n->children->content);
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
            const char *d = iso_date(h, bt_html_attr(n, "datetime"));
            if (d)
                h->date = d;
        }
        const char *rel = bt_html_attr(n, "rel"),
                   *ip = bt_html_attr(n, "itemprop");
        if ((!h->byline_node || inside(n, h->byline_node)) &&
            ((rel && strcmp(rel, "author") == 0) ||
             (ip && strcmp(ip, "author") == 0) ||
             ((bt_html_attr(n, "class") || bt_html_attr(n, "id")) &&
              bt_html_hint_match(n, (const char *const[]){"byline", "author",
                                                          "tac-gia", "tacgia",
                                                          NULL})))) {
            bt_str t = bt_html_node_text(h, n);
            if (t.len >= 3 && t.len < 80 && bt_text_words(t) <= 8)
                h->byline_node = n;
        }
        if (!h->dateline_node &&
            (bt_html_attr(n, "class") || bt_html_attr(n, "id")) &&
            bt_html_hint_match(n,
                               (const char *const[]){"date", "time", "publish",
                                                     "ngay", NULL})) {
            bt_str t = bt_html_node_text(h, n);
            if (t.len < 120 && find_dmy(h, t))
                h->dateline_node = n;
        }
        if (!h->lead_node && !is_heading(n) && !is_el(n, "meta") &&
            (bt_html_attr(n, "class") || bt_html_attr(n, "id")) &&
            bt_html_hint_match(n, bt_html_hint_lead) &&
            !bt_html_hint_match(
                n, (const char *const[]){"content", "body", NULL})) {
            bt_str t = bt_html_node_text(h, n);
            if (t.len >= 40 && t.len < 1500 && n->_private && !inf(n)->junk &&
                bt_html_link_density(n) < 0.3)
                h->lead_node = n;
        } else if (!h->lead_node && is_heading(n) &&
                   bt_html_hint_match(n, bt_html_hint_lead)) {
            bt_str t = bt_html_node_text(h, n);
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
    static const char *const seps[] = {" | ", " - ", " \\ ", " / ", " > ",
                                       " » ", " – ", " — ",  NULL};
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

static int contains(bt_str hay, bt_str needle)
{
    for (size_t i = 0; needle.len && i + needle.len <= hay.len; i++)
        if (memcmp(hay.ptr + i, needle.ptr, needle.len) == 0)
            return 1;
    return 0;
}

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

/* ---- the fields ------------------------------------------------------ */

const char *bt_html_read_meta(hx *h, xmlNodePtr root)
{
    for (xmlNodePtr n = root->children; n; n = n->next)
        if (is_el(n, "head"))
            for (xmlNodePtr k = n->children; k; k = k->next)
                if (is_el(k, "title") && !h->page_title.len)
                    h->page_title = bt_html_node_text(h, k);
    h->lang = bt_html_attr(root, "lang");
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
    static const char *const date_keys[] = {"article:published_time",
                                            "datePublished",
                                            "pubdate",
                                            "publishdate",
                                            "dc:date",
                                            "parsely-pub-date",
                                            NULL};
    for (int i = 0; date_keys[i] && !h->date; i++)
        h->date = meta_value(h, date_keys[i]);
    if (!h->section && (s = meta_value(h, "article:section")))
        h->section = s;
    /* authors, in Readability's order; a URL is no name */
    static const char *const author_keys[] = {
        "dc:creator",     "dcterm:creator",    "author", "parsely-author",
        "article:author", "og:article:author", NULL};
    for (int i = 0; author_keys[i] && !h->nauthors; i++)
        if ((s = meta_value(h, author_keys[i])) && !strstr(s, "://"))
            bt_html_add_author(h, s);
    for (xmlNodePtr n = root; n && !h->url;) {
        if (is_el(n, "link") && bt_html_attr(n, "rel") &&
            bt_html_attr(n, "href") &&
            !strcasecmp(bt_html_attr(n, "rel"), "canonical"))
            h->url = bt_html_attr(n, "href");
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
        date = find_dmy(h, bt_html_node_text(h, h->dateline_node));
    return date;
}

/* ASCII-case-insensitive substring test. */
static int contains_ci(bt_str hay, bt_str needle)
{
    for (size_t i = 0; needle.len && i + needle.len <= hay.len; i++)
        if (strncasecmp(hay.ptr + i, needle.ptr, needle.len) == 0)
            return 1;
    return 0;
}

/* 1 when every word of s (there is one) occurs in the site's name
 * (og:site_name, JSON-LD publisher) or in the host of its url. */
static int is_site_name(hx *h, bt_str s)
{
    bt_str site = h->site ? bt_html_clean_c(h, h->site) : (bt_str){NULL, 0};
    const char *u = h->url ? strstr(h->url, "://") : NULL;
    bt_str host =
        u ? (bt_str){u + 3, strcspn(u + 3, "/:?#")} : (bt_str){NULL, 0};
    int words = 0;
    for (size_t i = 0; i < s.len;) {
        while (i < s.len && s.ptr[i] == ' ')
            i++;
        size_t j = i;
        while (j < s.len && s.ptr[j] != ' ')
            j++;
        if (j > i) {
            bt_str w = {s.ptr + i, j - i};
            if (!contains_ci(site, w) && !contains_ci(host, w))
                return 0;
            words++;
        }
        i = j;
    }
    return words > 0;
}

/* "Headline - Site" (any separator of strip_site) -> "Headline" when the
 * part after the last separator is the site's name; else t. */
static bt_str drop_site(hx *h, bt_str t)
{
    const char *end = t.ptr + t.len, *last = NULL;
    size_t n, llen = 0;
    for (const char *p = t.ptr; t.ptr && p < end; p++)
        if (is_sep_at(p, end, &n)) {
            last = p;
            llen = n;
        }
    if (!last || last == t.ptr)
        return t;
    bt_str rest = {last + llen, (size_t)(end - last - llen)};
    return is_site_name(h, rest) ? (bt_str){t.ptr, (size_t)(last - t.ptr)} : t;
}

bt_str bt_html_choose_title(hx *h, xmlNodePtr article)
{
    bt_str title = {NULL, 0};
    bt_str h1 = h->h1 ? bt_html_node_text(h, h->h1) : (bt_str){NULL, 0};
    bt_str doc_title = h->page_title;
    bt_str cand[3] = {
        h->title ? bt_html_clean_c(h, h->title) : (bt_str){NULL, 0},
        h->og_title ? bt_html_clean_c(h, h->og_title) : (bt_str){NULL, 0},
        doc_title};
    for (int i = 0; i < 2 && !title.len; i++)
        title = cand[i];
    int h1_near = 0; /* the h1 sits next to the article text */
    xmlNodePtr anc = article;
    for (int up = 0; anc && up < 3 && h->h1; up++, anc = anc->parent)
        if (inside(h->h1, anc))
            h1_near = 1;
    if (!title.len && h->nh1 == 1 && h1_near && bt_text_words(h1) >= 5 &&
        shared_words(h1, strip_site(cand[2])) * 2 < bt_text_words(h1))
        title = h1; /* a <title> unrelated to the one headline (portals) */
    if (!title.len && cand[2].len) {
        title = strip_site(cand[2]);
        bt_str d = drop_site(h, cand[2]);
        if (d.len < cand[2].len)
            title = d; /* "Headline - Site": the headline, however short */
    }
    if (!title.len)
        title = h1;
    return title;
}

/* A word that may start a date in a byline: a digit, an English month
 * (full or abbreviated; the caller wants a number after it: "May" is
 * also a name) or a Vietnamese "Thứ"/"Chủ nhật"/"Tháng". */
static int date_word(const char *w, size_t n)
{
    static const char *const months[] = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December",
        "Thứ",     "Chủ",      "Tháng",     NULL};
    if (n && isdigit((unsigned char)w[0]))
        return 1;
    if (n && w[n - 1] == '.')
        n--; /* "Mar." */
    for (int i = 0; months[i]; i++) {
        size_t k = strlen(months[i]);
        if ((n == k || (n == 3 && k > 3 && (unsigned char)w[0] < 0x80)) &&
            !strncmp(w, months[i], n))
            return 1;
    }
    return 0;
}

void bt_html_byline_authors(hx *h)
{
    if (h->nauthors || !h->byline_node)
        return;
    bt_str t = bt_html_node_text(h, h->byline_node);
    static const char *const pre[] = {"By ",  "by ",       "BY ",      "Bởi ",
                                      "Par ", "par ",      "Von ",     "von ",
                                      "Por ", "Tác giả: ", "Tác giả ", NULL};
    for (int i = 0; pre[i]; i++)
        if (t.len > strlen(pre[i]) && !strncmp(t.ptr, pre[i], strlen(pre[i]))) {
            t.ptr += strlen(pre[i]);
            t.len -= strlen(pre[i]);
        }
    /* "Nathan Willis March 25, 2015": the name, without its date */
    for (size_t i = 0; i < t.len;) {
        size_t j = i;
        while (j < t.len && t.ptr[j] != ' ')
            j++;
        int digit_next = j + 1 < t.len && isdigit((unsigned char)t.ptr[j + 1]);
        if (i > 0 && date_word(t.ptr + i, j - i) &&
            (isdigit((unsigned char)t.ptr[i]) || digit_next ||
             (unsigned char)t.ptr[i] >= 0x80)) {
            t.len = i;
            break;
        }
        i = j + 1;
    }
    t = bt_text_trim(t);
    while (t.len && (t.ptr[t.len - 1] == ',' || t.ptr[t.len - 1] == '-' ||
                     t.ptr[t.len - 1] == '|' || t.ptr[t.len - 1] == ' '))
        t.len--;
    bt_html_add_author(h, bt_html_cstr(h, t));
}

static void field(hx *h, bt_xel *meta, const char *name, bt_str s, bt_pos pos)
{
    if (!s.len)
        return;
    bt_html_el_text(h, bt_html_el_new(h, meta, name, pos), s, pos);
}

void bt_html_write_meta(hx *h, bt_xel *meta, bt_str title, bt_pos tpos,
                        const char *date, bt_xel *credit)
{
    bt_pos apos = meta->pos;
    field(h, meta, "title", title, tpos);
    bt_str site = h->site ? bt_html_clean_c(h, h->site) : (bt_str){NULL, 0};
    bt_str url = h->url ? bt_html_clean_c(h, h->url) : (bt_str){NULL, 0};
    if (url.len && !bt_html_link_url_ok(bt_html_cstr(h, url)))
        url.len = 0;
    if (!site.len && url.len) {
        const char *p = strstr(bt_html_cstr(h, url), "://");
        if (p) {
            p += 3;
            if (!strncmp(p, "www.", 4))
                p += 4;
            site = (bt_str){p, strcspn(p, "/:?#")};
        }
    }
    if (site.len) {
        bt_xel *src = bt_html_el_new(h, meta, "source", apos);
        bt_html_el_text(h, src, site, apos);
        if (url.len)
            bt_html_el_attr(h, src, "url", bt_html_cstr(h, url));
    }
    if (date)
        field(h, meta, "date", (bt_str){date, 10},
              h->dateline_node ? bt_html_pos(h, h->dateline_node) : apos);
    for (int i = 0; i < h->nauthors; i++)
        field(h, meta, "author", (bt_str){h->authors[i], strlen(h->authors[i])},
              h->byline_node ? bt_html_pos(h, h->byline_node) : apos);
    if (credit)
        bt_html_el_append(meta, credit);
    if (h->section) {
        bt_str sec = bt_html_clean_c(h, h->section);
        if (sec.len && sec.len < 100)
            field(h, meta, "section", sec, apos);
    }
}
