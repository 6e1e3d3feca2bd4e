/* test_text.c - UTF-8 checks (exact line:col and message of each problem),
 * NFC, whitespace collapse, the U+00A0 policy, linecol and the small UTF-8
 * helpers of text.c. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include "harness.h"
#include "text.h"

/* Runs bt_text_check_input on len bytes; returns its result and copies the
 * first diagnostic's position and message out. */
static int check(const char *data, size_t len, uint32_t *line, uint32_t *col,
                 char *msg, size_t msgsz)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    uint16_t f = bt_ctx_file(&ctx, "x.txt", NULL);
    int r = bt_text_check_input(&ctx, f, data, len);
    *line = *col = 0;
    msg[0] = 0;
    if (ctx.ndiags > 0) {
        *line = ctx.diags[0].pos.line;
        *col = ctx.diags[0].pos.col;
        snprintf(msg, msgsz, "%s", ctx.diags[0].msg);
        CHECK_INT(ctx.diags[0].pos.file, f);
        CHECK_INT(ctx.diags[0].level, BT_DIAG_ERROR);
    }
    CHECK_INT(ctx.ndiags, r == 0 ? 0 : 1);
    bt_ctx_free(&ctx);
    return r;
}

#define EXPECT_ERR(lit, eline, ecol, emsg)                                     \
    do {                                                                       \
        uint32_t l_, c_;                                                       \
        char m_[256];                                                          \
        int r_ = check(lit, sizeof lit - 1, &l_, &c_, m_, sizeof m_);          \
        CHECK_INT(r_, -1);                                                     \
        CHECK_INT(l_, eline);                                                  \
        CHECK_INT(c_, ecol);                                                   \
        CHECK_STR(m_, emsg);                                                   \
    } while (0)

#define EXPECT_OK(lit)                                                         \
    do {                                                                       \
        uint32_t l_, c_;                                                       \
        char m_[256];                                                          \
        CHECK_INT(check(lit, sizeof lit - 1, &l_, &c_, m_, sizeof m_), 0);     \
    } while (0)

static void test_text__valid(void)
{
    EXPECT_OK("a");
    EXPECT_OK("H\xE1\xBB\x99i ngh\xE1\xBB\x8B\n\tx\r\ny\rz\n");
    EXPECT_OK("\xEF\xBB\xBFtitle");                 /* UTF-8 BOM accepted */
    EXPECT_OK("\xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"); /* U+1F600, U+10FFFF */
    EXPECT_OK("\xED\x9F\xBF\xEE\x80\x80");          /* U+D7FF, U+E000 */
    EXPECT_OK("\xC2\x80\x7F");                      /* C1 and DEL are allowed */
}

static void test_text__empty_and_boms(void)
{
    EXPECT_ERR("", 1, 1, "empty file");
    EXPECT_ERR("\xEF\xBB\xBF", 1, 1, "empty file");
    EXPECT_ERR("\xFF\xFE"
               "a\0",
               1, 1, "not UTF-8 (UTF-16 byte-order mark)");
    EXPECT_ERR("\xFE\xFF\0a", 1, 1, "not UTF-8 (UTF-16 byte-order mark)");
    EXPECT_ERR("\xFF\xFE\0\0"
               "a\0\0\0",
               1, 1, "not UTF-8 (UTF-32 byte-order mark)");
    EXPECT_ERR("\0\0\xFE\xFF\0\0\0a", 1, 1,
               "not UTF-8 (UTF-32 byte-order mark)");
}

static void test_text__controls(void)
{
    EXPECT_ERR("ab\0c", 1, 3, "NUL byte not allowed");
    EXPECT_ERR("x\ny\x01", 2, 2, "control character U+0001 not allowed");
    EXPECT_ERR("\x1b[0m", 1, 1, "control character U+001B not allowed");
    /* columns count characters: "Hội" is 3 characters, 5 bytes */
    EXPECT_ERR("H\xE1\xBB\x99i\x0c", 1, 4,
               "control character U+000C not allowed");
    /* CR LF is one line end, a lone CR is one too */
    EXPECT_ERR("a\r\nb\r\nc\x02", 3, 2, "control character U+0002 not allowed");
    EXPECT_ERR("a\rb\r\x03", 3, 1, "control character U+0003 not allowed");
    EXPECT_ERR("a\n\r\x04", 3, 1, "control character U+0004 not allowed");
    /* the BOM is not a column */
    EXPECT_ERR("\xEF\xBB\xBF"
               "ab\x05",
               1, 3, "control character U+0005 not allowed");
}

static void test_text__invalid_utf8(void)
{
    EXPECT_ERR("ab\xC3(", 1, 3,
               "invalid UTF-8 (byte 0xC3 not followed by a continuation byte)");
    EXPECT_ERR("\xE1\xBB\x99\n\xE1\xBBx", 2, 1,
               "invalid UTF-8 (incomplete sequence starting with byte 0xE1)");
    EXPECT_ERR("\xC3\xA9\x80", 1, 2,
               "invalid UTF-8 (unexpected continuation byte 0x80)");
    EXPECT_ERR("abc\xC3", 1, 4,
               "invalid UTF-8 (sequence cut off at end of file)");
    EXPECT_ERR("\xF0\x9F\x98", 1, 1,
               "invalid UTF-8 (sequence cut off at end of file)");
    /* overlongs: 2-byte "/", 3-byte "/", 4-byte U+FFFF */
    EXPECT_ERR("x\xC0\xAF", 1, 2, "invalid UTF-8 (overlong encoding)");
    EXPECT_ERR("x\xC1\xBF", 1, 2, "invalid UTF-8 (overlong encoding)");
    EXPECT_ERR("\n\n  \xE0\x80\xAF", 3, 3, "invalid UTF-8 (overlong encoding)");
    EXPECT_ERR("\xF0\x8F\xBF\xBF", 1, 1, "invalid UTF-8 (overlong encoding)");
    /* surrogates */
    EXPECT_ERR("\xC3\xA0\xED\xA0\x80", 1, 2,
               "invalid UTF-8 (encoded surrogate U+D800)");
    EXPECT_ERR("\xED\xBF\xBF", 1, 1,
               "invalid UTF-8 (encoded surrogate U+DFFF)");
    /* above U+10FFFF */
    EXPECT_ERR("a\xF4\x90\x80\x80", 1, 2,
               "invalid UTF-8 (code point above U+10FFFF)");
    EXPECT_ERR("a\xF5\x80\x80\x80", 1, 2,
               "invalid UTF-8 (byte 0xF5 cannot start a character)");
    EXPECT_ERR("a\r\n\xFF", 2, 1,
               "invalid UTF-8 (byte 0xFF cannot start a character)");
}

static void test_text__linecol(void)
{
    /* "Hội\r\nnghị\rx\ny" */
    const char *s = "H\xE1\xBB\x99i\r\nngh\xE1\xBB\x8B\rx\ny";
    uint32_t l, c;
    bt_text_linecol(s, 0, &l, &c);
    CHECK_INT(l, 1);
    CHECK_INT(c, 1);
    bt_text_linecol(s, 4, &l, &c); /* 'i' after the 3-byte ộ */
    CHECK_INT(l, 1);
    CHECK_INT(c, 3);
    bt_text_linecol(s, 5, &l, &c); /* the CR */
    CHECK_INT(l, 1);
    CHECK_INT(c, 4);
    bt_text_linecol(s, 7, &l, &c); /* 'n' after CR LF */
    CHECK_INT(l, 2);
    CHECK_INT(c, 1);
    bt_text_linecol(s, 10, &l, &c); /* ị */
    CHECK_INT(l, 2);
    CHECK_INT(c, 4);
    bt_text_linecol(s, 14, &l, &c); /* 'x' after a lone CR */
    CHECK_INT(l, 3);
    CHECK_INT(c, 1);
    bt_text_linecol(s, 16, &l, &c); /* 'y' */
    CHECK_INT(l, 4);
    CHECK_INT(c, 1);
    bt_text_linecol("\xEF\xBB\xBF"
                    "ab",
                    4, &l, &c); /* BOM is no column */
    CHECK_INT(l, 1);
    CHECK_INT(c, 2);
}

/* The incremental cursor xmlin.c uses agrees with bt_text_linecol at every
 * offset, seeking forwards one by one or jumping back; the one difference
 * is an offset on the LF of a CR LF, which the cursor (seeing the LF
 * ahead) keeps on the CR's line. */
static void test_text__linecol_cursor(void)
{
    /* BOM "Hội\r\nnghị\rx\ny" */
    const char *s = "\xEF\xBB\xBFH\xE1\xBB\x99i\r\nngh\xE1\xBB\x8B\rx\ny";
    size_t len = strlen(s);
    bt_linecol lc;
    bt_linecol_init(&lc, s, len);
    CHECK_INT(lc.start, 3);
    for (size_t off = 3; off <= len; off++) {
        uint32_t l, c;
        bt_text_linecol(s, off, &l, &c);
        bt_linecol_seek(&lc, off);
        if (s[off - 1] == '\r' && s[off] == '\n') {
            CHECK_INT(lc.line, l - 1);
            continue;
        }
        CHECK_INT(lc.line, l);
        CHECK_INT(lc.col, c);
    }
    bt_linecol_seek(&lc, 7); /* backwards: 'i' */
    CHECK_INT(lc.line, 1);
    CHECK_INT(lc.col, 3);
    bt_linecol_seek(&lc, 10000); /* clamped to the end: 'y' was col 1 */
    CHECK_INT(lc.at, len);
    CHECK_INT(lc.line, 4);
    CHECK_INT(lc.col, 2);
}

static bt_str S(const char *cstr)
{
    bt_str s = {cstr, strlen(cstr)};
    return s;
}

static void test_text__nfc(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    /* "Hội nghị" with combining marks: o + U+0323 + U+0302, i + U+0323 */
    const char *nfd = "Ho\xCC\xA3\xCC\x82i nghi\xCC\xA3";
    /* the same marks in the other order: canonical reordering */
    const char *nfd2 = "Ho\xCC\x82\xCC\xA3i nghi\xCC\xA3";
    const char *nfc = "H\xE1\xBB\x99i ngh\xE1\xBB\x8B";
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S(nfd), 0), nfc);
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S(nfd2), 0), nfc);
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S(nfc), 0), nfc);
    /* decomposed Đ has no decomposition; Ả = A + U+0309 */
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S("A\xCC\x89nh"), 0),
               "\xE1\xBA\xA2nh");
    /* a mark after a space or at the start stays */
    CHECK_BSTR(bt_text_normalize(&ctx.arena,
                                 S("\xCC\x81"
                                   "a \xCC\x81"),
                                 0),
               "\xCC\x81"
               "a \xCC\x81");
    /* composition exclusion: U+0958 stays decomposed */
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S("\xE0\xA5\x98"), 0),
               "\xE0\xA4\x95\xE0\xA4\xBC");
    /* Hangul L V T composes */
    CHECK_BSTR(bt_text_normalize(&ctx.arena,
                                 S("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), 0),
               "\xEA\xB0\x81");
    bt_ctx_free(&ctx);
}

/* NFC by utf8proc alone of the code points a[0..n), as UTF-8 in out (at
 * least 4 n + 1 bytes); 0 when utf8proc fails. */
static int ref_nfc(const uint32_t *a, int n, char *out)
{
    char in[64];
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)bt_utf8_encode(a[i], in + len);
    utf8proc_uint8_t *r = NULL;
    utf8proc_ssize_t m =
        utf8proc_map((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)len, &r,
                     UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (m < 0)
        return 0;
    memcpy(out, r, (size_t)m + 1);
    free(r);
    return 1;
}

/* Every code point bt_text_nfc_inert names: utf8proc's NFC leaves it as it
 * is, alone and after every printable ASCII character and every other
 * such code point (then the fast path, which copies runs of them, gives
 * what utf8proc gives); and a few that are not: marks, U+2000 (which NFC
 * maps to U+2002), U+212B (Angstrom sign -> Å). */
static void test_text__nfc_inert(void)
{
    uint32_t in[1200];
    int n = 0;
    for (uint32_t cp = 0x80; cp < 0x2100; cp++)
        if (bt_text_nfc_inert(cp))
            in[n++] = cp;
    CHECK(n > 700 && n < 1200);
    CHECK(bt_text_nfc_inert(0x1EA5)); /* ấ */
    CHECK(bt_text_nfc_inert(0x01B0)); /* ư */
    CHECK(!bt_text_nfc_inert(0x0301));
    CHECK(!bt_text_nfc_inert(0x2000));
    CHECK(!bt_text_nfc_inert(0x212B));
    int bad = 0;
    for (int i = 0; i < n && bad < 5; i++) {
        char got[16], want[16];
        uint32_t one[1] = {in[i]};
        want[bt_utf8_encode(in[i], want)] = 0;
        if (!ref_nfc(one, 1, got) || strcmp(got, want) != 0)
            bad++;
        uint32_t pair[2];
        pair[1] = in[i];
        for (int j = -95; j < n && bad < 5; j++) {
            pair[0] = j < 0 ? (uint32_t)(0x7F + j) : in[j];
            int k = bt_utf8_encode(pair[0], want);
            k += bt_utf8_encode(pair[1], want + k);
            want[k] = 0;
            if (!ref_nfc(pair, 2, got) || strcmp(got, want) != 0)
                bad++;
        }
    }
    CHECK_INT(bad, 0);
    /* the fast path's result is utf8proc's, runs of them included */
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    const char *vi = "Ng\xC6\xB0\xE1\xBB\x9Di d\xC3\xA2n \xE2\x80\x9C"
                     "\xC4\x91\xE1\xBB\x95i m\xE1\xBB\x9Bi\xE2\x80\x9D";
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S(vi), 0), vi);
    bt_ctx_free(&ctx);
}

static void test_text__whitespace(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S("  a \t\r\n b\n\nc  "), 0),
               " a b c ");
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S(""), 0), "");
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S("\n"), 0), " ");
    CHECK_BSTR(bt_text_trim(bt_text_normalize(&ctx.arena, S("  x  y "), 0)),
               "x y");
    CHECK_BSTR(bt_text_trim(S("   ")), "");
    /* space next to a composed letter */
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S("e\xCC\x81  \te\xCC\x81"), 0),
               "\xC3\xA9 \xC3\xA9");
    bt_ctx_free(&ctx);
}

static void test_text__nbsp(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    const char *in = "Mai;\xC2\xA0\xE1\xBB\xA6y vi\xC3\xAAn \xC2\xA0 x\xC2\xA0";
    /* XML rule: U+00A0 is kept, only real spaces collapse */
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S(in), 0),
               "Mai;\xC2\xA0\xE1\xBB\xA6y vi\xC3\xAAn \xC2\xA0 x\xC2\xA0");
    /* clipping rule: U+00A0 is a space and collapses with its neighbours */
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S(in), BT_TEXT_NBSP_SPACE),
               "Mai; \xE1\xBB\xA6y vi\xC3\xAAn x ");
    /* NBSP followed by a combining mark */
    CHECK_BSTR(bt_text_normalize(&ctx.arena, S("a\xC2\xA0\xCC\x81"),
                                 BT_TEXT_NBSP_SPACE),
               "a \xCC\x81");
    bt_ctx_free(&ctx);
}

static void test_text__utf8_helpers(void)
{
    const char *s = "a\xC3\xA9\xE1\xBB\x99\xF0\x9F\x98\x80";
    const char *p = s, *end = s + strlen(s);
    CHECK_INT(bt_utf8_next(&p, end), 'a');
    CHECK_INT(bt_utf8_next(&p, end), 0xE9);
    CHECK_INT(bt_utf8_next(&p, end), 0x1ED9);
    CHECK_INT(bt_utf8_next(&p, end), 0x1F600);
    CHECK(p == end);
    /* truncated input never reads past end */
    p = s + 3;
    CHECK_INT(bt_utf8_next(&p, s + 4), 0xFFFD);
    CHECK(p == s + 4);
    CHECK_INT(bt_utf8_count(S(s)), 4);
    char out[4];
    CHECK_INT(bt_utf8_encode('a', out), 1);
    CHECK_INT(bt_utf8_encode(0xE9, out), 2);
    CHECK(memcmp(out, "\xC3\xA9", 2) == 0);
    CHECK_INT(bt_utf8_encode(0x1ED9, out), 3);
    CHECK(memcmp(out, "\xE1\xBB\x99", 3) == 0);
    CHECK_INT(bt_utf8_encode(0x1F600, out), 4);
    CHECK(memcmp(out, "\xF0\x9F\x98\x80", 4) == 0);
    CHECK_INT(bt_utf8_encode(0xD800, out), 3); /* U+FFFD */
    CHECK(memcmp(out, "\xEF\xBF\xBD", 3) == 0);
    CHECK_INT(bt_text_words(S("")), 0);
    CHECK_INT(bt_text_words(S("  ")), 0);
    CHECK_INT(bt_text_words(S("Thi\xC3\xAAn B\xC3\xBAt")), 2);
    CHECK_INT(bt_text_words(S(" a  b\tc\n")), 3);
}

/* Big inputs stay linear: long runs of marks, no spaces, 8 MiB of text. */
static void test_text__pathological(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    size_t n = 4u << 20;
    char *big = bt_xmalloc(n + 1);
    /* "a" then alternating U+0301 (ccc 230) and U+0323 (ccc 220): the worst
     * case for a bubble-sort reordering */
    big[0] = 'a';
    for (size_t i = 1; i + 2 <= n; i += 2) {
        big[i] = (char)0xCC;
        big[i + 1] = (char)(((i / 2) & 1) ? 0x81 : 0xA3);
    }
    bt_str r = bt_text_normalize(&ctx.arena, (bt_str){big, n - 1}, 0);
    CHECK(r.len > 0 && r.len <= n);
    /* 4 MiB of "ệ" without a space */
    for (size_t i = 0; i + 3 <= n; i += 3)
        memcpy(big + i, "\xE1\xBB\x87", 3);
    size_t m = n / 3 * 3;
    r = bt_text_normalize(&ctx.arena, (bt_str){big, m}, 0);
    CHECK_INT(r.len, m);
    CHECK(memcmp(r.ptr, big, m) == 0);
    /* the same decomposed: e + U+0323 + U+0302 */
    size_t k = 0;
    for (; k + 5 <= n; k += 5)
        memcpy(big + k, "e\xCC\xA3\xCC\x82", 5);
    r = bt_text_normalize(&ctx.arena, (bt_str){big, k}, 0);
    CHECK_INT(r.len, k / 5 * 3);
    CHECK(r.len >= 3 && memcmp(r.ptr + r.len - 3, "\xE1\xBB\x87", 3) == 0);
    free(big);
    bt_ctx_free(&ctx);
}

static const bt_t_case cases[] = {
    TEST(test_text__valid),        TEST(test_text__empty_and_boms),
    TEST(test_text__controls),     TEST(test_text__invalid_utf8),
    TEST(test_text__linecol),      TEST(test_text__linecol_cursor),
    TEST(test_text__nfc),          TEST(test_text__nfc_inert),
    TEST(test_text__whitespace),   TEST(test_text__nbsp),
    TEST(test_text__utf8_helpers), TEST(test_text__pathological),
};

TEST_MAIN("test_text", cases)
