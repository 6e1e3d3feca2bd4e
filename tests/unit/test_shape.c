/* test_shape.c - where words may break (shape.c) with a fake font (every
 * glyph 500/1000 em): URLs, e-mail addresses, paths and formulas at their
 * punctuation, no break after an explicit hyphen before a digit, foreign
 * words hyphenated (a fake hyphenator, then libhyphen through hyph.c),
 * Vietnamese syllables never; and the syllable test of syllable.c on
 * words and on every syllable of the samples and the seed clipping. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "bt_limits.h"
#include "buf.h"
#include "hyph.h"
#include "model.h"
#include "shape.h"
#include "syllable.h"
#include "text.h"

/* ---- a fake font and a fake hyphenator ---- */

static bt_glyphpos fake_buf[8192];
static int fake_shape(void *payload, uint32_t font, const uint32_t *cps,
                      int len, const bt_glyphpos **out)
{
    (void)payload;
    (void)font;
    for (int i = 0; i < len && i < 8192; i++) {
        fake_buf[i].cp = cps[i];
        fake_buf[i].advance = cps[i] == ' ' ? 250 : 500;
        fake_buf[i].dx = fake_buf[i].dy = 0;
    }
    *out = fake_buf;
    return len;
}
static int fake_covers(void *payload, uint32_t font, uint32_t cp)
{
    (void)payload;
    (void)font;
    (void)cp;
    return 1;
}
static uint32_t fake_fallback(void *payload, uint32_t font, uint32_t cp)
{
    (void)payload;
    (void)font;
    (void)cp;
    return BT_FONT_NONE;
}
static void fake_metrics(void *payload, uint32_t font, bt_fontmetrics *out)
{
    (void)payload;
    (void)font;
    memset(out, 0, sizeof *out);
}

/* A point after every third letter; counts its calls. */
static int fake_calls;
static int fake_points(void *payload, const uint32_t *cps, int n, uint8_t *out)
{
    (void)payload;
    (void)cps;
    fake_calls++;
    int k = 0;
    for (int i = 0; i < n; i++) {
        out[i] = i + 1 < n && i % 3 == 2;
        k += out[i];
    }
    return k;
}
static const bt_hyphenator fake_hyph = {fake_points, NULL};

#define SIZE 10000 /* 10 pt: a glyph is 5 pt */

/* `text` as one run, shaped with the fake font at `width`. */
static void fake_para_at(bt_ctx *ctx, const char *text, int32_t width,
                         int32_t indent, const bt_hyphenator *hy, int ragged,
                         bt_para *p)
{
    bt_shaper sh = {fake_shape, fake_covers, fake_fallback, fake_metrics,
                    NULL,       hy,          NULL,          NULL};
    bt_textstyle st = {0};
    st.size = SIZE;
    st.width = width;
    st.indent = indent;
    st.ragged = ragged;
    bt_runs runs = {0};
    bt_pos pos = {0, 1, 1};
    bt_runs_add(&ctx->arena, &runs, BT_RUN_TEXT, 0,
                bt_arena_str(&ctx->arena, text, strlen(text)), pos);
    CHECK_INT(bt_shape_para(ctx, &sh, &st, &runs, p), 0);
}

static void fake_para(bt_ctx *ctx, const char *text, int32_t width,
                      const bt_hyphenator *hy, int ragged, bt_para *p)
{
    fake_para_at(ctx, text, width, 0, hy, ragged, p);
}

/* The natural width of all of p's words. */
static int32_t words_width(const bt_para *p)
{
    int32_t w = 0;
    for (int i = 0; i < p->nwords; i++)
        w += p->words[i].w;
    return w;
}

/* Appends the characters of word w's glyphs. */
static void put_word(bt_buf *out, const bt_para *p, const bt_word *w)
{
    for (int s = w->s0; s < w->s0 + w->ns; s++)
        for (int g = 0; g < p->segs[s].ng; g++) {
            char u[4];
            int n = bt_utf8_encode(p->glyphs[p->segs[s].g0 + g].cp, u);
            bt_buf_put(out, u, (size_t)n);
        }
}

static int32_t last_size; /* size of the last segment shape() saw */

/* Items of `text` as a string: words as their glyphs, a space for glue,
 * and at a break inside a word '|' (URL point), '$' (the dear URL point:
 * = ; & ?), '~' (after an explicit hyphen), '=' (an added hyphen, whose
 * glyph must be U+002D and width a hyphen's), '#' (between letters). */
static const char *shape(bt_ctx *ctx, const char *text, int32_t width,
                         const bt_hyphenator *hy, int ragged)
{
    bt_para p;
    fake_para(ctx, text, width, hy, ragged, &p);
    bt_buf out = BT_BUF_INIT;
    for (int i = 0; i < p.nitems; i++) {
        const bt_item *it = &p.items[i];
        int inside = i > 0 && i + 1 < p.nitems &&
                     p.items[i - 1].kind == BT_ITEM_BOX &&
                     p.items[i + 1].kind == BT_ITEM_BOX;
        if (it->kind == BT_ITEM_BOX && it->ref != UINT32_MAX) {
            put_word(&out, &p, &p.words[it->ref]);
        } else if (it->kind == BT_ITEM_GLUE && out.len &&
                   out.data[out.len - 1] != ' ' && i + 2 < p.nitems) {
            bt_buf_puts(&out, " ");
        } else if (it->kind == BT_ITEM_PENALTY && inside &&
                   it->penalty < BT_PENALTY_INF) {
            if (it->ref != UINT32_MAX) {
                const bt_word *w = &p.words[it->ref];
                const bt_seg *sg = &p.segs[w->s0];
                CHECK_INT(p.glyphs[sg->g0].cp, '-');
                CHECK_INT(it->width, SIZE / 2);
                CHECK(it->flagged);
                bt_buf_puts(&out, "=");
            } else {
                bt_buf_puts(&out, it->flagged          ? "~"
                                  : it->penalty == 0   ? "#"
                                  : it->penalty < 1000 ? "|"
                                                       : "$");
            }
        }
    }
    last_size = p.nsegs ? p.segs[p.nsegs - 1].size : 0;
    char *r = bt_arena_strndup(&ctx->arena, out.data ? out.data : "", out.len);
    bt_buf_free(&out);
    return r;
}

#define WIDE 1000000 /* 200 characters */

/* The words of `text` joined by ' ' where the line may break between them
 * and by '_' where it may not (ragged glue breaks at its penalty). */
static const char *ties(bt_ctx *ctx, const char *text, int ragged)
{
    bt_para p;
    fake_para(ctx, text, WIDE, NULL, ragged, &p);
    bt_buf out = BT_BUF_INIT;
    for (int i = 0; i < p.nitems; i++) {
        const bt_item *it = &p.items[i];
        if (it->kind == BT_ITEM_BOX && it->ref != UINT32_MAX) {
            put_word(&out, &p, &p.words[it->ref]);
            continue;
        }
        if (it->kind != BT_ITEM_GLUE || i + 2 >= p.nitems)
            continue;
        /* a glue group: the items up to the next box */
        int brk = 0, j = i;
        for (; j < p.nitems && p.items[j].kind != BT_ITEM_BOX; j++)
            brk |= (p.items[j].kind == BT_ITEM_GLUE && j == i &&
                    p.items[j - 1].kind == BT_ITEM_BOX) ||
                   (p.items[j].kind == BT_ITEM_PENALTY &&
                    p.items[j].penalty < BT_PENALTY_INF);
        bt_buf_putc(&out, brk ? ' ' : '_');
        i = j - 1;
    }
    char *r = bt_arena_strndup(&ctx->arena, out.data ? out.data : "", out.len);
    bt_buf_free(&out);
    return r;
}

/* ---- break points of URLs, e-mail addresses, paths, formulas ---- */

static void test_shape__url_breaks(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    CHECK_STR(shape(&ctx, "xem http://www.example.org/tin/bai.html nhé", WIDE,
                    NULL, 0),
              "xem http://|www|.example|.org|/|tin|/|bai|.html nhé");
    /* https:// breaks only after the double slash; the query after ? & = */
    CHECK_STR(shape(&ctx, "https://a.vn/x?id=12&page=3", WIDE, NULL, 0),
              "https://|a|.vn|/|x?id=12&page=3");
    CHECK_INT(ctx.nwarnings, 0);
    bt_ctx_free(&ctx);
}

static void test_shape__email_and_path(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    CHECK_STR(shape(&ctx, "ban.bientap@baobinhson.vn", WIDE, NULL, 0),
              "ban|.bientap@|baobinhson|.vn");
    /* the issue's path: the colon stays with its word */
    CHECK_STR(shape(&ctx, "tại /etc/cron.monthly/package:", WIDE, NULL, 0),
              "tại /etc|/|cron|.monthly|/|package:");
    /* identifiers: after _, never a hyphen inside a name */
    CHECK_STR(shape(&ctx, "my_long-name_x1", WIDE, NULL, 0),
              "my_|long-name_x1");
    /* dates, fractions and decimals stay whole; short tokens too */
    CHECK_STR(
        shape(&ctx, "24/11/2026 1/2 3.14 0.0075 v.v. TP.HCM", WIDE, NULL, 0),
        "24/11/2026 1/2 3.14 0.0075 v.v. TP.HCM");
    /* a path's numbered parts break; a decimal point never */
    CHECK_STR(
        shape(&ctx, "[text/shared/02/01140000.xhp#box_text", WIDE, NULL, 0),
        "[text|/|shared|/|02|/|01140000|.xhp#box_|text");
    CHECK_INT(ctx.nwarnings, 0);
    bt_ctx_free(&ctx);
}

static void test_shape__formula(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    const char *f = "=CUMPRINC_ADD(0.0075;360;12500;0;13;24;0)";
    /* narrower than the column: only the point extraction joins back */
    CHECK_STR(shape(&ctx, f, WIDE, NULL, 0),
              "=CUMPRINC_|ADD(0.0075;360;12500;0;13;24;0)");
    /* wider (41 characters in 20): after each ; too, never 1 character
     * from the end, and no letters broken, no warning */
    CHECK_STR(shape(&ctx, f, 100000, NULL, 0),
              "=CUMPRINC_|ADD(0.0075;$360;$12500;$0;$13;$24;0)");
    CHECK_STR(shape(&ctx, "=PRICEMAT(\"1999-02-15\";\"1999-04-15\")", 130000,
                    NULL, 0),
              "=PRICEMAT(\"1999-02-15\";$\"1999-04-15\")");
    CHECK_INT(ctx.nwarnings, 0);
    /* up to a third wider than the line: set smaller to fit it whole
     * (41 characters, 205 pt, in 160 pt: 7.8 pt) */
    {
        bt_para p;
        fake_para(&ctx, f, 160000, NULL, 0, &p);
        int32_t w = words_width(&p);
        CHECK(w <= 160000 && w > 155000);
        for (int i = 0; i < p.nsegs; i++)
            CHECK_INT(p.segs[i].size, 7804);
    }
    /* no dear point ($) left in it */
    CHECK_STR(shape(&ctx, f, 160000, NULL, 0),
              "=CUMPRINC_|ADD(0.0075;360;12500;0;13;24;0)");
    /* too wide for that (130 pt), but its pieces between the points
     * extraction rejoins fit when set smaller (155 pt -> 8.4 pt): broken
     * only there */
    CHECK_STR(shape(&ctx, f, 130000, NULL, 0),
              "=CUMPRINC_|ADD(0.0075;360;12500;0;13;24;0)");
    CHECK_INT(last_size, 8387);
    /* a non-word token with no point left (the one a realprose bulletin
     * cut between letters: 31 characters, 155 pt in 130 pt) is set
     * smaller to fit whole (8.4 pt), not cut, not warned; with an indent
     * it fits the first line too */
    const char *decl = "GetParameterDescription(USHORT&";
    CHECK_STR(shape(&ctx, decl, 130000, NULL, 0), decl);
    CHECK_INT(last_size, 8387);
    CHECK_INT(ctx.nwarnings, 0);
    {
        bt_para p;
        fake_para_at(&ctx, decl, 130000, 10000, NULL, 0, &p);
        int32_t w = words_width(&p);
        CHECK(w <= 120000 && w > 115000);
        CHECK_INT(p.nwords, 1);
    }
    /* with a point it keeps (too wide to go without it, 175 pt): the
     * piece too wide after it is what is set smaller */
    CHECK_STR(
        shape(&ctx, "abc=GetParameterDescription(USHORT&", 130000, NULL, 0),
        "abc=$GetParameterDescription(USHORT&");
    CHECK_INT(last_size, 8387);
    CHECK_INT(ctx.nwarnings, 0);
    /* more than a third too wide: cut between letters, warned */
    CHECK_STR(shape(&ctx, decl, 100000, NULL, 0),
              "GetParameterDescript#ion(USHORT&");
    CHECK_INT(last_size, SIZE);
    CHECK_INT(ctx.nwarnings, 1);
    /* a plain word with no point still breaks between letters, warned */
    CHECK_STR(
        shape(&ctx, "abcdefghijklmnopqrstuvwxyzabcdefghij", 100000, NULL, 0),
        "abcdefghijklmnopqrst#uvwxyzabcdefghij");
    CHECK_INT(ctx.nwarnings, 2);
    CHECK_STR(shape(&ctx, "abcdefghijklmnopqrstuvwxyzab", 130000, NULL, 0),
              "abcdefghijklmnopqrstuvwxyz#ab");
    CHECK_INT(last_size, SIZE);
    bt_ctx_free(&ctx);
}

static void test_shape__explicit_hyphens(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    /* never after a hyphen followed by a digit: copy-paste would lose it */
    CHECK_STR(
        shape(&ctx, "COVID-19 mypackage-1.0 F-16 2020-2025", WIDE, NULL, 0),
        "COVID-19 mypackage-1.0 F-16 2020-2025");
    CHECK_STR(shape(&ctx, "Debian-based e-mail", WIDE, NULL, 0),
              "Debian-~based e-mail");
    /* nor after a digit: extraction rejoins a line-end hyphen only after
     * a letter */
    CHECK_STR(shape(&ctx, "3-way x86-based", WIDE, NULL, 0), "3-way x86-based");
    /* with a hyphenator: still no break and no added hyphen in them */
    CHECK_STR(shape(&ctx, "COVID-19 mypackage-1.0", WIDE, &fake_hyph, 0),
              "COVID-19 mypackage-1.0");
    bt_ctx_free(&ctx);
}

/* ---- hyphenation of foreign words ---- */

static void test_shape__hyphenate_foreign(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    fake_calls = 0;
    CHECK_STR(
        shape(&ctx, "Nhấn documentation (Manage), rồi", WIDE, &fake_hyph, 0),
        "Nhấn doc=ume=nta=tion (Man=age), rồi");
    CHECK_INT(fake_calls, 2);
    /* Vietnamese syllables, with or without marks, are never asked */
    fake_calls = 0;
    CHECK_STR(
        shape(&ctx, "nghiêng Nguyễn Nguyen truong khuỷu", WIDE, &fake_hyph, 0),
        "nghiêng Nguyễn Nguyen truong khuỷu");
    CHECK_INT(fake_calls, 0);
    /* identifiers, acronyms, short words, URLs, ragged text: none */
    CHECK_STR(shape(&ctx, "UploadQueue LIBREOFFICE video", WIDE, &fake_hyph, 0),
              "UploadQueue LIBREOFFICE video");
    CHECK_STR(shape(&ctx, "http://documentation.example", WIDE, &fake_hyph, 0),
              "http://|documentation|.example");
    CHECK_STR(shape(&ctx, "documentation", WIDE, &fake_hyph, 1),
              "documentation");
    CHECK_INT(fake_calls, 0);
    /* compounds: each part; the explicit hyphen does not break in a
     * paragraph where hyphens are added (extraction could not tell which
     * line-end hyphen to keep) */
    CHECK_STR(shape(&ctx, "well-documented", WIDE, &fake_hyph, 0),
              "well-doc=ume=nted");
    CHECK_STR(shape(&ctx, "well-known", WIDE, &fake_hyph, 0), "well-~known");
    bt_ctx_free(&ctx);
}

static void test_shape__libhyphen(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_hyph *h = bt_hyph_new(&ctx, bt_pos_file(0), NULL);
    const bt_hyphenator *hy = bt_hyph_hyphenator(h);
    const char *r = shape(&ctx, "documentation automatically", WIDE, hy, 0);
    if (!bt_hyph_path(h)) {
        bt_hyph_free(h);
        bt_ctx_free(&ctx);
        SKIP_REQUIRED("no hyph_en_US.dic (make deps installs hyphen-en-us)");
    }
    CHECK_STR(r, "doc=u=men=ta=tion au=to=mat=i=cally");
    /* English patterns only: other letters get no points */
    CHECK_STR(shape(&ctx, "Übersetzung", WIDE, hy, 0), "Übersetzung");
    CHECK_INT(ctx.ndiags, 0);
    bt_hyph_free(h);

    /* no patterns: nothing hyphenated, one note when reported */
    h = bt_hyph_new(&ctx, bt_pos_file(0), "/nonexistent/hyph_xx.dic");
    hy = bt_hyph_hyphenator(h);
    bt_hyph_report(h); /* no word asked yet: no note */
    CHECK_INT(ctx.ndiags, 0);
    CHECK_STR(shape(&ctx, "documentation", WIDE, hy, 0), "documentation");
    CHECK_STR(shape(&ctx, "automatically", WIDE, hy, 0), "automatically");
    bt_hyph_report(h);
    bt_hyph_report(h);
    CHECK_INT(ctx.ndiags, 1);
    CHECK(ctx.ndiags == 1 && ctx.diags[0].level == BT_DIAG_NOTE &&
          strstr(ctx.diags[0].msg, "/nonexistent/hyph_xx.dic"));
    CHECK(bt_hyph_path(h) == NULL);
    bt_hyph_free(h);
    bt_ctx_free(&ctx);
}

/* ---- the syllable test ---- */

static int viet(const char *s)
{
    uint32_t cp[64];
    int n = 0;
    const char *p = s, *end = s + strlen(s);
    while (p < end && n < 64)
        cp[n++] = bt_utf8_next(&p, end);
    return bt_syllable_is_vietnamese(cp, n);
}

static void test_shape__syllable(void)
{
    const char *yes[] = {
        "nghiêng", "Nguyễn", "Nguyen", "khuỷu",  "quốc",  "giường", "gì",
        "gìn",     "đường",  "Đảng",   "Ủy",     "oái",   "thuở",   "xoong",
        "uyên",    "khuya",  "quyết",  "hoạch",  "ngoằn", "ươn",    "yêu",
        "TRƯỜNG",  "a",      "kiểm",   "nghiệp", "thuế",  "huỳnh",  "giữa",
        "chuyện",  "ngoéo",  "tỉnh",   "phường", "trưa",  "mười",   "rượu"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (!viet(yes[i])) {
            fprintf(stderr, "  not a syllable: %s\n", yes[i]);
            CHECK(0);
        }
    const char *no[] = {"documentation", "Manage",  "UploadQueue", "Kafka",
                        "cell",          "ka",      "ge",          "nge",
                        "ghi1",          "hòá",     "bđ",          "",
                        "strong",        "Windows", "Java",        "zoom",
                        "video"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (viet(no[i])) {
            fprintf(stderr, "  taken for a syllable: %s\n", no[i]);
            CHECK(0);
        }
}

static int is_letter(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= 0xC0 && c < 0x2000 && c != 0xD7 && c != 0xF7);
}

static int is_upper(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || c == 0x0110 ||
           (c >= 0xC0 && c <= 0xDD && c != 0xD7) ||
           (c >= 0x1EA0 && c <= 0x1EF9 && c % 2 == 0) || c == 0x0102 ||
           c == 0x01A0 || c == 0x01AF || c == 0x0128 || c == 0x0168;
}

/* Checks every syllable of a text file. Not syllables, so skipped: tokens
 * joined by . / @ (domains, URLs: "Baobinhson.vn"), acronyms and Roman
 * numerals (two capitals or more: "UBND", "XIII"), abbreviations (a capital
 * and at most 2 letters before '.': "Tp."), unit symbols after a number
 * ("612 m", "4 km"), and "video", the one loanword of the samples. Returns
 * the number of syllables checked, -1 if the file is absent. */
static int check_file(const char *path)
{
    bt_buf in = BT_BUF_INIT;
    if (bt_buf_read_file(&in, path, 1 << 22) != 0)
        return -1;
    const char *p = in.data, *end = in.data + in.len;
    int checked = 0, prev_number = 0;
    while (p < end) {
        /* one whitespace-separated token */
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            p++;
        const char *t0 = p;
        while (p < end &&
               !(*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            p++;
        if (p == t0)
            break;
        uint32_t cp[256];
        int n = 0;
        for (const char *q = t0; q < p && n < 256;)
            cp[n++] = bt_utf8_next(&q, p);
        int joined = 0, number = 0;
        for (int i = 1; i + 1 < n; i++)
            joined |= (cp[i] == '.' || cp[i] == '/' || cp[i] == '@') &&
                      is_letter(cp[i - 1]) && is_letter(cp[i + 1]);
        for (int i = 0; i < n; i++)
            number |= cp[i] >= '0' && cp[i] <= '9';
        for (int i = 0; i < n && !joined;) {
            if (!is_letter(cp[i])) {
                i++;
                continue;
            }
            int j = i, caps = 0;
            while (j < n && is_letter(cp[j]))
                caps += is_upper(cp[j++]);
            int len = j - i;
            int abbr = j < n && cp[j] == '.' && len <= 2 && is_upper(cp[i]);
            int unit = prev_number && len <= 2 && !is_upper(cp[i]);
            int video = len == 5;
            for (int k = 0; k < 5 && video; k++)
                video = cp[i + k] == (uint32_t) "video"[k];
            if (caps < 2 && !abbr && !unit && !video) {
                checked++;
                if (!bt_syllable_is_vietnamese(cp + i, len)) {
                    fprintf(stderr, "  %s: not a syllable: %.*s\n", path,
                            (int)(p - t0), t0);
                    CHECK(0);
                }
            }
            i = j;
        }
        prev_number = number;
    }
    bt_buf_free(&in);
    return checked;
}

static void test_shape__syllables_of_samples(void)
{
    const char *files[] = {"samples/bulletin.expected.txt",
                           "samples/clips/cau-dong-lam.txt",
                           "samples/clips/hanh-chinh-cong.txt",
                           "samples/clips/lop-hoc-thong-minh.txt"};
    int total = 0;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        int k = check_file(files[i]);
        CHECK(k > 0);
        total += k;
    }
    CHECK(total > 3000);
}

static void test_shape__syllables_of_seed(void)
{
    int k = check_file("../shared/seeds/hoi-nghi-giao-ban.txt");
    if (k < 0)
        SKIP_OPTIONAL("../shared/seeds absent");
    CHECK(k > 400);
}

/* ---- words extraction reads as something else at a line's start or end ----
 */

static void test_shape__extraction_ties(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    /* no line opens with what reads as a list marker: "0) returns" would
     * come back as "0)returns" */
    CHECK_STR(ties(&ctx, "100; 2; 0) returns 95. Khi b) ii. xong", 0),
              "100; 2;_0) returns_95. Khi_b)_ii. xong");
    /* a paragraph's last word that alone on a line would be dropped as a
     * list marker or a page number stays with the word before */
    CHECK_STR(ties(&ctx, "gộp thành 1.", 0), "gộp thành_1.");
    CHECK_STR(ties(&ctx, "vào tháng 10.", 0), "vào tháng_10.");
    CHECK_STR(ties(&ctx, "ngày 15/7/2022.", 0), "ngày_15/7/2022.");
    CHECK_STR(ties(&ctx, "thêm mục –", 0), "thêm mục_–");
    CHECK_STR(ties(&ctx, "năm 2026 nữa.", 0), "năm 2026 nữa.");
    /* ragged text too (its glue breaks at a penalty) */
    CHECK_STR(ties(&ctx, "gộp thành 1.", 1), "gộp thành_1.");
    CHECK_STR(ties(&ctx, "Tp. Huế", 1), "Tp._Huế");
    /* a word ending in a hyphen: "sheet-" at a line end reads as a word
     * broken at its hyphen ("sheet-to") */
    CHECK_STR(ties(&ctx, "Select -entire sheet- to set", 0),
              "Select -entire sheet-_to set");
    bt_ctx_free(&ctx);
}

/* ---- the paragraph memo ---- */

static int para_eq(const bt_para *a, const bt_para *b)
{
    return a->nitems == b->nitems && a->nwords == b->nwords &&
           a->nsegs == b->nsegs && a->nglyphs == b->nglyphs &&
           !memcmp(a->items, b->items, sizeof *a->items * (size_t)a->nitems) &&
           !memcmp(a->words, b->words, sizeof *a->words * (size_t)a->nwords) &&
           !memcmp(a->segs, b->segs, sizeof *a->segs * (size_t)a->nsegs) &&
           !memcmp(a->glyphs, b->glyphs,
                   sizeof *a->glyphs * (size_t)a->nglyphs);
}

static bt_runs one_run(bt_ctx *ctx, const char *text, uint32_t line)
{
    bt_runs runs = {0};
    bt_pos pos = {0, line, 1};
    bt_runs_add(&ctx->arena, &runs, BT_RUN_TEXT, 0,
                bt_arena_str(&ctx->arena, text, strlen(text)), pos);
    return runs;
}

/* A paragraph served by the memo is the one shaping gives, in fresh
 * arrays the caller may change; a different position is another
 * paragraph; one that gave a diagnostic is shaped (and warns) again. */
static void test_shape__memo(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_shapememo *m = bt_shapememo_new();
    bt_shaper plain = {fake_shape, fake_covers, fake_fallback, fake_metrics,
                       NULL,       &fake_hyph,  NULL,          NULL};
    bt_shaper memo = plain;
    memo.memo = m;
    bt_textstyle st = {0};
    st.size = SIZE;
    st.width = 200000;
    const char *text = "Hội nghị internationalisation của http://x.example/a/b";
    bt_runs runs = one_run(&ctx, text, 3);
    bt_para want, p1, p2, p3;
    CHECK_INT(bt_shape_para(&ctx, &plain, &st, &runs, &want), 0);
    CHECK_INT(bt_shape_para(&ctx, &memo, &st, &runs, &p1), 0);
    CHECK(para_eq(&want, &p1));
    p1.items[0].width = -1; /* the caller's copy */
    bt_runs again = one_run(&ctx, text, 3);
    CHECK_INT(bt_shape_para(&ctx, &memo, &st, &again, &p2), 0);
    CHECK(para_eq(&want, &p2));
    CHECK(p2.items != p1.items);
    unsigned long hits, misses;
    size_t bytes;
    bt_shapememo_stats(m, &hits, &misses, &bytes);
    CHECK_INT((int)hits, 1);
    CHECK_INT((int)misses, 1);
    CHECK(bytes > 0);
    bt_runs moved = one_run(&ctx, text, 4);
    CHECK_INT(bt_shape_para(&ctx, &memo, &st, &moved, &p3), 0);
    CHECK_INT(p3.segs[0].pos.line, 4);
    st.size = SIZE / 2;
    CHECK_INT(bt_shape_para(&ctx, &memo, &st, &runs, &p3), 0);
    CHECK(!para_eq(&want, &p3));
    bt_shapememo_stats(m, &hits, &misses, &bytes);
    CHECK_INT((int)hits, 1);
    CHECK_INT((int)misses, 3);
    /* a word wider than the column warns: that paragraph is not kept, and
     * is shaped again (the same warning is then not repeated, diag.c) */
    st.size = SIZE;
    st.width = 20000;
    bt_runs wide = one_run(&ctx, "Supercalifragilistic", 5);
    int w0 = ctx.nwarnings;
    CHECK_INT(bt_shape_para(&ctx, &memo, &st, &wide, &p3), 0);
    CHECK_INT(ctx.nwarnings, w0 + 1);
    CHECK_INT(bt_shape_para(&ctx, &memo, &st, &wide, &p3), 0);
    CHECK_INT(ctx.nwarnings, w0 + 1);
    bt_shapememo_stats(m, &hits, &misses, &bytes);
    CHECK_INT((int)hits, 1);
    CHECK_INT((int)misses, 5);
    bt_shapememo_free(m);
    bt_ctx_free(&ctx);
}

/* Font 0 lacks CJK (font 1 has it, 600 units wide) and the private use
 * area (no font has it); shapes count their calls. */
static int fb_shapes;
static int fb_shape(void *payload, uint32_t font, const uint32_t *cps,
                    int len, const bt_glyphpos **out)
{
    fb_shapes++;
    int n = fake_shape(payload, font, cps, len, out);
    for (int i = 0; i < n && font == 1; i++)
        fake_buf[i].advance = 600;
    return n;
}
static int fb_covers(void *payload, uint32_t font, uint32_t cp)
{
    (void)payload;
    return !(cp >= 0xE000 && cp < 0xF900) && (font == 1 || cp < 0x4E00);
}
static uint32_t fb_fallback(void *payload, uint32_t font, uint32_t cp)
{
    (void)payload;
    (void)font;
    return cp >= 0x4E00 && cp < 0xE000 ? 1 : BT_FONT_NONE;
}

/* With a word memo (bt_shaper.words) every paragraph is the one shaping
 * gives without it: repeated words (served, fewer shapes), words with
 * a fallback font or a character no font has (not kept: the error comes
 * each time), a foreign word's hyphenation points, a URL's break points,
 * ragged and justified, two sizes, and a measure narrow enough that a kept
 * word is too wide there (measured again). */
static void test_shape__word_memo(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_wordmemo *wm = bt_wordmemo_new();
    bt_shaper plain = {fb_shape, fb_covers,  fb_fallback, fake_metrics,
                       NULL,     &fake_hyph, NULL,        NULL};
    bt_shaper memo = plain;
    memo.words = wm;
    const char *text = "Hội nghị internationalisation hội nghị của "
                       "http://x.example/a/b hội 中文 中文 nghị \xee\x80\x80x "
                       "internationalisation nghị";
    int served = 0, compared = 0;
    for (int round = 0; round < 2; round++)
        for (int ragged = 0; ragged < 2; ragged++)
            for (int size = SIZE / 2; size <= SIZE; size += SIZE / 2)
                for (int w = 0; w < 2; w++) {
                    bt_textstyle st = {0};
                    st.size = size;
                    st.width = w ? 60000 : 200000;
                    st.ragged = ragged;
                    bt_runs runs = one_run(&ctx, text, 7);
                    bt_para want, got;
                    int e0 = ctx.nerrors, s0 = fb_shapes;
                    CHECK_INT(bt_shape_para(&ctx, &plain, &st, &runs, &want),
                              -1);
                    int e1 = ctx.nerrors, s1 = fb_shapes;
                    CHECK_INT(bt_shape_para(&ctx, &memo, &st, &runs, &got), -1);
                    CHECK(para_eq(&want, &got));
                    CHECK_INT(ctx.nerrors - e1, e1 - e0);
                    served += fb_shapes - s1 < s1 - s0;
                    compared++;
                }
    CHECK_INT(compared, 16);
    CHECK(served >= 8);
    bt_wordmemo_free(wm);
    bt_ctx_free(&ctx);
}

/* The memo's budget: the larger one when the whole bulletin's paragraphs
 * fit it by the estimate, the small one otherwise. */
static void test_shape__memo_plan(void)
{
    bt_shapememo *m = bt_shapememo_new();
    size_t fit = BT_SHAPE_MEMO_WHOLE_BYTES / BT_SHAPE_MEMO_PER_TEXT_BYTE;
    CHECK(bt_shapememo_plan(m, 1000) == BT_SHAPE_MEMO_WHOLE_BYTES);
    CHECK(bt_shapememo_plan(m, fit) == BT_SHAPE_MEMO_WHOLE_BYTES);
    CHECK(bt_shapememo_plan(m, fit + 1) == BT_SHAPE_MEMO_BYTES);
    CHECK(BT_SHAPE_MEMO_WHOLE_BYTES > BT_SHAPE_MEMO_BYTES);
    bt_shapememo_free(m);
}

/* A memo past its budget keeps no new paragraph but still serves the
 * ones it holds (a later pass starts with those). */
static void test_shape__memo_full(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_shapememo *m = bt_shapememo_new();
    bt_shaper sh = {fake_shape,   fake_covers, fake_fallback, fake_metrics,
                    NULL,         &fake_hyph,  m,             NULL};
    bt_textstyle st = {0};
    st.size = SIZE;
    st.width = 200000;
    bt_runs first = one_run(&ctx, "Đoạn đầu tiên của bài", 1);
    bt_runs second = one_run(&ctx, "Đoạn thứ hai của bài", 2);
    bt_para p;
    CHECK_INT(bt_shape_para(&ctx, &sh, &st, &first, &p), 0);
    unsigned long hits, misses;
    size_t bytes;
    bt_shapememo_stats(m, &hits, &misses, &bytes);
    bt_shapememo_budget(m, bytes); /* full now */
    CHECK_INT(bt_shape_para(&ctx, &sh, &st, &second, &p), 0);
    CHECK_INT(bt_shape_para(&ctx, &sh, &st, &second, &p), 0);
    CHECK_INT(bt_shape_para(&ctx, &sh, &st, &first, &p), 0);
    size_t after;
    bt_shapememo_stats(m, &hits, &misses, &after);
    CHECK(after == bytes);     /* the second paragraph was not kept */
    CHECK_INT((int)misses, 3); /* the first once, the second twice */
    CHECK_INT((int)hits, 1);   /* the first, served while full */
    bt_shapememo_free(m);
    bt_ctx_free(&ctx);
}

/* ---- which bulletins will ask for hyphenation points ---- */

/* A one-article bulletin whose paragraph is `text`. */
static bt_doc *one_para(bt_ctx *ctx, const char *title, const char *text)
{
    bt_doc *d = bt_doc_new(&ctx->arena);
    bt_section *s = bt_doc_add_section(&ctx->arena, d);
    bt_article *a = bt_article_new(&ctx->arena, 0);
    a->title.text = bt_arena_str(&ctx->arena, title, strlen(title));
    bt_section_add_article(s, a);
    bt_block *b =
        bt_article_add_block(&ctx->arena, a, BT_BLOCK_PARA, bt_pos_file(0));
    bt_runs_add(&ctx->arena, &b->runs, BT_RUN_TEXT, 0,
                bt_arena_str(&ctx->arena, text, strlen(text)), bt_pos_file(0));
    bt_doc_finish(&ctx->arena, d);
    return d;
}

/* bt_shape_may_hyphenate says yes exactly when a word would ask the
 * hyphenator (the test of hyphen_breaks): a foreign word of 6 letters or
 * more, without inner capitals, that is no Vietnamese syllable; the
 * Vietnamese of the samples, identifiers and acronyms do not. */
static void test_shape__may_hyphenate(void)
{
    static const struct {
        const char *title, *text;
        int yes;
    } c[] = {
        {"Hội nghị", "Chiều 29/6, tại Tp. Quảng Ngãi vừa diễn ra hội nghị.", 0},
        {"Hội nghị", "Cài đặt gói mới trên máy chủ (documentation).", 1},
        {"Tin mới", "Tải ứng dụng UploadQueue và COVID-19 về máy.", 0},
        {"Facebook ra mắt", "Tin ngắn.", 1},
        {"Tin", "trong ngoài nghiêng thường", 0},
        {"Tin", "word short", 0}, /* under 6 letters */
        /* a domain or path is no word: shape.c breaks it, never hyphenates */
        {"Tin", "(Phapluatmoitruong.vn) – Chiều 29/6", 0},
        {"Tin", "xem /etc/cron.monthly/package ngay", 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        bt_ctx ctx;
        bt_ctx_init(&ctx);
        bt_doc *d = one_para(&ctx, c[i].title, c[i].text);
        CHECK_INT(bt_shape_may_hyphenate(d), c[i].yes);
        bt_ctx_free(&ctx);
    }
}

static const bt_t_case cases[] = {
    TEST(test_shape__may_hyphenate),     TEST(test_shape__memo_plan),
    TEST(test_shape__memo_full),         TEST(test_shape__extraction_ties),
    TEST(test_shape__url_breaks),        TEST(test_shape__email_and_path),
    TEST(test_shape__formula),           TEST(test_shape__explicit_hyphens),
    TEST(test_shape__hyphenate_foreign), TEST(test_shape__libhyphen),
    TEST(test_shape__syllable),          TEST(test_shape__syllables_of_samples),
    TEST(test_shape__syllables_of_seed), TEST(test_shape__memo), TEST(test_shape__word_memo),
};

TEST_MAIN("test_shape", cases)
