/* fuzz_html.c - libFuzzer target: bytes -> bt_html_extract (no folder, so
 * no image is kept) -> bt_read_article, with a fresh context per input.
 * Checks: an extraction either fails with exactly one error or gives an
 * article bt_read_article accepts without error; every position lies in
 * the input; and the article written as XML (article_out.c) parses and
 * reads back without error, with the same title and block count - what
 * `bantin import` promises. Seeds: tests/fuzz/corpus/html/. */
#include <stdint.h>
#include <string.h>
#include "read.h"
#include "read_html.h"
#include "article_out.h"
#include "text.h"
#include "bt_limits.h"

static uint32_t nlines;

static void check_pos(bt_pos p)
{
    BT_ASSERT(p.file == 1);
    BT_ASSERT(p.line >= 1 && p.line <= nlines);
    BT_ASSERT(p.col >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > BT_MAX_INPUT_BYTES)
        return 0;
    bt_ctx ctx;
    bt_ctx_init(&ctx);
    uint16_t f = bt_ctx_file(&ctx, "fuzz.html", NULL);
    const char *s = (const char *)data;
    nlines = 1;
    for (size_t i = 0; i < size; i++)
        if (s[i] == '\n' ||
            (s[i] == '\r' && !(i + 1 < size && s[i + 1] == '\n')))
            nlines++;
    bt_xel *root = bt_html_extract(&ctx, f, s, size, NULL);
    if (!root) {
        BT_ASSERT(ctx.nerrors == 1);
        bt_ctx_free(&ctx);
        return 0;
    }
    BT_ASSERT(ctx.nerrors == 0);
    bt_article *art = bt_read_article(&ctx, root, f, ".", ".", 0);
    BT_ASSERT(art != NULL);
    BT_ASSERT(ctx.nerrors == 0);
    check_pos(art->title.pos);
    BT_ASSERT(art->nblocks > 0);
    for (const bt_block *b = art->blocks; b; b = b->next) {
        check_pos(b->pos);
        BT_ASSERT(b->kind != BT_BLOCK_FIGURE); /* no folder: no image */
    }
    bt_buf xml = BT_BUF_INIT;
    bt_article_xml(&xml, root);
    uint16_t g = bt_ctx_file(&ctx, "fuzz.xml", NULL);
    BT_ASSERT(bt_text_check_input(&ctx, g, xml.data, xml.len) == 0);
    bt_xel *again = bt_xml_parse(&ctx, g, xml.data, xml.len);
    BT_ASSERT(again != NULL);
    bt_article *art2 = bt_read_article(&ctx, again, g, ".", ".", 0);
    BT_ASSERT(art2 != NULL && ctx.nerrors == 0);
    BT_ASSERT(art2->title.text.len == art->title.text.len &&
              memcmp(art2->title.text.ptr, art->title.text.ptr,
                     art->title.text.len) == 0);
    BT_ASSERT(art2->nblocks == art->nblocks);
    bt_buf_free(&xml);
    bt_ctx_free(&ctx);
    return 0;
}
