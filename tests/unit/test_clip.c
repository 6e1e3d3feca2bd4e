/* test_clip.c - plain-text clippings (FORMATS.md §2): title, source and
 * lead, body paragraphs, author / credit / photo trailers, positions, CRLF,
 * BOM, U+00A0, NFD input, errors; and the seed clipping in ../shared. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "bt_limits.h"
#include "buf.h"
#include "read.h"
#include "text.h"

static bt_article *read_clip(bt_ctx *ctx, const char *cstr)
{
    uint16_t f = bt_ctx_file(ctx, "x.txt", NULL);
    CHECK_INT(bt_text_check_input(ctx, f, cstr, strlen(cstr)), 0);
    return bt_read_clip(ctx, f, cstr, strlen(cstr));
}

static bt_block *block_at(bt_article *art, int n)
{
    bt_block *b = art->blocks;
    while (b && n-- > 0)
        b = b->next;
    return b;
}

#define CHECK_POS(p, l, c)                                                     \
    do {                                                                       \
        CHECK_INT((p).line, l);                                                \
        CHECK_INT((p).col, c);                                                 \
    } while (0)

static void test_clip__full(void)
{
    const char *txt = "\xEF\xBB\xBFTitle of the piece  \r\n"   /* 1 */
                      "\r\n"                                   /* 2 */
                      "(VnExpress) \xE2\x80\x93 Lead text\r\n" /* 3 */
                      "continues here.\r\n"                    /* 4 */
                      " \xC2\xA0 \t\r\n"                       /* 5: blank */
                      "  First body line,\r\n"                 /* 6 */
                      "wrapped.   \r\n"                        /* 7 */
                      "\r\n"                                   /* 8 */
                      "Second\xC2\xA0\xC2\xA0para.\r\n"        /* 9 */
                      "\r\n"                                   /* 10 */
                      "Nguy\xE1\xBB\x85n V\xC4\x83n A\r\n"     /* 11 */
                      "\r\n"                                   /* 12 */
                      "(Theo B\xC3\xA1o X)\r\n"                /* 13 */
                      "\r\n"                                   /* 14 */
                      "\xE1\xBA\xA2nh minh h\xE1\xBB\x8D"
                      "a: C\xE1\xBA\xA3nh "
                      "\xC4\x91\xE1\xBA\xB9p.\r\n"; /* 15 */
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_article *art = read_clip(&ctx, txt);
    CHECK(art != NULL);
    CHECK_INT(ctx.ndiags, 0);
    if (!art)
        goto done;
    CHECK(art->id == NULL);
    CHECK_POS(art->pos, 1, 1);
    CHECK_BSTR(art->title.text, "Title of the piece");
    CHECK_POS(art->title.pos, 1, 1);
    CHECK_BSTR(art->source.text, "VnExpress");
    CHECK_POS(art->source.pos, 3, 2);
    CHECK_INT(art->lead.count, 1);
    if (art->lead.first) {
        CHECK_INT(art->lead.first->kind, BT_RUN_TEXT);
        CHECK_BSTR(art->lead.first->text, "Lead text continues here.");
        CHECK_POS(art->lead.first->pos, 3, 15);
    }
    CHECK_POS(art->lead_pos, 3, 15);
    CHECK_INT(art->nauthors, 1);
    if (art->authors) {
        CHECK_BSTR(art->authors->name.text, "Nguy\xE1\xBB\x85n V\xC4\x83n A");
        CHECK_POS(art->authors->name.pos, 11, 1);
    }
    CHECK_BSTR(art->credit.text, "Theo B\xC3\xA1o X");
    CHECK_POS(art->credit.pos, 13, 2);
    CHECK_INT(art->nblocks, 3);
    bt_block *b = block_at(art, 0);
    if (b) {
        CHECK_INT(b->kind, BT_BLOCK_PARA);
        CHECK_POS(b->pos, 6, 3);
        CHECK_INT(b->runs.count, 1);
        CHECK_BSTR(b->runs.first->text, "First body line, wrapped.");
        CHECK_POS(b->runs.first->pos, 6, 3);
        CHECK_INT(b->runs.first->pos.file, art->file);
    }
    b = block_at(art, 1);
    if (b) {
        CHECK_INT(b->kind, BT_BLOCK_PARA);
        CHECK_POS(b->pos, 9, 1);
        CHECK_BSTR(b->runs.first->text, "Second para.");
    }
    b = block_at(art, 2);
    if (b) {
        CHECK_INT(b->kind, BT_BLOCK_PHOTO);
        CHECK_POS(b->pos, 15, 1);
        CHECK_INT(b->runs.count, 1);
        CHECK_BSTR(b->runs.first->text,
                   "C\xE1\xBA\xA3nh \xC4\x91\xE1\xBA\xB9p.");
        CHECK_POS(b->runs.first->pos, 15, 15);
    }
    CHECK(block_at(art, 3) == NULL);
done:
    bt_ctx_free(&ctx);
}

static void test_clip__no_title(void)
{
    const char *bad[] = {" \t\nbody\n", "\n\nbody", "\xC2\xA0\r\nx",
                         "\xEF\xBB\xBF\nx", "   "};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bt_ctx ctx;
        bt_ctx_init(&ctx);
        uint16_t f = bt_ctx_file(&ctx, "x.txt", NULL);
        CHECK(bt_read_clip(&ctx, f, bad[i], strlen(bad[i])) == NULL);
        CHECK_INT(ctx.ndiags, 1);
        if (ctx.ndiags) {
            CHECK_INT(ctx.diags[0].level, BT_DIAG_ERROR);
            CHECK_INT(ctx.diags[0].pos.file, f);
            CHECK_POS(ctx.diags[0].pos, 1, 1);
            CHECK_STR(ctx.diags[0].msg,
                      "clipping has no title on its first line");
        }
        bt_ctx_free(&ctx);
    }
}

static void test_clip__title_only(void)
{
    const char *cases[] = {"Just a title", "Just a title\n",
                           "Just a title\n\n \n", "  Just a title\r"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bt_ctx ctx;
        bt_ctx_init(&ctx);
        bt_article *art = read_clip(&ctx, cases[i]);
        CHECK(art != NULL);
        CHECK_INT(ctx.ndiags, 0);
        if (art) {
            CHECK_BSTR(art->title.text, "Just a title");
            CHECK_INT(art->title.pos.col, i == 3 ? 3 : 1);
            CHECK_INT(art->nblocks, 0);
            CHECK_INT(art->nauthors, 0);
            CHECK_INT(art->lead.count, 0);
            CHECK_INT(art->source.text.len, 0);
        }
        bt_ctx_free(&ctx);
    }
}

static void test_clip__source_variants(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    /* hyphen and em dash; a lone CR ends lines too */
    bt_article *art = read_clip(&ctx, "T\r\r(TTXVN) - Lead.\r\rBody.\r");
    CHECK(art && art->source.text.len);
    if (art) {
        CHECK_BSTR(art->source.text, "TTXVN");
        CHECK_BSTR(art->lead.first ? art->lead.first->text : BT_STR_NULL,
                   "Lead.");
        CHECK_POS(art->lead_pos, 3, 11);
        CHECK_INT(art->nblocks, 1);
        CHECK_POS(art->blocks->pos, 5, 1);
    }
    art = read_clip(&ctx, "T\n\n(A B)\xE2\x80\x94Lead.\n");
    CHECK(art && art->lead.count == 1);
    if (art)
        CHECK_BSTR(art->source.text, "A B");
    /* no dash: an ordinary paragraph, and the only paragraph is never an
     * author even when short */
    art = read_clip(&ctx, "T\n\n(Note) text\n");
    CHECK(art != NULL);
    if (art) {
        CHECK_INT(art->source.text.len, 0);
        CHECK_INT(art->lead.count, 0);
        CHECK_INT(art->nblocks, 1);
        CHECK_INT(art->nauthors, 0);
        CHECK_BSTR(art->blocks->runs.first->text, "(Note) text");
    }
    bt_ctx_free(&ctx);
}

static void test_clip__trailers(void)
{
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    /* final punctuation: not an author; two authors in order; Photo: */
    bt_article *art = read_clip(&ctx, "T\n\nBody one.\n\nThe end.\n\n"
                                      "Anh Thu\n\nMinh Chau\n\nPhoto: A cat");
    CHECK(art != NULL);
    if (art) {
        CHECK_INT(art->nblocks, 3);
        CHECK_INT(art->nauthors, 2);
        if (art->nauthors == 2) {
            CHECK_BSTR(art->authors->name.text, "Anh Thu");
            CHECK_BSTR(art->authors->next->name.text, "Minh Chau");
        }
        CHECK_BSTR(block_at(art, 1)->runs.first->text, "The end.");
        CHECK_INT(block_at(art, 2)->kind, BT_BLOCK_PHOTO);
        CHECK_BSTR(block_at(art, 2)->runs.first->text, "A cat");
        CHECK_INT(art->credit.text.len, 0);
    }
    /* "(Còn nữa)" is not an author; a six-word line is not either; a
     * two-line paragraph is not either */
    art = read_clip(&ctx, "T\n\nBody.\n\none two three four five six\n\n"
                          "Short\nwrapped\n\n(C\xC3\xB2n n\xE1\xBB\xAF"
                          "a)\n");
    CHECK(art != NULL);
    if (art) {
        CHECK_INT(art->nauthors, 0);
        CHECK_INT(art->nblocks, 4);
    }
    /* a photo caption in the middle of the trailers, and a credit with a
     * lowercase "theo" */
    art = read_clip(&ctx,
                    "T\n\nBody.\n\n\xE1\xBA\xA2nh: One.\n\n"
                    "(theo X)\n\n\xE1\xBA\xA2nh minh ho\xE1\xBA\xA1: Two\n");
    CHECK(art != NULL);
    if (art) {
        CHECK_INT(art->nblocks, 3);
        CHECK_BSTR(block_at(art, 1)->runs.first->text, "One.");
        CHECK_BSTR(block_at(art, 2)->runs.first->text, "Two");
        CHECK_BSTR(art->credit.text, "theo X");
    }
    /* "Ảnh:" with nothing after it is body text */
    art = read_clip(&ctx, "T\n\nBody.\n\n\xE1\xBA\xA2nh:\n");
    CHECK(art && art->nblocks == 2 && art->blocks->next->kind == BT_BLOCK_PARA);
    bt_ctx_free(&ctx);
}

/* ---- NFD input reads the same as NFC ------------------------------------- */

static const char *const nfd_map[][2] = {
    {"\xE1\xBB\x99", "o\xCC\xA3\xCC\x82"}, /* ộ */
    {"\xE1\xBB\x8B", "i\xCC\xA3"},         /* ị */
    {"\xC3\xA1", "a\xCC\x81"},             /* á */
    {"\xE1\xBB\x9B", "o\xCC\x9B\xCC\x81"}, /* ớ */
    {"\xE1\xBB\x81", "e\xCC\x82\xCC\x80"}, /* ề */
    {"\xC6\xB0", "u\xCC\x9B"},             /* ư */
    {"\xE1\xBB\x9D", "o\xCC\x9B\xCC\x80"}, /* ờ */
    {"\xE1\xBA\xA2", "A\xCC\x89"},         /* Ả */
    {"\xC3\xA0", "a\xCC\x80"},             /* à */
    {"\xE1\xBA\xA3", "a\xCC\x89"},         /* ả */
    {"\xC3\xAA", "e\xCC\x82"},             /* ê */
    {"\xC3\xBA", "u\xCC\x81"},             /* ú */
    {"\xC3\xB4", "o\xCC\x82"},             /* ô */
};

/* Replaces every precomposed letter of nfd_map in s; heap result. */
static char *to_nfd(const char *s)
{
    bt_buf b = BT_BUF_INIT;
    while (*s) {
        size_t k, n = sizeof nfd_map / sizeof *nfd_map;
        for (k = 0; k < n; k++) {
            size_t l = strlen(nfd_map[k][0]);
            if (strncmp(s, nfd_map[k][0], l) == 0) {
                bt_buf_puts(&b, nfd_map[k][1]);
                s += l;
                break;
            }
        }
        if (k == n)
            bt_buf_putc(&b, *s++);
    }
    return b.data;
}

static int str_same(bt_str a, bt_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static void test_clip__nfd_equals_nfc(void)
{
    const char *nfc =
        "H\xE1\xBB\x99i ngh\xE1\xBB\x8B gi\xE1\xBB\x9B"
        "i\n\n"
        "(B\xC3\xA1o M\xE1\xBB\x9Bi) \xE2\x80\x93 Chi\xE1\xBB\x81u nay, "
        "h\xE1\xBB\x99i ngh\xE1\xBB\x8B.\n\n"
        "N\xE1\xBB\x99i dung ch\xC3\xADnh \xC4\x91\xC6\xB0\xE1\xBB\x9Dng.\n\n"
        "Thi\xC3\xAAn B\xC3\xBAt\n\n"
        "(Theo M\xC3\xB4i tr\xC6\xB0\xE1\xBB\x9Dng)\n\n"
        "\xE1\xBA\xA2nh: To\xC3\xA0n c\xE1\xBA\xA3nh.\n";
    char *nfd = to_nfd(nfc);
    CHECK(strcmp(nfd, nfc) != 0);
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_article *a = read_clip(&ctx, nfc);
    bt_article *d = read_clip(&ctx, nfd);
    CHECK(a && d);
    if (a && d) {
        CHECK(str_same(a->title.text, d->title.text));
        CHECK(str_same(a->source.text, d->source.text));
        CHECK(str_same(a->credit.text, d->credit.text));
        CHECK_BSTR(a->credit.text, "Theo M\xC3\xB4i tr\xC6\xB0\xE1\xBB\x9Dng");
        CHECK_INT(a->nauthors, 1);
        CHECK_INT(d->nauthors, 1);
        if (a->authors && d->authors)
            CHECK(str_same(a->authors->name.text, d->authors->name.text));
        CHECK(a->lead.first && d->lead.first &&
              str_same(a->lead.first->text, d->lead.first->text));
        CHECK_INT(a->nblocks, 2);
        CHECK_INT(d->nblocks, 2);
        bt_block *x = a->blocks, *y = d->blocks;
        for (; x && y; x = x->next, y = y->next) {
            CHECK_INT(x->kind, y->kind);
            CHECK(str_same(x->runs.first->text, y->runs.first->text));
        }
        CHECK_INT(block_at(d, 1)->kind, BT_BLOCK_PHOTO);
    }
    free(nfd);
    bt_ctx_free(&ctx);
}

/* Many paragraphs and trailers (just under BT_MAX_BLOCKS): everything
 * stays linear. */
static void test_clip__many_paragraphs(void)
{
    size_t n = 3u * (BT_MAX_BLOCKS - 10); /* a multiple of 3 */
    char *big = bt_xmalloc(n + 1);
    memcpy(big, "T\n\n", 3);
    for (size_t i = 3; i < n; i += 3)
        memcpy(big + i, "a\n\n", BT_MIN(3, n - i));
    big[n] = 0;
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    bt_article *art = read_clip(&ctx, big);
    CHECK(art != NULL);
    if (art) {
        CHECK_INT(art->nauthors, 3);
        CHECK_INT(art->nblocks + art->nauthors, (int)(n / 3 - 1));
    }
    free(big);
    bt_ctx_free(&ctx);
}

/* ---- the seed clipping --------------------------------------------------- */

static void test_clip__seed(void)
{
    const char *path = "../shared/seeds/hoi-nghi-giao-ban.txt";
    const char *xpath = "../shared/seeds/hoi-nghi-giao-ban.expected.txt";
    bt_buf in = BT_BUF_INIT, ex = BT_BUF_INIT;
    if (bt_buf_read_file(&in, path, 1 << 20) != 0) {
        SKIP_OPTIONAL("../shared/seeds absent");
    }
    CHECK_INT(bt_buf_read_file(&ex, xpath, 1 << 20), 0);
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    uint16_t f = bt_ctx_file(&ctx, path, NULL);
    CHECK_INT(bt_text_check_input(&ctx, f, in.data, in.len), 0);
    bt_article *art = bt_read_clip(&ctx, f, in.data, in.len);
    CHECK(art != NULL);
    CHECK_INT(ctx.ndiags, 0);
    if (!art)
        goto done;
    CHECK_BSTR(art->title.text,
               "H\xE1\xBB\x99i ngh\xE1\xBB\x8B giao ban c\xC3\xB4ng t\xC3\xA1"
               "c x\xC3\xA2y d\xE1\xBB\xB1ng \xC4\x90\xE1\xBA\xA3ng 9 "
               "t\xE1\xBB\x89nh mi\xE1\xBB\x81n Trung \xE2\x80\x93 "
               "T\xC3\xA2y Nguy\xC3\xAAn");
    CHECK_BSTR(art->source.text, "Phapluatmoitruong.vn");
    CHECK_POS(art->source.pos, 3, 2);
    CHECK_INT(art->nauthors, 1);
    if (art->authors) {
        CHECK_BSTR(art->authors->name.text, "Thi\xC3\xAAn B\xC3\xBAt");
        CHECK_POS(art->authors->name.pos, 17, 1);
    }
    CHECK_BSTR(art->credit.text,
               "Theo M\xC3\xB4i tr\xC6\xB0\xE1\xBB\x9Dng v\xC3\xA0 "
               "\xC4\x90\xC3\xB4 th\xE1\xBB\x8B \xC4\x91i\xE1\xBB\x87n "
               "t\xE1\xBB\xAD");
    CHECK_POS(art->credit.pos, 19, 2);
    CHECK_POS(art->lead_pos, 3, 26);

    /* expected paragraphs: lead, then the body paragraphs */
    bt_str paras[16];
    int np = 0;
    const char *p = ex.data, *end = ex.data + ex.len;
    while (p < end && np < 16) {
        const char *e = strstr(p, "\n\n");
        if (!e)
            e = end;
        bt_str t = bt_text_trim(bt_text_normalize(
            &ctx.arena, (bt_str){p, (size_t)(e - p)}, BT_TEXT_NBSP_SPACE));
        if (t.len)
            paras[np++] = t;
        p = e + (e < end ? 2 : 0);
    }
    CHECK_INT(np, 7);
    CHECK_INT(art->lead.count, 1);
    if (np >= 1 && art->lead.first)
        CHECK(str_same(art->lead.first->text, paras[0]));
    int nphoto = 0, k = 1;
    bt_block *b;
    bt_block_foreach(art, b) {
        if (b->kind == BT_BLOCK_PHOTO) {
            nphoto++;
            CHECK(b->next == NULL); /* photos come last */
            CHECK_BSTR(b->runs.first->text,
                       "To\xC3\xA0n c\xE1\xBA\xA3nh H\xE1\xBB\x99i "
                       "ngh\xE1\xBB\x8B.");
            CHECK_POS(b->pos, 21, 1);
            continue;
        }
        CHECK_INT(b->kind, BT_BLOCK_PARA);
        CHECK_INT(b->runs.count, 1);
        if (k < np && !str_same(b->runs.first->text, paras[k])) {
            CHECK(!"body paragraph differs from the expected text");
            fprintf(stderr, "  paragraph %d:\n  got  %.*s\n  want %.*s\n", k,
                    (int)b->runs.first->text.len, b->runs.first->text.ptr,
                    (int)paras[k].len, paras[k].ptr);
        }
        k++;
    }
    CHECK_INT(nphoto, 1);
    CHECK_INT(k, 7); /* 6 body paragraphs */
    CHECK_INT(art->nblocks, 7);
done:
    bt_ctx_free(&ctx);
    bt_buf_free(&in);
    bt_buf_free(&ex);
}

static const bt_t_case cases[] = {
    TEST(test_clip__full),
    TEST(test_clip__no_title),
    TEST(test_clip__title_only),
    TEST(test_clip__source_variants),
    TEST(test_clip__trailers),
    TEST(test_clip__nfd_equals_nfc),
    TEST(test_clip__many_paragraphs),
    TEST(test_clip__seed),
};

TEST_MAIN("test_clip", cases)
