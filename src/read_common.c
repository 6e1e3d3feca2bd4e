/* read_common.c - what every reader shares, so that the readers depend on
 * this file and never on each other: the blank-text test, attribute and
 * text-only-field checks of the XML readers, path resolution inside the
 * bulletin folder (symlinks followed, --allow-outside), and article ids
 * (ASCII slugs). Declared in read.h (public: tests, build.c) and
 * read_int.h (private to the readers). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "read.h"
#include "read_int.h"
#include "buf.h"
#include "text.h"
#include "bt_limits.h"

/* ---- text ----------------------------------------------------------- */

static int is_ws_byte(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int bt_read_blank(bt_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!is_ws_byte((unsigned char)s.ptr[i]))
            return 0;
    return 1;
}

/* ---- XML element checks -------------------------------------------- */

int bt_read_check_attrs(bt_ctx *ctx, const bt_xel *el,
                        const char *const *allowed)
{
    int rc = 0;
    for (const bt_xattr *a = el->attrs; a; a = a->next) {
        int ok = 0;
        for (const char *const *n = allowed; n && *n; n++)
            if (strcmp(a->name, *n) == 0)
                ok = 1;
        if (!ok) {
            bt_error(ctx, el->pos, "unknown attribute '%s' on <%s>", a->name,
                     el->name);
            rc = -1;
        }
    }
    return rc;
}

int bt_read_field(bt_ctx *ctx, const bt_xel *el, bt_field *out,
                  const char *const *attrs)
{
    int rc = bt_read_check_attrs(ctx, el, attrs);
    bt_buf b = BT_BUF_INIT;
    for (const bt_xel *k = el->kids; k; k = k->next) {
        if (k->name) {
            bt_error(ctx, k->pos, "unknown element <%s> in <%s>", k->name,
                     el->name);
            rc = -1;
        } else {
            bt_buf_put(&b, k->text.ptr, k->text.len);
        }
    }
    if (rc == 0) {
        bt_str raw = {b.data ? b.data : "", b.len};
        out->text = bt_text_trim(bt_text_normalize(&ctx->arena, raw, 0));
        out->pos = el->pos;
    }
    bt_buf_free(&b);
    return rc;
}

/* ---- paths ---------------------------------------------------------- */

/* True when `path` (absolute, canonical) is `root` or inside it, judged by
 * whole components: "/a/b" contains "/a/b/c", not "/a/bc". */
int bt_read_inside(const char *root, const char *path)
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
char *bt_read_dir_of(bt_arena *a, const char *path)
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
                out = !bt_read_inside(
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
    if (!allow_outside && !bt_read_inside(root, res)) {
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

/* ---- ids ------------------------------------------------------------ */

/* Base letter of a Latin letter with Vietnamese diacritics, or 0. */
static char fold_letter(uint32_t cp)
{
    static const struct {
        char base;
        const char *letters;
    } table[] = {
        {'a', "àáảãạăằắẳẵặâầấẩẫậäåā"},
        {'e', "èéẻẽẹêềếểễệëē"},
        {'i', "ìíỉĩịîïī"},
        {'o', "òóỏõọôồốổỗộơờớởỡợöøō"},
        {'u', "ùúủũụưừứửữựûüū"},
        {'y', "ỳýỷỹỵÿ"},
        {'d', "đð"},
        {'c', "ç"},
        {'n', "ñ"},
        {'A', "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÄÅĀ"},
        {'E', "ÈÉẺẼẸÊỀẾỂỄỆËĒ"},
        {'I', "ÌÍỈĨỊÎÏĪ"},
        {'O', "ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÖØŌ"},
        {'U', "ÙÚỦŨỤƯỪỨỬỮỰÛÜŪ"},
        {'Y', "ỲÝỶỸỴ"},
        {'D', "ĐÐ"},
        {'C', "Ç"},
        {'N', "Ñ"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        const char *p = table[i].letters, *end = p + strlen(p);
        while (p < end)
            if (bt_utf8_next(&p, end) == cp)
                return table[i].base;
    }
    return 0;
}

/* ASCII slug ("Hội nghị.xml" -> "hoi-nghi"): letters and digits kept
 * (lower case, diacritics dropped), '_' kept, anything else one '-'. */
const char *bt_read_slug(bt_arena *a, const char *s, size_t len)
{
    char out[BT_MAX_ID_BYTES + 1];
    size_t n = 0;
    int dash = 0;
    const char *p = s, *end = s + len;
    while (p < end && n < BT_MAX_ID_BYTES) {
        uint32_t cp = bt_utf8_next(&p, end);
        if (cp >= 0x300 && cp <= 0x36F)
            continue; /* combining mark of a decomposed (NFD) name */
        char c = cp < 0x80 ? (char)cp : fold_letter(cp);
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
            out[n++] = c;
            dash = 0;
        } else if (!dash && n > 0) {
            out[n++] = '-';
            dash = 1;
        }
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    return n ? bt_arena_strndup(a, out, n) : NULL;
}

const char *bt_read_id_from_file(bt_ctx *ctx, uint16_t file)
{
    const char *path = file < ctx->nfiles ? (ctx->real[file] ? ctx->real[file]
                                                             : ctx->files[file])
                                          : NULL;
    if (!path)
        return NULL;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot > base ? (size_t)(dot - base) : strlen(base);
    return bt_read_slug(&ctx->arena, base, n);
}
