/* read_article.c - article XML (FORMATS.md §1): checks a bt_xel tree from
 * xmlin.c in plain C and fills a bt_article. Unknown elements and
 * attributes are errors; after an error in one element the reader goes on
 * with the next sibling, so one run reports many problems (up to
 * BT_MAX_ERRORS). Inline markup (em, strong, a, br) becomes flat styled
 * runs with HTML whitespace collapse. Stage: bt_xel -> bt_doc subtree. */
#include <string.h>
#include <strings.h>
#include "read.h"
#include "read_int.h"
#include "buf.h"
#include "text.h"
#include "bt_limits.h"

typedef struct rd {
    bt_ctx *ctx;
    bt_article *art;
    const char *dir;  /* real folder of the article (image paths) */
    const char *root; /* bulletin root (real path) */
    int allow_outside;
    int too_many; /* BT_MAX_BLOCKS reported */
} rd;

/* ---- small helpers -------------------------------------------------- */

/* Position of the first non-blank character of a text node. */
static bt_pos first_ink(const bt_xel *t)
{
    bt_pos p = t->pos;
    for (size_t i = 0; i < t->text.len; i++) {
        unsigned char c = (unsigned char)t->text.ptr[i];
        if (c == '\n' || (c == '\r' && !(i + 1 < t->text.len &&
                                         t->text.ptr[i + 1] == '\n'))) {
            p.line++;
            p.col = 1;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            if (c != '\r')
                p.col++;
        } else {
            break;
        }
    }
    return p;
}

static int is(const bt_xel *el, const char *name)
{
    return el->name && strcmp(el->name, name) == 0;
}

static const char *const no_attrs[] = {NULL};

/* A kid that is not allowed here: an element or non-blank text. */
static void not_allowed(bt_ctx *ctx, const bt_xel *parent, const bt_xel *kid)
{
    if (kid->name)
        bt_error(ctx, kid->pos, "unknown element <%s> in <%s>", kid->name,
                 parent->name);
    else
        bt_error(ctx, first_ink(kid), "text not allowed directly in <%s>",
                 parent->name);
}

/* ---- inline content ------------------------------------------------- */

static int link_ok(const char *href)
{
    static const char *const schemes[] = {"http:", "https:", "mailto:"};
    for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++) {
        size_t n = strlen(schemes[i]);
        if (strncasecmp(href, schemes[i], n) == 0)
            return 1;
    }
    return 0;
}

static int inline_kids(rd *r, const bt_xel *el, bt_runs *runs, unsigned style,
                       const char *href, int depth);

static int inline_el(rd *r, const bt_xel *parent, const bt_xel *k,
                     bt_runs *runs, unsigned style, const char *href, int depth)
{
    bt_ctx *ctx = r->ctx;
    unsigned add = 0;
    if (is(k, "br")) {
        int rc = bt_read_check_attrs(ctx, k, no_attrs);
        for (const bt_xel *g = k->kids; g; g = g->next) {
            if (g->name || !bt_read_blank(g->text)) {
                not_allowed(ctx, k, g);
                rc = -1;
            }
        }
        if (rc == 0)
            bt_runs_add(&ctx->arena, runs, BT_RUN_BREAK, style, BT_STR_NULL,
                        k->pos);
        return rc;
    }
    if (is(k, "em"))
        add = BT_STYLE_EM;
    else if (is(k, "strong"))
        add = BT_STYLE_STRONG;
    else if (!is(k, "a")) {
        bt_error(ctx, k->pos, "unknown element <%s> in <%s>", k->name,
                 parent->name);
        return -1;
    }
    if (depth + 1 > BT_MAX_INLINE_DEPTH) {
        bt_error(ctx, k->pos, "inline markup nested deeper than %d",
                 BT_MAX_INLINE_DEPTH);
        return -1;
    }
    if (is(k, "a")) {
        static const char *const a_attrs[] = {"href", NULL};
        if (bt_read_check_attrs(ctx, k, a_attrs) != 0)
            return -1;
        const char *h = bt_xel_attr(k, "href");
        if (!h) {
            bt_error(ctx, k->pos, "missing href on <a>");
            return -1;
        }
        bt_str hs = bt_text_trim(
            bt_text_normalize(&ctx->arena, (bt_str){h, strlen(h)}, 0));
        char *hc = bt_arena_strndup(&ctx->arena, hs.ptr, hs.len);
        if (link_ok(hc)) {
            add = BT_STYLE_LINK;
            href = hc;
        } else {
            bt_warning(ctx, k->pos,
                       "link '%.60s' is not http, https or mailto; printed as "
                       "plain text",
                       hc);
        }
    } else if (bt_read_check_attrs(ctx, k, no_attrs) != 0) {
        return -1;
    }
    return inline_kids(r, k, runs, style | add, href, depth + 1);
}

static int inline_kids(rd *r, const bt_xel *el, bt_runs *runs, unsigned style,
                       const char *href, int depth)
{
    int rc = 0;
    for (const bt_xel *k = el->kids; k; k = k->next) {
        if (bt_ctx_full(r->ctx))
            return -1;
        if (!k->name) {
            bt_str t = bt_text_normalize(&r->ctx->arena, k->text, 0);
            if (t.len) {
                bt_run *run = bt_runs_add(&r->ctx->arena, runs, BT_RUN_TEXT,
                                          style, t, k->pos);
                if (style & BT_STYLE_LINK)
                    run->href = href;
            }
        } else if (inline_el(r, el, k, runs, style, href, depth) != 0) {
            rc = -1;
        }
    }
    return rc;
}

/* HTML whitespace rules over the whole run list: a space that follows a
 * space (across runs) goes, the block's edges are trimmed, and so are the
 * spaces on either side of a <br/>. Empty runs are removed. */
static void tidy_runs(bt_runs *runs)
{
    int at_space = 1; /* start of block: a leading space goes */
    bt_run *last_text = NULL;
    for (bt_run *r = runs->first; r; r = r->next) {
        if (r->kind == BT_RUN_BREAK) {
            if (last_text && last_text->text.len &&
                last_text->text.ptr[last_text->text.len - 1] == ' ')
                last_text->text.len--;
            last_text = NULL;
            at_space = 1;
            continue;
        }
        if (at_space && r->text.len && r->text.ptr[0] == ' ') {
            r->text.ptr++;
            r->text.len--;
        }
        if (r->text.len) {
            at_space = r->text.ptr[r->text.len - 1] == ' ';
            last_text = r;
        }
    }
    if (last_text && last_text->text.len &&
        last_text->text.ptr[last_text->text.len - 1] == ' ')
        last_text->text.len--;
    /* drop empty text runs */
    bt_run *first = NULL, *last = NULL;
    int count = 0;
    for (bt_run *r = runs->first, *next; r; r = next) {
        next = r->next;
        r->next = NULL;
        if (r->kind == BT_RUN_TEXT && r->text.len == 0)
            continue;
        if (last)
            last->next = r;
        else
            first = r;
        last = r;
        count++;
    }
    runs->first = first;
    runs->last = last;
    runs->count = count;
}

/* Inline container (p, h2, li, lead, figcaption) -> runs. */
static int read_inline(rd *r, const bt_xel *el, bt_runs *out)
{
    bt_runs runs = {NULL, NULL, 0};
    int rc = bt_read_check_attrs(r->ctx, el, no_attrs);
    if (inline_kids(r, el, &runs, 0, NULL, 0) != 0)
        rc = -1;
    if (rc == 0) {
        tidy_runs(&runs);
        *out = runs;
    }
    return rc;
}

/* ---- blocks --------------------------------------------------------- */

static bt_block *add_block(rd *r, enum bt_block_kind kind, const bt_xel *el,
                           bt_runs runs)
{
    bt_block *b = bt_article_add_block(&r->ctx->arena, r->art, kind, el->pos);
    b->runs = runs;
    return b;
}

/* True (after one error, at the first element over the limit) when the
 * article already has BT_MAX_BLOCKS blocks: the caller stops reading. */
static int too_many_blocks(rd *r, const bt_xel *el)
{
    if (r->art->nblocks < BT_MAX_BLOCKS)
        return 0;
    if (!r->too_many)
        bt_error(r->ctx, el->pos,
                 "more than %d blocks (paragraphs, headings, list items, "
                 "figures) in one article",
                 BT_MAX_BLOCKS);
    r->too_many = 1;
    return 1;
}

static int read_para(rd *r, const bt_xel *el, enum bt_block_kind kind,
                     int *group_start)
{
    bt_runs runs;
    if (read_inline(r, el, &runs) != 0)
        return -1;
    if (runs.count == 0)
        return 0; /* an empty paragraph prints nothing */
    bt_block *b = add_block(r, kind, el, runs);
    if (group_start && *group_start) {
        b->group_start = 1;
        *group_start = 0;
    }
    return 0;
}

static int read_quote(rd *r, const bt_xel *el)
{
    int rc = bt_read_check_attrs(r->ctx, el, no_attrs), first = 1;
    for (const bt_xel *k = el->kids; k && !bt_ctx_full(r->ctx); k = k->next) {
        if (!k->name && bt_read_blank(k->text))
            continue;
        if (k->name && is(k, "p")) {
            if (too_many_blocks(r, k))
                return -1;
            if (read_para(r, k, BT_BLOCK_QUOTE, &first) != 0)
                rc = -1;
        } else {
            not_allowed(r->ctx, el, k);
            rc = -1;
        }
    }
    return rc;
}

static int read_list(rd *r, const bt_xel *el, int ordered)
{
    int rc = bt_read_check_attrs(r->ctx, el, no_attrs), first = 1, number = 0;
    for (const bt_xel *k = el->kids; k && !bt_ctx_full(r->ctx); k = k->next) {
        if (!k->name && bt_read_blank(k->text))
            continue;
        if (!k->name || !is(k, "li")) {
            not_allowed(r->ctx, el, k);
            rc = -1;
            continue;
        }
        if (too_many_blocks(r, k))
            return -1;
        number++;
        bt_runs runs;
        if (read_inline(r, k, &runs) != 0) {
            rc = -1;
            continue;
        }
        bt_block *b = add_block(r, BT_BLOCK_ITEM, k, runs);
        b->ordered = ordered;
        b->number = ordered ? number : 0;
        b->group_start = first;
        first = 0;
    }
    return rc;
}

/* True when src names a URL rather than a path: "scheme:" or "//". */
static int is_url(const char *s)
{
    if (s[0] == '/' && s[1] == '/')
        return 1;
    size_t i = 0;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
           (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' ||
           s[i] == '.')
        i++;
    return s[i] == ':';
}

static int read_figure(rd *r, const bt_xel *el)
{
    bt_ctx *ctx = r->ctx;
    int rc = bt_read_check_attrs(ctx, el, no_attrs);
    const bt_xel *img = NULL, *cap = NULL;
    for (const bt_xel *k = el->kids; k; k = k->next) {
        if (!k->name && bt_read_blank(k->text))
            continue;
        if (k->name && (is(k, "img") || is(k, "figcaption"))) {
            const bt_xel **slot = is(k, "img") ? &img : &cap;
            if (*slot) {
                bt_error(ctx, k->pos, "<%s> given twice in <figure>", k->name);
                rc = -1;
            } else {
                *slot = k;
            }
        } else {
            not_allowed(ctx, el, k);
            rc = -1;
        }
    }
    if (!img) {
        bt_error(ctx, el->pos, "<img> is required in <figure>");
        return -1;
    }
    static const char *const img_attrs[] = {"src", "alt", NULL};
    if (bt_read_check_attrs(ctx, img, img_attrs) != 0)
        rc = -1;
    for (const bt_xel *k = img->kids; k; k = k->next)
        if (k->name || !bt_read_blank(k->text)) {
            not_allowed(ctx, img, k);
            rc = -1;
        }
    const char *src = bt_xel_attr(img, "src");
    const char *path = NULL;
    if (!src || !*src) {
        bt_error(ctx, img->pos, "missing src on <img>");
        rc = -1;
    } else if (is_url(src)) {
        bt_error(ctx, img->pos,
                 "image '%s': URL not allowed (images are never fetched)", src);
        rc = -1;
    } else {
        const char *why = NULL;
        path =
            bt_resolve_path(ctx, r->dir, src, r->root, r->allow_outside, &why);
        if (!path) {
            bt_error(ctx, img->pos, "image '%s': %s", src,
                     why ? why : "cannot be used");
            rc = -1;
        }
    }
    bt_runs runs = {NULL, NULL, 0};
    if (cap && read_inline(r, cap, &runs) != 0)
        rc = -1;
    if (rc != 0)
        return -1;
    bt_block *b = add_block(r, BT_BLOCK_FIGURE, el, runs);
    b->src = bt_arena_strdup(&ctx->arena, src);
    b->path = path;
    b->src_pos = img->pos;
    const char *alt = bt_xel_attr(img, "alt");
    if (alt)
        b->alt = bt_text_trim(
            bt_text_normalize(&ctx->arena, (bt_str){alt, strlen(alt)}, 0));
    return 0;
}

static int read_body(rd *r, const bt_xel *el)
{
    int rc = bt_read_check_attrs(r->ctx, el, no_attrs);
    for (const bt_xel *k = el->kids; k && !bt_ctx_full(r->ctx); k = k->next) {
        int e = 0;
        if (!k->name) {
            if (!bt_read_blank(k->text)) {
                not_allowed(r->ctx, el, k);
                e = -1;
            }
        } else if (too_many_blocks(r, k)) {
            return -1;
        } else if (is(k, "p")) {
            e = read_para(r, k, BT_BLOCK_PARA, NULL);
        } else if (is(k, "h2")) {
            e = read_para(r, k, BT_BLOCK_HEADING, NULL);
        } else if (is(k, "blockquote")) {
            e = read_quote(r, k);
        } else if (is(k, "ul") || is(k, "ol")) {
            e = read_list(r, k, is(k, "ol"));
        } else if (is(k, "figure")) {
            e = read_figure(r, k);
        } else {
            not_allowed(r->ctx, el, k);
            e = -1;
        }
        if (e)
            rc = -1;
    }
    return rc;
}

/* ---- meta ----------------------------------------------------------- */

static int read_meta(rd *r, const bt_xel *el)
{
    bt_ctx *ctx = r->ctx;
    bt_article *art = r->art;
    int rc = bt_read_check_attrs(ctx, el, no_attrs);
    static const char *const names[] = {
        "kicker", "title", "subtitle", "source", "date", "credit", "section"};
    bt_field *fields[] = {&art->kicker, &art->title,     &art->subtitle,
                          &art->source, &art->date_text, &art->credit,
                          &art->section};
    const bt_xel *seen[7] = {NULL};
    for (const bt_xel *k = el->kids; k && !bt_ctx_full(ctx); k = k->next) {
        if (!k->name) {
            if (!bt_read_blank(k->text)) {
                not_allowed(ctx, el, k);
                rc = -1;
            }
            continue;
        }
        if (is(k, "author")) {
            bt_field f;
            if (bt_read_field(ctx, k, &f, NULL) != 0)
                rc = -1;
            else if (f.text.len)
                bt_article_add_author(&ctx->arena, art, f);
            continue;
        }
        int i = 0, n = (int)(sizeof names / sizeof *names);
        while (i < n && !is(k, names[i]))
            i++;
        if (i == n) {
            not_allowed(ctx, el, k);
            rc = -1;
            continue;
        }
        if (seen[i]) {
            bt_error(ctx, k->pos, "<%s> given twice in <meta>", k->name);
            rc = -1;
            continue;
        }
        seen[i] = k;
        static const char *const src_attrs[] = {"url", NULL};
        if (bt_read_field(ctx, k, fields[i],
                          is(k, "source") ? src_attrs : NULL) != 0) {
            rc = -1;
            continue;
        }
        if (is(k, "source")) {
            const char *u = bt_xel_attr(k, "url");
            if (u) {
                bt_str us = bt_text_trim(
                    bt_text_normalize(&ctx->arena, (bt_str){u, strlen(u)}, 0));
                art->source_url =
                    us.len ? bt_arena_strndup(&ctx->arena, us.ptr, us.len)
                           : NULL;
            }
        } else if (is(k, "date")) {
            if (bt_date_read(ctx, k->pos, art->date_text.text, &art->date))
                rc = -1;
        } else if (is(k, "title") && art->title.text.len == 0) {
            bt_error(ctx, k->pos, "<title> is empty");
            rc = -1;
        }
    }
    if (!seen[1]) {
        bt_error(ctx, el->pos, "missing required <title> in <meta>");
        rc = -1;
    }
    return rc;
}

/* ---- the article ---------------------------------------------------- */

bt_article *bt_read_article(bt_ctx *ctx, const bt_xel *root_el, uint16_t file,
                            const char *dir, const char *root,
                            int allow_outside)
{
    if (!root_el || !root_el->name)
        return NULL;
    if (!is(root_el, "article")) {
        bt_error(ctx, root_el->pos,
                 "wrong root element <%s>: expected <article>", root_el->name);
        return NULL;
    }
    int errors0 = ctx->nerrors;
    bt_article *art = bt_article_new(&ctx->arena, file);
    art->pos = root_el->pos;
    rd r = {ctx, art, dir ? dir : ".", root, allow_outside, 0};

    static const char *const art_attrs[] = {"xml:lang", "id", NULL};
    bt_read_check_attrs(ctx, root_el, art_attrs);
    const char *lang = bt_xel_attr(root_el, "xml:lang");
    if (lang && *lang)
        art->lang = bt_arena_strdup(&ctx->arena, lang);
    const char *id = bt_xel_attr(root_el, "id");
    if (id)
        art->id = bt_read_slug(&ctx->arena, id, strlen(id));
    if (!art->id)
        art->id = bt_read_id_from_file(ctx, file);

    const bt_xel *meta = NULL, *lead = NULL, *body = NULL;
    for (const bt_xel *k = root_el->kids; k && !bt_ctx_full(ctx); k = k->next) {
        if (!k->name) {
            if (!bt_read_blank(k->text))
                not_allowed(ctx, root_el, k);
            continue;
        }
        const bt_xel **slot = is(k, "meta")   ? &meta
                              : is(k, "lead") ? &lead
                              : is(k, "body") ? &body
                                              : NULL;
        if (!slot) {
            not_allowed(ctx, root_el, k);
            continue;
        }
        if (*slot) {
            bt_error(ctx, k->pos, "<%s> given twice in <article>", k->name);
            continue;
        }
        *slot = k;
        if (slot == &meta) {
            read_meta(&r, k);
        } else if (slot == &lead) {
            art->lead_pos = k->pos;
            read_inline(&r, k, &art->lead);
        } else {
            read_body(&r, k);
        }
    }
    if (!meta)
        bt_error(ctx, root_el->pos,
                 "missing required <meta> (with <title>) in <article>");
    /* an article with errors still goes on to the later stages when it
     * has a title, so `check` also reports what only they can find (a
     * character no font has); nothing is written after any error */
    (void)errors0;
    return art->title.text.len ? art : NULL;
}
