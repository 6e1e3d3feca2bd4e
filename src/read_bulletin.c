/* read_bulletin.c - the inputs of a build -> bt_doc: one manifest
 * (FORMATS.md §3) or a list of article files. Owns the root folder, the
 * input size cap (BT_MAX_INPUT_BYTES), the byte checks, and dispatch on
 * extension and root element; path resolution inside the root folder is
 * in read_common.c. Dates are
 * parsed by date.c. Stage:
 * command line -> bt_doc. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "date.h"
#include "read.h"
#include "read_int.h"
#include "read_html.h"
#include "buf.h"
#include "text.h"
#include "bt_limits.h"

/* ---- reading files -------------------------------------------------- */

enum kind { KIND_NONE, KIND_XML, KIND_TXT, KIND_HTML };

static enum kind kind_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return KIND_NONE;
    if (strcasecmp(dot, ".xml") == 0)
        return KIND_XML;
    if (strcasecmp(dot, ".txt") == 0)
        return KIND_TXT;
    if (bt_html_is_page(base))
        return KIND_HTML;
    return KIND_NONE;
}

typedef struct rd {
    bt_ctx *ctx;
    bt_doc *doc;
    int allow_outside;
    const char *root; /* real path of the root folder */
    /* files already taken, for "listed twice": seen_file, in order */
    bt_vec seen;
    bt_strset seen_at; /* real path -> index in seen */
    int too_many;      /* BT_MAX_ARTICLES reported */
} rd;

typedef struct seen_file {
    const char *real; /* real path */
    uint32_t line;    /* of its <article href> in the manifest */
} seen_file;

static int seen_before(rd *r, const char *real)
{
    return bt_strset_find(&r->seen_at, real);
}

static void remember(rd *r, const char *real, uint32_t line)
{
    seen_file *f = bt_vec_push(&r->seen);
    f->real = real;
    f->line = line;
    bt_strset_put(&r->seen_at, real, r->seen.n - 1);
}

/* One loaded input: its file index and, for XML, the parsed root. */
typedef struct loaded {
    uint16_t file;
    enum kind kind;
    bt_buf bytes; /* heap; freed by unload() */
    bt_xel *root; /* XML root element, or NULL */
    int ok;       /* bytes read and checked (and parsed, for XML) */
} loaded;

/* Puts the parse that `parse` runs into arena xa (when not NULL) rather
 * than the build's: the element tree of an article is needed only until
 * its model is made. Messages of the parse are copied out. */
typedef struct parse_in {
    bt_arena real; /* the build's arena, put back */
    int ndiags;
} parse_in;

static void parse_begin(bt_ctx *ctx, bt_arena *xa, parse_in *p)
{
    p->real = ctx->arena;
    p->ndiags = ctx->ndiags;
    if (xa)
        ctx->arena = *xa;
}

static void parse_end(bt_ctx *ctx, bt_arena *xa, parse_in *p)
{
    if (!xa)
        return;
    *xa = ctx->arena;
    ctx->arena = p->real;
    for (int i = p->ndiags; i < ctx->ndiags; i++)
        if (bt_arena_owns(xa, ctx->diags[i].msg))
            ctx->diags[i].msg = bt_arena_strdup(&ctx->arena, ctx->diags[i].msg);
}

/* Reads, checks and (for .xml) parses `real`, named `display` in
 * diagnostics. Errors are reported at file level or inside the file. The
 * element tree goes into xa, or the build's arena when xa is NULL. */
static void load(rd *r, const char *display, const char *real, loaded *out,
                 bt_arena *xa)
{
    parse_in pi;
    bt_ctx *ctx = r->ctx;
    bt_buf init = BT_BUF_INIT;
    memset(out, 0, sizeof *out);
    out->bytes = init;
    out->kind = kind_of(display);
    out->file = bt_ctx_file(ctx, display, real);
    if (bt_buf_read_file(&out->bytes, real, BT_MAX_INPUT_BYTES) != 0) {
        if (errno == EFBIG)
            bt_error(ctx, bt_pos_file(out->file), "file is larger than %u MiB",
                     BT_MAX_INPUT_BYTES / BT_MIB);
        else
            bt_error(ctx, bt_pos_file(out->file), "cannot read: %s",
                     strerror(errno));
        return;
    }
    const char *data = out->bytes.data ? out->bytes.data : "";
    if (out->kind == KIND_HTML) { /* any charset: read_html.c checks it */
        const char *dir = bt_read_dir_of(&ctx->arena, real);
        parse_begin(ctx, xa, &pi);
        out->root = bt_html_extract(ctx, out->file, data, out->bytes.len, dir);
        parse_end(ctx, xa, &pi);
        out->ok = out->root != NULL;
        return;
    }
    if (out->kind == KIND_XML &&
        bt_xml_check_encoding(ctx, out->file, data, out->bytes.len) != 0)
        return;
    if (bt_text_check_input(ctx, out->file, data, out->bytes.len) != 0)
        return;
    if (out->kind == KIND_XML) {
        parse_begin(ctx, xa, &pi);
        out->root = bt_xml_parse(ctx, out->file, data, out->bytes.len);
        parse_end(ctx, xa, &pi);
        if (!out->root)
            return;
    }
    out->ok = 1;
}

static void unload(loaded *l)
{
    bt_buf_free(&l->bytes);
}

static void wrong_root(bt_ctx *ctx, const bt_xel *el)
{
    bt_error(ctx, el->pos,
             "wrong root element <%s>: expected <article> or <bulletin>",
             el->name);
}

/* The article of a loaded file (XML <article> or .txt), else NULL. */
static bt_article *article_of(rd *r, loaded *l, const char *real)
{
    bt_ctx *ctx = r->ctx;
    if (l->kind == KIND_TXT) {
        bt_article *art = bt_read_clip(
            ctx, l->file, l->bytes.data ? l->bytes.data : "", l->bytes.len);
        if (art && !art->id)
            art->id = bt_read_id_from_file(ctx, l->file);
        return art;
    }
    if (strcmp(l->root->name, "article") != 0) {
        wrong_root(ctx, l->root);
        return NULL;
    }
    return bt_read_article(ctx, l->root, l->file,
                           bt_read_dir_of(&ctx->arena, real), r->root,
                           r->allow_outside);
}

/* An article's model made from an element tree in xa: every string it
 * points to inside xa (attribute values taken as they are: lang, href,
 * src...) is copied into the build's arena, so xa can go. */
static const char *keep_cstr(bt_arena *a, const bt_arena *xa, const char *s)
{
    return s && bt_arena_owns(xa, s) ? bt_arena_strdup(a, s) : s;
}

static void keep_str(bt_arena *a, const bt_arena *xa, bt_str *s)
{
    if (s->ptr && bt_arena_owns(xa, s->ptr))
        *s = bt_arena_str(a, s->ptr, s->len);
}

static void keep_runs(bt_arena *a, const bt_arena *xa, bt_runs *runs)
{
    for (bt_run *x = runs->first; x; x = x->next) {
        keep_str(a, xa, &x->text);
        x->href = keep_cstr(a, xa, x->href);
    }
}

static void keep_article(bt_ctx *ctx, const bt_arena *xa, bt_article *art)
{
    bt_arena *a = &ctx->arena;
    art->id = keep_cstr(a, xa, art->id);
    art->lang = keep_cstr(a, xa, art->lang);
    art->source_url = keep_cstr(a, xa, art->source_url);
    bt_field *f[] = {&art->kicker, &art->title,   &art->subtitle, &art->source,
                     &art->credit, &art->section, &art->date_text};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        keep_str(a, xa, &f[i]->text);
    for (bt_author *au = art->authors; au; au = au->next)
        keep_str(a, xa, &au->name.text);
    keep_runs(a, xa, &art->lead);
    for (bt_block *b = art->blocks; b; b = b->next) {
        keep_runs(a, xa, &b->runs);
        b->src = keep_cstr(a, xa, b->src);
        b->path = keep_cstr(a, xa, b->path);
        keep_str(a, xa, &b->alt);
    }
}

static int add_article(rd *r, bt_section *sec, bt_article *art, bt_pos pos)
{
    if (r->doc->narticles >= BT_MAX_ARTICLES) {
        if (!r->too_many)
            bt_error(r->ctx, pos, "more than %d articles", BT_MAX_ARTICLES);
        r->too_many = 1;
        return -1;
    }
    if (sec->narticles == 0) { /* link a lazily made section in, in order */
        bt_section **pp = &r->doc->sections;
        while (*pp && *pp != sec)
            pp = &(*pp)->next;
        if (!*pp) {
            *pp = sec;
            r->doc->nsections++;
        }
    }
    bt_section_add_article(sec, art);
    r->doc->narticles++;
    return 0;
}

/* ---- the manifest --------------------------------------------------- */

static void text_here(bt_ctx *ctx, const bt_xel *parent, const bt_xel *t)
{
    bt_error(ctx, t->pos, "text not allowed directly in <%s>", parent->name);
}

/* One <article href="..."/> of a manifest. */
static void read_href(rd *r, bt_section *sec, const bt_xel *el,
                      const char *mdir, const char *mdisplay_dir,
                      const char *mreal)
{
    bt_ctx *ctx = r->ctx;
    static const char *const attrs[] = {"href", NULL};
    if (bt_read_check_attrs(ctx, el, attrs) != 0)
        return;
    for (const bt_xel *k = el->kids; k; k = k->next)
        if (k->name || !bt_read_blank(k->text)) {
            if (k->name)
                bt_error(ctx, k->pos, "unknown element <%s> in <article>",
                         k->name);
            else
                text_here(ctx, el, k);
            return;
        }
    const char *href = bt_xel_attr(el, "href");
    if (!href || !*href) {
        bt_error(ctx, el->pos, "missing href on <article>");
        return;
    }
    if (kind_of(href) == KIND_NONE) {
        bt_error(
            ctx, el->pos,
            "article '%s': unknown input type (expected .xml, .txt or .html)",
            href);
        return;
    }
    const char *why = NULL;
    const char *real =
        bt_resolve_path(ctx, mdir, href, r->root, r->allow_outside, &why);
    if (!real) {
        bt_error(ctx, el->pos, "article '%s': %s", href, why);
        return;
    }
    if (strcmp(real, mreal) == 0) {
        bt_error(ctx, el->pos, "article '%s' is the manifest itself", href);
        return;
    }
    int prev = seen_before(r, real);
    if (prev >= 0) {
        bt_error(ctx, el->pos,
                 "article '%s' is listed twice (first at line %u)", href,
                 (unsigned)((const seen_file *)r->seen.p)[prev].line);
        return;
    }
    remember(r, real, el->pos.line);
    const char *display = href[0] == '/' ? href
                                         : bt_arena_printf(&ctx->arena, "%s%s",
                                                           mdisplay_dir, href);
    int errors0 = ctx->nerrors;
    loaded l;
    bt_arena xa;
    bt_arena_init(&xa);
    load(r, display, real, &l, &xa);
    bt_article *art = NULL;
    if (l.ok && l.root && strcmp(l.root->name, "bulletin") == 0) {
        bt_error(ctx, el->pos,
                 "article '%s' is a bulletin manifest, not an article", href);
        unload(&l);
        bt_arena_free(&xa);
        return;
    }
    if (l.ok)
        art = article_of(r, &l, real);
    if (art)
        keep_article(ctx, &xa, art);
    unload(&l);
    bt_arena_free(&xa);
    if (ctx->nerrors > errors0)
        bt_note(ctx, el->pos, "referenced from here");
    if (art)
        add_article(r, sec, art, el->pos);
}

static void read_section(rd *r, const bt_xel *el, const char *mdir,
                         const char *mdisplay_dir, const char *mreal,
                         int *nrefs)
{
    bt_ctx *ctx = r->ctx;
    static const char *const attrs[] = {"title", "reorder", NULL};
    bt_read_check_attrs(ctx, el, attrs);
    /* the section joins the document with its first article: one whose
     * articles all failed (or that lists none) is not printed */
    bt_section *sec = bt_arena_alloc(&ctx->arena, sizeof *sec);
    const char *t = bt_xel_attr(el, "title");
    if (t) {
        bt_str raw = {t, strlen(t)};
        sec->title.text = bt_text_trim(bt_text_normalize(&ctx->arena, raw, 0));
    }
    sec->title.pos = el->pos;
    const char *ro = bt_xel_attr(el, "reorder");
    if (ro && strcmp(ro, "yes") == 0)
        sec->reorder = 1;
    else if (ro && strcmp(ro, "no") != 0)
        bt_error(ctx, el->pos, "reorder must be \"yes\" or \"no\", not \"%s\"",
                 ro);
    for (const bt_xel *k = el->kids; k && !bt_ctx_full(ctx) && !r->too_many;
         k = k->next) {
        if (!k->name) {
            if (!bt_read_blank(k->text))
                text_here(ctx, el, k);
        } else if (strcmp(k->name, "article") == 0) {
            (*nrefs)++;
            read_href(r, sec, k, mdir, mdisplay_dir, mreal);
        } else {
            bt_error(ctx, k->pos, "unknown element <%s> in <section>", k->name);
        }
    }
}

static void read_manifest(rd *r, const bt_xel *root, uint16_t file,
                          const char *display, const char *real)
{
    bt_ctx *ctx = r->ctx;
    bt_doc *doc = r->doc;
    doc->has_manifest = 1;
    doc->file = file;
    static const char *const attrs[] = {"xml:lang", NULL};
    bt_read_check_attrs(ctx, root, attrs);
    const char *lang = bt_xel_attr(root, "xml:lang");
    if (lang && *lang)
        doc->lang = bt_arena_strdup(&ctx->arena, lang);

    /* hrefs are relative to the manifest as named (its folder is root) */
    const char *mdir = r->root ? r->root : bt_read_dir_of(&ctx->arena, real);
    const char *slash = strrchr(display, '/');
    const char *mdisplay_dir =
        slash ? bt_arena_strndup(&ctx->arena, display,
                                 (size_t)(slash - display + 1))
              : "";
    static const char *const names[] = {"title",     "subtitle", "number",
                                        "publisher", "layout",   "date"};
    bt_field *fields[] = {&doc->title,     &doc->subtitle, &doc->number,
                          &doc->publisher, &doc->layout,   &doc->date_text};
    const bt_xel *seen[6] = {NULL};
    int nrefs = 0;
    for (const bt_xel *k = root->kids; k && !bt_ctx_full(ctx) && !r->too_many;
         k = k->next) {
        if (!k->name) {
            if (!bt_read_blank(k->text))
                text_here(ctx, root, k);
            continue;
        }
        if (strcmp(k->name, "section") == 0) {
            read_section(r, k, mdir, mdisplay_dir, real, &nrefs);
            continue;
        }
        int i = 0, n = (int)(sizeof names / sizeof *names);
        while (i < n && strcmp(k->name, names[i]) != 0)
            i++;
        if (i == n) {
            bt_error(ctx, k->pos, "unknown element <%s> in <bulletin>",
                     k->name);
            continue;
        }
        if (seen[i]) {
            bt_error(ctx, k->pos, "<%s> given twice in <bulletin>", k->name);
            continue;
        }
        seen[i] = k;
        if (bt_read_field(ctx, k, fields[i], NULL) != 0)
            continue;
        if (fields[i] == &doc->date_text)
            bt_date_read(ctx, k->pos, doc->date_text.text, &doc->date);
    }
    if (nrefs == 0 && !bt_ctx_full(ctx))
        bt_error(ctx, root->pos, "the bulletin lists no article");
    if (doc->title.text.len == 0) {
        doc->title.text =
            bt_arena_str(&ctx->arena, "Bản tin", strlen("Bản tin"));
        if (!seen[0])
            doc->title.pos = root->pos;
    }
}

/* ---- public --------------------------------------------------------- */

bt_doc *bt_read_inputs(bt_ctx *ctx, char **paths, int npaths, int allow_outside)
{
    bt_doc *doc = bt_doc_new(&ctx->arena);
    rd r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.doc = doc;
    r.seen.size = sizeof(seen_file);
    r.allow_outside = allow_outside;
    if (npaths <= 0) {
        bt_error(ctx, bt_pos_file(0), "no input file");
        bt_doc_finish(&ctx->arena, doc);
        return doc;
    }

    /* the root folder: that of the first file */
    char *rootdir = realpath(bt_read_dir_of(&ctx->arena, paths[0]), NULL);
    if (rootdir) {
        r.root = bt_arena_strdup(&ctx->arena, rootdir);
        free(rootdir);
    }
    doc->root = r.root;

    bt_section *sec = NULL;
    int first_file = 1;
    for (int i = 0; i < npaths && !bt_ctx_full(ctx) && !r.too_many; i++) {
        const char *display = paths[i];
        char *rp = realpath(display, NULL);
        int rp_errno = errno;
        const char *real = NULL;
        if (rp) {
            real = bt_arena_strdup(&ctx->arena, rp);
            free(rp);
        }
        uint16_t file = bt_ctx_file(ctx, display, real);
        if (first_file) {
            doc->file = file;
            first_file = 0;
        }
        bt_pos fpos = bt_pos_file(file);
        if (kind_of(display) == KIND_NONE) {
            bt_error(ctx, fpos,
                     "unknown input type (expected .xml, .txt or .html)");
            continue;
        }
        if (!real) {
            bt_error(ctx, fpos, "%s",
                     rp_errno == ENOENT ? "no such file" : strerror(rp_errno));
            continue;
        }
        if (!allow_outside && !bt_read_inside(r.root, real)) {
            bt_error(ctx, fpos,
                     "leaves the bulletin folder (use --allow-outside)");
            continue;
        }
        if (seen_before(&r, real) >= 0) {
            bt_error(ctx, fpos, "given twice");
            continue;
        }
        remember(&r, real, 0);
        loaded l;
        load(&r, display, real, &l, NULL);
        if (l.ok && l.root && strcmp(l.root->name, "bulletin") == 0) {
            if (npaths == 1)
                read_manifest(&r, l.root, l.file, display, real);
            else
                bt_error(ctx, l.root->pos,
                         "a bulletin manifest must be the only input");
            unload(&l);
            continue;
        }
        bt_article *art = l.ok ? article_of(&r, &l, real) : NULL;
        unload(&l);
        if (!sec)
            sec = bt_doc_add_section(&ctx->arena, doc);
        if (art)
            add_article(&r, sec, art, fpos);
    }
    if (!doc->has_manifest) {
        if (!sec)
            sec = bt_doc_add_section(&ctx->arena, doc);
        if (doc->narticles == 1 && sec->articles)
            doc->title = sec->articles->title;
        else
            doc->title.text =
                bt_arena_str(&ctx->arena, "Bản tin", strlen("Bản tin"));
        doc->title.pos.file = doc->file;
    }
    bt_vec_free(&r.seen);
    bt_strset_free(&r.seen_at);
    bt_doc_finish(&ctx->arena, doc);
    return doc;
}
