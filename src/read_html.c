/* read_html.c - a saved web page -> an article tree (FORMATS.md §1 shape,
 * as bt_xel) that bt_read_article reads like an article XML file.
 *
 * This file is the driver: byte checks (empty, NUL, "does it look like
 * HTML"), charset (BOM, <meta charset>, http-equiv; libxml2 converts to
 * UTF-8), libxml2's HTML parser in recover mode with no network, a
 * nesting check, positions and text cleaning, then build_article runs the
 * stages of the other files of the module (html_int.h):
 *  - html_score.c: facts per element and the element holding the article;
 *  - html_meta.c: headline, source, date, authors, section, sapo;
 *  - html_body.c: the article's blocks, lead, credit, a trailing byline.
 * A first pass lets class/id hints drop elements; when it finds little, a
 * second runs without them (Readability's retry).
 * Positions: libxml2 gives each node its line; the column is that of the
 * element's "<name" on that line when found (else 1), counted in UTF-8
 * characters (bytes of other charsets count one each). Rules for users:
 * doc/html-input.md. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/encoding.h>
#include "read_html.h"
#include "html_int.h"
#include "arena.h"
#include "buf.h"
#include "text.h"
#include "bt_limits.h"

int bt_html_is_page(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot != base &&
           (strcasecmp(dot, ".html") == 0 || strcasecmp(dot, ".htm") == 0);
}

const char *bt_html_attr(xmlNodePtr n, const char *name)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (a->children && strcasecmp((const char *)a->name, name) == 0)
            return (const char *)a->children->content;
    return NULL;
}

/* ---- positions ------------------------------------------------------ */

/* ---- positions ------------------------------------------------------ */

bt_pos bt_html_pos(hx *h, xmlNodePtr n)
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
    int cr = memchr(h->data, '\r', h->len) != NULL;
    for (size_t i = 0; i < h->len; i++) {
        if (!cr) { /* jump to the next LF */
            const char *lf = memchr(h->data + i, '\n', h->len - i);
            if (!lf)
                break;
            i = (size_t)(lf - h->data);
        }
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
bt_str bt_html_clean(hx *h, const char *s, size_t n)
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

bt_str bt_html_clean_c(hx *h, const char *s)
{
    return bt_text_trim(bt_html_clean(h, s, strlen(s)));
}

const char *bt_html_cstr(hx *h, bt_str s)
{
    return bt_arena_strndup(&h->ctx->arena, s.ptr ? s.ptr : "", s.len);
}

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

/* ---- text ----------------------------------------------------------- */

/* Text of an element (all descendants, no junk filter). */
static void raw_text(xmlNodePtr n, bt_buf *b)
{
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (k->type == XML_TEXT_NODE && k->content)
            bt_buf_puts(b, (const char *)k->content);
        else if (k->type == XML_ELEMENT_NODE && !is_el(k, "script") &&
                 !is_el(k, "style")) {
            if (is_el(k, "br") || bt_html_is_block(k))
                bt_buf_putc(b, ' ');
            raw_text(k, b);
        }
    }
}

bt_str bt_html_node_text(hx *h, xmlNodePtr n)
{
    bt_buf b = BT_BUF_INIT;
    raw_text(n, &b);
    bt_str s = bt_text_trim(bt_html_clean(h, b.data ? b.data : "", b.len));
    bt_buf_free(&b);
    return s;
}

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

/* The first `pat` in d[0..n), or NULL. */
static const char *find(const char *d, size_t n, const char *pat)
{
    size_t k = strlen(pat);
    for (const char *p = d; p + k <= d + n;) {
        p = memchr(p, pat[0], (size_t)(d + n - p));
        if (!p || p + k > d + n)
            return NULL;
        if (!memcmp(p, pat, k))
            return p;
        p++;
    }
    return NULL;
}

/* 1 when d[i..n) starts with "<" + tag (any case) followed by space,
 * '>' or '/'. */
static int tag_at(const char *d, size_t i, size_t n, const char *tag)
{
    size_t k = strlen(tag);
    return i + k + 2 <= n && d[i] == '<' &&
           strncasecmp(d + i + 1, tag, k) == 0 &&
           (isspace((unsigned char)d[i + 1 + k]) || d[i + 1 + k] == '>' ||
            d[i + 1 + k] == '/');
}

/* Appends d[*copied..from) to the copy, then only the line breaks of
 * d[from..to). */
static void cut(char **out, size_t *o, size_t *copied, const char *d, size_t n,
                size_t from, size_t to)
{
    if (!*out)
        *out = bt_xmalloc(n ? n : 1);
    memcpy(*out + *o, d + *copied, from - *copied);
    *o += from - *copied;
    for (size_t k = from; k < to; k++) {
        const char *nl = memchr(d + k, '\n', to - k);
        const char *cr = memchr(d + k, '\r', (nl ? (size_t)(nl - d) : to) - k);
        const char *b = cr ? cr : nl;
        if (!b)
            break;
        k = (size_t)(b - d);
        (*out)[(*o)++] = *b;
    }
    *copied = to;
}

/* A copy of the page with the text of every <script> (except JSON-LD)
 * and <style> reduced to its line breaks: three quarters of a big news
 * page is script, which libxml2 would read character by character for
 * nothing; long comments go the same way. Line numbers stay those of the
 * page (columns are found in the page itself). NULL when nothing was cut;
 * *len is updated. */
static char *without_scripts(const char *d, size_t *len)
{
    size_t n = *len, o = 0, copied = 0;
    char *out = NULL;
    for (size_t i = 0; i < n;) {
        const char *lt = memchr(d + i, '<', n - i);
        if (!lt)
            break;
        size_t at = (size_t)(lt - d);
        size_t from, to;
        if (at + 4 <= n && !memcmp(lt, "<!--", 4)) {
            const char *e = find(lt + 4, n - at - 4, "-->");
            from = at + 4;
            to = e ? (size_t)(e - d) : n;
            if (to - from < 64) { /* not worth a copy */
                i = e ? to + 3 : n;
                continue;
            }
            cut(&out, &o, &copied, d, n, from, to);
            i = e ? to + 3 : n;
            continue;
        }
        const char *tag = tag_at(d, at, n, "script")  ? "script"
                          : tag_at(d, at, n, "style") ? "style"
                                                      : NULL;
        const char *gt = tag ? memchr(lt, '>', n - at) : NULL;
        if (!gt) {
            i = at + 1;
            continue;
        }
        size_t tl = strlen(tag);
        from = to = (size_t)(gt - d) + 1;
        if (find(lt, from - at, "ld+json")) { /* JSON-LD: kept */
            i = from;
            continue;
        }
        for (;;) { /* the closing tag, as the HTML parser finds it */
            const char *c = memchr(d + to, '<', n - to);
            to = c ? (size_t)(c - d) : n;
            if (!c || (to + 2 + tl <= n && d[to + 1] == '/' &&
                       strncasecmp(d + to + 2, tag, tl) == 0))
                break;
            to++;
        }
        cut(&out, &o, &copied, d, n, from, to);
        i = to;
    }
    if (!out)
        return NULL;
    memcpy(out + o, d + copied, n - copied);
    *len = o + n - copied;
    return out;
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

/* The first words of the text, as the title of a page that names none
 * (with a warning from the caller). */
static bt_str made_title(hx *h, const bt_xel *from)
{
    bt_str t = bt_html_block_plain(h, from);
    size_t end = 0;
    int words = 0;
    while (end < t.len && words < 12) {
        while (end < t.len && t.ptr[end] != ' ')
            end++;
        words++;
        if (words < 12 && end < t.len)
            end++;
    }
    if (end >= t.len)
        return (bt_str){t.ptr, end};
    const char *s = bt_arena_printf(&h->ctx->arena, "%.*s…", (int)end, t.ptr);
    return bt_arena_str(&h->ctx->arena, s, end + strlen("…"));
}

/* One pass over the parsed page: facts, metadata, the article element,
 * its blocks, then lead, credit and the <meta> fields. NULL (with
 * h->fail) when no article text is found. */
static bt_xel *build_article(hx *h, xmlNodePtr root)
{
    bt_html_measure(h, root);
    const char *date = bt_html_read_meta(h, root);
    double top = 0;
    xmlNodePtr article = bt_html_pick_article(h, root, &top);
    if (!article) {
        h->fail = "no article text found in the page";
        return NULL;
    }
    bt_str title = bt_html_choose_title(h, article);

    bt_xel *artel = bt_html_el_new(h, NULL, "article", bt_html_pos(h, root));
    bt_pos apos = bt_html_pos(h, article);
    bt_xel *meta = bt_html_el_new(h, artel, "meta", apos);
    bt_str lang = h->lang ? bt_html_clean_c(h, h->lang) : (bt_str){NULL, 0};
    if (lang.len && lang.len < 20)
        bt_html_el_attr(h, artel, "xml:lang", bt_html_cstr(h, lang));
    em m = {h, bt_html_el_new(h, NULL, "body", apos), NULL, 0, title};
    bt_html_emit_article(&m, article, top);
    bt_xel *credit = bt_html_take_tail(h, m.body);
    bt_html_byline_authors(h);
    bt_xel *lead = bt_html_take_lead(&m);
    if (!m.body->kids) {
        h->fail = "no article text found in the page";
        return NULL;
    }
    bt_pos tpos = h->h1 ? bt_html_pos(h, h->h1) : apos;
    if (!title.len) {
        title = made_title(h, lead ? lead : m.body->kids);
        tpos = lead ? lead->pos : m.body->kids->pos;
        h->title_made = 1;
        h->title_pos = tpos;
    }
    bt_html_write_meta(h, meta, title, tpos, date, credit);
    if (lead)
        bt_html_el_append(artel, lead);
    bt_html_el_append(artel, m.body);
    return artel;
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
    size_t plen = len - skip;
    char *lean = utf16 ? NULL : without_scripts(h->data + skip, &plen);
    h->doc = htmlCtxtReadMemory(pc, lean ? lean : h->data + skip, (int)plen,
                                NULL, enc, opts);
    free(lean);
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
        bt_error(ctx, bt_html_pos(h, deep), "elements nested deeper than %d",
                 BT_MAX_XML_DEPTH);
        goto done;
    }
    bt_html_alloc_infos(h, root);
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
