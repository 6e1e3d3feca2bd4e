/* xmlin.c - the only libxml2 *parser* glue (see xmlin.h). Parses one file
 * from memory with SAX2 straight into a bt_xel tree in the build arena; no
 * xmlDoc is ever built. Any DOCTYPE stops the parse in the internalSubset
 * callback, so no DTD, entity declaration or external resource is ever
 * seen; the options never include NOENT, DTDLOAD, DTDATTR, DTDVALID,
 * XINCLUDE or HUGE. Positions: libxml2 only tells where the parser *is*,
 * so element and text positions are derived from xmlByteConsumed and
 * counted incrementally from the previous one by text.c's bt_linecol cursor,
 * which keeps a 20 MB input linear. Stage: file bytes -> bt_xel -> read_*. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include "xmlin.h"
#include "buf.h"
#include "text.h"
#include "bt_limits.h"

/* ---- parse state ---------------------------------------------------- */

typedef struct xin {
    bt_ctx *ctx;
    uint16_t file;
    xmlParserCtxtPtr px; /* the libxml2 context (owned by bt_xml_parse) */
    const char *data;    /* the input bytes */
    size_t len;
    bt_linecol lc;   /* incremental line:col cursor over data (text.c) */
    size_t skip_bom; /* 3 when the file starts with a UTF-8 BOM */
    /* tree under construction */
    bt_xel *root;
    bt_xel *cur; /* innermost open element, NULL before the root */
    int depth;
    size_t markup_end; /* offset just after the last tag/comment/PI */
    /* the open text node, if any (coalesces adjacent callbacks) */
    int text_open;
    bt_pos text_pos;
    bt_buf text;
    int failed; /* an error was reported: no more reports */
} xin;

/* Moves the cursor to byte offset `off` and returns its position. Offsets
 * normally only grow; a smaller one restarts from the beginning (correct,
 * just slower, and never expected). */
static bt_pos pos_at(xin *x, size_t off)
{
    bt_linecol_seek(&x->lc, off);
    bt_pos pos = {x->file, x->lc.line, x->lc.col};
    return pos;
}

static size_t consumed(const xin *x)
{
    long n = xmlByteConsumed(x->px);
    if (n < 0)
        return x->lc.at;
    return (size_t)n > x->len ? x->len : (size_t)n;
}

/* Reports an error at `pos` (only the first one per file) and stops. */
static void fail(xin *x, bt_pos pos, const char *msg)
{
    if (!x->failed)
        bt_error(x->ctx, pos, "%s", msg);
    x->failed = 1;
    xmlStopParser(x->px);
}

/* ---- tree building -------------------------------------------------- */

static void append(xin *x, bt_xel *el)
{
    bt_xel *parent = x->cur;
    el->parent = parent;
    if (!parent)
        return;
    if (parent->last)
        parent->last->next = el;
    else
        parent->kids = el;
    parent->last = el;
}

/* Closes the open text node: copies it into the arena under x->cur. */
static void flush_text(xin *x)
{
    if (!x->text_open)
        return;
    x->text_open = 0;
    if (!x->cur || x->failed)
        return;
    bt_xel *t = bt_arena_alloc(&x->ctx->arena, sizeof *t);
    t->text = bt_buf_to_arena(&x->text, &x->ctx->arena);
    t->pos = x->text_pos;
    append(x, t);
}

static char *qname(bt_arena *a, const xmlChar *prefix, const xmlChar *local)
{
    if (prefix)
        return bt_arena_printf(a, "%s:%s", (const char *)prefix,
                               (const char *)local);
    return bt_arena_strdup(a, (const char *)local);
}

/* Attribute values arrive with `&` written as "&#38;" (libxml2 keeps that
 * form when entities are not substituted); undo it. */
static char *attr_value(bt_arena *a, const xmlChar *v, const xmlChar *end)
{
    const char *s = (const char *)v;
    size_t n = (size_t)(end - v);
    char *out = bt_arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '&' && n - i >= 5 && memcmp(s + i, "&#38;", 5) == 0) {
            out[o++] = '&';
            i += 5;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = 0;
    return out;
}

static void add_attr(bt_arena *a, bt_xel *el, bt_xattr ***tail,
                     const char *name, const char *value)
{
    bt_xattr *at = bt_arena_alloc(a, sizeof *at);
    at->name = name;
    at->value = value;
    at->pos = el->pos;
    **tail = at;
    *tail = &at->next;
}

/* ---- SAX2 callbacks ------------------------------------------------- */

static void on_start(void *payload, const xmlChar *local, const xmlChar *prefix,
                     const xmlChar *uri, int nns, const xmlChar **nsdecl,
                     int nattr, int ndefaulted, const xmlChar **attrs)
{
    xin *x = payload;
    (void)uri;
    (void)ndefaulted;
    if (x->failed)
        return;
    flush_text(x);
    /* xmlByteConsumed stands on the tag's closing '>' (or "/>"); a '<'
     * cannot occur inside a tag, so the last one before is its start. */
    size_t end = consumed(x), lt = end < x->len ? end : x->len - 1;
    while (lt > x->lc.at && x->data[lt] != '<')
        lt--;
    if (x->data[lt] != '<') /* never expected; fall back to the end */
        lt = end;
    bt_pos pos = pos_at(x, lt);
    if (end < x->len && x->data[end] == '/')
        x->markup_end = end + 2;
    else if (end < x->len && x->data[end] == '>')
        x->markup_end = end + 1;
    else
        x->markup_end = end;
    if (++x->depth > BT_MAX_XML_DEPTH) {
        char msg[64];
        snprintf(msg, sizeof msg, "elements nested deeper than %d",
                 BT_MAX_XML_DEPTH);
        fail(x, pos, msg);
        return;
    }
    bt_arena *a = &x->ctx->arena;
    bt_xel *el = bt_arena_alloc(a, sizeof *el);
    el->name = qname(a, prefix, local);
    el->pos = pos;
    bt_xattr **tail = &el->attrs;
    /* Namespace declarations are kept as attributes ("xmlns", "xmlns:p")
     * so the readers, which accept no namespaces, can name them. */
    for (int i = 0; i < nns; i++) {
        const xmlChar *p = nsdecl[2 * i], *u = nsdecl[2 * i + 1];
        add_attr(a, el, &tail,
                 p ? bt_arena_printf(a, "xmlns:%s", (const char *)p) : "xmlns",
                 bt_arena_strdup(a, u ? (const char *)u : ""));
    }
    for (int i = 0; i < nattr; i++) {
        const xmlChar **at = attrs + 5 * i;
        add_attr(a, el, &tail, qname(a, at[1], at[0]),
                 attr_value(a, at[3], at[4]));
    }
    if (x->cur)
        append(x, el);
    else if (!x->root)
        x->root = el;
    x->cur = el;
}

static void on_end(void *payload, const xmlChar *local, const xmlChar *prefix,
                   const xmlChar *uri)
{
    xin *x = payload;
    (void)local;
    (void)prefix;
    (void)uri;
    if (x->failed)
        return;
    flush_text(x);
    x->markup_end = consumed(x);
    x->depth--;
    if (x->cur)
        x->cur = x->cur->parent;
}

static void on_text(void *payload, const xmlChar *s, int n)
{
    xin *x = payload;
    if (x->failed || !x->cur || n <= 0)
        return;
    if (!x->text_open) {
        /* Text begins right after the last markup (the callbacks' own
         * buffers may be copies, e.g. for "&amp;", so they cannot tell). */
        size_t off = x->markup_end;
        if (off + 9 <= x->len && memcmp(x->data + off, "<![CDATA[", 9) == 0)
            off += 9;
        x->text_pos = pos_at(x, off);
        x->text_open = 1;
        bt_buf_clear(&x->text);
    }
    bt_buf_put(&x->text, s, (size_t)n);
}

static void on_markup(xin *x)
{
    x->markup_end = consumed(x);
}

static void on_comment(void *payload, const xmlChar *value)
{
    (void)value;
    on_markup(payload);
}

static void on_pi(void *payload, const xmlChar *target, const xmlChar *data)
{
    (void)target;
    (void)data;
    on_markup(payload);
}

static void on_doctype(void *payload, const xmlChar *name, const xmlChar *eid,
                       const xmlChar *sid)
{
    xin *x = payload;
    (void)name;
    (void)eid;
    (void)sid;
    /* The DOCTYPE sits in the prolog after markup_end (comments and PIs
     * before it moved markup_end); its literals may hold a '<', so search
     * forward rather than back. */
    size_t end = consumed(x), off = x->markup_end;
    const char *hit = NULL;
    for (size_t i = off; i + 9 <= x->len && i <= end; i++)
        if (x->data[i] == '<' && memcmp(x->data + i, "<!DOCTYPE", 9) == 0) {
            hit = x->data + i;
            break;
        }
    bt_pos pos = pos_at(x, hit ? (size_t)(hit - x->data) : end);
    fail(x, pos, "DOCTYPE is not allowed");
}

/* libxml2's own errors. Only the first error is reported; warnings are
 * ignored. Namespace errors (an undeclared prefix) are left to the readers,
 * which reject every prefixed name except xml:lang, at the element. */
static void on_error(void *payload, xmlErrorPtr e)
{
    xin *x = payload;
    if (!e || e->level < XML_ERR_ERROR || e->domain == XML_FROM_NAMESPACE)
        return;
    if (x->failed)
        return;
    char msg[600];
    bt_pos pos = {x->file, e->line > 0 ? (uint32_t)e->line : 1,
                  e->int2 > 0 ? (uint32_t)e->int2 : 1};
    const char *m = e->message ? e->message : "syntax error";
    static const char charref[] = "xmlParseCharRef: invalid xmlChar value ";
    if (e->code == XML_ERR_INVALID_CHAR &&
        strncmp(m, charref, sizeof charref - 1) == 0) {
        /* "&#1;": point at the '&', which the parser has just passed */
        long v = strtol(m + sizeof charref - 1, NULL, 10);
        size_t end = consumed(x), amp = end < x->len ? end : x->len - 1;
        while (amp > x->lc.at && end - amp < 16 && x->data[amp] != '&')
            amp--;
        if (amp < x->len && x->data[amp] == '&' && amp >= x->lc.at)
            pos = pos_at(x, amp);
        if (v < 0x20 || (v >= 0x7F && v < 0xA0))
            snprintf(msg, sizeof msg, "control character U+%04lX not allowed",
                     (unsigned long)v);
        else
            snprintf(msg, sizeof msg, "character U+%04lX not allowed",
                     (unsigned long)v);
    } else {
        size_t n = strlen(m);
        /* one line: libxml2 messages end with '\n' and may add a 2nd line */
        const char *nl = memchr(m, '\n', n);
        if (nl)
            n = (size_t)(nl - m);
        while (n > 0 && (m[n - 1] == ' ' || m[n - 1] == '\r'))
            n--;
        snprintf(msg, sizeof msg, "not well-formed: %.*s", (int)n, m);
    }
    fail(x, pos, msg);
}

/* ---- the XML declaration --------------------------------------------- */

static int ascii_ieq(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int ca = (unsigned char)a[i], cb = (unsigned char)b[i];
        if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
        if (ca != cb)
            return 0;
    }
    return 1;
}

/* Finds encoding="..." in a leading <?xml ...?>. Returns 0 when absent or
 * UTF-8, -1 after reporting another encoding at 1:1. */
static int check_encoding(xin *x, size_t start)
{
    const char *d = x->data + start;
    size_t n = x->len - start;
    if (n < 6 || memcmp(d, "<?xml", 5) != 0 ||
        !(d[5] == ' ' || d[5] == '\t' || d[5] == '\r' || d[5] == '\n'))
        return 0;
    size_t end = 5;
    while (end + 1 < n && !(d[end] == '?' && d[end + 1] == '>'))
        end++;
    for (size_t i = 5; i + 8 <= end; i++) {
        if (memcmp(d + i, "encoding", 8) != 0)
            continue;
        size_t j = i + 8;
        while (j < end &&
               (d[j] == ' ' || d[j] == '\t' || d[j] == '\r' || d[j] == '\n'))
            j++;
        if (j >= end || d[j] != '=')
            continue;
        j++;
        while (j < end &&
               (d[j] == ' ' || d[j] == '\t' || d[j] == '\r' || d[j] == '\n'))
            j++;
        if (j >= end || (d[j] != '"' && d[j] != '\''))
            continue;
        char q = d[j++];
        size_t v = j;
        while (j < end && d[j] != q)
            j++;
        if (ascii_ieq(d + v, j - v, "UTF-8"))
            return 0;
        bt_pos pos = {x->file, 1, 1};
        bt_error(x->ctx, pos,
                 "XML encoding '%.*s' is not accepted: inputs must be UTF-8",
                 (int)BT_MIN(j - v, 40), d + v);
        return -1;
    }
    return 0;
}

/* ---- public --------------------------------------------------------- */

int bt_xml_check_encoding(bt_ctx *ctx, uint16_t file, const char *data,
                          size_t len)
{
    xin x;
    memset(&x, 0, sizeof x);
    x.ctx = ctx;
    x.file = file;
    x.data = data;
    x.len = len;
    size_t start = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    return check_encoding(&x, start);
}

bt_xel *bt_xml_parse(bt_ctx *ctx, uint16_t file, const char *data, size_t len)
{
    static int initialized;
    if (!initialized) {
        xmlInitParser();
        initialized = 1;
    }
    xin x;
    memset(&x, 0, sizeof x);
    x.ctx = ctx;
    x.file = file;
    x.data = data;
    x.len = len;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        x.skip_bom = 3;
    bt_linecol_init(&x.lc, data, len);
    x.markup_end = x.skip_bom;
    bt_buf init = BT_BUF_INIT;
    x.text = init;

    bt_pos whole = {file, 1, 1};
    if (len == 0) {
        bt_error(ctx, whole, "empty file");
        return NULL;
    }
    if (len > BT_MAX_INPUT_BYTES || len > (size_t)INT32_MAX) {
        bt_error(ctx, bt_pos_file(file), "file is larger than %u MiB",
                 BT_MAX_INPUT_BYTES / BT_MIB);
        return NULL;
    }
    if (check_encoding(&x, x.skip_bom) != 0)
        return NULL;

    xmlParserCtxtPtr px = xmlCreateMemoryParserCtxt(data, (int)len);
    if (!px) {
        bt_error(ctx, bt_pos_file(file), "cannot create the XML parser");
        return NULL;
    }
    x.px = px;
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_text;
    sax.ignorableWhitespace = on_text;
    sax.cdataBlock = on_text; /* CDATA is plain text */
    sax.comment = on_comment;
    sax.processingInstruction = on_pi;
    sax.internalSubset = on_doctype;
    sax.serror = on_error;
    /* no getEntity/resolveEntity/entityDecl/externalSubset: only the five
     * predefined entities and character references can ever resolve */
    memcpy(px->sax, &sax, sizeof sax);
    px->userData = &x;
    xmlCtxtUseOptions(px, XML_PARSE_NONET | XML_PARSE_IGNORE_ENC);
    /* whatever libxml2's global defaults say (another module could have
     * changed them): no entity substitution, no DTD loading, no validity */
    px->replaceEntities = 0;
    px->loadsubset = 0;
    px->validate = 0;

    int rc = xmlParseDocument(px);
    if (!x.failed && (rc != 0 || !px->wellFormed)) {
        /* libxml2 refused without telling the error handler */
        bt_pos p = {file, (uint32_t)BT_MAX(1, xmlSAX2GetLineNumber(px)),
                    (uint32_t)BT_MAX(1, xmlSAX2GetColumnNumber(px))};
        fail(&x, p, "not well-formed");
    }
    if (!x.failed && !x.root) {
        bt_pos p = {file, 1, 1};
        fail(&x, p, "no root element");
    }
    xmlFreeParserCtxt(px);
    bt_buf_free(&x.text);
    return x.failed ? NULL : x.root;
}

const char *bt_xel_attr(const bt_xel *el, const char *name)
{
    for (const bt_xattr *a = el ? el->attrs : NULL; a; a = a->next)
        if (strcmp(a->name, name) == 0)
            return a->value;
    return NULL;
}
