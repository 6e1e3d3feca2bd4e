/* read_layout.c - layouts/ *.xml -> bt_layout (FORMATS.md §4; every key is
 * documented in layouts/README). A layout file starts from the a4-3col
 * defaults and overrides what it names. Parsed with xmlin like any input,
 * so it gets the same DOCTYPE/encoding rules and positioned errors. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "layout.h"
#include "bt_limits.h"
#include "text.h"
#include "xmlin.h"

#define MM(x) ((int32_t)((x)*72000.0 / 25.4 + 0.5))
#define PT(x) ((int32_t)((x)*1000.0 + 0.5))

static const char *role_names[BT_ROLE_COUNT] = {
    "body",    "lead",    "headline", "subtitle", "kicker",
    "byline",  "subhead", "quote",    "caption",  "masthead",
    "mastsub", "section", "toc",      "header",   "footer"};

static void set_style(bt_style *s, const char *family, int bold, int italic,
                      double size, double leading, uint32_t color)
{
    s->family = family;
    s->bold = bold;
    s->italic = italic;
    s->size = PT(size);
    s->leading = PT(leading);
    s->color = color;
}

void bt_layout_defaults(bt_layout *l)
{
    memset(l, 0, sizeof *l);
    l->name = "a4-3col";
    l->page_w = MM(210);
    l->page_h = MM(297);
    l->margin_top = l->margin_bottom = MM(15);
    /* gutter 2 body ems or more, so text extractors keep the columns apart
     * (shipped_gutters in test_read); the sides give what the gutters take */
    l->margin_right = l->margin_left = MM(13);
    l->columns = 3;
    l->gap = MM(7);
    l->indent = PT(9.5);
    l->para_space = PT(4);
    l->article_space = PT(16);
    l->rule_width = PT(0.6);
    l->rule_color = 0x222222;
    l->accent_color = 0x9b1c1c;
    l->toc = 1;
    l->blank_note = 1;
    const char *serif = "Noto Serif", *sans = "Noto Sans";
    set_style(&l->style[BT_ROLE_BODY], serif, 0, 0, 9.5, 13, 0x111111);
    set_style(&l->style[BT_ROLE_LEAD], serif, 1, 0, 9.5, 13, 0x111111);
    set_style(&l->style[BT_ROLE_HEADLINE], sans, 1, 0, 18, 22.5, 0x111111);
    set_style(&l->style[BT_ROLE_SUBTITLE], serif, 0, 1, 11, 14.5, 0x333333);
    set_style(&l->style[BT_ROLE_KICKER], sans, 1, 0, 8, 11, 0x9b1c1c);
    set_style(&l->style[BT_ROLE_BYLINE], sans, 0, 0, 7.5, 10.5, 0x444444);
    set_style(&l->style[BT_ROLE_SUBHEAD], sans, 1, 0, 10, 13, 0x111111);
    set_style(&l->style[BT_ROLE_QUOTE], serif, 0, 1, 9.5, 13, 0x222222);
    set_style(&l->style[BT_ROLE_CAPTION], serif, 0, 1, 8, 11, 0x333333);
    set_style(&l->style[BT_ROLE_MASTHEAD], sans, 1, 0, 32, 38, 0x111111);
    set_style(&l->style[BT_ROLE_MASTSUB], sans, 0, 0, 9, 12.5, 0x333333);
    set_style(&l->style[BT_ROLE_SECTION], sans, 1, 0, 11, 14.5, 0x9b1c1c);
    set_style(&l->style[BT_ROLE_TOC], serif, 0, 0, 9, 12.5, 0x111111);
    set_style(&l->style[BT_ROLE_HEADER], sans, 0, 0, 7.5, 10, 0x444444);
    set_style(&l->style[BT_ROLE_FOOTER], sans, 0, 0, 7.5, 10, 0x444444);
}

/* "12pt", "5mm", "1.5in": returns 0 and mpt, -1 when malformed. */
static int parse_len(const char *s, int32_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0 || v > 5000)
        return -1;
    double mpt;
    if (strcmp(end, "pt") == 0)
        mpt = v * 1000.0;
    else if (strcmp(end, "mm") == 0)
        mpt = v * 72000.0 / 25.4;
    else if (strcmp(end, "cm") == 0)
        mpt = v * 720000.0 / 25.4;
    else if (strcmp(end, "in") == 0)
        mpt = v * 72000.0;
    else
        return -1;
    *out = (int32_t)(mpt + 0.5);
    return 0;
}

static int parse_color(const char *s, uint32_t *out)
{
    if (s[0] != '#' || strlen(s) != 7)
        return -1;
    uint32_t v = 0;
    for (int i = 1; i < 7; i++) {
        int c = s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return 0;
}

typedef struct key {
    const char *elem, *attr;
    int kind; /* 0 length, 1 colour, 2 int, 3 enum */
    size_t off;
    const char *enum_vals; /* "flow|page" -> 0|1 */
} key;

#define OFF(f) offsetof(bt_layout, f)
static const key keys[] = {
    {"page", "width", 0, OFF(page_w), NULL},
    {"page", "height", 0, OFF(page_h), NULL},
    {"page", "margin-top", 0, OFF(margin_top), NULL},
    {"page", "margin-right", 0, OFF(margin_right), NULL},
    {"page", "margin-bottom", 0, OFF(margin_bottom), NULL},
    {"page", "margin-left", 0, OFF(margin_left), NULL},
    {"page", "blank-pages", 3, OFF(blank_note), "white|note"},
    {"columns", "count", 2, OFF(columns), NULL},
    {"columns", "gap", 0, OFF(gap), NULL},
    {"flow", "indent", 0, OFF(indent), NULL},
    {"flow", "block-space", 0, OFF(para_space), NULL},
    {"flow", "article-space", 0, OFF(article_space), NULL},
    {"flow", "article-break", 3, OFF(article_new_page), "flow|page"},
    {"flow", "figure-span", 3, OFF(figure_span), "column|all"},
    {"flow", "toc", 3, OFF(toc), "no|yes"},
    {"rules", "width", 0, OFF(rule_width), NULL},
    {"rules", "color", 1, OFF(rule_color), NULL},
    {"rules", "accent", 1, OFF(accent_color), NULL},
};

static int enum_index(const char *vals, const char *v)
{
    int i = 0;
    size_t n = strlen(v);
    for (const char *p = vals; *p; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0)
            return i;
        if (!bar)
            break;
        p = bar + 1;
    }
    return -1;
}

static int set_key(bt_ctx *ctx, bt_layout *l, const bt_xel *el,
                   const bt_xattr *at)
{
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const key *k = &keys[i];
        if (strcmp(k->elem, el->name) || strcmp(k->attr, at->name))
            continue;
        void *f = (char *)l + k->off;
        int ok = 0;
        if (k->kind == 0)
            ok = parse_len(at->value, f) == 0;
        else if (k->kind == 1)
            ok = parse_color(at->value, f) == 0;
        else if (k->kind == 2) {
            char *end;
            long v = strtol(at->value, &end, 10);
            ok = *end == 0 && end != at->value && v >= 1 && v <= 6;
            if (ok)
                *(int *)f = (int)v;
        } else {
            int v = enum_index(k->enum_vals, at->value);
            ok = v >= 0;
            if (ok)
                *(int *)f = v;
        }
        if (!ok) {
            bt_error(ctx, el->pos, "bad value '%s' for %s on <%s>%s%s",
                     at->value, at->name, el->name,
                     k->kind == 3 ? ": expected " : "",
                     k->kind == 3 ? k->enum_vals : "");
            return -1;
        }
        return 0;
    }
    bt_error(ctx, el->pos, "unknown attribute '%s' on <%s>", at->name,
             el->name);
    return -1;
}

static int read_role(bt_ctx *ctx, bt_layout *l, const bt_xel *el)
{
    const char *name = bt_xel_attr(el, "name");
    int role = -1;
    for (int i = 0; name && i < BT_ROLE_COUNT; i++)
        if (strcmp(role_names[i], name) == 0)
            role = i;
    if (role < 0) {
        bt_error(ctx, el->pos, "unknown role '%s' in <role>", name ? name : "");
        return -1;
    }
    bt_style *s = &l->style[role];
    int rc = 0;
    for (const bt_xattr *at = el->attrs; at; at = at->next) {
        const char *n = at->name, *v = at->value;
        if (strcmp(n, "name") == 0)
            continue;
        if (strcmp(n, "family") == 0 && *v) {
            s->family = bt_arena_strdup(&ctx->arena, v);
        } else if (strcmp(n, "style") == 0) {
            int st = enum_index("regular|bold|italic|bold-italic", v);
            if (st < 0) {
                bt_error(ctx, el->pos,
                         "bad value '%s' for style on <role>: expected "
                         "regular|bold|italic|bold-italic",
                         v);
                rc = -1;
                continue;
            }
            s->bold = st == 1 || st == 3;
            s->italic = st >= 2;
        } else if (strcmp(n, "size") == 0 || strcmp(n, "leading") == 0) {
            int32_t len;
            if (parse_len(v, &len) != 0 || len < 1000 || len > 200000) {
                bt_error(ctx, el->pos,
                         "bad value '%s' for %s on <role>: expected a length "
                         "between 1pt and 200pt",
                         v, n);
                rc = -1;
                continue;
            }
            if (n[0] == 's')
                s->size = len;
            else
                s->leading = len;
        } else if (strcmp(n, "color") == 0) {
            if (parse_color(v, &s->color) != 0) {
                bt_error(ctx, el->pos,
                         "bad value '%s' for color on <role>: expected #rrggbb",
                         v);
                rc = -1;
            }
        } else {
            bt_error(ctx, el->pos, "unknown attribute '%s' on <role>", n);
            rc = -1;
        }
    }
    if (s->leading < s->size) {
        bt_error(ctx, el->pos, "leading of role '%s' is smaller than its size",
                 role_names[role]);
        rc = -1;
    }
    return rc;
}

static int read_file(bt_ctx *ctx, const char *path, const char *display,
                     bt_layout *l)
{
    bt_buf b = BT_BUF_INIT;
    int rc = -1;
    char *real = realpath(path, NULL);
    uint16_t file = bt_ctx_file(ctx, display, real);
    free(real);
    if (bt_buf_read_file(&b, path, BT_MAX_LAYOUT_BYTES) != 0) {
        if (errno == EFBIG)
            bt_error(ctx, bt_pos_file(file),
                     "cannot read layout: file is larger than %u MiB",
                     BT_MAX_LAYOUT_BYTES / BT_MIB);
        else
            bt_error(ctx, bt_pos_file(file), "cannot read layout: %s",
                     strerror(errno));
        goto done;
    }
    if (bt_text_check_input(ctx, file, b.data, b.len) != 0)
        goto done;
    const bt_xel *root = bt_xml_parse(ctx, file, b.data, b.len);
    if (!root)
        goto done;
    if (strcmp(root->name, "layout") != 0) {
        bt_error(ctx, root->pos, "wrong root element <%s>: expected <layout>",
                 root->name);
        goto done;
    }
    bt_layout_defaults(l);
    rc = 0;
    const char *name = bt_xel_attr(root, "name");
    if (name)
        l->name = bt_arena_strdup(&ctx->arena, name);
    for (const bt_xattr *at = root->attrs; at; at = at->next)
        if (strcmp(at->name, "name") && strcmp(at->name, "description")) {
            bt_error(ctx, root->pos, "unknown attribute '%s' on <layout>",
                     at->name);
            rc = -1;
        }
    for (const bt_xel *el = root->kids; el; el = el->next) {
        if (!el->name) {
            if (bt_text_trim(bt_text_normalize(&ctx->arena, el->text, 0)).len) {
                bt_error(ctx, el->pos, "text not allowed in <layout>");
                rc = -1;
            }
            continue;
        }
        if (el->kids && strcmp(el->name, "role") != 0) {
            bt_error(ctx, el->pos, "<%s> takes no content", el->name);
            rc = -1;
        }
        if (strcmp(el->name, "role") == 0) {
            rc |= read_role(ctx, l, el);
        } else if (!strcmp(el->name, "page") || !strcmp(el->name, "columns") ||
                   !strcmp(el->name, "flow") || !strcmp(el->name, "rules")) {
            for (const bt_xattr *at = el->attrs; at; at = at->next)
                rc |= set_key(ctx, l, el, at);
        } else {
            bt_error(ctx, el->pos, "unknown element <%s> in <layout>",
                     el->name);
            rc = -1;
        }
    }
    int32_t colw = (l->page_w - l->margin_left - l->margin_right -
                    (l->columns - 1) * l->gap) /
                   (l->columns ? l->columns : 1);
    if (rc == 0 && (colw < 36000 ||
                    l->page_h - l->margin_top - l->margin_bottom < 144000)) {
        bt_error(ctx, root->pos,
                 "page too small: columns must be at least 36pt wide and the "
                 "text area 144pt high");
        rc = -1;
    }
done:
    bt_buf_free(&b);
    return rc;
}

/* Known layout names, for the error message: "a4-2col, a4-3col, a5-2col". */
static char *known_layouts(bt_arena *a, const char *dir)
{
    DIR *d = opendir(dir);
    char *names[BT_MAX_LAYOUTS_LISTED];
    int n = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < BT_MAX_LAYOUTS_LISTED) {
            size_t len = strlen(e->d_name);
            if (len > 4 && strcmp(e->d_name + len - 4, ".xml") == 0 &&
                e->d_name[0] != '.')
                names[n++] = bt_arena_strndup(a, e->d_name, len - 4);
        }
        closedir(d);
    }
    for (int i = 1; i < n; i++) /* insertion sort: a handful of names */
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    bt_buf b = BT_BUF_INIT;
    for (int i = 0; i < n; i++)
        bt_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    char *r = bt_arena_strdup(a, b.data ? b.data : "(none installed)");
    bt_buf_free(&b);
    return r;
}

int bt_layout_load(bt_ctx *ctx, const char *name_or_path, bt_pos pos,
                   const char *datadir, bt_layout *out)
{
    size_t n = strlen(name_or_path);
    int is_path = strchr(name_or_path, '/') ||
                  (n > 4 && strcmp(name_or_path + n - 4, ".xml") == 0);
    if (is_path)
        return read_file(ctx, name_or_path, name_or_path, out);
    char *dir = bt_arena_printf(&ctx->arena, "%s/layouts", datadir);
    int valid = n > 0 && n <= BT_MAX_LAYOUT_NAME;
    for (size_t i = 0; i < n; i++) {
        char c = name_or_path[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || (c >= 'A' && c <= 'Z')))
            valid = 0;
    }
    char *path = bt_arena_printf(&ctx->arena, "%s/%s.xml", dir, name_or_path);
    FILE *f = valid ? fopen(path, "rb") : NULL;
    if (!f) {
        bt_error(ctx, pos, "unknown layout '%s' (known layouts: %s)",
                 name_or_path, known_layouts(&ctx->arena, dir));
        return -1;
    }
    fclose(f);
    return read_file(ctx, path, path, out);
}

const char *bt_layout_role_name(int role)
{
    return role >= 0 && role < BT_ROLE_COUNT ? role_names[role] : "?";
}
