/* read_clip.c - plain-text clippings (*.txt, FORMATS.md §2) -> one
 * bt_article. Runs after bt_text_check_input, so the bytes are valid UTF-8.
 * One pass splits the file into lines and paragraphs (raw byte ranges with
 * the line:col of their first character); the first paragraph may carry
 * "(Source) – lead", trailing paragraphs may be author, credit or photo
 * caption; the rest are body paragraphs. All text goes through
 * bt_text_normalize with BT_TEXT_NBSP_SPACE. Linear in the input. */
#include <stdlib.h>
#include <string.h>
#include "read.h"
#include "buf.h"
#include "text.h"
#include "bt_limits.h"

/* A run of non-blank lines. Byte offsets index the file's data. */
typedef struct para {
    size_t start;       /* first non-blank character */
    size_t end;         /* end of the last line (before its line end) */
    uint32_t line, col; /* of start */
    int nlines;
    /* filled by the trailer scan */
    enum { P_BODY, P_AUTHOR, P_CREDIT, P_PHOTO } kind;
    bt_str text;     /* AUTHOR / CREDIT / PHOTO: the normalised value */
    bt_pos text_pos; /* its first character */
} para;

typedef struct clip {
    bt_ctx *ctx;
    uint16_t file;
    const unsigned char *s;
    size_t len;
} clip;

static int is_nbsp(const unsigned char *s, size_t i, size_t end)
{
    return i + 1 < end && s[i] == 0xC2 && s[i + 1] == 0xA0;
}

/* Bytes of blank (space, tab, U+00A0) at s[i], or 0. */
static size_t blank_len(const unsigned char *s, size_t i, size_t end)
{
    if (i < end && (s[i] == ' ' || s[i] == '\t'))
        return 1;
    if (is_nbsp(s, i, end))
        return 2;
    return 0;
}

/* Skips blanks and line ends from i. */
static size_t skip_ws(const clip *c, size_t i, size_t end)
{
    for (;;) {
        size_t k = blank_len(c->s, i, end);
        if (!k && i < end && (c->s[i] == '\r' || c->s[i] == '\n'))
            k = 1;
        if (!k)
            return i;
        i += k;
    }
}

/* Position of byte `off` inside paragraph p (off >= p->start). */
static bt_pos pos_in(const clip *c, const para *p, size_t off)
{
    bt_pos pos = {c->file, p->line, p->col};
    for (size_t i = p->start; i < off; i++) {
        unsigned b = c->s[i];
        if (b == '\n' || (b == '\r' && !(i + 1 < off && c->s[i + 1] == '\n'))) {
            pos.line++;
            pos.col = 1;
        } else if (b != '\r' && (b & 0xC0) != 0x80) {
            pos.col++;
        }
    }
    return pos;
}

/* Normalised, trimmed text of data[from, to). */
static bt_str norm(const clip *c, size_t from, size_t to)
{
    bt_str raw = {(const char *)c->s + from, to - from};
    return bt_text_trim(
        bt_text_normalize(&c->ctx->arena, raw, BT_TEXT_NBSP_SPACE));
}

static int str_eq(bt_str s, const char *cstr)
{
    size_t n = strlen(cstr);
    return s.len == n && memcmp(s.ptr, cstr, n) == 0;
}

/* ---- the first paragraph: "(Name) – lead" -------------------------------- */

/* Dash after "(Name)": en dash, em dash or hyphen; returns its length. */
static size_t dash_len(const unsigned char *s, size_t i, size_t end)
{
    if (i < end && s[i] == '-')
        return 1;
    if (i + 2 < end && s[i] == 0xE2 && s[i + 1] == 0x80 &&
        (s[i + 2] == 0x93 || s[i + 2] == 0x94))
        return 3;
    return 0;
}

static int read_source_lead(const clip *c, bt_article *art, const para *p)
{
    const unsigned char *s = c->s;
    size_t i = p->start, close, d;
    if (s[i] != '(')
        return 0;
    /* the name stays on the first line */
    for (close = i + 1; close < p->end; close++)
        if (s[close] == ')' || s[close] == '\n' || s[close] == '\r' ||
            s[close] == '(')
            break;
    if (close >= p->end || s[close] != ')')
        return 0;
    size_t after = close + 1;
    while ((d = blank_len(s, after, p->end)) != 0)
        after += d;
    if (!(d = dash_len(s, after, p->end)))
        return 0;
    bt_str name = norm(c, i + 1, close);
    if (!name.len)
        return 0;
    art->source.text = name;
    art->source.pos = pos_in(c, p, skip_ws(c, i + 1, close));
    size_t lead = skip_ws(c, after + d, p->end);
    bt_str text = norm(c, lead, p->end);
    if (text.len) {
        art->lead_pos = pos_in(c, p, lead);
        bt_runs_add(&c->ctx->arena, &art->lead, BT_RUN_TEXT, 0, text,
                    art->lead_pos);
    }
    return 1;
}

/* ---- trailing paragraphs: author, credit, photo -------------------------- */

/* End of p without trailing blanks. */
static size_t rtrim(const clip *c, const para *p)
{
    size_t e = p->end;
    for (;;) {
        if (e > p->start && (c->s[e - 1] == ' ' || c->s[e - 1] == '\t'))
            e--;
        else if (e >= p->start + 2 && c->s[e - 2] == 0xC2 &&
                 c->s[e - 1] == 0xA0)
            e -= 2;
        else
            return e;
    }
}

/* "(Theo ...)" -> p->text = "Theo ..." */
static int match_credit(const clip *c, para *p)
{
    size_t e = rtrim(c, p);
    if (c->s[p->start] != '(' || e < p->start + 2 || c->s[e - 1] != ')')
        return 0;
    bt_str in = norm(c, p->start + 1, e - 1);
    if (in.len < 6 ||
        (memcmp(in.ptr, "Theo ", 5) != 0 && memcmp(in.ptr, "theo ", 5) != 0))
        return 0;
    p->text = in;
    p->text_pos = pos_in(c, p, skip_ws(c, p->start + 1, e));
    return 1;
}

/* "Ảnh: X", "Ảnh minh họa: X", "Photo: X" -> p->text = "X". The prefix is
 * compared after normalisation, so an NFD "Ảnh" matches too. */
static int match_photo(const clip *c, para *p)
{
    static const char *const prefixes[] = {
        "\xE1\xBA\xA2nh",                        /* Ảnh */
        "\xE1\xBA\xA2nh minh h\xE1\xBB\x8D\x61", /* Ảnh minh họa */
        "\xE1\xBA\xA2nh minh ho\xE1\xBA\xA1",    /* Ảnh minh hoạ */
        "Photo",
    };
    size_t colon, limit = BT_MIN(p->end, p->start + 64);
    for (colon = p->start; colon < limit; colon++)
        if (c->s[colon] == ':' || c->s[colon] == '\n' || c->s[colon] == '\r')
            break;
    if (colon >= limit || c->s[colon] != ':')
        return 0;
    bt_str pre = norm(c, p->start, colon);
    int ok = 0;
    for (size_t k = 0; k < sizeof prefixes / sizeof *prefixes; k++)
        ok |= str_eq(pre, prefixes[k]);
    if (!ok)
        return 0;
    size_t cap = skip_ws(c, colon + 1, p->end);
    bt_str text = norm(c, cap, p->end);
    if (!text.len)
        return 0;
    p->text = text;
    p->text_pos = pos_in(c, p, cap);
    return 1;
}

/* A short line standing alone: at most 5 words, no final punctuation,
 * not parenthesised (so "(Còn nữa)" stays in the body). */
static int match_author(const clip *c, para *p)
{
    if (p->nlines != 1)
        return 0;
    bt_str t = norm(c, p->start, p->end);
    int words = bt_text_words(t);
    if (words < 1 || words > 5 || t.ptr[0] == '(' || t.ptr[t.len - 1] == ')')
        return 0;
    char last = t.ptr[t.len - 1];
    if (strchr(".!?:;", last))
        return 0;
    if (t.len >= 3 && memcmp(t.ptr + t.len - 3, "\xE2\x80\xA6", 3) == 0)
        return 0; /* … */
    p->text = t;
    p->text_pos = pos_in(c, p, p->start);
    return 1;
}

/* ---- the reader ---------------------------------------------------------- */

/* A clipping with a title and no body is accepted: it prints as a
 * headline alone, which is what the user wrote. Only a missing title is an
 * error. Returns NULL after reporting one. */
bt_article *bt_read_clip(bt_ctx *ctx, uint16_t file, const char *data,
                         size_t len)
{
    clip c = {ctx, file, (const unsigned char *)data, len};
    const unsigned char *s = c.s;
    bt_arena *a = &ctx->arena;
    bt_vec pv = {NULL, 0, 0, sizeof(para)}; /* paragraphs after the title */
    int open = 0;
    bt_article *art = NULL;
    size_t i = 0;
    uint32_t line = 1;

    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        i = 3; /* BOM: columns start after it (see bt_text_linecol) */

    /* one pass over the lines */
    size_t title_start = 0, title_end = 0;
    uint32_t title_col = 0;
    while (i < len || line == 1) {
        size_t ls = i, le = i, next, k;
        uint32_t col = 1;
        while (le < len && s[le] != '\n' && s[le] != '\r')
            le++;
        next = le;
        if (next < len)
            next += (s[next] == '\r' && next + 1 < len && s[next + 1] == '\n')
                        ? 2
                        : 1;
        size_t nb = ls;
        while ((k = blank_len(s, nb, le)) != 0) {
            nb += k;
            col++;
        }
        int blank = nb == le;
        if (line == 1) {
            if (blank) {
                bt_pos pos = {file, 1, 1};
                bt_error(ctx, pos, "clipping has no title on its first line");
                return NULL;
            }
            title_start = nb;
            title_end = le;
            title_col = col;
        } else if (blank) {
            open = 0;
        } else if (open) {
            para *last = (para *)pv.p + pv.n - 1;
            last->end = le;
            last->nlines++;
        } else {
            if (pv.n >= BT_MAX_BLOCKS) {
                bt_pos pos = {file, line, col};
                bt_error(ctx, pos, "more than %d paragraphs in one clipping",
                         BT_MAX_BLOCKS);
                bt_vec_free(&pv);
                return NULL;
            }
            para *p = bt_vec_push(&pv);
            p->start = nb;
            p->end = le;
            p->line = line;
            p->col = col;
            p->nlines = 1;
            open = 1;
        }
        line++;
        i = next;
        if (i >= len)
            break;
    }

    para *ps = pv.p;
    int np = pv.n;
    art = bt_article_new(a, file);
    art->title.text = norm(&c, title_start, title_end);
    art->title.pos = (bt_pos){file, 1, title_col};

    int first = 0;
    if (np > 0 && read_source_lead(&c, art, &ps[0]))
        first = 1;

    /* trailing paragraphs, scanned backwards while they match */
    int cut = np, nauthors = 0, have_credit = 0;
    while (cut > first) {
        para *p = &ps[cut - 1];
        if (!have_credit && match_credit(&c, p)) {
            p->kind = P_CREDIT;
            have_credit = 1;
        } else if (match_photo(&c, p)) {
            p->kind = P_PHOTO;
        } else if (cut - 1 > 0 && nauthors < BT_MAX_CLIP_AUTHORS &&
                   match_author(&c, p)) {
            p->kind = P_AUTHOR;
            nauthors++;
        } else {
            break;
        }
        cut--;
    }

    for (int k = first; k < cut; k++) {
        bt_pos pos = {file, ps[k].line, ps[k].col};
        bt_block *b = bt_article_add_block(a, art, BT_BLOCK_PARA, pos);
        bt_runs_add(a, &b->runs, BT_RUN_TEXT, 0,
                    norm(&c, ps[k].start, ps[k].end), pos);
    }
    for (int k = cut; k < np; k++) {
        para *p = &ps[k];
        bt_pos pos = {file, p->line, p->col};
        if (p->kind == P_CREDIT) {
            art->credit.text = p->text;
            art->credit.pos = p->text_pos;
        } else if (p->kind == P_AUTHOR) {
            bt_field name = {p->text, p->text_pos};
            bt_article_add_author(a, art, name);
        } else if (p->kind == P_PHOTO) {
            bt_block *b = bt_article_add_block(a, art, BT_BLOCK_PHOTO, pos);
            bt_runs_add(a, &b->runs, BT_RUN_TEXT, 0, p->text, p->text_pos);
        }
    }
    bt_vec_free(&pv);
    return art;
}
