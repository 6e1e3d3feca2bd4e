/* read_bulletin.c - the inputs of a build -> bt_doc: one manifest
 * (FORMATS.md §3) or a list of article files. Owns the file rules shared by
 * every reader: the root folder, path resolution that refuses anything
 * outside it (symlinks followed) unless --allow-outside, the 64 MiB cap,
 * the byte checks, and dispatch on extension and root element. Also the
 * strict YYYY-MM-DD date parser. Stage: command line -> bt_doc. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "read.h"
#include "read_html.h"
#include "buf.h"
#include "text.h"
#include "bt_limits.h"

/* ---- paths ---------------------------------------------------------- */

/* True when `path` (absolute, canonical) is `root` or inside it, judged by
 * whole components: "/a/b" contains "/a/b/c", not "/a/bc". */
static int inside(const char *root, const char *path)
{
    if (!root)
        return 1;
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    if (n == 1 && root[0] == '/')
        return path[0] == '/';
    return strncmp(path, root, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* Folder part of a path, in the arena: "a/b.xml" -> "a", "b.xml" -> ".",
 * "/b.xml" -> "/". */
static char *dir_of(bt_arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return bt_arena_strdup(a, ".");
    if (slash == path)
        return bt_arena_strdup(a, "/");
    return bt_arena_strndup(a, path, (size_t)(slash - path));
}

/* dir/rel with "." and ".." applied to the text only (no symlinks); used
 * to tell "leaves the folder" from "no such file" for a missing path. */
static char *lexical_join(bt_arena *a, const char *dir, const char *rel)
{
    size_t cap = strlen(dir) + strlen(rel) + 3;
    char *out = bt_arena_alloc(a, cap);
    size_t n = 0;
    const char *parts[2] = {rel[0] == '/' ? "" : dir, rel};
    out[0] = 0;
    for (int k = 0; k < 2; k++) {
        const char *p = parts[k];
        while (*p) {
            while (*p == '/')
                p++;
            const char *e = p;
            while (*e && *e != '/')
                e++;
            size_t len = (size_t)(e - p);
            if (len == 0 || (len == 1 && p[0] == '.')) {
                /* nothing */
            } else if (len == 2 && p[0] == '.' && p[1] == '.') {
                while (n > 0 && out[n - 1] != '/')
                    n--;
                if (n > 0)
                    n--;
            } else {
                out[n++] = '/';
                memcpy(out + n, p, len);
                n += len;
            }
            p = e;
        }
    }
    if (n == 0)
        out[n++] = '/';
    out[n] = 0;
    return out;
}

const char *bt_resolve_path(bt_ctx *ctx, const char *dir, const char *rel,
                            const char *root, int allow_outside,
                            const char **why)
{
    static const char outside_msg[] =
        "leaves the bulletin folder (use --allow-outside)";
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    if (!rel || !*rel) {
        *why = "no such file";
        return NULL;
    }
    if (!dir)
        dir = ".";
    const char *joined =
        rel[0] == '/' ? rel : bt_arena_printf(&ctx->arena, "%s/%s", dir, rel);
    /* realpath only looks at names (lstat, readlink): nothing is opened
     * before the containment check */
    char *real = realpath(joined, NULL);
    if (!real) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR) {
            int out = 0;
            if (!allow_outside && root) {
                char *adir = realpath(dir, NULL);
                out = !inside(
                    root, lexical_join(&ctx->arena, adir ? adir : dir, rel));
                free(adir);
            }
            *why = out ? outside_msg : "no such file";
        } else {
            *why = bt_arena_printf(&ctx->arena, "%s", strerror(e));
        }
        return NULL;
    }
    const char *res = bt_arena_strdup(&ctx->arena, real);
    free(real);
    if (!allow_outside && !inside(root, res)) {
        *why = outside_msg;
        return NULL;
    }
    struct stat st;
    if (stat(res, &st) != 0) {
        *why = bt_arena_printf(&ctx->arena, "%s", strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = S_ISDIR(st.st_mode) ? "is a folder, not a file"
                                   : "not a regular file";
        return NULL;
    }
    return res;
}

/* ---- dates ---------------------------------------------------------- */

int bt_date_parse(bt_str s, bt_date *out)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (s.len != 10 || s.ptr[4] != '-' || s.ptr[7] != '-')
        return -1;
    int v[3] = {0, 0, 0};
    static const int from[] = {0, 5, 8}, to[] = {4, 7, 10};
    for (int k = 0; k < 3; k++)
        for (int i = from[k]; i < to[k]; i++) {
            if (s.ptr[i] < '0' || s.ptr[i] > '9')
                return -1;
            v[k] = v[k] * 10 + (s.ptr[i] - '0');
        }
    int y = v[0], m = v[1], d = v[2];
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    if (d > max)
        return -1;
    if (out) {
        out->y = y;
        out->m = m;
        out->d = d;
    }
    return 0;
}

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
    /* files already taken, by real path, for "listed twice" */
    const char **seen;
    uint32_t *seen_line;
    int nseen, capseen;
    int too_many; /* BT_MAX_ARTICLES reported */
} rd;

static int seen_before(rd *r, const char *real)
{
    for (int i = 0; i < r->nseen; i++)
        if (strcmp(r->seen[i], real) == 0)
            return i;
    return -1;
}

static void remember(rd *r, const char *real, uint32_t line)
{
    if (r->nseen == r->capseen) {
        r->capseen = r->capseen ? 2 * r->capseen : 32;
        r->seen = bt_xrealloc(r->seen, (size_t)r->capseen * sizeof *r->seen);
        r->seen_line = bt_xrealloc(r->seen_line,
                                   (size_t)r->capseen * sizeof *r->seen_line);
    }
    r->seen[r->nseen] = real;
    r->seen_line[r->nseen++] = line;
}

/* One loaded input: its file index and, for XML, the parsed root. */
typedef struct loaded {
    uint16_t file;
    enum kind kind;
    bt_buf bytes; /* heap; freed by unload() */
    bt_xel *root; /* XML root element, or NULL */
    int ok;       /* bytes read and checked (and parsed, for XML) */
} loaded;

/* Reads, checks and (for .xml) parses `real`, named `display` in
 * diagnostics. Errors are reported at file level or inside the file. */
static void load(rd *r, const char *display, const char *real, loaded *out)
{
    bt_ctx *ctx = r->ctx;
    bt_buf init = BT_BUF_INIT;
    memset(out, 0, sizeof *out);
    out->bytes = init;
    out->kind = kind_of(display);
    out->file = bt_ctx_file(ctx, display, real);
    if (bt_buf_read_file(&out->bytes, real, BT_MAX_INPUT_BYTES) != 0) {
        if (errno == EFBIG)
            bt_error(ctx, bt_pos_file(out->file), "file is larger than 64 MiB");
        else
            bt_error(ctx, bt_pos_file(out->file), "cannot read: %s",
                     strerror(errno));
        return;
    }
    const char *data = out->bytes.data ? out->bytes.data : "";
    if (out->kind == KIND_HTML) { /* any charset: read_html.c checks it */
        out->root = bt_html_extract(ctx, out->file, data, out->bytes.len,
                                    dir_of(&ctx->arena, real));
        out->ok = out->root != NULL;
        return;
    }
    if (out->kind == KIND_XML &&
        bt_xml_check_encoding(ctx, out->file, data, out->bytes.len) != 0)
        return;
    if (bt_text_check_input(ctx, out->file, data, out->bytes.len) != 0)
        return;
    if (out->kind == KIND_XML) {
        out->root = bt_xml_parse(ctx, out->file, data, out->bytes.len);
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
        bt_article *art = bt_read_clip(ctx, l->file,
                                       l->bytes.data ? l->bytes.data : "",
                                       l->bytes.len);
        if (art && !art->id)
            art->id = bt_read_id_from_file(ctx, l->file);
        return art;
    }
    if (strcmp(l->root->name, "article") != 0) {
        wrong_root(ctx, l->root);
        return NULL;
    }
    return bt_read_article(ctx, l->root, l->file, dir_of(&ctx->arena, real),
                           r->root, r->allow_outside);
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

static int blank(bt_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!(s.ptr[i] == ' ' || s.ptr[i] == '\t' || s.ptr[i] == '\n' ||
              s.ptr[i] == '\r'))
            return 0;
    return 1;
}

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
        if (k->name || !blank(k->text)) {
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
        bt_error(ctx, el->pos,
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
                 (unsigned)r->seen_line[prev]);
        return;
    }
    remember(r, real, el->pos.line);
    const char *display = href[0] == '/' ? href
                                         : bt_arena_printf(&ctx->arena, "%s%s",
                                                           mdisplay_dir, href);
    int errors0 = ctx->nerrors;
    loaded l;
    load(r, display, real, &l);
    bt_article *art = NULL;
    if (l.ok && l.root && strcmp(l.root->name, "bulletin") == 0) {
        bt_error(ctx, el->pos,
                 "article '%s' is a bulletin manifest, not an article", href);
        unload(&l);
        return;
    }
    if (l.ok)
        art = article_of(r, &l, real);
    unload(&l);
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
    static const char *const attrs[] = {"title", NULL};
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
    for (const bt_xel *k = el->kids; k && !bt_ctx_full(ctx) && !r->too_many;
         k = k->next) {
        if (!k->name) {
            if (!blank(k->text))
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
    const char *mdir = r->root ? r->root : dir_of(&ctx->arena, real);
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
            if (!blank(k->text))
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
        if (fields[i] == &doc->date_text &&
            bt_date_parse(doc->date_text.text, &doc->date) != 0)
            bt_error(ctx, k->pos, "bad date '%.*s': expected YYYY-MM-DD",
                     (int)BT_MIN(doc->date_text.text.len, 60),
                     doc->date_text.text.ptr);
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
    r.allow_outside = allow_outside;
    if (npaths <= 0) {
        bt_error(ctx, bt_pos_file(0), "no input file");
        bt_doc_finish(&ctx->arena, doc);
        return doc;
    }

    /* the root folder: that of the first file */
    char *rootdir = realpath(dir_of(&ctx->arena, paths[0]), NULL);
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
            bt_error(ctx, fpos, "unknown input type (expected .xml, .txt or .html)");
            continue;
        }
        if (!real) {
            bt_error(ctx, fpos, "%s",
                     rp_errno == ENOENT ? "no such file" : strerror(rp_errno));
            continue;
        }
        if (!allow_outside && !inside(r.root, real)) {
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
        load(&r, display, real, &l);
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
    free(r.seen);
    free(r.seen_line);
    bt_doc_finish(&ctx->arena, doc);
    return doc;
}
